//! Creating and starting a container from a [`ContainerSpec`], and networks and volumes for
//! compose projects run through the Engine API.

use super::spec::{create_body, ContainerSpec};
use super::{engine_err, is_not_found, Engine};
use crate::{Error, Result};
use bollard::models::{NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{CreateContainerOptions, RemoveContainerOptions};
use std::collections::HashMap;

/// Did the engine refuse a start because the host port is taken? (pure)
pub fn is_port_taken_message(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("port is already allocated")
        || m.contains("address already in use")
        || m.contains("bind: address already in use")
}

/// Which of `ports` an engine's "port taken" message names (`...0.0.0.0:8080 failed...`,
/// `listen tcp4 127.0.0.1:8080: bind...`) (pure).
pub fn port_in_message(msg: &str, ports: &[u16]) -> Option<u16> {
    ports.iter().copied().find(|p| {
        msg.contains(&format!(":{p} "))
            || msg.contains(&format!(":{p}:"))
            || msg.ends_with(&format!(":{p}"))
    })
}

impl Engine {
    /// Create and start a container for `spec` (a container of the same name must not
    /// exist). If it cannot start it is removed again; a host port taken at start (the race
    /// after Berth's check) is [`Error::PortInUse`] naming the port when the engine says.
    pub async fn create_and_start(&self, spec: &ContainerSpec) -> Result<String> {
        let opts = CreateContainerOptions {
            name: Some(spec.name.clone()),
            platform: String::new(),
        };
        let created = self
            .docker()
            .create_container(Some(opts), create_body(spec))
            .await
            .map_err(|e| match is_not_found(&e) {
                true => Error::Engine(format!("image {} not found: build it first", spec.image)),
                false => engine_err(e),
            })?;
        let Err(e) = self.docker().start_container(&created.id, None).await else {
            return Ok(created.id);
        };
        let msg = super::short_error(&e);
        let rm = RemoveContainerOptions {
            force: true,
            v: true,
            link: false,
        };
        // Best effort: the start error is what the user needs to see.
        let _ = self.docker().remove_container(&created.id, Some(rm)).await;
        if is_port_taken_message(&msg) {
            let hosts: Vec<u16> = spec.publish.iter().filter_map(|p| p.host).collect();
            return Err(Error::PortInUse {
                port: port_in_message(&msg, &hosts).unwrap_or(0),
                owner: Some(format!("the engine refused it at start: {msg}")),
            });
        }
        Err(Error::Engine(format!("cannot start {}: {msg}", spec.name)))
    }

    /// Create a labelled network unless one of that name exists.
    pub async fn ensure_network(&self, name: &str, labels: &HashMap<String, String>) -> Result<()> {
        match self.docker().inspect_network(name, None).await {
            Ok(_) => return Ok(()),
            Err(e) if !is_not_found(&e) => return Err(engine_err(e)),
            Err(_) => {}
        }
        let req = NetworkCreateRequest {
            name: name.to_string(),
            labels: Some(labels.clone()),
            ..Default::default()
        };
        self.docker()
            .create_network(req)
            .await
            .map(|_| ())
            .map_err(engine_err)
    }

    /// Create a labelled named volume (an existing one is kept as it is).
    pub async fn ensure_volume(&self, name: &str, labels: &HashMap<String, String>) -> Result<()> {
        let req = VolumeCreateRequest {
            name: Some(name.to_string()),
            labels: Some(labels.clone()),
            ..Default::default()
        };
        self.docker()
            .create_volume(req)
            .await
            .map(|_| ())
            .map_err(engine_err)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn race_messages_are_recognized_and_name_the_port() {
        let m = "driver failed programming external connectivity on endpoint x: Bind for \
                 0.0.0.0:8080 failed: port is already allocated (HTTP 500)";
        assert!(is_port_taken_message(m));
        assert_eq!(port_in_message(m, &[5432, 8080]), Some(8080));
        let m = "listen tcp4 127.0.0.1:8081: bind: address already in use";
        assert!(is_port_taken_message(m));
        assert_eq!(port_in_message(m, &[8081]), Some(8081));
        assert_eq!(port_in_message(m, &[808]), None);
        assert!(!is_port_taken_message("no such image"));
    }
}
