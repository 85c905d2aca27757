//! Building for another platform (`--platform linux/arm64`): the platform string, and whether
//! the engine can run that architecture, decided by the pure [`decide`] from what is known
//! about the engine ([`EngineFacts`]) and, for an engine on this Linux host, the kernel's
//! binfmt_misc entry for the QEMU emulator ([`Binfmt`], read by [`read_binfmt`]).
//!
//! A build for another architecture runs its `RUN` steps under emulation: on Linux the kernel
//! hands foreign binaries to QEMU through a binfmt_misc entry (`qemu-aarch64` ...), which
//! must be registered with the `F` flag so containers find the interpreter. Docker Desktop
//! registers them in its VM. Berth builds one platform per build; the image is single-platform.

use super::{engine_err, Engine};
use crate::{Error, Result};
use serde::Serialize;
use std::path::Path;

/// Where the kernel lists binfmt_misc entries.
pub const BINFMT_DIR: &str = "/proc/sys/fs/binfmt_misc";
/// Environment variable naming another folder to read as binfmt_misc (the CLI tests use it to
/// show the refusal on a machine where QEMU is registered).
pub const BINFMT_DIR_ENV: &str = "BERTH_BINFMT_DIR";

/// The folder read as binfmt_misc: [`BINFMT_DIR_ENV`] when set, else [`BINFMT_DIR`].
pub fn binfmt_dir() -> std::path::PathBuf {
    std::env::var_os(BINFMT_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(BINFMT_DIR))
}

/// `os/arch[/variant]`, as the Engine API's `platform` parameter takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// Architectures Berth knows, by their OCI name, with the QEMU emulator's name.
const ARCHES: &[(&str, &str)] = &[
    ("amd64", "x86_64"),
    ("arm64", "aarch64"),
    ("arm", "arm"),
    ("386", "i386"),
    ("ppc64le", "ppc64le"),
    ("s390x", "s390x"),
    ("riscv64", "riscv64"),
    ("mips64le", "mips64el"),
];

/// Parse `linux/arm64`, `linux/arm/v7`, `arm64` (Linux implied); the usual aliases
/// (`aarch64`, `x86_64`, `x86-64`) become their OCI names. Case-insensitive.
pub fn parse_platform(s: &str) -> Result<Platform> {
    let lower = s.trim().to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('/').collect();
    let bad = |why: &str| {
        Error::InvalidInput(format!(
            "--platform {s:?}: {why} (expected os/arch[/variant], e.g. linux/arm64 or linux/amd64)"
        ))
    };
    let (os, arch, variant) = match parts.as_slice() {
        [arch] => ("linux", *arch, None),
        [os, arch] => (*os, *arch, None),
        [os, arch, v] => (*os, *arch, Some(*v)),
        _ => return Err(bad("too many parts")),
    };
    if os.is_empty() || arch.is_empty() || variant == Some("") {
        return Err(bad("an empty part"));
    }
    if !matches!(os, "linux" | "windows") {
        return Err(bad("the os is linux or windows"));
    }
    let arch = normalize_arch(arch);
    if !ARCHES.iter().any(|(a, _)| *a == arch) {
        let known: Vec<&str> = ARCHES.iter().map(|(a, _)| *a).collect();
        return Err(bad(&format!(
            "unknown architecture; known: {}",
            known.join(", ")
        )));
    }
    Ok(Platform {
        os: os.into(),
        arch: arch.into(),
        variant: variant.map(str::to_string),
    })
}

/// An architecture's OCI name (`aarch64` -> `arm64`, `x86_64` -> `amd64`); unknown names stay.
pub fn normalize_arch(a: &str) -> &str {
    match a {
        "x86_64" | "x86-64" | "x64" => "amd64",
        "aarch64" | "arm64v8" => "arm64",
        "armhf" | "armv7l" | "armv7" | "armv6l" => "arm",
        "i386" | "i686" | "x86" => "386",
        other => other,
    }
}

