//! Compose `healthcheck:` -> readiness, liveness and startup probes (pure). An HTTP GET to
//! localhost (curl or wget) becomes `httpGet`; anything else runs as `exec`. `start_period`
//! becomes a startup probe; without a healthcheck a port gets `tcpSocket` probes.

use super::report::Report;
use super::unit::Unit;
use crate::compose::{interpolate, HealthSpec};
use k8s_openapi::api::core::v1::{ExecAction, HTTPGetAction, Probe, TCPSocketAction};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::time::Duration;

/// Compose's defaults: 30 s interval and timeout, 3 retries.
const DEFAULT_INTERVAL: u64 = 30;
const DEFAULT_TIMEOUT: u64 = 30;
const DEFAULT_RETRIES: i64 = 3;

/// The three probes of a container (startup only with a start period).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probes {
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    pub startup: Option<Probe>,
}

/// HTTP clients a healthcheck may run (curl, wget, and the one-liners Berth's own
/// Dockerfiles use: Python's urllib, Node's and Bun's fetch or http.get, Ruby's Net::HTTP).
const HTTP_CLIENTS: &[&str] = &[
    "curl",
    "wget",
    "urlopen",
    "fetch(",
    "http.get",
    "Net::HTTP",
    "requests.get",
];

/// `(port, path)` when the check is an HTTP GET of localhost.
pub fn http_target(argv: &[String]) -> Option<(u16, String)> {
    let text = argv.join(" ");
    if !HTTP_CLIENTS.iter().any(|c| text.contains(c)) {
        return None;
    }
    // A POST, a header or credentials are more than a GET: keep the command.
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.iter().any(|w| {
        matches!(
            *w,
            "-X" | "--request" | "-d" | "--data" | "-H" | "--header" | "-u" | "--post-data"
        )
    }) {
        return None;
    }
    let start = text.find("http://")? + "http://".len();
    let url: &str = text[start..]
        .split(|c: char| c.is_whitespace() || "'\"(),;`".contains(c))
        .next()
        .unwrap_or("");
    let (hostport, path) = match url.find('/') {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, "/"),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h, p.parse().ok()?),
        _ => (hostport, 80),
    };
    matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]")
        .then(|| (port, path.to_string()))
}

fn secs(d: Option<Duration>, default: u64) -> i32 {
    i32::try_from(d.map(|d| d.as_secs().max(1)).unwrap_or(default)).unwrap_or(i32::MAX)
}

/// The probes of `unit`, recording what was translated or defaulted.
pub fn probes(u: &Unit, r: &mut Report) -> Probes {
    let svc = u.spec.name.as_str();
    match &u.spec.healthcheck {
        Some(h) if !h.test.is_empty() && h.test[0] != "NONE" => from_healthcheck(h, svc, r),
        Some(_) => {
            r.dropped(svc, "healthcheck", "disabled in compose: no probes");
            Probes::default()
        }
        None => match u.ports.first() {
            Some(p) => {
                r.defaulted(svc, "healthcheck", format!("none in compose: readiness and liveness probes open a TCP connection to port {p}"));
                let probe = Probe {
                    tcp_socket: Some(TCPSocketAction {
                        port: IntOrString::Int(i32::from(*p)),
                        host: None,
                    }),
                    period_seconds: Some(10),
                    timeout_seconds: Some(5),
                    failure_threshold: Some(3),
                    ..Probe::default()
                };
                Probes {
                    readiness: Some(probe.clone()),
                    liveness: Some(probe),
                    startup: None,
                }
            }
            None => {
                r.defaulted(
                    svc,
                    "healthcheck",
                    "none in compose and no port: no probes (add a healthcheck)",
                );
                Probes::default()
            }
        },
    }
}

fn from_healthcheck(h: &HealthSpec, svc: &str, r: &mut Report) -> Probes {
    // Compose interpolates the file: `$$` is a literal `$`.
    let test: Vec<String> = h.test.iter().map(|t| interpolate(t, &|_| None)).collect();
    let (kind, argv) = (test[0].as_str(), &test[1..]);
    let argv: Vec<String> = match kind {
        "CMD-SHELL" => vec!["/bin/sh".into(), "-c".into(), argv.join(" ")],
        "CMD" => argv.to_vec(),
        _ => test.clone(),
    };
    let period = secs(h.interval, DEFAULT_INTERVAL);
    let timeout = secs(h.timeout, DEFAULT_TIMEOUT);
    let retries = i32::try_from(h.retries.unwrap_or(DEFAULT_RETRIES).max(1)).unwrap_or(3);
    let mut base = Probe {
        period_seconds: Some(period),
        timeout_seconds: Some(timeout),
        failure_threshold: Some(retries),
        ..Probe::default()
    };
    let how = match http_target(&argv) {
        Some((port, path)) => {
            base.http_get = Some(HTTPGetAction {
                path: Some(path.clone()),
                port: IntOrString::Int(i32::from(port)),
                ..HTTPGetAction::default()
            });
            format!("httpGet {path} on port {port}")
        }
        None => {
            base.exec = Some(ExecAction {
                command: Some(argv),
            });
            "exec of the same command".to_string()
        }
    };
    let startup = h.start_period.map(|sp| {
        let sp = i64::try_from(sp.as_secs()).unwrap_or(i64::MAX);
        let tries = (sp + i64::from(period) - 1) / i64::from(period);
        Probe {
            failure_threshold: Some(
                i32::try_from(tries)
                    .unwrap_or(i32::MAX)
                    .saturating_add(retries),
            ),
            ..base.clone()
        }
    });
    r.translated(svc, "healthcheck", format!(
        "readiness and liveness probes ({how}, every {period}s, timeout {timeout}s, {retries} failures){}",
        if startup.is_some() { "; start_period: a startup probe" } else { "" }
    ));
    Probes {
        readiness: Some(base.clone()),
        liveness: Some(base),
        startup,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn http_gets_of_localhost_are_recognised() {
        assert_eq!(
            http_target(&v(&["curl", "-fsS", "http://localhost:8000/health"])),
            Some((8000, "/health".into()))
        );
        assert_eq!(
            http_target(&v(&[
                "/bin/sh",
                "-c",
                "wget -qO- http://127.0.0.1/ || exit 1"
            ])),
            Some((80, "/".into()))
        );
        assert_eq!(
            http_target(&v(&[
                "/bin/busybox",
                "wget",
                "-q",
                "-O",
                "-",
                "http://127.0.0.1:3000/healthz?x=1"
            ])),
            Some((3000, "/healthz?x=1".into()))
        );
        assert_eq!(http_target(&v(&["curl", "http://db:8000/health"])), None);
        assert_eq!(
            http_target(&v(&["curl", "-X", "POST", "http://localhost/x"])),
            None
        );
        assert_eq!(http_target(&v(&["pg_isready", "-U", "app"])), None);
        assert_eq!(
            http_target(&v(&[
                "python",
                "-c",
                "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
            ])),
            Some((8000, "/health".into()))
        );
        assert_eq!(
            http_target(&v(&[
                "python",
                "-c",
                "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=4)",
                "http://127.0.0.1:5000/"
            ])),
            Some((5000, "/".into()))
        );
        assert_eq!(http_target(&v(&["echo", "http://localhost/"])), None);
    }
}
