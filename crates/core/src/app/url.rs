//! Which URLs "Open in browser" may open.

use crate::{Error, Result};

/// The URL "Open in browser" may open: http(s) on this machine only — `localhost`,
/// `127.0.0.1` or `[::1]`, with an optional port — so the webview cannot use the command to
/// open arbitrary addresses or files (pure).
pub fn local_url(url: &str) -> Result<String> {
    let refuse = || {
        Error::InvalidInput(format!(
            "{url}: only http(s)://localhost, 127.0.0.1 or [::1] addresses are opened"
        ))
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refuse());
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(refuse)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(refuse());
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(refuse)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(refuse)?),
        };
        (h, port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if !matches!(host, "localhost" | "127.0.0.1" | "::1") {
        return Err(refuse());
    }
    if let Some(p) = port {
        if p.parse::<u16>().ok().filter(|p| *p != 0).is_none() {
            return Err(refuse());
        }
    }
    Ok(url.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn only_local_http_urls_pass() {
        for ok in [
            "http://localhost:8080",
            "http://localhost:8080/",
            "https://127.0.0.1:3000/health?x=1",
            "http://localhost",
            "http://[::1]:8080/",
            "http://[::1]",
        ] {
            assert_eq!(local_url(ok).unwrap(), ok);
        }
        for bad in [
            "file:///etc/passwd",
            "http://example.com",
            "http://localhost.evil.com:80",
            "http://localhost:0",
            "http://localhost:99999",
            "javascript:alert(1)",
            "http://localhost:8080 --flag",
            "http://user@localhost:8080",
            "http://[::2]:80",
            "http://[::1]x",
            "",
        ] {
            let e = local_url(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{bad}");
        }
    }
}
