//! What the assessment reads from the folder, read once (bounded): the walk, the detection,
//! the compose file, the app's Dockerfile and the app's source and config files.

use crate::compose::{self, ComposeFile};
use crate::k8s::dockerfile::{self, DockerfileFacts};
use crate::k8s::read::read_bounded;
use crate::project::Project;
use crate::stacks::Detection;
use crate::{Error, Result};
use std::path::Path;

/// Source and config files scanned, and how many bytes in all at most.
const SOURCE_FILES: usize = 400;
const SOURCE_BYTES: usize = 16 * 1024 * 1024;
const SOURCE_EXTS: &[&str] = &[
    ".py",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".go",
    ".rs",
    ".rb",
    ".php",
    ".java",
    ".kt",
    ".cs",
    ".ex",
    ".exs",
    ".properties",
    ".env",
    "application.yml",
    "application.yaml",
];

/// The compose file: its name, text and model.
#[derive(Debug, Clone)]
pub struct ComposeSource {
    pub file: String,
    pub text: String,
    pub model: ComposeFile,
}

/// The app's Dockerfile: its path, text and facts.
#[derive(Debug, Clone)]
pub struct DockerfileSource {
    pub file: String,
    pub text: String,
    pub facts: DockerfileFacts,
}

/// Everything the signals and the checklist look at.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Every file the walk listed (honours .gitignore/.dockerignore).
    pub files: Vec<String>,
    pub detection: Option<Detection>,
    pub compose: Option<ComposeSource>,
    pub dockerfile: Option<DockerfileSource>,
    /// `(path, text)` of source and config files, shallowest first.
    pub sources: Vec<(String, String)>,
    /// Kubernetes files that Berth generated (their first line says so): not the team's own.
    pub berth_generated: Vec<String>,
    /// `berth check`'s findings on the folder's Dockerfiles and compose file, when the caller
    /// ran it ([`crate::app::k8s::assess`] does).
    pub check: Option<crate::check::Report>,
}

/// `./a/../b` and `./Dockerfile` -> `b`, `Dockerfile` (forward slashes, no `.`).
pub fn clean_rel(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.join("/")
}

/// The Dockerfile a built service of `model` names (the first one), else `Dockerfile`.
fn dockerfile_path(model: Option<&ComposeFile>) -> String {
    model
        .and_then(|m| m.services.iter().find_map(|s| s.build.as_ref()))
        .map(|b| clean_rel(&format!("{}/{}", b.context, b.dockerfile)))
        .unwrap_or_else(|| "Dockerfile".to_string())
}

/// Read the folder at `root`.
pub fn gather(root: &Path) -> Result<Facts> {
    let project = Project::open(root)?;
    let detection = match crate::stacks::detect_project(&project) {
        Ok(d) => Some(d),
        Err(Error::NotAProject { .. }) => None,
        Err(e) => return Err(e),
    };
    let compose = match compose::find_file(root) {
        Some(path) => {
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match read_bounded(root, &file)? {
                Some(text) => Some(ComposeSource {
                    model: compose::parse(&path, &text)?,
                    file,
                    text,
                }),
                None => None,
            }
        }
        None => None,
    };
    let df = dockerfile_path(compose.as_ref().map(|c| &c.model));
    let dockerfile = read_bounded(root, &df)?.map(|text| DockerfileSource {
        facts: dockerfile::facts(&text),
        file: df,
        text,
    });
    let mut sources = Vec::new();
    let mut bytes = 0usize;
    for rel in project.sources(SOURCE_EXTS, SOURCE_FILES) {
        let Ok(text) = project.read(rel) else {
            continue;
        };
        bytes += text.len();
        if bytes > SOURCE_BYTES {
            break;
        }
        sources.push((rel.to_string(), text));
    }
    let berth_generated = project
        .files()
        .iter()
        .filter(|p| super::signals::is_k8s_file(p, p.rsplit('/').next().unwrap_or(p)))
        .take(200)
        .filter(|p| {
            project
                .read(p)
                .is_ok_and(|t| t.starts_with(crate::k8s::generate::GENERATED_MARK))
        })
        .cloned()
        .collect();
    Ok(Facts {
        check: None,
        berth_generated,
        files: project.files().to_vec(),
        detection,
        compose,
        dockerfile,
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_cleaned() {
        assert_eq!(clean_rel("./Dockerfile"), "Dockerfile");
        assert_eq!(clean_rel("./api/../api/Dockerfile"), "api/Dockerfile");
        assert_eq!(clean_rel("."), "");
    }
}
