//! Compose or Kubernetes? The assessment: signals (each with its evidence and the published
//! rule behind it) add up to a score, the score and the Cloud Run fit criteria give the
//! recommendation, and a readiness checklist says what to fix before any orchestrator.
//!
//! Points push toward Kubernetes; the thresholds are [`KUBERNETES_AT`] and the managed fit
//! (see [`recommend`]). docs/k8s.md lists every signal, its points and its source.

mod facts;
mod readiness;
mod scan;
mod signals;

pub use facts::{clean_rel, gather, ComposeSource, DockerfileSource, Facts};

use super::sources::RuleSource;
use crate::Result;
use serde::Serialize;
use std::path::Path;
use ts_rs::TS;

/// Score from which Kubernetes is recommended (out of 100).
pub const KUBERNETES_AT: i32 = 40;

/// What the project needs to run in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum Recommendation {
    /// One host with Docker Compose is enough.
    Compose,
    /// A managed container service (Cloud Run-style: stateless HTTP, no local disk) fits.
    ManagedContainers,
    /// Several services, replicas, workers, state: an orchestrator earns its keep.
    Kubernetes,
}

/// Where a signal or a checklist item was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SignalEvidence {
    /// Relative to the project folder, forward slashes.
    pub file: String,
    pub line: Option<u32>,
    pub detail: String,
}

/// A signal's value: a count, a yes/no, a word or a list of names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum SignalValue {
    Count(i64),
    Flag(bool),
    Names(Vec<String>),
    Text(String),
}

/// One thing the folder shows, what it weighs and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Signal {
    /// Stable id (`app_services`, `replicas`, `workers`...).
    pub id: String,
    pub value: SignalValue,
    /// Points toward Kubernetes (0: informational).
    pub points: i32,
    /// One line for people.
    pub detail: String,
    pub evidence: Vec<SignalEvidence>,
    pub source: RuleSource,
}

/// One readiness checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Readiness {
    /// Stable id (`config_from_env`, `logs_to_stdout`...).
    pub id: String,
    pub ok: bool,
    pub detail: String,
    /// What to do when not ok (also shown when ok, as the rule).
    pub fix: String,
    pub evidence: Vec<SignalEvidence>,
    pub source: RuleSource,
}

/// The answer to "Compose or Kubernetes?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Assessment {
    pub recommendation: Recommendation,
    /// 0..=100: the signals' points, capped.
    pub score: i32,
    /// The recommendation in one sentence, with its main reasons.
    pub summary: String,
    pub signals: Vec<Signal>,
    pub readiness: Vec<Readiness>,
    /// The compose file read (relative), if any.
    pub compose_file: Option<String>,
}

/// Assess the folder at `root` (detection is optional: a folder of off-the-shelf images
/// has none).
pub fn assess(root: &Path) -> Result<Assessment> {
    let facts = gather(root)?;
    Ok(assess_facts(&facts))
}

/// The assessment of gathered facts (pure).
pub fn assess_facts(facts: &Facts) -> Assessment {
    let signals = signals::signals(facts);
    let readiness = readiness::checklist(facts);
    let score = signals.iter().map(|s| s.points).sum::<i32>().clamp(0, 100);
    let (recommendation, summary) = recommend(score, &signals);
    Assessment {
        recommendation,
        score,
        summary,
        signals,
        readiness,
        compose_file: facts.compose.as_ref().map(|c| c.file.clone()),
    }
}

/// Kubernetes from [`KUBERNETES_AT`]; below it, a managed container service when the app
/// fits Cloud Run's criteria and needs to scale out (replicas or autoscaling), else Compose.
pub fn recommend(score: i32, signals: &[Signal]) -> (Recommendation, String) {
    let get = |id: &str| signals.iter().find(|s| s.id == id);
    let weighty: Vec<String> = {
        let mut v: Vec<&Signal> = signals.iter().filter(|s| s.points > 0).collect();
        v.sort_by_key(|s| -s.points);
        v.iter().take(4).map(|s| s.detail.clone()).collect()
    };
    if score >= KUBERNETES_AT {
        return (
            Recommendation::Kubernetes,
            format!(
                "Kubernetes (score {score}/100, from {KUBERNETES_AT}): {}.",
                weighty.join("; ")
            ),
        );
    }
    let fits = matches!(
        get("managed_fit").map(|s| &s.value),
        Some(SignalValue::Flag(true))
    );
    let scales = get("replicas").is_some_and(|s| s.points > 0)
        || get("autoscaling").is_some_and(|s| s.points > 0);
    if fits && scales {
        return (
            Recommendation::ManagedContainers,
            format!(
                "A managed container service (score {score}/100): one stateless HTTP app with \
                 no local disk that needs to scale out fits Cloud Run's criteria, without \
                 running a cluster."
            ),
        );
    }
    let why = if weighty.is_empty() {
        "nothing here needs more than one host".to_string()
    } else {
        format!("{}; not enough for a cluster", weighty.join("; "))
    };
    (
        Recommendation::Compose,
        format!("Docker Compose on one host (score {score}/100): {why}."),
    )
}
