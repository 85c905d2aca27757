//! The benchmark over `berth_core::app::bench`: an opened folder, natively and in its
//! container, with progress over a Channel; `stop_stream(<channel id>)` cancels it (the
//! core then removes what it started).

use crate::commands::AppState;
use crate::ipc::CmdResult;
use crate::run::RunState;
use berth_core::app::bench::{bench, BenchRequest};
use berth_core::app::Source;
use berth_core::bench::{BenchEvent, BenchReport};
use berth_core::docker::Engine;
use berth_core::error::ErrorPayload;
use berth_core::plan::PlanEdits;
use tauri::ipc::Channel;
use tauri::{Manager, Webview};

/// Benchmark the opened folder with `requests` measured requests per side, built from
/// `source` with the plan `edits` (what the Run view builds).
pub async fn bench_project(
    w: &Webview,
    root: String,
    requests: u32,
    source: Source,
    edits: Option<PlanEdits>,
    on_event: Channel<BenchEvent>,
) -> CmdResult<BenchReport> {
    let state = w.state::<AppState>();
    let folder = state.opened_root(&root)?;
    let templates = state.templates()?;
    let run = w.state::<RunState>();
    let id = on_event.id();
    let cancel = run.stream_token(id);
    let mut req = BenchRequest::new(folder);
    req.requests = requests;
    req.source = source;
    req.edits = edits;
    let result = async {
        let engine = Engine::connect().await?;
        // A closed channel (the window reloaded) only stops the progress.
        let send = move |e: BenchEvent| {
            let _ = on_event.send(e);
        };
        bench(Some(&engine), &req, &templates, send, cancel).await
    }
    .await;
    run.stream_ended(id);
    result.map_err(|e| ErrorPayload::from(&e))
}
