//! The rules of a stage's RUN steps (pure): package managers, downloads piped into a
//! shell, sudo, TLS checks turned off; and the stage-level rules that need the order of
//! steps (the whole context copied before dependencies install, a build toolchain left in
//! the runtime image).

use super::dockerfile::{image_ref, key_values, Dockerfile, Instruction};
use super::rules::*;
use super::shell::{commands, Command};
use super::{Finding, Location};

const SHELLS: &[&str] = &[
    "sh", "bash", "ash", "dash", "zsh", "ksh", "python", "python3", "perl", "ruby", "node",
];

/// Is a cache mount on `target` (or under it) set for this RUN?
fn cache_mount(ins: &Instruction, target: &str) -> bool {
    ins.mounts()
        .any(|m| m.contains("type=cache") && m.contains(target))
}

/// Does a short-option cluster (`-qy`) or a long option in `args` say `c`/`long`?
fn short_or_long(c: &Command, short: char, long: &[&str]) -> bool {
    c.args().iter().any(|a| {
        long.contains(&a.as_str())
            || (a.starts_with('-') && !a.starts_with("--") && a[1..].contains(short))
    })
}

/// Package arguments of an install (`apt-get install -y a b=1` -> a, b=1): options and the
/// values of options that take one are skipped.
fn packages<'a>(c: &'a Command, verb: &str, valued: &[&str]) -> Vec<&'a str> {
    let args = c.args();
    let Some(start) = args.iter().position(|a| a == verb) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut skip = false;
    for a in &args[start + 1..] {
        if skip {
            skip = false;
        } else if a.starts_with('-') {
            skip = valued.contains(&a.as_str());
        } else {
            out.push(a.as_str());
        }
    }
    out
}

/// The stage's ENV names (for `PIP_NO_CACHE_DIR`).
fn stage_env(df: &Dockerfile, i: usize) -> Vec<String> {
    df.stages[i]
        .instructions
        .iter()
        .filter(|x| x.keyword == "ENV")
        .flat_map(|x| key_values(x).into_iter().map(|(k, _)| k))
        .collect()
}

pub(super) fn stage_rules(
    df: &Dockerfile,
    i: usize,
    at: &dyn Fn(u32) -> Location,
    out: &mut Vec<Finding>,
) {
    let last = i + 1 == df.stages.len();
    let env = stage_env(df, i);
    let mut pipefail = false;
    for ins in &df.stages[i].instructions {
        if ins.keyword == "SHELL" {
            let argv = ins.exec.clone().unwrap_or_default();
            // pipefail, or a shell that is not a POSIX sh (PowerShell, cmd).
            pipefail = argv.iter().any(|a| a == "pipefail")
                || argv
                    .first()
                    .is_some_and(|s| !s.ends_with("sh") || s.contains("pwsh"));
        }
        if ins.keyword != "RUN" {
            continue;
        }
        run_rules(ins, last, &env, at, out);
        let script = ins.script();
        let piped = ins.exec.is_none() && commands(&script).iter().any(|c| c.piped);
        if piped && !pipefail && !script.contains("pipefail") {
            out.push(DF_PIPEFAIL.at(
                at(ins.line),
                "a `|` in a RUN under /bin/sh without `-o pipefail`",
            ));
        }
    }
    copy_all_first(df, i, at, out);
    if last {
        toolchain(df, i, at, out);
    }
}

