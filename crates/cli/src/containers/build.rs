//! `berth build PATH [plan flags] [--plan-only] [--tag T] [--no-cache] [--platform OS/ARCH]
//! [--json]`:
//! a thin adapter over `berth_core::app::build`.

use crate::output;
use crate::plan_args::PlanArgs;
use berth_core::app::{self, BuildJob, Source};
use berth_core::docker::build::BuildReport;
use berth_core::docker::buildkit::BuilderChoice;
use berth_core::render::Templates;
use berth_core::Result;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct BuildArgs {
    /// The project folder
    path: PathBuf,
    #[command(flatten)]
    plan: PlanArgs,
    /// Build Berth's plan (in memory) even when the folder has its own Dockerfile
    #[arg(long)]
    plan_only: bool,
    /// Image tag (default: berth-<folder>-<hash>:dev)
    #[arg(long, short)]
    tag: Option<String>,
    #[arg(long)]
    no_cache: bool,
    /// Build for this platform (`linux/arm64`, `linux/amd64`, `linux/arm/v7`) instead of the
    /// engine's own; Berth first checks that the engine can run it (QEMU through binfmt_misc
    /// on Linux) and says how to enable it when not. The image is single-platform.
    #[arg(long, value_name = "OS/ARCH")]
    platform: Option<String>,
    #[arg(long)]
    json: bool,
}

pub async fn run(a: BuildArgs) -> Result<()> {
    let job = BuildJob {
        folder: a.path.clone(),
        source: if a.plan_only {
            Source::Plan
        } else {
            Source::Auto
        },
        edits: app::edits_with(&a.path, &a.plan.overrides()?)?,
        tag: a.tag.clone(),
        no_cache: a.no_cache,
        platform: a.platform.clone(),
        // BERTH_BUILDER (buildkit, classic, auto), as `berth up` honours it.
        builder: BuilderChoice::from_env(),
    };
    let templates = Templates::load_user()?;
    let e = super::connect().await?;
    let report = app::build(
        &e,
        &job,
        &templates,
        |ev| super::print_event(&ev),
        super::ctrl_c_token(),
    )
    .await?;
    output::print(&report, a.json, || summary(&report));
    Ok(())
}

pub fn summary(r: &BuildReport) -> String {
    let mut s = format!(
        "image {} ({}), {} steps, {} cached, {} builder",
        r.tag, r.image_id, r.steps, r.cached_steps, r.builder
    );
    if let Some(p) = &r.platform {
        s.push_str(&format!("\n  platform: {p}"));
    }
    if let Some(n) = &r.builder_note {
        s.push_str(&format!("\n  note: {n}"));
    }
    for t in &r.targets {
        s.push_str(&format!(
            "\n  {}: {} (target {}) {}",
            t.name,
            t.actual,
            t.target,
            if t.met { "met" } else { "MISSED" }
        ));
        if let Some(h) = &t.hint {
            s.push_str(&format!("\n    hint: {h}"));
        }
    }
    s
}
