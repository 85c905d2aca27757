//! Reading a compose file (pure): the subset Berth generates plus common fields, enough to
//! label a project's services ([`super::overrides`]) and to run them through the Engine API
//! when no compose tool is installed (see [`crate::runner::compose_api`]). Keys outside the subset
//! are listed in [`ComposeFile::notes`], never silently dropped.

use super::extras::{noted_key, secret_defs};
pub use super::extras::{SecretDef, SecretRef};
use super::values::key_values;
pub(crate) use super::values::last_colon_outside_braces;
pub(super) use super::values::{get, scalar, strings};
pub use super::values::{interpolate, parse_duration, parse_port};
use crate::{Error, Result};
use serde_yaml_ng::{Mapping, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// How a service is built (`build: .` or `build: { context, dockerfile }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSpec {
    /// Relative to the compose file's folder.
    pub context: String,
    pub dockerfile: String,
}

/// A `ports:` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    /// The host side as written (`8080`, `${HOST_PORT:-8000}`), None when only the
    /// container port is given.
    pub host: Option<String>,
    /// The host address as written (`127.0.0.1`, `${HOST_IP:-127.0.0.1}`), None when absent.
    pub host_ip: Option<String>,
    pub container: u16,
}

impl PortSpec {
    /// The host port with `${VAR:-default}` resolved from `env` (pure).
    pub fn host_port(&self, env: &dyn Fn(&str) -> Option<String>) -> Option<u16> {
        interpolate(self.host.as_deref()?, env).parse().ok()
    }

    /// The host address with `${VAR:-default}` resolved from `env`; None when not written
    /// (pure).
    pub fn host_address(&self, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        let ip = interpolate(self.host_ip.as_deref()?, env);
        let ip = ip.trim_start_matches('[').trim_end_matches(']').to_string();
        (!ip.is_empty()).then_some(ip)
    }
}

/// A `healthcheck:`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HealthSpec {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`.
    pub test: Vec<String>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub start_period: Option<Duration>,
    pub retries: Option<i64>,
}

/// One service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceSpec {
    pub name: String,
    pub image: Option<String>,
    pub build: Option<BuildSpec>,
    pub command: Option<Vec<String>>,
    pub environment: BTreeMap<String, String>,
    pub ports: Vec<PortSpec>,
    pub healthcheck: Option<HealthSpec>,
    /// Services this one waits for, and whether it waits for them to be healthy.
    pub depends_on: Vec<(String, bool)>,
    pub labels: BTreeMap<String, String>,
    pub read_only: bool,
    pub tmpfs: Vec<String>,
    pub cap_drop: Vec<String>,
    pub cap_add: Vec<String>,
    pub security_opt: Vec<String>,
    pub pids_limit: Option<i64>,
    /// `name:/path` named volumes.
    pub volumes: Vec<(String, String)>,
    /// Bind mounts whose source is relative (`./src:/app`, or `type: bind` with
    /// `source: .`): folders of the project, which the Engine API runner mounts once it has
    /// checked they resolve inside the project folder
    /// ([`crate::runner::compose_api::project_binds`]). Host paths elsewhere are noted and
    /// left out.
    pub project_binds: Vec<BindSpec>,
    /// Anonymous volumes (`- /app/node_modules`, or `type: volume` without a source): the
    /// image's content at these paths, kept over a bind mount.
    pub anonymous_volumes: Vec<String>,
    pub restart: Option<String>,
    pub memory: Option<String>,
    pub cpus: Option<String>,
    // Read for the Kubernetes manifests; the Engine API runner does not apply these (the
    // keys it ignores stay in [`ComposeFile::notes`]).
    /// `command:` as written when it was a string (compose splits it into words; the Engine
    /// API runner runs [`Self::command`] through a shell).
    pub command_text: Option<String>,
    /// `entrypoint:` (a string runs through a shell, as for `command`).
    pub entrypoint: Option<Vec<String>>,
    /// `env_file:` paths as written.
    pub env_file: Vec<String>,
    pub secrets: Vec<SecretRef>,
    /// `deploy.replicas`.
    pub replicas: Option<u32>,
    /// `deploy.resources.reservations`.
    pub memory_reservation: Option<String>,
    pub cpus_reservation: Option<String>,
    /// `expose:` container ports.
    pub expose: Vec<u16>,
    /// Read for the checks ([`crate::check::compose`]); the Engine API runner does not apply
    /// these and notes them as not supported, as before.
    pub security: SecuritySpec,
}

