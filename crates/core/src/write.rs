//! Writing generated files: preview (with diffs) and safe, atomic writes.
//!
//! The project folder is untrusted input (see also [`crate::fsread`]). The rules:
//! - **Reads.** The preview reads the files already there by [`crate::fsread`]'s rules: never
//!   through a symbolic link, only regular files, at most 1 MiB. A `Dockerfile` that is a
//!   link (to `/dev/zero`, to `~/.ssh/id_rsa`), a FIFO or a device is a clear error, never
//!   read, diffed, backed up or written through.
//! - **What the preview saw is what gets replaced.** [`preview`] returns, per file, a
//!   fingerprint of the bytes it saw ([`FilePreview::seen`], `None` when there was no file).
//!   [`write_previewed`] takes those back and, before writing anything, checks that every file
//!   is still what the preview saw; a file that appeared, changed or went away since is
//!   [`Error::ChangedSincePreview`] (kind `would_overwrite`) and nothing is written, with or
//!   without `force`: the user confirmed the difference they saw, not another one.
//!   [`write`] is preview + [`write_previewed`] in one call, for callers that show nothing.
//! - **No replacement without confirmation.** Without `force`, when any file exists with
//!   different content nothing at all is written ([`Error::WouldOverwrite`]).
//! - **Backups.** With `force`, a differing file is first copied to
//!   `<name>.berth-backup-<UTC time>` beside it. The name is claimed atomically
//!   (`create_new`; `-1`, `-2`... when taken, so two writers, the CLI and the app, never share
//!   one), the copy is made from the bytes just checked (never through a link), with the
//!   original's permissions, and fsynced before the file is replaced.
//! - **Atomic writes.** Each file goes to a temporary file in the same folder, is fsynced, then
//!   put in place: a new file with a hard link, which fails when something appeared at that
//!   name meanwhile (it is then [`Error::ChangedSincePreview`], never replaced); a replaced
//!   file by a rename, after checking once more that it is what the preview saw. The folder is
//!   fsynced after. A reader sees the old file or the new one, never half of one. Unchanged
//!   files are not touched.
//! - **Partial failure.** When a later file fails (a full disk), [`Error::PartlyWritten`] names
//!   the files already written (and their backups).
//!
//! What is left: a program that replaces a file in the microseconds between the last check
//! and the rename loses that version (Berth cannot lock files other programs write). On a
//! filesystem without hard links, a new file is created with `create_new` and written in
//! place (still never replacing anything, but a reader may see it half-written).
//!
//! The app and the CLI both use these functions.

use crate::fsread::{self, ReadOptions};
use crate::render::RenderedFiles;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions, Permissions};
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
    /// The same as side-by-side rows (empty when the file is new or unchanged).
    pub rows: Vec<crate::diff::DiffRow>,
    pub status: FileStatus,
    /// Fingerprint of the bytes on disk when previewed (`sha256:<hex>`), `None` when there
    /// was no file: hand it back to the write ([`Seen`]) so a file that changed since is
    /// never replaced unseen.
    pub seen: Option<String>,
}

impl FilePreview {
    /// What this preview saw, as [`write_previewed`] takes it.
    pub fn seen(&self) -> Seen {
        Seen {
            name: self.name.clone(),
            seen: self.seen.clone(),
        }
    }
}

/// What a preview saw of one file: [`FilePreview::name`] and [`FilePreview::seen`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Seen {
    pub name: String,
    pub seen: Option<String>,
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
        RenderedFiles::files(self)
    }
}

