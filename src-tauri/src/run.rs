//! The Run journey's thin `#[tauri::command]`s over [`crate::run_ops`]: engine status, port
//! check, up (progress over a Channel, cancellable per folder), down, logs and source
//! changes (over Channels, stopped with `stop_stream` when the view closes), open the app's
//! URL, write the port back. Commands naming a folder accept only folders opened in this
//! session (AppState's check).

use crate::commands::AppState;
use crate::run_ops::{self, ComposeRun, DownReport, PortWriteReport, SourcesChanged, UpEvent};
use berth_core::docker::logs::LogLine;
use berth_core::docker::{CancellationToken, EngineInfo};
use berth_core::error::ErrorPayload;
use berth_core::ports::PortCheck;
use berth_core::runner::single::UpReport;
use berth_core::ErrorKind;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

type CmdResult<T> = Result<T, ErrorPayload>;

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
    fn stream_token(&self, id: u32) -> CancellationToken {
        lock(&self.streams).entry(id).or_default().clone()
    }

    fn stream_ended(&self, id: u32) {
        lock(&self.streams).remove(&id);
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

/// `{ endpoint, reason, version, ... }`, or `engine_unavailable` naming every place tried.
#[tauri::command]
pub async fn engine_status() -> CmdResult<EngineInfo> {
    run_ops::engine_status().await.map_err(err)
}

#[tauri::command]
pub async fn check_port(port: u16) -> CmdResult<PortCheck> {
    Ok(run_ops::check_port(port).await)
}

/// Register the folder's `up` (one at a time per folder); the guard forgets it when done.
fn begin_up<'a>(
    run: &'a RunState,
    root: &std::path::Path,
) -> CmdResult<(UpGuard<'a>, CancellationToken)> {
    let cancel = CancellationToken::new();
    let mut ups = lock(&run.ups);
    if ups.contains_key(root) {
        return Err(ErrorPayload {
            kind: ErrorKind::Engine,
            message: format!("{} is already being started", root.display()),
        });
    }
    ups.insert(root.to_path_buf(), cancel.clone());
    Ok((
        UpGuard {
            state: run,
            root: root.to_path_buf(),
        },
        cancel,
    ))
}

/// Tell the user how a build-and-run ended (desktop notification; quiet without a daemon).
/// Nothing for a cancelled run: the user asked for it.
fn notify_outcome<T>(
    handle: &AppHandle,
    result: &berth_core::Result<T>,
    describe: impl Fn(&T) -> (bool, String),
) {
    match result {
        Ok(r) => {
            let (healthy, detail) = describe(r);
            crate::notify::build_finished(handle, healthy, &detail);
        }
        Err(e) if e.kind() != ErrorKind::Cancelled => {
            crate::notify::build_finished(handle, false, &e.to_string());
        }
        Err(_) => {}
    }
}

/// Build, run and wait healthy; progress goes to `on_event`. One at a time per folder.
#[tauri::command]
pub async fn up_project(
    handle: AppHandle,
    app: State<'_, AppState>,
    run: State<'_, RunState>,
    root: String,
    host_port: Option<u16>,
    on_event: Channel<UpEvent>,
) -> CmdResult<UpReport> {
    let root = app.opened_root(&root)?;
    let (_guard, cancel) = begin_up(&run, &root)?;
    let engine = run_ops::connect().await.map_err(err)?;
    // A closed channel (the window reloaded) only stops the progress, not the up.
    let send = move |e: UpEvent| {
        let _ = on_event.send(e);
    };
    let result = run_ops::up(&engine, &root, host_port, send, cancel).await;
    notify_outcome(&handle, &result, |r| {
        (r.healthy, format!("{}: {}", r.container, r.health.message))
    });
    result.map_err(err)
}

