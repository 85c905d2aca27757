//! Node.js: npm / pnpm / yarn / bun; Next.js, NestJS, Express, Fastify, Hono, plain node;
//! single-page apps built by Vite, Create React App or Angular and served as static files
//! (see [`super::spa`]).

use super::spa;
use crate::project::Project;
use crate::stacks::common::{
    argv, find_dep, find_re, json_key_line, re, resolve_port, scan_health, services_from,
    simple_argv, version_file, Dep, Out, PortFound, SOURCE_BUDGET,
};
use crate::stacks::{hint_keys, Detection, Service, Stack};
use crate::{Error, Result};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

const LOCKS: &[(&str, &str)] = &[
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
];

const SERVICES: &[(&str, Service)] = &[
    ("redis", Service::Redis),
    ("ioredis", Service::Redis),
    ("@redis/client", Service::Redis),
    ("bullmq", Service::Redis),
    ("pg", Service::Postgres),
    ("postgres", Service::Postgres),
    ("pg-promise", Service::Postgres),
    ("mysql", Service::Mysql),
    ("mysql2", Service::Mysql),
    ("mongodb", Service::Mongodb),
    ("mongoose", Service::Mongodb),
    ("amqplib", Service::Rabbitmq),
    ("amqp-connection-manager", Service::Rabbitmq),
    ("memcached", Service::Memcached),
    ("memjs", Service::Memcached),
];

/// Server frameworks in priority order: (dependency, framework name, default port).
const SERVERS: &[(&str, &str, u16)] = &[
    ("next", "nextjs", 3000),
    ("@nestjs/core", "nestjs", 3000),
    ("fastify", "fastify", 3000),
    ("hono", "hono", 3000),
    ("express", "express", 3000),
];

const ENTRIES: &[&str] = &[
    "server.js",
    "index.js",
    "app.js",
    "main.js",
    "server.mjs",
    "index.mjs",
    "src/server.js",
    "src/index.js",
    "src/app.js",
    "src/main.js",
];
const TS_ENTRIES: &[&str] = &[
    "src/index.ts",
    "src/server.ts",
    "src/main.ts",
    "index.ts",
    "server.ts",
];

static CLI_PORT: LazyLock<Regex> = LazyLock::new(|| re(r"(?:-p|--port)[ =](\d{2,5})\b"));
static STANDALONE: LazyLock<Regex> = LazyLock::new(|| re(r#"output\s*:\s*["']standalone["']"#));
static PRISMA: LazyLock<Regex> =
    LazyLock::new(|| re(r#"provider\s*=\s*"(postgresql|mysql|mongodb)""#));
static PORT_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"\.listen\(\s*(?:[\w.]+\s*(?:\|\||\?\?)\s*)?(\d{2,5})\b"),
        re(r"(?i)\bport\s*[:=]\s*(?:[^,;\n]*?(?:\|\||\?\?)\s*)?(\d{2,5})\b"),
    ]
});
static NUM: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+(?:\.\d+){0,2})"));

/// A parsed package.json with its text.
pub struct Pkg {
    pub json: Value,
    pub text: String,
}

impl Pkg {
    pub fn str(&self, path: &[&str]) -> Option<&str> {
        let mut v = &self.json;
        for p in path {
            v = v.get(p)?;
        }
        v.as_str()
    }
    pub fn line(&self, key: &str) -> Option<u32> {
        json_key_line(&self.text, key)
    }
}

