//! Merging compose files as `docker compose -f a.yaml -f b.yaml` does (the compose
//! specification's merge rules, https://docs.docker.com/reference/compose-file/merge/), on the
//! YAML documents, before [`super::parse`] reads the result (pure):
//!
//! - mappings merge key by key, the later file winning on scalars;
//! - sequences are appended, except `command`, `entrypoint` and `healthcheck.test`, which the
//!   later file replaces;
//! - `environment`, `labels`, `extra_hosts`, `sysctls` and `depends_on` merge as mappings
//!   whichever form (list or mapping) each file writes them in;
//! - the unique resources are keyed, a later entry replacing an earlier one with the same key:
//!   `ports` by address, published port, target and protocol; `volumes` by target path;
//!   `secrets` and `configs` by target (else source);
//! - `!reset` removes what the earlier files set, `!override` replaces it whole.

use super::model::parse_port;
use serde_yaml_ng::value::TaggedValue;
use serde_yaml_ng::{Mapping, Value};

/// Merge `overrides` onto `base` in order (pure).
pub fn merge_all(base: Value, overrides: impl IntoIterator<Item = Value>) -> Value {
    overrides.into_iter().fold(base, |acc, next| {
        merge_value(acc, next, &[]).unwrap_or(Value::Mapping(Mapping::new()))
    })
}

/// Attributes a later file replaces instead of appending to.
const REPLACED: &[&str] = &["command", "entrypoint"];
/// Attributes merged as mappings whichever form they are written in.
const MAP_LIKE: &[&str] = &["environment", "labels", "extra_hosts", "sysctls"];

fn key_str(v: &Value) -> Option<&str> {
    v.as_str()
}

/// `base` with `next` merged on top; `path` says where they sit (`["services", "web",
/// "ports"]`). None: `!reset` removed the attribute.
fn merge_value(base: Value, next: Value, path: &[String]) -> Option<Value> {
    // Tags on the overriding value: !reset drops, !override replaces.
    let next = strip_tags(next)?;
    if let Value::Tagged(t) = next {
        if tag_name(&t) == "override" {
            return Some(t.value);
        }
        return Some(Value::Tagged(t));
    }
    let attr = path.last().map(String::as_str).unwrap_or_default();
    let in_service = path.len() == 3 && path[0] == "services";
    if in_service && REPLACED.contains(&attr) {
        return Some(next);
    }
    if path.len() == 4 && path[0] == "services" && path[2] == "healthcheck" && attr == "test" {
        return Some(next);
    }
    if in_service && MAP_LIKE.contains(&attr) {
        return Some(Value::Mapping(merge_mappings(
            as_map(base),
            as_map(next),
            path,
        )));
    }
    if in_service && attr == "depends_on" {
        return Some(Value::Mapping(merge_mappings(
            depends_map(base),
            depends_map(next),
            path,
        )));
    }
    if in_service && matches!(attr, "ports" | "volumes" | "secrets" | "configs") {
        return Some(Value::Sequence(merge_unique(attr, base, next)));
    }
    Some(match (base, next) {
        (Value::Mapping(a), Value::Mapping(b)) => Value::Mapping(merge_mappings(a, b, path)),
        (Value::Sequence(mut a), Value::Sequence(b)) => {
            for v in b {
                if !a.contains(&v) {
                    a.push(v);
                }
            }
            Value::Sequence(a)
        }
        (_, next) => next,
    })
}

fn tag_name(t: &TaggedValue) -> String {
    t.tag.to_string().trim_start_matches('!').to_string()
}

fn merge_mappings(mut a: Mapping, b: Mapping, path: &[String]) -> Mapping {
    for (k, v) in b {
        let mut p = path.to_vec();
        p.push(key_str(&k).unwrap_or_default().to_string());
        let merged = match a.remove(&k) {
            Some(old) => merge_value(old, v, &p),
            None => strip_tags(v).map(|v| match v {
                Value::Tagged(t) if tag_name(&t) == "override" => t.value,
                other => other,
            }),
        };
        // `!reset` removed it (a plain `null`, like `volumes: {data: }`, stays).
        if let Some(merged) = merged {
            a.insert(k, merged);
        }
    }
    a
}

/// None for a `!reset` value; any other value as it is.
fn strip_tags(v: Value) -> Option<Value> {
    match v {
        Value::Tagged(t) if tag_name(&t) == "reset" => None,
        other => Some(other),
    }
}

/// `["A=1", "B"]` or `{A: 1}` as a mapping.
fn as_map(v: Value) -> Mapping {
    match v {
        Value::Mapping(m) => m,
        Value::Sequence(items) => items
            .into_iter()
            .filter_map(|i| {
                let s = i.as_str()?.to_string();
                Some(match s.split_once('=') {
                    Some((k, v)) => (Value::String(k.into()), Value::String(v.into())),
                    None => (Value::String(s), Value::Null),
                })
            })
            .collect(),
        _ => Mapping::new(),
    }
}

/// `depends_on: [db]` as `{db: {condition: service_started}}`.
fn depends_map(v: Value) -> Mapping {
    match v {
        Value::Sequence(items) => items
            .into_iter()
            .filter_map(|i| {
                let name = i.as_str()?.to_string();
                let mut c = Mapping::new();
                c.insert("condition".into(), "service_started".into());
                Some((Value::String(name), Value::Mapping(c)))
            })
            .collect(),
        Value::Mapping(m) => m,
        _ => Mapping::new(),
    }
}

/// The uniqueness key of a `ports`, `volumes`, `secrets` or `configs` entry.
fn unique_key(attr: &str, v: &Value) -> Option<String> {
    let field = |m: &Mapping, k: &str| {
        m.get(k).and_then(|x| match x {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    match (attr, v) {
        ("ports", Value::String(s)) => {
            let p = parse_port(s)?;
            let proto = if s.ends_with("/udp") { "udp" } else { "tcp" };
            Some(format!(
                "{}:{}:{}/{proto}",
                p.host_ip.unwrap_or_default(),
                p.host.unwrap_or_default(),
                p.container
            ))
        }
        ("ports", Value::Number(n)) => Some(format!("::{n}/tcp")),
        ("ports", Value::Mapping(m)) => Some(format!(
            "{}:{}:{}/{}",
            field(m, "host_ip").unwrap_or_default(),
            field(m, "published").unwrap_or_default(),
            field(m, "target")?,
            field(m, "protocol").unwrap_or_else(|| "tcp".into())
        )),
        ("volumes", Value::String(s)) => {
            let parts: Vec<&str> = s.split(':').collect();
            Some(match parts.as_slice() {
                [target] => (*target).to_string(),
                [_, target, ..] => (*target).to_string(),
                [] => return None,
            })
        }
        ("volumes", Value::Mapping(m)) => field(m, "target"),
        ("secrets" | "configs", Value::String(s)) => Some(s.clone()),
        ("secrets" | "configs", Value::Mapping(m)) => {
            field(m, "target").or_else(|| field(m, "source"))
        }
        _ => None,
    }
}

fn merge_unique(attr: &str, base: Value, next: Value) -> Vec<Value> {
    let mut out: Vec<Value> = match base {
        Value::Sequence(s) => s,
        _ => Vec::new(),
    };
    let Value::Sequence(next) = next else {
        return out;
    };
    for v in next {
        let key = unique_key(attr, &v);
        match key.as_ref().and_then(|k| {
            out.iter()
                .position(|o| unique_key(attr, o).as_ref() == Some(k))
        }) {
            Some(i) => out[i] = v,
            None => out.push(v),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "merge_tests.rs"]
mod tests;
