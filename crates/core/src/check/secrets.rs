//! What looks like a secret: variable names, credential patterns in values, and file names
//! (pure). Shared by the Dockerfile, compose, image and container checks.

use regex::Regex;
use std::sync::LazyLock;

/// A credential recognised by its shape, with the checkov secrets check that finds the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credential {
    /// What it is, for the finding's detail ("an AWS access key id").
    pub what: &'static str,
    /// checkov's secrets check id, when it has one.
    pub checkov: Option<&'static str>,
}

struct Pattern {
    what: &'static str,
    checkov: Option<&'static str>,
    re: &'static str,
}

const PATTERNS: &[Pattern] = &[
    Pattern {
        what: "a private key",
        checkov: Some("CKV_SECRET_13"),
        re: r"-----BEGIN ((RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----",
    },
    Pattern {
        what: "an AWS access key id",
        checkov: Some("CKV_SECRET_2"),
        re: r"\b(AKIA|ASIA)[0-9A-Z]{16}\b",
    },
    Pattern {
        what: "a GitHub token",
        checkov: None,
        re: r"\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,})\b",
    },
    Pattern {
        what: "a Slack token",
        checkov: Some("CKV_SECRET_14"),
        re: r"\bxox[baprs]-[0-9A-Za-z-]{10,}",
    },
    Pattern {
        what: "an npm token",
        checkov: Some("CKV_SECRET_12"),
        re: r"\bnpm_[A-Za-z0-9]{36}\b",
    },
    Pattern {
        what: "a Stripe secret key",
        checkov: Some("CKV_SECRET_17"),
        re: r"\b[sr]k_live_[0-9A-Za-z]{24,}\b",
    },
    Pattern {
        what: "a Google API key",
        checkov: None,
        re: r"\bAIza[0-9A-Za-z_-]{35}\b",
    },
];

static COMPILED: LazyLock<Vec<(Regex, &'static Pattern)>> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .filter_map(|p| Regex::new(p.re).ok().map(|r| (r, p)))
        .collect()
});

/// `scheme://user:password@host` with a password written out.
static URL_PASSWORD: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+:([^@/\s]+)@").ok());

/// A credential in `value`, recognised by its shape (not by the variable's name).
pub fn credential_in(value: &str) -> Option<Credential> {
    COMPILED
        .iter()
        .find(|(re, _)| re.is_match(value))
        .map(|(_, p)| Credential {
            what: p.what,
            checkov: p.checkov,
        })
}

/// The password of a `scheme://user:password@host` URL, when one is written out (not
/// `${VAR}`).
pub fn url_password(value: &str) -> Option<String> {
    let re = URL_PASSWORD.as_ref()?;
    let pw = re.captures(value)?.get(1)?.as_str().to_string();
    (!is_reference(&pw)).then_some(pw)
}

/// Words in a variable name that say it holds a secret.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
    "AUTH_KEY",
    "CLIENT_SECRET",
];

/// Names that contain a secret word but name no secret (`*_FILE` points at a file,
/// `*_TOKEN_URL` at an endpoint).
const NOT_SECRET_SUFFIXES: &[&str] = &["_FILE", "_PATH", "_URL", "_URI", "_ENDPOINT", "_HOST"];

/// Does this variable name say it holds a secret (`DB_PASSWORD`, `githubToken`)?
pub fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    if NOT_SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s)) {
        return false;
    }
    SECRET_WORDS.iter().any(|w| upper.contains(w))
}

/// Is the value only a reference to another variable (`$X`, `${X}`, `${X:?required}`)?
pub fn is_reference(value: &str) -> bool {
    let v = value.trim();
    if let Some(inner) = v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        // `${X:-default}` writes a default out: that default is a literal.
        return !(inner.contains(":-") || inner.contains('-') && !inner.contains(":?"));
    }
    v.starts_with('$')
        && v[1..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The literal a value writes out: None for an empty value or a bare reference; the default
/// of `${X:-default}`; else the value itself.
pub fn literal(value: &str) -> Option<String> {
    let v = value.trim().trim_matches('"').trim_matches('\'');
    if v.is_empty() || is_reference(v) {
        return None;
    }
    if let Some(inner) = v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        let default = inner
            .split_once(":-")
            .or_else(|| inner.split_once('-'))
            .map(|(_, d)| d)?;
        return (!default.is_empty()).then(|| default.to_string());
    }
    Some(v.to_string())
}

/// Well-known development defaults: written in the clear on purpose for a local database
/// that nothing outside the compose network reaches.
const DEV_DEFAULTS: &[&str] = &[
    "app", "guest", "postgres", "mysql", "password", "secret", "changeme", "example", "test",
    "dev", "root", "admin", "pass",
];

/// Is this a well-known development default rather than a real secret?
pub fn dev_default(value: &str) -> bool {
    DEV_DEFAULTS.iter().any(|d| value.eq_ignore_ascii_case(d))
}

