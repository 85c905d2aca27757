//! `deploy`, `rollback`, `history` against the real engine (start it with
//! `bash scripts/start-dockerd.sh`; these tests fail, never skip, without one). A busybox
//! httpd project (`FROM scratch` + /bin/busybox, no registry) is deployed good, then broken
//! (rolled back while the good one keeps answering, checked by a client polling it the whole
//! time), then good again, then rolled back. Every container and image is removed by the
//! project label on drop; the history lives in a temporary state directory.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use berth_core::app::deploy::{self, DeployReport, DeployRequest};
use berth_core::app::deploy_history::{Action, Outcome};
use berth_core::docker::{CancellationToken, Engine};
use berth_core::environment::Environment;
use berth_core::render::Templates;
use engine_support::{engine, TestProject, DOCKER};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const PORT: u16 = 18771;

/// busybox httpd on 8080 answering `body` on `/`; `/health` exists only when `healthy`.
fn dockerfile(body: &str, healthy: bool, nonce: &str) -> String {
    let health = if healthy {
        " && echo ok > /www/health"
    } else {
        ""
    };
    format!(
        "FROM scratch\nCOPY busybox /bin/busybox\n\
         RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox --install -s /bin && mkdir -p /www && echo {body} > /www/index.html && echo {nonce} > /www/nonce{health}\"]\n\
         USER 65534\nEXPOSE 8080\n\
         HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD [\"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"-\", \"http://127.0.0.1:8080/health\"]\n\
         CMD [\"/bin/busybox\", \"sh\", \"-c\", \"echo starting {body}; exec /bin/busybox httpd -f -v -p 8080 -h /www\"]\n"
    )
}

