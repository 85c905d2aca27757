//! Finding the engine the way users' tools do, as a pure function over an injected
//! environment: `DOCKER_HOST`, then `DOCKER_CONTEXT` / the CLI's current context, then the
//! well-known sockets of each product. Connecting is done by [`super::Engine`].

use super::tls::{self, Tls};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Where an endpoint came from: shown to the user as "why this engine".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum EndpointSource {
    /// The `DOCKER_HOST` environment variable.
    EnvDockerHost,
    /// A docker CLI context (from `DOCKER_CONTEXT` or `currentContext` in config.json).
    Context { name: String, from_env: bool },
    /// A well-known socket of a product (Docker Desktop, Colima, OrbStack, ...).
    WellKnown { product: Product },
    /// Named on the command line (`--engine URL`).
    Flag,
}

/// Engine products Berth knows the sockets of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Product {
    DockerEngine,
    DockerDesktop,
    Colima,
    OrbStack,
    RancherDesktop,
    Podman,
}

impl Product {
    pub fn label(self) -> &'static str {
        match self {
            Product::DockerEngine => "Docker Engine",
            Product::DockerDesktop => "Docker Desktop",
            Product::Colima => "Colima",
            Product::OrbStack => "OrbStack",
            Product::RancherDesktop => "Rancher Desktop",
            Product::Podman => "Podman",
        }
    }

    /// How to start this product's engine.
    pub fn start_hint(self) -> &'static str {
        match self {
            Product::DockerEngine => "sudo systemctl start docker (or: sudo dockerd &)",
            Product::DockerDesktop => {
                "open Docker Desktop and wait until it says \"Engine running\""
            }
            Product::Colima => "colima start",
            Product::OrbStack => "open OrbStack (or: orb start)",
            Product::RancherDesktop => {
                "open Rancher Desktop with the dockerd (moby) container engine"
            }
            Product::Podman => {
                "podman machine start (macOS/Windows) or systemctl --user start podman.socket"
            }
        }
    }
}

impl std::fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EndpointSource::EnvDockerHost => write!(f, "environment variable DOCKER_HOST"),
            EndpointSource::Context { name, from_env } => {
                let via = if *from_env {
                    "DOCKER_CONTEXT"
                } else {
                    "current context in docker config"
                };
                write!(f, "docker context {name} ({via})")
            }
            EndpointSource::Flag => write!(f, "--engine"),
            EndpointSource::WellKnown { product } => {
                write!(f, "well-known socket ({})", product.label())
            }
        }
    }
}

/// An engine address (`unix:///…`, `tcp://…`, `npipe:////./pipe/…`) and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Endpoint {
    pub host: String,
    pub source: EndpointSource,
    /// TLS for a `tcp://` engine (see [`super::tls`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tls: Option<Tls>,
}

impl Endpoint {
    /// An endpoint without TLS (sockets, pipes, plain `tcp://`).
    pub fn plain(host: impl Into<String>, source: EndpointSource) -> Endpoint {
        Endpoint {
            host: host.into(),
            source,
            tls: None,
        }
    }
}

/// The outside world discovery looks at, injected so resolution is a pure function.
pub struct DiscoveryEnv<'a> {
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    /// `$DOCKER_CONFIG` (defaults to `<home>/.docker`).
    pub docker_config: Option<PathBuf>,
    /// `DOCKER_TLS_VERIFY`, `DOCKER_TLS`, `DOCKER_CERT_PATH` (TLS to a `tcp://` engine).
    pub docker_tls_verify: Option<String>,
    pub docker_tls: Option<String>,
    pub docker_cert_path: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
    pub windows: bool,
    pub read_file: &'a dyn Fn(&Path) -> Option<String>,
    pub exists: &'a dyn Fn(&Path) -> bool,
}

/// A place discovery looked, in order, and whether anything is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Candidate {
    pub endpoint: Endpoint,
    /// False when the socket file does not exist (nothing to try).
    pub present: bool,
    /// Why this candidate could not be used, filled in by discovery or connect.
    pub problem: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The ordered list of engine candidates. If `DOCKER_HOST` is set it is the only candidate
