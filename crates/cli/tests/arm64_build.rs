//! `berth build --platform linux/arm64` end to end on this amd64 machine: the real binary,
//! the real engine, QEMU registered through binfmt_misc (scripts/setup-debian.sh installs
//! qemu-user-static and binfmt-support). The image is FROM scratch with Debian's static arm64
//! busybox (scripts/arm64-busybox.sh downloads it with apt once and caches it), and has RUN
//! steps, so the build itself runs arm64 code. Fails, not skips, without an engine or QEMU.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DOCKER: &str = "/usr/bin/docker";

fn berth(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-berth-config")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn docker(args: &[&str]) -> String {
    let o = Command::new(DOCKER).args(args).output().unwrap();
    assert!(o.status.success(), "docker {args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// The static arm64 busybox, prepared (and cached) by scripts/arm64-busybox.sh.
fn arm64_busybox() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/arm64-busybox.sh");
    let o = Command::new("bash").arg(&script).output().unwrap();
    assert!(
        o.status.success(),
        "{} could not prepare the arm64 busybox (it needs apt and root the first time): {}",
        script.display(),
        text(&o)
    );
    PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
}

/// A folder with the arm64 busybox and a Dockerfile whose RUN steps run arm64 binaries;
/// removes what was built from it (by the project label) on drop.
struct Project {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Project {
    fn new() -> Project {
        Project::with(
            "FROM scratch\n\
             COPY busybox /bin/busybox\n\
             RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
             RUN uname -m > /built-on\n\
             USER 65534\n\
             CMD [\"/bin/uname\", \"-m\"]\n",
        )
    }

    /// The arm64 busybox as `busybox`, this machine's as `busybox-native`, and `dockerfile`.
    fn with(dockerfile: &str) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("berth-arm64-")
            .tempdir()
            .unwrap();
        let path = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::copy(arm64_busybox(), path.join("busybox")).unwrap();
        std::fs::copy("/bin/busybox", path.join("busybox-native"))
            .expect("busybox-static at /bin/busybox");
        std::fs::write(path.join("Dockerfile"), dockerfile).unwrap();
        Project { _dir: dir, path }
    }
    fn p(&self) -> &str {
        self.path.to_str().unwrap()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let filter = format!("label=dev.berth.project={}", self.path.display());
        for (list, rm) in [
            (&["ps", "-aq"][..], &["rm", "-f"][..]),
            (&["images", "-q"][..], &["rmi", "-f"][..]),
        ] {
            let o = Command::new(DOCKER)
                .args(list)
                .args(["--filter", &filter])
                .output()
                .unwrap();
            let ids: Vec<String> = String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if !ids.is_empty() {
                let _ = Command::new(DOCKER).args(rm).args(&ids).output();
            }
        }
    }
}

/// Build for linux/arm64 with `builder` and check the image is arm64 and runs as aarch64.
fn builds_and_runs_arm64(builder: &str) {
    let p = Project::new();
    let tag = format!(
        "{}:{builder}",
        p.path.file_name().unwrap().to_string_lossy().to_lowercase()
    );
    let o = berth(
        &[
            "build",
            p.p(),
            "--platform",
            "linux/arm64",
            "--tag",
            &tag,
            "--json",
        ],
        &[("BERTH_BUILDER", builder)],
    );
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["platform"], "linux/arm64", "{report}");
    assert_eq!(report["builder"], builder, "{report}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("under emulation") && stderr.contains("qemu-aarch64"),
        "the build says how arm64 runs here: {stderr}"
    );
    assert_eq!(
        docker(&["image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", &tag]),
        "linux/arm64"
    );
    // What the RUN step saw during the build, and what the container sees when it runs.
    assert_eq!(
        docker(&["run", "--rm", "--network", "none", &tag, "cat", "/built-on"]),
        "aarch64"
    );
    assert_eq!(
        docker(&["run", "--rm", "--network", "none", &tag]),
        "aarch64"
    );
}

#[test]
fn an_arm64_image_builds_with_buildkit_and_runs_on_this_machine() {
    builds_and_runs_arm64("buildkit");
}

#[test]
fn an_arm64_image_builds_with_the_classic_builder_too() {
    builds_and_runs_arm64("classic");
}

#[test]
fn a_platform_berth_does_not_know_is_refused_with_the_expected_form() {
    let p = Project::new();
    let o = berth(&["build", p.p(), "--platform", "linux/sparc9"], &[]);
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown architecture") && err.contains("linux/arm64"),
        "{err}"
    );
}

