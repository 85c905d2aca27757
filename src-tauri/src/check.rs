//! The Check view's commands over `berth_core::app`'s check use cases: a folder opened in
//! this session (its own files), the files a run is about to build (checked before building),
//! an image (findings and its size analysis) and a container (its applied settings).

use crate::commands::{blocking, AppState};
use crate::ipc::CmdResult;
use berth_core::app::{self, FolderCheck, ImageCheck, Source};
use berth_core::check::Report;
use berth_core::docker::Engine;
use berth_core::error::ErrorPayload;
use berth_core::plan::PlanEdits;
use tauri::{Manager, Webview};

fn err(e: berth_core::Error) -> ErrorPayload {
    ErrorPayload::from(&e)
}

/// Check the opened folder's Dockerfile(s) and compose file as they are on disk (with their
/// text, to show a finding's line).
pub async fn check_folder(w: &Webview, root: String) -> CmdResult<FolderCheck> {
    let folder = w.state::<AppState>().opened_root(&root)?;
    blocking(move || app::check_folder_files(&folder)).await
}

/// Check what a run of the opened folder would build (the plan with `edits` in memory, or
/// the folder's own files), before building it.
pub async fn preflight_check(
    w: &Webview,
    root: String,
    source: Source,
    edits: Option<PlanEdits>,
) -> CmdResult<Report> {
    let state = w.state::<AppState>();
    let folder = state.opened_root(&root)?;
    let templates = state.templates()?;
    blocking(move || app::preflight(&folder, source, edits.as_ref(), &templates)).await
}

/// Check a local image and analyse its size (its layers are streamed from the engine).
pub async fn check_image(_w: &Webview, reference: String) -> CmdResult<ImageCheck> {
    let engine = Engine::connect().await.map_err(err)?;
    app::check_image(&engine, &reference).await.map_err(err)
}

/// Check a container's runtime settings as the engine applied them.
pub async fn check_container(_w: &Webview, name: String) -> CmdResult<Report> {
    let engine = Engine::connect().await.map_err(err)?;
    app::check_container(&engine, &name).await.map_err(err)
}
