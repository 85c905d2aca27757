//! Each compose service as the manifests need it (pure): its DNS name, image, user, ports,
//! volumes, files, environment split into configuration and secrets, and dependencies.
//! Decisions go into the report as they are made.

use super::report::Report;
use super::{dns_name, GenerateInput, Referenced};
use crate::compose::{interpolate, ServiceSpec};
use crate::k8s::assess::clean_rel;
use crate::k8s::images::{default_port, known_user};
use std::collections::BTreeMap;

/// A secret's value in the dev overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretValue {
    /// Written in the compose file itself (already in the repository).
    Literal(String),
    /// Not copied; why.
    Placeholder(String),
}

/// A file bind-mounted from the project, served from the service's `-files` ConfigMap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMount {
    pub key: String,
    pub target: String,
    pub content: String,
}

/// A compose `secrets:` entry mounted as a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFile {
    /// The Secret's name (DNS) and its key (the compose secret's name).
    pub secret: String,
    pub key: String,
    pub target: String,
}

/// One service, ready to become objects.
#[derive(Debug, Clone)]
pub struct Unit<'a> {
    pub spec: &'a ServiceSpec,
    pub name: String,
    pub image: String,
    /// The image name the overlays retag (built services only).
    pub built_image: Option<String>,
    /// Named volumes only this service uses: `(claim name, mount path)`.
    pub claims: Vec<(String, String)>,
    /// Named volumes shared with other services: `(claim name, mount path)`.
    pub shared: Vec<(String, String)>,
    pub files: Vec<FileMount>,
    pub ports: Vec<u16>,
    pub published: Vec<u16>,
    pub uid: Option<i64>,
    pub gid: Option<i64>,
    /// emptyDir mounts: `(path, in memory)`.
    pub writable: Vec<(String, bool)>,
    pub replicas: i32,
    /// Non-secret environment (-> ConfigMap `<name>-env`).
    pub config: BTreeMap<String, String>,
    /// Secret environment (-> Secret `<name>-env`).
    pub secret_env: BTreeMap<String, SecretValue>,
    pub secret_files: Vec<SecretFile>,
    /// `(dependency's DNS name, waits until healthy)`.
    pub depends: Vec<(String, bool)>,
}

impl Unit<'_> {
    /// A StatefulSet (it owns a named volume) rather than a Deployment.
    pub fn stateful(&self) -> bool {
        !self.claims.is_empty()
    }
}

/// Whether an environment variable holds a secret, by its name or a password in a URL.
pub fn secret_looking(key: &str, value: &str) -> bool {
    let k = key.to_ascii_uppercase();
    if k.ends_with("_FILE") || k.ends_with("_PATH") {
        return false;
    }
    const WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "CREDENTIAL",
        "_PASS",
        "DSN",
    ];
    if WORDS.iter().any(|w| k.contains(w))
        || k.starts_with("PASS")
        || k.ends_with("_KEY")
        || k == "KEY"
    {
        return true;
    }
    // scheme://user:password@host
    value.split_once("://").is_some_and(|(_, rest)| {
        let auth = rest.split(['/', '?']).next().unwrap_or(rest);
        auth.rsplit_once('@').is_some_and(|(userinfo, _)| {
            userinfo.split_once(':').is_some_and(|(_, p)| !p.is_empty())
        })
    })
}

/// Whether `v` refers to a variable without a default (`${X}`, `$X`).
pub fn has_unset_var(v: &str) -> bool {
    let mut rest = v;
    while let Some(i) = rest.find('$') {
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            rest = r;
        } else if let Some(r) = after.strip_prefix('{') {
            let end = r.find('}').unwrap_or(r.len());
            if !r[..end].contains('-') {
                return true;
            }
            rest = &r[end..];
        } else if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return true;
        } else {
            rest = after;
        }
    }
    false
}

/// `KEY=VALUE` lines of an env file (comments, blank lines, `export`, quotes).
pub fn parse_env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = if let Some(q) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                q.to_string()
            } else if let Some(q) = v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
                q.to_string()
            } else {
                v.split(" #").next().unwrap_or(v).trim().to_string()
            };
            Some((k.trim().to_string(), v))
        })
        .collect()
}

