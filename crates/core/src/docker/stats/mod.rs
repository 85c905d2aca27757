//! Container stats from the engine. [`raw_from_engine`] converts the engine's stats document
//! into [`RawStats`] (pure, unit-tested on hand-built cgroup v1 and v2 documents);
//! [`container_stats`] follows one container's stats stream; [`StatsHub`] follows all
//! running containers, driven by the engine's event stream.

mod hub;

pub use hub::{RunningContainer, StatsHub, HUB_CHANNEL_CAPACITY};

use super::{engine_err, Engine};
use crate::stats::{now_ms, RateTracker, RawStats, StatsSample};
use crate::Result;
use bollard::models::{BollardDate, ContainerBlkioStatEntry, ContainerStatsResponse};
use bollard::query_parameters::StatsOptions;
use futures_util::{Stream, StreamExt};

/// The counters in one engine stats document. Missing parts read as zero.
pub fn raw_from_engine(s: &ContainerStatsResponse) -> RawStats {
    let cpu = s.cpu_stats.as_ref();
    let precpu = s.precpu_stats.as_ref();
    let total = |c: Option<&bollard::models::ContainerCpuStats>| {
        c.and_then(|c| c.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0)
    };
    let system = |c: Option<&bollard::models::ContainerCpuStats>| {
        c.and_then(|c| c.system_cpu_usage).unwrap_or(0)
    };
    let percpu_len = cpu
        .and_then(|c| c.cpu_usage.as_ref())
        .and_then(|u| u.percpu_usage.as_ref())
        .map_or(0, |v| v.len() as u32);

    let mem = s.memory_stats.as_ref();
    let mem_stat = |k: &str| {
        mem.and_then(|m| m.stats.as_ref())
            .and_then(|st| st.get(k))
            .copied()
    };
    // cgroup v1 reports the hierarchy's total; v2 only has inactive_file.
    let mem_inactive_file = mem_stat("total_inactive_file")
        .or_else(|| mem_stat("inactive_file"))
        .unwrap_or(0);

    let (mut net_rx, mut net_tx) = (0u64, 0u64);
    for n in s.networks.iter().flat_map(|m| m.values()) {
        net_rx = net_rx.saturating_add(n.rx_bytes.unwrap_or(0));
        net_tx = net_tx.saturating_add(n.tx_bytes.unwrap_or(0));
    }
    let (blk_read, blk_write) = blkio_bytes(
        s.blkio_stats
            .as_ref()
            .and_then(|b| b.io_service_bytes_recursive.as_deref())
            .unwrap_or(&[]),
    );

    RawStats {
        read_ns: s.read.as_ref().and_then(date_ns),
        cpu_total: total(cpu),
        precpu_total: total(precpu),
        system_cpu: system(cpu),
        presystem_cpu: system(precpu),
        online_cpus: cpu.and_then(|c| c.online_cpus).unwrap_or(0),
        percpu_len,
        mem_usage: mem.and_then(|m| m.usage).unwrap_or(0),
        mem_inactive_file,
        mem_limit: mem.and_then(|m| m.limit).unwrap_or(0),
        net_rx,
        net_tx,
        blk_read,
        blk_write,
        pids: s.pids_stats.as_ref().and_then(|p| p.current).unwrap_or(0),
    }
}

/// An engine timestamp as Unix nanoseconds; `None` for the zero time
/// (`0001-01-01T00:00:00Z`, the engine's "never") and anything else before 1970.
pub fn date_ns(d: &BollardDate) -> Option<i64> {
    let ns = d.unix_timestamp_nanos();
    if ns < 0 {
        return None;
    }
    i64::try_from(ns).ok()
}

/// Bytes read and written, summed over devices. cgroup v1 spells the ops `Read`/`Write`
/// (plus `Sync`, `Async`, `Total`, ignored), v2 `read`/`write`.
fn blkio_bytes(entries: &[ContainerBlkioStatEntry]) -> (u64, u64) {
    let (mut read, mut write) = (0u64, 0u64);
    for e in entries {
        let v = e.value.unwrap_or(0);
        match e.op.as_deref() {
            Some(op) if op.eq_ignore_ascii_case("read") => read = read.saturating_add(v),
            Some(op) if op.eq_ignore_ascii_case("write") => write = write.saturating_add(v),
            _ => {}
        }
    }
    (read, write)
}

/// Whether a document is the all-zero one the engine may send as a stopped container's
/// stream closes (nothing to chart).
pub(crate) fn is_empty_read(raw: &RawStats) -> bool {
    raw.read_ns.is_none() && raw.cpu_total == 0 && raw.system_cpu == 0
}

/// Follow one container's stats stream (one read a second). The first sample arrives with
/// the stream's second read, since rates need two. Ends when the container stops.
pub fn container_stats(
    engine: &Engine,
    id: &str,
    name: &str,
) -> impl Stream<Item = Result<StatsSample>> + Send + 'static {
    let (id, name) = (id.to_owned(), name.to_owned());
    let options = StatsOptions {
        stream: true,
        one_shot: false,
    };
    let mut tracker = RateTracker::new();
    engine
        .docker()
        .stats(&id, Some(options))
        .filter_map(move |item| {
            let out = match item {
                Ok(doc) => {
                    let raw = raw_from_engine(&doc);
                    if is_empty_read(&raw) {
                        None
                    } else {
                        tracker.push(&id, &name, raw, now_ms()).map(Ok)
                    }
                }
                Err(e) => Some(Err(engine_err(e))),
            };
            std::future::ready(out)
        })
}

