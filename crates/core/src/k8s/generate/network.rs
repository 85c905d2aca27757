//! Networking objects (pure): the namespace (Pod Security "restricted" enforced), a Service
//! per service with ports (headless for StatefulSets and port-less dependencies), a
//! PodDisruptionBudget when replicas > 1, and NetworkPolicies: deny everything, then allow
//! DNS, what `depends_on` implies and what is published.

use super::pod::{labels, meta, selector};
use super::unit::Unit;
use super::yaml;
use crate::Result;
use k8s_openapi::api::core::v1::{Namespace, Service, ServicePort, ServiceSpec};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// The namespace, with the restricted Pod Security level enforced, audited and warned.
pub fn namespace(header: &str, name: &str, project: &str) -> Result<String> {
    let mut l = labels(name, project);
    l.remove(super::NAME_LABEL);
    for mode in ["enforce", "audit", "warn"] {
        l.insert(
            format!("pod-security.kubernetes.io/{mode}"),
            "restricted".into(),
        );
    }
    yaml(
        header,
        &Namespace {
            metadata: meta(name, l),
            ..Namespace::default()
        },
    )
}

/// Whether some other unit waits for `u`.
fn is_dependency(u: &Unit, units: &[Unit]) -> bool {
    units
        .iter()
        .any(|o| o.depends.iter().any(|(d, _)| *d == u.name))
}

/// The unit's Service and PodDisruptionBudget.
pub fn for_unit(
    header: &str,
    u: &Unit,
    units: &[Unit],
    project: &str,
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let headless = u.stateful() || u.ports.is_empty();
    if !u.ports.is_empty() || u.stateful() || is_dependency(u, units) {
        let svc = Service {
            metadata: meta(&u.name, labels(&u.name, project)),
            spec: Some(ServiceSpec {
                cluster_ip: headless.then(|| "None".into()),
                selector: Some(selector(&u.name, project)),
                ports: (!u.ports.is_empty()).then(|| {
                    u.ports
                        .iter()
                        .map(|p| ServicePort {
                            name: Some(format!("tcp-{p}")),
                            port: i32::from(*p),
                            target_port: Some(IntOrString::Int(i32::from(*p))),
                            ..ServicePort::default()
                        })
                        .collect()
                }),
                ..ServiceSpec::default()
            }),
            status: None,
        };
        out.push((format!("service-{}.yaml", u.name), yaml(header, &svc)?));
    }
    if u.replicas > 1 {
        let pdb = PodDisruptionBudget {
            metadata: meta(&u.name, labels(&u.name, project)),
            spec: Some(PodDisruptionBudgetSpec {
                max_unavailable: Some(IntOrString::Int(1)),
                selector: Some(LabelSelector {
                    match_labels: Some(selector(&u.name, project)),
                    ..LabelSelector::default()
                }),
                ..PodDisruptionBudgetSpec::default()
            }),
            status: None,
        };
        out.push((format!("pdb-{}.yaml", u.name), yaml(header, &pdb)?));
    }
    Ok(out)
}

fn pods(name: &str, project: &str) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(selector(name, project)),
            ..LabelSelector::default()
        }),
        ..NetworkPolicyPeer::default()
    }
}

fn tcp(ports: &[u16]) -> Option<Vec<NetworkPolicyPort>> {
    (!ports.is_empty()).then(|| {
        ports
            .iter()
            .map(|p| NetworkPolicyPort {
                port: Some(IntOrString::Int(i32::from(*p))),
                protocol: Some("TCP".into()),
                end_port: None,
            })
            .collect()
    })
}

fn policy(
    header: &str,
    name: &str,
    project: &str,
    select: LabelSelector,
    ingress: Vec<NetworkPolicyIngressRule>,
    egress: Vec<NetworkPolicyEgressRule>,
    types: Vec<String>,
) -> Result<(String, String)> {
    let p = NetworkPolicy {
        metadata: meta(name, labels(name, project)),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(select),
            policy_types: Some(types),
            ingress: (!ingress.is_empty()).then_some(ingress),
            egress: (!egress.is_empty()).then_some(egress),
        }),
    };
    Ok((format!("networkpolicy-{name}.yaml"), yaml(header, &p)?))
}

/// Default deny, DNS, and each unit's allows.
pub fn policies(header: &str, units: &[Unit], project: &str) -> Result<Vec<(String, String)>> {
    let both = vec!["Ingress".to_string(), "Egress".to_string()];
    let mut out = vec![policy(
        header,
        "default-deny",
        project,
        LabelSelector::default(),
        Vec::new(),
        Vec::new(),
        both.clone(),
    )?];
    let dns = NetworkPolicyEgressRule {
        to: Some(vec![NetworkPolicyPeer {
            namespace_selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([(
                    "kubernetes.io/metadata.name".into(),
                    "kube-system".into(),
                )])),
                ..LabelSelector::default()
            }),
            pod_selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([("k8s-app".into(), "kube-dns".into())])),
                ..LabelSelector::default()
            }),
            ..NetworkPolicyPeer::default()
        }]),
        ports: Some(
            ["UDP", "TCP"]
                .iter()
                .map(|p| NetworkPolicyPort {
                    port: Some(IntOrString::Int(53)),
                    protocol: Some((*p).into()),
                    end_port: None,
                })
                .collect(),
        ),
    };
    out.push(policy(
        header,
        "allow-dns",
        project,
        LabelSelector::default(),
        Vec::new(),
        vec![dns],
        vec!["Egress".into()],
    )?);
    for u in units {
        let mut ingress = Vec::new();
        let dependents: Vec<&Unit> = units
            .iter()
            .filter(|o| o.depends.iter().any(|(d, _)| *d == u.name))
            .collect();
        if !dependents.is_empty() {
            ingress.push(NetworkPolicyIngressRule {
                from: Some(dependents.iter().map(|d| pods(&d.name, project)).collect()),
                ports: tcp(&u.ports),
            });
        }
        if !u.published.is_empty() {
            ingress.push(NetworkPolicyIngressRule {
                from: None,
                ports: tcp(&u.published),
            });
        }
        let egress: Vec<NetworkPolicyEgressRule> = u
            .depends
            .iter()
            .map(|(dep, _)| NetworkPolicyEgressRule {
                to: Some(vec![pods(dep, project)]),
                ports: tcp(units
                    .iter()
                    .find(|d| &d.name == dep)
                    .map(|d| d.ports.as_slice())
                    .unwrap_or(&[])),
            })
            .collect();
        if ingress.is_empty() && egress.is_empty() {
            continue;
        }
        let mut types = Vec::new();
        if !ingress.is_empty() {
            types.push("Ingress".to_string());
        }
        if !egress.is_empty() {
            types.push("Egress".to_string());
        }
        let select = LabelSelector {
            match_labels: Some(selector(&u.name, project)),
            ..LabelSelector::default()
        };
        out.push(policy(
            header, &u.name, project, select, ingress, egress, types,
        )?);
    }
    Ok(out)
}
