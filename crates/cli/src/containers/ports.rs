//! `berth ports check PORT [--json]`, `berth ports scan [FROM-TO] [--json]`.

use crate::output;
use berth_core::docker::Engine;
use berth_core::ports::{self, PortCheck};
use berth_core::{Error, Result};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum PortsCommand {
    /// Is a host port free? If not: who holds it and what to do
    Check {
        port: u16,
        #[arg(long)]
        json: bool,
    },
    /// List listening TCP ports with their owners
    Scan {
        /// Port range `FROM-TO` (default: all)
        range: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// `8000-9000` -> (8000, 9000); a single port is a range of one.
pub fn parse_range(s: &str) -> Result<(u16, u16)> {
    let bad = || {
        Error::InvalidPlan(format!(
            "{s}: not a port range (use FROM-TO, e.g. 8000-9000)"
        ))
    };
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let a: u16 = a.trim().parse().map_err(|_| bad())?;
    let b: u16 = b.trim().parse().map_err(|_| bad())?;
    if a == 0 || a > b {
        return Err(bad());
    }
    Ok((a, b))
}

pub async fn run(cmd: PortsCommand) -> Result<()> {
    match cmd {
        PortsCommand::Check { port, json } => {
            if port == 0 {
                return Err(Error::InvalidPlan("port 0 is not a port".into()));
            }
            // The engine only names a container; a busy port is explained without one.
            let engine = if ports::is_free(port) {
                None
            } else {
                Engine::connect().await.ok()
            };
            let c = ports::check(port, engine.as_ref()).await;
            output::print(&c, json, || text(&c));
            Ok(())
        }
        PortsCommand::Scan { range, json } => {
            let (a, b) = match range {
                Some(r) => parse_range(&r)?,
                None => (1, u16::MAX),
            };
            let list = tokio::task::spawn_blocking(move || ports::scan(a, b))
                .await
                .map_err(|e| Error::Engine(e.to_string()))??;
            output::print(&list, json, || {
                let mut s = format!("{:<6} {:<16} {:<8} PROCESS", "PORT", "ADDRESS", "PID");
                for l in &list {
                    s.push_str(&format!(
                        "\n{:<6} {:<16} {:<8} {}",
                        l.port,
                        l.address,
                        l.owner.pid.map(|p| p.to_string()).unwrap_or_default(),
                        l.owner.name.clone().unwrap_or_default()
                    ));
                }
                s
            });
            Ok(())
        }
    }
}

fn text(c: &PortCheck) -> String {
    if c.free {
        return format!("port {} is free", c.port);
    }
    let mut s = c.explanation.clone().unwrap_or_default();
    if let Some(o) = &c.owner {
        if let Some(cmd) = &o.command {
            s.push_str(&format!("\n  command: {cmd}"));
        }
    }
    if let Some(h) = &c.suggestion {
        s.push_str(&format!("\n  fix: {h}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("8000-9000").ok(), Some((8000, 9000)));
        assert_eq!(parse_range("80").ok(), Some((80, 80)));
        assert!(parse_range("9-1").is_err());
        assert!(parse_range("x").is_err());
    }
}
