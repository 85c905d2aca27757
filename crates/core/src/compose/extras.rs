//! The compose model's fields read for the Kubernetes manifests ([`crate::k8s`]) that the
//! Engine API runner does not apply: service `env_file`, `secrets`, `entrypoint`
//! and the top-level `secrets`. The keys stay noted as unsupported in
//! [`super::ComposeFile::notes`] (they are, for running).

use super::model::{get, scalar, shell_or_argv, ServiceSpec};
use serde_yaml_ng::{Mapping, Value};

/// A service's `secrets:` entry: the top-level secret it mounts, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// The top-level secret's name.
    pub source: String,
    /// Where the file appears in the container (`/run/secrets/<source>` unless written).
    pub target: String,
}

/// A top-level `secrets:` definition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretDef {
    pub name: String,
    /// `file:` as written (relative to the compose file's folder).
    pub file: Option<String>,
    /// `environment:`: the variable holding the value.
    pub environment: Option<String>,
    /// `external: true`: the secret exists outside the project.
    pub external: bool,
}

/// A key of [`NOTED_KEYS`] into the model.
pub(super) fn noted_key(s: &mut ServiceSpec, key: &str, v: &Value) {
    match key {
        "env_file" => {
            s.env_file = match v {
                Value::Sequence(seq) => seq
                    .iter()
                    .filter_map(|e| match e {
                        Value::Mapping(m) => get(m, "path").and_then(scalar),
                        other => scalar(other),
                    })
                    .collect(),
                other => scalar(other).into_iter().collect(),
            }
        }
        "secrets" => {
            let Value::Sequence(seq) = v else { return };
            for e in seq {
                let (source, target) = match e {
                    Value::Mapping(m) => (
                        get(m, "source").and_then(scalar),
                        get(m, "target").and_then(scalar),
                    ),
                    other => (scalar(other), None),
                };
                let Some(source) = source else { continue };
                let target = match target {
                    Some(t) if t.starts_with('/') => t,
                    Some(t) => format!("/run/secrets/{t}"),
                    None => format!("/run/secrets/{source}"),
                };
                s.secrets.push(SecretRef { source, target });
            }
        }
        "entrypoint" => s.entrypoint = shell_or_argv(v),
        _ => {}
    }
}

/// Top-level `secrets:` definitions.
pub(super) fn secret_defs(v: &Value) -> Vec<SecretDef> {
    let Value::Mapping(m) = v else {
        return Vec::new();
    };
    m.iter()
        .filter_map(|(k, body)| {
            let name = scalar(k)?;
            let empty = Mapping::new();
            let b = body.as_mapping().unwrap_or(&empty);
            Some(SecretDef {
                file: get(b, "file").and_then(scalar),
                environment: get(b, "environment").and_then(scalar),
                external: matches!(get(b, "external"), Some(Value::Bool(true))),
                name,
            })
        })
        .collect()
}
