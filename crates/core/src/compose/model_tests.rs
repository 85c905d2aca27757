//! Unit tests of the compose model (pure).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::compose::overrides::{labels_override, tool_override};

const BERTH: &str = r#"
name: "shop"
services:
  app:
    build:
      context: .
      dockerfile: Dockerfile
    ports:
      - "${HOST_PORT:-8000}:8000"
    environment:
      "DATABASE_URL": "postgres://db/app"
    depends_on:
      db:
        condition: service_healthy
    restart: unless-stopped
    read_only: true
    tmpfs:
      - /tmp
    cap_drop:
      - ALL
    security_opt:
      - "no-new-privileges:true"
    deploy:
      resources:
        limits:
          cpus: "1.0"
          memory: "512m"
    healthcheck:
      test: ["CMD", "/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:8000/health"]
      interval: 10s
      timeout: 5s
      start_period: 1m30s
      retries: 3
    labels:
      dev.berth.project: "shop"
  db:
    image: "postgres:16-alpine"
    environment:
      - POSTGRES_PASSWORD=pw
    volumes:
      - "db-data:/var/lib/postgresql/data"
    healthcheck:
      test: pg_isready
  worker:
    image: busybox
    depends_on: [db]
    network_mode: host
volumes:
  db-data: {}
secrets:
  x: {}
"#;

#[test]
fn berth_compose_files_parse() {
    let f = parse(Path::new("compose.yaml"), BERTH).unwrap();
    assert_eq!(f.name.as_deref(), Some("shop"));
    let app = &f.services[0];
    assert_eq!(app.name, "app");
    assert_eq!(
        app.build,
        Some(BuildSpec {
            context: ".".into(),
            dockerfile: "Dockerfile".into()
        })
    );
    assert_eq!(app.ports[0].container, 8000);
    assert_eq!(app.ports[0].host_port(&|_| None), Some(8000));
    assert_eq!(
        app.ports[0].host_port(&|v| (v == "HOST_PORT").then(|| "9001".into())),
        Some(9001)
    );
    assert_eq!(app.depends_on, vec![("db".to_string(), true)]);
    assert!(app.read_only);
    assert_eq!(app.memory.as_deref(), Some("512m"));
    let h = app.healthcheck.clone().unwrap();
    assert_eq!(h.test[0], "CMD");
    assert_eq!(h.start_period, Some(Duration::from_secs(90)));
    assert_eq!(h.retries, Some(3));
    let db = &f.services[1];
    assert_eq!(db.environment["POSTGRES_PASSWORD"], "pw");
    assert_eq!(
        db.volumes,
        vec![("db-data".into(), "/var/lib/postgresql/data".into())]
    );
    assert_eq!(
        db.healthcheck.as_ref().unwrap().test,
        vec!["CMD-SHELL", "pg_isready"]
    );
    assert_eq!(f.services[2].depends_on, vec![("db".to_string(), false)]);
    assert_eq!(
        f.notes,
        vec![
            "service worker: `network_mode` is not supported and was ignored".to_string(),
            "top-level `secrets` is not supported and was ignored".to_string()
        ]
    );
}

#[test]
fn bad_yaml_is_an_invalid_manifest() {
    let e = parse(Path::new("compose.yaml"), "services: [\n").unwrap_err();
    assert!(matches!(e, Error::InvalidManifest { .. }), "{e}");
}