/// A host path bound into a service (`./src:/app`, `/var/run/docker.sock:/var/run/docker.sock:ro`,
/// or the long form with `type: bind`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BindSpec {
    /// As written (`./src`, `/`, `${HOME}/.ssh`).
    pub source: String,
    pub target: String,
    /// `rshared`, `shared`, ... when given.
    pub propagation: Option<String>,
    /// `:ro` (or `read_only: true` in the long form).
    pub read_only: bool,
}

/// The security-relevant service keys the checks read: namespaces, capabilities, user, host
/// paths, devices and limits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecuritySpec {
    pub privileged: bool,
    pub network_mode: Option<String>,
    pub pid: Option<String>,
    pub ipc: Option<String>,
    pub uts: Option<String>,
    pub userns_mode: Option<String>,
    pub user: Option<String>,
    pub binds: Vec<BindSpec>,
    pub devices: Vec<String>,
    /// `deploy.resources.limits.pids` (the service-level `pids_limit` is
    /// [`ServiceSpec::pids_limit`]).
    pub deploy_pids_limit: Option<String>,
    /// `mem_limit` (the service-level form of the memory limit).
    pub mem_limit: Option<String>,
    /// `healthcheck: { disable: true }`.
    pub healthcheck_disabled: bool,
}

/// A parsed compose file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComposeFile {
    pub name: Option<String>,
    pub version: Option<String>,
    pub services: Vec<ServiceSpec>,
    /// Top-level `secrets:` (also noted as unsupported in [`Self::notes`]: the Engine API
    /// runner does not mount them).
    pub secrets: Vec<SecretDef>,
    /// What was not understood (unsupported keys), one note each.
    pub notes: Vec<String>,
}

const SERVICE_KEYS: &[&str] = &[
    "image",
    "build",
    "command",
    "environment",
    "ports",
    "healthcheck",
    "depends_on",
    "labels",
    "read_only",
    "tmpfs",
    "cap_drop",
    "cap_add",
    "security_opt",
    "pids_limit",
    "volumes",
    "restart",
    "deploy",
    "container_name",
    "expose",
];

/// Keys read into the model for the Kubernetes manifests but not applied by the Engine API
/// runner: still noted as unsupported.
const NOTED_KEYS: &[&str] = &["env_file", "secrets", "entrypoint"];

