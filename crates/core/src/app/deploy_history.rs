//! Deployment history: one JSON file per project folder in Berth's own state directory
//! (`$BERTH_STATE_DIR`, else the platform's state directory + `berth`, e.g.
//! `~/.local/state/berth/deploy/<folder>-<hash>.json`). Each record says which version went
//! to which engine and environment, when, and how it ended. Written atomically (a temporary
//! file renamed over the old one). Labels on the containers say what runs now; the history
//! says what ran before (a rollback's target), which labels on removed containers cannot.

use crate::environment::Environment;
use crate::names::ProjectNames;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// How a deployment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Outcome {
    /// The new version is healthy and serves the port.
    Deployed,
    /// The new version was not healthy: the previous one kept serving.
    RolledBack,
    /// Validation failed: nothing was built or started.
    Refused,
}

/// What was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Action {
    Deploy,
    Rollback,
}

/// One line of `berth history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DeployRecord {
    pub version: String,
    /// The image tag (`<project>:<version>`).
    pub image: String,
    pub env: Environment,
    /// The engine's address.
    pub engine: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub action: Action,
    pub outcome: Outcome,
    pub host_port: Option<u16>,
    /// The app's port inside the container: a rollback publishes it, whatever the plan says
    /// now (None in records written before Berth kept it).
    #[serde(default)]
    pub container_port: Option<u16>,
    pub reason: Option<String>,
}

/// Berth's state directory: `$BERTH_STATE_DIR`, else the platform's state (or local data)
/// directory + `berth`.
pub fn default_state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("BERTH_STATE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("berth")
}

/// The history file of the (canonical) folder `root`.
pub fn history_file(state_dir: &Path, root: &Path) -> PathBuf {
    state_dir
        .join("deploy")
        .join(format!("{}.json", ProjectNames::of(root).compose_project()))
}

/// An exclusive hold on a folder's deployments (its history and its deployed containers),
/// released when dropped or when the process ends. Two deploys or rollbacks of one folder
/// (the CLI and the app, two terminals) would otherwise start candidates side by side and
/// lose one history record.
#[derive(Debug)]
pub struct DeployLock {
    _file: std::fs::File,
}

/// Take the folder's deploy lock (`deploy/<project>.lock` beside the history), or say who
/// holds it.
pub fn lock(state_dir: &Path, root: &Path) -> Result<DeployLock> {
    let file = history_file(state_dir, root).with_extension("lock");
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&file)
        .map_err(|e| Error::io(&file, e))?;
    match f.try_lock() {
        Ok(()) => Ok(DeployLock { _file: f }),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::InvalidInput(format!(
            "another deploy or rollback of {} is running (it holds {}); wait for it to end",
            root.display(),
            file.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&file, e)),
    }
}

/// The folder's deployments, oldest first (none when it never deployed).
pub fn read_history(state_dir: &Path, root: &Path) -> Result<Vec<DeployRecord>> {
    let file = history_file(state_dir, root);
    match std::fs::read_to_string(&file) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| Error::InvalidManifest {
            file: file.clone(),
            line: u32::try_from(e.line()).ok(),
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io(&file, e)),
    }
}

/// Append `record` to the folder's history (atomic replace).
pub fn append_history(state_dir: &Path, root: &Path, record: &DeployRecord) -> Result<()> {
    let mut all = read_history(state_dir, root)?;
    all.push(record.clone());
    let file = history_file(state_dir, root);
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| state_dir.to_path_buf());
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let text = serde_json::to_string_pretty(&all)
        .map_err(|e| Error::InvalidInput(format!("history: {e}")))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| Error::io(&dir, e))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.flush())
        .map_err(|e| Error::io(tmp.path(), e))?;
    tmp.persist(&file).map_err(|e| Error::io(&file, e.error))?;
    Ok(())
}

/// The version serving now on `engine` in `env`: the last record that ended deployed.
pub fn current<'a>(
    history: &'a [DeployRecord],
    engine: &str,
    env: Environment,
) -> Option<&'a DeployRecord> {
    history
        .iter()
        .rev()
        .find(|r| r.engine == engine && r.env == env && r.outcome == Outcome::Deployed)
}

/// The healthy versions before the current one on `engine` in `env`, newest first, one per
/// version (what `rollback` can return to).
pub fn previous_versions<'a>(
    history: &'a [DeployRecord],
    engine: &str,
    env: Environment,
) -> Vec<&'a DeployRecord> {
    let cur = current(history, engine, env).map(|r| r.version.as_str());
    let mut seen: Vec<&str> = cur.into_iter().collect();
    let mut out = Vec::new();
    for r in history.iter().rev() {
        if r.engine == engine
            && r.env == env
            && r.outcome == Outcome::Deployed
            && !seen.contains(&r.version.as_str())
        {
            seen.push(&r.version);
            out.push(r);
        }
    }
    out
}

