//! Running a container with hardened defaults, publishing a host port chosen by
//! [`crate::ports`], and retrying with the next candidate when the engine reports the port
//! was taken between the check and the start (the race).

use super::{engine_err, Engine};
use crate::names::labels as berth_labels;
use crate::ports::{self, PortCheck, PortPolicy};
use crate::{Error, Result};
use bollard::models::{
    ContainerCreateBody, HostConfig, PortBinding, RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{CreateContainerOptions, RemoveContainerOptions};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use ts_rs::TS;

/// Default memory limit: 512 MiB.
pub const DEFAULT_MEMORY_BYTES: i64 = 512 * 1024 * 1024;
/// Default CPU limit: one CPU.
pub const DEFAULT_NANO_CPUS: i64 = 1_000_000_000;
/// Default process limit.
pub const DEFAULT_PIDS_LIMIT: i64 = 256;
/// How many host ports are tried when the engine keeps answering "already allocated".
pub const MAX_PORT_ATTEMPTS: usize = 5;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The project folder (absolute), for the labels.
    pub project: PathBuf,
    pub image: String,
    /// Container name.
    pub name: String,
    /// The port the app listens on inside the container (None: publish nothing).
    pub container_port: Option<u16>,
    /// Preferred host port (defaults to the container port).
    pub host_port: Option<u16>,
    pub policy: PortPolicy,
    pub env: Vec<String>,
    /// Read-only root filesystem (+ tmpfs /tmp) when the plan allows.
    pub read_only: bool,
    pub memory_bytes: i64,
    pub nano_cpus: i64,
}

impl RunSpec {
    pub fn new(project: PathBuf, image: &str, name: &str, container_port: Option<u16>) -> Self {
        RunSpec {
            project,
            image: image.to_string(),
            name: name.to_string(),
            container_port,
            host_port: None,
            policy: PortPolicy::default(),
            env: Vec::new(),
            read_only: true,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            nano_cpus: DEFAULT_NANO_CPUS,
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

/// A started container.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RunOutcome {
    pub container: String,
    pub id: String,
    pub image: String,
    pub host_port: Option<u16>,
    pub url: Option<String>,
    pub port_conflict: Option<PortConflict>,
    /// The user the container runs as (from the image); a warning is given for root.
    pub user: String,
    pub warnings: Vec<String>,
}

/// Did the engine refuse a start because the host port is taken? (pure)
pub fn is_port_taken_message(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("port is already allocated")
        || m.contains("address already in use")
        || m.contains("bind: address already in use")
}

/// A published port: the container port and the host port (None: the engine picks one).
pub type Binding = (u16, Option<u16>);

/// The exposed ports and host port bindings that publish `bindings` on all interfaces
/// (pure).
pub fn publish(bindings: &[Binding]) -> (Vec<String>, HashMap<String, Option<Vec<PortBinding>>>) {
    let mut port_bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    let mut exposed = Vec::new();
    for (container, host) in bindings {
        let key = format!("{container}/tcp");
        if !exposed.contains(&key) {
            exposed.push(key.clone());
        }
        port_bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: Some("0.0.0.0".into()),
                host_port: Some(host.map(|h| h.to_string()).unwrap_or_default()),
            });
    }
    (exposed, port_bindings)
}

