#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::stacks::{Detection, Service, Stack};
use crate::ErrorKind;

fn detection(stack: Stack) -> Detection {
    Detection {
        start_command: vec!["run".into()],
        ..Detection::empty(stack)
    }
}

fn plan(stack: Stack) -> Plan {
    Plan::from_detection(&detection(stack))
}

fn invalid(p: &Plan) -> String {
    let e = p.validate().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidPlan);
    e.to_string()
}

#[test]
fn default_images_are_pinned_slim_bases() {
    let cases = [
        (
            Stack::Python,
            Some("python:3.12-slim-bookworm"),
            "python:3.12-slim-bookworm",
        ),
        (
            Stack::Node,
            Some("node:22-bookworm-slim"),
            "node:22-bookworm-slim",
        ),
        (
            Stack::Go,
            Some("golang:1.23-bookworm"),
            "gcr.io/distroless/static-debian12:nonroot",
        ),
        (
            Stack::Rust,
            Some("rust:1.83-slim-bookworm"),
            "debian:bookworm-slim",
        ),
        (Stack::Ruby, None, "ruby:3.3-slim-bookworm"),
        (Stack::Php, None, "php:8.3-apache"),
        (
            Stack::Dotnet,
            Some("mcr.microsoft.com/dotnet/sdk:8.0"),
            "mcr.microsoft.com/dotnet/aspnet:8.0-bookworm-slim",
        ),
        (
            Stack::Static,
            None,
            "nginxinc/nginx-unprivileged:1.27-alpine",
        ),
    ];
    for (stack, builder, runtime) in cases {
        let p = plan(stack);
        assert_eq!(p.builder_image.as_deref(), builder, "{stack:?}");
        assert_eq!(p.runtime_image, runtime, "{stack:?}");
        p.validate().unwrap();
    }
    let mut d = detection(Stack::Java);
    d.package_manager = Some("maven".into());
    d.hints.insert("wrapper".into(), "true".into());
    let p = Plan::from_detection(&d);
    assert_eq!(p.builder_image.as_deref(), Some("eclipse-temurin:21-jdk"));
    assert_eq!(p.runtime_image, "eclipse-temurin:21-jre");
}

#[test]
fn language_versions_map_to_image_tags() {
    let v = |stack, raw: &str| {
        let mut d = detection(stack);
        d.language_version = Some(raw.into());
        Plan::from_detection(&d).runtime_image
    };
    // A range the default satisfies gives the default; one it does not, its lowest.
    assert_eq!(v(Stack::Python, ">=3.10,<4"), "python:3.12-slim-bookworm");
    assert_eq!(v(Stack::Python, ">=3.10,<3.12"), "python:3.10-slim-bookworm");
    assert_eq!(v(Stack::Node, ">=18"), "node:22-bookworm-slim");
    assert_eq!(v(Stack::Python, "3.11.4"), "python:3.11-slim-bookworm");
    assert_eq!(v(Stack::Python, "2.7"), "python:3.12-slim-bookworm");
    assert_eq!(v(Stack::Node, "^20.11.0"), "node:20-bookworm-slim");
    assert_eq!(v(Stack::Node, "lts/*"), "node:22-bookworm-slim");
    assert_eq!(v(Stack::Ruby, "ruby-3.2.2"), "ruby:3.2-slim-bookworm");
    assert_eq!(v(Stack::Java, "17"), "eclipse-temurin:17-jre");
    assert_eq!(
        v(Stack::Dotnet, "net9.0"),
        "mcr.microsoft.com/dotnet/aspnet:9.0-bookworm-slim"
    );
}

#[test]
fn services_get_images_and_wiring() {
    let mut d = detection(Stack::Python);
    d.services = vec![Service::Postgres, Service::Redis, Service::Redis];
    let p = Plan::from_detection(&d);
    let kinds: Vec<Service> = p.services.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [Service::Redis, Service::Postgres]);
    assert_eq!(p.services[0].image, "redis:7-alpine");
    assert_eq!(p.services[1].image, "postgres:16-alpine");
    assert_eq!(p.env["REDIS_URL"], "redis://redis:6379/0");
    assert_eq!(
        p.env["DATABASE_URL"],
        "postgres://app:app@postgres:5432/app"
    );
    assert_eq!(p.env["PORT"], "8000");
}