/// The images a new deployment can remove: versions deployed on `engine` in `env` beyond
/// the newest `keep` (the current one always kept), newest first.
pub fn images_beyond(
    history: &[DeployRecord],
    engine: &str,
    env: Environment,
    keep: usize,
) -> Vec<String> {
    let mut versions: Vec<&DeployRecord> = Vec::new();
    for r in history.iter().rev() {
        if r.engine == engine
            && r.env == env
            && r.outcome == Outcome::Deployed
            && !versions.iter().any(|v| v.version == r.version)
        {
            versions.push(r);
        }
    }
    versions
        .into_iter()
        .skip(keep.max(1))
        .map(|r| r.image.clone())
        .collect()
}

/// Now, RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A version from the clock: `YYYYMMDD-HHMMSS` (UTC).
pub fn timestamp_version() -> String {
    let f = time::macros::format_description!("[year][month][day]-[hour][minute][second]");
    time::OffsetDateTime::now_utc()
        .format(&f)
        .unwrap_or_else(|_| "0".into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rec(version: &str, outcome: Outcome) -> DeployRecord {
        DeployRecord {
            version: version.into(),
            image: format!("p:{version}"),
            env: Environment::Prod,
            engine: "unix:///e".into(),
            at: now_rfc3339(),
            action: Action::Deploy,
            outcome,
            host_port: Some(8080),
            container_port: Some(8080),
            reason: None,
        }
    }

    #[test]
    fn records_written_before_the_container_port_was_kept_still_read() {
        let old = r#"{"version":"v1","image":"p:v1","env":"prod","engine":"unix:///e","at":"2026-11-30T10:00:00Z","action":"deploy","outcome":"deployed","host_port":8080,"reason":null}"#;
        let r: DeployRecord = serde_json::from_str(old).unwrap();
        assert_eq!((r.host_port, r.container_port), (Some(8080), None));
    }

    #[test]
    fn one_deploy_of_a_folder_at_a_time() {
        let state = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let held = lock(state.path(), root.path()).unwrap();
        let err = lock(state.path(), root.path()).unwrap_err().to_string();
        assert!(err.contains("another deploy or rollback"), "{err}");
        // Another folder is not held up.
        let _other = lock(state.path(), other.path()).unwrap();
        drop(held);
        let _again = lock(state.path(), root.path()).unwrap();
    }

    #[test]
    fn current_previous_and_pruning_follow_the_outcomes() {
        let h = vec![
            rec("a", Outcome::Deployed),
            rec("b", Outcome::Deployed),
            rec("c", Outcome::RolledBack),
            rec("d", Outcome::Deployed),
            rec("b", Outcome::Deployed),
        ];
        assert_eq!(
            current(&h, "unix:///e", Environment::Prod).unwrap().version,
            "b"
        );
        assert!(current(&h, "unix:///other", Environment::Prod).is_none());
        assert!(current(&h, "unix:///e", Environment::Dev).is_none());
        let prev: Vec<&str> = previous_versions(&h, "unix:///e", Environment::Prod)
            .iter()
            .map(|r| r.version.as_str())
            .collect();
        assert_eq!(prev, vec!["d", "a"]);
        assert_eq!(
            images_beyond(&h, "unix:///e", Environment::Prod, 2),
            vec!["p:a".to_string()]
        );
        assert!(images_beyond(&h, "unix:///e", Environment::Prod, 3).is_empty());
        // The current version is always kept.
        assert_eq!(
            images_beyond(&h, "unix:///e", Environment::Prod, 0).len(),
            2
        );
    }

    #[test]
    fn history_round_trips_through_the_state_dir() {
        let d = tempfile::tempdir().unwrap();
        let root = Path::new("/some/project");
        assert!(read_history(d.path(), root).unwrap().is_empty());
        append_history(d.path(), root, &rec("a", Outcome::Deployed)).unwrap();
        append_history(d.path(), root, &rec("b", Outcome::RolledBack)).unwrap();
        let h = read_history(d.path(), root).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[1].outcome, Outcome::RolledBack);
        assert!(history_file(d.path(), root).starts_with(d.path().join("deploy")));
        std::fs::write(history_file(d.path(), root), "not json").unwrap();
        assert!(read_history(d.path(), root).is_err());
        assert_eq!(timestamp_version().len(), 15);
    }
}
