//! `deploy`, `rollback`, `history`: a health-gated rollout of the folder's app as one
//! container, per environment, on any engine Berth can connect to.
//!
//! 1. **Validate**: the files the deploy builds have no finding at or above high, the
//!    engine answers, the host port is free or held by the version being replaced, the
//!    environment applies (prod needs a healthcheck). A failure is `refused`: nothing built.
//! 2. **Build** the image, tagged `<project>:<version>` (the git short sha, `-dirty` when the
//!    tree has changes, else a UTC timestamp; `-2`, `-3` … when that tag exists).
//! 3. **Candidate**: the new version starts beside the old one on a free loopback port and
//!    must become healthy. If it does not, it is removed and the old one never stopped
//!    serving: `rolled_back`, with the candidate's last log lines.
//! 4. **Switch**: the engine cannot move a published port between running containers, so
//!    the old container is removed and the new version starts on the public port (a gap of
//!    about a second: a proxy in front is what removes it). If that start is not healthy, the
//!    old version is started again on the port: `rolled_back`.
//! 5. Images of versions beyond the newest `keep` are removed; the record goes to the
//!    history ([`super::deploy_history`]).
//!
//! A compose project with backing services (the plan's Redis or Postgres, or the folder's
//! own compose file) rolls out its app service the same way; its backing services keep
//! running across versions ([`super::deploy_stack`]).

use super::deploy_history::{
    self as history, append_history, current, previous_versions, read_history, Action,
    DeployRecord, Outcome,
};
use super::deploy_rollout::{dev_settings, is_local, record, rollout, Target};
use super::deploy_stack::{self as stack_deploy, stack};
use super::run::{resolve, Source};
use crate::check::Severity;
use crate::docker::build::{BuildEvent, BuildRequest};
use crate::docker::{ContainerEngine, Engine};
use crate::environment::Environment;
use crate::names::ProjectNames;
use crate::plan::PlanEdits;
use crate::render::Templates;
use crate::runner::Publishing;
use crate::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

/// Label: `<compose project>.<env>` on every container a deploy starts.
pub const LABEL_DEPLOY: &str = "dev.berth.deploy";
/// Label: the version a deploy container runs.
pub const LABEL_VERSION: &str = "dev.berth.deploy.version";
/// How many deployed versions' images are kept by default (rollback targets).
pub const DEFAULT_KEEP: usize = 3;

/// `deploy`: what to deploy where.
#[derive(Debug, Clone)]
pub struct DeployRequest {
    pub folder: PathBuf,
    pub env: Environment,
    pub source: Source,
    pub edits: Option<PlanEdits>,
    /// The public host port (default: the current deployment's, else the app's port).
    pub host_port: Option<u16>,
    /// Publish on every interface instead of loopback.
    pub expose: bool,
    pub health_timeout: Duration,
    /// Deployed versions whose images are kept.
    pub keep: usize,
    /// Berth's state directory (the history).
    pub state_dir: PathBuf,
    /// The version (default: git short sha or timestamp).
    pub version: Option<String>,
}

impl DeployRequest {
    pub fn new(folder: &Path, env: Environment) -> DeployRequest {
        DeployRequest {
            folder: folder.to_path_buf(),
            env,
            source: Source::Auto,
            edits: None,
            host_port: None,
            expose: false,
            health_timeout: crate::docker::health::DEFAULT_HEALTH_TIMEOUT,
            keep: DEFAULT_KEEP,
            state_dir: history::default_state_dir(),
            version: None,
        }
    }
}

/// One validation step.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Validation {
    /// `check`, `engine`, `port`, `environment`.
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// What `deploy` and `rollback` report (`--json`).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DeployReport {
    pub version: String,
    pub engine: String,
    pub env: Environment,
    pub validated: Vec<Validation>,
    pub outcome: Outcome,
    pub url: Option<String>,
    /// The version serving before (and still serving after a rollback).
    pub previous: Option<String>,
    /// Why it was refused or rolled back.
    pub reason: Option<String>,
    pub image: String,
    pub container: Option<String>,
    pub host_port: Option<u16>,
    /// The new version's last log lines when it was not healthy.
    pub last_logs: Vec<String>,
    pub notes: Vec<String>,
}

/// Progress of a deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum DeployEvent {
    Step { message: String },
    Build { event: BuildEvent },
}

