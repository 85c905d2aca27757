//! Compose tools on this machine: `docker compose` (the CLI plugin) or a standalone
//! `docker-compose`, and the arguments Berth runs them with.
//!
//! Berth requires **Compose v2**: v1 (Debian 12's `docker-compose` 1.29) rejects the
//! top-level `name:` key Berth writes and names containers differently. A v1 tool is
//! reported (so the runner can say why it was not used) and the project runs through the
//! Engine API instead.

use serde::Serialize;
use std::path::Path;
use ts_rs::TS;

/// A compose implementation found on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ComposeTool {
    /// `docker compose` (the CLI plugin).
    Plugin { docker: String },
    /// The standalone `docker-compose` binary.
    Standalone { path: String },
}

impl ComposeTool {
    /// The program and the leading arguments (`docker compose` / `docker-compose`).
    pub fn base(&self) -> (String, Vec<String>) {
        match self {
            ComposeTool::Plugin { docker } => (docker.clone(), vec!["compose".into()]),
            ComposeTool::Standalone { path } => (path.clone(), Vec::new()),
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            ComposeTool::Plugin { .. } => "docker compose",
            ComposeTool::Standalone { .. } => "docker-compose",
        }
    }
}

/// What the search for a compose tool found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ToolSearch {
    /// The first Compose v2 found.
    pub tool: Option<ComposeTool>,
    /// Tools found but not used, with why (`docker-compose 1.29.2 is Compose v1`).
    pub rejected: Vec<String>,
    /// [`COMPOSE_TOOL_ENV`] is `none`: no tool was looked for.
    pub disabled: bool,
}

impl ToolSearch {
    /// Why no tool is used, for the runner's note; None when one is.
    pub fn why_none(&self) -> Option<String> {
        if self.tool.is_some() {
            return None;
        }
        Some(if self.disabled {
            format!("{COMPOSE_TOOL_ENV}=none is set")
        } else if self.rejected.is_empty() {
            "no compose tool is installed".into()
        } else {
            format!(
                "{} (Berth needs Compose v2: v1 rejects the `name:` key and names containers \
                 differently)",
                self.rejected.join("; ")
            )
        })
    }
}

/// The major version in a `version --short` answer (`2.29.1`, `v2.24.0`, `1.29.2`,
/// `docker-compose version 1.29.2, build unknown`) (pure).
pub fn major_version(answer: &str) -> Option<u32> {
    let start = answer.find(|c: char| c.is_ascii_digit())?;
    answer[start..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Find a Compose v2: `docker compose version --short` for each `docker` in `dockers`, then
/// `docker-compose version --short` for each in `standalone`. `version` runs a probe and
/// returns its output when it succeeded.
pub fn find_tool_with(
    dockers: &[String],
    standalone: &[String],
    version: impl Fn(&str, &[&str]) -> Option<String>,
) -> ToolSearch {
    let mut search = ToolSearch::default();
    let candidates = dockers
        .iter()
        .map(|d| {
            (
                ComposeTool::Plugin { docker: d.clone() },
                vec!["compose", "version", "--short"],
            )
        })
        .chain(standalone.iter().map(|s| {
            (
                ComposeTool::Standalone { path: s.clone() },
                vec!["version", "--short"],
            )
        }));
    for (tool, args) in candidates {
        let (prog, _) = tool.base();
        let Some(answer) = version(&prog, &args) else {
            continue;
        };
        match major_version(&answer) {
            Some(m) if m >= 2 => {
                search.tool = Some(tool);
                return search;
            }
            _ => search
                .rejected
                .push(format!("{} {} is Compose v1", tool.label(), answer.trim())),
        }
    }
    search
}

/// Set to `none` to act as if no compose tool were installed (compose projects then run
/// through the Engine API).
pub const COMPOSE_TOOL_ENV: &str = "BERTH_COMPOSE_TOOL";

/// Find a Compose v2 on this machine (PATH lookups, then `version --short` probes); none
/// when [`COMPOSE_TOOL_ENV`] is `none`.
pub fn find_tool() -> ToolSearch {
    if std::env::var(COMPOSE_TOOL_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("none")) {
        return ToolSearch {
            disabled: true,
            ..Default::default()
        };
    }
    let on_path = |name: &str| -> Vec<String> {
        let mut v: Vec<String> = std::env::var_os("PATH")
            .map(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(exe(name)))
                    .filter(|p| p.is_file())
                    .map(|p| p.display().to_string())
                    .collect()
            })
            .unwrap_or_default();
        v.dedup();
        v
    };
    let version = |prog: &str, args: &[&str]| {
        let out = std::process::Command::new(prog)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    find_tool_with(&on_path("docker"), &on_path("docker-compose"), version)
}

/// `name` as an executable file name on this OS (`docker.exe` on Windows).
fn exe(name: &str) -> String {
    if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    }
}

