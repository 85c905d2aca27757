//! The app's powers are an allow-list: this test fails when capabilities/default.json, the
//! permission sets or the CSP widen, so a new grant is a reviewed change of this file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_main_window_gets_exactly_the_described_permission_sets() {
    let cap: serde_json::Value = serde_json::from_str(&read("capabilities/default.json")).unwrap();
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert_eq!(
        cap["permissions"],
        serde_json::json!([
            "project-commands",
            "k8s-commands",
            "run-commands",
            "deploy-commands",
            "check-commands",
            "containers-commands",
            "bench-commands",
            "app-commands",
            "folder-drop",
            "folder-picker"
        ])
    );
    assert!(!cap["description"].as_str().unwrap_or_default().is_empty());
}

#[test]
fn the_sets_grant_only_the_commands_events_and_picker_the_ui_uses() {
    let manifest: toml::Value = toml::from_str(&read("permissions/berth.toml")).unwrap();
    let mut granted = BTreeSet::new();
    for set in manifest["set"].as_array().unwrap() {
        let description = set["description"].as_str().unwrap_or_default();
        assert!(description.len() > 20, "every set explains itself: {set:?}");
        for p in set["permissions"].as_array().unwrap() {
            granted.insert(p.as_str().unwrap().to_string());
        }
    }
    let expected: BTreeSet<String> = [
        "allow-open-project",
        "allow-preview-files",
        "allow-write-files",
        "allow-k8s-assess",
        "allow-k8s-preview",
        "allow-k8s-write",
        "allow-engine-status",
        "allow-check-port",
        "allow-up-project",
        "allow-cancel-up",
        "allow-down-project",
        "allow-follow-logs",
        "allow-watch-project",
        "allow-stop-stream",
        "allow-open-url",
        "allow-write-port",
        "allow-deploy-targets",
        "allow-deploy-project",
        "allow-cancel-deploy",
        "allow-rollback-project",
        "allow-deploy-history",
        "allow-check-folder",
        "allow-preflight-check",
        "allow-check-image",
        "allow-check-container",
        "allow-list-containers",
        "allow-stats-subscribe",
        "allow-stats-unsubscribe",
        "allow-container-history",
        "allow-host-capacity",
        "allow-container-lifecycle",
        "allow-bench-project",
        "allow-group-lifecycle",
        "allow-app-requests",
        "allow-launch-at-login",
        "allow-set-launch-at-login",
        "core:event:allow-listen",
        "core:event:allow-unlisten",
        "dialog:allow-open",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(granted, expected);
    assert!(
        !granted
            .iter()
            .any(|p| p.starts_with("opener:") || p.starts_with("shell:")),
        "URLs are opened only through the checked open_url command"
    );
    assert!(
        !granted.iter().any(|p| p.starts_with("autostart:")
            || p.starts_with("window-state:")
            || p.starts_with("notification:")),
        "login items, window state and notifications are handled in Rust only"
    );
}

#[test]
fn the_content_security_policy_is_strict() {
    let conf: serde_json::Value = serde_json::from_str(&read("tauri.conf.json")).unwrap();
    let csp = conf["app"]["security"]["csp"].as_object().unwrap();
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'");
    assert_eq!(csp["object-src"], "'none'");
    for (directive, value) in csp {
        let value = value.as_str().unwrap();
        assert!(!value.contains("unsafe-eval"), "{directive}: {value}");
        assert!(!value.contains("unsafe-inline"), "{directive}: {value}");
        assert!(!value.contains('*'), "{directive}: {value}");
    }
    let connect = csp["connect-src"].as_str().unwrap();
    assert_eq!(connect, "'self' ipc: http://ipc.localhost");
}
