//! Lifecycle actions on one container, and on every container of a compose project at once
//! (the Containers view's Stop all / Start all / Restart all / Remove all), in dependency
//! order. Starting brings dependencies up first (a database before the app that connects to it).
//! Stopping and removing take dependents down first, so an app never loses its database while
//! still serving. The order comes from the containers' labels (the compose tool's
//! `com.docker.compose.depends_on`, or Berth's own for projects it ran through the Engine
//! API), so it holds for any compose project on the engine, not only Berth's. A failure on one
//! container does not stop the others: the report lists both.

use crate::docker::lifecycle::ContainerInfo;
use crate::docker::Engine;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

/// What the lifecycle buttons (and the tray) ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LifecycleAction {
    Start,
    Stop,
    Restart,
    /// Remove the container; its anonymous volumes stay.
    Remove,
    /// Remove the container and its anonymous volumes.
    RemoveWithVolumes,
}

impl LifecycleAction {
    /// Whether the action stops what runs (the app notes these so the exit that follows is
    /// not reported as a crash).
    pub fn stops(self) -> bool {
        self != LifecycleAction::Start
    }
}

/// One container's action.
pub async fn lifecycle(engine: &Engine, name: &str, action: LifecycleAction) -> Result<()> {
    match action {
        LifecycleAction::Start => engine.start(name).await,
        LifecycleAction::Stop => engine.stop(name).await,
        LifecycleAction::Restart => engine.restart(name).await,
        LifecycleAction::Remove => engine.remove_with(name, false).await,
        LifecycleAction::RemoveWithVolumes => engine.remove_with(name, true).await,
    }
}

/// A container the group action could not act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct GroupFailure {
    pub container: String,
    pub error: String,
}

/// What a group action did, container by container, in the order it acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct GroupReport {
    pub project: String,
    pub action: LifecycleAction,
    pub done: Vec<String>,
    pub failed: Vec<GroupFailure>,
}

/// The containers in start order: each after the services it depends on; unknown
/// dependencies are ignored, a cycle is broken where it closes, ties keep name order (pure).
pub fn start_order(members: &[ContainerInfo]) -> Vec<&ContainerInfo> {
    let mut sorted: Vec<&ContainerInfo> = members.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut by_service: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in sorted.iter().enumerate() {
        if let Some(s) = &c.compose_service {
            by_service.entry(s.as_str()).or_default().push(i);
        }
    }
    fn visit<'a>(
        i: usize,
        sorted: &[&'a ContainerInfo],
        by_service: &HashMap<&str, Vec<usize>>,
        state: &mut [u8],
        out: &mut Vec<&'a ContainerInfo>,
    ) {
        if state[i] != 0 {
            return; // done, or on the path (a cycle): broken here
        }
        state[i] = 1;
        for dep in &sorted[i].depends_on {
            for &j in by_service.get(dep.as_str()).into_iter().flatten() {
                visit(j, sorted, by_service, state, out);
            }
        }
        state[i] = 2;
        out.push(sorted[i]);
    }
    let mut state = vec![0u8; sorted.len()];
    let mut out = Vec::with_capacity(sorted.len());
    for i in 0..sorted.len() {
        visit(i, &sorted, &by_service, &mut state, &mut out);
    }
    out
}

/// The compose project's containers and the order `action` takes them in (pure): start
/// order for Start, its reverse for the others (Restart stops in reverse, then starts in
/// order: see [`group_lifecycle`]).
pub fn group_plan(
    all: &[ContainerInfo],
    project: &str,
    action: LifecycleAction,
) -> Vec<ContainerInfo> {
    let members: Vec<ContainerInfo> = all
        .iter()
        .filter(|c| c.compose_project.as_deref() == Some(project))
        .cloned()
        .collect();
    let mut order: Vec<ContainerInfo> = start_order(&members).into_iter().cloned().collect();
    if action != LifecycleAction::Start {
        order.reverse();
    }
    order
}

