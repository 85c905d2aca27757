//! The few Dockerfile facts the assessment and the manifests need (pure): the final stage's
//! user (and its uid when the file or a well-known image name tells it), its CMD/ENTRYPOINT
//! (exec or shell form), EXPOSE and HEALTHCHECK, each with its line.
//!
//! Deliberately minimal: continuation lines, comments, case-insensitive instructions, stages.
//! It can move onto the Dockerfile parser of the check module when that lands.

/// One instruction's argument text and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// 1-based line of the instruction's first line.
    pub line: u32,
    /// Everything after the keyword, continuation lines joined.
    pub text: String,
}

impl Instruction {
    /// `CMD ["a", "b"]` rather than `CMD a b` (which runs under `/bin/sh -c`, and the shell
    /// does not pass SIGTERM on).
    pub fn exec_form(&self) -> bool {
        self.text.trim_start().starts_with('[')
    }
}

/// What the Dockerfile says about the final image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DockerfileFacts {
    /// The final stage's `USER`, if any.
    pub user: Option<Instruction>,
    /// The numeric uid and gid the final image runs as, when known.
    pub uid: Option<i64>,
    pub gid: Option<i64>,
    pub cmd: Option<Instruction>,
    pub entrypoint: Option<Instruction>,
    pub expose: Vec<(u16, u32)>,
    pub healthcheck: Option<Instruction>,
    /// The final stage's `FROM` image.
    pub base_image: Option<Instruction>,
}

/// `(line, keyword upper-cased, arguments)` of each instruction.
fn instructions(text: &str) -> Vec<(u32, String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_none()) {
            continue;
        }
        let (start, mut acc) = current.take().unwrap_or((line_no, String::new()));
        let (body, continues) = match trimmed.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (trimmed, false),
        };
        if !acc.is_empty() {
            acc.push(' ');
        }
        acc.push_str(body.trim());
        if continues {
            current = Some((start, acc));
            continue;
        }
        let (kw, rest) = acc.split_once(char::is_whitespace).unwrap_or((&acc, ""));
        out.push((start, kw.to_ascii_uppercase(), rest.trim().to_string()));
    }
    out
}

/// Users created with `useradd/adduser ... -u N name` (or `--uid N`), by name.
fn created_users(args: &str, users: &mut Vec<(String, i64)>) {
    for cmd in args.split("&&") {
        let words: Vec<&str> = cmd
            .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
            .map(|w| w.trim_matches('"'))
            .filter(|w| !w.is_empty())
            .collect();
        let Some(pos) = words
            .iter()
            .position(|w| *w == "useradd" || *w == "adduser")
        else {
            continue;
        };
        let words = &words[pos + 1..];
        let uid = words
            .windows(2)
            .find(|w| w[0] == "-u" || w[0] == "--uid")
            .and_then(|w| w[1].parse().ok());
        // The name is the last word that is not an option or an option's value.
        let name = words.last().filter(|w| !w.starts_with('-'));
        if let (Some(uid), Some(name)) = (uid, name) {
            users.push((name.to_string(), uid));
        }
    }
}

/// The uid of a well-known user name in common base images.
fn well_known_uid(name: &str) -> Option<i64> {
    match name {
        "root" => Some(0),
        "node" => Some(1000),
        "nonroot" => Some(65532),
        "nobody" => Some(65534),
        "www-data" => Some(33),
        _ => None,
    }
}

/// A user name or number -> its uid (created in the file, or well known).
fn resolve_user(n: &str, users: &[(String, i64)]) -> Option<i64> {
    n.parse::<i64>()
        .ok()
        .or_else(|| users.iter().find(|(u, _)| u == n).map(|(_, id)| *id))
        .or_else(|| well_known_uid(n))
}

/// Read the facts from a Dockerfile's text.
pub fn facts(text: &str) -> DockerfileFacts {
    let mut f = DockerfileFacts::default();
    let mut users = Vec::new();
    for (line, kw, args) in instructions(text) {
        let ins = Instruction {
            line,
            text: args.clone(),
        };
        match kw.as_str() {
            "FROM" => {
                // A new stage: only the final one's facts count.
                f = DockerfileFacts {
                    base_image: Some(ins),
                    ..DockerfileFacts::default()
                };
            }
            "RUN" => created_users(&args, &mut users),
            "USER" => f.user = Some(ins),
            "CMD" => f.cmd = Some(ins),
            "ENTRYPOINT" => f.entrypoint = Some(ins),
            "HEALTHCHECK" => f.healthcheck = Some(ins),
            "EXPOSE" => f.expose.extend(
                args.split_whitespace()
                    .filter_map(|p| p.trim_end_matches("/tcp").parse().ok())
                    .map(|p| (p, line)),
            ),
            _ => {}
        }
    }
    if let Some(u) = &f.user {
        let (user, group) = match u.text.split_once(':') {
            Some((a, b)) => (a.trim(), Some(b.trim())),
            None => (u.text.trim(), None),
        };
        f.uid = resolve_user(user, &users);
        f.gid = group.and_then(|g| resolve_user(g, &users)).or(f.uid);
    }
    f
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_final_stage_counts() {
        let f = facts(
            "FROM rust:1 AS build\nUSER root\nCMD cargo run\n\n# runtime\nFROM debian:12-slim\n\
             RUN [\"groupadd\", \"--system\", \"--gid\", \"10001\", \"app\"]\n\
             RUN [\"useradd\", \"--system\", \"--uid\", \"10001\", \"--gid\", \"app\", \"app\"]\n\
             USER app\nEXPOSE 8000/tcp\nHEALTHCHECK CMD [\"/probe\"]\n\
             CMD [\"/app/server\", \\\n  \"--port\", \"8000\"]\n",
        );
        assert_eq!(f.base_image.unwrap().text, "debian:12-slim");
        assert_eq!(f.user.unwrap().line, 9);
        assert_eq!(f.uid, Some(10001));
        assert_eq!(f.expose, vec![(8000, 10)]);
        let cmd = f.cmd.unwrap();
        assert!(cmd.exec_form());
        assert_eq!(cmd.line, 12);
        assert_eq!(cmd.text, "[\"/app/server\", \"--port\", \"8000\"]");
    }

    #[test]
    fn users_resolve_from_numbers_adduser_and_known_names() {
        assert_eq!(facts("FROM a\nUSER 1001:1002\n").gid, Some(1002));
        let f = facts("FROM alpine\nRUN addgroup -S app && adduser -S -u 4242 -G app app\nUSER app\nCMD node server.js\n");
        assert_eq!(f.uid, Some(4242));
        assert!(!f.cmd.unwrap().exec_form());
        assert_eq!(facts("FROM node:22\nUSER node\n").uid, Some(1000));
        assert_eq!(facts("FROM x\nUSER someone\n").uid, None);
        assert_eq!(facts("FROM x\n").user, None);
    }
}
