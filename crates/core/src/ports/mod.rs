//! Host ports: is a port free, who holds it (pid, process, container, known owner), which
//! port to use instead, and listing the listening ports.
//!
//! The holder's explanation is the pure [`explain::explain`]; resolution is the pure
//! [`resolve_with`] over an `is_free` predicate; [`check`] and [`resolve`] wire them to the
//! real system (and optionally the engine, to name containers).

pub mod explain;

use crate::Result;
use explain::{Explanation, Os, PortOwner};
use serde::Serialize;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use ts_rs::TS;

pub use explain::KnownOwner;

/// The port tried after the preferred one.
pub const FALLBACK_PORT: u16 = 8080;
/// Where the search for a free port goes after the fallback.
pub const DEFAULT_RANGE: (u16, u16) = (8081, 8999);

/// `berth ports check PORT --json`.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PortCheck {
    pub port: u16,
    pub free: bool,
    pub owner: Option<PortOwner>,
    pub known: Option<KnownOwner>,
    pub explanation: Option<String>,
    pub suggestion: Option<String>,
}

/// One listening socket, from `berth ports scan`.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Listening {
    pub port: u16,
    pub address: String,
    pub owner: PortOwner,
}

/// What a test bind of a host port says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// Nothing holds it.
    Free,
    /// A listener holds it (on any address Berth checks).
    InUse,
    /// This user may not bind it (a port below 1024 without privileges): the engine, which
    /// binds published ports itself, may still be able to.
    NoPermission,
}

/// The outcome of binding `addr` and letting go (pure over the error kind).
fn bind_outcome(result: std::io::Result<TcpListener>) -> Option<Bind> {
    match result {
        Ok(_) => Some(Bind::Free),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Some(Bind::InUse),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Some(Bind::NoPermission),
        // The address family or address is not available here (no IPv6): says nothing.
        Err(_) => None,
    }
}

/// Whether IPv6 sockets work on this machine (checked once).
fn ipv6_available() -> bool {
    static V6: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *V6.get_or_init(|| TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, 0))).is_ok())
}

/// Test-bind `port` as the engine would publish it and on the loopback addresses: free only
/// when nothing listens on `0.0.0.0`, `127.0.0.1`, `[::]` or `[::1]` (portpicker's TCP check
/// covers the unspecified addresses when IPv6 works; a listener on one loopback address only
/// is caught by binding that address too — on macOS a more specific bind can coexist with
/// the wildcard).
pub fn bind_status(port: u16) -> Bind {
    if port == 0 {
        return Bind::InUse;
    }
    let mut addrs: Vec<SocketAddr> = vec![
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)),
        SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
    ];
    if ipv6_available() {
        if !portpicker::is_free_tcp(port) {
            // Held on an unspecified address (or not ours to bind: see below).
            addrs.insert(0, SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)));
        }
        addrs.push(SocketAddr::from((Ipv6Addr::LOCALHOST, port)));
    }
    let mut status = Bind::Free;
    for addr in addrs {
        match bind_outcome(TcpListener::bind(addr)) {
            Some(Bind::InUse) => return Bind::InUse,
            Some(Bind::NoPermission) => status = Bind::NoPermission,
            _ => {}
        }
    }
    status
}

/// Can a container publish on this host port? True when nothing holds it — also when this
/// user may not bind it but the engine might (a privileged port: the engine's start says).
pub fn is_free(port: u16) -> bool {
    bind_status(port) != Bind::InUse
}

/// The process listening on a TCP port, if visible to this user.
pub fn process_owner(port: u16) -> Option<PortOwner> {
    let p = listeners::get_process_by_port(port, listeners::Protocol::TCP).ok()?;
    Some(owner_from_process(p.pid, p.name, p.path))
}

fn owner_from_process(pid: u32, name: String, path: String) -> PortOwner {
    let spid = sysinfo::Pid::from_u32(pid);
    let command = sysinfo::System::new().ok().and_then(|mut sys| {
        sys.refresh_processes_specifics(
            sysinfo::ProcessesToUpdate::Some(&[spid]),
            true,
            sysinfo::ProcessRefreshKind::nothing().with_cmd(sysinfo::UpdateKind::Always),
        );
        sys.process(spid).map(|p| {
            p.cmd()
                .iter()
                .map(|s| s.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" ")
        })
    });
    PortOwner {
        pid: Some(pid),
        name: Some(name),
        path: Some(path).filter(|p| !p.is_empty()),
        command: command.filter(|c| !c.is_empty()),
        ..Default::default()
    }
}

