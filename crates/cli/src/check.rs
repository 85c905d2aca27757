//! `berth check [PATH] [--image REF] [--container NAME] [--json] [--sarif FILE] [--fail-on S]`
//! and `berth image REF [--json]`: adapters over `berth_core::app`'s check use cases.
//! `check` exits 0 when nothing is at or above `--fail-on` (default high), 1 when something
//! is, 2 for bad input.

use crate::output;
use berth_core::check::analysis::ImageAnalysis;
use berth_core::check::{sarif::sarif, Report, Severity};
use berth_core::docker::Engine;
use berth_core::{app, Error, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct CheckArgs {
    /// The folder whose Dockerfile(s) and compose file to check (default: the current folder,
    /// unless --image or --container is given)
    pub path: Option<PathBuf>,
    /// Also check a built image: its config and every layer (even files deleted later)
    #[arg(long)]
    pub image: Option<String>,
    /// Also check a container's runtime settings as the engine applied them
    #[arg(long)]
    pub container: Option<String>,
    #[arg(long)]
    pub json: bool,
    /// Write SARIF 2.1.0 to this file (for code-scanning tools)
    #[arg(long)]
    pub sarif: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity: critical, high, medium, low,
    /// info, or none (never)
    #[arg(long, default_value = "high")]
    pub fail_on: String,
}

#[derive(Args)]
pub struct ImageArgs {
    /// Image reference or id
    pub reference: String,
    #[arg(long)]
    pub json: bool,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Engine(format!("cannot start the async runtime: {e}")))
}

pub fn run(a: CheckArgs) -> Result<ExitCode> {
    let threshold = match a.fail_on.to_ascii_lowercase().as_str() {
        "none" | "never" => None,
        s => Some(Severity::parse(s).ok_or_else(|| {
            Error::InvalidInput(format!(
                "--fail-on {s}: use critical, high, medium, low, info or none"
            ))
        })?),
    };
    let mut reports = Vec::new();
    let folder = match (&a.path, &a.image, &a.container) {
        (Some(p), _, _) => Some(p.clone()),
        (None, None, None) => Some(PathBuf::from(".")),
        _ => None,
    };
    if let Some(p) = &folder {
        reports.push(app::check_folder(p)?);
    }
    if a.image.is_some() || a.container.is_some() {
        let rt = runtime()?;
        rt.block_on(async {
            let engine = Engine::connect().await?;
            if let Some(i) = &a.image {
                reports.push(app::check_image(&engine, i).await?.report);
            }
            if let Some(c) = &a.container {
                reports.push(app::check_container(&engine, c).await?);
            }
            Ok::<(), Error>(())
        })?;
    }
    let report = if reports.len() == 1 {
        reports.remove(0)
    } else {
        Report::merge(reports)
    };
    if let Some(path) = &a.sarif {
        let text = serde_json::to_string_pretty(&sarif(&report))
            .map_err(|e| Error::InvalidInput(format!("cannot encode SARIF: {e}")))?;
        std::fs::write(path, text + "\n").map_err(|e| Error::io(path, e))?;
    }
    output::print(&report, a.json, || text(&report));
    Ok(match threshold {
        Some(t) if report.fails(t) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

fn text(r: &Report) -> String {
    let mut s = format!("Berth check: {}\n", r.target);
    for f in &r.findings {
        s.push_str(&format!(
            "\n{:<8}  {}  {}\n          {} — {}\n          fix: {}\n",
            f.severity.as_str().to_uppercase(),
            f.id,
            f.title,
            f.location,
            f.detail,
            f.fix
        ));
        if !f.refs.is_empty() {
            s.push_str(&format!("          refs: {}\n", f.refs.join(", ")));
        }
    }
    let m = r.summary;
    s.push_str(&format!(
        "\n{} finding{}: {} critical, {} high, {} medium, {} low, {} info",
        r.findings.len(),
        if r.findings.len() == 1 { "" } else { "s" },
        m.critical,
        m.high,
        m.medium,
        m.low,
        m.info
    ));
    s
}

/// `1234567` -> `1.2 MB`.
fn bytes(b: u64) -> String {
    match b {
        b if b >= 1_000_000_000 => format!("{:.2} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}

pub fn image(a: ImageArgs) -> Result<()> {
    let analysis = runtime()?.block_on(async {
        let engine = Engine::connect().await?;
        app::analyze_image(&engine, &a.reference).await
    })?;
    output::print(&analysis, a.json, || image_text(&analysis));
    Ok(())
}

fn image_text(a: &ImageAnalysis) -> String {
    let verdict = if a.meets_target {
        format!("within the {} target", bytes(a.target_bytes))
    } else {
        format!(
            "over the {} target by {}",
            bytes(a.target_bytes),
            bytes(a.size_bytes - a.target_bytes)
        )
    };
    let mut s = format!("image: {}  {} ({verdict})\n", a.image, bytes(a.size_bytes));
    s.push_str(&format!(
        "\n{:>3}  {:>10}  {:>10}  {:>6}  created by\n",
        "#", "size", "wasted", "files"
    ));
    for (i, l) in a.layers.iter().enumerate() {
        let mut by = l.created_by.replace('\n', " ");
        if by.chars().count() > 80 {
            by = by.chars().take(79).collect::<String>() + "…";
        }
        s.push_str(&format!(
            "{i:>3}  {:>10}  {:>10}  {:>6}  {by}\n",
            bytes(l.size_bytes),
            bytes(l.wasted_bytes),
            l.files_added
        ));
    }
    s.push_str(&format!("\nwasted: {}\n", bytes(a.wasted_bytes)));
    if !a.largest_files.is_empty() {
        s.push_str("\nlargest files:\n");
        for f in &a.largest_files {
            s.push_str(&format!(
                "  {:>10}  {}  (layer {})\n",
                bytes(f.size_bytes),
                f.path,
                f.layer
            ));
        }
    }
    if !a.suggestions.is_empty() {
        s.push_str("\nbiggest wins:\n");
        for w in &a.suggestions {
            s.push_str(&format!("  - {}\n", w.text));
        }
    }
    s.trim_end().to_string()
}
