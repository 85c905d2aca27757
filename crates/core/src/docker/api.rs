//! What the runners need from a container engine, as one trait ([`ContainerEngine`]) in
//! Berth's own types. [`Engine`] implements it over bollard; the runners' unit tests
//! implement it in memory, so orchestration (port races, cancellation, start order) is
//! tested without a daemon. The real-engine tests in crates/core/tests exercise [`Engine`].

use super::build::{BuildEvent, BuildReport, BuildRequest};
use super::health::{HealthReport, HttpProbe};
use super::lifecycle::ContainerInfo;
use super::spec::ContainerSpec;
use super::{CancellationToken, Engine};
use crate::ports::ContainerPorts;
use crate::Result;
use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::time::Duration;

/// The facts of a local image the runners use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageInfo {
    pub id: String,
    /// The image's `USER` (empty: root).
    pub user: String,
    /// TCP ports it EXPOSEs, ascending.
    pub exposed_ports: Vec<u16>,
    /// The image's `WORKDIR` (empty: none).
    pub workdir: String,
    /// The image has a HEALTHCHECK (not `NONE`).
    pub healthcheck: bool,
}

impl ImageInfo {
    /// Does the image run as root?
    pub fn runs_as_root(&self) -> bool {
        let u = self.user.as_str();
        u.is_empty() || u == "root" || u == "0" || u.starts_with("0:") || u.starts_with("root:")
    }
}

/// A container engine, as the runners use it.
pub trait ContainerEngine: ContainerPorts + Send + Sync {
    /// Build an image (progress to `on_event`; `cancel` stops it and removes what it made).
    fn build<F: FnMut(BuildEvent) + Send>(
        &self,
        req: &BuildRequest,
        on_event: F,
        cancel: CancellationToken,
    ) -> impl Future<Output = Result<BuildReport>> + Send;

    /// A local image by tag or id; None when there is none.
    fn image(&self, reference: &str) -> impl Future<Output = Result<Option<ImageInfo>>> + Send;

    /// Pull an image (progress lines to `on_event`).
    fn pull<F: FnMut(BuildEvent) + Send>(
        &self,
        image: &str,
        on_event: F,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Create and start a container; a container that cannot start is removed again. A host
    /// port taken at start is `Error::PortInUse` (the "already allocated" race).
    fn start_container(&self, spec: &ContainerSpec) -> impl Future<Output = Result<String>> + Send;

    /// Remove a container (stopping it first); false when there was none.
    fn remove_container(&self, name: &str) -> impl Future<Output = Result<bool>> + Send;

    /// Containers (any state) carrying the label `key=value`.
    fn containers_labelled(
        &self,
        label: &str,
    ) -> impl Future<Output = Result<Vec<ContainerInfo>>> + Send;

    /// Wait until a container is healthy (its HEALTHCHECK, else the HTTP probe, else
    /// running), the timeout passes, or it exits.
    fn wait_healthy(
        &self,
        container: &str,
        probe: Option<HttpProbe>,
        timeout: Duration,
    ) -> impl Future<Output = Result<HealthReport>> + Send;

    /// Remove an image unless something still uses it: `Ok(None)` when removed or missing,
    /// `Ok(Some(why))` when it stays.
    fn remove_unused_image(
        &self,
        image: &str,
    ) -> impl Future<Output = Result<Option<String>>> + Send;

    /// Create a network (labelled) unless it exists.
    fn ensure_network(
        &self,
        name: &str,
        labels: &HashMap<String, String>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Create a named volume (labelled) unless it exists.
    fn ensure_volume(
        &self,
        name: &str,
        labels: &HashMap<String, String>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Stop and remove everything Berth labelled for `project` (containers, networks; named
    /// volumes stay). Returns the containers' names.
    fn down(&self, project: &Path) -> impl Future<Output = Result<Vec<String>>> + Send;
}

impl ContainerEngine for Engine {
    async fn build<F: FnMut(BuildEvent) + Send>(
        &self,
        req: &BuildRequest,
        on_event: F,
        cancel: CancellationToken,
    ) -> Result<BuildReport> {
        Engine::build(self, req, on_event, cancel).await
    }

    async fn image(&self, reference: &str) -> Result<Option<ImageInfo>> {
        self.image_info(reference).await
    }

    async fn pull<F: FnMut(BuildEvent) + Send>(&self, image: &str, on_event: F) -> Result<()> {
        self.pull_image(image, on_event).await
    }

    async fn start_container(&self, spec: &ContainerSpec) -> Result<String> {
        self.create_and_start(spec).await
    }

    async fn remove_container(&self, name: &str) -> Result<bool> {
        match self.remove(name).await {
            Ok(()) => Ok(true),
            Err(crate::Error::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn containers_labelled(&self, label: &str) -> Result<Vec<ContainerInfo>> {
        Engine::containers_labelled(self, label).await
    }

    async fn wait_healthy(
        &self,
        container: &str,
        probe: Option<HttpProbe>,
        timeout: Duration,
    ) -> Result<HealthReport> {
        Engine::wait_healthy(self, container, probe, timeout).await
    }

    async fn remove_unused_image(&self, image: &str) -> Result<Option<String>> {
        Ok(Engine::remove_unused_image(self, image).await.err())
    }

    async fn ensure_network(&self, name: &str, labels: &HashMap<String, String>) -> Result<()> {
        Engine::ensure_network(self, name, labels).await
    }

    async fn ensure_volume(&self, name: &str, labels: &HashMap<String, String>) -> Result<()> {
        Engine::ensure_volume(self, name, labels).await
    }

    async fn down(&self, project: &Path) -> Result<Vec<String>> {
        Engine::down(self, project).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn root_users() {
        for u in ["", "root", "0", "0:0", "root:root"] {
            let i = ImageInfo {
                user: u.into(),
                ..Default::default()
            };
            assert!(i.runs_as_root(), "{u:?}");
        }
        for u in ["10001", "node", "nonroot:nonroot", "101"] {
            let i = ImageInfo {
                user: u.into(),
                ..Default::default()
            };
            assert!(!i.runs_as_root(), "{u:?}");
        }
    }
}
