//! Stack providers: everything Berth knows about one stack, in one module per stack, and
//! ONE ordered registry ([`providers`]).
//!
//! A provider detects its stack (reading through a [`Project`] view, which honours
//! .gitignore and .dockerignore, never `std::fs`), with the evidence for every conclusion.
//!
//! Adding a stack: a [`Stack`] variant, one module here implementing [`StackProvider`], its
//! templates under `templates/`, its fixtures under `tests/fixtures/`, and its line in
//! [`providers`] (plus its arm in [`provider`], which the compiler asks for).

mod common;
pub mod dev;
mod dotnet;
mod go;
mod java;
pub mod native;
mod node;
mod php;
mod python;
mod ruby;
mod rust;
mod static_site;
mod version;
mod xml;

pub use dev::{DebugPort, DevSettings};
pub use native::{Native, NativeSetup};
pub use node::BUN_IMAGE;
pub use php::COMPOSER_IMAGE;
pub use version::{VersionFormat, VersionRule};

use crate::plan::Plan;
use crate::project::Project;
use crate::Result;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use ts_rs::TS;

/// The stacks Berth knows. Serialized lower-case: `python|node|go|rust|java|ruby|php|dotnet|static`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Stack {
    Python,
    Node,
    Go,
    Rust,
    Java,
    Ruby,
    Php,
    Dotnet,
    Static,
}

/// Backing services an app depends on, inferred from its dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Service {
    Redis,
    Postgres,
    Mysql,
    Mongodb,
    Rabbitmq,
    Memcached,
}

/// Where a conclusion came from. `field` names the conclusion (`stack`, `framework`,
/// `package_manager`, `language_version`, `start_command`, `port`, `health_path`,
/// `services`), `file` is relative to the project root (forward slashes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Evidence {
    pub field: String,
    pub file: String,
    pub line: Option<u32>,
    pub detail: String,
}

/// The result of detection. Field names are stable: they are the `berth detect --json` format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Detection {
    pub stack: Stack,
    /// Lower-case framework name (`flask`, `nextjs`, `spring-boot`...) or null.
    pub framework: Option<String>,
    pub package_manager: Option<String>,
    pub language_version: Option<String>,
    /// argv, never a shell string.
    pub start_command: Vec<String>,
    pub port: Option<u16>,
    pub health_path: Option<String>,
    pub services: Vec<Service>,
    /// Dependency manifests and lockfiles found (relative paths), copied into the image
    /// before the source so code edits reuse the dependency layer.
    pub manifests: Vec<String>,
    /// Stack-specific facts the renderer needs. Keys are stable and documented on
    /// [`hint_keys`].
    pub hints: std::collections::BTreeMap<String, String>,
    pub evidence: Vec<Evidence>,
}

impl Detection {
    /// A detection of `stack` with no conclusions yet (detectors and tests fill it in).
    pub fn empty(stack: Stack) -> Detection {
        Detection {
            stack,
            framework: None,
            package_manager: None,
            language_version: None,
            start_command: Vec::new(),
            port: None,
            health_path: None,
            services: Vec::new(),
            manifests: Vec::new(),
            hints: std::collections::BTreeMap::new(),
            evidence: Vec::new(),
        }
    }
}

