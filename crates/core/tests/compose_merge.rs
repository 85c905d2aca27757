//! Berth's compose merge (`compose::merge::merge_all`) against Compose v2's own
//! (`docker compose -f base -f override config --format json`), the independent judge, on
//! the same files: every service's image, command, entrypoint, environment, labels, ports,
//! volume targets, depends_on conditions and healthcheck test must agree. Needs Compose v2
//! (scripts/setup-debian.sh installs the plugin); the test fails, never skips, without it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use berth_core::compose::merge::merge_all;
use berth_core::compose::model::parse_port;
use serde_json::{json, Value as Json};
use serde_yaml_ng::Value;
use std::collections::BTreeMap;
use std::process::Command;

/// The compared facts of one service.
type Canon = BTreeMap<String, Json>;

fn str_of(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// A map attribute (`environment`, `labels`) in either form, values as strings.
fn map_of(v: &Json) -> Json {
    let mut out = serde_json::Map::new();
    match v {
        Json::Object(m) => {
            for (k, v) in m {
                out.insert(k.clone(), Json::String(str_of(v)));
            }
        }
        Json::Array(items) => {
            for i in items {
                let s = str_of(i);
                let (k, v) = s.split_once('=').unwrap_or((&s, ""));
                out.insert(k.to_string(), Json::String(v.to_string()));
            }
        }
        _ => {}
    }
    Json::Object(out)
}

fn canon_service(svc: &Json) -> Canon {
    let mut c = Canon::new();
    for key in ["image", "command", "entrypoint"] {
        let v = svc.get(key).cloned().unwrap_or(Json::Null);
        c.insert(key.into(), v);
    }
    for key in ["environment", "labels"] {
        c.insert(key.into(), map_of(svc.get(key).unwrap_or(&Json::Null)));
    }
    let mut ports: Vec<String> = svc
        .get("ports")
        .and_then(Json::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| match p {
                    Json::String(s) => {
                        // Compose's `config` interpolates; Berth merges first, then reads.
                        let s = berth_core::compose::interpolate(s, &|v| std::env::var(v).ok());
                        let spec = parse_port(&s).unwrap();
                        format!(
                            "{}:{}:{}",
                            spec.host_ip.unwrap_or_default(),
                            spec.host.unwrap_or_default(),
                            spec.container
                        )
                    }
                    Json::Object(m) => format!(
                        "{}:{}:{}",
                        m.get("host_ip").map(str_of).unwrap_or_default(),
                        m.get("published").map(str_of).unwrap_or_default(),
                        m.get("target").map(str_of).unwrap_or_default()
                    ),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    ports.sort();
    c.insert("ports".into(), json!(ports));
    let mut targets: Vec<String> = svc
        .get("volumes")
        .and_then(Json::as_array)
        .map(|vs| {
            vs.iter()
                .map(|v| match v {
                    Json::String(s) => s.split(':').nth(1).unwrap_or(s).to_string(),
                    Json::Object(m) => m.get("target").map(str_of).unwrap_or_default(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    targets.sort();
    c.insert("volume_targets".into(), json!(targets));
    let deps: BTreeMap<String, String> = match svc.get("depends_on") {
        Some(Json::Array(names)) => names
            .iter()
            .map(|n| (str_of(n), "service_started".to_string()))
            .collect(),
        Some(Json::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.get("condition").map(str_of).unwrap_or_default(),
                )
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    c.insert("depends_on".into(), json!(deps));
    // The environments' settings: read-only root, restart policy, log driver and options,
    // command working directory, build target.
    c.insert(
        "read_only".into(),
        json!(svc
            .get("read_only")
            .and_then(Json::as_bool)
            .unwrap_or(false)),
    );
    c.insert(
        "restart".into(),
        json!(svc.get("restart").map(str_of).unwrap_or_default()),
    );
    c.insert(
        "logging".into(),
        match svc.get("logging") {
            Some(l) => json!({
                "driver": l.get("driver").map(str_of).unwrap_or_default(),
                "options": map_of(l.get("options").unwrap_or(&Json::Null)),
            }),
            None => Json::Null,
        },
    );
    c.insert(
        "build_target".into(),
        json!(svc
            .get("build")
            .and_then(|b| b.get("target"))
            .map(str_of)
            .unwrap_or_default()),
    );
    c.insert(
        "healthcheck_test".into(),
        svc.get("healthcheck")
            .and_then(|h| h.get("test"))
            .cloned()
            .unwrap_or(Json::Null),
    );
    c
}

fn canon(doc: &Json) -> BTreeMap<String, Canon> {
    doc["services"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), canon_service(v)))
        .collect()
}

fn compose_config(dir: &std::path::Path, files: &[&str]) -> Json {
    let tool = berth_core::compose::find_tool().tool.expect(
        "this test needs Compose v2 (the docker compose plugin): run scripts/setup-debian.sh",
    );
    let (prog, mut args) = tool.base();
    for f in files {
        args.push("-f".into());
        args.push(dir.join(f).display().to_string());
    }
    args.extend(["config".into(), "--format".into(), "json".into()]);
    let o = Command::new(prog)
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn check(files: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    let theirs = canon(&compose_config(dir.path(), &names));
    let docs: Vec<Value> = files
        .iter()
        .map(|(_, t)| serde_yaml_ng::from_str(t).unwrap())
        .collect();
    let mut it = docs.into_iter();
    let base = it.next().unwrap();
    let ours: Json = serde_json::to_value(merge_all(base, it)).unwrap();
    assert_eq!(canon(&ours), theirs, "files: {files:#?}");
}

#[test]
fn scalars_commands_environment_and_ports_merge_as_compose_merges_them() {
    check(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: a:1\n    command: [a, b]\n    ports: [\"8080:80\", \"127.0.0.1:9000:9000\"]\n    environment: [A=1, B=2]\n    labels: {x: '1'}\n    depends_on: [db]\n    volumes: [\"./src:/app\", \"data:/data\"]\n    healthcheck: {test: [CMD, x], retries: 3}\n  db:\n    image: pg:16\nvolumes:\n  data:\n",
        ),
        (
            "compose.override.yaml",
            "services:\n  web:\n    command: [c]\n    ports: [\"8080:80\", \"9090:90\"]\n    environment: {B: '3', C: '4'}\n    labels: [y=2]\n    volumes: [\"./other:/app\"]\n    healthcheck: {test: [CMD, y]}\n    depends_on: {cache: {condition: service_healthy}}\n  cache:\n    image: redis:7\n",
        ),
    ]);
}

#[test]
fn dev_and_prod_style_overrides_with_reset_and_override() {
    let base = "services:\n  app:\n    build: .\n    image: shop:1\n    ports: [\"${HOST_PORT:-8000}:8000\"]\n    environment: {PORT: '8000', DEBUG: '0'}\n    command: [gunicorn, app:app]\n  redis:\n    image: redis:7\n    ports: [\"6379:6379\"]\n";
    check(&[
        ("compose.yaml", base),
        (
            "compose.dev.yaml",
            "services:\n  app:\n    command: [flask, run, --reload]\n    environment: {DEBUG: '1'}\n    volumes: [\"./:/app\"]\n    ports: [\"5678:5678\"]\n",
        ),
    ]);
    check(&[
        ("compose.yaml", base),
        (
            "compose.prod.yaml",
            "services:\n  app:\n    environment: !override {PORT: '8000'}\n  redis:\n    ports: !reset []\n",
        ),
    ]);
    check(&[
        ("compose.yaml", base),
        ("a.yaml", "services:\n  app:\n    image: shop:2\n"),
        (
            "b.yaml",
            "services:\n  app:\n    image: shop:3\n    entrypoint: [tini, --]\n",
        ),
    ]);
}

/// Berth's own override files (`compose.dev.yaml`, `compose.prod.yaml`, rendered for every
/// fixture's plan with environments on) merge over its compose.yaml exactly as Compose v2
/// merges them.
#[test]
fn berths_environment_overrides_merge_as_compose_merges_them() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut compared = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("bad-") || !dir.is_dir() {
            continue;
        }
        let Ok(d) = berth_core::stacks::detect(&dir) else {
            continue;
        };
        let mut plan = berth_core::plan::Plan::from_detection(&d).named(&name);
        plan.environments = true;
        let files =
            berth_core::render::render(&plan, &berth_core::render::Templates::embedded()).unwrap();
        let dev = files.compose_dev.clone().unwrap();
        let prod = files.compose_prod.clone().unwrap();
        check(&[("compose.yaml", &files.compose), ("compose.dev.yaml", &dev)]);
        check(&[
            ("compose.yaml", &files.compose),
            ("compose.prod.yaml", &prod),
        ]);
        compared += 1;
    }
    assert!(compared > 30, "fixtures missing? {compared}");
}
