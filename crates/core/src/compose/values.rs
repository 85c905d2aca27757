//! Compose values (pure): interpolation, durations, scalars and string lists as compose
//! writes them, and the short port syntax. Shared by the model, the merge and the runners.

use super::model::PortSpec;
use serde_yaml_ng::{Mapping, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// `${VAR:-default}`, `${VAR-default}`, `${VAR}`, `$VAR` and `$$` (pure).
pub fn interpolate(s: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('{') {
            let Some(end) = r.find('}') else {
                out.push_str(&rest[i..]);
                return out;
            };
            let inner = &r[..end];
            let (var, default, empty_too) = if let Some((v, d)) = inner.split_once(":-") {
                (v, Some(d), true)
            } else if let Some((v, d)) = inner.split_once('-') {
                (v, Some(d), false)
            } else {
                (inner, None, false)
            };
            let value = env(var).filter(|v| !(empty_too && v.is_empty()));
            out.push_str(&value.or(default.map(str::to_string)).unwrap_or_default());
            rest = &r[end + 1..];
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if n == 0 {
                out.push('$');
            } else {
                out.push_str(&env(&after[..n]).unwrap_or_default());
            }
            rest = &after[n..];
        }
    }
    out.push_str(rest);
    out
}

/// `10s`, `1m30s`, `500ms`, `2h` -> a duration (pure).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return Some(Duration::from_secs_f64(n));
    }
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let v: f64 = num.parse().ok()?;
        num.clear();
        total += v * match unit.as_str() {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "us" => 0.000_001,
            _ => return None,
        };
        any = true;
    }
    (any && num.is_empty()).then(|| Duration::from_secs_f64(total))
}

pub(super) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Sequence(s) => s.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

/// A map or a `KEY=VALUE` list.
pub(super) fn key_values(v: &Value) -> BTreeMap<String, String> {
    match v {
        Value::Mapping(m) => m
            .iter()
            .filter_map(|(k, v)| Some((scalar(k)?, scalar(v).unwrap_or_default())))
            .collect(),
        Value::Sequence(s) => s
            .iter()
            .filter_map(scalar)
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (e, String::new()),
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

pub(super) fn get<'a>(m: &'a Mapping, key: &str) -> Option<&'a Value> {
    m.get(Value::String(key.to_string()))
}

/// The byte index of the last `:` outside `${...}` (pure).
pub(crate) fn last_colon_outside_braces(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut split = None;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ':' if depth == 0 => split = Some(i),
            _ => {}
        }
    }
    split
}

/// `"8080"`, `"8000:8000"`, `"127.0.0.1:8000:8000"`, `"${HOST_PORT:-8000}:8000/tcp"`,
/// `"${HOST_IP:-127.0.0.1}:${HOST_PORT:-8000}:8000"`.
pub fn parse_port(s: &str) -> Option<PortSpec> {
    let s = s.trim().trim_end_matches("/tcp");
    // The container side is after the last ':' outside `${...}`.
    let Some(i) = last_colon_outside_braces(s) else {
        return Some(PortSpec {
            host: None,
            host_ip: None,
            container: s.parse().ok()?,
        });
    };
    let host = &s[..i];
    // `IP:HOST` -> the address and HOST.
    let (ip, host) = match last_colon_outside_braces(host) {
        Some(j) => (Some(&host[..j]), &host[j + 1..]),
        None => (None, host),
    };
    Some(PortSpec {
        host: (!host.is_empty()).then(|| host.to_string()),
        host_ip: ip.filter(|ip| !ip.is_empty()).map(str::to_string),
        container: s[i + 1..].parse().ok()?,
    })
}
