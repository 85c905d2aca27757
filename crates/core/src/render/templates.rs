//! The template set: embedded in the binary, any file overridable from a folder.

use crate::fsread;
use crate::Result;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        /// Every template shipped in `templates/`, by relative path.
        pub const EMBEDDED: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../../../templates/", $name)))),*
        ];
    };
}

embedded!(
    "compose.yaml.j2",
    "compose.dev.yaml.j2",
    "compose.prod.yaml.j2",
    "dockerignore.j2",
    "dockerignore/common.j2",
    "dockerignore/python.j2",
    "dockerignore/node.j2",
    "dockerignore/go.j2",
    "dockerignore/rust.j2",
    "dockerignore/java.j2",
    "dockerignore/ruby.j2",
    "dockerignore/php.j2",
    "dockerignore/dotnet.j2",
    "dockerignore/static.j2",
    "partials/macros.j2",
    "python/Dockerfile.j2",
    "node/Dockerfile.j2",
    "go/Dockerfile.j2",
    "rust/Dockerfile.j2",
    "java/Dockerfile.j2",
    "ruby/Dockerfile.j2",
    "php/Dockerfile.j2",
    "dotnet/Dockerfile.j2",
    "static/Dockerfile.j2",
);

/// The templates used by [`super::render`]: the embedded set with the user's overrides
/// applied. Loaded once, then rendering is pure.
#[derive(Debug, Clone)]
pub struct Templates {
    sources: BTreeMap<String, String>,
    overridden: Vec<String>,
}

impl Templates {
    /// The embedded templates only.
    pub fn embedded() -> Self {
        Templates {
            sources: EMBEDDED
                .iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect(),
            overridden: Vec::new(),
        }
    }

    /// The embedded templates, each replaced by `<override_dir>/<same relative path>` when
    /// that file exists. A missing `override_dir` is not an error; an unreadable file is.
    /// The override folder is the user's own configuration, so a link there is followed
    /// (dotfile managers link such files), but only to a regular file of at most 1 MiB
    /// (a FIFO cannot hang the app; see [`crate::fsread`]).
    pub fn load(override_dir: Option<&Path>) -> Result<Self> {
        let mut t = Self::embedded();
        let Some(dir) = override_dir else {
            return Ok(t);
        };
        for (name, _) in EMBEDDED {
            let path = dir.join(name);
            let opts = fsread::ReadOptions {
                links: fsread::Links::Follow,
                ..fsread::ReadOptions::PROJECT
            };
            if let Some(read) = fsread::read(&path, opts)? {
                t.sources.insert(name.to_string(), read.text());
                t.overridden.push(name.to_string());
            }
        }
        Ok(t)
    }

    /// `dirs::config_dir()/berth/templates`, the user's override folder.
    pub fn user_override_dir() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("berth").join("templates"))
    }

    /// The embedded templates with the user's overrides from [`Self::user_override_dir`].
    pub fn load_user() -> Result<Self> {
        Self::load(Self::user_override_dir().as_deref())
    }

    /// Relative paths of the templates replaced by an override file.
    pub fn overridden(&self) -> &[String] {
        &self.overridden
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.sources.get(name).map(String::as_str)
    }
}
