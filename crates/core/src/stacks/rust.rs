//! Rust: Cargo binary targets; axum, actix-web, rocket. The release binary is copied to
//! `/app/<bin_name>` (the `start_command`).

use super::common::busybox_probe;
use super::common::{
    find_line, find_re, re, resolve_port, scan_health, services_from, toml_error, toml_key_line,
    version_file, Dep, Out, SOURCE_BUDGET,
};
use super::common::{has_manifest, plan_hint};
use super::dev::{self, DevSettings};
use super::{hint_keys, Detection, Service, Stack, StackProvider, StackTemplates};
use super::{VersionFormat, VersionRule};
use crate::plan::{BuildStep, Plan};
use crate::project::Project;
use crate::Result;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub struct Rust;

impl StackProvider for Rust {
    fn stack(&self) -> Stack {
        Stack::Rust
    }

    fn label(&self) -> &'static str {
        "Rust"
    }

    fn templates(&self) -> StackTemplates {
        StackTemplates {
            dockerfile: "rust/Dockerfile.j2",
            dockerignore: "dockerignore/rust.j2",
        }
    }

    fn markers(&self) -> &'static [&'static str] {
        &["Cargo.toml"]
    }

    fn detect(&self, project: &Project) -> Result<Option<Detection>> {
        detect(project)
    }

    fn version(&self) -> VersionRule {
        VersionRule {
            default: "1.83",
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
        plan.builder_image = Some(format!("rust:{v}-slim-bookworm"));
        plan.runtime_image = "debian:bookworm-slim".into();
        let bin = plan_hint(plan, hint_keys::BIN_NAME)
            .unwrap_or("app")
            .to_string();
        // `cargo build --bin` works for single packages and workspaces alike. The target
        // folder stays in the image layer (not a cache mount) so the binary can be copied
        // out without a shell; the registry and git checkouts are cached.
        let mut argv = vec!["cargo", "build", "--release"];
        if has_manifest(plan, "Cargo.lock") {
            argv.push("--locked");
        }
        argv.extend(["--bin", &bin]);
        plan.build_steps = vec![BuildStep::new(
            &argv,
            &["/usr/local/cargo/registry", "/usr/local/cargo/git"],
        )];
        plan.start_command = vec![format!("/app/{bin}")];
    }

    fn image_env(&self, plan: &Plan, env: &mut BTreeMap<String, String>) {
        if plan.framework.as_deref() == Some("rocket") {
            env.insert("ROCKET_ADDRESS".into(), "0.0.0.0".into());
            env.insert("ROCKET_PORT".into(), plan.port.to_string());
        }
    }

    fn http_probe(&self, _plan: &Plan, url: String) -> Vec<String> {
        busybox_probe(url)
    }

    fn probe_needs_busybox(&self) -> bool {
        true
    }

    fn dev(&self, plan: &Plan) -> DevSettings {
        let bin = plan_hint(plan, hint_keys::BIN_NAME).unwrap_or("app");
        DevSettings::mounted("/app")
            .in_stage("build")
            .keeping("/app/target")
            .running(dev::argv(&["cargo", "run", "--bin", bin]))
            .noting(dev::NO_HOT_RELOAD)
    }
}

const SERVICES: &[(&str, Service)] = &[
    ("redis", Service::Redis),
    ("deadpool-redis", Service::Redis),
    ("bb8-redis", Service::Redis),
    ("fred", Service::Redis),
    ("tokio-postgres", Service::Postgres),
    ("postgres", Service::Postgres),
    ("deadpool-postgres", Service::Postgres),
    ("mysql", Service::Mysql),
    ("mysql_async", Service::Mysql),
    ("mongodb", Service::Mongodb),
    ("lapin", Service::Rabbitmq),
    ("memcache", Service::Memcached),
];

static ROCKET_PORT: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^\s*port\s*=\s*(\d{2,5})"));
static PORT_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r#"bind\(\s*\(\s*"[^"]*"\s*,\s*(\d{2,5})\s*\)"#),
        re(r#"bind\(\s*"[^":]*:(\d{2,5})""#),
        re(r"SocketAddr::from\(\(\s*\[[\d,\s]+\]\s*,\s*(\d{2,5})\s*\)\)"),
        re(r#"(?i)"PORT"\)[^;]*unwrap_or(?:_else)?\([^)]*?"?(\d{2,5})"#),
    ]
});

