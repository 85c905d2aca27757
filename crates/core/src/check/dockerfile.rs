//! Dockerfile rules. The text is parsed by the `dockerfile-roast` crate's span-aware parser
//! (continuations, comments inside continuations, heredocs, BuildKit flags such as
//! `--mount`, exec vs shell form, the `escape` directive), turned into Berth's small model
//! of stages and instructions, and checked: instruction rules here, RUN scripts in
//! [`super::dockerfile_run`] (pure).

use super::rules::*;
use super::secrets::{self, SecretFile};
use super::{Finding, Location};
use dockerfile_roast::parser::{self as roast, InstructionForm};

/// One instruction, as Berth's rules read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// 1-based line where it starts.
    pub line: u32,
    /// Upper case (`RUN`).
    pub keyword: String,
    /// The arguments after the BuildKit flags, continuations joined.
    pub args: String,
    /// The arguments as words (quotes removed), flags excluded.
    pub words: Vec<String>,
    /// `--mount=type=cache,...` -> ("mount", Some("type=cache,...")).
    pub flags: Vec<(String, Option<String>)>,
    /// The exec (JSON) form's arguments, when written so.
    pub exec: Option<Vec<String>>,
    /// Heredoc bodies (`RUN <<EOF ... EOF`).
    pub heredocs: Vec<String>,
    /// The instruction's text as written.
    pub raw: String,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    /// Values of every `--mount=` flag.
    pub fn mounts(&self) -> impl Iterator<Item = &str> {
        self.flags
            .iter()
            .filter(|(n, _)| n == "mount")
            .filter_map(|(_, v)| v.as_deref())
    }

    /// The shell script a RUN executes (`sh -c` of the exec form, heredoc bodies).
    pub fn script(&self) -> String {
        let mut s = match &self.exec {
            Some(argv) if argv.len() >= 3 && is_shell(&argv[0]) && argv[1] == "-c" => {
                argv[2..].join(" ")
            }
            Some(argv) => shell_join(argv),
            None => self.args.clone(),
        };
        let heredoc_is_script = self.exec.is_none()
            && (self.args.starts_with("<<") || self.words.first().is_some_and(|w| is_shell(w)));
        if heredoc_is_script {
            for h in &self.heredocs {
                s.push('\n');
                s.push_str(h);
            }
        }
        s
    }
}

fn is_shell(w: &str) -> bool {
    let base = w.rsplit('/').next().unwrap_or(w);
    matches!(base, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh")
}

fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"|&;".contains(c)) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One build stage: its FROM and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub from: Instruction,
    /// The base as written (`python:3.12-slim`, `build`, `${BASE}`), global ARG defaults
    /// substituted where known.
    pub base: String,
    pub alias: Option<String>,
    pub instructions: Vec<Instruction>,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dockerfile {
    /// ARGs before the first FROM (name, default).
    pub global_args: Vec<(String, Option<String>)>,
    pub stages: Vec<Stage>,
    /// Instructions before any FROM other than ARG (invalid, kept for the secret rules).
    pub preamble: Vec<Instruction>,
}

impl Dockerfile {
    /// The stage an alias names, searched among the stages before `before`.
    pub fn stage_named(&self, alias: &str, before: usize) -> Option<usize> {
        self.stages[..before.min(self.stages.len())]
            .iter()
            .rposition(|s| {
                s.alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(alias))
            })
    }

    /// Is stage `i` built on an earlier stage (`FROM build`)? Its index then.
    pub fn parent_stage(&self, i: usize) -> Option<usize> {
        self.stage_named(&self.stages[i].base, i)
    }
}

fn convert(i: &roast::Instruction) -> Instruction {
    let flags: Vec<(String, Option<String>)> = i
        .flags
        .iter()
        .map(|f| (f.name.to_ascii_lowercase(), f.value.clone()))
        .collect();
    let exec = match &i.form {
        InstructionForm::Json(argv) => Some(argv.clone()),
        _ => None,
    };
    Instruction {
        line: u32::try_from(i.line).unwrap_or(u32::MAX),
        keyword: i.instruction.clone(),
        args: i.command.clone(),
        words: i
            .words
            .iter()
            .skip(flags.len())
            .map(|w| w.value.clone())
            .collect(),
        flags,
        exec,
        heredocs: i.heredocs.iter().map(|h| h.content.clone()).collect(),
        raw: i.raw.clone(),
    }
}

