//! Unit tests of compose_api: ordering, port planning and container specs (pure), and the
//! orchestration on the in-memory engine (the real engine: engine_compose_api in
//! crates/core/tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::compose::{self as compose_file, ComposeFile};
use crate::docker::api::ImageInfo;
use crate::runner::fake::FakeEngine;
use crate::runner::recipe::Recipe;
use std::sync::Arc;

fn file() -> ComposeFile {
    compose_file::parse(
        Path::new("compose.yaml"),
        "services:\n  app:\n    build: .\n    ports: [\"${HOST_PORT:-8000}:8000\"]\n    depends_on:\n      db: {condition: service_healthy}\n    environment: {A: b}\n    cap_drop: [ALL]\n    read_only: true\n    tmpfs: [/tmp]\n    deploy: {resources: {limits: {memory: 256m, cpus: \"0.5\"}}}\n  db:\n    image: busybox\n    volumes: [\"data:/data\"]\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 2s\n      retries: 3\n",
    )
    .unwrap()
}

#[test]
fn dependencies_start_first_and_cycles_are_errors() {
    let f = file();
    let order: Vec<_> = start_order(&f.services)
        .unwrap()
        .into_iter()
        .map(|i| f.services[i].name.clone())
        .collect();
    assert_eq!(order, vec!["db", "app"]);
    assert_eq!(app_service(&f.services), Some(0));
    let mut cyc = f.services.clone();
    cyc[1].depends_on.push(("app".into(), false));
    assert!(start_order(&cyc).unwrap_err().to_string().contains("cycle"));
    let mut unknown = f.services.clone();
    unknown[1].depends_on.push(("cache".into(), false));
    assert!(start_order(&unknown)
        .unwrap_err()
        .to_string()
        .contains("does not define"));
}

#[test]
fn other_ports_are_published_when_free_and_left_out_with_a_note_when_not() {
    let f = compose_file::parse(
        Path::new("compose.yaml"),
        "services:\n  db:\n    image: busybox\n    ports:\n      - \"${DB_PORT:-5432}:5432\"\n      - \"6000:6000\"\n      - \"7000\"\n      - \"8080:80\"\n      - \"6000:6001\"\n      - \"0.0.0.0:7001:7001\"\n",
    )
    .unwrap();
    let db = &f.services[0];
    let env = |v: &str| (v == "DB_PORT").then(|| "15432".to_string());
    let free = |p: u16| p != 6000;
    let mut notes = Vec::new();
    let b = other_ports(db, 0, &env, &[8080], &free, "127.0.0.1", &mut notes);
    let hosts: Vec<(u16, Option<u16>, &str)> = b
        .iter()
        .map(|p| (p.container, p.host, p.host_ip.as_str()))
        .collect();
    assert_eq!(
        hosts,
        vec![
            (5432, Some(15432), "127.0.0.1"),
            (7000, None, "127.0.0.1"),
            (7001, Some(7001), "0.0.0.0")
        ]
    );
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(notes[0].contains("host port 6000 is in use"), "{notes:?}");
    assert!(notes[0].contains("reach it as db:6000"), "{notes:?}");
    assert!(notes[1].contains("host port 8080 is in use"), "{notes:?}");
    // From the second entry on (the app's first is resolved on its own).
    let mut notes = Vec::new();
    let b = other_ports(db, 2, &env, &[], &|_| true, "0.0.0.0", &mut notes);
    let hosts: Vec<(u16, Option<u16>)> = b.iter().map(|p| (p.container, p.host)).collect();
    assert_eq!(
        hosts,
        vec![
            (7000, None),
            (80, Some(8080)),
            (6001, Some(6000)),
            (7001, Some(7001))
        ]
    );
    assert!(notes.is_empty());
    // Two entries on one host port: the second is left out.
    let mut notes = Vec::new();
    let b = other_ports(db, 1, &env, &[], &|_| true, "127.0.0.1", &mut notes);
    assert_eq!(b.len(), 4, "{b:?}");
    assert!(notes[0].contains("host port 6000 is in use"), "{notes:?}");
}

#[test]
fn service_specs_carry_settings_labels_and_the_network() {
    let f = file();
    let p = Path::new("/p/shop");
    let names = ProjectNames::of(p);
    let b = service_spec(
        p,
        &f.services[0],
        "img:dev",
        vec![Publish::new(8000, Some(18000), "127.0.0.1")],
    );
    assert_eq!(b.cap_drop, vec!["ALL".to_string()]);
    assert!(b.read_only);
    assert_eq!(b.memory_bytes, Some(256 * 1024 * 1024));
    assert_eq!(b.nano_cpus, Some(500_000_000));
    assert!(b.tmpfs.contains_key("/tmp"));
    assert_eq!(b.env, vec!["A=b".to_string()]);
    assert_eq!(b.labels["dev.berth.project"], "/p/shop");
    assert_eq!(b.labels["dev.berth.managed"], "true");
    assert_eq!(b.labels[LABEL_SERVICE], "app");
    assert_eq!(b.network, Some((names.network(), vec!["app".to_string()])));
    assert_eq!(b.restart, Restart::No, "compose's default");
    let db = service_spec(p, &f.services[1], "busybox", Vec::new());
    let hc = db.healthcheck.unwrap();
    assert_eq!(hc.interval, Some(std::time::Duration::from_secs(2)));
    assert_eq!(hc.retries, Some(3));
    assert!(db.binds[0].ends_with("_data:/data"), "{:?}", db.binds);
    assert!(db.binds[0].starts_with("berth-shop-"), "{:?}", db.binds);
}

