//! Walking an image export (`docker save`'s tar, legacy or OCI layout) as it streams by
//! (pure over any [`Read`]): each layer tar is read once as it arrives and never held whole —
//! only its file list (path, size, mode bits, whiteouts) and the few small files that may be
//! secrets are kept. The manifest and config JSON, which may come after the layers, name the
//! layers' order and history.

use super::secrets::{self, SecretFile};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// Small non-layer files (manifest, config) are buffered up to this size.
const SMALL_FILE: u64 = 8 * 1024 * 1024;
/// Secret-looking files are read (to confirm a key, find a token) up to this size.
const SECRET_READ: u64 = 256 * 1024;

/// A file a layer adds or replaces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileEntry {
    /// Without a leading `/` or `./`.
    pub path: String,
    pub size: u64,
    pub dir: bool,
    pub setuid: bool,
    pub setgid: bool,
    /// A secret-looking file, and why.
    pub secret: Option<(SecretFile, String)>,
}

/// What one layer does to the filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LayerScan {
    pub files: Vec<FileEntry>,
    /// Paths a `.wh.NAME` whiteout deletes.
    pub whiteouts: Vec<String>,
    /// Directories an opaque whiteout (`.wh..wh..opq`) empties of lower layers' files.
    pub opaque: Vec<String>,
}

/// One history entry of the image config.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct HistoryEntry {
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub empty_layer: bool,
}

/// The image config's facts the checks read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigFacts {
    pub user: String,
    pub env: Vec<String>,
    /// The HEALTHCHECK's test, when there is one (`["NONE"]` when disabled).
    pub healthcheck: Option<Vec<String>>,
    pub volumes: Vec<String>,
}

/// An exported image, walked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageScan {
    /// The layers, oldest first.
    pub layers: Vec<LayerScan>,
    pub history: Vec<HistoryEntry>,
    pub config: ConfigFacts,
}

#[derive(Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawConfig {
    #[serde(default)]
    config: RawInner,
    #[serde(default)]
    history: Vec<HistoryEntry>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct RawInner {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    env: Option<Vec<String>>,
    #[serde(default)]
    healthcheck: Option<RawHealth>,
    #[serde(default)]
    volumes: Option<HashMap<String, serde_json::Value>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct RawHealth {
    #[serde(default)]
    test: Option<Vec<String>>,
}

fn io_err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// Walk an image export read from `r`.
pub fn scan_export(r: impl Read) -> std::io::Result<ImageScan> {
    let mut outer = tar::Archive::new(r);
    let mut layers: HashMap<String, LayerScan> = HashMap::new();
    let mut small: HashMap<String, Vec<u8>> = HashMap::new();
    for entry in outer.entries()? {
        let mut entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_string();
        let size = entry.size();
        let mut head = Vec::with_capacity(512);
        (&mut entry).take(512).read_to_end(&mut head)?;
        let is_tar = head.len() == 512 && &head[257..262] == b"ustar";
        if is_tar {
            let scan = scan_layer(Cursor::new(head).chain(&mut entry))?;
            layers.insert(name, scan);
        } else if size <= SMALL_FILE {
            let mut buf = head;
            entry.read_to_end(&mut buf)?;
            small.insert(name, buf);
        }
    }
    let manifest: Vec<ManifestEntry> = small
        .get("manifest.json")
        .map(|m| serde_json::from_slice(m))
        .transpose()
        .map_err(io_err)?
        .unwrap_or_default();
    let Some(m) = manifest.into_iter().next() else {
        return Err(io_err("the export has no manifest.json"));
    };
    let raw: RawConfig = small
        .get(&m.config)
        .map(|c| serde_json::from_slice(c))
        .transpose()
        .map_err(io_err)?
        .unwrap_or_default();
    let mut volumes: Vec<String> = raw.config.volumes.unwrap_or_default().into_keys().collect();
    volumes.sort();
    Ok(ImageScan {
        // A layer the export stored as an empty (all-zero) tar was not recognised: empty.
        layers: m
            .layers
            .iter()
            .map(|l| {
                layers
                    .get(l.trim_start_matches("./"))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect(),
        history: raw.history,
        config: ConfigFacts {
            user: raw.config.user.unwrap_or_default(),
            env: raw.config.env.unwrap_or_default(),
            healthcheck: raw.config.healthcheck.and_then(|h| h.test),
            volumes,
        },
    })
}

/// Normalise a path in a layer: no `./`, no leading or trailing `/`.
fn clean(p: &str) -> String {
    p.trim_start_matches("./").trim_matches('/').to_string()
}

/// Walk one layer tar.
pub fn scan_layer(r: impl Read) -> std::io::Result<LayerScan> {
    let mut scan = LayerScan::default();
    let mut ar = tar::Archive::new(r);
    for entry in ar.entries()? {
        let mut entry = entry?;
        let path = clean(&entry.path()?.to_string_lossy());
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (d.to_string(), n.to_string()),
            None => (String::new(), path.clone()),
        };
        if name == ".wh..wh..opq" {
            scan.opaque.push(dir);
            continue;
        }
        if let Some(deleted) = name.strip_prefix(".wh.") {
            let p = if dir.is_empty() {
                deleted.to_string()
            } else {
                format!("{dir}/{deleted}")
            };
            scan.whiteouts.push(p);
            continue;
        }
        let kind = entry.header().entry_type();
        let mode = entry.header().mode().unwrap_or(0);
        let regular = kind.is_file();
        let size = if regular { entry.size() } else { 0 };
        let secret = if regular && size <= SECRET_READ {
            secrets::secret_file(&path).and_then(|k| {
                let mut content = Vec::new();
                entry.read_to_end(&mut content).ok()?;
                confirm_secret(&name, k, &String::from_utf8_lossy(&content))
            })
        } else {
            None
        };
        scan.files.push(FileEntry {
            path,
            size,
            dir: kind.is_dir(),
            setuid: regular && mode & 0o4000 != 0,
            setgid: regular && mode & 0o2000 != 0,
            secret,
        });
    }
    Ok(scan)
}

/// Confirm a secret-looking file by what it holds: a `.pem` must hold a private key, an
/// `.npmrc` a token, and so on. `.env` files and SSH keys count by name.
fn confirm_secret(name: &str, kind: SecretFile, content: &str) -> Option<(SecretFile, String)> {
    let lower = name.to_ascii_lowercase();
    let cred = secrets::credential_in(content);
    match kind {
        SecretFile::Key if lower.starts_with("id_") => Some((kind, "an SSH private key".into())),
        SecretFile::Key if lower == "credentials" || lower.ends_with(".json") => {
            Some((kind, "cloud credentials".into()))
        }
        SecretFile::Key => {
            (content.contains("PRIVATE KEY") || cred.is_some() || !content.is_ascii())
                .then(|| (kind, "a private key".into()))
        }
        SecretFile::Other => {
            let holds = |words: &[&str]| words.iter().any(|w| content.contains(w));
            let why = match lower.as_str() {
                ".npmrc" => holds(&["_authToken", "_auth", "_password"]).then_some("an npm token"),
                ".pypirc" | ".netrc" => holds(&["password"]).then_some("a password"),
                "config.json" => holds(&["\"auth\""]).then_some("registry credentials"),
                _ => Some(match cred {
                    Some(c) => c.what,
                    None => "may hold secrets",
                }),
            }?;
            Some((kind, why.to_string()))
        }
    }
}

#[cfg(test)]
#[path = "layers_tests.rs"]
mod tests;