#[test]
fn validate_rejects_bad_edits() {
    let good = plan(Stack::Python);
    good.validate().unwrap();

    let mut p = good.clone();
    p.port = 0;
    assert!(invalid(&p).contains("port"));

    let mut p = good.clone();
    p.start_command.clear();
    assert!(invalid(&p).contains("start command"));

    for image in [
        "python",
        "python:latest",
        "Python:3.12",
        "python:3.12 AS x",
        "python:3.12\nRUN id",
        "-python:3",
        "reg.io/a//b:1",
    ] {
        let mut p = good.clone();
        p.runtime_image = image.into();
        assert!(invalid(&p).contains("image"), "{image:?} accepted");
    }
    for image in [
        "python:3.12-slim-bookworm",
        "localhost:5000/team/app:1.0",
        "gcr.io/distroless/static-debian12:nonroot",
        "redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        assert!(is_valid_image_ref(image), "{image:?} rejected");
    }

    let mut p = good.clone();
    p.env.insert("OK".into(), "line\nbreak".into());
    assert!(invalid(&p).contains("plan.env.OK"));

    let mut p = good.clone();
    p.framework = Some("flask\r".into());
    assert!(invalid(&p).contains("control character"));

    let mut p = good.clone();
    p.env.insert("BAD-NAME".into(), "x".into());
    assert!(invalid(&p).contains("BAD-NAME"));

    let mut p = good.clone();
    p.user = "root".into();
    assert!(invalid(&p).contains("non-root"));

    let mut p = good.clone();
    p.name = "My App".into();
    assert!(invalid(&p).contains("name"));

    let mut p = good.clone();
    p.manifests.push("../secret".into());
    assert!(invalid(&p).contains("manifest"));

    let mut p = good.clone();
    p.registry_prefix = Some("mirror.example.com/hub x".into());
    assert!(invalid(&p).contains("registry prefix"));

    let mut p = good.clone();
    p.limits.memory = "lots".into();
    assert!(invalid(&p).contains("memory"));

    let mut p = good;
    p.limits.cpus = "-1".into();
    assert!(invalid(&p).contains("cpu"));
}

#[test]
fn registry_prefix_applies_to_docker_hub_images_only() {
    let prefix = Some("mirror.example.com/hub/");
    assert_eq!(
        apply_prefix(prefix, "python:3.12-slim-bookworm"),
        "mirror.example.com/hub/python:3.12-slim-bookworm"
    );
    assert_eq!(
        apply_prefix(prefix, "nginxinc/nginx-unprivileged:1.27-alpine"),
        "mirror.example.com/hub/nginxinc/nginx-unprivileged:1.27-alpine"
    );
    assert_eq!(
        apply_prefix(prefix, "gcr.io/distroless/static-debian12:nonroot"),
        "gcr.io/distroless/static-debian12:nonroot"
    );
    assert_eq!(apply_prefix(None, "redis:7-alpine"), "redis:7-alpine");
    let mut p = plan(Stack::Go);
    p.registry_prefix = Some("mirror.example.com:5000/hub".into());
    p.validate().unwrap();
}

#[test]
fn sanitize_name_keeps_compose_project_names_valid() {
    assert_eq!(sanitize_name("My Project!"), "my-project");
    assert_eq!(sanitize_name("__x__"), "x");
    assert_eq!(sanitize_name("日本"), "app");
    assert_eq!(sanitize_name("a\n  privileged: true"), "a-privileged-true");
}

#[test]
fn health_probe_uses_a_tool_of_the_runtime_image() {
    let probe = |stack| {
        let mut d = detection(stack);
        d.health_path = Some("/health".into());
        let p = Plan::from_detection(&d);
        (p.health_argv().unwrap(), p.needs_busybox())
    };
    assert_eq!(probe(Stack::Python).0[0], "python");
    assert_eq!(probe(Stack::Node).0[0], "node");
    assert_eq!(probe(Stack::Ruby).0[0], "ruby");
    assert_eq!(probe(Stack::Php).0[0], "curl");
    assert_eq!(probe(Stack::Static).0[0], "wget");
    for stack in [Stack::Go, Stack::Rust, Stack::Java, Stack::Dotnet] {
        let (argv, busybox) = probe(stack);
        assert_eq!(argv[0], BUSYBOX_PATH, "{stack:?}");
        assert!(busybox, "{stack:?}");
        assert!(argv.last().unwrap().ends_with("/health"));
    }
    assert!(!probe(Stack::Python).1);
    // No health path: no probe at all (static sites probe `/`).
    assert!(plan(Stack::Python).health_argv().is_none());
    assert!(plan(Stack::Static).health_argv().is_some());
}
