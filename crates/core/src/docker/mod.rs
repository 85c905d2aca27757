//! The Docker adapter: the only module that imports bollard. It converts bollard's models
//! into Berth's own small types; the runners, the CLI and the app talk to [`Engine`].
//!
//! - [`discovery`]: where the engine is (pure, unit-tested), then [`Engine::connect`].
//! - [`context`] / [`build`] / [`buildkit`] / [`classic`]: build contexts and builds (BuildKit,
//!   else the classic builder) with progress events.
//! - [`api`]: the [`api::ContainerEngine`] trait the runners use (implemented here for
//!   [`Engine`]; in memory in the runners' unit tests).
//! - [`spec`] / [`containers`]: a container as Berth describes it and creating it;
//!   [`images`]: inspect, pull, remove; [`lifecycle`], [`health`], [`logs`], [`events`]:
//!   containers, labelled with [`crate::names`]' labels; [`inspect`]: a container's runtime
//!   settings for the checks; [`export`]: an image's layers streamed to the checks.
//! - [`stats`]: live stats streams and the stats hub.
//! - [`platform`]: `--platform` builds: the platform string and whether the engine can run it.

pub mod api;
pub mod build;
mod build_cleanup;
pub mod buildkit;
pub mod classic;
pub mod containers;
pub mod context;
pub mod discovery;
pub mod events;
pub mod export;
pub mod health;
pub mod images;
pub mod inspect;
pub mod lifecycle;
pub mod logs;
pub mod platform;
pub mod spec;
pub mod ssh;
pub mod stats;
pub mod tls;

pub use api::{ContainerEngine, ImageInfo};

use crate::{Error, Result};
use bollard::Docker;
use discovery::{Candidate, Endpoint};
use serde::Serialize;
use std::time::Duration;
use ts_rs::TS;

pub use discovery::{EndpointSource, Product};
/// Cancels a build or a follow; re-exported so callers need not depend on tokio-util.
pub use tokio_util::sync::CancellationToken;

pub use crate::names::{LABEL_MANAGED, LABEL_PROJECT};

/// How long connect waits for the engine to answer a ping.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a request may wait for the engine's answer to begin. A frozen engine (a Docker
/// Desktop VM that hangs, a socket that accepts and never answers) fails every call within
/// this; streams that then flow (logs, events, stats, a build's progress) are bounded by their
/// own cancellation instead. [`REQUEST_TIMEOUT_ENV`] overrides it (seconds).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A build's request carries the whole context upload before the engine answers.
pub const BUILD_REQUEST_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Environment variable overriding [`REQUEST_TIMEOUT`] (whole seconds).
pub const REQUEST_TIMEOUT_ENV: &str = "BERTH_ENGINE_TIMEOUT_SECS";

/// The request timeout in force: [`REQUEST_TIMEOUT_ENV`] when it is a positive number of
/// seconds, else [`REQUEST_TIMEOUT`].
pub fn request_timeout() -> Duration {
    std::env::var(REQUEST_TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(REQUEST_TIMEOUT)
}

/// A connected, version-negotiated engine.
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
    endpoint: Endpoint,
    /// The SSH tunnel of an `ssh://` engine, closed with the last clone.
    _tunnel: Option<std::sync::Arc<ssh::Tunnel>>,
}

/// What `berth engine` reports.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct EngineInfo {
    pub endpoint: String,
    pub source: EndpointSource,
    /// Human-readable "why this engine".
    pub reason: String,
    pub version: String,
    pub api_version: String,
    /// The API version Berth speaks with it after negotiation.
    pub negotiated_api_version: String,
    pub os: String,
    pub arch: String,
    /// Whether the daemon has a built-in BuildKit (Linux engines, API >= 1.39).
    pub buildkit_available: bool,
    /// The builder Berth uses for builds.
    pub builder: String,
}

impl Engine {
    /// Discover the engine from this process's environment, connect and ping it.
    pub async fn connect() -> Result<Engine> {
        Self::connect_candidates(discovery::system_candidates()).await
    }

    /// Try the candidates in order; the first that answers a ping wins.
    pub async fn connect_candidates(mut tried: Vec<Candidate>) -> Result<Engine> {
        for c in tried.iter_mut() {
            if !c.present || c.problem.is_some() {
                continue;
            }
            match Self::connect_to(c.endpoint.clone()).await {
                Ok(e) => return Ok(e),
                Err(e) => c.problem = Some(e.to_string()),
            }
        }
        Err(Error::EngineUnavailable(discovery::no_engine_message(
            &tried,
        )))
    }

    /// Connect to one endpoint: ping with [`CONNECT_TIMEOUT`], then negotiate the API version.
    pub async fn connect_to(endpoint: Endpoint) -> Result<Engine> {
        let host = endpoint.host.as_str();
        let v = bollard::API_DEFAULT_VERSION;
        let timeout = request_timeout().as_secs();
        let tls = endpoint.tls.as_ref().filter(|_| host.starts_with("tcp://"));
        let mut tunnel = None;
        let docker = match tls {
            Some(t) => tls::connect(host, t, timeout, v)?,
            None if host.starts_with("ssh://") => {
                let t = Self::ssh_tunnel(host).await?;
                let d = Self::client(&t.host(), timeout, v)?;
                tunnel = Some(std::sync::Arc::new(t));
                d
            }
            None => Self::client(host, timeout, v)?,
        };
        let wait = CONNECT_TIMEOUT.min(request_timeout());
        let no_answer =
            || Error::EngineUnavailable(format!("{host}: no answer within {} s", wait.as_secs()));
        let answered = tokio::time::timeout(wait, async {
            docker.ping().await?;
            docker.negotiate_version().await
        })
        .await;
        let docker = match answered {
            Ok(Ok(d)) => d,
            Ok(Err(bollard::errors::Error::RequestTimeoutError)) | Err(_) => {
                return Err(no_answer())
            }
            Ok(Err(e)) => {
                return Err(Error::EngineUnavailable(format!(
                    "{host}: {}",
                    short_error(&e)
                )))
            }
        };
        Ok(Engine {
            docker,
            endpoint,
            _tunnel: tunnel,
        })
    }