/// (as for the docker CLI); likewise an explicit context. Otherwise every well-known socket,
/// marked present or not.
pub fn candidates(env: &DiscoveryEnv<'_>) -> Vec<Candidate> {
    if let Some(host) = nonempty(&env.docker_host) {
        return vec![Candidate {
            endpoint: Endpoint {
                host: host.to_string(),
                source: EndpointSource::EnvDockerHost,
                tls: tls::from_env(env, host),
            },
            present: true,
            problem: None,
        }];
    }
    let config_dir = env
        .docker_config
        .clone()
        .or_else(|| env.home.as_ref().map(|h| h.join(".docker")));
    let (context, from_env) = match nonempty(&env.docker_context) {
        Some(c) => (Some(c.to_string()), true),
        None => (
            config_dir
                .as_ref()
                .and_then(|d| (env.read_file)(&d.join("config.json")))
                .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
                .and_then(|v| v.get("currentContext")?.as_str().map(str::to_string))
                .filter(|c| !c.trim().is_empty()),
            false,
        ),
    };
    let mut out = Vec::new();
    if let Some(name) = context.filter(|n| n != "default") {
        let source = EndpointSource::Context {
            name: name.clone(),
            from_env,
        };
        let host = config_dir
            .as_ref()
            .and_then(|d| context_host(env, d, &name));
        match host {
            Some((host, tls)) => {
                let present = socket_present(env, &host);
                return vec![Candidate {
                    endpoint: Endpoint { host, source, tls },
                    present,
                    problem: None,
                }];
            }
            None => out.push(Candidate {
                endpoint: Endpoint::plain(String::new(), source),
                present: false,
                problem: Some(format!(
                    "context {name} not found in {}",
                    config_dir
                        .as_ref()
                        .map(|d| d.join("contexts/meta").display().to_string())
                        .unwrap_or_else(|| "~/.docker/contexts/meta".into())
                )),
            }),
        }
    }
    for (path, product) in well_known(env) {
        let host = if env.windows && path.starts_with("//./pipe/") {
            format!("npipe://{path}")
        } else {
            format!("unix://{path}")
        };
        let present = socket_present(env, &host);
        out.push(Candidate {
            endpoint: Endpoint::plain(host, EndpointSource::WellKnown { product }),
            present,
            problem: None,
        });
    }
    out
}

/// Reads `contexts/meta/<sha256(name)>/meta.json` -> `Endpoints.docker.Host`, and the
/// context's TLS material (`contexts/tls/<sha256(name)>/docker/`).
fn context_host(
    env: &DiscoveryEnv<'_>,
    config_dir: &Path,
    name: &str,
) -> Option<(String, Option<Tls>)> {
    let digest = Sha256::digest(name.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let meta = (env.read_file)(
        &config_dir
            .join("contexts/meta")
            .join(&hex)
            .join("meta.json"),
    )?;
    let v: serde_json::Value = serde_json::from_str(&meta).ok()?;
    let host = v.get("Endpoints")?.get("docker")?.get("Host")?.as_str()?;
    let tls = if host.starts_with("tcp://") {
        tls::from_context(env, config_dir, &hex, &v)
    } else {
        None
    };
    Some((host.to_string(), tls))
}

fn socket_present(env: &DiscoveryEnv<'_>, host: &str) -> bool {
    if let Some(p) = host.strip_prefix("unix://") {
        (env.exists)(Path::new(p))
    } else if let Some(p) = host.strip_prefix("npipe://") {
        (env.exists)(Path::new(p))
    } else {
        true // tcp://, ssh://: can only be tried
    }
}

fn well_known(env: &DiscoveryEnv<'_>) -> Vec<(String, Product)> {
    let mut v: Vec<(String, Product)> = Vec::new();
    if env.windows {
        v.push(("//./pipe/docker_engine".into(), Product::DockerDesktop));
        v.push(("//./pipe/podman-machine-default".into(), Product::Podman));
        return v;
    }
    v.push(("/var/run/docker.sock".into(), Product::DockerEngine));
    if let Some(home) = &env.home {
        let h = |rel: &str| home.join(rel).display().to_string();
        v.push((h(".docker/run/docker.sock"), Product::DockerDesktop));
        v.push((h(".docker/desktop/docker.sock"), Product::DockerDesktop));
        v.push((h(".colima/default/docker.sock"), Product::Colima));
        v.push((h(".colima/docker.sock"), Product::Colima));
        v.push((h(".orbstack/run/docker.sock"), Product::OrbStack));
        v.push((h(".rd/docker.sock"), Product::RancherDesktop));
    }
    if let Some(xdg) = &env.xdg_runtime_dir {
        v.push((
            xdg.join("podman/podman.sock").display().to_string(),
            Product::Podman,
        ));
    }
    v.push(("/run/podman/podman.sock".into(), Product::Podman));
    v
}

/// Other Colima profiles (`~/.colima/<profile>/docker.sock`), listed from the real folder;
/// appended after the default profile by [`system_candidates`].
fn colima_profiles(home: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(home.join(".colima")) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name != "default" && !name.starts_with('_') {
                let s = e.path().join("docker.sock");
                if s.exists() {
                    out.push(s.display().to_string());
                }
            }
        }
    }
    out.sort();
    out
}

