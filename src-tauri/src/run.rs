//! The Run journey's thin `#[tauri::command]`s over [`crate::run_ops`]: engine status, port
//! check, up (progress over a Channel, cancellable per folder), down, logs (over a Channel,
//! stopped when the view closes), open the app's URL, write the port back. `up`, `down`
//! and `write_port` accept only folders opened in this session (AppState's check).

use crate::commands::AppState;
use crate::run_ops::{self, DownReport, PortWriteReport, UpEvent};
use berth_core::engine::logs::LogLine;
use berth_core::engine::up::UpReport;
use berth_core::engine::{CancellationToken, EngineInfo};
use berth_core::error::ErrorPayload;
use berth_core::ports::PortCheck;
use berth_core::ErrorKind;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

type CmdResult<T> = Result<T, ErrorPayload>;

/// Cancellation tokens of what is running: one `up` per folder, and every log follow by
/// the id of its channel.
#[derive(Default)]
pub struct RunState {
    ups: Mutex<HashMap<PathBuf, CancellationToken>>,
    logs: Mutex<HashMap<u32, CancellationToken>>,
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

/// Build, run and wait healthy; progress goes to `on_event`. One at a time per folder.
#[tauri::command]
pub async fn up_project(
    app: State<'_, AppState>,
    run: State<'_, RunState>,
    root: String,
    host_port: Option<u16>,
    on_event: Channel<UpEvent>,
) -> CmdResult<UpReport> {
    let root = app.opened_root(&root)?;
    let cancel = CancellationToken::new();
    {
        let mut ups = lock(&run.ups);
        if ups.contains_key(&root) {
            return Err(ErrorPayload {
                kind: ErrorKind::Engine,
                message: format!("{} is already being started", root.display()),
            });
        }
        ups.insert(root.clone(), cancel.clone());
    }
    let _guard = UpGuard {
        state: &run,
        root: root.clone(),
    };
    let engine = run_ops::connect().await.map_err(err)?;
    // A closed channel (the window reloaded) only stops the progress, not the up.
    let send = move |e: UpEvent| {
        let _ = on_event.send(e);
    };
    run_ops::up(&engine, &root, host_port, send, cancel)
        .await
        .map_err(err)
    // BUILD-NOTIFICATION: the lead wires "build finished / failed" notifications here
    // (tauri-plugin-notification comes with the stats branch): notify on Ok(report) /
    // Err(e) except ErrorKind::Cancelled.
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

/// Follow a container's log over `on_line` until `stop_logs(<channel id>)`, the end of
/// the log, or the channel closing. Returns when following ends.
#[tauri::command]
pub async fn follow_logs(
    run: State<'_, RunState>,
    container: String,
    on_line: Channel<LogLine>,
) -> CmdResult<()> {
    let id = on_line.id();
    let cancel = CancellationToken::new();
    lock(&run.logs).insert(id, cancel.clone());
    let result = async {
        let engine = run_ops::connect().await?;
        let send = move |l: LogLine| on_line.send(l).is_ok();
        run_ops::follow_logs(&engine, &container, send, cancel).await
    }
    .await;
    lock(&run.logs).remove(&id);
    result.map_err(err)
}

/// Stop the log follow whose channel has this id (the view closed). False when none.
#[tauri::command]
pub fn stop_logs(run: State<'_, RunState>, channel: u32) -> bool {
    match lock(&run.logs).remove(&channel) {
        Some(token) => {
            token.cancel();
            true
        }
        None => false,
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
