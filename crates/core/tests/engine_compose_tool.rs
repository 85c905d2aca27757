//! Compose projects through the compose tool (Compose v2, the `docker compose` plugin that
//! scripts/setup-debian.sh installs): Berth builds the `build:` services first with
//! BuildKit, so a Dockerfile with `RUN --mount=type=cache` works; the services are labelled
//! as Berth's; `down` removes them; a failing build names its service; a cancelled `up` is
//! followed by a `down` of what the tool started.
#![cfg(unix)] // the engine tests run against a Linux engine over its unix socket
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use berth_core::compose::tool::ComposeTool;
use berth_core::docker::build::BuildEvent;
use berth_core::docker::CancellationToken;
use berth_core::names::ProjectNames;
use berth_core::runner::{compose_tool, ComposeProject, RunOptions, RunReport, RunnerKind};
use berth_core::Error;
use engine_support::{engine, TestProject, DOCKER};
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

/// busybox httpd serving a page written through a BuildKit cache mount.
const CACHE_MOUNT_APP: &str = "FROM scratch\nCOPY busybox /bin/busybox\n\
RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
RUN --mount=type=cache,target=/cache echo from-cache $(cat /proc/sys/kernel/random/uuid) > /cache/page && mkdir -p /www && cp /cache/page /www/index.html\n\
USER 65534\nEXPOSE 8080\n\
CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n";

fn tool() -> ComposeTool {
    berth_core::compose::find_tool().tool.expect(
        "this test needs Compose v2 (the docker compose plugin): run scripts/setup-debian.sh",
    )
}

fn project_name(root: &Path) -> String {
    ProjectNames::of(root).compose_project()
}

/// `up` the folder's compose.yaml with `tool`.
async fn up(
    e: &berth_core::docker::Engine,
    tool: &ComposeTool,
    root: &Path,
    no_cache: bool,
    on_event: impl FnMut(BuildEvent) + Send,
    cancel: CancellationToken,
) -> berth_core::Result<RunReport> {
    let project = ComposeProject::from_file(root, &root.join("compose.yaml"))?;
    let options = RunOptions {
        no_cache,
        ..Default::default()
    };
    compose_tool::up(e, tool, &project, &options, on_event, cancel).await
}

async fn down(tool: &ComposeTool, root: &Path) {
    compose_tool::down(
        tool,
        root,
        &root.join("compose.yaml"),
        &mut |_| {},
        &CancellationToken::new(),
    )
    .await
    .unwrap();
}

fn get(port: u16, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// The body of `GET path` (headers carry a date, so pages are compared by body).
fn body(port: u16, path: &str) -> String {
    let page = get(port, path);
    page.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or(page)
}

/// Removes what the compose tool created for a project (containers by its compose label,
/// its default network) when dropped; the TestProject drop then removes Berth's images.
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
            .output();
        if let Ok(o) = o {
            let ids: Vec<String> = String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if !ids.is_empty() {
                let _ = Command::new(DOCKER).args(["rm", "-f"]).args(&ids).output();
            }
        }
        let _ = Command::new(DOCKER)
            .args(["network", "rm", &format!("{}_default", self.0)])
            .output();
    }
}

