//! How a stack's app runs **natively**, on this machine's own runtime, for `berth bench`'s
//! native side. Each provider says it in [`super::StackProvider::native`]; the bench copies
//! the project into a private folder first and runs everything there, never in the user's
//! folder.
//!
//! Paths in the setup are written with two placeholders, replaced when it runs
//! ([`expand`]): `{app}`, the private copy of the project (the working directory), and
//! `{tools}`, a private folder beside it (a virtualenv, exported requirement files).

use crate::plan::Plan;
use std::collections::BTreeMap;

/// The private copy of the project.
pub const APP: &str = "{app}";
/// The private tools folder beside it.
pub const TOOLS: &str = "{tools}";

/// What running the app natively takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeSetup {
    /// Host programs the run needs, looked up on `PATH` before anything runs.
    pub programs: Vec<String>,
    /// What to install when one is missing (the message names it).
    pub install_hint: &'static str,
    /// argv printing the runtime's version (`python3 --version`), for the report.
    pub version: Vec<String>,
    /// Steps run first (a virtualenv), then `steps`: the plan's install and build steps
    /// that make sense on a host. Each runs in `{app}` with [`Self::env`] and [`Self::path`].
    pub prepare: Vec<Vec<String>>,
    pub steps: Vec<Vec<String>>,
    /// Folders put first on `PATH` (the virtualenv's `bin`, `node_modules/.bin`).
    pub path: Vec<String>,
    /// Environment of the steps and of the app.
    pub env: BTreeMap<String, String>,
    /// Environment of the app only (what the image's final stage sets: `NODE_ENV`).
    pub run_env: BTreeMap<String, String>,
}

/// Whether and how a plan's app runs natively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Native {
    Runs(NativeSetup),
    /// Why not (the bench says it and measures the container only).
    Unsupported(String),
}

/// The plan's install and build steps, in order, as argv; `/tmp/...` arguments (files the
/// container's steps leave in its /tmp) go to `{tools}` instead (pure).
pub fn plan_steps(plan: &Plan, skip: impl Fn(&[String]) -> bool) -> Vec<Vec<String>> {
    plan.install_steps
        .iter()
        .chain(&plan.build_steps)
        .map(|s| s.argv.clone())
        .filter(|a| !skip(a))
        .map(|a| {
            a.into_iter()
                .map(|x| match x.strip_prefix("/tmp/") {
                    Some(rest) => format!("{TOOLS}/{rest}"),
                    None => x,
                })
                .collect()
        })
        .collect()
}

/// `s` with the placeholders replaced (pure).
pub fn expand(s: &str, app: &str, tools: &str) -> String {
    s.replace(APP, app).replace(TOOLS, tools)
}

/// The start command as it runs natively on `port` (pure): the plan's port and any
/// `0.0.0.0` bind address become `port` and `127.0.0.1` (`--bind 0.0.0.0:8000`,
/// `--host 0.0.0.0 --port 5000`, `--port=5000`), and `/app` (the image's working
/// directory) becomes `{app}`. An app that hard-codes its port keeps it.
pub fn start_argv(start: &[String], plan_port: u16, port: u16) -> Vec<String> {
    start
        .iter()
        .map(|a| native_arg(a, plan_port, port))
        .collect()
}

/// One argument or environment value as it runs natively (see [`start_argv`]; pure).
pub fn native_arg(a: &str, plan_port: u16, port: u16) -> String {
    let (p, n) = (plan_port.to_string(), port.to_string());
    // `--flag=value`: rewrite the value.
    if let Some((flag, value)) = a.split_once('=').filter(|(f, _)| f.starts_with('-')) {
        return format!("{flag}={}", native_arg(value, plan_port, port));
    }
    if a == p {
        return n;
    }
    if let Some(host) = a.strip_suffix(&format!(":{p}")) {
        let host = if host == "0.0.0.0" || host.is_empty() {
            "127.0.0.1"
        } else {
            host
        };
        return format!("{host}:{n}");
    }
    if a == "0.0.0.0" {
        return "127.0.0.1".into();
    }
    if a == "/app" || a.starts_with("/app/") {
        return format!("{APP}{}", &a[4..]);
    }
    a.to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_start_command_binds_loopback_on_the_chosen_port() {
        assert_eq!(
            start_argv(
                &v(&["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]),
                8000,
                9123
            ),
            v(&["gunicorn", "--bind", "127.0.0.1:9123", "app:app"])
        );
        assert_eq!(
            start_argv(
                &v(&[
                    "python", "-m", "flask", "--app", "app", "run", "--host", "0.0.0.0", "--port",
                    "5000"
                ]),
                5000,
                5001
            ),
            v(&[
                "python",
                "-m",
                "flask",
                "--app",
                "app",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                "5001"
            ])
        );
        assert_eq!(
            start_argv(
                &v(&["uvicorn", "m:app", "--port=8000", "--bind=:8000"]),
                8000,
                8001
            ),
            v(&["uvicorn", "m:app", "--port=8001", "--bind=127.0.0.1:8001"])
        );
        // Nothing to rewrite: a plain node entry (the port comes from PORT).
        assert_eq!(
            start_argv(&v(&["node", "server.js"]), 3000, 3001),
            v(&["node", "server.js"])
        );
        // The image's working directory is the copy.
        assert_eq!(native_arg("/app/src", 1, 2), "{app}/src");
        assert_eq!(native_arg("/application", 1, 2), "/application");
        assert_eq!(
            expand("{app}/src:{tools}/venv", "/t/a", "/t/t"),
            "/t/a/src:/t/t/venv"
        );
    }
}
