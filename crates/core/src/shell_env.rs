//! The user's login-shell environment, for an app started outside a terminal.
//!
//! A macOS app opened from the Finder or the Dock is started by launchd with a bare
//! environment: `PATH=/usr/bin:/bin:/usr/sbin:/sbin` and no `DOCKER_HOST`, whatever the
//! user's `~/.zprofile` or `~/.zshrc` says. Discovery would then miss a `DOCKER_HOST` (Colima,
//! a remote engine) and the compose tool lookup would miss `/usr/local/bin/docker` or
//! `/opt/homebrew/bin/docker`, and `docker compose` run by Berth would miss the credential
//! helpers next to them. So the app asks the user's login shell once, at startup, as other
//! desktop developer tools do (`$SHELL -ilc` with a timeout), and adopts `PATH` (the shell's
//! first, then what the process had) and the `DOCKER_*` variables it does not already have.
//!
//! Parsing and merging are pure ([`parse`], [`updates`]); [`read_login_shell`] runs the shell.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The variables taken from the login shell.
pub const VARS: &[&str] = &["PATH", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG"];
/// Set for the shell while it is asked, so a slow rc file can skip work (`[ -n
/// "$BERTH_RESOLVING_ENVIRONMENT" ] && return`).
pub const RESOLVING_ENV: &str = "BERTH_RESOLVING_ENVIRONMENT";
/// A shell that has not answered within this long is killed and ignored.
pub const SHELL_TIMEOUT: Duration = Duration::from_secs(5);
/// Brackets the answer, so what an interactive shell prints on start (a banner, a
/// fortune) is not mistaken for it.
const MARK: &str = "__BERTH_ENV_7f3a__";

/// The command the shell runs: the marker, `env`, the marker (plain commands, so it reads
/// the same in sh, bash, zsh and fish).
pub fn shell_command() -> String {
    format!("echo {MARK}; env; echo {MARK}")
}

/// The [`VARS`] in a shell's answer (pure): the `KEY=value` lines between the markers.
/// None when the markers are missing (the shell failed before running the command).
pub fn parse(output: &str) -> Option<BTreeMap<String, String>> {
    let start = output.find(MARK)? + MARK.len();
    let rest = &output[start..];
    let body = &rest[..rest.find(MARK)?];
    let mut vars = BTreeMap::new();
    for line in body.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some((key, value)) = line.split_once('=') {
            if VARS.contains(&key) && !value.is_empty() {
                vars.insert(key.to_owned(), value.to_owned());
            }
        }
    }
    Some(vars)
}

/// `PATH` with the login shell's entries first, then the process's entries it lacks (pure).
pub fn merged_path(login: &str, current: Option<&str>) -> String {
    let sep = if cfg!(windows) { ';' } else { ':' };
    let mut out: Vec<&str> = Vec::new();
    for entry in login.split(sep).chain(current.unwrap_or("").split(sep)) {
        if !entry.is_empty() && !out.contains(&entry) {
            out.push(entry);
        }
    }
    out.join(&sep.to_string())
}

/// What to set (pure): the merged `PATH`, and each other variable the process does not
/// have (a variable set where the app was started wins over the shell's).
pub fn updates(
    login: &BTreeMap<String, String>,
    current: impl Fn(&str) -> Option<String>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (key, value) in login {
        let now = current(key).filter(|v| !v.is_empty());
        if key == "PATH" {
            let merged = merged_path(value, now.as_deref());
            if now.as_deref() != Some(merged.as_str()) {
                out.push((key.clone(), merged));
            }
        } else if now.is_none() {
            out.push((key.clone(), value.clone()));
        }
    }
    out
}

/// Ask `shell` (as a login, interactive shell) for its environment; None when it fails, is
/// not there, or does not answer within `timeout` (it is killed then).
pub fn read_login_shell(shell: &Path, timeout: Duration) -> Option<BTreeMap<String, String>> {
    let mut child = Command::new(shell)
        .args(["-i", "-l", "-c", &shell_command()])
        .env(RESOLVING_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        let _ = tx.send(out);
    });
    let answer = rx.recv_timeout(timeout).ok();
    if answer.is_none() {
        let _ = child.kill();
    }
    let _ = child.wait();
    // Joined: no thread of this module outlives the call (the app sets variables after it).
    // A background process the shell left holding stdout could keep the reader waiting;
    // it is not joined then.
    if answer.is_some() {
        let _ = reader.join();
    }
    parse(&String::from_utf8_lossy(&answer?))
}

