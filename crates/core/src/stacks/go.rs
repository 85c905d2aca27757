//! Go modules: the main package under `cmd/` or at the root; gin, echo, fiber, chi.
//! The binary is built to `/app/server` (the `start_command`); `main_package` says what to build.

use super::common::busybox_probe;
use super::common::plan_hint;
use super::common::{argv, re, resolve_port, scan_health, services_from, Dep, Out, SOURCE_BUDGET};
use super::dev::{self, DevSettings};
use super::{hint_keys, Detection, Service, Stack, StackProvider, StackTemplates};
use super::{VersionFormat, VersionRule};
use crate::plan::{BuildStep, Plan};
use crate::project::Project;
use crate::{Error, Result};
use regex::Regex;
use std::sync::LazyLock;

pub struct Go;

impl StackProvider for Go {
    fn stack(&self) -> Stack {
        Stack::Go
    }

    fn label(&self) -> &'static str {
        "Go"
    }

    fn templates(&self) -> StackTemplates {
        StackTemplates {
            dockerfile: "go/Dockerfile.j2",
            dockerignore: "dockerignore/go.j2",
        }
    }

    fn markers(&self) -> &'static [&'static str] {
        &["go.mod"]
    }

    fn detect(&self, project: &Project) -> Result<Option<Detection>> {
        detect(project)
    }

    fn version(&self) -> VersionRule {
        VersionRule {
            default: "1.23",
            majors: Some(1..=1),
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
        plan.builder_image = Some(format!("golang:{v}-bookworm"));
        plan.runtime_image = "gcr.io/distroless/static-debian12:nonroot".into();
        plan.user = "nonroot:nonroot".into();
        let main = plan_hint(plan, hint_keys::MAIN_PACKAGE)
            .unwrap_or(".")
            .to_string();
        let caches = ["/go/pkg/mod", "/root/.cache/go-build"];
        plan.install_steps = vec![BuildStep::new(&["go", "mod", "download"], &caches[..1])];
        plan.build_steps = vec![BuildStep::new(
            &[
                "go",
                "build",
                "-trimpath",
                "-ldflags=-s -w",
                "-o",
                "/out/server",
                &main,
            ],
            &caches,
        )];
        plan.start_command = vec!["/app/server".into()];
    }

    fn http_probe(&self, _plan: &Plan, url: String) -> Vec<String> {
        busybox_probe(url)
    }

    fn probe_needs_busybox(&self) -> bool {
        true
    }

    fn dev(&self, plan: &Plan) -> DevSettings {
        let main = plan_hint(plan, hint_keys::MAIN_PACKAGE).unwrap_or(".");
        DevSettings::mounted("/src")
            .in_stage("build")
            .running(dev::argv(&["go", "run", main]))
            .noting(dev::NO_HOT_RELOAD)
    }
}

const SERVICES: &[(&str, Service)] = &[
    ("github.com/redis/go-redis/v9", Service::Redis),
    ("github.com/go-redis/redis/v8", Service::Redis),
    ("github.com/gomodule/redigo", Service::Redis),
    ("github.com/lib/pq", Service::Postgres),
    ("github.com/jackc/pgx/v5", Service::Postgres),
    ("github.com/jackc/pgx/v4", Service::Postgres),
    ("github.com/go-sql-driver/mysql", Service::Mysql),
    ("go.mongodb.org/mongo-driver", Service::Mongodb),
    ("go.mongodb.org/mongo-driver/v2", Service::Mongodb),
    ("github.com/rabbitmq/amqp091-go", Service::Rabbitmq),
    ("github.com/streadway/amqp", Service::Rabbitmq),
    ("github.com/bradfitz/gomemcache", Service::Memcached),
];

const FRAMEWORKS: &[(&str, &str)] = &[
    ("github.com/gin-gonic/gin", "gin"),
    ("github.com/labstack/echo/v4", "echo"),
    ("github.com/gofiber/fiber/v2", "fiber"),
    ("github.com/gofiber/fiber/v3", "fiber"),
    ("github.com/go-chi/chi/v5", "chi"),
];

