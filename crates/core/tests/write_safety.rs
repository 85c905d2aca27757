//! The write rules on real folders: backup names claimed atomically by concurrent writers,
//! a file that appears or changes after the preview is never replaced unseen, backups keep
//! the original's permissions, and a write that fails half-way (a real EFBIG from a file
//! size limit, as on a full disk) names the files it already wrote.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use berth_core::render::RenderedFiles;
use berth_core::write::{self, preview, write, write_previewed, FilePreview, FileStatus, Seen};
use berth_core::{Error, ErrorKind};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn files(tag: &str) -> RenderedFiles {
    RenderedFiles {
        dockerfile: format!("FROM scratch\n# {tag}\n"),
        compose: format!("services: {{}}\n# {tag}\n"),
        dockerignore: format!(".git\n# {tag}\n"),
        ..Default::default()
    }
}

fn seen_of(dir: &Path, f: &RenderedFiles) -> Vec<Seen> {
    preview(dir, f)
        .unwrap()
        .iter()
        .map(FilePreview::seen)
        .collect()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Sixteen writers back up the same file with the same stamp at once: each gets its own
/// backup, none is overwritten, each holds the whole original.
#[test]
fn concurrent_backups_never_share_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose.yaml");
    let original = "services:\n  app: {}\n".repeat(1000);
    std::fs::write(&path, &original).unwrap();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (path, barrier) = (path.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                write::backup_copy(&path, "20260101T000000Z").unwrap()
            })
        })
        .collect();
    let backups: Vec<PathBuf> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let distinct: HashSet<&PathBuf> = backups.iter().collect();
    assert_eq!(distinct.len(), 16, "{backups:?}");
    for b in &backups {
        assert_eq!(std::fs::read_to_string(b).unwrap(), original);
    }
    assert_eq!(listing(dir.path()).len(), 17);
}

/// Two forced writes in a row (the CLI and the app): two backups, the first not replaced.
#[test]
fn backups_of_two_writers_in_one_second_are_both_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM mine\n").unwrap();
    let a = write(dir.path(), &files("a"), true).unwrap();
    let b = write(dir.path(), &files("b"), true).unwrap();
    let (ba, bb) = (
        a.files[0].backup.clone().unwrap(),
        b.files[0].backup.clone().unwrap(),
    );
    assert_ne!(ba, bb);
    assert_eq!(std::fs::read_to_string(ba).unwrap(), "FROM mine\n");
    assert_eq!(std::fs::read_to_string(bb).unwrap(), "FROM scratch\n# a\n");
}

#[test]
fn a_file_that_appears_after_the_preview_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let seen = seen_of(dir.path(), &files("v1"));
    std::fs::write(dir.path().join("compose.yaml"), "services: {mine: {}}\n").unwrap();
    for force in [false, true] {
        let err = write_previewed(dir.path(), &files("v1"), &seen, force).unwrap_err();
        assert!(matches!(err, Error::ChangedSincePreview(_)), "{err}");
        assert_eq!(err.kind(), ErrorKind::WouldOverwrite);
        assert!(err
            .to_string()
            .contains("compose.yaml changed since the preview"));
    }
    assert_eq!(listing(dir.path()), ["compose.yaml"], "nothing was written");
    // Previewed again, it is shown as changed and replaced with a backup when confirmed.
    let seen = seen_of(dir.path(), &files("v1"));
    let report = write_previewed(dir.path(), &files("v1"), &seen, true).unwrap();
    let compose = &report.files[1];
    assert_eq!(compose.status, FileStatus::Changed);
    assert_eq!(
        std::fs::read_to_string(compose.backup.as_ref().unwrap()).unwrap(),
        "services: {mine: {}}\n"
    );
}

#[test]
fn a_file_changed_or_removed_after_the_preview_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &files("v1"), false).unwrap();
    let seen = seen_of(dir.path(), &files("v2"));
    std::fs::write(dir.path().join("Dockerfile"), "FROM edited\n").unwrap();
    let err = write_previewed(dir.path(), &files("v2"), &seen, true).unwrap_err();
    assert!(matches!(err, Error::ChangedSincePreview(ref p) if p.ends_with("Dockerfile")));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        "FROM edited\n"
    );
    std::fs::remove_file(dir.path().join("Dockerfile")).unwrap();
    let err = write_previewed(dir.path(), &files("v2"), &seen, true).unwrap_err();
    assert!(matches!(err, Error::ChangedSincePreview(_)), "{err}");
    assert_eq!(listing(dir.path()), [".dockerignore", "compose.yaml"]);
    // Without what the preview saw, nothing is written either.
    let err = write_previewed(dir.path(), &files("v2"), &[], true).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[cfg(unix)]
