//! Compose projects through an installed Compose v2 (`docker compose` / `docker-compose`).
//!
//! Berth first builds every service that has `build:` itself (BuildKit when the engine has
//! it, so `RUN --mount=type=cache` works whatever the tool would do; the plan's in-memory
//! Dockerfile for a project run from its plan), tags it ([`service_tag`]) and points the
//! service at that image in a private override file it passes as the second `-f`, which also
//! labels every service as Berth's. The tool then runs `up -d --no-build` with the project's
//! folder as its project directory. Berth picks the host port (passed as `HOST_PORT`, the
//! address as `HOST_IP`: loopback unless the run exposes it), retries on the "already
//! allocated" race and waits for the app to be healthy. The tool's output lines go to the
//! progress callback; cancelling kills the tool and takes down what it started.

use super::project::ComposeProject;
use super::{local_url, PortConflict, RunOptions, RunReport, RunnerKind, ServiceStarted};
use crate::compose::overrides::{write_private, write_tool_override};
use crate::compose::ports::{default_host_port, fixed_host_port};
use crate::compose::tool::{down_args, up_args, ComposeTool};
use crate::compose::ServiceSpec;
use crate::docker::build::{BuildEvent, BuildReport};
use crate::docker::containers::is_port_taken_message;
use crate::docker::ContainerEngine;
use crate::names::ProjectNames;
use crate::ports;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_util::sync::CancellationToken;

/// How many times `up` is retried on another port after an "already allocated" race.
const PORT_RACE_RETRIES: usize = 5;
/// How long the `down` after a cancelled `up` may take.
const CANCEL_DOWN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The tag Berth builds a `build:` service as: the service's own `image:` when it names
/// one (compose tags builds so too), else `berth-<folder>-<hash>-<service>:dev` (pure).
pub fn service_tag(root: &Path, service: &ServiceSpec) -> String {
    service
        .image
        .clone()
        .unwrap_or_else(|| ProjectNames::of(root).service_image(&service.name))
}

