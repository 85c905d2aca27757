//! The template set: every file under templates/ is embedded, and a user folder overrides
//! any template by relative path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod render_support;

use berth_core::plan::Plan;
use berth_core::render::{render, Templates, EMBEDDED};
use berth_core::stacks::Stack;
use render_support::*;
use std::path::Path;

fn files_under(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, base, out);
        } else {
            let rel = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push(rel);
        }
    }
}

#[test]
fn every_template_file_is_embedded() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
    let mut on_disk = Vec::new();
    files_under(&root, &root, &mut on_disk);
    on_disk.sort();
    let mut embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| n.to_string()).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded, "templates/ and the EMBEDDED list differ");
}

/// Adding a stack to the registry without its templates fails here, not at render time.
#[test]
fn every_registered_stack_has_its_dockerfile_and_dockerignore_templates() {
    let embedded: Vec<&str> = EMBEDDED.iter().map(|(n, _)| *n).collect();
    for p in berth_core::stacks::providers() {
        let t = p.templates();
        for name in [t.dockerfile, t.dockerignore] {
            assert!(
                embedded.contains(&name),
                "{:?}: template {name} is not in templates/ (EMBEDDED)",
                p.stack()
            );
        }
    }
}

#[test]
fn override_folder_replaces_one_template_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("python")).unwrap();
    std::fs::write(
        dir.path().join("python/Dockerfile.j2"),
        "FROM {{ images.runtime }}\nUSER {{ plan.user | user }}\nCMD {{ plan.start_command | exec }}\n",
    )
    .unwrap();
    let templates = Templates::load(Some(dir.path())).unwrap();
    assert_eq!(templates.overridden(), ["python/Dockerfile.j2"]);
    let mut d = detection(Stack::Python);
    d.start_command = vec!["python".into(), "app.py".into()];
    let plan = Plan::from_detection(&d);
    let out = render(&plan, &templates).unwrap();
    assert_eq!(
        out.dockerfile,
        "FROM python:3.12-slim-bookworm\nUSER 10001\nCMD [\"python\", \"app.py\"]\n"
    );
    // Not overridden: the embedded compose and .dockerignore.
    let embedded = render(&plan, &Templates::embedded()).unwrap();
    assert_eq!(out.compose, embedded.compose);
    assert_eq!(out.dockerignore, embedded.dockerignore);
}

#[test]
fn missing_override_folder_means_embedded_templates() {
    let dir = tempfile::tempdir().unwrap();
    let t = Templates::load(Some(&dir.path().join("absent"))).unwrap();
    assert!(t.overridden().is_empty());
    let t = Templates::load(None).unwrap();
    assert!(t.overridden().is_empty());
}

#[test]
fn broken_override_is_a_template_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml.j2"),
        "name: {{ plan.name | yaml\n",
    )
    .unwrap();
    let templates = Templates::load(Some(dir.path())).unwrap();
    let plan = Plan::from_detection(&detection(Stack::Go));
    let err = render(&plan, &templates).unwrap_err();
    assert_eq!(err.kind(), berth_core::ErrorKind::Template);
    assert!(err.to_string().contains("compose.yaml.j2"), "{err}");
}

#[test]
fn override_cannot_bypass_the_filters_for_unsafe_paths() {
    // A template that puts a hint through `path` fails on an unsafe value instead of
    // writing it (plans from detection never carry one; this is an edited plan).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("static")).unwrap();
    std::fs::write(
        dir.path().join("static/Dockerfile.j2"),
        "FROM {{ images.runtime }}\nCOPY {{ hints.document_root | path }} /usr/share/nginx/html\n",
    )
    .unwrap();
    let templates = Templates::load(Some(dir.path())).unwrap();
    let mut plan = Plan::from_detection(&detection(Stack::Static));
    plan.hints
        .insert("document_root".into(), "public\nUSER root".into());
    // With the environments on, the dev settings refuse the path before any template runs.
    plan.environments = true;
    let err = render(&plan, &templates).unwrap_err();
    assert_eq!(err.kind(), berth_core::ErrorKind::InvalidPlan, "{err}");
    // Without them, the template's own `path` filter refuses it.
    plan.environments = false;
    let err = render(&plan, &templates).unwrap_err();
    assert_eq!(err.kind(), berth_core::ErrorKind::Template, "{err}");
}
