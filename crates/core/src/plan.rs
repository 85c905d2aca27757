//! The Plan: what Berth will generate for a project, as data the user can review and edit.
//!
//! Detection -> [`Plan::from_detection`] -> (user edits in the app) -> [`Plan::validate`]
//! -> [`crate::render::render`]. Every field is serializable (serde + ts-rs) so the app's
//! editor works on the same type. Values read from the project's files end up here, so
//! the renderer never trusts them: see `render::filters`.

mod defaults;
mod edits;
mod health;
mod validate;
mod wiring;

use crate::stacks::{Detection, Service, Stack};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

pub use crate::stacks::{BUN_IMAGE, COMPOSER_IMAGE};
pub use defaults::{BUSYBOX_IMAGE, BUSYBOX_PATH, NGINX_IMAGE};
pub use edits::{PlanEdits, PlanOverrides};
pub use validate::{
    is_env_key, is_env_value, is_safe_health_path, is_safe_name, is_safe_relative_path,
    is_valid_image_ref,
};

/// Everything the templates need to write a Dockerfile, compose.yaml and .dockerignore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Plan {
    /// Compose project name and `dev.berth.project` label: `[a-z0-9][a-z0-9_-]*`.
    pub name: String,
    pub stack: Stack,
    pub framework: Option<String>,
    pub package_manager: Option<String>,
    pub language_version: Option<String>,
    /// Image of the build stage (null when the Dockerfile is single-stage).
    pub builder_image: Option<String>,
    /// Image of the final stage: pinned tag, slim or minimal.
    pub runtime_image: String,
    /// Mirror put in front of Docker Hub images (`mirror.example.com/hub`), or null.
    pub registry_prefix: Option<String>,
    /// Port the app listens on inside the container.
    pub port: u16,
    /// argv of the app's process (exec form, never a shell string).
    pub start_command: Vec<String>,
    /// Dependency install steps, run after the manifests are copied and before the source.
    pub install_steps: Vec<BuildStep>,
    /// Build steps, run after the source is copied (compile, bundle, prune).
    pub build_steps: Vec<BuildStep>,
    /// Render `RUN --mount=type=cache` for the steps' caches, and the compiled stacks' build
    /// stage `FROM --platform=$BUILDPLATFORM` (cross-compiling for another platform). Needs
    /// BuildKit; turn it off for an engine that only has the classic builder (the steps still
    /// work, uncached, and another platform's build stage runs under emulation).
    pub cache_mounts: bool,
    /// The app serves the build output as static files (nginx) instead of running a process.
    pub serve_static: bool,
    /// Trust the host's CA certificates (a corporate proxy's) in the dependency install and
    /// build steps: mounted for the step only (a BuildKit secret, or a file in Berth's own
    /// build context), never copied into a layer. Opt-in; needs BuildKit. See [`crate::hostca`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub host_ca: bool,
    pub services: Vec<ServicePlan>,
    pub healthcheck: Option<Healthcheck>,
    /// Dependency manifests copied before the source (relative paths).
    pub manifests: Vec<String>,
    /// Stack-specific facts (see [`crate::stacks::hint_keys`]).
    pub hints: BTreeMap<String, String>,
    /// The user the app runs as in the final stage (`10001`, `node`, `nonroot:nonroot`).
    pub user: String,
    /// Run the app with a read-only root filesystem (plus a tmpfs on /tmp).
    pub read_only: bool,
    pub limits: Limits,
    /// Environment of the app service in compose.yaml (service wiring, PORT).
    pub env: BTreeMap<String, String>,
    /// Environment baked into the final image (`ENV`) so the app listens on 0.0.0.0:port
    /// (`PORT`, `HOSTNAME`, `ROCKET_ADDRESS`, `ASPNETCORE_HTTP_PORTS`...). The values of
    /// [`PORT_KEYS`] are rendered as `port`, so editing the port keeps them in step.
    /// Values are restricted to `[A-Za-z0-9._:/@+,-]`.
    pub image_env: BTreeMap<String, String>,
    /// Also write the per-environment overrides `compose.dev.yaml` and `compose.prod.yaml`
    /// (see [`crate::environment`]). On for a folder new to containers, off for one that
    /// already has its own Dockerfile or compose file (unless it has these overrides).
    #[serde(default)]
    pub environments: bool,
}

/// Environment keys whose value is the app's port (kept equal to [`Plan::port`] when
/// rendering, in `image_env` and in `env`).
pub const PORT_KEYS: &[&str] = &["PORT", "ROCKET_PORT", "ASPNETCORE_HTTP_PORTS"];

