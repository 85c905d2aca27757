//! Environments: **dev** and **prod**. A compose project gets them as override files merged
//! over its compose file, exactly as `docker compose -f compose.yaml -f compose.prod.yaml`
//! merges them ([`crate::compose::merge`]); Berth renders them from the plan
//! (`templates/compose.dev.yaml.j2`, `templates/compose.prod.yaml.j2`). A folder with only a
//! Dockerfile has environments too: [`apply_single`] turns the single runner's container
//! into the same settings (pure).
//!
//! | | dev | prod |
//! |---|---|---|
//! | source | bind-mounted over the image's copy | none: only the image (no bind mounts) |
//! | command | the framework's reload command (from the stack provider) | the image's |
//! | root filesystem | writable | read-only (+ tmpfs /tmp) |
//! | restart | no | unless-stopped |
//! | limits | the plan's | the plan's (memory, CPUs, processes) |
//! | logs | the engine's default | json-file, rotated: 3 files of 10 MB |
//! | healthcheck | the image's (off when a build stage runs) | required |
//! | debug port | the debugger's, on loopback | none |

use crate::docker::spec::{ContainerSpec, LogConfig, Publish, Restart, LOOPBACK};
use crate::stacks::DevSettings;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// A deployment environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Environment {
    Dev,
    Prod,
}

/// json-file log rotation of prod containers: this many files ...
pub const LOG_MAX_FILES: &str = "3";
/// ... of at most this size each.
pub const LOG_MAX_SIZE: &str = "10m";

impl Environment {
    pub const ALL: [Environment; 2] = [Environment::Dev, Environment::Prod];

    pub fn name(self) -> &'static str {
        match self {
            Environment::Dev => "dev",
            Environment::Prod => "prod",
        }
    }

    /// `dev` / `prod` (also `development` / `production`).
    pub fn parse(s: &str) -> Result<Environment> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dev" | "development" => Ok(Environment::Dev),
            "prod" | "production" => Ok(Environment::Prod),
            other => Err(Error::InvalidInput(format!(
                "unknown environment {other:?}: use dev or prod"
            ))),
        }
    }

    /// The override file Berth writes: `compose.dev.yaml` / `compose.prod.yaml`.
    pub fn override_file(self) -> String {
        format!("compose.{}.yaml", self.name())
    }

    /// The names an override file of this environment goes by next to a compose file, in
    /// the order they are looked for.
    pub fn override_names(self) -> Vec<String> {
        let n = self.name();
        vec![
            format!("compose.{n}.yaml"),
            format!("compose.{n}.yml"),
            format!("docker-compose.{n}.yaml"),
            format!("docker-compose.{n}.yml"),
        ]
    }

    /// The override file of this environment in `dir`, if there is one.
    pub fn find_override(self, dir: &Path) -> Option<PathBuf> {
        self.override_names()
            .into_iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
    }

    /// The json-file logging prod containers get.
    pub fn log_config(self) -> Option<LogConfig> {
        match self {
            Environment::Dev => None,
            Environment::Prod => Some(LogConfig {
                driver: "json-file".into(),
                options: BTreeMap::from([
                    ("max-size".to_string(), LOG_MAX_SIZE.to_string()),
                    ("max-file".to_string(), LOG_MAX_FILES.to_string()),
                ]),
            }),
        }
    }
}

impl std::fmt::Display for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the single runner knows when it applies an environment to its container.
#[derive(Debug, Clone, Default)]
pub struct SingleContext<'a> {
    /// The project folder (canonical): what dev mounts.
    pub root: PathBuf,
    /// The image's WORKDIR (where dev mounts the source when there is no plan).
    pub workdir: String,
    /// The plan's dev settings (None: the folder's own Dockerfile, nothing known about it).
    pub dev: Option<&'a DevSettings>,
    /// The image (or the spec) has a healthcheck.
    pub has_healthcheck: bool,
}

