//! Thin `#[tauri::command]`s: take state and arguments, call berth-core (through `ops`) on
//! a blocking thread, map the error to `{ kind, message }`.

use crate::ops;
use crate::payload::{OpenedProject, PlanEdits, ProjectPreview};
use berth_core::detect::Detection;
use berth_core::error::ErrorPayload;
use berth_core::render::Templates;
use berth_core::write::{Seen, WriteReport};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tauri::State;

type CmdResult<T> = Result<T, ErrorPayload>;

/// The app's state: the templates (embedded + the user's overrides, loaded once; a broken
/// override file is reported by every render instead of being ignored) and the detection of
/// every folder opened in this session. Previews and writes name a folder by its root and
/// only folders the user opened are accepted, so the webview cannot aim a write elsewhere
/// or hand the renderer a detection of its own.
pub struct AppState {
    templates: Result<Arc<Templates>, ErrorPayload>,
    /// `None`: opened for its own Dockerfile/compose file, no stack detected.
    opened: Mutex<HashMap<PathBuf, Option<Detection>>>,
}

impl AppState {
    pub fn load() -> Self {
        AppState {
            templates: Templates::load_user()
                .map(Arc::new)
                .map_err(|e| ErrorPayload::from(&e)),
            opened: Mutex::new(HashMap::new()),
        }
    }

    fn templates(&self) -> CmdResult<Arc<Templates>> {
        self.templates.clone()
    }

    fn remember(&self, root: PathBuf, detection: Option<Detection>) {
        // A poisoned lock only means another command panicked mid-insert; the map is intact.
        let mut map = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(root, detection);
    }

    /// The folder `root` names, if it was opened in this session (the Run commands' check).
    pub fn opened_root(&self, root: &str) -> CmdResult<PathBuf> {
        self.opened(root).map(|_| ops::path_arg(root))
    }

    /// The detection of an opened folder; `None` when it opened with no stack detected.
    fn opened(&self, root: &str) -> CmdResult<Option<Detection>> {
        let map = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&ops::path_arg(root))
            .cloned()
            .ok_or_else(|| ErrorPayload {
                kind: berth_core::ErrorKind::NotFound,
                message: format!("{root} is not open in Berth: open the folder first"),
            })
    }

    /// The detection of an opened folder, for generating files (refused without one).
    fn detection(&self, root: &str) -> CmdResult<Detection> {
        self.opened(root)?
            .ok_or_else(|| ErrorPayload::from(&ops::nothing_to_generate(&ops::path_arg(root))))
    }
}

pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        open_project,
        preview_files,
        write_files,
        crate::run::engine_status,
        crate::run::check_port,
        crate::run::up_project,
        crate::run::up_compose_project,
        crate::run::cancel_up,
        crate::run::down_project,
        crate::run::follow_logs,
        crate::run::watch_project,
        crate::run::stop_stream,
        crate::run::open_url,
        crate::run::write_port,
        crate::stats_commands::list_containers,
        crate::stats_commands::stats_subscribe,
        crate::stats_commands::stats_unsubscribe,
        crate::stats_commands::container_history,
        crate::stats_commands::host_capacity,
        crate::stats_commands::container_lifecycle,
    ]
}

/// Run a blocking core call off the async runtime and map its error for IPC.
pub(crate) async fn blocking<T, F>(f: F) -> CmdResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> berth_core::Result<T> + Send + 'static,
{
    match tauri::async_runtime::spawn_blocking(f).await {
        Ok(result) => result.map_err(|e| ErrorPayload::from(&e)),
        Err(join) => Err(ErrorPayload {
            kind: berth_core::ErrorKind::Io,
            message: format!("internal error: {join}"),
        }),
    }
}

#[tauri::command]
pub async fn open_project(state: State<'_, AppState>, path: String) -> CmdResult<OpenedProject> {
    let opened = blocking(move || ops::open_project(&ops::path_arg(&path))).await?;
    state.remember(ops::path_arg(&opened.root), opened.detection.clone());
    Ok(opened)
}

#[tauri::command]
pub async fn preview_files(
    state: State<'_, AppState>,
    root: String,
    edits: PlanEdits,
) -> CmdResult<ProjectPreview> {
    let templates = state.templates()?;
    let detection = state.detection(&root)?;
    blocking(move || ops::preview_files(&ops::path_arg(&root), &detection, &edits, &templates))
        .await
}

#[tauri::command]
pub async fn write_files(
    state: State<'_, AppState>,
    root: String,
    edits: PlanEdits,
    force: bool,
    seen: Option<Vec<Seen>>,
) -> CmdResult<WriteReport> {
    let templates = state.templates()?;
    let detection = state.detection(&root)?;
    blocking(move || {
        let root = ops::path_arg(&root);
        ops::write_files(
            &root,
            &detection,
            &edits,
            &templates,
            force,
            seen.as_deref(),
        )
    })
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn previews_and_writes_only_reach_folders_opened_in_this_session() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("requirements.txt"), "flask==3.0.3\n").unwrap();
        std::fs::write(
            dir.path().join("app.py"),
            "from flask import Flask\napp = Flask(__name__)\n",
        )
        .unwrap();
        let state = AppState::load();
        let opened = ops::open_project(dir.path()).unwrap();

        let refused = state.detection(&opened.root).unwrap_err();
        assert_eq!(refused.kind, berth_core::ErrorKind::NotFound);
        assert!(
            refused.message.contains("open the folder first"),
            "{}",
            refused.message
        );

        state.remember(ops::path_arg(&opened.root), opened.detection.clone());
        assert_eq!(
            Some(state.detection(&opened.root).unwrap()),
            opened.detection
        );
        assert!(state.detection("/somewhere/else").is_err());
    }

    #[test]
    fn a_dockerfile_only_folder_can_be_run_but_not_generated_for() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        let state = AppState::load();
        let opened = ops::open_project(dir.path()).unwrap();
        assert!(state.opened_root(&opened.root).is_err());

        state.remember(ops::path_arg(&opened.root), opened.detection.clone());
        assert_eq!(
            state.opened_root(&opened.root).unwrap(),
            ops::path_arg(&opened.root)
        );
        let refused = state.detection(&opened.root).unwrap_err();
        assert_eq!(refused.kind, berth_core::ErrorKind::NotAProject);
        assert!(
            refused.message.contains("nothing to generate"),
            "{}",
            refused.message
        );
        assert!(state.opened_root("/somewhere/else").is_err());
    }
}