fn detect(project: &Project) -> Result<Option<Detection>> {
    let Some(text) = project.read_opt("Cargo.toml")? else {
        return Ok(None);
    };
    let doc: toml::Table =
        toml::from_str(&text).map_err(|e| toml_error("Cargo.toml", &text, &e))?;
    let mut out = Out::new(Stack::Rust, "Cargo.toml", None, "Cargo.toml at the root");
    out.manifests(
        project,
        &[
            "Cargo.toml",
            "Cargo.lock",
            "rust-toolchain.toml",
            "rust-toolchain",
        ],
    );
    out.package_manager("cargo", "Cargo.toml", None, "Cargo");

    for f in ["rust-toolchain.toml", "rust-toolchain"] {
        if let Some(t) = project.read_opt(f)? {
            let channel = match toml::from_str::<toml::Table>(&t) {
                Ok(d) => d
                    .get("toolchain")
                    .and_then(|c| c.get("channel"))
                    .and_then(|c| c.as_str())
                    .map(String::from),
                Err(_) => version_file(project, f)?.map(|(v, _)| v),
            };
            if let Some(c) = channel.filter(|c| c.starts_with(|ch: char| ch.is_ascii_digit())) {
                out.version(&c, f, find_line(&t, &c), format!("toolchain channel {c}"));
            }
        }
    }
    let package = doc.get("package").and_then(|p| p.as_table());
    if let Some(v) = package
        .and_then(|p| p.get("rust-version"))
        .and_then(|v| v.as_str())
    {
        out.version(
            v,
            "Cargo.toml",
            toml_key_line(&text, "rust-version"),
            format!("rust-version = {v}"),
        );
    }

    let mut bin = bin_target(project, &doc, &text, "");
    let mut member = None;
    if bin.is_none() {
        if let Some((b, path, mtext, mdoc)) = workspace_bin(&mut out, project, &doc)? {
            bin = Some(b);
            member = Some((path, mtext, mdoc));
        }
    }
    let mut deps = Vec::new();
    let mut sqlx_features = Vec::new();
    let manifests = std::iter::once(("Cargo.toml".to_string(), &text, &doc))
        .chain(member.iter().map(|(p, t, d)| (p.clone(), t, d)));
    for (file, text, doc) in manifests {
        let Some(t) = doc.get("dependencies").and_then(|d| d.as_table()) else {
            continue;
        };
        for (name, spec) in t {
            deps.push(Dep::new(name, &file, toml_key_line(text, name)));
            if name == "sqlx" || name == "diesel" || name == "sea-orm" {
                let feats = spec.get("features").and_then(|f| f.as_array());
                for f in feats.into_iter().flatten().filter_map(|f| f.as_str()) {
                    let line = toml_key_line(text, name);
                    sqlx_features.push((name.clone(), f.to_string(), file.clone(), line));
                }
            }
        }
    }
    services_from(&mut out, &deps, SERVICES);
    for (crate_name, feat, file, line) in &sqlx_features {
        let svc = if feat.contains("postgres") {
            Some(Service::Postgres)
        } else if feat.contains("mysql") {
            Some(Service::Mysql)
        } else {
            None
        };
        if let Some(s) = svc {
            out.service(s, file, *line, format!("{crate_name} feature {feat}"));
        }
    }

    let fw = [
        ("axum", "axum"),
        ("actix-web", "actix"),
        ("rocket", "rocket"),
    ]
    .into_iter()
    .find_map(|(dep, fw)| deps.iter().find(|d| d.name == dep).map(|d| (d.clone(), fw)));
    if let Some((d, fw)) = &fw {
        out.framework(fw, &d.file, d.line, format!("dependency {}", d.name));
    }

    let mut sources = Vec::new();
    match &bin {
        Some((name, file, line, why)) => {
            out.hint(hint_keys::BIN_NAME, name.clone());
            out.start(vec![format!("/app/{name}")], file, *line, why.clone());
        }
        None => out.ev(
            "start_command",
            "Cargo.toml",
            None,
            "no binary target (library crate)",
        ),
    }
    if let Some((_, file, _, _)) = bin.as_ref().filter(|b| b.1.ends_with(".rs")) {
        sources.push(file.as_str());
    }
    // In a workspace, only the binary's own crate is scanned.
    let crate_dir = bin
        .as_ref()
        .and_then(|b| {
            b.1.strip_suffix("Cargo.toml")
                .or_else(|| b.1.split_once("src/").map(|(dir, _)| dir))
        })
        .map(String::from)
        .unwrap_or_default();
    for s in project.sources(&[".rs"], SOURCE_BUDGET) {
        if !sources.contains(&s) && s.starts_with(&crate_dir) {
            sources.push(s);
        }
    }
    let is_rocket = fw.as_ref().is_some_and(|(_, f)| *f == "rocket");
    let config = if is_rocket {
        project
            .read_opt("Rocket.toml")?
            .and_then(|t| find_re(&t, &ROCKET_PORT))
            .and_then(|(p, l)| {
                super::common::port_of(
                    &p,
                    "Rocket.toml",
                    Some(l),
                    "port in Rocket.toml (explicit configuration)",
                )
            })
    } else {
        None
    };
    let default = if is_rocket {
        (8000, "Rocket listens on 8000 by default")
    } else {
        (
            8080,
            "no framework default: 8080, Berth's convention for compiled services",
        )
    };
    let res: Vec<&Regex> = PORT_RES.iter().collect();
    let default = bin.as_ref().map(|_| default);
    resolve_port(&mut out, project, config, &sources, &res, default)?;
    if is_rocket {
        let port = out.d.port.unwrap_or(8000);
        out.hint(
            hint_keys::RUNTIME_ENV,
            format!("ROCKET_ADDRESS=0.0.0.0\nROCKET_PORT={port}"),
        );
    }
    scan_health(&mut out, project, &sources);
    Ok(Some(out.finish(project)))
}

