//! Live container stats: Berth's own small types and the pure arithmetic behind them.
//!
//! Nothing here talks to the engine. [`crate::engine::stats`] turns the engine's stats
//! documents into [`RawStats`] (counters as read), and [`RateTracker`] turns two consecutive
//! [`RawStats`] into a [`StatsSample`] (percentages and per-second rates). [`history`] keeps a
//! bounded ring of recent samples per container for charts.

pub mod history;

pub use history::{History, StatsPoint, HISTORY_CAPACITY};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One computed stats reading for one container: what `berth stats` prints and what the app
/// charts. Serialized flat: `{ "id", "name", ...StatsPoint }`; reads its point's fields
/// through `Deref` (`sample.cpu_percent`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StatsSample {
    /// Full container id.
    pub id: String,
    /// Container name without the leading `/`.
    pub name: String,
    #[serde(flatten)]
    pub point: StatsPoint,
}

impl std::ops::Deref for StatsSample {
    type Target = StatsPoint;
    fn deref(&self) -> &StatsPoint {
        &self.point
    }
}

impl std::ops::DerefMut for StatsSample {
    fn deref_mut(&mut self) -> &mut StatsPoint {
        &mut self.point
    }
}

/// What a [`crate::engine::stats::StatsHub`] publishes to its subscribers. Serialized as
/// `{ "type": "sample", "data": { ...StatsSample } }`, `{ "type": "container", "data":
/// { id, name, ts_ms, action: { kind: "die", exit_code } } }`, `{ "type": "engine_lost",
/// "data": { "message": ... } }` or `{ "type": "engine_back" }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
#[ts(export)]
pub enum StatsEvent {
    /// A new sample for a running container.
    Sample(StatsSample),
    /// A container started, stopped, died, was removed, changed health or was OOM-killed.
    Container(crate::docker::events::ContainerEvent),
    /// The engine stopped answering; the hub keeps retrying with backoff.
    EngineLost { message: String },
    /// The engine answers again; the container list was re-read and streams restarted.
    EngineBack,
}

/// Counters from one engine stats document, before any arithmetic. Produced by
/// `engine::stats::raw_from_engine`; everything here is a plain number so the arithmetic can
/// be unit-tested on hand-built values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawStats {
    /// When the engine read the counters (Unix nanoseconds), if it said.
    pub read_ns: Option<i64>,
    /// Container CPU time (ns), now and at the engine's previous read.
    pub cpu_total: u64,
    pub precpu_total: u64,
    /// Host CPU time (ns), now and at the engine's previous read.
    pub system_cpu: u64,
    pub presystem_cpu: u64,
    /// Online CPUs reported by the engine (0 when absent).
    pub online_cpus: u32,
    /// Length of `percpu_usage` (cgroup v1 only; the fallback for `online_cpus`).
    pub percpu_len: u32,
    pub mem_usage: u64,
    /// Inactive page cache to subtract from `mem_usage` (`total_inactive_file` on cgroup v1,
    /// `inactive_file` on v2).
    pub mem_inactive_file: u64,
    pub mem_limit: u64,
    /// Cumulative counters (bytes).
    pub net_rx: u64,
    pub net_tx: u64,
    pub blk_read: u64,
    pub blk_write: u64,
    pub pids: u64,
}

/// CPU percent from one document's cpu/precpu deltas, the docker CLI formula:
/// `(Δcontainer / Δsystem) × online CPUs × 100`. A container spinning one core reads ~100.
/// Online CPUs falls back to the per-CPU list length (cgroup v1). Zero when there is no
/// previous read (`presystem_cpu == 0`) or a counter went backwards.
pub fn cpu_percent(raw: &RawStats) -> f64 {
    if raw.presystem_cpu == 0 || raw.cpu_total < raw.precpu_total {
        return 0.0;
    }
    let Some(system_delta) = raw.system_cpu.checked_sub(raw.presystem_cpu) else {
        return 0.0;
    };
    if system_delta == 0 {
        return 0.0;
    }
    let cpus = if raw.online_cpus > 0 {
        raw.online_cpus
    } else {
        raw.percpu_len
    };
    let container_delta = (raw.cpu_total - raw.precpu_total) as f64;
    container_delta / system_delta as f64 * f64::from(cpus) * 100.0
}

