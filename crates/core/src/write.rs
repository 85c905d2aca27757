//! Writing generated files: preview (with diffs) and safe, atomic writes.
//!
//! An existing file that differs is never replaced without `force`; with `force` it is
//! first renamed to `<name>.berth-backup-<UTC timestamp>` beside it. Each write goes to a
//! temporary file in the same folder, is fsynced, then renamed over the target, so a
//! reader sees the old file or the new one, never half of one. Unchanged files are not
//! touched. The app and the CLI both use these functions.

use crate::render::RenderedFiles;
use crate::{Error, Result};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum FileStatus {
    /// No file there yet.
    New,
    /// The file exists with exactly this content.
    Unchanged,
    /// The file exists with different content.
    Changed,
}

/// One generated file as it would land on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FilePreview {
    /// File name (`Dockerfile`, `compose.yaml`, `.dockerignore`).
    pub name: String,
    pub path: PathBuf,
    pub content: String,
    /// Current content of the file on disk, if any.
    pub existing: Option<String>,
    /// Unified diff existing -> generated, when the file exists and differs.
    pub diff: Option<String>,
    pub status: FileStatus,
}

/// What [`write`] did with one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct WrittenFile {
    pub name: String,
    pub path: PathBuf,
    pub status: FileStatus,
    /// Where the previous content was kept (only for `changed` files, with force).
    pub backup: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct WriteReport {
    pub out_dir: PathBuf,
    pub files: Vec<WrittenFile>,
}

/// Generated files: `(name relative to the output folder, content)`, in the order they are
/// shown and written. A name may hold folders (`base/service-api.yaml`): they must exist
/// before [`write`].
pub trait FileSet {
    fn files(&self) -> Vec<(&str, &str)>;
}

impl FileSet for RenderedFiles {
    fn files(&self) -> Vec<(&str, &str)> {
        RenderedFiles::files(self).to_vec()
    }
}

/// Compare the generated files with what is in `out_dir`.
pub fn preview(out_dir: &Path, files: &dyn FileSet) -> Result<Vec<FilePreview>> {
    files
        .files()
        .iter()
        .map(|(name, content)| {
            let path = out_dir.join(name);
            let existing = read_existing(&path)?;
            let status = match &existing {
                None => FileStatus::New,
                Some(e) if e == content => FileStatus::Unchanged,
                Some(_) => FileStatus::Changed,
            };
            let diff = match (&existing, status) {
                (Some(old), FileStatus::Changed) => Some(unified_diff(name, old, content)),
                _ => None,
            };
            Ok(FilePreview {
                name: name.to_string(),
                path,
                content: content.to_string(),
                existing,
                diff,
                status,
            })
        })
        .collect()
}

/// Write the generated files into `out_dir` (which must exist).
///
/// Without `force`, if any file exists with different content nothing at all is written
/// and [`Error::WouldOverwrite`] names the first such file.
pub fn write(out_dir: &Path, files: &dyn FileSet, force: bool) -> Result<WriteReport> {
    let meta = std::fs::metadata(out_dir).map_err(|_| Error::NotFound(out_dir.to_path_buf()))?;
    if !meta.is_dir() {
        return Err(Error::NotADirectory(out_dir.to_path_buf()));
    }
    let previews = preview(out_dir, files)?;
    if !force {
        if let Some(p) = previews.iter().find(|p| p.status == FileStatus::Changed) {
            return Err(Error::WouldOverwrite(p.path.clone()));
        }
    }
    let stamp = utc_stamp(SystemTime::now());
    let mut written = Vec::new();
    for p in previews {
        let backup = match p.status {
            FileStatus::Unchanged => None,
            FileStatus::New => {
                atomic_write(&p.path, p.content.as_bytes())?;
                None
            }
            FileStatus::Changed => {
                let backup = backup_copy(&p.path, &stamp)?;
                atomic_write(&p.path, p.content.as_bytes())?;
                Some(backup)
            }
        };
        written.push(WrittenFile {
            name: p.name,
            path: p.path,
            status: p.status,
            backup,
        });
    }
    Ok(WriteReport {
        out_dir: out_dir.to_path_buf(),
        files: written,
    })
}

fn read_existing(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Unreadable {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

/// Unified diff with 3 lines of context, headed `a/<name>` / `b/<name>`.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

/// Copy `path` to `<path>.berth-backup-<stamp>` (with `-1`, `-2`... if that name is taken,
/// so two writes in the same second never overwrite an earlier backup); returns the copy.
pub fn backup_copy(path: &Path, stamp: &str) -> Result<PathBuf> {
    let backup = backup_path(path, stamp);
    std::fs::copy(path, &backup).map_err(|e| Error::io(&backup, e))?;
    Ok(backup)
}

/// `<path>.berth-backup-<stamp>`, with `-1`, `-2`... if that name is taken.
fn backup_path(path: &Path, stamp: &str) -> PathBuf {
    let base = format!("{}.berth-backup-{stamp}", path.display());
    let mut candidate = PathBuf::from(&base);
    let mut n = 1;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{base}-{n}"));
        n += 1;
    }
    candidate
}

/// Write via a temp file in the same folder + fsync + rename, so readers see the old or the
/// new content, never half of it. A file being replaced keeps its permissions.
pub fn atomic_write(path: &Path, content: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.berth-tmp-{}-{n}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        if let Ok(meta) = std::fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.write_all(content)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        // Persist the rename itself (best effort: not supported on every platform).
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// `YYYYMMDDTHHMMSSZ` in UTC, from the civil-from-days algorithm (no date crate needed).
pub fn utc_stamp(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn utc_stamp_matches_known_dates() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101T000000Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_709_210_096); // 2024-02-29 12:34:56
        assert_eq!(utc_stamp(t), "20240229T123456Z");
        let t = UNIX_EPOCH + Duration::from_secs(4_102_444_799); // 2099-12-31 23:59:59
        assert_eq!(utc_stamp(t), "20991231T235959Z");
    }

    #[test]
    fn diff_names_both_sides() {
        let d = unified_diff("Dockerfile", "FROM a\n", "FROM b\n");
        assert!(
            d.contains("--- a/Dockerfile") && d.contains("+++ b/Dockerfile"),
            "{d}"
        );
        assert!(d.contains("-FROM a") && d.contains("+FROM b"), "{d}");
    }
}