fn service(name: &str, m: &Mapping, notes: &mut Vec<String>) -> ServiceSpec {
    let mut s = ServiceSpec {
        name: name.to_string(),
        ..Default::default()
    };
    for (k, v) in m {
        let Some(key) = scalar(k) else { continue };
        security_key(&key, v, &mut s.security);
        if !SERVICE_KEYS.contains(&key.as_str()) {
            notes.push(format!(
                "service {name}: `{key}` is not supported and was ignored"
            ));
            if NOTED_KEYS.contains(&key.as_str()) {
                noted_key(&mut s, &key, v);
            }
            continue;
        }
        match key.as_str() {
            "image" => s.image = scalar(v),
            "build" => {
                s.build = match v {
                    Value::Mapping(b) => Some(BuildSpec {
                        context: get(b, "context").and_then(scalar).unwrap_or(".".into()),
                        dockerfile: get(b, "dockerfile")
                            .and_then(scalar)
                            .unwrap_or("Dockerfile".into()),
                    }),
                    other => scalar(other).map(|c| BuildSpec {
                        context: c,
                        dockerfile: "Dockerfile".into(),
                    }),
                }
            }
            "command" => {
                s.command = shell_or_argv(v);
                s.command_text = scalar(v).filter(|_| !matches!(v, Value::Sequence(_)));
            }
            "environment" => s.environment = key_values(v),
            "labels" => s.labels = key_values(v),
            "ports" => {
                for p in strings(v) {
                    match parse_port(&p) {
                        Some(ps) => s.ports.push(ps),
                        None => notes.push(format!("service {name}: port `{p}` not understood")),
                    }
                }
                if let Value::Sequence(seq) = v {
                    if seq.iter().any(|e| matches!(e, Value::Mapping(_))) {
                        notes.push(format!(
                            "service {name}: long-form ports are not supported and were ignored"
                        ));
                    }
                }
            }
            "healthcheck" => {
                if let Value::Mapping(h) = v {
                    let test = match get(h, "test") {
                        Some(Value::Sequence(_)) => strings(get(h, "test").unwrap_or(&Value::Null)),
                        Some(t) => scalar(t)
                            .map(|c| vec!["CMD-SHELL".into(), c])
                            .unwrap_or_default(),
                        None => Vec::new(),
                    };
                    let d = |k: &str| get(h, k).and_then(scalar).and_then(|x| parse_duration(&x));
                    s.healthcheck = Some(HealthSpec {
                        test,
                        interval: d("interval"),
                        timeout: d("timeout"),
                        start_period: d("start_period"),
                        retries: get(h, "retries")
                            .and_then(scalar)
                            .and_then(|r| r.parse().ok()),
                    });
                }
            }
            "depends_on" => match v {
                Value::Mapping(dm) => {
                    for (dk, dv) in dm {
                        let Some(dep) = scalar(dk) else { continue };
                        let healthy = matches!(dv, Value::Mapping(c)
                            if get(c, "condition").and_then(scalar).as_deref() == Some("service_healthy"));
                        s.depends_on.push((dep, healthy));
                    }
                }
                other => s
                    .depends_on
                    .extend(strings(other).into_iter().map(|d| (d, false))),
            },
            "read_only" => s.read_only = matches!(v, Value::Bool(true)),
            "tmpfs" => s.tmpfs = strings(v),
            "cap_drop" => s.cap_drop = strings(v),
            "cap_add" => s.cap_add = strings(v),
            "pids_limit" => s.pids_limit = scalar(v).and_then(|p| p.parse().ok()),
            "security_opt" => s.security_opt = strings(v),
            "restart" => s.restart = scalar(v),
            "volumes" => {
                let items: Vec<&Value> = match v {
                    Value::Sequence(items) => items.iter().collect(),
                    other => vec![other],
                };
                for item in items {
                    volume_entry(name, item, &mut s, notes);
                }
            }
            "deploy" => {
                let resources = |kind: &str| match v {
                    Value::Mapping(d) => get(d, "resources")
                        .and_then(|r| r.as_mapping())
                        .and_then(|r| get(r, kind))
                        .and_then(|l| l.as_mapping()),
                    _ => None,
                };
                if let Some(l) = resources("limits") {
                    s.memory = get(l, "memory").and_then(scalar);
                    s.cpus = get(l, "cpus").and_then(scalar);
                }
                if let Some(r) = resources("reservations") {
                    s.memory_reservation = get(r, "memory").and_then(scalar);
                    s.cpus_reservation = get(r, "cpus").and_then(scalar);
                }
                if let Value::Mapping(d) = v {
                    s.replicas = get(d, "replicas")
                        .and_then(scalar)
                        .and_then(|r| r.parse().ok());
                }
            }
            // The Engine API runner lets the image expose what it exposes.
            "expose" => {
                s.expose = strings(v)
                    .iter()
                    .filter_map(|p| p.trim_end_matches("/tcp").parse().ok())
                    .collect()
            }
            // Names Berth picks itself.
            _ => {}
        }
    }
    s
}

