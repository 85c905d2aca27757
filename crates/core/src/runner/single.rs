//! `up`: folder -> (Dockerfile as it is, or detect -> plan -> render in memory) -> build ->
//! run with a resolved host port -> wait healthy. What the CLI's `berth up` and the app's
//! "Run" button call.

use crate::docker::build::{BuildEvent, BuildReport, BuildRequest};
use crate::docker::buildkit::BuilderChoice;
use crate::docker::health::{HealthReport, HttpProbe, DEFAULT_HEALTH_TIMEOUT};
use crate::docker::run::{PortConflict, RunSpec, DEFAULT_MEMORY_BYTES, DEFAULT_NANO_CPUS};
use crate::docker::{engine_err, Engine};
use crate::plan::Plan;
use crate::ports::PortPolicy;
use crate::render::{render, Templates};
use crate::{Error, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

/// Where the Dockerfile of an `up` came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DockerfileSource {
    /// The project's own Dockerfile, built as it is.
    Project,
    /// Rendered from Berth's plan in memory (nothing written to the folder).
    Generated,
}

/// What to bring up.
#[derive(Debug, Clone)]
pub struct UpRequest {
    pub path: PathBuf,
    /// Preferred host port (default: the app's port).
    pub host_port: Option<u16>,
    pub policy: PortPolicy,
    pub health_timeout: Duration,
    pub no_cache: bool,
    /// BuildKit, classic, or whichever the engine offers (default: `BERTH_BUILDER`, else
    /// auto).
    pub builder: BuilderChoice,
}

impl UpRequest {
    pub fn new(path: &Path) -> UpRequest {
        UpRequest {
            path: path.to_path_buf(),
            host_port: None,
            policy: PortPolicy::default(),
            health_timeout: DEFAULT_HEALTH_TIMEOUT,
            no_cache: false,
            builder: BuilderChoice::from_env(),
        }
    }
}

/// `berth up --json`.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct UpReport {
    pub project: String,
    pub container: String,
    pub image: String,
    pub host_port: Option<u16>,
    pub url: Option<String>,
    pub port_conflict: Option<PortConflict>,
    pub healthy: bool,
    pub dockerfile: DockerfileSource,
    pub build: BuildReport,
    pub health: HealthReport,
    pub warnings: Vec<String>,
}

