//! The host's CA certificates for builds behind a corporate (TLS-inspecting) proxy.
//!
//! Behind such a proxy, `pip install` or `npm ci` inside a build fails with
//! `CERTIFICATE_VERIFY_FAILED` / `SELF_SIGNED_CERT_IN_CHAIN`: the image trusts the public
//! roots, not the proxy's. When the plan's `host_ca` is on (opt-in), every dependency install
//! and build step runs with the host's bundle mounted at [`MOUNT_TARGET`] for that step only
//! and the usual variables ([`ENV_KEYS`]) pointing at it. The bundle never lands in a layer:
//!
//! - the written Dockerfile mounts it as a BuildKit secret (`id=host_ca`); the written
//!   compose.yaml passes it (`BERTH_HOST_CA`, default the Debian/Ubuntu bundle path);
//!   `docker build --secret id=host_ca,src=/etc/ssl/certs/ca-certificates.crt .` by hand;
//! - Berth's own builds (the Engine API cannot hand BuildKit a secret) add it to the build
//!   context they stream, as [`CONTEXT_FILE`], and bind-mount it from there.
//!
//! Where the bundle comes from ([`collect`]): `BERTH_HOST_CA`, `SSL_CERT_FILE`,
//! `NODE_EXTRA_CA_CERTS`, the system bundle (Debian/Ubuntu, Fedora/RHEL, Alpine, macOS
//! `/etc/ssl/cert.pem`) and, on macOS, the System keychain's certificates (where IT
//! departments install theirs). Certificates are de-duplicated; anything that is not a PEM
//! certificate is ignored.

use crate::fsread::{self, Links, Oversize, ReadOptions};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Where a step sees the bundle.
pub const MOUNT_TARGET: &str = "/run/berth/host-ca.pem";
/// The BuildKit secret id of the written files.
pub const SECRET_ID: &str = "host_ca";
/// The file added to the context of Berth's own builds.
pub const CONTEXT_FILE: &str = ".berth-host-ca.pem";
/// Variables the common toolchains read for a CA bundle (OpenSSL and everything on it —
/// Python, Ruby, PHP's Composer, Go, .NET on Linux —, pip, requests, Node, curl, git, Cargo).
/// Maven and Gradle use Java's trust store and are not covered.
pub const ENV_KEYS: &[&str] = &[
    "SSL_CERT_FILE",
    "PIP_CERT",
    "REQUESTS_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "CURL_CA_BUNDLE",
    "GIT_SSL_CAINFO",
    "CARGO_HTTP_CAINFO",
];
/// System bundles, in order of preference.
pub const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];
/// No CA bundle is larger than this (Debian's is about 220 KiB).
pub const BUNDLE_CAP: u64 = 4 * 1024 * 1024;

/// `K=/run/berth/host-ca.pem` for each of [`ENV_KEYS`].
fn assignments() -> impl Iterator<Item = String> {
    ENV_KEYS.iter().map(|k| format!("{k}={MOUNT_TARGET}"))
}

/// A step's argv with the bundle variables set (pure): `env SSL_CERT_FILE=... argv...`.
pub fn step_argv(argv: &[String]) -> Vec<String> {
    let mut out = vec!["env".to_string()];
    out.extend(assignments());
    out.extend(argv.iter().cloned());
    out
}

/// The same variables for a shell-form step (pure): `export SSL_CERT_FILE=... ...; `.
pub fn shell_export() -> String {
    format!("export {}; ", assignments().collect::<Vec<_>>().join(" "))
}

