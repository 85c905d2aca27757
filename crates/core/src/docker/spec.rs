//! A container as Berth describes it ([`ContainerSpec`]), and its conversion to the engine's
//! create body ([`create_body`], pure and unit-tested). The runners build specs; only this
//! adapter knows bollard's shapes.

use crate::compose::HealthSpec;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HealthConfig, HostConfig, HostConfigLogConfig,
    NetworkingConfig, PortBinding, RestartPolicy, RestartPolicyNameEnum,
};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Where published ports listen on the host unless the user asks to expose them.
pub const LOOPBACK: &str = "127.0.0.1";
/// Every interface: what `--expose` (the app's "reachable from the network") publishes on.
pub const ALL_INTERFACES: &str = "0.0.0.0";

/// One published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    /// The port inside the container (TCP).
    pub container: u16,
    /// The host port; None: the engine picks one.
    pub host: Option<u16>,
    /// The host address ([`LOOPBACK`] by default).
    pub host_ip: String,
}

impl Publish {
    pub fn new(container: u16, host: Option<u16>, host_ip: &str) -> Publish {
        Publish {
            container,
            host,
            host_ip: host_ip.to_string(),
        }
    }
}

/// What restarts the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Restart {
    No,
    Always,
    OnFailure,
    #[default]
    UnlessStopped,
}

impl Restart {
    /// A compose `restart:` value (compose's default, `no`, when absent).
    pub fn from_compose(value: Option<&str>) -> Restart {
        match value {
            Some("always") => Restart::Always,
            Some("on-failure") => Restart::OnFailure,
            Some("unless-stopped") => Restart::UnlessStopped,
            _ => Restart::No,
        }
    }
}

/// A logging driver and its options (`json-file` with `max-size`, `max-file`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogConfig {
    pub driver: String,
    pub options: BTreeMap<String, String>,
}

/// A container to create and start.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    /// argv replacing the image's CMD.
    pub cmd: Option<Vec<String>>,
    /// `KEY=value` entries.
    pub env: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub publish: Vec<Publish>,
    pub healthcheck: Option<HealthSpec>,
    pub read_only: bool,
    /// Mount point -> options (`rw,noexec,nosuid,size=64m`).
    pub tmpfs: BTreeMap<String, String>,
    pub cap_drop: Vec<String>,
    pub cap_add: Vec<String>,
    pub security_opt: Vec<String>,
    /// `source:target[:opts]` binds and named volumes.
    pub binds: Vec<String>,
    pub memory_bytes: Option<i64>,
    pub nano_cpus: Option<i64>,
    pub pids_limit: Option<i64>,
    pub restart: Restart,
    /// The network to join, with the aliases other containers reach it by.
    pub network: Option<(String, Vec<String>)>,
    pub user: Option<String>,
    /// Anonymous volumes at these paths (the image's content is copied in at creation).
    pub anonymous_volumes: Vec<String>,
    /// The logging driver; None: the engine's default.
    pub log: Option<LogConfig>,
}

/// The exposed ports and host port bindings for `publish` (pure).
pub fn port_bindings(
    publish: &[Publish],
) -> (Vec<String>, HashMap<String, Option<Vec<PortBinding>>>) {
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    let mut exposed = Vec::new();
    for p in publish {
        let key = format!("{}/tcp", p.container);
        if !exposed.contains(&key) {
            exposed.push(key.clone());
        }
        bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: Some(p.host_ip.clone()),
                host_port: Some(p.host.map(|h| h.to_string()).unwrap_or_default()),
            });
    }
    (exposed, bindings)
}

fn nanos(d: Option<Duration>) -> Option<i64> {
    d.and_then(|d| i64::try_from(d.as_nanos()).ok())
}

/// The engine's healthcheck for a compose `healthcheck:` (pure).
pub fn health_config(h: &HealthSpec) -> HealthConfig {
    HealthConfig {
        test: Some(h.test.clone()),
        interval: nanos(h.interval),
        timeout: nanos(h.timeout),
        start_period: nanos(h.start_period),
        retries: h.retries,
        ..Default::default()
    }
}