/// How bad a secret-looking file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretFile {
    /// A private key or a cloud provider's credentials: critical.
    Key,
    /// `.env`, `.npmrc`, `.netrc`, ...: may hold tokens.
    Other,
}

/// Is this path (in an image or a build context) a secret-looking file? Paths of the
/// distribution's own files (`usr/`, `lib/`, `etc/ssl/`) are not keys a user put there.
pub fn secret_file(path: &str) -> Option<SecretFile> {
    let p = path.trim_start_matches("./").trim_start_matches('/');
    let name = p.rsplit('/').next().unwrap_or(p);
    let lower = name.to_ascii_lowercase();
    let system = [
        "usr/", "lib/", "lib64/", "etc/ssl/", "etc/pki/", "proc/", "sys/",
    ]
    .iter()
    .any(|s| p.starts_with(s));
    let key_names = [
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "id_ecdsa_sk",
        "id_ed25519_sk",
    ];
    if key_names.contains(&lower.as_str()) {
        return Some(SecretFile::Key);
    }
    if p.ends_with(".aws/credentials")
        || p.ends_with(".config/gcloud/application_default_credentials.json")
        || lower == "service-account.json"
        || lower == "gcp-key.json"
    {
        return Some(SecretFile::Key);
    }
    if !system
        && [".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"]
            .iter()
            .any(|e| lower.ends_with(e))
        && !lower.ends_with(".pub.pem")
    {
        return Some(SecretFile::Key);
    }
    let other = [
        ".env",
        ".npmrc",
        ".pypirc",
        ".netrc",
        ".git-credentials",
        ".htpasswd",
        "credentials.json",
        "secrets.json",
        "secrets.yaml",
        "secrets.yml",
    ];
    if other.contains(&lower.as_str())
        || (lower.starts_with(".env.")
            && !lower.ends_with(".example")
            && !lower.ends_with(".sample"))
        || p.ends_with(".docker/config.json")
        || p.ends_with(".kube/config")
    {
        return Some(SecretFile::Other);
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_recognised_by_shape() {
        let aws = credential_in("AKIAIOSFODNN7EXAMPLE").unwrap();
        assert_eq!(aws.checkov, Some("CKV_SECRET_2"));
        assert_eq!(
            credential_in("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl")
                .unwrap()
                .what,
            "a private key"
        );
        assert!(credential_in("ghp_0123456789abcdefghijABCDEFGHIJ012345").is_some());
        assert!(credential_in("xoxb-1234567890-abcdef").is_some());
        assert!(credential_in("hello world").is_none());
        assert!(credential_in("AKIA-not-a-key").is_none());
    }

    #[test]
    fn names_and_literals() {
        for n in [
            "DB_PASSWORD",
            "githubToken",
            "AWS_SECRET_ACCESS_KEY",
            "API_KEY",
            "client-secret",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in ["PORT", "PASSWORD_FILE", "TOKEN_URL", "KEYBOARD", "PATH"] {
            assert!(!secret_name(n), "{n}");
        }
        assert_eq!(literal("${PW}"), None);
        assert_eq!(literal("$PW"), None);
        assert_eq!(literal(""), None);
        assert_eq!(literal("${PW:-app}").as_deref(), Some("app"));
        assert_eq!(literal("${PW:?set it}"), None);
        assert_eq!(literal("\"hunter2\"").as_deref(), Some("hunter2"));
        assert!(dev_default("app") && dev_default("Guest") && !dev_default("hunter2"));
    }

    #[test]
    fn url_passwords() {
        assert_eq!(
            url_password("postgres://app:s3cr3t@db:5432/app").as_deref(),
            Some("s3cr3t")
        );
        assert_eq!(url_password("postgres://app:${PW}@db/app"), None);
        assert_eq!(url_password("redis://redis:6379/0"), None);
        assert_eq!(url_password("mongodb://mongodb:27017/app"), None);
    }

    #[test]
    fn secret_files() {
        assert_eq!(secret_file("root/.ssh/id_rsa"), Some(SecretFile::Key));
        assert_eq!(secret_file("app/server.key"), Some(SecretFile::Key));
        assert_eq!(
            secret_file("home/u/.aws/credentials"),
            Some(SecretFile::Key)
        );
        assert_eq!(secret_file("usr/lib/python3/test/keycert.pem"), None);
        assert_eq!(secret_file("etc/ssl/private/ssl-cert-snakeoil.key"), None);
        assert_eq!(secret_file("app/.env"), Some(SecretFile::Other));
        assert_eq!(secret_file("app/.env.production"), Some(SecretFile::Other));
        assert_eq!(secret_file("app/.env.example"), None);
        assert_eq!(secret_file("root/.npmrc"), Some(SecretFile::Other));
        assert_eq!(secret_file("app/main.py"), None);
    }
}
