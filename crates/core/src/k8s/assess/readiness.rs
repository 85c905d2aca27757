//! The readiness checklist (pure): what any orchestrator (Compose on a server, Cloud Run,
//! Kubernetes) expects of a container, checked on the folder's files, with a fix for each.

use super::facts::Facts;
use super::scan::{at, classify, command_raw, find_in, shorten};
use super::{Readiness, SignalEvidence};
use crate::k8s::sources::{self as src, Rule};

const ENV_READS: &[&str] = &[
    "os.environ",
    "os.getenv",
    "getenv(",
    "process.env",
    "std::env::var",
    "env::var(",
    "System.getenv",
    "ENV[",
    "ENV.fetch",
    "GetEnvironmentVariable",
    "os.Getenv",
    "os.LookupEnv",
    "$_ENV",
    "BaseSettings",
    "AutomaticEnv",
    "dotenv",
];
const FILE_LOGS: &[&str] = &[
    "FileHandler(",
    "RotatingFileHandler",
    "basicConfig(filename",
    "transports.File",
    "FileAppender",
    "RollingFileAppender",
    "log4j.appender",
    "Logger.new(\"log/",
    "Logger.new('log/",
    "logging.file.name",
    "logging.file.path",
    "/var/log/",
];
const SIGTERM_HANDLING: &[&str] = &[
    "SIGTERM",
    "signal.Notify",
    "with_graceful_shutdown",
    "shutdown_signal",
    "ctrl_c()",
    "Signal.trap",
    "trap(\"TERM\"",
    "server.shutdown=graceful",
    "shutdown: graceful",
    "enableShutdownHooks",
    "IHostApplicationLifetime",
    "ApplicationStopping",
    "@godaddy/terminus",
    "http-terminator",
    "stoppable(",
];
/// Servers that stop gracefully on SIGTERM on their own.
const GRACEFUL_SERVERS: &[&str] = &[
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "daphne",
    "puma",
    "unicorn",
    "celery",
    "sidekiq",
    "dotnet",
];
const LOCAL_WRITES: &[&str] = &[
    "sqlite:///",
    ".sqlite3",
    "sqlite3.connect(",
    "UPLOAD_FOLDER",
    "MEDIA_ROOT",
    "multer({ dest",
    "multer({dest",
    "fs.writeFile",
    "os.WriteFile(",
    "File.write(",
    "file_put_contents(",
];
const SUPERVISORS: &[&str] = &[
    "supervisord",
    "pm2 start",
    "s6-svscan",
    "runsvdir",
    "foreman start",
    "honcho start",
    "concurrently",
    " & ",
];
const LOCALHOST: &[&str] = &[
    "://localhost",
    "://127.0.0.1",
    "@localhost",
    "@127.0.0.1",
    "host=localhost",
    "HOST=localhost",
    "host: localhost",
    "host=127.0.0.1",
    "HOST=127.0.0.1",
    "\"localhost:",
    "'localhost:",
];

fn item(
    id: &str,
    ok: bool,
    detail: String,
    fix: &str,
    evidence: Vec<SignalEvidence>,
    source: Rule,
) -> Readiness {
    Readiness {
        id: id.into(),
        ok,
        detail,
        fix: fix.into(),
        evidence,
        source: source.into(),
    }
}

/// The checklist, in a stable order.
pub fn checklist(f: &Facts) -> Vec<Readiness> {
    vec![
        config_from_env(f),
        logs_to_stdout(f),
        health_endpoint(f),
        graceful_shutdown(f),
        no_local_writes(f),
        non_root(f),
        one_process(f),
        no_localhost_addresses(f),
    ]
    .into_iter()
    .chain(check_findings(f))
    .collect()
}

/// `berth check`'s critical and high findings, when it ran.
fn check_findings(f: &Facts) -> Option<Readiness> {
    use crate::check::{Location, Severity};
    let report = f.check.as_ref()?;
    let serious: Vec<_> = report
        .findings
        .iter()
        .filter(|x| matches!(x.severity, Severity::Critical | Severity::High))
        .collect();
    let evidence = serious
        .iter()
        .take(5)
        .map(|x| {
            let (file, line) = match &x.location {
                Location::File { file, line } => (file.clone(), Some(*line)),
                _ => (String::new(), None),
            };
            SignalEvidence {
                file,
                line,
                detail: format!("{} {}", x.id, x.title),
            }
        })
        .collect();
    Some(item(
        "check_findings",
        serious.is_empty(),
        format!(
            "berth check: {} critical, {} high, {} medium finding(s)",
            report.summary.critical, report.summary.high, report.summary.medium
        ),
        "Run `berth check` (or the Check tab) and fix the critical and high findings first: \
         an orchestrator runs the same images and compose settings at larger scale.",
        evidence,
        src::BERTH_CHECK,
    ))
}

