//! PHP: Composer; Laravel, Slim, plain PHP. Served by PHP's built-in server on 8080 (the
//! container runs as non-root, so not 80); Laravel through `php artisan serve`.

use super::common::has_manifest;
use super::common::probe;
use super::common::{
    argv, find_re, json_key_line, re, resolve_port, scan_health, Dep, Out, SOURCE_BUDGET,
};
use super::dev::DevSettings;
use super::{hint_keys, Detection, Service, Stack, StackProvider, StackTemplates};
use super::{VersionFormat, VersionRule};
use crate::plan::{BuildStep, Plan};
use crate::project::Project;
use crate::{Error, Result};
use regex::Regex;
use std::sync::LazyLock;

/// Composer stage for PHP dependencies.
pub const COMPOSER_IMAGE: &str = "composer:2.8";

pub struct Php;

impl StackProvider for Php {
    fn stack(&self) -> Stack {
        Stack::Php
    }

    fn label(&self) -> &'static str {
        "PHP"
    }

    fn templates(&self) -> StackTemplates {
        StackTemplates {
            dockerfile: "php/Dockerfile.j2",
            dockerignore: "dockerignore/php.j2",
        }
    }

    fn markers(&self) -> &'static [&'static str] {
        &["composer.json"]
    }

    fn detect(&self, project: &Project) -> Result<Option<Detection>> {
        detect(project)
    }

    fn version(&self) -> VersionRule {
        VersionRule {
            default: "8.3",
            majors: Some(7..=9),
            format: VersionFormat::MajorMinor,
        }
    }

    fn default_port(&self) -> u16 {
        8080
    }

    fn fallback_command(&self) -> &'static [&'static str] {
        &["/app/server"]
    }

    fn plan_defaults(&self, plan: &mut Plan, v: &str) {
        plan.runtime_image = format!("php:{v}-apache");
        plan.user = "www-data".into();
        // apache keeps its pid and lock files under /var/run and /var/lock.
        plan.read_only = false;
        if has_manifest(plan, "composer.json") {
            plan.builder_image = Some(COMPOSER_IMAGE.into());
            let flags = [
                "--no-dev",
                "--no-interaction",
                "--prefer-dist",
                "--ignore-platform-reqs",
            ];
            let mut install = vec!["composer", "install", "--no-scripts", "--no-autoloader"];
            install.extend(flags);
            plan.install_steps = vec![BuildStep::new(&install, &["/tmp/cache"])];
            plan.build_steps = vec![BuildStep::new(
                &["composer", "dump-autoload", "--optimize", "--no-dev"],
                &[],
            )];
        }
        plan.start_command = vec!["apache2-foreground".into()];
    }

    fn http_probe(&self, _plan: &Plan, url: String) -> Vec<String> {
        // The php:apache images ship curl.
        probe(&["curl", "-fsS", "-o", "/dev/null"], url)
    }

    fn probe_needs_busybox(&self) -> bool {
        false
    }

    fn dev(&self, _plan: &Plan) -> DevSettings {
        // PHP reads the scripts on each request: the mounted source is live as it is.
        DevSettings::mounted("/var/www/html").keeping("/var/www/html/vendor")
    }
}

const SERVICES: &[(&str, Service)] = &[
    ("predis/predis", Service::Redis),
    ("ext-redis", Service::Redis),
    ("ext-pgsql", Service::Postgres),
    ("ext-pdo_pgsql", Service::Postgres),
    ("ext-pdo_mysql", Service::Mysql),
    ("ext-mysqli", Service::Mysql),
    ("mongodb/mongodb", Service::Mongodb),
    ("ext-mongodb", Service::Mongodb),
    ("php-amqplib/php-amqplib", Service::Rabbitmq),
    ("ext-memcached", Service::Memcached),
];

