//! Who usually holds a port, and what to do about it: a pure function of the facts
//! gathered by [`super::check`], unit-tested on hand-built owners.

use serde::Serialize;
use ts_rs::TS;

/// The operating system the explanation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    MacOs,
    Linux,
    Windows,
}

impl Os {
    pub fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }
}

/// Facts about a port's holder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PortOwner {
    pub pid: Option<u32>,
    /// Process name (`ControlCenter`, `docker-proxy`, `python3`).
    pub name: Option<String>,
    /// Executable path, when known.
    pub path: Option<String>,
    /// Full command line, when known.
    pub command: Option<String>,
    /// A container publishing the port (named via the engine's port bindings).
    pub container: Option<String>,
    /// Whether the container was created by Berth (has the `dev.berth.managed` label).
    pub berth_managed: bool,
    /// The Windows excluded port range the port falls in (`start-end`).
    pub excluded_range: Option<String>,
}

/// A recognized kind of holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KnownOwner {
    AirPlayReceiver,
    Container,
    DockerProxy,
    WindowsExcludedRange,
    ThisProcess,
    Unknown,
    Process,
}

/// What the user is told about a busy port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Explanation {
    pub known: KnownOwner,
    pub explanation: String,
    pub suggestion: String,
}

/// Explain who holds `port` and suggest a way out. `self_pid` is this process's pid.
pub fn explain(port: u16, owner: Option<&PortOwner>, os: Os, self_pid: u32) -> Explanation {
    let Some(o) = owner else {
        return Explanation {
            known: KnownOwner::Unknown,
            explanation: format!(
                "port {port} is in use, but its owner is not visible (another user's process, or \
                 a process inside a VM)"
            ),
            suggestion: format!(
                "run `sudo lsof -iTCP:{port} -sTCP:LISTEN` to see the owner, or let Berth pick \
                 another port"
            ),
        };
    };
    let name = o.name.clone().unwrap_or_default();
    let lname = name.to_ascii_lowercase();
    if let Some(range) = &o.excluded_range {
        return Explanation {
            known: KnownOwner::WindowsExcludedRange,
            explanation: format!(
                "port {port} is in a range Windows reserves ({range}), often for Hyper-V / WSL / \
                 Docker Desktop"
            ),
            suggestion: "choose a port outside the reserved ranges (`netsh int ipv4 show \
                         excludedportrange protocol=tcp` lists them), or restart the winnat \
                         service (`net stop winnat && net start winnat`, as administrator)"
                .into(),
        };
    }
    if let Some(c) = &o.container {
        let by = if o.berth_managed {
            "a container Berth started"
        } else {
            "a container"
        };
        return Explanation {
            known: KnownOwner::Container,
            explanation: format!("port {port} is published by {by}: {c}"),
            suggestion: format!(
                "stop it (`berth stop {c}` or `docker stop {c}`) or use another port"
            ),
        };
    }
    if lname == "docker-proxy" || lname.starts_with("com.docker") || lname == "vpnkit" {
        return Explanation {
            known: KnownOwner::DockerProxy,
            explanation: format!(
                "port {port} is held by {name}, which forwards it to a container (container not \
                 identified)"
            ),
            suggestion: "list containers publishing it with `docker ps --filter \
                         publish=PORT`, stop that one, or use another port"
                .replace("PORT", &port.to_string()),
        };
    }
    if os == Os::MacOs
        && (lname == "controlcenter" || lname == "airplayxpchelper")
        && (port == 5000 || port == 7000)
    {
        return Explanation {
            known: KnownOwner::AirPlayReceiver,
            explanation: format!("port {port} is used by macOS AirPlay Receiver ({name})"),
            suggestion: "turn it off in System Settings > General > AirDrop & Handoff > AirPlay \
                         Receiver, or use another port"
                .into(),
        };
    }
    let who = match o.pid {
        Some(pid) if pid == self_pid => {
            return Explanation {
                known: KnownOwner::ThisProcess,
                explanation: format!("port {port} is held by this process ({name}, pid {pid})"),
                suggestion: "use another port".into(),
            }
        }
        Some(pid) => format!("{name} (pid {pid})"),
        None => name.clone(),
    };
    let kill = match (os, o.pid) {
        (Os::Windows, Some(pid)) => format!("`taskkill /PID {pid}`"),
        (_, Some(pid)) => format!("`kill {pid}`"),
        _ => "quitting it".into(),
    };
    Explanation {
        known: KnownOwner::Process,
        explanation: format!("port {port} is in use by {who}"),
        suggestion: format!("stop {name} ({kill}) or use another port"),
    }
}