/// `command:`/`entrypoint:`: a list as written, a string through `/bin/sh -c`.
pub(super) fn shell_or_argv(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Sequence(_) => Some(strings(v)),
        other => scalar(other).map(|c| vec!["/bin/sh".into(), "-c".into(), c]),
    }
}

/// The security-relevant keys (read whether or not the runner applies them).
fn security_key(key: &str, v: &Value, sec: &mut SecuritySpec) {
    match key {
        "privileged" => sec.privileged = matches!(v, Value::Bool(true)),
        "network_mode" => sec.network_mode = scalar(v),
        "pid" => sec.pid = scalar(v),
        "ipc" => sec.ipc = scalar(v),
        "uts" => sec.uts = scalar(v),
        "userns_mode" => sec.userns_mode = scalar(v),
        "user" => sec.user = scalar(v),
        "devices" => sec.devices = strings(v),
        "mem_limit" => sec.mem_limit = scalar(v),
        "healthcheck" => {
            sec.healthcheck_disabled = v
                .as_mapping()
                .and_then(|h| get(h, "disable"))
                .is_some_and(|d| matches!(d, Value::Bool(true)));
        }
        "deploy" => {
            let pids = v
                .as_mapping()
                .and_then(|d| get(d, "resources"))
                .and_then(|r| r.as_mapping())
                .and_then(|r| get(r, "limits"))
                .and_then(|l| l.as_mapping())
                .and_then(|l| get(l, "pids"))
                .and_then(scalar);
            if pids.is_some() {
                sec.deploy_pids_limit = pids;
            }
        }
        "volumes" => {
            if let Value::Sequence(items) = v {
                sec.binds = items.iter().filter_map(bind_spec).collect();
            }
        }
        _ => {}
    }
}

/// One `volumes:` entry of service `name`, short or long form, into `s`: a named volume, a
/// bind of a project folder (relative source), an anonymous volume; a bind of any other host
/// path is noted and left out (a cloned project must not mount the user's files).
fn volume_entry(name: &str, item: &Value, s: &mut ServiceSpec, notes: &mut Vec<String>) {
    let host_path = |src: &str| {
        format!(
            "service {name}: the bind mount of `{src}` (a host path outside the project) is \
             not made by Berth's Engine API runner; only folders inside the project (`./…`) \
             are mounted"
        )
    };
    if let Value::Mapping(m) = item {
        let kind = get(m, "type")
            .and_then(scalar)
            .unwrap_or_else(|| "volume".into());
        let source = get(m, "source").and_then(scalar);
        let Some(target) = get(m, "target").and_then(scalar) else {
            notes.push(format!(
                "service {name}: a volume without a target was ignored"
            ));
            return;
        };
        let read_only = matches!(get(m, "read_only"), Some(Value::Bool(true)));
        match (kind.as_str(), source) {
            ("volume", None) => s.anonymous_volumes.push(target),
            ("volume", Some(src)) => s.volumes.push((src, target)),
            ("bind", Some(src)) if src.starts_with('.') => s.project_binds.push(BindSpec {
                source: src,
                target,
                propagation: None,
                read_only,
            }),
            ("bind", Some(src)) => notes.push(host_path(&src)),
            (other, _) => notes.push(format!(
                "service {name}: a `{other}` volume at {target} is not supported and was ignored"
            )),
        }
        return;
    }
    let Some(vol) = scalar(item) else { return };
    match vol.split_once(':') {
        None if vol.starts_with('/') => s.anonymous_volumes.push(vol),
        Some((src, rest)) if src.starts_with('.') => {
            let mut parts = rest.split(':');
            let target = parts.next().unwrap_or_default().to_string();
            let read_only = parts
                .next()
                .is_some_and(|m| m.split(',').any(|o| o == "ro"));
            s.project_binds.push(BindSpec {
                source: src.to_string(),
                target,
                propagation: None,
                read_only,
            });
        }
        Some((src, _)) if src.starts_with(['/', '~', '$']) => notes.push(host_path(src)),
        Some((src, dst)) => {
            let dst = dst.split(':').next().unwrap_or(dst);
            s.volumes.push((src.to_string(), dst.to_string()));
        }
        None => notes.push(format!(
            "service {name}: volume `{vol}` is not understood and was ignored"
        )),
    }
}

