//! Image checks on real images built here (FROM scratch + busybox, no registry): a private
//! key copied then deleted in a later layer is still found (layer and path), a setuid file,
//! a credential in ENV, root; the size analysis sees the wasted bytes; a container run with
//! dangerous settings is checked as the engine applied them (created, not started: this
//! sandbox cannot start a privileged container; inspect shows the same HostConfig). Every image and container is
//! labelled with the test's folder and removed at the end, failed or not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use berth_core::app;
use berth_core::check::{Finding, Location, Severity};
use engine_support::*;
use std::path::Path;
use std::process::Command;

const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";

/// Build `tag` from the project's folder with the Docker CLI (an independent builder),
/// labelled for cleanup.
fn docker_build(p: &TestProject, tag: &str) {
    let label = format!("dev.berth.project={}", p.path().display());
    let out = Command::new(DOCKER)
        .args([
            "build",
            "-q",
            "--no-cache",
            "-t",
            tag,
            "--label",
            &label,
            ".",
        ])
        .current_dir(p.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "docker build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Cleanup<'a>(&'a Path);
impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        clean_label(self.0);
    }
}

fn image_at(f: &Finding) -> (Option<u32>, String) {
    match &f.location {
        Location::Image { layer, path, .. } => (*layer, path.clone()),
        other => panic!("not an image location: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_deleted_in_a_later_layer_setuid_files_and_env_credentials_are_found() {
    let p = TestProject::new(
        "FROM scratch\n\
         COPY busybox /bin/busybox\n\
         COPY id_rsa /root/.ssh/id_rsa\n\
         COPY .env /app/.env\n\
         RUN [\"/bin/busybox\", \"rm\", \"/root/.ssh/id_rsa\"]\n\
         COPY tool /bin/tool\n\
         RUN [\"/bin/busybox\", \"chmod\", \"4755\", \"/bin/tool\"]\n\
         ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n\
         CMD [\"/bin/busybox\", \"sleep\", \"3600\"]\n",
    );
    let _clean = Cleanup(p.path());
    std::fs::write(p.path().join("id_rsa"), KEY).unwrap();
    std::fs::write(p.path().join(".env"), "API_TOKEN=x\n").unwrap();
    std::fs::write(p.path().join("tool"), vec![b'x'; 4096]).unwrap();
    let tag = format!("{}:check", p.name("img"));
    docker_build(&p, &tag);

    let e = engine().await;
    let c = app::check_image(&e, &tag).await.unwrap();
    let f = &c.report.findings;
    let find = |id: &str| f.iter().filter(|x| x.id == id).collect::<Vec<_>>();

    // Layers: 0 busybox, 1 id_rsa, 2 .env, 3 rm (whiteout), 4 tool, 5 chmod.
    let key = find("BERTH-IM-003");
    assert_eq!(key.len(), 1, "{f:#?}");
    assert_eq!(key[0].severity, Severity::Critical);
    assert_eq!(key[0].refs, ["CIS-DI-0010"]);
    assert_eq!(image_at(key[0]), (Some(1), "/root/.ssh/id_rsa".into()));
    assert!(
        key[0].detail.contains("deleted in layer 3"),
        "{}",
        key[0].detail
    );

    let env_file = find("BERTH-IM-004");
    assert_eq!(image_at(env_file[0]), (Some(2), "/app/.env".into()));

    let suid = find("BERTH-IM-002");
    assert_eq!(suid.len(), 1, "{suid:#?}");
    assert_eq!(image_at(suid[0]), (Some(5), "/bin/tool".into()));
    assert_eq!(suid[0].refs, ["CIS-DI-0008"]);

    let cred = find("BERTH-IM-006");
    assert_eq!(cred[0].severity, Severity::Critical);
    assert_eq!(image_at(cred[0]), (None, "config.Env".into()));
    assert!(cred[0].refs.contains(&"CKV_SECRET_2".to_string()));

    assert_eq!(find("BERTH-IM-001").len(), 1, "root");
    assert_eq!(find("BERTH-IM-008").len(), 1, "no HEALTHCHECK");

    // The analysis: 6 layers, the deleted key's bytes and the replaced tool wasted.
    let a = &c.analysis;
    assert_eq!(a.layers.len(), 6, "{:#?}", a.layers);
    assert_eq!(a.layers[1].files_added, 1);
    assert_eq!(a.layers[1].wasted_bytes, KEY.len() as u64);
    assert_eq!(a.layers[4].wasted_bytes, 4096, "chmod copies the file up");
    assert!(
        a.layers[1].created_by.contains("id_rsa"),
        "{}",
        a.layers[1].created_by
    );
    assert_eq!(a.largest_files[0].path, "/bin/busybox");
    assert_eq!(a.largest_files[0].layer, 0);
    assert!(a.meets_target);
    assert!(a.size_bytes > 1_000_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hardened_image_has_no_root_or_health_finding() {
    let p = TestProject::new(
        "FROM scratch\n\
         COPY busybox /bin/busybox\n\
         USER 10001:10001\n\
         HEALTHCHECK CMD [\"/bin/busybox\", \"true\"]\n\
         CMD [\"/bin/busybox\", \"sleep\", \"3600\"]\n",
    );
    let _clean = Cleanup(p.path());
    let tag = format!("{}:check", p.name("ok"));
    docker_build(&p, &tag);
    let e = engine().await;
    let c = app::check_image(&e, &tag).await.unwrap();
    let serious: Vec<&Finding> = c
        .report
        .findings
        .iter()
        .filter(|f| f.severity.at_least(Severity::Low))
        .collect();
    assert!(serious.is_empty(), "{serious:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_container_is_checked_as_the_engine_applied_it() {
    let p = TestProject::new(
        "FROM scratch\nCOPY busybox /bin/busybox\nCMD [\"/bin/busybox\", \"sleep\", \"3600\"]\n",
    );
    let _clean = Cleanup(p.path());
    let tag = format!("{}:run", p.name("ctr"));
    docker_build(&p, &tag);
    let name = p.name("ctr");
    let label = format!("dev.berth.project={}", p.path().display());
    let out = Command::new(DOCKER)
        .args([
            "create",
            "--name",
            &name,
            "--label",
            &label,
            "--privileged",
            "--pid",
            "host",
            "-v",
            "/var/run/docker.sock:/var/run/docker.sock",
            "-p",
            "5432:5432",
            "-e",
            "DB_PASSWORD=hunter2hunter2",
            &tag,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "docker create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e = engine().await;
    let r = app::check_container(&e, &name).await.unwrap();
    let at = |id: &str| {
        r.findings
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.location.clone())
            .unwrap_or_else(|| panic!("{id} missing: {:#?}", r.findings))
    };
    let setting = |s: &str| Location::Container {
        container: name.clone(),
        setting: s.into(),
    };
    assert_eq!(at("BERTH-RT-001"), setting("HostConfig.Privileged"));
    assert_eq!(at("BERTH-RT-003"), setting("HostConfig.PidMode"));
    assert_eq!(at("BERTH-RT-010"), setting("Mounts"));
    assert_eq!(at("BERTH-RT-013"), setting("HostConfig.PortBindings"));
    assert_eq!(at("BERTH-RT-012"), setting("Config.Env"));
    assert_eq!(at("BERTH-RT-024"), setting("Config.User"));
    assert!(r.fails(Severity::Critical));
    assert_eq!(r.target, name);
}
