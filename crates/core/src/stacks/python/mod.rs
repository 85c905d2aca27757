//! Python: detection (requirements.txt, pyproject.toml, Pipfile; Django, FastAPI, Flask,
//! plain scripts) and the plan defaults of Python images.

mod detect;
mod django;

use super::{Detection, Stack, StackProvider};
use crate::project::Project;
use crate::Result;

pub struct Python;

impl StackProvider for Python {
    fn stack(&self) -> Stack {
        Stack::Python
    }

    fn markers(&self) -> &'static [&'static str] {
        &["pyproject.toml", "requirements.txt", "Pipfile"]
    }

    fn detect(&self, project: &Project) -> Result<Option<Detection>> {
        detect::detect(project)
    }
}
