//! The run use cases on the in-memory engine: the plan the user sees is the plan that runs,
//! and the runner is chosen as documented (the real engine: crates/core/tests and the CLI's
//! tests).

use super::*;
use crate::compose::ComposeTool;
use crate::plan::PlanOverrides;
use crate::runner::fake::FakeEngine;
use crate::runner::{Publishing, RunnerKind};
use std::sync::Arc;

fn copy_fixture(name: &str) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    dir
}

fn request(folder: &Path) -> RunRequest {
    RunRequest {
        folder: folder.to_path_buf(),
        options: RunOptions {
            publishing: Publishing {
                is_free: Arc::new(|_| true),
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    }
}

fn v1_only() -> ToolSearch {
    ToolSearch {
        tool: None,
        rejected: vec!["docker-compose 1.29.2 is Compose v1".into()],
        disabled: false,
    }
}

fn edits(folder: &Path, o: PlanOverrides) -> PlanEdits {
    let opened = super::super::open(folder).unwrap();
    opened.edits.unwrap().with(&o)
}

#[tokio::test]
async fn edits_flow_into_the_run_without_writing_anything() {
    let dir = copy_fixture("node-plain");
    let before: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let mut req = request(dir.path());
    req.edits = Some(edits(
        dir.path(),
        PlanOverrides {
            port: Some(7000),
            health_path: Some("/api/health".into()),
            ..Default::default()
        },
    ));
    let e = FakeEngine::default();
    let mut events = Vec::new();
    let r = up_with(
        &e,
        &req,
        &Templates::embedded(),
        Some(v1_only()),
        |ev| events.push(ev),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(r.runner, RunnerKind::Single);
    assert_eq!(r.host_port, Some(7000));
    let c = e.container(&r.container).unwrap();
    assert_eq!(
        c.publish[0].container, 7000,
        "the edited port is the one that runs"
    );
    assert!(c.env.contains(&"PORT=7000".to_string()), "{:?}", c.env);
    assert!(matches!(
        events[0],
        UpEvent::Runner {
            runner: RunnerKind::Single,
            ..
        }
    ));
    let after: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after, "nothing written");
}

#[tokio::test]
async fn a_plan_with_services_runs_its_compose_in_memory_through_the_api_with_only_compose_v1() {
    let dir = copy_fixture("python-flask-redis");
    let e = FakeEngine::default();
    let r = up_with(
        &e,
        &request(dir.path()),
        &Templates::embedded(),
        Some(v1_only()),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(r.runner, RunnerKind::EngineApi);
    assert!(r.notes[0].contains("1.29.2 is Compose v1"), "{:?}", r.notes);
    let services: Vec<_> = r.services.iter().map(|s| s.service.as_str()).collect();
    assert_eq!(services, vec!["redis", "app"]);
    // Down takes everything it started.
    let gone = e.down(&dir.path().canonicalize().unwrap()).await.unwrap();
    assert_eq!(gone.len(), 2, "{gone:?}");
}

#[tokio::test]
async fn single_runner_on_request_even_with_services() {
    let dir = copy_fixture("python-flask-redis");
    let mut req = request(dir.path());
    req.runner = RunnerChoice::Single;
    let e = FakeEngine::default();
    let r = up_with(
        &e,
        &req,
        &Templates::embedded(),
        Some(v1_only()),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(r.runner, RunnerKind::Single);
    assert_eq!(e.container_names().len(), 1);
}

#[test]
fn sources_resolve_as_documented() {
    let t = Templates::embedded();
    // No files of its own: the plan.
    let dir = copy_fixture("node-express-npm");
    let r = resolve(dir.path(), Source::Auto, None, &t).unwrap();
    assert_eq!(r.recipe.source, crate::runner::DockerfileSource::Generated);
    let e = resolve(dir.path(), Source::Files, None, &t).unwrap_err();
    assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
    // Its own Dockerfile: used as it is, unless the plan is asked for or edited.
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let r = resolve(dir.path(), Source::Auto, None, &t).unwrap();
    assert_eq!(r.recipe.source, crate::runner::DockerfileSource::Project);
    assert!(r.compose.is_none());
    let ed = edits(dir.path(), PlanOverrides::default());
    let r = resolve(dir.path(), Source::Auto, Some(&ed), &t).unwrap();
    assert_eq!(r.recipe.source, crate::runner::DockerfileSource::Generated);
    let r = resolve(dir.path(), Source::Plan, None, &t).unwrap();
    assert_eq!(r.recipe.source, crate::runner::DockerfileSource::Generated);
    // An invalid edit is refused before anything runs.
    let bad = edits(
        dir.path(),
        PlanOverrides {
            port: Some(0),
            ..Default::default()
        },
    );
    let e = resolve(dir.path(), Source::Auto, Some(&bad), &t).unwrap_err();
    assert_eq!(e.kind(), crate::ErrorKind::InvalidPlan);
}

#[test]
fn a_compose_tool_is_chosen_when_compose_v2_is_here() {
    let dir = copy_fixture("python-flask-redis");
    let r = resolve(dir.path(), Source::Auto, None, &Templates::embedded()).unwrap();
    let v2 = ToolSearch {
        tool: Some(ComposeTool::Plugin {
            docker: "/usr/bin/docker".into(),
        }),
        rejected: Vec::new(),
        disabled: false,
    };
    let c = choose(RunnerChoice::Auto, r.offers, &v2).unwrap();
    assert!(matches!(c.runner, Runner::ComposeTool(_)));
}

#[tokio::test]
async fn a_platform_reaches_the_build_and_names_the_default_tag() {
    let dir = copy_fixture("node-plain");
    let e = FakeEngine::default();
    let job = BuildJob {
        folder: dir.path().to_path_buf(),
        platform: Some("linux/aarch64".into()),
        ..Default::default()
    };
    let r = build(
        &e,
        &job,
        &Templates::embedded(),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(r.platform.as_deref(), Some("linux/arm64"));
    assert!(r.tag.ends_with(":dev-arm64"), "{}", r.tag);
    let native = build(
        &e,
        &BuildJob {
            folder: dir.path().to_path_buf(),
            ..Default::default()
        },
        &Templates::embedded(),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(native.platform, None);
    assert!(native.tag.ends_with(":dev"), "{}", native.tag);
    // A platform Berth cannot parse is refused before anything is built.
    let calls = e.calls().len();
    let bad = build(
        &e,
        &BuildJob {
            folder: dir.path().to_path_buf(),
            platform: Some("linux/sparc9".into()),
            ..Default::default()
        },
        &Templates::embedded(),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(bad.kind(), crate::ErrorKind::InvalidInput);
    assert_eq!(e.calls().len(), calls, "nothing reached the engine");
}
