//! A read-only view of a project folder, walked as git would (honours .gitignore and
//! .dockerignore, never descends into dependency or build folders).

use crate::{Error, Result};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Project {
    root: PathBuf,
}

impl Project {
    pub fn open(path: &Path) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|_| Error::NotFound(path.to_path_buf()))?;
        if !meta.is_dir() {
            return Err(Error::NotADirectory(path.to_path_buf()));
        }
        Ok(Project {
            root: path.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}