fn run_rules(
    ins: &Instruction,
    last_stage: bool,
    env: &[String],
    at: &dyn Fn(u32) -> Location,
    out: &mut Vec<Finding>,
) {
    let line = ins.line;
    let script = ins.script();
    let cmds = commands(&script);
    let mut updates = Vec::new();
    let mut installs = false;
    let mut apt_install = false;
    for (n, c) in cmds.iter().enumerate() {
        let Some(name) = c.name() else { continue };
        if c.uses_sudo() {
            out.push(DF_SUDO.at(at(line), format!("`{}`", c.words.join(" "))));
        }
        let sub = c.subcommand().unwrap_or("");
        match (name, sub) {
            ("apt-get" | "apt", "update") | ("apk", "update") => updates.push(name.to_string()),
            ("apt-get" | "apt", "install") | ("apk", "add") => installs = true,
            _ => {}
        }
        if name == "apt" && !sub.is_empty() {
            out.push(DF_APT.at(at(line), format!("`apt {sub}`")));
        }
        if name == "apt-get" || name == "apt" {
            apt_rules(ins, c, sub, at, out);
            if sub == "install" {
                apt_install = true;
            }
        }
        if name == "apk" && sub == "add" {
            apk_rules(ins, c, at, out);
        }
        if name == "apk" && sub == "upgrade" {
            out.push(DF_UPGRADE.at_with_refs(at(line), "`apk upgrade`", &["DKL-DI-0003"]));
        }
        pip_rule(ins, c, env, at, out);
        tls_rules(c, line, at, out);
        // curl|wget ... | sh, and bash <(curl ...)
        if matches!(name, "curl" | "wget") {
            if let Some(next) = cmds.get(n + 1).filter(|x| x.piped) {
                if next.name().is_some_and(|s| SHELLS.contains(&s)) {
                    out.push(DF_PIPE_SHELL.at(
                        at(line),
                        format!("`{} | {}`", c.words.join(" "), next.words.join(" ")),
                    ));
                }
            }
        }
        if SHELLS.contains(&name) {
            let from_download = c.words.last().is_some_and(|w| w == "<")
                && cmds
                    .get(n + 1)
                    .and_then(Command::name)
                    .is_some_and(|x| x == "curl" || x == "wget");
            let substituted = c
                .args()
                .iter()
                .any(|a| a.contains("$(curl") || a.contains("$(wget") || a.contains("`curl"));
            if from_download || substituted {
                out.push(DF_PIPE_SHELL.at(
                    at(line),
                    format!("`{}` runs a downloaded script", ins.args.trim()),
                ));
            }
        }
    }
    if !updates.is_empty() && !installs {
        out.push(DF_UPDATE_ALONE.at(
            at(line),
            format!("`{} update` with no install in the same RUN", updates[0]),
        ));
    }
    let lists_cleaned = script.contains("/var/lib/apt/lists") || cache_mount(ins, "/var/lib/apt");
    let apt_update = updates.iter().any(|u| u.starts_with("apt"));
    if (apt_update || apt_install) && last_stage && !lists_cleaned {
        out.push(DF_APT_LISTS.at(
            at(line),
            "apt-get update/install without removing /var/lib/apt/lists/*",
        ));
    }
}

fn apt_rules(
    ins: &Instruction,
    c: &Command,
    sub: &str,
    at: &dyn Fn(u32) -> Location,
    out: &mut Vec<Finding>,
) {
    let line = ins.line;
    match sub {
        "install" => {
            let no_rec = c.has_flag(&["--no-install-recommends"])
                || c.args().iter().any(|a| {
                    a.contains("Install-Recommends=false") || a.contains("Install-Recommends=0")
                });
            if !no_rec {
                out.push(DF_NO_RECOMMENDS.at(at(line), format!("`{}`", c.words.join(" "))));
            }
            let yes = short_or_long(
                c,
                'y',
                &["--yes", "--assume-yes", "-qq", "-q=2", "--quiet=2"],
            );
            if !yes {
                out.push(DF_APT_YES.at(at(line), format!("`{}`", c.words.join(" "))));
            }
            let unpinned: Vec<&str> =
                packages(c, "install", &["-o", "-t", "--target-release", "-c"])
                    .into_iter()
                    .filter(|p| {
                        !p.contains('=')
                            && !p.ends_with(".deb")
                            && !p.contains('/')
                            && !p.starts_with('$')
                    })
                    .collect();
            if !unpinned.is_empty() {
                out.push(
                    DF_APT_UNPINNED.at(at(line), format!("unpinned: {}", unpinned.join(", "))),
                );
            }
        }
        "upgrade" => {
            out.push(DF_UPGRADE.at_with_refs(at(line), "`apt-get upgrade`", &["DKL-DI-0003"]))
        }
        "dist-upgrade" | "full-upgrade" => {
            out.push(DF_UPGRADE.at(at(line), format!("`apt-get {sub}`")))
        }
        _ => {}
    }
}

