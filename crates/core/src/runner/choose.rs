//! Which runner brings a project up (pure): one container, or its compose project with
//! Compose v2, or its compose project through the Engine API when no Compose v2 is here.

use crate::compose::{ComposeTool, ToolSearch};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the user asked for (`berth up --runner`, the app's Run / Run with compose).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RunnerChoice {
    /// Compose when the project has a compose file (or the plan has services), else one
    /// container.
    #[default]
    Auto,
    /// One container, even when a compose file is there.
    Single,
    /// The compose project (Compose v2 when installed, else the Engine API).
    Compose,
}

/// The runner chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runner {
    Single,
    ComposeTool(ComposeTool),
    EngineApi,
}

/// The runner and, when it matters, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub runner: Runner,
    pub note: Option<String>,
}

/// What the project offers a runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offers {
    /// It can run as a compose project (its own compose file, or the plan's compose.yaml).
    pub compose: bool,
    /// `auto` runs it as a compose project: its own compose file, or a plan with services
    /// (one container would leave them out).
    pub prefers_compose: bool,
}

/// Pick the runner for `choice` (pure).
pub fn choose(choice: RunnerChoice, offers: Offers, tools: &ToolSearch) -> Result<Choice> {
    let compose = match choice {
        RunnerChoice::Single => false,
        RunnerChoice::Compose if !offers.compose => {
            return Err(Error::InvalidInput(
                "the folder has no compose file to run (write Berth's files first, or run it \
                 from the plan)"
                    .into(),
            ))
        }
        RunnerChoice::Compose => true,
        RunnerChoice::Auto => offers.compose && offers.prefers_compose,
    };
    if !compose {
        return Ok(Choice {
            runner: Runner::Single,
            note: None,
        });
    }
    Ok(match (&tools.tool, tools.why_none()) {
        (Some(tool), _) => Choice {
            runner: Runner::ComposeTool(tool.clone()),
            note: None,
        },
        (None, why) => Choice {
            runner: Runner::EngineApi,
            note: Some(format!(
                "running the compose services through the Engine API: {}",
                why.unwrap_or_default()
            )),
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn v2() -> ToolSearch {
        ToolSearch {
            tool: Some(ComposeTool::Plugin {
                docker: "/usr/bin/docker".into(),
            }),
            rejected: Vec::new(),
            disabled: false,
        }
    }

    fn v1_only() -> ToolSearch {
        ToolSearch {
            tool: None,
            rejected: vec!["docker-compose 1.29.2 is Compose v1".into()],
            disabled: false,
        }
    }

    const WITH_SERVICES: Offers = Offers {
        compose: true,
        prefers_compose: true,
    };
    const APP_ONLY: Offers = Offers {
        compose: true,
        prefers_compose: false,
    };
    const NO_COMPOSE: Offers = Offers {
        compose: false,
        prefers_compose: false,
    };

    #[test]
    fn auto_runs_compose_projects_with_compose_v2_else_through_the_engine_api() {
        let c = choose(RunnerChoice::Auto, WITH_SERVICES, &v2()).unwrap();
        assert!(matches!(c.runner, Runner::ComposeTool(_)));
        let c = choose(RunnerChoice::Auto, WITH_SERVICES, &v1_only()).unwrap();
        assert_eq!(c.runner, Runner::EngineApi);
        let note = c.note.unwrap();
        assert!(note.contains("1.29.2 is Compose v1"), "{note}");
        assert!(note.contains("Engine API"), "{note}");
    }

    #[test]
    fn auto_runs_one_container_when_there_is_nothing_else() {
        assert_eq!(
            choose(RunnerChoice::Auto, APP_ONLY, &v2()).unwrap().runner,
            Runner::Single
        );
        assert_eq!(
            choose(RunnerChoice::Auto, NO_COMPOSE, &v2())
                .unwrap()
                .runner,
            Runner::Single
        );
    }

    #[test]
    fn explicit_choices() {
        assert_eq!(
            choose(RunnerChoice::Single, WITH_SERVICES, &v2())
                .unwrap()
                .runner,
            Runner::Single
        );
        assert!(matches!(
            choose(RunnerChoice::Compose, APP_ONLY, &v2())
                .unwrap()
                .runner,
            Runner::ComposeTool(_)
        ));
        let e = choose(RunnerChoice::Compose, NO_COMPOSE, &v2()).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
    }
}