/// Windows: the excluded port range `port` falls in (`netsh ... excludedportrange`).
#[cfg(windows)]
fn excluded_range(port: u16) -> Option<String> {
    let out = std::process::Command::new("netsh")
        .args(["int", "ipv4", "show", "excludedportrange", "protocol=tcp"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    explain::parse_excluded_ranges(&text)
        .into_iter()
        .find(|(a, b)| (*a..=*b).contains(&port))
        .map(|(a, b)| format!("{a}-{b}"))
}

#[cfg(not(windows))]
fn excluded_range(_port: u16) -> Option<String> {
    None
}

/// Who publishes a host port among the engine's containers (the Docker adapter implements it;
/// `ports` itself never talks to the engine).
pub trait ContainerPorts: Sync {
    /// The container (any, not only Berth's) publishing `port`, and whether Berth made it.
    fn container_publishing(
        &self,
        port: u16,
    ) -> impl std::future::Future<Output = Result<Option<(String, bool)>>> + Send;
}

/// No engine to ask: [`check`] names processes only.
pub struct NoEngine;

impl ContainerPorts for NoEngine {
    async fn container_publishing(&self, _port: u16) -> Result<Option<(String, bool)>> {
        Ok(None)
    }
}

/// [`check`] without an engine.
pub async fn check_host(port: u16) -> PortCheck {
    check(port, None::<&NoEngine>).await
}

/// Check a host port. With an engine, a port published by a container names the container.
pub async fn check(port: u16, engine: Option<&impl ContainerPorts>) -> PortCheck {
    match bind_status(port) {
        Bind::Free => {
            return PortCheck {
                port,
                free: true,
                owner: None,
                known: None,
                explanation: None,
                suggestion: None,
            }
        }
        Bind::NoPermission => {
            return PortCheck {
                port,
                free: true,
                owner: None,
                known: None,
                explanation: Some(format!(
                    "port {port} is below 1024: this user may not bind it, so Berth cannot tell \
                     whether it is in use; the engine binds published ports itself and may"
                )),
                suggestion: Some(
                    "if the engine refuses it, choose a port above 1024 (or run a rootful engine)"
                        .into(),
                ),
            }
        }
        Bind::InUse => {}
    }
    let mut owner = process_owner(port);
    if let Some(range) = excluded_range(port) {
        owner.get_or_insert_with(PortOwner::default).excluded_range = Some(range);
    }
    if let Some(engine) = engine {
        if let Ok(Some((name, managed))) = engine.container_publishing(port).await {
            let o = owner.get_or_insert_with(PortOwner::default);
            o.container = Some(name);
            o.berth_managed = managed;
        }
    }
    let Explanation {
        known,
        explanation,
        suggestion,
    } = explain::explain(port, owner.as_ref(), Os::current(), std::process::id());
    PortCheck {
        port,
        free: false,
        owner,
        known: Some(known),
        explanation: Some(explanation),
        suggestion: Some(suggestion),
    }
}

/// Listening TCP ports in `from..=to`, with their owners, sorted by port.
pub fn scan(from: u16, to: u16) -> Result<Vec<Listening>> {
    let all = listeners::get_all()
        .map_err(|e| crate::Error::Engine(format!("cannot list listening sockets: {e}")))?;
    let mut out: Vec<Listening> = all
        .into_iter()
        .filter(|l| {
            l.protocol == listeners::Protocol::TCP
                && l.state == listeners::SocketState::Listen
                && (from..=to).contains(&l.socket.port())
        })
        .map(|l| Listening {
            port: l.socket.port(),
            address: l.socket.ip().to_string(),
            owner: PortOwner {
                pid: Some(l.process.pid),
                name: Some(l.process.name),
                path: Some(l.process.path).filter(|p| !p.is_empty()),
                ..Default::default()
            },
        })
        .collect();
    out.sort_by(|a, b| (a.port, &a.address).cmp(&(b.port, &b.address)));
    Ok(out)
}

/// Where to look for a port when the preferred one is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortPolicy {
    pub fallback: u16,
    pub range: (u16, u16),
}

impl Default for PortPolicy {
    fn default() -> Self {
        PortPolicy {
            fallback: FALLBACK_PORT,
            range: DEFAULT_RANGE,
        }
    }
}

/// The chosen host port and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PortChoice {
    pub port: u16,
    pub preferred: Option<u16>,
    pub reason: String,
}

/// Candidate order: preferred, fallback, then the range.
pub fn candidate_order(preferred: Option<u16>, policy: PortPolicy) -> Vec<u16> {
    let mut v = Vec::new();
    for p in preferred
        .into_iter()
        .chain(std::iter::once(policy.fallback))
        .chain(policy.range.0..=policy.range.1)
    {
        if p != 0 && !v.contains(&p) {
            v.push(p);
        }
    }
    v
}

