//! Unit tests of compose_api (pure: ordering, port planning, container bodies).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

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
        "services:\n  db:\n    image: busybox\n    ports:\n      - \"${DB_PORT:-5432}:5432\"\n      - \"6000:6000\"\n      - \"7000\"\n      - \"8080:80\"\n      - \"6000:6001\"\n",
    )
    .unwrap();
    let db = &f.services[0];
    let env = |v: &str| (v == "DB_PORT").then(|| "15432".to_string());
    let free = |p: u16| p != 6000;
    let mut notes = Vec::new();
    let b = other_bindings(db, 0, &env, &[8080], &free, &mut notes);
    assert_eq!(b, vec![(5432, Some(15432)), (7000, None)]);
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(notes[0].contains("host port 6000 is in use"), "{notes:?}");
    assert!(notes[0].contains("reach it as db:6000"), "{notes:?}");
    assert!(notes[1].contains("host port 8080 is in use"), "{notes:?}");
    // From the second entry on (the app's first is resolved on its own).
    let mut notes = Vec::new();
    let b = other_bindings(db, 2, &env, &[], &|_| true, &mut notes);
    assert_eq!(b, vec![(7000, None), (80, Some(8080)), (6001, Some(6000))]);
    assert!(notes.is_empty());
    // Two entries on one host port: the second is left out.
    let mut notes = Vec::new();
    let b = other_bindings(db, 1, &env, &[], &|_| true, &mut notes);
    assert_eq!(b.len(), 3, "{b:?}");
    assert!(notes[0].contains("host port 6000 is in use"), "{notes:?}");

    let (net, _) = api_names(Path::new("/p/shop"), "");
    let body = service_body(
        Path::new("/p/shop"),
        db,
        "busybox",
        &net,
        &[(5432, Some(15432)), (7000, None), (5432, Some(15433))],
    );
    let pb = body.host_config.unwrap().port_bindings.unwrap();
    let hosts = |k: &str| -> Vec<String> {
        pb[k]
            .as_ref()
            .unwrap()
            .iter()
            .map(|b| b.host_port.clone().unwrap())
            .collect()
    };
    assert_eq!(hosts("5432/tcp"), vec!["15432", "15433"]);
    assert_eq!(hosts("7000/tcp"), vec![""]);
    assert_eq!(body.exposed_ports.unwrap().len(), 2);
}

#[test]
fn service_bodies_carry_settings_labels_and_the_network() {
    let f = file();
    let p = Path::new("/p/shop");
    let (net, _) = api_names(p, "");
    let b = service_body(p, &f.services[0], "img:dev", &net, &[(8000, Some(18000))]);
    let h = b.host_config.clone().unwrap();
    assert_eq!(h.cap_drop, Some(vec!["ALL".to_string()]));
    assert_eq!(h.readonly_rootfs, Some(true));
    assert_eq!(h.memory, Some(256 * 1024 * 1024));
    assert_eq!(h.nano_cpus, Some(500_000_000));
    assert!(h.tmpfs.unwrap().contains_key("/tmp"));
    assert_eq!(
        h.port_bindings.unwrap()["8000/tcp"].as_ref().unwrap()[0].host_port,
        Some("18000".into())
    );
    assert_eq!(b.env, Some(vec!["A=b".to_string()]));
    let labels = b.labels.unwrap();
    assert_eq!(labels["dev.berth.project"], "/p/shop");
    assert_eq!(labels["dev.berth.managed"], "true");
    assert_eq!(labels[LABEL_SERVICE], "app");
    let eps = b.networking_config.unwrap().endpoints_config.unwrap();
    assert_eq!(eps[&net].aliases, Some(vec!["app".to_string()]));
    let db = service_body(p, &f.services[1], "busybox", &net, &[]);
    let hc = db.healthcheck.unwrap();
    assert_eq!(hc.interval, Some(2_000_000_000));
    assert_eq!(hc.retries, Some(3));
    let binds = db.host_config.unwrap().binds.unwrap();
    assert!(binds[0].ends_with("_data:/data"), "{binds:?}");
    assert!(binds[0].starts_with("berth-shop-"), "{binds:?}");
}
