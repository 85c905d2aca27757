//! The report of the translation: every compose field translated, defaulted or dropped, and
//! why. Decisions are recorded while generating; [`Report::finish`] adds every key of the
//! compose file nothing decided about (dropped, with the reason Berth knows).

use super::{FieldOutcome, FieldReport};
use serde_yaml_ng::Value;

/// Why keys Berth does not translate are dropped.
fn drop_reason(key: &str) -> &'static str {
    match key {
        "container_name" => "Kubernetes names the pods itself (the workload is named after the service)",
        "networks" | "network_mode" => "Kubernetes has one flat pod network; the NetworkPolicies say who may talk to whom",
        "links" | "external_links" => "services reach each other by their Service name",
        "cap_add" => "the restricted Pod Security profile drops every capability (only NET_BIND_SERVICE may be added, and a non-root process cannot use it)",
        "privileged" => "the restricted Pod Security profile forbids privileged containers",
        "devices" | "device_cgroup_rules" => "host devices are not portable across nodes",
        "pid" | "ipc" | "userns_mode" | "cgroup" | "cgroup_parent" | "uts" => "host namespaces are forbidden by the Pod Security profiles",
        "extra_hosts" | "dns" | "dns_search" | "dns_opt" | "hostname" | "domainname" | "mac_address" => "cluster DNS and networking replace it (hostAliases/dnsConfig can be added in an overlay)",
        "logging" => "the cluster collects stdout/stderr",
        "stop_signal" | "stop_grace_period" => "Kubernetes sends SIGTERM and waits terminationGracePeriodSeconds (30 s); set it in an overlay if the app needs longer",
        "ulimits" | "sysctls" | "shm_size" | "mem_swappiness" | "oom_score_adj" | "oom_kill_disable" | "pids_limit" | "cpu_shares" | "cpu_quota" | "cpuset" | "mem_limit" | "memswap_limit" | "cpus" | "mem_reservation" => "node-level settings; use deploy.resources for CPU and memory",
        "profiles" => "every service is generated; drop the workloads you do not deploy from kustomization.yaml",
        "platform" => "node selection by architecture is a cluster decision (nodeSelector kubernetes.io/arch)",
        "pull_policy" => "the kubelet's default pull policy applies",
        "configs" => "not translated yet: mount the file from a ConfigMap by hand",
        "working_dir" | "stdin_open" | "tty" | "init" | "isolation" | "runtime" | "storage_opt" | "volumes_from" | "scale" | "annotations" | "attach" | "develop" | "post_start" | "pre_stop" | "extends" | "group_add" | "security_opt" => "not translated",
        _ if key.starts_with("x-") => "extension field: not read",
        _ => "not translated",
    }
}

/// The decisions so far.
#[derive(Debug, Default)]
pub struct Report {
    pub entries: Vec<FieldReport>,
}

impl Report {
    fn push(&mut self, service: Option<&str>, field: &str, outcome: FieldOutcome, detail: String) {
        self.entries.push(FieldReport {
            service: service.map(str::to_string),
            field: field.to_string(),
            outcome,
            detail,
        });
    }

    pub fn translated(&mut self, service: &str, field: &str, detail: impl Into<String>) {
        self.push(
            Some(service),
            field,
            FieldOutcome::Translated,
            detail.into(),
        );
    }

    pub fn defaulted(&mut self, service: &str, field: &str, detail: impl Into<String>) {
        self.push(Some(service), field, FieldOutcome::Defaulted, detail.into());
    }

    pub fn dropped(&mut self, service: &str, field: &str, detail: impl Into<String>) {
        self.push(Some(service), field, FieldOutcome::Dropped, detail.into());
    }

    pub fn top(&mut self, field: &str, outcome: FieldOutcome, detail: impl Into<String>) {
        self.push(None, field, outcome, detail.into());
    }

    fn decided(&self, service: Option<&str>, key: &str) -> bool {
        self.entries.iter().any(|e| {
            e.service.as_deref() == service
                && (e.field == key || e.field.starts_with(&format!("{key}.")))
        })
    }

    /// Add every key of `doc` (the compose file) nothing decided about, then sort: by
    /// service (top-level first), then field.
    pub fn finish(mut self, doc: &Value) -> Vec<FieldReport> {
        let map = |v: &Value| v.as_mapping().cloned().unwrap_or_default();
        let top = map(doc);
        for (k, v) in &top {
            let Some(key) = k.as_str() else { continue };
            if key == "services" {
                for (name, body) in &map(v) {
                    let Some(name) = name.as_str() else { continue };
                    for (sk, _) in &map(body) {
                        let Some(sk) = sk.as_str() else { continue };
                        if !self.decided(Some(name), sk) {
                            self.dropped(name, sk, drop_reason(sk));
                        }
                    }
                }
            } else if !self.decided(None, key) {
                self.top(key, FieldOutcome::Dropped, drop_reason(key));
            }
        }
        let mut entries = self.entries;
        entries.sort_by(|a, b| (&a.service, &a.field).cmp(&(&b.service, &b.field)));
        entries
    }
}
