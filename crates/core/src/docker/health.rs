//! Waiting until a started container is healthy: the engine's HEALTHCHECK status (followed
//! through the event stream), else an HTTP probe of the health path on the published port,
//! else "still running". The wait ends early, as a failure, as soon as the engine reports
//! the container `unhealthy` or the container exits. On failure the report carries the last
//! log lines.

use super::{engine_err, Engine};
use crate::Result;
use bollard::models::{EventMessage, HealthStatusEnum};
use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;
use serde::Serialize;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use ts_rs::TS;

/// Default time to wait for healthy.
pub const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(60);
/// Log lines returned with a failed wait.
pub const FAILURE_LOG_LINES: usize = 20;
/// Pause between HTTP probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HealthVia {
    /// The image's HEALTHCHECK, as the engine reports it.
    Healthcheck,
    /// An HTTP GET of the health path answered 2xx/3xx.
    Http,
    /// No healthcheck and no HTTP port: the container stayed up.
    Running,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct HealthReport {
    pub healthy: bool,
    pub via: HealthVia,
    pub message: String,
    #[ts(type = "number")]
    pub waited_ms: u64,
    /// The last log lines when not healthy.
    pub last_logs: Vec<String>,
}

/// An HTTP probe target.
#[derive(Debug, Clone)]
pub struct HttpProbe {
    pub port: u16,
    pub path: String,
    /// Any HTTP answer counts (the path is a guess, e.g. `/` of an API).
    pub any_status: bool,
}

/// Parse the status code of an HTTP response's first line (pure).
pub fn http_status(head: &str) -> Option<u16> {
    let line = head.lines().next()?;
    let mut it = line.split_whitespace();
    let proto = it.next()?;
    if !proto.starts_with("HTTP/") {
        return None;
    }
    it.next()?.parse().ok()
}

fn probe_once(port: u16, path: &str) -> Option<u16> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let req = format!("GET {path} HTTP/1.0\r\nHost: localhost:{port}\r\nUser-Agent: berth\r\n\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).ok()?;
    http_status(&String::from_utf8_lossy(&buf[..n]))
}

/// The failure message for an `unhealthy` status, with the healthcheck's last output (pure).
pub fn unhealthy_message(last_output: Option<&str>, exit_code: Option<i64>) -> String {
    let mut m = String::from("the healthcheck failed: the engine reports the container unhealthy");
    if let Some(code) = exit_code {
        m.push_str(&format!(" (last check exit code {code}"));
        match last_output.map(str::trim).filter(|o| !o.is_empty()) {
            Some(o) => {
                let o: String = o.lines().last().unwrap_or(o).chars().take(200).collect();
                m.push_str(&format!(": {o})"));
            }
            None => m.push(')'),
        }
    }
    m
}

/// The exit code a `die` event carries (`exitCode` attribute); a restart policy may have
/// restarted the container by the time it is inspected (pure).
pub fn die_exit_code(ev: &EventMessage) -> Option<i64> {
    ev.actor
        .as_ref()?
        .attributes
        .as_ref()?
        .get("exitCode")?
        .parse()
        .ok()
}

/// The last healthcheck result of a container: (output, exit code).
async fn last_check(engine: &Engine, id: &str) -> (Option<String>, Option<i64>) {
    let Ok(c) = engine.docker().inspect_container(id, None).await else {
        return (None, None);
    };
    let last = c
        .state
        .and_then(|s| s.health)
        .and_then(|h| h.log)
        .and_then(|mut l| l.pop());
    match last {
        Some(r) => (r.output, r.exit_code),
        None => (None, None),
    }
}

/// Current state of a container: (running, health status if it has a healthcheck, exit code).
async fn state(
    engine: &Engine,
    id: &str,
) -> Result<(bool, Option<HealthStatusEnum>, Option<i64>, bool)> {
    let c = engine
        .docker()
        .inspect_container(id, None)
        .await
        .map_err(engine_err)?;
    let has_check = c
        .config
        .as_ref()
        .and_then(|c| c.healthcheck.as_ref())
        .and_then(|h| h.test.as_ref())
        .is_some_and(|t| !t.is_empty() && t[0] != "NONE");
    let st = c.state.unwrap_or_default();
    let health = st.health.and_then(|h| h.status);
    Ok((st.running.unwrap_or(false), health, st.exit_code, has_check))
}

