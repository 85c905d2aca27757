//! Compose projects without a compose tool: the compose file's services run through the
//! Engine API. A project network (services reach each other by name), images built from
//! `build:` (or the plan's in-memory recipe) or used as they are (local, else pulled),
//! environment, commands, healthchecks, named volumes, limits, and `depends_on` order
//! (waiting for `service_healthy` dependencies). The app service's published port is
//! resolved like the single runner's (preferred, 8080, the range; the "already allocated"
//! race retried); the other `ports:` entries are published as written when their host port
//! is free, and left out with a note when it is not. Published ports listen where the entry
//! says, else on loopback unless the run exposes them. Everything is labelled as Berth's, so
//! `berth ps` lists it and `berth down` removes it; a cancelled run removes what it started.

use super::project::ComposeProject;
use super::publish::start_on_free_port;
use super::{
    local_url, parse_cpus, parse_memory, PortConflict, Publishing, RunOptions, RunReport,
    RunnerKind, ServiceStarted,
};
use crate::compose::ServiceSpec;
use crate::docker::build::BuildEvent;
use crate::docker::spec::{ContainerSpec, Publish, Restart};
use crate::docker::ContainerEngine;
use crate::names::{ProjectNames, LABEL_DEPENDS_ON, LABEL_SERVICE};
use crate::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use tokio_util::sync::CancellationToken;

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

