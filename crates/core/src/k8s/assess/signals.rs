//! The signals (pure): what the folder shows about how it must run, each with its points
//! toward Kubernetes, its evidence and its source. docs/k8s.md has the table.

use super::facts::{ComposeSource, Facts};
use super::scan::{at, classify, Role, ServiceInfo};
use super::{Signal, SignalEvidence, SignalValue};
use crate::k8s::locate::line_containing;
use crate::k8s::sources::{self as src, Rule};

/// Ports of well-known protocols that are not HTTP (a managed HTTP service cannot serve them).
const NON_HTTP_PORTS: &[u16] = &[
    21, 22, 23, 25, 53, 110, 143, 389, 465, 587, 993, 995, 1883, 1935, 2181, 3306, 3478, 5060,
    5222, 5432, 5672, 6379, 8883, 9092, 11211, 25565, 27017,
];

/// Folders and files that hold Kubernetes manifests, charts or their tooling.
pub const K8S_MARKERS: &[&str] = &[
    "Chart.yaml",
    "kustomization.yaml",
    "kustomization.yml",
    "skaffold.yaml",
    "helmfile.yaml",
    "Tiltfile",
];
pub const K8S_DIRS: &[&str] = &[
    "k8s/",
    "kubernetes/",
    "manifests/",
    "deploy/",
    "charts/",
    "helm/",
];

/// CI configuration files.
const CI_FILES: &[&str] = &[
    ".github/workflows/",
    ".gitlab-ci.yml",
    ".circleci/config.yml",
    "Jenkinsfile",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    ".drone.yml",
    ".woodpecker.yml",
    ".ci/",
];

fn signal(
    id: &str,
    value: SignalValue,
    points: i32,
    detail: String,
    evidence: Vec<SignalEvidence>,
    source: Rule,
) -> Signal {
    Signal {
        id: id.to_string(),
        value,
        points,
        detail,
        evidence,
        source: source.into(),
    }
}

fn names(v: &[&ServiceInfo]) -> Vec<String> {
    v.iter().map(|s| s.spec.name.clone()).collect()
}

/// Every signal, in a stable order.
pub fn signals(f: &Facts) -> Vec<Signal> {
    let mut out = Vec::new();
    if let Some(c) = &f.compose {
        compose_signals(f, c, &mut out);
    } else {
        out.push(signal(
            "app_services",
            SignalValue::Count(1),
            0,
            "one app (no compose file)".into(),
            Vec::new(),
            src::TWELVE_CONCURRENCY,
        ));
    }
    out.push(existing_kubernetes(f));
    out.push(ci(f));
    out.push(managed_fit(f));
    out
}