impl Engine {
    /// Wait until `container` is healthy or `timeout` passes.
    pub async fn wait_healthy(
        &self,
        container: &str,
        probe: Option<HttpProbe>,
        timeout: Duration,
    ) -> Result<HealthReport> {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + timeout;
        // Subscribe before the first inspect so no transition is missed.
        let opts = EventsOptions {
            since: None,
            until: None,
            filters: Some(HashMap::from([
                ("type".to_string(), vec!["container".to_string()]),
                ("container".to_string(), vec![container.to_string()]),
            ])),
        };
        let mut events = Box::pin(self.docker().events(Some(opts)));
        let (running, health, exit, has_check) = state(self, container).await?;
        let via = if has_check {
            HealthVia::Healthcheck
        } else if probe.is_some() {
            HealthVia::Http
        } else {
            HealthVia::Running
        };
        let done = |healthy: bool, message: String| (healthy, message);
        let result: (bool, String) = if !running {
            done(
                false,
                format!("the container exited (code {})", exit.unwrap_or(-1)),
            )
        } else if has_check {
            if health == Some(HealthStatusEnum::HEALTHY) {
                done(true, "healthcheck passed".into())
            } else if health == Some(HealthStatusEnum::UNHEALTHY) {
                let (out, code) = last_check(self, container).await;
                done(false, unhealthy_message(out.as_deref(), code))
            } else {
                loop {
                    let next = tokio::time::timeout_at(deadline, events.next()).await;
                    match next {
                        Err(_) => {
                            break done(
                                false,
                                format!("not healthy within {} s", timeout.as_secs()),
                            )
                        }
                        Ok(None) => break done(false, "the engine closed the event stream".into()),
                        Ok(Some(Err(e))) => return Err(engine_err(e)),
                        Ok(Some(Ok(ev))) => {
                            let action = ev.action.clone().unwrap_or_default();
                            if action == "health_status: healthy" {
                                break done(true, "healthcheck passed".into());
                            }
                            if action == "die" {
                                let exit = match die_exit_code(&ev) {
                                    Some(c) => Some(c),
                                    None => state(self, container).await?.2,
                                };
                                break done(
                                    false,
                                    format!("the container exited (code {})", exit.unwrap_or(-1)),
                                );
                            }
                            // The engine reports "unhealthy" once the retries are used up
                            // (failures during the start period do not count): fail now.
                            if action == "health_status: unhealthy" {
                                let (out, code) = last_check(self, container).await;
                                break done(false, unhealthy_message(out.as_deref(), code));
                            }
                        }
                    }
                }
            }
        } else if let Some(p) = probe {
            loop {
                let (port, path) = (p.port, p.path.clone());
                let code = tokio::task::spawn_blocking(move || probe_once(port, &path))
                    .await
                    .ok()
                    .flatten();
                let ok = |c: &u16| (200..400).contains(c) || (p.any_status && *c < 500);
                if let Some(c) = code.filter(ok) {
                    break done(true, format!("GET {} answered {c}", p.path));
                }
                let (running, _, exit, _) = state(self, container).await?;
                if !running {
                    break done(
                        false,
                        format!("the container exited (code {})", exit.unwrap_or(-1)),
                    );
                }
                if tokio::time::Instant::now() >= deadline {
                    let last = code
                        .map(|c| format!(" (last answer {c})"))
                        .unwrap_or_default();
                    break done(
                        false,
                        format!(
                            "GET {} did not succeed within {} s{last}",
                            p.path,
                            timeout.as_secs()
                        ),
                    );
                }
                // Wait for the next probe, watching for the container dying meanwhile (a
                // restart policy may have it running again by the next inspect).
                let died = match tokio::time::timeout(PROBE_INTERVAL, async {
                    while let Some(Ok(ev)) = events.next().await {
                        if ev.action.as_deref() == Some("die") {
                            return Some(die_exit_code(&ev));
                        }
                    }
                    None
                })
                .await
                {
                    Ok(Some(code)) => Some(code),
                    // The event stream ended: keep probing at the interval.
                    Ok(None) => {
                        tokio::time::sleep(PROBE_INTERVAL).await;
                        None
                    }
                    Err(_) => None,
                };
                if let Some(code) = died {
                    let exit = match code {
                        Some(c) => Some(c),
                        None => state(self, container).await?.2,
                    };
                    break done(
                        false,
                        format!("the container exited (code {})", exit.unwrap_or(-1)),
                    );
                }
            }
        } else {
            // Nothing to probe: it counts as healthy if it is still up a moment later.
            let settle = Duration::from_secs(2).min(timeout);
            let stop = tokio::time::timeout(settle, async {
                while let Some(Ok(ev)) = events.next().await {
                    if ev.action.as_deref() == Some("die") {
                        return;
                    }
                }
            })
            .await;
            match stop {
                Ok(()) => done(false, "the container exited".into()),
                Err(_) => done(true, "running (no healthcheck, no HTTP port)".into()),
            }
        };
        let (healthy, message) = result;
        let last_logs = if healthy {
            Vec::new()
        } else {
            self.last_logs(container, FAILURE_LOG_LINES)
                .await
                .map(|v| v.iter().map(ToString::to_string).collect())
                .unwrap_or_else(|e| vec![format!("(logs unavailable: {e})")])
        };
        Ok(HealthReport {
            healthy,
            via,
            message,
            waited_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            last_logs,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn unhealthy_messages_carry_the_last_check() {
        let m = unhealthy_message(
            Some("wget: server returned error: HTTP/1.0 404 Not Found\n"),
            Some(1),
        );
        assert!(m.contains("unhealthy"), "{m}");
        assert!(
            m.ends_with(
                "(last check exit code 1: wget: server returned error: HTTP/1.0 404 Not Found)"
            ),
            "{m}"
        );
        assert!(unhealthy_message(Some("  "), Some(2)).ends_with("(last check exit code 2)"));
        assert!(unhealthy_message(None, None).ends_with("unhealthy"));
    }

    #[test]
    fn die_events_carry_the_exit_code() {
        let ev = EventMessage {
            action: Some("die".into()),
            actor: Some(bollard::models::EventActor {
                id: Some("c".into()),
                attributes: Some(HashMap::from([("exitCode".to_string(), "3".to_string())])),
            }),
            ..Default::default()
        };
        assert_eq!(die_exit_code(&ev), Some(3));
        assert_eq!(die_exit_code(&EventMessage::default()), None);
    }

    #[test]
    fn status_lines_parse() {
        assert_eq!(http_status("HTTP/1.0 200 OK\r\n"), Some(200));
        assert_eq!(http_status("HTTP/1.1 404 Not Found\r\nX: y"), Some(404));
        assert_eq!(http_status("SSH-2.0-OpenSSH"), None);
        assert_eq!(http_status(""), None);
    }
}
