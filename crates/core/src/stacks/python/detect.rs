//! Python: requirements.txt, pyproject.toml (Poetry, uv, PDM, setuptools), Pipfile;
//! Django, FastAPI, Flask, plain scripts.
//!
//! `start_command` assumes the dependencies are installed on `PATH` (a virtualenv whose
//! `bin` is on `PATH`), so it names `gunicorn`/`uvicorn` directly rather than `poetry run`.

use crate::project::Project;
use crate::stacks::common::{
    argv, find_dep, find_line, find_re, re, resolve_port, scan_health, services_from, toml_error,
    toml_key_line, version_file, Dep, Out, SOURCE_BUDGET,
};
use crate::stacks::{hint_keys, Detection, Service, Stack};
use crate::Result;
use regex::Regex;
use std::sync::LazyLock;

const MANIFESTS: &[&str] = &[
    "pyproject.toml",
    "requirements.txt",
    "Pipfile",
    "setup.py",
    "setup.cfg",
];
const LOCKS: &[&str] = &["poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock"];
const SCRIPTS: &[&str] = &[
    "main.py",
    "app.py",
    "server.py",
    "run.py",
    "bot.py",
    "wsgi.py",
    "asgi.py",
];

const SERVICES: &[(&str, Service)] = &[
    ("redis", Service::Redis),
    ("aioredis", Service::Redis),
    ("django-redis", Service::Redis),
    ("psycopg2", Service::Postgres),
    ("psycopg2-binary", Service::Postgres),
    ("psycopg", Service::Postgres),
    ("asyncpg", Service::Postgres),
    ("pg8000", Service::Postgres),
    ("mysqlclient", Service::Mysql),
    ("pymysql", Service::Mysql),
    ("mysql-connector-python", Service::Mysql),
    ("aiomysql", Service::Mysql),
    ("pymongo", Service::Mongodb),
    ("motor", Service::Mongodb),
    ("mongoengine", Service::Mongodb),
    ("pika", Service::Rabbitmq),
    ("aio-pika", Service::Rabbitmq),
    ("pymemcache", Service::Memcached),
    ("python-memcached", Service::Memcached),
    ("pylibmc", Service::Memcached),
];

