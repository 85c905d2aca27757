//! The engine's event stream (`/events`), reduced to the container events Berth acts on:
//! start, stop, die, destroy, health status changes and out-of-memory kills.
//! [`container_event`] is the pure conversion (unit-tested on hand-built messages);
//! [`watch`] follows the live stream.

use super::{engine_err, Engine};
use crate::Result;
use bollard::models::{EventMessage, EventMessageTypeEnum};
use bollard::query_parameters::EventsOptions;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

/// Something that happened to a container, from the engine's event stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ContainerEvent {
    pub id: String,
    /// Container name without the leading `/` (empty if the engine did not say).
    pub name: String,
    /// When the engine emitted it (Unix milliseconds).
    #[ts(type = "number")]
    pub ts_ms: i64,
    pub action: ContainerAction,
}

/// The container events Berth follows. Serialized as `{ "kind": "die", "exit_code": 137 }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ContainerAction {
    Start,
    Stop,
    Die {
        #[ts(type = "number | null")]
        exit_code: Option<i64>,
    },
    Destroy,
    /// Health check status changed: `starting`, `healthy` or `unhealthy`.
    Health {
        status: String,
    },
    /// The kernel killed a process of the container for lack of memory.
    Oom,
}

impl ContainerAction {
    /// Whether the container stopped running (its stats stream ends).
    pub fn stops_container(&self) -> bool {
        matches!(
            self,
            ContainerAction::Stop | ContainerAction::Die { .. } | ContainerAction::Destroy
        )
    }
}

/// The container event a raw engine message stands for, or `None` for anything else
/// (other object types, actions Berth does not follow, messages without an id).
pub fn container_event(msg: &EventMessage) -> Option<ContainerEvent> {
    if msg.typ != Some(EventMessageTypeEnum::CONTAINER) {
        return None;
    }
    let actor = msg.actor.as_ref()?;
    let id = actor.id.clone().filter(|s| !s.is_empty())?;
    let attrs = actor.attributes.as_ref();
    let attr = |k: &str| attrs.and_then(|a| a.get(k)).map(String::as_str);
    let raw = msg.action.as_deref()?;
    let action = match raw {
        "start" => ContainerAction::Start,
        "stop" => ContainerAction::Stop,
        "die" => ContainerAction::Die {
            exit_code: attr("exitCode").and_then(|c| c.trim().parse().ok()),
        },
        "destroy" => ContainerAction::Destroy,
        "oom" => ContainerAction::Oom,
        _ => {
            // "health_status: healthy" (the engine puts the status after a colon).
            let status = raw.strip_prefix("health_status")?;
            let status = status.trim_start_matches(':').trim();
            if status.is_empty() {
                return None;
            }
            ContainerAction::Health {
                status: status.to_owned(),
            }
        }
    };
    let ts_ms = match (msg.time_nano, msg.time) {
        (Some(ns), _) if ns > 0 => ns / 1_000_000,
        (_, Some(s)) => s * 1000,
        _ => 0,
    };
    Some(ContainerEvent {
        id,
        name: attr("name")
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_owned(),
        ts_ms,
        action,
    })
}

/// Follow the engine's container events from `since_unix_secs` (replayed first) on. The
/// stream ends, or yields an error, when the engine goes away.
pub fn watch(
    engine: &Engine,
    since_unix_secs: Option<i64>,
) -> impl Stream<Item = Result<ContainerEvent>> + Send + 'static {
    let filters = HashMap::from([("type".to_owned(), vec!["container".to_owned()])]);
    let options = EventsOptions {
        since: since_unix_secs.map(|s| s.to_string()),
        until: None,
        filters: Some(filters),
    };
    engine
        .docker()
        .events(Some(options))
        .filter_map(|item| async move {
            match item {
                Ok(msg) => container_event(&msg).map(Ok),
                Err(e) => Some(Err(engine_err(e))),
            }
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use bollard::models::EventActor;

    fn msg(typ: EventMessageTypeEnum, action: &str, attrs: &[(&str, &str)]) -> EventMessage {
        EventMessage {
            typ: Some(typ),
            action: Some(action.into()),
            actor: Some(EventActor {
                id: Some("c0ffee".into()),
                attributes: Some(
                    attrs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
            }),
            scope: None,
            time: Some(1_795_737_662),
            time_nano: Some(1_795_737_662_123_456_789),
        }
    }

    fn action(a: &str, attrs: &[(&str, &str)]) -> Option<ContainerAction> {
        container_event(&msg(EventMessageTypeEnum::CONTAINER, a, attrs)).map(|e| e.action)
    }

    #[test]
    fn lifecycle_actions_convert() {
        let e = container_event(&msg(
            EventMessageTypeEnum::CONTAINER,
            "start",
            &[("name", "web"), ("image", "x")],
        ))
        .unwrap();
        assert_eq!(e.id, "c0ffee");
        assert_eq!(e.name, "web");
        assert_eq!(e.ts_ms, 1_795_737_662_123);
        assert_eq!(e.action, ContainerAction::Start);
        assert_eq!(action("stop", &[]), Some(ContainerAction::Stop));
        assert_eq!(
            action("die", &[("exitCode", "137")]),
            Some(ContainerAction::Die {
                exit_code: Some(137)
            })
        );
        assert_eq!(
            action("die", &[]),
            Some(ContainerAction::Die { exit_code: None })
        );
        assert_eq!(action("destroy", &[]), Some(ContainerAction::Destroy));
        assert_eq!(action("oom", &[]), Some(ContainerAction::Oom));
    }

    #[test]
    fn health_status_carries_the_status() {
        assert_eq!(
            action("health_status: healthy", &[]),
            Some(ContainerAction::Health {
                status: "healthy".into()
            })
        );
        assert_eq!(
            action("health_status:unhealthy", &[]),
            Some(ContainerAction::Health {
                status: "unhealthy".into()
            })
        );
        assert_eq!(action("health_status", &[]), None);
    }

    #[test]
    fn other_messages_are_ignored() {
        assert_eq!(action("exec_start: sh", &[]), None);
        assert_eq!(action("attach", &[]), None);
        assert!(container_event(&msg(EventMessageTypeEnum::NETWORK, "connect", &[])).is_none());
        let mut m = msg(EventMessageTypeEnum::CONTAINER, "start", &[]);
        m.actor = None;
        assert!(container_event(&m).is_none());
    }

    #[test]
    fn stopping_actions() {
        assert!(ContainerAction::Die { exit_code: None }.stops_container());
        assert!(ContainerAction::Destroy.stops_container());
        assert!(ContainerAction::Stop.stops_container());
        assert!(!ContainerAction::Start.stops_container());
        assert!(!ContainerAction::Oom.stops_container());
    }

    #[test]
    fn serializes_with_a_kind_tag() {
        let v = serde_json::to_value(ContainerAction::Die { exit_code: Some(1) }).unwrap();
        assert_eq!(v, serde_json::json!({"kind": "die", "exit_code": 1}));
    }
}
