//! The app's one [`StatsHub`]: started at startup, retried in the background with backoff
//! while no engine answers (the app works without one and picks it up when it appears), and
//! shared by the containers view, the tray and the notifications. What the stats commands do
//! lives here as plain async functions over [`Live`] (tested against the real engine in
//! `stats_tests.rs`); `stats_commands.rs` only adapts them to IPC.

use berth_core::docker::lifecycle::{ContainerInfo, PublishedPort};
use berth_core::docker::stats::StatsHub;
use berth_core::docker::Engine;
use berth_core::stats::{now_ms, StatsEvent, StatsPoint, StatsSample};
use berth_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use ts_rs::TS;

/// First and longest wait between attempts to reach an engine at startup (doubling).
const CONNECT_BACKOFF_MIN: Duration = Duration::from_millis(500);
const CONNECT_BACKOFF_MAX: Duration = Duration::from_secs(10);
/// Live views get one batch per this period (samples coalesced to the latest per container).
pub const BATCH_PERIOD: Duration = Duration::from_secs(1);
/// A batch carries at most this many container events (the latest): a view re-lists on any
/// event, so a window hidden for days does not need every one.
pub const MAX_BATCH_EVENTS: usize = 256;
/// A stop/restart/remove asked for in Berth explains a `die` that follows within this long.
const USER_STOP_MEMORY_MS: i64 = 30_000;

/// A reachable engine and the hub following it. The hub reconnects by itself after this.
pub struct Live {
    pub engine: Engine,
    pub hub: StatsHub,
}

/// Managed state: the hub once an engine answered, plus the stops the user asked for.
pub struct StatsState {
    live: watch::Receiver<Option<Arc<Live>>>,
    user_stops: Mutex<HashMap<String, i64>>,
}

impl StatsState {
    /// Start looking for an engine in the background (on Tauri's async runtime).
    pub fn start() -> Arc<StatsState> {
        let (tx, rx) = watch::channel(None);
        tauri::async_runtime::spawn(connect_loop(tx));
        Arc::new(StatsState {
            live: rx,
            user_stops: Mutex::new(HashMap::new()),
        })
    }

    /// State over an already connected hub (tests).
    #[cfg(test)]
    pub fn with_live(live: Live) -> Arc<StatsState> {
        let (_tx, rx) = watch::channel(Some(Arc::new(live)));
        Arc::new(StatsState {
            live: rx,
            user_stops: Mutex::new(HashMap::new()),
        })
    }

    /// State still waiting for an engine, and the sender that hands it one (tests: the
    /// background retry loop does this in the app).
    #[cfg(test)]
    pub fn waiting() -> (Arc<StatsState>, watch::Sender<Option<Arc<Live>>>) {
        let (tx, rx) = watch::channel(None);
        let state = Arc::new(StatsState {
            live: rx,
            user_stops: Mutex::new(HashMap::new()),
        });
        (state, tx)
    }

    /// The hub, if an engine has answered since startup.
    pub fn live(&self) -> Option<Arc<Live>> {
        self.live.borrow().clone()
    }

    /// The hub, or the error the UI shows while Berth is still looking for an engine.
    pub fn require(&self) -> Result<Arc<Live>> {
        self.live().ok_or_else(|| {
            Error::EngineUnavailable(
                "no container engine answers yet: Berth keeps trying in the background".into(),
            )
        })
    }

    /// Wait until an engine has answered.
    pub async fn wait_live(&self) -> Option<Arc<Live>> {
        let mut rx = self.live.clone();
        let got = rx.wait_for(Option::is_some).await.ok()?;
        got.clone()
    }

    fn stops(&self) -> MutexGuard<'_, HashMap<String, i64>> {
        self.user_stops
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Remember that the user asked `name_or_id` to stop (stop, restart, remove).
    pub fn note_user_stop(&self, name_or_id: &str) {
        let now = now_ms();
        let mut stops = self.stops();
        stops.retain(|_, at| now - *at < USER_STOP_MEMORY_MS);
        stops.insert(name_or_id.to_owned(), now);
    }

    /// Whether the user asked this container (by id or name) to stop recently.
    pub fn user_stopped(&self, id: &str, name: &str) -> bool {
        let now = now_ms();
        let stops = self.stops();
        [id, name].iter().any(|k| {
            stops
                .get(*k)
                .is_some_and(|at| now - at < USER_STOP_MEMORY_MS)
                || (k.len() >= 12 && stops.keys().any(|s| s.len() >= 12 && k.starts_with(s)))
        })
    }
}

