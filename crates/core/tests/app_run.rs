//! The use cases the CLI and the app call (`berth_core::app`) against the real engine (start
//! it with `bash scripts/start-dockerd.sh`; these tests fail, never skip, without one): a
//! busybox httpd project (`FROM scratch` + /bin/busybox, no registry) with its preferred
//! host port held by a real listener. Every container and image is removed by label on drop.
#![cfg(unix)] // the engine tests run against a Linux engine over its unix socket
#![allow(clippy::unwrap_used, clippy::expect_used)]

use berth_core::app::{
    self, check_port, down, engine_status, follow_logs, local_url, watch_sources, write_port,
    RunRequest, UpEvent, UpStage,
};
use berth_core::docker::build::BuildEvent;
use berth_core::docker::health::HealthVia;
use berth_core::docker::{CancellationToken, Engine};
use berth_core::render::Templates;
use berth_core::runner::{RunReport, RunnerChoice, RunnerKind};
use berth_core::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;

const DOCKER: &str = "/usr/bin/docker";

/// A temp folder with busybox and a Dockerfile serving /health on `port`; dropping it
/// removes what was created for it (by the project label), then the folder.
struct Project {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Project {
    fn httpd(port: u16) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("berth-app-run-")
            .tempdir()
            .unwrap();
        let path = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::copy("/bin/busybox", path.join("busybox"))
            .expect("busybox-static at /bin/busybox");
        std::fs::write(path.join("Dockerfile"), dockerfile(port)).unwrap();
        Project { _dir: dir, path }
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let filter = format!("label=dev.berth.project={}", self.path.display());
        let ids = |args: &[&str]| -> Vec<String> {
            Command::new(DOCKER)
                .args(args)
                .output()
                .map(|o| {
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
    }
}

/// busybox httpd with a HEALTHCHECK on /health; the run id makes the first layer unique so
/// concurrent tests never share (and clean up) each other's cache.
fn dockerfile(port: u16) -> String {
    format!(
        "FROM scratch\nCOPY busybox /bin/busybox\n\
         RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox --install -s /bin && mkdir -p /www && echo ok > /www/health && echo {nonce} > /www/index.html\"]\n\
         USER 65534\nEXPOSE {port}\n\
         HEALTHCHECK --interval=1s --timeout=2s --retries=3 CMD [\"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"-\", \"http://127.0.0.1:{port}/health\"]\n\
         CMD [\"/bin/busybox\", \"sh\", \"-c\", \"echo starting httpd; exec /bin/busybox httpd -f -v -p {port} -h /www\"]\n",
        nonce = std::process::id() as u128 * 1_000_000_007 + port as u128
    )
}

/// A listener on a free port, held for the test (the "someone else has it" case).
fn hold_a_port() -> TcpListener {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))).unwrap()
}