/// The last non-empty line of a tool's error output (pure).
fn last_line(err: &str) -> &str {
    err.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

/// The error for a literal host port that is taken: who holds it, and how to let Berth move it.
fn fixed_port_taken(port: u16, check: Option<&ports::PortCheck>) -> Error {
    let owner = check.and_then(|c| {
        c.explanation
            .clone()
            .or_else(|| c.owner.as_ref().and_then(|o| o.name.clone()))
    });
    Error::Engine(format!(
        "compose.yaml publishes host port {port} as a fixed number and it is in use{}; free it, \
         or write the port as \"${{HOST_PORT:-{port}}}:<container port>\" so Berth can choose another",
        owner.map(|o| format!(" ({o})")).unwrap_or_default()
    ))
}

/// The compose files the tool gets: the project's (a private copy when it is in memory) and
/// Berth's override. Removed when dropped.
struct ToolFiles {
    compose: Option<crate::compose::overrides::OverrideFile>,
    overrides: crate::compose::overrides::OverrideFile,
    on_disk: Option<PathBuf>,
    /// The environment's override (`berth up --env`): on disk, or written privately.
    env_on_disk: Option<PathBuf>,
    env_written: Option<crate::compose::overrides::OverrideFile>,
}

impl ToolFiles {
    fn paths(&self) -> Vec<&Path> {
        let mut paths = Vec::new();
        match (&self.on_disk, &self.compose) {
            (Some(p), _) => paths.push(p.as_path()),
            (None, Some(f)) => paths.push(f.path()),
            (None, None) => {}
        }
        match (&self.env_on_disk, &self.env_written) {
            (Some(p), _) => paths.push(p.as_path()),
            (None, Some(f)) => paths.push(f.path()),
            (None, None) => {}
        }
        paths.push(self.overrides.path());
        paths
    }
}

/// Bring a compose project up with a Compose v2 (see the module docs).
pub async fn up<E: ContainerEngine>(
    engine: &E,
    tool: &ComposeTool,
    project: &ComposeProject,
    options: &RunOptions,
    mut on_event: impl FnMut(BuildEvent) + Send,
    cancel: CancellationToken,
) -> Result<RunReport> {
    let root = &project.root;
    let names = ProjectNames::of(root);
    let name = names.compose_project();
    let preferred = options
        .publishing
        .host_port
        .or_else(|| default_host_port(&project.text));
    let fixed = fixed_host_port(&project.text, &project.model);
    let preferred = fixed.or(preferred);
    // Host ports this project's own containers publish now (a previous up): the tool stops
    // those containers before it starts their replacements, so the ports are the project's
    // to keep, not conflicts.
    let own = ports_published_by(engine, &name).await?;
    if let Some(port) = fixed.filter(|p| !own.contains(p)) {
        if options
            .publishing
            .host_port
            .is_some_and(|asked| asked != port)
        {
            return Err(Error::Engine(format!(
                "compose.yaml publishes host port {port} as a fixed number: Berth can run it on \
                 another port only when it reads \"${{HOST_PORT:-{port}}}:<container port>\""
            )));
        }
        let check = ports::check(port, Some(engine)).await;
        if !check.free {
            return Err(fixed_port_taken(port, Some(&check)));
        }
    }
    let (images, replaced, builds) =
        prebuild(engine, project, options, &mut on_event, &cancel).await?;
    let files = ToolFiles {
        compose: match &project.file {
            Some(_) => None,
            None => Some(write_private(&project.text, ".yaml")?),
        },
        overrides: write_tool_override(root, &project.model, &images)?,
        on_disk: project.file.clone(),
        env_on_disk: project.environment.as_ref().and_then(|e| e.file.clone()),
        env_written: match &project.environment {
            Some(e) if e.file.is_none() => Some(write_private(&e.text, ".yaml")?),
            _ => None,
        },
    };
    on_event(BuildEvent::Output {
        line: format!("running {} with {}", project.describe(), tool.label()),
    });
    let args = up_args(&files.paths(), root, &name);
    let host_ip = options.publishing.host_ip();
    let mut raced = Vec::new();
    let mut conflict = None;
    let run = loop {
        let choice = match fixed {
            Some(port) => ports::PortChoice {
                port,
                preferred: Some(port),
                reason: format!("compose.yaml publishes {port}"),
            },
            None => match ports::resolve_with(preferred, options.publishing.policy, &raced, |p| {
                own.contains(&p) || (options.publishing.is_free)(p)
            }) {
                Some(c) => c,
                None => break Err(ports::all_taken(preferred, options.publishing.policy)),
            },
        };
        if Some(choice.port) != preferred {
            conflict = Some(PortConflict {
                requested: preferred.unwrap_or(choice.port),
                check: None,
                raced: raced.clone(),
                chosen: choice.port,
                reason: choice.reason.clone(),
            });
        }
        let env = [
            ("HOST_PORT", choice.port.to_string()),
            ("HOST_IP", host_ip.to_string()),
        ];
        let (ok, err) = match run_tool(tool, &args, &env, &mut on_event, &cancel).await {
            Ok(r) => r,
            Err(Error::Cancelled) => {
                // The tool may have started some services: take them down (bounded: a tool
                // that hangs must not hang the cancel).
                let down = down_args(&files.paths(), root, &name);
                let _ = tokio::time::timeout(
                    CANCEL_DOWN_TIMEOUT,
                    run_tool(tool, &down, &[], &mut |_| {}, &CancellationToken::new()),
                )
                .await;
                break Err(Error::Cancelled);
            }
            Err(e) => break Err(e),
        };
        if ok {
            break Ok(choice.port);
        }
        if let (Some(port), true) = (fixed, is_port_taken_message(&err)) {
            break Err(fixed_port_taken(port, None));
        }
        if is_port_taken_message(&err) && raced.len() < PORT_RACE_RETRIES {
            raced.push(choice.port);
            continue;
        }
        break Err(Error::Engine(format!(
            "{} up failed: {}",
            tool.label(),
            last_line(&err)
        )));
    };
    drop(files);
    let port = run?;
    let mut notes = project.model.notes.clone();
    notes.extend(
        project
            .recipes
            .values()
            .flat_map(|r| r.notes.iter().cloned()),
    );
    // The tool recreated the rebuilt services: the images they ran before go.
    for old in replaced {
        if let Some(why) = engine.remove_unused_image(&old).await? {
            notes.push(format!("the previous image {old} was not removed: {why}"));
        }
    }
    let containers = engine
        .containers_labelled(&format!("com.docker.compose.project={name}"))
        .await?;
    let app = containers
        .iter()
        .find(|c| c.ports.iter().any(|p| p.host_port == port))
        .or_else(|| containers.first())
        .ok_or_else(|| Error::Engine(format!("{} started no container", tool.label())))?;
    let app_service = project
        .model
        .services
        .iter()
        .find(|s| s.ports.iter().any(|p| p.host.is_some()))
        .map(|s| s.name.clone());
    let recipe = app_service.as_ref().and_then(|s| project.recipes.get(s));
    let probe = super::single::probe(recipe.and_then(|r| r.plan.as_ref()), port);
    let health = engine
        .wait_healthy(&app.name, Some(probe), options.health_timeout)
        .await?;
    let services = project
        .model
        .services
        .iter()
        .map(|s| ServiceStarted {
            service: s.name.clone(),
            container: containers
                .iter()
                .find(|c| {
                    c.name.contains(&format!("{name}-{}-", s.name))
                        || c.name.contains(&format!("{name}_{}_", s.name))
                })
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            image: images
                .get(&s.name)
                .cloned()
                .or_else(|| s.image.clone())
                .unwrap_or_default(),
            built: images.contains_key(&s.name),
        })
        .collect();
    Ok(RunReport {
        runner: RunnerKind::ComposeTool,
        tool: Some(tool.label().into()),
        project: root.display().to_string(),
        compose_project: Some(name),
        container: app.name.clone(),
        image: app.image.clone(),
        host_port: Some(port),
        url: Some(local_url(port)),
        port_conflict: conflict,
        healthy: health.healthy,
        health,
        dockerfile: recipe.map(|r| r.source).or_else(|| {
            app_service
                .as_ref()
                .filter(|s| images.contains_key(*s))
                .map(|_| super::DockerfileSource::Project)
        }),
        build: app_service.and_then(|s| builds.get(&s).cloned()),
        services,
        notes,
    })
}

/// The host ports the running containers of compose project `name` publish.
async fn ports_published_by<E: ContainerEngine>(engine: &E, name: &str) -> Result<Vec<u16>> {
    Ok(engine
        .containers_labelled(&format!("com.docker.compose.project={name}"))
        .await?
        .iter()
        .flat_map(|c| c.ports.iter().map(|p| p.host_port))
        .filter(|p| *p != 0)
        .collect())
}

/// Stop and remove a compose project with its compose tool (`down`). The tool's output goes
/// to `on_event`; `cancel` kills it.
pub async fn down(
    tool: &ComposeTool,
    root: &Path,
    file: &Path,
    on_event: &mut (impl FnMut(BuildEvent) + Send),
    cancel: &CancellationToken,
) -> Result<()> {
    let name = ProjectNames::of(root).compose_project();
    let args = down_args(&[file], root, &name);
    let (ok, err) = run_tool(tool, &args, &[], on_event, cancel).await?;
    if ok {
        Ok(())
    } else {
        Err(Error::Engine(format!(
            "{} down failed: {}",
            tool.label(),
            last_line(&err)
        )))
    }
}

/// What [`prebuild`] made: service -> tag, the images those tags named before (replaced by
/// these builds), and the build reports.
type Prebuilt = (
    BTreeMap<String, String>,
    Vec<String>,
    BTreeMap<String, BuildReport>,
);

/// Build every `build:` service with Berth's builder.
async fn prebuild<E: ContainerEngine>(
    engine: &E,
    project: &ComposeProject,
    options: &RunOptions,
    on_event: &mut (impl FnMut(BuildEvent) + Send),
    cancel: &CancellationToken,
) -> Result<Prebuilt> {
    let root = &project.root;
    let mut images = BTreeMap::new();
    let mut replaced = Vec::new();
    let mut builds = BTreeMap::new();
    for s in &project.model.services {
        let tag = service_tag(root, s);
        let Some(breq) = project.build_request(s, &tag, options) else {
            continue;
        };
        on_event(BuildEvent::Output {
            line: format!("building service {} as {tag}", s.name),
        });
        let before = engine.image(&tag).await?.map(|i| i.id);
        match engine.build(&breq, &mut *on_event, cancel.clone()).await {
            Ok(built) => {
                replaced.extend(before.filter(|id| *id != built.image_id));
                builds.insert(s.name.clone(), built);
            }
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => {
                return Err(Error::Engine(format!(
                    "service {}: build failed: {e}",
                    s.name
                )))
            }
        }
        images.insert(s.name.clone(), tag);
    }
    Ok((images, replaced, builds))
}

/// Run the tool with `args` and `env`, sending each output line (stdout and stderr) to
/// `on_event`; `cancel` kills it. Returns success and the stderr text.
async fn run_tool(
    tool: &ComposeTool,
    args: &[String],
    env: &[(&str, String)],
    on_event: &mut (impl FnMut(BuildEvent) + Send),
    cancel: &CancellationToken,
) -> Result<(bool, String)> {
    let (prog, mut base) = tool.base();
    base.extend(args.iter().cloned());
    let mut cmd = tokio::process::Command::new(&prog);
    cmd.args(&base)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let cannot = |e: std::io::Error| Error::Engine(format!("cannot run {}: {e}", tool.label()));
    let mut child = cmd.spawn().map_err(cannot)?;
    let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(Error::Engine(format!(
            "cannot read the output of {}",
            tool.label()
        )));
    };
    let mut out = BufReader::new(out).lines();
    let mut err = BufReader::new(err).lines();
    let (mut out_open, mut err_open) = (true, true);
    let mut err_text = String::new();
    while out_open || err_open {
        tokio::select! {
            _ = cancel.cancelled() => {
                let _ = child.kill().await;
                return Err(Error::Cancelled);
            }
            line = out.next_line(), if out_open => match line.map_err(cannot)? {
                Some(line) => on_event(BuildEvent::Output { line }),
                None => out_open = false,
            },
            line = err.next_line(), if err_open => match line.map_err(cannot)? {
                Some(line) => {
                    err_text.push_str(&line);
                    err_text.push('\n');
                    on_event(BuildEvent::Output { line });
                }
                None => err_open = false,
            },
        }
    }
    let status = tokio::select! {
        _ = cancel.cancelled() => {
            let _ = child.kill().await;
            return Err(Error::Cancelled);
        }
        s = child.wait() => s.map_err(cannot)?,
    };
    Ok((status.success(), err_text))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_port_error_says_how_to_let_berth_move_it() {
        let e = fixed_port_taken(5000, None).to_string();
        assert!(e.contains("${HOST_PORT:-5000}:<container port>"), "{e}");
    }

    #[test]
    fn tags() {
        let root = Path::new("/home/me/My Shop");
        let f = crate::compose::parse(
            Path::new("compose.yaml"),
            "services:\n  web: {build: .}\n  api: {build: ./api, image: me/api:1}\n",
        )
        .unwrap();
        let base = ProjectNames::of(root).container();
        assert_eq!(service_tag(root, &f.services[0]), format!("{base}-web:dev"));
        assert_eq!(service_tag(root, &f.services[1]), "me/api:1");
        assert_eq!(
            last_line("a\nport is already allocated\n\n"),
            "port is already allocated"
        );
    }
}