async fn connect_loop(tx: watch::Sender<Option<Arc<Live>>>) {
    let mut backoff = CONNECT_BACKOFF_MIN;
    loop {
        if let Ok(engine) = Engine::connect().await {
            if let Ok(hub) = StatsHub::start(engine.clone()).await {
                let _ = tx.send(Some(Arc::new(Live { engine, hub })));
                return;
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(CONNECT_BACKOFF_MAX);
    }
}

/// A container's health from the engine's status text (`Up 3 minutes (healthy)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Health {
    Starting,
    Healthy,
    Unhealthy,
}

impl Health {
    /// From a health status word (`starting`, `healthy`, `unhealthy`).
    pub fn from_word(word: &str) -> Option<Health> {
        match word.trim() {
            "starting" | "health: starting" => Some(Health::Starting),
            "healthy" => Some(Health::Healthy),
            "unhealthy" => Some(Health::Unhealthy),
            _ => None,
        }
    }

    /// From the engine's status text; `None` when the container has no health check.
    pub fn from_status(status: &str) -> Option<Health> {
        let open = status.rfind('(')?;
        let inner = status[open + 1..].strip_suffix(')')?;
        Health::from_word(inner)
    }
}

/// One row of the containers view: the container, its health and its latest sample.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ContainerRow {
    pub container: ContainerInfo,
    pub health: Option<Health>,
    pub sample: Option<StatsSample>,
}

/// What a live view receives once per [`BATCH_PERIOD`]: the latest sample of each container
/// that reported one, the container events since the last batch, and whether the engine
/// answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct StatsBatch {
    pub samples: Vec<StatsSample>,
    pub events: Vec<berth_core::docker::events::ContainerEvent>,
    pub connected: bool,
}

/// Every container with its health and latest sample, by name.
pub async fn list_containers(live: &Live) -> Result<Vec<ContainerRow>> {
    let containers = live.engine.all_containers().await?;
    let mut latest: HashMap<String, StatsSample> = live
        .hub
        .latest()
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    Ok(containers
        .into_iter()
        .map(|c| ContainerRow {
            health: Health::from_status(&c.status),
            sample: latest.remove(&c.id),
            container: c,
        })
        .collect())
}

/// A container's history for the detail charts (oldest first).
pub fn history(live: &Live, id: &str) -> Vec<StatsPoint> {
    live.hub.history(id)
}

pub use berth_core::app::LifecycleAction;

/// Start, stop, restart or remove a container. Stops the user asks for are remembered so
/// the `die` that follows is not reported as an unexpected exit.
pub async fn lifecycle(state: &StatsState, name: &str, action: LifecycleAction) -> Result<()> {
    let live = state.require()?;
    if action.stops() {
        state.note_user_stop(name);
    }
    berth_core::app::lifecycle(&live.engine, name, action).await
}

/// The same for every container of a compose project, in dependency order.
pub async fn group_lifecycle(
    state: &StatsState,
    project: &str,
    action: LifecycleAction,
) -> Result<berth_core::app::GroupReport> {
    let live = state.require()?;
    berth_core::app::group_lifecycle(&live.engine, project, action, |name| {
        if action.stops() {
            state.note_user_stop(name);
        }
    })
    .await
}

/// The first host port a container publishes, as a localhost URL (for "open in browser").
pub fn localhost_url(ports: &[PublishedPort]) -> Option<String> {
    ports
        .iter()
        .map(|p| p.host_port)
        .find(|p| *p != 0)
        .map(|p| format!("http://localhost:{p}/"))
}

/// Whether `url` points at this machine over http(s) (the only URLs Berth opens): the one
/// rule, `berth_core::app::local_url`.
pub fn is_localhost_url(url: &str) -> bool {
    berth_core::app::local_url(url).is_ok()
}

/// Accumulates hub events into [`StatsBatch`]es (pure; the forwarder feeds and flushes it).
#[derive(Debug, Default)]
pub struct Batcher {
    samples: HashMap<String, StatsSample>,
    events: Vec<berth_core::docker::events::ContainerEvent>,
    connected: bool,
    dirty: bool,
}

impl Batcher {
    pub fn new(connected: bool) -> Self {
        Batcher {
            connected,
            dirty: true,
            ..Batcher::default()
        }
    }

    pub fn push(&mut self, ev: StatsEvent) {
        self.dirty = true;
        match ev {
            StatsEvent::Sample(s) => {
                self.samples.insert(s.id.clone(), s);
            }
            StatsEvent::Container(c) => {
                if c.action.stops_container() {
                    self.samples.remove(&c.id);
                }
                if self.events.len() == MAX_BATCH_EVENTS {
                    self.events.remove(0);
                }
                self.events.push(c);
            }
            StatsEvent::EngineLost { .. } => {
                self.connected = false;
                self.samples.clear();
            }
            StatsEvent::EngineBack => self.connected = true,
        }
    }

    /// The batch since the last flush, or `None` when nothing happened.
    pub fn flush(&mut self) -> Option<StatsBatch> {
        if !self.dirty {
            return None;
        }
        self.dirty = false;
        let mut samples: Vec<StatsSample> = self.samples.drain().map(|(_, s)| s).collect();
        samples.sort_by(|a, b| a.name.cmp(&b.name));
        Some(StatsBatch {
            samples,
            events: std::mem::take(&mut self.events),
            connected: self.connected,
        })
    }
}