/// Memory in use: usage minus inactive page cache (never below zero).
pub fn mem_in_use(raw: &RawStats) -> u64 {
    if raw.mem_inactive_file < raw.mem_usage {
        raw.mem_usage - raw.mem_inactive_file
    } else {
        raw.mem_usage
    }
}

/// `used / limit × 100`, or 0 without a limit.
pub fn mem_percent(used: u64, limit: u64) -> f64 {
    if limit == 0 {
        0.0
    } else {
        used as f64 / limit as f64 * 100.0
    }
}

/// Per-second rate of a cumulative counter between two reads `secs` apart. A counter that went
/// backwards was reset (container restarted, interface re-created): the bytes since the reset
/// are the new value, so that is the delta. Zero when no time passed.
pub fn counter_rate(prev: u64, cur: u64, secs: f64) -> f64 {
    if secs <= 0.0 || !secs.is_finite() {
        return 0.0;
    }
    let delta = if cur >= prev { cur - prev } else { cur };
    delta as f64 / secs
}

/// Turns the stream of [`RawStats`] of one container into [`StatsSample`]s. The first read
/// only sets the baseline (its rates and, on a stream, its CPU delta are not meaningful), so
/// the first sample comes from the second read — about a second after the stream starts.
#[derive(Debug, Clone, Default)]
pub struct RateTracker {
    prev: Option<(RawStats, i64)>,
}

impl RateTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed one read; `received_ms` is the local clock when it arrived (used for the time
    /// delta only when the engine did not timestamp its reads).
    pub fn push(
        &mut self,
        id: &str,
        name: &str,
        raw: RawStats,
        received_ms: i64,
    ) -> Option<StatsSample> {
        let prev = self.prev.replace((raw, received_ms));
        let (prev, prev_received_ms) = prev?;
        let secs = match (prev.read_ns, raw.read_ns) {
            (Some(a), Some(b)) if b > a => (b - a) as f64 / 1e9,
            _ => (received_ms - prev_received_ms) as f64 / 1e3,
        };
        let mem = mem_in_use(&raw);
        Some(StatsSample {
            id: id.to_owned(),
            name: name.to_owned(),
            point: StatsPoint {
                ts_ms: raw.read_ns.map_or(received_ms, |ns| ns / 1_000_000),
                cpu_percent: cpu_percent(&raw),
                mem_bytes: mem,
                mem_limit_bytes: raw.mem_limit,
                mem_percent: mem_percent(mem, raw.mem_limit),
                net_rx_bps: counter_rate(prev.net_rx, raw.net_rx, secs),
                net_tx_bps: counter_rate(prev.net_tx, raw.net_tx, secs),
                blk_read_bps: counter_rate(prev.blk_read, raw.blk_read, secs),
                blk_write_bps: counter_rate(prev.blk_write, raw.blk_write, secs),
                pids: raw.pids,
            },
        })
    }
}

/// Parse an RFC 3339 timestamp as the engine writes it (`2026-11-27T00:01:02.123456789Z`,
/// or with a `+hh:mm` offset) into Unix nanoseconds (the `time` crate's RFC 3339 parser).
/// `None` for anything else, including the zero time `0001-01-01T00:00:00Z` the engine
/// sends for "never" (any time before 1970).
pub fn parse_rfc3339_ns(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    if t.year() < 1970 {
        return None;
    }
    i64::try_from(t.unix_timestamp_nanos()).ok()
}

/// Milliseconds since the Unix epoch on the local clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
