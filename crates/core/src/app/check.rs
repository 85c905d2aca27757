//! Checking what Berth builds and runs: a folder's Dockerfile(s) and compose file, the files
//! a run is about to build (the plan's, in memory, or the folder's own), a built image (its
//! config and layers, streamed) and a running container (its applied settings).

use super::run::{resolve, Source};
use crate::check::analysis::{analyze, ImageAnalysis};
use crate::check::{self, compose, dockerfile, Finding, Location, Report};
use crate::compose::{ServiceSpec, COMPOSE_FILES};
use crate::docker::Engine;
use crate::plan::PlanEdits;
use crate::render::Templates;
use crate::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// An image's findings and its size analysis, from one walk of its layers.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ImageCheck {
    pub report: Report,
    pub analysis: ImageAnalysis,
}

/// A checked build file, for showing a finding's line.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CheckedFile {
    /// As findings name it (relative to the folder).
    pub path: String,
    pub text: String,
}

/// A folder's findings and the files they point into.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct FolderCheck {
    pub report: Report,
    pub files: Vec<CheckedFile>,
}

/// Is `name` a Dockerfile's name (`Dockerfile`, `Containerfile`, `Dockerfile.dev`,
/// `api.Dockerfile`)?
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
}

/// A build file, read by the project-file rules (no links, regular files, capped: see
/// [`crate::fsread`]).
fn read(path: &Path) -> Result<String> {
    crate::fsread::read_text(path)?.ok_or_else(|| Error::NotFound(path.to_path_buf()))
}

fn label(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The Dockerfile a compose service builds, relative to the compose file's folder.
fn service_dockerfile(root: &Path, s: &ServiceSpec) -> Option<PathBuf> {
    let b = s.build.as_ref()?;
    Some(root.join(&b.context).join(&b.dockerfile))
}

/// Check the folder's Dockerfile(s) (at its top, and those its compose file builds) and its
/// compose file. A folder with neither is refused.
pub fn check_folder(path: &Path) -> Result<Report> {
    check_folder_files(path).map(|c| c.report)
}

/// [`check_folder`], with the text of every file checked (the app shows a finding's line).
pub fn check_folder_files(path: &Path) -> Result<FolderCheck> {
    let root = super::files::canonical_folder(path)?;
    let mut dockerfiles: Vec<PathBuf> = std::fs::read_dir(&root)
        .map_err(|e| Error::io(&root, e))?
        .filter_map(|e| e.ok())
        // Links are listed too: reading one is refused with a clear error, not skipped.
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .filter(|e| is_dockerfile_name(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    let compose_file = crate::compose::find_file(&root);
    let compose_text = compose_file.as_deref().map(read).transpose()?;
    if let (Some(f), Some(t)) = (&compose_file, &compose_text) {
        let model = crate::compose::parse(f, t)?;
        for s in &model.services {
            if let Some(d) = service_dockerfile(&root, s) {
                let d = std::fs::canonicalize(&d).unwrap_or(d);
                if d.is_file() && d.starts_with(&root) && !dockerfiles.contains(&d) {
                    dockerfiles.push(d);
                }
            }
        }
    }
    dockerfiles.sort();
    if dockerfiles.is_empty() && compose_file.is_none() {
        return Err(Error::InvalidInput(format!(
            "{} has no Dockerfile and no compose file ({}) to check",
            root.display(),
            COMPOSE_FILES.join(", ")
        )));
    }
    let mut findings = Vec::new();
    let mut texts = Vec::new();
    for d in &dockerfiles {
        let text = read(d)?;
        findings.extend(dockerfile::check(&label(&root, d), &text));
        texts.push((d.clone(), text));
    }
    if let (Some(f), Some(t)) = (&compose_file, &compose_text) {
        let health = |s: &ServiceSpec| {
            let d = service_dockerfile(&root, s)?;
            let d = std::fs::canonicalize(&d).unwrap_or(d);
            texts
                .iter()
                .find(|(p, _)| *p == d)
                .map(|(_, t)| dockerfile::has_healthcheck(t))
        };
        findings.extend(compose::check(&label(&root, f), t, &health)?);
    }
    let mut files: Vec<CheckedFile> = texts
        .into_iter()
        .map(|(p, text)| CheckedFile {
            path: label(&root, &p),
            text,
        })
        .collect();
    if let (Some(f), Some(t)) = (&compose_file, compose_text) {
        files.push(CheckedFile {
            path: label(&root, f),
            text: t,
        });
    }
    Ok(FolderCheck {
        report: Report::new(root.display().to_string(), findings),
        files,
    })
}

/// Check the files a run of the folder is about to build, before it builds them: Berth's
/// plan rendered in memory (with the user's edits), or the folder's own Dockerfile and
/// compose file — the same choice [`super::up`] makes.
pub fn preflight(
    folder: &Path,
    source: Source,
    edits: Option<&PlanEdits>,
    templates: &Templates,
) -> Result<Report> {
    let r = resolve(folder, source, edits, templates)?;
    let mut findings: Vec<Finding> = Vec::new();
    let (dockerfile_label, dockerfile_text) = match &r.recipe.dockerfile {
        Some(t) => ("Dockerfile".to_string(), Some(t.clone())),
        None => {
            let own = r.root.join("Dockerfile");
            let text = own.is_file().then(|| read(&own)).transpose()?;
            ("Dockerfile".to_string(), text)
        }
    };
    if let Some(t) = &dockerfile_text {
        findings.extend(dockerfile::check(&dockerfile_label, t));
    }
    if let Some(c) = &r.compose {
        let name = c
            .file
            .as_deref()
            .map(|f| label(&r.root, f))
            .unwrap_or_else(|| "compose.yaml".into());
        let app_health = dockerfile_text.as_deref().map(dockerfile::has_healthcheck);
        let health = |s: &ServiceSpec| {
            let d = service_dockerfile(&r.root, s)?;
            if d == r.root.join("Dockerfile") {
                return app_health;
            }
            read(&d).ok().map(|t| dockerfile::has_healthcheck(&t))
        };
        findings.extend(compose::check(&name, &c.text, &health)?);
    }
    Ok(Report::new(r.root.display().to_string(), findings))
}

/// Check an image and analyse its size, from one walk of its layers.
pub async fn check_image(engine: &Engine, reference: &str) -> Result<ImageCheck> {
    let scanned = engine.scan_image(reference).await?;
    let analysis = analyze(reference, scanned.size_bytes, &scanned.scan);
    let findings = check::image::check(reference, &scanned.scan, &analysis);
    Ok(ImageCheck {
        report: Report::new(reference, findings),
        analysis,
    })
}

/// Where an image's size goes.
pub async fn analyze_image(engine: &Engine, reference: &str) -> Result<ImageAnalysis> {
    let scanned = engine.scan_image(reference).await?;
    Ok(analyze(reference, scanned.size_bytes, &scanned.scan))
}

/// Check a container's runtime settings as the engine applied them (CIS section 5).
pub async fn check_container(engine: &Engine, container: &str) -> Result<Report> {
    let (name, settings) = engine.container_settings(container).await?;
    let findings = check::runtime::check(&settings)
        .into_iter()
        .map(|h| {
            h.rule.at(
                Location::Container {
                    container: name.clone(),
                    setting: h.setting.inspect_path().to_string(),
                },
                h.detail,
            )
        })
        .collect();
    Ok(Report::new(name, findings))
}
