//! The judges of the generated Kubernetes layouts, over every fixture under tests/k8s:
//! - `kubectl kustomize` builds base, overlays/dev and overlays/prod;
//! - `kubernetes-validate --strict` accepts every document they render (the only schema it
//!   may not know is the External Secrets Operator's ExternalSecret);
//! - `checkov --framework kubernetes` finds no failure among [`ENFORCED`] (the
//!   security-context, probe and resource checks), run once over everything.
//!
//! Needs kubectl, `pip install kubernetes-validate checkov` (scripts/setup-debian.sh); a
//! missing judge fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use berth_core::app::k8s;
use berth_core::k8s::GenerateOptions;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &[&str] = &[
    "single-api",
    "scaled-api",
    "platform",
    "off-the-shelf",
    "edge-cases",
];

/// The checkov checks the layouts must pass (docs/k8s.md explains each and the ones left out).
const ENFORCED: &[(&str, &str)] = &[
    ("CKV_K8S_8", "liveness probe configured"),
    ("CKV_K8S_9", "readiness probe configured"),
    ("CKV_K8S_10", "CPU requests set"),
    ("CKV_K8S_11", "CPU limits set"),
    ("CKV_K8S_12", "memory requests set"),
    ("CKV_K8S_13", "memory limits set"),
    ("CKV_K8S_16", "no privileged container"),
    ("CKV_K8S_17", "no hostPID"),
    ("CKV_K8S_18", "no hostIPC"),
    ("CKV_K8S_19", "no hostNetwork"),
    ("CKV_K8S_20", "allowPrivilegeEscalation false"),
    ("CKV_K8S_21", "not in the default namespace"),
    ("CKV_K8S_22", "read-only root filesystem"),
    ("CKV_K8S_23", "no root containers admitted (runAsNonRoot)"),
    ("CKV_K8S_25", "no added capabilities"),
    ("CKV_K8S_26", "no hostPort"),
    ("CKV_K8S_27", "no Docker socket"),
    ("CKV_K8S_28", "NET_RAW dropped"),
    ("CKV_K8S_29", "pod securityContext set"),
    ("CKV_K8S_30", "container securityContext set"),
    ("CKV_K8S_31", "seccomp profile RuntimeDefault"),
    ("CKV_K8S_37", "capabilities minimised (drop ALL)"),
    ("CKV_K8S_38", "service account token not mounted"),
    ("CKV_K8S_39", "no CAP_SYS_ADMIN"),
    ("CKV2_K8S_6", "every pod selected by a NetworkPolicy"),
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/k8s")
        .join(name)
}

fn run(cmd: &mut Command) -> std::process::Output {
    let name = format!("{cmd:?}");
    cmd.output()
        .unwrap_or_else(|e| panic!("{name}: cannot run ({e}); see scripts/setup-debian.sh"))
}

/// Write every fixture's layout and render its three kustomizations; returns the rendered
/// files `(label, path)`.
fn render_all(dir: &Path) -> Vec<(String, PathBuf)> {
    let rendered = dir.join("rendered");
    std::fs::create_dir_all(&rendered).unwrap();
    let mut out = Vec::new();
    for name in FIXTURES {
        let layout_dir = dir.join(name);
        k8s::write(
            &fixture(name),
            &GenerateOptions::default(),
            Some(&layout_dir),
            None,
            false,
        )
        .unwrap();
        for part in ["base", "overlays/dev", "overlays/prod"] {
            let o = run(Command::new("kubectl")
                .arg("kustomize")
                .arg(layout_dir.join(part)));
            assert!(
                o.status.success(),
                "kubectl kustomize {name}/{part}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let label = format!("{name}-{}", part.replace('/', "-"));
            let file = rendered.join(format!("{label}.yaml"));
            std::fs::write(&file, &o.stdout).unwrap();
            out.push((label, file));
        }
    }
    out
}

#[test]
fn kustomize_kubernetes_validate_and_checkov_accept_every_layout() {
    // checkov skips hidden folders: no leading dot in the temporary folder's name.
    let tmp = tempfile::Builder::new()
        .prefix("berth-k8s-judges-")
        .tempdir()
        .unwrap();
    let rendered = render_all(tmp.path());
    assert_eq!(rendered.len(), FIXTURES.len() * 3);

    // Every document valid against Kubernetes' own schemas, with no unknown field.
    let o = run(Command::new("kubernetes-validate")
        .arg("--strict")
        .args(rendered.iter().map(|(_, p)| p)));
    let report =
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    let problems: Vec<&str> = report
        .lines()
        .filter(|l| {
            l.starts_with("ERROR")
                || (l.starts_with("WARN")
                    && !l.contains("kind ExternalSecret with api version external-secrets.io/v1"))
        })
        .collect();
    assert!(
        o.status.success() && problems.is_empty(),
        "kubernetes-validate:\n{report}"
    );
    assert!(
        report.contains("INFO") || report.contains("validated"),
        "kubernetes-validate said nothing: {report}"
    );

    // checkov once over everything (it is slow to start).
    let o = run(Command::new("checkov")
        .args([
            "--framework",
            "kubernetes",
            "--output",
            "json",
            "--compact",
            "--skip-download",
            "-d",
        ])
        .arg(tmp.path().join("rendered")));
    let text = String::from_utf8_lossy(&o.stdout);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "checkov output is not JSON ({e}): {text}\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let results = match &json {
        serde_json::Value::Array(a) => a.iter().collect::<Vec<_>>(),
        other => vec![other],
    };
    let mut failed = Vec::new();
    let mut passed = 0;
    for r in results {
        for c in r["results"]["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let id = c["check_id"].as_str().unwrap_or_default();
            if ENFORCED.iter().any(|(e, _)| *e == id) {
                failed.push(format!("{id} {} in {}", c["resource"], c["file_path"]));
            }
        }
        passed += r["results"]["passed_checks"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|c| {
                        ENFORCED
                            .iter()
                            .any(|(e, _)| Some(*e) == c["check_id"].as_str())
                    })
                    .count()
            })
            .unwrap_or(0);
    }
    assert!(
        failed.is_empty(),
        "checkov failures among the enforced checks:\n{}",
        failed.join("\n")
    );
    // The checks really ran on the workloads.
    assert!(
        passed > 100,
        "only {passed} enforced checks passed: did checkov read the files?"
    );
}
