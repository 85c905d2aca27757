//! Per-stack defaults: images, ports, steps, users, services and their wiring.

use super::validate::{
    is_env_key, is_env_value, is_safe_health_path, is_safe_name, is_safe_relative_path,
};
use super::wiring::{service_image, wiring};
use super::{BuildStep, Healthcheck, Limits, Plan, ServicePlan};
use crate::detect::{hint_keys as hk, Detection, Stack};
use std::collections::BTreeMap;

/// Static busybox copied into distroless/slim runtimes that have no HTTP client, so the
/// HEALTHCHECK can run `busybox wget` (about 1 MB; no shell is added to the PATH).
pub const BUSYBOX_IMAGE: &str = "busybox:1.37.0-musl";
/// Where that busybox lands in the final image.
pub const BUSYBOX_PATH: &str = "/usr/local/bin/busybox";
/// Serves static sites and built single-page apps as a non-root user on port 8080.
pub const NGINX_IMAGE: &str = "nginxinc/nginx-unprivileged:1.27-alpine";
/// Composer stage for PHP dependencies.
pub const COMPOSER_IMAGE: &str = "composer:2.8";
/// Builds and runs Bun projects.
pub const BUN_IMAGE: &str = "oven/bun:1.1-slim";
const NGINX_PORT: u16 = 8080;

pub(super) fn plan_for(d: &Detection) -> Plan {
    let hints = clean_hints(&d.hints);
    let manifests: Vec<String> = d
        .manifests
        .iter()
        .filter(|m| is_safe_relative_path(m))
        .cloned()
        .collect();
    let pm = d.package_manager.clone().map(|p| p.to_lowercase());
    let serve_static = d.stack == Stack::Static
        || (d.stack == Stack::Node
            && hints.contains_key(hk::OUTPUT_DIR)
            && !hints.contains_key(hk::NEXT_STANDALONE)
            && d.framework.as_deref() != Some("nextjs"));
    let version = version_for(d.stack, d.language_version.as_deref());
    let mut plan = Plan {
        name: "app".into(),
        stack: d.stack,
        framework: d.framework.clone(),
        package_manager: pm,
        language_version: Some(version.clone()),
        builder_image: None,
        runtime_image: String::new(),
        registry_prefix: None,
        port: d.port.filter(|p| *p != 0).unwrap_or(default_port(d.stack)),
        // A detected command with control characters (a hostile script name) is not
        // kept: the stack's default is used and the user can edit it.
        start_command: if d
            .start_command
            .iter()
            .any(|a| a.chars().any(char::is_control))
        {
            Vec::new()
        } else {
            d.start_command.clone()
        },
        install_steps: Vec::new(),
        build_steps: Vec::new(),
        cache_mounts: true,
        serve_static,
        services: Vec::new(),
        healthcheck: None,
        manifests,
        hints,
        user: "10001".into(),
        read_only: true,
        limits: Limits {
            memory: "512m".into(),
            cpus: "1.0".into(),
        },
        env: BTreeMap::new(),
        image_env: BTreeMap::new(),
    };
    stack_defaults(&mut plan, &version);
    if plan.serve_static {
        plan.runtime_image = NGINX_IMAGE.into();
        plan.port = NGINX_PORT;
        plan.start_command = vec!["nginx".into(), "-g".into(), "daemon off;".into()];
        plan.user = "101".into();
    }
    if plan.start_command.is_empty() {
        plan.start_command = fallback_command(plan.stack);
    }
    let health_path = d
        .health_path
        .clone()
        .filter(|p| is_safe_health_path(p))
        .or_else(|| plan.serve_static.then(|| "/".to_string()));
    plan.healthcheck = health_path.map(|path| Healthcheck {
        path: Some(path),
        command: None,
        interval_seconds: 30,
        timeout_seconds: 5,
        start_period_seconds: if plan.stack == Stack::Java { 60 } else { 20 },
        retries: 3,
    });
    let mut services = d.services.clone();
    services.sort();
    services.dedup();
    plan.services = services
        .iter()
        .map(|s| ServicePlan {
            kind: *s,
            image: service_image(*s).into(),
        })
        .collect();
    plan.env = wiring(&plan);
    plan.image_env = image_env(&plan, d.hints.get(hk::RUNTIME_ENV).map(String::as_str));
    plan
}

/// `ENV` of the final image: the detector's `runtime_env` lines (`KEY=value`, safe values
/// only) plus what the stack needs to listen on 0.0.0.0:port.
fn image_env(plan: &Plan, runtime_env: Option<&str>) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    if plan.serve_static {
        return env;
    }
    for line in runtime_env.unwrap_or_default().lines() {
        if let Some((k, v)) = line.split_once('=') {
            if is_env_key(k) && is_env_value(v) {
                env.insert(k.to_string(), v.to_string());
            }
        }
    }
    let port = plan.port.to_string();
    env.insert("PORT".into(), port.clone());
    match plan.stack {
        Stack::Dotnet => {
            env.insert("ASPNETCORE_HTTP_PORTS".into(), port);
        }
        Stack::Rust if plan.framework.as_deref() == Some("rocket") => {
            env.insert("ROCKET_ADDRESS".into(), "0.0.0.0".into());
            env.insert("ROCKET_PORT".into(), port);
        }
        _ => {}
    }
    env
}