fn get(port: u16) -> Option<String> {
    let o = Command::new("/bin/busybox")
        .args([
            "wget",
            "-q",
            "-O",
            "-",
            &format!("http://127.0.0.1:{port}/"),
        ])
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

async fn run(e: &Engine, p: &TestProject, state: &std::path::Path, v: &str) -> DeployReport {
    run_on(e, p, state, v, PORT).await
}

async fn run_on(
    e: &Engine,
    p: &TestProject,
    state: &std::path::Path,
    v: &str,
    port: u16,
) -> DeployReport {
    let mut req = DeployRequest::new(p.path(), Environment::Prod);
    req.state_dir = state.to_path_buf();
    req.host_port = Some(port);
    req.health_timeout = Duration::from_secs(20);
    req.version = Some(v.into());
    deploy::deploy(
        e,
        &req,
        &Templates::embedded(),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap()
}

/// Polls `/` until stopped; counts answers other than `expect` (failures included).
struct Poller {
    stop: Arc<AtomicBool>,
    bad: Arc<AtomicUsize>,
    good: Arc<AtomicUsize>,
    handle: Option<std::thread::JoinHandle<Vec<String>>>,
}

impl Poller {
    fn start(expect: &str) -> Poller {
        Poller::start_on(PORT, expect)
    }

    fn start_on(port: u16, expect: &str) -> Poller {
        let stop = Arc::new(AtomicBool::new(false));
        let bad = Arc::new(AtomicUsize::new(0));
        let good = Arc::new(AtomicUsize::new(0));
        let (s, b, g, want) = (stop.clone(), bad.clone(), good.clone(), expect.to_string());
        let handle = std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !s.load(Ordering::SeqCst) {
                match get(port) {
                    Some(body) if body == want => {
                        g.fetch_add(1, Ordering::SeqCst);
                    }
                    other => {
                        b.fetch_add(1, Ordering::SeqCst);
                        seen.push(format!("{other:?}"));
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            seen
        });
        Poller {
            stop,
            bad,
            good,
            handle: Some(handle),
        }
    }

    /// (good answers, bad answers, what the bad ones were)
    fn finish(mut self) -> (usize, usize, Vec<String>) {
        self.stop.store(true, Ordering::SeqCst);
        let seen = self.handle.take().unwrap().join().unwrap();
        (
            self.good.load(Ordering::SeqCst),
            self.bad.load(Ordering::SeqCst),
            seen,
        )
    }
}

fn deploy_containers(p: &TestProject) -> Vec<String> {
    let filter = format!("label=dev.berth.project={}", p.path().display());
    let o = Command::new(DOCKER)
        .args(["ps", "-a", "--format", "{{.Names}}", "--filter", &filter])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn good_then_broken_is_rolled_back_while_the_good_one_answers_then_good_then_rollback() {
    let e = engine().await;
    let nonce = format!("{}", std::process::id());
    let p = TestProject::new(&dockerfile("v1", true, &nonce));
    let state = tempfile::tempdir().unwrap();

    // 1. A good version.
    let r1 = run(&e, &p, state.path(), "v1").await;
    assert_eq!(r1.outcome, Outcome::Deployed, "{r1:#?}");
    assert!(r1.validated.iter().all(|v| v.ok), "{:#?}", r1.validated);
    assert_eq!(
        r1.url.as_deref(),
        Some(format!("http://localhost:{PORT}").as_str())
    );
    assert_eq!(get(PORT).as_deref(), Some("v1"));
    assert_eq!(r1.previous, None);

    // 2. A broken one (its /health never answers): the good one answers throughout.
    std::fs::write(p.path().join("Dockerfile"), dockerfile("v2", false, &nonce)).unwrap();
    let poll = Poller::start("v1");
    let r2 = run(&e, &p, state.path(), "v2").await;
    let (good, bad, seen) = poll.finish();
    assert_eq!(r2.outcome, Outcome::RolledBack, "{r2:#?}");
    assert_eq!(r2.previous.as_deref(), Some("v1"));
    assert!(r2.reason.as_deref().unwrap().contains("healthy"), "{r2:#?}");
    assert!(
        r2.last_logs.iter().any(|l| l.contains("starting v2")),
        "{:?}",
        r2.last_logs
    );
    assert_eq!(bad, 0, "the live version stopped answering: {seen:?}");
    assert!(good > 0, "the poller never got an answer");
    assert_eq!(get(PORT).as_deref(), Some("v1"));
    // Nothing half-switched: only v1's container, and v2's image is gone.
    let names = deploy_containers(&p);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with("-prod-v1"), "{names:?}");
    assert!(!engine_support::image_exists(&r2.image));

    // 3. Another good one.
    std::fs::write(p.path().join("Dockerfile"), dockerfile("v3", true, &nonce)).unwrap();
    let r3 = run(&e, &p, state.path(), "v3").await;
    assert_eq!(r3.outcome, Outcome::Deployed, "{r3:#?}");
    assert_eq!(r3.previous.as_deref(), Some("v1"));
    assert_eq!(get(PORT).as_deref(), Some("v3"));
    let names = deploy_containers(&p);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        engine_support::image_exists(&r1.image),
        "v1 is kept for rollback"
    );

    // 4. Rollback: v1 again, from its kept image (no build).
    let mut req = DeployRequest::new(p.path(), Environment::Prod);
    req.state_dir = state.path().to_path_buf();
    req.health_timeout = Duration::from_secs(20);
    let back = deploy::rollback(&e, &req, &Templates::embedded(), |_| {})
        .await
        .unwrap();
    assert_eq!(back.outcome, Outcome::Deployed, "{back:#?}");
    assert_eq!(back.version, "v1");
    assert_eq!(back.previous.as_deref(), Some("v3"));
    assert_eq!(back.host_port, Some(PORT));
    assert_eq!(get(PORT).as_deref(), Some("v1"));

    // 5. The history says all of it.
    let h = deploy::history(p.path(), state.path()).unwrap();
    let lines: Vec<(String, Action, Outcome)> = h
        .iter()
        .map(|r| (r.version.clone(), r.action, r.outcome))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("v1".into(), Action::Deploy, Outcome::Deployed),
            ("v2".into(), Action::Deploy, Outcome::RolledBack),
            ("v3".into(), Action::Deploy, Outcome::Deployed),
            ("v1".into(), Action::Rollback, Outcome::Deployed),
        ]
    );
    assert!(h.iter().all(|r| r.engine == e.endpoint().host));
}

const SWITCH_PORT: u16 = 18773;

