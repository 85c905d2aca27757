//! BuildKit builds on a real engine: cache mounts, progress, cache reuse, cancellation,
//! and the classic builder when it is forced.
#![cfg(unix)] // the engine tests run against a Linux engine over its unix socket
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use berth_core::docker::build::{BuildEvent, BuildRequest};
use berth_core::docker::buildkit::BuilderChoice;
use berth_core::docker::CancellationToken;
use berth_core::ErrorKind;
use engine_support::{
    collect, containers_mentioning, engine, image_exists, image_label, outputs, steps, TestProject,
    DOCKER,
};
use std::process::Command;
use std::time::Duration;

/// A Dockerfile whose RUN step uses a cache mount: each build appends a line to the cache
/// and prints how many lines it holds (so a reused cache shows `runs: 2`).
fn cache_mount_dockerfile(token: &str) -> String {
    format!(
        "FROM scratch\nCOPY unique.txt /unique.txt\nCOPY busybox /bin/busybox\n\
         RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         RUN --mount=type=cache,target=/cache,id={token} mkdir -p /cache && echo {token} >> /cache/runs && echo runs: $(wc -l < /cache/runs) && cp /cache/runs /runs\n\
         USER 65534\nCMD [\"/bin/busybox\", \"true\"]\n"
    )
}

/// Host processes whose command line mentions `token` (a BuildKit RUN step runs as a
/// process on the host, not as a docker container).
fn processes_mentioning(token: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let pid = entry.file_name().to_string_lossy().to_string();
        if !pid.chars().all(|c| c.is_ascii_digit()) || pid == std::process::id().to_string() {
            continue;
        }
        if let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(token) {
                found.push(format!("{pid}: {cmd}"));
            }
        }
    }
    found
}

#[tokio::test]
async fn buildkit_builds_cache_mounts_and_reuses_the_cache() {
    let e = engine().await;
    let p = TestProject::new("");
    let token = p.name("bk");
    std::fs::write(p.path().join("Dockerfile"), cache_mount_dockerfile(&token)).unwrap();
    std::fs::write(p.path().join("unique.txt"), &token).unwrap();
    let tag = format!("{}:bk", p.name("img"));
    let mut req = BuildRequest::new(p.path(), &tag);
    req.builder = BuilderChoice::Auto;
    let (events, cb) = collect();
    let r = e.build(&req, cb, CancellationToken::new()).await.unwrap();
    let evs = events.lock().unwrap().clone();
    assert_eq!(r.builder, "buildkit", "{r:?}");
    assert_eq!(r.builder_note, None);
    assert_eq!(r.steps, 4, "{evs:?}");
    assert_eq!(r.cached_steps, 0, "{evs:?}");
    assert_eq!(steps(&evs), (1..=4).map(|n| (n, 4)).collect::<Vec<_>>());
    assert!(outputs(&evs).iter().any(|l| l == "runs: 1"), "{evs:?}");
    assert!(matches!(evs.first(), Some(BuildEvent::Context { .. })));
    assert!(matches!(evs.last(), Some(BuildEvent::Built { .. })));
    // The image carries Berth's labels (BuildKit has no LABEL steps for them).
    assert_eq!(
        image_label(&tag, "dev.berth.project"),
        p.path().display().to_string()
    );

    // Same build again: every step from the cache.
    let (events2, cb2) = collect();
    let again = e.build(&req, cb2, CancellationToken::new()).await.unwrap();
    let evs2 = events2.lock().unwrap().clone();
    assert_eq!(again.cached_steps, 4, "{evs2:?}");
    assert!(evs2.iter().any(|x| matches!(x, BuildEvent::Cached { .. })));
    assert_eq!(again.image_id, r.image_id);

    // A changed source reruns the RUN step, which finds the cache mount's earlier content.
    std::fs::write(p.path().join("unique.txt"), format!("{token}-2")).unwrap();
    let (events3, cb3) = collect();
    let third = e.build(&req, cb3, CancellationToken::new()).await.unwrap();
    let evs3 = events3.lock().unwrap().clone();
    assert!(outputs(&evs3).iter().any(|l| l == "runs: 2"), "{evs3:?}");
    assert_ne!(third.image_id, r.image_id);
    let _ = Command::new(DOCKER)
        .args(["rmi", "-f", &r.image_id])
        .output();
}

