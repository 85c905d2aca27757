//! Compose projects run through the Engine API (no compose tool): a project network,
//! a service built from the folder and one from a local image, environment, healthchecks,
//! `depends_on: service_healthy` order, the app's published port, labels, and `down`.
#![cfg(unix)] // the engine tests run against a Linux engine over its unix socket
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use berth_core::docker::build::{BuildEvent, BuildRequest};
use berth_core::docker::CancellationToken;
use berth_core::runner::{compose_api, ComposeProject, RunOptions, RunReport};
use engine_support::{engine, TestProject, DOCKER};
use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;

/// The app: busybox httpd that, before serving, fetches the db service's page by name.
const APP: &str = "FROM scratch\nCOPY busybox /bin/busybox\n\
RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nRUN mkdir -m 1777 /tmp\nUSER 65534\nEXPOSE 8080\n\
CMD [\"/bin/busybox\", \"sh\", \"-c\", \"mkdir -p /tmp/www && wget -q -O /tmp/www/db.txt http://db:9000/ && echo $GREETING > /tmp/www/index.html && echo app up && exec httpd -f -p 8080 -h /tmp/www\"]\n";

/// The db image (built first, used by `image:`): an httpd on 9000 that becomes ready after
/// a moment (its healthcheck looks for /tmp/ready).
const DB: &str = "FROM scratch\nCOPY busybox /bin/busybox\n\
RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nRUN mkdir -m 1777 /tmp\nUSER 65534\n\
CMD [\"/bin/busybox\", \"sh\", \"-c\", \"mkdir -p /tmp/www && echo db-data > /tmp/www/index.html && sleep 2 && touch /tmp/ready && echo db up && exec httpd -f -p 9000 -h /tmp/www\"]\n";

