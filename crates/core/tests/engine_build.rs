//! Builds on the engine's classic builder (the fallback when an engine has no BuildKit):
//! progress events, cache reuse, labels, in-memory Dockerfiles, and cancellation that
//! leaves nothing behind. BuildKit builds: engine_buildkit.rs.
#![cfg(unix)] // the engine tests run against a Linux engine over its unix socket
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use berth_core::docker::build::{BuildEvent, BuildRequest};
use berth_core::docker::buildkit::BuilderChoice;
use berth_core::docker::CancellationToken;
use berth_core::ErrorKind;
use engine_support::{
    collect, containers_mentioning, engine, image_exists, image_label, steps, TestProject, DOCKER,
};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// A build request on the classic builder.
fn classic(path: &std::path::Path, tag: &str) -> BuildRequest {
    let mut r = BuildRequest::new(path, tag);
    r.builder = BuilderChoice::Classic;
    r
}

const DOCKERFILE: &str = "FROM scratch\nCOPY busybox /bin/busybox\n\
RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
RUN echo building-step-output && mkdir -p /data\nUSER 65534\nCMD [\"/bin/busybox\", \"true\"]\n";

#[tokio::test]
async fn build_reports_progress_then_reuses_the_cache() {
    let e = engine().await;
    let p = TestProject::new(DOCKERFILE);
    std::fs::write(p.path().join(".dockerignore"), "secret.txt\n").unwrap();
    std::fs::write(p.path().join("secret.txt"), "do not send").unwrap();
    let tag = format!("{}:test", p.name("img"));
    let (events, cb) = collect();
    let req = classic(p.path(), &tag);
    let report = e.build(&req, cb, CancellationToken::new()).await.unwrap();
    let evs = events.lock().unwrap().clone();
    // The six Dockerfile steps, then the classic builder's two LABEL steps (Berth's labels).
    assert_eq!(steps(&evs), (1..=8).map(|n| (n, 8)).collect::<Vec<_>>());
    assert!(evs.iter().any(|x| matches!(x, BuildEvent::Step { n: 8, instruction, .. } if instruction.contains("dev.berth"))), "{evs:?}");
    assert!(
        evs.iter().any(
            |x| matches!(x, BuildEvent::Output { line } if line.contains("building-step-output"))
        ),
        "{evs:?}"
    );
    assert!(
        matches!(&evs[..2], [BuildEvent::Output { line }, BuildEvent::Context { files, .. }]
            if line.starts_with("note: classic builder requested") && *files == 3),
        "{evs:?}"
    );
    assert!(matches!(evs.last(), Some(BuildEvent::Built { .. })));
    assert_eq!(report.steps, 8);
    assert_eq!(report.builder, "classic");
    assert!(
        report
            .builder_note
            .as_deref()
            .unwrap_or("")
            .contains("requested"),
        "{report:?}"
    );
    assert!(
        report.size_bytes > 500_000 && report.size_bytes < 5_000_000,
        "{}",
        report.size_bytes
    );
    assert!(report.targets.iter().all(|t| t.met), "{:?}", report.targets);

    // Labels on the image.
    assert_eq!(
        image_label(&tag, "dev.berth.project"),
        p.path().display().to_string()
    );

    // Second build: every step that can be cached is.
    let (events2, cb2) = collect();
    let again = e.build(&req, cb2, CancellationToken::new()).await.unwrap();
    assert_eq!(
        again.image_id,
        report.image_id,
        "{:?}",
        events2.lock().unwrap()
    );
    assert!(again.cached_steps >= 6, "{again:?}");
    assert!(events2
        .lock()
        .unwrap()
        .iter()
        .any(|x| matches!(x, BuildEvent::Cached { .. })));
}

#[tokio::test]
async fn an_in_memory_dockerfile_is_built_without_writing_it() {
    let e = engine().await;
    let p = TestProject::new("this file is not used\n");
    std::fs::remove_file(p.path().join("Dockerfile")).unwrap();
    let tag = format!("{}:mem", p.name("img"));
    let mut req = classic(p.path(), &tag);
    req.dockerfile_contents = Some("FROM scratch\nCOPY busybox /bin/busybox\n".into());
    let r = e
        .build(&req, |_| {}, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(r.steps, 2 + 2); // + the label steps
    assert!(!p.path().join(".berth.Dockerfile").exists());
    assert!(!p.path().join("Dockerfile").exists());
}

#[tokio::test]
async fn a_failing_step_is_an_error_event() {
    let e = engine().await;
    let p = TestProject::new(
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"false\"]\n",
    );
    let tag = format!("{}:fail", p.name("img"));
    let (events, cb) = collect();
    let err = e
        .build(&classic(p.path(), &tag), cb, CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Engine);
    assert!(err.to_string().contains("non-zero code"), "{err}");
    assert!(events
        .lock()
        .unwrap()
        .iter()
        .any(|x| matches!(x, BuildEvent::Error { .. })));
}

/// Ids of images (including intermediate ones) whose build command or environment mentions
/// `token`.
fn images_mentioning(token: &str) -> Vec<String> {
    let out = Command::new(DOCKER)
        .args(["images", "-aq", "--no-trunc"])
        .output()
        .unwrap();
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    ids.into_iter()
        .filter(|id| {
            let o = Command::new(DOCKER)
                .args([
                    "image",
                    "inspect",
                    "-f",
                    "{{json .ContainerConfig.Cmd}} {{json .Config.Cmd}} {{json .Config.Env}}",
                    id,
                ])
                .output()
                .unwrap();
            String::from_utf8_lossy(&o.stdout).contains(token)
        })
        .collect()
}

#[tokio::test]
async fn cancelling_a_build_leaves_nothing_half_made() {
    let e = engine().await;
    let p = TestProject::new("");
    let token = p.name("tok");
    // A unique first layer, so no layer of this build is shared with a concurrent test's
    // (its cleanup must not race theirs), then a long step.
    std::fs::write(p.path().join("unique.txt"), &token).unwrap();
    std::fs::write(
        p.path().join("Dockerfile"),
        format!(
            "FROM scratch\nCOPY unique.txt /unique.txt\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
             RUN echo {token} > /token\nRUN sleep 60 && echo {token}\n"
        ),
    )
    .unwrap();
    let tag = format!("{}:cancel", p.name("img"));
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let reached = Arc::new(Mutex::new(false));
    let r2 = reached.clone();
    let req = classic(p.path(), &tag);
    let err = e
        .build(
            &req,
            move |x| {
                if let BuildEvent::Step { n: 6, .. } = x {
                    *r2.lock().unwrap() = true;
                    // Let the engine start the RUN container, then cancel.
                    let c3 = c2.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                        c3.cancel();
                    });
                }
            },
            cancel,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert!(*reached.lock().unwrap());
    assert_eq!(
        containers_mentioning(&token),
        Vec::<String>::new(),
        "intermediate containers left"
    );
    assert_eq!(
        images_mentioning(&token),
        Vec::<String>::new(),
        "intermediate images left"
    );
    assert!(!image_exists(&tag), "the tag must not exist");
}

/// A unix-socket proxy in front of the real engine that can be cut, to stand in for the
/// engine stopping mid-build (stopping the shared dockerd would disturb other tests).
struct CuttableProxy {
    path: std::path::PathBuf,
    conns: Arc<Mutex<Vec<std::os::unix::net::UnixStream>>>,
    stopped: Arc<std::sync::atomic::AtomicBool>,
}

impl CuttableProxy {
    fn start(dir: &std::path::Path) -> CuttableProxy {
        use std::os::unix::net::{UnixListener, UnixStream};
        let path = dir.join("proxy.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let conns: Arc<Mutex<Vec<UnixStream>>> = Arc::default();
        let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (c2, s2) = (conns.clone(), stopped.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s2.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { return };
                let Ok(engine) = UnixStream::connect("/var/run/docker.sock") else {
                    return;
                };
                {
                    let mut v = c2.lock().unwrap();
                    v.push(client.try_clone().unwrap());
                    v.push(engine.try_clone().unwrap());
                }
                let (mut cr, mut ew) = (client.try_clone().unwrap(), engine.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut cr, &mut ew);
                    let _ = ew.shutdown(std::net::Shutdown::Write);
                });
                let (mut er, mut cw) = (engine, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut er, &mut cw);
                    let _ = cw.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        CuttableProxy {
            path,
            conns,
            stopped,
        }
    }

    fn cut(&self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        for s in self.conns.lock().unwrap().iter() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        let _ = std::os::unix::net::UnixStream::connect(&self.path); // wake the accept loop
        let _ = std::fs::remove_file(&self.path);
    }
}

#[tokio::test]
async fn the_engine_going_away_mid_build_is_a_clear_error() {
    use berth_core::docker::discovery::{Endpoint, EndpointSource};
    let p = TestProject::new("");
    let token = p.name("gone");
    std::fs::write(
        p.path().join("Dockerfile"),
        // The ENV puts the token in every layer's config: with Berth cut off from the engine,
        // the test itself removes the layers the engine committed (images_mentioning).
        format!("FROM scratch\nENV BERTH_TEST_TOKEN={token}\nCOPY unique.txt /unique.txt\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nRUN sleep 60 && echo {token}\n"),
    )
    .unwrap();
    std::fs::write(p.path().join("unique.txt"), &token).unwrap();
    let proxy = Arc::new(CuttableProxy::start(p.path()));
    let e = berth_core::docker::Engine::connect_to(Endpoint::plain(
        format!("unix://{}", proxy.path.display()),
        EndpointSource::EnvDockerHost,
    ))
    .await
    .expect("engine through the proxy (run scripts/start-dockerd.sh)");
    let px = proxy.clone();
    let req = classic(p.path(), &format!("{}:gone", p.name("img")));
    let err = e
        .build(
            &req,
            move |x| {
                if let BuildEvent::Step { n: 6, .. } = x {
                    let px = px.clone();
                    std::thread::spawn(move || {
                        std::thread::sleep(std::time::Duration::from_secs(2));
                        px.cut();
                    });
                }
            },
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineUnavailable, "{err}");
    assert!(
        err.to_string().contains("engine stopped answering"),
        "{err}"
    );
    // The engine itself (still up behind the proxy) drops the build when its client goes:
    // the RUN container disappears.
    let mut left = containers_mentioning(&token);
    for _ in 0..60 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        left = containers_mentioning(&token);
    }
    assert!(left.is_empty(), "build container left running: {left:?}");
    let layers = images_mentioning(&token);
    assert!(!layers.is_empty(), "the engine committed the first steps");
    for id in &layers {
        let _ = Command::new(DOCKER).args(["rmi", "-f", id]).output();
    }
    assert_eq!(images_mentioning(&token), Vec::<String>::new());
}