#[test]
fn ports_interpolation_and_durations() {
    assert_eq!(
        parse_port("127.0.0.1:8080:80"),
        Some(PortSpec {
            host: Some("8080".into()),
            host_ip: Some("127.0.0.1".into()),
            container: 80
        })
    );
    assert_eq!(parse_port("80").unwrap().host, None);
    // Berth's own entry: both sides movable, the address on loopback unless HOST_IP is set.
    let p = parse_port("${HOST_IP:-127.0.0.1}:${HOST_PORT:-8000}:8000").unwrap();
    assert_eq!(p.container, 8000);
    let none = |_: &str| None;
    assert_eq!(p.host_port(&none), Some(8000));
    assert_eq!(p.host_address(&none).as_deref(), Some("127.0.0.1"));
    let exposed = |v: &str| (v == "HOST_IP").then(|| "0.0.0.0".to_string());
    assert_eq!(p.host_address(&exposed).as_deref(), Some("0.0.0.0"));
    let p = parse_port("[::1]:8080:80").unwrap();
    assert_eq!(p.host_address(&none).as_deref(), Some("::1"));
    assert_eq!(p.host_port(&none), Some(8080));
    assert_eq!(parse_port("8080:80").unwrap().host_address(&none), None);
    assert_eq!(parse_port("a:b"), None);
    let env = |v: &str| (v == "SET").then(|| "x".to_string());
    assert_eq!(
        interpolate("${SET:-d}/${UNSET:-d}/$SET/$$", &env),
        "x/d/x/$"
    );
    assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
    assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
    assert_eq!(parse_duration("3"), Some(Duration::from_secs(3)));
    assert_eq!(parse_duration("soon"), None);
}

#[test]
fn the_labels_override_labels_every_service() {
    let f = parse(
        Path::new("compose.yaml"),
        "version: \"3.8\"\nservices:\n  app: {image: a}\n  db: {image: b}\n",
    )
    .unwrap();
    let o = labels_override(Path::new("/home/me/shop \"x\""), &f);
    let v: serde_json::Value = serde_json::from_str(&o).unwrap();
    assert_eq!(v["version"], "3.8");
    for s in ["app", "db"] {
        assert_eq!(v["services"][s]["labels"]["dev.berth.managed"], "true");
        assert_eq!(
            v["services"][s]["labels"]["dev.berth.project"],
            "/home/me/shop \"x\""
        );
    }
    // It is valid YAML too (compose reads it as YAML).
    let y: Value = serde_yaml_ng::from_str(&o).unwrap();
    assert!(y.get("services").is_some());
}

#[test]
fn the_tool_override_points_built_services_at_berths_images() {
    let f = parse(
        Path::new("compose.yaml"),
        "services:\n  app: {build: .}\n  db: {image: b}\n",
    )
    .unwrap();
    let images = BTreeMap::from([("app".to_string(), "berth-shop-abc123-app:dev".to_string())]);
    let o = tool_override(Path::new("/home/me/shop"), &f, &images);
    let v: serde_json::Value = serde_json::from_str(&o).unwrap();
    assert_eq!(v["services"]["app"]["image"], "berth-shop-abc123-app:dev");
    assert_eq!(v["services"]["app"]["labels"]["dev.berth.managed"], "true");
    // A service Berth did not build keeps its own image (no `image:` in the override).
    assert!(v["services"]["db"].get("image").is_none());
    assert_eq!(
        v["services"]["db"]["labels"]["dev.berth.project"],
        "/home/me/shop"
    );
    assert!(v.get("version").is_none());
    let y: Value = serde_yaml_ng::from_str(&o).unwrap();
    assert!(y.get("services").is_some());
}

