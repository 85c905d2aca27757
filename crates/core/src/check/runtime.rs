//! Runtime settings — what a compose service asks for, or what a running container was
//! given — and the CIS Docker Benchmark section 5 rules over them (pure). One set of rules
//! serves both: [`super::compose`] maps a hit to the compose file's line,
//! [`crate::app::check`] to the container's inspect field.

use super::rules::*;
use super::secrets;
use super::Rule;

/// A host path mounted into the container.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostMount {
    pub source: String,
    pub target: String,
    /// `shared`, `rshared`, `private`, ... when set.
    pub propagation: Option<String>,
}

/// A published port.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Published {
    /// The host address as given; None or empty: every interface.
    pub host_ip: Option<String>,
    pub host_port: Option<u16>,
    pub container_port: u16,
}

/// Whether a health check is known to be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Health {
    Defined,
    /// `disable: true` / `test: ["NONE"]`.
    Disabled,
    /// None in the service and none in its Dockerfile.
    #[default]
    Absent,
    /// None in the service; its image may define one.
    MaybeInImage,
}

/// The runtime settings of one service or container, in Berth's terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuntimeSettings {
    pub image: Option<String>,
    /// The image is built from the project (its tag is Berth's to choose).
    pub built: bool,
    pub privileged: bool,
    pub network_mode: Option<String>,
    pub pid: Option<String>,
    pub ipc: Option<String>,
    pub uts: Option<String>,
    pub userns: Option<String>,
    pub cap_add: Vec<String>,
    pub security_opt: Vec<String>,
    /// The AppArmor profile the engine applied (containers).
    pub apparmor_profile: Option<String>,
    pub mounts: Vec<HostMount>,
    pub devices: Vec<String>,
    pub memory_limited: bool,
    pub pids_limited: bool,
    pub read_only: bool,
    pub ports: Vec<Published>,
    pub restart: Option<String>,
    pub health: Health,
    /// The user it runs as: None when not known (a compose service without `user:`); an
    /// empty string is the image's default, root.
    pub user: Option<String>,
    pub env: Vec<(String, String)>,
}

/// Which setting a hit is about, named as compose writes it and as the engine reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Image,
    Privileged,
    NetworkMode,
    Pid,
    Ipc,
    Uts,
    Userns,
    CapAdd,
    SecurityOpt,
    AppArmor,
    Volumes,
    Devices,
    Memory,
    Pids,
    ReadOnly,
    Ports,
    Restart,
    Healthcheck,
    User,
    Environment,
}

impl Setting {
    /// The service key in a compose file.
    pub fn compose_key(self) -> &'static str {
        match self {
            Setting::Image => "image",
            Setting::Privileged => "privileged",
            Setting::NetworkMode => "network_mode",
            Setting::Pid => "pid",
            Setting::Ipc => "ipc",
            Setting::Uts => "uts",
            Setting::Userns => "userns_mode",
            Setting::CapAdd => "cap_add",
            Setting::SecurityOpt | Setting::AppArmor => "security_opt",
            Setting::Volumes => "volumes",
            Setting::Devices => "devices",
            Setting::Memory => "deploy",
            Setting::Pids => "pids_limit",
            Setting::ReadOnly => "read_only",
            Setting::Ports => "ports",
            Setting::Restart => "restart",
            Setting::Healthcheck => "healthcheck",
            Setting::User => "user",
            Setting::Environment => "environment",
        }
    }

    /// The field of `docker inspect` that shows it.
    pub fn inspect_path(self) -> &'static str {
        match self {
            Setting::Image => "Config.Image",
            Setting::Privileged => "HostConfig.Privileged",
            Setting::NetworkMode => "HostConfig.NetworkMode",
            Setting::Pid => "HostConfig.PidMode",
            Setting::Ipc => "HostConfig.IpcMode",
            Setting::Uts => "HostConfig.UTSMode",
            Setting::Userns => "HostConfig.UsernsMode",
            Setting::CapAdd => "HostConfig.CapAdd",
            Setting::SecurityOpt => "HostConfig.SecurityOpt",
            Setting::AppArmor => "AppArmorProfile",
            Setting::Volumes => "Mounts",
            Setting::Devices => "HostConfig.Devices",
            Setting::Memory => "HostConfig.Memory",
            Setting::Pids => "HostConfig.PidsLimit",
            Setting::ReadOnly => "HostConfig.ReadonlyRootfs",
            Setting::Ports => "HostConfig.PortBindings",
            Setting::Restart => "HostConfig.RestartPolicy",
            Setting::Healthcheck => "Config.Healthcheck",
            Setting::User => "Config.User",
            Setting::Environment => "Config.Env",
        }
    }
}

