//! BuildKit progress -> Berth's [`BuildEvent`]s (pure, unit-tested on hand-built status
//! messages) and the choice between BuildKit and the classic builder.
//!
//! BuildKit reports a graph of vertexes (`[stage-0 2/3] RUN ...`, `[internal] ...`) that
//! start, complete or come from the cache, plus log chunks per vertex. The Dockerfile steps
//! (`[<stage> n/total] INSTRUCTION`) become numbered [`BuildEvent::Step`]s across all
//! stages (a stage's steps are numbered after the steps of the stages seen before it), a
//! cached step adds [`BuildEvent::Cached`], and logs become [`BuildEvent::Output`] lines.

use super::build::BuildEvent;
use bollard::moby::buildkit::v1::StatusResponse;
use std::collections::{HashMap, HashSet};

/// Set to `classic` (or `buildkit`) to choose the builder; anything else means "auto".
pub const BUILDER_ENV: &str = "BERTH_BUILDER";

/// Which builder a build should use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BuilderChoice {
    /// BuildKit when the engine has it, else the classic builder (with a note).
    #[default]
    Auto,
    /// BuildKit even when the engine does not advertise it.
    BuildKit,
    /// The engine's classic builder (no `RUN --mount` cache mounts).
    Classic,
}

impl BuilderChoice {
    /// `classic` / `buildkit` (any case); anything else is [`BuilderChoice::Auto`].
    pub fn parse(s: &str) -> BuilderChoice {
        match s.trim().to_ascii_lowercase().as_str() {
            "classic" | "legacy" | "v1" => BuilderChoice::Classic,
            "buildkit" | "2" => BuilderChoice::BuildKit,
            _ => BuilderChoice::Auto,
        }
    }

    /// The choice in [`BUILDER_ENV`], else `Auto`.
    pub fn from_env() -> BuilderChoice {
        std::env::var(BUILDER_ENV)
            .map(|v| BuilderChoice::parse(&v))
            .unwrap_or_default()
    }
}

/// The builder a build runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builder {
    BuildKit,
    Classic,
}

impl Builder {
    pub fn name(self) -> &'static str {
        match self {
            Builder::BuildKit => "buildkit",
            Builder::Classic => "classic",
        }
    }
}

/// Pick the builder for a choice and what the engine offers; the note says why the
/// classic builder is used when it is (pure).
pub fn pick_builder(choice: BuilderChoice, engine_has_buildkit: bool) -> (Builder, Option<String>) {
    match (choice, engine_has_buildkit) {
        (BuilderChoice::Classic, _) => (
            Builder::Classic,
            Some(format!(
                "classic builder requested ({BUILDER_ENV}=classic): RUN --mount cache mounts \
                 are not available"
            )),
        ),
        (BuilderChoice::BuildKit, _) | (BuilderChoice::Auto, true) => (Builder::BuildKit, None),
        (BuilderChoice::Auto, false) => (
            Builder::Classic,
            Some(
                "the engine has no BuildKit (it needs a Linux engine with API 1.39 or later): \
                 building with the classic builder, without RUN --mount cache mounts"
                    .into(),
            ),
        ),
    }
}

/// Does a failed BuildKit attempt (before any progress arrived) mean the engine cannot
/// run BuildKit builds, so the classic builder should be tried? (pure)
pub fn means_no_buildkit(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("buildkit")
        || m.contains("session")
        || m.contains("builder version")
        || m.contains("unsupported version")
        || m.contains("not implemented")
}

/// `[stage-0 2/3] RUN x` -> (`stage-0`, 2, 3, `RUN x`); `[2/3] RUN x` -> (``, 2, 3, ..).
/// `None` for internal vertexes (`[internal] load ...`) and anything else (pure).
pub fn parse_step_name(name: &str) -> Option<(String, u32, u32, String)> {
    let rest = name.strip_prefix('[')?;
    let (inside, instr) = rest.split_once(']')?;
    let (stage, counts) = match inside.rsplit_once(' ') {
        Some((s, c)) => (s.trim(), c),
        None => ("", inside),
    };
    let (n, total) = counts.split_once('/')?;
    let (n, total) = (n.parse().ok()?, total.parse().ok()?);
    Some((stage.to_string(), n, total, instr.trim().to_string()))
}

