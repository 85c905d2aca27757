//! The build context: the project folder filtered by `.dockerignore`, planned first (files,
//! size, a note when it is large) and then streamed to the engine as a tar in bounded chunks,
//! never held whole in memory; with the docker CLI's semantics ([`crate::dockerignore`], the one matcher the detection
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

/// Files that hold secrets (Docker's .dockerignore syntax): environment files, keys,
/// credentials. Berth's own .dockerignore lists them; a context Berth builds from its plan
/// leaves them out even when the folder's own .dockerignore lets them through.
pub const SECRET_PATTERNS: &str = ".env\n.env.*\n**/.env\n**/.env.*\n*.pem\n*.key\n*.p12\n*.pfx\n\
**/*.pem\n**/*.key\n**/*.p12\n**/*.pfx\n**/id_rsa*\n**/id_dsa*\n**/id_ecdsa*\n**/id_ed25519*\n\
.ssh\n**/.ssh\n.aws\n**/.aws\n.npmrc\n**/.npmrc\n.pypirc\n.netrc\n**/.git-credentials\n";

/// What to do with secret-looking files the context would carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Secrets {
    /// Send them (the project's own Dockerfile may need them) and name them in a warning.
    #[default]
    Warn,
    /// Leave them out (a Dockerfile Berth rendered never needs them) and say so.
    LeaveOut,
}

fn secret_matcher() -> DockerIgnore {
    // The patterns are Berth's own and valid: an error here would be a bug caught by tests.
    DockerIgnore::parse_lenient(SECRET_PATTERNS).0
}

/// A context larger than this gets a note naming its biggest folders.
pub const CONTEXT_NOTE_BYTES: u64 = 100 * 1000 * 1000;
/// Size of the chunks the context is streamed to the engine in; at most
/// [`STREAM_CHUNKS_IN_FLIGHT`] of them are held in memory at once.
const STREAM_CHUNK_BYTES: usize = 64 * 1024;
const STREAM_CHUNKS_IN_FLIGHT: usize = 16;

/// One path of the context.
#[derive(Debug, Clone)]
struct Entry {
    rel: String,
    path: std::path::PathBuf,
    dir: bool,
    size: u64,
}

/// What goes into a build context, decided before a byte is sent: the folder's files after
/// the .dockerignore, plus files held in memory (a rendered Dockerfile).
#[derive(Debug, Clone)]
pub struct ContextPlan {
    entries: Vec<Entry>,
    extra: Vec<(String, Vec<u8>)>,
    /// Files (not folders) in the context.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
    /// Secret-looking files sent (the folder's .dockerignore lets them through).
    pub secrets_sent: Vec<String>,
    /// Secret-looking files left out although the folder's .dockerignore lets them through.
    pub secrets_left_out: Vec<String>,
}

/// What went into a context tar held in memory (tests; builds stream it).
#[derive(Debug, Clone)]
pub struct BuildContext {
    pub tar: Vec<u8>,
    pub files: usize,
}

/// Walk `root` filtered by its .dockerignore (or, when the folder has none, by
/// `default_ignore`). `dockerfile` is the Dockerfile's path relative to the root (always
/// included); `extra` files (name, contents) are added in memory, e.g. a rendered
/// Dockerfile that is not written to disk.
pub fn plan_context(
    root: &Path,
    dockerfile: &str,
    extra: &[(String, Vec<u8>)],
    default_ignore: Option<&str>,
) -> Result<ContextPlan> {
    plan_context_with(root, dockerfile, extra, default_ignore, Secrets::Warn)
}

/// [`plan_context`], with what to do about secret-looking files the folder's .dockerignore
/// lets through.
pub fn plan_context_with(
    root: &Path,
    dockerfile: &str,
    extra: &[(String, Vec<u8>)],
    default_ignore: Option<&str>,
    secrets: Secrets,
) -> Result<ContextPlan> {
    let ignore = build_ignore(root, default_ignore)?;
    let secret = secret_matcher();
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
    let mut plan = ContextPlan {
        entries: Vec::new(),
        extra: extra.to_vec(),
        files: extra.len(),
        bytes: extra.iter().map(|(_, d)| d.len() as u64).sum(),
        secrets_sent: Vec::new(),
        secrets_left_out: Vec::new(),
    };
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
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if !ft.is_dir() && secret.is_excluded(&rel_s) && !always_sent(&rel_s, dockerfile) {
            match secrets {
                Secrets::Warn => plan.secrets_sent.push(rel_s.clone()),
                Secrets::LeaveOut => {
                    plan.secrets_left_out.push(rel_s);
                    continue;
                }
            }
        }
        if !(ft.is_dir() || ft.is_file() || ft.is_symlink()) {
            // Sockets, FIFOs and devices cannot be archived; docker skips them too.
            continue;
        }
        let size = if ft.is_file() {
            entry.metadata().map(|m| m.len()).unwrap_or(0)
        } else {
            0
        };
        if !ft.is_dir() {
            plan.files += 1;
            plan.bytes += size;
        }
        plan.entries.push(Entry {
            rel: rel_s,
            path: path.to_path_buf(),
            dir: ft.is_dir(),
            size,
        });
    }
    Ok(plan)
}

