//! `berth engine|ports|build|up|ps|logs|stop|start|restart|rm|down` end to end: the real
//! binary against the real engine. Needs `bash scripts/start-dockerd.sh` (fails, not skips,
//! without an engine).
#![cfg(unix)] // the engine tests run against a Linux engine over its unix socket
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

const DOCKER: &str = "/usr/bin/docker";

fn berth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-berth-config")
        .output()
        .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A project folder removed (with everything labelled with it) on drop.
struct Project {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Project {
    fn new(dockerfile: Option<&str>) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("berth-cli-")
            .tempdir()
            .unwrap();
        let path = std::fs::canonicalize(dir.path()).unwrap();
        if let Some(df) = dockerfile {
            std::fs::copy("/bin/busybox", path.join("busybox")).unwrap();
            std::fs::write(path.join("Dockerfile"), df).unwrap();
        }
        Project { _dir: dir, path }
    }
    fn p(&self) -> &str {
        self.path.to_str().unwrap()
    }
    /// Ids of what `docker <list…> --filter label=dev.berth.project=<folder>` lists.
    fn labelled(&self, list: &[&str]) -> Vec<String> {
        let filter = format!("label=dev.berth.project={}", self.path.display());
        let o = Command::new(DOCKER)
            .args(list)
            .args(["--filter", &filter])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        for (list, rm) in [
            (&["ps", "-aq"][..], &["rm", "-f"][..]),
            (&["images", "-q"][..], &["rmi", "-f"][..]),
            (&["network", "ls", "-q"][..], &["network", "rm"][..]),
        ] {
            let ids = self.labelled(list);
            if !ids.is_empty() {
                let _ = Command::new(DOCKER).args(rm).args(&ids).output();
            }
        }
    }
}

const HTTPD: &str = "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
RUN mkdir -p /www && echo hello > /www/index.html && echo ok > /www/health\nUSER 65534\nEXPOSE 8080\n\
HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD [\"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"-\", \"http://127.0.0.1:8080/health\"]\n\
CMD [\"/bin/busybox\", \"sh\", \"-c\", \"echo cli-httpd-up; exec httpd -f -v -p 8080 -h /www\"]\n";

fn need_engine() {
    let o = berth(&["engine"]);
    assert!(
        o.status.success(),
        "these tests need a running engine: run `bash scripts/start-dockerd.sh`\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn engine_json_reports_endpoint_source_versions_and_buildkit() {
    need_engine();
    let v = json(&berth(&["engine", "--json"]));
    assert!(v["endpoint"].as_str().unwrap().starts_with("unix://"));
    assert!(v["source"]["kind"].is_string());
    assert!(!v["version"].as_str().unwrap().is_empty());
    assert!(!v["api_version"].as_str().unwrap().is_empty());
    assert_eq!(v["os"], "linux");
    assert!(v["buildkit_available"].is_boolean());
}

#[test]
fn no_engine_is_a_clear_error_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("dead.sock");
    drop(std::os::unix::net::UnixListener::bind(&sock).unwrap());
    let host = format!("unix://{}", sock.display());
    let o = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["engine"])
        .env("DOCKER_HOST", &host)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no container engine reachable"), "{err}");
    assert!(err.contains(&host), "{err}");
    assert!(err.contains("environment variable DOCKER_HOST"), "{err}");
    assert!(err.contains("colima start"), "{err}");
}

#[test]
fn ports_check_names_the_listener() {
    let l = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let v = json(&berth(&["ports", "check", &port, "--json"]));
    assert_eq!(v["free"], false);
    assert_eq!(v["owner"]["pid"], std::process::id());
    assert!(v["explanation"].as_str().unwrap().contains("in use by"));
    assert!(v["suggestion"].is_string());
    // scan lists it too
    let list = json(&berth(&[
        "ports",
        "scan",
        &format!("{port}-{port}"),
        "--json",
    ]));
    let rows = list.as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["port"].as_u64() == port.parse::<u64>().ok()
                && r["owner"]["pid"] == std::process::id()),
        "{list}"
    );
    drop(l);
    let v = json(&berth(&["ports", "check", &port, "--json"]));
    assert_eq!(v["free"], true);
    assert!(v["owner"].is_null());
    // bad input: exit 2, one line
    let o = berth(&["ports", "scan", "9-1"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1);
}