/// The single runner's container in `env` (pure): see the module's table. Prod without a
/// healthcheck is refused. A dev server that needs a build stage runs that stage (the runner
/// builds it: [`DevSettings::target`]). Returns what the user should know.
pub fn apply_single(
    env: Environment,
    spec: &mut ContainerSpec,
    ctx: &SingleContext<'_>,
) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    match env {
        Environment::Prod => {
            if !ctx.has_healthcheck {
                return Err(Error::InvalidInput(
                    "prod needs a healthcheck: add a HEALTHCHECK to the Dockerfile (Berth's \
                     generated Dockerfiles have one) or a health path to the plan"
                        .into(),
                ));
            }
            spec.read_only = true;
            spec.tmpfs
                .entry("/tmp".into())
                .or_insert_with(|| crate::runner::single::TMP_TMPFS.into());
            spec.restart = Restart::UnlessStopped;
            spec.log = env.log_config();
            spec.binds.clear();
        }
        Environment::Dev => {
            spec.read_only = false;
            spec.restart = Restart::No;
            let root = ctx.root.display().to_string();
            match ctx.dev {
                Some(dev) => {
                    if let Some(stage) = dev.target {
                        // The runner built that stage (see `BuildRequest::target`): it has
                        // the toolchain but not the final stage's healthcheck.
                        spec.healthcheck = None;
                        notes.push(format!("dev: runs the Dockerfile's `{stage}` stage"));
                    }
                    let source = match dev.source.trim_start_matches("./") {
                        "" | "." => root,
                        s if crate::plan::is_safe_relative_path(s) => format!("{root}/{s}"),
                        s => {
                            return Err(Error::InvalidPlan(format!(
                                "the dev source folder {s:?} is not a safe relative path"
                            )))
                        }
                    };
                    let ro = if dev.read_only_source { ":ro" } else { "" };
                    spec.binds.push(format!("{source}:{}{ro}", dev.mount));
                    spec.anonymous_volumes.extend(dev.keep.iter().cloned());
                    if let Some(cmd) = &dev.command {
                        spec.cmd = Some(cmd.clone());
                    }
                    for (k, v) in &dev.env {
                        spec.env.retain(|e| !e.starts_with(&format!("{k}=")));
                        spec.env.push(format!("{k}={v}"));
                    }
                    if let Some(d) = &dev.debug {
                        spec.publish
                            .push(Publish::new(d.port, Some(d.port), LOOPBACK));
                        notes.push(format!("dev: {} debugger on 127.0.0.1:{}", d.what, d.port));
                    }
                    notes.extend(dev.note.iter().map(|n| format!("dev: {n}")));
                }
                None => {
                    let workdir = if ctx.workdir.is_empty() {
                        "/app"
                    } else {
                        ctx.workdir.as_str()
                    };
                    spec.binds.push(format!("{root}:{workdir}"));
                    notes.push(format!(
                        "dev: the folder is mounted at {workdir} (the image's WORKDIR) and the \
                         image's own command runs; restart to pick up a change"
                    ));
                }
            }
        }
    }
    Ok(notes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::stacks::dev::argv;

    fn spec() -> ContainerSpec {
        ContainerSpec {
            name: "a".into(),
            image: "i".into(),
            env: vec!["NODE_ENV=production".into()],
            read_only: true,
            restart: Restart::UnlessStopped,
            ..Default::default()
        }
    }

    #[test]
    fn names_and_files() {
        assert_eq!(Environment::parse("Production").unwrap(), Environment::Prod);
        assert_eq!(Environment::parse("dev").unwrap(), Environment::Dev);
        assert!(Environment::parse("staging").is_err());
        assert_eq!(Environment::Prod.override_file(), "compose.prod.yaml");
        let d = tempfile::tempdir().unwrap();
        assert_eq!(Environment::Dev.find_override(d.path()), None);
        std::fs::write(d.path().join("docker-compose.dev.yml"), "services: {}\n").unwrap();
        assert_eq!(
            Environment::Dev.find_override(d.path()),
            Some(d.path().join("docker-compose.dev.yml"))
        );
        assert_eq!(Environment::Prod.find_override(d.path()), None);
    }

    #[test]
    fn prod_is_read_only_restarting_rotated_and_needs_a_healthcheck() {
        let mut s = spec();
        s.read_only = false;
        s.binds.push("/x:/y".into());
        let ctx = SingleContext {
            has_healthcheck: true,
            ..Default::default()
        };
        apply_single(Environment::Prod, &mut s, &ctx).unwrap();
        assert!(s.read_only);
        assert!(s.tmpfs.contains_key("/tmp"));
        assert!(s.binds.is_empty());
        assert_eq!(s.restart, Restart::UnlessStopped);
        let log = s.log.unwrap();
        assert_eq!(log.driver, "json-file");
        assert_eq!(log.options["max-file"], "3");
        let err = apply_single(Environment::Prod, &mut spec(), &SingleContext::default());
        assert!(err.unwrap_err().to_string().contains("healthcheck"));
    }

    #[test]
    fn dev_mounts_the_source_runs_the_reload_command_and_publishes_the_debugger() {
        let dev = DevSettings::mounted("/app")
            .running(argv(&["node", "--watch", "server.js"]))
            .keeping("/app/node_modules")
            .with_env("NODE_ENV", "development")
            .debugging(9229, "node --inspect");
        let ctx = SingleContext {
            root: "/p".into(),
            dev: Some(&dev),
            ..Default::default()
        };
        let mut s = spec();
        let notes = apply_single(Environment::Dev, &mut s, &ctx).unwrap();
        assert!(!s.read_only);
        assert_eq!(s.restart, Restart::No);
        assert_eq!(s.binds, vec!["/p:/app".to_string()]);
        assert_eq!(s.anonymous_volumes, vec!["/app/node_modules".to_string()]);
        assert_eq!(s.cmd.unwrap()[1], "--watch");
        assert_eq!(s.env, vec!["NODE_ENV=development".to_string()]);
        assert_eq!(s.publish[0].host, Some(9229));
        assert_eq!(s.publish[0].host_ip, "127.0.0.1");
        assert!(notes[0].contains("9229"), "{notes:?}");
        // A dev server in a build stage: that stage has no healthcheck of the final one.
        let staged = DevSettings::mounted("/src").in_stage("build");
        let ctx = SingleContext {
            dev: Some(&staged),
            ..Default::default()
        };
        let mut s = spec();
        s.healthcheck = Some(Default::default());
        let notes = apply_single(Environment::Dev, &mut s, &ctx).unwrap();
        assert!(s.healthcheck.is_none());
        assert!(notes[0].contains("`build` stage"), "{notes:?}");
        // A source folder outside the project is refused.
        let mut escaping = DevSettings::mounted("/app");
        escaping.source = "../etc".into();
        let ctx = SingleContext {
            dev: Some(&escaping),
            ..Default::default()
        };
        assert!(apply_single(Environment::Dev, &mut spec(), &ctx).is_err());
        // The folder's own image: mounted at its WORKDIR.
        let ctx = SingleContext {
            root: "/p".into(),
            workdir: "/srv".into(),
            ..Default::default()
        };
        let mut s = spec();
        apply_single(Environment::Dev, &mut s, &ctx).unwrap();
        assert_eq!(s.binds, vec!["/p:/srv".to_string()]);
    }
}
