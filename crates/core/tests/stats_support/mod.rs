//! Shared setup for the stats tests against a real engine: a local busybox image built
//! `FROM scratch` (no registry), containers with unique names, and Drop guards that remove
//! everything created. Setup uses the docker CLI; the code under test uses berth-core.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use berth_core::docker::discovery::Endpoint;
use berth_core::docker::{EndpointSource, Engine};
use berth_core::stats::{StatsEvent, StatsSample};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

pub const DOCKER: &str = "/usr/bin/docker";
const HINT: &str = "no container engine answers: start one with `bash scripts/start-dockerd.sh`";

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A name unique to this process and call.
pub fn unique(prefix: &str) -> String {
    format!(
        "berth-stats-{prefix}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    )
}

/// The docker CLI, pointed at `host` (None: the default engine).
#[derive(Clone)]
pub struct Cli {
    pub host: Option<String>,
}

impl Cli {
    pub fn default_engine() -> Cli {
        Cli { host: None }
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(DOCKER);
        if let Some(h) = &self.host {
            c.arg("-H").arg(h);
        }
        c.args(args);
        c
    }

    /// Run and return stdout; panic with stderr on failure.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self
            .cmd(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {DOCKER}: {e}"));
        assert!(
            out.status.success(),
            "docker {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Run, ignoring failure (cleanup).
    pub fn quiet(&self, args: &[&str]) {
        let _ = self.cmd(args).output();
    }
}

/// Connect to the default engine, or fail with how to start one (never skip).
pub async fn engine() -> Engine {
    match Engine::connect().await {
        Ok(e) => e,
        Err(e) => panic!("{HINT}\n({e})"),
    }
}

pub async fn engine_at(host: &str) -> Engine {
    Engine::connect_to(Endpoint::plain(host, EndpointSource::EnvDockerHost))
        .await
        .unwrap_or_else(|e| panic!("{HINT}\n({e})"))
}

/// A local image `FROM scratch` with Debian's static busybox; removed on drop.
pub struct Image {
    pub tag: String,
    cli: Cli,
}

impl Image {
    pub fn busybox(cli: &Cli) -> Image {
        let busybox = std::path::Path::new("/bin/busybox");
        assert!(
            busybox.exists(),
            "/bin/busybox is missing: apt-get install busybox-static"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(busybox, dir.path().join("busybox")).unwrap();
        let tag = format!("berth-test/busybox:{}", unique("img"));
        // The label makes each test's image its own: with identical content, parallel
        // tests would share one image ID, and one test's `rmi` at its end could delete
        // the image another test had just built and was about to tag and run.
        std::fs::write(
            dir.path().join("Dockerfile"),
            format!(
                "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nLABEL dev.berth.test=\"{tag}\"\n"
            ),
        )
        .unwrap();
        let ctx = dir.path().to_str().unwrap().to_owned();
        cli.run(&["build", "-q", "-t", &tag, &ctx]);
        Image {
            tag,
            cli: cli.clone(),
        }
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        self.cli.quiet(&["rmi", "-f", &self.tag]);
    }
}

/// A container removed (forcibly) on drop.
pub struct Container {
    pub name: String,
    pub id: String,
    cli: Cli,
}

impl Container {
    /// `docker run -d --name <unique> <extra...> <image> <cmd...>`
    pub fn run(cli: &Cli, prefix: &str, extra: &[&str], image: &Image, cmd: &[&str]) -> Container {
        let name = unique(prefix);
        let mut args = vec!["run", "-d", "--name", &name];
        args.extend_from_slice(extra);
        args.push(&image.tag);
        args.extend_from_slice(cmd);
        let id = cli.run(&args);
        Container {
            name,
            id,
            cli: cli.clone(),
        }
    }

    pub fn exec(&self, cmd: &[&str]) -> String {
        let mut args = vec!["exec", self.name.as_str()];
        args.extend_from_slice(cmd);
        self.cli.run(&args)
    }

    pub fn ip(&self) -> String {
        self.cli.run(&[
            "inspect",
            "-f",
            "{{.NetworkSettings.IPAddress}}",
            &self.name,
        ])
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        self.cli.quiet(&["rm", "-f", "-v", &self.name]);
    }
}

/// The next `n` samples of container `id`, waiting at most `limit` in all.
pub async fn samples_of(
    rx: &mut broadcast::Receiver<StatsEvent>,
    id: &str,
    n: usize,
    limit: Duration,
) -> Vec<StatsSample> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    while out.len() < n {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(StatsEvent::Sample(s))) if s.id == id => out.push(s),
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("hub closed: {e}"),
            Err(_) => panic!("only {} of {n} samples of {id} within {limit:?}", out.len()),
        }
    }
    out
}

/// Wait for the first event matching `pred`, at most `limit`.
pub async fn wait_for(
    rx: &mut broadcast::Receiver<StatsEvent>,
    limit: Duration,
    what: &str,
    mut pred: impl FnMut(&StatsEvent) -> bool,
) -> StatsEvent {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(ev)) if pred(&ev) => return ev,
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("hub closed while waiting for {what}: {e}"),
            Err(_) => panic!("no {what} within {limit:?}"),
        }
    }
}
