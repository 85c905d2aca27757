//! Building an image from a folder with progress events. BuildKit is used when the engine
//! has it (through bollard's BuildKit session; its status messages become [`BuildEvent`]s
//! in [`super::buildkit`]), else the classic builder, whose output is parsed by the pure
//! [`parse_output`].
//!
//! Cancelling (the token, or dropping the future) closes the connection, which makes the
//! daemon stop the build; Berth then removes the intermediate containers and the images
//! this build created, so nothing half-made is left (after a drop the removal runs as a
//! task on the current runtime).

use super::build_cleanup::{CleanupOnDrop, Created};
use super::buildkit::{means_no_buildkit, pick_builder, BuildKitProgress, Builder, BuilderChoice};
pub use super::classic::{parse_output, Parsed};
use super::context::{plan_context_with, Secrets};
use super::platform::{Platform, Support};
use super::{engine_err, Engine};
use crate::names::labels as berth_labels;
use crate::{Error, Result};
use bollard::models::{BuildInfoAux, ImageId};
use bollard::query_parameters::{BuildImageOptions, BuilderVersion};
use futures_util::StreamExt;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

/// How long a BuildKit build's stream may stay quiet after the image id before Berth
/// stops reading the trailing step statuses.
const TRAILING_STATUS_WAIT: Duration = Duration::from_millis(500);

/// Target image size (bytes): 100 MB.
pub const TARGET_IMAGE_BYTES: u64 = 100 * 1000 * 1000;
/// Target build time: 5 minutes.
pub const TARGET_BUILD_TIME: Duration = Duration::from_secs(300);
/// Name of the in-memory Dockerfile added to the context when the plan's Dockerfile is not
/// written to disk.
pub const IN_MEMORY_DOCKERFILE: &str = ".berth.Dockerfile";

/// One step of build progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum BuildEvent {
    /// Context tarred and being sent.
    Context {
        files: u32,
        #[ts(type = "number")]
        bytes: u64,
    },
    /// `Step n/total : INSTRUCTION`.
    Step {
        n: u32,
        total: u32,
        instruction: String,
    },
    /// The current step was satisfied from the cache.
    Cached { n: u32 },
    /// A line of output of the current step (RUN output, pull progress, ...).
    Output { line: String },
    /// The build failed with this message.
    Error { message: String },
    /// The image was built.
    Built { image_id: String },
}

/// Where and what to build.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// The build context (its absolute path goes into the labels unless `project` is set).
    pub context: PathBuf,
    /// The project the image belongs to, for its `dev.berth.project` label, when the context
    /// is one of its subfolders (a compose service's `build: ./web`).
    pub project: Option<PathBuf>,
    /// `name:tag` for the image.
    pub tag: String,
    /// The Dockerfile relative to the context (default `Dockerfile`).
    pub dockerfile: String,
    /// A Dockerfile to build with, held in memory (rendered from a plan, not written).
    pub dockerfile_contents: Option<String>,
    /// .dockerignore rules used when the folder has no .dockerignore (rendered from a plan).
    pub dockerignore_contents: Option<String>,
    pub no_cache: bool,
    /// BuildKit, the classic builder, or whichever the engine offers (default: from
    /// `BERTH_BUILDER`, else auto).
    pub builder: BuilderChoice,
    /// The in-memory Dockerfile to use instead of `dockerfile_contents` when the build
    /// runs on the classic builder (rendered without BuildKit cache mounts).
    pub classic_dockerfile_contents: Option<String>,
    /// Build for this platform (`linux/arm64`) instead of the engine's own; checked first
    /// (see [`super::platform`]). The image is single-platform.
    pub platform: Option<Platform>,
    /// Files added to the streamed context of a BuildKit build (name, contents), never
    /// written to the folder: the host's CA bundle (see [`crate::hostca`]).
    pub context_files: Vec<(String, Vec<u8>)>,
    /// The stage to build (`--target`); None: the last one.
    pub target: Option<String>,
    /// Labels added to Berth's own (a deployment's version and environment).
    pub labels: std::collections::HashMap<String, String>,
}

impl BuildRequest {
    pub fn new(context: &Path, tag: &str) -> BuildRequest {
        BuildRequest {
            context: context.to_path_buf(),
            project: None,
            tag: tag.to_string(),
            dockerfile: "Dockerfile".into(),
            dockerfile_contents: None,
            dockerignore_contents: None,
            no_cache: false,
            builder: BuilderChoice::from_env(),
            classic_dockerfile_contents: None,
            platform: None,
            context_files: Vec::new(),
            target: None,
            labels: std::collections::HashMap::new(),
        }
    }
}

/// A target and whether this build met it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TargetCheck {
    pub name: String,
    pub target: String,
    pub actual: String,
    pub met: bool,
    pub hint: Option<String>,
}

