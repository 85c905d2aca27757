//! `berth up PATH [--port N] [--json] [--watch] [--write-port]`.

use crate::output;
use berth_core::docker::Engine;
use berth_core::ports::PortPolicy;
use berth_core::runner::compose_api::ComposeUpRequest;
use berth_core::runner::single::{UpReport, UpRequest};
use berth_core::Result;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct UpArgs {
    /// The project folder
    path: PathBuf,
    /// Preferred host port (default: the app's port; then 8080, then the next free one)
    #[arg(long)]
    port: Option<u16>,
    /// Search range for a free port when the preferred ones are taken, `FROM-TO`
    #[arg(long, default_value = "8081-8999")]
    port_range: String,
    /// Seconds to wait for healthy
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    #[arg(long)]
    no_cache: bool,
    /// Rebuild and restart when files change (files listed in .dockerignore are ignored)
    #[arg(long)]
    watch: bool,
    /// Write the chosen host port into the folder's compose.yaml (atomic, with a backup)
    #[arg(long)]
    write_port: bool,
    #[arg(long)]
    json: bool,
}

pub async fn run(a: UpArgs) -> Result<()> {
    let e = super::connect().await?;
    let (from, to) = super::ports::parse_range(&a.port_range)?;
    let mut req = UpRequest::new(&a.path);
    req.host_port = a.port;
    req.policy = PortPolicy {
        fallback: berth_core::ports::FALLBACK_PORT,
        range: (from, to),
    };
    req.health_timeout = Duration::from_secs(a.timeout);
    req.no_cache = a.no_cache;
    let root =
        std::fs::canonicalize(&a.path).map_err(|_| berth_core::Error::NotFound(a.path.clone()))?;
    if let Some(file) = berth_core::compose::find_file(&root) {
        match berth_core::compose::find_tool().tool {
            Some(tool) if !a.watch => {
                let r = super::compose::up(&e, &tool, &root, &file, &req).await?;
                if a.write_port {
                    write_port(&root, r.host_port)?;
                }
                output::print(&r, a.json, || {
                    format!(
                        "{} ({}) via {}
url: {}
healthy: {} ({})",
                        r.container, r.image, r.tool, r.url, r.healthy, r.health.message
                    )
                });
                return if r.healthy {
                    Ok(())
                } else {
                    Err(berth_core::Error::Engine(format!(
                        "{} is not healthy: {}",
                        r.container, r.health.message
                    )))
                };
            }
            Some(_) => eprintln!("--watch runs through the Engine API (not compose)"),
            None if !a.watch => {
                eprintln!(
                    "{} found but no compose tool is installed: running its services through \
                     the Engine API",
                    file.display()
                );
                return compose_api(&e, &req, &root, &a).await;
            }
            None => eprintln!("--watch runs the app through the Engine API (not compose)"),
        }
    }
    let report = up_once(&e, &req, &a).await?;
    if a.watch {
        return watch(&e, req, &a, report).await;
    }
    if report.healthy {
        Ok(())
    } else {
        Err(berth_core::Error::Engine(format!(
            "{} is not healthy: {}",
            report.container, report.health.message
        )))
    }
}

