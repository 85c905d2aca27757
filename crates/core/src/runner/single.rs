//! The single-container runner: build the app's image from its [`Recipe`] (the folder's own
//! Dockerfile, or the plan rendered in memory), run it hardened on a resolved host port, and
//! wait until it is healthy. A rerun replaces the folder's container and removes the image it
//! used. Cancelling stops the build (which removes what it made) or, once the old container
//! is being replaced, removes the folder's containers: nothing is left half-started.

use super::publish::start_on_free_port;
use super::recipe::{DockerfileSource, Recipe};
use super::{local_url, parse_cpus, parse_memory, RunOptions, RunReport, RunnerKind};
use crate::docker::build::{BuildEvent, BuildRequest};
use crate::docker::health::HttpProbe;
use crate::docker::spec::{ContainerSpec, Publish, Restart};
use crate::docker::ContainerEngine;
use crate::environment::{apply_single, Environment, SingleContext};
use crate::names::ProjectNames;
use crate::plan::Plan;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use tokio_util::sync::CancellationToken;

/// Default memory limit: 512 MiB.
pub const DEFAULT_MEMORY_BYTES: i64 = 512 * 1024 * 1024;
/// Default CPU limit: one CPU.
pub const DEFAULT_NANO_CPUS: i64 = 1_000_000_000;
/// Default process limit.
pub const DEFAULT_PIDS_LIMIT: i64 = 256;
/// The tmpfs a read-only container gets for /tmp.
pub const TMP_TMPFS: &str = "rw,noexec,nosuid,size=64m";

/// What to bring up.
#[derive(Debug, Clone)]
pub struct SingleRun {
    /// The project folder (canonical).
    pub root: PathBuf,
    pub recipe: Recipe,
    pub options: RunOptions,
}

/// The hardened container for the app: all capabilities dropped, no new privileges, a
/// read-only root (plus a noexec tmpfs on /tmp) where the plan allows it, memory, CPU and
/// process limits, the plan's environment, Berth's labels (pure).
pub fn app_spec(
    root: &Path,
    image: &str,
    plan: Option<&Plan>,
    publish: Vec<Publish>,
) -> ContainerSpec {
    let names = ProjectNames::of(root);
    // A project's own image may write anywhere; keep its root filesystem writable.
    let read_only = plan.is_some_and(|p| p.read_only);
    ContainerSpec {
        name: names.container(),
        image: image.to_string(),
        env: plan
            .map(|p| {
                p.app_env()
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect()
            })
            .unwrap_or_default(),
        labels: names.labels().into_iter().collect(),
        publish,
        read_only,
        tmpfs: if read_only {
            BTreeMap::from([("/tmp".to_string(), TMP_TMPFS.to_string())])
        } else {
            BTreeMap::new()
        },
        cap_drop: vec!["ALL".into()],
        security_opt: vec!["no-new-privileges:true".into()],
        memory_bytes: Some(
            plan.and_then(|p| parse_memory(&p.limits.memory))
                .unwrap_or(DEFAULT_MEMORY_BYTES),
        ),
        nano_cpus: Some(
            plan.and_then(|p| parse_cpus(&p.limits.cpus))
                .unwrap_or(DEFAULT_NANO_CPUS),
        ),
        pids_limit: Some(DEFAULT_PIDS_LIMIT),
        restart: Restart::UnlessStopped,
        ..Default::default()
    }
}

/// The probe used to wait for healthy: the plan's health path, else any answer on `/`.
pub fn probe(plan: Option<&Plan>, host_port: u16) -> HttpProbe {
    match plan
        .and_then(|p| p.healthcheck.as_ref())
        .and_then(|h| h.path.clone())
    {
        Some(path) => HttpProbe {
            port: host_port,
            path,
            any_status: false,
        },
        None => HttpProbe {
            port: host_port,
            path: "/".into(),
            any_status: true,
        },
    }
}

/// Build, run and wait healthy (see the module docs).
pub async fn up<E: ContainerEngine>(
    engine: &E,
    req: &SingleRun,
    on_event: impl FnMut(BuildEvent) + Send,
    cancel: CancellationToken,
) -> Result<RunReport> {
    let replacing = AtomicBool::new(false);
    let result = tokio::select! {
        r = steps(engine, req, on_event, cancel.clone(), &replacing) => r,
        () = cancel.cancelled() => Err(Error::Cancelled),
    };
    if matches!(result, Err(Error::Cancelled)) && replacing.load(Ordering::SeqCst) {
        engine.down(&req.root).await?;
    }
    result
}

