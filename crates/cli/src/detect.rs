//! `berth detect PATH [--json]`: the text form lists each conclusion with its evidence.
//! Values from the project are printed with `{:?}` so control characters (a newline in a
//! package name, an escape sequence) are shown escaped and cannot forge extra lines.

use berth_core::stacks::{Detection, Evidence};
use std::fmt::Write;

pub fn run(path: &std::path::Path, json: bool) -> berth_core::Result<()> {
    let d = berth_core::stacks::detect(path)?;
    crate::output::print(&d, json, || text(&d));
    Ok(())
}

/// Human-readable report: one line per conclusion, evidence indented under it.
pub fn text(d: &Detection) -> String {
    let mut s = String::new();
    let stack = serde_json::to_value(d.stack)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    let services: Vec<String> = d
        .services
        .iter()
        .filter_map(|s| serde_json::to_value(s).ok())
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    let opt = |o: &Option<String>| o.as_ref().map(|v| format!("{v:?}")).unwrap_or("-".into());
    let rows: [(&str, &str, String); 8] = [
        ("stack", "stack", stack),
        ("framework", "framework", opt(&d.framework)),
        (
            "package manager",
            "package_manager",
            opt(&d.package_manager),
        ),
        (
            "language version",
            "language_version",
            opt(&d.language_version),
        ),
        (
            "start command",
            "start_command",
            format!("{:?}", d.start_command),
        ),
        (
            "port",
            "port",
            d.port.map(|p| p.to_string()).unwrap_or("-".into()),
        ),
        ("health path", "health_path", opt(&d.health_path)),
        (
            "services",
            "services",
            if services.is_empty() {
                "-".into()
            } else {
                services.join(", ")
            },
        ),
    ];
    for (label, field, value) in rows {
        let _ = writeln!(s, "{label:<17} {value}");
        for e in d.evidence.iter().filter(|e| e.field == field) {
            let _ = writeln!(s, "{:<19}<- {}", "", evidence(e));
        }
    }
    if !d.manifests.is_empty() {
        let _ = writeln!(s, "{:<17} {:?}", "manifests", d.manifests);
    }
    for (k, v) in &d.hints {
        let _ = writeln!(s, "{:<17} {k} = {v:?}", "hint");
    }
    for e in d.evidence.iter().filter(|e| e.field == "skipped") {
        let _ = writeln!(s, "{:<17} {}", "skipped", evidence(e));
    }
    s.trim_end().to_string()
}

fn evidence(e: &Evidence) -> String {
    let at = match e.line {
        Some(l) => format!("{}:{l}", clean(&e.file)),
        None => clean(&e.file),
    };
    format!("{at}: {}", clean(&e.detail))
}

/// Escape control characters only (quotes stay readable).
pub(crate) fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
