//! Kubernetes use cases: assess a folder, and generate, preview and write its Kustomize
//! layout (the files the compose file references are read here, bounded, so the translation
//! itself stays pure).

use super::files::canonical_folder;
use crate::compose::{self, ComposeFile};
use crate::k8s::assess::clean_rel;
use crate::k8s::read::read_bounded;
use crate::k8s::{
    self, Assessment, FieldReport, GenerateInput, GenerateOptions, Layout, Referenced,
};
use crate::project::Project;
use crate::write::{self, FilePreview, FileSet, Seen, WriteReport};
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Where the layout goes when the caller names no folder (inside the project).
pub const DEFAULT_OUT: &str = "k8s";

/// Assess the folder at `path`: Compose, a managed container service, or Kubernetes, with
/// `berth check`'s findings in the checklist when the check runs (a Dockerfile it cannot
/// parse leaves them out, not the assessment).
pub fn assess(path: &Path) -> Result<Assessment> {
    let root = canonical_folder(path)?;
    let mut facts = k8s::assess::gather(&root)?;
    facts.check = super::check_folder(&root).ok();
    Ok(k8s::assess::assess_facts(&facts))
}

/// The generated layout compared with what is in its folder.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct K8sPreview {
    /// The layout's folder (absolute).
    pub out_dir: String,
    pub namespace: String,
    pub files: Vec<FilePreview>,
    pub report: Vec<FieldReport>,
}

impl FileSet for Layout {
    fn files(&self) -> Vec<(&str, &str)> {
        self.files
            .iter()
            .map(|f| (f.path.as_str(), f.content.as_str()))
            .collect()
    }
}

/// Read what the translation of the folder at `root` needs.
pub fn input(root: &Path) -> Result<GenerateInput> {
    let file = compose::find_file(root).ok_or_else(|| Error::NotAProject {
        path: root.to_path_buf(),
        reason: "no compose file (compose.yaml) to translate; `berth containerize` writes one"
            .into(),
    })?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = read_bounded(root, &name)?.ok_or_else(|| Error::NotFound(file.clone()))?;
    let model = compose::parse(&file, &text)?;
    let project = Project::open(root)?;
    let files = referenced(root, &project, &model)?;
    let mut dockerfiles = BTreeMap::new();
    for s in &model.services {
        if let Some(b) = &s.build {
            let rel = clean_rel(&format!("{}/{}", b.context, b.dockerfile));
            if let Ok(Some(t)) = read_bounded(root, &rel) {
                dockerfiles.insert(s.name.clone(), k8s::dockerfile::facts(&t));
            }
        }
    }
    let folder = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app".into());
    Ok(GenerateInput {
        project: model.name.clone().unwrap_or(folder),
        compose_file: name,
        compose_text: text,
        model,
        files,
        dockerfiles,
    })
}

/// The files the compose file references: read when the walk lists them; `Ignored` when
/// they exist but .gitignore/.dockerignore hide them (never copied into manifests).
fn referenced(
    root: &Path,
    project: &Project,
    model: &ComposeFile,
) -> Result<BTreeMap<String, Referenced>> {
    let mut paths: Vec<String> = Vec::new();
    for s in &model.services {
        paths.extend(s.env_file.iter().cloned());
        paths.extend(s.security.binds.iter().map(|b| b.source.clone()));
    }
    paths.extend(model.secrets.iter().filter_map(|d| d.file.clone()));
    let mut out = BTreeMap::new();
    for p in paths {
        if p.starts_with('/') || p.starts_with('~') {
            continue;
        }
        let rel = clean_rel(&p);
        let found = if rel.is_empty() || rel.starts_with("..") {
            Referenced::Unavailable
        } else if project.has(&rel) {
            project
                .read(&rel)
                .map(Referenced::Text)
                .unwrap_or(Referenced::Unavailable)
        } else {
            match read_bounded(root, &rel) {
                Ok(Some(_)) => Referenced::Ignored,
                _ => Referenced::Unavailable,
            }
        };
        out.insert(rel, found);
    }
    Ok(out)
}

/// Generate the layout of the folder at `path`.
pub fn generate(path: &Path, options: &GenerateOptions) -> Result<Layout> {
    let root = canonical_folder(path)?;
    k8s::generate(&input(&root)?, options)
}

/// The layout's folder: `out` (relative to the project, or absolute), default `k8s`.
pub fn out_dir(root: &Path, out: Option<&Path>) -> PathBuf {
    match out {
        Some(o) if o.is_absolute() => o.to_path_buf(),
        Some(o) => root.join(o),
        None => root.join(DEFAULT_OUT),
    }
}

/// Generate and compare with what `out` holds.
pub fn preview(path: &Path, options: &GenerateOptions, out: Option<&Path>) -> Result<K8sPreview> {
    let root = canonical_folder(path)?;
    let layout = k8s::generate(&input(&root)?, options)?;
    let dir = out_dir(&root, out);
    Ok(K8sPreview {
        files: write::preview(&dir, &layout)?,
        out_dir: dir.to_string_lossy().into_owned(),
        namespace: layout.namespace,
        report: layout.report,
    })
}

/// Create `dir` and the layout's subfolders, refusing to go through a symbolic link.
fn make_dirs(dir: &Path) -> Result<()> {
    for sub in ["", "base", "overlays", "overlays/dev", "overlays/prod"] {
        let d = if sub.is_empty() {
            dir.to_path_buf()
        } else {
            dir.join(sub)
        };
        match std::fs::symlink_metadata(&d) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::InvalidInput(format!(
                    "{}: a symbolic link; not written through",
                    d.display()
                )))
            }
            Ok(m) if !m.is_dir() => return Err(Error::NotADirectory(d)),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(&d).map_err(|e| Error::io(&d, e))?
            }
            Err(e) => return Err(Error::io(&d, e)),
        }
    }
    Ok(())
}

/// Generate and write the layout into `out` (`force`: replace differing files, keeping
/// backups; without it nothing is written when one would be replaced). `seen`: what the
/// preview the user confirmed saw of each file (a file that changed since is refused); `None`:
/// preview first here (callers that show nothing).
pub fn write(
    path: &Path,
    options: &GenerateOptions,
    out: Option<&Path>,
    seen: Option<&[Seen]>,
    force: bool,
) -> Result<WriteReport> {
    let root = canonical_folder(path)?;
    let layout = k8s::generate(&input(&root)?, options)?;
    let dir = out_dir(&root, out);
    // Check first (nothing is created when a file would be replaced without force).
    if !force && dir.is_dir() {
        if let Some(p) = write::preview(&dir, &layout)?
            .iter()
            .find(|p| p.status == write::FileStatus::Changed)
        {
            return Err(Error::WouldOverwrite(p.path.clone()));
        }
    }
    make_dirs(&dir)?;
    match seen {
        Some(seen) => write::write_previewed(&dir, &layout, seen, force),
        None => write::write(&dir, &layout, force),
    }
}
