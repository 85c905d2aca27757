//! The Kustomize files (pure): base lists every resource; dev and prod overlay it.
//!
//! - dev: one replica each, small CPU/memory requests (a laptop cluster schedules it all),
//!   built images tagged `dev`, the Secrets with development values.
//! - prod: the compose replicas, built images under a registry name and release tag to
//!   replace, ExternalSecrets instead of Secrets.

use super::config::SecretSpec;
use super::unit::Unit;
use super::yaml;
use crate::Result;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Kustomization {
    api_version: &'static str,
    kind: &'static str,
    namespace: String,
    resources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    images: Vec<Image>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    replicas: Vec<Replicas>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    patches: Vec<Patch>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Image {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_name: Option<String>,
    new_tag: String,
}

#[derive(Serialize)]
struct Replicas {
    name: String,
    count: i32,
}

#[derive(Serialize)]
struct Patch {
    target: Target,
    patch: String,
}

#[derive(Serialize)]
struct Target {
    kind: &'static str,
    name: String,
}

/// Requests in the dev overlay.
pub const DEV_REQUESTS: (&str, &str) = ("50m", "64Mi");
/// The registry and tag the prod overlay names (to replace).
pub const PROD_REGISTRY: &str = "registry.example.com";
pub const PROD_TAG: &str = "1.0.0";

/// What the kustomizations list.
pub struct Kustomizations<'a> {
    pub namespace: &'a str,
    pub project: &'a str,
    pub units: &'a [Unit<'a>],
    pub base: &'a [String],
    pub dev: &'a [String],
    pub prod: &'a [String],
    pub secrets: &'a [SecretSpec],
}

fn kind(u: &Unit) -> &'static str {
    if u.stateful() {
        "StatefulSet"
    } else {
        "Deployment"
    }
}

impl Kustomizations<'_> {
    fn new_k(&self, resources: Vec<String>) -> Kustomization {
        Kustomization {
            api_version: "kustomize.config.k8s.io/v1beta1",
            kind: "Kustomization",
            namespace: self.namespace.to_string(),
            resources,
            images: Vec::new(),
            replicas: Vec::new(),
            patches: Vec::new(),
        }
    }

    /// `(path, YAML)` of the three kustomization files.
    pub fn files(&self, header: &str) -> Result<Vec<(String, String)>> {
        let base = self.new_k(self.base.to_vec());

        let with_base = |extra: &[String]| {
            let mut r = vec!["../../base".to_string()];
            r.extend(extra.iter().cloned());
            r
        };
        let mut dev = self.new_k(with_base(self.dev));
        let mut prod = self.new_k(with_base(self.prod));
        for u in self.units {
            if let Some(img) = &u.built_image {
                dev.images.push(Image {
                    name: img.clone(),
                    new_name: None,
                    new_tag: "dev".into(),
                });
                prod.images.push(Image {
                    name: img.clone(),
                    new_name: Some(format!("{PROD_REGISTRY}/{}/{}", self.project, u.name)),
                    new_tag: PROD_TAG.into(),
                });
            }
            dev.replicas.push(Replicas {
                name: u.name.clone(),
                count: 1,
            });
            prod.replicas.push(Replicas {
                name: u.name.clone(),
                count: u.replicas,
            });
            dev.patches.push(Patch {
                target: Target { kind: kind(u), name: u.name.clone() },
                patch: format!(
                    "- op: replace\n  path: /spec/template/spec/containers/0/resources/requests\n  value:\n    cpu: {}\n    memory: {}\n",
                    DEV_REQUESTS.0, DEV_REQUESTS.1
                ),
            });
        }
        let dev_note =
            "# dev: one replica each, small requests, built images tagged dev, and Secrets\n\
                        # holding development values (annotated berth.dev/replace-me).\n";
        let prod_note = format!(
            "# prod: the compose replicas; built images under {PROD_REGISTRY} with tag {PROD_TAG}\n\
             # (replace both); Secrets come from your store through ExternalSecrets (needs the\n\
             # External Secrets Operator; or create the Secrets {} yourself\n\
             # and drop the externalsecret-*.yaml lines).\n",
            if self.secrets.is_empty() {
                "(none)".to_string()
            } else {
                self.secrets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            }
        );
        Ok(vec![
            ("base/kustomization.yaml".into(), yaml(header, &base)?),
            (
                "overlays/dev/kustomization.yaml".into(),
                yaml(&format!("{header}{dev_note}"), &dev)?,
            ),
            (
                "overlays/prod/kustomization.yaml".into(),
                yaml(&format!("{header}{prod_note}"), &prod)?,
            ),
        ])
    }
}
