//! write::preview / write::write on real folders: refusal writes nothing, force keeps
//! backups, writes are atomic (no temp files left), unchanged files are not touched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use berth_core::render::RenderedFiles;
use berth_core::write::{preview, write, FileStatus};
use berth_core::ErrorKind;
use std::path::Path;

fn files(tag: &str) -> RenderedFiles {
    RenderedFiles {
        dockerfile: format!("FROM scratch\n# {tag}\n"),
        compose: format!("services: {{}}\n# {tag}\n"),
        dockerignore: format!(".git\n# {tag}\n"),
        compose_dev: None,
        compose_prod: None,
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn fresh_folder_gets_all_three_files_and_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let report = write(dir.path(), &files("v1"), false).unwrap();
    assert!(report
        .files
        .iter()
        .all(|f| f.status == FileStatus::New && f.backup.is_none()));
    assert_eq!(
        listing(dir.path()),
        [".dockerignore", "Dockerfile", "compose.yaml"]
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        "FROM scratch\n# v1\n"
    );
}

#[test]
fn preview_reports_status_and_unified_diff() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &files("v1"), false).unwrap();
    let mut next = files("v1");
    next.dockerfile = "FROM scratch\n# v2\n".into();
    let p = preview(dir.path(), &next).unwrap();
    assert_eq!(p[0].name, "Dockerfile");
    assert_eq!(p[0].status, FileStatus::Changed);
    assert_eq!(p[0].existing.as_deref(), Some("FROM scratch\n# v1\n"));
    let diff = p[0].diff.as_deref().unwrap();
    assert!(diff.contains("--- a/Dockerfile") && diff.contains("-# v1") && diff.contains("+# v2"));
    assert_eq!(p[1].status, FileStatus::Unchanged);
    assert!(p[1].diff.is_none());
}

#[test]
fn refusal_without_force_writes_nothing_at_all() {
    let dir = tempfile::tempdir().unwrap();
    // compose.yaml differs; Dockerfile and .dockerignore are missing (would be new).
    std::fs::write(dir.path().join("compose.yaml"), "services: {mine: {}}\n").unwrap();
    let err = write(dir.path(), &files("v1"), false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldOverwrite);
    assert!(err.to_string().contains("compose.yaml"), "{err}");
    assert_eq!(
        listing(dir.path()),
        ["compose.yaml"],
        "new files were written anyway"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
        "services: {mine: {}}\n"
    );
}

#[test]
fn force_keeps_a_backup_and_leaves_unchanged_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &files("v1"), false).unwrap();
    let ignore = dir.path().join(".dockerignore");
    let before = std::fs::metadata(&ignore).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let mut next = files("v1");
    next.dockerfile = "FROM scratch\n# v2\n".into();
    let report = write(dir.path(), &next, true).unwrap();
    let statuses: Vec<FileStatus> = report.files.iter().map(|f| f.status).collect();
    assert_eq!(
        statuses,
        [
            FileStatus::Changed,
            FileStatus::Unchanged,
            FileStatus::Unchanged
        ]
    );
    let backup = report.files[0].backup.clone().unwrap();
    assert_eq!(backup.parent().unwrap(), dir.path());
    assert!(backup
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("Dockerfile.berth-backup-"));
    assert_eq!(
        std::fs::read_to_string(&backup).unwrap(),
        "FROM scratch\n# v1\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        "FROM scratch\n# v2\n"
    );
    assert_eq!(
        std::fs::metadata(&ignore).unwrap().modified().unwrap(),
        before
    );
    assert!(!listing(dir.path()).iter().any(|n| n.contains("berth-tmp")));

    // A second forced change in the same second gets its own backup, not an overwrite.
    next.dockerfile = "FROM scratch\n# v3\n".into();
    let report = write(dir.path(), &next, true).unwrap();
    let second = report.files[0].backup.clone().unwrap();
    assert_ne!(second, backup);
    assert_eq!(
        std::fs::read_to_string(&backup).unwrap(),
        "FROM scratch\n# v1\n"
    );
    assert_eq!(
        std::fs::read_to_string(&second).unwrap(),
        "FROM scratch\n# v2\n"
    );
}

#[test]
fn missing_or_non_folder_out_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    assert_eq!(
        write(&missing, &files("v1"), false).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    assert_eq!(
        write(&file, &files("v1"), true).unwrap_err().kind(),
        ErrorKind::NotADirectory
    );
}
