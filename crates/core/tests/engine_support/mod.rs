//! Shared helpers for the engine tests: a real engine (never skipped), busybox-based test
//! projects (no registry needed), and a guard that removes every container and image a test
//! created (by the project label) even when the test fails.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use berth_core::docker::Engine;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const DOCKER: &str = "/usr/bin/docker";

/// Connect to the engine or fail the test with how to start one.
pub async fn engine() -> Engine {
    match Engine::connect().await {
        Ok(e) => e,
        Err(e) => panic!(
            "engine tests need a running engine: run `bash scripts/start-dockerd.sh` first.\n{e}"
        ),
    }
}

/// A temporary project folder; dropping it removes the containers and images labelled
/// with its path, then the folder.
pub struct TestProject {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl TestProject {
    /// A folder with busybox and the given Dockerfile.
    pub fn new(dockerfile: &str) -> TestProject {
        let dir = tempfile::Builder::new()
            .prefix("berth-eng-")
            .tempdir()
            .unwrap();
        let path = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::copy("/bin/busybox", path.join("busybox"))
            .expect("busybox-static at /bin/busybox");
        std::fs::write(path.join("Dockerfile"), dockerfile).unwrap();
        TestProject { dir, path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A unique, lowercase name usable as container name and image repository.
    pub fn name(&self, what: &str) -> String {
        let base = self
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_lowercase();
        format!("{base}-{what}").replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-")
    }
}

/// Remove every container and image labelled with `project`.
pub fn clean_label(project: &Path) {
    let filter = format!("label=dev.berth.project={}", project.display());
    let ids = |args: &[&str]| -> Vec<String> {
        let out = Command::new(DOCKER).args(args).output();
        out.map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
    };
    let cs = ids(&["ps", "-aq", "--filter", &filter]);
    if !cs.is_empty() {
        let _ = Command::new(DOCKER).arg("rm").arg("-f").args(&cs).output();
    }
    let is = ids(&["images", "-q", "--filter", &filter]);
    if !is.is_empty() {
        let _ = Command::new(DOCKER).arg("rmi").arg("-f").args(&is).output();
    }
    // Networks of compose projects run through the API.
    let ns = ids(&["network", "ls", "-q", "--filter", &filter]);
    if !ns.is_empty() {
        let _ = Command::new(DOCKER)
            .args(["network", "rm"])
            .args(&ns)
            .output();
    }
    // Named volumes of compose projects and deployments.
    let vs = ids(&["volume", "ls", "-q", "--filter", &filter]);
    if !vs.is_empty() {
        let _ = Command::new(DOCKER)
            .args(["volume", "rm", "-f"])
            .args(&vs)
            .output();
    }
}

impl Drop for TestProject {
    fn drop(&mut self) {
        clean_label(&self.path);
    }
}

/// Removes a container by name on drop (for containers made outside Berth in a test).
pub struct ContainerGuard(pub String);

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        let _ = Command::new(DOCKER).args(["rm", "-f", &self.0]).output();
    }
}

/// A busybox httpd serving /www on 8080 with a HEALTHCHECK on /health.
pub fn httpd_dockerfile(healthcheck: bool, health_file: bool) -> String {
    let mut s = String::from(
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n",
    );
    s.push_str("RUN mkdir -p /www && echo hello > /www/index.html\n");
    if health_file {
        s.push_str("RUN echo ok > /www/health\n");
    }
    s.push_str("USER 65534\nEXPOSE 8080\n");
    if healthcheck {
        s.push_str(
            "HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD [\"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"-\", \"http://127.0.0.1:8080/health\"]\n",
        );
    }
    s.push_str(
        "CMD [\"/bin/busybox\", \"sh\", \"-c\", \"echo starting httpd; exec /bin/busybox httpd -f -v -p 8080 -h /www\"]\n",
    );
    s
}

/// Build the project's Dockerfile and return the tag.
pub async fn build(
    engine: &Engine,
    p: &TestProject,
    tag: &str,
) -> berth_core::docker::build::BuildReport {
    let req = berth_core::docker::build::BuildRequest::new(p.path(), tag);
    engine
        .build(&req, |_| {}, berth_core::docker::CancellationToken::new())
        .await
        .expect("build")
}

/// A build-event sink for `Engine::build` and the events it collected.
pub fn collect() -> (
    std::sync::Arc<std::sync::Mutex<Vec<berth_core::docker::build::BuildEvent>>>,
    impl FnMut(berth_core::docker::build::BuildEvent) + Send,
) {
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let ev = events.clone();
    (events, move |x| ev.lock().unwrap().push(x))
}

/// The `(n, total)` of every Step event.
pub fn steps(evs: &[berth_core::docker::build::BuildEvent]) -> Vec<(u32, u32)> {
    evs.iter()
        .filter_map(|x| match x {
            berth_core::docker::build::BuildEvent::Step { n, total, .. } => Some((*n, *total)),
            _ => None,
        })
        .collect()
}

/// The lines of every Output event.
pub fn outputs(evs: &[berth_core::docker::build::BuildEvent]) -> Vec<String> {
    evs.iter()
        .filter_map(|x| match x {
            berth_core::docker::build::BuildEvent::Output { line } => Some(line.clone()),
            _ => None,
        })
        .collect()
}

/// A label of an image, as the docker CLI reads it ("" when absent).
pub fn image_label(tag: &str, key: &str) -> String {
    let out = Command::new(DOCKER)
        .args([
            "image",
            "inspect",
            "-f",
            &format!("{{{{index .Config.Labels \"{key}\"}}}}"),
            tag,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn image_exists(tag: &str) -> bool {
    Command::new(DOCKER)
        .args(["image", "inspect", tag])
        .output()
        .unwrap()
        .status
        .success()
}

/// Containers (any state) whose command mentions `token`.
pub fn containers_mentioning(token: &str) -> Vec<String> {
    let out = Command::new(DOCKER)
        .args(["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(token))
        .map(str::to_string)
        .collect()
}

/// A unix-socket proxy in front of the real engine that answers the requests `refuse` picks
/// (by their request line, e.g. `POST /v1.41/build?...`) with `(status line, JSON body)` as
/// the engine would when it fails them, and passes everything else through. It stands in for
/// an engine that fails in a way this one does not (no BuildKit, a failing container create).
pub struct FaultyEngine {
    pub path: PathBuf,
}

impl FaultyEngine {
    pub fn start(
        dir: &Path,
        refuse: impl Fn(&str) -> Option<(&'static str, String)> + Send + Sync + 'static,
    ) -> FaultyEngine {
        use std::os::unix::net::{UnixListener, UnixStream};
        let path = dir.join("faulty-engine.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let refuse = std::sync::Arc::new(refuse);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(engine) = UnixStream::connect("/var/run/docker.sock") else {
                    return;
                };
                let (mut cr, mut ew) = (client.try_clone().unwrap(), engine.try_clone().unwrap());
                let mut cw = client.try_clone().unwrap();
                let refuse = refuse.clone();
                std::thread::spawn(move || {
                    use std::io::{Read, Write};
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match cr.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let head = String::from_utf8_lossy(&buf[..n.min(2048)]);
                        let first = head.lines().next().unwrap_or("");
                        if let Some((status, body)) = refuse(first) {
                            let _ = write!(
                                cw,
                                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n\
                                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                body.len()
                            );
                            // As an HTTP server does: the response is complete, but the rest
                            // of the request (a build context upload) is read and dropped, so
                            // the client never meets a closed socket while it still sends.
                            let _ = cw.shutdown(std::net::Shutdown::Write);
                            while matches!(cr.read(&mut buf), Ok(n) if n > 0) {}
                            break;
                        }
                        if ew.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = ew.shutdown(std::net::Shutdown::Write);
                });
                let (mut er, mut cw2) = (engine, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut er, &mut cw2);
                    let _ = cw2.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        FaultyEngine { path }
    }

    /// An engine connection through the proxy.
    pub async fn connect(&self) -> Engine {
        use berth_core::docker::discovery::{Endpoint, EndpointSource};
        Engine::connect_to(Endpoint::plain(
            format!("unix://{}", self.path.display()),
            EndpointSource::EnvDockerHost,
        ))
        .await
        .expect("engine through the proxy (run scripts/start-dockerd.sh)")
    }
}
