//! `berth bench`: the app natively (its detected start command on this machine's runtime)
//! and in its container, measured the same way: start-up time to the first answer, request
//! latency (p50/p95/p99) and throughput over a fixed number of requests, memory. Loopback
//! only, bounded (request count, time limits). The use case is [`crate::app::bench`]; here
//! are its report's types and its parts: [`figures`] (pure arithmetic), [`load`] (the
//! requests), [`native`] (the private copy, the host processes), [`proc`] (a process tree's
//! memory).

pub mod figures;
pub mod load;
pub mod native;
pub mod proc;

pub use figures::{Latency, Ratios};
pub use proc::TreeMemory;

use serde::Serialize;
use std::time::Duration;
use ts_rs::TS;

/// Requests measured when none is asked.
pub const DEFAULT_REQUESTS: u32 = 200;
/// The most requests a bench sends to one side.
pub const MAX_REQUESTS: u32 = 10_000;
/// The most requests in flight at once.
pub const MAX_CONCURRENCY: u32 = 16;
/// Requests sent (and not measured) after the first answer, before the measured ones.
pub const WARMUP_REQUESTS: u32 = 5;
/// The measured requests' time limit, per side.
pub const LOAD_TIME_LIMIT: Duration = Duration::from_secs(60);
/// How long a start may take to the first answer.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one install or build step may take (natively).
pub const STEP_TIME_LIMIT: Duration = Duration::from_secs(600);

/// Which way the app ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "BenchSide")]
pub enum Side {
    Native,
    Container,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Side::Native => "native",
            Side::Container => "container",
        }
    }

    pub fn other(self) -> Side {
        match self {
            Side::Native => Side::Container,
            Side::Container => Side::Native,
        }
    }
}

/// What the bench is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BenchStep {
    /// Copying the project into the private folder.
    Copying,
    /// Installing the dependencies natively / building the image.
    Preparing,
    /// Started: waiting for the first answer.
    Starting,
    /// Sending the measured requests.
    Measuring,
    /// Stopping and removing what it started.
    CleaningUp,
}

/// One message on the bench's progress stream.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum BenchEvent {
    Step {
        side: Option<Side>,
        step: BenchStep,
        message: String,
    },
    /// A line of an install step's or the build's output.
    Output { side: Side, line: String },
    /// Measured requests done so far.
    Requests { side: Side, done: u32, total: u32 },
    /// One side's result, as it will be in the report.
    Finished { side: Side, outcome: Outcome },
}

/// One side's measurements.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, rename = "BenchFigures")]
pub struct Figures {
    /// From the start (the process spawned / the container started) to the first answer.
    pub startup_ms: f64,
    pub latency: Latency,
    /// Requests answered (2xx/3xx on a health path, any status on `/`).
    pub answered: u32,
    pub failed: u32,
    pub elapsed_ms: f64,
    /// Answered requests per second.
    pub throughput_rps: f64,
    /// After the requests. Native: the process tree's PSS on Linux (each shared page counted
    /// once across the tree, as a cgroup counts it), its RSS elsewhere; container: the engine's
    /// figure (usage less inactive page cache, as `docker stats` shows it).
    #[ts(type = "number")]
    pub memory_bytes: u64,
    /// Native only: the tree (processes, PSS on Linux).
    pub tree: Option<TreeMemory>,
    /// The time limit stopped the requests early.
    pub timed_out: bool,
}

/// How one side went.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[ts(export, rename = "BenchOutcome")]
pub enum Outcome {
    Measured {
        figures: Figures,
    },
    /// This side cannot run here (no runtime on the host, a stack Berth does not run
    /// natively, an image without a port); the other side is still measured.
    Unsupported {
        reason: String,
    },
    /// Not asked for (`--only`).
    Skipped {
        reason: String,
    },
    /// It was tried and failed (an install step, the build, no answer).
    Failed {
        reason: String,
        last_output: Vec<String>,
    },
}

impl Outcome {
    pub fn figures(&self) -> Option<&Figures> {
        match self {
            Outcome::Measured { figures } => Some(figures),
            _ => None,
        }
    }
}

/// One side of the report.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, rename = "BenchSideReport")]
pub struct SideReport {
    pub side: Side,
    /// Native: the runtime's version (`Python 3.11.7`); container: the image built.
    pub runtime: Option<String>,
    /// Native: the command run; container: the image's command when Berth's plan made it.
    pub command: Vec<String>,
    /// The URL measured.
    pub url: Option<String>,
    /// Installing the dependencies natively / building the image.
    pub prepare_ms: Option<f64>,
    pub outcome: Outcome,
}

impl SideReport {
    pub fn new(side: Side) -> SideReport {
        SideReport {
            side,
            runtime: None,
            command: Vec::new(),
            url: None,
            prepare_ms: None,
            outcome: Outcome::Unsupported {
                reason: "not run".into(),
            },
        }
    }
}

/// `berth bench --json`, the app's benchmark chart.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct BenchReport {
    /// The project folder (never written).
    pub project: String,
    pub stack: Option<crate::stacks::Stack>,
    pub framework: Option<String>,
    /// The path requested (the plan's health path, else `/`).
    pub path: String,
    /// Measured requests asked per side, and how many were in flight at once.
    pub requests: u32,
    pub concurrency: u32,
    pub warmup: u32,
    pub native: SideReport,
    pub container: SideReport,
    /// Container over native, when both were measured.
    pub ratios: Option<Ratios>,
    pub notes: Vec<String>,
}

/// The container's figures over the native ones (pure).
pub fn ratios(native: &Figures, container: &Figures) -> Ratios {
    use figures::ratio;
    Ratios {
        startup: ratio(container.startup_ms, native.startup_ms),
        p50: ratio(container.latency.p50_ms, native.latency.p50_ms),
        p95: ratio(container.latency.p95_ms, native.latency.p95_ms),
        p99: ratio(container.latency.p99_ms, native.latency.p99_ms),
        throughput: ratio(container.throughput_rps, native.throughput_rps),
        memory: ratio(container.memory_bytes as f64, native.memory_bytes as f64),
    }
}
