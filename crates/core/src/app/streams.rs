//! The engine's status, host port checks, and the streams a view follows: a container's log
//! and a folder's changed sources. Each stream ends when `cancel` fires, when its source
//! ends, or when the sink returns false (the view is gone).

use crate::docker::logs::LogLine;
use crate::docker::{CancellationToken, Engine, EngineInfo};
use crate::ports::PortCheck;
use crate::render::Templates;
use crate::{Error, Result};
use futures_util::StreamExt;
use serde::Serialize;
use std::path::Path;
use ts_rs::TS;

/// How many earlier lines a log view starts with before following new ones.
pub const LOG_BACKLOG_LINES: usize = 200;

/// Files of the project that changed after a run (relative to its folder, `/`-separated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SourcesChanged {
    pub paths: Vec<String>,
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

/// The engine a run would use (connected afresh, so one started after the app is found):
/// endpoint, why, versions; the error names every place tried.
pub async fn engine_status() -> Result<EngineInfo> {
    Engine::connect().await?.info().await
}

/// Is this host port free, and if not who holds it (a container is named when an engine
/// answers; without one the process is still named).
pub async fn check_port(port: u16) -> Result<PortCheck> {
    if port == 0 {
        return Err(Error::InvalidInput("port 0 is not a port".into()));
    }
    if crate::ports::is_free(port) {
        return Ok(crate::ports::check_host(port).await);
    }
    let engine = Engine::connect().await.ok();
    Ok(crate::ports::check(port, engine.as_ref()).await)
}

/// Send the last [`LOG_BACKLOG_LINES`] lines of `container`, then new ones as they come.
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

/// Start watching a folder for changes that reach its build: its own .dockerignore applies,
/// else the one Berth renders for its plan (what a build from the plan sends).
pub fn watch_changes(root: &Path, templates: &Templates) -> Result<crate::watch::Changes> {
    let default_ignore = if root.join(".dockerignore").exists() {
        None
    } else {
        crate::stacks::detect(root)
            .ok()
            .and_then(|d| {
                let name = root
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                crate::render::render(
                    &crate::plan::Plan::from_detection(&d).named(&name),
                    templates,
                )
                .ok()
            })
            .map(|files| files.dockerignore)
    };
    crate::watch::watch_with(root, default_ignore.as_deref())
}

/// Watch the folder (what the build ignores does not count, see [`watch_changes`]) and send
/// each debounced batch of changes.
pub async fn watch_sources(
    root: &Path,
    templates: &Templates,
    mut on_change: impl FnMut(SourcesChanged) -> bool + Send,
    cancel: CancellationToken,
) -> Result<()> {
    let root = std::fs::canonicalize(root).map_err(|_| Error::NotFound(root.to_path_buf()))?;
    let mut changes = watch_changes(&root, templates)?;
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

/// Remove a container (stopping it first). Its anonymous volumes go with it when `volumes`
/// says so; by default (None) only for a container Berth created — another tool's container
/// keeps its volumes unless the user asked. Returns whether the volumes were removed.
pub async fn remove_container(engine: &Engine, name: &str, volumes: Option<bool>) -> Result<bool> {
    let volumes = match volumes {
        Some(v) => v,
        None => engine
            .ps()
            .await?
            .iter()
            .any(|c| c.name == name || c.id.starts_with(name)),
    };
    engine.remove_with(name, volumes).await?;
    Ok(volumes)
}

/// Record `port` as the host port in the folder's compose file (atomic, with a backup).
pub fn write_port(root: &Path, port: u16) -> Result<PortWriteReport> {
    let file = crate::compose::find_file(root)
        .ok_or_else(|| Error::NotFound(root.join("compose.yaml")))?;
    let written = crate::compose::ports::write_host_port(&file, port)?;
    Ok(PortWriteReport {
        path: file.display().to_string(),
        port,
        backup: written.map(|w| w.backup.display().to_string()),
    })
}