/// The engine's create body for a spec (pure).
pub fn create_body(spec: &ContainerSpec) -> ContainerCreateBody {
    let (exposed, bindings) = port_bindings(&spec.publish);
    let some_vec = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    let tmpfs: HashMap<String, String> = spec.tmpfs.clone().into_iter().collect();
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: spec.cmd.clone(),
        env: some_vec(&spec.env),
        user: spec.user.clone(),
        labels: Some(spec.labels.clone().into_iter().collect()),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        healthcheck: spec.healthcheck.as_ref().map(health_config),
        volumes: (!spec.anonymous_volumes.is_empty()).then(|| spec.anonymous_volumes.clone()),
        host_config: Some(HostConfig {
            log_config: spec.log.as_ref().map(|l| HostConfigLogConfig {
                typ: Some(l.driver.clone()),
                config: Some(l.options.clone().into_iter().collect()),
            }),
            port_bindings: Some(bindings),
            cap_drop: some_vec(&spec.cap_drop),
            cap_add: some_vec(&spec.cap_add),
            security_opt: some_vec(&spec.security_opt),
            readonly_rootfs: Some(spec.read_only),
            tmpfs: (!tmpfs.is_empty()).then_some(tmpfs),
            binds: some_vec(&spec.binds),
            memory: spec.memory_bytes,
            nano_cpus: spec.nano_cpus,
            pids_limit: spec.pids_limit,
            restart_policy: Some(RestartPolicy {
                name: Some(match spec.restart {
                    Restart::No => RestartPolicyNameEnum::NO,
                    Restart::Always => RestartPolicyNameEnum::ALWAYS,
                    Restart::OnFailure => RestartPolicyNameEnum::ON_FAILURE,
                    Restart::UnlessStopped => RestartPolicyNameEnum::UNLESS_STOPPED,
                }),
                maximum_retry_count: None,
            }),
            ..Default::default()
        }),
        networking_config: spec
            .network
            .as_ref()
            .map(|(net, aliases)| NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    net.clone(),
                    EndpointSettings {
                        aliases: (!aliases.is_empty()).then(|| aliases.clone()),
                        ..Default::default()
                    },
                )])),
            }),
        ..Default::default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_becomes_the_engines_body() {
        let spec = ContainerSpec {
            name: "web".into(),
            image: "img:1".into(),
            cmd: Some(vec!["serve".into()]),
            env: vec!["PORT=8000".into()],
            labels: BTreeMap::from([("dev.berth.managed".into(), "true".into())]),
            publish: vec![
                Publish::new(8000, Some(18000), LOOPBACK),
                Publish::new(9000, None, ALL_INTERFACES),
            ],
            healthcheck: Some(HealthSpec {
                test: vec!["CMD".into(), "true".into()],
                interval: Some(Duration::from_secs(10)),
                ..Default::default()
            }),
            read_only: true,
            tmpfs: BTreeMap::from([("/tmp".into(), "rw,noexec,nosuid".into())]),
            cap_drop: vec!["ALL".into()],
            security_opt: vec!["no-new-privileges:true".into()],
            memory_bytes: Some(512),
            pids_limit: Some(256),
            restart: Restart::UnlessStopped,
            network: Some(("net".into(), vec!["app".into()])),
            anonymous_volumes: vec!["/app/node_modules".into()],
            log: Some(LogConfig {
                driver: "json-file".into(),
                options: BTreeMap::from([("max-size".into(), "10m".into())]),
            }),
            ..Default::default()
        };
        let b = create_body(&spec);
        assert_eq!(b.volumes, Some(vec!["/app/node_modules".to_string()]));
        assert_eq!(b.image.as_deref(), Some("img:1"));
        assert_eq!(b.env, Some(vec!["PORT=8000".to_string()]));
        assert_eq!(b.healthcheck.unwrap().interval, Some(10_000_000_000));
        let h = b.host_config.unwrap();
        let pb = h.port_bindings.unwrap();
        let web = pb["8000/tcp"].as_ref().unwrap();
        assert_eq!(web[0].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(web[0].host_port.as_deref(), Some("18000"));
        let other = pb["9000/tcp"].as_ref().unwrap();
        assert_eq!(other[0].host_ip.as_deref(), Some("0.0.0.0"));
        assert_eq!(other[0].host_port.as_deref(), Some(""));
        assert_eq!(h.cap_drop, Some(vec!["ALL".to_string()]));
        assert_eq!(h.cap_add, None);
        assert_eq!(h.readonly_rootfs, Some(true));
        assert_eq!(h.pids_limit, Some(256));
        let log = h.log_config.clone().unwrap();
        assert_eq!(log.typ.as_deref(), Some("json-file"));
        assert_eq!(log.config.unwrap()["max-size"], "10m");
        assert_eq!(h.nano_cpus, None);
        assert_eq!(
            h.restart_policy.unwrap().name,
            Some(RestartPolicyNameEnum::UNLESS_STOPPED)
        );
        let net = b.networking_config.unwrap().endpoints_config.unwrap();
        assert_eq!(net["net"].aliases, Some(vec!["app".to_string()]));
        assert_eq!(b.labels.unwrap()["dev.berth.managed"], "true");
    }

    #[test]
    fn compose_restart_values() {
        assert_eq!(Restart::from_compose(None), Restart::No);
        assert_eq!(Restart::from_compose(Some("always")), Restart::Always);
        assert_eq!(
            Restart::from_compose(Some("unless-stopped")),
            Restart::UnlessStopped
        );
        assert_eq!(
            Restart::from_compose(Some("on-failure")),
            Restart::OnFailure
        );
    }
}