fn config_from_env(f: &Facts) -> Readiness {
    let mut ev: Vec<SignalEvidence> = Vec::new();
    if let Some(c) = &f.compose {
        for s in &c.model.services {
            if !s.environment.is_empty() || !s.env_file.is_empty() {
                let key = if s.environment.is_empty() {
                    "env_file"
                } else {
                    "environment"
                };
                ev.push(at(
                    c,
                    &["services", &s.name, key],
                    format!("{}: {key}", s.name),
                ));
            }
        }
    }
    ev.extend(find_in(&f.sources, ENV_READS, 5));
    let ok = !ev.is_empty();
    item(
        "config_from_env",
        ok,
        if ok {
            "configuration comes from environment variables".into()
        } else {
            "no environment-based configuration found".into()
        },
        "Read settings that change between deploys (URLs, credentials, feature flags) from \
         environment variables, not from constants or files in the image.",
        ev,
        src::TWELVE_CONFIG,
    )
}

fn logs_to_stdout(f: &Facts) -> Readiness {
    let ev = find_in(&f.sources, FILE_LOGS, 5);
    item(
        "logs_to_stdout",
        ev.is_empty(),
        if ev.is_empty() {
            "no logging to files found".into()
        } else {
            format!("{} place(s) log to files", ev.len())
        },
        "Write logs to stdout/stderr unbuffered; the platform collects and routes them.",
        ev,
        src::TWELVE_LOGS,
    )
}

fn health_endpoint(f: &Facts) -> Readiness {
    let mut ev = Vec::new();
    if let Some(d) = &f.detection {
        if let Some(p) = &d.health_path {
            let e = d.evidence.iter().find(|e| e.field == "health_path");
            ev.push(SignalEvidence {
                file: e.map(|e| e.file.clone()).unwrap_or_default(),
                line: e.and_then(|e| e.line),
                detail: format!("health path {p}"),
            });
        }
    }
    if let Some(c) = &f.compose {
        for s in classify(c).iter().filter(|s| s.role.is_some()) {
            if s.spec.healthcheck.is_some() {
                ev.push(at(
                    c,
                    &["services", &s.spec.name, "healthcheck"],
                    format!("{}: healthcheck", s.spec.name),
                ));
            }
        }
    }
    if let Some(d) = &f.dockerfile {
        if let Some(h) = &d.facts.healthcheck {
            ev.push(SignalEvidence {
                file: d.file.clone(),
                line: Some(h.line),
                detail: "HEALTHCHECK".into(),
            });
        }
    }
    item(
        "health_endpoint",
        !ev.is_empty(),
        if ev.is_empty() {
            "no health endpoint or healthcheck found".into()
        } else {
            "the app has a health check".into()
        },
        "Serve a cheap health endpoint (e.g. GET /health answering 200 without touching \
         dependencies) and declare it as a healthcheck; it becomes the readiness and liveness \
         probes.",
        ev,
        src::K8S_PROBES,
    )
}

/// The app's start commands: `(file, line, text)`.
fn start_commands(f: &Facts) -> Vec<(String, Option<u32>, String, bool)> {
    let mut out = Vec::new();
    if let Some(d) = &f.dockerfile {
        for ins in [&d.facts.entrypoint, &d.facts.cmd].into_iter().flatten() {
            out.push((
                d.file.clone(),
                Some(ins.line),
                ins.text.clone(),
                ins.exec_form(),
            ));
        }
    }
    if let Some(c) = &f.compose {
        for s in classify(c).iter().filter(|s| s.role.is_some()) {
            let line = command_raw(s.spec);
            if !line.is_empty() {
                let e = at(c, &["services", &s.spec.name, "command"], "");
                let shell = line.starts_with("/bin/sh -c")
                    || line.starts_with("sh -c")
                    || line.starts_with("bash -c");
                out.push((
                    e.file,
                    e.line,
                    line,
                    !shell || s.spec.command_text.is_some(),
                ));
            }
        }
    }
    if let Some(d) = &f.detection {
        if !d.start_command.is_empty() {
            let e = d.evidence.iter().find(|e| e.field == "start_command");
            out.push((
                e.map(|e| e.file.clone()).unwrap_or_default(),
                e.and_then(|e| e.line),
                d.start_command.join(" "),
                true,
            ));
        }
    }
    out
}