fn apk_rules(ins: &Instruction, c: &Command, at: &dyn Fn(u32) -> Location, out: &mut Vec<Finding>) {
    let line = ins.line;
    if !c.has_flag(&["--no-cache"]) && !cache_mount(ins, "/var/cache/apk") {
        out.push(DF_APK_NO_CACHE.at(at(line), format!("`{}`", c.words.join(" "))));
    }
    let unpinned: Vec<&str> = packages(
        c,
        "add",
        &[
            "-t",
            "--virtual",
            "-X",
            "--repository",
            "-p",
            "--root",
            "--arch",
        ],
    )
    .into_iter()
    .filter(|p| !p.contains('=') && !p.ends_with(".apk") && !p.starts_with('$'))
    .collect();
    if !unpinned.is_empty() {
        out.push(DF_APK_UNPINNED.at(at(line), format!("unpinned: {}", unpinned.join(", "))));
    }
}

fn pip_rule(
    ins: &Instruction,
    c: &Command,
    env: &[String],
    at: &dyn Fn(u32) -> Location,
    out: &mut Vec<Finding>,
) {
    let Some(name) = c.name() else { return };
    let args = c.args();
    let is_pip =
        name.starts_with("pip") && name[3..].chars().all(|ch| ch.is_ascii_digit() || ch == '.');
    let via_python = name.starts_with("python")
        && args.first().is_some_and(|a| a == "-m")
        && args.get(1).is_some_and(|a| a.starts_with("pip"));
    if !(is_pip || via_python) {
        return;
    }
    let install = if via_python {
        args.get(2)
    } else {
        args.iter().find(|a| !a.starts_with('-'))
    };
    if install.map(String::as_str) != Some("install") {
        return;
    }
    let kept = !c.has_flag(&["--no-cache-dir"])
        && !env.iter().any(|e| e == "PIP_NO_CACHE_DIR")
        && !cache_mount(ins, ".cache/pip")
        && !cache_mount(ins, "/root/.cache");
    if kept {
        out.push(DF_PIP_CACHE.at(at(ins.line), format!("`{}`", c.words.join(" "))));
    }
}

fn tls_rules(c: &Command, line: u32, at: &dyn Fn(u32) -> Location, out: &mut Vec<Finding>) {
    let Some(name) = c.name() else { return };
    let hit = match name {
        "curl" if short_or_long(c, 'k', &["--insecure"]) => {
            Some(("curl --insecure", "CKV2_DOCKER_2"))
        }
        "wget" if c.has_flag(&["--no-check-certificate"]) => {
            Some(("wget --no-check-certificate", "CKV2_DOCKER_3"))
        }
        n if n.starts_with("pip") && c.has_flag(&["--trusted-host"]) => {
            Some(("pip --trusted-host", "CKV2_DOCKER_4"))
        }
        "npm" | "yarn"
            if c.args().iter().any(|a| a == "strict-ssl")
                && c.args().iter().any(|a| a == "false") =>
        {
            Some(("strict-ssl false", "CKV2_DOCKER_13"))
        }
        _ => None,
    };
    if let Some((what, r)) = hit {
        out.push(DF_TLS_OFF.at_with_refs(
            at(line),
            format!("`{what}`: {}", c.words.join(" ")),
            &[r],
        ));
    }
}

/// Dependency manifests: copying these first lets the install layer be cached.
const MANIFESTS: &[&str] = &[
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "requirements",
    "pyproject.toml",
    "poetry.lock",
    "Pipfile",
    "uv.lock",
    "setup.py",
    "Gemfile",
    "go.mod",
    "go.sum",
    "Cargo.toml",
    "Cargo.lock",
    "pom.xml",
    "build.gradle",
    "settings.gradle",
    "composer.json",
    "composer.lock",
    ".csproj",
    ".sln",
    "mix.exs",
];

/// Does this command install dependencies from manifests?
fn installs_dependencies(c: &Command) -> bool {
    let (Some(name), sub) = (c.name(), c.subcommand().unwrap_or("")) else {
        return false;
    };
    match name {
        "npm" => matches!(sub, "ci" | "install" | "i"),
        "yarn" => matches!(sub, "" | "install"),
        "pnpm" | "bun" => sub == "install",
        "pip" | "pip3" => sub == "install" && c.has_flag(&["-r", "--requirement"]),
        "poetry" | "pipenv" => sub == "install",
        "uv" => sub == "sync",
        "bundle" => sub == "install",
        "go" => sub == "mod" || sub == "build",
        "cargo" => matches!(sub, "fetch" | "build"),
        "composer" => sub == "install",
        "mvn" | "./mvnw" | "mvnw" | "gradle" | "./gradlew" | "gradlew" => true,
        "dotnet" => matches!(sub, "restore" | "publish" | "build"),
        _ => false,
    }
}