/// The binfmt_misc entry name of the QEMU emulator for an OCI architecture (`qemu-aarch64`).
pub fn qemu_entry(arch: &str) -> Option<String> {
    ARCHES
        .iter()
        .find(|(a, _)| *a == arch)
        .map(|(_, q)| format!("qemu-{q}"))
}

/// What is known about the engine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EngineFacts {
    /// `linux` or `windows` (the engine's OSType).
    pub os: String,
    /// The engine's architecture, any spelling (`x86_64`, `amd64`, `aarch64`).
    pub arch: String,
    /// The engine's OperatingSystem (`Docker Desktop`, `Debian GNU/Linux 12 (bookworm)`).
    pub operating_system: String,
    /// Whether the engine runs on this machine's kernel (a unix socket on a Linux host, not
    /// Docker Desktop's VM), so this host's binfmt_misc is the engine's.
    pub local_kernel: bool,
}

/// This host's binfmt_misc state for one emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binfmt {
    /// binfmt_misc is not mounted (no `status` file).
    NotMounted,
    /// binfmt_misc is mounted but globally disabled (`status` says disabled).
    Disabled,
    /// No entry for this emulator.
    Missing { entry: String },
    /// The entry exists: whether it is enabled, and its flags (`F` = the interpreter is
    /// opened at registration, so it works inside containers).
    Entry {
        entry: String,
        enabled: bool,
        flags: String,
    },
}

/// Read this host's binfmt_misc state for `arch`'s emulator under `dir` ([`BINFMT_DIR`]).
pub fn read_binfmt(dir: &Path, arch: &str) -> Binfmt {
    let entry = qemu_entry(arch).unwrap_or_else(|| format!("qemu-{arch}"));
    match std::fs::read_to_string(dir.join("status")) {
        Err(_) => return Binfmt::NotMounted,
        Ok(s) if s.trim() != "enabled" => return Binfmt::Disabled,
        Ok(_) => {}
    }
    match std::fs::read_to_string(dir.join(&entry)) {
        Ok(text) => parse_binfmt_entry(&entry, &text),
        Err(_) => Binfmt::Missing { entry },
    }
}

/// Parse a binfmt_misc entry file (`enabled`, `interpreter ...`, `flags: PF`, ...).
pub fn parse_binfmt_entry(entry: &str, text: &str) -> Binfmt {
    let mut lines = text.lines();
    let enabled = lines.next().map(str::trim) == Some("enabled");
    let flags = text
        .lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .map(|f| f.trim().to_string())
        .unwrap_or_default();
    Binfmt::Entry {
        entry: entry.to_string(),
        enabled,
        flags,
    }
}

/// Whether the engine can build and run a platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Support {
    /// The engine's own architecture (or one its CPU runs natively, 386 on amd64).
    Native,
    /// Through emulation; `how` says what was found.
    Emulated { how: String },
    /// Berth cannot tell (a remote Linux engine): the build is tried; `note` says so.
    Unknown { note: String },
    /// It cannot: `message` explains and says how to enable it.
    Unsupported { message: String },
}

/// How to register QEMU emulators on a Linux engine's host (for `arch`).
pub fn enable_hint(arch: &str) -> String {
    format!(
        "register QEMU through binfmt_misc on the engine's host: on Debian/Ubuntu `sudo apt-get \
         install qemu-user-static binfmt-support` (if /proc/sys/fs/binfmt_misc is empty, first \
         `sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc`), or with any Docker \
         `docker run --privileged --rm tonistiigi/binfmt --install {arch}`; Docker Desktop has \
         it built in"
    )
}

