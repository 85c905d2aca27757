//! Compose projects without a compose tool: the compose file's services run through the
//! Engine API. A project network (services reach each other by name), images built from
//! `build:` or used as they are (local, else pulled), environment, commands, healthchecks,
//! named volumes, limits, and `depends_on` order (waiting for `service_healthy`
//! dependencies). The app service's published port is resolved like `up`'s (preferred,
//! 8080, the range; the "already allocated" race retried); the other `ports:` entries are
//! published as written when their host port is free, and left out with a note when it is
//! not. Everything is labelled as Berth's, so `berth ps` lists it and [`Engine::down`]
//! removes it.

use super::single::{parse_cpus, parse_memory};
use crate::compose::{self as compose_file, ComposeFile, HealthSpec, ServiceSpec};
use crate::docker::build::{BuildEvent, BuildRequest};
use crate::docker::buildkit::BuilderChoice;
use crate::docker::health::{HealthReport, HttpProbe, DEFAULT_HEALTH_TIMEOUT};
use crate::docker::run::is_port_taken_message;
use crate::docker::{engine_err, is_not_found, Engine};
use crate::names::{labels as berth_labels, ProjectNames};
use crate::ports::{self, PortChoice, PortPolicy};
use crate::{Error, Result};
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HealthConfig, HostConfig, NetworkCreateRequest,
    NetworkingConfig, RestartPolicy, RestartPolicyNameEnum, VolumeCreateRequest,
};
use bollard::query_parameters::{CreateContainerOptions, CreateImageOptions};
use futures_util::StreamExt;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub use crate::names::LABEL_SERVICE;

/// What to bring up.
#[derive(Debug, Clone)]
pub struct ComposeUpRequest {
    pub path: PathBuf,
    /// Preferred host port of the app service (default: the compose file's).
    pub host_port: Option<u16>,
    pub policy: PortPolicy,
    pub health_timeout: Duration,
    pub no_cache: bool,
    pub builder: BuilderChoice,
}

impl ComposeUpRequest {
    pub fn new(path: &Path) -> ComposeUpRequest {
        ComposeUpRequest {
            path: path.to_path_buf(),
            host_port: None,
            policy: PortPolicy::default(),
            health_timeout: DEFAULT_HEALTH_TIMEOUT,
            no_cache: false,
            builder: BuilderChoice::from_env(),
        }
    }
}

/// One service as started.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceStarted {
    pub service: String,
    pub container: String,
    pub image: String,
    /// Built from the project (`build:`), rather than an image used as it is.
    pub built: bool,
}

/// `berth up --json` for a compose project run through the Engine API.
#[derive(Debug, Clone, Serialize)]
pub struct ComposeApiReport {
    /// `engine-api`: no compose tool was used.
    pub runner: &'static str,
    pub project: String,
    pub network: String,
    pub services: Vec<ServiceStarted>,
    /// The app service: the one publishing a port (else the first).
    pub app: String,
    pub container: String,
    pub image: String,
    pub host_port: Option<u16>,
    pub url: Option<String>,
    pub port_conflict: Option<PortChoice>,
    pub healthy: bool,
    pub health: HealthReport,
    /// Unsupported keys that were ignored, and other remarks.
    pub notes: Vec<String>,
}

