//! Running containers on a real engine: hardened run, health wait (success, timeout with
//! logs), port conflicts with a real listener and the "already allocated" race, logs, and
//! the lifecycle (stop/start/restart/remove/down).
#![cfg(unix)] // the engine tests run against a Linux engine over its unix socket
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use berth_core::docker::health::{HealthVia, HttpProbe};
use berth_core::docker::spec::{Publish, LOOPBACK};
use berth_core::ports::{KnownOwner, PortPolicy};
use berth_core::runner::publish::{start_on_free_port, Published};
use berth_core::runner::single::app_spec;
use berth_core::runner::Publishing;
use engine_support::{build, engine, httpd_dockerfile, ContainerGuard, TestProject, DOCKER};
use futures_util::StreamExt;
use std::io::{Read, Write};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

fn free_port() -> u16 {
    portpicker::pick_unused_port().expect("a free port")
}

fn policy_with(fallback: u16) -> PortPolicy {
    PortPolicy {
        fallback,
        range: (fallback, fallback),
    }
}

/// Run `tag` as `name` the way the single runner does (its hardened spec, read-only root
/// here), publishing container port 8080 on a host port resolved from `host_port` and
/// `policy`, with `is_free` as the "is this port free?" check.
async fn run(
    e: &berth_core::docker::Engine,
    p: &TestProject,
    tag: &str,
    name: &str,
    host_port: u16,
    policy: Option<PortPolicy>,
    is_free: Option<fn(u16) -> bool>,
) -> Published {
    let mut publishing = Publishing {
        host_port: Some(host_port),
        ..Default::default()
    };
    if let Some(policy) = policy {
        publishing.policy = policy;
    }
    if let Some(f) = is_free {
        publishing.is_free = Arc::new(f);
    }
    start_on_free_port(e, Some(host_port), &publishing, |hp, _| {
        let mut spec = app_spec(
            p.path(),
            tag,
            None,
            vec![Publish::new(8080, Some(hp), LOOPBACK)],
        );
        spec.name = name.to_string();
        spec.read_only = true;
        spec.tmpfs
            .insert("/tmp".into(), "rw,noexec,nosuid,size=64m".into());
        spec
    })
    .await
    .unwrap()
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn inspect(name: &str, fmt: &str) -> String {
    let o = Command::new(DOCKER)
        .args(["inspect", "-f", fmt, name])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[tokio::test]
async fn run_hardened_wait_healthy_logs_and_lifecycle() {
    let e = engine().await;
    let p = TestProject::new(&httpd_dockerfile(true, true));
    let tag = format!("{}:run", p.name("img"));
    build(&e, &p, &tag).await;
    let name = p.name("web");
    let port = free_port();
    let out = run(
        &e,
        &p,
        &tag,
        &name,
        port,
        Some(policy_with(free_port())),
        None,
    )
    .await;
    assert_eq!(out.host_port, port);
    assert!(out.conflict.is_none());
    // Published on loopback only.
    assert_eq!(
        inspect(
            &name,
            "{{(index (index .HostConfig.PortBindings \"8080/tcp\") 0).HostIp}}"
        ),
        "127.0.0.1"
    );

    // Hardened settings as the engine sees them.
    assert_eq!(inspect(&name, "{{.HostConfig.CapDrop}}"), "[ALL]");
    assert_eq!(
        inspect(&name, "{{.HostConfig.SecurityOpt}}"),
        "[no-new-privileges:true]"
    );
    assert_eq!(inspect(&name, "{{.HostConfig.ReadonlyRootfs}}"), "true");
    assert_eq!(
        inspect(&name, "{{.HostConfig.RestartPolicy.Name}}"),
        "unless-stopped"
    );
    assert_eq!(
        inspect(&name, "{{.HostConfig.Memory}}"),
        (512 * 1024 * 1024).to_string()
    );
    assert_eq!(
        inspect(&name, "{{index .Config.Labels \"dev.berth.managed\"}}"),
        "true"
    );

    let h = e
        .wait_healthy(&name, None, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(h.healthy, "{h:?}");
    assert_eq!(h.via, HealthVia::Healthcheck);
    assert!(http_get(port, "/").contains("hello"));

    // ps lists it with its port and project.
    let ps = e.ps().await.unwrap();
    let mine = ps.iter().find(|c| c.name == name).expect("in ps");
    assert_eq!(mine.state, "running");
    assert_eq!(mine.project.as_deref(), Some(p.path().to_str().unwrap()));
    assert!(mine
        .ports
        .iter()
        .any(|pp| pp.host_port == port && pp.container_port == 8080));

    // A port published by a container is explained as such.
    let check = berth_core::ports::check(port, Some(&e)).await;
    assert!(!check.free);
    assert_eq!(check.known, Some(KnownOwner::Container));
    assert_eq!(
        check.owner.as_ref().unwrap().container.as_deref(),
        Some(name.as_str())
    );

    // Logs, with timestamps.
    let logs = e.last_logs(&name, 50).await.unwrap();
    assert!(
        logs.iter().any(|l| l.text.contains("starting httpd")),
        "{logs:?}"
    );
    assert!(logs.iter().all(|l| l.timestamp.is_some()));
    // Follow sees a new line.
    let mut follow = Box::pin(e.logs(&name, true, Some(0)));
    // The request is made while the follow is open (repeated, in case it lands before the
    // engine has attached the stream).
    let poker = tokio::task::spawn_blocking(move || {
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(500));
            let _ = http_get(port, "/followed-request");
        }
    });
    let line = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let l = follow.next().await.unwrap().unwrap();
            if l.text.contains("response:404") {
                return l;
            }
        }
    })
    .await
    .expect("followed line");
    assert!(line.timestamp.is_some());
    drop(follow);
    poker.await.unwrap();

    // Lifecycle.
    e.stop(&name).await.unwrap();
    assert_eq!(inspect(&name, "{{.State.Status}}"), "exited");
    e.stop(&name).await.unwrap(); // stopping a stopped container is fine
    e.start(&name).await.unwrap();
    assert_eq!(inspect(&name, "{{.State.Status}}"), "running");
    e.restart(&name).await.unwrap();
    assert_eq!(inspect(&name, "{{.State.Status}}"), "running");
    let removed = e.down(p.path()).await.unwrap();
    assert_eq!(removed, vec![name.clone()]);
    assert!(e.project_containers(p.path()).await.unwrap().is_empty());
    let err = e.stop(&name).await.unwrap_err();
    assert_eq!(err.kind(), berth_core::ErrorKind::NotFound);
}

