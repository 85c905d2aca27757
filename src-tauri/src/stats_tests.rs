//! The stats commands' bodies against the real engine, without a webview: a busybox
//! container (image built `FROM scratch`, no registry) is listed with its sample and health,
//! streamed in batches, charted from history, and stopped/started/removed through the same
//! functions the commands and the tray call. Every container and image is removed on drop.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::stats::{self, ContainerRow, Health, LifecycleAction, Live, StatsBatch, StatsState};
use crate::window::WindowShown;
use berth_core::docker::events::ContainerAction;
use berth_core::docker::stats::StatsHub;
use berth_core::docker::Engine;
use berth_core::stats::StatsEvent;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DOCKER: &str = "/usr/bin/docker";
/// Bound on waiting for the engine (not a timing assertion: the tests only fail if nothing
/// arrives at all).
const WAIT: Duration = Duration::from_secs(60);
static SEQ: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "berth-app-{prefix}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    )
}

fn docker(args: &[&str]) -> String {
    let out = Command::new(DOCKER).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A busybox image removed on drop.
struct Image(String);

impl Image {
    fn busybox() -> Image {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy("/bin/busybox", dir.path().join("busybox"))
            .expect("busybox-static at /bin/busybox");
        std::fs::write(
            dir.path().join("Dockerfile"),
            "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n",
        )
        .unwrap();
        let tag = format!("berth-test/busybox:{}", unique("img"));
        docker(&["build", "-q", "-t", &tag, dir.path().to_str().unwrap()]);
        Image(tag)
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = Command::new(DOCKER).args(["rmi", "-f", &self.0]).output();
    }
}

/// A container removed (forcibly) on drop.
struct Container {
    name: String,
    id: String,
}

impl Container {
    fn run(image: &Image, extra: &[&str], cmd: &[&str]) -> Container {
        let name = unique("c");
        let mut args = vec![
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            "dev.berth.test=app",
        ];
        args.extend_from_slice(extra);
        args.push(&image.0);
        args.extend_from_slice(cmd);
        let id = docker(&args);
        Container { name, id }
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new(DOCKER).args(["rm", "-f", &self.name]).output();
    }
}

/// A window that stays shown.
fn shown() -> tokio::sync::watch::Receiver<bool> {
    WindowShown::new(true).subscribe()
}

async fn live_state() -> Arc<StatsState> {
    let engine = Engine::connect().await.unwrap_or_else(|e| {
        panic!("needs a running engine: run `bash scripts/start-dockerd.sh` first.\n{e}")
    });
    let hub = StatsHub::start(engine.clone()).await.unwrap();
    StatsState::with_live(Live { engine, hub })
}

async fn row_until(
    state: &StatsState,
    what: &str,
    ok: impl Fn(&ContainerRow) -> bool,
    id: &str,
) -> ContainerRow {
    let live = state.require().unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = stats::list_containers(&live).await.unwrap();
        if let Some(r) = rows.iter().find(|r| r.container.id == id && ok(r)) {
            return r.clone();
        }
        assert!(Instant::now() < deadline, "never saw {what}: {rows:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_container_is_listed_with_its_sample_health_and_history() {
    let image = Image::busybox();
    let c = Container::run(
        &image,
        &[
            "--health-cmd",
            "true",
            "--health-interval",
            "1s",
            "-p",
            "127.0.0.1::8080",
        ],
        &["sh", "-c", "while :; do :; done"],
    );
    let state = live_state().await;
    let row = row_until(
        &state,
        "a sample and healthy",
        |r| r.sample.is_some() && r.health == Some(Health::Healthy),
        &c.id,
    )
    .await;
    assert_eq!(row.container.name, c.name);
    assert_eq!(row.container.state, "running");
    assert_eq!(row.container.ports.len(), 1);
    let url = stats::localhost_url(&row.container.ports).unwrap();
    assert!(stats::is_localhost_url(&url), "{url}");
    let sample = row.sample.unwrap();
    assert!(sample.cpu_percent > 10.0, "a busy loop: {sample:?}");
    assert!(sample.mem_limit_bytes > 0);

    let live = state.require().unwrap();
    let points = stats::history(&live, &c.id);
    assert!(!points.is_empty());
    assert!(points.windows(2).all(|w| w[0].ts_ms <= w[1].ts_ms));
    assert!(stats::history(&live, "no-such-container").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_views_get_batches_and_lifecycle_actions_work() {
    let image = Image::busybox();
    let c = Container::run(&image, &[], &["sleep", "3600"]);
    let state = live_state().await;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<StatsBatch>();
    let forwarder = tokio::spawn(stats::forward(state.clone(), shown(), move |b| {
        tx.send(b).is_ok()
    }));
    let deadline = Instant::now() + WAIT;
    loop {
        let b = next(&mut rx, deadline).await;
        assert!(b.connected);
        if b.samples.iter().any(|s| s.id == c.id) {
            // Coalesced: at most one sample per container per batch.
            let mut ids: Vec<&str> = b.samples.iter().map(|s| s.id.as_str()).collect();
            ids.dedup();
            assert_eq!(ids.len(), b.samples.len());
            break;
        }
    }

    stats::lifecycle(&state, &c.name, LifecycleAction::Stop)
        .await
        .unwrap();
    assert!(
        state.user_stopped(&c.id, &c.name),
        "a stop asked in Berth is remembered"
    );
    loop {
        let b = next(&mut rx, deadline).await;
        if b.events.iter().any(|e| {
            e.id == c.id
                && matches!(
                    e.action,
                    ContainerAction::Stop | ContainerAction::Die { .. }
                )
        }) {
            break;
        }
    }
    row_until(&state, "exited", |r| r.container.state == "exited", &c.id).await;

    stats::lifecycle(&state, &c.name, LifecycleAction::Start)
        .await
        .unwrap();
    row_until(&state, "running", |r| r.container.state == "running", &c.id).await;
    stats::lifecycle(&state, &c.name, LifecycleAction::Restart)
        .await
        .unwrap();
    row_until(&state, "running", |r| r.container.state == "running", &c.id).await;

    stats::lifecycle(&state, &c.name, LifecycleAction::Remove)
        .await
        .unwrap();
    let live = state.require().unwrap();
    let rows = stats::list_containers(&live).await.unwrap();
    assert!(!rows.iter().any(|r| r.container.id == c.id), "removed");
    let gone = stats::lifecycle(&state, &c.name, LifecycleAction::Start)
        .await
        .unwrap_err();
    assert_eq!(gone.kind(), berth_core::ErrorKind::NotFound);
    forwarder.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_window_gets_no_batches_and_what_happened_meanwhile_on_show() {
    let image = Image::busybox();
    let c = Container::run(&image, &[], &["sleep", "3600"]);
    let state = live_state().await;
    let window = WindowShown::new(false);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<StatsBatch>();
    let forwarder = tokio::spawn(stats::forward(
        state.clone(),
        window.subscribe(),
        move |b| tx.send(b).is_ok(),
    ));

    // The container stops while the window is hidden: the hub hears it (and keeps sampling
    // the others), the view is sent nothing.
    let live = state.require().unwrap();
    let mut hub = live.hub.subscribe();
    stats::lifecycle(&state, &c.name, LifecycleAction::Stop)
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, hub.recv())
            .await
            .expect("the stop event")
        {
            Ok(StatsEvent::Container(e)) if e.id == c.id && e.action == ContainerAction::Stop => {
                break
            }
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(e) => panic!("hub closed: {e}"),
        }
    }
    // Three batch periods with an event waiting (a shown window gets a batch each period):
    // a bound on a negative, it cannot fail for a slow machine.
    let quiet = tokio::time::timeout(stats::BATCH_PERIOD * 3, rx.recv()).await;
    assert!(quiet.is_err(), "a hidden window was sent {quiet:?}");

    window.set(true);
    let batch = next(&mut rx, Instant::now() + WAIT).await;
    assert!(
        batch
            .events
            .iter()
            .any(|e| e.id == c.id && e.action == ContainerAction::Stop),
        "the first batch on show carries the stop: {batch:?}"
    );
    forwarder.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_engine_views_are_told_so_and_pick_it_up_when_it_appears() {
    let (state, appears) = StatsState::waiting();
    let err = state.require().err().expect("no engine yet");
    assert_eq!(err.kind(), berth_core::ErrorKind::EngineUnavailable);
    assert!(stats::lifecycle(&state, "x", LifecycleAction::Start)
        .await
        .is_err());

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<StatsBatch>();
    let forwarder = tokio::spawn(stats::forward(state.clone(), shown(), move |b| {
        tx.send(b).is_ok()
    }));
    let deadline = Instant::now() + WAIT;
    let first = next(&mut rx, deadline).await;
    assert!(!first.connected, "the view hears there is no engine");

    let engine = Engine::connect().await.unwrap();
    let hub = StatsHub::start(engine.clone()).await.unwrap();
    appears.send(Some(Arc::new(Live { engine, hub }))).unwrap();
    let batch = next(&mut rx, deadline).await;
    assert!(batch.connected, "the view hears the engine appeared");
    assert!(state.require().is_ok());
    forwarder.abort();
}

async fn next(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<StatsBatch>,
    deadline: Instant,
) -> StatsBatch {
    let left = deadline.saturating_duration_since(Instant::now());
    tokio::time::timeout(left, rx.recv())
        .await
        .expect("a batch")
        .expect("forwarder alive")
}