impl ContextPlan {
    /// The folder's paths in the context, in walk order (parents first): (relative path with
    /// forward slashes, path on disk, is a folder). Links are listed, never followed.
    pub fn paths(&self) -> impl Iterator<Item = (&str, &Path, bool)> {
        self.entries
            .iter()
            .map(|e| (e.rel.as_str(), e.path.as_path(), e.dir))
    }

    /// Write the context as a tar (symbolic links archived as links, never followed;
    /// deterministic headers).
    pub fn write_tar(&self, w: impl std::io::Write) -> std::io::Result<()> {
        let mut builder = tar::Builder::new(w);
        builder.follow_symlinks(false);
        builder.mode(tar::HeaderMode::Deterministic);
        for e in &self.entries {
            if e.dir {
                builder.append_dir(&e.rel, &e.path)?;
            } else {
                builder.append_path_with_name(&e.path, &e.rel)?;
            }
        }
        for (name, data) in &self.extra {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            builder.append_data(&mut h, name, data.as_slice())?;
        }
        builder.into_inner()?.flush()
    }

    /// The top-level folders of the context by size, largest first.
    pub fn biggest_folders(&self, n: usize) -> Vec<(String, u64)> {
        let mut by_dir: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
        for e in self.entries.iter().filter(|e| !e.dir) {
            if let Some((top, _)) = e.rel.split_once('/') {
                *by_dir.entry(top).or_default() += e.size;
            }
        }
        let mut v: Vec<(String, u64)> = by_dir
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }

    /// A warning or note about secret-looking files (pure).
    pub fn secrets_note(&self) -> Option<String> {
        let list = |v: &[String]| {
            let mut s = v.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
            if v.len() > 5 {
                s.push_str(&format!(" and {} more", v.len() - 5));
            }
            s
        };
        if !self.secrets_sent.is_empty() {
            return Some(format!(
                "warning: the build context carries files that look like secrets ({}): the \
                 folder's .dockerignore lets them through, so an image built from it may contain \
                 them; list them in .dockerignore",
                list(&self.secrets_sent)
            ));
        }
        (!self.secrets_left_out.is_empty()).then(|| {
            format!(
                "left out of the build context: files that look like secrets ({}), which the \
                 folder's .dockerignore lets through; Berth's Dockerfile does not need them",
                list(&self.secrets_left_out)
            )
        })
    }

    /// A note for a context over [`CONTEXT_NOTE_BYTES`]: its size, its biggest folders and
    /// the .dockerignore lines that would leave them out (pure).
    pub fn size_note(&self) -> Option<String> {
        if self.bytes <= CONTEXT_NOTE_BYTES {
            return None;
        }
        let mb = |b: u64| format!("{:.0} MB", b as f64 / 1e6);
        let big = self.biggest_folders(3);
        let mut note = format!(
            "the build context is {} in {} files",
            mb(self.bytes),
            self.files
        );
        if !big.is_empty() {
            let list: Vec<String> = big
                .iter()
                .map(|(d, b)| format!("{d}/ {}", mb(*b)))
                .collect();
            let lines: Vec<&str> = big.iter().map(|(d, _)| d.as_str()).collect();
            note.push_str(&format!(
                "; the biggest folders: {}. If the image does not need them, add these lines to \
                 .dockerignore: {}",
                list.join(", "),
                lines.join(", ")
            ));
        }
        Some(note)
    }

    /// Stream the context as tar chunks: written on a blocking thread, at most
    /// [`STREAM_CHUNKS_IN_FLIGHT`] chunks of [`STREAM_CHUNK_BYTES`] in memory; dropping the
    /// stream (a cancelled build) stops the writer.
    pub fn stream(self) -> impl futures_util::Stream<Item = bytes::Bytes> + Send + 'static {
        let (tx, rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(STREAM_CHUNKS_IN_FLIGHT);
        tokio::task::spawn_blocking(move || {
            let w = std::io::BufWriter::with_capacity(STREAM_CHUNK_BYTES, ChunkWriter { tx });
            // A failed write means the build went away; the engine reports the rest.
            let _ = self.write_tar(w);
        });
        futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        })
    }
}

