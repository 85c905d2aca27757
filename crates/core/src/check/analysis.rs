//! Where an image's size goes (pure, over an [`ImageScan`]): per layer the instruction that
//! made it, its size, the files it added and the bytes it added that never reach the final
//! filesystem (overwritten or deleted by a later layer); the largest files; the total against
//! the 100 MB target, with the biggest wins named.

use super::layers::{FileEntry, ImageScan};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Bound;
use ts_rs::TS;

/// The size Berth aims its images at: 100 MB.
pub const TARGET_BYTES: u64 = 100_000_000;
/// Files listed in `largest_files`.
const LARGEST: usize = 10;
/// Wins smaller than this are not worth naming.
const MIN_WIN: u64 = 1_000_000;

/// One layer, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LayerInfo {
    /// The instruction that created it (`RUN /bin/sh -c apt-get ...`, `COPY . /app`).
    pub created_by: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    pub files_added: u32,
    /// Bytes this layer adds that a later layer overwrites or deletes.
    #[ts(type = "number")]
    pub wasted_bytes: u64,
}

/// A file of the final filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LargeFile {
    pub path: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    /// The layer (0-based) it comes from.
    pub layer: u32,
}

/// A named way to make the image smaller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Suggestion {
    pub text: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// What `berth image REF --json` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImageAnalysis {
    pub image: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    #[ts(type = "number")]
    pub target_bytes: u64,
    pub meets_target: bool,
    pub layers: Vec<LayerInfo>,
    #[ts(type = "number")]
    pub wasted_bytes: u64,
    pub largest_files: Vec<LargeFile>,
    /// Biggest first.
    pub suggestions: Vec<Suggestion>,
}

/// A file in the final filesystem, and the layer it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalFile<'a> {
    pub layer: usize,
    pub file: &'a FileEntry,
}

/// Remove `dir`'s contents (and `dir` itself when `itself`) from `fs`, counting their bytes
/// as wasted in the layers that added them.
fn remove_under(
    fs: &mut BTreeMap<&str, FinalFile<'_>>,
    wasted: &mut [u64],
    dir: &str,
    itself: bool,
) {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut doomed: Vec<String> = fs
        .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
        .take_while(|(p, _)| p.starts_with(prefix.as_str()))
        .map(|(p, _)| p.to_string())
        .collect();
    if itself {
        doomed.push(dir.to_string());
    }
    for p in doomed {
        if let Some(f) = fs.remove(p.as_str()) {
            wasted[f.layer] += f.file.size;
        }
    }
}

/// The final filesystem (path -> file), and the bytes each layer added that did not reach it.
pub fn flatten(scan: &ImageScan) -> (BTreeMap<&str, FinalFile<'_>>, Vec<u64>) {
    let mut fs: BTreeMap<&str, FinalFile<'_>> = BTreeMap::new();
    let mut wasted = vec![0u64; scan.layers.len()];
    for (i, layer) in scan.layers.iter().enumerate() {
        for dir in &layer.opaque {
            remove_under(&mut fs, &mut wasted, dir, false);
        }
        for p in &layer.whiteouts {
            remove_under(&mut fs, &mut wasted, p, true);
        }
        for f in &layer.files {
            if let Some(old) = fs.insert(f.path.as_str(), FinalFile { layer: i, file: f }) {
                wasted[old.layer] += old.file.size;
            }
        }
    }
    (fs, wasted)
}

/// Paths whose bytes are a build toolchain, with a name for the suggestion.
const TOOLCHAINS: &[(&str, &str)] = &[
    ("usr/lib/gcc/", "gcc"),
    ("usr/libexec/gcc/", "gcc"),
    ("usr/local/go/", "Go"),
    ("usr/local/cargo/", "Rust (cargo)"),
    ("usr/local/rustup/", "Rust (rustup)"),
    ("root/.rustup/", "Rust (rustup)"),
    ("usr/lib/llvm", "LLVM"),
    ("usr/share/maven/", "Maven"),
    ("usr/share/dotnet/sdk/", ".NET SDK"),
    ("usr/include/", "C headers"),
];

/// Caches package managers leave, with the dockle checkpoint that names them.
pub const CACHES: &[(&str, &str, &str)] = &[
    ("var/lib/apt/lists/", "apt lists", "DKL-DI-0005"),
    ("var/cache/apt/", "apt package cache", "DKL-DI-0005"),
    ("var/cache/apk/", "apk cache", "DKL-LI-0003"),
    ("root/.cache/pip/", "pip cache", "DKL-LI-0003"),
    ("root/.npm/", "npm cache", "DKL-LI-0003"),
    ("usr/local/share/.cache/yarn/", "yarn cache", "DKL-LI-0003"),
    ("root/.cache/go-build/", "Go build cache", "DKL-LI-0003"),
    ("root/.cargo/registry/", "cargo registry", "DKL-LI-0003"),
    ("var/cache/dnf/", "dnf cache", "DKL-LI-0003"),
    ("var/cache/yum/", "yum cache", "DKL-LI-0003"),
];

