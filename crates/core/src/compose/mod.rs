//! The compose model, shared by the runners, checks, Kubernetes manifests and deploy
//! environments: find a project's compose file, parse it ([`model`]), interpolate it, merge
//! override files as Compose does ([`merge`]), edit its host port ([`ports`]), label it for a compose tool
//! ([`overrides`]), and find a compose tool ([`tool`]). Nothing here talks to the engine.
//! Project names come from [`crate::names`].

mod extras;
pub mod merge;
pub mod model;
pub mod overrides;
pub mod ports;
pub mod tool;
mod values;

pub use model::{
    from_value, interpolate, parse, parse_duration, read, BindSpec, BuildSpec, ComposeFile,
    HealthSpec, PortSpec, SecretDef, SecretRef, SecuritySpec, ServiceSpec,
};
pub use tool::{find_tool, ComposeTool, ToolSearch};

use std::path::{Path, PathBuf};

/// Compose file names, in the order `docker compose` looks for them.
pub const COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// Read `files` and merge them in order, as `docker compose -f a -f b ...` does.
pub fn read_merged(files: &[PathBuf]) -> crate::Result<ComposeFile> {
    let first = files
        .first()
        .ok_or_else(|| crate::Error::InvalidInput("no compose file to read".into()))?;
    let mut docs = Vec::new();
    for f in files {
        // By fsread's rules: no links, regular files only, at most 1 MiB.
        let text = crate::fsread::read_text(f)?.ok_or_else(|| crate::Error::NotFound(f.clone()))?;
        let doc: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&text).map_err(|e| crate::Error::InvalidManifest {
                file: f.clone(),
                line: e.location().and_then(|l| u32::try_from(l.line()).ok()),
                message: e.to_string(),
            })?;
        docs.push(doc);
    }
    let mut docs = docs.into_iter();
    let base = docs.next().unwrap_or_default();
    from_value(first, merge::merge_all(base, docs))
}

/// The project's compose file, if it has one.
pub fn find_file(root: &Path) -> Option<PathBuf> {
    COMPOSE_FILES
        .iter()
        .map(|n| root.join(n))
        .find(|p| p.is_file())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn merged_files_are_read_as_one_model() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("compose.yaml");
        let b = d.path().join("compose.prod.yaml");
        std::fs::write(
            &a,
            "services:\n  web:\n    image: a:1\n    ports: [\"8080:80\"]\n",
        )
        .unwrap();
        std::fs::write(
            &b,
            "services:\n  web:\n    read_only: true\n    ports: !reset []\n",
        )
        .unwrap();
        let m = read_merged(&[a, b]).unwrap();
        assert!(m.services[0].read_only);
        assert!(m.services[0].ports.is_empty());
        assert_eq!(m.services[0].image.as_deref(), Some("a:1"));
        assert!(read_merged(&[]).is_err());
    }

    #[test]
    fn the_first_file_in_compose_order_wins() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(find_file(d.path()), None);
        std::fs::write(d.path().join("docker-compose.yml"), "services: {}\n").unwrap();
        assert_eq!(
            find_file(d.path()),
            Some(d.path().join("docker-compose.yml"))
        );
        std::fs::write(d.path().join("compose.yaml"), "services: {}\n").unwrap();
        assert_eq!(find_file(d.path()), Some(d.path().join("compose.yaml")));
    }
}