/// Keep only hint values that are safe where templates put them.
fn clean_hints(raw: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    raw.iter()
        .filter(|(k, v)| match k.as_str() {
            hk::OUTPUT_DIR | hk::MAIN_PACKAGE | hk::DOCUMENT_ROOT | hk::PROJECT_FILE => {
                is_safe_relative_path(v)
            }
            hk::BUILD_SCRIPT | hk::BIN_NAME | hk::ASSEMBLY_NAME | hk::APP_MODULE => is_safe_name(v),
            hk::NEXT_STANDALONE | hk::WRAPPER => v.as_str() == "true" || v.as_str() == "false",
            _ => false,
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn default_version(stack: Stack) -> &'static str {
    match stack {
        Stack::Python => "3.12",
        Stack::Node => "22",
        Stack::Go => "1.23",
        Stack::Rust => "1.83",
        Stack::Java => "21",
        Stack::Ruby => "3.3",
        Stack::Php => "8.3",
        Stack::Dotnet => "8.0",
        Stack::Static => "1.27",
    }
}

/// The image tag version for a detected language version (`>=3.11` -> `3.11`,
/// `^20.1` -> `20`, `1.22.3` -> `1.22`); the stack default when it is unusable.
fn version_for(stack: Stack, detected: Option<&str>) -> String {
    let Some(raw) = detected else {
        return default_version(stack).into();
    };
    let digits: String = raw
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let parts: Vec<&str> = digits.split('.').filter(|p| !p.is_empty()).collect();
    let (Some(major), minor) = (parts.first(), parts.get(1)) else {
        return default_version(stack).into();
    };
    let Ok(major_n) = major.parse::<u32>() else {
        return default_version(stack).into();
    };
    let plausible = match stack {
        Stack::Python => major_n == 3,
        Stack::Node => (18..=30).contains(&major_n),
        Stack::Go | Stack::Rust => major_n == 1,
        Stack::Java => (11..=30).contains(&major_n),
        Stack::Ruby => (2..=4).contains(&major_n),
        Stack::Php => (7..=9).contains(&major_n),
        Stack::Dotnet => (6..=12).contains(&major_n),
        Stack::Static => false,
    };
    if !plausible {
        return default_version(stack).into();
    }
    match (stack, minor) {
        (Stack::Node | Stack::Java, _) => major.to_string(),
        (Stack::Dotnet, _) => format!("{major}.0"),
        (_, Some(m)) if m.len() <= 3 => format!("{major}.{m}"),
        _ => default_version(stack).into(),
    }
}

fn default_port(stack: Stack) -> u16 {
    match stack {
        Stack::Python => 8000,
        Stack::Node | Stack::Ruby => 3000,
        _ => 8080,
    }
}

fn fallback_command(stack: Stack) -> Vec<String> {
    let argv: &[&str] = match stack {
        Stack::Python => &["python", "main.py"],
        Stack::Node => &["node", "index.js"],
        Stack::Ruby => &["ruby", "app.rb"],
        _ => &["/app/server"],
    };
    argv.iter().map(|s| s.to_string()).collect()
}

fn hint<'a>(plan: &'a Plan, key: &str) -> Option<&'a str> {
    plan.hints.get(key).map(String::as_str)
}

fn has_manifest(plan: &Plan, name: &str) -> bool {
    plan.manifests
        .iter()
        .any(|m| m == name || m.ends_with(&format!("/{name}")))
}

/// pip-install `tools`, run `export` into /tmp/requirements.txt, pip-install that file.
fn export_then_pip(tools: &[&str], export: &[&str], pip_cache: &str) -> Vec<BuildStep> {
    let install_tools: Vec<&str> = ["pip", "install"].iter().chain(tools).copied().collect();
    let export: Vec<&str> = export
        .iter()
        .copied()
        .chain(["--output", "/tmp/requirements.txt"])
        .collect();
    vec![
        BuildStep::new(&install_tools, &[pip_cache]),
        BuildStep::new(&export, &[]),
        BuildStep::new(
            &["pip", "install", "-r", "/tmp/requirements.txt"],
            &[pip_cache],
        ),
    ]
}