/// The outcome of a build.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BuildReport {
    pub image_id: String,
    pub tag: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    #[ts(type = "number")]
    pub duration_ms: u64,
    pub steps: u32,
    pub cached_steps: u32,
    /// `buildkit` or `classic`.
    pub builder: String,
    /// Why the classic builder was used, when it was.
    pub builder_note: Option<String>,
    /// The platform built for, when one was asked (`linux/arm64`); else the engine's own.
    pub platform: Option<String>,
    pub targets: Vec<TargetCheck>,
}

/// A hint for base-image pull failures (pure).
pub fn pull_hint(error: &str) -> &'static str {
    let e = error.to_ascii_lowercase();
    if e.contains("pull access denied")
        || e.contains("registry-1.docker.io")
        || e.contains("manifest unknown")
        || (e.contains("dial tcp") && e.contains("lookup"))
    {
        " (the base image could not be pulled: check the network, log in to the registry, or \
         set a registry mirror prefix in the plan)"
    } else {
        ""
    }
}

/// Compare a build with the targets (pure).
pub fn check_targets(size_bytes: u64, duration: Duration) -> Vec<TargetCheck> {
    let mb = |b: u64| format!("{:.1} MB", b as f64 / 1e6);
    let size_met = size_bytes < TARGET_IMAGE_BYTES;
    let time_met = duration < TARGET_BUILD_TIME;
    vec![
        TargetCheck {
            name: "image size".into(),
            target: format!("< {}", mb(TARGET_IMAGE_BYTES)),
            actual: mb(size_bytes),
            met: size_met,
            hint: (!size_met).then(|| {
                "use a slim or distroless runtime stage, copy only build outputs into it, and \
                 list caches, tests and VCS folders in .dockerignore"
                    .into()
            }),
        },
        TargetCheck {
            name: "build time".into(),
            target: format!("< {} min", TARGET_BUILD_TIME.as_secs() / 60),
            actual: format!("{:.1} s", duration.as_secs_f64()),
            met: time_met,
            hint: (!time_met).then(|| {
                "copy dependency manifests and install dependencies before copying the \
                 sources so that layer stays cached; shrink the context with .dockerignore"
                    .into()
            }),
        },
    ]
}

/// How one build attempt ended.
enum Attempt {
    Done(Result<BuildReport>),
    /// BuildKit could not start here (before any progress): try the classic builder.
    NoBuildKit(String),
}

/// A BuildKit session id, unique enough per process and moment.
fn session_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("berth-{}-{nanos:x}", std::process::id())
}

impl Engine {
    /// Whether the engine has a built-in BuildKit (a Linux engine with API >= 1.39).
    pub async fn buildkit_available(&self) -> Result<bool> {
        let v = self.docker().version().await.map_err(engine_err)?;
        let api = v.api_version.unwrap_or_default();
        Ok(v.os.as_deref() == Some("linux") && super::api_at_least(&api, 1, 39))
    }

    /// The builder a build with `choice` runs on here, and a note when it is the classic one.
    pub async fn pick_builder(&self, choice: BuilderChoice) -> Result<(Builder, Option<String>)> {
        let has = match choice {
            BuilderChoice::Auto => self.buildkit_available().await?,
            _ => true,
        };
        Ok(pick_builder(choice, has))
    }

    /// Build an image, reporting progress through `on_event`. BuildKit is used when the
    /// engine has it (see [`BuildRequest::builder`]); if a BuildKit build cannot start, the
    /// classic builder is used and the report's `builder_note` says why. Cancelling
    /// `cancel` stops the build and removes what it created; the result is then
    /// [`Error::Cancelled`].
    pub async fn build(
        &self,
        req: &BuildRequest,
        mut on_event: impl FnMut(BuildEvent) + Send,
        cancel: CancellationToken,
    ) -> Result<BuildReport> {
        let started = Instant::now();
        let root = std::fs::canonicalize(&req.context)
            .map_err(|_| Error::NotFound(req.context.clone()))?;
        // The folder's own Dockerfile: a regular file, not a link (which would be sent as a
        // link and fail in the engine) nor a FIFO.
        if req.dockerfile_contents.is_none()
            && crate::fsread::check_regular(&root.join(&req.dockerfile))?.is_none()
        {
            return Err(Error::NotAProject {
                path: root.clone(),
                reason: format!("no {} in the folder", req.dockerfile),
            });
        }
        if let Some(p) = &req.platform {
            self.check_platform(p, &mut on_event).await?;
        }
        let (builder, note) = self.pick_builder(req.builder).await?;
        if let Some(n) = &note {
            on_event(BuildEvent::Output {
                line: format!("note: {n}"),
            });
        }
        match self
            .build_on(req, &root, builder, &mut on_event, &cancel, started)
            .await
        {
            Attempt::Done(r) => r.map(|mut r| {
                r.builder_note = note;
                r
            }),
            Attempt::NoBuildKit(why) => {
                let note = format!(
                    "the engine could not run a BuildKit build ({why}): building with the \
                     classic builder, without RUN --mount cache mounts"
                );
                on_event(BuildEvent::Output {
                    line: format!("note: {note}"),
                });
                match self
                    .build_on(
                        req,
                        &root,
                        Builder::Classic,
                        &mut on_event,
                        &cancel,
                        started,
                    )
                    .await
                {
                    Attempt::Done(r) => r.map(|mut r| {
                        r.builder_note = Some(note);
                        r
                    }),
                    Attempt::NoBuildKit(m) => Err(Error::Engine(m)),
                }
            }
        }
    }