/// The engine `target` names: an address (`unix:///…`, `tcp://…`, `npipe://…`), or a docker
/// CLI context by name (resolved as `DOCKER_CONTEXT=<name>` would be).
pub fn explicit_candidates(target: &str) -> Vec<Candidate> {
    let read = |p: &Path| std::fs::read_to_string(p).ok();
    let exists = |p: &Path| p.exists();
    let mut env = process_env(&read, &exists);
    env.docker_host = None;
    if target.contains("://") {
        // An address, as `docker -H ADDR` takes it: TLS from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH.
        return vec![Candidate {
            endpoint: Endpoint {
                host: target.to_string(),
                source: EndpointSource::Flag,
                tls: tls::from_env(&env, target),
            },
            present: true,
            problem: None,
        }];
    }
    env.docker_context = Some(target.to_string());
    candidates(&env)
}

/// This process's environment, for discovery.
fn process_env<'a>(
    read: &'a dyn Fn(&Path) -> Option<String>,
    exists: &'a dyn Fn(&Path) -> bool,
) -> DiscoveryEnv<'a> {
    let var = |k: &str| std::env::var(k).ok();
    DiscoveryEnv {
        docker_host: var("DOCKER_HOST"),
        docker_context: var("DOCKER_CONTEXT"),
        docker_config: std::env::var_os("DOCKER_CONFIG").map(PathBuf::from),
        docker_tls_verify: var("DOCKER_TLS_VERIFY"),
        docker_tls: var("DOCKER_TLS"),
        docker_cert_path: std::env::var_os("DOCKER_CERT_PATH").map(PathBuf::from),
        home: dirs::home_dir(),
        xdg_runtime_dir: std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from),
        windows: cfg!(windows),
        read_file: read,
        exists,
    }
}

/// Candidates for the real environment of this process.
pub fn system_candidates() -> Vec<Candidate> {
    let read = |p: &Path| std::fs::read_to_string(p).ok();
    let exists = |p: &Path| p.exists();
    let env = process_env(&read, &exists);
    let home = env.home.clone();
    let mut c = candidates(&env);
    let well_known_only = c
        .iter()
        .all(|c| matches!(c.endpoint.source, EndpointSource::WellKnown { .. }));
    if let (true, Some(home)) = (well_known_only, home) {
        let at = c
            .iter()
            .position(|c| c.endpoint.host.contains(".colima/docker.sock"))
            .map(|i| i + 1)
            .unwrap_or(c.len());
        for (i, p) in colima_profiles(&home).into_iter().enumerate() {
            c.insert(
                at + i,
                Candidate {
                    endpoint: Endpoint::plain(
                        format!("unix://{p}"),
                        EndpointSource::WellKnown {
                            product: Product::Colima,
                        },
                    ),
                    present: true,
                    problem: None,
                },
            );
        }
    }
    c
}