/// The stable keys of [`Detection::hints`].
pub mod hint_keys {
    /// node: the package.json script that builds the app (usually `build`).
    pub const BUILD_SCRIPT: &str = "build_script";
    /// node SPA / static: folder holding the built static files (`dist`, `build`, `dist/<app>/browser`).
    pub const OUTPUT_DIR: &str = "output_dir";
    /// node/next: `true` when next.config sets `output: 'standalone'`.
    pub const NEXT_STANDALONE: &str = "next_standalone";
    /// go: the main package to build (`.`, `./cmd/server`).
    pub const MAIN_PACKAGE: &str = "main_package";
    /// rust: the binary target to build and run.
    pub const BIN_NAME: &str = "bin_name";
    /// java: `true` when the build tool's wrapper (mvnw/gradlew) is present.
    pub const WRAPPER: &str = "wrapper";
    /// php / static: the web document root relative to the project (`public`, `.`).
    pub const DOCUMENT_ROOT: &str = "document_root";
    /// dotnet: the web project file (`src/Api/Api.csproj`).
    pub const PROJECT_FILE: &str = "project_file";
    /// dotnet: the assembly name (`Api`), whose `.dll` is run.
    pub const ASSEMBLY_NAME: &str = "assembly_name";
    /// python: the WSGI/ASGI application (`app:app`, `mysite.wsgi:application`).
    pub const APP_MODULE: &str = "app_module";
    /// node: package.json `name`, verbatim (untrusted user data: may hold anything).
    pub const PACKAGE_NAME: &str = "package_name";
    /// node: package.json `scripts.start`, verbatim (untrusted user data: may hold anything).
    pub const START_SCRIPT: &str = "start_script";
    /// Environment the container needs so the app binds 0.0.0.0 on `port`: newline-separated
    /// `KEY=value` lines (node `PORT`, next `HOSTNAME`, rocket `ROCKET_ADDRESS`/`ROCKET_PORT`,
    /// dotnet `ASPNETCORE_HTTP_PORTS`).
    pub const RUNTIME_ENV: &str = "runtime_env";
    /// node: `true` when the project has an `.npmrc` (private registry settings, often with a
    /// token): the install gets it as a BuildKit secret mount, it is never copied.
    pub const NPMRC: &str = "npmrc";
}

/// Everything Berth knows about one stack. Implemented once per stack module and
/// registered in [`providers`].
pub trait StackProvider: Sync {
    /// The stack this provider stands for.
    fn stack(&self) -> Stack;

    /// The stack's name as the app shows it (`Node.js`, `.NET`, `Static site`).
    fn label(&self) -> &'static str;

    /// Display names of the stack's frameworks whose id does not read well capitalised
    /// (`nextjs` -> `Next.js`); the app capitalises the others.
    fn framework_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// The stack's templates under `templates/`.
    fn templates(&self) -> StackTemplates;

    /// Root manifest file names that mark a project of this stack (for the not-a-project
    /// hint and for the .NET detector, which steps aside when another stack's manifest is
    /// at the root).
    fn markers(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether a file named `name` (no folder) marks a project folder of this stack.
    fn is_marker(&self, name: &str) -> bool {
        self.markers().contains(&name)
    }

    /// Detect the stack in `project`: `Ok(None)` when the folder is not this stack.
    fn detect(&self, project: &Project) -> Result<Option<Detection>>;

    /// How a detected language version becomes the version in the stack's image tags.
    fn version(&self) -> VersionRule;

    /// Port the app listens on when detection found none.
    fn default_port(&self) -> u16;

    /// argv of the app when detection found no start command.
    fn fallback_command(&self) -> &'static [&'static str];

    /// Whether the app is a set of static files served by nginx (static sites, built
    /// single-page apps). `hints` are the plan's (already checked) hints.
    fn serves_static(&self, _framework: Option<&str>, _hints: &BTreeMap<String, String>) -> bool {
        false
    }

    /// The stack's part of the default plan: images, user, install and build steps, start
    /// command, read-only root. `version` comes from [`Self::version`]. Runs before the
    /// stack-independent parts (static serving, fallback command, health check, services).
    fn plan_defaults(&self, plan: &mut Plan, version: &str);

    /// `ENV` the final image needs beyond `PORT` so the app listens on 0.0.0.0:port
    /// (`ASPNETCORE_HTTP_PORTS`, `ROCKET_ADDRESS`...). Not called for static serving.
    fn image_env(&self, _plan: &Plan, _env: &mut BTreeMap<String, String>) {}

    /// App environment for a backing service under the names the stack's frameworks read
    /// (`SPRING_DATASOURCE_URL`), on top of the generic wiring.
    fn service_env(&self, _service: Service) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// Seconds the health check waits before failures count (slow-starting runtimes).
    fn health_start_period_seconds(&self) -> u32 {
        20
    }

