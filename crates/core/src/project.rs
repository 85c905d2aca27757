//! A read-only view of a project folder, walked as git would (honours .gitignore and
//! .dockerignore, never descends into dependency or build folders).
//!
//! The folder is walked once by [`Project::open`]; detectors then ask for paths and read
//! files on demand through [`Project::read`], which reads by the rules of
//! [`crate::fsread`]: never through a symbolic link, only regular files, at most
//! [`READ_CAP`] bytes. Nothing else in detection touches `std::fs`.
//!
//! Decisions, written down:
//! - Only the folder's own ignore files count (`.gitignore`, `.ignore`, `.dockerignore`,
//!   `.git/info/exclude`); parent folders' and the user's global gitignore do not, so the
//!   result does not depend on where the folder sits. `.gitignore` applies even outside a
//!   git repository. `.dockerignore` has Docker's semantics (root only, anchored; the same
//!   matcher as the build context). The ignore files themselves are read safely (see
//!   `project/ignores.rs`); one that is a link, a FIFO or too large is not applied and is
//!   reported in [`Project::skipped`].
//! - Symbolic links are never followed into folders, so a symlink loop cannot hang the walk:
//!   a link to a folder (or a dangling or looping link) is skipped and reported in
//!   [`Project::skipped`]; a link to a regular file is listed like a file, but reading it
//!   is refused ([`Error::NotARegularFile`]: Berth does not follow links in a project), so a
//!   linked manifest is a clear error rather than a silently different detection.
//! - File names that are not valid UTF-8 are skipped and reported in [`Project::skipped`].
//! - A root-level `.env` is listed even when ignored: it is runtime configuration (compose
//!   reads it), and it is where `PORT` is usually set.

use crate::{Error, Result};
use ignore::WalkBuilder;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod ignores;

/// Folders never descended into, wherever they are: dependencies, build outputs, caches, VCS.
pub const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    ".pnpm-store",
    ".yarn",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "vendor",
    "dist",
    ".next",
    ".nuxt",
    ".svelte-kit",
    ".angular",
    ".turbo",
    ".parcel-cache",
    ".cache",
    ".gradle",
    ".idea",
    "obj",
    ".bundle",
    "coverage",
    ".terraform",
];

/// Folders whose source is not the app (see [`Project::sources`]).
pub const NON_APP_DIRS: &[&str] = &[
    "test",
    "tests",
    "spec",
    "__tests__",
    "testdata",
    "fixtures",
    "e2e",
    // not "example": Java packages live in com/example/...
    "examples",
    "docs",
];

/// The most entries (files, folders, links outside [`SKIP_DIRS`]) a project walk visits: a
/// larger tree (a home folder, a disk) is refused within seconds and bounded memory.
pub const MAX_ENTRIES: usize = 200_000;

/// Largest number of bytes [`Project::read`] returns from one file.
pub const READ_CAP: u64 = crate::fsread::READ_CAP;

/// Something the walk did not list, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Relative path (lossily converted when the name is not UTF-8).
    pub path: String,
    pub reason: String,
}

#[derive(Debug)]
pub struct Project {
    root: PathBuf,
    /// Relative paths with forward slashes, sorted.
    files: Vec<String>,
    skipped: Vec<Skipped>,
}