/// A Dockerfile rendered for the written files (secret mounts) turned into one for Berth's
/// own build, which carries the bundle in its context as [`CONTEXT_FILE`] (pure): the steps
/// bind-mount it from the context, and each `COPY . <dest>` of a build stage is followed by
/// the file's removal, so the runtime stage (which copies from the build stage) never holds
/// it. A final stage that copies the context itself would keep it in a layer: refused.
pub fn for_context(dockerfile: &str) -> Result<String> {
    let lines: Vec<&str> = dockerfile.lines().collect();
    let last_from = lines
        .iter()
        .rposition(|l| l.trim_start().to_ascii_uppercase().starts_with("FROM "))
        .unwrap_or(0);
    let mut out = String::with_capacity(dockerfile.len() + 256);
    for (i, line) in lines.iter().enumerate() {
        let line = line.replace(
            &format!("--mount=type=secret,id={SECRET_ID},target={MOUNT_TARGET}"),
            &format!("--mount=type=bind,source={CONTEXT_FILE},target={MOUNT_TARGET}"),
        );
        out.push_str(&line);
        out.push('\n');
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() == 3 && words[0].eq_ignore_ascii_case("COPY") && words[1] == "." {
            if i > last_from {
                return Err(Error::InvalidPlan(
                    "the final stage of this Dockerfile copies the whole folder, so Berth's own \
                     build cannot keep the CA bundle out of the image: write the files and build \
                     with `docker compose build` (it passes the bundle as a BuildKit secret)"
                        .into(),
                ));
            }
            let dest = words[2].trim_end_matches('/');
            out.push_str(&format!(
                "RUN [\"rm\", \"-f\", \"{dest}/{CONTEXT_FILE}\"]\n"
            ));
        }
    }
    Ok(out)
}

/// The host's CA bundle and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCa {
    /// PEM certificates, each once.
    pub pem: Vec<u8>,
    pub certificates: usize,
    pub sources: Vec<String>,
}

/// The host's CA certificates (see the module docs). An error when none are found, with
/// what to set.
pub fn collect() -> Result<HostCa> {
    let mut files: Vec<PathBuf> = Vec::new();
    for key in ["BERTH_HOST_CA", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"] {
        if let Some(v) = std::env::var_os(key).filter(|v| !v.is_empty()) {
            files.push(PathBuf::from(v));
        }
    }
    if let Some(system) = SYSTEM_BUNDLES.iter().map(Path::new).find(|p| p.exists()) {
        files.push(system.to_path_buf());
    }
    let mut extra = Vec::new();
    if cfg!(target_os = "macos") {
        if let Some(pem) = macos_keychain() {
            extra.push(("the macOS System keychain".to_string(), pem));
        }
    }
    collect_from(&files, extra)
}

/// [`collect`] over the given files and in-memory sources.
pub fn collect_from(files: &[PathBuf], extra: Vec<(String, Vec<u8>)>) -> Result<HostCa> {
    // The host's own configuration, not a cloned folder: a link (macOS's /etc/ssl/cert.pem,
    // Debian's alternatives) is followed, but only to a regular file of bounded size.
    let opts = ReadOptions {
        cap: BUNDLE_CAP,
        oversize: Oversize::Refuse,
        links: Links::Follow,
    };
    let mut sources = Vec::new();
    let mut certs: Vec<String> = Vec::new();
    let mut add = |name: String, bytes: &[u8], certs: &mut Vec<String>| {
        let found = pem_certificates(&String::from_utf8_lossy(bytes));
        if found.is_empty() {
            return;
        }
        sources.push(name);
        for c in found {
            if !certs.contains(&c) {
                certs.push(c);
            }
        }
    };
    for f in files {
        if let Some(read) = fsread::read(f, opts)? {
            add(f.display().to_string(), &read.bytes, &mut certs);
        }
    }
    for (name, bytes) in extra {
        add(name, &bytes, &mut certs);
    }
    if certs.is_empty() {
        return Err(Error::InvalidInput(
            "no CA certificates found on this machine to pass into the build: set BERTH_HOST_CA \
             to a PEM bundle (your proxy's root certificate, or the whole bundle)"
                .into(),
        ));
    }
    let mut pem = certs.join("\n").into_bytes();
    pem.push(b'\n');
    Ok(HostCa {
        pem,
        certificates: certs.len(),
        sources,
    })
}