static REQ_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?"));
static VERSION: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+\.\d+(?:\.\d+)?)"));
static FLASK_APP: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^(\w+)\s*(?::\s*\w+\s*)?=\s*(?:flask\.)?Flask\("));
static FLASK_FACTORY: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^def (create_app)\("));
static FASTAPI_APP: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^(\w+)\s*(?::\s*\w+\s*)?=\s*(?:fastapi\.)?FastAPI\("));
static MAIN_GUARD: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?m)^if __name__ == ["']__main__["']"#));
static GUNICORN_BIND: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?m)^bind\s*=\s*\[?\s*["'][^"':]*:(\d{1,5})["']"#));
static PORT_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"\.run\([^)]*\bport\s*=\s*(\d{2,5})"),
        re(r#"(?:environ\.get|getenv)\(\s*["']PORT["']\s*,\s*["']?(\d{2,5})"#),
        re(r#"\.bind\(\(\s*["'][^"']*["']\s*,\s*(\d{2,5})\s*\)"#),
        re(r#"runserver["'\s,]+["']?(?:[\d.]+:)?(\d{2,5})"#),
    ]
});

pub(super) fn detect(project: &Project) -> Result<Option<Detection>> {
    let manifest = project.first_of(MANIFESTS);
    // A lone script counts only when no package.json claims the folder for Node.
    let script = (!project.has("package.json"))
        .then(|| {
            project
                .first_of(SCRIPTS)
                .or(project.first_of(&["manage.py"]))
        })
        .flatten();
    let mut out = match (manifest, script) {
        (Some(m), _) => Out::new(Stack::Python, m, None, format!("{m} at the root")),
        (None, Some(s)) => Out::new(
            Stack::Python,
            s,
            None,
            format!("Python script {s} at the root"),
        ),
        (None, None) => return Ok(None),
    };
    out.manifests(project, MANIFESTS);
    out.manifests(project, LOCKS);
    out.manifests(project, &[".python-version"]);

    let mut deps = Vec::new();
    let pyproject = match project.read_opt("pyproject.toml")? {
        Some(text) => {
            let doc: toml::Table =
                toml::from_str(&text).map_err(|e| toml_error("pyproject.toml", &text, &e))?;
            pyproject_deps(&doc, &text, &mut deps);
            Some((doc, text))
        }
        None => None,
    };
    if let Some(text) = project.read_opt("requirements.txt")? {
        requirements_deps(&text, "requirements.txt", &mut deps);
        // `-r requirements/base.txt`: read included files (one level) and record them as
        // manifests, since installing requirements.txt needs them in the image.
        for inc in included_requirements(&text) {
            if let Some(t) = project.read_opt(&inc)? {
                out.manifests(project, &[inc.as_str()]);
                requirements_deps(&t, &inc, &mut deps);
            }
        }
    }
    let pipfile = match project.read_opt("Pipfile")? {
        Some(text) => {
            let doc: toml::Table =
                toml::from_str(&text).map_err(|e| toml_error("Pipfile", &text, &e))?;
            for key in ["packages"] {
                if let Some(t) = doc.get(key).and_then(|v| v.as_table()) {
                    for name in t.keys() {
                        deps.push(Dep::new(name, "Pipfile", toml_key_line(&text, name)));
                    }
                }
            }
            Some((doc, text))
        }
        None => None,
    };

    package_manager(&mut out, project, pyproject.as_ref(), pipfile.is_some());
    language_version(&mut out, project, pyproject.as_ref(), pipfile.as_ref())?;
    services_from(&mut out, &deps, SERVICES);

    let sources = project.sources(&[".py"], SOURCE_BUDGET);
    let has = |n: &str| find_dep(&deps, n).is_some();
    let framework = if has("django") || project.has("manage.py") {
        "django"
    } else if has("fastapi") {
        "fastapi"
    } else if has("flask") {
        "flask"
    } else {
        ""
    };
    if !framework.is_empty() {
        match find_dep(&deps, framework) {
            Some(d) => out.framework(framework, &d.file, d.line, format!("dependency {}", d.name)),
            None => out.framework(
                framework,
                "manage.py",
                None,
                "Django's manage.py at the root",
            ),
        }
    }

    let config = match project.read_opt("gunicorn.conf.py")? {
        Some(t) => find_re(&t, &GUNICORN_BIND).and_then(|(p, l)| {
            crate::stacks::common::port_of(
                &p,
                "gunicorn.conf.py",
                Some(l),
                "bind in gunicorn.conf.py (explicit configuration)",
            )
        }),
        None => None,
    };
    let default = match framework {
        "flask" => Some((5000, "Flask's development server listens on 5000")),
        "django" => Some((8000, "Django's runserver listens on 8000")),
        "fastapi" => Some((8000, "uvicorn/FastAPI listen on 8000")),
        _ => None,
    };
    let res: Vec<&Regex> = PORT_RES.iter().collect();
    resolve_port(&mut out, project, config, &sources, &res, default)?;
    let port = out
        .d
        .port
        .map(|p| p.to_string())
        .unwrap_or_else(|| "8000".into());

    match framework {
        "django" => super::django::start(&mut out, project, &deps, &sources, &port)?,
        "fastapi" | "flask" => asgi_or_wsgi(&mut out, project, &deps, &sources, framework, &port),
        _ => plain(&mut out, project, pyproject.as_ref(), &sources),
    }
    scan_health(&mut out, project, &sources);
    if out.d.health_path.is_none() && framework == "django" {
        super::django::health(&mut out, project, &sources);
    }
    Ok(Some(out.finish(project)))
}

fn pyproject_deps(doc: &toml::Table, text: &str, deps: &mut Vec<Dep>) {
    let pep621 = doc
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array());
    for spec in pep621.into_iter().flatten().filter_map(|v| v.as_str()) {
        if let Some(c) = REQ_NAME.captures(spec.trim()) {
            let name = &c[1];
            let full = c.get(0).map(|m| m.as_str()).unwrap_or(name);
            deps.push(Dep::new(
                full,
                "pyproject.toml",
                find_line(text, &format!("\"{name}")),
            ));
            if full != name {
                deps.push(Dep::new(
                    name,
                    "pyproject.toml",
                    find_line(text, &format!("\"{name}")),
                ));
            }
        }
    }
    let poetry = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_table());
    for name in poetry.into_iter().flat_map(|t| t.keys()) {
        if name != "python" {
            deps.push(Dep::new(name, "pyproject.toml", toml_key_line(text, name)));
        }
    }
}

/// Files named by `-r FILE` / `--requirement FILE` / `-c FILE` lines, relative to the root.
fn included_requirements(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.split('#').next().unwrap_or("").trim();
            ["-r", "--requirement", "-c", "--constraint"]
                .iter()
                .find_map(|flag| l.strip_prefix(flag))
                .map(|rest| rest.trim_start_matches('=').trim())
                .filter(|f| !f.is_empty() && !f.contains("..") && !f.starts_with('/'))
                .map(|f| f.trim_start_matches("./").to_string())
        })
        .collect()
}

