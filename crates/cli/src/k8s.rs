//! `berth k8s assess [PATH] [--json]` and `berth k8s generate [PATH] [--out DIR]
//! [--namespace NS] [--force] [--json]`: adapters over `berth_core::app::k8s`. Text from the
//! project is printed escaped (see `detect::clean`).

use crate::detect::clean;
use berth_core::app::k8s as app;
use berth_core::k8s::{Assessment, FieldReport, GenerateOptions, SignalEvidence};
use berth_core::write::{FilePreview, FileStatus};
use berth_core::{Error, Result};
use clap::Subcommand;
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum Command {
    /// Compose, a managed container service, or Kubernetes? The recommendation, its score,
    /// the signals behind it (with evidence and sources) and a readiness checklist
    Assess {
        /// The project folder (default: the current folder)
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Print the assessment as JSON
        #[arg(long)]
        json: bool,
    },
    /// Translate the compose file into hardened Kubernetes manifests: a Kustomize layout
    /// (base/, overlays/dev, overlays/prod) and a report of every compose field
    Generate {
        /// The project folder (default: the current folder)
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Where the layout goes (default: PATH/k8s; relative paths are inside PATH)
        #[arg(long)]
        out: Option<PathBuf>,
        /// The namespace (default: the compose project's name)
        #[arg(long)]
        namespace: Option<String>,
        /// Replace files that differ, keeping a `<name>.berth-backup-<UTC time>` copy of each
        #[arg(long)]
        force: bool,
        /// Print a JSON object instead of text
        #[arg(long)]
        json: bool,
    },
}

pub fn run(c: Command) -> Result<()> {
    match c {
        Command::Assess { path, json } => {
            let a = app::assess(&path)?;
            crate::output::print(&a, json, || assessment_text(&a));
            Ok(())
        }
        Command::Generate {
            path,
            out,
            namespace,
            force,
            json,
        } => generate(path, out, GenerateOptions { namespace }, force, json),
    }
}

fn at(e: &SignalEvidence) -> String {
    match e.line {
        Some(l) => format!("{}:{l}", clean(&e.file)),
        None => clean(&e.file),
    }
}

/// Human-readable assessment.
pub fn assessment_text(a: &Assessment) -> String {
    let mut s = String::new();
    let rec = serde_json::to_value(a.recommendation)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let _ = writeln!(s, "Recommendation: {rec} (score {}/100)", a.score);
    let _ = writeln!(s, "  {}", clean(&a.summary));
    let _ = writeln!(s, "\nSignals (points toward Kubernetes):");
    for sig in &a.signals {
        let _ = writeln!(
            s,
            "  {:>+4}  {:<20} {}",
            sig.points,
            sig.id,
            clean(&sig.detail)
        );
        for e in sig.evidence.iter().take(5) {
            let _ = writeln!(s, "        {}  {}", at(e), clean(&e.detail));
        }
        let _ = writeln!(
            s,
            "        source: {} <{}>",
            sig.source.title, sig.source.url
        );
    }
    let _ = writeln!(s, "\nReadiness:");
    for r in &a.readiness {
        let mark = if r.ok { "ok " } else { "FIX" };
        let _ = writeln!(s, "  [{mark}] {:<24} {}", r.id, clean(&r.detail));
        for e in r.evidence.iter().take(3) {
            let _ = writeln!(s, "        {}  {}", at(e), clean(&e.detail));
        }
        if !r.ok {
            let _ = writeln!(s, "        fix: {}", r.fix);
        }
    }
    s.trim_end().to_string()
}

/// The `--json` shape of `generate` (stable).
#[derive(Serialize)]
struct Outcome {
    out_dir: String,
    namespace: String,
    /// false when nothing was written because a file differs and --force was not given.
    written: bool,
    files: Vec<FileOutcome>,
    report: Vec<FieldReport>,
}

#[derive(Serialize)]
struct FileOutcome {
    name: String,
    path: PathBuf,
    status: FileStatus,
    backup: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
}

fn report_text(report: &[FieldReport]) -> String {
    let mut s = String::from("Compose fields:\n");
    for r in report {
        let outcome = serde_json::to_value(r.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {:<10} {}{}: {}",
            outcome,
            r.service
                .as_deref()
                .map(|x| format!("{}.", clean(x)))
                .unwrap_or_default(),
            clean(&r.field),
            clean(&r.detail)
        );
    }
    s
}

fn generate(
    path: PathBuf,
    out: Option<PathBuf>,
    options: GenerateOptions,
    force: bool,
    json: bool,
) -> Result<()> {
    let preview = app::preview(&path, &options, out.as_deref())?;
    let refused = !force
        && preview
            .files
            .iter()
            .any(|p| p.status == FileStatus::Changed);
    if refused {
        let first = preview
            .files
            .iter()
            .find(|p| p.status == FileStatus::Changed)
            .map(|p| p.path.clone());
        let files = preview.files.iter().map(|p: &FilePreview| FileOutcome {
            name: p.name.clone(),
            path: p.path.clone(),
            status: p.status,
            backup: None,
            diff: p.diff.clone(),
        });
        let outcome = Outcome {
            out_dir: preview.out_dir.clone(),
            namespace: preview.namespace.clone(),
            written: false,
            files: files.collect(),
            report: preview.report.clone(),
        };
        crate::output::print(&outcome, json, || {
            let mut t = String::new();
            for p in preview
                .files
                .iter()
                .filter(|p| p.status == FileStatus::Changed)
            {
                let _ = writeln!(
                    t,
                    "{} differs from what Berth would write:",
                    p.path.display()
                );
                t.push_str(p.diff.as_deref().unwrap_or_default());
            }
            t.push_str("Nothing was written. Re-run with --force to replace (backups are kept).");
            t
        });
        return Err(Error::WouldOverwrite(first.unwrap_or_default()));
    }
    let seen: Vec<_> = preview.files.iter().map(FilePreview::seen).collect();
    let written = app::write(&path, &options, out.as_deref(), Some(&seen), force)?;
    let outcome = Outcome {
        out_dir: written.out_dir.to_string_lossy().into_owned(),
        namespace: preview.namespace.clone(),
        written: true,
        files: written
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
        report: preview.report.clone(),
    };
    crate::output::print(&outcome, json, || {
        let mut t = format!(
            "Kustomize layout in {} (namespace {}):\n",
            outcome.out_dir, outcome.namespace
        );
        for f in &outcome.files {
            let status = match f.status {
                FileStatus::New => "new",
                FileStatus::Changed => "replaced",
                FileStatus::Unchanged => "unchanged",
            };
            let _ = write!(t, "  {status:<10} {}", f.name);
            if let Some(b) = &f.backup {
                let _ = write!(t, "  (backup: {})", b.display());
            }
            t.push('\n');
        }
        t.push('\n');
        t.push_str(&report_text(&outcome.report));
        let _ = write!(
            t,
            "\nCheck it: kubectl kustomize {0}/overlays/dev (or prod); apply: kubectl apply -k {0}/overlays/dev",
            outcome.out_dir
        );
        t
    });
    Ok(())
}
