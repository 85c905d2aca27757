//! The workload of a unit (pure): a Deployment, or a StatefulSet with volumeClaimTemplates,
//! whose pod runs the service under the Pod Security "restricted" profile with resources,
//! probes, its configuration and secrets, and init containers that wait for dependencies.

use super::probes::probes;
use super::report::Report;
use super::unit::Unit;
use super::{yaml, MANAGED_BY_LABEL, NAME_LABEL, PART_OF_LABEL};
use crate::compose::interpolate;
use crate::k8s::images::short_name;
use crate::runner::{parse_cpus, parse_memory};
use crate::Result;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapEnvSource, ConfigMapVolumeSource, Container, ContainerPort,
    EmptyDirVolumeSource, EnvFromSource, EnvVar, EnvVarSource, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec,
    PodTemplateSpec, ResourceRequirements, SeccompProfile, SecretKeySelector, SecretVolumeSource,
    SecurityContext, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use std::collections::BTreeMap;

/// Requests and limits when compose declares none.
pub const DEFAULT_CPU_REQUEST: &str = "100m";
pub const DEFAULT_MEMORY_REQUEST: &str = "128Mi";
pub const DEFAULT_CPU_LIMIT: &str = "500m";
pub const DEFAULT_MEMORY_LIMIT: &str = "512Mi";
/// Size of each generated PersistentVolumeClaim.
pub const DEFAULT_STORAGE: &str = "1Gi";
/// The image of the init containers that wait for dependencies (busybox's `nc`), and the
/// user they run as (nobody).
pub const WAIT_IMAGE: &str = "busybox:1.37";
const NOBODY: i64 = 65534;

/// The labels of every object of `unit`.
pub fn labels(name: &str, project: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME_LABEL.to_string(), name.to_string()),
        (PART_OF_LABEL.to_string(), project.to_string()),
        (MANAGED_BY_LABEL.to_string(), "berth".to_string()),
    ])
}

/// The selector of `unit`'s pods.
pub fn selector(name: &str, project: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME_LABEL.to_string(), name.to_string()),
        (PART_OF_LABEL.to_string(), project.to_string()),
    ])
}

pub fn meta(name: &str, labels: BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        labels: Some(labels),
        ..ObjectMeta::default()
    }
}

/// Bytes -> a Kubernetes quantity (`512Mi`, `1Gi`).
pub fn memory_quantity(bytes: i64) -> String {
    const GI: i64 = 1 << 30;
    const MI: i64 = 1 << 20;
    if bytes % GI == 0 {
        format!("{}Gi", bytes / GI)
    } else if bytes % MI == 0 {
        format!("{}Mi", bytes / MI)
    } else if bytes % 1024 == 0 {
        format!("{}Ki", bytes / 1024)
    } else {
        bytes.to_string()
    }
}

/// Nano CPUs -> millicores (`500m`), rounded up.
pub fn cpu_quantity(nano: i64) -> String {
    let m = (nano + 999_999) / 1_000_000;
    if m % 1000 == 0 {
        (m / 1000).to_string()
    } else {
        format!("{m}m")
    }
}

/// Words of a command string as compose splits them (quotes, backslashes; no shell).
pub fn split_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut any = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn q(s: &str) -> Quantity {
    Quantity(s.to_string())
}

