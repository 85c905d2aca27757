//! `berth stats`: live resource use of every running container, like `docker stats`.
//!
//! On a terminal the table is redrawn in place once a second; otherwise each refresh appends
//! one plain line per container that has a new sample (no escape codes). `--json` prints one
//! JSON array per refresh; `--json --once` prints a single array and exits.
//!
//! Rates need two reads, so each container's first sample arrives about a second or two
//! after its stream starts (the engine sends one read a second): `--once` waits for that
//! first sample of every running container (at most [`ONCE_TIMEOUT`]).

use berth_core::docker::stats::StatsHub;
use berth_core::docker::Engine;
use berth_core::stats::{StatsEvent, StatsSample};
use berth_core::{Error, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How often the table is redrawn.
const REFRESH: Duration = Duration::from_secs(1);
/// Widest name column.
const MAX_NAME: usize = 40;
/// How long `--once` waits for every running container's first sample.
const ONCE_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(clap::Args)]
pub struct StatsArgs {
    /// Print JSON: one array of containers per refresh (a single array with --once)
    #[arg(long)]
    json: bool,
    /// Print one reading of every running container and exit
    #[arg(long)]
    once: bool,
}

/// What `--json` prints per container (exactly these fields).
#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    name: &'a str,
    cpu_percent: f64,
    mem_bytes: u64,
    mem_limit_bytes: u64,
    mem_percent: f64,
    net_rx_bps: f64,
    net_tx_bps: f64,
    blk_read_bps: f64,
    blk_write_bps: f64,
    pids: u64,
}

impl<'a> From<&'a StatsSample> for Row<'a> {
    fn from(s: &'a StatsSample) -> Self {
        Row {
            id: &s.id,
            name: &s.name,
            cpu_percent: s.cpu_percent,
            mem_bytes: s.mem_bytes,
            mem_limit_bytes: s.mem_limit_bytes,
            mem_percent: s.mem_percent,
            net_rx_bps: s.net_rx_bps,
            net_tx_bps: s.net_tx_bps,
            blk_read_bps: s.blk_read_bps,
            blk_write_bps: s.blk_write_bps,
            pids: s.pids,
        }
    }
}

pub fn run(args: StatsArgs) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    rt.block_on(async move {
        let engine = Engine::connect().await?;
        let hub = StatsHub::start(engine).await?;
        if args.once {
            once(&hub, args.json).await
        } else {
            live(&hub, args.json).await
        }
    })
}

async fn once(hub: &StatsHub, json: bool) -> Result<()> {
    let mut rx = hub.subscribe();
    let deadline = tokio::time::Instant::now() + ONCE_TIMEOUT;
    let samples = loop {
        let running = hub.running();
        let latest = hub.latest();
        if running.iter().all(|c| latest.iter().any(|s| s.id == c.id)) {
            break latest;
        }
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(StatsEvent::EngineLost { message })) => {
                return Err(Error::EngineUnavailable(format!(
                    "engine stopped answering: {message}"
                )))
            }
            Ok(Ok(_)) | Ok(Err(RecvError::Lagged(_))) => {}
            Ok(Err(RecvError::Closed)) | Err(_) => {
                for c in running
                    .iter()
                    .filter(|c| !latest.iter().any(|s| s.id == c.id))
                {
                    eprintln!("berth: no stats from {} yet; left out", c.name);
                }
                break latest;
            }
        }
    };
    let mut out = std::io::stdout().lock();
    let text = if json {
        let rows: Vec<Row<'_>> = samples.iter().map(Row::from).collect();
        serde_json::to_string_pretty(&rows).map_err(|e| Error::Engine(e.to_string()))? + "\n"
    } else {
        table(&samples)
    };
    out.write_all(text.as_bytes())
        .map_err(|e| Error::io("stdout", e))
}

