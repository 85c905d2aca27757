//! `bench`: the folder's app natively and in its container, measured alike (see
//! [`crate::bench`]). The folder is copied once into a private temporary folder; the
//! container is built from that copy and run by the single-container runner (published on
//! loopback), timed from a restart to its first answer, measured, then removed with its
//! image; the native side installs the dependencies in the copy with the host's tools and
//! runs the plan's start command there. Whatever happens (a failure, a cancel), the
//! container, its image, the processes and the copy are removed; the folder is only read.

use super::files::plan_for;
use super::run::{resolve, Resolved, Source};
use crate::bench::load::{self, LoadResult, Target};
use crate::bench::native::Workspace;
use crate::bench::{
    figures, proc, ratios, BenchEvent, BenchReport, BenchStep, Figures, Outcome, Side, SideReport,
    DEFAULT_REQUESTS, LOAD_TIME_LIMIT, MAX_CONCURRENCY, MAX_REQUESTS, STARTUP_TIMEOUT,
    WARMUP_REQUESTS,
};
use crate::docker::build::BuildEvent;
use crate::docker::context::Secrets;
use crate::docker::Engine;
use crate::plan::PlanEdits;
use crate::render::Templates;
use crate::runner::{single, RunOptions};
use crate::{Error, Result};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchRequest {
    pub folder: PathBuf,
    /// What the container is built from (the native side always runs the plan).
    pub source: Source,
    pub edits: Option<PlanEdits>,
    /// Measured requests per side (1..=[`MAX_REQUESTS`]).
    pub requests: u32,
    /// In flight at once (1..=[`MAX_CONCURRENCY`]).
    pub concurrency: u32,
    pub startup_timeout: Duration,
    /// The measured requests' time limit, per side.
    pub time_limit: Duration,
    /// Measure only this side (the other is reported as skipped).
    pub only: Option<Side>,
}

impl BenchRequest {
    pub fn new(folder: impl Into<PathBuf>) -> BenchRequest {
        BenchRequest {
            folder: folder.into(),
            source: Source::Auto,
            edits: None,
            requests: DEFAULT_REQUESTS,
            concurrency: 1,
            startup_timeout: STARTUP_TIMEOUT,
            time_limit: LOAD_TIME_LIMIT,
            only: None,
        }
    }

    /// Refuse a request count or concurrency out of range.
    pub fn check(&self) -> Result<()> {
        if !(1..=MAX_REQUESTS).contains(&self.requests) {
            return Err(Error::InvalidInput(format!(
                "requests: {} is not between 1 and {MAX_REQUESTS}",
                self.requests
            )));
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(Error::InvalidInput(format!(
                "concurrency: {} is not between 1 and {MAX_CONCURRENCY}",
                self.concurrency
            )));
        }
        Ok(())
    }
}

pub(super) type Send<'a> = &'a mut (dyn FnMut(BenchEvent) + std::marker::Send);

pub(super) fn step(
    send: Send<'_>,
    side: Option<Side>,
    step: BenchStep,
    message: impl Into<String>,
) {
    send(BenchEvent::Step {
        side,
        step,
        message: message.into(),
    });
}

