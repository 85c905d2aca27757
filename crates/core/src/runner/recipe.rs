//! What the app's image is built from: the folder's own Dockerfile as it is, or the files
//! Berth renders from the plan **in memory** (nothing written), so the plan the user sees —
//! edits included — is the plan that runs.

use crate::docker::build::BuildRequest;
use crate::hostca;
use crate::plan::Plan;
use crate::render::{render, Templates};
use crate::stacks::hint_keys;
use crate::Result;
use serde::Serialize;
use ts_rs::TS;

/// Where the app's Dockerfile came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DockerfileSource {
    /// The project's own Dockerfile, built as it is.
    Project,
    /// Rendered from Berth's plan in memory (nothing written to the folder).
    Generated,
}

/// The app's build recipe.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    pub source: DockerfileSource,
    /// The in-memory Dockerfile for BuildKit (with cache mounts).
    pub dockerfile: Option<String>,
    /// The same for the classic builder (without cache mounts).
    pub classic_dockerfile: Option<String>,
    /// The in-memory .dockerignore (used when the folder has none).
    pub dockerignore: Option<String>,
    /// Files added to the streamed build context (BuildKit builds only): the host's CA
    /// bundle when the plan trusts it.
    pub context_files: Vec<(String, Vec<u8>)>,
    /// The in-memory compose.yaml rendered from the plan.
    pub compose: Option<String>,
    /// The plan it was rendered from (port, limits, environment, health path).
    pub plan: Option<Plan>,
    /// What the user should know about building it (for the run's notes).
    pub notes: Vec<String>,
}

impl Recipe {
    /// The folder's own files.
    pub fn own() -> Recipe {
        Recipe {
            source: DockerfileSource::Project,
            dockerfile: None,
            classic_dockerfile: None,
            dockerignore: None,
            context_files: Vec::new(),
            compose: None,
            plan: None,
            notes: Vec::new(),
        }
    }

    /// Render `plan` in memory: with BuildKit cache mounts, and without for the classic
    /// builder (whichever the build ends up on). The plan is validated first.
    pub fn from_plan(plan: &Plan, templates: &Templates) -> Result<Recipe> {
        plan.validate()?;
        let mut notes = Vec::new();
        // Berth's own builds cannot hand BuildKit a secret through the Engine API yet: the
        // in-memory Dockerfiles install without the project's .npmrc (the written ones mount
        // it as a secret for `docker compose build`). It is never copied either way.
        let mut built = plan.clone();
        if built.hints.remove(hint_keys::NPMRC).is_some() {
            notes.push(
                "the project's .npmrc is not used by Berth's own build (it is never copied into \
                 an image); a private registry needs the written files and `docker compose build`, \
                 which passes it as a BuildKit secret"
                    .into(),
            );
        }
        let mut with = built.clone();
        with.cache_mounts = true;
        let mut without = built;
        without.cache_mounts = false;
        let files = render(&with, templates)?;
        let classic = render(&without, templates)?;
        let mut dockerfile = files.dockerfile;
        let mut context_files = Vec::new();
        if plan.host_ca {
            // The Engine API cannot hand BuildKit a secret: the bundle travels in the streamed
            // context instead (never in the folder) and is bind-mounted per step.
            let ca = hostca::collect()?;
            dockerfile = hostca::for_context(&dockerfile)?;
            notes.push(format!(
                "the install and build steps trust {} CA certificate(s) of this machine ({}), \
                 mounted per step, never copied into the image; the classic builder cannot \
                 mount them",
                ca.certificates,
                ca.sources.join(", ")
            ));
            context_files.push((hostca::CONTEXT_FILE.to_string(), ca.pem));
        }
        Ok(Recipe {
            source: DockerfileSource::Generated,
            context_files,
            dockerfile: Some(dockerfile),
            classic_dockerfile: Some(classic.dockerfile),
            dockerignore: Some(files.dockerignore),
            compose: Some(render(plan, templates)?.compose),
            plan: Some(plan.clone()),
            notes,
        })
    }

    /// Point a build request at this recipe's in-memory files (none for the own files).
    pub fn apply(&self, req: &mut BuildRequest) {
        req.dockerfile_contents = self.dockerfile.clone();
        req.classic_dockerfile_contents = self.classic_dockerfile.clone();
        req.dockerignore_contents = self.dockerignore.clone();
        req.context_files = self.context_files.clone();
    }

    /// The line the progress view shows before the build.
    pub fn describe(&self) -> &'static str {
        match self.source {
            DockerfileSource::Project => "building the project's own Dockerfile",
            DockerfileSource::Generated => {
                "building the Dockerfile Berth generates from the plan (in memory, nothing \
                 written; with BuildKit cache mounts when BuildKit builds it)"
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_plan_renders_with_cache_mounts_for_buildkit_only() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/go-cmd-server");
        let d = crate::stacks::detect(&root).unwrap();
        let plan = Plan::from_detection(&d).named("go");
        let r = Recipe::from_plan(&plan, &Templates::embedded()).unwrap();
        assert_eq!(r.source, DockerfileSource::Generated);
        let bk = r.dockerfile.clone().unwrap();
        let classic = r.classic_dockerfile.clone().unwrap();
        assert!(bk.contains("--mount=type=cache"), "{bk}");
        assert!(!classic.contains("--mount=type=cache"), "{classic}");
        // BuildKit cross-compiles from the build machine's platform; the classic builder has
        // no BUILDPLATFORM (an empty --platform fails there) and builds natively.
        assert!(
            bk.contains("FROM --platform=$BUILDPLATFORM golang:"),
            "{bk}"
        );
        assert!(bk.contains("ENV GOOS=$TARGETOS GOARCH=$TARGETARCH"), "{bk}");
        assert!(!classic.contains("PLATFORM"), "{classic}");
        assert!(!classic.contains("TARGETARCH"), "{classic}");
        assert!(r.compose.as_deref().unwrap().contains("services:"));
        let mut req = BuildRequest::new(&root, "t:1");
        r.apply(&mut req);
        assert_eq!(req.dockerfile_contents, Some(bk));
        Recipe::own().apply(&mut req);
        assert_eq!(req.dockerfile_contents, None);
    }

    #[test]
    fn an_invalid_plan_is_refused_before_rendering() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/go-cmd-server");
        let d = crate::stacks::detect(&root).unwrap();
        let mut plan = Plan::from_detection(&d).named("go");
        plan.port = 0;
        let e = Recipe::from_plan(&plan, &Templates::embedded()).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidPlan);
    }
}
