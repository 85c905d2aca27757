//! Compose projects: find a compose file, find a compose tool (`docker compose` plugin or
//! the standalone `docker-compose`), and the command that brings a project up. Spawning
//! is in [`super::compose_tool`] (shared by the CLI and the app), so this module stays pure
//! apart from [`find_tool`]'s probes.

use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Compose file names, in the order `docker compose` looks for them.
pub const COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

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

/// The project's compose file, if it has one.
pub fn compose_file(root: &Path) -> Option<PathBuf> {
    COMPOSE_FILES
        .iter()
        .map(|n| root.join(n))
        .find(|p| p.is_file())
}

/// Find a compose tool: `docker compose version` answering, else `docker-compose version`.
/// `candidates` are the `docker` programs to try (PATH order); `runs` executes a probe.
pub fn find_tool_with(
    dockers: &[String],
    standalone: &[String],
    runs: impl Fn(&str, &[&str]) -> bool,
) -> Option<ComposeTool> {
    for d in dockers {
        if runs(d, &["compose", "version"]) {
            return Some(ComposeTool::Plugin { docker: d.clone() });
        }
    }
    for s in standalone {
        if runs(s, &["version"]) {
            return Some(ComposeTool::Standalone { path: s.clone() });
        }
    }
    None
}

/// Set to `none` to act as if no compose tool were installed (compose projects then run
/// through the Engine API).
pub const COMPOSE_TOOL_ENV: &str = "BERTH_COMPOSE_TOOL";

/// Find a compose tool on this machine (PATH lookups, then probes); none when
/// [`COMPOSE_TOOL_ENV`] is `none`.
pub fn find_tool() -> Option<ComposeTool> {
    if std::env::var(COMPOSE_TOOL_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("none")) {
        return None;
    }
    let on_path = |name: &str| -> Vec<String> {
        let mut v: Vec<String> = std::env::var_os("PATH")
            .map(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(name))
                    .filter(|p| p.is_file())
                    .map(|p| p.display().to_string())
                    .collect()
            })
            .unwrap_or_default();
        v.dedup();
        v
    };
    let runs = |prog: &str, args: &[&str]| {
        std::process::Command::new(prog)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    find_tool_with(&on_path("docker"), &on_path("docker-compose"), runs)
}

/// Arguments (after [`ComposeTool::base`]) that build and start a project detached.
/// The chosen host port goes in through the `HOST_PORT` environment variable, which
/// Berth's compose.yaml reads (`${HOST_PORT:-8000}:8000`).
pub fn up_args(file: &Path, project_name: &str) -> Vec<String> {
    vec![
        "-f".into(),
        file.display().to_string(),
        "-p".into(),
        project_name.into(),
        "up".into(),
        "-d".into(),
        "--build".into(),
    ]
}

/// [`up_args`] with a second file, the override from
/// [`super::compose_file::write_labels_override`] that labels every service as Berth's
/// (`dev.berth.managed`, `dev.berth.project=<folder>`).
pub fn up_args_labelled(file: &Path, labels_override: &Path, project_name: &str) -> Vec<String> {
    let mut a = vec!["-f".into(), file.display().to_string()];
    a.push("-f".into());
    a.push(labels_override.display().to_string());
    a.extend(up_args(file, project_name).into_iter().skip(2));
    a
}

/// [`up_args_labelled`] for images Berth built itself: `up -d --no-build` (the override
/// points every `build:` service at Berth's image; see [`super::compose_tool`]).
pub fn up_args_prebuilt(file: &Path, tool_override: &Path, project_name: &str) -> Vec<String> {
    let mut a = up_args_labelled(file, tool_override, project_name);
    if let Some(last) = a.last_mut() {
        *last = "--no-build".into();
    }
    a
}

/// Arguments that stop and remove a project.
pub fn down_args(file: &Path, project_name: &str) -> Vec<String> {
    vec![
        "-f".into(),
        file.display().to_string(),
        "-p".into(),
        project_name.into(),
        "down".into(),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn plugin_first_then_standalone() {
        let d = vec![
            "/usr/local/bin/docker".to_string(),
            "/usr/bin/docker".to_string(),
        ];
        let s = vec!["/usr/bin/docker-compose".to_string()];
        let t = find_tool_with(&d, &s, |p, a| p == "/usr/bin/docker" && a[0] == "compose");
        assert_eq!(
            t,
            Some(ComposeTool::Plugin {
                docker: "/usr/bin/docker".into()
            })
        );
        let t = find_tool_with(&d, &s, |p, _| p.ends_with("docker-compose")).unwrap();
        assert_eq!(t.label(), "docker-compose");
        assert_eq!(t.base().1, Vec::<String>::new());
        assert_eq!(find_tool_with(&d, &s, |_, _| false), None);
    }

    #[test]
    fn files_and_args() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(compose_file(d.path()), None);
        std::fs::write(d.path().join("docker-compose.yml"), "services: {}\n").unwrap();
        std::fs::write(d.path().join("compose.yaml"), "services: {}\n").unwrap();
        assert_eq!(compose_file(d.path()), Some(d.path().join("compose.yaml")));
        let a = up_args(Path::new("/p/compose.yaml"), "web");
        assert_eq!(a.join(" "), "-f /p/compose.yaml -p web up -d --build");
        let a = up_args_labelled(Path::new("/p/compose.yaml"), Path::new("/t/o.json"), "web");
        assert_eq!(
            a.join(" "),
            "-f /p/compose.yaml -f /t/o.json -p web up -d --build"
        );
        let a = up_args_prebuilt(Path::new("/p/compose.yaml"), Path::new("/t/o.json"), "web");
        assert_eq!(
            a.join(" "),
            "-f /p/compose.yaml -f /t/o.json -p web up -d --no-build"
        );
        assert_eq!(
            down_args(Path::new("/p/compose.yaml"), "web")
                .last()
                .unwrap(),
            "down"
        );
    }
}
