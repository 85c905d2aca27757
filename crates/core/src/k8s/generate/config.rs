//! Configuration and secrets (pure): ConfigMaps for non-secret environment and bind-mounted
//! files (base), PersistentVolumeClaims for shared volumes (base), Secrets with development
//! values marked for replacement (dev overlay only) and ExternalSecrets naming where prod's
//! values come from (prod overlay; no value ever).

use super::pod::{labels, meta, DEFAULT_STORAGE};
use super::report::Report;
use super::unit::{SecretValue, Unit};
use super::{
    dns_name, yaml, FieldOutcome, GenerateInput, Referenced, PLACEHOLDER, REPLACE_ANNOTATION,
};
use crate::k8s::assess::clean_rel;
use crate::Result;
use k8s_openapi::api::core::v1::{
    ConfigMap, PersistentVolumeClaim, PersistentVolumeClaimSpec, Secret, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use std::collections::BTreeMap;

/// One Secret the workloads reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretSpec {
    pub name: String,
    pub entries: Vec<(String, SecretValue)>,
}

/// The unit's ConfigMaps: `<name>-env` and `<name>-files`.
pub fn config_maps(header: &str, u: &Unit, project: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    if !u.config.is_empty() {
        let name = format!("{}-env", u.name);
        let cm = ConfigMap {
            metadata: meta(&name, labels(&u.name, project)),
            data: Some(u.config.clone()),
            ..ConfigMap::default()
        };
        out.push((format!("configmap-{name}.yaml"), yaml(header, &cm)?));
    }
    if !u.files.is_empty() {
        let name = format!("{}-files", u.name);
        let data = u
            .files
            .iter()
            .map(|f| (f.key.clone(), f.content.clone()))
            .collect();
        let cm = ConfigMap {
            metadata: meta(&name, labels(&u.name, project)),
            data: Some(data),
            ..ConfigMap::default()
        };
        out.push((format!("configmap-{name}.yaml"), yaml(header, &cm)?));
    }
    Ok(out)
}

/// PersistentVolumeClaims of volumes several services share (ReadWriteMany).
pub fn shared_claims(header: &str, units: &[Unit], project: &str) -> Result<Vec<(String, String)>> {
    let mut names: Vec<&str> = units
        .iter()
        .flat_map(|u| u.shared.iter().map(|(c, _)| c.as_str()))
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            let pvc = PersistentVolumeClaim {
                metadata: meta(n, labels(n, project)),
                spec: Some(PersistentVolumeClaimSpec {
                    access_modes: Some(vec!["ReadWriteMany".into()]),
                    resources: Some(VolumeResourceRequirements {
                        requests: Some(BTreeMap::from([(
                            "storage".into(),
                            Quantity(DEFAULT_STORAGE.into()),
                        )])),
                        limits: None,
                    }),
                    ..PersistentVolumeClaimSpec::default()
                }),
                status: None,
            };
            Ok((format!("pvc-{n}.yaml"), yaml(header, &pvc)?))
        })
        .collect()
}

/// Every Secret the workloads reference, with its development values.
pub fn secrets(input: &GenerateInput, units: &[Unit], r: &mut Report) -> Vec<SecretSpec> {
    let mut out: Vec<SecretSpec> = units
        .iter()
        .filter(|u| !u.secret_env.is_empty())
        .map(|u| SecretSpec {
            name: format!("{}-env", u.name),
            entries: u.secret_env.clone().into_iter().collect(),
        })
        .collect();
    let used: Vec<&str> = units
        .iter()
        .flat_map(|u| u.secret_files.iter().map(|f| f.key.as_str()))
        .collect();
    let mut external = Vec::new();
    for def in input
        .model
        .secrets
        .iter()
        .filter(|d| used.contains(&d.name.as_str()))
    {
        if def.external {
            external.push(def.name.clone());
            continue;
        }
        let value = match (&def.file, &def.environment) {
            (Some(f), _) => match input.files.get(&clean_rel(f)) {
                Some(Referenced::Text(t)) => SecretValue::Literal(t.clone()),
                Some(Referenced::Ignored) => SecretValue::Placeholder(format!(
                    "{f} is ignored by .gitignore/.dockerignore: not copied"
                )),
                _ => SecretValue::Placeholder(format!("{f} was not found")),
            },
            (None, Some(v)) => SecretValue::Placeholder(format!("from the host variable {v}")),
            (None, None) => SecretValue::Placeholder("no file or environment given".into()),
        };
        out.push(SecretSpec {
            name: dns_name(&def.name),
            entries: vec![(def.name.clone(), value)],
        });
    }
    if !input.model.secrets.is_empty() {
        let mut detail = format!(
            "{} Secret(s) mounted as files; development values only in overlays/dev (annotated {REPLACE_ANNOTATION}), ExternalSecrets in overlays/prod",
            input.model.secrets.len() - external.len()
        );
        if !external.is_empty() {
            detail.push_str(&format!(
                "; external ({}) must already exist in the namespace",
                external.join(", ")
            ));
        }
        r.top("secrets", FieldOutcome::Translated, detail);
    }
    out
}