fn config_map_key(file: &str) -> String {
    let name = file.rsplit('/').next().unwrap_or(file);
    let k: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if k.is_empty() || k == "." || k == ".." {
        "file".into()
    } else {
        k
    }
}

/// The numeric uid/gid in compose `user:`, when numeric.
fn numeric_user(u: &str) -> (Option<i64>, Option<i64>) {
    let (a, b) = u.split_once(':').unwrap_or((u, ""));
    (a.parse().ok(), b.parse().ok())
}

/// Every service of the input, in compose order.
pub fn units<'a>(input: &'a GenerateInput, report: &mut Report) -> Vec<Unit<'a>> {
    let mut users: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &input.model.services {
        for (v, _) in &s.volumes {
            *users.entry(v.as_str()).or_default() += 1;
        }
    }
    let names: Vec<&str> = input
        .model
        .services
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    input
        .model
        .services
        .iter()
        .map(|s| unit(input, s, &users, &names, report))
        .collect()
}

fn unit<'a>(
    input: &'a GenerateInput,
    s: &'a ServiceSpec,
    volume_users: &BTreeMap<&str, usize>,
    names: &[&str],
    r: &mut Report,
) -> Unit<'a> {
    let name = dns_name(&s.name);
    let svc = s.name.as_str();
    let project = dns_name(&input.project);
    // Image.
    let (image, built_image) = match (&s.image, &s.build) {
        (Some(img), None) => {
            r.translated(svc, "image", format!("image {img}"));
            (img.clone(), None)
        }
        (img, Some(b)) => {
            let built = format!("{project}-{name}");
            r.translated(
                svc,
                "build",
                format!(
                    "build {}/{} and push the image; base names it {built}:latest, the overlays \
                     retag it (dev: {built}:dev, prod: a registry name to replace)",
                    b.context, b.dockerfile
                ),
            );
            if img.is_some() {
                r.translated(
                    svc,
                    "image",
                    "the built image's name comes from the overlays",
                );
            }
            (format!("{built}:latest"), Some(built))
        }
        (None, None) => {
            r.dropped(
                svc,
                "image",
                "no image and no build: using the service name",
            );
            (name.clone(), None)
        }
    };
    // User.
    let facts = input.dockerfiles.get(svc);
    let (mut uid, mut gid) = (None, None);
    if let Some(u) = &s.security.user {
        (uid, gid) = numeric_user(u);
        if uid.is_some() {
            r.translated(
                svc,
                "user",
                format!("runAsUser {}", uid.unwrap_or_default()),
            );
        } else {
            r.dropped(
                svc,
                "user",
                format!("`{u}` is a name: Kubernetes needs a numeric uid"),
            );
        }
    }
    if uid.is_none() {
        if let Some(f) = facts {
            (uid, gid) = (f.uid, f.gid);
        } else if let Some(k) = known_user(&image) {
            (uid, gid) = (Some(k.uid), Some(k.gid));
        }
    }
    if uid == Some(0) {
        r.dropped(svc, "user", "the image runs as root, which the restricted profile refuses: add a non-root USER to the image");
        (uid, gid) = (None, None);
    }
    // Ports.
    let mut ports: Vec<u16> = Vec::new();
    let mut published = Vec::new();
    for p in &s.ports {
        if !ports.contains(&p.container) {
            ports.push(p.container);
        }
        if p.host.is_some() && !published.contains(&p.container) {
            published.push(p.container);
        }
    }
    if !s.ports.is_empty() {
        r.translated(svc, "ports", format!(
            "container ports {} on the Service `{name}` (ClusterIP); published ones are allowed in from anywhere by its NetworkPolicy: expose them with an Ingress or a LoadBalancer in an overlay",
            s.ports.iter().map(|p| p.container.to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
    for p in &s.expose {
        if !ports.contains(p) {
            ports.push(*p);
        }
    }
    if !s.expose.is_empty() {
        r.translated(svc, "expose", format!("Service `{name}` ports"));
    }
    // The image's own port, unless the service runs another command (a worker built from
    // the web app's Dockerfile does not serve its port).
    let own_command = s.command.is_none() && s.entrypoint.is_none();
    if ports.is_empty() && own_command {
        if let Some(f) = facts {
            ports.extend(f.expose.iter().map(|(p, _)| *p));
            if !ports.is_empty() {
                r.defaulted(
                    svc,
                    "ports",
                    format!(
                        "the Dockerfile's EXPOSE {} on the Service `{name}`",
                        ports
                            .iter()
                            .map(|p| p.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        } else if let Some(p) = default_port(&image) {
            ports.push(p);
            r.defaulted(
                svc,
                "ports",
                format!("the image's usual port {p} on the Service `{name}`"),
            );
        }
    }
    // Volumes.
    let (mut claims, mut shared) = (Vec::new(), Vec::new());
    for (vol, target) in &s.volumes {
        let claim = dns_name(vol);
        if volume_users.get(vol.as_str()).copied().unwrap_or(0) > 1 {
            r.translated(svc, "volumes", format!("named volume {vol} (shared): PersistentVolumeClaim `{claim}` (ReadWriteMany, 1Gi) at {target}"));
            shared.push((claim, target.clone()));
        } else {
            r.translated(svc, "volumes", format!("named volume {vol}: a StatefulSet volumeClaimTemplate `{claim}` (ReadWriteOnce, 1Gi) at {target}"));
            claims.push((claim, target.clone()));
        }
    }
    let mut files = Vec::new();
    for b in &s.security.binds {
        if b.source.contains("docker.sock") {
            r.dropped(
                svc,
                "volumes",
                format!(
                    "{}: the Docker socket gives root on the node; never mounted",
                    b.source
                ),
            );
            continue;
        }
        if b.source.starts_with('/') || b.source.starts_with('~') {
            r.dropped(svc, "volumes", format!("{}: a host path outside the project is not portable (hostPath is forbidden by the restricted profile)", b.source));
            continue;
        }
        let rel = clean_rel(&b.source);
        match input.files.get(&rel) {
            Some(Referenced::Text(t)) => {
                let key = config_map_key(&rel);
                r.translated(svc, "volumes", format!("{}: the file from ConfigMap `{name}-files` (key {key}) at {}, read-only", b.source, b.target));
                files.push(FileMount { key, target: b.target.clone(), content: t.clone() });
            }
            Some(Referenced::Ignored) => r.dropped(svc, "volumes", format!("{}: ignored by .gitignore/.dockerignore, so not copied into the manifests; create the ConfigMap by hand", b.source)),
            _ => r.dropped(svc, "volumes", format!("{}: a host folder (or missing file) is not portable: bake it into the image or use a PersistentVolumeClaim", b.source)),
        }
    }
    // Writable paths under a read-only root.
    let mounted: Vec<&str> = claims
        .iter()
        .chain(&shared)
        .map(|(_, t)| t.as_str())
        .collect();
    let mut writable = vec![("/tmp".to_string(), false)];
    for t in &s.tmpfs {
        let path = t.split(':').next().unwrap_or(t).to_string();
        match writable.iter_mut().find(|(p, _)| *p == path) {
            Some(w) => w.1 = true,
            None => writable.push((path, true)),
        }
    }
    if !s.tmpfs.is_empty() {
        r.translated(svc, "tmpfs", "emptyDir volumes in memory");
    }
    if let Some(k) = known_user(&image) {
        for w in k.writable {
            if !mounted.contains(w) && !writable.iter().any(|(p, _)| p == w) {
                writable.push((w.to_string(), false));
            }
        }
    }
    if s.read_only {
        r.translated(svc, "read_only", "readOnlyRootFilesystem: true");
    }
    // Replicas.
    let replicas = s.replicas.map(|n| n as i32).unwrap_or(1);
    if s.replicas.is_some() {
        r.translated(
            svc,
            "deploy.replicas",
            format!("replicas: {replicas} (dev overlay: 1)"),
        );
    }
    // Environment.
    let mut env: Vec<(String, String, &str)> = Vec::new();
    for f in &s.env_file {
        let rel = clean_rel(f);
        match input.files.get(&rel) {
            Some(Referenced::Text(t)) => {
                env.extend(parse_env_file(t).into_iter().map(|(k, v)| (k, v, "env_file")));
                r.translated(svc, "env_file", format!("{f}: values into ConfigMap `{name}-env`, secret-looking ones into Secret `{name}-env` (placeholders)"));
            }
            Some(Referenced::Ignored) => r.dropped(svc, "env_file", format!("{f}: ignored by .gitignore/.dockerignore, so not read; create the ConfigMap/Secret from it by hand (kubectl create secret generic --from-env-file)")),
            _ => r.dropped(svc, "env_file", format!("{f}: not found in the project")),
        }
    }
    for (k, v) in &s.environment {
        env.retain(|(ek, _, _)| ek != k);
        env.push((k.clone(), v.clone(), "environment"));
    }
    let mut config = BTreeMap::new();
    let mut secret_env = BTreeMap::new();
    for (k, v, from) in env {
        let value = interpolate(&v, &|_| None);
        let unset = has_unset_var(&v);
        if secret_looking(&k, &value) {
            let val = if v.is_empty() {
                SecretValue::Placeholder(
                    "no value in compose (taken from the host environment)".into(),
                )
            } else if from == "env_file" {
                SecretValue::Placeholder("from an env_file (may not be in version control)".into())
            } else if unset {
                SecretValue::Placeholder(format!("`{v}` is set from the host environment"))
            } else {
                SecretValue::Literal(value)
            };
            secret_env.insert(k, val);
        } else {
            if unset {
                r.defaulted(
                    svc,
                    "environment",
                    format!("{k}: `{v}` has no default and is empty here: set it in the overlays"),
                );
            }
            config.insert(k, value);
        }
    }
    if !s.environment.is_empty() {
        let mut d = format!(
            "{} value(s) into ConfigMap `{name}-env` (envFrom)",
            config.len()
        );
        if !secret_env.is_empty() {
            d.push_str(&format!(
                ", {} secret-looking one(s) into Secret `{name}-env` (secretKeyRef; values only in the dev overlay)",
                secret_env.len()
            ));
        }
        r.translated(svc, "environment", d);
    }
    let secret_files: Vec<SecretFile> = s
        .secrets
        .iter()
        .map(|sr| SecretFile {
            secret: dns_name(&sr.source),
            key: sr.source.clone(),
            target: sr.target.clone(),
        })
        .collect();
    if !secret_files.is_empty() {
        r.translated(
            svc,
            "secrets",
            format!(
                "mounted read-only from Secret(s) {} at the same paths",
                secret_files
                    .iter()
                    .map(|f| format!("`{}`", f.secret))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let depends = s
        .depends_on
        .iter()
        .filter(|(d, _)| names.contains(&d.as_str()))
        .map(|(d, h)| (dns_name(d), *h))
        .collect();
    Unit {
        spec: s,
        name,
        image,
        built_image,
        claims,
        shared,
        files,
        ports,
        published,
        uid,
        gid,
        writable,
        replicas,
        config,
        secret_env,
        secret_files,
        depends,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised_by_name_or_url_password() {
        assert!(secret_looking("POSTGRES_PASSWORD", "x"));
        assert!(secret_looking("api_key", "x"));
        assert!(secret_looking(
            "DATABASE_URL",
            "postgres://app:pw@db:5432/app"
        ));
        assert!(!secret_looking("DATABASE_URL", "postgres://db:5432/app"));
        assert!(!secret_looking("REDIS_URL", "redis://redis:6379/0"));
        assert!(!secret_looking("POSTGRES_PASSWORD_FILE", "/run/secrets/db"));
        assert!(!secret_looking("LOG_LEVEL", "info"));
        assert!(secret_looking("STRIPE_KEY", "sk_live_x"));
        assert!(!secret_looking("KEYCLOAK_URL", "http://kc:8080"));
    }

    #[test]
    fn env_files_and_unset_variables() {
        let v = parse_env_file("# c\nexport A=1\nB=\"two words\"\nC='x' \nD=3 # note\n\nbad\n");
        assert_eq!(
            v,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "x".into()),
                ("D".into(), "3".into())
            ]
        );
        assert!(has_unset_var("${X}"));
        assert!(has_unset_var("a$X"));
        assert!(!has_unset_var("${X:-1}"));
        assert!(!has_unset_var("$$X"));
        assert!(!has_unset_var("plain"));
    }
}