fn copy_all_first(df: &Dockerfile, i: usize, at: &dyn Fn(u32) -> Location, out: &mut Vec<Finding>) {
    let ins = &df.stages[i].instructions;
    let is_copy_all = |x: &Instruction| {
        x.keyword == "COPY"
            && x.flag("from").is_none()
            && x.words.len() >= 2
            && x.words[..x.words.len() - 1]
                .iter()
                .all(|s| s == "." || s == "./")
    };
    let Some(pos) = ins.iter().position(is_copy_all) else {
        return;
    };
    let manifest_first = ins[..pos].iter().any(|x| {
        matches!(x.keyword.as_str(), "COPY" | "ADD")
            && x.words
                .iter()
                .any(|w| MANIFESTS.iter().any(|m| w.contains(m)))
    });
    if manifest_first {
        return;
    }
    let install = ins[pos + 1..]
        .iter()
        .find(|x| x.keyword == "RUN" && commands(&x.script()).iter().any(installs_dependencies));
    if let Some(run) = install {
        out.push(DF_COPY_ALL_FIRST.at(
            at(ins[pos].line),
            format!(
                "`COPY {}` comes before the dependency install on line {}: any edit reinstalls everything",
                ins[pos].words.join(" "),
                run.line
            ),
        ));
    }
}

/// Images that carry a compiler and headers (the full language images, SDKs).
fn toolchain_image(base: &str) -> bool {
    let r = image_ref(base);
    let name = r
        .name
        .rsplit('/')
        .next()
        .unwrap_or(&r.name)
        .to_ascii_lowercase();
    let tag = r.tag.unwrap_or_default().to_ascii_lowercase();
    let slim = ["slim", "alpine", "distroless", "jre"]
        .iter()
        .any(|s| tag.contains(s));
    match name.as_str() {
        "golang" | "rust" | "maven" | "gradle" | "gcc" | "buildpack-deps" | "sdk" => true,
        "openjdk" | "eclipse-temurin" | "amazoncorretto" => tag.contains("jdk") || tag.is_empty(),
        "node" | "python" | "ruby" | "php" => !slim,
        _ => false,
    }
}

const TOOLCHAIN_PACKAGES: &[&str] = &[
    "build-essential",
    "gcc",
    "g++",
    "make",
    "build-base",
    "cmake",
    "clang",
];

fn toolchain(df: &Dockerfile, i: usize, at: &dyn Fn(u32) -> Location, out: &mut Vec<Finding>) {
    let stage = &df.stages[i];
    if df.parent_stage(i).is_some() {
        return;
    }
    let single = df.stages.len() == 1;
    let mut evidence = Vec::new();
    if toolchain_image(&stage.base) {
        evidence.push(format!("`FROM {}` is a full build image", stage.base));
    }
    let mut compiles = false;
    for ins in stage.instructions.iter().filter(|x| x.keyword == "RUN") {
        for c in commands(&ins.script()) {
            let installs: Vec<&str> = packages(&c, "install", &[])
                .into_iter()
                .chain(packages(&c, "add", &[]))
                .filter(|p| TOOLCHAIN_PACKAGES.contains(&p.split('=').next().unwrap_or(p)))
                .collect();
            if matches!(c.name(), Some("apt-get" | "apk" | "yum" | "dnf")) && !installs.is_empty() {
                evidence.push(format!(
                    "line {} installs {}",
                    ins.line,
                    installs.join(", ")
                ));
            }
            let sub = c.subcommand().unwrap_or("");
            compiles |= matches!(
                (c.name().unwrap_or(""), sub),
                ("go", "build")
                    | ("cargo", "build")
                    | ("mvn", _)
                    | ("gradle", _)
                    | ("./gradlew", _)
                    | ("./mvnw", _)
                    | ("dotnet", "publish")
                    | ("make", _)
                    | ("gcc", _)
            ) || (matches!(c.name(), Some("npm" | "yarn" | "pnpm"))
                && c.args().iter().any(|a| a == "build"));
        }
    }
    if !evidence.is_empty() && (single || compiles) {
        out.push(DF_TOOLCHAIN.at(
            at(stage.from.line),
            format!(
                "{}; the final image keeps the compiler and build dependencies",
                evidence.join("; ")
            ),
        ));
    }
}