type Bin = (String, String, Option<u32>, String);

/// A workspace without a root package: the first member (in `members` order, globs skipped)
/// with a binary target. Member manifests are recorded so the dependency layer can be built.
fn workspace_bin(
    out: &mut Out,
    project: &Project,
    doc: &toml::Table,
) -> Result<Option<(Bin, String, String, toml::Table)>> {
    let members = doc
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array());
    let mut found = None;
    for m in members.into_iter().flatten().filter_map(|m| m.as_str()) {
        let m = m.trim_end_matches('/');
        let manifest = format!("{m}/Cargo.toml");
        if m.contains('*') || !project.has(&manifest) {
            continue;
        }
        out.manifests(project, &[manifest.as_str()]);
        let text = project.read(&manifest)?;
        let member: toml::Table =
            toml::from_str(&text).map_err(|e| toml_error(&manifest, &text, &e))?;
        if found.is_none() {
            if let Some(b) = bin_target(project, &member, &text, &format!("{m}/")) {
                found = Some((b, manifest, text, member));
            }
        }
    }
    Ok(found)
}

fn bin_target(project: &Project, doc: &toml::Table, text: &str, dir: &str) -> Option<Bin> {
    let manifest = format!("{dir}Cargo.toml");
    let bins = doc.get("bin").and_then(|b| b.as_array());
    if let Some(name) = bins
        .and_then(|b| b.first())
        .and_then(|b| b.get("name"))
        .and_then(|n| n.as_str())
    {
        return Some((
            name.into(),
            manifest,
            find_line(text, "[[bin]]"),
            format!("[[bin]] target {name}"),
        ));
    }
    let pkg_name = doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str());
    let main = format!("{dir}src/main.rs");
    if let (Some(name), true) = (pkg_name, project.has(&main)) {
        let why = format!("{main} builds binary {name}");
        return Some((name.into(), main, None, why));
    }
    let bin_dir = format!("{dir}src/bin/");
    let extra = project.files().iter().find(|f| {
        f.strip_prefix(&bin_dir)
            .is_some_and(|rest| rest.ends_with(".rs") && !rest.contains('/'))
    })?;
    let name = extra[bin_dir.len()..].trim_end_matches(".rs");
    Some((
        name.into(),
        extra.clone(),
        None,
        format!("{extra} builds binary {name}"),
    ))
}