/// The version of the folder's source: git short sha (`-dirty` with changes), else a UTC
/// timestamp.
pub fn source_version(root: &Path) -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short", "HEAD"]).filter(|s| !s.is_empty()) {
        Some(sha) => match git(&["status", "--porcelain"]) {
            Some(s) if s.is_empty() => sha,
            _ => format!("{sha}-dirty"),
        },
        None => history::timestamp_version(),
    }
}

/// The image repository of the folder's deployments: `berth-<folder>-<hash>`.
pub fn repository(root: &Path) -> String {
    ProjectNames::of(root).container()
}

/// Deploy the folder (see the module docs). Every outcome is recorded in the history and
/// returned; `Err` only for what stops Berth itself (an unreadable folder, the engine
/// failing mid-way).
pub async fn deploy(
    engine: &Engine,
    req: &DeployRequest,
    templates: &Templates,
    mut on_event: impl FnMut(DeployEvent) + Send,
    cancel: CancellationToken,
) -> Result<DeployReport> {
    let resolved = resolve(&req.folder, req.source, req.edits.as_ref(), templates)?;
    let (resolved, env_note) = stack_deploy::in_environment(resolved, req.env, templates)?;
    let root = resolved.root.clone();
    let _lock = history::lock(&req.state_dir, &root)?;
    let engine_host = engine.endpoint().host.clone();
    let hist = read_history(&req.state_dir, &root)?;
    let live = current(&hist, &engine_host, req.env).cloned();
    let names = ProjectNames::of(&root);
    let mut version = req.version.clone().unwrap_or_else(|| source_version(&root));
    let base = version.clone();
    let repo = repository(&root);
    for n in 2.. {
        if engine.image(&format!("{repo}:{version}")).await?.is_none() {
            break;
        }
        version = format!("{base}-{n}");
    }
    let image = format!("{repo}:{version}");
    let mut report = DeployReport {
        version: version.clone(),
        engine: engine_host.clone(),
        env: req.env,
        validated: Vec::new(),
        outcome: Outcome::Refused,
        url: None,
        previous: live.as_ref().map(|r| r.version.clone()),
        reason: None,
        image: image.clone(),
        container: None,
        host_port: None,
        last_logs: Vec::new(),
        notes: env_note.into_iter().collect(),
    };
    let step = |m: String, on: &mut dyn FnMut(DeployEvent)| on(DeployEvent::Step { message: m });

    // 1. Validate.
    let mut validated = Vec::new();
    let buildable = resolved.recipe.plan.is_some() || root.join("Dockerfile").is_file();
    validated.push(match stack(&resolved) {
        Some((project, app)) => stack_deploy::validate(project, app),
        None => Validation {
            name: "app".into(),
            ok: buildable,
            detail: if buildable {
                resolved.recipe.describe().into()
            } else {
                "no Dockerfile and no plan: nothing to build".into()
            },
        },
    });
    let checked = super::check::preflight(&req.folder, req.source, req.edits.as_ref(), templates)?;
    let blocking: Vec<String> = checked
        .findings
        .iter()
        .filter(|f| matches!(f.severity, Severity::Critical | Severity::High))
        .map(|f| format!("{} {}: {}", f.id, f.title, f.detail))
        .collect();
    validated.push(Validation {
        name: "check".into(),
        ok: blocking.is_empty(),
        detail: if blocking.is_empty() {
            format!(
                "no finding at or above high ({} below)",
                checked.findings.len()
            )
        } else {
            blocking.join("; ")
        },
    });
    validated.push(Validation {
        name: "engine".into(),
        ok: true,
        detail: format!("{engine_host} answers"),
    });
    let plan = resolved.recipe.plan.as_ref();
    step(
        format!("validated the files and {engine_host}"),
        &mut on_event,
    );
    if let Some(v) = validated.iter().find(|v| !v.ok) {
        report.reason = Some(format!("{}: {}", v.name, v.detail));
        report.validated = validated;
        return refuse(req, &root, report);
    }
    // The backing services' images, before the build: a missing one refuses the deploy.
    if let Some((project, app)) = stack(&resolved) {
        let mut on_build = |event| on_event(DeployEvent::Build { event });
        let pulled = stack_deploy::pull_backing(engine, project, app, &mut on_build).await;
        let ok = pulled.is_ok();
        let detail = pulled
            .err()
            .unwrap_or_else(|| "the backing services' images are on the engine".to_string());
        validated.push(Validation {
            name: "services".into(),
            ok,
            detail: detail.clone(),
        });
        if !ok {
            report.reason = Some(format!("services: {detail}"));
            report.validated = validated;
            return refuse(req, &root, report);
        }
    }

    // 2. Build.
    let mut breq = match stack(&resolved) {
        Some((project, app)) => project
            .build_request(
                &project.model.services[app],
                &image,
                &crate::runner::RunOptions::default(),
            )
            .ok_or_else(|| Error::InvalidPlan("the app service has no build".into()))?,
        None => {
            let mut b = BuildRequest::new(&root, &image);
            resolved.recipe.apply(&mut b);
            b
        }
    };
    breq.target = dev_settings(req.env, plan)
        .and_then(|d| d.target)
        .map(str::to_string)
        .or(breq.target);
    breq.labels.insert(
        LABEL_DEPLOY.into(),
        format!("{}.{}", names.compose_project(), req.env),
    );
    breq.labels.insert(LABEL_VERSION.into(), version.clone());
    step(format!("building {image}"), &mut on_event);
    engine
        .build(
            &breq,
            |event| on_event(DeployEvent::Build { event }),
            cancel.clone(),
        )
        .await?;
    let info = engine
        .image(&image)
        .await?
        .ok_or_else(|| Error::Engine(format!("the build reported {image}, but it is missing")))?;
    let Some(container_port) = app_port(&resolved, &info) else {
        validated.push(Validation {
            name: "port".into(),
            ok: false,
            detail: "the image exposes no port and the plan names none".into(),
        });
        report.reason = Some("no port to publish".into());
        report.validated = validated;
        ContainerEngine::remove_unused_image(engine, &image).await?;
        return refuse(req, &root, report);
    };
    let host_port = req
        .host_port
        .or(live.as_ref().and_then(|r| r.host_port))
        .or(written_host_port(&resolved))
        .unwrap_or(container_port);
    let target = target_for(engine, req, &root, &resolved, container_port, host_port);
    // The port: free, or held by the version this deploy replaces.
    let running = engine
        .containers_labelled(&format!("{LABEL_DEPLOY}={}", target.key()))
        .await?;
    let ours = running
        .iter()
        .any(|c| c.ports.iter().any(|p| p.host_port == host_port));
    let port_ok = if ours {
        Validation {
            name: "port".into(),
            ok: true,
            detail: format!("{host_port} is served by the live version; it moves to the new one"),
        }
    } else if target.local {
        let check = crate::ports::check(host_port, Some(engine)).await;
        Validation {
            name: "port".into(),
            ok: check.free,
            detail: if check.free {
                format!("{host_port} is free")
            } else {
                check
                    .explanation
                    .unwrap_or_else(|| format!("{host_port} is in use"))
            },
        }
    } else {
        Validation {
            name: "port".into(),
            ok: true,
            detail: format!("{host_port}: not checked (the engine is not on this machine)"),
        }
    };
    validated.push(port_ok);
    let env_ok = target.spec(&image, &version, false, host_port, &info);
    validated.push(Validation {
        name: "environment".into(),
        ok: env_ok.is_ok(),
        detail: match &env_ok {
            Ok(_) => format!("{} settings apply", req.env),
            Err(e) => e.to_string(),
        },
    });
    if let Some(v) = validated.iter().find(|v| !v.ok) {
        report.reason = Some(format!("{}: {}", v.name, v.detail));
        report.validated = validated;
        ContainerEngine::remove_unused_image(engine, &image).await?;
        return refuse(req, &root, report);
    }
    report.validated = validated;
    rollout(
        engine,
        &target,
        req,
        &image,
        &version,
        &info,
        live.as_ref(),
        Action::Deploy,
        report,
        &mut on_event,
    )
    .await
}