fn docker_lines(args: &[&str]) -> Vec<String> {
    let o = Command::new(DOCKER).args(args).output().unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

async fn engine() -> Engine {
    Engine::connect().await.unwrap_or_else(|e| {
        panic!("run these with an engine: `bash scripts/start-dockerd.sh`.\n{e}")
    })
}

/// `app::up` of the folder's own files with `runner`, on `host_port` when given.
async fn up(
    e: &Engine,
    root: &Path,
    host_port: Option<u16>,
    runner: RunnerChoice,
    on_event: impl FnMut(UpEvent) + Send,
    cancel: CancellationToken,
) -> berth_core::Result<RunReport> {
    let mut req = RunRequest {
        folder: root.to_path_buf(),
        runner,
        ..Default::default()
    };
    req.options.publishing.host_port = host_port;
    app::up(e, &req, &Templates::embedded(), on_event, cancel).await
}

#[tokio::test]
async fn engine_status_names_the_engine_and_why() {
    let info = engine_status().await.unwrap();
    assert!(!info.endpoint.is_empty());
    assert!(!info.reason.is_empty());
    assert!(!info.api_version.is_empty());
}

#[tokio::test]
async fn a_held_port_is_explained_with_this_process_as_owner() {
    let held = hold_a_port();
    let port = held.local_addr().unwrap().port();
    let check = check_port(port).await.unwrap();
    assert!(!check.free);
    let owner = check.owner.expect("the owner of a port this test holds");
    assert_eq!(owner.pid, Some(std::process::id()));
    assert!(check.explanation.is_some() && check.suggestion.is_some());
    drop(held);
    assert!(check_port(port).await.unwrap().free);
}

#[tokio::test]
async fn up_explains_the_conflict_runs_on_another_port_streams_logs_and_down_removes_everything() {
    let held = hold_a_port();
    let preferred = held.local_addr().unwrap().port();
    let p = Project::httpd(preferred);
    let e = engine().await;

    let mut events = Vec::new();
    let report = up(
        &e,
        &p.path,
        None,
        RunnerChoice::Auto,
        |ev| events.push(ev),
        CancellationToken::new(),
    )
    .await
    .unwrap();

    // Progress: which runner, then the stages around the build's own step events, in order.
    assert_eq!(
        events.first(),
        Some(&UpEvent::Runner {
            runner: RunnerKind::Single,
            note: None
        })
    );
    assert_eq!(
        events.get(1),
        Some(&UpEvent::Stage {
            stage: UpStage::Building
        })
    );
    let steps: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            UpEvent::Build {
                event: BuildEvent::Step { n, .. },
            } => Some(*n),
            _ => None,
        })
        .collect();
    // BuildKit numbers the steps that run (COPY, RUN); the classic builder numbers every
    // instruction. Either way there are steps, counted up in order.
    assert!(steps.len() >= 2, "{events:?}");
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
    assert_eq!(
        events.last(),
        Some(&UpEvent::Stage {
            stage: UpStage::Starting
        })
    );

    // The conflict: who holds the preferred port, and the port chosen instead.
    let conflict = report.port_conflict.clone().expect("a port conflict");
    assert_eq!(conflict.requested, preferred);
    let owner = conflict.check.and_then(|c| c.owner).expect("the owner");
    assert_eq!(owner.pid, Some(std::process::id()));
    let port = report.host_port.expect("a host port");
    assert_ne!(port, preferred);
    assert!(report.healthy, "{:?}", report.health);
    assert_eq!(report.health.via, HealthVia::Healthcheck);
    let url = report.url.clone().expect("a URL");
    assert_eq!(local_url(&url).unwrap(), url);
    assert!(!report.build.as_ref().unwrap().targets.is_empty());

    // Logs: the backlog arrives, then following stops when cancelled.
    let cancel = CancellationToken::new();
    let mut lines = Vec::new();
    let stopper = cancel.clone();
    follow_logs(
        &e,
        &report.container,
        |l| {
            lines.push(l);
            stopper.cancel();
            true
        },
        cancel,
    )
    .await
    .unwrap();
    assert!(
        lines.iter().any(|l| l.text.contains("starting httpd")),
        "{lines:?}"
    );
    assert!(lines.iter().all(|l| l.timestamp.is_some()));

    // Down: the container and the image are gone.
    let down = down(&e, &p.path, true).await.unwrap();
    assert_eq!(down.containers, vec![report.container.clone()]);
    assert_eq!(down.images, vec![report.image.clone()]);
    let filter = format!("label=dev.berth.project={}", p.path.display());
    assert!(docker_lines(&["ps", "-aq", "--filter", &filter]).is_empty());
    assert!(docker_lines(&["images", "-q", "--filter", &filter]).is_empty());
    drop(held);
}

#[tokio::test]
async fn a_cancelled_up_says_cancelled_and_leaves_no_container() {
    let p = Project::httpd(hold_a_port().local_addr().unwrap().port());
    let e = engine().await;
    let cancel = CancellationToken::new();
    cancel.cancel();
    let err = up(&e, &p.path, None, RunnerChoice::Auto, |_| {}, cancel)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    let filter = format!("label=dev.berth.project={}", p.path.display());
    assert!(docker_lines(&["ps", "-aq", "--filter", &filter]).is_empty());
}