/// Sends what is written as chunks over a bounded channel (blocking when it is full).
struct ChunkWriter {
    tx: tokio::sync::mpsc::Sender<bytes::Bytes>,
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tx
            .blocking_send(bytes::Bytes::copy_from_slice(buf))
            .map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the build went away")
            })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Tar `root` into memory (see [`plan_context`]); builds stream instead ([`ContextPlan::stream`]).
pub fn tar_context(
    root: &Path,
    dockerfile: &str,
    extra: &[(String, Vec<u8>)],
    default_ignore: Option<&str>,
) -> Result<BuildContext> {
    let plan = plan_context(root, dockerfile, extra, default_ignore)?;
    let mut tar = Vec::new();
    plan.write_tar(&mut tar).map_err(|e| Error::io(root, e))?;
    Ok(BuildContext {
        tar,
        files: plan.files,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn secrets_the_folders_dockerignore_lets_through_are_named_or_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".dockerignore"), "node_modules\n").unwrap();
        std::fs::write(root.join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(root.join(".env"), "TOKEN=x\n").unwrap();
        std::fs::create_dir_all(root.join("deploy")).unwrap();
        std::fs::write(root.join("deploy/id_rsa"), "key").unwrap();
        std::fs::write(root.join("app.py"), "print(1)\n").unwrap();
        let sent = plan_context(root, "Dockerfile", &[], None).unwrap();
        assert_eq!(sent.secrets_sent, vec![".env", "deploy/id_rsa"]);
        assert!(sent.secrets_note().unwrap().starts_with("warning:"));
        let mut tar = Vec::new();
        sent.write_tar(&mut tar).unwrap();
        assert!(String::from_utf8_lossy(&tar).contains("TOKEN=x"));
        let kept = plan_context_with(root, "Dockerfile", &[], None, Secrets::LeaveOut).unwrap();
        assert!(kept.secrets_sent.is_empty());
        assert_eq!(kept.secrets_left_out, vec![".env", "deploy/id_rsa"]);
        let mut tar = Vec::new();
        kept.write_tar(&mut tar).unwrap();
        let text = String::from_utf8_lossy(&tar);
        assert!(!text.contains("TOKEN=x") && !text.contains("deploy/id_rsa"));
        assert!(text.contains("app.py"));
        // Listed in the folder's .dockerignore: nothing to say.
        std::fs::write(root.join(".dockerignore"), ".env\n**/id_rsa\n").unwrap();
        let clean = plan_context(root, "Dockerfile", &[], None).unwrap();
        assert_eq!(clean.secrets_note(), None);
    }

    #[test]
    fn a_large_context_names_its_biggest_folders_and_the_lines_to_ignore_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::create_dir_all(root.join("data/raw")).unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        // Sparse: large by size, nothing on disk.
        let f = std::fs::File::create(root.join("data/raw/dump.bin")).unwrap();
        f.set_len(150 * 1000 * 1000).unwrap();
        std::fs::write(root.join("src/main.py"), "print(1)\n").unwrap();
        let plan = plan_context(root, "Dockerfile", &[], None).unwrap();
        assert_eq!(plan.files, 3);
        assert!(plan.bytes > CONTEXT_NOTE_BYTES);
        assert_eq!(plan.biggest_folders(1)[0].0, "data");
        let note = plan.size_note().unwrap();
        assert!(note.contains("data/ 150 MB"), "{note}");
        assert!(
            note.contains("add these lines to .dockerignore: data, src"),
            "{note}"
        );
        // Ignored, it is gone from the context and the note.
        std::fs::write(root.join(".dockerignore"), "data\n").unwrap();
        let plan = plan_context(root, "Dockerfile", &[], None).unwrap();
        assert_eq!(plan.size_note(), None);
    }

    #[tokio::test]
    async fn the_stream_is_the_same_tar_in_bounded_chunks() {
        use futures_util::StreamExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("Dockerfile"), "FROM scratch\n").unwrap();
        let blob: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(root.join("blob"), &blob).unwrap();
        let plan = plan_context(root, "Dockerfile", &[("x".into(), b"y".to_vec())], None).unwrap();
        let mut whole = Vec::new();
        plan.write_tar(&mut whole).unwrap();
        let mut streamed = Vec::new();
        let mut biggest = 0;
        let mut chunks = Box::pin(plan.stream());
        while let Some(c) = chunks.next().await {
            biggest = biggest.max(c.len());
            streamed.extend_from_slice(&c);
        }
        assert_eq!(streamed, whole);
        assert!(biggest <= STREAM_CHUNK_BYTES, "{biggest}");
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
