//! A small, strict-enough XML scanner for build files (pom.xml, *.csproj): it checks that
//! tags are balanced and flattens elements into (path, attributes, text, line) rows.
//! Not a general XML parser: no DTDs, no entity expansion beyond the five predefined ones.

/// One element: `path` is the slash-joined chain of local names from the root
/// (`project/dependencies/dependency/artifactId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct El {
    pub path: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub line: u32,
}

impl El {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parse error: 1-based line and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub line: u32,
    pub message: String,
}

pub fn parse(text: &str) -> Result<Vec<El>, XmlError> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut line = 1u32;
    let mut stack: Vec<(String, usize)> = Vec::new(); // name, index into out
    let mut out: Vec<El> = Vec::new();
    let err = |line, message: &str| XmlError {
        line,
        message: message.to_string(),
    };
    let mut seen_root = false;
    while i < b.len() {
        if b[i] == b'<' {
            let start_line = line;
            let rest = &text[i..];
            let (end_pat, skip) = if rest.starts_with("<!--") {
                ("-->", true)
            } else if rest.starts_with("<![CDATA[") {
                ("]]>", false)
            } else if rest.starts_with("<?") {
                ("?>", true)
            } else if rest.starts_with("<!") {
                (">", true)
            } else {
                (">", false)
            };
            let Some(rel_end) = rest.find(end_pat) else {
                return Err(err(start_line, "unclosed tag or comment"));
            };
            let inner = &rest[..rel_end + end_pat.len()];
            line += inner.matches('\n').count() as u32;
            i += inner.len();
            if skip {
                continue;
            }
            if let Some(cdata) = inner.strip_prefix("<![CDATA[") {
                if let Some((_, idx)) = stack.last() {
                    out[*idx].text.push_str(cdata.trim_end_matches("]]>"));
                }
                continue;
            }
            let body = &inner[1..inner.len() - 1];
            if let Some(name) = body.strip_prefix('/') {
                let name = name.trim();
                match stack.pop() {
                    Some((open, _)) if open == name => {}
                    Some((open, _)) => {
                        return Err(err(
                            start_line,
                            &format!("closing tag </{name}> does not match <{open}>"),
                        ))
                    }
                    None => return Err(err(start_line, &format!("unexpected </{name}>"))),
                }
                continue;
            }
            let self_closing = body.ends_with('/');
            let body = body.trim_end_matches('/');
            let name_end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
            let name = &body[..name_end];
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_-.:".contains(c))
            {
                return Err(err(start_line, &format!("invalid tag <{body}>")));
            }
            if stack.is_empty() && seen_root {
                return Err(err(start_line, "more than one root element"));
            }
            seen_root = true;
            let attrs = parse_attrs(&body[name_end..])
                .ok_or_else(|| err(start_line, &format!("malformed attributes in <{name}>")))?;
            let local = name.rsplit(':').next().unwrap_or(name);
            let path = match stack.last() {
                Some((_, idx)) => format!("{}/{}", out[*idx].path, local),
                None => local.to_string(),
            };
            out.push(El {
                path,
                attrs,
                text: String::new(),
                line: start_line,
            });
            if !self_closing {
                stack.push((name.to_string(), out.len() - 1));
            }
        } else {
            let next = text[i..].find('<').map(|n| i + n).unwrap_or(b.len());
            let chunk = &text[i..next];
            line += chunk.matches('\n').count() as u32;
            if let Some((_, idx)) = stack.last() {
                out[*idx].text.push_str(&unescape(chunk));
            } else if !chunk.trim().is_empty() {
                return Err(err(line, "text outside the root element"));
            }
            i = next;
        }
    }
    if let Some((open, idx)) = stack.last() {
        return Err(err(out[*idx].line, &format!("<{open}> is never closed")));
    }
    if !seen_root {
        return Err(err(1, "no root element"));
    }
    for e in &mut out {
        e.text = e.text.trim().to_string();
    }
    Ok(out)
}

fn parse_attrs(s: &str) -> Option<Vec<(String, String)>> {
    let mut v = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let key = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let q = after.chars().next()?;
        if q != '"' && q != '\'' {
            return None;
        }
        let close = after[1..].find(q)?;
        v.push((key.to_string(), unescape(&after[1..1 + close])));
        rest = after[close + 2..].trim_start();
    }
    Some(v)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Text of the first element whose path ends with `suffix`.
#[cfg(test)]
pub fn text_of<'a>(els: &'a [El], suffix: &str) -> Option<&'a El> {
    els.iter()
        .find(|e| e.path == suffix || e.path.ends_with(&format!("/{suffix}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn flattens_with_lines_and_attrs() {
        let x = "<?xml version=\"1.0\"?>\n<!-- c -->\n<project xmlns=\"x\">\n  <properties>\n    <java.version>17</java.version>\n  </properties>\n  <dep a='1' b=\"&amp;\"/>\n</project>\n";
        let els = parse(x).unwrap();
        let v = text_of(&els, "properties/java.version").unwrap();
        assert_eq!((v.text.as_str(), v.line), ("17", 5));
        let d = text_of(&els, "dep").unwrap();
        assert_eq!(d.attr("b"), Some("&"));
        assert_eq!(d.line, 7);
    }

    #[test]
    fn reports_mismatch_with_line() {
        let e = parse("<a>\n<b>\n</c>\n</a>").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("</c>"));
        assert_eq!(
            parse("<a>\n<b>").unwrap_err().message,
            "<b> is never closed"
        );
        assert!(parse("").is_err());
        assert!(parse("<a></a><b/>").is_err());
    }
}