/// The user's shell: `$SHELL`, else the platform's default login shell.
pub fn user_shell() -> std::path::PathBuf {
    std::env::var_os("SHELL")
        .filter(|s| !s.is_empty())
        .map(Into::into)
        .unwrap_or_else(|| {
            if cfg!(target_os = "macos") {
                "/bin/zsh".into()
            } else {
                "/bin/sh".into()
            }
        })
}

/// Should the app ask the login shell? On macOS always (an app opened from the Finder has
/// launchd's bare environment; from a terminal, merging changes nothing that was set);
/// elsewhere when `BERTH_LOGIN_SHELL_ENV=1` (a Linux launcher that skips the shell's rc files;
/// the tests). Never on Windows (programs get the user's environment from the registry).
pub fn wanted() -> bool {
    match std::env::var("BERTH_LOGIN_SHELL_ENV").ok().as_deref() {
        Some("1") => !cfg!(windows),
        Some("0") => false,
        _ => cfg!(target_os = "macos"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn answer(body: &str) -> String {
        format!("Last login: Mon\nWelcome!\n{MARK}\n{body}{MARK}\n")
    }

    #[test]
    fn only_the_wanted_variables_between_the_markers_are_read() {
        let out = answer(
            "HOME=/Users/u\nPATH=/opt/homebrew/bin:/usr/bin:/bin\r\nDOCKER_HOST=unix:///Users/u/.colima/default/docker.sock\nDOCKER_CONTEXT=\nLS_COLORS=a=b\n",
        );
        let vars = parse(&format!("PATH=/banner/bin\n{out}")).unwrap();
        assert_eq!(
            vars.into_iter().collect::<Vec<_>>(),
            vec![
                (
                    "DOCKER_HOST".to_string(),
                    "unix:///Users/u/.colima/default/docker.sock".to_string()
                ),
                (
                    "PATH".to_string(),
                    "/opt/homebrew/bin:/usr/bin:/bin".to_string()
                ),
            ],
            "the banner's PATH= line and the empty DOCKER_CONTEXT are not taken"
        );
    }

    #[test]
    fn an_answer_without_both_markers_is_no_answer() {
        assert_eq!(parse("zsh: command not found: env\n"), None);
        assert_eq!(parse(&format!("{MARK}\nPATH=/bin\n")), None);
        assert_eq!(parse(&answer("")), Some(BTreeMap::new()));
    }

    #[test]
    #[cfg(unix)]
    fn the_shells_path_comes_first_without_duplicates() {
        assert_eq!(
            merged_path(
                "/opt/homebrew/bin:/usr/bin",
                Some("/usr/bin:/bin:/usr/sbin")
            ),
            "/opt/homebrew/bin:/usr/bin:/bin:/usr/sbin"
        );
        assert_eq!(merged_path("/a::/b", None), "/a:/b");
    }

    #[test]
    #[cfg(unix)]
    fn variables_set_where_the_app_started_win_except_path_which_merges() {
        let login: BTreeMap<String, String> = [
            ("PATH", "/opt/homebrew/bin:/usr/bin"),
            ("DOCKER_HOST", "unix:///shell.sock"),
            ("DOCKER_CONTEXT", "colima"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let current = |k: &str| match k {
            "PATH" => Some("/usr/bin:/bin".to_string()),
            "DOCKER_HOST" => Some("tcp://launch:2375".to_string()),
            "DOCKER_CONTEXT" => Some(String::new()),
            _ => None,
        };
        assert_eq!(
            updates(&login, current),
            vec![
                ("DOCKER_CONTEXT".to_string(), "colima".to_string()),
                (
                    "PATH".to_string(),
                    "/opt/homebrew/bin:/usr/bin:/bin".to_string()
                ),
            ]
        );
        let same_path = |k: &str| (k == "PATH").then(|| "/opt/homebrew/bin:/usr/bin".to_string());
        let only_path: BTreeMap<String, String> =
            [("PATH".to_string(), "/opt/homebrew/bin:/usr/bin".to_string())].into();
        assert!(updates(&only_path, same_path).is_empty(), "nothing changes");
    }
}
