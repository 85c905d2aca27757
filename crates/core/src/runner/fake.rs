//! An in-memory [`ContainerEngine`] for the runners' unit tests: images, containers, host
//! ports taken at start, health outcomes, and a log of the calls made. It does what the
//! runners rely on the real engine to do (names are unique, a started container publishes
//! its ports) and nothing more; the real-engine tests in crates/core/tests cover the rest.

use crate::docker::api::{ContainerEngine, ImageInfo};
use crate::docker::build::{BuildEvent, BuildReport, BuildRequest};
use crate::docker::health::{HealthReport, HealthVia, HttpProbe};
use crate::docker::lifecycle::{ContainerInfo, PublishedPort};
use crate::docker::spec::ContainerSpec;
use crate::docker::CancellationToken;
use crate::names::{LABEL_MANAGED, LABEL_PROJECT};
use crate::ports::ContainerPorts;
use crate::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Default)]
struct State {
    images: BTreeMap<String, ImageInfo>,
    containers: BTreeMap<String, ContainerSpec>,
    taken_at_start: Vec<u16>,
    unhealthy: Vec<String>,
    failing_builds: Vec<String>,
    calls: Vec<String>,
    next_id: u32,
    cancel_on_build: Option<CancellationToken>,
}

#[derive(Default)]
pub struct FakeEngine {
    state: Mutex<State>,
}

impl FakeEngine {
    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The engine refuses `port` at container start (the race).
    pub fn take_at_start(&self, port: u16) {
        self.st().taken_at_start.push(port);
    }

    /// A local image.
    pub fn add_image(&self, tag: &str, info: ImageInfo) {
        self.st().images.insert(tag.to_string(), info);
    }

    /// `container` never becomes healthy.
    pub fn make_unhealthy(&self, container: &str) {
        self.st().unhealthy.push(container.to_string());
    }

    /// Builds of `tag` fail.
    pub fn fail_build(&self, tag: &str) {
        self.st().failing_builds.push(tag.to_string());
    }

    /// Cancel `token` when a build starts (a user pressing Cancel mid-build).
    pub fn cancel_on_build(&self, token: CancellationToken) {
        self.st().cancel_on_build = Some(token);
    }

    pub fn running(&self, name: &str) -> bool {
        self.st().containers.contains_key(name)
    }

    pub fn container(&self, name: &str) -> Option<ContainerSpec> {
        self.st().containers.get(name).cloned()
    }

    pub fn container_names(&self) -> Vec<String> {
        self.st().containers.keys().cloned().collect()
    }

    /// Every call, in order (`build t:1`, `start web`, `remove web`, `wait web`, ...).
    pub fn calls(&self) -> Vec<String> {
        self.st().calls.clone()
    }

    fn info(name: &str, spec: &ContainerSpec) -> ContainerInfo {
        let labels: HashMap<String, String> = spec.labels.clone().into_iter().collect();
        let (compose_project, compose_service) = crate::names::compose_membership(&labels);
        ContainerInfo {
            id: name.to_string(),
            name: name.to_string(),
            image: spec.image.clone(),
            state: "running".into(),
            status: "Up".into(),
            project: spec.labels.get(LABEL_PROJECT).cloned(),
            managed: spec.labels.get(LABEL_MANAGED).map(String::as_str) == Some("true"),
            compose_project,
            compose_service,
            depends_on: crate::names::depends_on(&labels),
            ports: spec
                .publish
                .iter()
                .filter_map(|p| {
                    Some(PublishedPort {
                        host_ip: Some(p.host_ip.clone()),
                        host_port: p.host?,
                        container_port: p.container,
                    })
                })
                .collect(),
            created: 0,
        }
    }
}

impl ContainerPorts for FakeEngine {
    async fn container_publishing(&self, port: u16) -> Result<Option<(String, bool)>> {
        let st = self.st();
        Ok(st
            .containers
            .iter()
            .find(|(_, s)| s.publish.iter().any(|p| p.host == Some(port)))
            .map(|(n, s)| (n.clone(), s.labels.contains_key(LABEL_MANAGED))))
    }
}

