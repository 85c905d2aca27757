//! `berth build PATH [plan flags] [--from auto|plan|files] [--tag T] [--no-cache] [--json]`:
//! a thin adapter over `berth_core::app::build`.

use crate::output;
use crate::plan_args::PlanArgs;
use berth_core::app::{self, BuildJob, Source};
use berth_core::docker::build::BuildReport;
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
        ..Default::default()
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
