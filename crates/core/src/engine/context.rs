//! The build context: an in-memory tar of the project folder filtered by `.dockerignore`
//! with the docker CLI's semantics (patterns anchored at the context root, `*`, `?`, `**`,
//! `!` exceptions, last match wins; a matched folder excludes its contents). The Dockerfile
//! and .dockerignore are always sent, as the docker CLI does.

use crate::{Error, Result};
use regex::Regex;
use std::path::Path;

/// One `.dockerignore` rule.
#[derive(Debug, Clone)]
struct Rule {
    re: Regex,
    negate: bool,
}

/// A compiled `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    rules: Vec<Rule>,
}

impl DockerIgnore {
    /// Parse `.dockerignore` text. Invalid patterns are skipped.
    pub fn parse(text: &str) -> DockerIgnore {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (negate, pat) = match line.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, line),
            };
            let pat = clean(pat);
            if pat.is_empty() {
                continue;
            }
            if let Ok(re) = Regex::new(&pattern_regex(&pat)) {
                rules.push(Rule { re, negate });
            }
        }
        DockerIgnore { rules }
    }

    /// Read `<root>/.dockerignore` (absent: nothing ignored) by [`crate::fsread`]'s rules.
    pub fn load(root: &Path) -> Result<DockerIgnore> {
        Ok(Self::load_opt(root)?.unwrap_or_default())
    }

    /// Read `<root>/.dockerignore`; `None` when there is none.
    pub fn load_opt(root: &Path) -> Result<Option<DockerIgnore>> {
        Ok(crate::fsread::read_text(&root.join(".dockerignore"))?.map(|t| Self::parse(&t)))
    }

    pub fn has_exceptions(&self) -> bool {
        self.rules.iter().any(|r| r.negate)
    }

    /// Is `rel` (slash-separated, relative to the context root) excluded? A path is also
    /// excluded when one of its parent folders is matched.
    pub fn is_excluded(&self, rel: &str) -> bool {
        let rel = clean(rel);
        let mut excluded = false;
        for r in &self.rules {
            // The path itself or any parent prefix matches.
            let mut matched = r.re.is_match(&rel);
            if !matched {
                let mut prefix = String::new();
                for part in rel.split('/') {
                    if !prefix.is_empty() {
                        prefix.push('/');
                    }
                    prefix.push_str(part);
                    if prefix.len() < rel.len() && r.re.is_match(&prefix) {
                        matched = true;
                        break;
                    }
                }
            }
            if matched {
                excluded = !r.negate;
            }
        }
        excluded
    }
}

/// Like Go's filepath.Clean on a slash path, without a leading `/` or `./`.
fn clean(p: &str) -> String {
    let p = p.replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            x => parts.push(x),
        }
    }
    parts.join("/")
}

fn pattern_regex(pat: &str) -> String {
    let mut re = String::from("^");
    let chars: Vec<char> = pat.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                // `**/` matches any number of folders (including none); a trailing `**`
                // matches everything.
                if chars.get(i + 2) == Some(&'/') {
                    re.push_str("(?:.*/)?");
                    i += 3;
                } else {
                    re.push_str(".*");
                    i += 2;
                }
                continue;
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '[' => {
                // character class: copy through to the closing bracket
                let mut j = i + 1;
                let mut class = String::from("[");
                if chars.get(j) == Some(&'^') || chars.get(j) == Some(&'!') {
                    class.push('^');
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    if chars[j] == '\\' {
                        class.push_str("\\\\");
                    } else {
                        class.push(chars[j]);
                    }
                    j += 1;
                }
                if j < chars.len() {
                    class.push(']');
                    re.push_str(&class);
                    i = j + 1;
                    continue;
                }
                re.push_str("\\[");
            }
            '\\' if i + 1 < chars.len() => {
                i += 1;
                re.push_str(&regex::escape(&chars[i].to_string()));
            }
            other => re.push_str(&regex::escape(&other.to_string())),
        }
        i += 1;
    }
    re.push('$');
    re
}

/// Files that always go into the context, even when .dockerignore lists them.
fn always_sent(rel: &str, dockerfile: &str) -> bool {
    rel == ".dockerignore" || rel == clean(dockerfile)
}

/// What went into a context tar.
#[derive(Debug, Clone)]
pub struct BuildContext {
    pub tar: Vec<u8>,
    pub files: usize,
}

