//! A rendered Dockerfile on the real engine (Docker 20.10 here): built with BuildKit (cache
//! mounts) and with the classic builder (`cache_mounts = false`), and the image config the
//! engine parsed has exactly the plan's CMD, USER and HEALTHCHECK, hostile values included.
//!
//! No registry is reachable, so the plan's images are edited to a local busybox image
//! (FROM scratch + Debian's /bin/busybox) behind a registry prefix, and the go template's
//! steps are edited to busybox commands: the template's structure (stages, cache mounts,
//! COPY --from paths, exec forms) is what is under test. Needs a running engine
//! (`bash scripts/start-dockerd.sh`) and `/usr/bin/docker`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod render_support;

use berth_core::plan::{BuildStep, Plan};
use berth_core::render::{render, Templates};
use berth_core::stacks::Stack;
use render_support::detection;
use std::path::Path;
use std::process::Command;

const PREFIX: &str = "berth-render-check";

fn docker() -> Command {
    let bin = if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker"
    } else {
        "docker"
    };
    Command::new(bin)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("docker is not runnable ({e}): install docker.io"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}\n(is the engine running? bash scripts/start-dockerd.sh)",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `<prefix>/busybox:1` and `<prefix>/busybox:1.37.0-musl`: a static busybox on scratch, for
/// one test (its own prefix and a label make it an image of its own). Dropped: removes every
/// image built on it (the classic builder keeps a multi-stage build's builder-stage layers as
/// untagged images), then its tags.
struct LocalBase {
    prefix: String,
    id: String,
}

