//! The Deploy panel's commands over `berth_core::app::deploy`: the engines a deploy can
//! target, deploy (progress over a Channel, cancellable per folder while it builds), roll
//! back, and the folder's history. Each outcome is also a desktop notification
//! ([`crate::notify::deploy_finished`]). Folders must have been opened in this session.

use crate::commands::AppState;
use crate::ipc::CmdResult;
use berth_core::app::deploy::{self, DeployEvent, DeployReport, DeployRequest};
use berth_core::app::deploy_history::{default_state_dir, DeployRecord};
use berth_core::app::deploy_targets::{self, connect_target, DeployTarget};
use berth_core::app::Source;
use berth_core::docker::CancellationToken;
use berth_core::environment::Environment;
use berth_core::error::ErrorPayload;
use berth_core::plan::PlanEdits;
use berth_core::ErrorKind;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::{Manager, Webview};

/// The deploys (and rollbacks) running now: one per folder, with its cancellation token.
#[derive(Default)]
pub struct DeployState {
    running: Mutex<HashMap<PathBuf, CancellationToken>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means another command panicked mid-insert; the map is intact.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Forgets the folder's deploy when it ends (however it ends).
struct Running<'a> {
    state: &'a DeployState,
    root: PathBuf,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        lock(&self.state.running).remove(&self.root);
    }
}

impl DeployState {
    fn begin(&self, root: &Path) -> CmdResult<(Running<'_>, CancellationToken)> {
        let mut running = lock(&self.running);
        if running.contains_key(root) {
            return Err(ErrorPayload {
                kind: ErrorKind::InvalidInput,
                message: format!("{} is already being deployed", root.display()),
            });
        }
        let token = CancellationToken::new();
        running.insert(root.to_path_buf(), token.clone());
        Ok((
            Running {
                state: self,
                root: root.to_path_buf(),
            },
            token,
        ))
    }
}

fn err(e: berth_core::Error) -> ErrorPayload {
    ErrorPayload::from(&e)
}

/// The engines this machine can deploy to (nothing is connected).
pub async fn deploy_targets(_w: &Webview) -> CmdResult<Vec<DeployTarget>> {
    Ok(deploy_targets::deploy_targets())
}

fn request(folder: &Path, env: Environment) -> DeployRequest {
    let mut req = DeployRequest::new(folder, env);
    req.state_dir = default_state_dir();
    req
}

/// Validate, build and roll out the opened folder in `env` on `engine` (None: the engine
/// Berth uses; a context's name or an address). An engine that does not answer is a refused
/// report like the CLI's, not an error.
#[allow(clippy::too_many_arguments)]
pub async fn deploy_project(
    w: &Webview,
    root: String,
    env: Environment,
    engine: Option<String>,
    source: Source,
    edits: Option<PlanEdits>,
    on_event: Channel<DeployEvent>,
) -> CmdResult<DeployReport> {
    let state = w.state::<AppState>();
    let folder = state.opened_root(&root)?;
    let templates = state.templates()?;
    let deploys = w.state::<DeployState>();
    let (_running, cancel) = deploys.begin(&folder)?;
    let mut req = request(&folder, env);
    req.source = source;
    req.edits = edits;
    let result = match connect_target(engine.as_deref()).await {
        Err(e) => Ok(deploy_targets::unreachable(engine.as_deref(), env, &e)),
        Ok(engine) => {
            // A closed channel (the window reloaded) only stops the progress, not the deploy.
            let send = move |e: DeployEvent| {
                let _ = on_event.send(e);
            };
            deploy::deploy(&engine, &req, &templates, send, cancel).await
        }
    };
    notify(w, &result);
    result.map_err(err)
}

/// Cancel the folder's running deploy (its build; the rollout itself finishes or rolls
/// back on its own); false when none runs.
pub async fn cancel_deploy(w: &Webview, root: String) -> CmdResult<bool> {
    let folder = w.state::<AppState>().opened_root(&root)?;
    let token = lock(&w.state::<DeployState>().running)
        .get(&folder)
        .cloned();
    Ok(token.map(|t| t.cancel()).is_some())
}

/// Return the folder's `env` deployment on `engine` to the previous healthy version.
pub async fn rollback_project(
    w: &Webview,
    root: String,
    env: Environment,
    engine: Option<String>,
    on_event: Channel<DeployEvent>,
) -> CmdResult<DeployReport> {
    let state = w.state::<AppState>();
    let folder = state.opened_root(&root)?;
    let templates = state.templates()?;
    let deploys = w.state::<DeployState>();
    let (_running, _cancel) = deploys.begin(&folder)?;
    let req = request(&folder, env);
    let result = async {
        let engine = connect_target(engine.as_deref()).await?;
        let send = move |e: DeployEvent| {
            let _ = on_event.send(e);
        };
        deploy::rollback(&engine, &req, &templates, send).await
    }
    .await;
    notify(w, &result);
    result.map_err(err)
}

/// The opened folder's deployments, oldest first.
pub async fn deploy_history(w: &Webview, root: String) -> CmdResult<Vec<DeployRecord>> {
    let folder = w.state::<AppState>().opened_root(&root)?;
    crate::commands::blocking(move || deploy::history(&folder, &default_state_dir())).await
}

fn notify(w: &Webview, result: &berth_core::Result<DeployReport>) {
    match result {
        Ok(r) => crate::notify::deploy_finished(w.app_handle(), r),
        // Nothing for a cancelled deploy: the user asked for it.
        Err(e) if e.kind() != ErrorKind::Cancelled => crate::notify::show(
            w.app_handle(),
            &crate::notify::Notice {
                title: "Deploy failed".into(),
                body: e.to_string(),
            },
        ),
        Err(_) => {}
    }
}