/// The switch itself fails: v2 was healthy as a candidate, but its container on the public
/// port cannot be created (a proxy in front of the engine refuses that one create, as the
/// engine does when, say, another process took the port in the instant it was free). v2 is
/// removed with its image, v1 is started again on the port, and the history says rolled back.
#[tokio::test]
async fn a_switch_that_fails_puts_the_live_version_back_on_its_port() {
    let nonce = format!("switch-{}", std::process::id());
    let p = TestProject::new(&dockerfile("v1", true, &nonce));
    let state = tempfile::tempdir().unwrap();
    // Both versions go through the proxy: the history is kept per engine address.
    let faulty = engine_support::FaultyEngine::start(p.path(), |first| {
        // `POST /v1.41/containers/create?name=<project>-prod-v2 HTTP/1.1`: v2's container on
        // the public port (its candidate is `...-prod-v2-candidate` and goes through).
        let name = first.split("containers/create?name=").nth(1)?;
        let name = name.split(['&', ' ']).next()?;
        name.ends_with("-prod-v2").then(|| {
            (
                "500 Internal Server Error",
                r#"{"message":"injected: the port was taken"}"#.to_string(),
            )
        })
    });
    let through = faulty.connect().await;
    let r1 = run_on(&through, &p, state.path(), "v1", SWITCH_PORT).await;
    assert_eq!(r1.outcome, Outcome::Deployed, "{r1:#?}");
    assert_eq!(get(SWITCH_PORT).as_deref(), Some("v1"));

    std::fs::write(p.path().join("Dockerfile"), dockerfile("v2", true, &nonce)).unwrap();
    let r2 = run_on(&through, &p, state.path(), "v2", SWITCH_PORT).await;
    assert_eq!(r2.outcome, Outcome::RolledBack, "{r2:#?}");
    let reason = r2.reason.as_deref().unwrap();
    assert!(
        reason.contains("healthy beside the live version but not on port")
            && reason.contains("injected"),
        "{r2:#?}"
    );
    assert!(
        r2.notes
            .iter()
            .any(|n| n == &format!("v1 started again on port {SWITCH_PORT}")),
        "{:?}",
        r2.notes
    );
    assert_eq!(r2.host_port, Some(SWITCH_PORT));
    assert_eq!(get(SWITCH_PORT).as_deref(), Some("v1"));
    let names = deploy_containers(&p);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with("-prod-v1"), "{names:?}");
    assert!(!engine_support::image_exists(&r2.image), "v2's image");
    assert!(engine_support::image_exists(&r1.image), "v1's image");
    let outcomes: Vec<(String, Outcome)> = deploy::history(p.path(), state.path())
        .unwrap()
        .iter()
        .map(|r| (r.version.clone(), r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("v1".into(), Outcome::Deployed),
            ("v2".into(), Outcome::RolledBack)
        ]
    );
}