#[test]
fn fields_for_the_kubernetes_manifests_are_read_and_still_noted() {
    let f = parse(
        Path::new("compose.yaml"),
        r#"
services:
  app:
    build: .
    command: gunicorn app:app --bind 0.0.0.0:8000
    entrypoint: ["/entry.sh"]
    env_file: [.env, {path: ./extra.env, required: false}]
    secrets: [db_password, {source: api_key, target: key.txt}, {source: tls, target: /etc/tls.pem}]
    user: "10001:10001"
    expose: ["9090", "9100/tcp"]
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro", "./data:/data", "cache:/cache"]
    deploy:
      replicas: 3
      resources:
        limits: {cpus: "1", memory: 512M}
        reservations: {cpus: "0.25", memory: 128M}
secrets:
  db_password: {file: ./secrets/db_password.txt}
  api_key: {environment: API_KEY}
  tls: {external: true}
"#,
    )
    .unwrap();
    let app = &f.services[0];
    assert_eq!(
        app.command_text.as_deref(),
        Some("gunicorn app:app --bind 0.0.0.0:8000")
    );
    assert_eq!(app.command.as_ref().unwrap()[0], "/bin/sh");
    assert_eq!(app.entrypoint, Some(vec!["/entry.sh".to_string()]));
    assert_eq!(app.env_file, vec![".env", "./extra.env"]);
    assert_eq!(
        app.secrets,
        vec![
            SecretRef {
                source: "db_password".into(),
                target: "/run/secrets/db_password".into()
            },
            SecretRef {
                source: "api_key".into(),
                target: "/run/secrets/key.txt".into()
            },
            SecretRef {
                source: "tls".into(),
                target: "/etc/tls.pem".into()
            },
        ]
    );
    assert_eq!(app.security.user.as_deref(), Some("10001:10001"));
    assert_eq!(app.expose, vec![9090, 9100]);
    assert_eq!(app.replicas, Some(3));
    assert_eq!(app.memory.as_deref(), Some("512M"));
    assert_eq!(app.memory_reservation.as_deref(), Some("128M"));
    assert_eq!(app.cpus_reservation.as_deref(), Some("0.25"));
    assert_eq!(app.volumes, vec![("cache".into(), "/cache".into())]);
    assert_eq!(
        app.security.binds,
        vec![
            BindSpec {
                source: "./nginx.conf".into(),
                target: "/etc/nginx/nginx.conf".into(),
                propagation: None,
                read_only: true
            },
            BindSpec {
                source: "./data".into(),
                target: "/data".into(),
                propagation: None,
                read_only: false
            },
        ]
    );
    assert_eq!(f.secrets.len(), 3);
    assert_eq!(
        f.secrets[0].file.as_deref(),
        Some("./secrets/db_password.txt")
    );
    assert_eq!(f.secrets[1].environment.as_deref(), Some("API_KEY"));
    assert!(f.secrets[2].external);
    // The Engine API runner applies none of these: they stay noted.
    for key in ["env_file", "secrets", "user", "entrypoint"] {
        assert!(
            f.notes.contains(&format!(
                "service app: `{key}` is not supported and was ignored"
            )),
            "{key}: {:?}",
            f.notes
        );
    }
    assert!(f
        .notes
        .contains(&"top-level `secrets` is not supported and was ignored".to_string()));
}

#[test]
fn volumes_split_into_named_project_binds_anonymous_and_refused_host_paths() {
    let f = parse(
        Path::new("compose.yaml"),
        "services:
  app:
    build: .
    volumes:
      - data:/var/data
      - ./src:/app/src:ro
      - /app/node_modules
      - /etc:/host-etc
      - ~/.ssh:/root/.ssh
      - type: bind
        source: .
        target: /app
      - type: volume
        target: /app/.venv
      - type: volume
        source: cache
        target: /cache
      - type: bind
        source: /var/run/docker.sock
        target: /var/run/docker.sock
volumes:
  data: {}
  cache: {}
",
    )
    .unwrap();
    let s = &f.services[0];
    assert_eq!(
        s.volumes,
        vec![
            ("data".to_string(), "/var/data".to_string()),
            ("cache".to_string(), "/cache".to_string())
        ]
    );
    let binds: Vec<(&str, &str, bool)> = s
        .project_binds
        .iter()
        .map(|b| (b.source.as_str(), b.target.as_str(), b.read_only))
        .collect();
    assert_eq!(
        binds,
        vec![("./src", "/app/src", true), (".", "/app", false)]
    );
    assert_eq!(s.anonymous_volumes, vec!["/app/node_modules", "/app/.venv"]);
    for host in ["/etc", "~/.ssh", "/var/run/docker.sock"] {
        assert!(
            f.notes
                .iter()
                .any(|n| n.contains(&format!("`{host}`")) && n.contains("not made")),
            "{host}: {:?}",
            f.notes
        );
    }
}
