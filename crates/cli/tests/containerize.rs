//! `berth containerize` end to end: the real binary over a copy of a fixture folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FILES: [&str; 3] = ["Dockerfile", "compose.yaml", ".dockerignore"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A fresh copy of the python-flask-redis fixture, plus an empty config dir so the user's
/// own template overrides do not leak into the test.
struct Sandbox {
    _tmp: tempfile::TempDir,
    project: PathBuf,
    config: PathBuf,
}

fn sandbox() -> Sandbox {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("flask-app");
    copy_dir(&fixture("python-flask-redis"), &project);
    let config = tmp.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    Sandbox {
        _tmp: tmp,
        project,
        config,
    }
}

fn berth(sb: &Sandbox, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("containerize")
        .args(args)
        .env("XDG_CONFIG_HOME", &sb.config)
        .env("HOME", sb.config.parent().unwrap())
        .output()
        .unwrap()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn fresh_write_creates_the_three_files() {
    let sb = sandbox();
    let p = sb.project.to_str().unwrap();
    let out = berth(&sb, &[p]);
    assert!(out.status.success(), "{}", text(&out));
    for f in FILES {
        let content = std::fs::read_to_string(sb.project.join(f)).unwrap();
        assert!(!content.is_empty(), "{f} empty");
    }
    let dockerfile = std::fs::read_to_string(sb.project.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("FROM python:"), "{dockerfile}");
    let compose = std::fs::read_to_string(sb.project.join("compose.yaml")).unwrap();
    assert!(compose.contains("name: \"flask-app\""), "{compose}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("new") && stdout.contains("Dockerfile"),
        "{stdout}"
    );
    // No temp files left behind.
    assert!(
        !listing(&sb.project).iter().any(|n| n.contains("berth-tmp")),
        "{:?}",
        listing(&sb.project)
    );
    // A second run finds everything unchanged and touches nothing.
    let before = std::fs::metadata(sb.project.join("Dockerfile"))
        .unwrap()
        .modified()
        .unwrap();
    let again = berth(&sb, &[p]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("unchanged"));
    let after = std::fs::metadata(sb.project.join("Dockerfile"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
}

#[test]
fn refuses_to_replace_a_different_file_without_force() {
    let sb = sandbox();
    let mine = "FROM scratch\n# my own Dockerfile\n";
    std::fs::write(sb.project.join("Dockerfile"), mine).unwrap();
    let before = listing(&sb.project);
    let out = berth(&sb, &[sb.project.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one-line error: {stderr}");
    assert!(
        stderr.contains("Dockerfile") && stderr.contains("--force"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("-# my own Dockerfile"),
        "diff shown: {stdout}"
    );
    // The file is untouched and nothing else was written (not even the new files).
    assert_eq!(
        std::fs::read_to_string(sb.project.join("Dockerfile")).unwrap(),
        mine
    );
    assert_eq!(listing(&sb.project), before);
}

#[test]
fn force_replaces_and_keeps_a_backup() {
    let sb = sandbox();
    let mine = "FROM scratch\n# my own Dockerfile\n";
    std::fs::write(sb.project.join("Dockerfile"), mine).unwrap();
    let out = berth(&sb, &[sb.project.to_str().unwrap(), "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    let new = std::fs::read_to_string(sb.project.join("Dockerfile")).unwrap();
    assert!(new.contains("FROM python:"));
    let backups: Vec<String> = listing(&sb.project)
        .into_iter()
        .filter(|n| n.starts_with("Dockerfile.berth-backup-"))
        .collect();
    assert_eq!(backups.len(), 1, "{:?}", listing(&sb.project));
    let stamp = backups[0].trim_start_matches("Dockerfile.berth-backup-");
    assert!(
        stamp.len() == 16 && stamp.ends_with('Z') && stamp.as_bytes()[8] == b'T',
        "UTC timestamp: {stamp}"
    );
    assert_eq!(
        std::fs::read_to_string(sb.project.join(&backups[0])).unwrap(),
        mine
    );
}

#[test]
fn json_output_has_a_stable_shape() {
    let sb = sandbox();
    let out_dir = sb.project.parent().unwrap().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::write(out_dir.join("compose.yaml"), "services: {}\n").unwrap();
    let p = sb.project.to_str().unwrap();
    let o = out_dir.to_str().unwrap();
    let out = berth(&sb, &[p, "--out", o, "--force", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stack"], "python");
    assert_eq!(v["written"], true);
    assert_eq!(v["out_dir"], o);
    let files = v["files"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    // A folder with no build files of its own gets the environments' override files too.
    assert_eq!(
        names,
        [
            "Dockerfile",
            "compose.yaml",
            "compose.dev.yaml",
            "compose.prod.yaml",
            ".dockerignore"
        ]
    );
    for f in files {
        let keys: Vec<&String> = f.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["backup", "name", "path", "status"], "{f}");
        assert!(Path::new(f["path"].as_str().unwrap()).starts_with(&out_dir));
    }
    assert_eq!(files[0]["status"], "new");
    assert_eq!(files[0]["backup"], serde_json::Value::Null);
    assert_eq!(files[1]["status"], "changed");
    let backup = files[1]["backup"].as_str().unwrap();
    assert_eq!(std::fs::read_to_string(backup).unwrap(), "services: {}\n");
    // Nothing was written into the project folder itself.
    assert!(!sb.project.join("Dockerfile").exists());

    // Refusal in JSON: exit 2, `written: false`, the diff of the refused file.
    std::fs::write(out_dir.join("Dockerfile"), "FROM scratch\n").unwrap();
    let out = berth(&sb, &[p, "--out", o, "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["written"], false);
    assert_eq!(v["files"][0]["status"], "changed");
    assert!(v["files"][0]["diff"]
        .as_str()
        .unwrap()
        .contains("-FROM scratch"));
}

#[test]
fn bad_inputs_exit_2_with_one_line_and_write_nothing() {
    let sb = sandbox();
    let tmp = sb.project.parent().unwrap();
    let not_a_project = tmp.join("empty");
    std::fs::create_dir_all(&not_a_project).unwrap();
    for args in [
        vec![tmp.join("missing").to_str().unwrap().to_string()],
        vec![not_a_project.to_str().unwrap().to_string()],
        vec![
            sb.project.to_str().unwrap().to_string(),
            "--out".into(),
            tmp.join("no-such-dir").to_str().unwrap().to_string(),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = berth(&sb, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("berth: "), "{stderr}");
    }
    assert!(listing(&not_a_project).is_empty());
    for f in FILES {
        assert!(!sb.project.join(f).exists(), "{f} written");
    }
}

/// A compose.yaml linked to a secret outside the folder: exit 2, one clear line, the link
/// neither followed, backed up nor replaced, even with --force.
#[cfg(unix)]
#[test]
fn a_linked_compose_file_is_refused_with_a_clear_message() {
    let sb = sandbox();
    let secret = sb.config.join("id_rsa");
    std::fs::write(&secret, "not-a-real-key\n").unwrap();
    std::os::unix::fs::symlink(&secret, sb.project.join("compose.yaml")).unwrap();
    let before = listing(&sb.project);
    let p = sb.project.to_str().unwrap();
    for args in [&[p][..], &[p, "--force"][..]] {
        let out = berth(&sb, args);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(
                "compose.yaml is a symbolic link: Berth does not follow links in a project"
            ),
            "{}",
            text(&out)
        );
        assert!(!err.contains("not-a-real-key"));
    }
    assert_eq!(listing(&sb.project), before, "nothing written or backed up");
    assert_eq!(
        std::fs::read_to_string(&secret).unwrap(),
        "not-a-real-key\n"
    );
}

#[test]
fn plan_flags_edit_the_written_files_as_the_apps_edits_do() {
    let sb = sandbox();
    let out = sb.project.parent().unwrap().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let o = berth(
        &sb,
        &[
            sb.project.to_str().unwrap(),
            "--app-port",
            "7000",
            "--health-path",
            "/api/health",
            "--start",
            "gunicorn -b 0.0.0.0:7000 'app:app'",
            "--no-service",
            "redis",
            "--service",
            "postgres",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dockerfile = std::fs::read_to_string(out.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("EXPOSE 7000"), "{dockerfile}");
    assert!(
        dockerfile.contains("http://127.0.0.1:7000/api/health"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains(r#""gunicorn", "-b", "0.0.0.0:7000", "app:app""#),
        "{dockerfile}"
    );
    let compose = std::fs::read_to_string(out.join("compose.yaml")).unwrap();
    assert!(compose.contains(":7000\""), "{compose}");
    assert!(compose.contains("postgres:"), "{compose}");
    assert!(!compose.contains("redis:"), "{compose}");
    // Nothing was written into the project itself.
    assert!(!sb.project.join("Dockerfile").exists());
}

#[test]
fn invalid_plan_flags_are_refused_with_exit_2_and_nothing_written() {
    let sb = sandbox();
    let p = sb.project.to_str().unwrap();
    for bad in [
        &["--app-port", "0"][..],
        &["--health-path", "health; rm -rf /"],
        &["--runtime-image", "python:latest"],
        &["--builder-image", "not an image"],
        &["--start", "unterminated 'quote"],
        &["--start", ""],
        &["--service", "oracle"],
        &["--app-port", "70000"],
    ] {
        let mut args = vec![p];
        args.extend_from_slice(bad);
        let o = berth(&sb, &args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&o.stderr).trim().is_empty(),
            "{bad:?}"
        );
    }
    assert!(!sb.project.join("Dockerfile").exists());
}
