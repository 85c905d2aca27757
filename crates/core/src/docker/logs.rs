//! Container logs with timestamps, as a stream (follow) or the last lines.

use super::{engine_err, is_not_found, Engine};
use crate::{Error, Result};
use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptions;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LogLine {
    pub stream: LogStream,
    /// RFC 3339 with nanoseconds, as the engine stamps it.
    pub timestamp: Option<String>,
    pub text: String,
}

impl std::fmt::Display for LogLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.timestamp {
            Some(t) => write!(f, "{t} {}", self.text),
            None => write!(f, "{}", self.text),
        }
    }
}

/// Split `2024-05-01T10:00:00.123456789Z message` into timestamp and text (pure).
pub fn split_timestamp(raw: &str) -> (Option<String>, String) {
    let raw = raw.trim_end_matches(['\n', '\r']);
    match raw.split_once(' ') {
        Some((ts, rest))
            if ts.len() >= 20
                && ts.as_bytes().get(4) == Some(&b'-')
                && ts.as_bytes().get(10) == Some(&b'T') =>
        {
            (Some(ts.to_string()), rest.to_string())
        }
        _ => (None, raw.to_string()),
    }
}

fn to_lines(out: LogOutput) -> Vec<LogLine> {
    let (stream, bytes) = match out {
        LogOutput::StdErr { message } => (LogStream::Stderr, message),
        LogOutput::StdOut { message } | LogOutput::Console { message } => {
            (LogStream::Stdout, message)
        }
        LogOutput::StdIn { message } => (LogStream::Stdout, message),
    };
    String::from_utf8_lossy(&bytes)
        .lines()
        .map(|l| {
            let (timestamp, text) = split_timestamp(l);
            LogLine {
                stream,
                timestamp,
                text,
            }
        })
        .collect()
}

impl Engine {
    /// The container's log, with timestamps; `follow` keeps the stream open for new lines;
    /// `tail` limits the backlog to the last n lines.
    pub fn logs(
        &self,
        name: &str,
        follow: bool,
        tail: Option<usize>,
    ) -> impl Stream<Item = Result<LogLine>> + Send + 'static {
        let opts = LogsOptions {
            follow,
            stdout: true,
            stderr: true,
            timestamps: true,
            tail: tail.map(|n| n.to_string()).unwrap_or_else(|| "all".into()),
            ..Default::default()
        };
        let name = name.to_string();
        self.docker()
            .logs(&name, Some(opts))
            .map(move |item| match item {
                Ok(out) => Ok(futures_util::stream::iter(
                    to_lines(out).into_iter().map(Ok),
                )),
                Err(e) if is_not_found(&e) => {
                    Err(Error::NotFound(format!("container {name}").into()))
                }
                Err(e) => Err(engine_err(e)),
            })
            .flat_map(|r| match r {
                Ok(s) => s.left_stream(),
                Err(e) => futures_util::stream::once(async move { Err(e) }).right_stream(),
            })
    }

    /// The last `n` log lines.
    pub async fn last_logs(&self, name: &str, n: usize) -> Result<Vec<LogLine>> {
        let mut s = Box::pin(self.logs(name, false, Some(n)));
        let mut out = Vec::new();
        while let Some(l) = s.next().await {
            out.push(l?);
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_split() {
        let (t, m) = split_timestamp("2024-05-01T10:00:00.123456789Z hello world\n");
        assert_eq!(t.as_deref(), Some("2024-05-01T10:00:00.123456789Z"));
        assert_eq!(m, "hello world");
        let (t, m) = split_timestamp("plain line");
        assert_eq!(t, None);
        assert_eq!(m, "plain line");
    }
}