fn resources(u: &Unit, r: &mut Report) -> ResourceRequirements {
    let svc = u.spec.name.as_str();
    let s = u.spec;
    let mem_limit = s.memory.as_deref().and_then(parse_memory);
    let cpu_limit = s.cpus.as_deref().and_then(parse_cpus);
    let mem_req = s.memory_reservation.as_deref().and_then(parse_memory);
    let cpu_req = s.cpus_reservation.as_deref().and_then(parse_cpus);
    let default_mem_req = parse_memory("128m").unwrap_or(0);
    let default_cpu_req = parse_cpus("0.1").unwrap_or(0);
    let limits = BTreeMap::from([
        (
            "cpu".to_string(),
            q(&cpu_limit
                .map(cpu_quantity)
                .unwrap_or(DEFAULT_CPU_LIMIT.into())),
        ),
        (
            "memory".to_string(),
            q(&mem_limit
                .map(memory_quantity)
                .unwrap_or(DEFAULT_MEMORY_LIMIT.into())),
        ),
    ]);
    let requests = BTreeMap::from([
        (
            "cpu".to_string(),
            q(&cpu_req
                .or(cpu_limit.map(|l| l.min(default_cpu_req)))
                .map(cpu_quantity)
                .unwrap_or(DEFAULT_CPU_REQUEST.into())),
        ),
        (
            "memory".to_string(),
            q(&mem_req
                .or(mem_limit.map(|l| l.min(default_mem_req)))
                .map(memory_quantity)
                .unwrap_or(DEFAULT_MEMORY_REQUEST.into())),
        ),
    ]);
    if mem_limit.is_some() || cpu_limit.is_some() {
        r.translated(svc, "deploy.resources.limits", "resources.limits");
    }
    if mem_req.is_some() || cpu_req.is_some() {
        r.translated(svc, "deploy.resources.reservations", "resources.requests");
    }
    if mem_limit.is_none() || cpu_limit.is_none() || mem_req.is_none() || cpu_req.is_none() {
        r.defaulted(svc, "deploy.resources", format!(
            "what compose leaves out: limits {DEFAULT_CPU_LIMIT} CPU / {DEFAULT_MEMORY_LIMIT}, requests {DEFAULT_CPU_REQUEST} / {DEFAULT_MEMORY_REQUEST} (never above the limit)"
        ));
    }
    ResourceRequirements {
        limits: Some(limits),
        requests: Some(requests),
        ..ResourceRequirements::default()
    }
}

/// The restricted profile for one container.
pub fn security(uid: Option<i64>, gid: Option<i64>) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: uid,
        run_as_group: gid,
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            add: None,
        }),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".into(),
            localhost_profile: None,
        }),
        ..SecurityContext::default()
    }
}

fn mount(name: &str, path: &str, sub: Option<&str>, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.to_string(),
        mount_path: path.to_string(),
        sub_path: sub.map(str::to_string),
        read_only: read_only.then_some(true),
        ..VolumeMount::default()
    }
}

/// Init containers waiting until each `service_healthy` dependency answers: its Service only
/// routes to ready pods, so a TCP connect (or, without a port, a DNS answer from its headless
/// Service) means at least one replica passed its readiness probe.
fn waits(u: &Unit, units: &[Unit], r: &mut Report) -> Vec<Container> {
    let mut out = Vec::new();
    for (dep, healthy) in &u.depends {
        if !healthy {
            r.dropped(&u.spec.name, "depends_on", format!("{dep} (started): Kubernetes starts pods together; the app must retry its connections"));
            continue;
        }
        let port = units
            .iter()
            .find(|d| &d.name == dep)
            .and_then(|d| d.ports.first());
        let check = match port {
            Some(p) => format!("nc -z -w 2 {dep} {p}"),
            None => format!("nslookup {dep}"),
        };
        r.translated(
            &u.spec.name,
            "depends_on",
            format!("{dep} (healthy): init container wait-for-{dep} ({check} until it answers)"),
        );
        out.push(Container {
            name: format!("wait-for-{dep}"),
            image: Some(WAIT_IMAGE.into()),
            command: Some(vec![
                "sh".into(),
                "-c".into(),
                format!("until {check} >/dev/null 2>&1; do echo waiting for {dep}; sleep 2; done"),
            ]),
            resources: Some(ResourceRequirements {
                limits: Some(BTreeMap::from([
                    ("cpu".into(), q("100m")),
                    ("memory".into(), q("32Mi")),
                ])),
                requests: Some(BTreeMap::from([
                    ("cpu".into(), q("10m")),
                    ("memory".into(), q("16Mi")),
                ])),
                ..ResourceRequirements::default()
            }),
            security_context: Some(security(Some(NOBODY), Some(NOBODY))),
            ..Container::default()
        });
    }
    out
}

