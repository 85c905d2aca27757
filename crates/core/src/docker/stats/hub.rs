//! [`StatsHub`]: one stats stream per running container, started and stopped by the
//! engine's event stream (not by polling), publishing samples and container events to any
//! number of subscribers, keeping a bounded history per container, and reconnecting with
//! backoff when the engine goes away.

use super::container_stats;
use crate::docker::events::{self, ContainerAction, ContainerEvent};
use crate::docker::{engine_err, Engine};
use crate::stats::{History, StatsEvent, StatsPoint, StatsSample};
use crate::Result;
use bollard::models::ContainerSummaryStateEnum;
use bollard::query_parameters::ListContainersOptions;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use ts_rs::TS;

/// Events buffered per subscriber. A subscriber that falls further behind gets
/// `RecvError::Lagged` and skips ahead (samples are superseded by the next one anyway).
pub const HUB_CHANNEL_CAPACITY: usize = 1024;
/// First and longest wait between reconnection attempts (doubling in between).
const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// The event stream is opened from slightly before the container list was read, so no
/// event between the two is missed (replayed duplicates are harmless).
const EVENTS_REPLAY_MARGIN_SECS: i64 = 2;

/// A running container the hub streams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RunningContainer {
    pub id: String,
    pub name: String,
}

#[derive(Default)]
struct State {
    /// id -> name of the containers believed running.
    running: BTreeMap<String, String>,
    latest: HashMap<String, StatsSample>,
    history: History,
    connected: bool,
}

struct Shared {
    state: Mutex<State>,
    tx: broadcast::Sender<StatsEvent>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn publish(&self, ev: StatsEvent) {
        // No subscriber is fine: the state above still records everything.
        let _ = self.tx.send(ev);
    }

    fn record(&self, sample: StatsSample) {
        {
            let mut st = self.lock();
            st.history.push(&sample);
            st.latest.insert(sample.id.clone(), sample.clone());
        }
        self.publish(StatsEvent::Sample(sample));
    }
}

/// A task aborted when its handle is dropped.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Live stats of every running container. Dropping the hub stops everything it started.
pub struct StatsHub {
    shared: Arc<Shared>,
    _supervisor: AbortOnDrop,
}