fn project(root: &Path, f: ComposeFile) -> ComposeProject {
    ComposeProject {
        root: root.to_path_buf(),
        file: Some(root.join("compose.yaml")),
        text: String::new(),
        model: f,
        recipes: BTreeMap::new(),
        environment: None,
    }
}

fn options() -> RunOptions {
    RunOptions {
        publishing: Publishing {
            is_free: Arc::new(|_| true),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn services_start_in_dependency_order_after_their_dependencies_are_healthy() {
    let root = Path::new("/p/shop");
    let names = ProjectNames::of(root);
    let e = FakeEngine::default();
    e.add_image("busybox", ImageInfo::default());
    let r = up(
        &e,
        &project(root, file()),
        &options(),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(r.healthy);
    assert_eq!(r.runner, RunnerKind::EngineApi);
    assert_eq!(r.host_port, Some(8000));
    let calls = e.calls();
    let at = |c: &str| {
        calls
            .iter()
            .position(|x| x == c)
            .unwrap_or_else(|| panic!("{c} in {calls:?}"))
    };
    assert!(
        at(&format!("start {}", names.service_container("db")))
            < at(&format!("wait {}", names.service_container("db")))
    );
    assert!(
        at(&format!("wait {}", names.service_container("db")))
            < at(&format!("build {}", names.service_image("app")))
    );
    assert!(calls.contains(&format!("volume {}", names.volume("data"))));
    let services: Vec<_> = r
        .services
        .iter()
        .map(|s| (s.service.as_str(), s.built))
        .collect();
    assert_eq!(services, vec![("db", false), ("app", true)]);
}

#[tokio::test]
async fn an_unhealthy_dependency_stops_the_run_with_its_name() {
    let root = Path::new("/p/shop");
    let e = FakeEngine::default();
    e.add_image("busybox", ImageInfo::default());
    e.make_unhealthy(&ProjectNames::of(root).service_container("db"));
    let err = up(
        &e,
        &project(root, file()),
        &options(),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("service db (needed healthy by app)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_cancelled_run_takes_down_what_it_started() {
    let root = Path::new("/p/shop");
    let e = FakeEngine::default();
    e.add_image("busybox", ImageInfo::default());
    let cancel = CancellationToken::new();
    e.cancel_on_build(cancel.clone());
    let err = up(&e, &project(root, file()), &options(), |_| {}, cancel)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::Cancelled);
    assert!(e.container_names().is_empty(), "{:?}", e.container_names());
    assert!(e.calls().iter().any(|c| c.starts_with("down ")));
}

#[tokio::test]
async fn a_missing_image_is_pulled() {
    let root = Path::new("/p/shop");
    let e = FakeEngine::default();
    up(
        &e,
        &project(root, file()),
        &options(),
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(e.calls().contains(&"pull busybox".to_string()));
}

#[tokio::test]
async fn the_plans_compose_runs_from_memory_with_the_plans_app_recipe() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/python-flask-redis")
        .canonicalize()
        .unwrap();
    let d = crate::stacks::detect(&fixture).unwrap();
    let mut plan = crate::plan::Plan::from_detection(&d).named("shop");
    plan.port = 7100;
    let recipe = Recipe::from_plan(&plan, &crate::render::Templates::embedded()).unwrap();
    let p = ComposeProject::from_recipe(&fixture, &recipe).unwrap();
    let e = FakeEngine::default();
    let mut lines = Vec::new();
    let r = up(
        &e,
        &p,
        &options(),
        |ev| lines.push(format!("{ev:?}")),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(r.host_port, Some(7100));
    assert_eq!(
        r.dockerfile,
        Some(crate::runner::DockerfileSource::Generated)
    );
    assert!(lines.iter().any(|l| l.contains("in memory")), "{lines:?}");
    let names: Vec<_> = r.services.iter().map(|s| s.service.clone()).collect();
    assert!(names.contains(&"redis".to_string()), "{names:?}");
    let app = e
        .container(&ProjectNames::of(&fixture).service_container("app"))
        .unwrap();
    assert_eq!(app.publish[0].container, 7100);
    assert_eq!(app.publish[0].host_ip, "127.0.0.1");
}

#[test]
fn project_binds_stay_inside_the_project_and_exist() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("escape")).unwrap();
    std::os::unix::fs::symlink(root.join("src"), root.join("inside")).unwrap();
    let f = compose_file::parse(
        Path::new("compose.yaml"),
        "services:
  app:
    image: x
    volumes:
      - ./src:/app/src:ro
      - .:/app
      - ./inside:/app/inside
      - ./escape:/app/escape
      - ../:/up
      - ./missing:/app/missing
",
    )
    .unwrap();
    let mut notes = Vec::new();
    let binds = project_binds(&root, &root, &f.services[0], &mut notes);
    let r = root.display();
    assert_eq!(
        binds,
        vec![
            format!("{r}/src:/app/src:ro"),
            format!("{r}:/app"),
            format!("{r}/src:/app/inside"),
        ]
    );
    for (what, why) in [
        ("./escape", "leads out of the project"),
        ("../", "leads out of the project"),
        ("./missing", "does not exist"),
    ] {
        assert!(
            notes
                .iter()
                .any(|n| n.contains(&format!("`{what}`")) && n.contains(why)),
            "{what}: {notes:?}"
        );
    }
    // The container gets the anonymous volumes from the spec.
    let g = compose_file::parse(
        Path::new("compose.yaml"),
        "services:\n  app:\n    image: x\n    volumes: [/app/node_modules]\n",
    )
    .unwrap();
    let spec = service_spec(&root, &g.services[0], "x", Vec::new());
    assert_eq!(spec.anonymous_volumes, vec!["/app/node_modules"]);
}
