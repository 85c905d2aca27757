//! Runs the built `berth check` and `berth image`: exit codes (0 / 1 at or above --fail-on /
//! 2 for bad input), the `--json` shape, SARIF validated against the SARIF 2.1.0 schema by
//! check-jsonschema, and `berth image --json` on a locally built image (removed after).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn berth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .output()
        .unwrap()
}

/// A folder holding one corpus file under its usual name.
fn folder_with(corpus_file: &str, name: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("tests/check").join(corpus_file),
        d.path().join(name),
    )
    .unwrap();
    d
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

#[test]
fn exit_codes_follow_fail_on() {
    let planted = folder_with("dockerfiles/planted/secrets.Dockerfile", "Dockerfile");
    let p = planted.path().to_str().unwrap();
    assert_eq!(code(&berth(&["check", p])), 1, "critical >= high");
    assert_eq!(code(&berth(&["check", p, "--fail-on", "critical"])), 1);
    assert_eq!(code(&berth(&["check", p, "--fail-on", "none"])), 0);

    let hardened = folder_with("dockerfiles/hardened/python.Dockerfile", "Dockerfile");
    let h = hardened.path().to_str().unwrap();
    assert_eq!(
        code(&berth(&["check", h])),
        0,
        "nothing high in the hardened file"
    );
    assert_eq!(
        code(&berth(&["check", h, "--fail-on", "info"])),
        0,
        "not even info"
    );

    let empty = tempfile::tempdir().unwrap();
    let out = berth(&["check", empty.path().to_str().unwrap()]);
    assert_eq!(code(&out), 2, "no Dockerfile, no compose file");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Dockerfile"));
    assert_eq!(code(&berth(&["check", "/no/such/folder"])), 2);
    assert_eq!(code(&berth(&["check", h, "--fail-on", "severe"])), 2);
}

#[test]
fn json_has_the_documented_shape() {
    let d = folder_with("compose/planted/dangerous.compose.yaml", "compose.yaml");
    std::fs::copy(
        repo().join("tests/check/dockerfiles/planted/last-user-root.Dockerfile"),
        d.path().join("Dockerfile"),
    )
    .unwrap();
    let out = berth(&["check", d.path().to_str().unwrap(), "--json"]);
    assert_eq!(code(&out), 1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["target"]
        .as_str()
        .unwrap()
        .ends_with(d.path().file_name().unwrap().to_str().unwrap()));
    let findings = v["findings"].as_array().unwrap();
    let first = &findings[0];
    for key in [
        "id", "severity", "title", "detail", "fix", "refs", "location",
    ] {
        assert!(first.get(key).is_some(), "missing {key}: {first}");
    }
    assert_eq!(first["severity"], "critical", "worst first");
    let socket = findings.iter().find(|f| f["id"] == "BERTH-RT-010").unwrap();
    assert_eq!(
        socket["location"],
        serde_json::json!({ "file": "compose.yaml", "line": 16 })
    );
    assert_eq!(socket["refs"], serde_json::json!(["CIS-5.32"]));
    let root = findings.iter().find(|f| f["id"] == "BERTH-DF-005").unwrap();
    assert_eq!(
        root["location"],
        serde_json::json!({ "file": "Dockerfile", "line": 11 })
    );
    let s = &v["summary"];
    let total: u64 = ["critical", "high", "medium", "low", "info"]
        .iter()
        .map(|k| s[k].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, findings.len());
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let d = folder_with("compose/planted/dangerous.compose.yaml", "compose.yaml");
    std::fs::copy(
        repo().join("tests/check/dockerfiles/planted/downloads.Dockerfile"),
        d.path().join("Dockerfile"),
    )
    .unwrap();
    let sarif = d.path().join("out.sarif");
    let out = berth(&[
        "check",
        d.path().to_str().unwrap(),
        "--sarif",
        sarif.to_str().unwrap(),
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() > 20);
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let r0 = &results[0];
    assert_eq!(
        rules[r0["ruleIndex"].as_u64().unwrap() as usize]["id"],
        r0["ruleId"]
    );
    let schema = repo().join("tests/schemas/sarif-schema-2.1.0.json");
    let judge = Command::new("check-jsonschema")
        .arg("--schemafile")
        .arg(&schema)
        .arg(&sarif)
        .output()
        .expect("check-jsonschema is not installed (pip install check-jsonschema)");
    assert!(
        judge.status.success(),
        "SARIF does not validate: {}{}",
        String::from_utf8_lossy(&judge.stdout),
        String::from_utf8_lossy(&judge.stderr)
    );
    // The schema judge rejects what is not SARIF (the test can fail).
    let bad = d.path().join("bad.sarif");
    std::fs::write(&bad, r#"{"version": "2.1.0", "runs": [{"results": []}]}"#).unwrap();
    let judge = Command::new("check-jsonschema")
        .arg("--schemafile")
        .arg(&schema)
        .arg(&bad)
        .output()
        .unwrap();
    assert!(
        !judge.status.success(),
        "a run without a tool must not validate"
    );
}

#[test]
fn image_json_on_a_locally_built_image() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy("/bin/busybox", d.path().join("busybox")).expect("busybox-static");
    std::fs::write(d.path().join("blob"), vec![7u8; 300_000]).unwrap();
    std::fs::write(
        d.path().join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY blob /data/blob\nRUN [\"/bin/busybox\", \"rm\", \"/data/blob\"]\nUSER 10001\n",
    )
    .unwrap();
    let label = format!("dev.berth.project={}", d.path().display());
    let tag = format!("berth-check-cli-{}:t", std::process::id());
    let built = Command::new("/usr/bin/docker")
        .args([
            "build",
            "-q",
            "--no-cache",
            "-t",
            &tag,
            "--label",
            &label,
            ".",
        ])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let out = berth(&["image", &tag, "--json"]);
    let _ = Command::new("/usr/bin/docker")
        .args(["rmi", "-f", &tag])
        .output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "image",
        "size_bytes",
        "target_bytes",
        "meets_target",
        "layers",
        "wasted_bytes",
        "largest_files",
        "suggestions",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["target_bytes"], 100_000_000);
    assert_eq!(v["meets_target"], true);
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3);
    assert_eq!(
        layers[1]["wasted_bytes"], 300_000,
        "the blob deleted in layer 2"
    );
    assert_eq!(v["wasted_bytes"], 300_000);
    for key in ["created_by", "size_bytes", "files_added", "wasted_bytes"] {
        assert!(layers[0].get(key).is_some(), "layer: missing {key}");
    }
    assert_eq!(v["largest_files"][0]["path"], "/bin/busybox");
    assert_eq!(code(&berth(&["image", "no-such-image-here:x"])), 2);
}