/// A compose project without a compose tool: its services through the Engine API.
async fn compose_api(
    e: &Engine,
    req: &UpRequest,
    root: &std::path::Path,
    a: &UpArgs,
) -> Result<()> {
    let mut creq = ComposeUpRequest::new(root);
    creq.host_port = req.host_port;
    creq.policy = req.policy;
    creq.health_timeout = req.health_timeout;
    creq.no_cache = req.no_cache;
    creq.builder = req.builder;
    let r = e
        .compose_up_api(&creq, |ev| super::print_event(&ev), super::ctrl_c_token())
        .await?;
    if a.write_port {
        if let Some(port) = r.host_port {
            write_port(root, port)?;
        }
    }
    output::print(&r, a.json, || {
        let mut s = format!(
            "{} ({}) via the Engine API (no compose tool); services: {}",
            r.container,
            r.image,
            r.services
                .iter()
                .map(|s| s.service.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Some(u) = &r.url {
            s.push_str(&format!("\nurl: {u}"));
        }
        if let Some(c) = &r.port_conflict {
            s.push_str(&format!("\nport: {}", c.reason));
        }
        s.push_str(&format!("\nhealthy: {} ({})", r.healthy, r.health.message));
        for l in &r.health.last_logs {
            s.push_str(&format!("\n  | {l}"));
        }
        for n in &r.notes {
            s.push_str(&format!("\nnote: {n}"));
        }
        s
    });
    if r.healthy {
        Ok(())
    } else {
        Err(berth_core::Error::Engine(format!(
            "{} is not healthy: {}",
            r.container, r.health.message
        )))
    }
}

async fn up_once(e: &Engine, req: &UpRequest, a: &UpArgs) -> Result<UpReport> {
    let report = e
        .up(req, |ev| super::print_event(&ev), super::ctrl_c_token())
        .await?;
    if a.write_port {
        if let Some(port) = report.host_port {
            write_port(std::path::Path::new(&report.project), port)?;
        }
    }
    output::print(&report, a.json, || text(&report));
    Ok(report)
}

/// `--write-port`: record the chosen host port in the folder's compose file.
fn write_port(root: &std::path::Path, port: u16) -> Result<()> {
    let Some(file) = berth_core::compose::find_file(root) else {
        eprintln!("--write-port: no compose file in {}", root.display());
        return Ok(());
    };
    match berth_core::compose::ports::write_host_port(&file, port)? {
        Some(w) => eprintln!(
            "{}: host port set to {port} (backup: {})",
            file.display(),
            w.backup.display()
        ),
        None => eprintln!("{} already publishes {port}", file.display()),
    }
    Ok(())
}

fn text(r: &UpReport) -> String {
    let mut s = format!(
        "{}\n{} ({}) from {} Dockerfile",
        super::build::summary(&r.build),
        r.container,
        r.image,
        match r.dockerfile {
            berth_core::runner::single::DockerfileSource::Project => "the project's",
            berth_core::runner::single::DockerfileSource::Generated =>
                "Berth's generated (in memory)",
        }
    );
    if let Some(c) = &r.port_conflict {
        s.push_str(&format!("\nport {}: {}", c.requested, c.reason));
        if let Some(chk) = &c.check {
            if let Some(x) = &chk.explanation {
                s.push_str(&format!("\n  {x}"));
            }
            if let Some(x) = &chk.suggestion {
                s.push_str(&format!("\n  fix: {x}"));
            }
        }
    }
    if let Some(u) = &r.url {
        s.push_str(&format!("\nurl: {u}"));
    }
    s.push_str(&format!(
        "\nhealthy: {} ({}, {} ms)",
        r.healthy, r.health.message, r.health.waited_ms
    ));
    for l in &r.health.last_logs {
        s.push_str(&format!("\n  | {l}"));
    }
    for w in &r.warnings {
        s.push_str(&format!("\nwarning: {w}"));
    }
    s
}

async fn watch(e: &Engine, mut req: UpRequest, a: &UpArgs, first: UpReport) -> Result<()> {
    // Keep the port we got, so the URL stays the same across rebuilds.
    req.host_port = first.host_port.or(req.host_port);
    let root = PathBuf::from(&first.project);
    let mut changes = berth_core::watch::watch(&root)?;
    eprintln!("watching {} (Ctrl-C to stop)", root.display());
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            batch = changes.next_batch() => {
                let Some(paths) = batch else { return Ok(()) };
                eprintln!("changed: {}", paths.iter().take(3).map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
                match up_once(e, &req, a).await {
                    Ok(_) => {}
                    Err(err) => eprintln!("berth: {err}"),
                }
            }
        }
    }
}