/// `action` on every container of the compose project `project`, in dependency order.
/// `Remove` takes Berth's own containers with their anonymous volumes and leaves another
/// tool's volumes; `RemoveWithVolumes` takes every container's.
/// `before(name)` is called before a container is acted on (the app notes user stops).
pub async fn group_lifecycle(
    engine: &Engine,
    project: &str,
    action: LifecycleAction,
    mut before: impl FnMut(&str) + Send,
) -> Result<GroupReport> {
    let all = engine.all_containers().await?;
    let order = group_plan(&all, project, action);
    if order.is_empty() {
        return Err(Error::InvalidInput(format!(
            "no container belongs to the compose project {project}"
        )));
    }
    let mut report = GroupReport {
        project: project.to_string(),
        action,
        done: Vec::new(),
        failed: Vec::new(),
    };
    let steps: Vec<(LifecycleAction, Vec<&ContainerInfo>)> = match action {
        LifecycleAction::Restart => vec![
            (LifecycleAction::Stop, order.iter().collect()),
            (LifecycleAction::Start, order.iter().rev().collect()),
        ],
        a => vec![(a, order.iter().collect())],
    };
    let last = steps.len() - 1;
    for (n, (a, list)) in steps.into_iter().enumerate() {
        for c in list {
            if report.failed.iter().any(|f| f.container == c.name) {
                continue;
            }
            before(&c.name);
            // Berth's own containers go with their anonymous volumes (Berth made both);
            // another tool's keep theirs unless asked.
            let a = if a == LifecycleAction::Remove && c.managed {
                LifecycleAction::RemoveWithVolumes
            } else {
                a
            };
            match lifecycle(engine, &c.name, a).await {
                Ok(()) if n == last => report.done.push(c.name.clone()),
                Ok(()) => {}
                Err(e) => report.failed.push(GroupFailure {
                    container: c.name.clone(),
                    error: e.to_string(),
                }),
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn c(name: &str, project: Option<&str>, service: &str, deps: &[&str]) -> ContainerInfo {
        ContainerInfo {
            id: name.into(),
            name: name.into(),
            image: "img".into(),
            state: "running".into(),
            status: String::new(),
            project: None,
            managed: false,
            compose_project: project.map(str::to_string),
            compose_service: Some(service.into()),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            ports: Vec::new(),
            created: 0,
        }
    }

    fn names(v: &[ContainerInfo]) -> Vec<&str> {
        v.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn dependencies_start_first_and_stop_last() {
        let all = vec![
            c("shop-web-1", Some("shop"), "web", &["api"]),
            c("shop-api-1", Some("shop"), "api", &["db", "cache"]),
            c("shop-db-1", Some("shop"), "db", &[]),
            c("shop-cache-1", Some("shop"), "cache", &[]),
            c("other-db-1", Some("other"), "db", &[]),
            c("lone", None, "x", &[]),
        ];
        let start = group_plan(&all, "shop", LifecycleAction::Start);
        assert_eq!(
            names(&start),
            ["shop-db-1", "shop-cache-1", "shop-api-1", "shop-web-1"]
        );
        let stop = group_plan(&all, "shop", LifecycleAction::Stop);
        assert_eq!(
            names(&stop),
            ["shop-web-1", "shop-api-1", "shop-cache-1", "shop-db-1"]
        );
        assert_eq!(
            names(&group_plan(&all, "shop", LifecycleAction::Remove)),
            names(&stop)
        );
        assert!(group_plan(&all, "nothing", LifecycleAction::Stop).is_empty());
    }

    #[test]
    fn cycles_and_unknown_services_do_not_lose_anyone() {
        let all = vec![
            c("p-a-1", Some("p"), "a", &["b"]),
            c("p-b-1", Some("p"), "b", &["a", "ghost"]),
            c("p-c-1", Some("p"), "c", &[]),
        ];
        let order = group_plan(&all, "p", LifecycleAction::Start);
        assert_eq!(order.len(), 3);
        let mut n = names(&order);
        n.sort();
        assert_eq!(n, ["p-a-1", "p-b-1", "p-c-1"]);
    }

    #[test]
    fn replicas_of_a_service_follow_its_dependencies() {
        let all = vec![
            c("p-web-2", Some("p"), "web", &["db"]),
            c("p-web-1", Some("p"), "web", &["db"]),
            c("p-db-1", Some("p"), "db", &[]),
        ];
        assert_eq!(
            names(&group_plan(&all, "p", LifecycleAction::Start)),
            ["p-db-1", "p-web-1", "p-web-2"]
        );
    }
}
