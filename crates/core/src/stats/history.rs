//! Bounded per-container history of samples, for charts. Memory stays bounded however long
//! Berth runs: each container keeps at most [`HISTORY_CAPACITY`] points (the oldest is
//! dropped first), and a removed container's ring is dropped with it.

use super::StatsSample;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use ts_rs::TS;

/// Points kept per container: 15 minutes at the engine's one read per second.
pub const HISTORY_CAPACITY: usize = 900;

/// One stats reading of a container, without its id and name: a point of its history (and
/// the numbers of a [`StatsSample`]). Rates are per second over the real time between two
/// engine reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StatsPoint {
    /// When the engine read these counters (Unix milliseconds).
    #[ts(type = "number")]
    pub ts_ms: i64,
    /// CPU use, where 100 means one core fully busy (as `docker stats`).
    pub cpu_percent: f64,
    /// Memory in use: usage minus inactive page cache (as `docker stats`).
    #[ts(type = "number")]
    pub mem_bytes: u64,
    /// Memory limit (the host's memory when the container has none).
    #[ts(type = "number")]
    pub mem_limit_bytes: u64,
    pub mem_percent: f64,
    /// Network bytes received / sent per second, summed over the container's interfaces.
    pub net_rx_bps: f64,
    pub net_tx_bps: f64,
    /// Block device bytes read / written per second.
    pub blk_read_bps: f64,
    pub blk_write_bps: f64,
    /// Number of processes/threads in the container.
    #[ts(type = "number")]
    pub pids: u64,
}

impl From<&StatsSample> for StatsPoint {
    fn from(s: &StatsSample) -> Self {
        s.point
    }
}

/// A fixed-capacity ring: pushing onto a full ring drops the oldest item.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    buf: VecDeque<T>,
    cap: usize,
}

impl<T: Clone> Ring<T> {
    /// A ring holding at most `cap` items (at least one). Allocates once, up front.
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        Ring {
            buf: VecDeque::with_capacity(cap),
            cap,
        }
    }

    pub fn push(&mut self, item: T) {
        if self.buf.len() == self.cap {
            self.buf.pop_front();
        }
        self.buf.push_back(item);
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.buf.iter()
    }

    pub fn last(&self) -> Option<&T> {
        self.buf.back()
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.buf.iter().cloned().collect()
    }
}

/// Rings of [`StatsPoint`] keyed by container id.
#[derive(Debug, Clone)]
pub struct History {
    cap: usize,
    rings: HashMap<String, Ring<StatsPoint>>,
}

impl Default for History {
    fn default() -> Self {
        Self::new()
    }
}

impl History {
    /// Rings of [`HISTORY_CAPACITY`] points.
    pub fn new() -> Self {
        Self::with_capacity(HISTORY_CAPACITY)
    }

    pub fn with_capacity(cap: usize) -> Self {
        History {
            cap,
            rings: HashMap::new(),
        }
    }

    pub fn push(&mut self, sample: &StatsSample) {
        let cap = self.cap;
        if let Some(ring) = self.rings.get_mut(&sample.id) {
            ring.push(sample.into());
        } else {
            let mut ring = Ring::new(cap);
            ring.push(sample.into());
            self.rings.insert(sample.id.clone(), ring);
        }
    }

    /// A container's points, oldest first (empty for an unknown id).
    pub fn points(&self, id: &str) -> Vec<StatsPoint> {
        self.rings.get(id).map(Ring::to_vec).unwrap_or_default()
    }

    pub fn len_of(&self, id: &str) -> usize {
        self.rings.get(id).map_or(0, Ring::len)
    }

    /// Drop a container's ring (it was removed).
    pub fn remove(&mut self, id: &str) {
        self.rings.remove(id);
    }

    /// Keep only the rings whose container id passes `keep`.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.rings.retain(|id, _| keep(id));
    }

    /// Ids that have history.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.rings.keys().map(String::as_str)
    }

    /// Total points held across all containers.
    pub fn total_points(&self) -> usize {
        self.rings.values().map(Ring::len).sum()
    }
}