/// What Berth's generated Dockerfiles rely on to cross-compile (templates/partials/macros.j2):
/// a `FROM --platform=$BUILDPLATFORM` stage runs natively (x86_64 here) and sees the target in
/// TARGETOS/TARGETARCH, and only the final stage is of the target platform.
#[test]
fn a_buildplatform_stage_runs_natively_and_sees_the_target_architecture() {
    let p = Project::with(
        "FROM --platform=$BUILDPLATFORM scratch AS build\n\
         ARG TARGETOS\n\
         ARG TARGETARCH\n\
         COPY busybox-native /bin/busybox\n\
         RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         RUN echo \"$(uname -m) $TARGETOS/$TARGETARCH\" > /out\n\
         FROM scratch\n\
         COPY busybox /bin/busybox\n\
         COPY --from=build /out /build-stage\n\
         USER 65534\n\
         CMD [\"/bin/busybox\", \"cat\", \"/build-stage\"]\n",
    );
    let tag = format!(
        "{}:cross",
        p.path.file_name().unwrap().to_string_lossy().to_lowercase()
    );
    let o = berth(
        &[
            "build",
            p.p(),
            "--platform",
            "linux/arm64",
            "--tag",
            &tag,
            "--json",
        ],
        &[("BERTH_BUILDER", "buildkit")],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        docker(&["image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", &tag]),
        "linux/arm64"
    );
    assert_eq!(
        docker(&["run", "--rm", "--network", "none", &tag]),
        format!("{} linux/arm64", std::env::consts::ARCH),
        "the build stage ran natively and was told the target"
    );
}

/// `berth up --platform linux/arm64`: the arm64 image is built, started and healthy (its
/// HEALTHCHECK and its httpd are arm64 busybox under QEMU), and answers on the host port.
#[test]
fn up_runs_an_arm64_app_until_healthy() {
    let p = Project::with(
        "FROM scratch\n\
         COPY busybox /bin/busybox\n\
         RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         RUN mkdir -p /www && uname -m > /www/index.html && echo ok > /www/health\n\
         USER 65534\n\
         EXPOSE 8080\n\
         HEALTHCHECK --interval=1s --timeout=5s --retries=20 CMD [\"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"-\", \"http://127.0.0.1:8080/health\"]\n\
         CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
    );
    let o = berth(
        &[
            "up",
            p.p(),
            "--platform",
            "linux/arm64",
            "--runner",
            "single",
            "--timeout",
            "120",
            "--json",
        ],
        &[],
    );
    // Whatever happens, the project's Drop removes its containers and images (by label).
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["healthy"], true, "{v}");
    let name = v["container"].as_str().unwrap().to_string();
    let image = docker(&["inspect", "-f", "{{.Image}}", &name]);
    assert_eq!(
        docker(&["image", "inspect", "-f", "{{.Architecture}}", &image]),
        "arm64"
    );
    let port = u16::try_from(v["host_port"].as_u64().unwrap()).unwrap();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    assert!(body.ends_with("aarch64\n"), "{body}");
    let down = berth(&["down", p.p()], &[]);
    assert!(down.status.success(), "{}", text(&down));
}

