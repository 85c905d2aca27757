//! The command bodies, run without a desktop: a real Flask project in a temp folder,
//! real detection, rendering and writing.

use super::*;
use berth_core::detect::{Service, Stack};
use berth_core::write::FileStatus;
use berth_core::ErrorKind;

fn flask_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "flask==3.0.3\nredis==5.0.8\ngunicorn==22.0.0\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "from flask import Flask\nimport redis\n\napp = Flask(__name__)\n\n@app.get('/health')\ndef health():\n    return 'ok'\n",
    )
    .unwrap();
    dir
}

fn templates() -> Templates {
    Templates::embedded()
}

fn dockerfile(p: &ProjectPreview) -> &str {
    &p.files
        .iter()
        .find(|f| f.name == "Dockerfile")
        .unwrap()
        .content
}

fn compose(p: &ProjectPreview) -> &str {
    &p.files
        .iter()
        .find(|f| f.name == "compose.yaml")
        .unwrap()
        .content
}

#[test]
fn open_project_detects_and_offers_the_default_plan_as_edits() {
    let dir = flask_project();
    let opened = open_project(dir.path()).unwrap();
    assert_eq!(opened.detection.as_ref().unwrap().stack, Stack::Python);
    let edits = opened.edits.as_ref().unwrap();
    assert_eq!(edits, &PlanEdits::of(opened.plan.as_ref().unwrap()));
    assert!(edits.services.contains(&Service::Redis));
    assert!(opened.own_files.is_empty());
    assert!(Path::new(&opened.root).is_absolute());
}

#[test]
fn open_project_reports_a_missing_folder_with_its_kind() {
    let err = open_project(Path::new("/definitely/not/here")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn a_folder_with_only_a_dockerfile_opens_with_nothing_detected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let opened = open_project(dir.path()).unwrap();
    assert!(opened.detection.is_none());
    assert!(opened.plan.is_none());
    assert!(opened.edits.is_none());
    assert_eq!(opened.own_files, vec!["Dockerfile".to_string()]);
    assert!(Path::new(&opened.root).is_absolute());
}

#[test]
fn a_folder_with_only_a_compose_file_opens_with_nothing_detected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    build: .\n",
    )
    .unwrap();
    let opened = open_project(dir.path()).unwrap();
    assert!(opened.detection.is_none());
    assert_eq!(opened.own_files, vec!["compose.yaml".to_string()]);
}

#[test]
fn a_folder_with_neither_a_stack_nor_build_files_is_still_not_a_project() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello\n").unwrap();
    let err = open_project(dir.path()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAProject);
}

#[test]
fn a_detected_project_lists_its_own_dockerfile_too() {
    let dir = flask_project();
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let opened = open_project(dir.path()).unwrap();
    assert!(opened.detection.is_some());
    assert_eq!(opened.own_files, vec!["Dockerfile".to_string()]);
}

#[test]
fn edits_flow_into_the_rendered_files() {
    let dir = flask_project();
    let opened = open_project(dir.path()).unwrap();
    let root = PathBuf::from(&opened.root);
    let before = preview_files(
        &root,
        opened.detection.as_ref().unwrap(),
        opened.edits.as_ref().unwrap(),
        &templates(),
    )
    .unwrap();
    assert!(before.files.iter().all(|f| f.status == FileStatus::New));
    assert!(compose(&before).contains("redis"));

    let mut edits = opened.edits.clone().unwrap();
    edits.port = 9123;
    edits.services.clear();
    let after = preview_files(
        &root,
        opened.detection.as_ref().unwrap(),
        &edits,
        &templates(),
    )
    .unwrap();
    assert_eq!(after.plan.port, 9123);
    assert!(
        dockerfile(&after).contains("9123"),
        "{}",
        dockerfile(&after)
    );
    assert!(!compose(&after).contains("redis"), "{}", compose(&after));
    assert!(!after.plan.env.contains_key("REDIS_URL"));
}

#[test]
fn invalid_edits_are_rejected_as_invalid_plan() {
    let dir = flask_project();
    let opened = open_project(dir.path()).unwrap();
    let mut edits = opened.edits.clone().unwrap();
    edits.runtime_image = "python:3.12\nUSER root".into();
    let err = preview_files(
        dir.path(),
        opened.detection.as_ref().unwrap(),
        &edits,
        &templates(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPlan);
}

#[test]
fn write_refuses_to_replace_without_force_and_keeps_a_backup_with_it() {
    let dir = flask_project();
    let opened = open_project(dir.path()).unwrap();
    let root = PathBuf::from(&opened.root);
    std::fs::write(root.join("Dockerfile"), "FROM scratch\n").unwrap();

    let err = write_files(
        &root,
        opened.detection.as_ref().unwrap(),
        opened.edits.as_ref().unwrap(),
        &templates(),
        false,
        None,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldOverwrite);
    assert_eq!(
        std::fs::read_to_string(root.join("Dockerfile")).unwrap(),
        "FROM scratch\n"
    );
    assert!(!root.join("compose.yaml").exists(), "nothing is written");

    let report = write_files(
        &root,
        opened.detection.as_ref().unwrap(),
        opened.edits.as_ref().unwrap(),
        &templates(),
        true,
        None,
    )
    .unwrap();
    let docker = report
        .files
        .iter()
        .find(|f| f.name == "Dockerfile")
        .unwrap();
    let backup = docker
        .backup
        .as_ref()
        .expect("a backup of the replaced Dockerfile");
    assert_eq!(std::fs::read_to_string(backup).unwrap(), "FROM scratch\n");
    let written = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(written.contains("USER"), "{written}");

    let again = preview_files(
        &root,
        opened.detection.as_ref().unwrap(),
        opened.edits.as_ref().unwrap(),
        &templates(),
    )
    .unwrap();
    assert!(again
        .files
        .iter()
        .all(|f| f.status == FileStatus::Unchanged));
}

/// The app hands the write what its preview saw: a Dockerfile that appears after the
/// preview is refused (kind would_overwrite, even with force) and left as it is.
#[test]
fn a_file_that_appeared_after_the_preview_is_not_replaced() {
    let dir = flask_project();
    let opened = open_project(dir.path()).unwrap();
    let root = PathBuf::from(&opened.root);
    let (detection, edits) = (
        opened.detection.as_ref().unwrap(),
        opened.edits.as_ref().unwrap(),
    );
    let shown = preview_files(&root, detection, edits, &templates()).unwrap();
    assert!(shown.files.iter().all(|f| f.status == FileStatus::New));
    let seen: Vec<_> = shown.files.iter().map(|f| f.seen()).collect();
    std::fs::write(root.join("Dockerfile"), "FROM mine\n").unwrap();
    for force in [false, true] {
        let err =
            write_files(&root, detection, edits, &templates(), force, Some(&seen)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldOverwrite, "{err}");
        assert!(
            err.to_string().contains("changed since the preview"),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(root.join("Dockerfile")).unwrap(),
        "FROM mine\n"
    );
    assert!(!root.join("compose.yaml").exists(), "nothing is written");
}

#[test]
fn a_leading_tilde_is_the_home_folder() {
    let home = PathBuf::from(std::env::var_os("HOME").unwrap());
    assert_eq!(path_arg("~"), home);
    assert_eq!(path_arg("~/code/app"), home.join("code/app"));
    assert_eq!(path_arg("~other/app"), PathBuf::from("~other/app"));
    assert_eq!(path_arg("/srv/app"), PathBuf::from("/srv/app"));
}