#[tokio::test]
async fn a_taken_port_or_a_missing_healthcheck_refuses_before_anything_runs() {
    let e = engine().await;
    let p = TestProject::new(&dockerfile("r1", true, "refused"));
    let state = tempfile::tempdir().unwrap();
    // The public port held by something else: refused, nothing started.
    let holder = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let held = holder.local_addr().unwrap().port();
    let mut req = DeployRequest::new(p.path(), Environment::Prod);
    req.state_dir = state.path().to_path_buf();
    req.host_port = Some(held);
    req.version = Some("r1".into());
    let r = deploy::deploy(
        &e,
        &req,
        &Templates::embedded(),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(r.outcome, Outcome::Refused, "{r:#?}");
    assert!(
        r.validated.iter().any(|v| v.name == "port" && !v.ok),
        "{r:#?}"
    );
    assert!(deploy_containers(&p).is_empty());
    assert!(!engine_support::image_exists(&r.image));
    // prod without a healthcheck.
    let no_health = dockerfile("r2", true, "refused").replace("HEALTHCHECK", "# HEALTHCHECK");
    std::fs::write(p.path().join("Dockerfile"), no_health).unwrap();
    req.host_port = None;
    req.version = Some("r2".into());
    let r = deploy::deploy(
        &e,
        &req,
        &Templates::embedded(),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(r.outcome, Outcome::Refused, "{r:#?}");
    assert!(
        r.validated
            .iter()
            .any(|v| v.name == "environment" && !v.ok && v.detail.contains("healthcheck")),
        "{r:#?}"
    );
    assert!(deploy_containers(&p).is_empty());
    let h = deploy::history(p.path(), state.path()).unwrap();
    assert_eq!(h.len(), 2);
    assert!(h.iter().all(|r| r.outcome == Outcome::Refused));
    drop(holder);
}

const STACK_PORT: u16 = 18772;

/// A local image for the backing service: busybox httpd on 9000 serving `/data/www` from
/// its volume, appending a line to `boots` each time it starts. Removed on drop.
struct StoreImage(String);

impl StoreImage {
    fn build() -> StoreImage {
        let tag = format!("berth-test/deploy-store:{}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy("/bin/busybox", dir.path().join("busybox")).unwrap();
        std::fs::write(
            dir.path().join("Dockerfile"),
            format!(
                "FROM scratch\nCOPY busybox /bin/busybox\n\
                 RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
                 LABEL dev.berth.test=\"{tag}\"\n\
                 CMD [\"/bin/busybox\", \"sh\", \"-c\", \"mkdir -p /data/www && echo ok > /data/www/ok && echo \\\"boot $GREETING\\\" >> /data/www/boots && exec httpd -f -p 9000 -h /data/www\"]\n"
            ),
        )
        .unwrap();
        let o = Command::new(DOCKER)
            .args(["build", "-q", "-t", &tag])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        StoreImage(tag)
    }
}

impl Drop for StoreImage {
    fn drop(&mut self) {
        let _ = Command::new(DOCKER).args(["rmi", "-f", &self.0]).output();
    }
}

/// The app of the stack: `vN` on `/`, healthy only when the backing service answers by its
/// name on the deployment's network (and, when `healthy`, /www/health exists).
fn stack_dockerfile(body: &str, healthy: bool) -> String {
    let health = if healthy {
        " && echo ok > /www/health"
    } else {
        ""
    };
    format!(
        "FROM scratch\nCOPY busybox /bin/busybox\n\
         RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox --install -s /bin && mkdir -p /www && echo {body} > /www/index.html{health}\"]\n\
         USER 65534\nEXPOSE 8080\n\
         HEALTHCHECK --interval=1s --timeout=2s --retries=3 CMD [\"/bin/busybox\", \"sh\", \"-c\", \"wget -q -O - http://store:9000/ok && test -f /www/health\"]\n\
         CMD [\"/bin/busybox\", \"sh\", \"-c\", \"echo starting {body}; exec /bin/busybox httpd -f -v -p 8080 -h /www\"]\n"
    )
}

fn stack_compose(store_image: &str, greeting: &str) -> String {
    format!(
        "services:\n  app:\n    build: .\n    ports: [\"127.0.0.1:{STACK_PORT}:8080\"]\n    depends_on: [store]\n  \
         store:\n    image: {store_image}\n    environment:\n      GREETING: {greeting}\n    \
         volumes: [\"store-data:/data\"]\nvolumes:\n  store-data: {{}}\n"
    )
}

fn docker_out(args: &[&str]) -> String {
    let o = Command::new(DOCKER).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[tokio::test]
async fn a_stack_rolls_out_its_app_while_its_backing_service_keeps_running() {
    let e = engine().await;
    let store = StoreImage::build();
    let p = TestProject::new(&stack_dockerfile("s1", true));
    std::fs::write(
        p.path().join("compose.yaml"),
        stack_compose(&store.0, "one"),
    )
    .unwrap();
    let state = tempfile::tempdir().unwrap();
    let go = |v: &'static str| {
        let mut req = DeployRequest::new(p.path(), Environment::Prod);
        req.state_dir = state.path().to_path_buf();
        req.health_timeout = Duration::from_secs(20);
        req.version = Some(v.into());
        let e = e.clone();
        async move {
            let mut steps = Vec::new();
            let r = deploy::deploy(
                &e,
                &req,
                &Templates::embedded(),
                |ev| {
                    if let deploy::DeployEvent::Step { message } = ev {
                        steps.push(message);
                    }
                },
                CancellationToken::new(),
            )
            .await
            .unwrap();
            (r, steps)
        }
    };
    let store_id = || {
        let name = deploy_containers(&p)
            .into_iter()
            .find(|n| n.ends_with("-prod-store"))
            .expect("the backing container");
        docker_out(&["inspect", "-f", "{{.Id}} {{.State.Running}}", &name])
    };

    // 1. The app and its backing service come up; the app is healthy only if it reaches
    //    `store` by name, and its port is the compose file's.
    let (r1, _) = go("s1").await;
    assert_eq!(r1.outcome, Outcome::Deployed, "{r1:#?}");
    assert_eq!(r1.host_port, Some(STACK_PORT));
    assert!(
        r1.validated
            .iter()
            .any(|v| v.name == "app" && v.ok && v.detail.contains("store")),
        "{:#?}",
        r1.validated
    );
    assert!(
        r1.notes.iter().any(|n| n.contains("deploy as written")),
        "no compose.prod.yaml: said so: {:?}",
        r1.notes
    );
    assert_eq!(get(STACK_PORT).as_deref(), Some("s1"));
    let first = store_id();
    assert!(first.ends_with(" true"), "{first}");
    // The backing service is not published on the host.
    let store_name = deploy_containers(&p)
        .into_iter()
        .find(|n| n.ends_with("-prod-store"))
        .unwrap();
    assert_eq!(docker_out(&["port", &store_name]), "");

    // 2. A broken app version: rolled back, s1 answers throughout, the store untouched.
    std::fs::write(p.path().join("Dockerfile"), stack_dockerfile("s2", false)).unwrap();
    let poll = Poller::start_on(STACK_PORT, "s1");
    let (r2, _) = go("s2").await;
    let (good, bad, seen) = poll.finish();
    assert_eq!(r2.outcome, Outcome::RolledBack, "{r2:#?}");
    assert_eq!(bad, 0, "the live version stopped answering: {seen:?}");
    assert!(good > 0);
    assert_eq!(store_id(), first, "the backing service was not restarted");

    // 3. A good one: the store keeps running, unchanged, with its one boot.
    std::fs::write(p.path().join("Dockerfile"), stack_dockerfile("s3", true)).unwrap();
    let (r3, steps) = go("s3").await;
    assert_eq!(r3.outcome, Outcome::Deployed, "{r3:#?}");
    assert_eq!(get(STACK_PORT).as_deref(), Some("s3"));
    assert_eq!(store_id(), first);
    assert!(
        steps.iter().any(|s| s.contains("store keeps running")),
        "{steps:?}"
    );
    let names = deploy_containers(&p);
    assert_eq!(
        names.len(),
        2,
        "the app's one version and the store: {names:?}"
    );

    // 4. The store's settings change: it is recreated, its volume keeps its data, and the
    //    new app version reaches the new container.
    std::fs::write(
        p.path().join("compose.yaml"),
        stack_compose(&store.0, "two"),
    )
    .unwrap();
    std::fs::write(p.path().join("Dockerfile"), stack_dockerfile("s4", true)).unwrap();
    let (r4, _) = go("s4").await;
    assert_eq!(r4.outcome, Outcome::Deployed, "{r4:#?}");
    assert_ne!(
        store_id(),
        first,
        "changed settings recreate the backing service"
    );
    assert!(
        r4.notes.iter().any(|n| n.contains("store was recreated")),
        "{:?}",
        r4.notes
    );
    let app = deploy_containers(&p)
        .into_iter()
        .find(|n| n.ends_with("-prod-s4"))
        .unwrap();
    assert_eq!(
        docker_out(&[
            "exec",
            &app,
            "wget",
            "-q",
            "-O",
            "-",
            "http://store:9000/boots"
        ]),
        "boot one\nboot two",
        "the volume kept the first container's data"
    );

    // 5. Rollback returns the app to s3 and leaves the store as it is. The compose file now
    //    names another container port: s3 is published on the one it was deployed with.
    let recreated = store_id();
    std::fs::write(
        p.path().join("compose.yaml"),
        stack_compose(&store.0, "two").replace(":8080\"]", ":9999\"]"),
    )
    .unwrap();
    assert!(std::fs::read_to_string(p.path().join("compose.yaml"))
        .unwrap()
        .contains(":9999"));
    let mut req = DeployRequest::new(p.path(), Environment::Prod);
    req.state_dir = state.path().to_path_buf();
    req.health_timeout = Duration::from_secs(20);
    let back = deploy::rollback(&e, &req, &Templates::embedded(), |_| {})
        .await
        .unwrap();
    assert_eq!(back.outcome, Outcome::Deployed, "{back:#?}");
    assert_eq!(back.version, "s3");
    assert_eq!(get(STACK_PORT).as_deref(), Some("s3"));
    assert_eq!(store_id(), recreated);
}