/// One rule that fired, before it is placed in a file or on a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: Rule,
    pub setting: Setting,
    /// Text on the line the hit is about (a volume's source, a capability), to find it.
    pub needle: Option<String>,
    pub detail: String,
}

fn hit(rule: Rule, setting: Setting, needle: Option<&str>, detail: String) -> Hit {
    Hit {
        rule,
        setting,
        needle: needle.map(str::to_string),
        detail,
    }
}

/// Capabilities that amount to control of the host or of other containers.
const DANGEROUS_CAPS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "DAC_READ_SEARCH",
    "SYS_BOOT",
    "SYS_TIME",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "BPF",
    "PERFMON",
    "SYSLOG",
];

/// Host paths that must not be mounted (docker-bench-security's 5.6 list and a few more).
const SENSITIVE: &[&str] = &[
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/proc",
    "/sys",
    "/usr",
    "/root",
    "/var/lib/docker",
    "/run",
    "/var/run",
    "/bin",
    "/sbin",
];

/// Images and container ports of databases and brokers.
const DATABASES: &[&str] = &[
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "redis",
    "memcached",
    "elasticsearch",
    "opensearch",
    "cassandra",
    "rabbitmq",
    "couchdb",
    "mssql",
    "oracle",
    "influxdb",
    "clickhouse",
    "neo4j",
    "valkey",
];
const DATABASE_PORTS: &[u16] = &[
    5432, 3306, 27017, 6379, 11211, 9200, 9042, 5672, 5984, 1433, 1521, 8086, 8123, 9000, 7687,
];

fn is_host(mode: &Option<String>) -> bool {
    mode.as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("host"))
}

fn is_docker_socket(path: &str) -> bool {
    path.ends_with("/docker.sock")
        || path.ends_with("/containerd.sock")
        || path.ends_with("/podman.sock")
}

fn sensitive(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    let p = if p.is_empty() { "/" } else { p };
    SENSITIVE.iter().any(|s| {
        p == *s
            || (*s != "/"
                && !matches!(*s, "/run" | "/var/run" | "/usr")
                && p.starts_with(&format!("{s}/")))
    })
}

fn all_interfaces(ip: &Option<String>) -> bool {
    match ip
        .as_deref()
        .map(|s| s.trim_matches(|c| c == '[' || c == ']'))
    {
        None | Some("") | Some("0.0.0.0") | Some("::") => true,
        Some(_) => false,
    }
}

/// `postgres:16` -> true; `myapp` (built) -> false.
fn database_image(image: &Option<String>) -> bool {
    let Some(i) = image else { return false };
    let name = i.split('@').next().unwrap_or(i);
    let name = name.rsplit('/').next().unwrap_or(name);
    let name = name.split(':').next().unwrap_or(name).to_ascii_lowercase();
    DATABASES
        .iter()
        .any(|d| name == *d || name.starts_with(&format!("{d}-")))
}

