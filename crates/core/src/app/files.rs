//! Opening a folder, the plan with the user's edits, previewing and writing its files.

use crate::plan::{Plan, PlanEdits, PlanOverrides};
use crate::render::{render, Templates};
use crate::stacks::Detection;
use crate::write::{self, FilePreview, Seen, WriteReport};
use crate::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// An opened folder: the folder as the core resolved it, what was detected, the default
/// plan and its editable fields. A folder with no known stack but its own Dockerfile or
/// compose file opens too: detection, plan and edits are null (nothing to generate) and it
/// runs from its own files.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct OpenedProject {
    /// Absolute path of the project folder.
    pub root: String,
    pub detection: Option<Detection>,
    pub plan: Option<Plan>,
    pub edits: Option<PlanEdits>,
    /// The build files already in the folder (`Dockerfile`, the compose file), by name.
    pub own_files: Vec<String>,
}

/// The plan the edits produced and the files it renders to, compared with what is on disk.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProjectPreview {
    pub plan: Plan,
    pub files: Vec<FilePreview>,
}

/// The folder's name, for the plan's compose project name.
fn folder_name(root: &Path) -> String {
    root.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The canonical folder at `path`, refused when it is missing or not a folder.
pub(crate) fn canonical_folder(path: &Path) -> Result<PathBuf> {
    let root = std::fs::canonicalize(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(path.to_path_buf()),
        _ => Error::io(path, e),
    })?;
    if !root.is_dir() {
        return Err(Error::NotADirectory(root));
    }
    Ok(root)
}

/// Open the folder at `path` (as typed, picked or dropped): detect it and make its default
/// plan. A folder no detector recognises still opens when it has its own Dockerfile or
/// compose file.
pub fn open(path: &Path) -> Result<OpenedProject> {
    let detected = match crate::stacks::detect(path) {
        Err(e) if !matches!(e, Error::NotAProject { .. }) => return Err(e),
        detected => detected,
    };
    let root = canonical_folder(path)?;
    let own_files = own_build_files(&root);
    let detection = match detected {
        Ok(d) => Some(d),
        Err(Error::NotAProject { .. }) if !own_files.is_empty() => None,
        Err(e) => return Err(e),
    };
    let plan = detection.as_ref().map(|d| {
        let mut p = Plan::from_detection(d).named(&folder_name(&root));
        p.environments = default_environments(&root);
        p
    });
    Ok(OpenedProject {
        root: root.to_string_lossy().into_owned(),
        edits: plan.as_ref().map(PlanEdits::of),
        detection,
        plan,
        own_files,
    })
}

/// The build files the folder already has: its `Dockerfile` and its compose file, by name.
pub fn own_build_files(root: &Path) -> Vec<String> {
    let dockerfile = Some(root.join("Dockerfile")).filter(|p| p.is_file());
    [dockerfile, crate::compose::find_file(root)]
        .into_iter()
        .flatten()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect()
}

/// Whether the default plan writes the per-environment overrides: for a folder new to
/// containers (no Dockerfile, no compose file), or one that already has them; off for an
/// existing project (its own build files, no overrides).
pub fn default_environments(root: &Path) -> bool {
    let has_overrides = crate::environment::Environment::ALL
        .iter()
        .any(|e| e.find_override(root).is_some());
    own_build_files(root).is_empty() || has_overrides
}

/// The plan for the folder `root` detected as `detection`, with the user's `edits` (none:
/// the default plan), validated.
pub fn plan_for(root: &Path, detection: &Detection, edits: Option<&PlanEdits>) -> Result<Plan> {
    let mut default = Plan::from_detection(detection).named(&folder_name(root));
    default.environments = default_environments(root);
    match edits {
        Some(e) => e.apply(detection, &folder_name(root)),
        None => {
            default.validate()?;
            Ok(default)
        }
    }
}

/// The default plan's edits for the folder with `overrides` applied (the CLI's plan flags);
/// None when no override was given. Refused when the folder has no stack to plan for.
pub fn edits_with(folder: &Path, overrides: &PlanOverrides) -> Result<Option<PlanEdits>> {
    if overrides.is_empty() {
        return Ok(None);
    }
    let opened = open(folder)?;
    let root = PathBuf::from(&opened.root);
    let edits = opened.edits.ok_or_else(|| nothing_to_generate(&root))?;
    Ok(Some(edits.with(overrides)))
}

/// Render `plan` and compare it with the files in `out_dir`.
pub fn preview(out_dir: &Path, plan: &Plan, templates: &Templates) -> Result<ProjectPreview> {
    let files = render(plan, templates)?;
    Ok(ProjectPreview {
        plan: plan.clone(),
        files: write::preview(out_dir, &files)?,
    })
}

/// Write `plan`'s files into `out_dir` (`force`: replace differing files, keeping backups;
/// without it nothing is written when one would be replaced). `seen`: what the preview the
/// user confirmed saw of each file ([`FilePreview::seen`]); a file that appeared, changed or
/// went away since is refused (kind `would_overwrite`) and nothing is written. `None`: the
/// write previews by itself first (for callers that show nothing).
pub fn write(
    out_dir: &Path,
    plan: &Plan,
    templates: &Templates,
    seen: Option<&[Seen]>,
    force: bool,
) -> Result<WriteReport> {
    if !out_dir.is_dir() {
        return Err(if out_dir.exists() {
            Error::NotADirectory(out_dir.to_path_buf())
        } else {
            Error::NotFound(out_dir.to_path_buf())
        });
    }
    let files = render(plan, templates)?;
    match seen {
        Some(seen) => write::write_previewed(out_dir, &files, seen, force),
        None => write::write(out_dir, &files, force),
    }
}

/// The error for generating files in a folder with no detected stack.
pub fn nothing_to_generate(root: &Path) -> Error {
    Error::NotAProject {
        path: root.to_path_buf(),
        reason: "no stack detected, so there is nothing to generate; Berth builds the folder's \
                 own Dockerfile or compose file as it is"
            .to_string(),
    }
}
