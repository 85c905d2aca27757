//! Plan validation: what an edited plan must satisfy before it is rendered.

use super::Plan;
use crate::{Error, Result};
use regex::Regex;
use std::sync::OnceLock;

fn image_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // [host[:port]/]path[:tag][@sha256:digest]; path components as the distribution spec.
        let host = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?/)";
        let comp = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
        let pattern = format!(
            r"^(?P<host>{host})?(?P<path>{comp}(?:/{comp})*)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}))?(?:@sha256:(?P<digest>[a-f0-9]{{64}}))?$"
        );
        Regex::new(&pattern).unwrap_or_else(|_| unreachable_regex())
    })
}

fn prefix_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*/?$",
        )
        .unwrap_or_else(|_| unreachable_regex())
    })
}

/// A regex that matches nothing, so a (never expected) pattern bug fails closed.
fn unreachable_regex() -> Regex {
    #[allow(clippy::unwrap_used)]
    Regex::new(r"[^\s\S]").unwrap()
}

/// A pinned image reference: a tag other than `latest`, or a digest.
pub fn is_valid_image_ref(s: &str) -> bool {
    let Some(c) = image_re().captures(s) else {
        return false;
    };
    let tag = c.name("tag").map(|m| m.as_str());
    let digest = c.name("digest").is_some();
    s.len() <= 255 && (digest || tag.is_some_and(|t| t != "latest"))
}

/// A relative path inside the project: `[A-Za-z0-9._@+-]` segments joined by `/`,
/// no `..`, no leading `/`, no `$` (Dockerfile variable expansion) or whitespace.
pub fn is_safe_relative_path(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && !s.starts_with('/')
        && s.split('/').all(|seg| {
            !seg.is_empty()
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._@+-".contains(c))
        })
}

/// A plain identifier-like value: `[A-Za-z0-9._:@+-]`, not starting with `-`.
pub fn is_safe_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && !s.starts_with('-')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:@+-".contains(c))
}

/// An HTTP path: starts with `/`, URL characters only (no quotes, spaces or `$`).
pub fn is_safe_health_path(s: &str) -> bool {
    s.starts_with('/')
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._~-?=&%+,:@".contains(c))
}

/// An environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_key(k: &str) -> bool {
    k.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A value safe unquoted in a Dockerfile `ENV` (no `$`, quotes, spaces or backslashes).
pub fn is_env_value(v: &str) -> bool {
    v.len() <= 200
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:/@+,-".contains(c))
}

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control())
}

pub(super) fn validate(p: &Plan) -> Result<()> {
    let bad = |m: String| Err(Error::InvalidPlan(m));
    // Control characters anywhere (newlines would start new instructions or YAML keys).
    let json = serde_json::to_value(p).map_err(|e| Error::InvalidPlan(e.to_string()))?;
    if let Some(path) = find_control(&json, "plan") {
        return bad(format!(
            "{path} contains a control character (newline, tab...)"
        ));
    }
    if p.name != super::sanitize_name(&p.name) {
        return bad(format!("name {:?} must be lower-case [a-z0-9_-]", p.name));
    }
    if p.port == 0 {
        return bad("port must be between 1 and 65535".into());
    }
    if p.start_command.is_empty() || p.start_command[0].trim().is_empty() {
        return bad("start command must not be empty".into());
    }
    let mut images: Vec<(&str, &str)> = vec![("runtime image", &p.runtime_image)];
    if let Some(b) = &p.builder_image {
        images.push(("builder image", b));
    }
    for s in &p.services {
        images.push(("service image", &s.image));
    }
    for (what, image) in images {
        if !is_valid_image_ref(image) {
            return bad(format!(
                "{what} {image:?} is not a pinned image reference (name:tag, never latest)"
            ));
        }
    }
    if let Some(prefix) = &p.registry_prefix {
        if !prefix.is_empty() && !prefix_re().is_match(prefix) {
            return bad(format!(
                "registry prefix {prefix:?} is not a registry host/path"
            ));
        }
    }
    for m in &p.manifests {
        if !is_safe_relative_path(m) {
            return bad(format!("manifest {m:?} is not a safe relative path"));
        }
    }
    for (k, v) in &p.hints {
        let ok = match k.as_str() {
            "output_dir" | "main_package" | "document_root" | "project_file" => {
                is_safe_relative_path(v)
            }
            _ => is_safe_name(v),
        };
        if !ok {
            return bad(format!("hint {k} = {v:?} is not safe in a path or name"));
        }
    }
    for step in p.install_steps.iter().chain(&p.build_steps) {
        if step.argv.is_empty() || step.argv[0].is_empty() {
            return bad("a build step has an empty command".into());
        }
        for c in &step.cache {
            if !c.starts_with('/') || !is_safe_relative_path(&c[1..]) {
                return bad(format!("cache folder {c:?} must be a plain absolute path"));
            }
        }
    }
    if let Some(h) = &p.healthcheck {
        match (&h.path, &h.command) {
            (_, Some(cmd)) if cmd.is_empty() => {
                return bad("healthcheck command must not be empty".into())
            }
            (Some(path), None) if !is_safe_health_path(path) => {
                return bad(format!("health path {path:?} must be a plain URL path"))
            }
            (None, None) => return bad("healthcheck needs a path or a command".into()),
            _ => {}
        }
        if h.interval_seconds == 0 || h.timeout_seconds == 0 || h.retries == 0 {
            return bad("healthcheck interval, timeout and retries must be positive".into());
        }
    }
    let user_ok = !p.user.is_empty()
        && p.user
            .split(':')
            .all(|part| is_safe_name(part) && part != "root" && part != "0");
    if !user_ok {
        return bad(format!(
            "user {:?} must be a non-root user name or uid",
            p.user
        ));
    }
    let mem_ok = {
        let digits = p
            .limits
            .memory
            .trim_end_matches(['b', 'k', 'm', 'g', 'B', 'K', 'M', 'G']);
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && digits != "0"
    };
    if !mem_ok {
        return bad(format!(
            "memory limit {:?} must look like 512m or 1g",
            p.limits.memory
        ));
    }
    let cpus_ok = p
        .limits
        .cpus
        .parse::<f64>()
        .is_ok_and(|c| c > 0.0 && c <= 1024.0)
        && p.limits
            .cpus
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.');
    if !cpus_ok {
        return bad(format!(
            "cpu limit {:?} must be a positive number",
            p.limits.cpus
        ));
    }
    for k in p.env.keys() {
        if !is_env_key(k) {
            return bad(format!(
                "environment variable name {k:?} must be [A-Za-z_][A-Za-z0-9_]*"
            ));
        }
    }
    for (k, v) in &p.image_env {
        if !is_env_key(k) || !is_env_value(v) {
            return bad(format!(
                "image environment {k}={v:?}: name must be [A-Za-z_][A-Za-z0-9_]*, value [A-Za-z0-9._:/@+,-]"
            ));
        }
    }
    Ok(())
}

/// JSON path of the first string holding a control character.
fn find_control(v: &serde_json::Value, at: &str) -> Option<String> {
    match v {
        serde_json::Value::String(s) if has_control(s) => Some(at.to_string()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| find_control(x, &format!("{at}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
            if has_control(k) {
                Some(format!("{at}.{}", k.escape_debug()))
            } else {
                find_control(x, &format!("{at}.{k}"))
            }
        }),
        _ => None,
    }
}