fn get(port: u16, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// Removes an image by tag when dropped (the db image is labelled with its own folder).
struct RmImage(String);
impl Drop for RmImage {
    fn drop(&mut self) {
        let _ = Command::new(DOCKER).args(["rmi", "-f", &self.0]).output();
    }
}

/// The db service's image (`<project image>:<tag>`), built beforehand from the project's
/// db/ folder (labelled with it) and removed when the guard drops.
async fn db_image(e: &berth_core::docker::Engine, p: &TestProject, tag: &str) -> (String, RmImage) {
    let db_tag = format!("{}:{tag}", p.name("img"));
    let guard = RmImage(db_tag.clone());
    std::fs::create_dir(p.path().join("db")).unwrap();
    std::fs::copy("/bin/busybox", p.path().join("db/busybox")).unwrap();
    std::fs::write(p.path().join("db/Dockerfile"), DB).unwrap();
    let breq = BuildRequest::new(&p.path().join("db"), &db_tag);
    e.build(&breq, |_| {}, CancellationToken::new())
        .await
        .unwrap();
    (db_tag, guard)
}

/// Bring the folder's compose.yaml up through the Engine API runner.
async fn up_api(
    e: &berth_core::docker::Engine,
    root: &std::path::Path,
    health_timeout: Duration,
    on_event: impl FnMut(BuildEvent) + Send,
    cancel: CancellationToken,
) -> berth_core::Result<RunReport> {
    let project = ComposeProject::from_file(root, &root.join("compose.yaml")).unwrap();
    let options = RunOptions {
        health_timeout,
        ..Default::default()
    };
    compose_api::up(e, &project, &options, on_event, cancel).await
}

/// Takes the project down through Berth when dropped (containers and network), then the
/// TestProject drop removes the images.
struct Down(berth_core::docker::Engine, std::path::PathBuf);
impl Drop for Down {
    fn drop(&mut self) {
        let (e, p) = (self.0.clone(), self.1.clone());
        let _ = std::thread::spawn(move || {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(async move { e.down(&p).await })
        })
        .join();
    }
}

#[tokio::test]
async fn compose_services_run_through_the_api_in_dependency_order() {
    let e = engine().await;
    let p = TestProject::new(APP);
    let (db_tag, _rm) = db_image(&e, &p, "db").await;
    let port = portpicker::pick_unused_port().unwrap();
    // The db publishes its port on a free host port, asks for one that is taken (left out
    // with a note), and one without a host side (the engine picks it).
    let db_port = loop {
        let p = portpicker::pick_unused_port().unwrap();
        if p != port {
            break p;
        }
    };
    let holder = std::net::TcpListener::bind(("0.0.0.0", 0)).unwrap();
    let taken = holder.local_addr().unwrap().port();
    std::fs::write(
        p.path().join("compose.yaml"),
        format!(
            "services:\n  app:\n    build: .\n    ports:\n      - \"${{HOST_PORT:-{port}}}:8080\"\n\
             \x20   environment:\n      GREETING: hello-from-compose\n\
             \x20   depends_on:\n      db:\n        condition: service_healthy\n\
             \x20   cap_drop: [ALL]\n    security_opt: [\"no-new-privileges:true\"]\n\
             \x20   healthcheck:\n      test: [\"CMD\", \"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"-\", \"http://127.0.0.1:8080/\"]\n      interval: 1s\n      retries: 30\n\
             \x20 db:\n    image: {db_tag}\n    network_mode: bridge\n\
             \x20   ports: [\"{db_port}:9000\", \"{taken}:9001\", \"9000\"]\n\
             \x20   healthcheck:\n      test: [\"CMD\", \"/bin/busybox\", \"test\", \"-f\", \"/tmp/ready\"]\n      interval: 1s\n      retries: 30\n"
        ),
    )
    .unwrap();
    let _down = Down(e.clone(), p.path().to_path_buf());
    let r = up_api(
        &e,
        p.path(),
        Duration::from_secs(120),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(r.runner, berth_core::runner::RunnerKind::EngineApi);
    assert!(r.healthy, "{r:?}");
    assert!(r.container.ends_with("-app"), "{r:?}");
    assert_eq!(r.host_port, Some(port));
    let order: Vec<_> = r.services.iter().map(|s| s.service.as_str()).collect();
    assert_eq!(order, vec!["db", "app"]);
    assert!(r.services[1].built && !r.services[0].built);
    assert!(
        r.notes.iter().any(|n| n.contains("network_mode")),
        "{:?}",
        r.notes
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains(&format!("host port {taken} is in use"))),
        "{:?}",
        r.notes
    );
    // Environment, and the db reached by its service name on the project network.
    assert!(get(port, "/").contains("hello-from-compose"));
    assert!(get(port, "/db.txt").contains("db-data"));
    // The db's published ports: its own host port, and one the engine chose.
    assert!(get(db_port, "/").contains("db-data"));
    let names = berth_core::names::ProjectNames::of(p.path());
    let db_container = names.service_container("db");
    let db_ports: Vec<_> = e
        .ps()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == db_container)
        .unwrap()
        .ports
        .into_iter()
        .map(|p| (p.container_port, p.host_port))
        .collect();
    assert_eq!(db_ports.len(), 2, "{db_ports:?}");
    assert!(db_ports.contains(&(9000, db_port)), "{db_ports:?}");
    assert!(
        db_ports
            .iter()
            .any(|(c, h)| *c == 9000 && *h != db_port && *h != 0),
        "{db_ports:?}"
    );
    drop(holder);
    // Both containers are Berth's, with the folder.
    let ps = e.ps().await.unwrap();
    let folder = p.path().display().to_string();
    let mine: Vec<_> = ps
        .iter()
        .filter(|c| c.project.as_deref() == Some(folder.as_str()))
        .collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert!(mine.iter().all(|c| c.managed && c.state == "running"));
    // down removes the containers and the network.
    let removed = e.down(p.path()).await.unwrap();
    assert_eq!(removed.len(), 2);
    let out = Command::new(DOCKER)
        .args([
            "network",
            "ls",
            "-q",
            "--filter",
            &format!("name={}", names.network()),
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
}

#[tokio::test]
async fn an_unhealthy_dependency_stops_the_start_with_its_logs() {
    let e = engine().await;
    let p = TestProject::new(APP);
    let (db_tag, _rm) = db_image(&e, &p, "sickdb").await;
    std::fs::write(
        p.path().join("compose.yaml"),
        format!(
            "services:\n  app:\n    build: .\n    ports: [\"8080\"]\n    depends_on:\n      db:\n        condition: service_healthy\n\
             \x20 db:\n    image: {db_tag}\n    healthcheck:\n      test: [\"CMD\", \"/bin/busybox\", \"false\"]\n      interval: 1s\n      retries: 1\n"
        ),
    )
    .unwrap();
    let _down = Down(e.clone(), p.path().to_path_buf());
    let err = up_api(
        &e,
        p.path(),
        Duration::from_secs(3600),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("service db"), "{msg}");
    assert!(msg.contains("unhealthy"), "{msg}");
    // The app was never started.
    let names: Vec<_> = e
        .project_containers(p.path())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with("-db"), "{names:?}");
}

#[tokio::test]
async fn a_service_built_from_a_subfolder_is_labelled_with_the_project() {
    let e = engine().await;
    let p = TestProject::new(APP);
    let web = p.path().join("web");
    std::fs::create_dir(&web).unwrap();
    std::fs::copy("/bin/busybox", web.join("busybox")).unwrap();
    std::fs::write(
        web.join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nUSER 65534\nEXPOSE 8080\n\
         CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/\"]\n",
    )
    .unwrap();
    let port = portpicker::pick_unused_port().unwrap();
    std::fs::write(
        p.path().join("compose.yaml"),
        format!(
            "services:\n  web:\n    build: ./web\n    ports:\n      - \"${{HOST_PORT:-{port}}}:8080\"\n"
        ),
    )
    .unwrap();
    let _down = Down(e.clone(), p.path().to_path_buf());
    let r = up_api(
        &e,
        p.path(),
        Duration::from_secs(60),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(r.services[0].built, "{r:?}");
    // The image belongs to the project (what `down` and the cleanup look for), not to web/.
    assert_eq!(
        engine_support::image_label(&r.image, "dev.berth.project"),
        p.path().display().to_string()
    );
}

#[tokio::test]
async fn cancelling_takes_down_the_services_already_started() {
    let e = engine().await;
    let p = TestProject::new(APP);
    let (db_tag, _rm) = db_image(&e, &p, "canceldb").await;
    std::fs::write(
        p.path().join("compose.yaml"),
        format!(
            "services:\n  app:\n    build: .\n    ports: [\"8080\"]\n    depends_on:\n      db:\n        condition: service_healthy\n\
             \x20 db:\n    image: {db_tag}\n    healthcheck:\n      test: [\"CMD\", \"/bin/busybox\", \"test\", \"-f\", \"/tmp/ready\"]\n      interval: 1s\n      retries: 30\n"
        ),
    )
    .unwrap();
    let _down = Down(e.clone(), p.path().to_path_buf());
    // Cancel once the db runs healthy and the app's build begins.
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    let err = up_api(
        &e,
        p.path(),
        Duration::from_secs(60),
        move |ev| {
            if matches!(&ev, BuildEvent::Output { line } if line == "building service app") {
                stopper.cancel();
            }
        },
        cancel,
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), berth_core::ErrorKind::Cancelled, "{err}");
    let left: Vec<_> = e
        .project_containers(p.path())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert!(left.is_empty(), "the started db is gone: {left:?}");
}

/// A dev-style compose file: the app serves `./site` bind-mounted read-only (what
/// compose.dev.yaml does with the source), so a change on the host is served at once; a
/// link leading out of the project is not mounted.
#[tokio::test]
async fn project_folders_are_bind_mounted_and_links_out_of_the_project_are_not() {
    let e = engine().await;
    let p = TestProject::new(
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         RUN mkdir -p /www /outside && echo baked > /www/index.html\nUSER 65534\nEXPOSE 8080\n\
         CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
    );
    std::fs::create_dir(p.path().join("site")).unwrap();
    std::fs::write(p.path().join("site/index.html"), "one\n").unwrap();
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(secret.path().join("key"), "secret\n").unwrap();
    std::os::unix::fs::symlink(secret.path(), p.path().join("linked")).unwrap();
    let port = portpicker::pick_unused_port().unwrap();
    std::fs::write(
        p.path().join("compose.yaml"),
        format!(
            "services:\n  web:\n    build: .\n    ports: [\"{port}:8080\"]\n    volumes:\n      \
             - type: bind\n        source: ./site\n        target: /www\n        read_only: true\n      \
             - ./linked:/outside\n"
        ),
    )
    .unwrap();
    let _down = Down(e.clone(), p.path().to_path_buf());
    let r = up_api(
        &e,
        p.path(),
        Duration::from_secs(60),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(r.healthy, "{r:?}");
    assert!(
        get(port, "/").ends_with("\r\n\r\none\n"),
        "{}",
        get(port, "/")
    );
    std::fs::write(p.path().join("site/index.html"), "two\n").unwrap();
    assert!(
        get(port, "/").ends_with("\r\n\r\ntwo\n"),
        "the host's change is served"
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("`./linked`") && n.contains("leads out of the project")),
        "{:?}",
        r.notes
    );
    let o = Command::new(DOCKER)
        .args(["exec", &r.container, "ls", "/outside"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "",
        "nothing mounted from outside"
    );
    // Read-only: the container cannot write into the project.
    let o = Command::new(DOCKER)
        .args([
            "exec",
            "-u",
            "0",
            &r.container,
            "sh",
            "-c",
            "echo x > /www/new",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success(), "the bind is read-only");
    assert!(!p.path().join("site/new").exists());
}
