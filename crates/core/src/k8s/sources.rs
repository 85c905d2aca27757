//! The published rules the assessment rests on: every signal and checklist item names one.
//! Each was read at the address given (see docs/k8s.md for the passages).

use serde::Serialize;
use ts_rs::TS;

/// Where a rule comes from: a title and an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RuleSource {
    pub title: String,
    pub url: String,
}

/// `(title, url)` of one published rule.
pub type Rule = (&'static str, &'static str);

impl From<Rule> for RuleSource {
    fn from((title, url): Rule) -> Self {
        RuleSource {
            title: title.to_string(),
            url: url.to_string(),
        }
    }
}

pub const CLOUD_RUN_FIT: Rule = (
    "Google Cloud Run: is my app a good fit?",
    "https://cloud.google.com/run/docs/fit-for-run",
);
pub const CLOUD_RUN_CONTRACT: Rule = (
    "Google Cloud Run: container runtime contract",
    "https://cloud.google.com/run/docs/container-contract",
);
pub const K8S_DEPLOYMENT: Rule = (
    "Kubernetes: Deployments (scaling, rolling updates)",
    "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/",
);
pub const K8S_HPA: Rule = (
    "Kubernetes: Horizontal Pod Autoscaling",
    "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",
);
pub const K8S_STATEFULSET: Rule = (
    "Kubernetes: StatefulSets (stable, persistent storage)",
    "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/",
);
pub const K8S_CRONJOB: Rule = (
    "Kubernetes: CronJob",
    "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/",
);
pub const K8S_PROBES: Rule = (
    "Kubernetes: liveness, readiness and startup probes",
    "https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/",
);
pub const K8S_RESOURCES: Rule = (
    "Kubernetes: resource management for pods and containers",
    "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
);
pub const K8S_SERVICE: Rule = (
    "Kubernetes: Service",
    "https://kubernetes.io/docs/concepts/services-networking/service/",
);
pub const K8S_PSS: Rule = (
    "Kubernetes: Pod Security Standards (restricted)",
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
);
pub const K8S_TERMINATION: Rule = (
    "Kubernetes: pod lifecycle, termination of pods",
    "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination",
);
pub const K8S_KUSTOMIZE: Rule = (
    "Kubernetes: declarative management of objects using Kustomize",
    "https://kubernetes.io/docs/tasks/manage-kubernetes-objects/kustomization/",
);
pub const DOCKER_EXEC_FORM: Rule = (
    "Dockerfile reference: shell and exec form (signals reach only the exec form)",
    "https://docs.docker.com/reference/dockerfile/#shell-and-exec-form",
);
pub const TWELVE_CONFIG: Rule = (
    "The Twelve-Factor App: III. Config",
    "https://12factor.net/config",
);
pub const TWELVE_BACKING: Rule = (
    "The Twelve-Factor App: IV. Backing services",
    "https://12factor.net/backing-services",
);
pub const TWELVE_BUILD_RELEASE_RUN: Rule = (
    "The Twelve-Factor App: V. Build, release, run",
    "https://12factor.net/build-release-run",
);
pub const TWELVE_PROCESSES: Rule = (
    "The Twelve-Factor App: VI. Processes (stateless, share-nothing)",
    "https://12factor.net/processes",
);
pub const TWELVE_CONCURRENCY: Rule = (
    "The Twelve-Factor App: VIII. Concurrency (process types)",
    "https://12factor.net/concurrency",
);
pub const TWELVE_DISPOSABILITY: Rule = (
    "The Twelve-Factor App: IX. Disposability",
    "https://12factor.net/disposability",
);
pub const TWELVE_LOGS: Rule = (
    "The Twelve-Factor App: XI. Logs",
    "https://12factor.net/logs",
);
pub const BERTH_CHECK: Rule = (
    "Berth's check rules (hadolint, CIS Docker Benchmark, checkov and Trivy references per rule)",
    "docs/check.md",
);
