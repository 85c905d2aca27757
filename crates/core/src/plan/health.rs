//! The health probe: a command that exists in the final image.

use super::defaults::BUSYBOX_PATH;
use super::Plan;
use crate::detect::Stack;

/// HTTP probe argv for the final image of `plan` (see [`Plan::health_argv`]).
pub(super) fn http_probe(plan: &Plan, url: String) -> Vec<String> {
    let head: Vec<&str> = if plan.serve_static {
        vec!["wget", "-q", "-O", "/dev/null"]
    } else {
        match plan.stack {
            Stack::Python => vec![
                "python",
                "-c",
                "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=4)",
            ],
            Stack::Node if plan.package_manager.as_deref() == Some("bun") => {
                // The URL is embedded as a JSON string literal (valid JavaScript).
                let code = format!(
                    "fetch({}).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
                    crate::render::filters::quote(&url)
                );
                return vec!["bun".into(), "-e".into(), code];
            }
            Stack::Node => vec![
                "node",
                "-e",
                "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
            ],
            Stack::Ruby => vec![
                "ruby",
                "-rnet/http",
                "-e",
                "exit(Net::HTTP.get_response(URI(ARGV[0])).is_a?(Net::HTTPSuccess) ? 0 : 1)",
            ],
            Stack::Php => vec!["curl", "-fsS", "-o", "/dev/null"],
            Stack::Static => vec!["wget", "-q", "-O", "/dev/null"],
            Stack::Go | Stack::Rust | Stack::Java | Stack::Dotnet => {
                vec![BUSYBOX_PATH, "wget", "-q", "-O", "/dev/null"]
            }
        }
    };
    let mut argv: Vec<String> = head.into_iter().map(String::from).collect();
    argv.push(url);
    argv
}

/// Whether the final image needs the static busybox for its health probe.
pub fn needs_busybox(plan: &Plan) -> bool {
    plan.healthcheck.as_ref().is_some_and(|h| match &h.command {
        Some(cmd) => cmd.first().map(String::as_str) == Some(BUSYBOX_PATH),
        None => h.path.is_some(),
    }) && !plan.serve_static
        && matches!(
            plan.stack,
            Stack::Go | Stack::Rust | Stack::Java | Stack::Dotnet
        )
}
