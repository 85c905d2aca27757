//! Rendering: Plan + templates -> Dockerfile, compose.yaml, .dockerignore. Pure: no I/O
//! (templates are loaded beforehand by [`Templates::load`]).
//!
//! Safety does not depend on [`Plan::validate`] having been called: every value that lands
//! in an output goes through a filter (see [`filters`]) that keeps it a single JSON/YAML
//! string, or fails the render when it cannot be made safe (paths, users, images).

pub mod filters;
mod templates;

pub use templates::{Templates, EMBEDDED};

use crate::environment::Environment as Env;
use crate::plan::{is_valid_image_ref, BuildStep, Plan, BUSYBOX_IMAGE};
use crate::stacks::{hint_keys, provider, DevSettings, Service, StackTemplates};
use crate::{Error, Result};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// The generated files: three, and the two environment overrides when the plan asks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
#[ts(export)]
pub struct RenderedFiles {
    pub dockerfile: String,
    pub compose: String,
    pub dockerignore: String,
    /// `compose.dev.yaml` (with [`Plan::environments`]).
    pub compose_dev: Option<String>,
    /// `compose.prod.yaml` (with [`Plan::environments`]).
    pub compose_prod: Option<String>,
}

impl RenderedFiles {
    /// `(file name, content)` in the order they are shown and written.
    pub fn files(&self) -> Vec<(&'static str, &str)> {
        let mut v = vec![
            ("Dockerfile", self.dockerfile.as_str()),
            ("compose.yaml", self.compose.as_str()),
        ];
        if let Some(d) = &self.compose_dev {
            v.push(("compose.dev.yaml", d.as_str()));
        }
        if let Some(p) = &self.compose_prod {
            v.push(("compose.prod.yaml", p.as_str()));
        }
        v.push((".dockerignore", self.dockerignore.as_str()));
        v
    }
}

#[derive(Serialize)]
struct Images {
    builder: Option<String>,
    runtime: String,
    busybox: String,
}

#[derive(Serialize, Clone)]
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
    /// `export K=V ...; ` of the host CA variables for a shell-form step ("" without host_ca).
    host_ca_export: String,
    services: Vec<ServiceCtx>,
    /// The stack's template names (its provider's `templates()`).
    templates: StackTemplates,
    /// How the app runs in the dev environment (its provider's `dev()`), and the mounted
    /// source as compose writes it (`.`, `./public`).
    dev: DevSettings,
    dev_source: String,
    /// The prod healthcheck: the plan's, else a probe of `/`.
    prod_health: Option<Health>,
    log_max_size: &'static str,
    log_max_files: &'static str,
}

/// Render the files for `plan` with `templates`: three, plus the environment overrides when
/// [`Plan::environments`] is on.
pub fn render(plan: &Plan, templates: &Templates) -> Result<RenderedFiles> {
    let mut files = render_base(plan, templates)?;
    if plan.environments {
        files.compose_dev = Some(render_environment(plan, templates, Env::Dev)?);
        files.compose_prod = Some(render_environment(plan, templates, Env::Prod)?);
    }
    Ok(files)
}

/// The override file of `env` for `plan` (`compose.dev.yaml` / `compose.prod.yaml`),
/// whatever [`Plan::environments`] says (a run of the plan in that environment renders it
/// in memory).
pub fn render_environment(plan: &Plan, templates: &Templates, env: Env) -> Result<String> {
    let name = format!("compose.{}.yaml.j2", env.name());
    render_one(plan, templates, &name)
}

fn render_one(plan: &Plan, templates: &Templates, name: &str) -> Result<String> {
    let ctx = context(plan, true)?;
    let env = environment(templates);
    let tmpl = env
        .get_template(name)
        .map_err(|e| template_error(name, &e))?;
    let mut out = tmpl.render(&ctx).map_err(|e| template_error(name, &e))?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

fn render_base(plan: &Plan, templates: &Templates) -> Result<RenderedFiles> {
    let ctx = context(plan, plan.environments)?;
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
        compose_dev: None,
        compose_prod: None,
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

/// The templates' context; `environments`: the override files are rendered too (their dev
/// source folder must then be a safe relative path).
fn context(plan: &Plan, environments: bool) -> Result<Context<'_>> {
    let images = Images {
        builder: plan
            .builder_image
            .as_deref()
            .map(|b| image(plan, b))
            .transpose()?,
        runtime: image(plan, &plan.runtime_image)?,
        busybox: image(plan, BUSYBOX_IMAGE)?,
    };
    let health = health_of(plan);
    let prod_health = health.clone().map(Some).unwrap_or_else(|| {
        // prod needs a healthcheck: without a health path, a probe of `/`.
        let mut p = plan.clone();
        p.healthcheck = Some(crate::plan::Healthcheck {
            path: Some("/".into()),
            command: None,
            interval_seconds: 30,
            timeout_seconds: 5,
            start_period_seconds: provider(plan.stack).health_start_period_seconds(),
            retries: 3,
        });
        health_of(&p)
    });
    let dev = provider(plan.stack).dev(plan);
    let dev_source = match dev.source.trim_start_matches("./") {
        "" | "." => ".".to_string(),
        s if crate::plan::is_safe_relative_path(s) => format!("./{s}"),
        // Not rendered: the base files never use it.
        _ if !environments => String::new(),
        s => {
            return Err(Error::InvalidPlan(format!(
                "the dev source folder {s:?} is not a safe relative path"
            )))
        }
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
        host_ca_export: if plan.host_ca && plan.cache_mounts {
            crate::hostca::shell_export()
        } else {
            String::new()
        },
        services,
        templates: provider(plan.stack).templates(),
        dev,
        dev_source,
        prod_health,
        log_max_size: crate::environment::LOG_MAX_SIZE,
        log_max_files: crate::environment::LOG_MAX_FILES,
    })
}

fn health_of(plan: &Plan) -> Option<Health> {
    match (plan.health_argv(), &plan.healthcheck) {
        (Some(argv), Some(h)) if !argv.is_empty() => Some(Health {
            argv,
            interval: h.interval_seconds.max(1),
            timeout: h.timeout_seconds.max(1),
            start_period: h.start_period_seconds,
            retries: h.retries.max(1),
        }),
        _ => None,
    }
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