fn requirements_deps(text: &str, file: &str, deps: &mut Vec<Dep>) {
    for (i, l) in text.lines().enumerate() {
        let l = l.split('#').next().unwrap_or("").trim();
        if l.is_empty() || l.starts_with('-') {
            continue;
        }
        if let Some(c) = REQ_NAME.captures(l) {
            let line = Some(i as u32 + 1);
            deps.push(Dep::new(&c[1], file, line));
            if let Some(m) = c.get(0).filter(|m| m.as_str() != &c[1]) {
                deps.push(Dep::new(m.as_str(), file, line));
            }
        }
    }
}

fn package_manager(
    out: &mut Out,
    project: &Project,
    pyproject: Option<&(toml::Table, String)>,
    pipfile: bool,
) {
    let tool = |name: &str| {
        pyproject.and_then(|(doc, text)| {
            doc.get("tool")
                .and_then(|t| t.get(name))
                .map(|_| find_line(text, &format!("[tool.{name}")))
        })
    };
    if project.has("uv.lock") {
        out.package_manager("uv", "uv.lock", None, "uv.lock lockfile");
    } else if project.has("poetry.lock") {
        out.package_manager("poetry", "poetry.lock", None, "poetry.lock lockfile");
    } else if project.has("pdm.lock") {
        out.package_manager("pdm", "pdm.lock", None, "pdm.lock lockfile");
    } else if pipfile {
        let f = if project.has("Pipfile.lock") {
            "Pipfile.lock"
        } else {
            "Pipfile"
        };
        out.package_manager("pipenv", f, None, format!("{f} (Pipenv)"));
    } else if let Some(l) = tool("poetry") {
        out.package_manager(
            "poetry",
            "pyproject.toml",
            l,
            "[tool.poetry] in pyproject.toml",
        );
    } else if let Some(l) = tool("uv") {
        out.package_manager("uv", "pyproject.toml", l, "[tool.uv] in pyproject.toml");
    } else if let Some(l) = tool("pdm") {
        out.package_manager("pdm", "pyproject.toml", l, "[tool.pdm] in pyproject.toml");
    } else if project.has("requirements.txt") {
        out.package_manager("pip", "requirements.txt", None, "requirements.txt (pip)");
    } else if let Some((doc, text)) = pyproject {
        let backend = doc
            .get("build-system")
            .and_then(|b| b.get("build-backend"))
            .and_then(|b| b.as_str())
            .unwrap_or("setuptools.build_meta");
        out.package_manager(
            "pip",
            "pyproject.toml",
            find_line(text, "build-backend"),
            format!("pyproject.toml installed with pip (build backend {backend})"),
        );
    } else if project.has("setup.py") {
        out.package_manager(
            "pip",
            "setup.py",
            None,
            "setup.py (setuptools, installed with pip)",
        );
    }
}

fn language_version(
    out: &mut Out,
    project: &Project,
    pyproject: Option<&(toml::Table, String)>,
    pipfile: Option<&(toml::Table, String)>,
) -> Result<()> {
    let num = |s: &str| VERSION.captures(s).map(|c| c[1].to_string());
    if let Some((v, line)) = version_file(project, ".python-version")? {
        if let Some(n) = num(&v) {
            out.version(
                &n,
                ".python-version",
                Some(line),
                format!(".python-version says {v}"),
            );
        }
    }
    if let Some((doc, text)) = pyproject {
        let req = doc
            .get("project")
            .and_then(|p| p.get("requires-python"))
            .or_else(|| {
                doc.get("tool")
                    .and_then(|t| t.get("poetry"))
                    .and_then(|p| p.get("dependencies"))
                    .and_then(|d| d.get("python"))
            })
            .and_then(|v| v.as_str());
        if let Some(r) = req {
            if let Some(n) = num(r) {
                let line =
                    find_line(text, "requires-python").or_else(|| find_line(text, "python ="));
                out.version(
                    &n,
                    "pyproject.toml",
                    line,
                    format!("Python requirement {r}"),
                );
            }
        }
    }
    if let Some((doc, text)) = pipfile {
        if let Some(r) = doc
            .get("requires")
            .and_then(|r| r.get("python_version"))
            .and_then(|v| v.as_str())
        {
            out.version(
                r,
                "Pipfile",
                find_line(text, "python_version"),
                format!("python_version = {r}"),
            );
        }
    }
    if let Some((v, line)) = version_file(project, "runtime.txt")? {
        if let Some(n) = num(&v) {
            out.version(
                &n,
                "runtime.txt",
                Some(line),
                format!("runtime.txt says {v}"),
            );
        }
    }
    Ok(())
}

