//! SARIF 2.1.0 (OASIS) for code-scanning tools (pure): one run, the rules that fired with
//! their refs as tags, one result per finding. File findings carry a physical location (file
//! and line); image and container findings a logical one. The tests validate the output
//! against the SARIF 2.1.0 JSON schema (tests/schemas/sarif-schema-2.1.0.json).

use super::{rule, Location, Report, Severity};
use serde_json::{json, Value};

/// SARIF's level for a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The `security-severity` code-scanning tools sort by (0.0-10.0, as CVSS).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn location(l: &Location) -> Value {
    match l {
        Location::File { file, line } => json!({
            "physicalLocation": {
                "artifactLocation": { "uri": file },
                "region": { "startLine": (*line).max(1) }
            }
        }),
        Location::Image { image, layer, path } => {
            let at = match layer {
                Some(l) => format!(
                    "{image}#layer{l}{}",
                    if path.starts_with('/') {
                        path.clone()
                    } else {
                        format!("/{path}")
                    }
                ),
                None => format!("{image}#{path}"),
            };
            json!({ "logicalLocations": [ { "name": path, "fullyQualifiedName": at, "kind": "resource" } ] })
        }
        Location::Container { container, setting } => json!({
            "logicalLocations": [ {
                "name": setting,
                "fullyQualifiedName": format!("{container}#{setting}"),
                "kind": "resource"
            } ]
        }),
    }
}

/// The report as a SARIF 2.1.0 log.
pub fn sarif(report: &Report) -> Value {
    let mut ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let rules: Vec<Value> = ids
        .iter()
        .map(|id| {
            let (title, fix, sev, refs) = match rule(id) {
                Some(r) => (r.title, r.fix, r.severity, r.refs.to_vec()),
                None => ("", "", Severity::Info, Vec::new()),
            };
            let mut tags = vec!["security".to_string()];
            tags.extend(refs.iter().map(|r| r.to_string()));
            json!({
                "id": id,
                "shortDescription": { "text": title },
                "help": { "text": fix },
                "defaultConfiguration": { "level": level(sev) },
                "properties": { "tags": tags, "security-severity": security_severity(sev) }
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = ids.iter().position(|i| *i == f.id).unwrap_or(0);
            json!({
                "ruleId": f.id,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": format!("{}: {} Fix: {}", f.title, f.detail, f.fix) },
                "locations": [ location(&f.location) ],
                "properties": { "severity": f.severity.as_str(), "refs": f.refs }
            })
        })
        .collect();
    json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [ {
            "tool": { "driver": {
                "name": "Berth",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules
            } },
            "automationDetails": { "id": format!("berth/check/{}", report.target) },
            "results": results
        } ]
    })
}