/// The PEM certificate blocks of `text`, normalised (pure).
pub fn pem_certificates(text: &str) -> Vec<String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start + BEGIN.len()..];
        let Some(end) = after.find(END) else { break };
        let body: String = after[..end]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let base64 = body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=\n".contains(c));
        if !body.is_empty() && base64 {
            out.push(format!("{BEGIN}\n{body}\n{END}"));
        }
        rest = &after[end + END.len()..];
    }
    out
}

/// `security find-certificate -a -p` of the System keychain (macOS only; bounded).
fn macos_keychain() -> Option<Vec<u8>> {
    let out = std::process::Command::new("/usr/bin/security")
        .args([
            "find-certificate",
            "-a",
            "-p",
            "/Library/Keychains/System.keychain",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    (out.status.success() && (out.stdout.len() as u64) <= BUNDLE_CAP).then_some(out.stdout)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const A: &str = "-----BEGIN CERTIFICATE-----\nMIIBAAAA\nBBBB==\n-----END CERTIFICATE-----\n";
    const B: &str = "-----BEGIN CERTIFICATE-----\r\n  MIICCCCC  \r\n-----END CERTIFICATE-----";

    #[test]
    fn certificates_are_found_normalised_and_junk_is_ignored() {
        let text = format!("# comment\n{A}\nnoise\n{B}\n-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMII");
        let certs = pem_certificates(&text);
        assert_eq!(certs.len(), 2, "{certs:?}");
        assert_eq!(
            certs[1],
            "-----BEGIN CERTIFICATE-----\nMIICCCCC\n-----END CERTIFICATE-----"
        );
        assert!(
            pem_certificates("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
                .is_empty()
        );
    }

    #[test]
    fn bundles_are_merged_once_each_and_missing_files_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let sys = dir.path().join("system.pem");
        let extra = dir.path().join("corp.pem");
        std::fs::write(&sys, format!("{A}{B}")).unwrap();
        std::fs::write(&extra, B).unwrap();
        let ca = collect_from(
            &[extra.clone(), dir.path().join("missing.pem"), sys.clone()],
            vec![("keychain".into(), A.as_bytes().to_vec())],
        )
        .unwrap();
        assert_eq!(ca.certificates, 2);
        assert_eq!(ca.sources.len(), 3, "{:?}", ca.sources);
        assert_eq!(
            pem_certificates(&String::from_utf8(ca.pem).unwrap()).len(),
            2
        );
    }

    #[test]
    fn no_certificates_is_a_clear_error_and_a_huge_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "nothing here").unwrap();
        let e = collect_from(&[empty], Vec::new()).unwrap_err();
        assert!(e.to_string().contains("BERTH_HOST_CA"), "{e}");
        let huge = dir.path().join("huge.pem");
        std::fs::write(&huge, vec![b'a'; BUNDLE_CAP as usize + 1]).unwrap();
        assert!(collect_from(&[huge], Vec::new()).is_err());
    }

    #[test]
    fn steps_get_the_variables_and_own_builds_bind_the_context_file() {
        let argv = step_argv(&["pip".into(), "install".into()]);
        assert_eq!(argv[0], "env");
        assert!(argv.contains(&format!("SSL_CERT_FILE={MOUNT_TARGET}")));
        assert_eq!(&argv[argv.len() - 2..], ["pip", "install"]);
        let df = format!(
            "FROM b AS build\nRUN --mount=type=secret,id={SECRET_ID},target={MOUNT_TARGET} [\"x\"]\n\
             COPY . .\nFROM r\nCOPY --from=build /app /app\n"
        );
        assert_eq!(
            for_context(&df).unwrap(),
            format!(
                "FROM b AS build\nRUN --mount=type=bind,source={CONTEXT_FILE},target={MOUNT_TARGET} [\"x\"]\n\
                 COPY . .\nRUN [\"rm\", \"-f\", \"./{CONTEXT_FILE}\"]\nFROM r\nCOPY --from=build /app /app\n"
            )
        );
        let single = "FROM r\nRUN [\"x\"]\nCOPY . /var/www/html\n";
        assert!(for_context(single)
            .unwrap_err()
            .to_string()
            .contains("docker compose build"));
    }
}