async fn live(hub: &StatsHub, json: bool) -> Result<()> {
    let tty = std::io::stdout().is_terminal();
    let mut tick = tokio::time::interval(REFRESH);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // Last printed sample time per container, so plain output appends only new samples.
    let mut printed: HashMap<String, i64> = HashMap::new();
    let mut connected = true;
    let mut buf: Vec<u8> = Vec::new();
    // Plain output: the name column's width is fixed when the header is printed.
    let mut plain_width: Option<usize> = None;
    if tty && !json {
        buf.extend_from_slice(b"\x1b[2J");
    }
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        if hub.is_connected() != connected {
            connected = !connected;
            if connected {
                eprintln!("berth: engine answers again");
            } else {
                eprintln!("berth: engine stopped answering; reconnecting…");
            }
        }
        let samples = hub.latest();
        if json {
            let rows: Vec<Row<'_>> = samples.iter().map(Row::from).collect();
            serde_json::to_writer(&mut buf, &rows).map_err(|e| Error::Engine(e.to_string()))?;
            buf.push(b'\n');
        } else if tty {
            buf.extend_from_slice(b"\x1b[H");
            for line in table(&samples).lines() {
                buf.extend_from_slice(line.as_bytes());
                buf.extend_from_slice(b"\x1b[K\n");
            }
            buf.extend_from_slice(b"\x1b[J");
        } else {
            let fresh: Vec<&StatsSample> = samples
                .iter()
                .filter(|s| printed.get(&s.id).is_none_or(|&t| t < s.ts_ms))
                .collect();
            if plain_width.is_none() && !fresh.is_empty() {
                let w = name_width(&samples).max(24);
                buf.extend_from_slice(header(w).as_bytes());
                plain_width = Some(w);
            }
            let w = plain_width.unwrap_or(24);
            for s in fresh {
                buf.extend_from_slice(row(s, w).as_bytes());
                printed.insert(s.id.clone(), s.ts_ms);
            }
            printed.retain(|id, _| samples.iter().any(|s| &s.id == id));
        }
        if !buf.is_empty() {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)
                .and_then(|()| out.flush())
                .map_err(|e| Error::io("stdout", e))?;
            buf.clear();
        }
    }
}

fn name_width(samples: &[StatsSample]) -> usize {
    samples
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, MAX_NAME)
}

fn header(w: usize) -> String {
    format!(
        "{:<w$}  {:>7}  {:>21}  {:>6}  {:>21}  {:>21}  {:>5}\n",
        "NAME",
        "CPU %",
        "MEM USAGE / LIMIT",
        "MEM %",
        "NET I/O (rx / tx)",
        "BLOCK I/O (r / w)",
        "PIDS"
    )
}

fn row(s: &StatsSample, w: usize) -> String {
    // Pad to the column; only very long names are cut (plain output never cuts them).
    let name: String = s.name.chars().take(w.max(MAX_NAME)).collect();
    format!(
        "{:<w$}  {:>6.2}%  {:>21}  {:>5.2}%  {:>21}  {:>21}  {:>5}\n",
        name,
        s.cpu_percent,
        format!("{} / {}", bytes(s.mem_bytes), bytes(s.mem_limit_bytes)),
        s.mem_percent,
        format!("{} / {}", rate(s.net_rx_bps), rate(s.net_tx_bps)),
        format!("{} / {}", rate(s.blk_read_bps), rate(s.blk_write_bps)),
        s.pids
    )
}

fn table(samples: &[StatsSample]) -> String {
    let w = name_width(samples);
    let mut t = header(w);
    for s in samples {
        t.push_str(&row(s, w));
    }
    t
}

/// Binary units, as `docker stats` shows memory: `12.5MiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n}B")
    } else {
        format!("{v:.1}{}", UNITS[i])
    }
}

/// Decimal units per second, as `docker stats` shows I/O: `1.2kB/s`.
fn rate(bps: f64) -> String {
    const UNITS: [&str; 4] = ["B/s", "kB/s", "MB/s", "GB/s"];
    let mut v = bps.max(0.0);
    let mut i = 0;
    while v >= 1000.0 && i < UNITS.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    let mut s = String::new();
    if i == 0 {
        let _ = write!(s, "{v:.0}{}", UNITS[i]);
    } else {
        let _ = write!(s, "{v:.1}{}", UNITS[i]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(bytes(512), "512B");
        assert_eq!(bytes(64 << 20), "64.0MiB");
        assert_eq!(bytes(3 << 30), "3.0GiB");
        assert_eq!(rate(0.0), "0B/s");
        assert_eq!(rate(1500.0), "1.5kB/s");
        assert_eq!(rate(2_500_000.0), "2.5MB/s");
    }

    #[test]
    fn json_rows_have_exactly_the_documented_fields() {
        let mut s = StatsSample {
            id: "abc".into(),
            name: "web".into(),
            ..StatsSample::default()
        };
        s.ts_ms = 5;
        let v = serde_json::to_value(Row::from(&s)).unwrap_or_default();
        let mut keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "blk_read_bps",
                "blk_write_bps",
                "cpu_percent",
                "id",
                "mem_bytes",
                "mem_limit_bytes",
                "mem_percent",
                "name",
                "net_rx_bps",
                "net_tx_bps",
                "pids"
            ]
        );
    }
}
