//! Compose projects through an installed compose tool (`docker compose` / `docker-compose`),
//! shared by the CLI and the app.
//!
//! Berth first builds every service that has `build:` itself ([`Engine::build`]: BuildKit
//! when the engine has it, so `RUN --mount=type=cache` works even with docker-compose 1.29,
//! whose own builds use the classic builder), tags it (see [`service_tag`]) and points the
//! service at that image in the override file it passes as the second `-f`, which also
//! labels every service as Berth's. The tool then runs `up -d --no-build`. Berth picks the
//! host port (passed as `HOST_PORT`), retries on the "already allocated" race and waits
//! for the app to be healthy. The tool's output lines go to the progress callback as
//! [`BuildEvent::Output`]; cancelling kills the tool.

use crate::compose::ports::{default_host_port, fixed_host_port};
use crate::compose::tool::{self as compose, ComposeTool};
use crate::compose::{self as compose_file, ComposeFile};
use crate::docker::build::{BuildEvent, BuildRequest};
use crate::docker::buildkit::BuilderChoice;
use crate::docker::health::{HealthReport, HttpProbe, DEFAULT_HEALTH_TIMEOUT};
use crate::docker::run::is_port_taken_message;
use crate::docker::Engine;
use crate::names::ProjectNames;
use crate::ports::{self, PortChoice, PortPolicy};
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

/// How many times `up` is retried on another port after an "already allocated" race.
const PORT_RACE_RETRIES: usize = 5;

/// What to bring up (or down) with a compose tool.
#[derive(Debug, Clone)]
pub struct ComposeToolRequest {
    /// The project folder.
    pub root: PathBuf,
    /// Its compose file ([`compose::compose_file`]).
    pub file: PathBuf,
    pub tool: ComposeTool,
    /// Preferred host port (default: the compose file's `${HOST_PORT:-N}`).
    pub host_port: Option<u16>,
    pub policy: PortPolicy,
    pub health_timeout: Duration,
    /// Build the `build:` services without the build cache (`berth up --no-cache`).
    pub no_cache: bool,
    pub builder: BuilderChoice,
}

impl ComposeToolRequest {
    pub fn new(root: &Path, file: &Path, tool: ComposeTool) -> ComposeToolRequest {
        ComposeToolRequest {
            root: root.to_path_buf(),
            file: file.to_path_buf(),
            tool,
            host_port: None,
            policy: PortPolicy::default(),
            health_timeout: DEFAULT_HEALTH_TIMEOUT,
            no_cache: false,
            builder: BuilderChoice::from_env(),
        }
    }
}

/// A compose project brought up by a compose tool (`berth up --json`).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ComposeToolReport {
    /// `compose`: the compose tool ran the project.
    pub runner: String,
    /// `docker compose` or `docker-compose`.
    pub tool: String,
    pub project_name: String,
    /// The app's container (the one publishing the host port).
    pub container: String,
    pub image: String,
    pub host_port: u16,
    pub url: String,
    pub port_conflict: Option<PortChoice>,
    pub healthy: bool,
    pub health: HealthReport,
}

