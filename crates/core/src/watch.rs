//! Watching a project folder for `up --watch`: file events (notify) filtered by the
//! folder's .dockerignore (a change that would not reach the build context does not
//! rebuild), debounced into batches.

use crate::docker::context::DockerIgnore;
use crate::{Error, Result};
use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;

/// Quiet time after the last change before a batch is delivered.
pub const DEBOUNCE: Duration = Duration::from_millis(400);

/// A stream of change batches; dropping it stops watching.
pub struct Changes {
    rx: mpsc::UnboundedReceiver<PathBuf>,
    _watcher: notify::RecommendedWatcher,
}

impl Changes {
    /// Wait for the next change, then collect until [`DEBOUNCE`] passes quietly.
    pub async fn next_batch(&mut self) -> Option<Vec<PathBuf>> {
        let first = self.rx.recv().await?;
        let mut batch = vec![first];
        loop {
            match tokio::time::timeout(DEBOUNCE, self.rx.recv()).await {
                Ok(Some(p)) => {
                    if !batch.contains(&p) {
                        batch.push(p);
                    }
                }
                Ok(None) | Err(_) => return Some(batch),
            }
        }
    }
}

/// Does a change at `rel` (relative, slash-separated) matter for the build? (pure)
pub fn relevant(ignore: &DockerIgnore, rel: &str) -> bool {
    !(rel.is_empty() || rel == ".git" || rel.starts_with(".git/") || ignore.is_excluded(rel))
}

/// Start watching `root` recursively.
pub fn watch(root: &Path) -> Result<Changes> {
    let root = std::fs::canonicalize(root).map_err(|_| Error::NotFound(root.to_path_buf()))?;
    let ignore = DockerIgnore::load(&root)?;
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
        let ig = DockerIgnore::parse("target\n*.log\n");
        assert!(relevant(&ig, "src/main.rs"));
        assert!(!relevant(&ig, "target/debug/x"));
        assert!(!relevant(&ig, "run.log"));
        assert!(!relevant(&ig, ".git/index"));
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
}
