//! The ignore files the detection walk honours, read by [`crate::fsread`]'s rules (a
//! `.gitignore` linked to `/dev/zero` or a FIFO must not hang or exhaust the walk, which
//! reading them through the `ignore` crate's walker would).
//!
//! - `.dockerignore` at the root, with Docker's semantics ([`crate::dockerignore`]: anchored
//!   at the root, the same matcher as the build context and the watcher). Bad lines are not
//!   applied and are reported.
//! - `.gitignore` and `.ignore` in every folder, `.git/info/exclude` at the root, with git's
//!   semantics (the `ignore` crate's matcher, given the text): a deeper file wins over a
//!   shallower one, and `.ignore` over `.gitignore` over `.git/info/exclude`, as the `ignore`
//!   crate's walker ranks them.
//!
//! An ignore file that cannot be read safely (a link, a FIFO, over 1 MiB, unreadable) is not
//! applied and is reported in [`super::Project::skipped`].

use super::Skipped;
use crate::dockerignore::DockerIgnore;
use crate::fsread;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The per-folder git ignore files, by precedence: `.ignore` first.
const PER_FOLDER: [&str; 2] = [".ignore", ".gitignore"];

type Chain = Arc<Vec<Arc<Folder>>>;

#[derive(Default)]
struct Folder {
    /// Matchers for [`PER_FOLDER`], in the same order (None: no such file).
    matchers: [Option<Gitignore>; 2],
}

pub(super) struct Ignores {
    root: PathBuf,
    docker: DockerIgnore,
    exclude: Option<Gitignore>,
    /// Per folder walked: the folders from it up to the root that have ignore files,
    /// deepest first (computed once per folder, so a file costs one lookup).
    chains: Mutex<HashMap<PathBuf, Chain>>,
    notes: Mutex<Vec<Skipped>>,
}

impl Ignores {
    pub(super) fn new(root: &Path) -> Ignores {
        let mut notes = Vec::new();
        let docker = match fsread::read_text(&root.join(".dockerignore")) {
            Ok(Some(text)) => {
                let (docker, bad) = DockerIgnore::parse_lenient(&text);
                notes.extend(bad.into_iter().map(|b| Skipped {
                    path: ".dockerignore".into(),
                    reason: format!("line {} not applied: {}", b.line, b.message),
                }));
                docker
            }
            Ok(None) => DockerIgnore::default(),
            Err(e) => {
                notes.push(not_applied(".dockerignore", &e));
                DockerIgnore::default()
            }
        };
        // `.git/info/exclude` only when `.git` is a real folder (not a link, not a
        // worktree's `.git` file).
        let git = root.join(".git");
        let exclude = std::fs::symlink_metadata(&git)
            .is_ok_and(|m| m.is_dir())
            .then(|| load(root, &git.join("info").join("exclude"), &mut notes))
            .flatten();
        Ignores {
            root: root.to_path_buf(),
            docker,
            exclude,
            chains: Mutex::new(HashMap::new()),
            notes: Mutex::new(notes),
        }
    }

    /// Is `path` (under the root; `rel` is its relative, slash-separated form) ignored? A
    /// folder the `.dockerignore` excludes is still walked when it has exceptions (`!`): a
    /// file inside may be let back in.
    pub(super) fn is_ignored(&self, path: &Path, rel: &str, is_dir: bool) -> bool {
        if self.docker.is_excluded(rel) && !(is_dir && self.docker.has_exceptions()) {
            return true;
        }
        let Some(parent) = path.parent() else {
            return false;
        };
        let chain = self.chain(parent);
        for i in 0..PER_FOLDER.len() {
            for folder in chain.iter() {
                if let Some(m) = &folder.matchers[i] {
                    match m.matched(path, is_dir) {
                        Match::None => {}
                        Match::Ignore(_) => return true,
                        Match::Whitelist(_) => return false,
                    }
                }
            }
        }
        self.exclude
            .as_ref()
            .is_some_and(|m| m.matched(path, is_dir).is_ignore())
    }

    /// Ignore files that were not applied, and why (taken: a second call returns none).
    pub(super) fn take_notes(&self) -> Vec<Skipped> {
        std::mem::take(&mut *self.notes.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The chain of `dir` (see [`Ignores::chains`]); its ignore files are read here, once.
    fn chain(&self, dir: &Path) -> Chain {
        if let Some(c) = self.lock_chains().get(dir) {
            return c.clone();
        }
        let mut chain = match dir.parent() {
            Some(parent) if dir != self.root && parent.starts_with(&self.root) => {
                (*self.chain(parent)).clone()
            }
            _ => Vec::new(),
        };
        let mut notes = Vec::new();
        let mut folder = Folder::default();
        for (i, name) in PER_FOLDER.iter().enumerate() {
            folder.matchers[i] = load(&self.root, &dir.join(name), &mut notes);
        }
        if folder.matchers.iter().any(Option::is_some) {
            chain.insert(0, Arc::new(folder));
        }
        if !notes.is_empty() {
            self.notes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(notes);
        }
        let chain = Arc::new(chain);
        self.lock_chains().insert(dir.to_path_buf(), chain.clone());
        chain
    }

    fn lock_chains(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Chain>> {
        self.chains.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A gitignore-style file at `file` as a matcher rooted at its folder (the `.git/info`
/// exclude file is rooted at the project root); None when absent or not applied.
fn load(root: &Path, file: &Path, notes: &mut Vec<Skipped>) -> Option<Gitignore> {
    let rel = || {
        file.strip_prefix(root)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let text = match fsread::read_text(file) {
        Ok(t) => t?,
        Err(e) => {
            notes.push(not_applied(&rel(), &e));
            return None;
        }
    };
    let base = if file.ends_with(".git/info/exclude") {
        root
    } else {
        file.parent().unwrap_or(root)
    };
    let mut b = GitignoreBuilder::new(base);
    for line in text.lines() {
        // A bad glob line is skipped, as git does.
        let _ = b.add_line(Some(file.to_path_buf()), line);
    }
    match b.build() {
        Ok(m) => Some(m),
        Err(e) => {
            notes.push(Skipped {
                path: rel(),
                reason: format!("not applied: {e}"),
            });
            None
        }
    }
}

fn not_applied(rel: &str, e: &crate::Error) -> Skipped {
    let why = match e {
        crate::Error::NotARegularFile { what, .. } => what.to_string(),
        crate::Error::TooLarge { cap, .. } => {
            format!("larger than {}", fsread::human_size(*cap))
        }
        other => other.to_string(),
    };
    Skipped {
        path: rel.into(),
        reason: format!("not applied: {why}"),
    }
}