/// Bring the folder's compose project up: with the compose tool when one is installed
/// (Berth pre-builds the services with BuildKit), else its services through the Engine API.
/// The report says which. Cancellable with `cancel_up` like `up_project`.
#[tauri::command]
pub async fn up_compose_project(
    handle: AppHandle,
    app: State<'_, AppState>,
    run: State<'_, RunState>,
    root: String,
    host_port: Option<u16>,
    on_event: Channel<UpEvent>,
) -> CmdResult<ComposeRun> {
    let root = app.opened_root(&root)?;
    let file = berth_core::compose::find_file(&root).ok_or_else(|| ErrorPayload {
        kind: ErrorKind::NotFound,
        message: format!("{} has no compose.yaml", root.display()),
    })?;
    let (_guard, cancel) = begin_up(&run, &root)?;
    let engine = run_ops::connect().await.map_err(err)?;
    let send = move |e: UpEvent| {
        let _ = on_event.send(e);
    };
    let tool = berth_core::compose::find_tool().tool;
    let result = run_ops::up_compose(&engine, &root, &file, tool, host_port, send, cancel).await;
    notify_outcome(&handle, &result, |r| {
        (r.healthy, format!("{}: {}", r.container, r.health.message))
    });
    result.map_err(err)
}

/// Cancel the folder's running `up` (its build stops and leaves nothing half-made).
/// False when none was running.
#[tauri::command]
pub fn cancel_up(
    app: State<'_, AppState>,
    run: State<'_, RunState>,
    root: String,
) -> CmdResult<bool> {
    let root = app.opened_root(&root)?;
    Ok(match lock(&run.ups).get(&root) {
        Some(token) => {
            token.cancel();
            true
        }
        None => false,
    })
}

/// Stop and remove what `up` created for the folder (and its image with `remove_image`).
#[tauri::command]
pub async fn down_project(
    app: State<'_, AppState>,
    root: String,
    remove_image: bool,
) -> CmdResult<DownReport> {
    let root = app.opened_root(&root)?;
    let engine = run_ops::connect().await.map_err(err)?;
    run_ops::down_project(&engine, &root, remove_image)
        .await
        .map_err(err)
}

/// Follow a container's log over `on_line` until `stop_stream(<channel id>)`, the end of
/// the log, or the channel closing. Returns when following ends.
#[tauri::command]
pub async fn follow_logs(
    run: State<'_, RunState>,
    container: String,
    on_line: Channel<LogLine>,
) -> CmdResult<()> {
    let id = on_line.id();
    let cancel = run.stream_token(id);
    let result = async {
        let engine = run_ops::connect().await?;
        let send = move |l: LogLine| on_line.send(l).is_ok();
        run_ops::follow_logs(&engine, &container, send, cancel).await
    }
    .await;
    run.stream_ended(id);
    result.map_err(err)
}

/// Send the opened folder's changed files over `on_change` (after a run, to offer a
/// rebuild) until `stop_stream(<channel id>)`.
#[tauri::command]
pub async fn watch_project(
    app: State<'_, AppState>,
    run: State<'_, RunState>,
    root: String,
    on_change: Channel<SourcesChanged>,
) -> CmdResult<()> {
    let root = app.opened_root(&root)?;
    let id = on_change.id();
    let cancel = run.stream_token(id);
    let send = move |c: SourcesChanged| on_change.send(c).is_ok();
    let result = run_ops::watch_sources(&root, send, cancel).await;
    run.stream_ended(id);
    result.map_err(err)
}

/// Stop the stream (log follow or watch) on this channel: its view closed.
#[tauri::command]
pub fn stop_stream(run: State<'_, RunState>, channel: u32) {
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
}

/// Open the running app in the browser: http(s)://localhost or 127.0.0.1 URLs only.
#[tauri::command]
pub fn open_url(app: AppHandle, url: String) -> CmdResult<()> {
    let url = run_ops::local_url(&url).map_err(err)?;
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| ErrorPayload {
            kind: ErrorKind::Io,
            message: format!("cannot open the browser: {e}"),
        })
}

/// Write the chosen host port into the folder's compose file (the UI asks first).
#[tauri::command]
pub async fn write_port(
    app: State<'_, AppState>,
    root: String,
    port: u16,
) -> CmdResult<PortWriteReport> {
    let root = app.opened_root(&root)?;
    crate::commands::blocking(move || run_ops::write_port(&root, port)).await
}
