//! How a stack's app runs in the **dev** environment (`compose.dev.yaml`, `berth up --env
//! dev`): the framework's reload command, the source bind-mounted over the image's copy, the
//! build stage to run when the final image lacks the tools the reload needs, and a debug
//! port. Each provider says it in [`super::StackProvider::dev`]; the helpers here are shared.

use crate::plan::Plan;
use serde::Serialize;
use std::collections::BTreeMap;

/// A debugger the dev environment turns on, published on loopback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebugPort {
    /// The port the debugger listens on inside the container (and on the host's loopback).
    pub port: u16,
    /// What the debugger is (`node --inspect`, `JDWP`), for the comment in the file.
    pub what: &'static str,
}

/// The dev settings of one app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DevSettings {
    /// The reload command (argv); None: the image's own command.
    pub command: Option<Vec<String>>,
    /// The build stage to run instead of the final image, when the final image lacks what
    /// the command needs (a compiler, dev dependencies). Its healthcheck is then turned off
    /// (the final stage's probe tool may not be there) and Berth waits on the HTTP port.
    pub target: Option<&'static str>,
    /// The project subfolder bind-mounted (`.`, or a static site's document root).
    pub source: String,
    /// Where it is mounted in the container (the stage's WORKDIR).
    pub mount: String,
    /// Read-only mount (the app only serves the files).
    pub read_only_source: bool,
    /// Folders inside the mount whose image copy must win over the host's (anonymous
    /// volumes: the image's `node_modules`, a Rust `target`).
    pub keep: Vec<String>,
    /// Extra environment (`FLASK_DEBUG=1`, `NODE_ENV=development`).
    pub env: BTreeMap<String, String>,
    pub debug: Option<DebugPort>,
    /// What the user should know (no hot reload for a compiled stack).
    pub note: Option<String>,
}

impl DevSettings {
    /// The source mounted at `mount`, the image's own command.
    pub fn mounted(mount: &str) -> DevSettings {
        DevSettings {
            command: None,
            target: None,
            source: ".".into(),
            mount: mount.into(),
            read_only_source: false,
            keep: Vec::new(),
            env: BTreeMap::new(),
            debug: None,
            note: None,
        }
    }

    /// With `command`.
    pub fn running(mut self, command: Vec<String>) -> DevSettings {
        self.command = Some(command);
        self
    }

    /// Run in the build stage named `stage`.
    pub fn in_stage(mut self, stage: &'static str) -> DevSettings {
        self.target = Some(stage);
        self
    }

    pub fn with_env(mut self, key: &str, value: &str) -> DevSettings {
        self.env.insert(key.into(), value.into());
        self
    }

    pub fn keeping(mut self, path: &str) -> DevSettings {
        self.keep.push(path.into());
        self
    }

    pub fn noting(mut self, note: &str) -> DevSettings {
        self.note = Some(note.into());
        self
    }

    /// The same with `debug` on.
    pub fn debugging(mut self, port: u16, what: &'static str) -> DevSettings {
        self.debug = Some(DebugPort { port, what });
        self
    }
}

/// `argv` as owned strings.
pub fn argv(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The plan's port as a string.
pub fn port(plan: &Plan) -> String {
    plan.port.to_string()
}

/// The note for stacks whose dev command compiles and runs the app once.
pub const NO_HOT_RELOAD: &str = "the dev command builds and runs the app from the mounted \
     source; restart the service (docker compose restart app) to pick up a change";

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn builders_compose() {
        let d = DevSettings::mounted("/app")
            .running(argv(&["a", "b"]))
            .in_stage("build")
            .with_env("K", "v")
            .keeping("/app/node_modules")
            .debugging(9229, "node --inspect");
        assert_eq!(d.command.as_deref(), Some(&argv(&["a", "b"])[..]));
        assert_eq!(d.target, Some("build"));
        assert_eq!(d.env["K"], "v");
        assert_eq!(d.keep, vec!["/app/node_modules".to_string()]);
        assert_eq!(d.debug.unwrap().port, 9229);
        assert_eq!(d.source, ".");
    }
}