fn compose_signals(f: &Facts, c: &ComposeSource, out: &mut Vec<Signal>) {
    let services = classify(c);
    let apps: Vec<&ServiceInfo> = services.iter().filter(|s| s.role.is_some()).collect();
    let backing: Vec<&ServiceInfo> = services.iter().filter(|s| s.backing.is_some()).collect();
    let ev = |s: &ServiceInfo, detail: String| at(c, &["services", &s.spec.name], detail);

    let n = apps.len() as i32;
    out.push(signal(
        "app_services",
        SignalValue::Count(i64::from(n)),
        ((n - 1) * 10).clamp(0, 30),
        format!("{n} app service(s)"),
        apps.iter()
            .map(|s| ev(s, "built or run as an app".into()))
            .collect(),
        src::TWELVE_CONCURRENCY,
    ));
    out.push(signal(
        "backing_services",
        SignalValue::Names(names(&backing)),
        (backing.len() as i32 * 3).min(10),
        format!("{} backing service(s)", backing.len()),
        backing
            .iter()
            .map(|s| {
                ev(
                    s,
                    format!(
                        "{} ({})",
                        s.backing.unwrap_or("backing"),
                        s.spec.image.clone().unwrap_or_default()
                    ),
                )
            })
            .collect(),
        src::TWELVE_BACKING,
    ));

    let replicated: Vec<&ServiceInfo> = services
        .iter()
        .filter(|s| s.spec.replicas.is_some_and(|r| r > 1))
        .collect();
    out.push(signal(
        "replicas",
        SignalValue::Names(names(&replicated)),
        if replicated.is_empty() {
            0
        } else {
            (15 + 5 * (replicated.len() as i32 - 1)).min(25)
        },
        format!(
            "{} service(s) declare more than one replica",
            replicated.len()
        ),
        replicated
            .iter()
            .map(|s| {
                at(
                    c,
                    &["services", &s.spec.name, "deploy", "replicas"],
                    format!("replicas: {}", s.spec.replicas.unwrap_or(1)),
                )
            })
            .collect(),
        src::K8S_DEPLOYMENT,
    ));

    let sized: Vec<&ServiceInfo> = services
        .iter()
        .filter(|s| {
            s.spec.memory.is_some()
                || s.spec.cpus.is_some()
                || s.spec.memory_reservation.is_some()
                || s.spec.cpus_reservation.is_some()
        })
        .collect();
    out.push(signal(
        "resources",
        SignalValue::Names(names(&sized)),
        if sized.is_empty() { 0 } else { 5 },
        format!("{} service(s) declare CPU or memory", sized.len()),
        sized
            .iter()
            .map(|s| {
                at(
                    c,
                    &["services", &s.spec.name, "deploy", "resources"],
                    "deploy.resources",
                )
            })
            .collect(),
        src::K8S_RESOURCES,
    ));

    // Autoscaling: a replicated HTTP service with limits (an HPA can target its CPU), or
    // autoscaler objects in the repository.
    let mut scaling: Vec<SignalEvidence> = replicated
        .iter()
        .filter(|s| {
            s.role == Some(Role::Web)
                && (s.spec.cpus.is_some() || s.spec.cpus_reservation.is_some())
        })
        .map(|s| {
            ev(
                s,
                "replicated HTTP service with CPU sizing: can scale on CPU".into(),
            )
        })
        .collect();
    scaling.extend(
        f.files
            .iter()
            .filter(|p| {
                let lower = p.to_ascii_lowercase();
                lower.contains("hpa")
                    || lower.contains("autoscal")
                    || lower.contains("scaledobject")
            })
            .take(5)
            .map(|p| SignalEvidence {
                file: p.clone(),
                line: None,
                detail: "autoscaler configuration".into(),
            }),
    );
    out.push(signal(
        "autoscaling",
        SignalValue::Count(scaling.len() as i64),
        if scaling.is_empty() { 0 } else { 10 },
        format!("{} sign(s) of load-driven scaling", scaling.len()),
        scaling,
        src::K8S_HPA,
    ));

    let checked: Vec<&ServiceInfo> = services
        .iter()
        .filter(|s| s.spec.healthcheck.is_some())
        .collect();
    out.push(signal(
        "healthchecks",
        SignalValue::Names(names(&checked)),
        0,
        format!(
            "{} of {} service(s) have a healthcheck",
            checked.len(),
            services.len()
        ),
        checked
            .iter()
            .map(|s| at(c, &["services", &s.spec.name, "healthcheck"], "healthcheck"))
            .collect(),
        src::K8S_PROBES,
    ));

    let mut state = Vec::new();
    let mut state_points = 0;
    for s in &services {
        for (vol, target) in &s.spec.volumes {
            state.push(at(
                c,
                &["services", &s.spec.name, "volumes"],
                format!("named volume {vol} at {target}"),
            ));
        }
        for b in s.spec.security.binds.iter().filter(|b| !b.read_only) {
            state.push(at(
                c,
                &["services", &s.spec.name, "volumes"],
                format!("host folder {} at {}", b.source, b.target),
            ));
        }
        if !s.spec.volumes.is_empty() {
            state_points += if s.backing.is_some() { 3 } else { 5 };
        }
    }
    out.push(signal(
        "local_state",
        SignalValue::Count(state.len() as i64),
        state_points.min(10),
        format!("{} volume(s) holding state", state.len()),
        state,
        src::K8S_STATEFULSET,
    ));

    let mut non_http = Vec::new();
    for s in apps.iter().filter(|s| s.role == Some(Role::Web)) {
        for p in s
            .spec
            .ports
            .iter()
            .map(|p| p.container)
            .chain(s.spec.expose.iter().copied())
        {
            if NON_HTTP_PORTS.contains(&p) {
                non_http.push(at(
                    c,
                    &["services", &s.spec.name, "ports"],
                    format!("port {p}"),
                ));
            }
        }
    }
    for (i, l) in c
        .text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("/udp"))
    {
        non_http.push(SignalEvidence {
            file: c.file.clone(),
            line: u32::try_from(i + 1).ok(),
            detail: format!("UDP port: {}", l.trim()),
        });
    }
    out.push(signal(
        "non_http_ports",
        SignalValue::Count(non_http.len() as i64),
        (non_http.len() as i32 * 5).min(10),
        format!("{} app port(s) that are not HTTP", non_http.len()),
        non_http,
        src::CLOUD_RUN_FIT,
    ));

    let configured: Vec<&ServiceInfo> = services
        .iter()
        .filter(|s| !s.spec.environment.is_empty() || !s.spec.env_file.is_empty())
        .collect();
    out.push(signal(
        "env_config",
        SignalValue::Names(names(&configured)),
        0,
        format!("{} service(s) configured by environment", configured.len()),
        configured
            .iter()
            .map(|s| {
                let key = if s.spec.environment.is_empty() {
                    "env_file"
                } else {
                    "environment"
                };
                at(c, &["services", &s.spec.name, key], key)
            })
            .collect(),
        src::TWELVE_CONFIG,
    ));

    let workers: Vec<&ServiceInfo> = apps
        .iter()
        .copied()
        .filter(|s| s.role == Some(Role::Worker))
        .collect();
    out.push(signal(
        "workers",
        SignalValue::Names(names(&workers)),
        (workers.len() as i32 * 10).min(20),
        format!("{} background worker(s)", workers.len()),
        workers
            .iter()
            .map(|s| ev(s, "app service without a port".into()))
            .collect(),
        src::TWELVE_CONCURRENCY,
    ));

    let scheduled: Vec<&ServiceInfo> = apps
        .iter()
        .copied()
        .filter(|s| s.role == Some(Role::Scheduler))
        .collect();
    out.push(signal(
        "scheduled_jobs",
        SignalValue::Names(names(&scheduled)),
        if scheduled.is_empty() { 0 } else { 5 },
        format!("{} scheduled job runner(s)", scheduled.len()),
        scheduled
            .iter()
            .map(|s| ev(s, "runs on a schedule".into()))
            .collect(),
        src::K8S_CRONJOB,
    ));
}