/// Arguments (after [`ComposeTool::base`]) that start a project detached from images Berth
/// built (`up -d --no-build`), with the override file from [`super::overrides`] as the second
/// `-f` and the project's folder as the project directory (so relative paths in a compose
/// file held elsewhere resolve against it).
pub fn up_args(files: &[&Path], project_dir: &Path, project_name: &str) -> Vec<String> {
    let mut a = file_args(files, project_dir, project_name);
    a.extend(["up".into(), "-d".into(), "--no-build".into()]);
    a
}

/// Arguments that stop and remove a project.
pub fn down_args(files: &[&Path], project_dir: &Path, project_name: &str) -> Vec<String> {
    let mut a = file_args(files, project_dir, project_name);
    a.push("down".into());
    a
}

fn file_args(files: &[&Path], project_dir: &Path, project_name: &str) -> Vec<String> {
    let mut a = Vec::new();
    for f in files {
        a.push("-f".into());
        a.push(f.display().to_string());
    }
    a.push("--project-directory".into());
    a.push(project_dir.display().to_string());
    a.push("-p".into());
    a.push(project_name.into());
    a
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn compose_v2_is_required_and_v1_is_reported() {
        let d = vec![
            "/usr/local/bin/docker".to_string(),
            "/usr/bin/docker".to_string(),
        ];
        let s = vec!["/usr/bin/docker-compose".to_string()];
        // The plugin answers 2.x on the second docker.
        let t = find_tool_with(&d, &s, |p, a| {
            (p == "/usr/bin/docker" && a[0] == "compose").then(|| "2.29.1".to_string())
        });
        assert_eq!(
            t.tool,
            Some(ComposeTool::Plugin {
                docker: "/usr/bin/docker".into()
            })
        );
        assert_eq!(t.why_none(), None);
        // Only a v1 docker-compose: no tool, and the note says why.
        let t = find_tool_with(&d, &s, |p, _| {
            p.ends_with("docker-compose").then(|| "1.29.2".to_string())
        });
        assert_eq!(t.tool, None);
        let why = t.why_none().unwrap();
        assert!(why.contains("docker-compose 1.29.2 is Compose v1"), "{why}");
        assert!(why.contains("needs Compose v2"), "{why}");
        // A standalone v2 is fine.
        let t = find_tool_with(&d, &s, |p, _| {
            p.ends_with("docker-compose").then(|| "v2.24.6".to_string())
        });
        assert_eq!(t.tool.unwrap().label(), "docker-compose");
        // Nothing at all.
        let t = find_tool_with(&d, &s, |_, _| None);
        assert_eq!(t.why_none().unwrap(), "no compose tool is installed");
    }

    #[test]
    fn versions_parse() {
        assert_eq!(major_version("2.29.1"), Some(2));
        assert_eq!(major_version("v2.24.0-desktop.1"), Some(2));
        assert_eq!(major_version("1.29.2"), Some(1));
        assert_eq!(
            major_version("docker-compose version 1.29.2, build unknown"),
            Some(1)
        );
        assert_eq!(major_version("garbage"), None);
    }

    #[test]
    fn args() {
        let f = Path::new("/p/compose.yaml");
        let o = Path::new("/t/o.json");
        let a = up_args(&[f, o], Path::new("/p"), "web-abc123");
        assert_eq!(
            a.join(" "),
            "-f /p/compose.yaml -f /t/o.json --project-directory /p -p web-abc123 up -d --no-build"
        );
        let a = down_args(&[f], Path::new("/p"), "web-abc123");
        assert_eq!(a.last().unwrap(), "down");
        assert!(a.contains(&"web-abc123".to_string()));
    }
}
