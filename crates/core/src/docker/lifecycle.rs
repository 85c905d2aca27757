//! Containers Berth created: list, start/stop/restart/remove, take a project down, and
//! which container publishes a host port.

use super::{engine_err, is_not_found, Engine, LABEL_MANAGED, LABEL_PROJECT};
use crate::{Error, Result};
use bollard::models::ContainerSummary;
use bollard::query_parameters::{
    ListContainersOptions, ListNetworksOptions, RemoveContainerOptions, RestartContainerOptions,
    StopContainerOptions,
};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use ts_rs::TS;

/// Seconds a container gets to stop before it is killed.
pub const STOP_TIMEOUT_SECS: i32 = 10;

/// A host port a container publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PublishedPort {
    pub host_ip: Option<String>,
    pub host_port: u16,
    pub container_port: u16,
}

/// A container, in Berth's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ContainerInfo {
    pub id: String,
    pub name: String,
    pub image: String,
    /// `running`, `exited`, `created`, ...
    pub state: String,
    /// The engine's human status (`Up 3 minutes (healthy)`).
    pub status: String,
    /// The project folder (label `dev.berth.project`), when Berth made it.
    pub project: Option<String>,
    pub managed: bool,
    /// The compose project it belongs to (`com.docker.compose.project`, or the folder's
    /// compose project name for a service Berth ran through the Engine API); the containers
    /// view groups by it. See [`crate::names::compose_membership`].
    pub compose_project: Option<String>,
    /// Its compose service, when it belongs to a compose project.
    pub compose_service: Option<String>,
    /// The services it depends on ([`crate::names::depends_on`]).
    pub depends_on: Vec<String>,
    pub ports: Vec<PublishedPort>,
    /// Unix seconds.
    #[ts(type = "number")]
    pub created: i64,
}

/// Pure conversion from bollard's summary.
pub fn container_from_summary(s: &ContainerSummary) -> ContainerInfo {
    let labels = s.labels.clone().unwrap_or_default();
    let mut ports: Vec<PublishedPort> = s
        .ports
        .iter()
        .flatten()
        .filter_map(|p| {
            Some(PublishedPort {
                host_ip: p.ip.clone(),
                host_port: p.public_port?,
                container_port: p.private_port,
            })
        })
        .collect();
    ports.sort_by_key(|p| (p.host_port, p.host_ip.clone()));
    ports.dedup_by_key(|p| (p.host_port, p.container_port));
    let (compose_project, compose_service) = crate::names::compose_membership(&labels);
    ContainerInfo {
        id: s.id.clone().unwrap_or_default(),
        name: s
            .names
            .iter()
            .flatten()
            .next()
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_default(),
        image: s.image.clone().unwrap_or_default(),
        state: s.state.map(|st| st.to_string()).unwrap_or_default(),
        status: s.status.clone().unwrap_or_default(),
        project: labels.get(LABEL_PROJECT).cloned(),
        managed: labels.get(LABEL_MANAGED).map(String::as_str) == Some("true"),
        compose_project,
        compose_service,
        depends_on: crate::names::depends_on(&labels),
        ports,
        created: s.created.unwrap_or_default(),
    }
}

pub use crate::names::labels as berth_labels;

/// The engine-side filter for what Berth labelled with `project` (containers, networks, images).
pub(crate) fn project_filter(project: &Path) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![format!("{LABEL_PROJECT}={}", project.display())],
    )])
}

impl Engine {
    async fn list(&self, filters: HashMap<String, Vec<String>>) -> Result<Vec<ContainerInfo>> {
        let opts = ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        };
        let list = self
            .docker()
            .list_containers(Some(opts))
            .await
            .map_err(engine_err)?;
        Ok(list.iter().map(container_from_summary).collect())
    }

    /// All containers Berth created (label `dev.berth.managed=true`), newest first.
    pub async fn ps(&self) -> Result<Vec<ContainerInfo>> {
        let mut v = self
            .list(HashMap::from([(
                "label".to_string(),
                vec![format!("{LABEL_MANAGED}=true")],
            )]))
            .await?;
        v.sort_by_key(|c| std::cmp::Reverse(c.created));
        Ok(v)
    }

    /// Containers Berth created for one project folder.
    pub async fn project_containers(&self, project: &Path) -> Result<Vec<ContainerInfo>> {
        self.list(project_filter(project)).await
    }

    /// Containers (any state) carrying a label `key=value` (e.g. a compose project's).
    pub async fn containers_labelled(&self, label: &str) -> Result<Vec<ContainerInfo>> {
        self.list(HashMap::from([(
            "label".to_string(),
            vec![label.to_string()],
        )]))
        .await
    }
}

impl crate::ports::ContainerPorts for Engine {
    /// The container (any, not only Berth's) publishing `port` on the host, and whether Berth
    /// made it.
    async fn container_publishing(&self, port: u16) -> Result<Option<(String, bool)>> {
        let running = self
            .list(HashMap::from([(
                "publish".to_string(),
                vec![format!("{port}/tcp")],
            )]))
            .await?;
        Ok(running
            .into_iter()
            .find(|c| c.ports.iter().any(|p| p.host_port == port))
            .map(|c| (c.name, c.managed)))
    }
}