/// Services in start order: each after the services it depends on (pure).
pub fn start_order(services: &[ServiceSpec]) -> Result<Vec<usize>> {
    let index: HashMap<&str, usize> = services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let mut order = Vec::new();
    let mut state = vec![0u8; services.len()]; // 0 new, 1 visiting, 2 done
    fn visit(
        i: usize,
        services: &[ServiceSpec],
        index: &HashMap<&str, usize>,
        state: &mut [u8],
        order: &mut Vec<usize>,
    ) -> Result<()> {
        match state[i] {
            2 => return Ok(()),
            1 => {
                return Err(Error::InvalidPlan(format!(
                    "depends_on forms a cycle through service {}",
                    services[i].name
                )))
            }
            _ => {}
        }
        state[i] = 1;
        for (dep, _) in &services[i].depends_on {
            let Some(&j) = index.get(dep.as_str()) else {
                return Err(Error::InvalidPlan(format!(
                    "service {} depends on {dep}, which the compose file does not define",
                    services[i].name
                )));
            };
            visit(j, services, index, state, order)?;
        }
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    for i in 0..services.len() {
        visit(i, services, &index, &mut state, &mut order)?;
    }
    Ok(order)
}

/// The app service: the first publishing a port, else one named `app`, else the first.
pub fn app_service(services: &[ServiceSpec]) -> Option<usize> {
    services
        .iter()
        .position(|s| !s.ports.is_empty())
        .or_else(|| services.iter().position(|s| s.name == "app"))
        .or(if services.is_empty() { None } else { Some(0) })
}

fn nanos(d: Option<Duration>) -> Option<i64> {
    d.and_then(|d| i64::try_from(d.as_nanos()).ok())
}

/// The engine's healthcheck for a compose `healthcheck:` (pure).
pub fn health_config(h: &HealthSpec) -> HealthConfig {
    HealthConfig {
        test: Some(h.test.clone()),
        interval: nanos(h.interval),
        timeout: nanos(h.timeout),
        start_period: nanos(h.start_period),
        retries: h.retries,
        ..Default::default()
    }
}

/// Names for a project: the network and each service's container (pure).
pub fn api_names(project: &Path, service: &str) -> (String, String) {
    let n = ProjectNames::of(project);
    (n.network(), n.service_container(service))
}

/// The engine volume for a compose named volume of a project (pure).
pub fn volume_name(project: &Path, volume: &str) -> String {
    ProjectNames::of(project).volume(volume)
}

pub use crate::docker::run::Binding;

/// The bindings for a service's `ports:` entries from `from` on (the app's first entry is
/// resolved on its own), with `${VAR:-default}` read from `env` (pure; unit-tested). An
/// entry whose host port is not free (`is_free`, or one of `taken`) is left out with a note
/// (the other services still reach it by name on the project network); an entry without a
/// host port gets one from the engine, as compose does.
pub fn other_bindings(
    s: &ServiceSpec,
    from: usize,
    env: &dyn Fn(&str) -> Option<String>,
    taken: &[u16],
    is_free: &dyn Fn(u16) -> bool,
    notes: &mut Vec<String>,
) -> Vec<Binding> {
    let mut out: Vec<Binding> = Vec::new();
    for p in s.ports.iter().skip(from) {
        match (p.host.as_ref(), p.host_port(env)) {
            (None, _) => out.push((p.container, None)),
            (Some(_), Some(h))
                if !taken.contains(&h) && !out.iter().any(|(_, o)| *o == Some(h)) && is_free(h) =>
            {
                out.push((p.container, Some(h)));
            }
            (Some(_), Some(h)) => notes.push(format!(
                "service {}: host port {h} is in use, so its port {} is not published (the \
                 other services reach it as {}:{})",
                s.name, p.container, s.name, p.container
            )),
            (Some(written), None) => notes.push(format!(
                "service {}: host port {written:?} is not a port number, so its port {} is not \
                 published",
                s.name, p.container
            )),
        }
    }
    out
}

/// The container for one service (pure; unit-tested), publishing `bindings`.
pub fn service_body(
    project: &Path,
    s: &ServiceSpec,
    image: &str,
    network: &str,
    bindings: &[Binding],
) -> ContainerCreateBody {
    let mut labels: HashMap<String, String> = s.labels.clone().into_iter().collect();
    labels.extend(berth_labels(project));
    labels.insert(LABEL_SERVICE.into(), s.name.clone());
    let (exposed, port_bindings) = crate::docker::run::publish(bindings);
    let env: Vec<String> = s
        .environment
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let tmpfs: HashMap<String, String> = s
        .tmpfs
        .iter()
        .map(|t| match t.split_once(':') {
            Some((p, o)) => (p.to_string(), o.to_string()),
            None => (t.clone(), String::new()),
        })
        .collect();
    let restart = match s.restart.as_deref() {
        Some("always") => RestartPolicyNameEnum::ALWAYS,
        Some("on-failure") => RestartPolicyNameEnum::ON_FAILURE,
        Some("no") => RestartPolicyNameEnum::NO,
        _ => RestartPolicyNameEnum::UNLESS_STOPPED,
    };
    let binds: Vec<String> = s
        .volumes
        .iter()
        .map(|(v, dst)| format!("{}:{dst}", volume_name(project, v)))
        .collect();
    ContainerCreateBody {
        image: Some(image.to_string()),
        cmd: s.command.clone(),
        env: (!env.is_empty()).then_some(env),
        labels: Some(labels),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        healthcheck: s.healthcheck.as_ref().map(health_config),
        host_config: Some(HostConfig {
            port_bindings: Some(port_bindings),
            cap_drop: (!s.cap_drop.is_empty()).then(|| s.cap_drop.clone()),
            security_opt: (!s.security_opt.is_empty()).then(|| s.security_opt.clone()),
            readonly_rootfs: Some(s.read_only),
            tmpfs: (!tmpfs.is_empty()).then_some(tmpfs),
            binds: (!binds.is_empty()).then_some(binds),
            memory: s.memory.as_deref().and_then(parse_memory),
            nano_cpus: s.cpus.as_deref().and_then(parse_cpus),
            restart_policy: Some(RestartPolicy {
                name: Some(restart),
                maximum_retry_count: None,
            }),
            ..Default::default()
        }),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                network.to_string(),
                EndpointSettings {
                    aliases: Some(vec![s.name.clone()]),
                    ..Default::default()
                },
            )])),
        }),
        ..Default::default()
    }
}

