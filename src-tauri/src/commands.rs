//! The project commands (open a folder, preview and write its files) and the app state they
//! share with the Run commands: each is a few lines over `berth_core::app`.

use crate::ipc::CmdResult;
use berth_core::app::{self, OpenedProject, ProjectPreview};
use berth_core::error::ErrorPayload;
use berth_core::plan::{Plan, PlanEdits};
use berth_core::render::Templates;
use berth_core::stacks::Detection;
use berth_core::write::{Seen, WriteReport};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tauri::{Manager, Webview};

/// The app's state: the templates (embedded + the user's overrides, loaded once; a broken
/// override file is reported by every render instead of being ignored) and the detection of
/// every folder opened in this session. Commands name a folder by its root and only folders
/// the user opened are accepted, so the webview cannot aim a write or a run elsewhere.
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

    pub fn templates(&self) -> CmdResult<Arc<Templates>> {
        self.templates.clone()
    }

    fn remember(&self, root: PathBuf, detection: Option<Detection>) {
        // A poisoned lock only means another command panicked mid-insert; the map is intact.
        let mut map = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(root, detection);
    }

    /// The folder `root` names, if it was opened in this session.
    pub fn opened_root(&self, root: &str) -> CmdResult<PathBuf> {
        self.opened(root).map(|_| path_arg(root))
    }

    /// The detection of an opened folder; `None` when it opened with no stack detected.
    fn opened(&self, root: &str) -> CmdResult<Option<Detection>> {
        let map = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&path_arg(root))
            .cloned()
            .ok_or_else(|| ErrorPayload {
                kind: berth_core::ErrorKind::NotFound,
                message: format!("{root} is not open in Berth: open the folder first"),
            })
    }

    /// The plan of an opened folder with `edits` (refused without a detected stack).
    fn plan(&self, root: &str, edits: &PlanEdits) -> CmdResult<(PathBuf, Plan)> {
        let path = path_arg(root);
        let detection = self
            .opened(root)?
            .ok_or_else(|| ErrorPayload::from(&app::nothing_to_generate(&path)))?;
        let plan =
            app::plan_for(&path, &detection, Some(edits)).map_err(|e| ErrorPayload::from(&e))?;
        Ok((path, plan))
    }
}

/// A path received over IPC (typed, pasted, picked or dropped). A leading `~` is the
/// user's home folder, as a shell would read it.
pub fn path_arg(raw: &str) -> PathBuf {
    let home = || std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    match raw.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') || rest.starts_with('\\') => {
            match home() {
                Some(h) => PathBuf::from(h).join(rest.trim_start_matches(['/', '\\'])),
                None => PathBuf::from(raw),
            }
        }
        _ => PathBuf::from(raw),
    }
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

pub async fn open_project(w: &Webview, path: String) -> CmdResult<OpenedProject> {
    let opened = blocking(move || app::open(&path_arg(&path))).await?;
    w.state::<AppState>()
        .remember(path_arg(&opened.root), opened.detection.clone());
    Ok(opened)
}

pub async fn preview_files(
    w: &Webview,
    root: String,
    edits: PlanEdits,
) -> CmdResult<ProjectPreview> {
    let state = w.state::<AppState>();
    let templates = state.templates()?;
    let (path, plan) = state.plan(&root, &edits)?;
    blocking(move || app::preview(&path, &plan, &templates)).await
}

pub async fn write_files(
    w: &Webview,
    root: String,
    edits: PlanEdits,
    force: bool,
    seen: Option<Vec<Seen>>,
) -> CmdResult<WriteReport> {
    let state = w.state::<AppState>();
    let templates = state.templates()?;
    let (path, plan) = state.plan(&root, &edits)?;
    blocking(move || app::write(Path::new(&path), &plan, &templates, seen.as_deref(), force)).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn previews_writes_and_runs_only_reach_folders_opened_in_this_session() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("requirements.txt"), "flask==3.0.3\n").unwrap();
        std::fs::write(
            dir.path().join("app.py"),
            "from flask import Flask\napp = Flask(__name__)\n",
        )
        .unwrap();
        let state = AppState::load();
        let opened = app::open(dir.path()).unwrap();
        let edits = opened.edits.clone().unwrap();

        let refused = state.plan(&opened.root, &edits).unwrap_err();
        assert_eq!(refused.kind, berth_core::ErrorKind::NotFound);
        assert!(
            refused.message.contains("open the folder first"),
            "{}",
            refused.message
        );
        assert!(state.opened_root(&opened.root).is_err());

        state.remember(path_arg(&opened.root), opened.detection.clone());
        let (_, plan) = state.plan(&opened.root, &edits).unwrap();
        assert_eq!(Some(plan), opened.plan);
        assert!(state.opened_root("/somewhere/else").is_err());
        // An invalid edit is refused with its kind.
        let mut bad = edits.clone();
        bad.port = 0;
        assert_eq!(
            state.plan(&opened.root, &bad).unwrap_err().kind,
            berth_core::ErrorKind::InvalidPlan
        );
    }

    #[test]
    fn a_dockerfile_only_folder_can_be_run_but_not_generated_for() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        let state = AppState::load();
        let opened = app::open(dir.path()).unwrap();
        assert!(opened.edits.is_none());
        state.remember(path_arg(&opened.root), opened.detection.clone());
        assert_eq!(
            state.opened_root(&opened.root).unwrap(),
            path_arg(&opened.root)
        );
        let any_edits = PlanEdits {
            port: 8000,
            builder_image: None,
            runtime_image: "python:3.12-slim".into(),
            start_command: vec!["python".into()],
            health_path: None,
            services: Vec::new(),
            host_ca: false,
            environments: false,
        };
        let refused = state.plan(&opened.root, &any_edits).unwrap_err();
        assert_eq!(refused.kind, berth_core::ErrorKind::NotAProject);
        assert!(
            refused.message.contains("nothing to generate"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn tilde_is_the_home_folder() {
        let home = std::env::var("HOME").unwrap();
        assert_eq!(path_arg("~/x"), PathBuf::from(&home).join("x"));
        assert_eq!(path_arg("~"), PathBuf::from(&home));
        assert_eq!(path_arg("/a/~b"), PathBuf::from("/a/~b"));
        assert_eq!(path_arg("~user/x"), PathBuf::from("~user/x"));
    }
}