#[tokio::test]
async fn health_timeout_returns_the_last_log_lines() {
    let e = engine().await;
    // Healthcheck on /health, but no /health file: never healthy. A long start period keeps
    // the status at "starting" (failures in it do not count), so the wait times out.
    let p = TestProject::new(
        &httpd_dockerfile(true, false).replace("--retries=2", "--retries=2 --start-period=600s"),
    );
    let tag = format!("{}:sick", p.name("img"));
    build(&e, &p, &tag).await;
    let name = p.name("sick");
    run(&e, &p, &tag, &name, free_port(), None, None).await;
    let h = e
        .wait_healthy(&name, None, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(!h.healthy);
    assert!(h.message.contains("not healthy within 5 s"), "{h:?}");
    assert!(
        h.last_logs.iter().any(|l| l.contains("starting httpd")),
        "{h:?}"
    );
}

#[tokio::test]
async fn unhealthy_fails_early_with_the_last_logs() {
    let e = engine().await;
    // Healthcheck every second on a missing /health: unhealthy after two failures.
    let p = TestProject::new(&httpd_dockerfile(true, false));
    let tag = format!("{}:unhealthy", p.name("img"));
    build(&e, &p, &tag).await;
    let name = p.name("unhealthy");
    run(&e, &p, &tag, &name, free_port(), None, None).await;
    // A timeout far beyond the test's patience: only the engine's "unhealthy" ends the wait.
    let h = e
        .wait_healthy(&name, None, Duration::from_secs(3600))
        .await
        .unwrap();
    assert!(!h.healthy);
    assert_eq!(h.via, HealthVia::Healthcheck);
    assert!(h.message.contains("unhealthy"), "{h:?}");
    assert!(h.message.contains("last check exit code 1"), "{h:?}");
    assert!(
        h.last_logs.iter().any(|l| l.contains("starting httpd")),
        "{h:?}"
    );
    // Waiting again on a container already unhealthy answers at once, the same way.
    let again = e
        .wait_healthy(&name, None, Duration::from_secs(3600))
        .await
        .unwrap();
    assert!(again.message.contains("unhealthy"), "{again:?}");
}

#[tokio::test]
async fn a_container_that_exits_fails_the_wait_early() {
    let e = engine().await;
    let dockerfile = |check: bool| {
        let mut d =
            String::from("FROM scratch\nCOPY busybox /bin/busybox\nUSER 65534\nEXPOSE 8080\n");
        if check {
            d.push_str("HEALTHCHECK --interval=1s --retries=3 CMD [\"/bin/busybox\", \"true\"]\n");
        }
        d.push_str("CMD [\"/bin/busybox\", \"sh\", \"-c\", \"echo giving up; sleep 1; exit 3\"]\n");
        d
    };
    for (check, probe) in [(true, false), (false, true)] {
        let p = TestProject::new(&dockerfile(check));
        let tag = format!("{}:exits", p.name("img"));
        build(&e, &p, &tag).await;
        let name = p.name("exits");
        let out = run(&e, &p, &tag, &name, free_port(), None, None).await;
        let probe = probe.then(|| HttpProbe {
            port: out.host_port,
            path: "/".into(),
            any_status: true,
        });
        let h = e
            .wait_healthy(&name, probe, Duration::from_secs(3600))
            .await
            .unwrap();
        assert!(!h.healthy, "{h:?}");
        assert!(h.message.contains("exited (code 3)"), "{h:?}");
        assert!(h.last_logs.iter().any(|l| l.contains("giving up")), "{h:?}");
    }
}

#[tokio::test]
async fn http_probe_without_healthcheck() {
    let e = engine().await;
    let p = TestProject::new(&httpd_dockerfile(false, true));
    let tag = format!("{}:probe", p.name("img"));
    build(&e, &p, &tag).await;
    let name = p.name("probe");
    let out = run(&e, &p, &tag, &name, free_port(), None, None).await;
    let probe = HttpProbe {
        port: out.host_port,
        path: "/health".into(),
        any_status: false,
    };
    let h = e
        .wait_healthy(&name, Some(probe), Duration::from_secs(30))
        .await
        .unwrap();
    assert!(h.healthy, "{h:?}");
    assert_eq!(h.via, HealthVia::Http);
    // A path that 404s never becomes healthy; the report says what it got.
    let probe = HttpProbe {
        port: out.host_port,
        path: "/missing".into(),
        any_status: false,
    };
    let h = e
        .wait_healthy(&name, Some(probe), Duration::from_secs(2))
        .await
        .unwrap();
    assert!(!h.healthy);
    assert!(h.message.contains("last answer 404"), "{h:?}");
}

#[tokio::test]
async fn a_real_listener_on_the_preferred_port_is_named_and_skipped() {
    let e = engine().await;
    let p = TestProject::new(&httpd_dockerfile(false, true));
    let tag = format!("{}:conflict", p.name("img"));
    build(&e, &p, &tag).await;
    let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let taken = listener.local_addr().unwrap().port();
    let fallback = free_port();
    let name = p.name("conflict");
    let out = run(
        &e,
        &p,
        &tag,
        &name,
        taken,
        Some(policy_with(fallback)),
        None,
    )
    .await;
    assert_eq!(out.host_port, fallback);
    let c = out.conflict.expect("a conflict");
    assert_eq!(c.requested, taken);
    assert_eq!(c.chosen, fallback);
    assert!(c.raced.is_empty());
    let check = c.check.expect("checked");
    let owner = check.owner.expect("owner");
    assert_eq!(owner.pid, Some(std::process::id()));
    assert_eq!(check.known, Some(KnownOwner::ThisProcess));
    assert!(
        c.reason.contains(&format!("{taken} is in use")),
        "{}",
        c.reason
    );
    drop(listener);
}

#[tokio::test]
async fn the_already_allocated_race_moves_to_the_next_port() {
    let e = engine().await;
    let p = TestProject::new(&httpd_dockerfile(false, true));
    let tag = format!("{}:race", p.name("img"));
    build(&e, &p, &tag).await;
    // Another container publishes the port first (made outside Berth).
    let racer = p.name("racer");
    let taken = free_port();
    let _guard = ContainerGuard(racer.clone());
    let st = Command::new(DOCKER)
        .args([
            "run",
            "-d",
            "--name",
            &racer,
            "-p",
            &format!("{taken}:8080"),
            &tag,
        ])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let fallback = free_port();
    let name = p.name("late");
    // The check happened before the other container took the port: it looked free.
    let out = run(
        &e,
        &p,
        &tag,
        &name,
        taken,
        Some(policy_with(fallback)),
        Some(|_| true),
    )
    .await;
    assert_eq!(out.host_port, fallback);
    let c = out.conflict.expect("conflict recorded");
    assert_eq!(c.raced, vec![taken]);
    assert!(
        c.reason.contains("taken at container start"),
        "{}",
        c.reason
    );
    assert_eq!(inspect(&name, "{{.State.Status}}"), "running");
    // Only one container of that name exists (the failed attempt was removed).
    let o = Command::new(DOCKER)
        .args(["ps", "-aq", "--filter", &format!("name=^/{name}$")])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);
}
