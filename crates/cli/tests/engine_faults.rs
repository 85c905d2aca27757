//! A frozen engine: a socket that accepts and never answers, and one that answers the ping
//! but then hangs. `berth` must fail with a clear message instead of waiting (the process is
//! killed after a minute as a hang detector; the request timeouts are seconds).
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Run `berth args` with `DOCKER_HOST` at `sock`; None when it had to be killed (a hang).
fn berth_against(sock: &std::path::Path, args: &[&str]) -> Option<Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .env("DOCKER_HOST", format!("unix://{}", sock.display()))
        .env("BERTH_ENGINE_TIMEOUT_SECS", "2")
        .env("XDG_CONFIG_HOME", "/nonexistent-berth-config")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_socket_that_never_answers_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("frozen.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    // Accept and hold every connection without a byte in reply.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming() {
            held.push(c);
        }
    });
    let o = berth_against(&sock, &["ps"]).expect("berth ps hung on a frozen engine");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no answer within"), "{err}");
    assert!(err.contains("frozen.sock"), "{err}");
}

/// Answers `/_ping` and `/version` like an engine, then never answers anything else.
fn half_frozen(listener: UnixListener) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                // Skip the headers.
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                }
                let body = if path.ends_with("/_ping") {
                    "OK".to_string()
                } else if path.ends_with("/version") {
                    r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64"}"#.to_string()
                } else {
                    // Frozen from here on: hold the connection, answer nothing.
                    std::thread::sleep(Duration::from_secs(3600));
                    return;
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
            }
        });
    }
}

#[test]
fn an_engine_that_freezes_after_the_ping_fails_each_call_within_the_request_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("half.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    std::thread::spawn(move || half_frozen(listener));
    for args in [&["ps"][..], &["stop", "some-container"][..]] {
        let o = berth_against(&sock, args).unwrap_or_else(|| panic!("berth {args:?} hung"));
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("did not answer within 2 s"), "{args:?}: {err}");
    }
}
