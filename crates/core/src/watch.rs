//! Watching a project folder for `up --watch`: file events (notify) filtered by what the
//! build excludes, coalesced into batches.
//!
//! A change counts only when the build would see it. It does not count when:
//! - the build's `.dockerignore` excludes the path: the folder's own, else the default the
//!   caller builds with ([`watch_with`]; see [`crate::docker::context::build_ignore`]), matched with
//!   Docker's semantics ([`crate::dockerignore`], the one matcher the build context uses);
//! - it is under VCS metadata (`.git`, `.hg`, `.svn`) or `node_modules`, at any depth: a
//!   commit or an `npm install` is not a source change to rebuild for;
//! - it is one of Berth's own temporary files or backups (`.<name>.berth-tmp-*`,
//!   `<name>.berth-backup-*`): the write that made them also changes the file itself.
//!
//! A batch holds each path once, in arrival order (a set beside the list: O(1) per event,
//! however many events a `git checkout` fires).

use crate::docker::context::{build_ignore, DockerIgnore};
use crate::{Error, Result};
use notify::{RecursiveMode, Watcher};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;

/// Quiet time after the last change before a batch is delivered.
pub const DEBOUNCE: Duration = Duration::from_millis(400);

/// Folders whose changes never trigger a rebuild, wherever they are.
pub const NEVER_WATCHED: &[&str] = &[".git", ".hg", ".svn", "node_modules"];

/// A stream of change batches; dropping it stops watching.
pub struct Changes {
    rx: mpsc::UnboundedReceiver<PathBuf>,
    _watcher: notify::RecommendedWatcher,
}

/// Paths in arrival order, each once (pure).
#[derive(Debug, Default)]
pub struct Batch {
    seen: HashSet<PathBuf>,
    paths: Vec<PathBuf>,
}

impl Batch {
    /// Add `p` unless it is already in the batch.
    pub fn push(&mut self, p: PathBuf) {
        if !self.seen.contains(&p) {
            self.seen.insert(p.clone());
            self.paths.push(p);
        }
    }

    pub fn into_paths(self) -> Vec<PathBuf> {
        self.paths
    }
}

impl Changes {
    /// Wait for the next change, then collect until [`DEBOUNCE`] passes quietly.
    pub async fn next_batch(&mut self) -> Option<Vec<PathBuf>> {
        let first = self.rx.recv().await?;
        let mut batch = Batch::default();
        batch.push(first);
        loop {
            match tokio::time::timeout(DEBOUNCE, self.rx.recv()).await {
                Ok(Some(p)) => batch.push(p),
                Ok(None) | Err(_) => return Some(batch.into_paths()),
            }
        }
    }
}

/// Does a change at `rel` (relative, slash-separated) matter for the build? (pure)
pub fn relevant(ignore: &DockerIgnore, rel: &str) -> bool {
    if rel.is_empty() || ignore.is_excluded(rel) {
        return false;
    }
    let mut parts = rel.split('/');
    if parts.clone().any(|c| NEVER_WATCHED.contains(&c)) {
        return false;
    }
    let name = parts.next_back().unwrap_or_default();
    !(name.contains(".berth-backup-") || (name.starts_with('.') && name.contains(".berth-tmp-")))
}

/// Start watching `root` recursively; the build's ignore is the folder's own
/// `.dockerignore` (or nothing).
pub fn watch(root: &Path) -> Result<Changes> {
    watch_with(root, None)
}

/// Start watching `root` recursively, ignoring what a build with `default_ignore` (the
/// `.dockerignore` text used when the folder has none) would exclude.
pub fn watch_with(root: &Path, default_ignore: Option<&str>) -> Result<Changes> {
    let root = std::fs::canonicalize(root).map_err(|_| Error::NotFound(root.to_path_buf()))?;
    let ignore = build_ignore(&root, default_ignore)?;
    let (tx, rx) = mpsc::unbounded_channel();
    let base = root.clone();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(ev) = res else { return };
        if ev.kind.is_access() {
            return;
        }
        for p in ev.paths {
            let rel = p
                .strip_prefix(&base)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            if relevant(&ignore, &rel) {
                let _ = tx.send(p);
            }
        }
    })
    .map_err(|e| Error::io(&root, std::io::Error::other(e.to_string())))?;
    watcher
        .watch(&root, RecursiveMode::Recursive)
        .map_err(|e| Error::io(&root, std::io::Error::other(e.to_string())))?;
    Ok(Changes {
        rx,
        _watcher: watcher,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn ignored_paths_do_not_count() {
        let ig = DockerIgnore::parse("target\n*.log\n!keep.log\n").unwrap();
        assert!(relevant(&ig, "src/main.rs"));
        assert!(!relevant(&ig, "target/debug/x"));
        assert!(!relevant(&ig, "run.log"));
        assert!(relevant(&ig, "keep.log"));
        assert!(!relevant(&ig, ".git/index"));
        assert!(!relevant(&ig, "web/node_modules/react/index.js"));
        assert!(!relevant(&ig, "sub/.hg/store"));
        assert!(!relevant(&ig, ".Dockerfile.berth-tmp-12-0"));
        assert!(!relevant(&ig, "compose.yaml.berth-backup-20260101T000000Z"));
        assert!(relevant(&ig, "Dockerfile"));
        assert!(relevant(&ig, "src/gitstuff.rs"));
    }

    #[test]
    fn a_batch_holds_each_path_once_in_arrival_order() {
        let mut b = Batch::default();
        for i in 0..10_000 {
            b.push(PathBuf::from(format!("f{}", i % 3)));
        }
        b.push(PathBuf::from("z"));
        assert_eq!(b.into_paths(), ["f0", "f1", "f2", "z"].map(PathBuf::from));
    }

    #[tokio::test]
    async fn changes_arrive_debounced_and_filtered() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".dockerignore"), "*.log\n").unwrap();
        let mut w = watch(d.path()).unwrap();
        std::fs::write(d.path().join("noise.log"), "x").unwrap();
        std::fs::write(d.path().join("a.txt"), "1").unwrap();
        std::fs::write(d.path().join("a.txt"), "2").unwrap();
        let batch = tokio::time::timeout(Duration::from_secs(10), w.next_batch())
            .await
            .unwrap()
            .unwrap();
        let names: Vec<String> = batch
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert!(names.contains(&"a.txt".to_string()), "{names:?}");
        assert!(!names.iter().any(|n| n.ends_with(".log")), "{names:?}");
    }

    #[tokio::test]
    async fn dependency_folders_and_the_default_ignore_do_not_count() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("node_modules/x")).unwrap();
        std::fs::create_dir_all(d.path().join(".git")).unwrap();
        // No .dockerignore of its own: the build (and so the watcher) uses the default.
        let mut w = watch_with(d.path(), Some("*.tmp\n")).unwrap();
        std::fs::write(d.path().join("node_modules/x/a.js"), "x").unwrap();
        std::fs::write(d.path().join(".git/index"), "x").unwrap();
        std::fs::write(d.path().join("b.tmp"), "x").unwrap();
        std::fs::write(d.path().join("src.txt"), "x").unwrap();
        let batch = tokio::time::timeout(Duration::from_secs(10), w.next_batch())
            .await
            .unwrap()
            .unwrap();
        let names: Vec<String> = batch
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, ["src.txt"]);
    }
}
