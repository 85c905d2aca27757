//! Building and running a folder, and taking it down.

use super::files::{canonical_folder, nothing_to_generate, plan_for};
use crate::compose::ToolSearch;
use crate::docker::build::{BuildEvent, BuildReport, BuildRequest};
use crate::docker::buildkit::BuilderChoice;
use crate::docker::{ContainerEngine, Engine};
use crate::environment::Environment;
use crate::names::ProjectNames;
use crate::plan::PlanEdits;
use crate::render::Templates;
use crate::runner::{
    self, choose, compose_api, compose_tool, single, ComposeProject, Offers, Recipe, RunOptions,
    RunReport, Runner, RunnerChoice,
};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

/// What the app is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Source {
    /// The plan when it was edited or the folder has no Dockerfile/compose file of its own,
    /// else the folder's own files.
    #[default]
    Auto,
    /// Berth's plan (with the edits), rendered in memory: nothing is written.
    Plan,
    /// The folder's own Dockerfile / compose file, as they are.
    Files,
}

/// `up`: what to bring up and how.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    pub folder: PathBuf,
    pub source: Source,
    /// The plan as the user edited it; None: the default plan.
    pub edits: Option<PlanEdits>,
    pub runner: RunnerChoice,
    pub options: RunOptions,
}

/// `build`: the app's image.
#[derive(Debug, Clone, Default)]
pub struct BuildJob {
    pub folder: PathBuf,
    pub source: Source,
    pub edits: Option<PlanEdits>,
    /// Image tag (default: the folder's, see [`ProjectNames::image`]).
    pub tag: Option<String>,
    pub no_cache: bool,
    pub builder: BuilderChoice,
    /// Build for this platform (`linux/arm64`, see [`crate::docker::platform::parse_platform`])
    /// instead of the engine's own; the default tag then ends with `-<arch>`.
    pub platform: Option<String>,
}

/// What a run is made of, once the folder, the source and the edits are resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The canonical folder.
    pub root: PathBuf,
    /// The app's image recipe.
    pub recipe: Recipe,
    /// The compose project (the folder's own file, or the plan's rendered in memory).
    pub compose: Option<ComposeProject>,
    pub offers: Offers,
}

/// Resolve a folder, a source and the edits into what is built and run.
pub fn resolve(
    folder: &Path,
    source: Source,
    edits: Option<&PlanEdits>,
    templates: &Templates,
) -> Result<Resolved> {
    let root = canonical_folder(folder)?;
    let dockerfile = root.join("Dockerfile").is_file();
    let compose_file = crate::compose::find_file(&root);
    let has_own = dockerfile || compose_file.is_some();
    let use_plan = match source {
        Source::Plan => true,
        Source::Files => false,
        Source::Auto => edits.is_some() || !has_own,
    };
    if use_plan {
        let detection = match crate::stacks::detect(&root) {
            Err(Error::NotAProject { .. }) if has_own => return Err(nothing_to_generate(&root)),
            d => d?,
        };
        let plan = plan_for(&root, &detection, edits)?;
        let recipe = Recipe::from_plan(&plan, templates)?;
        let compose = ComposeProject::from_recipe(&root, &recipe)?;
        return Ok(Resolved {
            offers: Offers {
                compose: true,
                prefers_compose: !plan.services.is_empty(),
            },
            root,
            recipe,
            compose: Some(compose),
        });
    }
    if !has_own {
        return Err(Error::InvalidInput(format!(
            "{} has no Dockerfile or compose file of its own: run it from Berth's plan",
            root.display()
        )));
    }
    let compose = match &compose_file {
        Some(f) => Some(ComposeProject::from_file(&root, f)?),
        None => None,
    };
    Ok(Resolved {
        offers: Offers {
            compose: compose.is_some(),
            prefers_compose: compose.is_some(),
        },
        root,
        recipe: Recipe::own(),
        compose,
    })
}

/// `r` in `env`: its compose project with the environment's override merged (the folder's
/// `compose.<env>.yaml`, or for the plan the one Berth renders in memory). A folder with
/// only a Dockerfile keeps its single container, which the runner sets up for `env`
/// ([`crate::environment::apply_single`]).
pub fn in_environment(
    mut r: Resolved,
    env: Environment,
    templates: &Templates,
) -> Result<Resolved> {
    let Some(compose) = r.compose.take() else {
        return Ok(r);
    };
    let compose = match (&compose.file, &r.recipe.plan) {
        (Some(file), _) => {
            let dir = file.parent().unwrap_or(&r.root);
            let over = env.find_override(dir).ok_or_else(|| {
                Error::InvalidInput(format!(
                    "{} has no {} next to {}: `berth containerize --environments` writes one                      (or run without --env)",
                    dir.display(),
                    env.override_file(),
                    file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
                ))
            })?;
            let text =
                crate::fsread::read_text(&over)?.ok_or_else(|| Error::NotFound(over.clone()))?;
            compose.with_environment(env, Some(over), text)?
        }
        (None, Some(plan)) => {
            let text = crate::render::render_environment(plan, templates, env)?;
            compose.with_environment(env, None, text)?
        }
        (None, None) => compose,
    };
    r.compose = Some(compose);
    Ok(r)
}

/// What a run is doing, between the build's own events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UpStage {
    /// Sending the context and building.
    Building,
    /// An image is built: starting containers (port resolution) and waiting for healthy.
    Starting,
}

/// One message on a run's progress stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum UpEvent {
    Stage {
        stage: UpStage,
    },
    /// Which runner runs it, and why when it matters.
    Runner {
        runner: runner::RunnerKind,
        note: Option<String>,
    },
    Build {
        event: BuildEvent,
    },
}