pub fn parse_package_json(project: &Project) -> Result<Option<Pkg>> {
    let Some(text) = project.read_opt("package.json")? else {
        return Ok(None);
    };
    let json: Value = serde_json::from_str(&text).map_err(|e| Error::InvalidManifest {
        file: "package.json".into(),
        line: (e.line() > 0).then_some(e.line() as u32),
        message: strip_position(&e.to_string()),
    })?;
    if !json.is_object() {
        return Err(Error::InvalidManifest {
            file: "package.json".into(),
            line: Some(1),
            message: "expected a JSON object".into(),
        });
    }
    Ok(Some(Pkg { json, text }))
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// `pm run script` in each package manager's spelling.
pub fn pm_run(pm: &str, script: &str) -> Vec<String> {
    match pm {
        "npm" | "bun" => argv(&[pm, "run", script]),
        _ => argv(&[pm, script]),
    }
}

pub(super) fn detect(project: &Project) -> Result<Option<Detection>> {
    let Some(pkg) = parse_package_json(project)? else {
        return Ok(None);
    };
    let mut out = Out::new(
        Stack::Node,
        "package.json",
        None,
        "package.json at the root",
    );
    out.manifests(project, &["package.json"]);
    out.manifests(project, &LOCKS.iter().map(|(f, _)| *f).collect::<Vec<_>>());
    if project.has(".npmrc") {
        // Registry settings, often with a token: a build secret, never a copied manifest.
        out.hint(hint_keys::NPMRC, "true");
        out.ev(
            "manifests",
            ".npmrc",
            None,
            "registry settings: passed to the install as a BuildKit secret, never copied",
        );
    }
    out.manifests(
        project,
        &[".yarnrc.yml", ".nvmrc", ".node-version", "bunfig.toml"],
    );

    if let Some(n) = pkg.str(&["name"]) {
        out.hint(hint_keys::PACKAGE_NAME, n);
    }
    if let Some(s) = pkg.str(&["scripts", "start"]) {
        out.hint(hint_keys::START_SCRIPT, s);
    }
    if pkg.str(&["scripts", "build"]).is_some() {
        out.hint(hint_keys::BUILD_SCRIPT, "build");
    }

    let pm = package_manager(&mut out, project, &pkg);
    language_version(&mut out, project, &pkg)?;

    let mut deps = Vec::new();
    let mut dev = Vec::new();
    for (key, into) in [("dependencies", &mut deps), ("devDependencies", &mut dev)] {
        if let Some(obj) = pkg.json.get(key).and_then(Value::as_object) {
            for name in obj.keys() {
                into.push(Dep::new(name, "package.json", pkg.line(name)));
            }
        }
    }
    services_from(&mut out, &deps, SERVICES);
    if let Some(schema) = project.read_opt("prisma/schema.prisma")? {
        if let Some((p, l)) = find_re(&schema, &PRISMA) {
            let svc = match p.as_str() {
                "postgresql" => Service::Postgres,
                "mysql" => Service::Mysql,
                _ => Service::Mongodb,
            };
            out.service(
                svc,
                "prisma/schema.prisma",
                Some(l),
                format!("Prisma datasource provider {p}"),
            );
        }
    }

    let server = SERVERS
        .iter()
        .find_map(|(dep, fw, port)| find_dep(&deps, dep).map(|d| (d.clone(), *fw, *port)));
    let Some((dep, fw, default_port)) = server else {
        let all: Vec<Dep> = deps.iter().chain(dev.iter()).cloned().collect();
        if spa::detect(&mut out, project, &pkg, &all)? {
            return Ok(Some(out.finish(project)));
        }
        plain(&mut out, project, &pkg, &pm)?;
        return Ok(Some(out.finish(project)));
    };
    out.framework(
        fw,
        "package.json",
        dep.line,
        format!("dependency {}", dep.name),
    );

    let entry = start_command(&mut out, project, &pkg, &pm, fw)?;
    let mut sources: Vec<&str> = Vec::new();
    if let Some(e) = entry.as_deref() {
        if project.has(e) {
            sources.push(e);
        }
    }
    let exts = [".js", ".mjs", ".cjs", ".ts", ".mts"];
    for s in project.sources(&exts, SOURCE_BUDGET) {
        if !sources.contains(&s) && !s.ends_with(".config.js") && !s.ends_with(".config.ts") {
            sources.push(s);
        }
    }
    let config = pkg
        .str(&["scripts", "start"])
        .and_then(|s| find_re(s, &CLI_PORT))
        .and_then(|(p, _)| {
            crate::stacks::common::port_of(
                &p,
                "package.json",
                pkg.line("start"),
                "--port in scripts.start (explicit configuration)",
            )
        });
    let res: Vec<&Regex> = PORT_RES.iter().collect();
    let why = format!("{fw} listens on {default_port} by default");
    resolve_port(
        &mut out,
        project,
        config,
        &sources,
        &res,
        Some((default_port, &why)),
    )?;
    if fw == "nextjs" {
        let port = out.d.port.unwrap_or(default_port);
        out.hint(
            hint_keys::RUNTIME_ENV,
            format!("HOSTNAME=0.0.0.0\nPORT={port}"),
        );
    } else if let Some(port) = out.d.port {
        out.hint(hint_keys::RUNTIME_ENV, format!("PORT={port}"));
    }
    scan_health(&mut out, project, &sources);
    if out.d.health_path.is_none() && fw == "nextjs" {
        next_health_route(&mut out, project);
    }
    Ok(Some(out.finish(project)))
}

/// Next.js routes are files: `app/api/healthz/route.ts` serves `/api/healthz`.
fn next_health_route(out: &mut Out, project: &Project) {
    for base in ["app", "src/app", "pages", "src/pages"] {
        for route in crate::stacks::common::HEALTH_PATHS {
            let r = route.trim_start_matches('/');
            let candidates = if base.ends_with("pages") {
                [format!("{base}/{r}.ts"), format!("{base}/{r}.js")]
            } else {
                [
                    format!("{base}/{r}/route.ts"),
                    format!("{base}/{r}/route.js"),
                ]
            };
            if let Some(f) = candidates.iter().find(|c| project.has(c)) {
                out.d.health_path = Some((*route).to_string());
                out.ev(
                    "health_path",
                    f,
                    None,
                    format!("Next.js route file serves {route}"),
                );
                return;
            }
        }
    }
}

fn package_manager(out: &mut Out, project: &Project, pkg: &Pkg) -> String {
    if let Some(pm) = pkg.str(&["packageManager"]) {
        let name = pm.split('@').next().unwrap_or(pm);
        if ["npm", "pnpm", "yarn", "bun"].contains(&name) {
            out.package_manager(
                name,
                "package.json",
                pkg.line("packageManager"),
                format!("packageManager is {pm}"),
            );
            return name.into();
        }
    }
    for (file, pm) in LOCKS {
        if project.has(file) {
            out.package_manager(pm, file, None, format!("lockfile {file}"));
            return (*pm).into();
        }
    }
    out.package_manager("npm", "package.json", None, "no lockfile: npm, the default");
    "npm".into()
}

fn language_version(out: &mut Out, project: &Project, pkg: &Pkg) -> Result<()> {
    for f in [".nvmrc", ".node-version"] {
        if let Some((v, line)) = version_file(project, f)? {
            let n = find_re(&v, &NUM).map(|(n, _)| n).unwrap_or(v.clone());
            out.version(&n, f, Some(line), format!("{f} says {v}"));
        }
    }
    if let Some(e) = pkg.str(&["engines", "node"]) {
        if let Some((n, _)) = find_re(e, &NUM) {
            out.version(
                &n,
                "package.json",
                pkg.line("engines"),
                format!("engines.node is {e}"),
            );
        }
    }
    Ok(())
}

/// Sets the start command; returns the entry file when there is one (scanned first).
fn start_command(
    out: &mut Out,
    project: &Project,
    pkg: &Pkg,
    pm: &str,
    fw: &str,
) -> Result<Option<String>> {
    let start_line = pkg.line("start");
    match fw {
        "nextjs" => {
            let cfg = project.first_of(&[
                "next.config.js",
                "next.config.mjs",
                "next.config.ts",
                "next.config.cjs",
            ]);
            let standalone = match cfg {
                Some(f) => find_re(&project.read(f)?, &STANDALONE).map(|(_, l)| (f, l)),
                None => None,
            };
            if let Some((f, l)) = standalone {
                out.hint(hint_keys::NEXT_STANDALONE, "true");
                out.start(
                    argv(&["node", "server.js"]),
                    f,
                    Some(l),
                    "output: 'standalone' builds server.js",
                );
            } else if pkg.str(&["scripts", "start"]).is_some() {
                out.start(
                    pm_run(pm, "start"),
                    "package.json",
                    start_line,
                    "scripts.start (next start)",
                );
            } else {
                out.start(
                    argv(&["npx", "next", "start"]),
                    "package.json",
                    None,
                    "next start",
                );
            }
            Ok(project
                .first_of(&[
                    "src/app/page.tsx",
                    "app/page.tsx",
                    "pages/index.tsx",
                    "pages/index.js",
                ])
                .map(String::from))
        }
        "nestjs" => {
            let main = "dist/main.js";
            let src = project.first_of(&["src/main.ts", "src/main.js"]);
            out.start(
                argv(&["node", main]),
                src.unwrap_or("package.json"),
                None,
                "nest build compiles src/main.ts to dist/main.js",
            );
            Ok(src.map(String::from))
        }
        _ => generic_start(out, project, pkg, pm),
    }
}

fn generic_start(out: &mut Out, project: &Project, pkg: &Pkg, pm: &str) -> Result<Option<String>> {
    let start_line = pkg.line("start");
    if let Some(s) = pkg.str(&["scripts", "start"]) {
        if let Some(a) =
            simple_argv(s).filter(|a| a.first().is_some_and(|c| c == "node" || c == "bun"))
        {
            let entry = a.iter().skip(1).find(|x| !x.starts_with('-')).cloned();
            out.start(
                a,
                "package.json",
                start_line,
                "scripts.start is a plain command",
            );
            return Ok(entry);
        }
        out.start(
            pm_run(pm, "start"),
            "package.json",
            start_line,
            "scripts.start, run through the package manager",
        );
        return Ok(None);
    }
    if let Some(m) = pkg.str(&["main"]).filter(|m| project.has(m)) {
        out.start(
            argv(&["node", m]),
            "package.json",
            pkg.line("main"),
            "package.json main",
        );
        return Ok(Some(m.into()));
    }
    if let Some(e) = project.first_of(ENTRIES) {
        out.start(argv(&["node", e]), e, None, format!("entry file {e}"));
        return Ok(Some(e.into()));
    }
    if let Some(e) = project.first_of(TS_ENTRIES) {
        if pm == "bun" {
            out.start(
                argv(&["bun", "run", e]),
                e,
                None,
                format!("bun runs TypeScript entry {e} directly"),
            );
        } else {
            let js = format!(
                "dist/{}",
                e.trim_start_matches("src/").replace(".ts", ".js")
            );
            out.start(
                argv(&["node", &js]),
                e,
                None,
                format!("{e} compiled by the build script to {js}"),
            );
        }
        return Ok(Some(e.into()));
    }
    Ok(None)
}

fn plain(out: &mut Out, project: &Project, pkg: &Pkg, pm: &str) -> Result<()> {
    let entry = generic_start(out, project, pkg, pm)?;
    let mut sources: Vec<&str> = entry
        .as_deref()
        .filter(|e| project.has(e))
        .into_iter()
        .collect();
    sources.extend(project.sources(&[".js", ".mjs", ".cjs", ".ts"], SOURCE_BUDGET));
    let config: Option<PortFound> = None;
    let res: Vec<&Regex> = PORT_RES.iter().collect();
    resolve_port(out, project, config, &sources, &res, None)?;
    if let Some(port) = out.d.port {
        out.hint(hint_keys::RUNTIME_ENV, format!("PORT={port}"));
    }
    scan_health(out, project, &sources);
    Ok(())
}
