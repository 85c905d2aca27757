//! A container's runtime settings as the engine applied them (`docker inspect`), converted
//! into the check's [`RuntimeSettings`] by a pure function.

use super::{engine_err, is_not_found, Engine};
use crate::check::runtime::{Health, HostMount, Published, RuntimeSettings};
use crate::{Error, Result};
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::InspectContainerOptions;

/// Berth's runtime settings of an inspected container (pure).
pub fn settings_from_inspect(c: &ContainerInspectResponse) -> RuntimeSettings {
    let hc = c.host_config.clone().unwrap_or_default();
    let cfg = c.config.clone().unwrap_or_default();
    let mut ports: Vec<Published> = hc
        .port_bindings
        .unwrap_or_default()
        .into_iter()
        .flat_map(|(key, binds)| {
            let container_port: u16 = key
                .split('/')
                .next()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            binds
                .unwrap_or_default()
                .into_iter()
                .map(move |b| Published {
                    host_ip: b.host_ip.filter(|ip| !ip.is_empty()),
                    host_port: b.host_port.and_then(|p| p.parse().ok()),
                    container_port,
                })
        })
        .collect();
    ports.sort_by_key(|p| (p.container_port, p.host_port));
    let health = match cfg.healthcheck.as_ref().and_then(|h| h.test.as_deref()) {
        None | Some([]) => Health::Absent,
        Some([first, ..]) if first == "NONE" => Health::Disabled,
        Some(_) => Health::Defined,
    };
    let restart = hc
        .restart_policy
        .and_then(|r| r.name)
        .map(|n| n.to_string())
        .filter(|n| !n.is_empty());
    RuntimeSettings {
        image: cfg.image.clone(),
        built: false,
        privileged: hc.privileged.unwrap_or(false),
        network_mode: hc.network_mode,
        pid: hc.pid_mode.filter(|m| !m.is_empty()),
        ipc: hc.ipc_mode.filter(|m| !m.is_empty()),
        uts: hc.uts_mode.filter(|m| !m.is_empty()),
        userns: hc.userns_mode.filter(|m| !m.is_empty()),
        cap_add: hc.cap_add.unwrap_or_default(),
        security_opt: hc.security_opt.unwrap_or_default(),
        apparmor_profile: c.app_armor_profile.clone().filter(|p| !p.is_empty()),
        mounts: c
            .mounts
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.typ.as_deref() == Some("bind"))
            .map(|m| HostMount {
                source: m.source.unwrap_or_default(),
                target: m.destination.unwrap_or_default(),
                propagation: m.propagation.filter(|p| !p.is_empty()),
            })
            .collect(),
        devices: hc
            .devices
            .unwrap_or_default()
            .into_iter()
            .filter_map(|d| d.path_on_host)
            .collect(),
        memory_limited: hc.memory.unwrap_or(0) > 0,
        pids_limited: hc.pids_limit.unwrap_or(0) > 0,
        read_only: hc.readonly_rootfs.unwrap_or(false),
        ports,
        restart,
        health,
        user: Some(cfg.user.unwrap_or_default()),
        env: cfg
            .env
            .unwrap_or_default()
            .into_iter()
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (e, String::new()),
            })
            .collect(),
    }
}

impl Engine {
    /// A container's runtime settings by name or id, and its name.
    pub async fn container_settings(&self, container: &str) -> Result<(String, RuntimeSettings)> {
        match self
            .docker()
            .inspect_container(container, None::<InspectContainerOptions>)
            .await
        {
            Ok(c) => {
                let name = c
                    .name
                    .clone()
                    .map(|n| n.trim_start_matches('/').to_string())
                    .unwrap_or_else(|| container.to_string());
                Ok((name, settings_from_inspect(&c)))
            }
            Err(e) if is_not_found(&e) => Err(Error::InvalidInput(format!(
                "no container named {container}"
            ))),
            Err(e) => Err(engine_err(e)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use bollard::models::{
        ContainerConfig, HealthConfig, HostConfig, MountPoint, PortBinding, RestartPolicy,
        RestartPolicyNameEnum,
    };
    use std::collections::HashMap;

    #[test]
    fn inspected_containers_convert() {
        let c = ContainerInspectResponse {
            name: Some("/web".into()),
            app_armor_profile: Some("unconfined".into()),
            host_config: Some(HostConfig {
                privileged: Some(true),
                network_mode: Some("host".into()),
                pid_mode: Some("".into()),
                cap_add: Some(vec!["SYS_ADMIN".into()]),
                memory: Some(0),
                pids_limit: Some(100),
                restart_policy: Some(RestartPolicy {
                    name: Some(RestartPolicyNameEnum::ON_FAILURE),
                    maximum_retry_count: Some(5),
                }),
                port_bindings: Some(HashMap::from([(
                    "5432/tcp".to_string(),
                    Some(vec![PortBinding {
                        host_ip: Some("".into()),
                        host_port: Some("5432".into()),
                    }]),
                )])),
                ..Default::default()
            }),
            config: Some(ContainerConfig {
                image: Some("postgres:16".into()),
                user: Some("".into()),
                env: Some(vec!["POSTGRES_PASSWORD=hunter2".into(), "EMPTY".into()]),
                healthcheck: Some(HealthConfig {
                    test: Some(vec!["NONE".into()]),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            mounts: Some(vec![
                MountPoint {
                    typ: Some("bind".into()),
                    source: Some("/var/run/docker.sock".into()),
                    destination: Some("/var/run/docker.sock".into()),
                    propagation: Some("rprivate".into()),
                    ..Default::default()
                },
                MountPoint {
                    typ: Some("volume".into()),
                    source: Some("/var/lib/docker/volumes/x".into()),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        };
        let s = settings_from_inspect(&c);
        assert!(s.privileged);
        assert_eq!(s.network_mode.as_deref(), Some("host"));
        assert_eq!(s.pid, None);
        assert_eq!(s.apparmor_profile.as_deref(), Some("unconfined"));
        assert!(!s.memory_limited && s.pids_limited);
        assert_eq!(s.restart.as_deref(), Some("on-failure"));
        assert_eq!(
            s.ports,
            vec![Published {
                host_ip: None,
                host_port: Some(5432),
                container_port: 5432
            }]
        );
        assert_eq!(s.health, Health::Disabled);
        assert_eq!(s.user.as_deref(), Some(""));
        assert_eq!(s.mounts.len(), 1, "volumes are not host mounts");
        assert_eq!(s.env[1], ("EMPTY".into(), String::new()));
        let ids: Vec<&str> = crate::check::runtime::check(&s)
            .iter()
            .map(|h| h.rule.id)
            .collect();
        assert!(
            ids.contains(&"BERTH-RT-001")
                && ids.contains(&"BERTH-RT-010")
                && ids.contains(&"BERTH-RT-013")
        );
    }
}
