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
/// The compose tool's label naming a container's compose project.
pub const LABEL_COMPOSE_PROJECT: &str = "com.docker.compose.project";
/// The compose tool's label naming a container's compose service.
pub const LABEL_COMPOSE_SERVICE: &str = "com.docker.compose.service";
/// The compose tool's label listing a service's dependencies (`db:service_healthy:false,…`).
pub const LABEL_COMPOSE_DEPENDS_ON: &str = "com.docker.compose.depends_on";
/// Label listing the services a container Berth ran through the Engine API depends on
/// (`db,cache`).
pub const LABEL_DEPENDS_ON: &str = "dev.berth.compose.depends_on";

/// The services a container's labels say it depends on (the compose tool's label, else
/// Berth's), for group actions in dependency order (pure).
pub fn depends_on(labels: &HashMap<String, String>) -> Vec<String> {
    let list = labels
        .get(LABEL_COMPOSE_DEPENDS_ON)
        .or_else(|| labels.get(LABEL_DEPENDS_ON));
    list.map(|l| {
        l.split(',')
            .filter_map(|e| e.split(':').next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

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

/// The compose project and service of a container with these labels: the compose tool's
/// labels, or, for a service Berth ran through the Engine API (`dev.berth.compose.service`),
/// the project name the compose tool would give its folder, so both runs of one folder group
/// together. `(None, None)` for a container outside any compose project (pure).
pub fn compose_membership(labels: &HashMap<String, String>) -> (Option<String>, Option<String>) {
    if let Some(project) = labels.get(LABEL_COMPOSE_PROJECT) {
        return (
            Some(project.clone()),
            labels.get(LABEL_COMPOSE_SERVICE).cloned(),
        );
    }
    match (labels.get(LABEL_SERVICE), labels.get(LABEL_PROJECT)) {
        (Some(service), Some(folder)) => (
            Some(ProjectNames::of(Path::new(folder)).compose_project()),
            Some(service.clone()),
        ),
        _ => (None, None),
    }
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

    #[test]
    fn depends_on_reads_the_tools_label_or_berths() {
        let of = |pairs: &[(&str, &str)]| {
            depends_on(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(
            of(&[(
                LABEL_COMPOSE_DEPENDS_ON,
                "db:service_healthy:false,cache:service_started:true"
            )]),
            ["db", "cache"]
        );
        assert_eq!(of(&[(LABEL_DEPENDS_ON, "db,cache")]), ["db", "cache"]);
        assert!(of(&[(LABEL_COMPOSE_DEPENDS_ON, "")]).is_empty());
        assert!(of(&[]).is_empty());
    }

    #[test]
    fn compose_membership_reads_the_tools_labels_or_berths() {
        let of = |pairs: &[(&str, &str)]| {
            compose_membership(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(
            of(&[
                (LABEL_COMPOSE_PROJECT, "shop"),
                (LABEL_COMPOSE_SERVICE, "db")
            ]),
            (Some("shop".into()), Some("db".into()))
        );
        // Berth's Engine-API run of /a/My App: the name `docker compose -p` would get.
        let folder = ProjectNames::of(Path::new("/a/My App")).compose_project();
        assert_eq!(
            of(&[(LABEL_PROJECT, "/a/My App"), (LABEL_SERVICE, "web")]),
            (Some(folder), Some("web".into()))
        );
        // Berth's single container of a folder is not a compose project's.
        assert_eq!(of(&[(LABEL_PROJECT, "/a/My App")]), (None, None));
        assert_eq!(of(&[]), (None, None));
    }
}