fn compose_containers(name: &str) -> String {
    let o = Command::new(DOCKER)
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=com.docker.compose.project={name}"),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[tokio::test]
async fn a_cache_mount_dockerfile_comes_up_healthy_through_docker_compose() {
    let e = engine().await;
    let tool = tool();
    let p = TestProject::new(CACHE_MOUNT_APP);
    let name = project_name(p.path());
    let _cleanup = ComposeCleanup(name.clone());
    let port = portpicker::pick_unused_port().unwrap();
    let file = p.path().join("compose.yaml");
    std::fs::write(
        &file,
        format!(
            "services:\n  app:\n    build: .\n    ports:\n      - \"${{HOST_PORT:-{port}}}:8080\"\n"
        ),
    )
    .unwrap();
    let mut events = Vec::new();
    let r = up(
        &e,
        &tool,
        p.path(),
        false,
        |ev| events.push(ev),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let lines: Vec<String> = events
        .iter()
        .filter_map(|ev| match ev {
            BuildEvent::Output { line } => Some(line.clone()),
            _ => None,
        })
        .collect();
    assert!(r.healthy, "{r:?}\n{lines:#?}");
    assert_eq!(r.runner, RunnerKind::ComposeTool);
    assert_eq!(r.tool.as_deref(), Some("docker compose"));
    assert_eq!(r.host_port, Some(port));
    assert!(r.port_conflict.is_none());
    assert_eq!(r.compose_project.as_deref(), Some(name.as_str()));
    // Berth built the service (BuildKit, progress through the callback) and the tool ran
    // Berth's image without building (its own output came through the callback too).
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("building service app as ")),
        "{lines:#?}"
    );
    assert!(
        events
            .iter()
            .any(|ev| matches!(ev, BuildEvent::Built { .. })),
        "{events:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("running {}", file.display()))),
        "{lines:#?}"
    );
    // The tool's own progress (stderr) came through the callback.
    assert!(lines.iter().any(|l| l.contains("Creat")), "{lines:#?}");
    let base = ProjectNames::of(p.path()).container();
    assert_eq!(r.image, format!("{base}-app:dev"));
    assert!(get(port, "/").contains("from-cache"));
    // The tool's containers are Berth's: labelled with the folder.
    let mine: Vec<_> = e
        .ps()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.project.as_deref() == Some(p.path().to_str().unwrap()))
        .collect();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert!(mine[0].managed);
    assert_eq!(mine[0].name, r.container);

    // Up again: the build cache serves the steps, so the page (which the RUN step stamps
    // with a fresh uuid) is the same. With no_cache (`berth up --no-cache`) the step runs
    // again (a new page), nothing is reported as cached, and the image it replaces is
    // removed. The daemon forwards a fast BuildKit build's step statuses partly after the
    // image id; Berth reads them (CI once saw no step events here when it stopped at the id).
    let page = body(port, "/");
    let cached = |evs: &[BuildEvent]| {
        evs.iter()
            .filter(|ev| matches!(ev, BuildEvent::Cached { .. }))
            .count()
    };
    let steps = |evs: &[BuildEvent]| {
        evs.iter()
            .filter(|ev| matches!(ev, BuildEvent::Step { .. }))
            .count()
    };
    let mut again = Vec::new();
    let r2 = up(
        &e,
        &tool,
        p.path(),
        false,
        |ev| again.push(ev),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(r2.healthy, "{r2:?}");
    // The port the first run's container holds is the project's own: no conflict.
    assert_eq!(r2.host_port, Some(port), "{r2:?}");
    assert!(r2.port_conflict.is_none(), "{r2:?}");
    assert_eq!(body(port, "/"), page, "{again:?}");
    assert!(cached(&again) > 0, "{again:?}");
    assert_eq!(cached(&again), steps(&again), "{again:?}");
    let mut fresh = Vec::new();
    let r3 = up(
        &e,
        &tool,
        p.path(),
        true,
        |ev| fresh.push(ev),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(r3.healthy, "{r3:?}");
    assert_eq!(r3.host_port, Some(port), "{r3:?}");
    let new_page = body(port, "/");
    assert!(new_page.contains("from-cache"), "{new_page}");
    assert_ne!(new_page, page, "{fresh:?}");
    assert_eq!(cached(&fresh), 0, "{fresh:?}");
    assert!(
        fresh
            .iter()
            .any(|ev| matches!(ev, BuildEvent::Built { .. })),
        "{fresh:?}"
    );
    let labelled = Command::new(DOCKER)
        .args([
            "images",
            "-q",
            "--filter",
            &format!("label=dev.berth.project={}", p.path().display()),
        ])
        .output()
        .unwrap();
    let labelled = String::from_utf8_lossy(&labelled.stdout).to_string();
    assert_eq!(labelled.split_whitespace().count(), 1, "{labelled}");

    down(&tool, p.path()).await;
    assert_eq!(compose_containers(&name), "");
}

#[tokio::test]
async fn a_fixed_host_port_held_by_the_projects_previous_run_is_not_a_conflict() {
    let e = engine().await;
    let p = TestProject::new(CACHE_MOUNT_APP);
    let _cleanup = ComposeCleanup(project_name(p.path()));
    let port = portpicker::pick_unused_port().unwrap();
    let file = p.path().join("compose.yaml");
    std::fs::write(
        &file,
        format!("services:\n  app:\n    build: .\n    ports:\n      - \"{port}:8080\"\n"),
    )
    .unwrap();
    let tool = tool();
    for round in 0..2 {
        let r = up(&e, &tool, p.path(), false, |_| {}, CancellationToken::new())
            .await
            .unwrap_or_else(|err| panic!("up #{}: {err}", round + 1));
        assert!(r.healthy, "{r:?}");
        assert_eq!(r.host_port, Some(port), "{r:?}");
        assert!(r.port_conflict.is_none(), "{r:?}");
    }
    // A fixed port held by something else is still refused, naming the port.
    let other = std::net::TcpListener::bind(("0.0.0.0", 0)).unwrap();
    let taken = other.local_addr().unwrap().port();
    std::fs::write(
        &file,
        format!("services:\n  app:\n    build: .\n    ports:\n      - \"{taken}:8080\"\n"),
    )
    .unwrap();
    let err = up(&e, &tool, p.path(), false, |_| {}, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&taken.to_string()), "{err}");
    down(&tool, p.path()).await;
}