    /// argv of the HTTP probe of `url`, run inside the stack's final image with a tool that
    /// exists there (the interpreter, curl, or the static busybox: see
    /// [`Self::probe_needs_busybox`]). Not called when the plan serves static files.
    fn http_probe(&self, plan: &Plan, url: String) -> Vec<String>;

    /// Whether [`Self::http_probe`] runs the static busybox copied into the final image
    /// (distroless and slim runtimes of compiled stacks have no HTTP client).
    fn probe_needs_busybox(&self) -> bool;

    /// How the app runs in the dev environment: its framework's reload command, the source
    /// mounted over the image's copy, a debug port (see [`dev`]). Default: the source mounted
    /// at `/app` and the image's own command.
    fn dev(&self, _plan: &Plan) -> DevSettings {
        DevSettings::mounted("/app").noting(
            "no reload command is known for this app: the source is mounted, restart the \
             service to pick up a change",
        )
    }

    /// How the app runs natively on this machine's runtime, for `berth bench` (see
    /// [`native`]). Default: it does not (the bench measures its container only).
    fn native(&self, _plan: &Plan) -> Native {
        Native::Unsupported(format!(
            "Berth runs Python and Node.js apps natively; a {} app is measured in its \
             container only",
            self.label()
        ))
    }
}

/// Template names (relative to `templates/`) of one stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StackTemplates {
    /// `<stack>/Dockerfile.j2`.
    pub dockerfile: &'static str,
    /// `dockerignore/<stack>.j2`, included by `dockerignore.j2` after the common rules.
    pub dockerignore: &'static str,
}

/// Detect what the folder at `path` is.
pub fn detect(path: &Path) -> Result<Detection> {
    let project = Project::open(path)?;
    detect_project(&project)
}

/// Detect over an already-opened project view: the first provider (in [`providers`] order)
/// that recognises the folder wins.
pub fn detect_project(project: &Project) -> Result<Detection> {
    for p in providers() {
        if let Some(d) = p.detect(project)? {
            return Ok(d);
        }
    }
    let nested = nested_projects(project);
    let reason = if nested.is_empty() {
        "no manifest of a known stack was found".to_string()
    } else {
        format!(
            "no manifest at the top; choose one of the projects in {}",
            nested.join(", ")
        )
    };
    Err(crate::Error::NotAProject {
        path: project.root().to_path_buf(),
        reason,
    })
}

/// Whether a root file named `name` marks a project of any stack.
fn is_marker(name: &str) -> bool {
    providers().iter().any(|p| p.is_marker(name))
}

/// Folders one or two levels down holding a manifest (a monorepo root), at most five.
fn nested_projects(project: &Project) -> Vec<String> {
    let mut dirs: Vec<String> = project
        .files()
        .iter()
        .filter_map(|f| f.rsplit_once('/'))
        .filter(|(dir, name)| dir.matches('/').count() <= 1 && is_marker(name))
        .map(|(dir, _)| dir.to_string())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs.truncate(5);
    dirs
}

/// THE registry: every provider, in detection priority order. Stacks whose projects often
/// carry a `package.json` for front-end assets (Rails, Laravel, Django, Spring, Go, ...) come
/// before Node; static sites (an `index.html` and nothing else) come last.
pub fn providers() -> &'static [&'static dyn StackProvider] {
    &[
        &dotnet::Dotnet,
        &java::Java,
        &go::Go,
        &rust::Rust,
        &php::Php,
        &ruby::Ruby,
        &python::Python,
        &node::Node,
        &static_site::Static,
    ]
}

/// The provider of `stack`. Exhaustive, so a new [`Stack`] variant does not compile until
/// it has a provider; `registry_tests` checks that this agrees with [`providers`].
pub fn provider(stack: Stack) -> &'static dyn StackProvider {
    match stack {
        Stack::Python => &python::Python,
        Stack::Node => &node::Node,
        Stack::Go => &go::Go,
        Stack::Rust => &rust::Rust,
        Stack::Java => &java::Java,
        Stack::Ruby => &ruby::Ruby,
        Stack::Php => &php::Php,
        Stack::Dotnet => &dotnet::Dotnet,
        Stack::Static => &static_site::Static,
    }
}

#[cfg(test)]
mod registry_tests;
