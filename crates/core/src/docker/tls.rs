//! TLS to a `tcp://` engine, found the way the docker CLI finds it:
//! - `DOCKER_HOST=tcp://…` with `DOCKER_TLS_VERIFY` set: the client certificate and the CA in
//!   `DOCKER_CERT_PATH` (default `~/.docker`): `ca.pem`, `cert.pem`, `key.pem`;
//! - `DOCKER_TLS` set without `DOCKER_TLS_VERIFY`: TLS without verifying the server, which
//!   Berth refuses with a clear message (bollard always verifies, and an engine API is root
//!   on that machine: a man in the middle would own it);
//! - a docker context (`docker context create --docker host=tcp://…,ca=…,cert=…,key=…`): its
//!   files in `contexts/tls/<sha256(name)>/docker/`, and `SkipTLSVerify` in its meta.json.
//!
//! Resolution is pure (over the injected environment of [`super::discovery`]); [`connect`]
//! makes the bollard client.

use super::discovery::DiscoveryEnv;
use crate::{Error, Result};
use bollard::{ClientVersion, Docker};
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// TLS material for a `tcp://` engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Tls {
    /// The folder with `ca.pem`, `cert.pem` and `key.pem`.
    #[ts(type = "string")]
    pub cert_dir: PathBuf,
    /// Verify the engine's certificate against `ca.pem` (false: `DOCKER_TLS` or a context's
    /// `SkipTLSVerify`; refused at connect).
    pub verify: bool,
}