/// Whether `path` (file name `name`) looks like a Kubernetes manifest, chart or tool file.
pub fn is_k8s_file(path: &str, name: &str) -> bool {
    K8S_MARKERS.contains(&name)
        || (K8S_DIRS.iter().any(|d| path.starts_with(d))
            && (path.ends_with(".yaml") || path.ends_with(".yml")))
}

/// Manifests the team wrote (Berth's own `berth k8s generate` output does not count).
fn existing_kubernetes(f: &Facts) -> Signal {
    let found: Vec<SignalEvidence> = f
        .files
        .iter()
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            is_k8s_file(p, name) && !f.berth_generated.contains(p)
        })
        .take(10)
        .map(|p| SignalEvidence {
            file: p.clone(),
            line: None,
            detail: "Kubernetes manifest, chart or tooling".into(),
        })
        .collect();
    signal(
        "existing_kubernetes",
        SignalValue::Count(found.len() as i64),
        if found.is_empty() { 0 } else { 30 },
        format!(
            "{} Kubernetes file(s) already in the repository",
            found.len()
        ),
        found,
        src::K8S_KUSTOMIZE,
    )
}

fn ci(f: &Facts) -> Signal {
    let found: Vec<SignalEvidence> = f
        .files
        .iter()
        .filter(|p| {
            CI_FILES.iter().any(|c| {
                if c.ends_with('/') {
                    p.starts_with(c)
                } else {
                    p == c
                }
            })
        })
        .take(5)
        .map(|p| SignalEvidence {
            file: p.clone(),
            line: None,
            detail: "CI pipeline".into(),
        })
        .collect();
    signal(
        "ci",
        SignalValue::Flag(!found.is_empty()),
        if found.is_empty() { 0 } else { 5 },
        if found.is_empty() {
            "no CI pipeline".into()
        } else {
            "a CI pipeline builds the project".into()
        },
        found,
        src::TWELVE_BUILD_RELEASE_RUN,
    )
}

/// Cloud Run's criteria: one HTTP service (requests, or runs to completion), no local
/// persistent disk, several instances at once, no always-on worker.
fn managed_fit(f: &Facts) -> Signal {
    let mut unmet = Vec::new();
    if let Some(c) = &f.compose {
        let services = classify(c);
        let apps: Vec<&ServiceInfo> = services.iter().filter(|s| s.role.is_some()).collect();
        let web = apps.iter().filter(|s| s.role == Some(Role::Web)).count();
        if web != 1 {
            unmet.push(at(
                c,
                &["services"],
                format!("{web} HTTP app services (one is the fit)"),
            ));
        }
        for s in apps.iter().filter(|s| s.role == Some(Role::Worker)) {
            unmet.push(at(
                c,
                &["services", &s.spec.name],
                "always-on worker (not a request handler)",
            ));
        }
        for s in &apps {
            if !s.spec.volumes.is_empty() || s.spec.security.binds.iter().any(|b| !b.read_only) {
                unmet.push(at(
                    c,
                    &["services", &s.spec.name, "volumes"],
                    "needs a local persistent disk",
                ));
            }
            for p in s.spec.ports.iter().map(|p| p.container) {
                if NON_HTTP_PORTS.contains(&p) {
                    unmet.push(at(
                        c,
                        &["services", &s.spec.name, "ports"],
                        format!("port {p} is not HTTP"),
                    ));
                }
            }
        }
        if let Some(line) = line_containing(&c.text, "/udp") {
            unmet.push(SignalEvidence {
                file: c.file.clone(),
                line: Some(line),
                detail: "UDP port".into(),
            });
        }
    } else if f.detection.is_none() {
        unmet.push(SignalEvidence {
            file: ".".into(),
            line: None,
            detail: "no app detected and no compose file".into(),
        });
    }
    let fits = unmet.is_empty();
    signal(
        "managed_fit",
        SignalValue::Flag(fits),
        0,
        if fits {
            "fits Cloud Run's criteria (stateless HTTP, no local disk)".into()
        } else {
            format!("{} Cloud Run criteria not met", unmet.len())
        },
        unmet,
        src::CLOUD_RUN_FIT,
    )
}