#[test]
fn up_ps_logs_lifecycle_down() {
    need_engine();
    let p = Project::new(Some(HTTPD));
    let l = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let taken = l.local_addr().unwrap().port();
    let fallback = portpicker_free();
    let range = format!("{fallback}-{fallback}");
    let v = json(&berth(&[
        "up",
        p.p(),
        "--port",
        &taken.to_string(),
        "--port-range",
        &range,
        "--json",
    ]));
    let name = v["container"].as_str().unwrap().to_string();
    assert_eq!(v["healthy"], true, "{v}");
    // 8080 (the fallback) may be busy on this machine; either way it is not the taken port.
    let host_port = v["host_port"].as_u64().unwrap() as u16;
    assert_ne!(host_port, taken);
    assert_eq!(v["port_conflict"]["requested"], taken);
    assert_eq!(
        v["port_conflict"]["check"]["owner"]["pid"],
        std::process::id()
    );
    assert_eq!(v["url"], format!("http://localhost:{host_port}"));
    assert_eq!(v["dockerfile"], "project");
    drop(l);

    let ps = json(&berth(&["ps", "--json"]));
    let me = ps
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name.as_str())
        .expect("listed")
        .clone();
    assert_eq!(me["state"], "running");
    assert_eq!(me["project"], p.p());

    let o = berth(&["logs", &name]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("cli-httpd-up"))
        .expect("log line");
    assert!(line.starts_with("20"), "timestamped: {line}");

    for cmd in ["stop", "start", "restart"] {
        let o = berth(&[cmd, &name]);
        assert!(
            o.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = berth(&["down", p.p()]);
    assert!(String::from_utf8_lossy(&o.stdout).contains(&name));
    let o = berth(&["rm", &name]);
    assert_eq!(o.status.code(), Some(2), "already gone: not found");
    // `down` keeps the image (as `docker compose down` does); `down --images` removes it.
    let labelled = || p.labelled(&["images", "-q"]).len();
    assert_eq!(labelled(), 1);
    let o = berth(&["down", "--images", p.p()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out_has(&o, "removed images berth-"), "{o:?}");
    assert_eq!(labelled(), 0);
}

fn out_has(o: &std::process::Output, s: &str) -> bool {
    String::from_utf8_lossy(&o.stdout).contains(s)
}

#[test]
fn build_prints_progress_and_targets() {
    need_engine();
    let p = Project::new(Some("FROM scratch\nCOPY busybox /bin/busybox\n"));
    let o = berth(&["build", p.p()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    // BuildKit (this engine has it): one step, no LABEL steps.
    assert!(err.contains("[1/1] COPY busybox /bin/busybox"), "{err}");
    assert!(out_has(&o, "buildkit builder"), "{err}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("image size: 2.0 MB (target < 100.0 MB) met"),
        "{out}"
    );
    assert!(out.contains("build time:"), "{out}");
}

#[test]
fn up_without_a_dockerfile_builds_the_generated_one_in_memory() {
    need_engine();
    // A detected project with no Dockerfile: Berth renders one in memory. No registry is
    // reachable here, so the build stops at pulling the base image; what matters is that
    // the generated Dockerfile was used and nothing was written into the folder.
    let p = Project::new(None);
    std::fs::write(p.path.join("index.html"), "<h1>hi</h1>\n").unwrap();
    let before: Vec<_> = std::fs::read_dir(&p.path)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let o = berth(&["up", p.p()]);
    let err = String::from_utf8_lossy(&o.stderr);
    // BuildKit resolves the generated Dockerfile's base image first.
    assert!(err.contains("load metadata for"), "{err}");
    assert!(err.contains("nginx"), "{err}");
    let after: Vec<_> = std::fs::read_dir(&p.path)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after);
    if !o.status.success() {
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(
            err.lines().filter(|l| l.starts_with("berth:")).count(),
            1,
            "{err}"
        );
    }
}

fn portpicker_free() -> u16 {
    let l = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn a_compose_project_runs_through_the_compose_tool() {
    need_engine();
    assert!(
        berth_core::compose::find_tool().tool.is_some(),
        "this test needs Compose v2 (the docker compose plugin): run scripts/setup-debian.sh"
    );
    let p = Project::new(Some(
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         RUN mkdir -p /www && echo hello > /www/index.html\nUSER 65534\n\
         CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
    ));
    let l = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let taken = l.local_addr().unwrap().port();
    std::fs::write(
        p.path.join("compose.yaml"),
        format!("services:\n  app:\n    build: .\n    ports:\n      - \"${{HOST_PORT:-{taken}}}:8080\"\n"),
    )
    .unwrap();
    let names = berth_core::names::ProjectNames::of(&std::fs::canonicalize(&p.path).unwrap());
    let name = names.compose_project();
    let _cleanup = ComposeCleanup(name.clone());
    let v = json(&berth(&["up", p.p(), "--json", "--write-port"]));
    assert_eq!(v["runner"], "compose_tool");
    assert_eq!(v["tool"], "docker compose");
    assert_eq!(v["compose_project"], name.as_str());
    assert_eq!(v["healthy"], true, "{v}");
    let port = v["host_port"].as_u64().unwrap() as u16;
    assert_ne!(
        port, taken,
        "the compose file's default port is held by this test"
    );
    assert!(
        v["port_conflict"]["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("{taken} is in use")),
        "{v}"
    );
    drop(l);
    // The compose tool's containers are Berth's: `berth ps` lists them with the folder.
    let ps = json(&berth(&["ps", "--json"]));
    let folder = std::fs::canonicalize(&p.path)
        .unwrap()
        .display()
        .to_string();
    let mine: Vec<_> = ps
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["project"] == folder.as_str())
        .collect();
    assert_eq!(mine.len(), 1, "{ps}");
    assert_eq!(mine[0]["managed"], true);
    assert_eq!(mine[0]["name"], v["container"]);
    let o = berth(&["down", "--images", p.p()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new(DOCKER)
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=com.docker.compose.project={name}"),
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).trim().is_empty());
    // --images: the service image Berth built for the compose file went too.
    assert_eq!(p.labelled(&["images", "-q"]), Vec::<String>::new());
}

#[test]
fn without_a_compose_tool_the_services_run_through_the_api() {
    need_engine();
    let p = Project::new(Some(
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         RUN mkdir -p /www && echo hello > /www/index.html\nUSER 65534\n\
         CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
    ));
    let port = portpicker_free();
    std::fs::write(
        p.path.join("compose.yaml"),
        format!(
            "services:\n  app:\n    build: .\n    ports:\n      - \"${{HOST_PORT:-{port}}}:8080\"\n    links: [x]\n"
        ),
    )
    .unwrap();
    let up = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_berth"))
            .args(args)
            .env("XDG_CONFIG_HOME", "/nonexistent-berth-config")
            .env("BERTH_COMPOSE_TOOL", "none")
            .output()
            .unwrap()
    };
    let o = up(&["up", p.p(), "--json"]);
    let v = json(&o);
    assert_eq!(v["runner"], "engine_api", "{v}");
    assert_eq!(v["healthy"], true, "{v}");
    assert_eq!(v["host_port"], port);
    let notes = v["notes"].to_string();
    assert!(notes.contains("`links` is not supported"), "{v}");
    assert!(notes.contains("BERTH_COMPOSE_TOOL=none"), "{v}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("through the Engine API"), "{err}");
    let ps = json(&berth(&["ps", "--json"]));
    assert!(
        ps.as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == v["container"] && c["project"] == p.p()),
        "{ps}"
    );
    let o = up(&["down", p.p()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ps = json(&berth(&["ps", "--json"]));
    assert!(
        !ps.as_array().unwrap().iter().any(|c| c["project"] == p.p()),
        "{ps}"
    );
    let net =
        berth_core::names::ProjectNames::of(&std::fs::canonicalize(&p.path).unwrap()).network();
    let o = Command::new(DOCKER)
        .args(["network", "ls", "-q", "--filter", &format!("name={net}")])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).trim().is_empty());
}

#[test]
fn with_only_compose_v1_a_compose_project_runs_through_the_api_and_down_removes_it_all() {
    need_engine();
    // A folder like one Berth containerized: an app and a backing service, and the top-level
    // `name:` key Compose v1 rejects. The only compose tool on PATH is Debian's v1.
    let v1 = std::path::Path::new("/usr/bin/docker-compose");
    assert!(
        v1.is_file(),
        "this test needs Debian's docker-compose (v1): apt-get install -y docker-compose"
    );
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(v1, bin.path().join("docker-compose")).unwrap();
    let p = Project::new(Some(
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         RUN mkdir -p /www && echo app-page > /www/index.html\nUSER 65534\n\
         CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
    ));
    let busybox_image = format!(
        "{}-cache:1",
        p.path.file_name().unwrap().to_string_lossy().to_lowercase()
    );
    let st = Command::new(DOCKER)
        .args([
            "build",
            "-q",
            "-t",
            &busybox_image,
            "--label",
            &format!("dev.berth.project={}", p.p()),
            p.p(),
        ])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let port = portpicker_free();
    std::fs::write(
        p.path.join("compose.yaml"),
        format!(
            "name: \"shop\"\nservices:\n  app:\n    build: .\n    ports:\n      - \"${{HOST_PORT:-{port}}}:8080\"\n    depends_on:\n      cache:\n        condition: service_healthy\n  cache:\n    image: {busybox_image}\n    healthcheck:\n      test: [\"CMD\", \"/bin/busybox\", \"true\"]\n      interval: 1s\n"
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_berth"))
            .args(args)
            .env("XDG_CONFIG_HOME", "/nonexistent-berth-config")
            .env("PATH", bin.path())
            .output()
            .unwrap()
    };
    let o = run(&["up", p.p(), "--json"]);
    let v = json(&o);
    assert_eq!(v["runner"], "engine_api", "{v}");
    assert_eq!(v["healthy"], true, "{v}");
    assert!(
        v["notes"][0].as_str().unwrap().contains("is Compose v1"),
        "{v}"
    );
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    use std::io::{Read, Write};
    write!(s, "GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut page = String::new();
    s.read_to_string(&mut page).unwrap();
    assert!(page.contains("app-page"), "{page}");
    assert_eq!(p.labelled(&["ps", "-aq"]).len(), 2);
    let o = run(&["down", "--images", p.p(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let d = json(&o);
    assert_eq!(d["containers"].as_array().unwrap().len(), 2, "{d}");
    assert_eq!(p.labelled(&["ps", "-aq"]), Vec::<String>::new());
}

/// Removes a compose project's containers and its built image.
struct ComposeCleanup(String);

impl Drop for ComposeCleanup {
    fn drop(&mut self) {
        let o = Command::new(DOCKER)
            .args([
                "ps",
                "-aq",
                "--filter",
                &format!("label=com.docker.compose.project={}", self.0),
            ])
            .output()
            .unwrap();
        let ids: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        if !ids.is_empty() {
            let _ = Command::new(DOCKER).args(["rm", "-f"]).args(&ids).output();
        }
        let _ = Command::new(DOCKER)
            .args(["rmi", "-f", &format!("{}_app", self.0)])
            .output();
        let _ = Command::new(DOCKER)
            .args(["network", "rm", &format!("{}_default", self.0)])
            .output();
    }
}

#[test]
fn up_watch_rebuilds_and_restarts_on_a_change() {
    use std::io::{BufRead, BufReader, Read, Write};
    need_engine();
    let p = Project::new(Some(
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         COPY www /www\nUSER 65534\nEXPOSE 8080\n\
         CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
    ));
    std::fs::create_dir(p.path.join("www")).unwrap();
    std::fs::write(p.path.join("www/index.html"), "version-one\n").unwrap();
    std::fs::write(p.path.join(".dockerignore"), "*.log\n").unwrap();
    let port = portpicker_free();
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["up", p.p(), "--watch", "--port", &port.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let _ = tx.send(line);
        }
    });
    let wait_healthy = |what: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(l) if l.starts_with("healthy: true") => return,
                Ok(_) => {}
                Err(_) => panic!("no healthy {what} in time"),
            }
        }
    };
    let get = || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        body
    };
    wait_healthy("first start");
    assert!(get().contains("version-one"));
    // A source file change rebuilds and restarts on the same port (that .dockerignored files
    // do not trigger a rebuild is covered by the engine::watch unit tests).
    std::fs::write(p.path.join("debug.log"), "noise\n").unwrap();
    std::thread::sleep(std::time::Duration::from_secs(1));
    std::fs::write(p.path.join("www/index.html"), "version-two\n").unwrap();
    wait_healthy("restart after the change");
    let body = get();
    // The rebuild's container replaced the first one, and the first image went with it.
    let images = p.labelled(&["images", "-q"]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(body.contains("version-two"), "{body}");
    assert_eq!(images.len(), 1, "one image left: {images:?}");
}

#[test]
fn rm_keeps_the_volumes_of_a_container_berth_did_not_create_unless_asked() {
    need_engine();
    let p = Project::new(Some(HTTPD));
    let tag = format!("berth-cli-rm-{}:1", std::process::id());
    let label = format!("dev.berth.project={}", p.p());
    let st = Command::new(DOCKER)
        .args(["build", "-q", "-t", &tag, "--label", &label, p.p()])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    // Two containers made by another tool (no Berth labels), each with an anonymous volume.
    let volume_of = |name: &str| -> String {
        let o = Command::new(DOCKER)
            .args(["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let volume_exists = |v: &str| {
        Command::new(DOCKER)
            .args(["volume", "inspect", v])
            .output()
            .unwrap()
            .status
            .success()
    };
    let mut volumes = Vec::new();
    for suffix in ["keep", "drop"] {
        let name = format!("berth-cli-rm-{}-{suffix}", std::process::id());
        let o = Command::new(DOCKER)
            .args(["create", "--name", &name, "-v", "/data", &tag])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        volumes.push((name.clone(), volume_of(&name)));
    }
    let (keep, keep_vol) = &volumes[0];
    let o = berth(&["rm", keep]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out_has(&o, "anonymous volumes were kept"), "{o:?}");
    assert!(
        volume_exists(keep_vol),
        "the volume of a container Berth did not create stays"
    );
    let (drop, drop_vol) = &volumes[1];
    let o = berth(&["rm", "--volumes", drop]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!volume_exists(drop_vol), "--volumes removes it");
    let _ = Command::new(DOCKER)
        .args(["volume", "rm", keep_vol])
        .output();
    let _ = Command::new(DOCKER).args(["rmi", "-f", &tag]).output();
}