impl Engine {
    pub async fn start(&self, name: &str) -> Result<()> {
        self.docker()
            .start_container(name, None)
            .await
            .map_err(|e| not_found_or(e, name))
    }

    pub async fn stop(&self, name: &str) -> Result<()> {
        let opts = StopContainerOptions {
            t: Some(STOP_TIMEOUT_SECS),
            signal: None,
        };
        match self.docker().stop_container(name, Some(opts)).await {
            Ok(()) => Ok(()),
            // 304: already stopped.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            Err(e) => Err(not_found_or(e, name)),
        }
    }

    pub async fn restart(&self, name: &str) -> Result<()> {
        let opts = RestartContainerOptions {
            t: Some(STOP_TIMEOUT_SECS),
            signal: None,
        };
        self.docker()
            .restart_container(name, Some(opts))
            .await
            .map_err(|e| not_found_or(e, name))
    }

    /// Remove a container (stopping it first), with its anonymous volumes.
    pub async fn remove(&self, name: &str) -> Result<()> {
        self.remove_with(name, true).await
    }

    /// Remove a container (stopping it first); its anonymous volumes too when `volumes`.
    pub async fn remove_with(&self, name: &str, volumes: bool) -> Result<()> {
        let opts = RemoveContainerOptions {
            force: true,
            v: volumes,
            link: false,
        };
        self.docker()
            .remove_container(name, Some(opts))
            .await
            .map_err(|e| not_found_or(e, name))
    }

    /// Stop and remove every container Berth created for `project`, whatever ran it (labelled
    /// `dev.berth.project`, or carrying the folder's compose project name, as a compose tool
    /// labels its containers), then the networks made for it. Named volumes are kept, as
    /// `docker compose down` keeps them. Returns the containers' names.
    pub async fn down(&self, project: &Path) -> Result<Vec<String>> {
        let compose = HashMap::from([(
            "label".to_string(),
            vec![format!(
                "{}={}",
                crate::names::LABEL_COMPOSE_PROJECT,
                crate::names::ProjectNames::of(project).compose_project()
            )],
        )]);
        let mut containers = self.project_containers(project).await?;
        for c in self.list(compose.clone()).await? {
            if !containers.iter().any(|k| k.id == c.id) {
                containers.push(c);
            }
        }
        let mut removed = Vec::new();
        for c in containers {
            self.stop(&c.id).await?;
            match self.remove(&c.id).await {
                Ok(()) | Err(Error::NotFound(_)) => removed.push(c.name),
                Err(e) => return Err(e),
            }
        }
        for filters in [project_filter(project), compose] {
            let opts = ListNetworksOptions {
                filters: Some(filters),
            };
            let networks = self
                .docker()
                .list_networks(Some(opts))
                .await
                .map_err(engine_err)?;
            for n in networks {
                if let Some(id) = n.id {
                    match self.docker().remove_network(&id).await {
                        Ok(()) => {}
                        Err(e) if is_not_found(&e) => {}
                        Err(e) => return Err(engine_err(e)),
                    }
                }
            }
        }
        Ok(removed)
    }
}

fn not_found_or(e: bollard::errors::Error, name: &str) -> Error {
    if is_not_found(&e) {
        Error::NotFound(format!("container {name}").into())
    } else {
        engine_err(e)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use bollard::models::{ContainerSummaryStateEnum, PortSummary};

    #[test]
    fn summary_converts() {
        let s = ContainerSummary {
            id: Some("abc".into()),
            names: Some(vec!["/web".into()]),
            image: Some("berth/web:latest".into()),
            state: Some(ContainerSummaryStateEnum::RUNNING),
            status: Some("Up 2 seconds".into()),
            labels: Some(HashMap::from([
                (LABEL_PROJECT.to_string(), "/p".to_string()),
                (LABEL_MANAGED.to_string(), "true".to_string()),
            ])),
            ports: Some(vec![
                PortSummary {
                    ip: Some("0.0.0.0".into()),
                    private_port: 8080,
                    public_port: Some(18080),
                    typ: None,
                },
                PortSummary {
                    ip: Some("::".into()),
                    private_port: 8080,
                    public_port: Some(18080),
                    typ: None,
                },
                PortSummary {
                    ip: None,
                    private_port: 9000,
                    public_port: None,
                    typ: None,
                },
            ]),
            created: Some(7),
            ..Default::default()
        };
        let c = container_from_summary(&s);
        assert_eq!(c.name, "web");
        assert_eq!(c.state, "running");
        assert_eq!(c.project.as_deref(), Some("/p"));
        assert!(c.managed);
        assert_eq!(c.ports.len(), 1);
        assert_eq!(c.ports[0].host_port, 18080);
        assert_eq!((c.compose_project, c.compose_service), (None, None));
    }

    #[test]
    fn summary_names_its_compose_project() {
        let s = ContainerSummary {
            labels: Some(HashMap::from([
                ("com.docker.compose.project".to_string(), "shop".to_string()),
                ("com.docker.compose.service".to_string(), "db".to_string()),
            ])),
            ..Default::default()
        };
        let c = container_from_summary(&s);
        assert_eq!(c.compose_project.as_deref(), Some("shop"));
        assert_eq!(c.compose_service.as_deref(), Some("db"));
        assert!(!c.managed);
    }
}
