//! Rendering: Plan + templates -> Dockerfile, compose.yaml, .dockerignore. Pure: no I/O
//! (templates are loaded beforehand by [`Templates::load`]).
//!
//! Safety does not depend on [`Plan::validate`] having been called: every value that lands
//! in an output goes through a filter (see [`filters`]) that keeps it a single JSON/YAML
//! string, or fails the render when it cannot be made safe (paths, users, images).

pub mod filters;
mod templates;

pub use templates::{Templates, EMBEDDED};

use crate::plan::{is_valid_image_ref, BuildStep, Plan, BUSYBOX_IMAGE};
use crate::stacks::{hint_keys, provider, Service, StackTemplates};
use crate::{Error, Result};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// The three generated files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RenderedFiles {
    pub dockerfile: String,
    pub compose: String,
    pub dockerignore: String,
}

impl RenderedFiles {
    /// `(file name, content)` in the order they are shown and written.
    pub fn files(&self) -> [(&'static str, &str); 3] {
        [
            ("Dockerfile", &self.dockerfile),
            ("compose.yaml", &self.compose),
            (".dockerignore", &self.dockerignore),
        ]
    }
}

#[derive(Serialize)]
struct Images {
    builder: Option<String>,
    runtime: String,
    busybox: String,
}

#[derive(Serialize)]
struct Health {
    argv: Vec<String>,
    interval: u32,
    timeout: u32,
    start_period: u32,
    retries: u32,
}

#[derive(Serialize)]
struct ServiceCtx {
    name: &'static str,
    image: String,
    health: Vec<&'static str>,
    environment: BTreeMap<&'static str, &'static str>,
    volume: Option<&'static str>,
    /// Capabilities the official image's entrypoint needs after `cap_drop: [ALL]`.
    cap_add: &'static [&'static str],
    memory: &'static str,
    pids_limit: u32,
}

#[derive(Serialize)]
struct Context<'a> {
    plan: &'a Plan,
    /// `plan.install_steps` / `plan.build_steps` as rendered: without caches when
    /// `plan.cache_mounts` is off (pip then gets `--no-cache-dir`).
    install_steps: Vec<BuildStep>,
    build_steps: Vec<BuildStep>,
    /// `plan.image_env` / `plan.env` with the port keys set to `plan.port`.
    image_env: BTreeMap<String, String>,
    app_env: BTreeMap<String, String>,
    /// `plan.hints` with every key of `hint_keys` present (`""` when not set).
    hints: BTreeMap<String, String>,
    images: Images,
    health: Option<Health>,
    needs_busybox: bool,
    /// The steps mount the host's CA bundle (`plan.host_ca`, BuildKit only).
    host_ca: bool,
    services: Vec<ServiceCtx>,
    /// The stack's template names (its provider's `templates()`).
    templates: StackTemplates,
}

/// Render the three files for `plan` with `templates`.
pub fn render(plan: &Plan, templates: &Templates) -> Result<RenderedFiles> {
    let ctx = context(plan)?;
    let env = environment(templates);
    let one = |name: &str| -> Result<String> {
        let tmpl = env
            .get_template(name)
            .map_err(|e| template_error(name, &e))?;
        let mut out = tmpl.render(&ctx).map_err(|e| template_error(name, &e))?;
        if !out.ends_with('\n') {
            out.push('\n');
        }
        Ok(out)
    };
    Ok(RenderedFiles {
        dockerfile: one(ctx.templates.dockerfile)?,
        compose: one("compose.yaml.j2")?,
        dockerignore: one("dockerignore.j2")?,
    })
}

fn template_error(name: &str, e: &minijinja::Error) -> Error {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    Error::Template {
        name: name.to_string(),
        message,
    }
}

fn environment(templates: &Templates) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    filters::register(&mut env);
    let sources = templates.clone();
    env.set_loader(move |name| Ok(sources.get(name).map(str::to_string)));
    env
}

fn effective_steps(plan: &Plan, steps: &[BuildStep]) -> Vec<BuildStep> {
    if plan.cache_mounts {
        if plan.host_ca {
            return steps
                .iter()
                .map(|s| BuildStep {
                    argv: crate::hostca::step_argv(&s.argv),
                    cache: s.cache.clone(),
                })
                .collect();
        }
        return steps.to_vec();
    }
    steps
        .iter()
        .map(|s| {
            let mut argv = s.argv.clone();
            let pip_install = argv.len() >= 2
                && (argv[0] == "pip" || argv[0] == "pip3")
                && argv[1] == "install"
                && !argv.iter().any(|a| a == "--no-cache-dir");
            if pip_install {
                argv.insert(2, "--no-cache-dir".into());
            }
            BuildStep {
                argv,
                cache: Vec::new(),
            }
        })
        .collect()
}

const ALL_HINT_KEYS: &[&str] = &[
    hint_keys::BUILD_SCRIPT,
    hint_keys::OUTPUT_DIR,
    hint_keys::NEXT_STANDALONE,
    hint_keys::MAIN_PACKAGE,
    hint_keys::BIN_NAME,
    hint_keys::WRAPPER,
    hint_keys::DOCUMENT_ROOT,
    hint_keys::PROJECT_FILE,
    hint_keys::ASSEMBLY_NAME,
    hint_keys::APP_MODULE,
    hint_keys::NPMRC,
];

