//! Host ports in a compose file: the default and fixed ones it publishes, and writing the
//! chosen host port back into compose.yaml: the first `ports:` entry of the
//! first service gets the new host side. The edit is textual (comments and layout are
//! kept), the old file is kept as `compose.yaml.berth-backup-<UTC time>`, and the write is
//! atomic (temporary file in the same folder, fsync, rename).

use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The outcome of a write-back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortWritten {
    pub path: PathBuf,
    pub backup: PathBuf,
}

/// Replace the host side of one `ports:` entry (pure). Understands `"H:C"`, `H:C`,
/// `"IP:H:C"`, `"${HOST_PORT:-H}:C"` and Berth's `"${HOST_IP:-127.0.0.1}:${HOST_PORT:-H}:C"`. Returns None when the entry already
/// publishes `port`.
pub fn set_host_port(text: &str, port: u16) -> Result<Option<String>> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut in_ports: Option<usize> = None; // indentation of the `ports:` key
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let body = trimmed.trim_end();
        if body.starts_with('#') || body.is_empty() {
            continue;
        }
        if let Some(pi) = in_ports {
            if let Some(entry) = body.strip_prefix("- ") {
                let Some(new_entry) = replace_entry(entry.trim(), port) else {
                    return Err(invalid(format!(
                        "line {}: cannot read the port mapping {entry}",
                        i + 1
                    )));
                };
                if new_entry == entry.trim() {
                    return Ok(None);
                }
                let mut out: String = lines[..i].concat();
                let eol = &line[line.trim_end().len()..];
                out.push_str(&format!("{}- {new_entry}{eol}", &line[..indent]));
                out.push_str(&lines[i + 1..].concat());
                return Ok(Some(out));
            }
            if indent <= pi {
                in_ports = None;
            }
        }
        if body == "ports:" {
            in_ports = Some(indent);
        }
    }
    Err(invalid("no `ports:` entry to update".into()))
}

fn invalid(message: String) -> Error {
    Error::InvalidManifest {
        file: PathBuf::from("compose.yaml"),
        line: None,
        message,
    }
}

fn replace_entry(entry: &str, port: u16) -> Option<String> {
    let (quote, inner) = match entry.chars().next()? {
        q @ ('"' | '\'') => (Some(q), entry.trim_matches(q)),
        _ => (None, entry),
    };
    // [IP:]HOST:CONTAINER, where IP and HOST may be `${VAR:-default}` (colons inside braces
    // do not split).
    let c = super::model::last_colon_outside_braces(inner)?;
    let (head, container) = (&inner[..c], &inner[c..]);
    let (ip, host) = match super::model::last_colon_outside_braces(head) {
        Some(i) => (&head[..=i], &head[i + 1..]),
        None => ("", head),
    };
    let new_host = match host.strip_prefix("${") {
        // ${VAR:-H} keeps its variable, with the new default.
        Some(rest) => {
            let var = rest.split([':', '-', '}']).next()?;
            format!("${{{var}:-{port}}}")
        }
        None if host.parse::<u16>().is_ok() => port.to_string(),
        None => return None,
    };
    let new_inner = format!("{ip}{new_host}{container}");
    Some(match quote {
        Some(q) => format!("{q}{new_inner}{q}"),
        None => new_inner,
    })
}

/// The default host port in `"${HOST_PORT:-N}:..."` (Berth's compose.yaml), if any (pure).
pub fn default_host_port(text: &str) -> Option<u16> {
    let i = text.find("${HOST_PORT:-")? + "${HOST_PORT:-".len();
    text[i..].split('}').next()?.parse().ok()
}

/// The host port a compose file publishes as a literal number (`"5000:5000"`), when it has
/// no `${HOST_PORT...}` Berth could set: that port cannot be moved, only checked (pure).
pub fn fixed_host_port(text: &str, parsed: &super::ComposeFile) -> Option<u16> {
    if text.contains("${HOST_PORT") {
        return None;
    }
    parsed
        .services
        .iter()
        .flat_map(|s| &s.ports)
        .find_map(|p| p.host.as_deref()?.trim().parse::<u16>().ok())
}