#[tokio::test]
async fn a_failing_buildkit_step_is_an_error_event() {
    let e = engine().await;
    let p = TestProject::new(
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"false\"]\n",
    );
    let tag = format!("{}:fail", p.name("img"));
    let (events, cb) = collect();
    let err = e
        .build(
            &BuildRequest::new(p.path(), &tag),
            cb,
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Engine);
    assert!(err.to_string().contains("exit code: 1"), "{err}");
    let evs = events.lock().unwrap().clone();
    assert!(
        evs.iter().any(|x| matches!(x, BuildEvent::Error { .. })),
        "{evs:?}"
    );
    assert!(!image_exists(&tag));
}

#[tokio::test]
async fn cancelling_a_buildkit_build_stops_it_and_leaves_nothing() {
    let e = engine().await;
    let p = TestProject::new("");
    let token = p.name("bkcancel");
    std::fs::write(p.path().join("unique.txt"), &token).unwrap();
    std::fs::write(
        p.path().join("Dockerfile"),
        format!(
            "FROM scratch\nCOPY unique.txt /unique.txt\nCOPY busybox /bin/busybox\n\
             RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
             RUN sleep 60 && echo {token}\n"
        ),
    )
    .unwrap();
    let tag = format!("{}:cancel", p.name("img"));
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let t2 = token.clone();
    let err = e
        .build(
            &BuildRequest::new(p.path(), &tag),
            move |x| {
                if let BuildEvent::Step { n: 4, .. } = x {
                    // Cancel once the RUN step is running on the host.
                    let (c3, t3) = (c2.clone(), t2.clone());
                    tokio::spawn(async move {
                        for _ in 0..100 {
                            if !processes_mentioning(&t3).is_empty() {
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        c3.cancel();
                    });
                }
            },
            cancel,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    // The engine stops the step when the build's connection closes.
    let mut left = processes_mentioning(&token);
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        left = processes_mentioning(&token);
    }
    assert_eq!(left, Vec::<String>::new(), "the RUN step kept running");
    assert_eq!(containers_mentioning(&token), Vec::<String>::new());
    assert!(!image_exists(&tag), "the tag must not exist");
}

#[tokio::test]
async fn forced_classic_builder_uses_the_classic_dockerfile() {
    let e = engine().await;
    let p = TestProject::new("not used\n");
    std::fs::remove_file(p.path().join("Dockerfile")).unwrap();
    let token = p.name("classic");
    std::fs::write(p.path().join("unique.txt"), &token).unwrap();
    let tag = format!("{}:classic", p.name("img"));
    let mut req = BuildRequest::new(p.path(), &tag);
    // What `up` does for a generated Dockerfile: with cache mounts for BuildKit, without
    // them for the classic builder.
    req.dockerfile_contents = Some(cache_mount_dockerfile(&token));
    req.classic_dockerfile_contents = Some(
        cache_mount_dockerfile(&token)
            .replace(&format!("--mount=type=cache,target=/cache,id={token} "), ""),
    );
    req.builder = BuilderChoice::Classic;
    let (events, cb) = collect();
    let r = e.build(&req, cb, CancellationToken::new()).await.unwrap();
    let evs = events.lock().unwrap().clone();
    assert_eq!(r.builder, "classic");
    let note = r.builder_note.clone().unwrap();
    assert!(note.contains("classic builder requested"), "{note}");
    assert!(outputs(&evs)
        .iter()
        .any(|l| l.starts_with("note: ") && l.contains("requested")));
    assert!(outputs(&evs).iter().any(|l| l == "runs: 1"), "{evs:?}");
    // The classic builder's steps, with Berth's two LABEL steps.
    assert_eq!(r.steps, 7 + 2, "{evs:?}");

    // The cache-mount Dockerfile itself is refused by the classic builder, with its reason.
    req.classic_dockerfile_contents = None;
    let err = e
        .build(&req, |_| {}, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("--mount"), "{err}");
}

/// The engine here has BuildKit; this proxy answers BuildKit build requests
/// (`POST /build?...version=2`) the way an engine without it does (HTTP 400).
fn no_buildkit(dir: &std::path::Path) -> engine_support::FaultyEngine {
    engine_support::FaultyEngine::start(dir, |first| {
        (first.starts_with("POST ") && first.contains("/build?") && first.contains("version=2"))
            .then(|| {
                (
                    "400 Bad Request",
                    r#"{"message":"buildkit not supported by daemon"}"#.to_string(),
                )
            })
    })
}

#[tokio::test]
async fn an_engine_refusing_buildkit_falls_back_to_the_classic_builder() {
    let p = TestProject::new("not used\n");
    std::fs::remove_file(p.path().join("Dockerfile")).unwrap();
    let token = p.name("fallback");
    std::fs::write(p.path().join("unique.txt"), &token).unwrap();
    let e = no_buildkit(p.path()).connect().await;
    let tag = format!("{}:fallback", p.name("img"));
    let mut req = BuildRequest::new(p.path(), &tag);
    req.builder = BuilderChoice::Auto;
    req.dockerfile_contents = Some(cache_mount_dockerfile(&token));
    req.classic_dockerfile_contents = Some(
        cache_mount_dockerfile(&token)
            .replace(&format!("--mount=type=cache,target=/cache,id={token} "), ""),
    );
    let (events, cb) = collect();
    let r = e.build(&req, cb, CancellationToken::new()).await.unwrap();
    let evs = events.lock().unwrap().clone();
    assert_eq!(r.builder, "classic", "{evs:?}");
    let note = r.builder_note.clone().unwrap();
    assert!(note.contains("could not run a BuildKit build"), "{note}");
    assert!(note.contains("buildkit not supported by daemon"), "{note}");
    assert!(
        outputs(&evs)
            .iter()
            .any(|l| l.starts_with("note: the engine could not run a BuildKit build")),
        "{evs:?}"
    );
    // The classic Dockerfile (no cache mount) was the one built.
    assert!(outputs(&evs).iter().any(|l| l == "runs: 1"), "{evs:?}");
    assert!(image_exists(&tag));
}

/// A file's content in an image (copied out of a created container); None when absent.
fn file_in_image(image: &str, path: &str) -> Option<String> {
    let name = format!("berth-secret-probe-{}", std::process::id());
    let created = Command::new(DOCKER)
        .args(["create", "--name", &name, image, "/bin/busybox", "true"])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let out = Command::new(DOCKER)
        .args(["cp", &format!("{name}:{path}"), "-"])
        .output()
        .unwrap();
    let _ = Command::new(DOCKER).args(["rm", "-f", &name]).output();
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn secrets_the_folders_dockerignore_lets_through_stay_out_of_berths_builds_and_are_warned_about_in_its_own(
) {
    let e = engine().await;
    // The project's own .dockerignore forgets .env.
    let own = "FROM scratch\nCOPY busybox /bin/busybox\nCOPY . /ctx/\n";
    let p = TestProject::new(own);
    std::fs::write(p.path().join(".dockerignore"), "node_modules\n").unwrap();
    std::fs::write(p.path().join(".env"), "API_TOKEN=hunter2\n").unwrap();
    std::fs::write(p.path().join("app.txt"), "app\n").unwrap();
    // Its own Dockerfile: the file is sent (it may need it), with a warning.
    let tag = format!("{}:own", p.name("img"));
    let (events, cb) = collect();
    e.build(
        &BuildRequest::new(p.path(), &tag),
        cb,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let evs = events.lock().unwrap().clone();
    assert!(
        evs.iter().any(|x| matches!(x, BuildEvent::Output { line } if line.starts_with("warning:") && line.contains(".env"))),
        "{evs:?}"
    );
    assert!(file_in_image(&tag, "/ctx/.env").is_some());
    // A Dockerfile Berth rendered (in memory): the secret never reaches the build.
    let tag = format!("{}:berth", p.name("img"));
    let mut req = BuildRequest::new(p.path(), &tag);
    req.dockerfile_contents = Some(own.to_string());
    let (events, cb) = collect();
    e.build(&req, cb, CancellationToken::new()).await.unwrap();
    let evs = events.lock().unwrap().clone();
    assert!(
        evs.iter().any(|x| matches!(x, BuildEvent::Output { line } if line.contains("left out of the build context") && line.contains(".env"))),
        "{evs:?}"
    );
    assert_eq!(file_in_image(&tag, "/ctx/.env"), None);
    assert!(file_in_image(&tag, "/ctx/app.txt").is_some());
}