#[tokio::test]
async fn cancelling_while_waiting_for_health_removes_the_container() {
    let p = Project::httpd(hold_a_port().local_addr().unwrap().port());
    let e = engine().await;
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    let err = up(
        &e,
        &p.path,
        None,
        RunnerChoice::Auto,
        |ev| {
            if ev
                == (UpEvent::Stage {
                    stage: UpStage::Starting,
                })
            {
                stopper.cancel();
            }
        },
        cancel,
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    let filter = format!("label=dev.berth.project={}", p.path.display());
    assert!(docker_lines(&["ps", "-aq", "--filter", &filter]).is_empty());
}

#[tokio::test]
async fn a_rebuild_on_the_same_port_removes_the_image_it_replaces() {
    let p = Project::httpd(hold_a_port().local_addr().unwrap().port());
    let e = engine().await;
    let first = up(
        &e,
        &p.path,
        None,
        RunnerChoice::Auto,
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(first.healthy, "{:?}", first.health);
    // A source change: the last layer differs, so the image does too.
    std::fs::write(
        p.path.join("Dockerfile"),
        format!(
            "{}LABEL changed=yes\n",
            std::fs::read_to_string(p.path.join("Dockerfile")).unwrap()
        ),
    )
    .unwrap();
    let second = up(
        &e,
        &p.path,
        first.host_port,
        RunnerChoice::Auto,
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(second.healthy, "{:?}", second.health);
    assert_eq!(second.host_port, first.host_port, "same port, same URL");
    let (first_id, second_id) = (
        first.build.unwrap().image_id,
        second.build.unwrap().image_id,
    );
    assert_ne!(second_id, first_id);
    let filter = format!("label=dev.berth.project={}", p.path.display());
    assert_eq!(
        docker_lines(&["images", "-q", "--no-trunc", "--filter", &filter]),
        vec![second_id],
        "only the new image is left; notes: {:?}",
        second.notes
    );
}

#[tokio::test]
async fn following_the_log_of_a_missing_container_is_not_found() {
    let e = engine().await;
    let err = follow_logs(
        &e,
        "berth-app-run-no-such-container",
        |_| true,
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

#[test]
fn the_chosen_port_is_written_into_compose_with_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let compose = "services:\n  web:\n    build: .\n    ports:\n      - \"5000:5000\"\n";
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    let r = write_port(dir.path(), 8081).unwrap();
    assert_eq!(r.port, 8081);
    let backup = r.backup.expect("a backup");
    assert_eq!(std::fs::read_to_string(backup).unwrap(), compose);
    assert!(std::fs::read_to_string(dir.path().join("compose.yaml"))
        .unwrap()
        .contains("\"8081:5000\""));
    assert_eq!(write_port(dir.path(), 8081).unwrap().backup, None);

    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        write_port(empty.path(), 8081).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn changed_sources_arrive_relative_and_dockerignored_files_do_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".dockerignore"), "*.log\n").unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    let root = dir.path().to_path_buf();
    let writer = async {
        // Write until the watcher reports (not for a fixed time), pausing longer than the
        // debounce so a batch can close.
        while !stopper.is_cancelled() {
            std::fs::write(root.join("debug.log"), "noise").unwrap();
            std::fs::write(root.join("src/app.py"), "print('hi')\n").unwrap();
            tokio::time::sleep(berth_core::watch::DEBOUNCE * 3).await;
        }
    };
    let mut batches = Vec::new();
    let templates = Templates::embedded();
    let watcher = watch_sources(
        dir.path(),
        &templates,
        |c| {
            batches.push(c.paths);
            stopper.cancel();
            false
        },
        cancel.clone(),
    );
    let (watched, ()) = tokio::join!(watcher, writer);
    watched.unwrap();
    let paths = batches.concat();
    assert!(paths.contains(&"src/app.py".to_string()), "{paths:?}");
    assert!(!paths.iter().any(|p| p.ends_with(".log")), "{paths:?}");
}

#[tokio::test]
async fn without_a_dockerignore_of_its_own_the_plans_applies_to_the_watch() {
    // A Flask project with no .dockerignore: Berth's rendered one ignores `**/*.py[cod]`.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "flask==3.0.3\n").unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "from flask import Flask\napp = Flask(__name__)\n",
    )
    .unwrap();
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    let root = dir.path().to_path_buf();
    let writer = async {
        while !stopper.is_cancelled() {
            std::fs::write(root.join("app.pyc"), "noise").unwrap();
            std::fs::write(root.join("app.py"), "print('changed')\n").unwrap();
            tokio::time::sleep(berth_core::watch::DEBOUNCE * 3).await;
        }
    };
    let mut batches = Vec::new();
    let templates = Templates::embedded();
    let watcher = watch_sources(
        dir.path(),
        &templates,
        |c| {
            batches.push(c.paths);
            stopper.cancel();
            false
        },
        cancel.clone(),
    );
    let (watched, ()) = tokio::join!(watcher, writer);
    watched.unwrap();
    let paths = batches.concat();
    assert!(paths.contains(&"app.py".to_string()), "{paths:?}");
    assert!(!paths.iter().any(|p| p.ends_with(".pyc")), "{paths:?}");
}

#[tokio::test]
async fn watching_a_missing_folder_is_not_found() {
    let err = watch_sources(
        Path::new("/definitely/not/here"),
        &Templates::embedded(),
        |_| true,
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// Removes what the compose tool created for a project (containers by its compose label,
/// its default network) when dropped; the Project's own drop then removes Berth's images.
struct ComposeCleanup(String);

impl Drop for ComposeCleanup {
    fn drop(&mut self) {
        let filter = format!("label=com.docker.compose.project={}", self.0);
        let ids = docker_lines(&["ps", "-aq", "--filter", &filter]);
        if !ids.is_empty() {
            let _ = Command::new(DOCKER).args(["rm", "-f"]).args(&ids).output();
        }
        let _ = Command::new(DOCKER)
            .args(["network", "rm", &format!("{}_default", self.0)])
            .output();
    }
}

#[tokio::test]
async fn a_compose_project_comes_up_healthy_through_compose_v2_and_down_removes_it() {
    assert!(
        berth_core::compose::find_tool().tool.is_some(),
        "this test needs Compose v2 (the docker compose plugin): run scripts/setup-debian.sh"
    );
    let port = hold_a_port().local_addr().unwrap().port();
    let p = Project::httpd(port);
    let name = berth_core::names::ProjectNames::of(&p.path).compose_project();
    let _compose = ComposeCleanup(name.clone());
    let file = p.path.join("compose.yaml");
    std::fs::write(
        &file,
        format!(
            "services:\n  web:\n    build: .\n    ports:\n      - \"${{HOST_PORT:-{port}}}:{port}\"\n"
        ),
    )
    .unwrap();
    let e = engine().await;

    let mut events = Vec::new();
    let run = up(
        &e,
        &p.path,
        None,
        RunnerChoice::Compose,
        |ev| events.push(ev),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(run.healthy, "{run:?}\n{events:?}");
    assert_eq!(run.runner, RunnerKind::ComposeTool);
    assert_eq!(run.tool.as_deref(), Some("docker compose"));
    assert_eq!(run.compose_project.as_deref(), Some(name.as_str()));
    assert_eq!(run.host_port, Some(port));
    assert_eq!(
        run.url.as_deref(),
        Some(format!("http://localhost:{port}").as_str())
    );
    assert!(run.notes.is_empty(), "{:?}", run.notes);
    assert_eq!(
        events.get(1),
        Some(&UpEvent::Stage {
            stage: UpStage::Building
        })
    );
    let filter = format!("label=com.docker.compose.project={name}");
    let running = docker_lines(&["ps", "-q", "--filter", &filter]);
    assert_eq!(running.len(), 1, "{running:?}");

    // The app's log is followed like a single container's.
    let mut lines = Vec::new();
    let cancel = CancellationToken::new();
    follow_logs(
        &e,
        &run.container,
        |l| {
            lines.push(l);
            false
        },
        cancel,
    )
    .await
    .unwrap();
    assert!(!lines.is_empty());

    let down = down(&e, &p.path, true).await.unwrap();
    // The compose run built the service image, not a project image: only it is named.
    assert_eq!(down.images.len(), 1, "{down:?}");
    assert!(down.images[0].ends_with("-web:dev"), "{down:?}");
    assert!(docker_lines(&["ps", "-aq", "--filter", &filter]).is_empty());
    let network = format!("name=^{name}_default$");
    assert!(docker_lines(&["network", "ls", "-q", "--filter", &network]).is_empty());
}