    #[cfg(unix)]
    async fn ssh_tunnel(host: &str) -> Result<ssh::Tunnel> {
        ssh::Tunnel::open(host).await
    }

    #[cfg(not(unix))]
    async fn ssh_tunnel(host: &str) -> Result<ssh::Tunnel> {
        Err(Error::EngineUnavailable(format!(
            "{host}: ssh:// engines are forwarded to a unix socket, which this system's \
             engine client cannot use; use a docker context over tcp:// with TLS"
        )))
    }

    /// The bollard client for a socket, a pipe or plain `tcp://`.
    fn client(host: &str, timeout: u64, v: &bollard::ClientVersion) -> Result<Docker> {
        if host.starts_with("unix://") {
            #[cfg(unix)]
            {
                Docker::connect_with_unix(host, timeout, v)
            }
            #[cfg(not(unix))]
            {
                return Err(Error::EngineUnavailable(format!(
                    "{host}: unix sockets are not supported on this system"
                )));
            }
        } else if host.starts_with("npipe://") {
            #[cfg(windows)]
            {
                Docker::connect_with_named_pipe(host, timeout, v)
            }
            #[cfg(not(windows))]
            {
                return Err(Error::EngineUnavailable(format!(
                    "{host}: named pipes exist only on Windows"
                )));
            }
        } else if host.starts_with("tcp://") || host.starts_with("http://") {
            Docker::connect_with_http(host, timeout, v)
        } else {
            return Err(Error::EngineUnavailable(format!(
                "{host}: unsupported engine address (use unix://, tcp://, ssh:// or npipe://)"
            )));
        }
        .map_err(|e| Error::EngineUnavailable(format!("{host}: {e}")))
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The bollard client, for the other modules of the adapter.
    pub(crate) fn docker(&self) -> &Docker {
        &self.docker
    }

    /// The client with the longer timeout a build's request needs (its context upload).
    pub(crate) fn docker_for_build(&self) -> Docker {
        self.docker.clone().with_timeout(BUILD_REQUEST_TIMEOUT)
    }

    /// Version, API, platform and builder of the connected engine.
    pub async fn info(&self) -> Result<EngineInfo> {
        let v = self.docker.version().await.map_err(engine_err)?;
        let api = v.api_version.clone().unwrap_or_default();
        let os = v.os.clone().unwrap_or_default();
        let buildkit_available = os == "linux" && api_at_least(&api, 1, 39);
        Ok(EngineInfo {
            endpoint: self.endpoint.host.clone(),
            source: self.endpoint.source.clone(),
            reason: self.endpoint.source.to_string(),
            version: v.version.unwrap_or_default(),
            api_version: api,
            negotiated_api_version: self.docker.client_version().to_string(),
            os,
            arch: v.arch.unwrap_or_default(),
            buildkit_available,
            builder: buildkit::pick_builder(
                buildkit::BuilderChoice::from_env(),
                buildkit_available,
            )
            .0
            .name()
            .into(),
        })
    }
}

/// `"1.41"` >= (1, 39)?
pub fn api_at_least(api: &str, major: u32, minor: u32) -> bool {
    let mut it = api.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (a, b) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    (a, b) >= (major, minor)
}

/// A one-line form of a bollard error (server errors carry the engine's message).
pub(crate) fn short_error(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as B;
    match e {
        B::DockerResponseServerError {
            status_code,
            message,
        } => format!("{message} (HTTP {status_code})"),
        other => {
            let s = other.to_string();
            // hyper's messages nest the cause; keep them on one line.
            s.replace('\n', " ")
        }
    }
}

pub(crate) fn engine_err(e: bollard::errors::Error) -> Error {
    use bollard::errors::Error as B;
    match &e {
        B::HyperResponseError { .. } | B::HyperLegacyError { .. } | B::IOError { .. } => {
            Error::EngineUnavailable(format!("engine stopped answering: {}", short_error(&e)))
        }
        B::RequestTimeoutError => Error::EngineUnavailable(format!(
            "the engine did not answer within {} s (is it frozen? restart Docker Desktop, \
             Colima or the docker service)",
            request_timeout().as_secs()
        )),
        _ => Error::Engine(short_error(&e)),
    }
}

/// Is this a "no such container/image" answer?
pub(crate) fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_compare() {
        assert!(api_at_least("1.41", 1, 39));
        assert!(api_at_least("1.39", 1, 39));
        assert!(!api_at_least("1.38", 1, 39));
        assert!(api_at_least("2.0", 1, 39));
        assert!(!api_at_least("", 1, 39));
    }
}