/// `${NAME}` / `$NAME` replaced by the global ARG defaults that are known.
fn substitute(s: &str, args: &[(String, Option<String>)]) -> String {
    let mut out = s.to_string();
    for (name, value) in args {
        if let Some(v) = value {
            out = out
                .replace(&format!("${{{name}}}"), v)
                .replace(&format!("${name}"), v);
        }
    }
    out
}

/// `NAME=value` words, or the legacy `ENV NAME value` form.
pub fn key_values(ins: &Instruction) -> Vec<(String, String)> {
    match ins.words.first() {
        Some(w) if !w.contains('=') && ins.keyword == "ENV" => {
            vec![(w.clone(), ins.words[1..].join(" "))]
        }
        _ => ins
            .words
            .iter()
            .map(|w| match w.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (w.clone(), String::new()),
            })
            .collect(),
    }
}

/// Parse a Dockerfile's text (pure; never fails: what the parser cannot read is skipped).
pub fn parse(text: &str) -> Dockerfile {
    let doc = roast::parse_document(text);
    let mut df = Dockerfile::default();
    for ri in &doc.instructions {
        let ins = convert(ri);
        if ins.keyword == "FROM" {
            let image = ins.words.first().cloned().unwrap_or_default();
            let alias = match ins.words.get(1) {
                Some(w) if w.eq_ignore_ascii_case("as") => ins.words.get(2).cloned(),
                _ => None,
            };
            df.stages.push(Stage {
                base: substitute(&image, &df.global_args),
                alias,
                from: ins,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = df.stages.last_mut() {
            stage.instructions.push(ins);
        } else if ins.keyword == "ARG" {
            df.global_args
                .extend(key_values(&ins).into_iter().map(|(k, v)| {
                    let v = (!v.is_empty()).then_some(v);
                    (k, v)
                }));
            df.preamble.push(ins);
        } else {
            df.preamble.push(ins);
        }
    }
    df
}

/// A base image reference's parts: the name, the tag and whether a digest pins it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub name: String,
    pub tag: Option<String>,
    pub digest: bool,
}

/// `registry:5000/team/app:1.2@sha256:...` -> name, tag, digest (pure).
pub fn image_ref(s: &str) -> ImageRef {
    let (rest, digest) = match s.split_once('@') {
        Some((r, _)) => (r, true),
        None => (s, false),
    };
    let slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    match rest[slash..].rfind(':') {
        Some(c) => ImageRef {
            name: rest[..slash + c].to_string(),
            tag: Some(rest[slash + c + 1..].to_string()),
            digest,
        },
        None => ImageRef {
            name: rest.to_string(),
            tag: None,
            digest,
        },
    }
}

/// Check a Dockerfile's text; `file` is how findings name it.
pub fn check(file: &str, text: &str) -> Vec<Finding> {
    let df = parse(text);
    let at = |line: u32| Location::File {
        file: file.to_string(),
        line,
    };
    let mut out = Vec::new();
    for (i, stage) in df.stages.iter().enumerate() {
        from_rules(&df, i, &at, &mut out);
        for ins in &stage.instructions {
            instruction_rules(ins, &at, &mut out);
        }
        super::dockerfile_run::stage_rules(&df, i, &at, &mut out);
    }
    for ins in &df.preamble {
        instruction_rules(ins, &at, &mut out);
    }
    final_stage_rules(&df, &at, &mut out);
    out
}

fn from_rules(df: &Dockerfile, i: usize, at: &dyn Fn(u32) -> Location, out: &mut Vec<Finding>) {
    let stage = &df.stages[i];
    let line = stage.from.line;
    if df.parent_stage(i).is_some() || stage.base.eq_ignore_ascii_case("scratch") {
        return;
    }
    if stage.base.contains('$') {
        return; // a build argument without a default names it: unknown here
    }
    let r = image_ref(&stage.base);
    match r.tag.as_deref() {
        None if !r.digest => out.push(DF_NO_TAG.at(
            at(line),
            format!(
                "`FROM {}` takes whatever `latest` is at build time",
                stage.base
            ),
        )),
        Some("latest") => out.push(DF_LATEST.at(at(line), format!("`FROM {}`", stage.base))),
        _ => {}
    }
    if !r.digest {
        out.push(DF_NO_DIGEST.at(
            at(line),
            format!("`FROM {}` has no @sha256 digest", stage.base),
        ));
    }
}

fn instruction_rules(ins: &Instruction, at: &dyn Fn(u32) -> Location, out: &mut Vec<Finding>) {
    let line = ins.line;
    match ins.keyword.as_str() {
        "ENV" | "ARG" => {
            for (k, v) in key_values(ins) {
                secret_value_rules(ins, &k, &v, at, out);
                tls_env_rule(&k, &v, line, at, out);
            }
        }
        "ADD" | "COPY" => copy_rules(ins, at, out),
        "WORKDIR" => {
            let dir = ins.words.first().map(String::as_str).unwrap_or("");
            let absolute =
                dir.starts_with('/') || dir.starts_with('$') || dir.chars().nth(1) == Some(':');
            if !dir.is_empty() && !absolute {
                out.push(DF_WORKDIR_RELATIVE.at(at(line), format!("`WORKDIR {dir}`")));
            }
        }
        "CMD" | "ENTRYPOINT" if ins.exec.is_none() && !ins.args.trim().is_empty() => {
            out.push(DF_SHELL_FORM.at(
                at(line),
                format!(
                    "`{} {}` runs under /bin/sh -c, which does not pass signals on",
                    ins.keyword,
                    ins.args.trim()
                ),
            ));
        }
        "EXPOSE" => {
            for p in &ins.words {
                let port = p.split('/').next().unwrap_or(p);
                if port == "22" {
                    out.push(DF_EXPOSE_22.at(at(line), format!("`EXPOSE {p}`")));
                }
            }
        }
        "MAINTAINER" => out.push(DF_MAINTAINER.at(at(line), format!("`MAINTAINER {}`", ins.args))),
        _ => {}
    }
    // A credential written anywhere in the instruction (a token in a clone URL, a key in a
    // RUN echo) — ENV/ARG values were checked above with their names.
    if !matches!(ins.keyword.as_str(), "ENV" | "ARG") {
        if let Some(c) = secrets::credential_in(&ins.raw) {
            let mut refs = vec!["CIS-DI-0010", "AVD-DS-0031"];
            refs.extend(c.checkov);
            out.push(DF_CREDENTIAL.at_with_refs(
                at(line),
                format!("{} written in a {} instruction", c.what, ins.keyword),
                &refs,
            ));
        }
    }
}

fn secret_value_rules(
    ins: &Instruction,
    name: &str,
    value: &str,
    at: &dyn Fn(u32) -> Location,
    out: &mut Vec<Finding>,
) {
    let line = ins.line;
    if let Some(c) = secrets::credential_in(value) {
        let mut refs = vec!["DL3064", "CIS-DI-0010", "AVD-DS-0031"];
        refs.extend(c.checkov);
        out.push(DF_CREDENTIAL.at_with_refs(
            at(line),
            format!("{} `{name}` holds {}", ins.keyword, c.what),
            &refs,
        ));
        return;
    }
    if !secrets::secret_name(name) {
        return;
    }
    match secrets::literal(value) {
        Some(_) => out.push(DF_SECRET_ENV.at(
            at(line),
            format!(
                "{} `{name}` is given a value; it stays readable in the image",
                ins.keyword
            ),
        )),
        None if ins.keyword == "ARG" => out.push(DF_SECRET_ARG.at(
            at(line),
            format!("ARG `{name}`: build arguments are recorded in the image history"),
        )),
        None => {}
    }
}

/// Environment variables that turn TLS certificate checks off, with checkov's ids.
fn tls_env_rule(
    name: &str,
    value: &str,
    line: u32,
    at: &dyn Fn(u32) -> Location,
    out: &mut Vec<Finding>,
) {
    let v = value.trim().trim_matches('"').to_ascii_lowercase();
    let hit = match name {
        "NODE_TLS_REJECT_UNAUTHORIZED" if v == "0" => Some("CKV2_DOCKER_6"),
        "PYTHONHTTPSVERIFY" if v == "0" => Some("CKV2_DOCKER_5"),
        "NPM_CONFIG_STRICT_SSL" if v == "false" => Some("CKV2_DOCKER_12"),
        "GIT_SSL_NO_VERIFY" => Some("CKV2_DOCKER_14"),
        "PIP_TRUSTED_HOST" if !v.is_empty() => Some("CKV2_DOCKER_16"),
        _ => None,
    };
    if let Some(r) = hit {
        out.push(DF_TLS_OFF.at_with_refs(at(line), format!("`{name}={value}`"), &[r]));
    }
}

const ARCHIVES: &[&str] = &[
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tbz2",
    ".tb2",
    ".tar.xz",
    ".txz",
    ".tar.zst",
    ".tar.lz",
    ".tar.lzma",
    ".tlz",
    ".tar.z",
    ".tz",
];

fn copy_rules(ins: &Instruction, at: &dyn Fn(u32) -> Location, out: &mut Vec<Finding>) {
    let line = ins.line;
    let args: Vec<String> = match &ins.exec {
        Some(a) => a.clone(),
        None => ins.words.clone(),
    };
    let sources = &args[..args.len().saturating_sub(1)];
    let from_stage = ins.flag("from").is_some();
    if ins.keyword == "ADD" {
        let url = sources
            .iter()
            .any(|s| s.starts_with("http://") || s.starts_with("https://"));
        let git = sources
            .iter()
            .any(|s| s.starts_with("git@") || s.ends_with(".git"));
        let archive = sources.iter().any(|s| {
            let l = s.to_ascii_lowercase();
            ARCHIVES.iter().any(|e| l.ends_with(e))
        });
        if url && ins.flag("checksum").is_none() {
            out.push(DF_ADD_URL.at(
                at(line),
                format!("`ADD {}` fetches without a checksum", sources.join(" ")),
            ));
        } else if !url && !git && !archive && !sources.is_empty() {
            out.push(DF_ADD_LOCAL.at(at(line), format!("`ADD {}`", args.join(" "))));
        }
    }
    if from_stage {
        return;
    }
    for s in sources {
        if let Some(kind) = secrets::secret_file(s) {
            let what = match kind {
                SecretFile::Key => "a private key or credential file",
                SecretFile::Other => "a file that usually holds secrets",
            };
            out.push(DF_SECRET_COPY.at(at(line), format!("`{s}` is {what}")));
        }
    }
}

/// Rules about the image the Dockerfile ends with: its user and health check.
fn final_stage_rules(df: &Dockerfile, at: &dyn Fn(u32) -> Location, out: &mut Vec<Finding>) {
    let Some(last) = df.stages.len().checked_sub(1) else {
        return;
    };
    // The final stage and the stages it is built on (`FROM build`), nearest first.
    let mut chain = vec![last];
    while let Some(p) = df.parent_stage(*chain.last().unwrap_or(&last)) {
        if chain.contains(&p) {
            break;
        }
        chain.push(p);
    }
    let find_last = |kw: &str| {
        chain.iter().find_map(|&s| {
            df.stages[s]
                .instructions
                .iter()
                .rev()
                .find(|i| i.keyword == kw)
        })
    };
    let from_line = df.stages[last].from.line;
    let root_base = &df.stages[*chain.last().unwrap_or(&last)].base;
    match find_last("USER") {
        Some(u) => {
            let user = u.words.first().map(String::as_str).unwrap_or("");
            let name = user.split(':').next().unwrap_or(user);
            if name == "root" || name == "0" {
                out.push(DF_ROOT_USER.at(at(u.line), format!("`USER {user}` is the last USER")));
            }
        }
        None if !nonroot_base(root_base) && !root_base.eq_ignore_ascii_case("scratch") => {
            out.push(DF_NO_USER.at(
                at(from_line),
                format!(
                    "the final stage (`FROM {}`) never switches to a non-root USER",
                    df.stages[last].base
                ),
            ));
        }
        None => {}
    }
    if find_last("HEALTHCHECK").is_none() {
        out.push(DF_NO_HEALTHCHECK.at(
            at(from_line),
            format!(
                "the final stage (`FROM {}`) has no HEALTHCHECK",
                df.stages[last].base
            ),
        ));
    }
}

/// Does the image the Dockerfile ends with have a HEALTHCHECK (in its final stage or a
/// stage that one is built on)?
pub fn has_healthcheck(text: &str) -> bool {
    let df = parse(text);
    let Some(mut i) = df.stages.len().checked_sub(1) else {
        return false;
    };
    for _ in 0..df.stages.len() {
        if df.stages[i]
            .instructions
            .iter()
            .any(|x| x.keyword == "HEALTHCHECK")
        {
            return true;
        }
        match df.parent_stage(i) {
            Some(p) => i = p,
            None => break,
        }
    }
    false
}

/// Base images that already run as a non-root user.
fn nonroot_base(base: &str) -> bool {
    let b = base.to_ascii_lowercase();
    b.contains("nonroot") || b.starts_with("cgr.dev/chainguard/")
}