static NUM: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+\.\d+)"));
static DB_CONNECTION: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^DB_CONNECTION=(mysql|mariadb|pgsql)\s*$"));
static REDIS_USE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?m)^(?:CACHE_STORE|CACHE_DRIVER|SESSION_DRIVER|QUEUE_CONNECTION)=redis\s*$")
});
static LARAVEL_HEALTH: LazyLock<Regex> = LazyLock::new(|| re(r#"health\s*:\s*['"](/[\w/-]*)['"]"#));

fn detect(project: &Project) -> Result<Option<Detection>> {
    let composer = match project.read_opt("composer.json")? {
        Some(text) => {
            let json: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| Error::InvalidManifest {
                    file: "composer.json".into(),
                    line: (e.line() > 0).then_some(e.line() as u32),
                    message: e
                        .to_string()
                        .split(" at line ")
                        .next()
                        .unwrap_or("invalid JSON")
                        .to_string(),
                })?;
            Some((json, text))
        }
        None => None,
    };
    let mut out = match (
        &composer,
        project.first_of(&["index.php", "public/index.php"]),
    ) {
        (Some(_), _) => Out::new(
            Stack::Php,
            "composer.json",
            None,
            "composer.json at the root",
        ),
        (None, Some(i)) => Out::new(Stack::Php, i, None, format!("{i} without composer.json")),
        (None, None) => return Ok(None),
    };
    out.manifests(project, &["composer.json", "composer.lock"]);
    let mut deps = Vec::new();
    if let Some((json, text)) = &composer {
        out.package_manager("composer", "composer.json", None, "Composer");
        if let Some(req) = json.get("require").and_then(|r| r.as_object()) {
            for (name, v) in req {
                deps.push(Dep::new(name, "composer.json", json_key_line(text, name)));
                if name == "php" {
                    if let Some((n, _)) = v.as_str().and_then(|s| find_re(s, &NUM)) {
                        out.version(
                            &n,
                            "composer.json",
                            json_key_line(text, "php"),
                            format!("require php {}", v.as_str().unwrap_or("")),
                        );
                    }
                }
            }
        }
    }
    super::common::services_from(&mut out, &deps, SERVICES);
    for env in [".env", ".env.example"] {
        if let Some(t) = project.read_opt(env)? {
            if let Some((db, l)) = find_re(&t, &DB_CONNECTION) {
                let svc = if db == "pgsql" {
                    Service::Postgres
                } else {
                    Service::Mysql
                };
                out.service(svc, env, Some(l), format!("DB_CONNECTION={db}"));
            }
            if let Some((_, l)) = find_re(&t, &REDIS_USE) {
                out.service(
                    Service::Redis,
                    env,
                    Some(l),
                    "redis cache/session/queue driver",
                );
            }
        }
    }

    let dep = |n: &str| deps.iter().find(|d| d.name == n).cloned();
    let public = project.has("public/index.php");
    let sources = project.sources(&[".php"], SOURCE_BUDGET);
    if let Some(d) = dep("laravel/framework") {
        out.framework("laravel", "composer.json", d.line, "laravel/framework");
        out.hint(hint_keys::DOCUMENT_ROOT, "public");
    } else if let Some(d) = dep("slim/slim") {
        out.framework("slim", "composer.json", d.line, "slim/slim");
        out.hint(
            hint_keys::DOCUMENT_ROOT,
            if public { "public" } else { "." },
        );
    } else {
        out.hint(
            hint_keys::DOCUMENT_ROOT,
            if public { "public" } else { "." },
        );
    }
    resolve_port(
        &mut out,
        project,
        None,
        &[],
        &[],
        Some((8080, "PHP's server on 8080 (non-root container)")),
    )?;
    let port = out.d.port.unwrap_or(8080).to_string();
    let root = out
        .d
        .hints
        .get(hint_keys::DOCUMENT_ROOT)
        .cloned()
        .unwrap_or_else(|| ".".into());
    if out.d.framework.as_deref() == Some("laravel") && project.has("artisan") {
        out.start(
            argv(&[
                "php",
                "artisan",
                "serve",
                "--host=0.0.0.0",
                &format!("--port={port}"),
            ]),
            "artisan",
            None,
            "php artisan serve",
        );
    } else {
        let listen = format!("0.0.0.0:{port}");
        out.start(
            argv(&["php", "-S", &listen, "-t", &root]),
            if public {
                "public/index.php"
            } else {
                out.d.evidence[0].file.as_str()
            }
            .to_string()
            .as_str(),
            None,
            format!("PHP's built-in server with document root {root}"),
        );
    }
    if let Some(t) = project.read_opt("bootstrap/app.php")? {
        if let Some((p, l)) = find_re(&t, &LARAVEL_HEALTH) {
            out.ev(
                "health_path",
                "bootstrap/app.php",
                Some(l),
                format!("Laravel health route {p}"),
            );
            out.d.health_path = Some(p);
        }
    }
    if out.d.health_path.is_none() {
        scan_health(&mut out, project, &sources);
    }
    Ok(Some(out.finish(project)))
}