/// The `ports:` entries of a service from entry `from` on (the app's first entry is resolved
/// on its own), with `${VAR:-default}` read from `env` (pure; unit-tested). An entry whose
/// host port is not free (`is_free`, or one of `taken`) is left out with a note (the other
/// services still reach it by name on the project network); an entry without a host port
/// gets one from the engine, as compose does. Each listens where the entry says, else on
/// `default_ip`.
pub fn other_ports(
    s: &ServiceSpec,
    from: usize,
    env: &dyn Fn(&str) -> Option<String>,
    taken: &[u16],
    is_free: &dyn Fn(u16) -> bool,
    default_ip: &str,
    notes: &mut Vec<String>,
) -> Vec<Publish> {
    let mut out: Vec<Publish> = Vec::new();
    for p in s.ports.iter().skip(from) {
        let ip = p
            .host_address(env)
            .unwrap_or_else(|| default_ip.to_string());
        match (p.host.as_ref(), p.host_port(env)) {
            (None, _) => out.push(Publish::new(p.container, None, &ip)),
            (Some(_), Some(h))
                if !taken.contains(&h) && !out.iter().any(|o| o.host == Some(h)) && is_free(h) =>
            {
                out.push(Publish::new(p.container, Some(h), &ip));
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

/// A variable of a compose file, as the compose tool would see it when Berth runs it:
/// `HOST_IP` is the address the run publishes on (loopback unless exposed); the rest comes
/// from this process's environment.
fn interpolation_env(var: &str, publishing: &Publishing) -> Option<String> {
    if var == "HOST_IP" {
        return Some(publishing.host_ip().to_string());
    }
    std::env::var(var).ok()
}

/// The container for one service (pure; unit-tested), publishing `publish`.
pub fn service_spec(
    project: &Path,
    s: &ServiceSpec,
    image: &str,
    publish: Vec<Publish>,
) -> ContainerSpec {
    let names = ProjectNames::of(project);
    let mut labels: BTreeMap<String, String> = s.labels.clone();
    labels.extend(names.labels());
    labels.insert(LABEL_SERVICE.into(), s.name.clone());
    if !s.depends_on.is_empty() {
        let deps: Vec<&str> = s.depends_on.iter().map(|(d, _)| d.as_str()).collect();
        labels.insert(LABEL_DEPENDS_ON.into(), deps.join(","));
    }
    ContainerSpec {
        name: names.service_container(&s.name),
        image: image.to_string(),
        cmd: s.command.clone(),
        env: s
            .environment
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        labels,
        publish,
        healthcheck: s.healthcheck.clone(),
        read_only: s.read_only,
        tmpfs: s
            .tmpfs
            .iter()
            .map(|t| match t.split_once(':') {
                Some((p, o)) => (p.to_string(), o.to_string()),
                None => (t.clone(), String::new()),
            })
            .collect(),
        cap_drop: s.cap_drop.clone(),
        cap_add: s.cap_add.clone(),
        security_opt: s.security_opt.clone(),
        pids_limit: s.pids_limit,
        binds: s
            .volumes
            .iter()
            .map(|(v, dst)| format!("{}:{dst}", names.volume(v)))
            .collect(),
        anonymous_volumes: s.anonymous_volumes.clone(),
        memory_bytes: s.memory.as_deref().and_then(parse_memory),
        nano_cpus: s.cpus.as_deref().and_then(parse_cpus),
        restart: Restart::from_compose(s.restart.as_deref()),
        network: Some((names.network(), vec![s.name.clone()])),
        ..Default::default()
    }
}

/// The `source:target[:ro]` binds of a service's project folders (`./src:/app`): each source
/// resolved against `base` (the compose file's folder), through any symbolic link, must be
/// inside `root` (the project folder, canonical) and exist; one that is not is left out with
/// a note (a link or `..` leading out of the project would mount the user's other files, and
/// a missing source would be created by the engine, owned by root).
pub fn project_binds(
    base: &Path,
    root: &Path,
    s: &ServiceSpec,
    notes: &mut Vec<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for b in &s.project_binds {
        let skip = |why: String, notes: &mut Vec<String>| {
            notes.push(format!(
                "service {}: `{}` is not mounted at {}: {why}",
                s.name, b.source, b.target
            ));
        };
        if !b.target.starts_with('/') {
            skip("the target is not an absolute path".into(), notes);
            continue;
        }
        let real = match std::fs::canonicalize(base.join(&b.source)) {
            Ok(r) => r,
            Err(e) => {
                skip(format!("it does not exist in the project ({e})"), notes);
                continue;
            }
        };
        if !real.starts_with(root) {
            skip(
                format!("it leads out of the project folder (to {})", real.display()),
                notes,
            );
            continue;
        }
        let shown = real.display().to_string();
        if shown.contains([':', ',']) || b.target.contains([':', ',']) {
            skip(
                "a ':' or ',' in the path cannot be passed to the engine".into(),
                notes,
            );
            continue;
        }
        out.push(format!(
            "{shown}:{}{}",
            b.target,
            if b.read_only { ":ro" } else { "" }
        ));
    }
    out
}

/// Why service `by` cannot start: its dependency `dep` is not healthy (`h`), with the
/// dependency's last log lines.
pub fn unhealthy_dependency(
    dep: &str,
    by: &str,
    h: &crate::docker::health::HealthReport,
) -> String {
    format!(
        "service {dep} (needed healthy by {by}) is not healthy: {}{}",
        h.message,
        h.last_logs
            .iter()
            .map(|l| format!("\n  | {l}"))
            .collect::<String>()
    )
}

/// Bring a compose project up through the Engine API (see the module docs). Build and pull
/// progress goes to `on_event`; `cancel` stops it wherever it is (a build, a start, a health
/// wait) and takes down what it started.
pub async fn up<E: ContainerEngine>(
    engine: &E,
    project: &ComposeProject,
    options: &RunOptions,
    on_event: impl FnMut(BuildEvent) + Send,
    cancel: CancellationToken,
) -> Result<RunReport> {
    let result = tokio::select! {
        r = steps(engine, project, options, on_event, cancel.clone()) => r,
        () = cancel.cancelled() => Err(Error::Cancelled),
    };
    if matches!(result, Err(Error::Cancelled)) {
        if let Err(e) = engine.down(&project.root).await {
            return Err(Error::Engine(format!(
                "cancelled, but the services already started were not all removed \
                 (`berth down` removes them): {e}"
            )));
        }
    }
    result
}

/// The app service as started: container, image, host port, the port conflict.
type AppRun = (String, String, Option<u16>, Option<PortConflict>);

async fn steps<E: ContainerEngine>(
    engine: &E,
    project: &ComposeProject,
    options: &RunOptions,
    mut on_event: impl FnMut(BuildEvent) + Send,
    cancel: CancellationToken,
) -> Result<RunReport> {
    let root = &project.root;
    let names = ProjectNames::of(root);
    let services = &project.model.services;
    let order = start_order(services)?;
    let app = app_service(services).ok_or_else(|| Error::NotAProject {
        path: root.clone(),
        reason: format!("{} defines no services", project.describe()),
    })?;
    let mut notes = project.model.notes.clone();
    notes.extend(
        project
            .recipes
            .values()
            .flat_map(|r| r.notes.iter().cloned()),
    );
    let labels: HashMap<String, String> = names.labels();
    engine.ensure_network(&names.network(), &labels).await?;
    let mut started = Vec::new();
    let mut app_run: Option<AppRun> = None;
    let mut app_build = None;
    let env = |v: &str| interpolation_env(v, &options.publishing);
    for i in order {
        let s = &services[i];
        let container = names.service_container(&s.name);
        // Dependencies first: healthy where the compose file asks for it.
        for (dep, healthy) in &s.depends_on {
            if !*healthy {
                continue;
            }
            let dc = names.service_container(dep);
            let h = engine
                .wait_healthy(&dc, None, options.health_timeout)
                .await?;
            if !h.healthy {
                return Err(Error::Engine(unhealthy_dependency(dep, &s.name, &h)));
            }
        }
        let (image, build) =
            service_image(engine, project, s, options, &mut on_event, cancel.clone()).await?;
        if i == app {
            app_build = build.clone();
        }
        for (v, _) in &s.volumes {
            engine.ensure_volume(&names.volume(v), &labels).await?;
        }
        let binds = project_binds(project.base_dir(), root, s, &mut notes);
        engine.remove_container(&container).await?;
        if i == app {
            let preferred = options
                .publishing
                .host_port
                .or_else(|| s.ports.first().and_then(|p| p.host_port(&env)))
                .or_else(|| s.ports.first().map(|p| p.container));
            let (port, conflict) = start_app(
                engine,
                root,
                s,
                &image,
                &binds,
                preferred,
                &options.publishing,
                &mut notes,
            )
            .await?;
            app_run = Some((container.clone(), image.clone(), port, conflict));
        } else {
            let publish = other_ports(
                s,
                0,
                &env,
                &[],
                &*options.publishing.is_free,
                options.publishing.host_ip(),
                &mut notes,
            );
            start_publishing(engine, root, s, &image, &binds, publish, &mut notes).await?;
        }
        started.push(ServiceStarted {
            service: s.name.clone(),
            container,
            image,
            built: build.is_some(),
        });
    }
    let Some((container, image, host_port, port_conflict)) = app_run else {
        return Err(Error::Engine("the app service was not started".into()));
    };
    let probe = host_port.map(|port| {
        let plan = project
            .recipes
            .get(&services[app].name)
            .and_then(|r| r.plan.as_ref());
        super::single::probe(plan, port)
    });
    let health = engine
        .wait_healthy(&container, probe, options.health_timeout)
        .await?;
    let dockerfile = project
        .recipes
        .get(&services[app].name)
        .map(|r| r.source)
        .or_else(|| app_build.as_ref().map(|_| super::DockerfileSource::Project));
    Ok(RunReport {
        runner: RunnerKind::EngineApi,
        tool: None,
        project: root.display().to_string(),
        compose_project: Some(names.compose_project()),
        container,
        image,
        host_port,
        url: host_port.map(local_url),
        port_conflict,
        healthy: health.healthy,
        health,
        dockerfile,
        build: app_build,
        services: started,
        notes,
    })
}

/// The image a service runs: built by Berth (`build:`, or the in-memory recipe), else its
/// `image:` (local, else pulled). The build report when Berth built it.
async fn service_image<E: ContainerEngine>(
    engine: &E,
    project: &ComposeProject,
    s: &ServiceSpec,
    options: &RunOptions,
    on_event: &mut (impl FnMut(BuildEvent) + Send),
    cancel: CancellationToken,
) -> Result<(String, Option<crate::docker::build::BuildReport>)> {
    let names = ProjectNames::of(&project.root);
    let tag = s
        .image
        .clone()
        .unwrap_or_else(|| names.service_image(&s.name));
    if let Some(breq) = project.build_request(s, &tag, options) {
        on_event(BuildEvent::Output {
            line: match project.recipes.get(&s.name) {
                Some(recipe) => format!("service {}: {}", s.name, recipe.describe()),
                None => format!("building service {}", s.name),
            },
        });
        let report = match engine.build(&breq, &mut *on_event, cancel).await {
            Ok(r) => r,
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => {
                return Err(Error::Engine(format!(
                    "service {}: build failed: {e}",
                    s.name
                )))
            }
        };
        return Ok((tag, Some(report)));
    }
    let image = s.image.clone().ok_or_else(|| {
        Error::InvalidPlan(format!("service {} has neither image nor build", s.name))
    })?;
    if engine.image(&image).await?.is_none() {
        on_event(BuildEvent::Output {
            line: format!("pulling {image} for service {}", s.name),
        });
        engine
            .pull(&image, &mut *on_event)
            .await
            .map_err(|e| Error::Engine(format!("service {}: {e}", s.name)))?;
    }
    Ok((image, None))
}

/// Start a (non-app) service publishing `publish`; if the engine finds one taken at start
/// (the race after the check), start it again without them, with a note.
async fn start_publishing<E: ContainerEngine>(
    engine: &E,
    root: &Path,
    s: &ServiceSpec,
    image: &str,
    binds: &[String],
    publish: Vec<Publish>,
    notes: &mut Vec<String>,
) -> Result<()> {
    let had_ports = !publish.is_empty();
    let spec = |publish| {
        let mut c = service_spec(root, s, image, publish);
        c.binds.extend(binds.iter().cloned());
        c
    };
    match engine.start_container(&spec(publish)).await {
        Err(Error::PortInUse { owner, .. }) if had_ports => {
            notes.push(format!(
                "service {}: a host port was taken at start, so its ports are not published ({})",
                s.name,
                owner.unwrap_or_default()
            ));
            engine.start_container(&spec(Vec::new())).await.map(|_| ())
        }
        r => r.map(|_| ()),
    }
}

/// Start the app service: its first port on a resolved host port (retrying on the "already
/// allocated" race), its other ports as [`other_ports`] says (left out, with a note, when
/// one of them is refused at start).
#[allow(clippy::too_many_arguments)]
async fn start_app<E: ContainerEngine>(
    engine: &E,
    root: &Path,
    s: &ServiceSpec,
    image: &str,
    binds: &[String],
    preferred: Option<u16>,
    publishing: &Publishing,
    notes: &mut Vec<String>,
) -> Result<(Option<u16>, Option<PortConflict>)> {
    let spec = |publish| {
        let mut c = service_spec(root, s, image, publish);
        c.binds.extend(binds.iter().cloned());
        c
    };
    if s.ports.is_empty() {
        engine.start_container(&spec(Vec::new())).await?;
        return Ok((None, None));
    }
    let env = |v: &str| interpolation_env(v, publishing);
    let ip = s.ports[0]
        .host_address(&env)
        .unwrap_or_else(|| publishing.host_ip().to_string());
    let mut extra_notes = Vec::new();
    let others = other_ports(
        s,
        1,
        &env,
        &[],
        &*publishing.is_free,
        publishing.host_ip(),
        &mut extra_notes,
    );
    let dropped = std::sync::atomic::AtomicBool::new(false);
    let published = start_on_free_port(engine, preferred, publishing, |port, with_others| {
        let mut publish = vec![Publish::new(s.ports[0].container, Some(port), &ip)];
        if with_others {
            publish.extend(others.iter().filter(|o| o.host != Some(port)).cloned());
        } else {
            dropped.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        spec(publish)
    })
    .await?;
    notes.extend(extra_notes);
    if dropped.load(std::sync::atomic::Ordering::SeqCst) && !others.is_empty() {
        notes.push(format!(
            "service {}: a host port was taken at start, so only its first port is published",
            s.name
        ));
    }
    Ok((Some(published.host_port), published.conflict))
}

#[cfg(test)]
#[path = "compose_api_tests.rs"]
mod tests;
