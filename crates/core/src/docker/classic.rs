//! The classic builder's output: `Step n/total : ...`, `---> Using cache`, `---> Running in
//! <id>`, ... parsed into [`BuildEvent`]s, with the ids a build creates (for cleanup).

use super::build::BuildEvent;

/// What one stream line says, and the ids it reveals (for cleanup on cancel).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub events: Vec<BuildEvent>,
    /// `---> Running in <id>`: an intermediate container.
    pub container: Option<String>,
    /// `---> <id>` after a step that was not cached: an image this build made.
    pub image: Option<String>,
}

/// Parse one chunk of the classic builder's `stream` output (may hold several lines).
/// `cached_step` is true when the previous line said `Using cache` (so the following image
/// id is not new).
pub fn parse_output(chunk: &str, current_step: u32, cached_step: &mut bool) -> Parsed {
    let mut p = Parsed::default();
    for line in chunk.lines() {
        let t = line.trim_end();
        if t.trim().is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix("Step ") {
            if let Some((nums, instr)) = rest.split_once(" : ") {
                if let Some((n, total)) = nums.split_once('/') {
                    if let (Ok(n), Ok(total)) = (n.trim().parse(), total.trim().parse()) {
                        *cached_step = false;
                        p.events.push(BuildEvent::Step {
                            n,
                            total,
                            instruction: instr.trim().to_string(),
                        });
                        continue;
                    }
                }
            }
        }
        let s = t.trim();
        if s == "---> Using cache" {
            *cached_step = true;
            p.events.push(BuildEvent::Cached { n: current_step });
            continue;
        }
        if let Some(id) = s.strip_prefix("---> Running in ") {
            p.container = Some(id.trim().to_string());
            continue;
        }
        if let Some(id) = s.strip_prefix("---> ") {
            let id = id.trim();
            if !id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit()) {
                if !*cached_step {
                    p.image = Some(id.to_string());
                }
                continue;
            }
        }
        if s == "--->" || s.starts_with("Removing intermediate container ") {
            continue;
        }
        p.events.push(BuildEvent::Output {
            line: t.to_string(),
        });
    }
    p
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_classic_builder_output() {
        let mut cached = false;
        let p = parse_output("Step 2/5 : COPY busybox /bin/busybox\n", 1, &mut cached);
        assert_eq!(
            p.events,
            vec![BuildEvent::Step {
                n: 2,
                total: 5,
                instruction: "COPY busybox /bin/busybox".into()
            }]
        );
        let p = parse_output(" ---> Using cache\n ---> 3f2a1b\n", 2, &mut cached);
        assert_eq!(p.events, vec![BuildEvent::Cached { n: 2 }]);
        assert_eq!(p.image, None, "a cached layer is not new");
        let p = parse_output("Step 3/5 : RUN echo hi\n", 2, &mut cached);
        assert!(!cached);
        assert_eq!(p.events.len(), 1);
        let p = parse_output(" ---> Running in 9c8d7e6f\n", 3, &mut cached);
        assert_eq!(p.container.as_deref(), Some("9c8d7e6f"));
        assert!(p.events.is_empty());
        let p = parse_output(
            "hi\nRemoving intermediate container 9c8d7e6f\n ---> abc123\n",
            3,
            &mut cached,
        );
        assert_eq!(p.events, vec![BuildEvent::Output { line: "hi".into() }]);
        assert_eq!(p.image.as_deref(), Some("abc123"));
    }
}
