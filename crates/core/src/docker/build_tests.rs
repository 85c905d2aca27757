//! Unit tests of the build module (pure: progress parsing, targets, hints).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn pull_failures_get_a_hint() {
    assert!(
        pull_hint("Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup x")
            .contains("mirror")
    );
    assert_eq!(
        pull_hint("The command '/bin/sh -c false' returned a non-zero code: 1"),
        ""
    );
}

#[test]
fn targets_met_and_missed() {
    let t = check_targets(5_000_000, Duration::from_secs(3));
    assert!(t.iter().all(|t| t.met && t.hint.is_none()));
    assert_eq!(t[0].actual, "5.0 MB");
    let t = check_targets(250_000_000, Duration::from_secs(400));
    assert!(t.iter().all(|t| !t.met && t.hint.is_some()));
}