/// Parse `netsh int ipv4 show excludedportrange protocol=tcp` output into ranges.
pub fn parse_excluded_ranges(output: &str) -> Vec<(u16, u16)> {
    output
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let a = it.next()?.parse::<u16>().ok()?;
            let b = it.next()?.parse::<u16>().ok()?;
            Some((a, b))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn owner(name: &str, pid: u32) -> PortOwner {
        PortOwner {
            pid: Some(pid),
            name: Some(name.into()),
            ..Default::default()
        }
    }

    #[test]
    fn airplay_on_macos() {
        let e = explain(5000, Some(&owner("ControlCenter", 501)), Os::MacOs, 1);
        assert_eq!(e.known, KnownOwner::AirPlayReceiver);
        assert!(e
            .suggestion
            .contains("AirDrop & Handoff > AirPlay Receiver"));
        // the same name on another port is just a process
        let e = explain(5001, Some(&owner("ControlCenter", 501)), Os::MacOs, 1);
        assert_eq!(e.known, KnownOwner::Process);
    }

    #[test]
    fn container_is_named() {
        let o = PortOwner {
            container: Some("web-1".into()),
            name: Some("docker-proxy".into()),
            berth_managed: true,
            ..Default::default()
        };
        let e = explain(8080, Some(&o), Os::Linux, 1);
        assert_eq!(e.known, KnownOwner::Container);
        assert!(e.explanation.contains("web-1"));
        assert!(e.explanation.contains("Berth"));
        assert!(e.suggestion.contains("berth stop web-1"));
    }

    #[test]
    fn docker_proxy_without_container() {
        let e = explain(8080, Some(&owner("docker-proxy", 77)), Os::Linux, 1);
        assert_eq!(e.known, KnownOwner::DockerProxy);
        assert!(e.suggestion.contains("publish=8080"));
    }

    #[test]
    fn windows_excluded_range() {
        let o = PortOwner {
            excluded_range: Some("50000-50059".into()),
            ..Default::default()
        };
        let e = explain(50010, Some(&o), Os::Windows, 1);
        assert_eq!(e.known, KnownOwner::WindowsExcludedRange);
        assert!(e.suggestion.contains("winnat"));
    }

    #[test]
    fn plain_process_and_self() {
        let e = explain(3000, Some(&owner("node", 42)), Os::Linux, 1);
        assert_eq!(e.known, KnownOwner::Process);
        assert_eq!(e.explanation, "port 3000 is in use by node (pid 42)");
        assert!(e.suggestion.contains("kill 42"));
        let e = explain(3000, Some(&owner("node", 42)), Os::Windows, 1);
        assert!(e.suggestion.contains("taskkill /PID 42"));
        let e = explain(3000, Some(&owner("berth", 9)), Os::Linux, 9);
        assert_eq!(e.known, KnownOwner::ThisProcess);
        let e = explain(3000, None, Os::Linux, 9);
        assert_eq!(e.known, KnownOwner::Unknown);
    }

    #[test]
    fn netsh_output_parses() {
        let out = "\nProtocol tcp Port Exclusion Ranges\n\nStart Port    End Port\n\
                   ----------    --------\n      5357        5357\n     50000       50059     *\n\n\
                   * - Administered port exclusions.\n";
        assert_eq!(
            parse_excluded_ranges(out),
            vec![(5357, 5357), (50000, 50059)]
        );
    }
}
