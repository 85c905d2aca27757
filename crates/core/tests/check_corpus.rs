//! The check corpus (tests/check): Dockerfiles and compose files with planted problems, each
//! expected finding asserted by rule id, severity, refs and line (tests/check/expect.json),
//! with no high or critical finding beyond the expected ones; and hardened files with no
//! high or critical finding at all. Then Berth's own output: every fixture's generated
//! Dockerfile and compose.yaml passes its own check with nothing high or critical.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod render_support;

use berth_core::check::{self, Finding, Location, Severity};
use berth_core::plan::Plan;
use render_support::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/check")
}

/// Check one corpus file by its kind (its folder).
fn check_file(rel: &str) -> Vec<Finding> {
    let text = std::fs::read_to_string(corpus().join(rel)).unwrap();
    if rel.starts_with("dockerfiles/") {
        check::dockerfile::check(rel, &text)
    } else {
        check::compose::check(rel, &text, &|_| None).unwrap()
    }
}

fn line(f: &Finding) -> u32 {
    match &f.location {
        Location::File { line, .. } => *line,
        other => panic!("not a file location: {other:?}"),
    }
}

fn files_under(dir: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(corpus().join(dir))
        .unwrap()
        .map(|e| format!("{dir}/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    out.sort();
    out
}

#[test]
fn planted_problems_are_found_where_they_are() {
    let expect: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("expect.json")).unwrap())
            .unwrap();
    let expect = expect.as_object().unwrap();
    let planted: Vec<String> = files_under("dockerfiles/planted")
        .into_iter()
        .chain(files_under("compose/planted"))
        .collect();
    assert_eq!(
        planted.iter().collect::<BTreeSet<_>>(),
        expect.keys().collect::<BTreeSet<_>>(),
        "every planted file has expectations, and only those"
    );
    let mut checked = 0;
    for (file, wanted) in expect {
        let found = check_file(file);
        let mut wanted_serious = BTreeSet::new();
        for w in wanted.as_array().unwrap() {
            let id = w["id"].as_str().unwrap();
            let sev = Severity::parse(w["severity"].as_str().unwrap()).unwrap();
            let at = w["line"].as_u64().unwrap() as u32;
            let refs: Vec<String> = serde_json::from_value(w["refs"].clone()).unwrap();
            let hit = found
                .iter()
                .find(|f| f.id == id && line(f) == at)
                .unwrap_or_else(|| panic!("{file}: {id} at line {at} not found in {found:#?}"));
            assert_eq!(hit.severity, sev, "{file}: {id} at {at}");
            assert_eq!(hit.refs, refs, "{file}: {id} at {at}");
            assert!(!hit.fix.is_empty() && !hit.title.is_empty(), "{file}: {id}");
            if sev.at_least(Severity::High) {
                wanted_serious.insert((id.to_string(), at));
            }
            checked += 1;
        }
        let serious: BTreeSet<(String, u32)> = found
            .iter()
            .filter(|f| f.severity.at_least(Severity::High))
            .map(|f| (f.id.clone(), line(f)))
            .collect();
        assert_eq!(
            serious, wanted_serious,
            "{file}: high/critical findings differ"
        );
    }
    assert!(checked >= 90, "only {checked} expectations");
}

#[test]
fn hardened_files_have_no_high_or_critical_finding() {
    let files: Vec<String> = files_under("dockerfiles/hardened")
        .into_iter()
        .chain(files_under("compose/hardened"))
        .collect();
    assert!(files.len() >= 4);
    for f in files {
        let serious: Vec<Finding> = check_file(&f)
            .into_iter()
            .filter(|x| x.severity.at_least(Severity::Medium))
            .collect();
        assert!(serious.is_empty(), "{f}: {serious:#?}");
    }
}

#[test]
fn heredoc_bodies_are_not_instructions() {
    let text =
        std::fs::read_to_string(corpus().join("dockerfiles/planted/heredoc.Dockerfile")).unwrap();
    let df = check::dockerfile::parse(&text);
    assert_eq!(
        df.stages.len(),
        1,
        "`FROM evil` inside a heredoc is not a stage"
    );
    let run = &df.stages[0].instructions[0];
    assert!(run
        .script()
        .contains("curl -fsSL https://example.com/x.sh | sh"));
    let pip = &df.stages[0].instructions[1];
    assert_eq!(
        pip.mounts().next(),
        Some("type=cache,target=/root/.cache/pip")
    );
    assert!(pip.args.contains("pip install -r requirements.txt"));
}

/// Berth's own output, for every fixture folder and the hand-built samples, with and
/// without BuildKit cache mounts: nothing high or critical.
#[test]
fn berths_own_output_passes_its_own_check() {
    let (good, _bad_fixtures_have_nothing_to_render) = fixture_folders();
    let mut plans: Vec<(String, Plan)> = good
        .iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let d = berth_core::stacks::detect(dir).unwrap();
            (name.clone(), Plan::from_detection(&d).named(&name))
        })
        .collect();
    plans.extend(
        sample_detections()
            .into_iter()
            .map(|(n, d)| (n.to_string(), Plan::from_detection(&d).named(n))),
    );
    assert!(plans.len() > 40, "{} plans", plans.len());
    let mut checked = 0;
    for (name, plan) in plans {
        for cache in [true, false] {
            let mut p = plan.clone();
            p.cache_mounts = cache;
            let files = render_plan(&p);
            let mut findings = check::dockerfile::check("Dockerfile", &files.dockerfile);
            let health = check::dockerfile::has_healthcheck(&files.dockerfile);
            findings.extend(
                check::compose::check("compose.yaml", &files.compose, &|s| {
                    s.build.as_ref().map(|_| health)
                })
                .unwrap(),
            );
            let serious: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.severity.at_least(Severity::High))
                .collect();
            assert!(
                serious.is_empty(),
                "{name} (cache mounts {cache}): {serious:#?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 80);
}

/// Every rule is in docs/check.md's table with its severity and refs, and ids are unique.
#[test]
fn every_rule_is_documented() {
    let doc = std::fs::read_to_string(corpus().join("../../docs/check.md")).unwrap();
    let mut ids = BTreeSet::new();
    for r in check::RULES {
        assert!(ids.insert(r.id), "duplicate id {}", r.id);
        let refs: Vec<String> = r.refs.iter().map(|x| format!("`{x}`")).collect();
        let refs = if refs.is_empty() {
            "—".to_string()
        } else {
            refs.join(", ")
        };
        let row = format!("| `{}` | {} |", r.id, r.severity);
        let line = doc
            .lines()
            .find(|l| l.starts_with(&row))
            .unwrap_or_else(|| panic!("{} is not in docs/check.md's table", r.id));
        assert!(
            line.ends_with(&format!("| {refs} |")),
            "{}: refs differ: {line}",
            r.id
        );
        assert!(check::rule(r.id).is_some());
    }
}