#[tokio::test]
async fn dropping_a_build_midway_cleans_up_too() {
    let e = engine().await;
    let p = TestProject::new("");
    let token = p.name("drop");
    std::fs::write(p.path().join("unique.txt"), &token).unwrap();
    std::fs::write(
        p.path().join("Dockerfile"),
        format!(
            "FROM scratch\nCOPY unique.txt /unique.txt\nCOPY busybox /bin/busybox\n\
             RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nRUN echo {token} > /token\n\
             RUN sleep 60 && echo {token}\n"
        ),
    )
    .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut tx = Some(tx);
    let req = classic(p.path(), &format!("{}:drop", p.name("img")));
    let build = e.build(
        &req,
        move |x| {
            if let BuildEvent::Step { n: 6, .. } = x {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(());
                }
            }
        },
        CancellationToken::new(),
    );
    tokio::select! {
        r = build => panic!("the build finished before it was dropped: {r:?}"),
        _ = async {
            rx.await.unwrap();
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        } => {}
    }
    // The build future is dropped here; its cleanup runs as a task on this runtime.
    let mut left = (containers_mentioning(&token), images_mentioning(&token));
    for _ in 0..60 {
        if left.0.is_empty() && left.1.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        left = (containers_mentioning(&token), images_mentioning(&token));
    }
    assert_eq!(
        left,
        (Vec::new(), Vec::new()),
        "left behind (containers, images)"
    );
}
