//! The compose model, shared by the runners, checks, Kubernetes manifests and deploy
//! environments: find a project's compose file, parse it ([`model`]), interpolate and merge
//! overrides ([`merge`]), edit its host port ([`ports`]), label it for a compose tool
//! ([`overrides`]), and find a compose tool ([`tool`]). Nothing here talks to the engine.
//! Project names come from [`crate::names`].

mod extras;
pub mod model;
pub mod overrides;
pub mod ports;
pub mod tool;

pub use model::{
    interpolate, parse, parse_duration, read, BindMount, BuildSpec, ComposeFile, HealthSpec,
    PortSpec, SecretDef, SecretRef, ServiceSpec,
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
