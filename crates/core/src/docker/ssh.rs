//! `ssh://[user@]host[:port][/remote/socket]` engines (a docker context made with
//! `docker context create NAME --docker host=ssh://user@host`, `DOCKER_HOST=ssh://…`, or
//! `--engine ssh://…`), through an SSH-forwarded socket that Berth runs itself:
//! `ssh -nNT -L <private dir>/docker.sock:/var/run/docker.sock user@host`, then the Engine API
//! over that local socket. The tunnel lives as long as the [`super::Engine`] and is killed
//! with it.
//!
//! Not bollard's SSH transport: that one starts an ssh master for each connection and offers
//! no way to pass known-hosts or config options. The user's own ssh is used as is: their
//! `~/.ssh/config`, keys and agent, with `BatchMode=yes` (no prompt that would hang: an
//! unknown host key or a password login fails with ssh's own message). `BERTH_SSH_COMMAND`
//! replaces the `ssh` command (split on whitespace, like a simple `GIT_SSH_COMMAND`), for
//! example `ssh -F ~/.ssh/berth_config`.
//!
//! The local socket is created in a private (0700) temporary folder: only this user can
//! reach the remote engine through it.

use crate::{Error, Result};
use std::path::PathBuf;
use std::time::Duration;

/// Environment variable replacing the `ssh` command.
pub const SSH_COMMAND_ENV: &str = "BERTH_SSH_COMMAND";
/// How long the tunnel may take to come up (the SSH handshake and login).
pub const TUNNEL_TIMEOUT: Duration = Duration::from_secs(20);
/// The engine's socket on the remote machine when the address names none.
pub const DEFAULT_REMOTE_SOCKET: &str = "/var/run/docker.sock";

/// An `ssh://` address, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    pub socket: String,
}

/// Parse `ssh://[user@]host[:port][/path]`.
pub fn parse(addr: &str) -> Result<SshTarget> {
    let bad = |why: &str| Error::EngineUnavailable(format!("{addr}: {why}"));
    let rest = addr
        .strip_prefix("ssh://")
        .ok_or_else(|| bad("not an ssh:// address"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u.to_string()), h),
        None => (None, authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            let port = p
                .parse::<u16>()
                .map_err(|_| bad(&format!("the port {p:?} is not a number")))?;
            (h.trim_matches(['[', ']']).to_string(), Some(port))
        }
        _ => (hostport.trim_matches(['[', ']']).to_string(), None),
    };
    let plain = |s: &str| {
        !s.is_empty()
            && !s.starts_with('-')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-:%".contains(c))
    };
    if !plain(&host) {
        return Err(bad(
            "the host name is empty or has characters ssh would not take",
        ));
    }
    if let Some(u) = &user {
        if !plain(u) {
            return Err(bad("the user name has characters ssh would not take"));
        }
    }
    let socket = if path.is_empty() || path == "/" {
        DEFAULT_REMOTE_SOCKET.to_string()
    } else {
        path.to_string()
    };
    if socket.contains(char::is_whitespace) {
        return Err(bad("the remote socket path has spaces"));
    }
    Ok(SshTarget {
        user,
        host,
        port,
        socket,
    })
}

/// The command line: the ssh program and its arguments (forward `local` to the target's socket).
pub fn command_line(ssh: &str, t: &SshTarget, local: &str) -> Vec<String> {
    let mut v: Vec<String> = ssh.split_whitespace().map(str::to_string).collect();
    if v.is_empty() {
        v.push("ssh".into());
    }
    for a in [
        "-nNT",
        "-o",
        "BatchMode=yes",
        "-o",
        "ExitOnForwardFailure=yes",
        "-o",
        "ConnectTimeout=15",
        "-o",
        "ServerAliveInterval=15",
        "-o",
        "StreamLocalBindUnlink=yes",
    ] {
        v.push(a.into());
    }
    v.push("-L".into());
    v.push(format!("{local}:{}", t.socket));
    if let Some(p) = t.port {
        v.push("-p".into());
        v.push(p.to_string());
    }
    if let Some(u) = &t.user {
        v.push("-l".into());
        v.push(u.clone());
    }
    v.push("--".into());
    v.push(t.host.clone());
    v
}

