//! The bench's requests: plain HTTP/1.1 GETs on loopback (127.0.0.1 only), a fresh
//! connection each (`Connection: close`), the whole answer read. Waiting for the first
//! answer after a start, then a fixed number of requests under a time limit.

use crate::docker::health::http_status;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Pause between start-up probes: the start-up time is known to within this.
pub const PROBE_EVERY: Duration = Duration::from_millis(20);
/// One request's limit (connect, send, the whole answer).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// At most this much of an answer is read (then the connection is dropped).
const READ_CAP: usize = 1024 * 1024;

/// What the bench requests and what counts as an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub port: u16,
    /// The health path, or `/`.
    pub path: String,
    /// Any HTTP status counts (`/` of an app without a health path); else 2xx/3xx only.
    pub any_status: bool,
}

impl Target {
    /// Whether an answer with `status` counts (pure).
    pub fn accepts(&self, status: u16) -> bool {
        self.any_status || (200..400).contains(&status)
    }

    /// The URL, for the report.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, self.path)
    }
}

/// The request bytes of a GET of `path` on loopback `port` (pure).
pub fn request_bytes(port: u16, path: &str) -> String {
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: berth-bench\r\n\
         Accept: */*\r\nConnection: close\r\n\r\n"
    )
}

/// One GET: the answer's status, or None (refused, reset, no HTTP, too slow).
pub async fn get(t: &Target) -> Option<u16> {
    tokio::time::timeout(REQUEST_TIMEOUT, async {
        let mut s = TcpStream::connect(("127.0.0.1", t.port)).await.ok()?;
        s.set_nodelay(true).ok()?;
        s.write_all(request_bytes(t.port, &t.path).as_bytes())
            .await
            .ok()?;
        let mut buf = Vec::with_capacity(4096);
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 || buf.len() >= READ_CAP {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let head_end = buf.len().min(256);
        http_status(&String::from_utf8_lossy(&buf[..head_end]))
    })
    .await
    .ok()
    .flatten()
}

/// Probe `t` every [`PROBE_EVERY`] until it answers (Ok), `timeout` passes, or `gone`
/// says why the app will never answer (it exited). The caller times it.
pub async fn first_answer(
    t: &Target,
    timeout: Duration,
    mut gone: impl FnMut() -> Option<String>,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    let mut last = None;
    loop {
        if let Some(why) = gone() {
            return Err(why);
        }
        match get(t).await {
            Some(s) if t.accepts(s) => return Ok(()),
            other => last = other.or(last),
        }
        if Instant::now() >= deadline {
            return Err(match last {
                Some(s) => format!(
                    "{} answered only HTTP {s} within {} s",
                    t.url(),
                    timeout.as_secs()
                ),
                None => format!("{} did not answer within {} s", t.url(), timeout.as_secs()),
            });
        }
        tokio::time::sleep(PROBE_EVERY).await;
    }
}

/// What a run of requests measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadResult {
    /// Latency of each answered request (ms), in completion order.
    pub samples_ms: Vec<f64>,
    /// Requests with no acceptable answer.
    pub failed: u32,
    /// From the first request sent to the last answer.
    pub elapsed_ms: f64,
    /// The time limit stopped it before every request was sent.
    pub timed_out: bool,
}

/// Send `requests` GETs, `concurrency` at a time, within `limit`; `on_done(done)` after
/// each (done counts answered and failed).
pub async fn run(
    t: &Target,
    requests: u32,
    concurrency: u32,
    limit: Duration,
    on_done: impl FnMut(u32) + Send,
) -> LoadResult {
    let next = AtomicU32::new(0);
    let done = AtomicU32::new(0);
    let failed = AtomicU32::new(0);
    let samples = Mutex::new(Vec::with_capacity(requests as usize));
    let on_done = Mutex::new(on_done);
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + limit;
    let worker = || async {
        while next.fetch_add(1, Ordering::SeqCst) < requests {
            let sent = Instant::now();
            let answer = tokio::time::timeout_at(deadline, get(t)).await;
            let Ok(answer) = answer else { break };
            match answer {
                Some(s) if t.accepts(s) => {
                    let ms = sent.elapsed().as_secs_f64() * 1000.0;
                    lock(&samples).push(ms);
                }
                _ => {
                    failed.fetch_add(1, Ordering::SeqCst);
                }
            }
            let n = done.fetch_add(1, Ordering::SeqCst) + 1;
            (lock(&on_done))(n);
        }
    };
    futures_util::future::join_all((0..concurrency.max(1)).map(|_| worker())).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let finished = done.load(Ordering::SeqCst);
    LoadResult {
        samples_ms: samples.into_inner().unwrap_or_else(|p| p.into_inner()),
        failed: failed.load(Ordering::SeqCst),
        elapsed_ms,
        timed_out: finished < requests,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_loopback_gets_that_close() {
        let r = request_bytes(8080, "health");
        assert!(
            r.starts_with("GET /health HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"),
            "{r}"
        );
        assert!(r.ends_with("Connection: close\r\n\r\n"), "{r}");
        let t = Target {
            port: 1,
            path: "/".into(),
            any_status: false,
        };
        assert!(t.accepts(200) && t.accepts(302) && !t.accepts(404) && !t.accepts(500));
        assert!(Target {
            any_status: true,
            ..t.clone()
        }
        .accepts(404));
        assert_eq!(t.url(), "http://127.0.0.1:1/");
    }

    /// A real server on loopback: every request answered and counted, 404s refused.
    #[tokio::test]
    async fn a_fixed_number_of_requests_against_a_real_server() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let n = s.read(&mut buf).await.unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]).to_string();
                    let status = if req.starts_with("GET /ok ") {
                        "200 OK"
                    } else {
                        "404 Not Found"
                    };
                    let _ = s
                        .write_all(
                            format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\n\r\nhi").as_bytes(),
                        )
                        .await;
                });
            }
        });
        let ok = Target {
            port,
            path: "/ok".into(),
            any_status: false,
        };
        first_answer(&ok, Duration::from_secs(10), || None)
            .await
            .unwrap();
        let mut seen = Vec::new();
        let r = run(&ok, 30, 3, Duration::from_secs(60), |n| seen.push(n)).await;
        assert_eq!(r.samples_ms.len(), 30);
        assert_eq!(r.failed, 0);
        assert!(!r.timed_out);
        seen.sort_unstable();
        assert_eq!(seen, (1..=30).collect::<Vec<_>>());
        let missing = Target {
            path: "/missing".into(),
            ..ok
        };
        let r = run(&missing, 5, 1, Duration::from_secs(60), |_| {}).await;
        assert_eq!((r.samples_ms.len(), r.failed), (0, 5));
        let e = first_answer(&missing, Duration::from_millis(100), || None)
            .await
            .unwrap_err();
        assert!(e.contains("answered only HTTP 404"), "{e}");
        let e = first_answer(&missing, Duration::from_secs(10), || {
            Some("it exited".into())
        })
        .await
        .unwrap_err();
        assert_eq!(e, "it exited");
    }
}