/// Tar `root` filtered by its .dockerignore (or, when the folder has none, by
/// `default_ignore`). `dockerfile` is the Dockerfile's path relative to the root (always
/// included); `extra` files (name, contents) are added in memory, e.g. a rendered
/// Dockerfile that is not written to disk.
pub fn tar_context(
    root: &Path,
    dockerfile: &str,
    extra: &[(String, Vec<u8>)],
    default_ignore: Option<&str>,
) -> Result<BuildContext> {
    let ignore = match (DockerIgnore::load_opt(root)?, default_ignore) {
        (Some(own), _) => own,
        (None, Some(text)) => DockerIgnore::parse(text),
        (None, None) => DockerIgnore::default(),
    };
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    builder.mode(tar::HeaderMode::Deterministic);
    let mut files = 0usize;
    let prune_dirs = !ignore.has_exceptions();
    let mut walk = ignore::WalkBuilder::new(root);
    walk.standard_filters(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b));
    let root_owned = root.to_path_buf();
    let ig = ignore.clone();
    let df = dockerfile.to_string();
    walk.filter_entry(move |e| {
        let Ok(rel) = e.path().strip_prefix(&root_owned) else {
            return true;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if rel.is_empty() {
            return true;
        }
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        !(is_dir && prune_dirs && ig.is_excluded(&rel) && !always_sent(&rel, &df))
    });
    let extra_names: Vec<&str> = extra.iter().map(|(n, _)| n.as_str()).collect();
    for entry in walk.build() {
        let entry = entry.map_err(|e| Error::Unreadable {
            path: root.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let path = entry.path();
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let rel_s = rel.to_string_lossy().replace('\\', "/");
        if rel_s.is_empty() || extra_names.contains(&rel_s.as_str()) {
            continue;
        }
        if ignore.is_excluded(&rel_s) && !always_sent(&rel_s, dockerfile) {
            continue;
        }
        let ft = entry.file_type();
        if ft.is_some_and(|t| !(t.is_dir() || t.is_file() || t.is_symlink())) {
            // Sockets, FIFOs and devices cannot be archived; docker skips them too.
            continue;
        }
        if ft.is_some_and(|t| t.is_dir()) {
            builder
                .append_dir(rel, path)
                .map_err(|e| Error::io(path, e))?;
        } else {
            builder
                .append_path_with_name(path, rel)
                .map_err(|e| Error::io(path, e))?;
            files += 1;
        }
    }
    for (name, data) in extra {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        builder
            .append_data(&mut h, name, data.as_slice())
            .map_err(|e| Error::io(name, e))?;
        files += 1;
    }
    let tar = builder.into_inner().map_err(|e| Error::io(root, e))?;
    Ok(BuildContext { tar, files })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn dockerignore_semantics() {
        let d = DockerIgnore::parse(
            "# comment\nnode_modules\n*.log\n/build/\n**/__pycache__\ndocs/**/*.md\n!docs/keep.md\n\
             secret?.txt\n",
        );
        assert!(d.is_excluded("node_modules"));
        assert!(d.is_excluded("node_modules/a/b.js"));
        // anchored at the root, unlike .gitignore
        assert!(!d.is_excluded("src/node_modules"));
        assert!(d.is_excluded("x.log"));
        assert!(!d.is_excluded("logs/x.log"));
        assert!(d.is_excluded("build/out.bin"));
        assert!(d.is_excluded("a/b/__pycache__/m.pyc"));
        assert!(d.is_excluded("__pycache__"));
        assert!(d.is_excluded("docs/a/b.md"));
        assert!(d.is_excluded("docs/b.md"));
        assert!(!d.is_excluded("docs/keep.md"));
        assert!(d.is_excluded("secret1.txt"));
        assert!(!d.is_excluded("secret10.txt"));
        assert!(!d.is_excluded("src/main.rs"));
        assert!(d.has_exceptions());
    }

    #[test]
    fn last_match_wins() {
        let d = DockerIgnore::parse("*.md\n!README*.md\nREADME-secret.md\n");
        assert!(d.is_excluded("CHANGES.md"));
        assert!(!d.is_excluded("README.md"));
        assert!(d.is_excluded("README-secret.md"));
    }

    #[test]
    fn tar_honours_dockerignore_and_adds_in_memory_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".dockerignore"), "target\n*.tmp\nDockerfile\n").unwrap();
        std::fs::write(root.join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(root.join("a.txt"), "a").unwrap();
        std::fs::write(root.join("b.tmp"), "b").unwrap();
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        std::fs::write(root.join("target/debug/big"), "x").unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/m.rs"), "fn main(){}").unwrap();
        // A socket in the folder is skipped, not an error.
        #[cfg(unix)]
        let _sock = std::os::unix::net::UnixListener::bind(root.join("app.sock")).unwrap();
        let ctx = tar_context(
            root,
            "Dockerfile",
            &[(".berth.Dockerfile".into(), b"FROM scratch\n".to_vec())],
            Some("a.txt\n"), // ignored: the folder has its own .dockerignore
        )
        .unwrap();
        let mut ar = tar::Archive::new(ctx.tar.as_slice());
        let mut names: Vec<String> = ar
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().to_string())
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                ".berth.Dockerfile",
                ".dockerignore",
                "Dockerfile",
                "a.txt",
                "src",
                "src/m.rs"
            ]
        );
    }
}
