//! `berth k8s assess` and `berth k8s generate`, run as the real binary on the fixtures under
//! tests/k8s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/k8s")
        .join(name)
}

fn berth(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn assess_json_has_the_documented_shape() {
    let o = berth(&[
        "k8s",
        "assess",
        fixture("platform").to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["recommendation"], "kubernetes");
    assert!(v["score"].as_i64().unwrap() >= 40);
    let workers = v["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "workers")
        .unwrap();
    assert_eq!(workers["value"], serde_json::json!(["worker"]));
    assert_eq!(workers["evidence"][0]["file"], "compose.yaml");
    assert!(workers["source"]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://12factor.net/"));
    assert!(v["readiness"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["ok"].is_boolean() && r["fix"].is_string()));
    // Text names the recommendation and the sources.
    let o = berth(&["k8s", "assess", fixture("single-api").to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("Recommendation: compose"), "{text}");
    assert!(text.contains("source: "), "{text}");
}

#[test]
fn generate_writes_the_layout_and_refuses_to_overwrite_an_edit() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("manifests");
    let f = fixture("single-api");
    let args = [
        "k8s",
        "generate",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--namespace",
        "greeter-dev",
        "--json",
    ];
    let o = berth(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["written"], true);
    assert_eq!(v["namespace"], "greeter-dev");
    assert!(v["report"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["field"] == "healthcheck"));
    assert!(out.join("overlays/dev/kustomization.yaml").is_file());
    std::fs::write(out.join("base/namespace.yaml"), "# edited\n").unwrap();
    let o = berth(&args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["written"], false);
    assert_eq!(
        std::fs::read_to_string(out.join("base/namespace.yaml")).unwrap(),
        "# edited\n"
    );
    let mut forced: Vec<&str> = args.to_vec();
    forced.push("--force");
    assert!(berth(&forced).status.success());
    assert!(std::fs::read_to_string(out.join("base/namespace.yaml"))
        .unwrap()
        .contains("kind: Namespace"));
}

#[test]
fn a_folder_without_a_compose_file_is_refused_clearly() {
    let d = tempfile::tempdir().unwrap();
    let o = berth(&["k8s", "generate", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no compose file"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
