//! The containers view's commands: take the managed [`StatsState`], call `stats`/`host`, map
//! the error to `{ kind, message }`. Live stats go through a
//! `tauri::ipc::Channel` per view, cancelled by `stats_unsubscribe` (the view closing), when
//! the channel stops accepting messages, or when the webview that asked (re)loads a page;
//! it sends nothing while the window is hidden in the tray.

use crate::host::{self, HostCapacity};
use crate::ipc::CmdResult;
use crate::stats::{self, ContainerRow, LifecycleAction, StatsBatch, StatsState};
use crate::window::WindowShown;
use berth_core::app::GroupReport;
use berth_core::error::ErrorPayload;
use berth_core::stats::StatsPoint;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tauri::async_runtime::JoinHandle;
use tauri::ipc::Channel;
use tauri::{Manager, Webview};

/// The live views' forwarding tasks, by subscription id, with the webview that asked.
#[derive(Default)]
pub struct Subscriptions {
    next: AtomicU32,
    tasks: Mutex<HashMap<u32, (String, JoinHandle<()>)>>,
}

impl Subscriptions {
    fn insert(&self, webview: &str, task: JoinHandle<()>) -> u32 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        tasks.retain(|_, (_, t)| !t.inner().is_finished());
        tasks.insert(id, (webview.to_owned(), task));
        id
    }

    /// A webview (re)loads a page: its views are gone, and so are their streams.
    pub fn cancel_webview(&self, webview: &str) {
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        tasks.retain(|_, (label, t)| {
            let keep = label != webview;
            if !keep {
                t.abort();
            }
            keep
        });
    }

    fn cancel(&self, id: u32) {
        let task = self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        if let Some((_, task)) = task {
            task.abort();
        }
    }
}

fn err(e: berth_core::Error) -> ErrorPayload {
    ErrorPayload::from(&e)
}

fn stats_state(w: &Webview) -> Arc<StatsState> {
    w.state::<Arc<StatsState>>().inner().clone()
}

pub async fn list_containers(w: &Webview) -> CmdResult<Vec<ContainerRow>> {
    let live = stats_state(w).require().map_err(err)?;
    stats::list_containers(&live).await.map_err(err)
}

/// Start streaming batches to `on_batch` (paused while the window is hidden); returns the
/// id to unsubscribe with.
pub async fn stats_subscribe(w: &Webview, on_batch: Channel<StatsBatch>) -> CmdResult<u32> {
    let shown = w.state::<WindowShown>().subscribe();
    let task = tauri::async_runtime::spawn(stats::forward(stats_state(w), shown, move |batch| {
        on_batch.send(batch).is_ok()
    }));
    Ok(w.state::<Subscriptions>().insert(w.label(), task))
}

pub async fn stats_unsubscribe(w: &Webview, id: u32) -> CmdResult<()> {
    w.state::<Subscriptions>().cancel(id);
    Ok(())
}

pub async fn container_history(w: &Webview, id: String) -> CmdResult<Vec<StatsPoint>> {
    let live = stats_state(w).require().map_err(err)?;
    Ok(stats::history(&live, &id))
}

pub async fn host_capacity(_w: &Webview) -> CmdResult<HostCapacity> {
    host::host_capacity().map_err(err)
}

pub async fn container_lifecycle(
    w: &Webview,
    name: String,
    action: LifecycleAction,
) -> CmdResult<()> {
    stats::lifecycle(&stats_state(w), &name, action)
        .await
        .map_err(err)
}

pub async fn group_lifecycle(
    w: &Webview,
    project: String,
    action: LifecycleAction,
) -> CmdResult<GroupReport> {
    stats::group_lifecycle(&stats_state(w), &project, action)
        .await
        .map_err(err)
}