impl Engine {
    /// A container's memory in use now, as `docker stats` shows it (usage less the inactive
    /// page cache): one stats read.
    pub async fn memory_in_use(&self, id: &str) -> Result<u64> {
        let options = StatsOptions {
            stream: false,
            one_shot: true,
        };
        let mut reads = self.docker().stats(id, Some(options));
        match reads.next().await {
            Some(Ok(doc)) => Ok(crate::stats::mem_in_use(&raw_from_engine(&doc))),
            Some(Err(e)) => Err(engine_err(e)),
            None => Err(crate::Error::Engine(format!("no stats for {id}"))),
        }
    }

    /// Every container on the engine in any state, Berth's or not, by name: what the app's
    /// containers view lists next to the hub's live samples (the hub streams all of them).
    pub async fn all_containers(&self) -> Result<Vec<super::lifecycle::ContainerInfo>> {
        let options = bollard::query_parameters::ListContainersOptions {
            all: true,
            ..Default::default()
        };
        let list = self
            .docker()
            .list_containers(Some(options))
            .await
            .map_err(engine_err)?;
        let mut v: Vec<_> = list
            .iter()
            .map(super::lifecycle::container_from_summary)
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(v)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::stats::{cpu_percent, mem_in_use, mem_percent};

    fn date(s: &str) -> BollardDate {
        serde_json::from_value::<ContainerStatsResponse>(serde_json::json!({ "read": s }))
            .unwrap()
            .read
            .unwrap()
    }

    #[test]
    fn engine_dates_convert_to_unix_ns() {
        assert_eq!(date_ns(&date("1970-01-01T00:00:00Z")), Some(0));
        assert_eq!(
            date_ns(&date("2026-11-27T00:01:02.123456789Z")),
            crate::stats::parse_rfc3339_ns("2026-11-27T00:01:02.123456789Z")
        );
        assert_eq!(date_ns(&date("0001-01-01T00:00:00Z")), None);
    }

    fn fixture(name: &str) -> ContainerStatsResponse {
        let path = format!(
            "{}/tests/stats_fixtures/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn cgroup_v1_document() {
        let raw = raw_from_engine(&fixture("cgroup_v1"));
        assert_eq!(raw.read_ns, Some(1_795_737_872_258_250_000));
        // No online_cpus: falls back to the 4 per-CPU entries; 1 s of 4 CPUs' 4 s.
        assert_eq!(raw.online_cpus, 0);
        assert_eq!(raw.percpu_len, 4);
        assert!((cpu_percent(&raw) - 100.0).abs() < 1e-9);
        // total_inactive_file (50 MiB), not inactive_file (10 MiB), comes off 200 MiB.
        assert_eq!(mem_in_use(&raw), 150 << 20);
        assert_eq!(raw.mem_limit, 1 << 30);
        assert!((mem_percent(mem_in_use(&raw), raw.mem_limit) - 14.6484375).abs() < 1e-9);
        assert_eq!((raw.net_rx, raw.net_tx), (1500, 2000));
        assert_eq!((raw.blk_read, raw.blk_write), (5096, 8192));
        assert_eq!(raw.pids, 7);
    }

    #[test]
    fn cgroup_v2_document() {
        let raw = raw_from_engine(&fixture("cgroup_v2"));
        assert_eq!(raw.online_cpus, 2);
        assert_eq!(raw.percpu_len, 0);
        assert!((cpu_percent(&raw) - 50.0).abs() < 1e-9);
        assert_eq!(mem_in_use(&raw), 80 << 20);
        assert!((mem_percent(mem_in_use(&raw), raw.mem_limit) - 15.625).abs() < 1e-9);
        assert_eq!((raw.net_rx, raw.net_tx), (10000, 20000));
        assert_eq!((raw.blk_read, raw.blk_write), (65536, 131072));
        assert_eq!(raw.pids, 2);
    }

    #[test]
    fn two_v2_documents_make_a_sample_with_rates() {
        let a = fixture("cgroup_v2");
        let mut b = a.clone();
        b.read = Some(date("2026-11-27T00:04:34.5Z"));
        for n in b.networks.as_mut().unwrap().values_mut() {
            n.rx_bytes = Some(n.rx_bytes.unwrap() + 4_000);
        }
        let mut t = RateTracker::new();
        assert!(t.push("id", "db", raw_from_engine(&a), 0).is_none());
        let s = t.push("id", "db", raw_from_engine(&b), 0).unwrap();
        assert_eq!(s.net_rx_bps, 2_000.0);
        assert_eq!(s.net_tx_bps, 0.0);
        assert_eq!(s.mem_bytes, 80 << 20);
    }

    #[test]
    fn an_empty_document_reads_as_zero_and_is_recognized() {
        let raw = raw_from_engine(&ContainerStatsResponse::default());
        assert_eq!(raw, RawStats::default());
        assert!(is_empty_read(&raw));
        assert!(!is_empty_read(&raw_from_engine(&fixture("cgroup_v1"))));
    }
}