/// Benchmark the folder (see the module docs). Progress goes to `on_event`; `cancel` stops
/// it at any stage, after removing what it started. `engine` may be None only when the
/// native side alone is asked (`only: Native`): nothing then needs a container engine.
pub async fn bench(
    engine: Option<&Engine>,
    req: &BenchRequest,
    templates: &Templates,
    mut on_event: impl FnMut(BenchEvent) + std::marker::Send,
    cancel: CancellationToken,
) -> Result<BenchReport> {
    req.check()?;
    let engine = match (engine, req.only) {
        (Some(e), _) => Some(e),
        (None, Some(Side::Native)) => None,
        (None, _) => {
            return Err(Error::InvalidInput(
                "the container side needs an engine (`--only native` measures without one)".into(),
            ))
        }
    };
    let send: Send<'_> = &mut on_event;
    let r = resolve(&req.folder, req.source, req.edits.as_ref(), templates)?;
    // The native side runs the plan, also when the container runs the folder's own files.
    let plan = match &r.recipe.plan {
        Some(p) => Some(p.clone()),
        None => crate::stacks::detect(&r.root)
            .and_then(|d| plan_for(&r.root, &d, req.edits.as_ref()))
            .ok(),
    };
    let probe = single::probe(plan.as_ref(), 0);
    let mut report = BenchReport {
        project: r.root.display().to_string(),
        stack: plan.as_ref().map(|p| p.stack),
        framework: plan.as_ref().and_then(|p| p.framework.clone()),
        path: probe.path.clone(),
        requests: req.requests,
        concurrency: req.concurrency,
        warmup: WARMUP_REQUESTS,
        native: SideReport::new(Side::Native),
        container: SideReport::new(Side::Container),
        ratios: None,
        notes: Vec::new(),
    };
    step(
        send,
        None,
        BenchStep::Copying,
        "copying the project into a private folder",
    );
    let (root, ignore) = (r.root.clone(), r.recipe.dockerignore.clone());
    let secrets = if r.recipe.dockerfile.is_some() {
        Secrets::LeaveOut
    } else {
        Secrets::Warn
    };
    let ws =
        tokio::task::spawn_blocking(move || Workspace::copy(&root, ignore.as_deref(), secrets))
            .await
            .map_err(|e| Error::Engine(format!("the copy task failed: {e}")))??;
    if !ws.links_skipped.is_empty() {
        report.notes.push(format!(
            "symbolic links are not copied: {}",
            ws.links_skipped.join(", ")
        ));
    }
    let side = |s: Side| Sides {
        req,
        path: probe.path.clone(),
        any_status: probe.any_status,
        side: s,
    };
    let skipped = |s: Side| Outcome::Skipped {
        reason: format!(
            "not measured: only the {} side was asked",
            s.other().label()
        ),
    };
    if let (Some(engine), false) = (engine, req.only == Some(Side::Native)) {
        let result = side(Side::Container)
            .container(engine, &ws, &r, send, &cancel)
            .await;
        step(
            send,
            Some(Side::Container),
            BenchStep::CleaningUp,
            "removing the container and its image",
        );
        for e in [
            engine.down(&ws.app).await.err(),
            engine.remove_project_images(&ws.app).await.err(),
        ]
        .into_iter()
        .flatten()
        {
            report.notes.push(format!("cleaning up the container: {e}"));
        }
        report.container = result?;
        finished(send, &report.container);
    } else {
        report.container.outcome = skipped(Side::Container);
    }
    if req.only == Some(Side::Container) {
        report.native.outcome = skipped(Side::Native);
    } else {
        report.native = side(Side::Native)
            .native(&ws, plan.as_ref(), send, &cancel)
            .await?;
        finished(send, &report.native);
    }
    step(
        send,
        None,
        BenchStep::CleaningUp,
        "removing the private copy",
    );
    if let Err(e) = tokio::task::spawn_blocking(move || ws.remove())
        .await
        .map_err(|e| Error::Engine(e.to_string()))
        .and_then(|r| r)
    {
        report
            .notes
            .push(format!("the private copy was not removed: {e}"));
    }
    if let (Some(n), Some(c)) = (
        report.native.outcome.figures(),
        report.container.outcome.figures(),
    ) {
        report.ratios = Some(ratios(n, c));
    }
    Ok(report)
}

fn finished(send: Send<'_>, s: &SideReport) {
    send(BenchEvent::Finished {
        side: s.side,
        outcome: s.outcome.clone(),
    });
}

/// What both sides share: the request and the path measured.
pub(super) struct Sides<'a> {
    pub(super) req: &'a BenchRequest,
    path: String,
    any_status: bool,
    side: Side,
}