fn stack_defaults(plan: &mut Plan, v: &str) {
    let pm = plan.package_manager.clone().unwrap_or_default();
    match plan.stack {
        Stack::Python => {
            let image = format!("python:{v}-slim-bookworm");
            plan.builder_image = Some(image.clone());
            plan.runtime_image = image;
            let pip_cache = "/root/.cache/pip";
            plan.install_steps = match pm.as_str() {
                "uv" => vec![
                    BuildStep::new(&["pip", "install", "uv==0.5.11"], &[pip_cache]),
                    BuildStep::new(
                        &["uv", "sync", "--frozen", "--no-dev", "--no-install-project"],
                        &["/root/.cache/uv"],
                    ),
                ],
                // Poetry and PDM export the locked dependencies to a requirements file, then
                // pip installs it: the runtime image needs neither tool. Poetry 2 reads both
                // project formats (`[tool.poetry]` with lock-version 2.0, and PEP 621
                // `[project]` with lock-version 2.1); Poetry 1.8 rejects the second.
                "poetry" => export_then_pip(
                    &["poetry==2.1.4", "poetry-plugin-export==1.9.0"],
                    &["poetry", "export", "--without-hashes"],
                    pip_cache,
                ),
                "pdm" => export_then_pip(
                    &["pdm==2.22.3"],
                    &["pdm", "export", "--prod", "--without-hashes"],
                    pip_cache,
                ),
                "pipenv" => vec![
                    BuildStep::new(&["pip", "install", "pipenv==2024.4.0"], &[pip_cache]),
                    BuildStep::new(&["pipenv", "sync"], &["/root/.cache/pipenv"]),
                ],
                _ if has_manifest(plan, "requirements.txt") => vec![BuildStep::new(
                    &["pip", "install", "-r", "requirements.txt"],
                    &[pip_cache],
                )],
                _ => Vec::new(),
            };
            if plan.install_steps.is_empty() && has_manifest(plan, "pyproject.toml") {
                plan.build_steps = vec![BuildStep::new(&["pip", "install", "."], &[pip_cache])];
            }
        }
        Stack::Node => {
            if pm == "bun" {
                bun_defaults(plan);
                return;
            }
            let image = format!("node:{v}-bookworm-slim");
            plan.builder_image = Some(image.clone());
            plan.runtime_image = image;
            plan.user = "node".into();
            let (install, cache): (&[&str], &str) = match pm.as_str() {
                "pnpm" => (
                    &["pnpm", "install", "--frozen-lockfile"],
                    "/root/.local/share/pnpm/store",
                ),
                "yarn" if has_manifest(plan, ".yarnrc.yml") => (
                    &["yarn", "install", "--immutable"],
                    "/root/.yarn/berry/cache",
                ),
                "yarn" => (
                    &["yarn", "install", "--frozen-lockfile"],
                    "/usr/local/share/.cache/yarn",
                ),
                _ if has_manifest(plan, "package-lock.json") => (&["npm", "ci"], "/root/.npm"),
                _ => (&["npm", "install"], "/root/.npm"),
            };
            if pm == "pnpm" || pm == "yarn" {
                plan.install_steps
                    .push(BuildStep::new(&["corepack", "enable"], &[]));
            }
            plan.install_steps.push(BuildStep::new(install, &[cache]));
            let runner = if pm == "pnpm" || pm == "yarn" {
                pm.as_str()
            } else {
                "npm"
            };
            if let Some(script) = hint(plan, hk::BUILD_SCRIPT).map(str::to_string) {
                plan.build_steps
                    .push(BuildStep::new(&[runner, "run", &script], &[]));
            }
            if runner == "npm" && !plan.serve_static {
                plan.build_steps
                    .push(BuildStep::new(&["npm", "prune", "--omit=dev"], &[cache]));
            }
            if hint(plan, hk::NEXT_STANDALONE) == Some("true") {
                plan.start_command = vec!["node".into(), "server.js".into()];
            }
            if plan.framework.as_deref() == Some("nextjs") {
                // next writes its image cache under .next/cache at run time.
                plan.read_only = false;
            }
        }
        Stack::Go => {
            plan.builder_image = Some(format!("golang:{v}-bookworm"));
            plan.runtime_image = "gcr.io/distroless/static-debian12:nonroot".into();
            plan.user = "nonroot:nonroot".into();
            let main = hint(plan, hk::MAIN_PACKAGE).unwrap_or(".").to_string();
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
        Stack::Rust => {
            plan.builder_image = Some(format!("rust:{v}-slim-bookworm"));
            plan.runtime_image = "debian:bookworm-slim".into();
            let bin = hint(plan, hk::BIN_NAME).unwrap_or("app").to_string();
            // `cargo build --bin` works for single packages and workspaces alike. The
            // target folder stays in the image layer (not a cache mount) so the binary can
            // be copied out without a shell; the registry and git checkouts are cached.
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
        Stack::Java => {
            let gradle = pm == "gradle";
            let wrapper = hint(plan, hk::WRAPPER) == Some("true");
            plan.builder_image = Some(match (gradle, wrapper) {
                (_, true) => format!("eclipse-temurin:{v}-jdk"),
                (true, false) => format!("gradle:8.10-jdk{v}"),
                (false, false) => format!("maven:3.9-eclipse-temurin-{v}"),
            });
            plan.runtime_image = format!("eclipse-temurin:{v}-jre");
            let tool = match (gradle, wrapper) {
                (true, true) => "./gradlew",
                (true, false) => "gradle",
                (false, true) => "./mvnw",
                (false, false) => "mvn",
            };
            if gradle {
                let cache = ["/root/.gradle"];
                let task = if plan.framework.as_deref() == Some("spring-boot") {
                    "bootJar"
                } else {
                    "jar"
                };
                plan.install_steps = vec![BuildStep::new(
                    &[tool, "dependencies", "--no-daemon"],
                    &cache,
                )];
                plan.build_steps = vec![BuildStep::new(
                    &[tool, task, "-x", "test", "--no-daemon"],
                    &cache,
                )];
            } else {
                let cache = ["/root/.m2"];
                plan.install_steps = vec![BuildStep::new(
                    &[tool, "-B", "dependency:go-offline"],
                    &cache,
                )];
                plan.build_steps = vec![BuildStep::new(
                    &[tool, "-B", "package", "-DskipTests"],
                    &cache,
                )];
            }
            plan.start_command = vec!["java".into(), "-jar".into(), "/app/app.jar".into()];
        }
        Stack::Ruby => {
            plan.runtime_image = format!("ruby:{v}-slim-bookworm");
            plan.install_steps = vec![BuildStep::new(
                &["bundle", "install"],
                &["/root/.bundle/cache"],
            )];
            if plan.framework.as_deref() == Some("rails") {
                // rails writes tmp/ and log/ inside the app folder.
                plan.read_only = false;
            }
        }
        Stack::Php => {
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
        Stack::Dotnet => {
            plan.builder_image = Some(format!("mcr.microsoft.com/dotnet/sdk:{v}"));
            plan.runtime_image = format!("mcr.microsoft.com/dotnet/aspnet:{v}-bookworm-slim");
            plan.user = "1654".into();
            let project = hint(plan, hk::PROJECT_FILE).map(str::to_string);
            let cache = ["/root/.nuget/packages"];
            let mut restore = vec!["dotnet".to_string(), "restore".into()];
            let mut publish = vec!["dotnet".to_string(), "publish".into()];
            if let Some(p) = &project {
                restore.push(p.clone());
                publish.push(p.clone());
            }
            publish.extend(["-c", "Release", "-o", "/out", "--no-restore"].map(String::from));
            plan.install_steps = vec![BuildStep {
                argv: restore,
                cache: cache.map(String::from).to_vec(),
            }];
            plan.build_steps = vec![BuildStep {
                argv: publish,
                cache: cache.map(String::from).to_vec(),
            }];
            let assembly = hint(plan, hk::ASSEMBLY_NAME)
                .map(str::to_string)
                .or_else(|| project.as_deref().and_then(assembly_from_project))
                .unwrap_or_else(|| "app".into());
            plan.start_command = vec!["dotnet".into(), format!("/app/{assembly}.dll")];
        }
        Stack::Static => {
            plan.runtime_image = NGINX_IMAGE.into();
        }
    }
    if plan.serve_static && plan.stack == Stack::Node {
        plan.build_steps
            .retain(|s| s.argv.get(1).map(String::as_str) != Some("prune"));
    }
}

/// Bun projects build and run on the official Bun image (its `bun` user is uid 1000).
fn bun_defaults(plan: &mut Plan) {
    let image = BUN_IMAGE.to_string();
    plan.builder_image = Some(image.clone());
    plan.runtime_image = image;
    plan.user = "bun".into();
    let cache = "/root/.bun/install/cache";
    let frozen = has_manifest(plan, "bun.lock") || has_manifest(plan, "bun.lockb");
    let mut install = vec!["bun", "install"];
    if frozen {
        install.push("--frozen-lockfile");
    }
    plan.install_steps = vec![BuildStep::new(&install, &[cache])];
    if let Some(script) = hint(plan, hk::BUILD_SCRIPT).map(str::to_string) {
        plan.build_steps = vec![BuildStep::new(&["bun", "run", &script], &[])];
    }
    if !plan.serve_static {
        // Drop dev dependencies from the image: reinstall production ones only.
        let mut prod = install.clone();
        prod.push("--production");
        plan.build_steps.push(BuildStep::new(&prod, &[cache]));
    }
}

fn assembly_from_project(path: &str) -> Option<String> {
    let file = path.rsplit('/').next()?;
    file.strip_suffix(".csproj")
        .or_else(|| file.strip_suffix(".fsproj"))
        .map(str::to_string)
}