/// `sha256:<hex>` of `bytes`: what [`FilePreview::seen`] holds.
pub fn fingerprint(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Compare the generated files with what is in `out_dir` (read by [`crate::fsread`]'s
/// rules: a link, FIFO, device or a file over 1 MiB is an error).
pub fn preview(out_dir: &Path, files: &dyn FileSet) -> Result<Vec<FilePreview>> {
    files
        .files()
        .iter()
        .map(|(name, content)| {
            let path = out_dir.join(name);
            let found = fsread::read(&path, ReadOptions::PROJECT)?;
            let seen = found.as_ref().map(|r| fingerprint(&r.bytes));
            let existing = found.map(fsread::FileRead::text);
            let status = match &existing {
                None => FileStatus::New,
                Some(e) if e == content => FileStatus::Unchanged,
                Some(_) => FileStatus::Changed,
            };
            let (diff, rows) = match (&existing, status) {
                (Some(old), FileStatus::Changed) => (
                    Some(unified_diff(name, old, content)),
                    crate::diff::side_by_side(old, content),
                ),
                _ => (None, Vec::new()),
            };
            Ok(FilePreview {
                name: name.to_string(),
                path,
                content: content.to_string(),
                existing,
                diff,
                rows,
                status,
                seen,
            })
        })
        .collect()
}

/// Preview, then [`write_previewed`] with what that preview saw: for callers that do not
/// show the preview (the CLI with `--force`).
pub fn write(out_dir: &Path, files: &dyn FileSet, force: bool) -> Result<WriteReport> {
    check_out_dir(out_dir)?;
    let seen: Vec<Seen> = preview(out_dir, files)?
        .iter()
        .map(FilePreview::seen)
        .collect();
    write_previewed(out_dir, files, &seen, force)
}

/// Write the generated files into `out_dir` (which must exist), given what the preview
/// the user confirmed saw of each file (see the module docs for the rules).
pub fn write_previewed(
    out_dir: &Path,
    files: &dyn FileSet,
    seen: &[Seen],
    force: bool,
) -> Result<WriteReport> {
    check_out_dir(out_dir)?;
    // Check every file before writing any.
    let mut todo = Vec::new();
    for (name, content) in files.files() {
        let path = out_dir.join(name);
        let expected = seen
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| Error::InvalidInput(format!("no preview of {name}: preview first")))?;
        let now = fsread::read(&path, ReadOptions::PROJECT)?;
        if now.as_ref().map(|r| fingerprint(&r.bytes)) != expected.seen {
            return Err(Error::ChangedSincePreview(path));
        }
        let status = match &now {
            None => FileStatus::New,
            Some(r) if r.bytes == content.as_bytes() => FileStatus::Unchanged,
            Some(_) => FileStatus::Changed,
        };
        todo.push((name, path, content, status, expected.seen.clone()));
    }
    if !force {
        if let Some((_, path, ..)) = todo.iter().find(|t| t.3 == FileStatus::Changed) {
            return Err(Error::WouldOverwrite(path.clone()));
        }
    }
    let stamp = utc_stamp(SystemTime::now());
    let mut written: Vec<WrittenFile> = Vec::new();
    for (name, path, content, status, expected) in todo {
        let done = match (status, expected) {
            (FileStatus::Unchanged, _) => Ok(None),
            (FileStatus::New, _) => create_file(&path, content.as_bytes()).map(|()| None),
            (FileStatus::Changed, Some(fp)) => {
                replace_with_backup(&path, &fp, content.as_bytes(), &stamp).map(Some)
            }
            (FileStatus::Changed, None) => Err(Error::ChangedSincePreview(path.clone())),
        };
        match done {
            Ok(backup) => written.push(WrittenFile {
                name: name.to_string(),
                path,
                status,
                backup,
            }),
            Err(e) => return Err(partly_written(&written, e)),
        }
    }
    Ok(WriteReport {
        out_dir: out_dir.to_path_buf(),
        files: written,
    })
}

fn check_out_dir(out_dir: &Path) -> Result<()> {
    let meta = std::fs::metadata(out_dir).map_err(|_| Error::NotFound(out_dir.to_path_buf()))?;
    if !meta.is_dir() {
        return Err(Error::NotADirectory(out_dir.to_path_buf()));
    }
    Ok(())
}

/// `e`, naming the files already written when there are any.
fn partly_written(written: &[WrittenFile], e: Error) -> Error {
    let names: Vec<String> = written
        .iter()
        .filter(|w| w.status != FileStatus::Unchanged)
        .map(|w| match &w.backup {
            Some(b) => format!("{} (previous kept in {})", w.path.display(), b.display()),
            None => w.path.display().to_string(),
        })
        .collect();
    if names.is_empty() {
        e
    } else {
        Error::PartlyWritten {
            written: names,
            source: Box::new(e),
        }
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

/// Replace `path`, which must still hold the bytes whose [`fingerprint`] is `expected`
/// (else [`Error::ChangedSincePreview`]), keeping a backup of them; returns the backup.
pub fn replace_with_backup(
    path: &Path,
    expected: &str,
    content: &[u8],
    stamp: &str,
) -> Result<PathBuf> {
    let current = fsread::read(path, ReadOptions::PROJECT)?
        .ok_or_else(|| Error::ChangedSincePreview(path.to_path_buf()))?;
    if fingerprint(&current.bytes) != expected {
        return Err(Error::ChangedSincePreview(path.to_path_buf()));
    }
    let perms = current.meta.permissions();
    let backup = write_backup(path, &current.bytes, &perms, stamp)?;
    replace_file(path, content, Some(&perms))?;
    Ok(backup)
}

/// Copy `path` (read by [`crate::fsread`]'s rules: never through a link) to
/// `<path>.berth-backup-<stamp>`, or `-1`, `-2`... when that name is taken; returns the copy.
pub fn backup_copy(path: &Path, stamp: &str) -> Result<PathBuf> {
    let current = fsread::read(path, ReadOptions::PROJECT)?
        .ok_or_else(|| Error::NotFound(path.to_path_buf()))?;
    write_backup(path, &current.bytes, &current.meta.permissions(), stamp)
}

/// Most backups of one file with one stamp (one second) before giving up.
const BACKUP_TRIES: u32 = 1000;

/// Claim a backup name with `create_new` (so two writers never pick the same one), write
/// `bytes` with `perms`, fsync.
fn write_backup(path: &Path, bytes: &[u8], perms: &Permissions, stamp: &str) -> Result<PathBuf> {
    let base = format!("{}.berth-backup-{stamp}", path.display());
    for n in 0..BACKUP_TRIES {
        let candidate = if n == 0 {
            PathBuf::from(&base)
        } else {
            PathBuf::from(format!("{base}-{n}"))
        };
        let mut f = match create_new(&candidate, perms) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&candidate, e)),
        };
        let result = f.write_all(bytes).and_then(|()| f.sync_all());
        if let Err(e) = result {
            drop(f);
            let _ = std::fs::remove_file(&candidate);
            return Err(Error::io(&candidate, e));
        }
        sync_dir(path);
        return Ok(candidate);
    }
    Err(Error::io(
        path,
        std::io::Error::other(format!(
            "{BACKUP_TRIES} backups named {base}-N already exist"
        )),
    ))
}