/// A volume entry that binds a host path (short or long form); None for named volumes.
fn bind_spec(v: &Value) -> Option<BindSpec> {
    match v {
        Value::Mapping(m) => {
            if get(m, "type").and_then(scalar).as_deref() != Some("bind") {
                return None;
            }
            Some(BindSpec {
                source: get(m, "source").and_then(scalar)?,
                target: get(m, "target").and_then(scalar).unwrap_or_default(),
                propagation: get(m, "bind")
                    .and_then(|b| b.as_mapping())
                    .and_then(|b| get(b, "propagation"))
                    .and_then(scalar),
                read_only: matches!(get(m, "read_only"), Some(Value::Bool(true))),
            })
        }
        other => {
            let s = scalar(other)?;
            let mut parts = s.splitn(3, ':');
            let (src, dst, mode) = (parts.next()?, parts.next()?, parts.next());
            let host =
                src.starts_with(['/', '.', '~']) || src.starts_with("${") || src.starts_with('$');
            host.then(|| BindSpec {
                source: src.to_string(),
                target: dst.to_string(),
                propagation: mode
                    .and_then(|m| {
                        m.split(',').find(|o| {
                            o.ends_with("shared") || o.ends_with("slave") || o.ends_with("private")
                        })
                    })
                    .map(str::to_string),
                read_only: mode.is_some_and(|m| m.split(',').any(|o| o == "ro")),
            })
        }
    }
}

/// Parse a compose file's text (pure).
pub fn parse(file: &Path, text: &str) -> Result<ComposeFile> {
    let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| Error::InvalidManifest {
        file: file.to_path_buf(),
        line: e.location().and_then(|l| u32::try_from(l.line()).ok()),
        message: e.to_string(),
    })?;
    from_value(file, doc)
}

/// Read a compose document already parsed as YAML (a merge of several files, say).
pub fn from_value(file: &Path, doc: Value) -> Result<ComposeFile> {
    let invalid = |message: String| Error::InvalidManifest {
        file: file.to_path_buf(),
        line: None,
        message,
    };
    let Value::Mapping(top) = doc else {
        return Err(invalid("not a mapping of compose keys".into()));
    };
    let mut out = ComposeFile::default();
    for (k, v) in &top {
        match scalar(k).as_deref() {
            Some("services") => {
                let Value::Mapping(services) = v else {
                    return Err(invalid("`services` is not a mapping".into()));
                };
                for (name, body) in services {
                    let Some(name) = scalar(name) else { continue };
                    let empty = Mapping::new();
                    let m = body.as_mapping().unwrap_or(&empty);
                    out.services.push(service(&name, m, &mut out.notes));
                }
            }
            Some("name") => out.name = scalar(v),
            Some("version") => out.version = scalar(v),
            Some("volumes") => {}
            Some("secrets") => {
                out.secrets = secret_defs(v);
                out.notes
                    .push("top-level `secrets` is not supported and was ignored".to_string());
            }
            Some(other) => out.notes.push(format!(
                "top-level `{other}` is not supported and was ignored"
            )),
            None => {}
        }
    }
    Ok(out)
}

/// Read (by [`crate::fsread`]'s rules: no links, regular files, capped) and parse a
/// compose file.
pub fn read(file: &Path) -> Result<ComposeFile> {
    let text =
        crate::fsread::read_text(file)?.ok_or_else(|| Error::NotFound(file.to_path_buf()))?;
    parse(file, &text)
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
