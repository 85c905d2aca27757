//! The override file Berth passes to a compose tool as a second `-f`: it labels every service
//! as Berth's (`dev.berth.managed`, `dev.berth.project=<folder>`) and points each service
//! Berth built itself at its image. Written to a private temporary file (unpredictable
//! name, owner-only permissions, removed when the [`OverrideFile`] is dropped), never to a
//! predictable path under /tmp and never into the project folder.

use super::model::ComposeFile;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// A compose override that labels every service as Berth's (pure). JSON is YAML, which
/// keeps the quoting exact.
pub fn labels_override(project: &Path, file: &ComposeFile) -> String {
    tool_override(project, file, &BTreeMap::new())
}

/// [`labels_override`] that also sets `image: <tag>` for the services in `images` (service
/// name -> tag): the images Berth built itself before running the compose tool, so the
/// tool runs them with `--no-build` instead of building them (pure).
pub fn tool_override(
    project: &Path,
    file: &ComposeFile,
    images: &BTreeMap<String, String>,
) -> String {
    let labels = crate::names::labels(project);
    let services: serde_json::Map<String, serde_json::Value> = file
        .services
        .iter()
        .map(|s| {
            let mut body = serde_json::json!({ "labels": labels });
            if let Some(tag) = images.get(&s.name) {
                body["image"] = serde_json::Value::String(tag.clone());
            }
            (s.name.clone(), body)
        })
        .collect();
    let mut doc = serde_json::Map::new();
    if let Some(v) = &file.version {
        doc.insert("version".into(), serde_json::Value::String(v.clone()));
    }
    doc.insert("services".into(), serde_json::Value::Object(services));
    serde_json::to_string_pretty(&serde_json::Value::Object(doc)).unwrap_or_default()
}

/// A file written for the compose tool, removed when dropped.
#[derive(Debug)]
pub struct OverrideFile {
    file: tempfile::NamedTempFile,
}

impl OverrideFile {
    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

/// Write `text` to a new private temporary file (`berth-*.json` / `.yaml`).
pub fn write_private(text: &str, suffix: &str) -> Result<OverrideFile> {
    let dir = std::env::temp_dir();
    let mut file = tempfile::Builder::new()
        .prefix("berth-")
        .suffix(suffix)
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| Error::io(file.path(), e))?;
    Ok(OverrideFile { file })
}

/// Write [`tool_override`] for a parsed compose file to a private temporary file.
pub fn write_tool_override(
    project: &Path,
    parsed: &ComposeFile,
    images: &BTreeMap<String, String>,
) -> Result<OverrideFile> {
    write_private(&tool_override(project, parsed, images), ".json")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_override_file_is_private_unpredictable_and_removed_when_dropped() {
        let f = ComposeFile::default();
        let a = write_tool_override(Path::new("/p"), &f, &BTreeMap::new()).unwrap();
        let b = write_tool_override(Path::new("/p"), &f, &BTreeMap::new()).unwrap();
        assert_ne!(a.path(), b.path(), "two writes never share a path");
        let text = std::fs::read_to_string(a.path()).unwrap();
        assert!(text.contains("\"services\""), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(a.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "owner-only: {mode:o}");
        }
        let path = a.path().to_path_buf();
        drop(a);
        assert!(!path.exists());
    }
}