impl ContainerEngine for FakeEngine {
    async fn build<F: FnMut(BuildEvent) + Send>(
        &self,
        req: &BuildRequest,
        mut on_event: F,
        cancel: CancellationToken,
    ) -> Result<BuildReport> {
        let (fails, cancel_now) = {
            let mut st = self.st();
            st.calls.push(format!("build {}", req.tag));
            (
                st.failing_builds.contains(&req.tag),
                st.cancel_on_build.take(),
            )
        };
        on_event(BuildEvent::Step {
            n: 1,
            total: 1,
            instruction: "FROM scratch".into(),
        });
        if let Some(t) = cancel_now {
            t.cancel();
        }
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        if fails {
            return Err(Error::Engine(format!("build of {} failed", req.tag)));
        }
        let id = {
            let mut st = self.st();
            st.next_id += 1;
            let id = format!("sha256:{:04}", st.next_id);
            st.images.insert(
                req.tag.clone(),
                ImageInfo {
                    id: id.clone(),
                    user: "10001".into(),
                    exposed_ports: Vec::new(),
                    ..Default::default()
                },
            );
            id
        };
        on_event(BuildEvent::Built {
            image_id: id.clone(),
        });
        Ok(BuildReport {
            image_id: id,
            tag: req.tag.clone(),
            size_bytes: 1,
            duration_ms: 1,
            steps: 1,
            cached_steps: 0,
            builder: "buildkit".into(),
            builder_note: None,
            platform: req.platform.as_ref().map(ToString::to_string),
            targets: Vec::new(),
        })
    }

    async fn image(&self, reference: &str) -> Result<Option<ImageInfo>> {
        Ok(self.st().images.get(reference).cloned())
    }

    async fn pull<F: FnMut(BuildEvent) + Send>(&self, image: &str, _on_event: F) -> Result<()> {
        let mut st = self.st();
        st.calls.push(format!("pull {image}"));
        st.images.insert(image.to_string(), ImageInfo::default());
        Ok(())
    }

    async fn start_container(&self, spec: &ContainerSpec) -> Result<String> {
        let mut st = self.st();
        st.calls.push(format!("start {}", spec.name));
        if st.containers.contains_key(&spec.name) {
            return Err(Error::Engine(format!("name {} in use", spec.name)));
        }
        if !st.images.contains_key(&spec.image) {
            return Err(Error::Engine(format!("image {} not found", spec.image)));
        }
        if let Some(p) = spec
            .publish
            .iter()
            .filter_map(|p| p.host)
            .find(|h| st.taken_at_start.contains(h))
        {
            return Err(Error::PortInUse {
                port: p,
                owner: Some("port is already allocated".into()),
            });
        }
        st.containers.insert(spec.name.clone(), spec.clone());
        Ok(spec.name.clone())
    }

    async fn remove_container(&self, name: &str) -> Result<bool> {
        let mut st = self.st();
        st.calls.push(format!("remove {name}"));
        Ok(st.containers.remove(name).is_some())
    }

    async fn containers_labelled(&self, label: &str) -> Result<Vec<ContainerInfo>> {
        let (k, v) = label.split_once('=').unwrap_or((label, ""));
        let st = self.st();
        Ok(st
            .containers
            .iter()
            .filter(|(_, s)| s.labels.get(k).map(String::as_str) == Some(v))
            .map(|(n, s)| Self::info(n, s))
            .collect())
    }

    async fn wait_healthy(
        &self,
        container: &str,
        probe: Option<HttpProbe>,
        _timeout: Duration,
    ) -> Result<HealthReport> {
        let mut st = self.st();
        st.calls.push(format!("wait {container}"));
        let healthy =
            st.containers.contains_key(container) && !st.unhealthy.iter().any(|u| u == container);
        Ok(HealthReport {
            healthy,
            via: if probe.is_some() {
                HealthVia::Http
            } else {
                HealthVia::Running
            },
            message: if healthy {
                "ok".into()
            } else {
                "not healthy".into()
            },
            waited_ms: 0,
            last_logs: Vec::new(),
        })
    }

    async fn remove_unused_image(&self, image: &str) -> Result<Option<String>> {
        let mut st = self.st();
        st.calls.push(format!("remove image {image}"));
        let in_use = st
            .containers
            .values()
            .any(|c| c.image == image || st.images.get(&c.image).is_some_and(|i| i.id == image));
        if in_use {
            return Ok(Some("in use".into()));
        }
        st.images.retain(|tag, i| tag != image && i.id != image);
        Ok(None)
    }

    async fn ensure_network(&self, name: &str, _labels: &HashMap<String, String>) -> Result<()> {
        self.st().calls.push(format!("network {name}"));
        Ok(())
    }

    async fn ensure_volume(&self, name: &str, _labels: &HashMap<String, String>) -> Result<()> {
        self.st().calls.push(format!("volume {name}"));
        Ok(())
    }

    async fn down(&self, project: &Path) -> Result<Vec<String>> {
        let mut st = self.st();
        st.calls.push(format!("down {}", project.display()));
        let p = project.display().to_string();
        let mine: Vec<String> = st
            .containers
            .iter()
            .filter(|(_, s)| s.labels.get(LABEL_PROJECT) == Some(&p))
            .map(|(n, _)| n.clone())
            .collect();
        for n in &mine {
            st.containers.remove(n);
        }
        Ok(mine)
    }
}
