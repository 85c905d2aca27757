//! `berth build PATH [--no-cache] [--json]`.

use crate::output;
use berth_core::docker::build::{BuildReport, BuildRequest};
use berth_core::runner::single::project_names;
use berth_core::{Error, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct BuildArgs {
    /// The project folder
    path: PathBuf,
    /// Image tag (default: berth-<folder>-<hash>:dev)
    #[arg(long, short)]
    tag: Option<String>,
    #[arg(long)]
    no_cache: bool,
    #[arg(long)]
    json: bool,
}

pub async fn run(a: BuildArgs) -> Result<()> {
    let root = std::fs::canonicalize(&a.path).map_err(|_| Error::NotFound(a.path.clone()))?;
    if !root.is_dir() {
        return Err(Error::NotADirectory(root));
    }
    let e = super::connect().await?;
    let tag = a.tag.unwrap_or_else(|| project_names(&root).0);
    let mut req = BuildRequest::new(&root, &tag);
    req.no_cache = a.no_cache;
    if !root.join("Dockerfile").is_file() {
        let r = berth_core::runner::single::use_generated(&mut req, &root)?;
        eprintln!("no Dockerfile: building the one Berth generates for this {} project (in memory, nothing written)", r.stack);
    }
    let report = e
        .build(&req, |ev| super::print_event(&ev), super::ctrl_c_token())
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
