//! `berth up` / `berth down` for a folder with a compose file when a compose tool is
//! installed: a thin caller of [`Engine::compose_up_tool`] / [`Engine::compose_down_tool`]
//! (berth-core builds the `build:` services with Berth's builder, runs the tool with the
//! host port resolved and every service labelled as Berth's, and waits for the app).
//! Progress and the tool's output go to stderr, so stdout stays clean for --json.

use berth_core::compose::tool::ComposeTool;
use berth_core::docker::Engine;
use berth_core::runner::compose_tool::{ComposeToolReport, ComposeToolRequest};
use berth_core::runner::single::UpRequest;
use berth_core::Result;
use std::path::Path;

/// `up` with what `berth up` asked for in `asked` (port, range, timeout, --no-cache).
pub async fn up(
    e: &Engine,
    tool: &ComposeTool,
    root: &Path,
    file: &Path,
    asked: &UpRequest,
) -> Result<ComposeToolReport> {
    let mut req = ComposeToolRequest::new(root, file, tool.clone());
    req.host_port = asked.host_port;
    req.policy = asked.policy;
    req.health_timeout = asked.health_timeout;
    req.no_cache = asked.no_cache;
    req.builder = asked.builder;
    e.compose_up_tool(&req, |ev| super::print_event(&ev), super::ctrl_c_token())
        .await
}

pub async fn down(e: &Engine, tool: &ComposeTool, root: &Path, file: &Path) -> Result<()> {
    let req = ComposeToolRequest::new(root, file, tool.clone());
    e.compose_down_tool(&req, |ev| super::print_event(&ev), super::ctrl_c_token())
        .await
}
