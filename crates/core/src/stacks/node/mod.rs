//! Node.js: detection (npm / pnpm / yarn / bun; Next.js, NestJS, Express, Fastify, Hono,
//! plain node; single-page apps served as static files) and the plan defaults of Node and
//! Bun images.

mod detect;
pub(super) mod spa;

use super::common::{has_manifest, plan_hint as hint};
use super::dev::{self, DevSettings};
use super::native::{Native, NativeSetup};
use super::{
    hint_keys as hk, Detection, Stack, StackProvider, StackTemplates, VersionFormat, VersionRule,
};
use crate::plan::{BuildStep, Plan};
use crate::project::Project;
use crate::stacks::common::probe;
use crate::Result;
use std::collections::BTreeMap;

pub struct Node;

impl StackProvider for Node {
    fn stack(&self) -> Stack {
        Stack::Node
    }

    fn label(&self) -> &'static str {
        "Node.js"
    }

    fn framework_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("nextjs", "Next.js"),
            ("nestjs", "NestJS"),
            ("nuxt", "Nuxt"),
            ("sveltekit", "SvelteKit"),
            ("express", "Express"),
        ]
    }

    fn templates(&self) -> StackTemplates {
        StackTemplates {
            dockerfile: "node/Dockerfile.j2",
            dockerignore: "dockerignore/node.j2",
        }
    }

    fn markers(&self) -> &'static [&'static str] {
        &["package.json"]
    }

    fn detect(&self, project: &Project) -> Result<Option<Detection>> {
        detect::detect(project)
    }

    fn version(&self) -> VersionRule {
        VersionRule {
            default: "22",
            majors: Some(18..=30),
            format: VersionFormat::Major,
        }
    }

    fn default_port(&self) -> u16 {
        3000
    }

    fn fallback_command(&self) -> &'static [&'static str] {
        &["node", "index.js"]
    }

    /// A single-page app with a build output folder (not Next.js, which runs a server).
    fn serves_static(&self, framework: Option<&str>, hints: &BTreeMap<String, String>) -> bool {
        hints.contains_key(hk::OUTPUT_DIR)
            && !hints.contains_key(hk::NEXT_STANDALONE)
            && framework != Some("nextjs")
    }

    fn plan_defaults(&self, plan: &mut Plan, v: &str) {
        node_defaults(plan, v);
    }

    fn http_probe(&self, plan: &Plan, url: String) -> Vec<String> {
        if plan.package_manager.as_deref() == Some("bun") {
            // The URL is embedded as a JSON string literal (valid JavaScript).
            let code = format!(
                "fetch({}).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
                crate::render::filters::quote(&url)
            );
            return vec!["bun".into(), "-e".into(), code];
        }
        probe(
            &[
                "node",
                "-e",
                "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
            ],
            url,
        )
    }

    fn probe_needs_busybox(&self) -> bool {
        false
    }

    fn dev(&self, plan: &Plan) -> DevSettings {
        node_dev(plan)
    }

    fn native(&self, plan: &Plan) -> Native {
        node_native(plan)
    }
}

/// On the host as in the image: the package manager's install and build steps in the copy
/// (`corepack enable` is left out: it would change the host's Node installation), the app
/// in production mode. Next.js standalone output is laid out by the Dockerfile only.
fn node_native(plan: &Plan) -> Native {
    use super::native::{plan_steps, APP};
    if hint(plan, hk::NEXT_STANDALONE) == Some("true") {
        return Native::Unsupported(
            "a Next.js standalone build runs from the layout its Dockerfile copies: measured in \
             its container only"
                .into(),
        );
    }
    let pm = plan.package_manager.as_deref().unwrap_or("npm");
    let (programs, hint_text): (Vec<String>, &'static str) = match pm {
        "bun" => (vec!["bun".into()], "Bun (bun)"),
        "pnpm" => (vec!["node".into(), "pnpm".into()], "Node.js and pnpm"),
        "yarn" => (vec!["node".into(), "yarn".into()], "Node.js and Yarn"),
        _ => (
            vec!["node".into(), "npm".into()],
            "Node.js and npm (node, npm)",
        ),
    };
    Native::Runs(NativeSetup {
        version: vec![programs[0].clone(), "--version".into()],
        programs,
        install_hint: hint_text,
        prepare: Vec::new(),
        steps: plan_steps(plan, |a| a.first().is_some_and(|c| c == "corepack")),
        path: vec![format!("{APP}/node_modules/.bin")],
        env: Default::default(),
        run_env: [("NODE_ENV".to_string(), "production".to_string())].into(),
    })
}

/// Builds and runs Bun projects.
pub const BUN_IMAGE: &str = "oven/bun:1.1-slim";

