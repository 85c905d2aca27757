//! `berth up` / `berth down` for a folder with a compose file when a compose tool is
//! installed: a thin caller of [`Engine::compose_up_tool`] / [`Engine::compose_down_tool`]
//! (berth-core builds the `build:` services with Berth's builder, runs the tool with the
//! host port resolved and every service labelled as Berth's, and waits for the app).
//! Progress and the tool's output go to stderr, so stdout stays clean for --json.

use berth_core::engine::compose::ComposeTool;
use berth_core::engine::compose_tool::{ComposeToolReport, ComposeToolRequest};
use berth_core::engine::Engine;
use berth_core::ports::PortPolicy;
use berth_core::Result;
use std::path::Path;
use std::time::Duration;

pub async fn up(
    e: &Engine,
    tool: &ComposeTool,
    root: &Path,
    file: &Path,
    preferred: Option<u16>,
    policy: PortPolicy,
    timeout: Duration,
) -> Result<ComposeToolReport> {
    let mut req = ComposeToolRequest::new(root, file, tool.clone());
    req.host_port = preferred;
    req.policy = policy;
    req.health_timeout = timeout;
    e.compose_up_tool(&req, |ev| super::print_event(&ev), super::ctrl_c_token())
        .await
}

pub async fn down(e: &Engine, tool: &ComposeTool, root: &Path, file: &Path) -> Result<()> {
    let req = ComposeToolRequest::new(root, file, tool.clone());
    e.compose_down_tool(&req, |ev| super::print_event(&ev), super::ctrl_c_token())
        .await
}