fn graceful_shutdown(f: &Facts) -> Readiness {
    let starts = start_commands(f);
    let ev_of =
        |(file, line, text, _): &(String, Option<u32>, String, bool), why: &str| SignalEvidence {
            file: file.clone(),
            line: *line,
            detail: format!("{why}: {}", shorten(text)),
        };
    let mut bad: Vec<SignalEvidence> = starts
        .iter()
        .filter(|s| !s.3)
        .map(|s| ev_of(s, "shell form: /bin/sh does not pass SIGTERM on"))
        .collect();
    bad.extend(
        starts
            .iter()
            .filter(|s| {
                s.2.contains("npm start") || s.2.contains("npm run") || s.2.contains("yarn start")
            })
            .map(|s| ev_of(s, "npm/yarn as PID 1 does not pass SIGTERM on")),
    );
    let fix = "Start the app in exec form (CMD [\"app\", ...]) so it is PID 1 and receives \
               SIGTERM; on SIGTERM stop accepting work, finish what is in flight, then exit \
               (before the grace period, 30 s by default, ends in SIGKILL).";
    if !bad.is_empty() {
        return item(
            "graceful_shutdown",
            false,
            "SIGTERM may not reach the app".into(),
            fix,
            bad,
            src::TWELVE_DISPOSABILITY,
        );
    }
    let mut good = find_in(&f.sources, SIGTERM_HANDLING, 3);
    good.extend(
        starts
            .iter()
            .filter(|s| GRACEFUL_SERVERS.iter().any(|g| s.2.contains(g)))
            .map(|s| ev_of(s, "a server that drains on SIGTERM")),
    );
    item(
        "graceful_shutdown",
        !good.is_empty(),
        if good.is_empty() {
            "no SIGTERM handling found (the app is killed after the grace period)".into()
        } else {
            "the app stops gracefully on SIGTERM".into()
        },
        fix,
        good,
        src::TWELVE_DISPOSABILITY,
    )
}

fn no_local_writes(f: &Facts) -> Readiness {
    let read_only = f.compose.as_ref().is_some_and(|c| {
        let apps: Vec<_> = classify(c)
            .into_iter()
            .filter(|s| s.role.is_some())
            .collect();
        !apps.is_empty() && apps.iter().all(|s| s.spec.read_only)
    });
    let ev = find_in(&f.sources, LOCAL_WRITES, 5);
    let ok = read_only || ev.is_empty();
    item(
        "no_local_writes",
        ok,
        if read_only {
            "the compose file already runs the app with a read-only root filesystem".into()
        } else if ev.is_empty() {
            "no writes to the image's filesystem found".into()
        } else {
            format!(
                "{} place(s) write local files (SQLite, uploads, files)",
                ev.len()
            )
        },
        "Keep state in backing services (database, object storage); write only to /tmp or a \
         declared volume, so the root filesystem can be read-only and any instance can serve \
         any request.",
        ev,
        src::TWELVE_PROCESSES,
    )
}

fn non_root(f: &Facts) -> Readiness {
    let mut ev = Vec::new();
    let mut ok = false;
    if let Some(d) = &f.dockerfile {
        if let Some(u) = &d.facts.user {
            let root = d.facts.uid == Some(0) || u.text.trim() == "root";
            ok = !root;
            ev.push(SignalEvidence {
                file: d.file.clone(),
                line: Some(u.line),
                detail: format!("USER {}", u.text),
            });
        }
    }
    if let Some(c) = &f.compose {
        for s in classify(c).iter().filter(|s| s.role.is_some()) {
            if let Some(u) = &s.spec.security.user {
                let root = u == "root" || u == "0" || u.starts_with("0:") || u.starts_with("root:");
                ok = ok || !root;
                ev.push(at(
                    c,
                    &["services", &s.spec.name, "user"],
                    format!("user: {u}"),
                ));
            }
        }
    }
    item(
        "non_root",
        ok,
        if ok {
            "the app runs as a non-root user".into()
        } else {
            "the app's image runs as root (no USER)".into()
        },
        "Add a user with a fixed numeric uid (e.g. 10001) in the image and switch to it with \
         USER; `berth containerize` writes such a Dockerfile.",
        ev,
        src::K8S_PSS,
    )
}

fn one_process(f: &Facts) -> Readiness {
    let ev: Vec<SignalEvidence> = start_commands(f)
        .iter()
        .filter(|s| SUPERVISORS.iter().any(|p| s.2.contains(p)))
        .map(|(file, line, text, _)| SignalEvidence {
            file: file.clone(),
            line: *line,
            detail: shorten(text),
        })
        .collect();
    item(
        "one_process",
        ev.is_empty(),
        if ev.is_empty() {
            "one process per container".into()
        } else {
            "a supervisor or background process runs several processes in one container".into()
        },
        "Run one process per container and one service per process type (web, worker, \
         scheduler); the orchestrator restarts and scales each.",
        ev,
        src::TWELVE_CONCURRENCY,
    )
}

fn no_localhost_addresses(f: &Facts) -> Readiness {
    let mut ev = Vec::new();
    if let Some(c) = &f.compose {
        for s in &c.model.services {
            for (k, v) in &s.environment {
                if v.contains("localhost") || v.contains("127.0.0.1") {
                    ev.push(at(
                        c,
                        &["services", &s.name, "environment", k],
                        format!("{k}={}", shorten(v)),
                    ));
                }
            }
        }
    }
    ev.extend(find_in(&f.sources, LOCALHOST, 5));
    item(
        "no_localhost_addresses",
        ev.is_empty(),
        if ev.is_empty() {
            "no hard-coded localhost service addresses".into()
        } else {
            format!("{} hard-coded localhost address(es)", ev.len())
        },
        "Reach other services by name from configuration (DATABASE_URL=postgres://db:5432/app), \
         never localhost: inside a container, localhost is the container itself.",
        ev,
        src::TWELVE_BACKING,
    )
}
