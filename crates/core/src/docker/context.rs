//! The build context: an in-memory tar of the project folder filtered by `.dockerignore`
//! with the docker CLI's semantics ([`crate::dockerignore`], the one matcher the detection
//! walk and the watcher use too). The Dockerfile and .dockerignore are always sent, as the
//! docker CLI does.

use crate::dockerignore::clean;
pub use crate::dockerignore::DockerIgnore;
use crate::{Error, Result};
use std::path::Path;

/// Files that always go into the context, even when .dockerignore lists them.
fn always_sent(rel: &str, dockerfile: &str) -> bool {
    rel == ".dockerignore" || rel == clean(dockerfile)
}

/// What the build excludes: the folder's own `.dockerignore` (a bad pattern is an error,
/// as in Docker), else `default_ignore` (Berth's, for a Dockerfile it renders), else nothing.
pub fn build_ignore(root: &Path, default_ignore: Option<&str>) -> Result<DockerIgnore> {
    match (DockerIgnore::load(root)?, default_ignore) {
        (Some(own), _) => Ok(own),
        (None, Some(text)) => {
            DockerIgnore::parse(text).map_err(|b| b.into_error(Path::new("Berth's .dockerignore")))
        }
        (None, None) => Ok(DockerIgnore::default()),
    }
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
    let ignore = build_ignore(root, default_ignore)?;
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