/// Run every runtime rule over `s`.
pub fn check(s: &RuntimeSettings) -> Vec<Hit> {
    let mut out = Vec::new();
    namespace_rules(s, &mut out);
    for cap in &s.cap_add {
        let c = cap.to_ascii_uppercase();
        let c = c.strip_prefix("CAP_").unwrap_or(&c);
        if DANGEROUS_CAPS.contains(&c) {
            out.push(hit(
                RT_CAP_ADD,
                Setting::CapAdd,
                Some(cap),
                format!("cap_add {cap}"),
            ));
        }
    }
    let opt = |needle: &str| {
        s.security_opt
            .iter()
            .find(|o| o.replace('=', ":").to_ascii_lowercase().starts_with(needle))
    };
    if let Some(o) = opt("seccomp:unconfined") {
        out.push(hit(
            RT_SECCOMP_OFF,
            Setting::SecurityOpt,
            Some(o),
            format!("security_opt `{o}`"),
        ));
    }
    if let Some(o) = opt("apparmor:unconfined") {
        out.push(hit(
            RT_APPARMOR_OFF,
            Setting::SecurityOpt,
            Some(o),
            format!("security_opt `{o}`"),
        ));
    } else if s.apparmor_profile.as_deref() == Some("unconfined") {
        out.push(hit(
            RT_APPARMOR_OFF,
            Setting::AppArmor,
            None,
            "AppArmor profile `unconfined`".into(),
        ));
    }
    let no_new = s.security_opt.iter().any(|o| {
        let o = o.replace('=', ":").to_ascii_lowercase();
        o == "no-new-privileges" || o == "no-new-privileges:true"
    });
    if !no_new && !s.privileged {
        out.push(hit(
            RT_NEW_PRIVILEGES,
            Setting::SecurityOpt,
            None,
            "no `no-new-privileges:true`".into(),
        ));
    }
    mount_rules(s, &mut out);
    for d in &s.devices {
        out.push(hit(
            RT_DEVICES,
            Setting::Devices,
            Some(d),
            format!("device `{d}`"),
        ));
    }
    port_rules(s, &mut out);
    limit_rules(s, &mut out);
    image_and_user_rules(s, &mut out);
    env_rules(s, &mut out);
    out
}

fn namespace_rules(s: &RuntimeSettings, out: &mut Vec<Hit>) {
    if s.privileged {
        out.push(hit(
            RT_PRIVILEGED,
            Setting::Privileged,
            None,
            "privileged: every capability and every device of the host".into(),
        ));
    }
    let ns = [
        (
            &s.network_mode,
            RT_HOST_NETWORK,
            Setting::NetworkMode,
            "network",
        ),
        (&s.pid, RT_HOST_PID, Setting::Pid, "pid"),
        (&s.ipc, RT_HOST_IPC, Setting::Ipc, "ipc"),
        (&s.uts, RT_HOST_UTS, Setting::Uts, "uts"),
        (&s.userns, RT_HOST_USERNS, Setting::Userns, "userns"),
    ];
    for (mode, rule, setting, what) in ns {
        if is_host(mode) {
            out.push(hit(rule, setting, None, format!("{what} mode `host`")));
        }
    }
}

fn mount_rules(s: &RuntimeSettings, out: &mut Vec<Hit>) {
    for m in &s.mounts {
        let needle = format!("{}:", m.source);
        if is_docker_socket(&m.source) {
            out.push(hit(
                RT_DOCKER_SOCKET,
                Setting::Volumes,
                Some(&needle),
                format!("`{}` mounted at {}", m.source, m.target),
            ));
        } else if sensitive(&m.source) {
            out.push(hit(
                RT_SENSITIVE_MOUNT,
                Setting::Volumes,
                Some(&needle),
                format!("host `{}` mounted at {}", m.source, m.target),
            ));
        }
        if let Some(p) = m.propagation.as_deref().filter(|p| p.ends_with("shared")) {
            out.push(hit(
                RT_SHARED_PROPAGATION,
                Setting::Volumes,
                Some(&needle),
                format!("`{}` with `{p}` propagation", m.source),
            ));
        }
    }
}

