//! The compose project a compose runner brings up: the folder, the compose text (the folder's
//! own file, or Berth's rendered from the plan in memory), its parsed model, and in-memory
//! build recipes for the services Berth renders itself.

use super::recipe::Recipe;
use crate::compose::{self, ComposeFile};
use crate::environment::Environment;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The service name of the app in Berth's generated compose.yaml.
pub const APP_SERVICE: &str = "app";

/// A compose project to run.
#[derive(Debug, Clone)]
pub struct ComposeProject {
    /// The project folder (canonical).
    pub root: PathBuf,
    /// The compose file on disk; None for one rendered from the plan (not written).
    pub file: Option<PathBuf>,
    /// Its text (for the compose tool, written to a private temporary file when in memory).
    pub text: String,
    pub model: ComposeFile,
    /// Service -> the in-memory recipe its `build:` uses instead of a Dockerfile on disk.
    pub recipes: BTreeMap<String, Recipe>,
    /// The environment's override merged into [`Self::model`] (`berth up --env`).
    pub environment: Option<EnvOverride>,
}

/// An environment's override file, merged over the compose file as `docker compose -f
/// compose.yaml -f compose.<env>.yaml` merges it.
#[derive(Debug, Clone)]
pub struct EnvOverride {
    pub env: Environment,
    /// The file on disk; None for one rendered from the plan (not written).
    pub file: Option<PathBuf>,
    pub text: String,
}

impl ComposeProject {
    /// The folder's own compose file.
    pub fn from_file(root: &Path, file: &Path) -> Result<ComposeProject> {
        // By fsread's rules: no links, regular files only, at most 1 MiB.
        let text =
            crate::fsread::read_text(file)?.ok_or_else(|| Error::NotFound(file.to_path_buf()))?;
        let model = compose::parse(file, &text)?;
        Ok(ComposeProject {
            root: root.to_path_buf(),
            file: Some(file.to_path_buf()),
            text,
            model,
            recipes: BTreeMap::new(),
            environment: None,
        })
    }

    /// Berth's compose.yaml rendered from the plan in `recipe`, its `app` service built from
    /// the recipe's in-memory Dockerfile.
    pub fn from_recipe(root: &Path, recipe: &Recipe) -> Result<ComposeProject> {
        let text = recipe.compose.clone().ok_or_else(|| {
            Error::InvalidPlan("the recipe has no compose file (render the plan first)".into())
        })?;
        let model = compose::parse(Path::new("compose.yaml (from the plan)"), &text)?;
        Ok(ComposeProject {
            root: root.to_path_buf(),
            file: None,
            text,
            model,
            recipes: BTreeMap::from([(APP_SERVICE.to_string(), recipe.clone())]),
            environment: None,
        })
    }

    /// This project in `env`: its override (`file` on disk, or rendered in memory) merged
    /// over the compose file by [`compose::merge`], exactly as the compose tool merges a
    /// second `-f`.
    pub fn with_environment(
        mut self,
        env: Environment,
        file: Option<PathBuf>,
        text: String,
    ) -> Result<ComposeProject> {
        let name = file
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("{} (from the plan)", env.override_file())));
        let yaml = |f: &Path, t: &str| -> Result<serde_yaml_ng::Value> {
            serde_yaml_ng::from_str(t).map_err(|e| Error::InvalidManifest {
                file: f.to_path_buf(),
                line: e.location().and_then(|l| u32::try_from(l.line()).ok()),
                message: e.to_string(),
            })
        };
        let base_name = self
            .file
            .clone()
            .unwrap_or_else(|| PathBuf::from("compose.yaml (from the plan)"));
        let base = yaml(&base_name, &self.text)?;
        let over = yaml(&name, &text)?;
        self.model = compose::from_value(&base_name, compose::merge::merge_all(base, [over]))?;
        self.environment = Some(EnvOverride { env, file, text });
        Ok(self)
    }

    /// How the report and notes name the compose file.
    pub fn describe(&self) -> String {
        let base = match &self.file {
            Some(f) => f.display().to_string(),
            None => "the compose.yaml rendered from the plan (in memory)".into(),
        };
        match &self.environment {
            None => base,
            Some(EnvOverride { file: Some(f), .. }) => format!("{base} + {}", f.display()),
            Some(EnvOverride { env, .. }) => {
                format!(
                    "{base} + the {} rendered from the plan",
                    env.override_file()
                )
            }
        }
    }

    /// The build request for a service with `build:`, tagged `tag`: its context and Dockerfile,
    /// or the in-memory recipe Berth renders for it; labelled with the project.
    pub fn build_request(
        &self,
        s: &crate::compose::ServiceSpec,
        tag: &str,
        options: &super::RunOptions,
    ) -> Option<crate::docker::build::BuildRequest> {
        let b = s.build.as_ref()?;
        let mut req =
            crate::docker::build::BuildRequest::new(&self.base_dir().join(&b.context), tag);
        req.project = Some(self.root.clone());
        req.dockerfile = b.dockerfile.clone();
        req.no_cache = options.no_cache;
        req.builder = options.builder;
        req.platform = options.platform.clone();
        if let Some(recipe) = self.recipes.get(&s.name) {
            recipe.apply(&mut req);
        }
        Some(req)
    }

    /// The folder a service's `build.context` resolves against.
    pub fn base_dir(&self) -> &Path {
        self.file
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(&self.root)
    }
}
