//! What Berth calls the things it creates for a project folder: images, containers, the
//! compose project, its network, volumes and service containers, and the labels that mark
//! them as Berth's. One rule, from the folder's canonical path: its sanitized name plus a
//! short hash of the whole path, so two folders named `api` never touch each other's
//! containers, images or compose services (pure).

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Label on every container, image, network and volume Berth creates: the project's
/// absolute folder.
pub const LABEL_PROJECT: &str = "dev.berth.project";
/// Label on every container, image, network and volume Berth creates: `true`.
pub const LABEL_MANAGED: &str = "dev.berth.managed";
/// Label naming the compose service of a container Berth ran through the Engine API.
pub const LABEL_SERVICE: &str = "dev.berth.compose.service";

/// The names of one project folder's engine objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectNames {
    folder: PathBuf,
    /// `<folder name>-<hash>`: the compose project name.
    short: String,
}

impl ProjectNames {
    /// Names for the (canonical) project folder `root`.
    pub fn of(root: &Path) -> ProjectNames {
        let base = root
            .file_name()
            .map(|n| crate::plan::sanitize_name(&n.to_string_lossy()))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "app".into());
        let digest = Sha256::digest(root.display().to_string().as_bytes());
        let hash: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
        ProjectNames {
            folder: root.to_path_buf(),
            short: format!("{base}-{hash}"),
        }
    }

    /// The folder these names are for.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The single container `berth up` runs: `berth-<folder>-<hash>`.
    pub fn container(&self) -> String {
        format!("berth-{}", self.short)
    }

    /// The image Berth builds for the folder's app: `berth-<folder>-<hash>:dev`.
    pub fn image(&self) -> String {
        format!("{}:dev", self.container())
    }

    /// The compose project name (`-p`): `<folder>-<hash>`.
    pub fn compose_project(&self) -> String {
        self.short.clone()
    }

    /// The network of a compose project run through the Engine API.
    pub fn network(&self) -> String {
        format!("{}_default", self.container())
    }

    /// The container of a compose service run through the Engine API.
    pub fn service_container(&self, service: &str) -> String {
        format!("{}-{service}", self.container())
    }

    /// The image Berth builds for a compose service with `build:` and no `image:`.
    pub fn service_image(&self, service: &str) -> String {
        format!("{}:dev", self.service_container(service))
    }

    /// The engine volume for a compose named volume.
    pub fn volume(&self, volume: &str) -> String {
        format!("{}_{volume}", self.container())
    }

    /// The labels every object Berth creates for this folder carries.
    pub fn labels(&self) -> HashMap<String, String> {
        labels(&self.folder)
    }
}

/// The labels every object Berth creates for `project` carries.
pub fn labels(project: &Path) -> HashMap<String, String> {
    HashMap::from([
        (LABEL_PROJECT.to_string(), project.display().to_string()),
        (LABEL_MANAGED.to_string(), "true".to_string()),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_distinct_per_folder() {
        let a = ProjectNames::of(Path::new("/a/My App"));
        let b = ProjectNames::of(Path::new("/b/My App"));
        assert!(
            a.container().starts_with("berth-my-app-"),
            "{}",
            a.container()
        );
        assert_ne!(a.container(), b.container());
        assert_ne!(a.compose_project(), b.compose_project());
        assert_eq!(ProjectNames::of(Path::new("/a/My App")), a);
        assert!(a.image().ends_with(":dev"));
        assert!(a.compose_project().starts_with("my-app-"));
        assert_eq!(a.service_container("db"), format!("{}-db", a.container()));
        assert_eq!(a.service_image("web"), format!("{}-web:dev", a.container()));
        assert_eq!(a.network(), format!("{}_default", a.container()));
        assert_eq!(a.volume("data"), format!("{}_data", a.container()));
        assert_eq!(
            ProjectNames::of(Path::new("/")).compose_project().len(),
            "app-".len() + 6
        );
    }

    #[test]
    fn labels_name_the_folder() {
        let l = labels(Path::new("/p"));
        assert_eq!(l[LABEL_PROJECT], "/p");
        assert_eq!(l[LABEL_MANAGED], "true");
    }
}
