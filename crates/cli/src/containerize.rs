//! `berth containerize PATH [plan flags] [--out DIR] [--force] [--json]`: the folder's plan
//! (with the flags' edits) rendered and written. Refuses to replace a file that differs
//! unless --force (then a backup is kept).

use crate::plan_args::PlanArgs;
use berth_core::app;
use berth_core::plan::Plan;
use berth_core::render::Templates;
use berth_core::write::{FilePreview, FileStatus, Seen, WriteReport};
use berth_core::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct ContainerizeArgs {
    /// The project folder
    path: PathBuf,
    #[command(flatten)]
    plan: PlanArgs,
    /// Where to write Dockerfile, compose.yaml and .dockerignore (default: the project folder)
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace files that differ, keeping a `<name>.berth-backup-<UTC time>` copy of each
    #[arg(long)]
    force: bool,
    /// Print a JSON object instead of text
    #[arg(long)]
    json: bool,
}

/// The `--json` shape (stable).
#[derive(Serialize)]
struct Outcome {
    project: PathBuf,
    out_dir: PathBuf,
    stack: berth_core::stacks::Stack,
    /// false when nothing was written because a file differs and --force was not given.
    written: bool,
    files: Vec<FileOutcome>,
}

#[derive(Serialize)]
struct FileOutcome {
    name: String,
    path: PathBuf,
    status: FileStatus,
    backup: Option<PathBuf>,
    /// Unified diff for a refused (changed) file.
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
}

pub fn run(args: ContainerizeArgs) -> Result<()> {
    let opened = app::open(&args.path)?;
    let root = PathBuf::from(&opened.root);
    let detection = opened
        .detection
        .ok_or_else(|| app::nothing_to_generate(&root))?;
    let edits = app::edits_with(&root, &args.plan.overrides()?)?;
    let plan = app::plan_for(&root, &detection, edits.as_ref())?;
    let templates = Templates::load_user()?;
    let out_dir = args.out.clone().unwrap_or_else(|| root.clone());
    if !out_dir.is_dir() {
        return Err(if out_dir.exists() {
            Error::NotADirectory(out_dir)
        } else {
            Error::NotFound(out_dir)
        });
    }
    let previews = app::preview(&out_dir, &plan, &templates)?.files;
    if !args.force {
        if let Some(first) = previews.iter().find(|p| p.status == FileStatus::Changed) {
            let err = Error::WouldOverwrite(first.path.clone());
            report_refusal(&args, &plan, &out_dir, &previews);
            return Err(err);
        }
    }
    // Replace only what this preview saw (a file changed since is refused, never lost).
    let seen: Vec<Seen> = previews.iter().map(FilePreview::seen).collect();
    let report = app::write(&out_dir, &plan, &templates, Some(&seen), args.force)?;
    print_report(&args, &plan, &report);
    Ok(())
}

fn report_refusal(args: &ContainerizeArgs, plan: &Plan, out_dir: &Path, previews: &[FilePreview]) {
    if args.json {
        let outcome = Outcome {
            project: args.path.clone(),
            out_dir: out_dir.to_path_buf(),
            stack: plan.stack,
            written: false,
            files: previews
                .iter()
                .map(|p| FileOutcome {
                    name: p.name.clone(),
                    path: p.path.clone(),
                    status: p.status,
                    backup: None,
                    diff: p.diff.clone(),
                })
                .collect(),
        };
        crate::output::print(&outcome, true, String::new);
        return;
    }
    for p in previews.iter().filter(|p| p.status == FileStatus::Changed) {
        println!("{} differs from what Berth would write:", p.path.display());
        print!("{}", p.diff.as_deref().unwrap_or_default());
    }
    println!("Nothing was written. Re-run with --force to replace (backups are kept).");
}

fn print_report(args: &ContainerizeArgs, plan: &Plan, report: &WriteReport) {
    let outcome = Outcome {
        project: args.path.clone(),
        out_dir: report.out_dir.clone(),
        stack: plan.stack,
        written: true,
        files: report
            .files
            .iter()
            .map(|f| FileOutcome {
                name: f.name.clone(),
                path: f.path.clone(),
                status: f.status,
                backup: f.backup.clone(),
                diff: None,
            })
            .collect(),
    };
    crate::output::print(&outcome, args.json, || {
        let mut text = format!(
            "{} project: wrote into {}\n",
            serde_json::to_value(plan.stack)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            report.out_dir.display()
        );
        for f in &outcome.files {
            let status = match f.status {
                FileStatus::New => "new",
                FileStatus::Changed => "replaced",
                FileStatus::Unchanged => "unchanged",
            };
            text.push_str(&format!("  {status:<10} {}", f.path.display()));
            if let Some(b) = &f.backup {
                text.push_str(&format!("  (backup: {})", b.display()));
            }
            text.push('\n');
        }
        text.trim_end().to_string()
    });
}
