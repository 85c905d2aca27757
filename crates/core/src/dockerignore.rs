//! `.dockerignore` with Docker's semantics: one matcher for the detection walk, the build
//! context and the watcher.
//!
//! A port of what the docker CLI and BuildKit run: moby's `ignorefile.ReadAll` (reading the
//! lines) and `patternmatcher` (`New` + `MatchesOrParentMatches`), from
//! github.com/moby/patternmatcher. The unit tests below are its own test tables.
//! - Lines: a UTF-8 BOM is dropped; a line starting with `#` is a comment (before trimming);
//!   whitespace is trimmed; empty lines are skipped; `!` makes an exception; each pattern is
//!   cleaned like Go's `filepath.Clean` (`./a//b/../c` -> `a/c`, a trailing `/` dropped) and
//!   one leading `/` removed, so `/build/` and `build` are the same rule.
//! - Patterns are anchored at the context root (unlike .gitignore): `*` and `?` never match
//!   `/`; `**` matches any number of folders, none included; `[...]` and `\` escapes follow
//!   Go's `filepath.Match` (moby validates patterns with it). A bad pattern is an error
//!   (Docker refuses the build), reported with its line.
//! - A path is excluded when the last pattern matching it, or one of its parent folders, is
//!   not an exception (last match wins), so a pattern naming a folder excludes its contents.
//!
//! Deliberate differences from moby, all on patterns moby itself mishandles: an escaped
//! character is always literal (moby passes `\d` to Go's regexp, where it means a digit),
//! and a character class is translated by `filepath.Match`'s rules (moby copies it into a
//! regexp, where `[[:alpha:]]` or a `*` inside brackets mean something else). A reversed
//! range such as `[z-a]` is refused.

use crate::{Error, Result};
use regex::Regex;
use std::path::Path;

/// A compiled `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
    exclusions: bool,
}

#[derive(Debug, Clone)]
struct Pattern {
    exclusion: bool,
    kind: Kind,
}

/// moby's match types: most patterns need no regexp.
#[derive(Debug, Clone)]
enum Kind {
    Exact(String),
    /// `dir/**`: the text before the `**`.
    Prefix(String),
    /// `**/name`, `**name`: the text after the `**`.
    Suffix(String),
    Regex(Regex),
}

/// A line of a `.dockerignore` that is not a valid pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: u32,
    pub message: String,
}

impl BadLine {
    /// As an [`Error::InvalidManifest`] about `file`.
    pub fn into_error(self, file: &Path) -> Error {
        Error::InvalidManifest {
            file: file.to_path_buf(),
            line: Some(self.line),
            message: self.message,
        }
    }
}

impl DockerIgnore {
    /// Parse `.dockerignore` text; the first bad pattern is an error (as in Docker).
    pub fn parse(text: &str) -> std::result::Result<DockerIgnore, BadLine> {
        let (ignore, mut bad) = Self::parse_lenient(text);
        if bad.is_empty() {
            Ok(ignore)
        } else {
            Err(bad.swap_remove(0))
        }
    }

    /// Parse `.dockerignore` text, keeping the valid patterns and listing the bad lines.
    pub fn parse_lenient(text: &str) -> (DockerIgnore, Vec<BadLine>) {
        let mut ignore = DockerIgnore::default();
        let mut bad = Vec::new();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, raw) in text.lines().enumerate() {
            let Some(line) = read_line(raw) else {
                continue;
            };
            match compile(&line) {
                Ok(p) => {
                    ignore.exclusions |= p.exclusion;
                    ignore.patterns.push(p);
                }
                Err(message) => bad.push(BadLine {
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    message,
                }),
            }
        }
        (ignore, bad)
    }

    /// Read and parse `<root>/.dockerignore` by [`crate::fsread`]'s rules (no links, regular
    /// file, capped); `None` when the folder has none. A bad pattern is
    /// [`Error::InvalidManifest`] with its line.
    pub fn load(root: &Path) -> Result<Option<DockerIgnore>> {
        let file = root.join(".dockerignore");
        match crate::fsread::read_text(&file)? {
            None => Ok(None),
            Some(text) => Self::parse(&text)
                .map(Some)
                .map_err(|b| b.into_error(&file)),
        }
    }

    /// Whether any pattern is an exception (`!`): a folder that is excluded may then still
    /// hold files that are not, so a walk cannot skip it whole.
    pub fn has_exceptions(&self) -> bool {
        self.exclusions
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Is `rel` (slash-separated, relative to the context root) excluded? The path is cleaned
    /// first; the root itself (`.`, ``) never is.
    pub fn is_excluded(&self, rel: &str) -> bool {
        let rel = clean(&rel.replace('\\', "/"));
        if rel == "." {
            return false;
        }
        self.matches_or_parent_matches(&rel)
    }

    /// moby's `MatchesOrParentMatches` on an already clean path.
    fn matches_or_parent_matches(&self, file: &str) -> bool {
        let parent = dir(file);
        let parent_dirs: Vec<&str> = parent.split('/').collect();
        let mut matched = false;
        for p in &self.patterns {
            // An inclusion cannot change a match, nor an exception a non-match.
            if p.exclusion != matched {
                continue;
            }
            let mut m = p.matches(file);
            if !m && parent != "." {
                let mut prefix = String::new();
                for (i, d) in parent_dirs.iter().enumerate() {
                    if i > 0 {
                        prefix.push('/');
                    }
                    prefix.push_str(d);
                    if p.matches(&prefix) {
                        m = true;
                        break;
                    }
                }
            }
            if m {
                matched = !p.exclusion;
            }
        }
        matched
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match &self.kind {
            Kind::Exact(s) => path == s,
            Kind::Prefix(s) => path.starts_with(s.as_str()),
            Kind::Suffix(s) => {
                path.ends_with(s.as_str()) || s.strip_prefix('/').is_some_and(|rest| path == rest)
            }
            Kind::Regex(re) => re.is_match(path),
        }
    }
}