/// Write `port` into `compose` (see the module docs). None when it already has it.
pub fn write_host_port(compose: &Path, port: u16) -> Result<Option<PortWritten>> {
    // Read by fsread's rules (no links, regular files, capped); replaced only if it still
    // holds exactly these bytes, after a backup of them.
    let read = crate::fsread::read(compose, crate::fsread::ReadOptions::PROJECT)?
        .ok_or_else(|| Error::NotFound(compose.to_path_buf()))?;
    let seen = crate::write::fingerprint(&read.bytes);
    let text = read.text();
    let Some(new) = set_host_port(&text, port).map_err(|e| match e {
        Error::InvalidManifest { line, message, .. } => Error::InvalidManifest {
            file: compose.to_path_buf(),
            line,
            message,
        },
        other => other,
    })?
    else {
        return Ok(None);
    };
    let stamp = crate::write::utc_stamp(std::time::SystemTime::now());
    let backup = crate::write::replace_with_backup(compose, &seen, new.as_bytes(), &stamp)?;
    Ok(Some(PortWritten {
        path: compose.to_path_buf(),
        backup,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const BERTH: &str = "# generated by Berth\nservices:\n  app:\n    build: .\n    ports:\n      - \"${HOST_PORT:-8000}:8000\"\n    environment:\n      PORT: \"8000\"\n  redis:\n    image: redis:7\n    ports:\n      - \"6379:6379\"\n";

    #[test]
    fn a_literal_host_port_is_fixed_unless_host_port_is_used() {
        let parse = |t: &str| super::super::parse(Path::new("/p/compose.yaml"), t).unwrap();
        let literal = "services:\n  web:\n    build: .\n    ports:\n      - \"5000:8000\"\n";
        assert_eq!(fixed_host_port(literal, &parse(literal)), Some(5000));
        let movable =
            "services:\n  web:\n    build: .\n    ports:\n      - \"${HOST_PORT:-5000}:8000\"\n";
        assert_eq!(fixed_host_port(movable, &parse(movable)), None);
        let container_only = "services:\n  web:\n    build: .\n    ports:\n      - \"8000\"\n";
        assert_eq!(
            fixed_host_port(container_only, &parse(container_only)),
            None
        );
        assert_eq!(
            default_host_port("      - \"${HOST_PORT:-8000}:8000\"\n"),
            Some(8000)
        );
        assert_eq!(default_host_port("ports: [\"80:80\"]"), None);
    }

    #[test]
    fn berth_compose_entry() {
        let out = set_host_port(BERTH, 8081).unwrap().unwrap();
        assert!(out.contains("      - \"${HOST_PORT:-8081}:8000\"\n"));
        // only the first entry changes; everything else is kept byte for byte
        assert_eq!(out.replace("8081}", "8000}"), BERTH);
        assert_eq!(set_host_port(&out, 8081).unwrap(), None);
    }

    #[test]
    fn berths_loopback_entry_keeps_its_address() {
        let t = "services:\n  app:\n    ports:\n      - \"${HOST_IP:-127.0.0.1}:${HOST_PORT:-8000}:8000\"\n";
        let out = set_host_port(t, 8081).unwrap().unwrap();
        assert!(
            out.contains("- \"${HOST_IP:-127.0.0.1}:${HOST_PORT:-8081}:8000\""),
            "{out}"
        );
        assert_eq!(set_host_port(&out, 8081).unwrap(), None);
        let t = "services:\n  app:\n    ports:\n      - \"[::1]:80:8080\"\n";
        assert!(set_host_port(t, 9000)
            .unwrap()
            .unwrap()
            .contains("\"[::1]:9000:8080\""));
    }

    #[test]
    fn plain_entries() {
        let t = "services:\n  web:\n    ports:\n      - 3000:3000\n";
        assert_eq!(
            set_host_port(t, 3001).unwrap().unwrap(),
            "services:\n  web:\n    ports:\n      - 3001:3000\n"
        );
        let t = "services:\n  web:\n    ports:\n      - '127.0.0.1:80:8080'\n";
        assert!(set_host_port(t, 8082)
            .unwrap()
            .unwrap()
            .contains("'127.0.0.1:8082:8080'"));
    }

    #[test]
    fn no_ports_is_a_clear_error() {
        let e = set_host_port("services:\n  web:\n    image: x:1\n", 1).unwrap_err();
        assert!(e.to_string().contains("no `ports:` entry"));
    }

    #[test]
    fn writes_atomically_with_a_backup() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("compose.yaml");
        std::fs::write(&p, BERTH).unwrap();
        let w = write_host_port(&p, 9000).unwrap().unwrap();
        assert_eq!(std::fs::read_to_string(&w.backup).unwrap(), BERTH);
        assert!(std::fs::read_to_string(&p)
            .unwrap()
            .contains("${HOST_PORT:-9000}:8000"));
        assert_eq!(write_host_port(&p, 9000).unwrap(), None);
        let leftovers: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.contains("berth-tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    #[cfg(unix)]
    fn successive_writes_keep_every_backup_and_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("compose.yaml");
        std::fs::write(&p, BERTH).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let first = write_host_port(&p, 9001).unwrap().unwrap();
        let second = write_host_port(&p, 9002).unwrap().unwrap();
        // Two writes within the same second must not reuse (overwrite) the first backup.
        assert_ne!(first.backup, second.backup);
        assert_eq!(std::fs::read_to_string(&first.backup).unwrap(), BERTH);
        assert!(std::fs::read_to_string(&second.backup)
            .unwrap()
            .contains("${HOST_PORT:-9001}:8000"));
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}
