//! The Run journey as plain functions over berth-core, with no Tauri around them (tested in
//! `run_ops_tests.rs` against the real engine): engine status, port checks, up with
//! progress, down, following logs, the local-URL check for "Open in browser" and writing
//! the chosen host port back into compose.yaml.

use berth_core::compose::tool::ComposeTool;
use berth_core::docker::build::BuildEvent;
use berth_core::docker::health::HealthReport;
use berth_core::docker::logs::LogLine;
use berth_core::docker::{CancellationToken, Engine, EngineInfo};
use berth_core::ports::{PortCheck, PortChoice};
use berth_core::runner::compose_api::ComposeUpRequest;
use berth_core::runner::compose_tool::ComposeToolRequest;
use berth_core::runner::single::{project_names, UpReport, UpRequest};
use berth_core::{Error, Result};
use futures_util::StreamExt;
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use ts_rs::TS;

/// How many earlier lines a log view starts with before following new ones.
pub const LOG_BACKLOG_LINES: usize = 200;

/// What the Run panel is doing, between the build's own events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UpStage {
    /// Connected; sending the context and building.
    Building,
    /// The image is built: starting the container (port resolution) and waiting for healthy.
    Starting,
}

/// One message on an `up`'s progress channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum UpEvent {
    Stage { stage: UpStage },
    Build { event: BuildEvent },
}

/// Files of the project that changed after a run (relative to its folder, `/`-separated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SourcesChanged {
    pub paths: Vec<String>,
}

/// What `down_project` removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DownReport {
    /// Names of the containers stopped and removed.
    pub containers: Vec<String>,
    /// The project's image, when it was removed too.
    pub image: Option<String>,
    /// With the image: the images Berth built for the compose file's `build:` services
    /// (those without an `image:` name of their own), removed too.
    pub service_images: Vec<String>,
}

/// A compose project brought up by the app: which path ran it and the app service's result.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ComposeRun {
    /// The compose tool that ran it (`docker compose` or `docker-compose`); null: the
    /// services ran through the Engine API because no compose tool was found.
    pub tool: Option<String>,
    /// The compose project name.
    pub project: String,
    /// The app service's container (the one publishing the host port).
    pub container: String,
    pub image: String,
    pub host_port: Option<u16>,
    pub url: Option<String>,
    pub port_conflict: Option<PortChoice>,
    pub healthy: bool,
    pub health: HealthReport,
    /// What the Engine API path left out or changed (empty with a compose tool).
    pub notes: Vec<String>,
}

/// What `write_port` did to the folder's compose file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PortWriteReport {
    /// The compose file.
    pub path: String,
    pub port: u16,
    /// The copy of the old file; null when the file already published this port.
    pub backup: Option<String>,
}

/// Connect afresh (so an engine started after the app is found), with what was tried in
/// the error when none answers.
pub async fn connect() -> Result<Engine> {
    Engine::connect().await
}

/// The engine the Run panel would use: endpoint, why, versions.
pub async fn engine_status() -> Result<EngineInfo> {
    connect().await?.info().await
}

/// Is this host port free, and if not who holds it (a container is named when an engine
/// answers; without one the process is still named).
pub async fn check_port(port: u16) -> PortCheck {
    let engine = connect().await.ok();
    berth_core::ports::check(port, engine.as_ref()).await
}

/// Build, run and wait healthy. `on_event` gets the stages and every build event.
/// `cancel` stops the build (the core removes what it made); after the build it stops the
/// start or the health wait and removes the folder's container, so a cancelled run leaves
/// nothing running. A rebuild's new container replaces the old one, and the old image
/// goes (the core's `up` does that).
pub async fn up(
    engine: &Engine,
    root: &Path,
    host_port: Option<u16>,
    mut on_event: impl FnMut(UpEvent) + Send,
    cancel: CancellationToken,
) -> Result<UpReport> {
    let mut req = UpRequest::new(root);
    req.host_port = host_port;
    on_event(UpEvent::Stage {
        stage: UpStage::Building,
    });
    let built = AtomicBool::new(false);
    let up = engine.up(
        &req,
        |event| {
            let done = matches!(event, BuildEvent::Built { .. });
            on_event(UpEvent::Build { event });
            if done {
                built.store(true, Ordering::SeqCst);
                on_event(UpEvent::Stage {
                    stage: UpStage::Starting,
                });
            }
        },
        cancel.clone(),
    );
    // Cancelled after the build: the core's build no longer watches the token.
    let cancelled_after_build = async {
        cancel.cancelled().await;
        if !built.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
    };
    let report = tokio::select! {
        biased;
        report = up => report?,
        () = cancelled_after_build => {
            engine.down(root).await?;
            return Err(Error::Cancelled);
        }
    };
    Ok(report)
}