/// npm / pnpm / yarn on the official Node image (its `node` user), or Bun on Bun's.
fn node_defaults(plan: &mut Plan, v: &str) {
    let pm = plan.package_manager.clone().unwrap_or_default();
    if pm == "bun" {
        bun_defaults(plan);
        return;
    }
    let image = format!("node:{v}-bookworm-slim");
    plan.builder_image = Some(image.clone());
    plan.runtime_image = image;
    plan.user = "node".into();
    let (install, cache): (&[&str], &str) = match pm.as_str() {
        "pnpm" => (
            &["pnpm", "install", "--frozen-lockfile"],
            "/root/.local/share/pnpm/store",
        ),
        "yarn" if has_manifest(plan, ".yarnrc.yml") => (
            &["yarn", "install", "--immutable"],
            "/root/.yarn/berry/cache",
        ),
        "yarn" => (
            &["yarn", "install", "--frozen-lockfile"],
            "/usr/local/share/.cache/yarn",
        ),
        _ if has_manifest(plan, "package-lock.json") => (&["npm", "ci"], "/root/.npm"),
        _ => (&["npm", "install"], "/root/.npm"),
    };
    if pm == "pnpm" || pm == "yarn" {
        plan.install_steps
            .push(BuildStep::new(&["corepack", "enable"], &[]));
    }
    plan.install_steps.push(BuildStep::new(install, &[cache]));
    let runner = if pm == "pnpm" || pm == "yarn" {
        pm.as_str()
    } else {
        "npm"
    };
    if let Some(script) = hint(plan, hk::BUILD_SCRIPT).map(str::to_string) {
        plan.build_steps
            .push(BuildStep::new(&[runner, "run", &script], &[]));
    }
    if runner == "npm" && !plan.serve_static {
        plan.build_steps
            .push(BuildStep::new(&["npm", "prune", "--omit=dev"], &[cache]));
    }
    if hint(plan, hk::NEXT_STANDALONE) == Some("true") {
        plan.start_command = vec!["node".into(), "server.js".into()];
    }
    if plan.framework.as_deref() == Some("nextjs") {
        // next writes its image cache under .next/cache at run time.
        plan.read_only = false;
    }
    if plan.serve_static {
        plan.build_steps
            .retain(|s| s.argv.get(1).map(String::as_str) != Some("prune"));
    }
}

/// Bun projects build and run on the official Bun image (its `bun` user is uid 1000).
fn bun_defaults(plan: &mut Plan) {
    let image = BUN_IMAGE.to_string();
    plan.builder_image = Some(image.clone());
    plan.runtime_image = image;
    plan.user = "bun".into();
    let cache = "/root/.bun/install/cache";
    let frozen = has_manifest(plan, "bun.lock") || has_manifest(plan, "bun.lockb");
    let mut install = vec!["bun", "install"];
    if frozen {
        install.push("--frozen-lockfile");
    }
    plan.install_steps = vec![BuildStep::new(&install, &[cache])];
    if let Some(script) = hint(plan, hk::BUILD_SCRIPT).map(str::to_string) {
        plan.build_steps = vec![BuildStep::new(&["bun", "run", &script], &[])];
    }
    if !plan.serve_static {
        // Drop dev dependencies from the image: reinstall production ones only.
        let mut prod = install.clone();
        prod.push("--production");
        plan.build_steps.push(BuildStep::new(&prod, &[cache]));
    }
}

/// Node's dev servers: the SPA tool's dev server (Vite, Angular, Create React App) or `next
/// dev` in the build stage (the runtime has no dev dependencies), else `node --watch` with
/// the inspector on 9229. The image's `node_modules` wins over the host's.
fn node_dev(plan: &Plan) -> DevSettings {
    let port = dev::port(plan);
    let bin = |b: &str| format!("/app/node_modules/.bin/{b}");
    let base = DevSettings::mounted("/app")
        .keeping("/app/node_modules")
        .with_env("NODE_ENV", "development");
    let fw = plan.framework.as_deref().unwrap_or_default();
    if plan.serve_static {
        let stage = base.in_stage("build");
        return match fw {
            "vite" => stage.running(vec![
                bin("vite"),
                "--host".into(),
                "0.0.0.0".into(),
                "--port".into(),
                port,
                "--strictPort".into(),
            ]),
            "angular" => stage.running(vec![
                bin("ng"),
                "serve".into(),
                "--host".into(),
                "0.0.0.0".into(),
                "--port".into(),
                port,
            ]),
            "cra" => stage
                .running(vec![bin("react-scripts"), "start".into()])
                .with_env("HOST", "0.0.0.0")
                .with_env("PORT", &port)
                .with_env("BROWSER", "none"),
            _ => stage.noting(
                "no dev server is known for this app: the build stage runs its own command",
            ),
        };
    }
    if fw == "nextjs" {
        return base.in_stage("build").keeping("/app/.next").running(vec![
            bin("next"),
            "dev".into(),
            "-H".into(),
            "0.0.0.0".into(),
            "-p".into(),
            port,
        ]);
    }
    let cmd = &plan.start_command;
    match cmd.first().map(String::as_str) {
        Some("node") => {
            let mut c = dev::argv(&["node", "--watch", "--inspect=0.0.0.0:9229"]);
            c.extend(cmd.iter().skip(1).cloned());
            base.running(c).debugging(9229, "node --inspect")
        }
        Some("bun") => {
            let mut c = dev::argv(&["bun", "--watch"]);
            c.extend(cmd.iter().skip(1).cloned());
            base.running(c)
        }
        _ => base.noting(
            "no reload command is known for this app: restart the service to pick up a change",
        ),
    }
}