impl LocalBase {
    fn new(test: &str) -> LocalBase {
        let prefix = format!("{PREFIX}-{test}-{}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy("/bin/busybox", dir.path().join("busybox"))
            .expect("Debian's busybox-static at /bin/busybox");
        std::fs::write(
            dir.path().join("Dockerfile"),
            format!(
                "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nLABEL dev.berth.test={prefix}\n"
            ),
        )
        .unwrap();
        let id = run(docker()
            .env("DOCKER_BUILDKIT", "0")
            .args(["build", "-q", "-t"])
            .arg(format!("{prefix}/busybox:1"))
            .arg("-t")
            .arg(format!("{prefix}/busybox:1.37.0-musl"))
            .arg(dir.path()))
        .trim()
        .to_string();
        LocalBase { prefix, id }
    }
}

impl Drop for LocalBase {
    fn drop(&mut self) {
        let ids = run(docker().args(["images", "-aq", "--no-trunc"]));
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if ids.is_empty() {
            return;
        }
        // Other builds on the same engine (other tests) may remove images between the list and
        // the inspect: a missing one is skipped (inspect still prints the others).
        let parents = docker()
            .args(["image", "inspect", "-f", "{{.Id}} {{.Parent}}"])
            .args(&ids)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let parent_of: std::collections::HashMap<&str, &str> =
            parents.lines().filter_map(|l| l.split_once(' ')).collect();
        // Images whose chain of parents reaches the base, deepest first.
        let mut ours: Vec<(usize, &str)> = Vec::new();
        for id in parent_of.keys() {
            let (mut at, mut depth) = (*id, 0);
            while let Some(p) = parent_of.get(at).filter(|p| !p.is_empty()) {
                depth += 1;
                if *p == self.id {
                    ours.push((depth, id));
                    break;
                }
                at = p;
            }
        }
        ours.sort_unstable_by_key(|o| std::cmp::Reverse(o.0));
        for (_, id) in ours {
            let _ = docker().args(["rmi", "-f", id]).output();
        }
        let _ = docker()
            .args(["rmi", "-f"])
            .arg(format!("{}/busybox:1", self.prefix))
            .arg(format!("{}/busybox:1.37.0-musl", self.prefix))
            .output();
    }
}

fn go_plan(prefix: &str, cache_mounts: bool) -> Plan {
    let mut d = detection(Stack::Go);
    d.manifests = vec!["go.mod".into()];
    d.health_path = Some("/health".into());
    let mut plan = Plan::from_detection(&d).named("render-engine");
    plan.registry_prefix = Some(prefix.into());
    plan.builder_image = Some("busybox:1".into());
    plan.runtime_image = "busybox:1".into();
    plan.cache_mounts = cache_mounts;
    plan.install_steps = vec![BuildStep::new(&["/bin/busybox", "true"], &["/go/pkg/mod"])];
    plan.build_steps = vec![BuildStep::new(
        &[
            "/bin/busybox",
            "sh",
            "-c",
            "/bin/busybox mkdir -p /out && /bin/busybox cp /bin/busybox /out/server",
        ],
        &["/go/pkg/mod", "/root/.cache/go-build"],
    )];
    // Hostile argument: must reach the image config verbatim, as one argv element.
    plan.start_command = vec![
        "/app/server".into(),
        "echo".into(),
        "x\nRUN touch /pwned $(id)".into(),
    ];
    plan
}

fn build_and_inspect(plan: &Plan, buildkit: bool, tag: &str) -> serde_json::Value {
    let files = render(plan, &Templates::embedded()).unwrap();
    let ctx = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("go.mod", "module example.com/x\n"),
        ("main.go", "package main\n"),
        ("package.json", "{}\n"),
        ("public/index.html", "<h1>hi</h1>\n"),
    ] {
        let path = ctx.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    std::fs::write(ctx.path().join("Dockerfile"), &files.dockerfile).unwrap();
    std::fs::write(ctx.path().join(".dockerignore"), &files.dockerignore).unwrap();
    run(docker()
        .env("DOCKER_BUILDKIT", if buildkit { "1" } else { "0" })
        .args(["build", "-q", "-t", tag])
        .arg(ctx.path()));
    let json = run(docker().args(["image", "inspect", tag]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    run(docker().args(["image", "rm", "-f", tag]));
    v[0]["Config"].clone()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn go_template_builds_on_the_engine_with_and_without_buildkit() {
    let base = LocalBase::new("go");
    for (buildkit, cache_mounts) in [(true, true), (false, false)] {
        let plan = go_plan(&base.prefix, cache_mounts);
        let tag = format!("{}/app:bk-{buildkit}", base.prefix);
        let config = build_and_inspect(&plan, buildkit, &tag);
        assert_eq!(
            strings(&config["Cmd"]),
            plan.start_command,
            "buildkit={buildkit}"
        );
        assert_eq!(config["User"], "nonroot:nonroot");
        let mut test = vec!["CMD".to_string()];
        test.extend(plan.health_argv().unwrap());
        assert_eq!(strings(&config["Healthcheck"]["Test"]), test);
        assert_eq!(config["Healthcheck"]["Interval"], 10_000_000_000u64);
        let env = strings(&config["Env"]);
        assert!(env.contains(&"PORT=8080".to_string()), "{env:?}");
        assert!(
            config["ExposedPorts"].get("8080/tcp").is_some(),
            "{}",
            config["ExposedPorts"]
        );
    }
}

/// Why `cache_mounts` exists: the classic builder refuses `RUN --mount` (and, on Docker 20.10,
/// `FROM --platform=$BUILDPLATFORM`, having no BUILDPLATFORM), so an engine without BuildKit
/// must render with `cache_mounts = false`.
#[test]
fn classic_builder_rejects_cache_mounts() {
    let base = LocalBase::new("mounts");
    let files = render(&go_plan(&base.prefix, true), &Templates::embedded()).unwrap();
    let ctx = tempfile::tempdir().unwrap();
    std::fs::write(ctx.path().join("go.mod"), "module example.com/x\n").unwrap();
    std::fs::write(ctx.path().join("Dockerfile"), &files.dockerfile).unwrap();
    let out = docker()
        .env("DOCKER_BUILDKIT", "0")
        .args([
            "build",
            "-q",
            "-t",
            &format!("{}/app:classic-mounts", base.prefix),
        ])
        .arg(ctx.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--mount") || stderr.contains("failed to parse platform"),
        "{stderr}"
    );
}

/// Static sites and built SPAs: the nginx stage's COPY paths, USER and probe.
#[test]
fn static_and_spa_templates_build_on_the_engine() {
    let base = LocalBase::new("static");
    let mut d = detection(Stack::Static);
    d.hints.insert("document_root".into(), "public".into());
    let mut site = Plan::from_detection(&d).named("render-static");
    let mut d = detection(Stack::Node);
    d.manifests = vec!["package.json".into()];
    d.hints.insert("output_dir".into(), "dist".into());
    d.hints.insert("build_script".into(), "build".into());
    let mut spa = Plan::from_detection(&d).named("render-spa");
    assert!(spa.serve_static);
    spa.builder_image = Some("busybox:1".into());
    spa.install_steps = vec![BuildStep::new(&["/bin/busybox", "true"], &["/root/.npm"])];
    spa.build_steps = vec![BuildStep::new(
        &["/bin/busybox", "cp", "-r", "/app/public", "/app/dist"],
        &[],
    )];
    for plan in [&mut site, &mut spa] {
        plan.registry_prefix = Some(base.prefix.clone());
        plan.runtime_image = "busybox:1".into();
        let tag = format!("{}/{}:1", base.prefix, plan.name);
        let config = build_and_inspect(plan, true, &tag);
        assert_eq!(strings(&config["Cmd"]), ["nginx", "-g", "daemon off;"]);
        assert_eq!(config["User"], "101", "{}", plan.name);
        let probe = strings(&config["Healthcheck"]["Test"]);
        assert_eq!(probe[1..], plan.health_argv().unwrap()[..], "{}", plan.name);
        assert!(probe.last().unwrap().ends_with(":8080/"));
    }
}
