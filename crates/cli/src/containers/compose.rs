//! `berth up` / `berth down` for a folder with a compose file when a compose tool is
//! installed: the tool builds and starts every service; Berth picks the host port (passed
//! as HOST_PORT), retries on the "already allocated" race, and waits for the app to be
//! healthy through the engine. Every service gets Berth's labels through an override file
//! (`dev.berth.managed`, `dev.berth.project=<folder>`), so `berth ps` lists them.

use berth_core::engine::compose::{self, ComposeTool};
use berth_core::engine::compose_file;
use berth_core::engine::health::HttpProbe;
use berth_core::engine::run::is_port_taken_message;
use berth_core::engine::Engine;
use berth_core::ports::{self, PortPolicy};
use berth_core::{Error, Result};
use serde::Serialize;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// `berth up --json` for a compose project.
#[derive(Serialize)]
pub struct ComposeUp {
    pub runner: &'static str,
    pub tool: String,
    pub project_name: String,
    pub container: String,
    pub image: String,
    pub host_port: u16,
    pub url: String,
    pub port_conflict: Option<ports::PortChoice>,
    pub healthy: bool,
    pub health: berth_core::engine::health::HealthReport,
}

pub fn project_name(root: &Path) -> String {
    let n = root
        .file_name()
        .map(|n| berth_core::plan::sanitize_name(&n.to_string_lossy()))
        .unwrap_or_default();
    if n.is_empty() {
        "app".into()
    } else {
        n
    }
}

/// The default host port in `"${HOST_PORT:-N}:..."` (Berth's compose.yaml), if any.
fn default_host_port(text: &str) -> Option<u16> {
    let i = text.find("${HOST_PORT:-")? + "${HOST_PORT:-".len();
    text[i..].split('}').next()?.parse().ok()
}

fn run_tool(tool: &ComposeTool, args: &[String], host_port: Option<u16>) -> Result<(bool, String)> {
    let (prog, mut base) = tool.base();
    base.extend(args.iter().cloned());
    let mut cmd = Command::new(&prog);
    // The tool's progress goes to stderr so stdout stays clean for --json.
    cmd.args(&base)
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::piped());
    if let Some(p) = host_port {
        cmd.env("HOST_PORT", p.to_string());
    }
    let out = cmd
        .output()
        .map_err(|e| Error::Engine(format!("cannot run {}: {e}", tool.label())))?;
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    eprint!("{err}");
    Ok((out.status.success(), err))
}

pub async fn up(
    e: &Engine,
    tool: &ComposeTool,
    root: &Path,
    file: &Path,
    preferred: Option<u16>,
    policy: PortPolicy,
    timeout: Duration,
) -> Result<ComposeUp> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::Unreadable {
        path: file.to_path_buf(),
        source: e,
    })?;
    let preferred = preferred.or_else(|| default_host_port(&text));
    let name = project_name(root);
    // Label every service as Berth's (dev.berth.managed, dev.berth.project=<folder>).
    let labels = compose_file::write_labels_override(root, file)?;
    eprintln!("running {} with {}", file.display(), tool.label());
    let mut raced = Vec::new();
    let mut conflict = None;
    let port = loop {
        let choice = ports::resolve(preferred, policy, &raced)?;
        if Some(choice.port) != preferred {
            conflict = Some(choice.clone());
        }
        let args = compose::up_args_labelled(file, &labels, &name);
        let (ok, err) = run_tool(tool, &args, Some(choice.port))?;
        if ok {
            break choice.port;
        }
        if is_port_taken_message(&err) && raced.len() < 5 {
            raced.push(choice.port);
            continue;
        }
        let _ = std::fs::remove_file(&labels);
        return Err(Error::Engine(format!(
            "{} up failed: {}",
            tool.label(),
            err.lines().last().unwrap_or("")
        )));
    };
    let _ = std::fs::remove_file(&labels);
    let containers = e
        .containers_labelled(&format!("com.docker.compose.project={name}"))
        .await?;
    let app = containers
        .iter()
        .find(|c| c.ports.iter().any(|p| p.host_port == port))
        .or_else(|| containers.first())
        .ok_or_else(|| Error::Engine(format!("{} started no container", tool.label())))?;
    let probe = HttpProbe {
        port,
        path: "/".into(),
        any_status: true,
    };
    let health = e.wait_healthy(&app.name, Some(probe), timeout).await?;
    Ok(ComposeUp {
        runner: "compose",
        tool: tool.label().into(),
        project_name: name,
        container: app.name.clone(),
        image: app.image.clone(),
        host_port: port,
        url: format!("http://localhost:{port}"),
        port_conflict: conflict,
        healthy: health.healthy,
        health,
    })
}

pub fn down(tool: &ComposeTool, root: &Path, file: &Path) -> Result<()> {
    let (ok, err) = run_tool(tool, &compose::down_args(file, &project_name(root)), None)?;
    if ok {
        Ok(())
    } else {
        Err(Error::Engine(format!(
            "{} down failed: {}",
            tool.label(),
            err.lines().last().unwrap_or("")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_default() {
        assert_eq!(
            default_host_port("      - \"${HOST_PORT:-8000}:8000\"\n"),
            Some(8000)
        );
        assert_eq!(default_host_port("ports: [\"80:80\"]"), None);
    }
}