/// One RUN instruction, rendered in exec form with optional BuildKit cache mounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BuildStep {
    /// argv, never a shell string.
    pub argv: Vec<String>,
    /// Absolute folders mounted as BuildKit caches while the step runs.
    pub cache: Vec<String>,
}

impl BuildStep {
    pub fn new(argv: &[&str], cache: &[&str]) -> Self {
        BuildStep {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            cache: cache.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// A backing service in compose.yaml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ServicePlan {
    pub kind: Service,
    pub image: String,
}

/// How the container's health is checked (Dockerfile HEALTHCHECK and compose healthcheck).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Healthcheck {
    /// HTTP path probed on the app's port (`/health`). Used when `command` is null.
    pub path: Option<String>,
    /// argv run inside the container instead of the HTTP probe.
    pub command: Option<Vec<String>>,
    pub interval_seconds: u32,
    pub timeout_seconds: u32,
    pub start_period_seconds: u32,
    pub retries: u32,
}

/// Resource limits of the app container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Limits {
    /// Memory limit in compose syntax (`512m`, `1g`).
    pub memory: String,
    /// CPU limit (`1.0`).
    pub cpus: String,
}

impl Plan {
    /// The default plan for a detection: pinned slim/minimal images per stack and
    /// language version, the stack's install/build steps, services with their wiring.
    /// Values from the project that are not safe in a path or name are dropped here
    /// (the stack's default is used instead).
    pub fn from_detection(d: &Detection) -> Plan {
        defaults::plan_for(d)
    }

    /// Set the compose project name from a folder name (sanitized to `[a-z0-9_-]`).
    pub fn named(mut self, folder_name: &str) -> Plan {
        self.name = sanitize_name(folder_name);
        self
    }

    /// Reject edits the renderer must not accept: port 0, empty start command, image
    /// references that are not strict `name:tag` (or digest) references or use `latest`,
    /// unsafe paths and names, control characters in any value.
    pub fn validate(&self) -> crate::Result<()> {
        validate::validate(self)
    }

    /// Whether the final image gets a static busybox for its HTTP health probe (the
    /// distroless and slim runtimes of compiled stacks have no HTTP client).
    pub fn needs_busybox(&self) -> bool {
        health::needs_busybox(self)
    }

    /// The app's environment as it runs (compose.yaml, the single container): `env` with the
    /// [`PORT_KEYS`] set to `port`.
    pub fn app_env(&self) -> BTreeMap<String, String> {
        with_port(&self.env, self.port)
    }

    /// The environment baked into the final image: `image_env` with the [`PORT_KEYS`] set to
    /// `port`.
    pub fn baked_env(&self) -> BTreeMap<String, String> {
        with_port(&self.image_env, self.port)
    }

    /// `image` with the registry prefix applied when it is a Docker Hub image.
    pub fn image_ref(&self, image: &str) -> String {
        apply_prefix(self.registry_prefix.as_deref(), image)
    }

    /// argv of the health probe run inside the final image, using a tool that exists
    /// there (python/node/ruby/php interpreters, busybox wget for nginx and for the
    /// distroless/slim images of compiled stacks, which get a static busybox copied in).
    pub fn health_argv(&self) -> Option<Vec<String>> {
        let hc = self.healthcheck.as_ref()?;
        if let Some(cmd) = &hc.command {
            return Some(cmd.clone());
        }
        let path = hc.path.as_deref()?;
        let url = format!("http://127.0.0.1:{}{}", self.port, path);
        Some(health::http_probe(self, url))
    }
}

fn with_port(env: &BTreeMap<String, String>, port: u16) -> BTreeMap<String, String> {
    env.iter()
        .map(|(k, v)| {
            let v = if PORT_KEYS.contains(&k.as_str()) {
                port.to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

/// Lower-case, `[a-z0-9_-]`, starting with a letter or digit; `app` when nothing is left.
pub fn sanitize_name(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars().flat_map(|c| c.to_lowercase()) {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches(|c| c == '-' || c == '_');
    let mut name: String = trimmed.chars().take(63).collect();
    if name.is_empty() {
        name = "app".into();
    }
    name
}

/// Docker Hub images (no registry host in the first path component) get the prefix.
pub fn apply_prefix(prefix: Option<&str>, image: &str) -> String {
    let Some(prefix) = prefix
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty())
    else {
        return image.to_string();
    };
    let first = image.split('/').next().unwrap_or(image);
    let has_host =
        image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_host {
        image.to_string()
    } else {
        format!("{prefix}/{image}")
    }
}

#[cfg(test)]
mod tests;
