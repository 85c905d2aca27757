//! The Kubernetes view's commands: assess an opened folder, preview its Kustomize layout and
//! write it into `<folder>/k8s` (the folder is fixed: the webview cannot aim the write
//! elsewhere). A few lines each over `berth_core::app::k8s`.

use crate::commands::{blocking, AppState};
use crate::ipc::CmdResult;
use berth_core::app::k8s::{self, K8sPreview};
use berth_core::k8s::{Assessment, GenerateOptions};
use berth_core::write::{Seen, WriteReport};
use tauri::{Manager, Webview};

fn options(namespace: Option<String>) -> GenerateOptions {
    GenerateOptions {
        namespace: namespace.filter(|n| !n.trim().is_empty()),
    }
}

pub async fn k8s_assess(w: &Webview, root: String) -> CmdResult<Assessment> {
    let path = w.state::<AppState>().opened_root(&root)?;
    blocking(move || k8s::assess(&path)).await
}

pub async fn k8s_preview(
    w: &Webview,
    root: String,
    namespace: Option<String>,
) -> CmdResult<K8sPreview> {
    let path = w.state::<AppState>().opened_root(&root)?;
    blocking(move || k8s::preview(&path, &options(namespace), None)).await
}

pub async fn k8s_write(
    w: &Webview,
    root: String,
    namespace: Option<String>,
    force: bool,
    seen: Option<Vec<Seen>>,
) -> CmdResult<WriteReport> {
    let path = w.state::<AppState>().opened_root(&root)?;
    blocking(move || k8s::write(&path, &options(namespace), None, seen.as_deref(), force)).await
}