#[test]
fn a_backup_is_never_more_readable_than_its_original() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("compose.yaml");
    std::fs::write(&p, "services: {}\n# secrets inline\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    let report = write(dir.path(), &files("v1"), true).unwrap();
    let backup = report.files[1].backup.clone().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&backup), 0o600);
    assert_eq!(mode(&p), 0o600, "the replaced file keeps its mode");
}

/// Env var naming the folder for [`partial_write_child`].
const CHILD_DIR: &str = "BERTH_TEST_PARTIAL_WRITE_DIR";

/// The Dockerfile is small, compose.yaml larger than the file size limit the parent sets
/// (`ulimit -f`, with SIGXFSZ ignored so the write fails with EFBIG, as on a full disk).
fn partial_files() -> RenderedFiles {
    RenderedFiles {
        dockerfile: "FROM scratch\n".into(),
        compose: format!("services: {{}}\n#{}\n", "x".repeat(64 * 1024)),
        dockerignore: ".git\n".into(),
        compose_dev: None,
        compose_prod: None,
    }
}

/// Run by [`a_failed_later_file_names_the_files_already_written`] in a child process.
#[test]
#[ignore = "run in a child process by a_failed_later_file_names_the_files_already_written"]
fn partial_write_child() {
    let dir = PathBuf::from(std::env::var_os(CHILD_DIR).expect("run by the parent test"));
    let err = write(&dir, &partial_files(), false).unwrap_err();
    let Error::PartlyWritten { written, source } = &err else {
        panic!("expected PartlyWritten, got {err}");
    };
    assert_eq!(written, &[dir.join("Dockerfile").display().to_string()]);
    assert_eq!(err.kind(), ErrorKind::Io);
    let msg = err.to_string();
    assert!(msg.contains("compose.yaml"), "{msg}");
    assert!(
        msg.ends_with(&format!(
            "(already written: {})",
            dir.join("Dockerfile").display()
        )),
        "{msg}"
    );
    assert!(matches!(**source, Error::Io { .. }), "{source}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_later_file_names_the_files_already_written() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    // 8 KiB: the Dockerfile fits, compose.yaml (64 KiB) does not.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\"")
        .arg(&exe)
        .args([
            "--exact",
            "partial_write_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("1 passed"),
        "the child test did not run: {text}"
    );
    // The first file is in place and whole; no half-written file, no temporary left.
    assert_eq!(listing(dir.path()), ["Dockerfile"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        "FROM scratch\n"
    );
}

/// The use case the CLI and the app call: `app::write` with what `app::preview` saw refuses
/// a Dockerfile that appeared in between (kind would_overwrite, even with force) and leaves
/// it alone; previewed again, it is replaced with a backup.
#[test]
fn app_write_takes_what_the_preview_saw() {
    use berth_core::app;
    use berth_core::render::Templates;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "flask==3.0.3\n").unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "from flask import Flask\napp = Flask(__name__)\n",
    )
    .unwrap();
    let opened = app::open(dir.path()).unwrap();
    let root = PathBuf::from(&opened.root);
    let plan = app::plan_for(&root, opened.detection.as_ref().unwrap(), None).unwrap();
    let templates = Templates::embedded();
    let shown = app::preview(&root, &plan, &templates).unwrap();
    assert!(shown.files.iter().all(|f| f.status == FileStatus::New));
    let seen: Vec<Seen> = shown.files.iter().map(FilePreview::seen).collect();
    std::fs::write(root.join("Dockerfile"), "FROM mine\n").unwrap();
    for force in [false, true] {
        let err = app::write(&root, &plan, &templates, Some(&seen), force).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldOverwrite, "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(root.join("Dockerfile")).unwrap(),
        "FROM mine\n"
    );
    assert!(!root.join("compose.yaml").exists(), "nothing is written");
    let seen: Vec<Seen> = app::preview(&root, &plan, &templates)
        .unwrap()
        .files
        .iter()
        .map(FilePreview::seen)
        .collect();
    let report = app::write(&root, &plan, &templates, Some(&seen), true).unwrap();
    let backup = report.files[0].backup.as_ref().unwrap();
    assert_eq!(std::fs::read_to_string(backup).unwrap(), "FROM mine\n");
}
