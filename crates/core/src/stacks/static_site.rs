//! Static sites: an `index.html` at the root (or in `public/`) and no manifest of another
//! stack (this detector runs last). Served like single-page apps (see [`super::spa`]).

use super::common::probe;
use super::common::Out;
use super::dev::DevSettings;
use super::node::spa;
use super::{hint_keys, Detection, Stack, StackProvider, StackTemplates};
use super::{VersionFormat, VersionRule};
use crate::plan::{Plan, NGINX_IMAGE};
use crate::project::Project;
use crate::Result;
use std::collections::BTreeMap;

pub struct Static;

impl StackProvider for Static {
    fn stack(&self) -> Stack {
        Stack::Static
    }

    fn label(&self) -> &'static str {
        "Static site"
    }

    fn templates(&self) -> StackTemplates {
        StackTemplates {
            dockerfile: "static/Dockerfile.j2",
            dockerignore: "dockerignore/static.j2",
        }
    }

    fn detect(&self, project: &Project) -> Result<Option<Detection>> {
        detect(project)
    }

    fn version(&self) -> VersionRule {
        VersionRule {
            default: "1.27",
            majors: None,
            format: VersionFormat::MajorMinor,
        }
    }

    fn default_port(&self) -> u16 {
        8080
    }

    fn fallback_command(&self) -> &'static [&'static str] {
        &["/app/server"]
    }

    fn serves_static(&self, _framework: Option<&str>, _hints: &BTreeMap<String, String>) -> bool {
        true
    }

    fn plan_defaults(&self, plan: &mut Plan, _version: &str) {
        plan.runtime_image = NGINX_IMAGE.into();
    }

    fn http_probe(&self, _plan: &Plan, url: String) -> Vec<String> {
        // nginx's alpine image has busybox wget.
        probe(&["wget", "-q", "-O", "/dev/null"], url)
    }

    fn probe_needs_busybox(&self) -> bool {
        false
    }

    fn dev(&self, plan: &Plan) -> DevSettings {
        // nginx serves the mounted files as they change.
        let mut d = DevSettings::mounted("/usr/share/nginx/html");
        d.source = plan
            .hints
            .get(hint_keys::DOCUMENT_ROOT)
            .cloned()
            .unwrap_or_else(|| ".".into());
        d.read_only_source = true;
        d
    }
}

fn detect(project: &Project) -> Result<Option<Detection>> {
    let Some(index) = project.first_of(&["index.html", "index.htm", "public/index.html"]) else {
        return Ok(None);
    };
    let mut out = Out::new(
        Stack::Static,
        index,
        None,
        format!("{index} and no manifest of another stack"),
    );
    let root = index.rsplit_once('/').map(|(d, _)| d).unwrap_or(".");
    out.hint(hint_keys::DOCUMENT_ROOT, root);
    spa::serve_static(&mut out, index);
    let prefix = if root == "." {
        String::new()
    } else {
        format!("{root}/")
    };
    let candidates = [
        "healthz",
        "health",
        "healthz/index.html",
        "health/index.html",
        "health.html",
    ];
    let found = candidates
        .into_iter()
        .map(|f| (f, format!("{prefix}{f}")))
        .find(|(_, full)| project.has(full));
    if let Some((f, full)) = found {
        let path = format!("/{}", f.trim_end_matches("/index.html"));
        out.d.health_path = Some(path.clone());
        out.ev(
            "health_path",
            &full,
            None,
            format!("static file served at {path}"),
        );
    }
    Ok(Some(out.finish(project)))
}
