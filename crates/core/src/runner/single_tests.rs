//! The single runner's orchestration on the in-memory engine (the real engine: the
//! engine_run tests in crates/core/tests).

use super::*;
use crate::render::Templates;
use crate::runner::fake::FakeEngine;
use crate::runner::Publishing;
use std::sync::Arc;

fn fixture_plan() -> (PathBuf, Plan) {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/python-flask-redis");
    let d = crate::stacks::detect(&root).unwrap();
    let plan = Plan::from_detection(&d).named("shop");
    (root.canonicalize().unwrap(), plan)
}

fn request(root: &Path, plan: &Plan) -> SingleRun {
    SingleRun {
        root: root.to_path_buf(),
        recipe: Recipe::from_plan(plan, &Templates::embedded()).unwrap(),
        options: RunOptions {
            publishing: Publishing {
                is_free: Arc::new(|_| true),
                ..Default::default()
            },
            ..Default::default()
        },
    }
}

#[tokio::test]
async fn the_plans_port_limits_and_environment_are_what_runs() {
    let (root, mut plan) = fixture_plan();
    plan.port = 7000;
    plan.limits.memory = "256m".into();
    let e = FakeEngine::default();
    let r = up(&e, &request(&root, &plan), |_| {}, CancellationToken::new())
        .await
        .unwrap();
    assert!(r.healthy);
    assert_eq!(r.runner, RunnerKind::Single);
    assert_eq!(r.dockerfile, Some(DockerfileSource::Generated));
    assert_eq!(r.host_port, Some(7000));
    assert_eq!(r.url.as_deref(), Some("http://localhost:7000"));
    let c = e.container(&r.container).unwrap();
    assert_eq!(c.publish[0].container, 7000);
    assert_eq!(c.publish[0].host_ip, "127.0.0.1", "loopback by default");
    assert_eq!(c.memory_bytes, Some(256 * 1024 * 1024));
    assert!(c.env.contains(&"PORT=7000".to_string()), "{:?}", c.env);
    assert!(c.read_only);
    assert_eq!(c.cap_drop, vec!["ALL".to_string()]);
    assert_eq!(c.labels["dev.berth.project"], root.display().to_string());
}

#[tokio::test]
async fn expose_publishes_on_every_interface() {
    let (root, plan) = fixture_plan();
    let mut req = request(&root, &plan);
    req.options.publishing.expose = true;
    let e = FakeEngine::default();
    let r = up(&e, &req, |_| {}, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(
        e.container(&r.container).unwrap().publish[0].host_ip,
        "0.0.0.0"
    );
}

#[tokio::test]
async fn a_rerun_replaces_the_container_and_removes_the_old_image() {
    let (root, plan) = fixture_plan();
    let e = FakeEngine::default();
    let req = request(&root, &plan);
    let first = up(&e, &req, |_| {}, CancellationToken::new())
        .await
        .unwrap();
    let first_id = first.build.unwrap().image_id;
    let second = up(&e, &req, |_| {}, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(e.container_names(), vec![second.container.clone()]);
    assert!(
        e.calls().contains(&format!("remove image {first_id}")),
        "{:?}",
        e.calls()
    );
}

#[tokio::test]
async fn cancelled_during_the_build_leaves_the_previous_run_alone() {
    let (root, plan) = fixture_plan();
    let e = FakeEngine::default();
    let req = request(&root, &plan);
    let first = up(&e, &req, |_| {}, CancellationToken::new())
        .await
        .unwrap();
    let cancel = CancellationToken::new();
    e.cancel_on_build(cancel.clone());
    let err = up(&e, &req, |_| {}, cancel).await.unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::Cancelled);
    assert!(
        e.running(&first.container),
        "the previous run keeps running"
    );
    assert!(!e.calls().iter().any(|c| c.starts_with("down")));
}

#[tokio::test]
async fn a_failed_build_starts_nothing() {
    let (root, plan) = fixture_plan();
    let e = FakeEngine::default();
    e.fail_build(&ProjectNames::of(&root).image());
    let err = up(&e, &request(&root, &plan), |_| {}, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("failed"), "{err}");
    assert!(e.container_names().is_empty());
}

#[tokio::test]
async fn an_unhealthy_app_is_reported_not_hidden() {
    let (root, plan) = fixture_plan();
    let e = FakeEngine::default();
    e.make_unhealthy(&ProjectNames::of(&root).container());
    let r = up(&e, &request(&root, &plan), |_| {}, CancellationToken::new())
        .await
        .unwrap();
    assert!(!r.healthy);
}

#[test]
fn the_probe_follows_the_plans_health_path() {
    let (_, mut plan) = fixture_plan();
    plan.healthcheck = None;
    assert!(probe(Some(&plan), 1).any_status);
    let (_, plan) = fixture_plan();
    let path = plan.healthcheck.as_ref().and_then(|h| h.path.clone());
    if let Some(path) = path {
        let p = probe(Some(&plan), 1);
        assert_eq!(p.path, path);
        assert!(!p.any_status);
    }
}