/// Find a Compose v2 off the async runtime (it runs `version` probes).
async fn tools() -> ToolSearch {
    tokio::task::spawn_blocking(crate::compose::find_tool)
        .await
        .unwrap_or_default()
}

/// Bring the folder up: resolve it, choose the runner, build, start, wait healthy. Progress
/// goes to `on_event`; `cancel` stops it at any stage and leaves nothing half-started.
pub async fn up<E: ContainerEngine>(
    engine: &E,
    req: &RunRequest,
    templates: &Templates,
    on_event: impl FnMut(UpEvent) + Send,
    cancel: CancellationToken,
) -> Result<RunReport> {
    up_with(engine, req, templates, None, on_event, cancel).await
}

/// [`up`] with the compose tools given (None: look for them on this machine).
pub(crate) async fn up_with<E: ContainerEngine>(
    engine: &E,
    req: &RunRequest,
    templates: &Templates,
    tools_here: Option<ToolSearch>,
    mut on_event: impl FnMut(UpEvent) + Send,
    cancel: CancellationToken,
) -> Result<RunReport> {
    let mut r = resolve(&req.folder, req.source, req.edits.as_ref(), templates)?;
    if let Some(env) = req.options.env {
        r = in_environment(r, env, templates)?;
    }
    let search = match (req.runner, r.offers.prefers_compose, tools_here) {
        (RunnerChoice::Single, _, _) | (RunnerChoice::Auto, false, _) => ToolSearch::default(),
        (_, _, Some(t)) => t,
        (_, _, None) => tools().await,
    };
    let choice = choose(req.runner, r.offers, &search)?;
    let kind = match &choice.runner {
        Runner::Single => runner::RunnerKind::Single,
        Runner::ComposeTool(_) => runner::RunnerKind::ComposeTool,
        Runner::EngineApi => runner::RunnerKind::EngineApi,
    };
    on_event(UpEvent::Runner {
        runner: kind,
        note: choice.note.clone(),
    });
    on_event(UpEvent::Stage {
        stage: UpStage::Building,
    });
    let forward = |event: BuildEvent| {
        let built = matches!(event, BuildEvent::Built { .. });
        on_event(UpEvent::Build { event });
        if built {
            on_event(UpEvent::Stage {
                stage: UpStage::Starting,
            });
        }
    };
    let compose = || {
        r.compose
            .as_ref()
            .ok_or_else(|| Error::InvalidInput("no compose project to run".into()))
    };
    let mut report = match &choice.runner {
        Runner::Single => {
            let run = single::SingleRun {
                root: r.root.clone(),
                recipe: r.recipe.clone(),
                options: req.options.clone(),
            };
            single::up(engine, &run, forward, cancel).await?
        }
        Runner::ComposeTool(tool) => {
            compose_tool::up(engine, tool, compose()?, &req.options, forward, cancel).await?
        }
        Runner::EngineApi => {
            compose_api::up(engine, compose()?, &req.options, forward, cancel).await?
        }
    };
    if let Some(note) = choice.note {
        report.notes.insert(0, note);
    }
    Ok(report)
}

/// Build the folder's app image (its own Dockerfile, or the plan's in memory).
pub async fn build<E: ContainerEngine>(
    engine: &E,
    job: &BuildJob,
    templates: &Templates,
    mut on_event: impl FnMut(BuildEvent) + Send,
    cancel: CancellationToken,
) -> Result<BuildReport> {
    let platform = job
        .platform
        .as_deref()
        .map(crate::docker::platform::parse_platform)
        .transpose()?;
    let r = resolve(&job.folder, job.source, job.edits.as_ref(), templates)?;
    if r.recipe.plan.is_none() && !r.root.join("Dockerfile").is_file() {
        return Err(Error::InvalidInput(format!(
            "{} has a compose file but no Dockerfile: `berth up` builds its services",
            r.root.display()
        )));
    }
    let tag = job.tag.clone().unwrap_or_else(|| {
        let image = ProjectNames::of(&r.root).image();
        match &platform {
            Some(p) => format!("{image}-{}", p.arch),
            None => image,
        }
    });
    let mut breq = BuildRequest::new(&r.root, &tag);
    r.recipe.apply(&mut breq);
    breq.no_cache = job.no_cache;
    breq.builder = job.builder;
    breq.platform = platform;
    on_event(BuildEvent::Output {
        line: r.recipe.describe().into(),
    });
    for note in &r.recipe.notes {
        on_event(BuildEvent::Output {
            line: format!("note: {note}"),
        });
    }
    engine.build(&breq, on_event, cancel).await
}

/// What `down` removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DownReport {
    /// The folder.
    pub project: String,
    /// Names of the containers stopped and removed.
    pub containers: Vec<String>,
    /// With `images`: the images Berth built for the folder (its app and compose services).
    pub images: Vec<String>,
    /// Images left because something else still uses them, with why.
    pub kept: Vec<String>,
}

/// Stop and remove everything Berth started for the folder, whatever runner started it (by
/// label: the containers, the networks; named volumes stay), and with `images` the images
/// Berth built for it.
pub async fn down(engine: &Engine, folder: &Path, images: bool) -> Result<DownReport> {
    // A folder deleted since it ran is still taken down by its path.
    let root = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
    let containers = engine.down(&root).await?;
    let (images, kept) = if images {
        engine.remove_project_images(&root).await?
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(DownReport {
        project: root.display().to_string(),
        containers,
        images,
        kept,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "run_tests.rs"]
mod tests;
