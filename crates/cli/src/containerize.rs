//! `berth containerize PATH [--out DIR] [--force] [--json]`: detect -> plan -> render ->
//! write. Refuses to replace a file that differs unless --force (then a backup is kept).

use berth_core::plan::Plan;
use berth_core::render::{render, Templates};
use berth_core::write::{self, FilePreview, FileStatus, WriteReport};
use berth_core::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct ContainerizeArgs {
    /// The project folder
    path: PathBuf,
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
    stack: berth_core::detect::Stack,
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
    let detection = berth_core::detect::detect(&args.path)?;
    let name = project_name(&args.path);
    let plan = Plan::from_detection(&detection).named(&name);
    plan.validate()?;
    let templates = Templates::load_user()?;
    let files = render(&plan, &templates)?;
    let out_dir = args.out.clone().unwrap_or_else(|| args.path.clone());
    if !out_dir.is_dir() {
        return Err(if out_dir.exists() {
            Error::NotADirectory(out_dir)
        } else {
            Error::NotFound(out_dir)
        });
    }
    let previews = write::preview(&out_dir, &files)?;
    if !args.force {
        if let Some(first) = previews.iter().find(|p| p.status == FileStatus::Changed) {
            let err = Error::WouldOverwrite(first.path.clone());
            report_refusal(&args, &plan, &out_dir, &previews);
            return Err(err);
        }
    }
    // Replace only what this preview saw (a file changed since is refused, never lost).
    let seen: Vec<write::Seen> = previews.iter().map(FilePreview::seen).collect();
    let report = write::write_previewed(&out_dir, &files, &seen, args.force)?;
    print_report(&args, &plan, &report);
    Ok(())
}

fn project_name(path: &Path) -> String {
    std::fs::canonicalize(path)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "app".into())
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
            format!("{:?}", plan.stack).to_lowercase(),
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