static PACKAGE_MAIN: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^package main\b"));
static PORT_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r#"ListenAndServe(?:TLS)?\(\s*"[^":]*:(\d{2,5})""#),
        re(r#"\.(?:Run|Start|Listen)\(\s*"[^":]*:(\d{2,5})""#),
        re(r#"Addr\s*:\s*"[^":]*:(\d{2,5})""#),
        re(r#"(?i)\bport\s*(?::=|=)\s*"(\d{2,5})""#),
        re(r#"net\.Listen\(\s*"tcp"\s*,\s*"[^":]*:(\d{2,5})""#),
    ]
});

fn detect(project: &Project) -> Result<Option<Detection>> {
    let Some(text) = project.read_opt("go.mod")? else {
        return Ok(None);
    };
    let mut out = Out::new(Stack::Go, "go.mod", None, "go.mod at the root");
    out.manifests(project, &["go.mod", "go.sum", "go.work", "go.work.sum"]);
    out.package_manager("go", "go.mod", None, "Go modules");
    let mut deps = Vec::new();
    let mut in_require = false;
    let mut has_module = false;
    for (i, raw) in text.lines().enumerate() {
        let line = Some(i as u32 + 1);
        let l = raw.split("//").next().unwrap_or("").trim();
        if l.starts_with("module ") {
            has_module = true;
        } else if let Some(v) = l.strip_prefix("go ") {
            out.version(v, "go.mod", line, format!("go directive {v}"));
        } else if l == "require (" {
            in_require = true;
        } else if in_require && l == ")" {
            in_require = false;
        } else if in_require || l.starts_with("require ") {
            let l = l.trim_start_matches("require ").trim();
            if let Some(name) = l.split_whitespace().next() {
                deps.push(Dep::new(name, "go.mod", line));
            }
        }
    }
    if !has_module {
        return Err(Error::InvalidManifest {
            file: "go.mod".into(),
            line: None,
            message: "no module directive".into(),
        });
    }
    services_from(&mut out, &deps, SERVICES);
    for (dep, fw) in FRAMEWORKS {
        if let Some(d) = deps.iter().find(|d| d.name == *dep) {
            out.framework(fw, "go.mod", d.line, format!("dependency {dep}"));
            break;
        }
    }

    let main = main_package(project);
    let mut sources: Vec<&str> = Vec::new();
    match &main {
        Some((pkg, file)) => {
            out.hint(hint_keys::MAIN_PACKAGE, pkg.clone());
            out.start(
                argv(&["/app/server"]),
                file,
                None,
                format!("package main in {file}, built from {pkg} to /app/server"),
            );
            sources.push(file);
        }
        None => {
            out.hint(hint_keys::MAIN_PACKAGE, ".");
            out.start(
                argv(&["/app/server"]),
                "go.mod",
                None,
                "no package main found: building the module root",
            );
        }
    }
    for s in project.sources(&[".go"], SOURCE_BUDGET) {
        if !sources.contains(&s) && !s.ends_with("_test.go") {
            sources.push(s);
        }
    }
    let res: Vec<&Regex> = PORT_RES.iter().collect();
    resolve_port(
        &mut out,
        project,
        None,
        &sources,
        &res,
        Some((8080, "Go services conventionally listen on 8080")),
    )?;
    scan_health(&mut out, project, &sources);
    Ok(Some(out.finish(project)))
}

/// The main package: `cmd/<x>/main.go` (preferring server/api/web), `main.go` at the root,
/// or the shallowest `main.go` that says `package main`.
fn main_package(project: &Project) -> Option<(String, String)> {
    let is_main = |f: &str| project.read(f).is_ok_and(|t| PACKAGE_MAIN.is_match(&t));
    let cmd: Vec<&str> = project
        .files()
        .iter()
        .map(String::as_str)
        .filter(|f| f.starts_with("cmd/") && f.ends_with("/main.go") && f.matches('/').count() == 2)
        .collect();
    let preferred = [
        "cmd/server/main.go",
        "cmd/api/main.go",
        "cmd/web/main.go",
        "cmd/app/main.go",
    ];
    let pick = preferred
        .iter()
        .copied()
        .find(|p| cmd.contains(p))
        .or_else(|| cmd.first().copied())
        .filter(|f| is_main(f));
    if let Some(f) = pick {
        return Some((
            format!("./{}", f.trim_end_matches("/main.go")),
            f.to_string(),
        ));
    }
    if project.has("main.go") && is_main("main.go") {
        return Some((".".into(), "main.go".into()));
    }
    project
        .sources(&["main.go"], 50)
        .into_iter()
        .find(|f| is_main(f))
        .map(|f| match f.rsplit_once('/') {
            Some((dir, _)) => (format!("./{dir}"), f.to_string()),
            None => (".".to_string(), f.to_string()),
        })
}
