//! Node single-page apps (Angular, Create React App, Vite) built to static files, and the
//! static-file server conventions shared with the `static` stack.
//!
//! Static files are served by an unprivileged nginx (the `nginxinc/nginx-unprivileged`
//! image convention): it listens on 8080 because the container runs as non-root and cannot
//! bind port 80 without an added capability.

use super::detect::{pm_run, Pkg};
use crate::project::Project;
use crate::stacks::common::{argv, find_dep, find_line, find_re, json_key_line, re, Dep, Out};
use crate::stacks::hint_keys;
use crate::Result;
use regex::Regex;
use std::sync::LazyLock;

/// The port the static-file server listens on.
pub const STATIC_PORT: u16 = 8080;

/// The static-file server's command.
pub fn static_command() -> Vec<String> {
    argv(&["nginx", "-g", "daemon off;"])
}

static OUT_DIR: LazyLock<Regex> = LazyLock::new(|| re(r#"outDir\s*:\s*["']([^"']+)["']"#));

/// Record the static server's start command and port.
pub fn serve_static(out: &mut Out, file: &str) {
    out.start(
        static_command(),
        file,
        None,
        "static files served by nginx (unprivileged image)",
    );
    out.d.port = Some(STATIC_PORT);
    out.ev(
        "port",
        file,
        None,
        "default: the unprivileged nginx image listens on 8080",
    );
}

/// Returns true when the package is a single-page app (and fills `out`).
pub fn detect(out: &mut Out, project: &Project, pkg: &Pkg, deps: &[Dep]) -> Result<bool> {
    let (fw, dep) = if let Some(d) = find_dep(deps, "@angular/core") {
        ("angular", d)
    } else if let Some(d) = find_dep(deps, "react-scripts") {
        ("cra", d)
    } else if let Some(d) = find_dep(deps, "vite") {
        ("vite", d)
    } else {
        return Ok(false);
    };
    out.framework(
        fw,
        "package.json",
        dep.line,
        format!("dependency {}", dep.name),
    );
    if pkg.str(&["scripts", "build"]).is_none() {
        out.ev(
            "start_command",
            "package.json",
            None,
            "no scripts.build: the build step will fail",
        );
    } else {
        let cmd = pm_run(out.d.package_manager.as_deref().unwrap_or("npm"), "build");
        out.ev(
            "start_command",
            "package.json",
            pkg.line("build"),
            format!("built with `{}`", cmd.join(" ")),
        );
    }
    match fw {
        "angular" => angular_output(out, project)?,
        "cra" => {
            out.hint(hint_keys::OUTPUT_DIR, "build");
            out.ev(
                "start_command",
                "package.json",
                dep.line,
                "react-scripts build writes build/",
            );
        }
        _ => {
            let cfg = project.first_of(&[
                "vite.config.ts",
                "vite.config.js",
                "vite.config.mts",
                "vite.config.mjs",
            ]);
            let found = match cfg {
                Some(f) => find_re(&project.read(f)?, &OUT_DIR).map(|(d, l)| (d, f, l)),
                None => None,
            };
            match found {
                Some((d, f, l)) => {
                    out.ev("start_command", f, Some(l), format!("build.outDir is {d}"));
                    out.hint(hint_keys::OUTPUT_DIR, d);
                }
                None => {
                    out.hint(hint_keys::OUTPUT_DIR, "dist");
                    out.ev(
                        "start_command",
                        cfg.unwrap_or("package.json"),
                        None,
                        "Vite builds to dist/ by default",
                    );
                }
            }
        }
    }
    serve_static(out, "package.json");
    Ok(true)
}

fn angular_output(out: &mut Out, project: &Project) -> Result<()> {
    let Some(text) = project.read_opt("angular.json")? else {
        out.hint(hint_keys::OUTPUT_DIR, "dist");
        return Ok(());
    };
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| crate::Error::InvalidManifest {
            file: "angular.json".into(),
            line: Some(e.line() as u32),
            message: "invalid JSON".into(),
        })?;
    let projects = json.get("projects").and_then(|p| p.as_object());
    let first = json
        .get("defaultProject")
        .and_then(|d| d.as_str())
        .and_then(|d| projects.and_then(|p| p.get_key_value(d)))
        .or_else(|| projects.and_then(|p| p.iter().next()));
    let Some((name, proj)) = first else {
        out.hint(hint_keys::OUTPUT_DIR, "dist");
        return Ok(());
    };
    let build = proj.pointer("/architect/build");
    let builder = build
        .and_then(|b| b.get("builder"))
        .and_then(|b| b.as_str())
        .unwrap_or("");
    let application = builder.ends_with(":application");
    let output = build.and_then(|b| b.pointer("/options/outputPath"));
    let dir = match output {
        Some(serde_json::Value::String(s)) if application => format!("{s}/browser"),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Object(o)) => {
            let base = o.get("base").and_then(|b| b.as_str()).unwrap_or("dist");
            match o.get("browser").and_then(|b| b.as_str()) {
                Some("") => base.to_string(),
                Some(b) => format!("{base}/{b}"),
                None => format!("{base}/browser"),
            }
        }
        _ => format!("dist/{name}/browser"),
    };
    let line = json_key_line(&text, "outputPath").or_else(|| find_line(&text, "\"architect\""));
    out.ev(
        "start_command",
        "angular.json",
        line,
        format!("project {name} builds with {builder} to {dir}"),
    );
    out.hint(hint_keys::OUTPUT_DIR, dir);
    Ok(())
}
