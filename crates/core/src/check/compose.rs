//! Compose file rules: each service of the shared compose model ([`crate::compose`]) as
//! runtime settings ([`super::runtime`]), every hit placed on the line of the key it is
//! about (pure).

use super::runtime::{self, Health, HostMount, Published, RuntimeSettings};
use super::{Finding, Location};
use crate::compose::{self, ServiceSpec};
use crate::Result;
use std::path::Path;

/// A compose service as runtime settings. `dockerfile_health`: whether the Dockerfile the
/// service builds has a HEALTHCHECK (None when unknown).
pub fn settings(s: &ServiceSpec, dockerfile_health: Option<bool>) -> RuntimeSettings {
    let sec = &s.security;
    let no_env = |_: &str| None;
    let disabled = sec.healthcheck_disabled
        || s.healthcheck
            .as_ref()
            .is_some_and(|h| h.test.first().is_some_and(|t| t == "NONE"));
    let health = if disabled {
        Health::Disabled
    } else if s.healthcheck.is_some() {
        Health::Defined
    } else if s.build.is_some() {
        match dockerfile_health {
            Some(true) => Health::Defined,
            _ => Health::Absent,
        }
    } else {
        Health::MaybeInImage
    };
    RuntimeSettings {
        image: s.image.clone(),
        built: s.build.is_some(),
        privileged: sec.privileged,
        network_mode: sec.network_mode.clone(),
        pid: sec.pid.clone(),
        ipc: sec.ipc.clone(),
        uts: sec.uts.clone(),
        userns: sec.userns_mode.clone(),
        cap_add: s.cap_add.clone(),
        security_opt: s.security_opt.clone(),
        apparmor_profile: None,
        mounts: sec
            .binds
            .iter()
            .map(|b| HostMount {
                source: b.source.clone(),
                target: b.target.clone(),
                propagation: b.propagation.clone(),
            })
            .collect(),
        devices: sec.devices.clone(),
        memory_limited: s.memory.is_some() || sec.mem_limit.is_some(),
        pids_limited: s.pids_limit.is_some() || sec.deploy_pids_limit.is_some(),
        read_only: s.read_only,
        ports: s
            .ports
            .iter()
            .map(|p| Published {
                host_ip: p.host_address(&no_env),
                host_port: p.host_port(&no_env),
                container_port: p.container,
            })
            .collect(),
        restart: s.restart.clone(),
        health,
        user: sec.user.clone(),
        env: s.environment.clone().into_iter().collect(),
    }
}

/// Check a compose file's text; `file` is how findings name it, `dockerfile_health` tells
/// whether a service's Dockerfile has a HEALTHCHECK.
pub fn check(
    file: &str,
    text: &str,
    dockerfile_health: &dyn Fn(&ServiceSpec) -> Option<bool>,
) -> Result<Vec<Finding>> {
    let model = compose::parse(Path::new(file), text)?;
    let lines = Lines::new(text);
    let mut out = Vec::new();
    for s in &model.services {
        for h in runtime::check(&settings(s, dockerfile_health(s))) {
            let line = lines.locate(&s.name, h.setting.compose_key(), h.needle.as_deref());
            out.push(h.rule.at(
                Location::File {
                    file: file.to_string(),
                    line,
                },
                format!("service `{}`: {}", s.name, h.detail),
            ));
        }
    }
    Ok(out)
}

/// Where things are in a block-style YAML compose file (pure): the line of a service, of a
/// key in it, of an item under that key. Flow-style and odd layouts fall back to the
/// service's line, then the first line.
pub struct Lines<'a> {
    lines: Vec<&'a str>,
}

fn indent(l: &str) -> usize {
    l.len() - l.trim_start().len()
}

fn blank(l: &str) -> bool {
    let t = l.trim();
    t.is_empty() || t.starts_with('#')
}

/// Does the line open key `key` (`key:`, `"key":`, `'key':`)?
fn opens(l: &str, key: &str) -> bool {
    let t = l.trim_start();
    [key.to_string(), format!("\"{key}\""), format!("'{key}'")]
        .iter()
        .any(|k| {
            t.strip_prefix(k.as_str())
                .is_some_and(|r| r.starts_with(':'))
        })
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        Lines {
            lines: text.lines().collect(),
        }
    }

    /// The children of the block opened on line `at`: (first, end) line indexes and their
    /// indent.
    fn block(&self, at: usize) -> (usize, usize, usize) {
        let base = indent(self.lines[at]);
        let mut end = at + 1;
        let mut child = None;
        while end < self.lines.len() {
            let l = self.lines[end];
            if !blank(l) {
                if indent(l) <= base {
                    break;
                }
                child.get_or_insert(indent(l));
            }
            end += 1;
        }
        (at + 1, end, child.unwrap_or(base + 2))
    }

    fn child(&self, at: usize, key: &str) -> Option<usize> {
        let (first, end, ind) = self.block(at);
        (first..end).find(|&i| indent(self.lines[i]) == ind && opens(self.lines[i], key))
    }

    /// 1-based line of `services.<service>.<key>`, narrowed to the line under it that
    /// contains `needle` when given.
    pub fn locate(&self, service: &str, key: &str, needle: Option<&str>) -> u32 {
        let top = self
            .lines
            .iter()
            .position(|l| indent(l) == 0 && opens(l, "services"));
        let svc = top.and_then(|t| self.child(t, service));
        let found = svc.map(|s| {
            let Some(k) = self.child(s, key) else {
                return s;
            };
            match needle {
                Some(n) => {
                    let (first, end, _) = self.block(k);
                    // An item that starts with the needle (`- /:/host`), else any line
                    // that contains it.
                    let starts = |i: &usize| {
                        let t = self.lines[*i].trim_start();
                        let t = t.strip_prefix("- ").unwrap_or(t);
                        t.trim_start_matches(['"', '\'']).starts_with(n)
                    };
                    (first..end)
                        .find(starts)
                        .or_else(|| (k..end).find(|&i| self.lines[i].contains(n)))
                        .unwrap_or(k)
                }
                None => k,
            }
        });
        found.map(|i| i as u32 + 1).unwrap_or(1)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const TEXT: &str = "name: x\nservices:\n  app:\n    image: busybox\n    volumes:\n      - ./src:/app\n      - /var/run/docker.sock:/var/run/docker.sock\n    privileged: true\n  \"db\":\n    image: postgres:16\n    ports: [\"5432:5432\"]\n";

    #[test]
    fn lines_of_services_keys_and_items() {
        let l = Lines::new(TEXT);
        assert_eq!(l.locate("app", "image", None), 4);
        assert_eq!(l.locate("app", "volumes", Some("docker.sock")), 7);
        assert_eq!(l.locate("app", "privileged", None), 8);
        assert_eq!(l.locate("app", "deploy", None), 3);
        assert_eq!(l.locate("db", "ports", Some("5432")), 11);
        assert_eq!(l.locate("nope", "image", None), 1);
    }

    #[test]
    fn findings_land_on_their_lines() {
        let f = check("compose.yaml", TEXT, &|_| None).unwrap();
        let at = |id: &str| {
            f.iter()
                .filter(|x| x.id == id)
                .map(|x| match &x.location {
                    Location::File { line, .. } => *line,
                    _ => 0,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(at("BERTH-RT-010"), [7]);
        assert_eq!(at("BERTH-RT-001"), [8]);
        assert_eq!(at("BERTH-RT-013"), [11]);
        assert_eq!(at("BERTH-RT-017"), [4]);
    }
}
