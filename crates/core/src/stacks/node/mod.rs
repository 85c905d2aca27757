//! Node.js: detection (npm / pnpm / yarn / bun; Next.js, NestJS, Express, Fastify, Hono,
//! plain node; single-page apps served as static files) and the plan defaults of Node and
//! Bun images.

mod detect;
pub(super) mod spa;

use super::{Detection, Stack, StackProvider};
use crate::project::Project;
use crate::Result;

pub struct Node;

impl StackProvider for Node {
    fn stack(&self) -> Stack {
        Stack::Node
    }

    fn markers(&self) -> &'static [&'static str] {
        &["package.json"]
    }

    fn detect(&self, project: &Project) -> Result<Option<Detection>> {
        detect::detect(project)
    }
}