impl StatsHub {
    /// Read the running containers, start one stats stream for each, and follow the
    /// engine's events from then on. Fails only if the engine does not answer now; later
    /// outages are published as [`StatsEvent::EngineLost`] / [`StatsEvent::EngineBack`].
    /// Must be called inside a tokio runtime.
    pub async fn start(engine: Engine) -> Result<StatsHub> {
        let since = unix_secs() - EVENTS_REPLAY_MARGIN_SECS;
        let listed = list_containers(&engine).await?;
        let (tx, _) = broadcast::channel(HUB_CHANNEL_CAPACITY);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                connected: true,
                ..State::default()
            }),
            tx,
        });
        let (ended_tx, ended_rx) = mpsc::unbounded_channel();
        let mut sup = Supervisor {
            engine,
            shared: shared.clone(),
            streams: HashMap::new(),
            ended_tx,
            ended_rx,
            next_gen: 0,
        };
        sup.resync(listed, false);
        let task = tokio::spawn(sup.run(since));
        Ok(StatsHub {
            shared,
            _supervisor: AbortOnDrop(task),
        })
    }

    /// A receiver of everything published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<StatsEvent> {
        self.shared.tx.subscribe()
    }

    /// The containers being streamed, by name.
    pub fn running(&self) -> Vec<RunningContainer> {
        let st = self.shared.lock();
        let mut v: Vec<RunningContainer> = st
            .running
            .iter()
            .map(|(id, name)| RunningContainer {
                id: id.clone(),
                name: name.clone(),
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// The latest sample of each running container that has one, by name.
    pub fn latest(&self) -> Vec<StatsSample> {
        let st = self.shared.lock();
        let mut v: Vec<StatsSample> = st.latest.values().cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// A container's recent points, oldest first (at most [`crate::stats::HISTORY_CAPACITY`]).
    pub fn history(&self, id: &str) -> Vec<StatsPoint> {
        self.shared.lock().history.points(id)
    }

    /// Number of points held across all containers (bounded by containers × capacity).
    pub fn history_points(&self) -> usize {
        self.shared.lock().history.total_points()
    }

    /// Whether the engine answered at the last attempt.
    pub fn is_connected(&self) -> bool {
        self.shared.lock().connected
    }
}

struct Listed {
    id: String,
    name: String,
    running: bool,
}

async fn list_containers(engine: &Engine) -> Result<Vec<Listed>> {
    let options = ListContainersOptions {
        all: true,
        ..Default::default()
    };
    let list = engine
        .docker()
        .list_containers(Some(options))
        .await
        .map_err(engine_err)?;
    Ok(list
        .into_iter()
        .filter_map(|c| {
            let id = c.id?;
            let name = c
                .names
                .and_then(|n| n.into_iter().next())
                .map(|n| n.trim_start_matches('/').to_owned())
                .unwrap_or_else(|| short_id(&id));
            Some(Listed {
                running: c.state == Some(ContainerSummaryStateEnum::RUNNING),
                id,
                name,
            })
        })
        .collect())
}

fn short_id(id: &str) -> String {
    id.chars().take(12).collect()
}

fn unix_secs() -> i64 {
    crate::stats::now_ms() / 1000
}

struct StreamTask {
    generation: u64,
    _task: AbortOnDrop,
}

struct Supervisor {
    engine: Engine,
    shared: Arc<Shared>,
    streams: HashMap<String, StreamTask>,
    /// Stream tasks report here when their stream ends on its own.
    ended_tx: mpsc::UnboundedSender<(String, u64)>,
    ended_rx: mpsc::UnboundedReceiver<(String, u64)>,
    next_gen: u64,
}

impl Supervisor {
    async fn run(mut self, mut since: i64) {
        let mut backoff = BACKOFF_MIN;
        loop {
            let reason = self.follow_events(since).await;
            self.streams.clear();
            {
                let mut st = self.shared.lock();
                st.connected = false;
                st.latest.clear();
            }
            self.shared
                .publish(StatsEvent::EngineLost { message: reason });
            loop {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
                since = unix_secs() - EVENTS_REPLAY_MARGIN_SECS;
                if let Ok(listed) = list_containers(&self.engine).await {
                    self.shared.lock().connected = true;
                    self.shared.publish(StatsEvent::EngineBack);
                    self.resync(listed, true);
                    break;
                }
            }
        }
    }

    /// Follow the event stream until it ends; returns why it ended.
    async fn follow_events(&mut self, since: i64) -> String {
        let events = events::watch(&self.engine, Some(since));
        let mut events = std::pin::pin!(events);
        loop {
            tokio::select! {
                ev = events.next() => match ev {
                    Some(Ok(ev)) => self.on_event(ev),
                    Some(Err(e)) => return e.to_string(),
                    None => return "the engine closed its event stream".to_owned(),
                },
                Some((id, generation)) = self.ended_rx.recv() => {
                    if self.streams.get(&id).is_some_and(|s| s.generation == generation) {
                        self.streams.remove(&id);
                    }
                }
            }
        }
    }

    fn on_event(&mut self, ev: ContainerEvent) {
        match ev.action {
            ContainerAction::Start => {
                let name = if ev.name.is_empty() {
                    short_id(&ev.id)
                } else {
                    ev.name.clone()
                };
                self.shared
                    .lock()
                    .running
                    .insert(ev.id.clone(), name.clone());
                self.start_stream(&ev.id, &name);
            }
            ref a if a.stops_container() => {
                self.streams.remove(&ev.id);
                let mut st = self.shared.lock();
                st.running.remove(&ev.id);
                st.latest.remove(&ev.id);
                if *a == ContainerAction::Destroy {
                    st.history.remove(&ev.id);
                }
            }
            _ => {}
        }
        self.shared.publish(StatsEvent::Container(ev));
    }

    /// Make the streams match a fresh container list. With `announce`, containers that
    /// started or stopped while the hub was not listening are published as events.
    fn resync(&mut self, listed: Vec<Listed>, announce: bool) {
        let exists: HashSet<&str> = listed.iter().map(|c| c.id.as_str()).collect();
        let now_running: BTreeMap<String, String> = listed
            .iter()
            .filter(|c| c.running)
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect();
        let before = {
            let mut st = self.shared.lock();
            st.history.retain(|id| exists.contains(id));
            st.latest.retain(|id, _| now_running.contains_key(id));
            std::mem::replace(&mut st.running, now_running.clone())
        };
        self.streams.retain(|id, _| now_running.contains_key(id));
        let ts_ms = crate::stats::now_ms();
        if announce {
            for (id, name) in before
                .iter()
                .filter(|(id, _)| !now_running.contains_key(*id))
            {
                let action = if exists.contains(id.as_str()) {
                    ContainerAction::Stop
                } else {
                    ContainerAction::Destroy
                };
                self.shared.publish(StatsEvent::Container(ContainerEvent {
                    id: id.clone(),
                    name: name.clone(),
                    ts_ms,
                    action,
                }));
            }
        }
        for (id, name) in &now_running {
            if announce && !before.contains_key(id) {
                self.shared.publish(StatsEvent::Container(ContainerEvent {
                    id: id.clone(),
                    name: name.clone(),
                    ts_ms,
                    action: ContainerAction::Start,
                }));
            }
            self.start_stream(id, name);
        }
    }

    fn start_stream(&mut self, id: &str, name: &str) {
        if self.streams.contains_key(id) {
            return;
        }
        self.next_gen += 1;
        let generation = self.next_gen;
        let stream = container_stats(&self.engine, id, name);
        let shared = self.shared.clone();
        let ended = self.ended_tx.clone();
        let key = id.to_owned();
        let task = tokio::spawn(async move {
            let mut stream = std::pin::pin!(stream);
            while let Some(item) = stream.next().await {
                match item {
                    Ok(sample) => shared.record(sample),
                    Err(_) => break,
                }
            }
            let _ = ended.send((key, generation));
        });
        self.streams.insert(
            id.to_owned(),
            StreamTask {
                generation,
                _task: AbortOnDrop(task),
            },
        );
    }
}