/// `create_new` with the given permissions from the start (on unix: never briefly more
/// open than the file it copies).
fn create_new(path: &Path, perms: &Permissions) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        o.mode(perms.mode() & 0o7777);
    }
    let f = o.open(path)?;
    #[cfg(not(unix))]
    f.set_permissions(perms.clone())?;
    Ok(f)
}

/// A temporary file beside `path`, holding `content`, fsynced.
fn temp_beside(path: &Path, content: &[u8], perms: Option<&Permissions>) -> Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.berth-tmp-{}-{n}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = match perms {
            Some(p) => create_new(&tmp, p)?,
            None => OpenOptions::new().write(true).create_new(true).open(&tmp)?,
        };
        f.write_all(content)?;
        f.sync_all()
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(tmp)
}

/// Create `path`, which must not exist: written to a temporary file, fsynced, then hard
/// linked into place (fails when anything appeared at `path`: [`Error::ChangedSincePreview`]).
fn create_file(path: &Path, content: &[u8]) -> Result<()> {
    let tmp = temp_beside(path, content, None)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::ChangedSincePreview(path.to_path_buf()))
        }
        // No hard links on this filesystem: create in place, still never replacing.
        Err(_) => {
            let mut f = match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(Error::ChangedSincePreview(path.to_path_buf()))
                }
                Err(e) => return Err(Error::io(path, e)),
            };
            f.write_all(content)
                .and_then(|()| f.sync_all())
                .map_err(|e| Error::io(path, e))?;
        }
    }
    sync_dir(path);
    Ok(())
}

/// Replace `path` via a temporary file + fsync + rename, so readers see the old or the new
/// content, never half of it; `perms`: the replaced file's permissions, kept.
fn replace_file(path: &Path, content: &[u8], perms: Option<&Permissions>) -> Result<()> {
    let tmp = temp_beside(path, content, perms)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    sync_dir(path);
    Ok(())
}

/// Persist a rename or link in `path`'s folder (best effort: not supported everywhere).
fn sync_dir(path: &Path) {
    let dir = path.parent().unwrap_or(Path::new("."));
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// `YYYYMMDDTHHMMSSZ` in UTC (the backup names' stamp).
pub fn utc_stamp(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    i64::try_from(secs)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| format!("{secs}"))
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
