//! `--host-ca` on a real build behind this machine's TLS-inspecting proxy: a base image that
//! trusts only the public roots (the python stand-in with its bundle regenerated from
//! Debian's ca-certificates) cannot `pip install` from PyPI; with `--host-ca` the same build
//! gets through, and nothing of the host's bundle is in the resulting image (no file in any
//! layer, the image's own bundle unchanged).
//!
//! Needs a running engine and the stand-ins (`make standins`); fails with the fix otherwise.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DOCKER: &str = "/usr/bin/docker";
const NOCA: &str = "berth-test/python-noca:3.12";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn docker(args: &[&str]) -> Output {
    Command::new(DOCKER).args(args).output().unwrap()
}

fn berth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-berth-config")
        .env("BERTH_BUILDER", "buildkit")
        .output()
        .unwrap()
}

/// The python stand-in with only Debian's public roots (the proxy's CA removed).
fn no_proxy_ca_image() {
    let o = docker(&["image", "inspect", "python:3.12-slim-bookworm"]);
    assert!(
        o.status.success(),
        "needs the stand-in images: run `make standins`\n{}",
        text(&o)
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM python:3.12-slim-bookworm\n\
         RUN update-ca-certificates --fresh >/dev/null \
         && cp /etc/ssl/certs/ca-certificates.crt /etc/ssl/berth-host-ca.crt\n",
    )
    .unwrap();
    let o = Command::new(DOCKER)
        .env("DOCKER_BUILDKIT", "1")
        .args([
            "build",
            "-q",
            "--label",
            "dev.berth.test=host-ca",
            "-t",
            NOCA,
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

fn file_in_image(image: &str, path: &str) -> String {
    let o = docker(&["run", "--rm", "--entrypoint", "cat", image, path]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every path in every layer of `image` (from `docker save`).
fn layer_paths(image: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("image.tar");
    let o = docker(&["save", "-o", tar.to_str().unwrap(), image]);
    assert!(o.status.success(), "{}", text(&o));
    let out = dir.path().join("x");
    std::fs::create_dir(&out).unwrap();
    let o = Command::new("tar")
        .arg("-xf")
        .arg(&tar)
        .arg("-C")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let mut paths = Vec::new();
    for entry in walk(&out) {
        if entry.file_name().is_some_and(|n| n == "layer.tar") {
            let o = Command::new("tar").arg("-tf").arg(&entry).output().unwrap();
            assert!(o.status.success(), "{}", text(&o));
            paths.extend(
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .map(str::to_string),
            );
        }
    }
    assert!(!paths.is_empty(), "no layers found in {image}");
    paths
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn host_ca_lets_a_build_through_the_proxy_and_stays_out_of_the_image() {
    let o = berth(&["engine"]);
    assert!(
        o.status.success(),
        "needs a running engine: run `bash scripts/start-dockerd.sh`\n{}",
        text(&o)
    );
    no_proxy_ca_image();
    let project = tempfile::tempdir().unwrap();
    let src = repo_root().join("tests/real/python-pip-flask-redis");
    let o = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", src.display()))
        .arg(project.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let folder = project.path().to_str().unwrap();
    let images = ["--builder-image", NOCA, "--runtime-image", NOCA];
    let off = "berth-test/host-ca:off";
    let on = "berth-test/host-ca:on";

    // Without the host's certificates pip meets the proxy's and gives up.
    let mut args = vec!["build", folder, "--plan-only", "--no-cache", "--tag", off];
    args.extend(images);
    let o = berth(&args);
    assert!(
        !o.status.success(),
        "built without the proxy's CA?\n{}",
        text(&o)
    );
    let t = text(&o);
    assert!(
        t.contains("CERTIFICATE_VERIFY_FAILED") || t.contains("certificate verify failed"),
        "{t}"
    );

    // With them it builds, and says where they came from.
    let mut args = vec!["build", folder, "--plan-only", "--host-ca", "--tag", on];
    args.extend(images);
    let o = berth(&args);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("CA certificate(s) of this machine"), "{t}");

    // Nothing of it in the image: no file in any layer, the image's bundle is the base's.
    let paths = layer_paths(on);
    let leaked: Vec<&String> = paths
        .iter()
        .filter(|p| p.contains("berth-host-ca.pem") || p.contains("run/berth/"))
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");
    for bundle in [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/ssl/berth-host-ca.crt",
    ] {
        assert_eq!(file_in_image(on, bundle), file_in_image(NOCA, bundle));
    }
    // The app's dependencies really were installed.
    let o = docker(&[
        "run",
        "--rm",
        "--entrypoint",
        "/opt/venv/bin/python",
        on,
        "-c",
        "import flask, redis; print('ok')",
    ]);
    assert!(o.status.success(), "{}", text(&o));

    // The folder was not touched: no bundle written there.
    assert!(!project.path().join(".berth-host-ca.pem").exists());
    for tag in [on, NOCA] {
        let _ = docker(&["image", "rm", "-f", tag]);
    }
}