/// The "no engine" message: every candidate tried and how to start each product.
pub fn no_engine_message(tried: &[Candidate]) -> String {
    let mut s = String::from("no container engine reachable. Tried:\n");
    for c in tried {
        let state = match (&c.problem, c.present) {
            (Some(p), _) => p.clone(),
            (None, false) => "no socket".into(),
            (None, true) => "not answering".into(),
        };
        let host = if c.endpoint.host.is_empty() {
            "-"
        } else {
            &c.endpoint.host
        };
        s.push_str(&format!("  {host}  [{}]: {state}\n", c.endpoint.source));
    }
    s.push_str("Start an engine:\n");
    for p in [
        Product::DockerEngine,
        Product::DockerDesktop,
        Product::Colima,
        Product::OrbStack,
        Product::RancherDesktop,
        Product::Podman,
    ] {
        s.push_str(&format!("  {}: {}\n", p.label(), p.start_hint()));
    }
    s.push_str("(or point DOCKER_HOST at a running engine)");
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn run(
        host: Option<&str>,
        ctx: Option<&str>,
        files: &[(&str, &str)],
        socks: &[&str],
    ) -> Vec<Candidate> {
        let files: HashMap<PathBuf, String> = files
            .iter()
            .map(|(p, c)| (PathBuf::from(p), c.to_string()))
            .collect();
        let socks: Vec<PathBuf> = socks.iter().map(PathBuf::from).collect();
        let read = |p: &Path| files.get(p).cloned();
        let exists = |p: &Path| socks.iter().any(|s| s == p);
        let env = DiscoveryEnv {
            docker_host: host.map(str::to_string),
            docker_context: ctx.map(str::to_string),
            docker_config: None,
            docker_tls_verify: None,
            docker_tls: None,
            docker_cert_path: None,
            home: Some(PathBuf::from("/home/u")),
            xdg_runtime_dir: Some(PathBuf::from("/run/user/1000")),
            windows: false,
            read_file: &read,
            exists: &exists,
        };
        candidates(&env)
    }

    // sha256("colima") computed independently with `printf colima | sha256sum`.
    const COLIMA_HASH: &str = "f24fd3749c1368328e2b149bec149cb6795619f244c5b584e844961215dadd16";

    #[test]
    fn docker_host_wins_and_is_the_only_candidate() {
        let c = run(
            Some("tcp://10.0.0.1:2375"),
            Some("colima"),
            &[],
            &["/var/run/docker.sock"],
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].endpoint.host, "tcp://10.0.0.1:2375");
        assert_eq!(c[0].endpoint.source, EndpointSource::EnvDockerHost);
    }

    #[test]
    fn current_context_from_config_json() {
        let meta = format!("/home/u/.docker/contexts/meta/{COLIMA_HASH}/meta.json");
        let c = run(
            None,
            None,
            &[
                (
                    "/home/u/.docker/config.json",
                    r#"{"currentContext":"colima"}"#,
                ),
                (
                    &meta,
                    r#"{"Name":"colima","Endpoints":{"docker":{"Host":"unix:///home/u/.colima/default/docker.sock"}}}"#,
                ),
            ],
            &["/home/u/.colima/default/docker.sock"],
        );
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].endpoint.host,
            "unix:///home/u/.colima/default/docker.sock"
        );
        assert_eq!(
            c[0].endpoint.source,
            EndpointSource::Context {
                name: "colima".into(),
                from_env: false
            }
        );
        assert!(c[0].present);
    }

    #[test]
    fn docker_context_env_overrides_config() {
        let meta = format!("/home/u/.docker/contexts/meta/{COLIMA_HASH}/meta.json");
        let c = run(
            None,
            Some("colima"),
            &[
                (
                    "/home/u/.docker/config.json",
                    r#"{"currentContext":"other"}"#,
                ),
                (
                    &meta,
                    r#"{"Endpoints":{"docker":{"Host":"tcp://1.2.3.4:2376"}}}"#,
                ),
            ],
            &[],
        );
        assert_eq!(c[0].endpoint.host, "tcp://1.2.3.4:2376");
        assert!(matches!(
            c[0].endpoint.source,
            EndpointSource::Context { from_env: true, .. }
        ));
    }

    #[test]
    fn missing_context_is_reported_then_sockets_follow() {
        let c = run(None, Some("ghost"), &[], &["/var/run/docker.sock"]);
        assert!(c[0]
            .problem
            .as_deref()
            .unwrap()
            .contains("context ghost not found"));
        assert_eq!(c[1].endpoint.host, "unix:///var/run/docker.sock");
        assert!(c[1].present);
    }

    #[test]
    fn default_context_means_well_known_sockets_in_order() {
        let c = run(
            None,
            None,
            &[(
                "/home/u/.docker/config.json",
                r#"{"currentContext":"default"}"#,
            )],
            &["/home/u/.orbstack/run/docker.sock"],
        );
        let hosts: Vec<&str> = c.iter().map(|c| c.endpoint.host.as_str()).collect();
        assert_eq!(hosts[0], "unix:///var/run/docker.sock");
        assert_eq!(hosts[1], "unix:///home/u/.docker/run/docker.sock");
        assert_eq!(hosts[2], "unix:///home/u/.docker/desktop/docker.sock");
        assert_eq!(hosts[3], "unix:///home/u/.colima/default/docker.sock");
        assert!(hosts.contains(&"unix:///run/user/1000/podman/podman.sock"));
        assert_eq!(*hosts.last().unwrap(), "unix:///run/podman/podman.sock");
        let present: Vec<_> = c.iter().filter(|c| c.present).collect();
        assert_eq!(present.len(), 1);
        assert_eq!(
            present[0].endpoint.source,
            EndpointSource::WellKnown {
                product: Product::OrbStack
            }
        );
    }

    #[test]
    fn windows_uses_the_named_pipe() {
        let read = |_: &Path| None;
        let exists = |_: &Path| true;
        let env = DiscoveryEnv {
            docker_host: Some("  ".into()),
            docker_context: None,
            docker_config: None,
            docker_tls_verify: None,
            docker_tls: None,
            docker_cert_path: None,
            home: None,
            xdg_runtime_dir: None,
            windows: true,
            read_file: &read,
            exists: &exists,
        };
        let c = candidates(&env);
        assert_eq!(c[0].endpoint.host, "npipe:////./pipe/docker_engine");
    }

    #[test]
    fn message_names_every_candidate_and_how_to_start() {
        let c = run(None, None, &[], &[]);
        let m = no_engine_message(&c);
        for cand in &c {
            assert!(m.contains(&cand.endpoint.host), "{m}");
        }
        assert!(m.contains("colima start"));
        assert!(m.contains("Docker Desktop"));
    }
}
