//! Starting a container on a host port Berth resolves (the preferred port, the fallback, then
//! the range) and retrying with the next candidate when the engine reports the port was
//! taken between the check and the start (the "already allocated" race).

use super::{PortConflict, Publishing};
use crate::docker::spec::ContainerSpec;
use crate::docker::ContainerEngine;
use crate::ports;
use crate::{Error, Result};

/// How many host ports are tried when the engine keeps answering "already allocated".
pub const MAX_PORT_ATTEMPTS: usize = 5;

/// A container started on a resolved host port.
#[derive(Debug, Clone)]
pub struct Published {
    pub id: String,
    pub host_port: u16,
    pub conflict: Option<PortConflict>,
    /// The spec it was started with.
    pub spec: ContainerSpec,
}

/// Start the container `spec_for(host_port, first_try)` builds, on a host port resolved from
/// `preferred` and `publishing`. `first_try` is false once the engine refused a port that was
/// not the resolved one (a spec may then leave its other ports out).
pub async fn start_on_free_port<E: ContainerEngine>(
    engine: &E,
    preferred: Option<u16>,
    publishing: &Publishing,
    spec_for: impl Fn(u16, bool) -> ContainerSpec,
) -> Result<Published> {
    let mut raced: Vec<u16> = Vec::new();
    let mut conflict: Option<PortConflict> = None;
    let mut with_others = true;
    for _ in 0..MAX_PORT_ATTEMPTS {
        let choice = ports::resolve_with(preferred, publishing.policy, &raced, |p| {
            (publishing.is_free)(p)
        })
        .ok_or_else(|| ports::all_taken(preferred, publishing.policy))?;
        if Some(choice.port) != preferred {
            let requested = preferred.unwrap_or(choice.port);
            let check = match &conflict {
                Some(c) => c.check.clone(),
                None if !raced.contains(&requested) => {
                    Some(ports::check(requested, Some(engine)).await)
                }
                None => None,
            };
            conflict = Some(PortConflict {
                requested,
                check,
                raced: raced.clone(),
                chosen: choice.port,
                reason: choice.reason.clone(),
            });
        }
        let spec = spec_for(choice.port, with_others);
        match engine.start_container(&spec).await {
            Ok(id) => {
                return Ok(Published {
                    id,
                    host_port: choice.port,
                    conflict,
                    spec,
                })
            }
            Err(Error::PortInUse { port, .. }) if port == choice.port || port == 0 => {
                if port == 0 && with_others && spec.publish.len() > 1 {
                    // Unknown which port: try again without the others first.
                    with_others = false;
                } else {
                    raced.push(choice.port);
                }
            }
            Err(Error::PortInUse { .. }) if with_others => with_others = false,
            Err(e) => return Err(e),
        }
    }
    Err(Error::PortInUse {
        port: preferred.unwrap_or(0),
        owner: Some(format!(
            "the engine refused ports {raced:?} at start; try again or pass --port"
        )),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::docker::spec::Publish;
    use crate::runner::fake::FakeEngine;
    use std::sync::Arc;

    fn spec(port: u16, others: bool) -> ContainerSpec {
        let mut publish = vec![Publish::new(8000, Some(port), "127.0.0.1")];
        if others {
            publish.push(Publish::new(9000, Some(9000), "127.0.0.1"));
        }
        ContainerSpec {
            name: "web".into(),
            image: "img".into(),
            publish,
            ..Default::default()
        }
    }

    fn publishing(free: impl Fn(u16) -> bool + Send + Sync + 'static) -> Publishing {
        Publishing {
            is_free: Arc::new(free),
            ..Default::default()
        }
    }

    fn engine() -> FakeEngine {
        let e = FakeEngine::default();
        e.add_image("img", Default::default());
        e
    }

    #[tokio::test]
    async fn the_preferred_port_when_free() {
        let e = engine();
        let p = start_on_free_port(&e, Some(18000), &publishing(|_| true), |p, _| {
            spec(p, false)
        })
        .await
        .unwrap();
        assert_eq!(p.host_port, 18000);
        assert!(p.conflict.is_none());
        assert!(e.running("web"));
    }

    #[tokio::test]
    async fn a_port_lost_in_the_race_moves_to_the_next_candidate() {
        let e = engine();
        // Free by Berth's check, taken when the engine starts the container.
        e.take_at_start(18000);
        let p = start_on_free_port(&e, Some(18000), &publishing(|_| true), |p, _| {
            spec(p, false)
        })
        .await
        .unwrap();
        assert_eq!(p.host_port, 8080, "the fallback");
        let c = p.conflict.unwrap();
        assert_eq!(c.requested, 18000);
        assert_eq!(c.raced, vec![18000]);
        assert!(
            c.reason.contains("taken at container start"),
            "{}",
            c.reason
        );
    }

    #[tokio::test]
    async fn another_port_taken_at_start_drops_the_other_ports_not_the_app_port() {
        let e = engine();
        e.take_at_start(9000);
        let p = start_on_free_port(&e, Some(18000), &publishing(|_| true), |p, others| {
            spec(p, others)
        })
        .await
        .unwrap();
        assert_eq!(p.host_port, 18000);
        assert_eq!(p.spec.publish.len(), 1);
    }

    #[tokio::test]
    async fn a_busy_preferred_port_is_explained_and_every_candidate_taken_is_an_error() {
        let e = engine();
        let p = start_on_free_port(&e, Some(18000), &publishing(|p| p != 18000), |p, _| {
            spec(p, false)
        })
        .await
        .unwrap();
        assert_eq!(p.host_port, 8080);
        assert!(p.conflict.unwrap().check.is_some());
        let err = start_on_free_port(&e, Some(18000), &publishing(|_| false), |p, _| {
            spec(p, false)
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::PortInUse);
    }
}
