//! Runners: how a project's containers are brought up, behind one request/report shape.
//!
//! - [`single`]: build the app's image (its own Dockerfile, or the one rendered from the
//!   plan in memory) and run one hardened container.
//! - [`compose_tool`]: a compose project with an installed Compose v2 (Berth pre-builds the
//!   images with its own builder, the tool runs them).
//! - [`compose_api`]: a compose project through the Engine API, when no Compose v2 is here.
//!
//! [`choose`] picks one for a folder; [`publish`] resolves host ports (the "already
//! allocated" race included) for the single and Engine API runners. Every runner takes a
//! [`ContainerEngine`](crate::docker::ContainerEngine), so its orchestration is unit-tested
//! with an in-memory engine as well as on the real one.

pub mod choose;
pub mod compose_api;
pub mod compose_tool;
pub mod project;
pub mod publish;
pub mod recipe;
pub mod single;

#[cfg(test)]
pub(crate) mod fake;

use crate::docker::build::BuildReport;
use crate::docker::buildkit::BuilderChoice;
use crate::docker::health::{HealthReport, DEFAULT_HEALTH_TIMEOUT};
use crate::docker::spec::{ALL_INTERFACES, LOOPBACK};
use crate::ports::{PortCheck, PortPolicy};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use ts_rs::TS;

pub use choose::{choose, Choice, Offers, Runner, RunnerChoice};
pub use project::ComposeProject;
pub use recipe::{DockerfileSource, Recipe};

/// Which runner ran a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RunnerKind {
    /// One container, built and run through the Engine API.
    Single,
    /// A compose project run by an installed Compose v2.
    ComposeTool,
    /// A compose project run through the Engine API (no Compose v2 here).
    EngineApi,
}

impl RunnerKind {
    pub fn label(self) -> &'static str {
        match self {
            RunnerKind::Single => "one container (Engine API)",
            RunnerKind::ComposeTool => "the compose tool",
            RunnerKind::EngineApi => "compose services through the Engine API",
        }
    }
}

/// Why the preferred host port was not used.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PortConflict {
    pub requested: u16,
    /// Who held it when checked (None when it was lost in the race at container start).
    pub check: Option<PortCheck>,
    /// Ports the engine refused at start ("port is already allocated").
    pub raced: Vec<u16>,
    pub chosen: u16,
    pub reason: String,
}

/// One compose service as started.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ServiceStarted {
    pub service: String,
    pub container: String,
    pub image: String,
    /// Built by Berth from the project (`build:`), rather than an image used as it is.
    pub built: bool,
}

/// What every runner reports (`berth up --json`, the app's run card).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RunReport {
    pub runner: RunnerKind,
    /// `docker compose` / `docker-compose` for the compose tool runner.
    pub tool: Option<String>,
    /// The project folder.
    pub project: String,
    /// The compose project name (compose runners).
    pub compose_project: Option<String>,
    /// The app's container (the one publishing the host port).
    pub container: String,
    pub image: String,
    pub host_port: Option<u16>,
    pub url: Option<String>,
    pub port_conflict: Option<PortConflict>,
    pub healthy: bool,
    pub health: HealthReport,
    /// Where the app's Dockerfile came from, when Berth built the app's image.
    pub dockerfile: Option<DockerfileSource>,
    /// The app image's build, when Berth built it.
    pub build: Option<BuildReport>,
    /// Every compose service started (compose runners).
    pub services: Vec<ServiceStarted>,
    /// What the user should know: the runner chosen and why, ports left out, images kept.
    pub notes: Vec<String>,
}

/// "Is this host port free?" — injectable so the race between Berth's check and the
/// engine's start can be exercised in tests.
pub type FreeCheck = Arc<dyn Fn(u16) -> bool + Send + Sync>;

/// How the app's port is published.
#[derive(Clone)]
pub struct Publishing {
    /// Preferred host port (default: the app's port, then the policy's fallback and range).
    pub host_port: Option<u16>,
    pub policy: PortPolicy,
    /// Publish on every interface (reachable from the network) instead of loopback.
    pub expose: bool,
    pub is_free: FreeCheck,
}

impl Default for Publishing {
    fn default() -> Self {
        Publishing {
            host_port: None,
            policy: PortPolicy::default(),
            expose: false,
            is_free: Arc::new(crate::ports::is_free),
        }
    }
}

impl std::fmt::Debug for Publishing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publishing")
            .field("host_port", &self.host_port)
            .field("policy", &self.policy)
            .field("expose", &self.expose)
            .finish_non_exhaustive()
    }
}

impl Publishing {
    /// The host address published ports listen on.
    pub fn host_ip(&self) -> &'static str {
        if self.expose {
            ALL_INTERFACES
        } else {
            LOOPBACK
        }
    }
}

/// What every runner needs besides its project: port publishing, health wait, build flags.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub publishing: Publishing,
    pub health_timeout: Duration,
    pub no_cache: bool,
    pub builder: BuilderChoice,
    /// Build the app's (and the compose services') images for this platform; see
    /// [`crate::docker::platform`]. The images run under emulation when it is not the engine's.
    pub platform: Option<crate::docker::platform::Platform>,
    /// The environment (`--env dev|prod`); None: the plain run. Compose projects get it
    /// through their override file ([`ComposeProject::with_environment`]); the single
    /// runner applies Berth's built-in settings ([`crate::environment::apply_single`]).
    pub env: Option<crate::environment::Environment>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            publishing: Publishing::default(),
            health_timeout: DEFAULT_HEALTH_TIMEOUT,
            no_cache: false,
            builder: BuilderChoice::from_env(),
            platform: None,
            env: None,
        }
    }
}

/// The URL of an app published on `port` (pure).
pub fn local_url(port: u16) -> String {
    format!("http://localhost:{port}")
}

/// `512m`, `1g`, `256M`, `1024k` -> bytes (pure).
pub fn parse_memory(s: &str) -> Option<i64> {
    let s = s.trim().to_ascii_lowercase();
    let s = s.trim_end_matches('b');
    let (num, mul) = match s.chars().last()? {
        'k' => (&s[..s.len() - 1], 1024i64),
        'm' => (&s[..s.len() - 1], 1024 * 1024),
        'g' => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    let n: f64 = num.parse().ok()?;
    (n > 0.0).then_some((n * mul as f64) as i64)
}

/// `1.5` CPUs -> nano CPUs (pure).
pub fn parse_cpus(s: &str) -> Option<i64> {
    let n: f64 = s.trim().parse().ok()?;
    (n > 0.0).then_some((n * 1e9) as i64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse() {
        assert_eq!(parse_memory("512m"), Some(512 * 1024 * 1024));
        assert_eq!(parse_memory("1g"), Some(1024 * 1024 * 1024));
        assert_eq!(parse_memory("1.5G"), Some(1610612736));
        assert_eq!(parse_memory("100"), Some(100));
        assert_eq!(parse_memory("lots"), None);
        assert_eq!(parse_cpus("1.0"), Some(1_000_000_000));
        assert_eq!(parse_cpus("0.5"), Some(500_000_000));
        assert_eq!(parse_cpus("-1"), None);
    }

    #[test]
    fn loopback_unless_exposed() {
        let mut p = Publishing::default();
        assert_eq!(p.host_ip(), "127.0.0.1");
        p.expose = true;
        assert_eq!(p.host_ip(), "0.0.0.0");
    }
}
