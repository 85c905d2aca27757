//! Connecting to a real engine, and failing fast and clearly when there is none.
#![cfg(unix)] // the engine tests run against a Linux engine over its unix socket
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use berth_core::docker::discovery::{Candidate, Endpoint, EndpointSource};
use berth_core::docker::Engine;
use berth_core::ErrorKind;

fn candidate(host: &str) -> Candidate {
    Candidate {
        endpoint: Endpoint::plain(host, EndpointSource::EnvDockerHost),
        present: true,
        problem: None,
    }
}

#[tokio::test]
async fn connects_and_reports_the_engine() {
    let e = engine_support::engine().await;
    let info = e.info().await.unwrap();
    assert!(!info.version.is_empty());
    assert!(
        berth_core::docker::api_at_least(&info.api_version, 1, 24),
        "{info:?}"
    );
    assert_eq!(info.os, "linux");
    assert!(!info.arch.is_empty());
    // Negotiation never speaks a newer API than the engine.
    assert!(berth_core::docker::api_at_least(&info.api_version, 1, 0));
    let neg: Vec<u32> = info
        .negotiated_api_version
        .split('.')
        .map(|p| p.parse().unwrap())
        .collect();
    assert!(berth_core::docker::api_at_least(
        &info.api_version,
        neg[0],
        neg[1]
    ));
}

#[tokio::test]
async fn a_socket_nobody_listens_on_fails_quickly_and_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("dead.sock");
    // A socket file whose listener is gone.
    drop(std::os::unix::net::UnixListener::bind(&sock).unwrap());
    assert!(sock.exists());
    let host = format!("unix://{}", sock.display());
    let err = Engine::connect_candidates(vec![candidate(&host)])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineUnavailable);
    let msg = err.to_string();
    assert!(msg.contains(&host), "{msg}");
    assert!(msg.contains("Start an engine"), "{msg}");
    assert!(msg.contains("colima start"), "{msg}");
}

#[tokio::test]
async fn a_closed_tcp_port_fails_quickly_and_clearly() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let host = format!("tcp://127.0.0.1:{port}");
    let err = Engine::connect_candidates(vec![candidate(&host)])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineUnavailable);
    assert!(err.to_string().contains(&host));
}

#[tokio::test]
async fn a_listener_that_never_answers_times_out() {
    // Accepts the connection but never replies: connect must give up after its timeout.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let host = format!("tcp://127.0.0.1:{port}");
    let err = Engine::connect_candidates(vec![candidate(&host)])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no answer within"), "{err}");
    drop(l);
}

#[tokio::test]
async fn absent_sockets_are_listed_not_tried() {
    let mut c = candidate("unix:///nonexistent/docker.sock");
    c.present = false;
    let err = Engine::connect_candidates(vec![c]).await.unwrap_err();
    assert!(
        err.to_string().contains(
            "unix:///nonexistent/docker.sock  [environment variable DOCKER_HOST]: no socket"
        ),
        "{err}"
    );
}