/// Turns BuildKit status messages into [`BuildEvent`]s; counts steps and cached steps.
#[derive(Debug, Default)]
pub struct BuildKitProgress {
    /// Stages in the order first seen, with their step totals.
    stages: Vec<(String, u32)>,
    announced: HashSet<String>,
    cached: HashSet<String>,
    /// Unfinished log lines per vertex.
    partial: HashMap<String, String>,
    /// Vertex digest -> (stage, n within the stage, instruction).
    steps: HashMap<String, (String, u32, String)>,
    /// Whether any status arrived.
    pub seen: bool,
}

impl BuildKitProgress {
    pub fn new() -> BuildKitProgress {
        BuildKitProgress::default()
    }

    /// Steps across all stages known so far.
    pub fn total(&self) -> u32 {
        self.stages.iter().map(|(_, t)| *t).sum()
    }

    /// Steps that came from the cache.
    pub fn cached_steps(&self) -> u32 {
        u32::try_from(self.cached.len()).unwrap_or(u32::MAX)
    }

    fn number(&self, stage: &str, n: u32) -> u32 {
        let mut offset = 0;
        for (s, t) in &self.stages {
            if s == stage {
                return offset + n;
            }
            offset += t;
        }
        offset + n
    }

    /// The events one status message means.
    pub fn apply(&mut self, status: &StatusResponse) -> Vec<BuildEvent> {
        self.seen = true;
        let mut out = Vec::new();
        // Learn the graph first, so numbers and totals cover every stage in the message.
        for v in &status.vertexes {
            if let Some((stage, n, total, instr)) = parse_step_name(&v.name) {
                match self.stages.iter_mut().find(|(s, _)| *s == stage) {
                    Some((_, t)) => *t = (*t).max(total),
                    None => self.stages.push((stage.clone(), total)),
                }
                self.steps.insert(v.digest.clone(), (stage, n, instr));
            }
        }
        for v in &status.vertexes {
            let Some((stage, n, instr)) = self.steps.get(&v.digest).cloned() else {
                // Other work (`[internal] load metadata for <base image>`, ...) is shown
                // as an output line when it starts.
                if v.started.is_some() && self.announced.insert(v.digest.clone()) {
                    out.push(BuildEvent::Output {
                        line: v.name.clone(),
                    });
                }
                continue;
            };
            let n = self.number(&stage, n);
            if (v.started.is_some() || v.cached) && self.announced.insert(v.digest.clone()) {
                out.push(BuildEvent::Step {
                    n,
                    total: self.total(),
                    instruction: instr,
                });
            }
            if v.cached && self.cached.insert(v.digest.clone()) {
                out.push(BuildEvent::Cached { n });
            }
        }
        for l in &status.logs {
            let buf = self.partial.entry(l.vertex.clone()).or_default();
            buf.push_str(&String::from_utf8_lossy(&l.msg));
            while let Some(i) = buf.find('\n') {
                let line: String = buf.drain(..=i).collect();
                let line = line.trim_end_matches(['\n', '\r']);
                if !line.trim().is_empty() {
                    out.push(BuildEvent::Output {
                        line: line.to_string(),
                    });
                }
            }
        }
        for w in &status.warnings {
            out.push(BuildEvent::Output {
                line: format!("warning: {}", String::from_utf8_lossy(&w.short)),
            });
        }
        // A vertex that finished flushes its unfinished log line.
        for v in &status.vertexes {
            if v.completed.is_some() {
                if let Some(rest) = self.partial.remove(&v.digest) {
                    if !rest.trim().is_empty() {
                        out.push(BuildEvent::Output {
                            line: rest.trim_end().to_string(),
                        });
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use bollard::moby::buildkit::v1::{Vertex, VertexLog};

    fn vertex(digest: &str, name: &str, started: bool, cached: bool, done: bool) -> Vertex {
        Vertex {
            digest: digest.into(),
            name: name.into(),
            cached,
            started: started.then(Default::default),
            completed: done.then(Default::default),
            ..Default::default()
        }
    }

    fn log(digest: &str, msg: &str) -> VertexLog {
        VertexLog {
            vertex: digest.into(),
            msg: msg.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn step_names_parse() {
        assert_eq!(
            parse_step_name("[stage-0 2/3] RUN echo hi"),
            Some(("stage-0".into(), 2, 3, "RUN echo hi".into()))
        );
        assert_eq!(
            parse_step_name("[2/3] COPY a /a"),
            Some(("".into(), 2, 3, "COPY a /a".into()))
        );
        assert_eq!(
            parse_step_name("[build 1/5] FROM docker.io/library/golang:1.23"),
            Some((
                "build".into(),
                1,
                5,
                "FROM docker.io/library/golang:1.23".into()
            ))
        );
        assert_eq!(
            parse_step_name("[internal] load remote build context"),
            None
        );
        assert_eq!(parse_step_name("copy /context /"), None);
    }

    #[test]
    fn vertexes_become_numbered_steps_across_stages() {
        let mut p = BuildKitProgress::new();
        // The graph arrives first, nothing started.
        let graph = StatusResponse {
            vertexes: vec![
                vertex(
                    "i",
                    "[internal] load remote build context",
                    true,
                    false,
                    false,
                ),
                vertex(
                    "a1",
                    "[build 1/2] COPY busybox /bin/busybox",
                    false,
                    false,
                    false,
                ),
                vertex("a2", "[build 2/2] RUN make", false, false, false),
                vertex(
                    "b1",
                    "[stage-1 1/1] COPY --from=build /out /out",
                    false,
                    false,
                    false,
                ),
            ],
            ..Default::default()
        };
        assert_eq!(
            p.apply(&graph),
            vec![BuildEvent::Output {
                line: "[internal] load remote build context".into()
            }]
        );
        assert_eq!(p.total(), 3);
        let cached = StatusResponse {
            vertexes: vec![vertex(
                "a1",
                "[build 1/2] COPY busybox /bin/busybox",
                true,
                true,
                true,
            )],
            ..Default::default()
        };
        assert_eq!(
            p.apply(&cached),
            vec![
                BuildEvent::Step {
                    n: 1,
                    total: 3,
                    instruction: "COPY busybox /bin/busybox".into()
                },
                BuildEvent::Cached { n: 1 }
            ]
        );
        let run = StatusResponse {
            vertexes: vec![vertex(
                "b1",
                "[stage-1 1/1] COPY --from=build /out /out",
                true,
                false,
                false,
            )],
            ..Default::default()
        };
        assert!(matches!(
            &p.apply(&run)[..],
            [BuildEvent::Step { n: 3, total: 3, .. }]
        ));
        // The same vertex again (completed) is not announced twice.
        let again = StatusResponse {
            vertexes: vec![vertex(
                "b1",
                "[stage-1 1/1] COPY --from=build /out /out",
                true,
                false,
                true,
            )],
            ..Default::default()
        };
        assert_eq!(p.apply(&again), vec![]);
        assert_eq!(p.cached_steps(), 1);
        assert!(p.seen);
    }

    #[test]
    fn logs_are_split_into_lines_per_vertex() {
        let mut p = BuildKitProgress::new();
        let s = StatusResponse {
            logs: vec![log("a", "hel"), log("b", "other\n"), log("a", "lo\nwor")],
            ..Default::default()
        };
        let lines = |evs: Vec<BuildEvent>| -> Vec<String> {
            evs.into_iter()
                .filter_map(|e| match e {
                    BuildEvent::Output { line } => Some(line),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(lines(p.apply(&s)), vec!["other", "hello"]);
        let done = StatusResponse {
            vertexes: vec![vertex("a", "[internal] x", true, false, true)],
            ..Default::default()
        };
        assert_eq!(lines(p.apply(&done)), vec!["[internal] x", "wor"]);
    }

    #[test]
    fn builder_choice() {
        assert_eq!(
            pick_builder(BuilderChoice::Auto, true),
            (Builder::BuildKit, None)
        );
        let (b, note) = pick_builder(BuilderChoice::Auto, false);
        assert_eq!(b, Builder::Classic);
        assert!(note.unwrap().contains("no BuildKit"));
        let (b, note) = pick_builder(BuilderChoice::Classic, true);
        assert_eq!(b, Builder::Classic);
        assert!(note.unwrap().contains("requested"));
        assert_eq!(
            pick_builder(BuilderChoice::BuildKit, false).0,
            Builder::BuildKit
        );
        assert_eq!(BuilderChoice::parse("Classic"), BuilderChoice::Classic);
        assert_eq!(BuilderChoice::parse("buildkit"), BuilderChoice::BuildKit);
        assert_eq!(BuilderChoice::parse(""), BuilderChoice::Auto);
        assert!(means_no_buildkit(
            "buildkit not supported by daemon (HTTP 400)"
        ));
        assert!(means_no_buildkit("no active session for abc"));
        assert!(!means_no_buildkit(
            "dockerfile parse error line 3: unknown instruction: RUNX"
        ));
    }
}
