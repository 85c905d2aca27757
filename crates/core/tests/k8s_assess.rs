//! The assessment on fixtures whose answer a careful engineer would give: a single stateless
//! API runs fine on Compose; the same API declaring four replicas fits a managed container
//! service; a platform of web, worker, scheduler, database and cache with replicas needs
//! Kubernetes. Signals are checked with their evidence.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use berth_core::app::k8s;
use berth_core::k8s::assess::{Assessment, Recommendation, SignalValue};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/k8s")
        .join(name)
}

fn signal<'a>(a: &'a Assessment, id: &str) -> &'a berth_core::k8s::Signal {
    a.signals
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no signal {id}"))
}

fn ready(a: &Assessment, id: &str) -> bool {
    a.readiness
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no item {id}"))
        .ok
}

#[test]
fn a_single_stateless_api_stays_on_compose() {
    let a = k8s::assess(&fixture("single-api")).unwrap();
    assert_eq!(a.recommendation, Recommendation::Compose, "{a:#?}");
    assert!(a.score < 20, "{}", a.score);
    assert_eq!(signal(&a, "app_services").value, SignalValue::Count(1));
    assert_eq!(signal(&a, "replicas").points, 0);
    // It would fit a managed service too, but nothing asks for scale.
    assert_eq!(signal(&a, "managed_fit").value, SignalValue::Flag(true));
    let ev = &signal(&a, "app_services").evidence[0];
    assert_eq!((ev.file.as_str(), ev.line), ("compose.yaml", Some(3)));
    // The checklist: env config, health check, non-root, exec-form gunicorn.
    for id in [
        "config_from_env",
        "health_endpoint",
        "non_root",
        "graceful_shutdown",
        "one_process",
        "no_local_writes",
    ] {
        assert!(ready(&a, id), "{id}: {:#?}", a.readiness);
    }
    let non_root = a.readiness.iter().find(|r| r.id == "non_root").unwrap();
    assert_eq!(non_root.evidence[0].file, "Dockerfile");
    assert_eq!(non_root.evidence[0].line, Some(8));
}

#[test]
fn a_scaled_stateless_api_fits_a_managed_container_service() {
    let a = k8s::assess(&fixture("scaled-api")).unwrap();
    assert_eq!(
        a.recommendation,
        Recommendation::ManagedContainers,
        "{a:#?}"
    );
    let r = signal(&a, "replicas");
    assert!(r.points > 0);
    assert_eq!(r.evidence[0].line, Some(16), "{:?}", r.evidence);
    assert!(r.evidence[0].detail.contains("replicas: 4"));
    assert!(signal(&a, "autoscaling").points > 0);
    assert_eq!(signal(&a, "managed_fit").value, SignalValue::Flag(true));
}

#[test]
fn a_platform_with_replicas_workers_and_state_needs_kubernetes() {
    let a = k8s::assess(&fixture("platform")).unwrap();
    assert_eq!(a.recommendation, Recommendation::Kubernetes, "{a:#?}");
    assert!(a.score >= berth_core::k8s::assess::KUBERNETES_AT);
    assert_eq!(signal(&a, "app_services").value, SignalValue::Count(3));
    assert_eq!(
        signal(&a, "workers").value,
        SignalValue::Names(vec!["worker".into()])
    );
    assert_eq!(
        signal(&a, "scheduled_jobs").value,
        SignalValue::Names(vec!["scheduler".into()])
    );
    assert_eq!(
        signal(&a, "replicas").value,
        SignalValue::Names(vec!["web".into(), "worker".into()])
    );
    assert_eq!(
        signal(&a, "backing_services").value,
        SignalValue::Names(vec!["db".into(), "redis".into()])
    );
    assert_eq!(signal(&a, "ci").value, SignalValue::Flag(true));
    assert_eq!(
        signal(&a, "ci").evidence[0].file,
        ".github/workflows/ci.yml"
    );
    let fit = signal(&a, "managed_fit");
    assert_eq!(fit.value, SignalValue::Flag(false));
    assert!(
        fit.evidence
            .iter()
            .any(|e| e.detail.contains("always-on worker")),
        "{:?}",
        fit.evidence
    );
    // Evidence points at the compose lines.
    let w = &signal(&a, "workers").evidence[0];
    assert_eq!((w.file.as_str(), w.line), ("compose.yaml", Some(43)));
    // Sources are named for every signal.
    assert!(a
        .signals
        .iter()
        .all(|s| s.source.url.starts_with("https://")));
    // `berth check` runs too: the password written in compose.yaml is a high finding.
    let c = a
        .readiness
        .iter()
        .find(|r| r.id == "check_findings")
        .unwrap();
    assert!(!c.ok, "{c:#?}");
    assert!(
        c.evidence
            .iter()
            .all(|e| e.file == "compose.yaml" && e.line.is_some()),
        "{c:#?}"
    );
    // SIGTERM is handled in app.py.
    let g = a
        .readiness
        .iter()
        .find(|r| r.id == "graceful_shutdown")
        .unwrap();
    assert!(
        g.ok && g.evidence.iter().any(|e| e.file == "app.py"),
        "{g:#?}"
    );
}

#[test]
fn the_json_has_the_issues_shape() {
    let a = k8s::assess(&fixture("platform")).unwrap();
    let v = serde_json::to_value(&a).unwrap();
    assert_eq!(v["recommendation"], "kubernetes");
    assert!(v["score"].is_number());
    for key in ["id", "value", "points", "evidence", "source"] {
        assert!(v["signals"][0].get(key).is_some(), "signals[].{key}");
    }
    for key in ["id", "ok", "detail", "fix"] {
        assert!(v["readiness"][0].get(key).is_some(), "readiness[].{key}");
    }
    assert_eq!(v["signals"][0]["value"], 3);
}

#[test]
fn berths_own_layout_is_not_the_teams_kubernetes_but_their_manifests_are() {
    let d = tempfile::tempdir().unwrap();
    let folder = d.path().join("api");
    std::fs::create_dir(&folder).unwrap();
    for f in ["app.py", "requirements.txt", "Dockerfile", "compose.yaml"] {
        std::fs::copy(fixture("single-api").join(f), folder.join(f)).unwrap();
    }
    k8s::write(&folder, &Default::default(), None, None, false).unwrap();
    let a = k8s::assess(&folder).unwrap();
    assert_eq!(
        signal(&a, "existing_kubernetes").points,
        0,
        "{:?}",
        signal(&a, "existing_kubernetes")
    );
    std::fs::create_dir_all(folder.join("deploy")).unwrap();
    std::fs::write(
        folder.join("deploy/hpa.yaml"),
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n",
    )
    .unwrap();
    let a = k8s::assess(&folder).unwrap();
    let s = signal(&a, "existing_kubernetes");
    assert_eq!(s.points, 30);
    assert_eq!(s.evidence.len(), 1, "{:?}", s.evidence);
    assert_eq!(s.evidence[0].file, "deploy/hpa.yaml");
}