/// The dev overlay's Secrets: compose's own values, placeholders for the rest.
pub fn dev_secrets(
    header: &str,
    secrets: &[SecretSpec],
    project: &str,
) -> Result<Vec<(String, String)>> {
    secrets
        .iter()
        .map(|s| {
            let mut why = Vec::new();
            let data: BTreeMap<String, String> = s
                .entries
                .iter()
                .map(|(k, v)| match v {
                    SecretValue::Literal(t) => (k.clone(), t.clone()),
                    SecretValue::Placeholder(reason) => {
                        why.push(format!("{k}: {reason}"));
                        (k.clone(), PLACEHOLDER.to_string())
                    }
                })
                .collect();
            let mut note =
                "development values: replace before use; prod reads an ExternalSecret".to_string();
            if !why.is_empty() {
                note.push_str(&format!(" ({PLACEHOLDER}: {})", why.join("; ")));
            }
            let mut m = meta(&s.name, labels(&s.name, project));
            m.annotations = Some(BTreeMap::from([(REPLACE_ANNOTATION.to_string(), note)]));
            let secret = Secret {
                metadata: m,
                string_data: Some(data),
                type_: Some("Opaque".into()),
                ..Secret::default()
            };
            Ok((format!("secret-{}.yaml", s.name), yaml(header, &secret)?))
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalSecret {
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: ExternalSecretSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalSecretSpec {
    refresh_interval: &'static str,
    secret_store_ref: StoreRef,
    target: Target,
    data: Vec<ExternalData>,
}

#[derive(Serialize)]
struct StoreRef {
    kind: &'static str,
    name: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    name: String,
    creation_policy: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalData {
    secret_key: String,
    remote_ref: RemoteRef,
}

#[derive(Serialize)]
struct RemoteRef {
    key: String,
    property: String,
}

/// The prod overlay's ExternalSecrets (External Secrets Operator): where each value comes
/// from in the team's secret store; the store's name is to be replaced.
pub fn external_secrets(
    header: &str,
    secrets: &[SecretSpec],
    project: &str,
) -> Result<Vec<(String, String)>> {
    secrets
        .iter()
        .map(|s| {
            let mut m = meta(&s.name, labels(&s.name, project));
            m.annotations = Some(BTreeMap::from([(
                REPLACE_ANNOTATION.to_string(),
                "name your ClusterSecretStore in secretStoreRef and store the values under remoteRef.key".to_string(),
            )]));
            let es = ExternalSecret {
                api_version: "external-secrets.io/v1",
                kind: "ExternalSecret",
                metadata: m,
                spec: ExternalSecretSpec {
                    refresh_interval: "1h",
                    secret_store_ref: StoreRef { kind: "ClusterSecretStore", name: "replace-me" },
                    target: Target { name: s.name.clone(), creation_policy: "Owner" },
                    data: s
                        .entries
                        .iter()
                        .map(|(k, _)| ExternalData {
                            secret_key: k.clone(),
                            remote_ref: RemoteRef { key: format!("{project}/{}", s.name), property: k.clone() },
                        })
                        .collect(),
                },
            };
            Ok((format!("externalsecret-{}.yaml", s.name), yaml(header, &es)?))
        })
        .collect()
}