fn image(plan: &Plan, raw: &str) -> Result<String> {
    let full = plan.image_ref(raw);
    if is_valid_image_ref(&full) {
        Ok(full)
    } else {
        Err(Error::InvalidPlan(format!(
            "image {full:?} is not a pinned image reference (name:tag, never latest)"
        )))
    }
}

fn context(plan: &Plan) -> Result<Context<'_>> {
    let images = Images {
        builder: plan
            .builder_image
            .as_deref()
            .map(|b| image(plan, b))
            .transpose()?,
        runtime: image(plan, &plan.runtime_image)?,
        busybox: image(plan, BUSYBOX_IMAGE)?,
    };
    let health = match (plan.health_argv(), &plan.healthcheck) {
        (Some(argv), Some(h)) if !argv.is_empty() => Some(Health {
            argv,
            interval: h.interval_seconds.max(1),
            timeout: h.timeout_seconds.max(1),
            start_period: h.start_period_seconds,
            retries: h.retries.max(1),
        }),
        _ => None,
    };
    let services = plan
        .services
        .iter()
        .map(|s| {
            Ok(ServiceCtx {
                name: service_name(s.kind),
                image: image(plan, &s.image)?,
                health: service_health(s.kind),
                environment: service_env(s.kind),
                volume: service_volume(s.kind),
                cap_add: service_caps(s.kind),
                memory: service_memory(s.kind),
                pids_limit: SERVICE_PIDS_LIMIT,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut hints: BTreeMap<String, String> = ALL_HINT_KEYS
        .iter()
        .map(|k| (k.to_string(), String::new()))
        .collect();
    hints.extend(plan.hints.clone());
    Ok(Context {
        plan,
        image_env: plan.baked_env(),
        app_env: plan.app_env(),
        install_steps: effective_steps(plan, &plan.install_steps),
        build_steps: effective_steps(plan, &plan.build_steps),
        hints,
        images,
        health,
        needs_busybox: plan.needs_busybox(),
        host_ca: plan.host_ca && plan.cache_mounts,
        services,
        templates: provider(plan.stack).templates(),
    })
}

/// The compose service name (and host name) of a backing service.
pub fn service_name(s: Service) -> &'static str {
    match s {
        Service::Redis => "redis",
        Service::Postgres => "postgres",
        Service::Mysql => "mysql",
        Service::Mongodb => "mongodb",
        Service::Rabbitmq => "rabbitmq",
        Service::Memcached => "memcached",
    }
}

fn service_health(s: Service) -> Vec<&'static str> {
    match s {
        Service::Redis => vec!["CMD", "redis-cli", "ping"],
        Service::Postgres => vec!["CMD", "pg_isready", "-U", "app", "-d", "app"],
        Service::Mysql => vec!["CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--silent"],
        Service::Mongodb => vec![
            "CMD",
            "mongosh",
            "--quiet",
            "--eval",
            "db.adminCommand('ping').ok",
        ],
        Service::Rabbitmq => vec!["CMD", "rabbitmq-diagnostics", "-q", "ping"],
        Service::Memcached => vec![
            "CMD-SHELL",
            "echo version | nc -w 1 127.0.0.1 11211 | grep -q VERSION",
        ],
    }
}

fn service_env(s: Service) -> BTreeMap<&'static str, &'static str> {
    let pairs: &[(&str, &str)] = match s {
        Service::Postgres => &[
            ("POSTGRES_USER", "app"),
            ("POSTGRES_PASSWORD", "app"),
            ("POSTGRES_DB", "app"),
        ],
        Service::Mysql => &[
            ("MYSQL_ROOT_PASSWORD", "app"),
            ("MYSQL_USER", "app"),
            ("MYSQL_PASSWORD", "app"),
            ("MYSQL_DATABASE", "app"),
        ],
        Service::Mongodb => &[("MONGO_INITDB_DATABASE", "app")],
        Service::Redis | Service::Rabbitmq | Service::Memcached => &[],
    };
    pairs.iter().copied().collect()
}

/// Process (and thread) limit of a backing service: databases and Erlang run many threads.
const SERVICE_PIDS_LIMIT: u32 = 512;

/// What a backing service's official image needs back after `cap_drop: [ALL]`: the
/// entrypoints of postgres, mysql, mongo, rabbitmq and redis start as root, fix the ownership
/// of their data folder (CHOWN, DAC_OVERRIDE, FOWNER) and switch to their own user with
/// gosu/su-exec (SETUID, SETGID); memcached's image runs as its user from the start.
fn service_caps(s: Service) -> &'static [&'static str] {
    match s {
        Service::Redis => &["CHOWN", "SETGID", "SETUID"],
        Service::Postgres | Service::Mysql | Service::Mongodb | Service::Rabbitmq => {
            &["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"]
        }
        Service::Memcached => &[],
    }
}

/// A backing service's memory limit (development sizes).
fn service_memory(s: Service) -> &'static str {
    match s {
        Service::Redis => "256m",
        Service::Postgres | Service::Rabbitmq => "512m",
        Service::Mysql | Service::Mongodb => "1g",
        Service::Memcached => "128m",
    }
}

fn service_volume(s: Service) -> Option<&'static str> {
    match s {
        Service::Redis => Some("/data"),
        Service::Postgres => Some("/var/lib/postgresql/data"),
        Service::Mysql => Some("/var/lib/mysql"),
        Service::Mongodb => Some("/data/db"),
        Service::Rabbitmq => Some("/var/lib/rabbitmq"),
        Service::Memcached => None,
    }
}
