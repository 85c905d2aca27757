//! `berth open`: the built CLI starts the app named by BERTH_APP (here a script recording its
//! arguments) with the folder made absolute, and refuses what is not a folder without
//! starting anything. The real app receiving it is tested in tests/e2e/single-instance.e2e.mjs.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A stand-in app: writes its arguments, one a line, to `$dir/args`.
fn recorder(dir: &Path) -> PathBuf {
    let script = dir.join("berth-app");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{0}/args.tmp' && mv '{0}/args.tmp' '{0}/args'\n",
            dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn berth_open(app: &Path, cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("open")
        .args(args)
        .current_dir(cwd)
        .env("BERTH_APP", app)
        .output()
        .unwrap()
}

/// The recorded arguments, once the detached app wrote them (bounded wait, not a timing check).
fn recorded(dir: &Path) -> Vec<String> {
    let file = dir.join("args");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !file.exists() {
        assert!(Instant::now() < deadline, "the app was never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn a_relative_folder_reaches_the_app_absolute_with_the_view() {
    let dir = tempfile::tempdir().unwrap();
    let app = recorder(dir.path());
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join("shop")).unwrap();

    let out = berth_open(&app, &work, &["shop", "--view", "containers"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Opening shop in Berth"));
    assert_eq!(
        recorded(dir.path()),
        vec![
            "--view".to_string(),
            "containers".into(),
            work.join("shop").display().to_string(),
        ]
    );
}

#[test]
fn what_is_not_a_folder_is_refused_and_nothing_starts() {
    let dir = tempfile::tempdir().unwrap();
    let app = recorder(dir.path());
    std::fs::write(dir.path().join("file.txt"), "x").unwrap();

    let missing = berth_open(&app, dir.path(), &["nope"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such file or folder"));
    let file = berth_open(&app, dir.path(), &["file.txt"]);
    assert_eq!(file.status.code(), Some(2));
    let view = berth_open(&app, dir.path(), &["--view", "nope"]);
    assert_eq!(view.status.code(), Some(2), "clap refuses an unknown view");
    assert!(!dir.path().join("args").exists(), "the app was not started");
}
