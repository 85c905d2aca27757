//! The health probe: a command that exists in the final image (the stack's provider knows
//! which; static serving always has nginx's busybox wget).

use super::defaults::BUSYBOX_PATH;
use super::Plan;
use crate::stacks::provider;

/// HTTP probe argv for the final image of `plan` (see [`Plan::health_argv`]).
pub(super) fn http_probe(plan: &Plan, url: String) -> Vec<String> {
    if plan.serve_static {
        let mut argv: Vec<String> = ["wget", "-q", "-O", "/dev/null"].map(String::from).into();
        argv.push(url);
        return argv;
    }
    provider(plan.stack).http_probe(plan, url)
}

/// Whether the final image needs the static busybox for its health probe.
pub fn needs_busybox(plan: &Plan) -> bool {
    plan.healthcheck.as_ref().is_some_and(|h| match &h.command {
        Some(cmd) => cmd.first().map(String::as_str) == Some(BUSYBOX_PATH),
        None => h.path.is_some(),
    }) && !plan.serve_static
        && provider(plan.stack).probe_needs_busybox()
}
