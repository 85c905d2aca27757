//! Group actions on a compose project's containers against the real engine: the containers
//! carry the compose tool's own labels (project, service, `depends_on`), as `docker compose
//! up` makes them, and Stop all / Start all / Remove all act on them in dependency order.
//! The order is read back from the engine's own timestamps (`State.FinishedAt` and
//! `State.StartedAt`).
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use berth_core::app::{group_lifecycle, LifecycleAction};
use engine_support::{engine, TestProject, DOCKER};
use std::process::Command;

const IMAGE: &str = "FROM scratch\nCOPY busybox /bin/busybox\n\
RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nUSER 65534\n\
CMD [\"/bin/busybox\", \"sh\", \"-c\", \"trap 'exit 0' TERM; while :; do sleep 0.1; done\"]\n";

fn docker(args: &[&str]) -> String {
    let o = Command::new(DOCKER).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn state(name: &str, field: &str) -> String {
    docker(&["inspect", "-f", &format!("{{{{.State.{field}}}}}"), name])
}

#[tokio::test]
async fn stop_start_and_remove_all_follow_the_dependencies() {
    let e = engine().await;
    let p = TestProject::new(IMAGE);
    let tag = format!("{}:1", p.name("img"));
    engine_support::build(&e, &p, &tag).await;
    let project = p.name("shop");
    let folder = p.path().display().to_string();
    // web -> api -> (db, cache), created in an order that is none of the answers.
    let services = [
        (
            "api",
            "db:service_started:false,cache:service_started:false",
        ),
        ("web", "api:service_started:false"),
        ("cache", ""),
        ("db", ""),
    ];
    let name = |s: &str| format!("{project}-{s}-1");
    for (svc, deps) in services {
        docker(&[
            "run",
            "-d",
            "--name",
            &name(svc),
            "--label",
            &format!("com.docker.compose.project={project}"),
            "--label",
            &format!("com.docker.compose.service={svc}"),
            "--label",
            &format!("com.docker.compose.depends_on={deps}"),
            "--label",
            &format!("dev.berth.project={folder}"),
            &tag,
        ]);
    }

    let r = group_lifecycle(&e, &project, LifecycleAction::Stop, |_| {})
        .await
        .unwrap();
    assert!(r.failed.is_empty(), "{r:?}");
    assert_eq!(r.done.len(), 4);
    let finished = |s: &str| state(&name(s), "FinishedAt");
    for s in ["web", "api", "db", "cache"] {
        assert_eq!(state(&name(s), "Running"), "false", "{s}");
    }
    // RFC 3339 with nanoseconds, same zone: string order is time order.
    assert!(finished("web") < finished("api"), "web stopped before api");
    assert!(finished("api") < finished("db"), "api stopped before db");
    assert!(
        finished("api") < finished("cache"),
        "api stopped before cache"
    );

    let mut noted = Vec::new();
    let r = group_lifecycle(&e, &project, LifecycleAction::Start, |n| {
        noted.push(n.to_string())
    })
    .await
    .unwrap();
    assert!(r.failed.is_empty(), "{r:?}");
    assert_eq!(noted, r.done);
    let started = |s: &str| state(&name(s), "StartedAt");
    for s in ["web", "api", "db", "cache"] {
        assert_eq!(state(&name(s), "Running"), "true", "{s}");
    }
    assert!(started("db") < started("api"), "db started before api");
    assert!(
        started("cache") < started("api"),
        "cache started before api"
    );
    assert!(started("api") < started("web"), "api started before web");

    let r = group_lifecycle(&e, &project, LifecycleAction::Remove, |_| {})
        .await
        .unwrap();
    assert!(r.failed.is_empty(), "{r:?}");
    assert_eq!(
        r.done,
        [name("web"), name("api"), name("cache"), name("db")]
    );
    let filter = format!("label=com.docker.compose.project={project}");
    assert_eq!(docker(&["ps", "-aq", "--filter", &filter]), "");

    // Nothing left of it: a clear error, not an empty success.
    let err = group_lifecycle(&e, &project, LifecycleAction::Stop, |_| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no container belongs"), "{err}");
}
