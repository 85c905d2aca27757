//! Shared helpers of the signals and the checklist (pure): what each compose service is, and
//! where a pattern appears in the scanned files.

use super::facts::ComposeSource;
use super::SignalEvidence;
use crate::compose::ServiceSpec;
use crate::k8s::images::backing_kind;
use crate::k8s::locate::line_of;

/// What an app service does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Serves requests on a port.
    Web,
    /// Runs without a port, taking work from a queue.
    Worker,
    /// Runs on a schedule (cron, celery beat, `schedule:run`).
    Scheduler,
    /// Runs once (migrations, setup).
    Job,
}

/// One compose service as the assessment sees it.
#[derive(Debug, Clone)]
pub struct ServiceInfo<'a> {
    pub spec: &'a ServiceSpec,
    /// `database`, `cache`, `queue`... for an off-the-shelf backing service.
    pub backing: Option<&'static str>,
    /// For app services (None for backing services).
    pub role: Option<Role>,
}

const SCHEDULER_WORDS: &[&str] = &[
    "beat",
    "cron",
    "scheduler",
    "schedule:run",
    "clock",
    "ofelia",
];
const JOB_WORDS: &[&str] = &["migrate", "migration", "setup", "seed", "init"];

/// The service's command line as written (command, else entrypoint), one string.
pub fn command_raw(s: &ServiceSpec) -> String {
    s.command_text
        .clone()
        .or_else(|| s.command.as_ref().map(|c| c.join(" ")))
        .or_else(|| s.entrypoint.as_ref().map(|c| c.join(" ")))
        .unwrap_or_default()
}

/// [`command_raw`], lower-case (for matching).
pub fn command_line(s: &ServiceSpec) -> String {
    command_raw(s).to_ascii_lowercase()
}

/// Every service of the compose file, classified.
pub fn classify(c: &ComposeSource) -> Vec<ServiceInfo<'_>> {
    c.model
        .services
        .iter()
        .map(|s| {
            let backing = if s.build.is_none() {
                s.image.as_deref().and_then(backing_kind)
            } else {
                None
            };
            let role = backing.is_none().then(|| role(s));
            ServiceInfo {
                spec: s,
                backing,
                role,
            }
        })
        .collect()
}

fn role(s: &ServiceSpec) -> Role {
    let text = format!("{} {}", s.name.to_ascii_lowercase(), command_line(s));
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if !s.ports.is_empty() || !s.expose.is_empty() {
        Role::Web
    } else if has(SCHEDULER_WORDS) {
        Role::Scheduler
    } else if has(JOB_WORDS) {
        Role::Job
    } else {
        Role::Worker
    }
}

/// Evidence at `path` in the compose file (the deepest key found).
pub fn at(c: &ComposeSource, path: &[&str], detail: impl Into<String>) -> SignalEvidence {
    SignalEvidence {
        file: c.file.clone(),
        line: line_of(&c.text, path),
        detail: detail.into(),
    }
}

/// Lines of `files` containing any of `needles`, at most `max` (one per file).
pub fn find_in(files: &[(String, String)], needles: &[&str], max: usize) -> Vec<SignalEvidence> {
    let mut out = Vec::new();
    for (path, text) in files {
        if out.len() >= max {
            break;
        }
        let hit = text
            .lines()
            .enumerate()
            .find(|(_, l)| needles.iter().any(|n| l.contains(n)));
        if let Some((i, l)) = hit {
            out.push(SignalEvidence {
                file: path.clone(),
                line: u32::try_from(i + 1).ok(),
                detail: shorten(l.trim()),
            });
        }
    }
    out
}

/// At most 120 characters of `s`.
pub fn shorten(s: &str) -> String {
    match s.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
