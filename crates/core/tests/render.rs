//! Snapshots of the Plan (JSON) and the rendered files for every fixture folder and every
//! hand-built sample, plus properties every output must have.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod render_support;

use berth_core::plan::Plan;
use berth_core::stacks::Stack;
use render_support::*;

fn snapshot_case(name: &str, plan: &Plan) {
    let files = render_plan(plan);
    insta::assert_json_snapshot!(format!("{name}__plan"), plan);
    insta::assert_snapshot!(format!("{name}__Dockerfile"), files.dockerfile);
    insta::assert_snapshot!(format!("{name}__compose.yaml"), files.compose);
    insta::assert_snapshot!(format!("{name}__dockerignore"), files.dockerignore);
}

#[test]
fn sample_snapshots() {
    for (name, d) in sample_detections() {
        snapshot_case(name, &Plan::from_detection(&d).named(name));
    }
}

#[test]
fn fixture_snapshots() {
    let (good, bad) = fixture_folders();
    assert!(
        good.len() >= 30,
        "tests/fixtures missing? {} folders",
        good.len()
    );
    // `bad-*` fixtures are invalid inputs: detection refuses them, nothing to render.
    for dir in &bad {
        assert!(
            berth_core::stacks::detect(dir).is_err(),
            "{} is a bad-* fixture but detection accepted it",
            dir.display()
        );
    }
    for dir in &good {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let d = berth_core::stacks::detect(dir)
            .unwrap_or_else(|e| panic!("fixture {name}: detect failed: {e}"));
        snapshot_case(
            &format!("fixture-{name}"),
            &Plan::from_detection(&d).named(&name),
        );
    }
}

/// Properties the generated files promise, checked on every case.
#[test]
fn every_output_keeps_the_promises() {
    let mut plans: Vec<(String, Plan)> = sample_detections()
        .into_iter()
        .map(|(n, d)| (n.to_string(), Plan::from_detection(&d).named(n)))
        .collect();
    for dir in fixture_folders().0 {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let d = berth_core::stacks::detect(&dir)
            .unwrap_or_else(|e| panic!("fixture {name}: detect failed: {e}"));
        plans.push((name.clone(), Plan::from_detection(&d).named(&name)));
    }
    for (name, plan) in plans {
        let f = render_plan(&plan);
        let ins = instructions(&f.dockerfile);
        let froms: Vec<&String> = ins.iter().filter(|i| i.starts_with("FROM ")).collect();
        assert!(!f.dockerfile.contains("# syntax"), "{name}: syntax line");
        for from in &froms {
            let image = from.split_whitespace().nth(1).unwrap();
            assert!(
                berth_core::plan::is_valid_image_ref(image) || !image.contains(':'),
                "{name}: unpinned {from}"
            );
            assert!(!image.ends_with(":latest"), "{name}: {from}");
        }
        let compiles = plan.builder_image.is_some();
        if compiles {
            assert!(froms.len() >= 2, "{name}: builder image but single stage");
        }
        let users: Vec<&String> = ins.iter().filter(|i| i.starts_with("USER ")).collect();
        let last_user = users.last().unwrap_or_else(|| panic!("{name}: no USER"));
        assert!(
            !matches!(last_user.as_str(), "USER root" | "USER 0" | "USER 0:0"),
            "{name}: runs as root"
        );
        let cmd = ins.iter().rev().find(|i| i.starts_with("CMD ")).unwrap();
        let argv: Vec<String> = serde_json::from_str(&cmd[4..]).unwrap();
        assert_eq!(
            argv, plan.start_command,
            "{name}: CMD is exec form of the plan"
        );
        for i in ins.iter().filter(|i| i.starts_with("RUN ")) {
            let installs = ["\"pip\", \"install\"", "\"npm\", \"ci\"", "\"go\", \"mod\""];
            if installs.iter().any(|x| i.contains(x)) {
                assert!(
                    i.contains("--mount=type=cache"),
                    "{name}: no cache mount: {i}"
                );
            }
        }
        // Manifests are copied before the source.
        let source_copy = ins
            .iter()
            .position(|i| i == "COPY . ." || i.starts_with("COPY . /"));
        if let Some(src) = source_copy {
            for m in &plan.manifests {
                let pos = ins
                    .iter()
                    .position(|i| i.starts_with(&format!("COPY {m} ")));
                assert!(
                    pos.is_some_and(|p| p < src),
                    "{name}: {m} not copied before the source"
                );
            }
        }
        assert_eq!(
            plan.healthcheck.is_some(),
            ins.iter().any(|i| i.starts_with("HEALTHCHECK ")),
            "{name}: HEALTHCHECK iff a health path is known"
        );
        if plan.stack == Stack::Static || plan.serve_static {
            assert!(
                ins.iter().any(|i| i.contains("nginx-unprivileged")),
                "{name}"
            );
        }
        // compose.yaml
        assert!(!f.compose.contains("\nversion:"), "{name}: version key");
        for needle in [
            "cap_drop:\n      - ALL",
            "\"no-new-privileges:true\"",
            "restart: unless-stopped",
            "dev.berth.project:",
            "memory:",
        ] {
            assert!(
                f.compose.contains(needle),
                "{name}: compose lacks {needle:?}"
            );
        }
        for s in &plan.services {
            let svc = berth_core::render::service_name(s.kind);
            assert!(
                f.compose
                    .contains(&format!("      {svc}:\n        condition: service_healthy")),
                "{name}: app does not wait for {svc}"
            );
        }
        for needle in [
            ".env",
            "*.pem",
            "*.key",
            "**/id_rsa*",
            ".git",
            "*.berth-backup-*",
        ] {
            assert!(
                f.dockerignore.lines().any(|l| l == needle),
                "{name}: .dockerignore lacks {needle}"
            );
        }
    }
}
