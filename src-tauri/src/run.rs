//! The Run journey's commands over `berth_core::app`: engine status, port check, up
//! (progress over a Channel, cancellable per folder), down, logs and source changes (over
//! Channels, stopped with `stop_stream` when the view closes), open the app's URL, write the
//! port back. Commands naming a folder accept only folders opened in this session.

use crate::commands::{blocking, AppState};
use crate::ipc::CmdResult;
use berth_core::app::{
    self, DownReport, PortWriteReport, RunRequest, Source, SourcesChanged, UpEvent,
};
use berth_core::docker::logs::LogLine;
use berth_core::docker::{CancellationToken, Engine, EngineInfo};
use berth_core::environment::Environment;
use berth_core::error::ErrorPayload;
use berth_core::plan::PlanEdits;
use berth_core::ports::PortCheck;
use berth_core::runner::{RunOptions, RunReport, RunnerChoice};
use berth_core::ErrorKind;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::{Manager, Webview};
use tauri_plugin_opener::OpenerExt;

/// Cancellation tokens of what is running: one `up` per folder, and every stream (log
/// follow, source watch) by the id of its channel.
#[derive(Default)]
pub struct RunState {
    ups: Mutex<HashMap<PathBuf, CancellationToken>>,
    streams: Mutex<HashMap<u32, CancellationToken>>,
}

impl RunState {
    /// The token of the stream on channel `id`; already cancelled when `stop_stream` came
    /// first (the two commands may run in either order).
    pub(crate) fn stream_token(&self, id: u32) -> CancellationToken {
        lock(&self.streams).entry(id).or_default().clone()
    }

    pub(crate) fn stream_ended(&self, id: u32) {
        lock(&self.streams).remove(&id);
    }

    /// Register the folder's `up` (one at a time per folder); the guard forgets it when done.
    fn begin_up(&self, root: &std::path::Path) -> CmdResult<(UpGuard<'_>, CancellationToken)> {
        let cancel = CancellationToken::new();
        let mut ups = lock(&self.ups);
        if ups.contains_key(root) {
            return Err(ErrorPayload {
                kind: ErrorKind::Engine,
                message: format!("{} is already being started", root.display()),
            });
        }
        ups.insert(root.to_path_buf(), cancel.clone());
        Ok((
            UpGuard {
                state: self,
                root: root.to_path_buf(),
            },
            cancel,
        ))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means another command panicked mid-insert; the map is intact.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn err(e: berth_core::Error) -> ErrorPayload {
    ErrorPayload::from(&e)
}

/// Removes the folder's token when its `up` ends (however it ends).
struct UpGuard<'a> {
    state: &'a RunState,
    root: PathBuf,
}

impl Drop for UpGuard<'_> {
    fn drop(&mut self) {
        lock(&self.state.ups).remove(&self.root);
    }
}

pub async fn engine_status(_w: &Webview) -> CmdResult<EngineInfo> {
    app::engine_status().await.map_err(err)
}

pub async fn check_port(_w: &Webview, port: u16) -> CmdResult<PortCheck> {
    app::check_port(port).await.map_err(err)
}

/// Build and run the opened folder: from Berth's plan with the user's `edits` (in memory,
/// nothing written) or from its own files, as one container or its compose project, in `env`
/// (dev/prod as `berth up --env`; None: the plain run). One at a time per folder; `cancel_up`
/// stops it at any stage.
#[allow(clippy::too_many_arguments)]
pub async fn up_project(
    w: &Webview,
    root: String,
    source: Source,
    edits: Option<PlanEdits>,
    runner: RunnerChoice,
    host_port: Option<u16>,
    expose: bool,
    env: Option<Environment>,
    platform: Option<String>,
    on_event: Channel<UpEvent>,
) -> CmdResult<RunReport> {
    let state = w.state::<AppState>();
    let folder = state.opened_root(&root)?;
    let templates = state.templates()?;
    let run = w.state::<RunState>();
    let (_guard, cancel) = run.begin_up(&folder)?;
    let mut req = RunRequest {
        folder,
        source,
        edits,
        runner,
        options: RunOptions::default(),
    };
    req.options.publishing.host_port = host_port;
    req.options.publishing.expose = expose;
    req.options.env = env;
    req.options.platform = platform
        .as_deref()
        .map(berth_core::docker::platform::parse_platform)
        .transpose()
        .map_err(err)?;
    let engine = Engine::connect().await.map_err(err)?;
    // A closed channel (the window reloaded) only stops the progress, not the run.
    let send = move |e: UpEvent| {
        let _ = on_event.send(e);
    };
    let result = app::up(&engine, &req, &templates, send, cancel).await;
    match &result {
        Ok(r) => crate::notify::build_finished(
            w.app_handle(),
            r.healthy,
            &format!("{}: {}", r.container, r.health.message),
        ),
        // Nothing for a cancelled run: the user asked for it.
        Err(e) if e.kind() != ErrorKind::Cancelled => {
            crate::notify::build_finished(w.app_handle(), false, &e.to_string())
        }
        Err(_) => {}
    }
    result.map_err(err)
}