/// The compose project name of a folder (see [`ProjectNames::compose_project`]).
pub fn project_name(root: &Path) -> String {
    ProjectNames::of(root).compose_project()
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

/// The tag Berth builds a `build:` service as: the service's own `image:` when it names
/// one (compose tags builds so too), else `berth-<folder>-<hash>-<service>:dev` (pure).
pub fn service_tag(root: &Path, service: &compose_file::ServiceSpec) -> String {
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

impl Engine {
    /// Bring a compose project up with a compose tool: build its `build:` services with
    /// Berth's builder, run `up -d --no-build` with the host port resolved, wait for the
    /// app to be healthy. Build progress and the tool's output go to `on_event`; `cancel`
    /// stops a build or kills the tool.
    pub async fn compose_up_tool(
        &self,
        req: &ComposeToolRequest,
        mut on_event: impl FnMut(BuildEvent) + Send,
        cancel: CancellationToken,
    ) -> Result<ComposeToolReport> {
        let root =
            std::fs::canonicalize(&req.root).map_err(|_| Error::NotFound(req.root.clone()))?;
        let text = crate::fsread::read_text(&req.file)?
            .ok_or_else(|| Error::NotFound(req.file.clone()))?;
        let parsed = compose_file::parse(&req.file, &text)?;
        let preferred = req.host_port.or_else(|| default_host_port(&text));
        let fixed = fixed_host_port(&text, &parsed);
        let preferred = fixed.or(preferred);
        let name = project_name(&root);
        // Host ports this project's own containers publish now (a previous up): the tool
        // stops those containers before it starts their replacements, so the ports are
        // the project's to keep, not conflicts.
        let own = self.ports_published_by(&name).await?;
        if let Some(port) = fixed.filter(|p| !own.contains(p)) {
            if req.host_port.is_some_and(|asked| asked != port) {
                return Err(Error::Engine(format!(
                    "compose.yaml publishes host port {port} as a fixed number: Berth can run it on \
                     another port only when it reads \"${{HOST_PORT:-{port}}}:<container port>\""
                )));
            }
            let check = ports::check(port, Some(self)).await;
            if !check.free {
                return Err(fixed_port_taken(port, Some(&check)));
            }
        }
        let tool = &req.tool;
        let (images, replaced) = self
            .prebuild(req, &root, &parsed, &mut on_event, &cancel)
            .await?;
        // Labels every service as Berth's and points built services at Berth's images.
        let override_file =
            crate::compose::overrides::write_tool_override(&root, &parsed, &images)?;
        on_event(BuildEvent::Output {
            line: format!("running {} with {}", req.file.display(), tool.label()),
        });
        let args = compose::up_args(&[&req.file, override_file.path()], &root, &name);
        let mut raced = Vec::new();
        let mut conflict = None;
        let run = loop {
            let choice = match fixed {
                Some(port) => ports::PortChoice {
                    port,
                    preferred: Some(port),
                    reason: format!("compose.yaml publishes {port}"),
                },
                None => match ports::resolve_with(preferred, req.policy, &raced, |p| {
                    own.contains(&p) || ports::is_free(p)
                }) {
                    Some(c) => c,
                    None => break Err(ports::all_taken(preferred, req.policy)),
                },
            };
            if Some(choice.port) != preferred {
                conflict = Some(choice.clone());
            }
            let (ok, err) =
                match run_tool(tool, &args, Some(choice.port), &mut on_event, &cancel).await {
                    Ok(r) => r,
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
        drop(override_file);
        let port = run?;
        // The tool recreated the rebuilt services: the images they ran before go.
        for old in replaced {
            if let Some(warning) = self.remove_replaced_image(&old).await {
                on_event(BuildEvent::Output {
                    line: format!("note: {warning}"),
                });
            }
        }
        let containers = self
            .containers_labelled(&format!("com.docker.compose.project={name}"))
            .await?;
        let app = containers
            .iter()
            .find(|c| c.ports.iter().any(|p| p.host_port == port))
            .or_else(|| containers.first())
            .ok_or_else(|| Error::Engine(format!("{} started no container", tool.label())))?;
        let probe = HttpProbe {
            port,
            path: "/".into(),
            any_status: true,
        };
        let health = self
            .wait_healthy(&app.name, Some(probe), req.health_timeout)
            .await?;
        Ok(ComposeToolReport {
            runner: "compose".into(),
            tool: tool.label().into(),
            project_name: name,
            container: app.name.clone(),
            image: app.image.clone(),
            host_port: port,
            url: format!("http://localhost:{port}"),
            port_conflict: conflict,
            healthy: health.healthy,
            health,
        })
    }

    /// The host ports the running containers of compose project `name` publish.
    async fn ports_published_by(&self, name: &str) -> Result<Vec<u16>> {
        Ok(self
            .containers_labelled(&format!("com.docker.compose.project={name}"))
            .await?
            .iter()
            .flat_map(|c| c.ports.iter().map(|p| p.host_port))
            .filter(|p| *p != 0)
            .collect())
    }

    /// Stop and remove a compose project with its compose tool (`down`). The tool's output
    /// goes to `on_event`; `cancel` kills it.
    pub async fn compose_down_tool(
        &self,
        req: &ComposeToolRequest,
        mut on_event: impl FnMut(BuildEvent) + Send,
        cancel: CancellationToken,
    ) -> Result<()> {
        let root = std::fs::canonicalize(&req.root).unwrap_or_else(|_| req.root.clone());
        let args = compose::down_args(&[&req.file], &root, &project_name(&root));
        let (ok, err) = run_tool(&req.tool, &args, None, &mut on_event, &cancel).await?;
        if ok {
            Ok(())
        } else {
            Err(Error::Engine(format!(
                "{} down failed: {}",
                req.tool.label(),
                last_line(&err)
            )))
        }
    }

    /// Build every `build:` service with Berth's builder; returns service -> tag, and the
    /// ids of the images those tags named before (replaced by these builds).
    async fn prebuild(
        &self,
        req: &ComposeToolRequest,
        root: &Path,
        parsed: &ComposeFile,
        on_event: &mut (impl FnMut(BuildEvent) + Send),
        cancel: &CancellationToken,
    ) -> Result<(BTreeMap<String, String>, Vec<String>)> {
        let dir = req.file.parent().unwrap_or(root);
        let mut images = BTreeMap::new();
        let mut replaced = Vec::new();
        for s in &parsed.services {
            let Some(b) = &s.build else { continue };
            let tag = service_tag(root, s);
            let context = if b.context == "." {
                dir.to_path_buf()
            } else {
                dir.join(&b.context)
            };
            let mut breq = BuildRequest::new(&context, &tag);
            breq.project = Some(root.to_path_buf());
            breq.dockerfile = b.dockerfile.clone();
            breq.no_cache = req.no_cache;
            breq.builder = req.builder;
            on_event(BuildEvent::Output {
                line: format!("building service {} as {tag}", s.name),
            });
            let before = self.image_id(&tag).await;
            match self.build(&breq, &mut *on_event, cancel.clone()).await {
                Ok(built) => replaced.extend(before.filter(|id| *id != built.image_id)),
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
        Ok((images, replaced))
    }
}

/// Run the tool with `args` (and `HOST_PORT`), sending each output line (stdout and
/// stderr) to `on_event`; `cancel` kills it. Returns success and the stderr text.
async fn run_tool(
    tool: &ComposeTool,
    args: &[String],
    host_port: Option<u16>,
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
    if let Some(p) = host_port {
        cmd.env("HOST_PORT", p.to_string());
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
    fn names_and_tags() {
        let root = Path::new("/home/me/My Shop");
        assert!(project_name(root).starts_with("my-shop-"));
        let f = compose_file::parse(
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
