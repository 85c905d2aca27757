//! A cloned repository is untrusted input: real hostile files in temp folders (symbolic
//! links to /dev/zero and to a secret outside the folder, FIFOs, oversized files) against
//! every read and write Berth does on a project: detection, preview, write, backup, the
//! compose file, the .dockerignore, the port write-back. Nothing is followed, nothing
//! hangs, nothing leaks into the folder, and the message says why.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use berth_core::compose::model as compose_file;
use berth_core::docker::context::{tar_context, DockerIgnore};
use berth_core::render::RenderedFiles;
use berth_core::write::{self, preview, write, write_previewed, FilePreview, Seen};
use berth_core::{Error, ErrorKind};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

const SECRET: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n";

fn files() -> RenderedFiles {
    RenderedFiles {
        dockerfile: "FROM scratch\n".into(),
        compose: "services: {}\n".into(),
        dockerignore: ".git\n".into(),
        compose_dev: None,
        compose_prod: None,
    }
}

/// A Flask project folder plus, in another temp folder, a fake private key.
struct Sandbox {
    project: tempfile::TempDir,
    elsewhere: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let project = tempfile::tempdir().unwrap();
        std::fs::write(project.path().join("requirements.txt"), "flask==3.0.3\n").unwrap();
        std::fs::write(
            project.path().join("app.py"),
            "from flask import Flask\napp = Flask(__name__)\n",
        )
        .unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::write(elsewhere.path().join("id_rsa"), SECRET).unwrap();
        Sandbox { project, elsewhere }
    }
    fn root(&self) -> &Path {
        self.project.path()
    }
    fn path(&self, name: &str) -> PathBuf {
        self.project.path().join(name)
    }
    fn secret(&self) -> PathBuf {
        self.elsewhere.path().join("id_rsa")
    }
    fn link_to_secret(&self, name: &str) {
        symlink(self.secret(), self.path(name)).unwrap();
    }
    fn fifo(&self, name: &str) {
        let st = std::process::Command::new("mkfifo")
            .arg(self.path(name))
            .status()
            .unwrap();
        assert!(st.success());
    }
    /// Every name in the folder.
    fn listing(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.root())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
    /// The secret's bytes appear in no regular file of the folder (backups included).
    fn assert_secret_not_copied(&self) {
        for name in self.listing() {
            let p = self.path(&name);
            if std::fs::symlink_metadata(&p).unwrap().is_file() {
                let body = std::fs::read(&p).unwrap();
                assert!(
                    !String::from_utf8_lossy(&body).contains("not-a-real-key"),
                    "{name} holds the secret"
                );
            }
        }
        assert_eq!(std::fs::read_to_string(self.secret()).unwrap(), SECRET);
    }
}

/// Run `f` on another thread; a FIFO open that blocks would never return, so give up after
/// a minute (far more than a non-blocking open needs) instead of hanging the suite.
fn without_hanging<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("blocked: a FIFO was opened as if it were a file")
}

fn assert_link_refused(err: &Error, name: &str) {
    assert_eq!(err.kind(), ErrorKind::Unreadable, "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!(
            "{name} is a symbolic link: Berth does not follow links in a project"
        )),
        "{msg}"
    );
}

fn assert_fifo_refused(err: &Error, name: &str) {
    assert_eq!(err.kind(), ErrorKind::Unreadable, "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("{name} is a FIFO (named pipe)")),
        "{msg}"
    );
}

// ---- Symbolic links ----------------------------------------------------------------------

#[test]
fn dockerfile_linked_to_dev_zero_is_never_read_or_written_through() {
    let sb = Sandbox::new();
    symlink("/dev/zero", sb.path("Dockerfile")).unwrap();
    // Detection: the link is reported, not followed (it would read zeros forever).
    let d = berth_core::stacks::detect(sb.root()).unwrap();
    assert!(d
        .evidence
        .iter()
        .any(|e| e.field == "skipped" && e.file == "Dockerfile"));
    let err = preview(sb.root(), &files()).unwrap_err();
    assert_link_refused(&err, "Dockerfile");
    for force in [false, true] {
        let err = write(sb.root(), &files(), force).unwrap_err();
        assert_link_refused(&err, "Dockerfile");
    }
    assert_eq!(
        std::fs::read_link(sb.path("Dockerfile")).unwrap(),
        Path::new("/dev/zero")
    );
    assert_eq!(sb.listing(), ["Dockerfile", "app.py", "requirements.txt"]);
}