#[tokio::test]
async fn a_failing_service_build_is_named_and_nothing_runs() {
    let e = engine().await;
    let tool = tool();
    let p = TestProject::new(
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"false\"]\n",
    );
    let name = project_name(p.path());
    let _cleanup = ComposeCleanup(name.clone());
    let file = p.path().join("compose.yaml");
    std::fs::write(
        &file,
        "services:\n  web:\n    build: .\n    ports:\n      - \"${HOST_PORT:-8080}:8080\"\n",
    )
    .unwrap();
    let err = up(&e, &tool, p.path(), false, |_| {}, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Engine(_)), "{err:?}");
    assert!(
        err.to_string().contains("service web: build failed"),
        "{err}"
    );
    assert_eq!(compose_containers(&name), "");
}

#[tokio::test]
async fn cancelling_kills_the_compose_tool_and_takes_down_what_it_started() {
    let e = engine().await;
    let dir = tempfile::tempdir().unwrap();
    // A stand-in compose tool: `up` says hello, records its pid and waits forever; `down`
    // records that it ran.
    let pid_file = dir.path().join("pid");
    let down_file = dir.path().join("down-ran");
    let fake = dir.path().join("fake-compose");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\ncase \"$*\" in *down*) echo \"$*\" > {}; exit 0;; esac\n\
             echo $$ > {}\necho waiting >&2\nexec sleep 600\n",
            down_file.display(),
            pid_file.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  app:\n    image: none-needed\n",
    )
    .unwrap();
    let tool = ComposeTool::Standalone {
        path: fake.display().to_string(),
    };
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let err = up(
        &e,
        &tool,
        dir.path(),
        false,
        move |ev| {
            if ev
                == (BuildEvent::Output {
                    line: "waiting".into(),
                })
            {
                c2.cancel();
            }
        },
        cancel,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    // The tool was killed and reaped: its pid is gone.
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        !Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "the compose tool (pid {pid}) is still running"
    );
    // Then `down` ran for the project.
    let down_args = std::fs::read_to_string(&down_file).expect("down ran after the cancel");
    assert!(
        down_args.contains(&project_name(&dir.path().canonicalize().unwrap())),
        "{down_args}"
    );
}
