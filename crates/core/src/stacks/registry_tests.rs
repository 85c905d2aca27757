//! The registry is complete and consistent: every [`Stack`] variant has exactly one
//! provider in [`providers`], and [`provider`] agrees with it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

/// Every variant of [`Stack`], read from its ts-rs declaration (`"python" | "node" | ...`), so
/// this list cannot fall behind the enum.
pub(crate) fn all_stacks() -> Vec<Stack> {
    let decl = <Stack as TS>::inline(&ts_rs::Config::default());
    decl.split('|')
        .map(|v| serde_json::from_str(v.trim()).unwrap_or_else(|e| panic!("{v}: {e}")))
        .collect()
}

#[test]
fn every_stack_has_exactly_one_provider() {
    let all = all_stacks();
    assert_eq!(all.len(), 9, "{all:?}");
    for s in &all {
        let n = providers().iter().filter(|p| p.stack() == *s).count();
        assert_eq!(n, 1, "{s:?} is registered {n} times in providers()");
        assert_eq!(provider(*s).stack(), *s);
    }
    assert_eq!(providers().len(), all.len());
}

#[test]
fn detection_order_is_kept() {
    let order: Vec<Stack> = providers().iter().map(|p| p.stack()).collect();
    assert_eq!(
        order,
        [
            Stack::Dotnet,
            Stack::Java,
            Stack::Go,
            Stack::Rust,
            Stack::Php,
            Stack::Ruby,
            Stack::Python,
            Stack::Node,
            Stack::Static,
        ]
    );
}

#[test]
fn markers_are_the_known_manifests() {
    let mut markers: Vec<&str> = providers()
        .iter()
        .flat_map(|p| p.markers())
        .copied()
        .collect();
    markers.sort();
    assert_eq!(
        markers,
        [
            "Cargo.toml",
            "Gemfile",
            "Pipfile",
            "build.gradle",
            "build.gradle.kts",
            "composer.json",
            "go.mod",
            "package.json",
            "pom.xml",
            "pyproject.toml",
            "requirements.txt",
        ]
    );
    assert!(is_marker("Api.csproj"));
    assert!(!is_marker("index.html"));
}
