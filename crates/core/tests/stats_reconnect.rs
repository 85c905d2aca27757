//! The stats hub survives an engine restart: it publishes `EngineLost`, retries with
//! backoff, then `EngineBack`, re-reads the container list and follows events again.
//!
//! Restarting the shared engine would break every other test running at the same time, so
//! this test starts its own private dockerd (own socket, data and exec roots) inside its own
//! network namespace (`unshare --net`, so its bridge and iptables rules cannot touch the
//! host's docker0), and restarts that one. Needs root, dockerd and util-linux's `unshare`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod stats_support;

use berth_core::docker::events::ContainerAction;
use berth_core::docker::stats::StatsHub;
use berth_core::stats::StatsEvent;
use stats_support::{engine_at, samples_of, wait_for, Cli, Container, Image};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A dockerd of our own; stopped and its folders removed on drop.
struct PrivateDockerd {
    dir: tempfile::TempDir,
    child: Option<Child>,
    host: String,
}

impl PrivateDockerd {
    fn start() -> PrivateDockerd {
        let dir = tempfile::Builder::new()
            .prefix("berth-rc")
            .tempdir_in("/tmp")
            .unwrap();
        let host = format!("unix://{}", dir.path().join("docker.sock").display());
        let mut d = PrivateDockerd {
            dir,
            child: None,
            host,
        };
        d.launch();
        d
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn launch(&mut self) {
        assert!(self.child.is_none());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path("dockerd.log"))
            .unwrap();
        let child = Command::new("unshare")
            .args(["--net", "--", "dockerd", "-H", &self.host])
            .arg("--data-root")
            .arg(self.path("data"))
            .arg("--exec-root")
            .arg(self.path("exec"))
            .arg("--pidfile")
            .arg(self.path("docker.pid"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start dockerd under unshare: {e}"));
        self.child = Some(child);
        let cli = Cli {
            host: Some(self.host.clone()),
        };
        let t0 = Instant::now();
        while !cli.cmd(&["version"]).output().unwrap().status.success() {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "private dockerd did not answer in 60 s: {}",
                std::fs::read_to_string(self.path("dockerd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// SIGTERM and wait: dockerd stops its containers and exits.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let t0 = Instant::now();
            while child.try_wait().ok().flatten().is_none() {
                if t0.elapsed() > Duration::from_secs(40) {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

impl Drop for PrivateDockerd {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_reconnects_and_resyncs_after_the_engine_restarts() {
    let mut daemon = PrivateDockerd::start();
    let cli = Cli {
        host: Some(daemon.host.clone()),
    };
    let image = Image::busybox(&cli);
    // Restarted by the engine when it comes back: the hub must pick it up by resyncing.
    let kept = Container::run(
        &cli,
        "kept",
        &["--restart", "always"],
        &image,
        &["sleep", "3600"],
    );
    let hub = StatsHub::start(engine_at(&daemon.host).await)
        .await
        .unwrap();
    let mut rx = hub.subscribe();
    samples_of(&mut rx, &kept.id, 1, Duration::from_secs(30)).await;
    assert!(hub.is_connected());

    tokio::task::block_in_place(|| daemon.stop());
    wait_for(&mut rx, Duration::from_secs(30), "engine lost", |e| {
        matches!(e, StatsEvent::EngineLost { .. })
    })
    .await;
    assert!(!hub.is_connected());
    assert!(
        hub.latest().is_empty(),
        "no stale samples while disconnected"
    );

    tokio::task::block_in_place(|| daemon.launch());
    wait_for(&mut rx, Duration::from_secs(60), "engine back", |e| {
        matches!(e, StatsEvent::EngineBack)
    })
    .await;
    assert!(hub.is_connected());
    // The restarted container streams again (same id, new stream).
    samples_of(&mut rx, &kept.id, 2, Duration::from_secs(60)).await;

    // And the event stream is followed again: a new container is picked up.
    let fresh = Container::run(&cli, "fresh", &[], &image, &["sleep", "3600"]);
    let id = fresh.id.clone();
    wait_for(&mut rx, Duration::from_secs(30), "start of a new container", |e| {
        matches!(e, StatsEvent::Container(ev) if ev.id == id && ev.action == ContainerAction::Start)
    })
    .await;
    samples_of(&mut rx, &id, 1, Duration::from_secs(30)).await;
    drop(hub);
}