/// `ignorefile.ReadAll` for one line: `None` for comments and blank lines, else the
/// pattern (with its `!`), cleaned, without a leading `/`.
fn read_line(raw: &str) -> Option<String> {
    if raw.starts_with('#') {
        return None;
    }
    let mut pattern = raw.trim();
    if pattern.is_empty() {
        return None;
    }
    let invert = pattern.starts_with('!');
    if invert {
        pattern = pattern[1..].trim();
    }
    let mut out = String::new();
    if !pattern.is_empty() {
        let cleaned = clean(pattern);
        out = match cleaned.strip_prefix('/') {
            Some(rest) if !rest.is_empty() => rest.to_string(),
            _ => cleaned,
        };
    }
    Some(if invert { format!("!{out}") } else { out })
}

/// `patternmatcher.New` for one pattern + `Pattern.compile` with `/` as the separator.
fn compile(line: &str) -> std::result::Result<Pattern, String> {
    let p = clean(line.trim());
    let (exclusion, p) = match p.strip_prefix('!') {
        Some("") => return Err("illegal exclusion pattern: \"!\"".into()),
        Some(rest) => (true, rest.to_string()),
        None => (false, p),
    };
    let bad = || format!("{p:?}: syntax error in pattern");
    let chars: Vec<char> = p.chars().collect();
    let mut re = String::from("^");
    #[derive(PartialEq, Clone, Copy)]
    enum T {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let mut t = T::Exact;
    let mut i = 0; // index into chars
    let mut token = 0; // moby's loop counter: `**` first means a suffix match
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        match ch {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i == chars.len() {
                    if t == T::Exact {
                        t = T::Prefix;
                    } else {
                        re.push_str(".*");
                        t = T::Regex;
                    }
                } else {
                    re.push_str("(.*/)?");
                    t = T::Regex;
                }
                if token == 0 {
                    t = T::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                t = T::Regex;
            }
            '?' => {
                re.push_str("[^/]");
                t = T::Regex;
            }
            '\\' => {
                let Some(&next) = chars.get(i) else {
                    return Err(bad());
                };
                i += 1;
                re.push_str(&regex::escape(&next.to_string()));
                t = T::Regex;
            }
            '[' => {
                let (class, used) = class(&chars[i..]).ok_or_else(bad)?;
                re.push_str(&class);
                i += used;
                t = T::Regex;
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        token += 1;
    }
    let kind = match t {
        T::Exact => Kind::Exact(p.clone()),
        T::Prefix => Kind::Prefix(p[..p.len() - 2].to_string()),
        T::Suffix => Kind::Suffix(p[2..].to_string()),
        T::Regex => {
            re.push('$');
            Kind::Regex(Regex::new(&re).map_err(|_| bad())?)
        }
    };
    Ok(Pattern { exclusion, kind })
}

/// A `filepath.Match` character class, `chars` starting after its `[`: the equivalent
/// regexp class and how many chars it used (through the `]`); `None` when malformed
/// (unterminated, empty, a bare `-` or `]` as a range end, a trailing `\`, `z-a`).
fn class(chars: &[char]) -> Option<(String, usize)> {
    let mut i = 0;
    let mut out = String::from("[");
    if chars.first() == Some(&'^') {
        out.push('^');
        i += 1;
    }
    // One character of a range: `\` escapes; an unescaped `-` or `]` is malformed.
    let esc = |i: &mut usize| -> Option<char> {
        let c = *chars.get(*i)?;
        if c == '-' || c == ']' {
            return None;
        }
        *i += 1;
        if c == '\\' {
            let e = *chars.get(*i)?;
            *i += 1;
            return Some(e);
        }
        Some(c)
    };
    let mut ranges = 0;
    loop {
        if chars.get(i) == Some(&']') && ranges > 0 {
            out.push(']');
            return Some((out, i + 1));
        }
        let lo = esc(&mut i)?;
        let mut hi = lo;
        if chars.get(i) == Some(&'-') {
            i += 1;
            hi = esc(&mut i)?;
            if hi < lo {
                return None;
            }
        }
        out.push_str(&regex::escape(&lo.to_string()));
        if hi != lo {
            out.push('-');
            out.push_str(&regex::escape(&hi.to_string()));
        }
        ranges += 1;
    }
}

/// Go's `filepath.Clean` for `/`-separated paths.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            x => parts.push(x),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `filepath.Dir` for `/`-separated paths.
fn dir(p: &str) -> String {
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    clean(&p[..cut])
}

#[cfg(test)]
#[path = "dockerignore_tests.rs"]
mod tests;