impl Project {
    /// Open and walk the folder at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound(path.to_path_buf()))
            }
            Err(e) if is_loop(&e) => {
                // The path itself is a symlink loop.
                return Err(Error::SymlinkLoop(path.to_path_buf()));
            }
            Err(e) => {
                return Err(Error::Unreadable {
                    path: path.to_path_buf(),
                    source: e,
                })
            }
        };
        if !meta.is_dir() {
            return Err(Error::NotADirectory(path.to_path_buf()));
        }
        // Fail early and clearly when the folder itself cannot be listed.
        std::fs::read_dir(path).map_err(|e| Error::Unreadable {
            path: path.to_path_buf(),
            source: e,
        })?;
        let mut project = Project {
            root: path.to_path_buf(),
            files: Vec::new(),
            skipped: Vec::new(),
        };
        project.walk(MAX_ENTRIES)?;
        Ok(project)
    }

    /// Walk at most `limit` entries (files, folders, links); a larger tree is refused.
    fn walk(&mut self, limit: usize) -> Result<()> {
        let mut seen = 0usize;
        let ignores = Arc::new(ignores::Ignores::new(&self.root));
        let mut builder = WalkBuilder::new(&self.root);
        // The ignore files are read by `ignores` (safely), not by the walker.
        builder.standard_filters(false).follow_links(false);
        let root = self.root.clone();
        let ig = ignores.clone();
        builder.filter_entry(move |e| {
            if e.depth() == 0 {
                return true;
            }
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if is_dir
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| SKIP_DIRS.contains(&n))
            {
                return false;
            }
            // A non-UTF-8 name is kept here and reported by the loop below.
            let Some(rel) = e.path().strip_prefix(&root).ok().and_then(Path::to_str) else {
                return true;
            };
            !ig.is_ignored(e.path(), &rel.replace('\\', "/"), is_dir)
        });
        for entry in builder.build() {
            seen += 1;
            if seen > limit {
                return Err(Error::InvalidInput(format!(
                    "{} holds more than {limit} files and folders outside dependency and build \
                     folders: that is not one project (is it your home folder?); open the \
                     project's own folder",
                    self.root.display()
                )));
            }
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    self.skipped.push(Skipped {
                        path: walk_error_path(&err, &self.root),
                        reason: format!("cannot read: {err}"),
                    });
                    continue;
                }
            };
            if entry.depth() == 0 {
                continue;
            }
            let rel_path = entry
                .path()
                .strip_prefix(&self.root)
                .unwrap_or(entry.path());
            let Some(file_type) = entry.file_type() else {
                continue;
            };
            let Some(rel) = rel_path.to_str() else {
                self.skipped.push(Skipped {
                    path: rel_path.to_string_lossy().replace('\\', "/"),
                    reason: "file name is not valid UTF-8".into(),
                });
                continue;
            };
            let rel = rel.replace('\\', "/");
            if file_type.is_file() {
                self.files.push(rel);
            } else if file_type.is_symlink() {
                match std::fs::metadata(entry.path()) {
                    Ok(m) if m.is_file() => self.files.push(rel),
                    Ok(m) if m.is_dir() => self.skipped.push(Skipped {
                        path: rel,
                        reason: "symbolic link to a folder (not followed)".into(),
                    }),
                    Ok(_) => self.skipped.push(Skipped {
                        path: rel,
                        reason: "symbolic link to a special file (not followed)".into(),
                    }),
                    Err(e) if is_loop(&e) => self.skipped.push(Skipped {
                        path: rel,
                        reason: "symbolic link loop".into(),
                    }),
                    Err(e) => self.skipped.push(Skipped {
                        path: rel,
                        reason: format!("broken symbolic link ({e})"),
                    }),
                }
            }
        }
        if !self.files.iter().any(|f| f == ".env") && self.root.join(".env").is_file() {
            self.files.push(".env".into());
        }
        self.skipped.extend(ignores.take_notes());
        self.files.sort();
        self.files.dedup();
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every listed file: relative, forward slashes, sorted.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// What the walk left out other than by ignore rules (non-UTF-8 names, symlinks, errors).
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Is `rel` a listed file?
    pub fn has(&self, rel: &str) -> bool {
        self.files.binary_search_by(|f| f.as_str().cmp(rel)).is_ok()
    }

    /// Is there any listed file under folder `dir` (relative, no trailing slash)?
    pub fn has_dir(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        let start = self.files.partition_point(|f| f.as_str() < prefix.as_str());
        self.files
            .get(start)
            .is_some_and(|f| f.starts_with(&prefix))
    }

    /// The first of `names` that is a listed file.
    pub fn first_of<'a>(&self, names: &[&'a str]) -> Option<&'a str> {
        names.iter().copied().find(|n| self.has(n))
    }

    /// Listed files at the root (no `/` in the path).
    pub fn root_files(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .map(String::as_str)
            .filter(|f| !f.contains('/'))
    }

    /// Listed files whose name ends with one of `exts` (e.g. `".py"`), shallowest first,
    /// at most `limit` of them: the files a detector scans for ports and routes. Files under
    /// test, fixture, example and documentation folders ([`NON_APP_DIRS`]) are left out: the
    /// servers there are not the app.
    pub fn sources(&self, exts: &[&str], limit: usize) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .files
            .iter()
            .map(String::as_str)
            .filter(|f| exts.iter().any(|e| f.ends_with(e)))
            .filter(|f| {
                let dirs = f.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                !dirs.split('/').any(|d| NON_APP_DIRS.contains(&d))
            })
            .collect();
        v.sort_by_cached_key(|f| (f.matches('/').count(), *f));
        v.truncate(limit);
        v
    }

    /// Read a listed file as text (invalid UTF-8 replaced), at most [`READ_CAP`] bytes (a
    /// longer file is cut there: detectors scan text for hints). A path the walk did not
    /// list is reported as not found; a symbolic link, FIFO, device or folder is refused
    /// (see [`crate::fsread`]).
    pub fn read(&self, rel: &str) -> Result<String> {
        let path = self.root.join(rel);
        if !self.has(rel) {
            return Err(Error::NotFound(path));
        }
        match crate::fsread::read(&path, crate::fsread::ReadOptions::SCAN)? {
            Some(r) => Ok(r.text()),
            None => Err(Error::NotFound(path)),
        }
    }

    /// Read a file if it is listed; `Ok(None)` if it is not.
    pub fn read_opt(&self, rel: &str) -> Result<Option<String>> {
        if self.has(rel) {
            self.read(rel).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// ELOOP ("too many levels of symbolic links"): 40 on Linux, 62 on macOS and the BSDs.
/// (`io::ErrorKind::FilesystemLoop` is not stable yet.)
fn is_loop(e: &std::io::Error) -> bool {
    let eloop = if cfg!(any(target_os = "linux", target_os = "android")) {
        40
    } else {
        62
    };
    cfg!(unix) && e.raw_os_error() == Some(eloop)
}

fn walk_error_path(err: &ignore::Error, root: &Path) -> String {
    fn find(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                find(err)
            }
            ignore::Error::Loop { child, .. } => Some(child),
            _ => None,
        }
    }
    find(err)
        .map(|p| {
            p.strip_prefix(root)
                .unwrap_or(p)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(root: &Path, rel: &str, body: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }

    #[test]
    fn a_tree_larger_than_the_limit_is_refused_not_walked_to_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(r, "package.json", "{}");
        for i in 0..50 {
            touch(r, &format!("data/f{i}.txt"), "x");
        }
        // Dependency folders do not count.
        for i in 0..100 {
            touch(r, &format!("node_modules/dep{i}/index.js"), "x");
        }
        let mut p = Project {
            root: r.to_path_buf(),
            files: Vec::new(),
            skipped: Vec::new(),
        };
        assert!(p.walk(60).is_ok());
        let e = p.walk(40).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        assert!(
            e.to_string().contains("more than 40 files and folders"),
            "{e}"
        );
    }

    #[test]
    fn walk_skips_dependency_dirs_and_ignored_files() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(r, "package.json", "{}");
        touch(r, "src/index.js", "");
        touch(r, "node_modules/express/package.json", "{}");
        touch(r, "sub/node_modules/x/index.js", "");
        touch(r, ".venv/lib/site.py", "");
        touch(r, "target/debug/x", "");
        touch(r, "dist/app.js", "");
        touch(r, ".gitignore", "generated/\n*.log\n");
        touch(r, "generated/package.json", "{}");
        touch(r, "debug.log", "");
        touch(r, ".dockerignore", "secrets\n");
        touch(r, "secrets/key.txt", "");
        touch(r, ".env", "PORT=1\n");
        let p = Project::open(r).unwrap();
        assert_eq!(
            p.files(),
            &[
                ".dockerignore",
                ".env",
                ".gitignore",
                "package.json",
                "src/index.js"
            ]
        );
        assert!(p.has("src/index.js"));
        assert!(p.has_dir("src"));
        assert!(!p.has_dir("node_modules"));
        assert!(p.read("generated/package.json").is_err());
    }

    /// Pruned folders are not even descended into: a symlink loop and a non-UTF-8 name placed
    /// inside them would otherwise show up in `skipped`.
    #[cfg(unix)]
    #[test]
    fn pruned_folders_are_not_descended_into() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(r, ".gitignore", "ignored/\n");
        touch(r, ".dockerignore", "docker-only/\n");
        for d in [
            "node_modules/pkg",
            "ignored",
            "docker-only",
            ".venv",
            "target",
        ] {
            fs::create_dir_all(r.join(d)).unwrap();
            std::os::unix::fs::symlink("loop", r.join(d).join("loop")).unwrap();
            fs::write(r.join(d).join(std::ffi::OsStr::from_bytes(b"x\xff")), "").unwrap();
        }
        let p = Project::open(r).unwrap();
        assert_eq!(p.skipped(), &[]);
        assert_eq!(p.files(), &[".dockerignore", ".gitignore"]);
    }

    #[test]
    fn dotenv_at_root_is_listed_even_when_ignored() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), ".gitignore", ".env\n");
        touch(dir.path(), ".env", "PORT=1\n");
        let p = Project::open(dir.path()).unwrap();
        assert!(p.has(".env"));
    }

    #[test]
    fn read_is_capped() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "big.txt", &"x".repeat(READ_CAP as usize + 10));
        let p = Project::open(dir.path()).unwrap();
        assert_eq!(p.read("big.txt").unwrap().len(), READ_CAP as usize);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_and_non_utf8_names_are_skipped_and_reported() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(r, "index.html", "<html></html>");
        std::os::unix::fs::symlink(".", r.join("loop")).unwrap();
        std::os::unix::fs::symlink("self", r.join("self")).unwrap();
        std::os::unix::fs::symlink("index.html", r.join("alias.html")).unwrap();
        fs::write(r.join(OsStr::from_bytes(b"bad\xffname.txt")), "").unwrap();
        let p = Project::open(r).unwrap();
        assert_eq!(p.files(), &["alias.html", "index.html"]);
        let reasons: Vec<_> = p
            .skipped()
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect();
        assert!(reasons.contains(&("loop", "symbolic link to a folder (not followed)")));
        assert!(reasons.contains(&("self", "symbolic link loop")));
        assert!(reasons
            .iter()
            .any(|(p, r)| p.starts_with("bad") && r.contains("UTF-8")));
    }

    #[test]
    fn bad_paths_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        assert_eq!(
            Project::open(&missing).unwrap_err().kind(),
            crate::ErrorKind::NotFound
        );
        touch(dir.path(), "f.txt", "");
        assert_eq!(
            Project::open(&dir.path().join("f.txt")).unwrap_err().kind(),
            crate::ErrorKind::NotADirectory
        );
    }

    #[cfg(unix)]
    #[test]
    fn root_symlink_loop_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let l = dir.path().join("l");
        std::os::unix::fs::symlink("l", &l).unwrap();
        assert_eq!(
            Project::open(&l).unwrap_err().kind(),
            crate::ErrorKind::SymlinkLoop
        );
    }
}
