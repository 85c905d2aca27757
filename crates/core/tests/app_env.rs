//! `berth up --env dev|prod` against the real engine (start it with
//! `bash scripts/start-dockerd.sh`; these tests fail, never skip, without one): a busybox
//! httpd project (`FROM scratch` + /bin/busybox, no registry) with only a Dockerfile gets
//! Berth's built-in dev/prod settings; a compose folder gets its compose.<env>.yaml merged.
//! Every container and image is removed by label on drop.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use berth_core::app::{self, RunRequest};
use berth_core::docker::CancellationToken;
use berth_core::environment::Environment;
use berth_core::render::Templates;
use berth_core::runner::{RunReport, RunnerChoice, RunnerKind};
use engine_support::{engine, TestProject, DOCKER};
use std::path::Path;
use std::process::Command;

/// busybox httpd serving its WORKDIR /www on `port`, with a HEALTHCHECK when `health`.
fn dockerfile(port: u16, health: bool) -> String {
    let mut s = format!(
        "FROM scratch\nCOPY busybox /bin/busybox\n\
         RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox --install -s /bin && mkdir -p /www && echo image > /www/index.html && echo ok > /www/health\"]\n\
         WORKDIR /www\nUSER 65534\nEXPOSE {port}\n"
    );
    if health {
        s.push_str(&format!(
            "HEALTHCHECK --interval=1s --timeout=2s --retries=3 CMD [\"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"-\", \"http://127.0.0.1:{port}/health\"]\n"
        ));
    }
    s.push_str(&format!(
        "CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"{port}\", \"-h\", \"/www\"]\n"
    ));
    s
}

fn inspect(container: &str, format: &str) -> String {
    let o = Command::new(DOCKER)
        .args(["inspect", "-f", format, container])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn get(port: u16, path: &str) -> String {
    let o = Command::new("/bin/busybox")
        .args([
            "wget",
            "-q",
            "-O",
            "-",
            &format!("http://127.0.0.1:{port}{path}"),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

async fn up(root: &Path, env: Environment, runner: RunnerChoice) -> berth_core::Result<RunReport> {
    let e = engine().await;
    let mut req = RunRequest {
        folder: root.to_path_buf(),
        runner,
        ..Default::default()
    };
    req.options.env = Some(env);
    app::up(
        &e,
        &req,
        &Templates::embedded(),
        |_| {},
        CancellationToken::new(),
    )
    .await
}

#[tokio::test]
async fn a_dockerfile_folder_runs_with_the_built_in_dev_and_prod_settings() {
    let p = TestProject::new(&dockerfile(18761, true));
    std::fs::write(p.path().join("index.html"), "from the host folder\n").unwrap();
    std::fs::write(p.path().join("health"), "ok\n").unwrap();

    let prod = up(p.path(), Environment::Prod, RunnerChoice::Auto)
        .await
        .unwrap();
    assert_eq!(prod.runner, RunnerKind::Single);
    assert!(prod.healthy, "{:?}", prod.health);
    let c = &prod.container;
    assert_eq!(inspect(c, "{{.HostConfig.ReadonlyRootfs}}"), "true");
    assert_eq!(
        inspect(c, "{{.HostConfig.RestartPolicy.Name}}"),
        "unless-stopped"
    );
    assert_eq!(inspect(c, "{{.HostConfig.LogConfig.Type}}"), "json-file");
    assert_eq!(
        inspect(c, "{{index .HostConfig.LogConfig.Config \"max-file\"}}"),
        "3"
    );
    assert_eq!(inspect(c, "{{len .Mounts}}"), "0");
    assert_eq!(get(prod.host_port.unwrap(), "/"), "image");

    // dev: the folder mounted over the image's WORKDIR; the host's file is served.
    let dev = up(p.path(), Environment::Dev, RunnerChoice::Auto)
        .await
        .unwrap();
    assert!(dev.healthy, "{:?}", dev.health);
    let c = &dev.container;
    assert_eq!(inspect(c, "{{.HostConfig.ReadonlyRootfs}}"), "false");
    assert_eq!(inspect(c, "{{.HostConfig.RestartPolicy.Name}}"), "no");
    assert_eq!(
        inspect(c, "{{range .Mounts}}{{.Source}}:{{.Destination}}{{end}}"),
        format!("{}:/www", p.path().display())
    );
    assert_eq!(get(dev.host_port.unwrap(), "/"), "from the host folder");
    assert!(
        dev.notes.iter().any(|n| n.contains("mounted at /www")),
        "{:?}",
        dev.notes
    );
}

#[tokio::test]
async fn prod_without_a_healthcheck_is_refused_before_anything_runs() {
    let p = TestProject::new(&dockerfile(18762, false));
    let err = up(p.path(), Environment::Prod, RunnerChoice::Auto)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("healthcheck"), "{err}");
    let filter = format!("label=dev.berth.project={}", p.path().display());
    let o = Command::new(DOCKER)
        .args(["ps", "-aq", "--filter", &filter])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).trim().is_empty());
}

#[tokio::test]
async fn a_compose_folder_merges_its_environment_override() {
    let p = TestProject::new(&dockerfile(8080, true));
    std::fs::write(
        p.path().join("compose.yaml"),
        "services:\n  app:\n    build: .\n    ports: [\"127.0.0.1:${HOST_PORT:-18763}:8080\"]\n",
    )
    .unwrap();
    // Without the override file, --env says how to get one.
    let err = up(p.path(), Environment::Prod, RunnerChoice::Compose)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("compose.prod.yaml"), "{err}");
    std::fs::write(
        p.path().join("compose.prod.yaml"),
        "services:\n  app:\n    read_only: true\n    restart: unless-stopped\n    environment: {STAGE: prod}\n",
    )
    .unwrap();
    let r = up(p.path(), Environment::Prod, RunnerChoice::Compose)
        .await
        .unwrap();
    assert!(r.healthy, "{:?}", r.health);
    let c = &r.container;
    assert_eq!(inspect(c, "{{.HostConfig.ReadonlyRootfs}}"), "true");
    assert_eq!(
        inspect(c, "{{.HostConfig.RestartPolicy.Name}}"),
        "unless-stopped"
    );
    assert!(
        inspect(c, "{{json .Config.Env}}").contains("STAGE=prod"),
        "{}",
        inspect(c, "{{json .Config.Env}}")
    );
    let _ = app::down(&engine().await, p.path(), true).await;
}