/// Bytes under `prefix` in the final filesystem, and the layer holding most of them.
pub fn bytes_under(fs: &BTreeMap<&str, FinalFile<'_>>, prefix: &str) -> (u64, usize) {
    let mut total = 0;
    let mut per_layer: BTreeMap<usize, u64> = BTreeMap::new();
    for (_, f) in fs
        .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
        .take_while(|(p, _)| p.starts_with(prefix))
    {
        total += f.file.size;
        *per_layer.entry(f.layer).or_default() += f.file.size;
    }
    let layer = per_layer
        .iter()
        .max_by_key(|(_, b)| **b)
        .map(|(l, _)| *l)
        .unwrap_or(0);
    (total, layer)
}

fn mb(b: u64) -> String {
    format!("{:.0} MB", b as f64 / 1e6)
}

/// Analyse an image: `size_bytes` is the size the engine reports for it.
pub fn analyze(image: &str, size_bytes: u64, scan: &ImageScan) -> ImageAnalysis {
    let (fs, wasted) = flatten(scan);
    let made: Vec<&str> = scan
        .history
        .iter()
        .filter(|h| !h.empty_layer)
        .map(|h| h.created_by.as_str())
        .collect();
    let named = made.len() == scan.layers.len();
    let layers: Vec<LayerInfo> = scan
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| LayerInfo {
            created_by: if named { tidy(made[i]) } else { String::new() },
            size_bytes: l.files.iter().map(|f| f.size).sum(),
            files_added: u32::try_from(l.files.iter().filter(|f| !f.dir).count())
                .unwrap_or(u32::MAX),
            wasted_bytes: wasted[i],
        })
        .collect();
    let mut files: Vec<&FinalFile<'_>> = fs.values().filter(|f| !f.file.dir).collect();
    files.sort_by(|a, b| {
        b.file
            .size
            .cmp(&a.file.size)
            .then(a.file.path.cmp(&b.file.path))
    });
    let largest_files = files
        .iter()
        .take(LARGEST)
        .map(|f| LargeFile {
            path: format!("/{}", f.file.path),
            size_bytes: f.file.size,
            layer: u32::try_from(f.layer).unwrap_or(u32::MAX),
        })
        .collect();
    let wasted_bytes = wasted.iter().sum();
    let mut suggestions = Vec::new();
    let mut tools: BTreeMap<&str, u64> = BTreeMap::new();
    for (prefix, name) in TOOLCHAINS {
        let (b, _) = bytes_under(&fs, prefix);
        if b > 0 {
            *tools.entry(name).or_default() += b;
        }
    }
    let tool_bytes: u64 = tools.values().sum();
    if tool_bytes >= MIN_WIN {
        let names: Vec<&str> = tools.keys().copied().collect();
        suggestions.push(Suggestion {
            text: format!(
                "the build toolchain is in the runtime image ({}): {} — build in a separate stage and copy only the output",
                names.join(", "),
                mb(tool_bytes)
            ),
            bytes: tool_bytes,
        });
    }
    for (prefix, name, _) in CACHES {
        let (b, _) = bytes_under(&fs, prefix);
        if b >= MIN_WIN {
            suggestions.push(Suggestion {
                text: format!(
                    "{name} left: {} — clean them in the RUN that made them",
                    mb(b)
                ),
                bytes: b,
            });
        }
    }
    if wasted_bytes >= MIN_WIN {
        suggestions.push(Suggestion {
            text: format!(
                "files overwritten or deleted by later layers: {} — remove them in the layer that creates them",
                mb(wasted_bytes)
            ),
            bytes: wasted_bytes,
        });
    }
    if let Some(base) = layers.first().filter(|l| l.size_bytes >= 30_000_000) {
        suggestions.push(Suggestion {
            text: format!(
                "the base image's first layer: {} — a slim, alpine or distroless base is smaller",
                mb(base.size_bytes)
            ),
            bytes: base.size_bytes,
        });
    }
    suggestions.sort_by_key(|s| std::cmp::Reverse(s.bytes));
    ImageAnalysis {
        image: image.to_string(),
        size_bytes,
        target_bytes: TARGET_BYTES,
        meets_target: size_bytes <= TARGET_BYTES,
        layers,
        wasted_bytes,
        largest_files,
        suggestions,
    }
}

/// `/bin/sh -c #(nop)  COPY dir:abc in /app` -> `COPY dir:abc in /app`; `/bin/sh -c apt-get`
/// -> `RUN apt-get` (the classic builder's history form).
fn tidy(created_by: &str) -> String {
    let mut s = created_by.trim();
    // `|2 A=1 B=2 /bin/sh -c cmd`: the classic builder's form of a RUN with build arguments.
    if let Some(rest) = s.strip_prefix('|') {
        let mut words = rest.splitn(2, ' ');
        if let (Some(n), Some(tail)) = (
            words.next().and_then(|n| n.parse::<usize>().ok()),
            words.next(),
        ) {
            let mut tail = tail;
            for _ in 0..n {
                tail = tail.split_once(' ').map(|(_, t)| t).unwrap_or("");
            }
            s = tail.trim_start();
        }
    }
    if let Some(rest) = s.strip_prefix("/bin/sh -c #(nop)") {
        return rest.trim().to_string();
    }
    if let Some(rest) = s.strip_prefix("/bin/sh -c ") {
        return format!("RUN {}", rest.trim());
    }
    s.to_string()
}