/// Without a usable QEMU entry the build is refused before anything is built, with the fix.
/// BERTH_BINFMT_DIR points Berth at a stand-in binfmt_misc folder (this machine has QEMU).
#[test]
fn without_qemu_the_build_is_refused_with_how_to_enable_it() {
    let p = Project::new();
    let binfmt = tempfile::tempdir().unwrap();
    let dir = binfmt.path().to_str().unwrap();
    let refused = |why: &str| {
        let o = berth(
            &["build", p.p(), "--platform", "linux/arm64"],
            &[("BERTH_BINFMT_DIR", dir)],
        );
        assert!(!o.status.success(), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("cannot build for linux/arm64"), "{err}");
        assert!(err.contains(why), "{err}");
        assert!(
            err.contains("apt-get install qemu-user-static binfmt-support")
                && err.contains("tonistiigi/binfmt --install arm64"),
            "{err}"
        );
        assert!(
            !err.contains("context:"),
            "nothing was sent to the engine: {err}"
        );
    };
    refused("binfmt_misc is not mounted");
    std::fs::write(binfmt.path().join("status"), "enabled\n").unwrap();
    refused("qemu-aarch64 is missing");
    std::fs::write(binfmt.path().join("qemu-aarch64"), "disabled\nflags: PF\n").unwrap();
    refused("is disabled");
    // Nothing was built for the folder.
    let filter = format!("label=dev.berth.project={}", p.path.display());
    assert_eq!(docker(&["images", "-q", "--filter", &filter]), "");
}

/// Berth's generated Rust Dockerfile cross-compiles (templates/rust/Dockerfile.j2): its build
/// stage runs on this machine's platform (the amd64 `rust` stand-in of `make standins`), adds
/// rustup's arm64 target and Debian's cross gcc, and leaves an aarch64 binary in /out. Its
/// runtime stage would need arm64 images of debian:bookworm-slim and busybox, which this
/// machine has no registry for, so the test exports the build stage (/out and the cross
/// sysroot) and runs the binary under QEMU. The same project's native image is built and
/// served by real_builds.rs (`rust_server_is_compiled_and_serves_its_page`).
#[test]
fn the_generated_rust_dockerfile_cross_compiles_for_arm64() {
    let dir = tempfile::Builder::new()
        .prefix("berth-rust-cross-")
        .tempdir()
        .unwrap();
    let project = dir.path().join("project");
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/real/rust-std-server");
    std::fs::create_dir_all(project.join("src")).unwrap();
    for f in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
        std::fs::copy(real.join(f), project.join(f)).unwrap();
    }
    let o = berth(
        &[
            "containerize",
            project.to_str().unwrap(),
            "--no-environments",
            "--json",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let dockerfile = std::fs::read_to_string(project.join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("FROM --platform=$BUILDPLATFORM rust:"),
        "{dockerfile}"
    );
    let export = dir.path().join("export.Dockerfile");
    std::fs::write(
        &export,
        format!(
            "{dockerfile}\nFROM scratch AS export\n\
             COPY --from=build /out /out\n\
             COPY --from=build /usr/aarch64-linux-gnu /sysroot\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = Command::new(DOCKER)
        .args(["build", "--platform", "linux/arm64", "--target", "export"])
        .arg("-f")
        .arg(&export)
        .arg("-o")
        .arg(format!("type=local,dest={}", out.display()))
        .arg(&project)
        .env("DOCKER_BUILDKIT", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "docker build: {}", text(&o));
    let bin = out.join("out/archserver");
    let head = std::fs::read(&bin).unwrap();
    assert_eq!(&head[..4], b"\x7fELF", "not an ELF file");
    // e_machine, little-endian at offset 18: 183 is EM_AARCH64 (62 would be x86-64).
    assert_eq!(u16::from_le_bytes([head[18], head[19]]), 183, "not aarch64");
    let o = Command::new("qemu-aarch64-static")
        .arg("-L")
        .arg(out.join("sysroot"))
        .arg(&bin)
        .arg("--arch")
        .output()
        .expect("qemu-aarch64-static (apt-get install qemu-user-static)");
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "rust-std-server says hello from aarch64"
    );
}