fn container(u: &Unit, r: &mut Report) -> (Container, Vec<Volume>) {
    let svc = u.spec.name.as_str();
    let s = u.spec;
    let mut c = Container {
        name: u.name.clone(),
        image: Some(u.image.clone()),
        ..Container::default()
    };
    let interp =
        |v: &[String]| -> Vec<String> { v.iter().map(|a| interpolate(a, &|_| None)).collect() };
    if let Some(e) = &s.entrypoint {
        c.command = Some(interp(e));
        r.translated(svc, "entrypoint", "command");
    }
    if let Some(t) = &s.command_text {
        c.args = Some(split_words(&interpolate(t, &|_| None)));
        r.translated(svc, "command", "args (split into words as compose does)");
    } else if let Some(cmd) = &s.command {
        c.args = Some(interp(cmd));
        r.translated(svc, "command", "args");
    }
    if !u.ports.is_empty() {
        c.ports = Some(
            u.ports
                .iter()
                .map(|p| ContainerPort {
                    container_port: i32::from(*p),
                    ..ContainerPort::default()
                })
                .collect(),
        );
    }
    if !u.config.is_empty() {
        c.env_from = Some(vec![EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: format!("{}-env", u.name),
                optional: None,
            }),
            ..EnvFromSource::default()
        }]);
    }
    let mut env: Vec<EnvVar> = u
        .secret_env
        .keys()
        .map(|k| EnvVar {
            name: k.clone(),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: format!("{}-env", u.name),
                    key: k.clone(),
                    optional: None,
                }),
                ..EnvVarSource::default()
            }),
            value: None,
        })
        .collect();
    if short_name(&u.image).starts_with("postgres")
        && u.claims
            .iter()
            .any(|(_, t)| t == "/var/lib/postgresql/data")
    {
        env.push(EnvVar {
            name: "PGDATA".into(),
            value: Some("/var/lib/postgresql/data/pgdata".into()),
            value_from: None,
        });
        r.defaulted(
            svc,
            "environment",
            "PGDATA=/var/lib/postgresql/data/pgdata: a new volume's lost+found would stop initdb",
        );
    }
    if !env.is_empty() {
        c.env = Some(env);
    }
    c.resources = Some(resources(u, r));
    let p = probes(u, r);
    c.readiness_probe = p.readiness;
    c.liveness_probe = p.liveness;
    c.startup_probe = p.startup;
    c.security_context = Some(security(u.uid, u.gid));
    if u.uid.is_none() {
        r.defaulted(svc, "user", "the image's user is unknown: runAsNonRoot without runAsUser, so the kubelet refuses to start it if the image runs as root");
    }
    if s.security_opt
        .iter()
        .any(|o| o.starts_with("no-new-privileges"))
    {
        r.translated(svc, "security_opt", "allowPrivilegeEscalation: false");
    }
    if !s.cap_drop.is_empty() {
        r.translated(svc, "cap_drop", "capabilities.drop: [ALL]");
    }
    // Volumes and mounts.
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    for (i, (path, memory)) in u.writable.iter().enumerate() {
        let name = if path == "/tmp" {
            "tmp".to_string()
        } else {
            format!("writable-{i}")
        };
        volumes.push(Volume {
            name: name.clone(),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: memory.then(|| "Memory".into()),
                ..EmptyDirVolumeSource::default()
            }),
            ..Volume::default()
        });
        mounts.push(mount(&name, path, None, false));
    }
    for (claim, path) in &u.claims {
        mounts.push(mount(claim, path, None, false));
    }
    for (claim, path) in &u.shared {
        volumes.push(Volume {
            name: claim.clone(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: claim.clone(),
                read_only: None,
            }),
            ..Volume::default()
        });
        mounts.push(mount(claim, path, None, false));
    }
    if !u.files.is_empty() {
        volumes.push(Volume {
            name: "files".into(),
            config_map: Some(ConfigMapVolumeSource {
                name: format!("{}-files", u.name),
                ..ConfigMapVolumeSource::default()
            }),
            ..Volume::default()
        });
        for f in &u.files {
            mounts.push(mount("files", &f.target, Some(&f.key), true));
        }
    }
    let mut seen = Vec::new();
    for f in &u.secret_files {
        let vol = format!("secret-{}", f.secret);
        if !seen.contains(&vol) {
            volumes.push(Volume {
                name: vol.clone(),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(f.secret.clone()),
                    ..SecretVolumeSource::default()
                }),
                ..Volume::default()
            });
            seen.push(vol.clone());
        }
        mounts.push(mount(&vol, &f.target, Some(&f.key), true));
    }
    c.volume_mounts = Some(mounts);
    (c, volumes)
}