/// The hardened container body (pure; unit-tested).
pub fn container_body(spec: &RunSpec, host_port: Option<u16>) -> ContainerCreateBody {
    let published: Vec<Binding> = match (spec.container_port, host_port) {
        (Some(cp), Some(hp)) => vec![(cp, Some(hp))],
        _ => Vec::new(),
    };
    let (exposed, port_bindings) = publish(&published);
    let tmpfs = spec
        .read_only
        .then(|| HashMap::from([("/tmp".to_string(), "rw,noexec,nosuid,size=64m".to_string())]));
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        env: (!spec.env.is_empty()).then(|| spec.env.clone()),
        labels: Some(berth_labels(&spec.project)),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        host_config: Some(HostConfig {
            port_bindings: Some(port_bindings),
            cap_drop: Some(vec!["ALL".into()]),
            security_opt: Some(vec!["no-new-privileges:true".into()]),
            readonly_rootfs: Some(spec.read_only),
            tmpfs,
            memory: Some(spec.memory_bytes),
            nano_cpus: Some(spec.nano_cpus),
            pids_limit: Some(DEFAULT_PIDS_LIMIT),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl Engine {
    /// Create and start a container for `spec`, resolving the host port and retrying on
    /// the "already allocated" race. A container of the same name is replaced.
    pub async fn run(&self, spec: &RunSpec) -> Result<RunOutcome> {
        self.run_with(spec, ports::is_free).await
    }

    /// [`Engine::run`] with an injected "is this host port free?" check, so the window
    /// between the check and the engine's start can be exercised in tests.
    pub async fn run_with(
        &self,
        spec: &RunSpec,
        is_free: impl Fn(u16) -> bool + Send + Sync,
    ) -> Result<RunOutcome> {
        let image = self
            .docker()
            .inspect_image(&spec.image)
            .await
            .map_err(|e| match super::is_not_found(&e) {
                true => Error::Engine(format!("image {} not found: build it first", spec.image)),
                false => engine_err(e),
            })?;
        let user = image
            .config
            .and_then(|c| c.user)
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "root".into());
        let mut warnings = Vec::new();
        if user == "root" || user == "0" || user.starts_with("0:") || user.starts_with("root:") {
            warnings.push(
                "the image runs as root: add a USER instruction (Berth's generated Dockerfiles \
                 do)"
                .into(),
            );
        }
        // Replace an earlier container of the same name (a previous `up`).
        match self.remove(&spec.name).await {
            Ok(()) | Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        let preferred = spec.host_port.or(spec.container_port);
        let mut conflict: Option<PortConflict> = None;
        let mut raced: Vec<u16> = Vec::new();
        for _attempt in 0..MAX_PORT_ATTEMPTS {
            let host_port = match spec.container_port {
                None => None,
                Some(_) => {
                    let choice = ports::resolve_with(preferred, spec.policy, &raced, &is_free)
                        .ok_or_else(|| Error::PortInUse {
                            port: preferred.unwrap_or(spec.policy.fallback),
                            owner: Some(format!(
                                "and every port in {}-{} is taken too",
                                spec.policy.range.0, spec.policy.range.1
                            )),
                        })?;
                    if Some(choice.port) != preferred {
                        let requested = preferred.unwrap_or(choice.port);
                        let check = match &conflict {
                            Some(c) => c.check.clone(),
                            None if !raced.contains(&requested) => {
                                Some(ports::check(requested, Some(self)).await)
                            }
                            None => None,
                        };
                        conflict = Some(PortConflict {
                            requested,
                            check,
                            raced: raced.clone(),
                            chosen: choice.port,
                            reason: choice.reason.clone(),
                        });
                    }
                    Some(choice.port)
                }
            };
            let body = container_body(spec, host_port);
            let opts = CreateContainerOptions {
                name: Some(spec.name.clone()),
                platform: String::new(),
            };
            let created = self
                .docker()
                .create_container(Some(opts), body)
                .await
                .map_err(engine_err)?;
            match self.docker().start_container(&created.id, None).await {
                Ok(()) => {
                    return Ok(RunOutcome {
                        container: spec.name.clone(),
                        id: created.id,
                        image: spec.image.clone(),
                        host_port,
                        url: host_port.map(|p| format!("http://localhost:{p}")),
                        port_conflict: conflict,
                        user,
                        warnings,
                    })
                }
                Err(e) => {
                    let msg = super::short_error(&e);
                    let rm = RemoveContainerOptions {
                        force: true,
                        v: true,
                        link: false,
                    };
                    let _ = self.docker().remove_container(&created.id, Some(rm)).await;
                    match host_port {
                        Some(p) if is_port_taken_message(&msg) => raced.push(p),
                        _ => {
                            return Err(Error::Engine(format!("cannot start {}: {msg}", spec.name)))
                        }
                    }
                }
            }
        }
        Err(Error::PortInUse {
            port: preferred.unwrap_or(0),
            owner: Some(format!(
                "the engine refused ports {raced:?} at start; try again or pass --port"
            )),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn race_messages_are_recognized() {
        assert!(is_port_taken_message(
            "driver failed programming external connectivity on endpoint x: Bind for \
             0.0.0.0:8080 failed: port is already allocated (HTTP 500)"
        ));
        assert!(is_port_taken_message(
            "listen tcp4 0.0.0.0:8080: bind: address already in use"
        ));
        assert!(!is_port_taken_message("no such image"));
    }

    #[test]
    fn body_is_hardened_and_labelled() {
        let spec = RunSpec::new("/p".into(), "img:1", "web", Some(8080));
        let b = container_body(&spec, Some(18080));
        let h = b.host_config.unwrap();
        assert_eq!(h.cap_drop, Some(vec!["ALL".to_string()]));
        assert_eq!(
            h.security_opt,
            Some(vec!["no-new-privileges:true".to_string()])
        );
        assert_eq!(h.readonly_rootfs, Some(true));
        assert!(h.tmpfs.unwrap().contains_key("/tmp"));
        assert_eq!(h.memory, Some(DEFAULT_MEMORY_BYTES));
        assert_eq!(
            h.restart_policy.unwrap().name,
            Some(RestartPolicyNameEnum::UNLESS_STOPPED)
        );
        let pb = h.port_bindings.unwrap();
        let bind = pb["8080/tcp"].as_ref().unwrap();
        assert_eq!(bind[0].host_port.as_deref(), Some("18080"));
        let labels = b.labels.unwrap();
        assert_eq!(labels["dev.berth.project"], "/p");
        assert_eq!(labels["dev.berth.managed"], "true");
    }
}