#[test]
fn compose_file_linked_to_a_secret_is_never_shown_backed_up_or_replaced() {
    let sb = Sandbox::new();
    sb.link_to_secret("compose.yaml");
    let err = preview(sb.root(), &files()).unwrap_err();
    assert_link_refused(&err, "compose.yaml");
    assert!(!err.to_string().contains("not-a-real-key"));
    let err = write(sb.root(), &files(), true).unwrap_err();
    assert_link_refused(&err, "compose.yaml");
    // The backup helper on its own refuses too.
    let err = write::backup_copy(&sb.path("compose.yaml"), "20260101T000000Z").unwrap_err();
    assert_link_refused(&err, "compose.yaml");
    // The compose model and the port write-back read it the same way.
    assert_link_refused(
        &compose_file::read(&sb.path("compose.yaml")).unwrap_err(),
        "compose.yaml",
    );
    assert_link_refused(
        &berth_core::compose::ports::write_host_port(&sb.path("compose.yaml"), 8081).unwrap_err(),
        "compose.yaml",
    );
    sb.assert_secret_not_copied();
    assert_eq!(sb.listing(), ["app.py", "compose.yaml", "requirements.txt"]);
    assert!(std::fs::symlink_metadata(sb.path("compose.yaml"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn manifest_linked_to_a_secret_is_a_clear_detection_error() {
    let sb = Sandbox::new();
    std::fs::remove_file(sb.path("requirements.txt")).unwrap();
    sb.link_to_secret("requirements.txt");
    let err = berth_core::stacks::detect(sb.root()).unwrap_err();
    assert_link_refused(&err, "requirements.txt");
}

#[test]
fn dockerignore_linked_outside_is_refused_by_the_build_context() {
    let sb = Sandbox::new();
    sb.link_to_secret(".dockerignore");
    assert_link_refused(&DockerIgnore::load(sb.root()).unwrap_err(), ".dockerignore");
    let err = tar_context(sb.root(), "Dockerfile", &[], Some(".git\n")).unwrap_err();
    assert_link_refused(&err, ".dockerignore");
    let err = preview(sb.root(), &files()).unwrap_err();
    assert_link_refused(&err, ".dockerignore");
}

#[test]
fn a_link_that_appears_after_the_preview_is_not_written_through() {
    let sb = Sandbox::new();
    let shown = preview(sb.root(), &files()).unwrap();
    let seen: Vec<Seen> = shown.iter().map(FilePreview::seen).collect();
    sb.link_to_secret("Dockerfile");
    for force in [false, true] {
        let err = write_previewed(sb.root(), &files(), &seen, force).unwrap_err();
        assert_link_refused(&err, "Dockerfile");
    }
    sb.assert_secret_not_copied();
    assert_eq!(sb.listing(), ["Dockerfile", "app.py", "requirements.txt"]);
}

// ---- FIFOs -------------------------------------------------------------------------------

#[test]
fn fifos_never_block_a_read_or_a_write() {
    let sb = Sandbox::new();
    sb.fifo("Dockerfile");
    sb.fifo(".dockerignore");
    let root = sb.root().to_path_buf();
    let (p, w, ig, d) = without_hanging(move || {
        (
            preview(&root, &files()).unwrap_err(),
            write(&root, &files(), true).unwrap_err(),
            DockerIgnore::load(&root).unwrap_err(),
            berth_core::stacks::detect(&root).map(|d| d.stack),
        )
    });
    assert_fifo_refused(&p, "Dockerfile");
    assert_fifo_refused(&w, "Dockerfile");
    assert_fifo_refused(&ig, ".dockerignore");
    // Detection does not list a FIFO at all (the walk lists regular files).
    assert_eq!(d.unwrap(), berth_core::stacks::Stack::Python);
    let sb2 = Sandbox::new();
    sb2.fifo("compose.yaml");
    let compose = sb2.path("compose.yaml");
    let err = without_hanging(move || compose_file::read(&compose).unwrap_err());
    assert_fifo_refused(&err, "compose.yaml");
    assert_eq!(
        sb.listing(),
        [".dockerignore", "Dockerfile", "app.py", "requirements.txt"]
    );
}

/// A file listed by the walk and swapped for a FIFO before it is read.
#[test]
fn a_fifo_swapped_in_after_the_walk_is_refused_without_blocking() {
    let sb = Sandbox::new();
    let project = berth_core::project::Project::open(sb.root()).unwrap();
    assert!(project.has("requirements.txt"));
    std::fs::remove_file(sb.path("requirements.txt")).unwrap();
    sb.fifo("requirements.txt");
    let err = without_hanging(move || project.read("requirements.txt").unwrap_err());
    assert_fifo_refused(&err, "requirements.txt");
}

// ---- Oversized files ---------------------------------------------------------------------

/// A 50 MB package.json: detection reads its first MiB only and finishes (here with a clear
/// manifest error: the cut JSON does not parse).
#[test]
fn a_50_mb_package_json_is_read_only_up_to_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let mut body =
        String::from("{\"name\": \"big\", \"scripts\": {\"start\": \"node s.js\"}, \"x\": \"");
    body.push_str(&"x".repeat(50 * 1024 * 1024));
    body.push_str("\"}\n");
    std::fs::write(dir.path().join("package.json"), &body).unwrap();
    drop(body);
    let project = berth_core::project::Project::open(dir.path()).unwrap();
    let text = project.read("package.json").unwrap();
    assert_eq!(text.len() as u64, berth_core::project::READ_CAP);
    match berth_core::stacks::detect(dir.path()) {
        Ok(d) => assert_eq!(d.stack, berth_core::stacks::Stack::Node),
        Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidManifest, "{e}"),
    }
}

/// A sparse 64 GiB Dockerfile (no disk used): reading it whole could never finish; the
/// preview, the write and the compose read refuse it from its size.
#[test]
fn a_huge_file_is_refused_by_size_before_reading() {
    let sb = Sandbox::new();
    for name in ["Dockerfile", "compose.yaml"] {
        let f = std::fs::File::create(sb.path(name)).unwrap();
        f.set_len(64 << 30).unwrap();
    }
    let err = preview(sb.root(), &files()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unreadable);
    assert!(
        err.to_string().ends_with(
            "Dockerfile is larger than 1 MiB: Berth reads at most that much of a project file"
        ),
        "{err}"
    );
    assert!(matches!(
        write(sb.root(), &files(), true).unwrap_err(),
        Error::TooLarge { .. }
    ));
    assert!(matches!(
        compose_file::read(&sb.path("compose.yaml")).unwrap_err(),
        Error::TooLarge { .. }
    ));
    assert_eq!(
        sb.listing(),
        ["Dockerfile", "app.py", "compose.yaml", "requirements.txt"]
    );
}
