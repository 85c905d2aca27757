//! Check: one rule engine for a container project's security and hygiene, offline and with
//! no external binary. Every finding names a stable rule id ([`rules`]), a severity, a
//! concrete fix and the standard identifiers it corresponds to (hadolint, checkov, dockle,
//! trivy, docker-bench-security), and where it is: a file and line, an image layer and path,
//! or a container setting.
//!
//! - [`dockerfile`]: a Dockerfile's text (parsed with the `dockerfile-roast` parser).
//! - [`compose`]: a compose file, through the shared [`crate::compose`] model.
//! - [`runtime`]: the runtime settings a compose service asks for or a container runs with
//!   (CIS Docker Benchmark section 5), one set of rules for both.
//! - [`image`]: a built image's config and layers ([`crate::docker::export`] walks them),
//!   and its size analysis ([`analysis`]).
//! - [`sarif`]: SARIF 2.1.0 for code-scanning tools.
//!
//! Nothing here talks to the engine; [`crate::app::check`] wires it to folders, images and
//! containers.

pub mod analysis;
pub mod compose;
pub mod dockerfile;
mod dockerfile_run;
pub mod image;
pub mod layers;
pub mod rules;
pub mod runtime;
pub mod sarif;
pub mod secrets;
mod shell;

pub use rules::{rule, Rule, RULES};

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// How bad a finding is, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    /// Every severity, worst first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// 4 for critical .. 0 for info.
    pub fn rank(self) -> u8 {
        match self {
            Severity::Critical => 4,
            Severity::High => 3,
            Severity::Medium => 2,
            Severity::Low => 1,
            Severity::Info => 0,
        }
    }

    /// Is this at least as bad as `other`?
    pub fn at_least(self, other: Severity) -> bool {
        self.rank() >= other.rank()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    /// `high` -> High (case-insensitive).
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum Location {
    /// A line of a Dockerfile or compose file (the path as the user knows it, relative to
    /// the checked folder; 1-based line).
    File { file: String, line: u32 },
    /// A built image: the layer (0-based index into the image's layers, oldest first; None
    /// for the image's config) and the path in it (a file, or `config.User`, `config.Env`).
    Image {
        image: String,
        layer: Option<u32>,
        path: String,
    },
    /// A container and the setting as the engine reports it (`HostConfig.Privileged`).
    Container { container: String, setting: String },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File { file, line } => write!(f, "{file}:{line}"),
            Location::Image {
                image,
                layer: Some(l),
                path,
            } => write!(f, "{image} layer {l}: /{}", path.trim_start_matches('/')),
            Location::Image { image, path, .. } => write!(f, "{image}: {path}"),
            Location::Container { container, setting } => write!(f, "{container}: {setting}"),
        }
    }
}

/// One problem found, with its fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Finding {
    /// The rule's stable id (`BERTH-DF-005`).
    pub id: String,
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// What exactly was seen here.
    pub detail: String,
    /// A concrete fix.
    pub fix: String,
    /// The standard identifiers this corresponds to, as their sources write them
    /// (`DL3002`, `CKV_DOCKER_8`, `CIS-DI-0001`, `AVD-DS-0002`, `CIS-5.5`).
    pub refs: Vec<String>,
    pub location: Location,
}

/// Findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Summary {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    pub info: u32,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            *match f.severity {
                Severity::Critical => &mut s.critical,
                Severity::High => &mut s.high,
                Severity::Medium => &mut s.medium,
                Severity::Low => &mut s.low,
                Severity::Info => &mut s.info,
            } += 1;
        }
        s
    }
}

/// What `berth check` prints with `--json`: the target, the findings worst first, the counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Report {
    /// What was checked: a folder, an image reference or a container name.
    pub target: String,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

impl Report {
    /// A report over `findings`, sorted worst first, then by place, duplicates removed.
    pub fn new(target: impl Into<String>, mut findings: Vec<Finding>) -> Report {
        findings.sort_by(|a, b| {
            b.severity
                .rank()
                .cmp(&a.severity.rank())
                .then_with(|| location_key(&a.location).cmp(&location_key(&b.location)))
                .then_with(|| a.id.cmp(&b.id))
                .then_with(|| a.detail.cmp(&b.detail))
        });
        findings.dedup();
        Report {
            target: target.into(),
            summary: Summary::of(&findings),
            findings,
        }
    }

    /// Several reports as one (a folder and an image checked together).
    pub fn merge(reports: Vec<Report>) -> Report {
        let target = reports
            .iter()
            .map(|r| r.target.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Report::new(
            target,
            reports.into_iter().flat_map(|r| r.findings).collect(),
        )
    }

    /// Is anything at or above `threshold`?
    pub fn fails(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.severity.at_least(threshold))
    }

    /// The worst severity found, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.first().map(|f| f.severity)
    }
}

/// Sort key of a location: file and line, image layer and path, container and setting.
fn location_key(l: &Location) -> (String, u64, String) {
    match l {
        Location::File { file, line } => (file.clone(), u64::from(*line), String::new()),
        Location::Image { image, layer, path } => (
            image.clone(),
            layer.map(u64::from).unwrap_or(0),
            path.clone(),
        ),
        Location::Container { container, setting } => (container.clone(), 0, setting.clone()),
    }
}