impl Sides<'_> {
    pub(super) fn target(&self, port: u16) -> Target {
        Target {
            port,
            path: self.path.clone(),
            any_status: self.any_status,
        }
    }

    /// Build and run the container from the copy, restart it timed, measure it.
    async fn container(
        &self,
        engine: &Engine,
        ws: &Workspace,
        r: &Resolved,
        send: Send<'_>,
        cancel: &CancellationToken,
    ) -> Result<SideReport> {
        let mut out = SideReport::new(Side::Container);
        out.command = r
            .recipe
            .plan
            .as_ref()
            .map(|p| p.start_command.clone())
            .unwrap_or_default();
        step(
            send,
            Some(Side::Container),
            BenchStep::Preparing,
            "building the image and starting it once",
        );
        let run = single::SingleRun {
            root: ws.app.clone(),
            recipe: r.recipe.clone(),
            options: RunOptions {
                health_timeout: self.req.startup_timeout,
                ..Default::default()
            },
        };
        let forward = |ev: BuildEvent| {
            let line = match ev {
                BuildEvent::Output { line } => line,
                BuildEvent::Step {
                    n,
                    total,
                    instruction,
                } => format!("step {n}/{total}: {instruction}"),
                BuildEvent::Error { message } => message,
                _ => return,
            };
            send(BenchEvent::Output {
                side: Side::Container,
                line,
            });
        };
        let up = match single::up(engine, &run, forward, cancel.clone()).await {
            Ok(up) => up,
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => return Ok(failed(out, e.to_string(), Vec::new())),
        };
        out.runtime = Some(up.image.clone());
        out.prepare_ms = up.build.as_ref().map(|b| b.duration_ms as f64);
        if !up.healthy {
            let why = format!("the container is not healthy: {}", up.health.message);
            return Ok(failed(out, why, up.health.last_logs));
        }
        let Some(port) = up.host_port else {
            out.outcome = Outcome::Unsupported {
                reason: "the image exposes no port and the plan names none: nothing to measure"
                    .into(),
            };
            return Ok(out);
        };
        let target = self.target(port);
        out.url = Some(target.url());
        step(
            send,
            Some(Side::Container),
            BenchStep::Starting,
            "restarting the container, timed to its first answer",
        );
        if let Err(e) = engine.stop(&up.container).await {
            return Ok(failed(
                out,
                format!("stopping the container: {e}"),
                Vec::new(),
            ));
        }
        let started = Instant::now();
        if let Err(e) = engine.start(&up.container).await {
            return Ok(failed(
                out,
                format!("starting the container again: {e}"),
                Vec::new(),
            ));
        }
        let first = tokio::select! {
            r = load::first_answer(&target, self.req.startup_timeout, || None) => r,
            () = cancel.cancelled() => return Err(Error::Cancelled),
        };
        if let Err(why) = first {
            return Ok(failed(out, why, Vec::new()));
        }
        let startup_ms = started.elapsed().as_secs_f64() * 1000.0;
        let load = self.load(&target, send, cancel).await?;
        out.outcome = match engine.memory_in_use(&up.container).await {
            Ok(memory) => outcome(startup_ms, load, memory, None),
            Err(e) => Outcome::Failed {
                reason: format!("reading the container's memory: {e}"),
                last_output: Vec::new(),
            },
        };
        Ok(out)
    }

    /// The warm-up requests, then the measured ones.
    pub(super) async fn load(
        &self,
        target: &Target,
        send: Send<'_>,
        cancel: &CancellationToken,
    ) -> Result<LoadResult> {
        let (side, total) = (self.side, self.req.requests);
        step(
            send,
            Some(side),
            BenchStep::Measuring,
            format!("{total} requests to {}", target.url()),
        );
        let every = (total / 20).max(1);
        let run = async {
            for _ in 0..WARMUP_REQUESTS {
                let _ = load::get(target).await;
            }
            load::run(
                target,
                total,
                self.req.concurrency,
                self.req.time_limit,
                |done| {
                    if done % every == 0 || done == total {
                        send(BenchEvent::Requests { side, done, total });
                    }
                },
            )
            .await
        };
        tokio::select! {
            r = run => Ok(r),
            () = cancel.cancelled() => Err(Error::Cancelled),
        }
    }
}

pub(super) fn failed(mut out: SideReport, reason: String, last_output: Vec<String>) -> SideReport {
    out.outcome = Outcome::Failed {
        reason,
        last_output,
    };
    out
}

pub(super) fn outcome(
    startup_ms: f64,
    load: LoadResult,
    memory_bytes: u64,
    tree: Option<proc::TreeMemory>,
) -> Outcome {
    let Some(latency) = figures::latency(&load.samples_ms) else {
        return Outcome::Failed {
            reason: format!("none of the requests was answered ({} failed)", load.failed),
            last_output: Vec::new(),
        };
    };
    let answered = u32::try_from(load.samples_ms.len()).unwrap_or(u32::MAX);
    Outcome::Measured {
        figures: Figures {
            startup_ms,
            latency,
            answered,
            failed: load.failed,
            elapsed_ms: load.elapsed_ms,
            throughput_rps: figures::throughput(answered, load.elapsed_ms),
            memory_bytes,
            tree,
            timed_out: load.timed_out,
        },
    }
}