fn set(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// TLS from `DOCKER_TLS_VERIFY` / `DOCKER_TLS` / `DOCKER_CERT_PATH`, for a `tcp://` host.
pub fn from_env(env: &DiscoveryEnv<'_>, host: &str) -> Option<Tls> {
    if !host.starts_with("tcp://") {
        return None;
    }
    let verify = set(&env.docker_tls_verify);
    if !verify && !set(&env.docker_tls) {
        return None;
    }
    let cert_dir = env
        .docker_cert_path
        .clone()
        .filter(|p| !p.as_os_str().is_empty())
        .or_else(|| env.docker_config.clone())
        .or_else(|| env.home.as_ref().map(|h| h.join(".docker")))?;
    Some(Tls { cert_dir, verify })
}

/// TLS of the context `name` (its meta.json already read): the context's TLS folder when it
/// holds any of the three files.
pub fn from_context(
    env: &DiscoveryEnv<'_>,
    config_dir: &Path,
    hash: &str,
    meta: &serde_json::Value,
) -> Option<Tls> {
    let dir = config_dir.join("contexts/tls").join(hash).join("docker");
    let any = ["ca.pem", "cert.pem", "key.pem"]
        .iter()
        .any(|f| (env.exists)(&dir.join(f)));
    if !any {
        return None;
    }
    let skip = meta
        .get("Endpoints")
        .and_then(|e| e.get("docker"))
        .and_then(|d| d.get("SkipTLSVerify"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    Some(Tls {
        cert_dir: dir,
        verify: !skip,
    })
}

/// The bollard client for `host` over TLS.
pub fn connect(host: &str, tls: &Tls, timeout: u64, v: &ClientVersion) -> Result<Docker> {
    if !tls.verify {
        return Err(Error::EngineUnavailable(format!(
            "{host}: TLS without verifying the engine's certificate (DOCKER_TLS, or the \
             context's skip-TLS-verify) is not supported: an engine's API gives root on its \
             machine. Set DOCKER_TLS_VERIFY=1 with the engine's CA in {}/ca.pem",
            tls.cert_dir.display()
        )));
    }
    let ca = tls.cert_dir.join("ca.pem");
    let cert = tls.cert_dir.join("cert.pem");
    let key = tls.cert_dir.join("key.pem");
    for f in [&ca, &cert, &key] {
        if !f.is_file() {
            return Err(Error::EngineUnavailable(format!(
                "{host}: TLS is asked for but {} is missing (DOCKER_CERT_PATH, or the \
                 context's TLS files, must hold ca.pem, cert.pem and key.pem)",
                f.display()
            )));
        }
    }
    connect_verified(host, &key, &cert, &ca, timeout, v)
}

#[cfg(feature = "tls")]
fn connect_verified(
    host: &str,
    key: &Path,
    cert: &Path,
    ca: &Path,
    timeout: u64,
    v: &ClientVersion,
) -> Result<Docker> {
    Docker::connect_with_ssl(host, key, cert, ca, timeout, v)
        .map_err(|e| Error::EngineUnavailable(format!("{host}: {e}")))
}

#[cfg(not(feature = "tls"))]
fn connect_verified(
    host: &str,
    _key: &Path,
    _cert: &Path,
    _ca: &Path,
    _timeout: u64,
    _v: &ClientVersion,
) -> Result<Docker> {
    Err(Error::EngineUnavailable(format!(
        "{host}: this build of Berth has no TLS (built without the `tls` feature)"
    )))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn env<'a>(
        verify: Option<&str>,
        tls: Option<&str>,
        cert_path: Option<&str>,
        read: &'a dyn Fn(&Path) -> Option<String>,
        exists: &'a dyn Fn(&Path) -> bool,
    ) -> DiscoveryEnv<'a> {
        DiscoveryEnv {
            docker_host: None,
            docker_context: None,
            docker_config: None,
            docker_tls_verify: verify.map(str::to_string),
            docker_tls: tls.map(str::to_string),
            docker_cert_path: cert_path.map(PathBuf::from),
            home: Some(PathBuf::from("/home/u")),
            xdg_runtime_dir: None,
            windows: false,
            read_file: read,
            exists,
        }
    }

    #[test]
    fn verify_uses_the_cert_path_or_the_docker_folder() {
        let (r, x) = (|_: &Path| None, |_: &Path| false);
        let e = env(Some("1"), None, Some("/certs"), &r, &x);
        assert_eq!(
            from_env(&e, "tcp://h:2376"),
            Some(Tls {
                cert_dir: "/certs".into(),
                verify: true
            })
        );
        let e = env(Some("1"), None, None, &r, &x);
        assert_eq!(
            from_env(&e, "tcp://h:2376").map(|t| t.cert_dir),
            Some(PathBuf::from("/home/u/.docker"))
        );
    }

    #[test]
    fn no_tls_variables_or_a_socket_means_plain() {
        let (r, x) = (|_: &Path| None, |_: &Path| false);
        assert_eq!(
            from_env(&env(None, None, Some("/c"), &r, &x), "tcp://h:2375"),
            None
        );
        assert_eq!(
            from_env(&env(Some(""), None, None, &r, &x), "tcp://h:2375"),
            None
        );
        assert_eq!(
            from_env(&env(Some("1"), None, None, &r, &x), "unix:///s.sock"),
            None
        );
    }

    #[test]
    fn docker_tls_alone_is_unverified_and_refused_at_connect() {
        let (r, x) = (|_: &Path| None, |_: &Path| false);
        let t = from_env(&env(None, Some("1"), Some("/c"), &r, &x), "tcp://h:2376").unwrap();
        assert!(!t.verify);
        let v = bollard::API_DEFAULT_VERSION;
        let err = connect("tcp://h:2376", &t, 5, v).unwrap_err().to_string();
        assert!(err.contains("not supported"), "{err}");
    }

    #[test]
    fn a_context_with_tls_files_and_skip_verify() {
        let r = |_: &Path| None;
        let x = |p: &Path| p == Path::new("/cfg/contexts/tls/abc/docker/ca.pem");
        let e = env(None, None, None, &r, &x);
        let meta = serde_json::json!({"Endpoints":{"docker":{"Host":"tcp://h:2376","SkipTLSVerify":true}}});
        let t = from_context(&e, Path::new("/cfg"), "abc", &meta).unwrap();
        assert_eq!(t.cert_dir, PathBuf::from("/cfg/contexts/tls/abc/docker"));
        assert!(!t.verify);
        let meta = serde_json::json!({"Endpoints":{"docker":{"Host":"tcp://h:2376"}}});
        assert!(
            from_context(&e, Path::new("/cfg"), "abc", &meta)
                .unwrap()
                .verify
        );
        assert_eq!(from_context(&e, Path::new("/cfg"), "zzz", &meta), None);
    }

    #[test]
    fn missing_files_are_named() {
        let t = Tls {
            cert_dir: "/nonexistent-berth-certs".into(),
            verify: true,
        };
        let err = connect("tcp://h:2376", &t, 5, bollard::API_DEFAULT_VERSION)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent-berth-certs/ca.pem"), "{err}");
    }
}
