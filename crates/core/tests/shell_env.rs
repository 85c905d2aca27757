//! The login-shell environment read from real shells: bash as a login shell with a home whose
//! ~/.bash_profile prints a banner, exports DOCKER_HOST and prepends to PATH (as Homebrew's
//! and Colima's instructions have users do); a shell that hangs is killed at the timeout; one
//! that is missing or fails gives nothing.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use berth_core::shell_env::{read_login_shell, updates, RESOLVING_ENV};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// An executable script standing for `$SHELL`: runs `body` with "$@".
fn shell(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn a_login_bash_gives_its_profile_s_path_and_docker_host() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".bash_profile"),
        format!(
            "echo 'Welcome to your shell'\n\
             [ -n \"${RESOLVING_ENV}\" ] && export SAW_RESOLVING=1\n\
             export PATH=/opt/homebrew/bin:$PATH\n\
             export DOCKER_HOST=unix://$HOME/.colima/default/docker.sock\n"
        ),
    )
    .unwrap();
    let bash = shell(
        home.path(),
        "bash-in-home",
        &format!("HOME='{}' exec /bin/bash \"$@\"", home.path().display()),
    );
    let vars = read_login_shell(&bash, Duration::from_secs(30)).expect("an answer");
    assert_eq!(
        vars.get("DOCKER_HOST").map(String::as_str),
        Some(
            format!(
                "unix://{}/.colima/default/docker.sock",
                home.path().display()
            )
            .as_str()
        )
    );
    let path = vars.get("PATH").unwrap();
    assert!(path.starts_with("/opt/homebrew/bin:"), "{path}");

    let set = updates(&vars, |k| match k {
        "PATH" => Some("/usr/bin:/bin".into()),
        _ => None,
    });
    let merged = &set.iter().find(|(k, _)| k == "PATH").unwrap().1;
    assert!(merged.starts_with("/opt/homebrew/bin:") && merged.contains("/usr/bin"));
    assert!(set.iter().any(|(k, _)| k == "DOCKER_HOST"));
}

#[test]
fn a_shell_that_hangs_is_given_up_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let hang = shell(dir.path(), "hang", "exec sleep 600");
    assert_eq!(read_login_shell(&hang, Duration::from_millis(500)), None);
}

#[test]
fn a_missing_or_failing_shell_gives_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        read_login_shell(&dir.path().join("no-such-shell"), Duration::from_secs(5)),
        None
    );
    let fails = shell(dir.path(), "fails", "echo 'rc error' >&2; exit 1");
    assert_eq!(read_login_shell(&fails, Duration::from_secs(5)), None);
}