/// What [`Engine::start_app`] starts: the app service's container, image and network, and
/// the host port it prefers.
#[derive(Clone, Copy)]
struct AppStart<'a> {
    container: &'a str,
    image: &'a str,
    network: &'a str,
    preferred: Option<u16>,
    policy: PortPolicy,
}

impl Engine {
    /// Bring a compose project up through the Engine API (no compose tool). Build progress
    /// goes to `on_event`. `cancel` stops it wherever it is (a build, a start, a health
    /// wait) and takes down what it started, so a cancelled up leaves nothing running.
    pub async fn compose_up_api(
        &self,
        req: &ComposeUpRequest,
        on_event: impl FnMut(BuildEvent) + Send,
        cancel: CancellationToken,
    ) -> Result<ComposeApiReport> {
        let root =
            std::fs::canonicalize(&req.path).map_err(|_| Error::NotFound(req.path.clone()))?;
        let result = tokio::select! {
            r = self.compose_up_api_steps(&root, req, on_event, cancel.clone()) => r,
            () = cancel.cancelled() => Err(Error::Cancelled),
        };
        if matches!(result, Err(Error::Cancelled)) {
            if let Err(e) = self.down(&root).await {
                return Err(Error::Engine(format!(
                    "cancelled, but the services already started were not all removed \
                     (`berth down` removes them): {e}"
                )));
            }
        }
        result
    }