/// The app's container port: the app service's first `ports:` entry, else the plan's port,
/// else the image's first exposed port.
fn app_port(resolved: &crate::app::Resolved, info: &crate::docker::api::ImageInfo) -> Option<u16> {
    stack(resolved)
        .and_then(|(p, app)| p.model.services[app].ports.first().map(|p| p.container))
        .or(resolved.recipe.plan.as_ref().map(|p| p.port))
        .or(info.exposed_ports.first().copied())
}

/// The host port a stack's compose file gives its app service (`${HOST_PORT:-5000}` read
/// from this process's environment, as the compose tool would).
fn written_host_port(resolved: &crate::app::Resolved) -> Option<u16> {
    let (p, app) = stack(resolved)?;
    p.model.services[app]
        .ports
        .first()?
        .host_port(&|v| std::env::var(v).ok())
}

/// Where and how a deploy (or a rollback) of `req` runs.
fn target_for<'a>(
    engine: &Engine,
    req: &DeployRequest,
    root: &'a Path,
    resolved: &'a crate::app::Resolved,
    container_port: u16,
    host_port: u16,
) -> Target<'a> {
    Target {
        root,
        env: req.env,
        resolved,
        container_port,
        host_port,
        host_ip: Publishing {
            expose: req.expose,
            ..Default::default()
        }
        .host_ip(),
        health_timeout: req.health_timeout,
        local: is_local(engine),
        engine_host: engine.endpoint().host.clone(),
    }
}