fn port_rules(s: &RuntimeSettings, out: &mut Vec<Hit>) {
    let db = database_image(&s.image);
    for p in &s.ports {
        let Some(host) = p.host_port else { continue };
        let needle = p.container_port.to_string();
        if all_interfaces(&p.host_ip) && (db || DATABASE_PORTS.contains(&p.container_port)) {
            out.push(hit(
                RT_DB_PORT_ALL,
                Setting::Ports,
                Some(&needle),
                format!(
                    "container port {} published on every interface as {host}",
                    p.container_port
                ),
            ));
        }
        if host > 0 && host < 1024 {
            out.push(hit(
                RT_PRIVILEGED_PORT,
                Setting::Ports,
                Some(&needle),
                format!("host port {host}"),
            ));
        }
    }
}

fn limit_rules(s: &RuntimeSettings, out: &mut Vec<Hit>) {
    if !s.memory_limited {
        out.push(hit(
            RT_NO_MEMORY,
            Setting::Memory,
            None,
            "no memory limit".into(),
        ));
    }
    if !s.pids_limited {
        out.push(hit(RT_NO_PIDS, Setting::Pids, None, "no pids limit".into()));
    }
    if !s.read_only {
        out.push(hit(
            RT_WRITABLE_ROOT,
            Setting::ReadOnly,
            None,
            "read_only is not set".into(),
        ));
    }
    let restart = s.restart.as_deref().unwrap_or("");
    if restart.is_empty() || restart == "no" {
        out.push(hit(
            RT_NO_RESTART,
            Setting::Restart,
            None,
            "no restart policy".into(),
        ));
    }
    match s.health {
        Health::Absent => out.push(hit(
            RT_NO_HEALTHCHECK,
            Setting::Healthcheck,
            None,
            "no health check here or in the image".into(),
        )),
        Health::MaybeInImage => out.push(hit(
            RT_NO_HEALTHCHECK,
            Setting::Healthcheck,
            None,
            "no healthcheck here (the image may define one)".into(),
        )),
        Health::Disabled => out.push(hit(
            RT_NO_HEALTHCHECK,
            Setting::Healthcheck,
            None,
            "the health check is disabled".into(),
        )),
        Health::Defined => {}
    }
}

fn image_and_user_rules(s: &RuntimeSettings, out: &mut Vec<Hit>) {
    if let (Some(image), false) = (&s.image, s.built) {
        let r = super::dockerfile::image_ref(image);
        if !r.digest && matches!(r.tag.as_deref(), None | Some("latest")) {
            out.push(hit(
                RT_LATEST,
                Setting::Image,
                Some(image),
                format!("image `{image}`"),
            ));
        }
    }
    if let Some(u) = &s.user {
        let name = u.split(':').next().unwrap_or(u);
        if name.is_empty() || name == "root" || name == "0" {
            let shown = if u.is_empty() {
                "the image's default user, root"
            } else {
                u.as_str()
            };
            out.push(hit(
                RT_ROOT_USER,
                Setting::User,
                (!u.is_empty()).then_some(u.as_str()),
                format!("runs as {shown}"),
            ));
        }
    }
}

fn env_rules(s: &RuntimeSettings, out: &mut Vec<Hit>) {
    for (k, v) in &s.env {
        if let Some(c) = secrets::credential_in(v) {
            out.push(hit(
                RT_CREDENTIAL,
                Setting::Environment,
                Some(k),
                format!("`{k}` holds {}", c.what),
            ));
            continue;
        }
        let literal = if secrets::secret_name(k) {
            secrets::literal(v)
        } else {
            secrets::url_password(v)
        };
        let Some(value) = literal else { continue };
        if secrets::dev_default(&value) {
            out.push(hit(
                RT_DEV_PASSWORD,
                Setting::Environment,
                Some(k),
                format!("`{k}` uses the development default `{value}`"),
            ));
        } else {
            out.push(hit(
                RT_SECRET_ENV,
                Setting::Environment,
                Some(k),
                format!("`{k}` is written out in plain text"),
            ));
        }
    }
}

#[cfg(test)]
#[path = "runtime_tests.rs"]
mod tests;