    /// `compose_up_api` for the canonical project folder `root`.
    async fn compose_up_api_steps(
        &self,
        root: &Path,
        req: &ComposeUpRequest,
        mut on_event: impl FnMut(BuildEvent) + Send,
        cancel: CancellationToken,
    ) -> Result<ComposeApiReport> {
        let root = root.to_path_buf();
        let file = crate::compose::find_file(&root).ok_or_else(|| Error::NotAProject {
            path: root.clone(),
            reason: "no compose file in the folder".into(),
        })?;
        let parsed: ComposeFile = compose_file::read(&file)?;
        let order = start_order(&parsed.services)?;
        let app = app_service(&parsed.services).ok_or_else(|| Error::NotAProject {
            path: file.clone(),
            reason: "the compose file defines no services".into(),
        })?;
        let mut notes = parsed.notes.clone();
        let (network, _) = api_names(&root, "");
        self.ensure_network(&root, &network).await?;
        let mut started = Vec::new();
        let mut app_run: Option<(String, String, Option<u16>, Option<PortChoice>)> = None;
        for i in order {
            let s = &parsed.services[i];
            let (_, container) = api_names(&root, &s.name);
            // Dependencies first: healthy where the compose file asks for it.
            for (dep, healthy) in &s.depends_on {
                if !*healthy {
                    continue;
                }
                let (_, dc) = api_names(&root, dep);
                let h = self.wait_healthy(&dc, None, req.health_timeout).await?;
                if !h.healthy {
                    return Err(Error::Engine(format!(
                        "service {dep} (needed healthy by {}) is not healthy: {}{}",
                        s.name,
                        h.message,
                        h.last_logs
                            .iter()
                            .map(|l| format!("\n  | {l}"))
                            .collect::<String>()
                    )));
                }
            }
            let (image, built) = self
                .service_image(&root, s, req, &mut on_event, cancel.clone())
                .await?;
            for (v, _) in &s.volumes {
                self.ensure_volume(&root, &volume_name(&root, v)).await?;
            }
            match self.remove(&container).await {
                Ok(()) | Err(Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
            let env = |v: &str| std::env::var(v).ok();
            if i == app {
                let preferred = req
                    .host_port
                    .or_else(|| s.ports.first().and_then(|p| p.host_port(&env)))
                    .or_else(|| s.ports.first().map(|p| p.container));
                let start = AppStart {
                    container: &container,
                    image: &image,
                    network: &network,
                    preferred,
                    policy: req.policy,
                };
                let (port, conflict) = self.start_app(&root, s, &start, &mut notes).await?;
                app_run = Some((container.clone(), image.clone(), port, conflict));
            } else {
                let bindings = other_bindings(s, 0, &env, &[], &ports::is_free, &mut notes);
                self.start_publishing(&root, s, &image, &network, &container, bindings, &mut notes)
                    .await?;
            }
            started.push(ServiceStarted {
                service: s.name.clone(),
                container,
                image,
                built,
            });
        }
        let Some((container, image, host_port, port_conflict)) = app_run else {
            return Err(Error::Engine("the app service was not started".into()));
        };
        let probe = host_port.map(|port| HttpProbe {
            port,
            path: "/".into(),
            any_status: true,
        });
        let health = self
            .wait_healthy(&container, probe, req.health_timeout)
            .await?;
        Ok(ComposeApiReport {
            runner: "engine-api",
            project: root.display().to_string(),
            network,
            services: started,
            app: parsed.services[app].name.clone(),
            container,
            image,
            host_port,
            url: host_port.map(|p| format!("http://localhost:{p}")),
            port_conflict,
            healthy: health.healthy,
            health,
            notes,
        })
    }

    async fn service_image(
        &self,
        root: &Path,
        s: &ServiceSpec,
        req: &ComposeUpRequest,
        on_event: &mut (impl FnMut(BuildEvent) + Send),
        cancel: CancellationToken,
    ) -> Result<(String, bool)> {
        if let Some(b) = &s.build {
            let (_, c) = api_names(root, &s.name);
            let tag = s.image.clone().unwrap_or_else(|| format!("{c}:dev"));
            let mut breq = BuildRequest::new(&root.join(&b.context), &tag);
            breq.project = Some(root.to_path_buf());
            breq.dockerfile = b.dockerfile.clone();
            breq.no_cache = req.no_cache;
            breq.builder = req.builder;
            on_event(BuildEvent::Output {
                line: format!("building service {}", s.name),
            });
            self.build(&breq, &mut *on_event, cancel).await?;
            return Ok((tag, true));
        }
        let image = s.image.clone().ok_or_else(|| {
            Error::InvalidPlan(format!("service {} has neither image nor build", s.name))
        })?;
        match self.docker().inspect_image(&image).await {
            Ok(_) => return Ok((image, false)),
            Err(e) if !is_not_found(&e) => return Err(engine_err(e)),
            Err(_) => {}
        }
        on_event(BuildEvent::Output {
            line: format!("pulling {image} for service {}", s.name),
        });
        let opts = CreateImageOptions {
            from_image: Some(image.clone()),
            ..Default::default()
        };
        let mut pull = self.docker().create_image(Some(opts), None, None);
        while let Some(item) = pull.next().await {
            if let Err(e) = item {
                return Err(Error::Engine(format!(
                    "service {}: image {image} is not here and could not be pulled: {}",
                    s.name,
                    crate::docker::short_error(&e)
                )));
            }
        }
        Ok((image, false))
    }

    async fn ensure_network(&self, root: &Path, name: &str) -> Result<()> {
        match self.docker().inspect_network(name, None).await {
            Ok(_) => return Ok(()),
            Err(e) if !is_not_found(&e) => return Err(engine_err(e)),
            Err(_) => {}
        }
        let req = NetworkCreateRequest {
            name: name.to_string(),
            labels: Some(berth_labels(root)),
            ..Default::default()
        };
        self.docker()
            .create_network(req)
            .await
            .map(|_| ())
            .map_err(engine_err)
    }

    async fn ensure_volume(&self, root: &Path, name: &str) -> Result<()> {
        let req = VolumeCreateRequest {
            name: Some(name.to_string()),
            labels: Some(berth_labels(root)),
            ..Default::default()
        };
        self.docker()
            .create_volume(req)
            .await
            .map(|_| ())
            .map_err(engine_err)
    }

    async fn create_and_start(&self, name: &str, body: ContainerCreateBody) -> Result<String> {
        let opts = CreateContainerOptions {
            name: Some(name.to_string()),
            platform: String::new(),
        };
        let created = self
            .docker()
            .create_container(Some(opts), body)
            .await
            .map_err(engine_err)?;
        if let Err(e) = self.docker().start_container(&created.id, None).await {
            let _ = self.remove(&created.id).await;
            return Err(Error::Engine(format!(
                "cannot start {name}: {}",
                crate::docker::short_error(&e)
            )));
        }
        Ok(created.id)
    }

    /// Start a (non-app) service publishing `bindings`; if the engine finds one taken at
    /// start (the race after the check), start it again without them, with a note.
    #[allow(clippy::too_many_arguments)]
    async fn start_publishing(
        &self,
        root: &Path,
        s: &ServiceSpec,
        image: &str,
        network: &str,
        container: &str,
        bindings: Vec<Binding>,
        notes: &mut Vec<String>,
    ) -> Result<()> {
        let body = service_body(root, s, image, network, &bindings);
        match self.create_and_start(container, body).await {
            Err(Error::Engine(m)) if is_port_taken_message(&m) && !bindings.is_empty() => {
                notes.push(format!(
                    "service {}: a host port was taken at start, so its ports are not \
                     published ({})",
                    s.name,
                    m.trim()
                ));
                let body = service_body(root, s, image, network, &[]);
                self.create_and_start(container, body).await.map(|_| ())
            }
            r => r.map(|_| ()),
        }
    }

    /// Start the app service: its first port on a resolved host port (retrying on the
    /// "already allocated" race), its other ports as [`other_bindings`] says.
    async fn start_app(
        &self,
        root: &Path,
        s: &ServiceSpec,
        start: &AppStart<'_>,
        notes: &mut Vec<String>,
    ) -> Result<(Option<u16>, Option<PortChoice>)> {
        let AppStart {
            container,
            image,
            network,
            preferred,
            policy,
        } = *start;
        if s.ports.is_empty() {
            let body = service_body(root, s, image, network, &[]);
            self.create_and_start(container, body).await?;
            return Ok((None, None));
        }
        let env = |v: &str| std::env::var(v).ok();
        let mut raced = Vec::new();
        let mut others: Option<Vec<Binding>> = None;
        for _ in 0..crate::docker::run::MAX_PORT_ATTEMPTS {
            let choice = ports::resolve(preferred, policy, &raced)?;
            let conflict = (Some(choice.port) != preferred).then(|| choice.clone());
            let extra = others.get_or_insert_with(|| {
                other_bindings(s, 1, &env, &[choice.port], &ports::is_free, notes)
            });
            let mut bindings = vec![(s.ports[0].container, Some(choice.port))];
            bindings.extend(extra.iter().filter(|(_, h)| *h != Some(choice.port)));
            let body = service_body(root, s, image, network, &bindings);
            match self.create_and_start(container, body).await {
                Ok(_) => return Ok((Some(choice.port), conflict)),
                // The app's own port, or (unknown which) another: retry without the others.
                Err(Error::Engine(m)) if is_port_taken_message(&m) => {
                    if m.contains(&format!(":{}", choice.port)) || extra.is_empty() {
                        raced.push(choice.port);
                    } else {
                        notes.push(format!(
                            "service {}: a host port was taken at start, so only its first \
                             port is published ({})",
                            s.name,
                            m.trim()
                        ));
                        extra.clear();
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::PortInUse {
            port: preferred.unwrap_or(0),
            owner: Some(format!("the engine refused ports {raced:?} at start")),
        })
    }
}

#[cfg(test)]
#[path = "compose_api_tests.rs"]
mod tests;
