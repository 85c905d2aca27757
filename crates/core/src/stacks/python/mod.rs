//! Python: detection (requirements.txt, pyproject.toml, Pipfile; Django, FastAPI, Flask,
//! plain scripts) and the plan defaults of Python images.

mod detect;
mod django;

use super::common::has_manifest;
use super::dev::{self, DevSettings};
use super::native::{Native, NativeSetup};
use super::{
    hint_keys, Detection, Stack, StackProvider, StackTemplates, VersionFormat, VersionRule,
};
use crate::plan::{BuildStep, Plan};
use crate::project::Project;
use crate::stacks::common::probe;
use crate::Result;

pub struct Python;

impl StackProvider for Python {
    fn stack(&self) -> Stack {
        Stack::Python
    }

    fn label(&self) -> &'static str {
        "Python"
    }

    fn framework_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[("fastapi", "FastAPI")]
    }

    fn templates(&self) -> StackTemplates {
        StackTemplates {
            dockerfile: "python/Dockerfile.j2",
            dockerignore: "dockerignore/python.j2",
        }
    }

    fn markers(&self) -> &'static [&'static str] {
        &["pyproject.toml", "requirements.txt", "Pipfile"]
    }

    fn detect(&self, project: &Project) -> Result<Option<Detection>> {
        detect::detect(project)
    }

    fn version(&self) -> VersionRule {
        VersionRule {
            default: "3.12",
            majors: Some(3..=3),
            format: VersionFormat::MajorMinor,
        }
    }

    fn default_port(&self) -> u16 {
        8000
    }

    fn fallback_command(&self) -> &'static [&'static str] {
        &["python", "main.py"]
    }

    fn plan_defaults(&self, plan: &mut Plan, v: &str) {
        python_defaults(plan, v);
    }

    fn http_probe(&self, _plan: &Plan, url: String) -> Vec<String> {
        probe(
            &[
                "python",
                "-c",
                "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=4)",
            ],
            url,
        )
    }

    fn probe_needs_busybox(&self) -> bool {
        false
    }

    fn dev(&self, plan: &Plan) -> DevSettings {
        python_dev(plan)
    }

    fn native(&self, plan: &Plan) -> Native {
        python_native(plan)
    }
}

/// On the host as in the image: a private virtualenv (`{tools}/venv`, also uv's project
/// environment), the plan's install and build steps in it, the app unbuffered.
fn python_native(plan: &Plan) -> Native {
    use super::native::{plan_steps, TOOLS};
    let venv = format!("{TOOLS}/venv");
    let env = [
        ("VIRTUAL_ENV", venv.as_str()),
        ("UV_PROJECT_ENVIRONMENT", venv.as_str()),
        ("PIPENV_VENV_IN_PROJECT", "1"),
        ("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
        ("PYTHONUNBUFFERED", "1"),
    ];
    Native::Runs(NativeSetup {
        programs: vec!["python3".into()],
        install_hint: "Python 3 with its venv module (python3, python3-venv)",
        version: vec!["python3".into(), "--version".into()],
        prepare: vec![vec![
            "python3".into(),
            "-m".into(),
            "venv".into(),
            venv.clone(),
        ]],
        steps: plan_steps(plan, |_| false),
        path: vec![
            format!("{venv}/bin"),
            format!("{}/.venv/bin", super::native::APP),
        ],
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        run_env: Default::default(),
    })
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

/// The official slim image for build and run; dependencies installed by the project's
/// package manager (exported to a requirements file for Poetry and PDM).
fn python_defaults(plan: &mut Plan, v: &str) {
    let pm = plan.package_manager.clone().unwrap_or_default();
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
        // project formats (`[tool.poetry]` with lock-version 2.0, and PEP 621 `[project]`
        // with lock-version 2.1); Poetry 1.8 rejects the second.
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

/// Python's dev servers, each reloading on a change of the mounted source: Django's
/// runserver, Flask's debug server, uvicorn or gunicorn with `--reload`.
fn python_dev(plan: &Plan) -> DevSettings {
    let base = DevSettings::mounted("/app");
    let port = dev::port(plan);
    match plan.framework.as_deref() {
        Some("django") => {
            return base.running(dev::argv(&[
                "python",
                "manage.py",
                "runserver",
                &format!("0.0.0.0:{port}"),
            ]))
        }
        Some("flask") => {
            let app = plan
                .hints
                .get(hint_keys::APP_MODULE)
                .map(String::as_str)
                .unwrap_or("app");
            return base.running(dev::argv(&[
                "python", "-m", "flask", "--app", app, "run", "--debug", "--host", "0.0.0.0",
                "--port", &port,
            ]));
        }
        _ => {}
    }
    let cmd = &plan.start_command;
    let has = |a: &str| cmd.iter().any(|c| c == a);
    if has("uvicorn") {
        let mut c = cmd.clone();
        if !has("--reload") {
            c.push("--reload".into());
        }
        return base.running(c);
    }
    if cmd.first().map(String::as_str) == Some("gunicorn") {
        let mut c = cmd.clone();
        if !has("--reload") {
            c.insert(1, "--reload".into());
        }
        return base.running(c);
    }
    base.noting("no reload command is known for this app: restart the service to pick up a change")
}