fn refuse(req: &DeployRequest, root: &Path, report: DeployReport) -> Result<DeployReport> {
    append_history(&req.state_dir, root, &record(&report, Action::Deploy, None))?;
    Ok(report)
}

/// Return to the previous healthy version still kept (no build): the same health-gated
/// rollout as a deploy.
pub async fn rollback(
    engine: &Engine,
    req: &DeployRequest,
    templates: &Templates,
    mut on_event: impl FnMut(DeployEvent) + Send,
) -> Result<DeployReport> {
    let resolved = resolve(&req.folder, req.source, req.edits.as_ref(), templates)?;
    let (resolved, env_note) = stack_deploy::in_environment(resolved, req.env, templates)?;
    let root = resolved.root.clone();
    let _lock = history::lock(&req.state_dir, &root)?;
    let engine_host = engine.endpoint().host.clone();
    let hist = read_history(&req.state_dir, &root)?;
    let live = current(&hist, &engine_host, req.env).cloned();
    let mut target_rec = None;
    for r in previous_versions(&hist, &engine_host, req.env) {
        if let Some(info) = engine.image(&r.image).await? {
            target_rec = Some((r.clone(), info));
            break;
        }
    }
    let Some((to, info)) = target_rec else {
        return Err(Error::InvalidInput(format!(
            "no earlier healthy {} deployment of {} on {engine_host} with its image still kept",
            req.env,
            root.display()
        )));
    };
    // The port that version listened on when it was deployed, whatever the plan says now.
    let container_port = to
        .container_port
        .or_else(|| app_port(&resolved, &info))
        .ok_or_else(|| Error::InvalidInput("the image exposes no port".into()))?;
    let host_port = req
        .host_port
        .or(live.as_ref().and_then(|r| r.host_port))
        .or(to.host_port)
        .or(written_host_port(&resolved))
        .unwrap_or(container_port);
    let target = target_for(engine, req, &root, &resolved, container_port, host_port);
    let report = DeployReport {
        version: to.version.clone(),
        engine: engine_host,
        env: req.env,
        validated: vec![Validation {
            name: "image".into(),
            ok: true,
            detail: format!("{} is kept", to.image),
        }],
        outcome: Outcome::Refused,
        url: None,
        previous: live.as_ref().map(|r| r.version.clone()),
        reason: None,
        image: to.image.clone(),
        container: None,
        host_port: None,
        last_logs: Vec::new(),
        notes: env_note.into_iter().collect(),
    };
    rollout(
        engine,
        &target,
        req,
        &to.image,
        &to.version,
        &info,
        live.as_ref(),
        Action::Rollback,
        report,
        &mut on_event,
    )
    .await
}

/// The folder's deployments, oldest first.
pub fn history(folder: &Path, state_dir: &Path) -> Result<Vec<DeployRecord>> {
    let root = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
    read_history(state_dir, &root)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn versions_come_from_git_with_dirty_marked_else_from_the_clock() {
        let d = tempfile::tempdir().unwrap();
        // Not a repository: a UTC timestamp.
        let v = source_version(d.path());
        assert_eq!(v.len(), 15, "{v}");
        assert_eq!(v.as_bytes()[8], b'-');
        let git = |args: &[&str]| {
            let o = Command::new("git")
                .arg("-C")
                .arg(d.path())
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8_lossy(&o.stdout).trim().to_string()
        };
        git(&["init", "-q"]);
        std::fs::write(d.path().join("a"), "1").unwrap();
        git(&["add", "a"]);
        git(&["commit", "-q", "-m", "one"]);
        let sha = git(&["rev-parse", "--short", "HEAD"]);
        assert_eq!(source_version(d.path()), sha);
        std::fs::write(d.path().join("a"), "2").unwrap();
        assert_eq!(source_version(d.path()), format!("{sha}-dirty"));
    }
}