/// `src/app/main.py` -> `app.main` (`src` is the source root of a src layout, put on the
/// image's PYTHONPATH: see [`SRC_LAYOUT_ENV`]); `pkg/__init__.py` -> `pkg`.
pub(super) fn module_of(file: &str) -> String {
    let f = file.strip_suffix(".py").unwrap_or(file);
    let f = f.strip_suffix("/__init__").unwrap_or(f);
    let f = f.strip_prefix("src/").unwrap_or(f);
    f.replace('/', ".")
}

/// A src layout's package imports itself by its own name (`from app.db import ...`), so
/// `src` must be on the path: the image's `ENV` (the app lives in /app).
const SRC_LAYOUT_ENV: &str = "PYTHONPATH=/app/src";

fn asgi_or_wsgi(
    out: &mut Out,
    project: &Project,
    deps: &[Dep],
    sources: &[&str],
    fw: &str,
    port: &str,
) {
    let (app_re, factory) = if fw == "flask" {
        (&*FLASK_APP, Some(&*FLASK_FACTORY))
    } else {
        (&*FASTAPI_APP, None)
    };
    let mut module = None;
    for f in sources {
        let Ok(text) = project.read(f) else { continue };
        if let Some((var, line)) = find_re(&text, app_re) {
            module = Some((format!("{}:{var}", module_of(f)), f.to_string(), line));
            break;
        }
        if let Some((var, line)) = factory.and_then(|r| find_re(&text, r)) {
            module = Some((format!("{}:{var}()", module_of(f)), f.to_string(), line));
            break;
        }
    }
    let (app, file, line) = match module {
        Some(m) => m,
        None => ("app:app".to_string(), String::new(), 0),
    };
    if !file.is_empty() {
        out.hint(hint_keys::APP_MODULE, app.clone());
        out.ev(
            "start_command",
            &file,
            Some(line),
            format!("application object {app}"),
        );
        if file.starts_with("src/") {
            out.hint(hint_keys::RUNTIME_ENV, SRC_LAYOUT_ENV);
            out.ev(
                "start_command",
                &file,
                None,
                format!("src layout: {SRC_LAYOUT_ENV} in the image"),
            );
        }
    }
    let has = |n: &str| find_dep(deps, n);
    let bind = format!("0.0.0.0:{port}");
    if fw == "fastapi" {
        let d = has("uvicorn")
            .or(has("uvicorn[standard]"))
            .or(has("fastapi[standard]"));
        let detail = match d {
            Some(d) => format!("uvicorn from dependency {} ({})", d.name, d.file),
            None => "uvicorn (FastAPI's server; not listed in the dependencies)".to_string(),
        };
        let (f, l) = d
            .map(|d| (d.file.clone(), d.line))
            .unwrap_or((file.clone(), None));
        out.start(
            argv(&["uvicorn", &app, "--host", "0.0.0.0", "--port", port]),
            &f,
            l,
            detail,
        );
    } else if let Some(d) = has("gunicorn") {
        let (f, l) = (d.file.clone(), d.line);
        out.start(
            argv(&["gunicorn", "--bind", &bind, &app]),
            &f,
            l,
            "gunicorn in the dependencies",
        );
    } else {
        let module = app.split(':').next().unwrap_or("app").to_string();
        out.start(
            argv(&[
                "python", "-m", "flask", "--app", &module, "run", "--host", "0.0.0.0", "--port",
                port,
            ]),
            &file,
            None,
            "Flask's own server (no gunicorn in the dependencies)",
        );
    }
}

fn plain(
    out: &mut Out,
    project: &Project,
    pyproject: Option<&(toml::Table, String)>,
    sources: &[&str],
) {
    if let Some((doc, text)) = pyproject {
        let scripts = doc
            .get("project")
            .and_then(|p| p.get("scripts"))
            .and_then(|s| s.as_table());
        if let Some((name, _)) = scripts.and_then(|s| s.iter().next()) {
            out.start(
                vec![name.clone()],
                "pyproject.toml",
                find_line(text, "[project.scripts]"),
                format!("console script {name} from [project.scripts]"),
            );
            return;
        }
    }
    let guarded = SCRIPTS.iter().chain(sources.iter()).find(|f| {
        project
            .read_opt(f)
            .ok()
            .flatten()
            .is_some_and(|t| MAIN_GUARD.is_match(&t))
    });
    let script = guarded.copied().or_else(|| project.first_of(SCRIPTS));
    if let Some(s) = script {
        let line = project
            .read(s)
            .ok()
            .and_then(|t| find_re(&t, &MAIN_GUARD))
            .map(|(_, l)| l);
        out.start(argv(&["python", s]), s, line, format!("script {s}"));
    }
}