/// Pure resolution: the first candidate not in `skip` for which `is_free` holds.
pub fn resolve_with(
    preferred: Option<u16>,
    policy: PortPolicy,
    skip: &[u16],
    is_free: impl Fn(u16) -> bool,
) -> Option<PortChoice> {
    let port = candidate_order(preferred, policy)
        .into_iter()
        .find(|p| !skip.contains(p) && is_free(*p))?;
    let taken = |p: u16| {
        if skip.contains(&p) {
            format!("{p} was taken at container start")
        } else {
            format!("{p} is in use")
        }
    };
    let reason = match preferred {
        Some(pref) if pref == port => format!("preferred port {port} is free"),
        Some(pref) if port == policy.fallback => {
            format!("{}; fallback {port} is free", taken(pref))
        }
        Some(pref) => format!(
            "{}{}; {port} is the next free port in {}-{}",
            taken(pref),
            if pref != policy.fallback {
                format!(", {}", taken(policy.fallback))
            } else {
                String::new()
            },
            policy.range.0,
            policy.range.1
        ),
        None if port == policy.fallback => format!("default port {port} is free"),
        None => format!(
            "{}; {port} is the next free port in {}-{}",
            taken(policy.fallback),
            policy.range.0,
            policy.range.1
        ),
    };
    Some(PortChoice {
        port,
        preferred,
        reason,
    })
}

/// Resolve against the real host.
pub fn resolve(preferred: Option<u16>, policy: PortPolicy, skip: &[u16]) -> Result<PortChoice> {
    resolve_with(preferred, policy, skip, is_free).ok_or_else(|| all_taken(preferred, policy))
}

/// The error when no candidate port of `policy` is free.
pub fn all_taken(preferred: Option<u16>, policy: PortPolicy) -> crate::Error {
    crate::Error::PortInUse {
        port: preferred.unwrap_or(policy.fallback),
        owner: Some(format!(
            "every port in {}-{} is taken too",
            policy.range.0, policy.range.1
        )),
    }
}

/// A free port chosen by the OS-backed picker (for tests and last resort).
pub fn any_free_port() -> Option<u16> {
    portpicker::pick_unused_port()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn listeners_on_any_loopback_or_unspecified_address_hold_the_port() {
        let mut addrs = vec![
            SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        ];
        if ipv6_available() {
            addrs.push(SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)));
            addrs.push(SocketAddr::from((Ipv6Addr::LOCALHOST, 0)));
        }
        for addr in addrs {
            let l = TcpListener::bind(addr).unwrap();
            let port = l.local_addr().unwrap().port();
            assert_eq!(bind_status(port), Bind::InUse, "a listener on {addr}");
            assert!(!is_free(port), "{addr}");
            drop(l);
            assert!(is_free(port), "{addr} released");
        }
        assert!(!is_free(0));
    }

    #[test]
    fn bind_errors_are_classified() {
        use std::io::{Error, ErrorKind};
        assert_eq!(
            bind_outcome(Err(Error::from(ErrorKind::AddrInUse))),
            Some(Bind::InUse)
        );
        assert_eq!(
            bind_outcome(Err(Error::from(ErrorKind::PermissionDenied))),
            Some(Bind::NoPermission)
        );
        assert_eq!(
            bind_outcome(Err(Error::from(ErrorKind::AddrNotAvailable))),
            None
        );
    }

    #[test]
    fn preferred_then_fallback_then_range() {
        let pol = PortPolicy {
            fallback: 8080,
            range: (9000, 9005),
        };
        let c = resolve_with(Some(5000), pol, &[], |_| true).unwrap();
        assert_eq!(c.port, 5000);
        assert_eq!(c.reason, "preferred port 5000 is free");
        let c = resolve_with(Some(5000), pol, &[], |p| p != 5000).unwrap();
        assert_eq!(c.port, 8080);
        assert_eq!(c.reason, "5000 is in use; fallback 8080 is free");
        let c = resolve_with(Some(5000), pol, &[], |p| p > 9001).unwrap();
        assert_eq!(c.port, 9002);
        assert_eq!(
            c.reason,
            "5000 is in use, 8080 is in use; 9002 is the next free port in 9000-9005"
        );
        assert!(resolve_with(Some(5000), pol, &[], |_| false).is_none());
    }

    #[test]
    fn skipped_ports_are_reported_as_taken_at_start() {
        let pol = PortPolicy {
            fallback: 8080,
            range: (9000, 9005),
        };
        let c = resolve_with(Some(8080), pol, &[8080], |_| true).unwrap();
        assert_eq!(c.port, 9000);
        assert_eq!(
            c.reason,
            "8080 was taken at container start; 9000 is the next free port in 9000-9005"
        );
    }

    #[test]
    fn order_has_no_duplicates() {
        let pol = PortPolicy {
            fallback: 8080,
            range: (8080, 8082),
        };
        assert_eq!(candidate_order(Some(8081), pol), vec![8081, 8080, 8082]);
    }

    #[tokio::test]
    async fn a_bound_port_is_not_free_and_names_this_process() {
        let l = TcpListener::bind("0.0.0.0:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert!(!is_free(port));
        let c = check_host(port).await;
        assert!(!c.free);
        let o = c.owner.expect("owner visible to the same user");
        assert_eq!(o.pid, Some(std::process::id()));
        assert_eq!(c.known, Some(KnownOwner::ThisProcess));
        let cmd = o.command.expect("command line");
        assert!(cmd.contains("berth_core"), "{cmd}");
        drop(l);
        assert!(is_free(port));
        assert!(check_host(port).await.free);
    }
}
