//! What each command does, as plain functions over berth-core with no Tauri around them,
//! so they are tested directly (tests below) and the commands stay adapters.

use crate::payload::{OpenedProject, PlanEdits, ProjectPreview};
use berth_core::detect::Detection;
use berth_core::plan::Plan;
use berth_core::render::{render, RenderedFiles, Templates};
use berth_core::write::{self, Seen, WriteReport};
use berth_core::{Error, Result};
use std::path::{Path, PathBuf};

/// Detect the folder at `path` (as typed, picked or dropped) and make its default plan.
/// A folder no detector recognises still opens when it has its own Dockerfile or compose
/// file (built as it is; nothing to generate): detection, plan and edits are then `None`.
pub fn open_project(path: &Path) -> Result<OpenedProject> {
    let detected = match berth_core::detect::detect(path) {
        Err(e) if !matches!(e, Error::NotAProject { .. }) => return Err(e),
        detected => detected,
    };
    let root = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
    let own_files = own_build_files(&root);
    let detection = match detected {
        Ok(d) => Some(d),
        Err(Error::NotAProject { .. }) if !own_files.is_empty() => None,
        Err(e) => return Err(e),
    };
    let plan = detection.as_ref().map(|d| default_plan(d, &root));
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
    let compose = berth_core::compose::find_file(root);
    [dockerfile, compose]
        .into_iter()
        .flatten()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect()
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

/// The plan for `detection` with the user's `edits` applied, validated.
pub fn plan_with(detection: &Detection, root: &Path, edits: &PlanEdits) -> Result<Plan> {
    let mut d = detection.clone();
    d.port = Some(edits.port);
    d.services = edits.services.clone();
    d.start_command = edits.start_command.clone();
    let mut plan = default_plan(&d, root);
    if !plan.serve_static {
        plan.port = edits.port;
        plan.start_command = edits.start_command.clone();
    }
    plan.runtime_image = edits.runtime_image.trim().to_string();
    if plan.builder_image.is_some() {
        plan.builder_image = edits.builder_image.as_ref().map(|s| s.trim().to_string());
    }
    plan.validate()?;
    Ok(plan)
}

/// Render the edited plan and compare it with the files in the project.
pub fn preview_files(
    root: &Path,
    detection: &Detection,
    edits: &PlanEdits,
    templates: &Templates,
) -> Result<ProjectPreview> {
    let (plan, files) = rendered(root, detection, edits, templates)?;
    let files = write::preview(root, &files)?;
    Ok(ProjectPreview { plan, files })
}

/// Write the edited plan's files into the project (`force`: replace differing files,
/// keeping backups; without it nothing is written when one would be replaced). `seen`: what
/// the preview the user confirmed saw of each file; a file that changed since is refused
/// (kind `would_overwrite`). Without it, the write previews by itself first.
pub fn write_files(
    root: &Path,
    detection: &Detection,
    edits: &PlanEdits,
    templates: &Templates,
    force: bool,
    seen: Option<&[Seen]>,
) -> Result<WriteReport> {
    let (_, files) = rendered(root, detection, edits, templates)?;
    match seen {
        Some(seen) => write::write_previewed(root, &files, seen, force),
        None => write::write(root, &files, force),
    }
}

fn rendered(
    root: &Path,
    detection: &Detection,
    edits: &PlanEdits,
    templates: &Templates,
) -> Result<(Plan, RenderedFiles)> {
    let plan = plan_with(detection, root, edits)?;
    let files = render(&plan, templates)?;
    Ok((plan, files))
}

fn default_plan(detection: &Detection, root: &Path) -> Plan {
    let folder = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Plan::from_detection(detection).named(&folder)
}

/// A path received over IPC (typed, pasted, picked or dropped). A leading `~` is the
/// user's home folder, as a shell would read it.
pub fn path_arg(raw: &str) -> PathBuf {
    let home = || std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    match raw.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') || rest.starts_with('\\') => {
            match home() {
                Some(h) => PathBuf::from(h).join(rest.trim_start_matches(['/', '\\'])),
                None => PathBuf::from(raw),
            }
        }
        _ => PathBuf::from(raw),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "ops_tests.rs"]
mod tests;