/// A running tunnel: the ssh process (killed on drop) and the private folder of its socket.
pub struct Tunnel {
    _child: tokio::process::Child,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tunnel({})", self.dir.path().display())
    }
}

impl Tunnel {
    /// The local socket's address (`unix://…`).
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("docker.sock")
    }

    /// Start ssh and wait until the forwarded socket exists, or ssh gives up (its message).
    pub async fn open(addr: &str) -> Result<Tunnel> {
        let target = parse(addr)?;
        let fail = |why: String| Error::EngineUnavailable(format!("{addr}: {why}"));
        let dir = tempfile::Builder::new()
            .prefix("berth-ssh-")
            .tempdir()
            .map_err(|e| fail(format!("cannot make a private folder for the tunnel: {e}")))?;
        let local = dir.path().join("docker.sock");
        let log = dir.path().join("ssh.log");
        let err = std::fs::File::create(&log)
            .map_err(|e| fail(format!("cannot write {}: {e}", log.display())))?;
        let ssh = std::env::var(SSH_COMMAND_ENV).unwrap_or_else(|_| "ssh".into());
        let argv = command_line(&ssh, &target, &local.display().to_string());
        let mut child = tokio::process::Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                fail(format!(
                    "cannot run {}: {e} (is OpenSSH installed?)",
                    argv[0]
                ))
            })?;
        let started = tokio::time::Instant::now();
        loop {
            if local.exists() {
                return Ok(Tunnel { _child: child, dir });
            }
            if let Ok(Some(status)) = child.try_wait() {
                let said = std::fs::read_to_string(&log).unwrap_or_default();
                let said: String = said.trim().chars().take(600).collect();
                return Err(fail(format!(
                    "ssh ended ({status}) before the engine's socket was forwarded: {}{}",
                    if said.is_empty() { "no message" } else { &said },
                    if said.contains("Host key verification failed") {
                        " (connect once with `ssh` to accept the host's key)"
                    } else {
                        ""
                    }
                )));
            }
            if started.elapsed() > TUNNEL_TIMEOUT {
                return Err(fail(format!(
                    "the ssh tunnel did not come up within {} s",
                    TUNNEL_TIMEOUT.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_with_user_port_and_socket() {
        assert_eq!(
            parse("ssh://deploy@build.example.com:2222/run/user/1000/podman/podman.sock").unwrap(),
            SshTarget {
                user: Some("deploy".into()),
                host: "build.example.com".into(),
                port: Some(2222),
                socket: "/run/user/1000/podman/podman.sock".into(),
            }
        );
        let t = parse("ssh://myhost").unwrap();
        assert_eq!((t.user, t.port), (None, None));
        assert_eq!(t.socket, DEFAULT_REMOTE_SOCKET);
        assert_eq!(parse("ssh://[::1]:22").unwrap().host, "::1");
    }

    #[test]
    fn option_injection_and_junk_are_refused() {
        for bad in [
            "ssh://-oProxyCommand=x",
            "ssh://",
            "ssh://h:port",
            "ssh://u;rm@h",
            "ssh://h/a b",
            "tcp://h",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_command_line_forwards_the_socket_without_prompts() {
        let t = parse("ssh://me@h:2200/var/run/docker.sock").unwrap();
        let v = command_line("ssh -F /cfg", &t, "/tmp/x/docker.sock");
        assert_eq!(&v[..3], ["ssh", "-F", "/cfg"]);
        assert!(v.contains(&"BatchMode=yes".to_string()));
        let l = v.iter().position(|a| a == "-L").unwrap();
        assert_eq!(v[l + 1], "/tmp/x/docker.sock:/var/run/docker.sock");
        assert_eq!(&v[v.len() - 6..], ["-p", "2200", "-l", "me", "--", "h"]);
    }
}