/// Cancel the folder's running `up`; false when none was running.
pub async fn cancel_up(w: &Webview, root: String) -> CmdResult<bool> {
    let folder = w.state::<AppState>().opened_root(&root)?;
    let run = w.state::<RunState>();
    let token = lock(&run.ups).get(&folder).cloned();
    Ok(match token {
        Some(token) => {
            token.cancel();
            true
        }
        None => false,
    })
}

/// Stop and remove what Berth started for the folder (and the images it built for it with
/// `remove_images`), whatever ran it.
pub async fn down_project(w: &Webview, root: String, remove_images: bool) -> CmdResult<DownReport> {
    let folder = w.state::<AppState>().opened_root(&root)?;
    let engine = Engine::connect().await.map_err(err)?;
    app::down(&engine, &folder, remove_images)
        .await
        .map_err(err)
}

/// Follow a container's log over `on_line` until `stop_stream(<channel id>)`, the end of
/// the log, or the channel closing.
pub async fn follow_logs(
    w: &Webview,
    container: String,
    on_line: Channel<LogLine>,
) -> CmdResult<()> {
    let run = w.state::<RunState>();
    let id = on_line.id();
    let cancel = run.stream_token(id);
    let result = async {
        let engine = Engine::connect().await?;
        let send = move |l: LogLine| on_line.send(l).is_ok();
        app::follow_logs(&engine, &container, send, cancel).await
    }
    .await;
    run.stream_ended(id);
    result.map_err(err)
}

/// Send the opened folder's changed files over `on_change` until `stop_stream`.
pub async fn watch_project(
    w: &Webview,
    root: String,
    on_change: Channel<SourcesChanged>,
) -> CmdResult<()> {
    let state = w.state::<AppState>();
    let folder = state.opened_root(&root)?;
    let templates = state.templates()?;
    let run = w.state::<RunState>();
    let id = on_change.id();
    let cancel = run.stream_token(id);
    let send = move |c: SourcesChanged| on_change.send(c).is_ok();
    let result = app::watch_sources(&folder, &templates, send, cancel).await;
    run.stream_ended(id);
    result.map_err(err)
}

/// Stop the stream (log follow or watch) on this channel: its view closed.
pub async fn stop_stream(w: &Webview, channel: u32) -> CmdResult<()> {
    let run = w.state::<RunState>();
    let token = lock(&run.streams).remove(&channel);
    match token {
        Some(token) => token.cancel(),
        // The stream has not started yet: leave a cancelled token for it to find.
        None => {
            let token = CancellationToken::new();
            token.cancel();
            lock(&run.streams).insert(channel, token);
        }
    }
    Ok(())
}

/// Open the running app in the browser: http(s) URLs on this machine only.
pub async fn open_url(w: &Webview, url: String) -> CmdResult<()> {
    let url = app::local_url(&url).map_err(err)?;
    w.app_handle()
        .opener()
        .open_url(url, None::<&str>)
        .map_err(|e| ErrorPayload {
            kind: ErrorKind::Io,
            message: format!("cannot open the browser: {e}"),
        })
}

/// Write the chosen host port into the folder's compose file (the UI asks first).
pub async fn write_port(w: &Webview, root: String, port: u16) -> CmdResult<PortWriteReport> {
    let folder = w.state::<AppState>().opened_root(&root)?;
    blocking(move || app::write_port(&folder, port)).await
}
