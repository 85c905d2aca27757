//! Django specifics for the Python detector: the WSGI/ASGI application named in settings
//! (`WSGI_APPLICATION` / `ASGI_APPLICATION`), the database engine, health routes in urls.py.

use crate::project::Project;
use crate::stacks::common::{argv, find_dep, find_re, re, Dep, Out};
use crate::stacks::{hint_keys, Service};
use crate::Result;
use regex::Regex;
use std::sync::LazyLock;

static WSGI_SETTING: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?m)^WSGI_APPLICATION\s*=\s*["']([\w.]+)["']"#));
static ASGI_SETTING: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?m)^ASGI_APPLICATION\s*=\s*["']([\w.]+)["']"#));
static DJANGO_DB: LazyLock<Regex> =
    LazyLock::new(|| re(r#"["']django\.db\.backends\.(postgresql|postgresql_psycopg2|mysql)["']"#));
static DJANGO_HEALTH: LazyLock<Regex> =
    LazyLock::new(|| re(r#"path\(\s*["']((?:api/)?(?:healthz?|livez|readyz?))/?["']"#));

pub fn start(
    out: &mut Out,
    project: &Project,
    deps: &[Dep],
    sources: &[&str],
    port: &str,
) -> Result<()> {
    let mut wsgi = None;
    let mut asgi = None;
    for f in sources.iter().filter(|f| f.contains("settings")) {
        let text = project.read(f)?;
        if let Some((m, l)) = find_re(&text, &WSGI_SETTING) {
            wsgi.get_or_insert((m, f.to_string(), l));
        }
        if let Some((m, l)) = find_re(&text, &ASGI_SETTING) {
            asgi.get_or_insert((m, f.to_string(), l));
        }
        if let Some((engine, l)) = find_re(&text, &DJANGO_DB) {
            let svc = if engine.starts_with("postgresql") {
                Service::Postgres
            } else {
                Service::Mysql
            };
            out.service(
                svc,
                f,
                Some(l),
                format!("DATABASES ENGINE django.db.backends.{engine}"),
            );
        }
    }
    // "mysite.wsgi.application" -> "mysite.wsgi:application"
    let colon = |m: &str| match m.rsplit_once('.') {
        Some((a, b)) => format!("{a}:{b}"),
        None => m.to_string(),
    };
    let uvicorn = find_dep(deps, "uvicorn").or(find_dep(deps, "uvicorn[standard]"));
    let asgi_app = asgi.clone().or_else(|| {
        let w = wsgi.as_ref()?;
        let asgi_file =
            w.0.rsplit_once('.')?
                .0
                .replace(".wsgi", "/asgi.py")
                .replace('.', "/");
        project
            .has(&asgi_file)
            .then(|| (w.0.replace(".wsgi.", ".asgi."), asgi_file, 1))
    });
    if let (Some(u), Some((m, f, l))) = (uvicorn, asgi_app.as_ref()) {
        let app = colon(m);
        out.hint(hint_keys::APP_MODULE, app.clone());
        out.ev(
            "start_command",
            f,
            Some(*l),
            format!("ASGI application {m}"),
        );
        let (uf, ul) = (u.file.clone(), u.line);
        out.start(
            argv(&["uvicorn", &app, "--host", "0.0.0.0", "--port", port]),
            &uf,
            ul,
            "uvicorn in the dependencies",
        );
        return Ok(());
    }
    if let Some((m, f, l)) = &wsgi {
        let app = colon(m);
        out.hint(hint_keys::APP_MODULE, app.clone());
        out.ev(
            "start_command",
            f,
            Some(*l),
            format!("WSGI_APPLICATION = {m}"),
        );
        if let Some(g) = find_dep(deps, "gunicorn") {
            let (gf, gl) = (g.file.clone(), g.line);
            let bind = format!("0.0.0.0:{port}");
            out.start(
                argv(&["gunicorn", "--bind", &bind, &app]),
                &gf,
                gl,
                "gunicorn in the dependencies",
            );
            return Ok(());
        }
    }
    let bind = format!("0.0.0.0:{port}");
    out.start(
        argv(&["python", "manage.py", "runserver", &bind]),
        "manage.py",
        None,
        "Django's development server (no gunicorn/uvicorn in the dependencies)",
    );
    Ok(())
}

/// Django routes have no leading slash: `path("healthz/", ...)` in a urls.py.
pub fn health(out: &mut Out, project: &Project, sources: &[&str]) {
    for f in sources.iter().filter(|f| f.ends_with("urls.py")) {
        let Ok(text) = project.read(f) else { continue };
        if let Some((p, l)) = find_re(&text, &DJANGO_HEALTH) {
            let path = format!("/{p}/");
            out.ev("health_path", f, Some(l), format!("Django route {path}"));
            out.d.health_path = Some(path);
            return;
        }
    }
}