async fn steps<E: ContainerEngine>(
    engine: &E,
    req: &SingleRun,
    mut on_event: impl FnMut(BuildEvent) + Send,
    cancel: CancellationToken,
    replacing: &AtomicBool,
) -> Result<RunReport> {
    let root = &req.root;
    let names = ProjectNames::of(root);
    let image = names.image();
    let plan = req.recipe.plan.as_ref();
    on_event(BuildEvent::Output {
        line: req.recipe.describe().into(),
    });
    let env = req.options.env;
    // The plan's dev settings (its stack provider's), when it runs in dev.
    let dev = match (env, plan) {
        (Some(Environment::Dev), Some(p)) => Some(crate::stacks::provider(p.stack).dev(p)),
        _ => None,
    };
    let mut breq = BuildRequest::new(root, &image);
    req.recipe.apply(&mut breq);
    breq.no_cache = req.options.no_cache;
    breq.builder = req.options.builder;
    breq.platform = req.options.platform.clone();
    breq.target = dev.as_ref().and_then(|d| d.target).map(str::to_string);
    // The image this folder's last run used: the build moves the tag off it.
    let previous = engine.image(&image).await?.map(|i| i.id);
    let build = engine.build(&breq, &mut on_event, cancel.clone()).await?;
    let info = engine.image(&image).await?.ok_or_else(|| {
        Error::Engine(format!(
            "the build reported {image}, but the engine has no such image"
        ))
    })?;
    let mut notes = req.recipe.notes.clone();
    if info.runs_as_root() {
        notes.push(
            "the image runs as root: add a USER instruction (Berth's generated Dockerfiles do)"
                .into(),
        );
    }
    let ctx = SingleContext {
        root: root.clone(),
        workdir: info.workdir.clone(),
        dev: dev.as_ref(),
        has_healthcheck: info.healthcheck,
    };
    // The environment's settings over the hardened container (refused before anything is
    // replaced when they cannot apply: prod without a healthcheck).
    let with_env = |mut spec: ContainerSpec| -> Result<(ContainerSpec, Vec<String>)> {
        let notes = match env {
            Some(e) => apply_single(e, &mut spec, &ctx)?,
            None => Vec::new(),
        };
        Ok((spec, notes))
    };
    notes.extend(with_env(app_spec(root, &image, plan, Vec::new()))?.1);
    let container_port = match plan {
        Some(p) => Some(p.port),
        None => info.exposed_ports.first().copied(),
    };
    // Replace an earlier container of the same name (a previous run).
    replacing.store(true, Ordering::SeqCst);
    engine.remove_container(&names.container()).await?;
    let host_ip = req.options.publishing.host_ip();
    let (container, host_port, conflict) = match container_port {
        Some(cp) => {
            let preferred = req.options.publishing.host_port.or(Some(cp));
            let published =
                start_on_free_port(engine, preferred, &req.options.publishing, |hp, _| {
                    let spec = app_spec(
                        root,
                        &image,
                        plan,
                        vec![Publish::new(cp, Some(hp), host_ip)],
                    );
                    // Checked above: applies.
                    with_env(spec.clone()).map(|(s, _)| s).unwrap_or(spec)
                })
                .await?;
            (
                published.spec.name,
                Some(published.host_port),
                published.conflict,
            )
        }
        None => {
            let (spec, _) = with_env(app_spec(root, &image, plan, Vec::new()))?;
            engine.start_container(&spec).await?;
            notes.push(
                "the image exposes no port and the plan names none: nothing is published".into(),
            );
            (spec.name, None, None)
        }
    };
    // The new container replaced the old one: the old image (untagged now) goes too,
    // unless something else still uses it.
    if let Some(old) = previous.filter(|old| *old != build.image_id) {
        if let Some(why) = engine.remove_unused_image(&old).await? {
            notes.push(format!("the previous image {old} was not removed: {why}"));
        }
    }
    let health = engine
        .wait_healthy(
            &container,
            host_port.map(|p| probe(plan, p)),
            req.options.health_timeout,
        )
        .await?;
    if let Some(f) = crate::compose::find_file(root) {
        notes.push(format!(
            "{} found, but this run built the app as one container: other services in it were \
             not started (Run with compose in the app, or `berth up --runner compose`, starts \
             them all)",
            f.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
    }
    if req.recipe.source == DockerfileSource::Project {
        notes.push("the root filesystem is writable (the project's own image)".into());
    }
    Ok(RunReport {
        runner: RunnerKind::Single,
        tool: None,
        project: root.display().to_string(),
        compose_project: None,
        container,
        image,
        host_port,
        url: host_port.map(local_url),
        port_conflict: conflict,
        healthy: health.healthy,
        health,
        dockerfile: Some(req.recipe.source),
        build: Some(build),
        services: Vec::new(),
        notes,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "single_tests.rs"]
mod tests;