/// Bring the compose project in `root` (compose file `file`) up: with `tool` when one is
/// installed (Berth pre-builds with BuildKit, the tool runs the services), else through the
/// Engine API. Build events and the tool's output go to `on_event`; `cancel` stops a build or
/// kills the tool. Not wired into `up_project` yet (the Run view shows single containers).
pub async fn up_compose(
    engine: &Engine,
    root: &Path,
    file: &Path,
    tool: Option<ComposeTool>,
    host_port: Option<u16>,
    mut on_event: impl FnMut(UpEvent) + Send,
    cancel: CancellationToken,
) -> Result<ComposeRun> {
    on_event(UpEvent::Stage {
        stage: UpStage::Building,
    });
    let forward = |event| on_event(UpEvent::Build { event });
    match tool {
        Some(tool) => {
            let mut req = ComposeToolRequest::new(root, file, tool);
            req.host_port = host_port;
            let r = engine.compose_up_tool(&req, forward, cancel).await?;
            Ok(ComposeRun {
                tool: Some(r.tool),
                project: r.project_name,
                container: r.container,
                image: r.image,
                host_port: Some(r.host_port),
                url: Some(r.url),
                port_conflict: r.port_conflict,
                healthy: r.healthy,
                health: r.health,
                notes: Vec::new(),
            })
        }
        None => {
            let mut req = ComposeUpRequest::new(root);
            req.host_port = host_port;
            let r = engine.compose_up_api(&req, forward, cancel).await?;
            Ok(ComposeRun {
                tool: None,
                project: r.project,
                container: r.container,
                image: r.image,
                host_port: r.host_port,
                url: r.url,
                port_conflict: r.port_conflict,
                healthy: r.healthy,
                health: r.health,
                notes: r.notes,
            })
        }
    }
}

/// Stop and remove the folder's containers and, with `remove_image`, the image `up` built.
/// A compose project is taken down by its compose tool first when one is installed (its
/// network and containers), then whatever Berth labelled for the folder (the CLI's order).
pub async fn down_project(engine: &Engine, root: &Path, remove_image: bool) -> Result<DownReport> {
    if let (Some(file), Some(tool)) = (
        berth_core::compose::find_file(root),
        berth_core::compose::find_tool().tool,
    ) {
        let req = ComposeToolRequest::new(root, &file, tool);
        engine
            .compose_down_tool(&req, |_| {}, CancellationToken::new())
            .await?;
    }
    let containers = engine.down(root).await?;
    let mut service_images = Vec::new();
    let image = if remove_image {
        let (image, _) = project_names(root);
        // Missing when the folder only ran with compose: then there is no image to name.
        let removed = engine.remove_image_if_present(&image).await?;
        if let Some(file) = berth_core::compose::find_file(root) {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
            let parsed = berth_core::compose::parse(&file, &text)?;
            for service in parsed
                .services
                .iter()
                .filter(|s| s.build.is_some() && s.image.is_none())
            {
                let tag = berth_core::runner::compose_tool::service_tag(root, service);
                // Missing when the project never ran with compose: nothing to report.
                if engine.remove_image_if_present(&tag).await? {
                    service_images.push(tag);
                }
            }
        }
        removed.then_some(image)
    } else {
        None
    };
    Ok(DownReport {
        containers,
        image,
        service_images,
    })
}

/// Send the last [`LOG_BACKLOG_LINES`] lines of `container`, then new ones as they come,
/// until `cancel` fires, the container's log ends, or `on_line` returns false (the view is
/// gone).
pub async fn follow_logs(
    engine: &Engine,
    container: &str,
    mut on_line: impl FnMut(LogLine) -> bool + Send,
    cancel: CancellationToken,
) -> Result<()> {
    let mut stream = Box::pin(engine.logs(container, true, Some(LOG_BACKLOG_LINES)));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            next = stream.next() => match next {
                None => return Ok(()),
                Some(line) => {
                    if !on_line(line?) {
                        return Ok(());
                    }
                }
            }
        }
    }
}

/// Watch the folder (files its .dockerignore excludes do not count) and send each debounced
/// batch of changes, until `cancel` fires or `on_change` returns false (the view is gone).
pub async fn watch_sources(
    root: &Path,
    mut on_change: impl FnMut(SourcesChanged) -> bool + Send,
    cancel: CancellationToken,
) -> Result<()> {
    let root = std::fs::canonicalize(root).map_err(|_| Error::NotFound(root.to_path_buf()))?;
    let mut changes = berth_core::watch::watch(&root)?;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            batch = changes.next_batch() => {
                let Some(batch) = batch else { return Ok(()) };
                let paths = batch
                    .iter()
                    .map(|p| {
                        p.strip_prefix(&root)
                            .unwrap_or(p)
                            .to_string_lossy()
                            .replace('\\', "/")
                    })
                    .collect();
                if !on_change(SourcesChanged { paths }) {
                    return Ok(());
                }
            }
        }
    }
}

/// The URL "Open in browser" may open: http(s) on localhost or 127.0.0.1 only, so the
/// webview cannot use the command to open arbitrary addresses or files (pure).
pub fn local_url(url: &str) -> Result<String> {
    let refuse = || {
        Error::InvalidInput(format!(
            "{url}: only http(s)://localhost or http(s)://127.0.0.1 addresses are opened"
        ))
    };
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(refuse)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if !matches!(host, "localhost" | "127.0.0.1") {
        return Err(refuse());
    }
    if let Some(p) = port {
        if p.parse::<u16>().ok().filter(|p| *p != 0).is_none() {
            return Err(refuse());
        }
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refuse());
    }
    Ok(url.to_string())
}

/// Record `port` as the host port in the folder's compose file (atomic, with a backup).
pub fn write_port(root: &Path, port: u16) -> Result<PortWriteReport> {
    let file = berth_core::compose::find_file(root)
        .ok_or_else(|| Error::NotFound(root.join("compose.yaml")))?;
    let written = berth_core::compose::ports::write_host_port(&file, port)?;
    Ok(PortWriteReport {
        path: file.display().to_string(),
        port,
        backup: written.map(|w| w.backup.display().to_string()),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "run_ops_tests.rs"]
mod tests;