/// Image and container names for a project folder: the folder's name plus a short hash of
/// its absolute path, so two folders of the same name do not collide (pure).
pub fn project_names(project: &Path) -> (String, String) {
    let base = project
        .file_name()
        .map(|n| crate::plan::sanitize_name(&n.to_string_lossy()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "app".into());
    let digest = Sha256::digest(project.display().to_string().as_bytes());
    let short: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
    (
        format!("berth-{base}-{short}:dev"),
        format!("berth-{base}-{short}"),
    )
}

/// `512m`, `1g`, `256M`, `1024k` -> bytes (pure).
pub fn parse_memory(s: &str) -> Option<i64> {
    let s = s.trim().to_ascii_lowercase();
    let s = s.trim_end_matches('b');
    let (num, mul) = match s.chars().last()? {
        'k' => (&s[..s.len() - 1], 1024i64),
        'm' => (&s[..s.len() - 1], 1024 * 1024),
        'g' => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    let n: f64 = num.parse().ok()?;
    (n > 0.0).then_some((n * mul as f64) as i64)
}

/// `1.5` CPUs -> nano CPUs (pure).
pub fn parse_cpus(s: &str) -> Option<i64> {
    let n: f64 = s.trim().parse().ok()?;
    (n > 0.0).then_some((n * 1e9) as i64)
}

/// The Dockerfile to build for a folder: its own, or one rendered from the plan.
struct Recipe {
    source: DockerfileSource,
    /// With BuildKit cache mounts.
    dockerfile_contents: Option<String>,
    /// Without them, for the classic builder.
    classic_dockerfile_contents: Option<String>,
    dockerignore_contents: Option<String>,
    plan: Option<Plan>,
}

/// A Dockerfile and .dockerignore rendered from Berth's plan for a folder, in memory.
#[derive(Debug, Clone)]
pub struct GeneratedRecipe {
    /// The detected stack, lower case (`python`, `node`, ...).
    pub stack: String,
    pub dockerfile: String,
    pub dockerignore: String,
    pub plan: Plan,
}

/// detect -> plan -> render, without writing anything, for the classic builder (cache
/// mounts off). See [`generated_recipe_with`].
pub fn generated_recipe(root: &Path) -> Result<GeneratedRecipe> {
    generated_recipe_with(root, false)
}

/// detect -> plan -> render, without writing anything; `cache_mounts` turns BuildKit's
/// `RUN --mount=type=cache` on (BuildKit builds) or off (the classic builder).
pub fn generated_recipe_with(root: &Path, cache_mounts: bool) -> Result<GeneratedRecipe> {
    let detection = crate::detect::detect(root)?;
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut plan = Plan::from_detection(&detection).named(&name);
    plan.cache_mounts = cache_mounts;
    plan.validate()?;
    let files = render(&plan, &Templates::load_user()?)?;
    let stack = serde_json::to_value(detection.stack)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{:?}", detection.stack).to_lowercase());
    Ok(GeneratedRecipe {
        stack,
        dockerfile: files.dockerfile,
        dockerignore: files.dockerignore,
        plan,
    })
}

/// A build request's in-memory Dockerfiles for a generated recipe: with cache mounts for
/// BuildKit, without for the classic builder (whichever the build ends up on).
pub fn use_generated(req: &mut BuildRequest, root: &Path) -> Result<GeneratedRecipe> {
    let with = generated_recipe_with(root, true)?;
    let without = generated_recipe_with(root, false)?;
    req.dockerfile_contents = Some(with.dockerfile.clone());
    req.classic_dockerfile_contents = Some(without.dockerfile);
    req.dockerignore_contents = Some(with.dockerignore.clone());
    Ok(with)
}

fn recipe(root: &Path) -> Result<Recipe> {
    if root.join("Dockerfile").is_file() {
        return Ok(Recipe {
            source: DockerfileSource::Project,
            dockerfile_contents: None,
            classic_dockerfile_contents: None,
            dockerignore_contents: None,
            plan: None,
        });
    }
    let mut req = BuildRequest::new(root, "");
    let g = use_generated(&mut req, root)?;
    Ok(Recipe {
        source: DockerfileSource::Generated,
        dockerfile_contents: req.dockerfile_contents,
        classic_dockerfile_contents: req.classic_dockerfile_contents,
        dockerignore_contents: req.dockerignore_contents,
        plan: Some(g.plan),
    })
}

impl Engine {
    /// The first TCP port the image EXPOSEs.
    pub async fn image_port(&self, image: &str) -> Result<Option<u16>> {
        let i = self
            .docker()
            .inspect_image(image)
            .await
            .map_err(engine_err)?;
        let mut ports: Vec<u16> = i
            .config
            .and_then(|c| c.exposed_ports)
            .unwrap_or_default()
            .iter()
            .filter(|p| !p.ends_with("/udp"))
            .filter_map(|p| p.split('/').next()?.parse().ok())
            .collect();
        ports.sort_unstable();
        Ok(ports.first().copied())
    }

    /// Build (if needed: the build cache makes an unchanged project quick), run and wait
    /// until healthy. Build progress goes to `on_event`; `cancel` stops the build.
    pub async fn up(
        &self,
        req: &UpRequest,
        mut on_event: impl FnMut(BuildEvent) + Send,
        cancel: CancellationToken,
    ) -> Result<UpReport> {
        let root =
            std::fs::canonicalize(&req.path).map_err(|_| Error::NotFound(req.path.clone()))?;
        if !root.is_dir() {
            return Err(Error::NotADirectory(root));
        }
        let recipe = recipe(&root)?;
        on_event(BuildEvent::Output {
            line: match recipe.source {
                DockerfileSource::Project => "building the project's own Dockerfile".into(),
                DockerfileSource::Generated => {
                    "no Dockerfile: building the one Berth generates (in memory, nothing written; \
                     with BuildKit cache mounts when BuildKit builds it)"
                        .into()
                }
            },
        });
        let (image, container) = project_names(&root);
        let mut breq = BuildRequest::new(&root, &image);
        breq.dockerfile_contents = recipe.dockerfile_contents.clone();
        breq.classic_dockerfile_contents = recipe.classic_dockerfile_contents.clone();
        breq.dockerignore_contents = recipe.dockerignore_contents.clone();
        breq.no_cache = req.no_cache;
        breq.builder = req.builder;
        // The image this folder's last `up` made: the build moves the tag off it.
        let previous = self.image_id(&image).await;
        let build = self.build(&breq, on_event, cancel).await?;
        let container_port = match &recipe.plan {
            Some(p) => Some(p.port),
            None => self.image_port(&image).await?,
        };
        let mut spec = RunSpec::new(root.clone(), &image, &container, container_port);
        spec.host_port = req.host_port;
        spec.policy = req.policy;
        let mut health_path = None;
        if let Some(plan) = &recipe.plan {
            spec.read_only = plan.read_only;
            spec.memory_bytes = parse_memory(&plan.limits.memory).unwrap_or(DEFAULT_MEMORY_BYTES);
            spec.nano_cpus = parse_cpus(&plan.limits.cpus).unwrap_or(DEFAULT_NANO_CPUS);
            spec.env = plan.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
            health_path = plan.healthcheck.as_ref().and_then(|h| h.path.clone());
        } else {
            // A project's own image may write anywhere; keep its root filesystem writable.
            spec.read_only = false;
        }
        let run = self.run(&spec).await?;
        let mut warnings = run.warnings.clone();
        // The new container replaced the old one: the old image (untagged now) goes too,
        // unless something else still uses it.
        if let Some(old) = previous.filter(|old| *old != build.image_id) {
            warnings.extend(self.remove_replaced_image(&old).await);
        }
        let probe = match (run.host_port, health_path) {
            (Some(port), Some(path)) => Some(HttpProbe {
                port,
                path,
                any_status: false,
            }),
            (Some(port), None) => Some(HttpProbe {
                port,
                path: "/".into(),
                any_status: true,
            }),
            _ => None,
        };
        let health = self
            .wait_healthy(&run.container, probe, req.health_timeout)
            .await?;
        if let Some(f) = crate::compose::find_file(&root) {
            warnings.push(format!(
                "{} found, but this run built the Dockerfile as one container: other services \
                 in it were not started (Run with compose in the app, or `berth up` with a \
                 compose tool installed, starts them all)",
                f.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ));
        }
        if recipe.source == DockerfileSource::Project && spec.read_only {
            warnings.push("root filesystem is read-only".into());
        }
        Ok(UpReport {
            project: root.display().to_string(),
            container: run.container,
            image,
            host_port: run.host_port,
            url: run.url,
            port_conflict: run.port_conflict,
            healthy: health.healthy,
            dockerfile: recipe.source,
            build,
            health,
            warnings,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_distinct() {
        let (i1, c1) = project_names(Path::new("/a/My App"));
        let (i2, c2) = project_names(Path::new("/b/My App"));
        assert!(c1.starts_with("berth-my"), "{c1}");
        assert_ne!(c1, c2);
        assert_ne!(i1, i2);
        assert_eq!(project_names(Path::new("/a/My App")).1, c1);
        assert!(i1.ends_with(":dev"));
    }

    #[test]
    fn generated_recipes_have_cache_mounts_for_buildkit_only() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/go-cmd-server");
        let r = recipe(&root).unwrap();
        assert_eq!(r.source, DockerfileSource::Generated);
        let bk = r.dockerfile_contents.unwrap();
        let classic = r.classic_dockerfile_contents.unwrap();
        assert!(bk.contains("--mount=type=cache"), "{bk}");
        assert!(!classic.contains("--mount=type=cache"), "{classic}");
        assert_eq!(
            generated_recipe(&root).unwrap().dockerfile,
            classic,
            "generated_recipe keeps rendering for the classic builder"
        );
    }

    #[test]
    fn limits_parse() {
        assert_eq!(parse_memory("512m"), Some(512 * 1024 * 1024));
        assert_eq!(parse_memory("1g"), Some(1024 * 1024 * 1024));
        assert_eq!(parse_memory("1.5G"), Some(1610612736));
        assert_eq!(parse_memory("100"), Some(100));
        assert_eq!(parse_memory("lots"), None);
        assert_eq!(parse_cpus("1.0"), Some(1_000_000_000));
        assert_eq!(parse_cpus("0.5"), Some(500_000_000));
        assert_eq!(parse_cpus("-1"), None);
    }
}