/// Whether the engine described by `engine` can run `p`, given this host's binfmt_misc state
/// for its emulator (`binfmt`, read only when the engine shares this kernel). Pure.
pub fn decide(p: &Platform, engine: &EngineFacts, binfmt: Option<&Binfmt>) -> Support {
    let eng_os = engine.os.to_ascii_lowercase();
    if !eng_os.is_empty() && eng_os != p.os {
        return Support::Unsupported {
            message: format!(
                "the engine runs {eng_os} containers and cannot build {p} images (switch the \
                 engine to {} containers, or build on another engine)",
                p.os
            ),
        };
    }
    let eng_arch = normalize_arch(&engine.arch.to_ascii_lowercase()).to_string();
    let native = eng_arch == p.arch
        || (eng_arch == "amd64" && p.arch == "386")
        || (eng_arch == "arm64" && p.arch == "arm");
    if native {
        return Support::Native;
    }
    if engine.operating_system.contains("Docker Desktop") {
        return Support::Emulated {
            how: "Docker Desktop emulates other architectures with QEMU".into(),
        };
    }
    if p.os != "linux" {
        return Support::Unsupported {
            message: format!(
                "a {} engine on {eng_arch} cannot emulate {p}: build on a {} machine",
                p.os, p.arch
            ),
        };
    }
    let arch_note = if eng_arch.is_empty() {
        "an unknown architecture".to_string()
    } else {
        eng_arch.clone()
    };
    let hint = enable_hint(&p.arch);
    match (engine.local_kernel, binfmt) {
        (
            true,
            Some(Binfmt::Entry {
                enabled: true,
                flags,
                entry,
            }),
        ) if flags.contains('F') => Support::Emulated {
            how: format!("QEMU is registered on this host ({BINFMT_DIR}/{entry}, flags {flags})"),
        },
        (
            true,
            Some(Binfmt::Entry {
                enabled: true,
                flags,
                entry,
            }),
        ) => Support::Unsupported {
            message: format!(
                "{BINFMT_DIR}/{entry} is registered without the F flag (flags: {flags:?}), so \
                 containers cannot find the emulator; re-register it with F: {hint}"
            ),
        },
        (
            true,
            Some(Binfmt::Entry {
                enabled: false,
                entry,
                ..
            }),
        ) => Support::Unsupported {
            message: format!(
                "the engine runs on {arch_note} and {BINFMT_DIR}/{entry} is disabled: enable it \
                 with `echo 1 | sudo tee {BINFMT_DIR}/{entry}`, or {hint}"
            ),
        },
        (true, Some(Binfmt::Missing { entry })) => Support::Unsupported {
            message: format!(
                "the engine runs on {arch_note} and cannot run {} binaries: no QEMU emulator is \
                 registered ({BINFMT_DIR}/{entry} is missing); {hint}",
                p.arch
            ),
        },
        (true, Some(Binfmt::NotMounted)) => Support::Unsupported {
            message: format!(
                "the engine runs on {arch_note} and cannot run {} binaries: binfmt_misc is not \
                 mounted ({BINFMT_DIR}); {hint}",
                p.arch
            ),
        },
        (true, Some(Binfmt::Disabled)) => Support::Unsupported {
            message: format!(
                "the engine runs on {arch_note} and binfmt_misc is disabled on this host \
                 (`echo 1 | sudo tee {BINFMT_DIR}/status` enables it); {hint}"
            ),
        },
        _ => Support::Unknown {
            note: format!(
                "the engine runs on {arch_note}, not on this machine's kernel: Berth cannot see \
                 whether it emulates {}; if the build fails with `exec format error`, {hint}",
                p.arch
            ),
        },
    }
}

impl Engine {
    /// What Berth knows about this engine for [`decide`].
    pub async fn platform_facts(&self) -> Result<EngineFacts> {
        let i = self.docker().info().await.map_err(engine_err)?;
        let operating_system = i.operating_system.unwrap_or_default();
        let local_kernel = cfg!(target_os = "linux")
            && self.endpoint().host.starts_with("unix://")
            && !operating_system.contains("Docker Desktop");
        Ok(EngineFacts {
            os: i.os_type.unwrap_or_default(),
            arch: i.architecture.unwrap_or_default(),
            operating_system,
            local_kernel,
        })
    }

    /// Whether this engine can build and run `p` (reads this host's binfmt_misc when the
    /// engine shares its kernel).
    pub async fn platform_support(&self, p: &Platform) -> Result<Support> {
        let facts = self.platform_facts().await?;
        let binfmt = facts
            .local_kernel
            .then(|| read_binfmt(&binfmt_dir(), &p.arch));
        Ok(decide(p, &facts, binfmt.as_ref()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "platform_tests.rs"]
mod tests;
