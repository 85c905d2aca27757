//! Waiting until a started container is healthy: the engine's HEALTHCHECK status (followed
//! through the event stream), else an HTTP probe of the health path on the published port,
//! else "still running". On failure the report carries the last log lines.

use super::{engine_err, Engine};
use crate::Result;
use bollard::models::HealthStatusEnum;
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
                            let action = ev.action.unwrap_or_default();
                            if action == "health_status: healthy" {
                                break done(true, "healthcheck passed".into());
                            }
                            if action == "die" {
                                let (_, _, exit, _) = state(self, container).await?;
                                break done(
                                    false,
                                    format!("the container exited (code {})", exit.unwrap_or(-1)),
                                );
                            }
                            // "health_status: unhealthy" only counts once retries are used up,
                            // which the engine reports as the status: keep waiting for healthy
                            // until the deadline.
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
                tokio::time::sleep(PROBE_INTERVAL).await;
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
    fn status_lines_parse() {
        assert_eq!(http_status("HTTP/1.0 200 OK\r\n"), Some(200));
        assert_eq!(http_status("HTTP/1.1 404 Not Found\r\nX: y"), Some(404));
        assert_eq!(http_status("SSH-2.0-OpenSSH"), None);
        assert_eq!(http_status(""), None);
    }
}