/// The unit's workload file: `(file name, YAML)`.
pub fn workload(
    header: &str,
    u: &Unit,
    units: &[Unit],
    project: &str,
    r: &mut Report,
) -> Result<Vec<(String, String)>> {
    let (c, volumes) = container(u, r);
    let init = waits(u, units, r);
    let pod = PodSpec {
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            fs_group: u.gid,
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".into(),
                localhost_profile: None,
            }),
            ..PodSecurityContext::default()
        }),
        containers: vec![c],
        init_containers: (!init.is_empty()).then_some(init),
        volumes: Some(volumes),
        ..PodSpec::default()
    };
    let template = PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels(&u.name, project)),
            ..ObjectMeta::default()
        }),
        spec: Some(pod),
    };
    let select = LabelSelector {
        match_labels: Some(selector(&u.name, project)),
        ..LabelSelector::default()
    };
    match u.spec.restart.as_deref() {
        Some("no") | Some("on-failure") => r.dropped(
            &u.spec.name,
            "restart",
            "a Deployment or StatefulSet always restarts its pods (a run-once task would be a Job)",
        ),
        Some(_) => r.translated(
            &u.spec.name,
            "restart",
            "the workload restarts its pods (restartPolicy: Always)",
        ),
        None => {}
    }
    if u.stateful() {
        let claims = u
            .claims
            .iter()
            .map(|(claim, _)| PersistentVolumeClaim {
                metadata: ObjectMeta {
                    name: Some(claim.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(PersistentVolumeClaimSpec {
                    access_modes: Some(vec!["ReadWriteOnce".into()]),
                    resources: Some(VolumeResourceRequirements {
                        requests: Some(BTreeMap::from([("storage".into(), q(DEFAULT_STORAGE))])),
                        limits: None,
                    }),
                    ..PersistentVolumeClaimSpec::default()
                }),
                status: None,
            })
            .collect();
        let set = StatefulSet {
            metadata: meta(&u.name, labels(&u.name, project)),
            spec: StatefulSetSpec {
                replicas: Some(u.replicas),
                selector: select,
                service_name: Some(u.name.clone()),
                template,
                volume_claim_templates: Some(claims),
                ..StatefulSetSpec::default()
            },
            status: None,
        };
        Ok(vec![(
            format!("statefulset-{}.yaml", u.name),
            yaml(header, &set)?,
        )])
    } else {
        let d = Deployment {
            metadata: meta(&u.name, labels(&u.name, project)),
            spec: DeploymentSpec {
                replicas: Some(u.replicas),
                selector: select,
                template,
                ..DeploymentSpec::default()
            },
            status: None,
        };
        Ok(vec![(
            format!("deployment-{}.yaml", u.name),
            yaml(header, &d)?,
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_and_words() {
        assert_eq!(memory_quantity(512 * 1024 * 1024), "512Mi");
        assert_eq!(memory_quantity(2 << 30), "2Gi");
        assert_eq!(memory_quantity(1000), "1000");
        assert_eq!(cpu_quantity(500_000_000), "500m");
        assert_eq!(cpu_quantity(1_500_000_000), "1500m");
        assert_eq!(cpu_quantity(2_000_000_000), "2");
        assert_eq!(
            split_words("celery -A app worker --loglevel=info"),
            vec!["celery", "-A", "app", "worker", "--loglevel=info"]
        );
        assert_eq!(
            split_words(r#"sh -c "echo 'hi there'" ''"#),
            vec!["sh", "-c", "echo 'hi there'", ""]
        );
    }
}
