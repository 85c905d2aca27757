//! Unit tests of the runtime rules (pure).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn ids(s: &RuntimeSettings) -> Vec<&'static str> {
    check(s).iter().map(|h| h.rule.id).collect()
}

#[test]
fn a_hardened_service_has_only_informational_hits() {
    let s = RuntimeSettings {
        image: Some("postgres:16-alpine".into()),
        security_opt: vec!["no-new-privileges:true".into()],
        memory_limited: true,
        pids_limited: true,
        read_only: true,
        restart: Some("unless-stopped".into()),
        health: Health::Defined,
        env: vec![("POSTGRES_PASSWORD".into(), "${POSTGRES_PASSWORD}".into())],
        ..Default::default()
    };
    assert!(check(&s).is_empty(), "{:?}", check(&s));
}

#[test]
fn dangerous_settings_fire_their_rules() {
    let s = RuntimeSettings {
        image: Some("redis".into()),
        privileged: true,
        network_mode: Some("host".into()),
        pid: Some("host".into()),
        cap_add: vec!["SYS_ADMIN".into(), "NET_BIND_SERVICE".into()],
        security_opt: vec!["seccomp=unconfined".into(), "apparmor:unconfined".into()],
        mounts: vec![
            HostMount {
                source: "/var/run/docker.sock".into(),
                target: "/var/run/docker.sock".into(),
                propagation: None,
            },
            HostMount {
                source: "/".into(),
                target: "/host".into(),
                propagation: Some("rshared".into()),
            },
            HostMount {
                source: "./src".into(),
                target: "/app".into(),
                propagation: None,
            },
        ],
        ports: vec![Published {
            host_ip: None,
            host_port: Some(6379),
            container_port: 6379,
        }],
        user: Some("root".into()),
        env: vec![
            ("AWS_ACCESS_KEY_ID".into(), "AKIAIOSFODNN7EXAMPLE".into()),
            ("API_TOKEN".into(), "s3cr3t-value".into()),
            ("DATABASE_URL".into(), "postgres://app:app@db/app".into()),
        ],
        ..Default::default()
    };
    let got = ids(&s);
    for want in [
        "BERTH-RT-001",
        "BERTH-RT-002",
        "BERTH-RT-003",
        "BERTH-RT-007",
        "BERTH-RT-008",
        "BERTH-RT-009",
        "BERTH-RT-010",
        "BERTH-RT-011",
        "BERTH-RT-022",
        "BERTH-RT-013",
        "BERTH-RT-017",
        "BERTH-RT-024",
        "BERTH-RT-025",
        "BERTH-RT-012",
        "BERTH-RT-026",
    ] {
        assert!(got.contains(&want), "{want} missing from {got:?}");
    }
    // NET_BIND_SERVICE is not dangerous; ./src is not sensitive.
    assert_eq!(got.iter().filter(|i| **i == "BERTH-RT-007").count(), 1);
    assert_eq!(got.iter().filter(|i| **i == "BERTH-RT-011").count(), 1);
}

#[test]
fn sensitive_paths() {
    for p in [
        "/",
        "/etc",
        "/etc/passwd",
        "/proc",
        "/var/lib/docker",
        "/root/.ssh",
    ] {
        assert!(sensitive(p), "{p}");
    }
    for p in [
        "/srv/data",
        "./data",
        "/home/me/project",
        "/run/user/1000/x",
        "/usr2",
    ] {
        assert!(!sensitive(p), "{p}");
    }
}