    /// Refuse a platform the engine cannot run (with how to enable it); say how it is run.
    async fn check_platform<F: FnMut(BuildEvent) + Send>(
        &self,
        p: &Platform,
        on_event: &mut F,
    ) -> Result<()> {
        let line = match self.platform_support(p).await? {
            Support::Native => return Ok(()),
            Support::Emulated { how } => {
                format!("note: building for {p}: RUN steps run under emulation ({how})")
            }
            Support::Unknown { note } => format!("note: building for {p}: {note}"),
            Support::Unsupported { message } => {
                return Err(Error::InvalidInput(format!(
                    "cannot build for {p}: {message}"
                )))
            }
        };
        on_event(BuildEvent::Output { line });
        Ok(())
    }

    /// One build attempt on one builder.
    async fn build_on<F: FnMut(BuildEvent) + Send>(
        &self,
        req: &BuildRequest,
        root: &Path,
        builder: Builder,
        on_event: &mut F,
        cancel: &CancellationToken,
        started: Instant,
    ) -> Attempt {
        let contents = match (builder, &req.classic_dockerfile_contents) {
            (Builder::Classic, Some(c)) => Some(c.clone()),
            _ => req.dockerfile_contents.clone(),
        };
        let (dockerfile, mut extra) = match contents {
            Some(text) => (
                IN_MEMORY_DOCKERFILE.to_string(),
                vec![(IN_MEMORY_DOCKERFILE.to_string(), text.into_bytes())],
            ),
            None => (req.dockerfile.clone(), Vec::new()),
        };
        if builder != Builder::Classic {
            extra.extend(req.context_files.iter().cloned());
        }
        let ctx_root = root.to_path_buf();
        let label_root = req
            .project
            .as_deref()
            .and_then(|p| std::fs::canonicalize(p).ok())
            .unwrap_or_else(|| root.to_path_buf());
        let df = dockerfile.clone();
        let ignore = req.dockerignore_contents.clone();
        // A Dockerfile Berth rendered never needs the project's secrets: leave them out.
        let secrets = if req.dockerfile_contents.is_some() {
            Secrets::LeaveOut
        } else {
            Secrets::Warn
        };
        let ctx = match tokio::task::spawn_blocking(move || {
            plan_context_with(&ctx_root, &df, &extra, ignore.as_deref(), secrets)
        })
        .await
        {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Attempt::Done(Err(e)),
            Err(e) => {
                return Attempt::Done(Err(Error::Engine(format!("context task failed: {e}"))))
            }
        };
        on_event(BuildEvent::Context {
            files: u32::try_from(ctx.files).unwrap_or(u32::MAX),
            bytes: ctx.bytes,
        });
        if let Some(note) = ctx.size_note() {
            on_event(BuildEvent::Output {
                line: format!("note: {note}"),
            });
        }
        if let Some(note) = ctx.secrets_note() {
            let line = if note.starts_with("warning:") {
                note
            } else {
                format!("note: {note}")
            };
            on_event(BuildEvent::Output { line });
        }
        let mut opts = BuildImageOptions {
            dockerfile,
            t: Some(req.tag.clone()),
            rm: true,
            forcerm: true,
            nocache: req.no_cache,
            labels: Some({
                let mut l = berth_labels(&label_root);
                l.extend(req.labels.clone());
                l
            }),
            target: req.target.clone().unwrap_or_default(),
            platform: req
                .platform
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            ..Default::default()
        };
        let mut guard = CleanupOnDrop {
            engine: self.clone(),
            created: Created::default(),
            armed: true,
        };
        if builder == Builder::BuildKit {
            opts.version = BuilderVersion::BuilderBuildKit;
            opts.session = Some(session_id());
            // BuildKit makes no intermediate containers or images; only the tag can be
            // left behind if the build is stopped while it is exported.
            let before = self
                .docker()
                .inspect_image(&req.tag)
                .await
                .ok()
                .and_then(|i| i.id);
            guard.created.tag = Some((req.tag.clone(), before));
        }
        let mut progress = BuildKitProgress::new();
        let outcome = {
            let client = self.docker_for_build();
            let stream = client.build_image(opts, None, Some(bollard::body_stream(ctx.stream())));
            tokio::pin!(stream);
            let mut step = 0u32;
            let mut steps = 0u32;
            let mut cached = 0u32;
            let mut cached_step = false;
            let mut image_id: Option<String> = None;
            // After a BuildKit build's image id: read on only while status messages keep
            // coming (see below).
            let mut draining = false;
            loop {
                let item = tokio::select! {
                    // Once the image is built, a cancel no longer undoes it.
                    _ = cancel.cancelled(), if !draining => break Err(Error::Cancelled),
                    item = stream.next() => item,
                    () = tokio::time::sleep(TRAILING_STATUS_WAIT), if draining => None,
                };
                let Some(item) = item else {
                    break match image_id.take() {
                        Some(id) => Ok(id),
                        None => Err(Error::Engine(
                            "the build ended without producing an image".into(),
                        )),
                    };
                };
                let info = match item {
                    Ok(i) => i,
                    Err(bollard::errors::Error::DockerStreamError { error }) => {
                        on_event(BuildEvent::Error {
                            message: error.clone(),
                        });
                        break Err(Error::Engine(format!(
                            "build failed: {error}{}",
                            pull_hint(&error)
                        )));
                    }
                    // The image is built: the trailing statuses are best effort, and the
                    // connection may end uncleanly ("bytes remaining on stream").
                    Err(_) if draining => break Ok(image_id.take().unwrap_or_default()),
                    Err(e) => {
                        let msg = super::short_error(&e);
                        if builder == Builder::BuildKit
                            && !progress.seen
                            && steps == 0
                            && means_no_buildkit(&msg)
                        {
                            return Attempt::NoBuildKit(msg);
                        }
                        break Err(engine_err(e));
                    }
                };
                match info.aux {
                    Some(BuildInfoAux::BuildKit(status)) => {
                        for ev in progress.apply(&status) {
                            on_event(ev);
                        }
                        steps = progress.total();
                        cached = progress.cached_steps();
                    }
                    Some(BuildInfoAux::Default(ImageId { id: Some(id) })) => {
                        image_id = Some(id);
                        // The daemon forwards BuildKit's step statuses concurrently with
                        // the build, so for a fast (fully cached) build some arrive after
                        // the image id: keep reading them, until the stream ends or goes
                        // quiet (its session stream may stay open).
                        draining = builder == Builder::BuildKit;
                    }
                    Some(BuildInfoAux::Default(_)) | None => {}
                }
                if let Some(text) = info.stream {
                    let p = parse_output(&text, step, &mut cached_step);
                    guard.created.containers.extend(p.container);
                    guard.created.images.extend(p.image);
                    for ev in p.events {
                        match &ev {
                            BuildEvent::Step { n, total, .. } => {
                                step = *n;
                                steps = *total;
                            }
                            BuildEvent::Cached { .. } => cached += 1,
                            _ => {}
                        }
                        on_event(ev);
                    }
                }
                if let Some(status) = info.status {
                    on_event(BuildEvent::Output { line: status });
                }
            }
            .map(|id| (id, steps, cached))
        };
        let result = match outcome {
            Ok((image_id, steps, cached_steps)) => {
                guard.disarm();
                self.report(
                    req,
                    builder,
                    image_id,
                    steps,
                    cached_steps,
                    started,
                    on_event,
                )
                .await
            }
            Err(e) => {
                let created = guard.disarm();
                self.clean_up_build(&created).await;
                Err(e)
            }
        };
        Attempt::Done(result)
    }

    #[allow(clippy::too_many_arguments)]
    async fn report<F: FnMut(BuildEvent) + Send>(
        &self,
        req: &BuildRequest,
        builder: Builder,
        image_id: String,
        steps: u32,
        cached_steps: u32,
        started: Instant,
        on_event: &mut F,
    ) -> Result<BuildReport> {
        let size = self
            .docker()
            .inspect_image(&image_id)
            .await
            .map_err(engine_err)?
            .size
            .unwrap_or(0);
        let size_bytes = u64::try_from(size).unwrap_or(0);
        let duration = started.elapsed();
        on_event(BuildEvent::Built {
            image_id: image_id.clone(),
        });
        Ok(BuildReport {
            image_id,
            tag: req.tag.clone(),
            size_bytes,
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            steps,
            cached_steps,
            builder: builder.name().into(),
            builder_note: None,
            platform: req.platform.as_ref().map(ToString::to_string),
            targets: check_targets(size_bytes, duration),
        })
    }
}

#[cfg(test)]
#[path = "build_tests.rs"]
mod tests;
