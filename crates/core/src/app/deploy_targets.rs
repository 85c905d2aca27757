//! Where a deploy can go: the engines Berth can discover (the one it uses now, `DOCKER_HOST`,
//! every docker CLI context), connecting to the one chosen (`--engine CONTEXT|URL` in the
//! CLI, the target picker in the app), and the `refused` report of an engine that does not
//! answer. Listing connects to nothing: a target is tried when a deploy uses it.

use super::deploy::{DeployReport, Validation};
use super::deploy_history::Outcome;
use crate::docker::discovery::{self, Candidate, EndpointSource};
use crate::docker::Engine;
use crate::environment::Environment;
use crate::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// One engine a deploy can target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DeployTarget {
    /// What to pass as the engine (`--engine`): None for the engine Berth uses now, a
    /// context's name, or an address.
    pub engine: Option<String>,
    /// How the target is named to the user.
    pub label: String,
    /// The engine's address (`unix:///…`, `tcp://…`), empty when unknown.
    pub address: String,
}

/// A docker CLI context's `meta.json` -> (name, docker endpoint host) (pure).
pub fn parse_context_meta(text: &str) -> Option<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let name = v.get("Name")?.as_str()?.to_string();
    let host = v.get("Endpoints")?.get("docker")?.get("Host")?.as_str()?;
    Some((name, host.to_string()))
}

/// The targets from what discovery sees (pure): the engine in use (the first candidate that
/// is there), `DOCKER_HOST` when set, then the contexts by name (`default` is the engine in
/// use already, and a context that is the current one is not listed twice).
pub fn targets_from(
    current: &[Candidate],
    docker_host: Option<&str>,
    mut contexts: Vec<(String, String)>,
) -> Vec<DeployTarget> {
    let now = current
        .iter()
        .find(|c| c.present && c.problem.is_none() && !c.endpoint.host.is_empty());
    let mut out = vec![DeployTarget {
        engine: None,
        label: match now {
            Some(c) => format!("this engine ({})", c.endpoint.source),
            None => "the engine Berth finds".into(),
        },
        address: now.map(|c| c.endpoint.host.clone()).unwrap_or_default(),
    }];
    let current_context = now.and_then(|c| match &c.endpoint.source {
        EndpointSource::Context { name, .. } => Some(name.clone()),
        _ => None,
    });
    if let Some(h) = docker_host.map(str::trim).filter(|h| !h.is_empty()) {
        if now.map(|c| c.endpoint.source != EndpointSource::EnvDockerHost) != Some(false) {
            out.push(DeployTarget {
                engine: Some(h.to_string()),
                label: "DOCKER_HOST".into(),
                address: h.to_string(),
            });
        }
    }
    contexts.sort();
    for (name, host) in contexts {
        if name == "default" || Some(&name) == current_context.as_ref() {
            continue;
        }
        out.push(DeployTarget {
            engine: Some(name.clone()),
            label: format!("context {name}"),
            address: host,
        });
    }
    out
}

/// The docker CLI contexts of this user (`$DOCKER_CONFIG` or `~/.docker`, `contexts/meta/*/
/// meta.json`); unreadable ones are skipped.
fn system_contexts() -> Vec<(String, String)> {
    let dir: Option<PathBuf> = std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".docker")));
    let Some(meta) = dir.map(|d| d.join("contexts").join("meta")) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&meta) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| read_small(&e.path().join("meta.json")))
        .filter_map(|t| parse_context_meta(&t))
        .collect()
}

fn read_small(p: &Path) -> Option<String> {
    crate::fsread::read_text(p).ok().flatten()
}

/// The engines a deploy can target on this machine (nothing is connected).
pub fn deploy_targets() -> Vec<DeployTarget> {
    targets_from(
        &discovery::system_candidates(),
        std::env::var("DOCKER_HOST").ok().as_deref(),
        system_contexts(),
    )
}

/// Connect to the target: a context's name or an address, else the engine Berth finds.
pub async fn connect_target(engine: Option<&str>) -> Result<Engine> {
    match engine.map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Engine::connect_candidates(discovery::explicit_candidates(e)).await,
        None => Engine::connect().await,
    }
}

/// The report of a deploy whose engine does not answer: refused, nothing built.
pub fn unreachable(engine: Option<&str>, env: Environment, e: &Error) -> DeployReport {
    DeployReport {
        version: String::new(),
        engine: engine
            .map(str::to_string)
            .unwrap_or_else(|| "(discovered)".into()),
        env,
        validated: vec![Validation {
            name: "engine".into(),
            ok: false,
            detail: e.to_string(),
        }],
        outcome: Outcome::Refused,
        url: None,
        previous: None,
        reason: Some(format!("engine: {e}")),
        image: String::new(),
        container: None,
        host_port: None,
        last_logs: Vec::new(),
        notes: Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::docker::discovery::{Endpoint, Product};

    fn cand(host: &str, source: EndpointSource, present: bool) -> Candidate {
        Candidate {
            endpoint: Endpoint::plain(host, source),
            present,
            problem: None,
        }
    }

    #[test]
    fn context_meta_gives_its_name_and_docker_host() {
        let meta = r#"{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"ssh://u@h","SkipTLSVerify":false}}}"#;
        assert_eq!(
            parse_context_meta(meta),
            Some(("remote".into(), "ssh://u@h".into()))
        );
        assert_eq!(parse_context_meta(r#"{"Name":"x","Endpoints":{}}"#), None);
        assert_eq!(parse_context_meta("not json"), None);
    }

    #[test]
    fn the_engine_in_use_comes_first_then_docker_host_then_other_contexts() {
        let well_known = EndpointSource::WellKnown {
            product: Product::DockerEngine,
        };
        let current = [
            cand("unix:///missing.sock", well_known.clone(), false),
            cand("unix:///var/run/docker.sock", well_known, true),
        ];
        let t = targets_from(
            &current,
            Some("tcp://10.0.0.2:2375"),
            vec![
                ("zeta".into(), "unix:///z.sock".into()),
                ("default".into(), "unix:///var/run/docker.sock".into()),
                ("alpha".into(), "ssh://u@h".into()),
            ],
        );
        let got: Vec<(Option<&str>, &str)> = t
            .iter()
            .map(|t| (t.engine.as_deref(), t.address.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (None, "unix:///var/run/docker.sock"),
                (Some("tcp://10.0.0.2:2375"), "tcp://10.0.0.2:2375"),
                (Some("alpha"), "ssh://u@h"),
                (Some("zeta"), "unix:///z.sock"),
            ]
        );
        assert!(t[0].label.starts_with("this engine"), "{}", t[0].label);
        assert_eq!(t[2].label, "context alpha");
    }

    #[test]
    fn docker_host_or_a_current_context_in_use_is_not_listed_twice() {
        let by_host = [cand("tcp://h:2375", EndpointSource::EnvDockerHost, true)];
        let t = targets_from(&by_host, Some("tcp://h:2375"), Vec::new());
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].address, "tcp://h:2375");
        let by_ctx = [cand(
            "unix:///c.sock",
            EndpointSource::Context {
                name: "c".into(),
                from_env: false,
            },
            true,
        )];
        let t = targets_from(&by_ctx, None, vec![("c".into(), "unix:///c.sock".into())]);
        assert_eq!(t.len(), 1);
        // Nothing found: the first target still says "the engine Berth finds".
        let t = targets_from(&[], None, Vec::new());
        assert_eq!(t[0].address, "");
        assert_eq!(t[0].engine, None);
    }
}