/// Forward the hub to one live view: wait for an engine, then send a batch every
/// [`BATCH_PERIOD`] while something happened and the window is `shown`. While it is hidden
/// nothing is sent (the webview does no painting work; the hub keeps its history and this
/// task keeps the latest sample of each container and the events); on show, what gathered
/// meanwhile goes at once. Returns when `send` reports the view is gone (the command's task
/// is also aborted on unsubscribe).
pub async fn forward(
    state: Arc<StatsState>,
    mut shown: watch::Receiver<bool>,
    mut send: impl FnMut(StatsBatch) -> bool,
) {
    if state.live().is_none() && !send(StatsBatch::default()) {
        return;
    }
    let Some(live) = state.wait_live().await else {
        return;
    };
    let mut rx = live.hub.subscribe();
    let mut batcher = Batcher::new(live.hub.is_connected());
    let mut tick = tokio::time::interval(BATCH_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Once the window's flag is gone (the app is ending) it stays as it was.
    let mut watching = true;
    loop {
        let flush_now = tokio::select! {
            ev = rx.recv() => match ev {
                Ok(ev) => {
                    batcher.push(ev);
                    false
                }
                Err(broadcast::error::RecvError::Lagged(_)) => false,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = tick.tick(), if *shown.borrow() => true,
            changed = shown.changed(), if watching => match changed {
                Ok(()) => *shown.borrow_and_update(),
                Err(_) => {
                    watching = false;
                    false
                }
            },
        };
        if flush_now {
            if let Some(batch) = batcher.flush() {
                if !send(batch) {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use berth_core::docker::events::{ContainerAction, ContainerEvent};

    #[test]
    fn health_is_read_from_the_status_text() {
        assert_eq!(
            Health::from_status("Up 3 minutes (healthy)"),
            Some(Health::Healthy)
        );
        assert_eq!(
            Health::from_status("Up 3 seconds (health: starting)"),
            Some(Health::Starting)
        );
        assert_eq!(
            Health::from_status("Up 1 hour (unhealthy)"),
            Some(Health::Unhealthy)
        );
        assert_eq!(Health::from_status("Up 2 seconds"), None);
        assert_eq!(Health::from_status("Exited (137) 5 seconds ago"), None);
    }

    #[test]
    fn only_localhost_urls_are_opened() {
        let port = |p| PublishedPort {
            host_ip: Some("0.0.0.0".into()),
            host_port: p,
            container_port: 80,
        };
        assert_eq!(
            localhost_url(&[port(18080)]).as_deref(),
            Some("http://localhost:18080/")
        );
        assert_eq!(localhost_url(&[]), None);
        assert!(is_localhost_url("http://localhost:18080/"));
        assert!(is_localhost_url("http://127.0.0.1:80"));
        assert!(is_localhost_url("https://[::1]:8443/x"));
        assert!(!is_localhost_url("http://localhost.evil.com/"));
        assert!(!is_localhost_url("http://user@evil.com:80@localhost/"));
        assert!(!is_localhost_url("http://localhost:80x/"));
        assert!(!is_localhost_url("file:///etc/passwd"));
        assert!(!is_localhost_url("javascript:alert(1)"));
    }

    fn sample(id: &str, cpu: f64) -> StatsSample {
        StatsSample {
            id: id.into(),
            name: format!("n-{id}"),
            point: StatsPoint {
                cpu_percent: cpu,
                ..StatsPoint::default()
            },
        }
    }

    #[test]
    fn a_batch_keeps_the_latest_sample_per_container_and_every_event() {
        let mut b = Batcher::new(true);
        assert_eq!(
            b.flush().unwrap(),
            StatsBatch {
                connected: true,
                ..StatsBatch::default()
            }
        );
        assert_eq!(b.flush(), None, "nothing new, nothing sent");
        b.push(StatsEvent::Sample(sample("a", 1.0)));
        b.push(StatsEvent::Sample(sample("b", 5.0)));
        b.push(StatsEvent::Sample(sample("a", 2.0)));
        let ev = ContainerEvent {
            id: "b".into(),
            name: "n-b".into(),
            ts_ms: 1,
            action: ContainerAction::Die { exit_code: Some(1) },
        };
        b.push(StatsEvent::Container(ev.clone()));
        let batch = b.flush().unwrap();
        assert_eq!(
            batch.samples,
            vec![sample("a", 2.0)],
            "b stopped: its sample is dropped"
        );
        assert_eq!(batch.events, vec![ev]);
        b.push(StatsEvent::EngineLost {
            message: "gone".into(),
        });
        assert!(!b.flush().unwrap().connected);
        b.push(StatsEvent::EngineBack);
        assert!(b.flush().unwrap().connected);
    }

    #[test]
    fn a_long_pause_keeps_the_latest_events_only() {
        let mut b = Batcher::new(true);
        for i in 0..(MAX_BATCH_EVENTS as i64 + 10) {
            b.push(StatsEvent::Container(ContainerEvent {
                id: format!("c{i}"),
                name: String::new(),
                ts_ms: i,
                action: ContainerAction::Start,
            }));
        }
        let events = b.flush().unwrap().events;
        assert_eq!(events.len(), MAX_BATCH_EVENTS);
        assert_eq!(events[0].ts_ms, 10);
        assert_eq!(events.last().unwrap().ts_ms, MAX_BATCH_EVENTS as i64 + 9);
    }
}
