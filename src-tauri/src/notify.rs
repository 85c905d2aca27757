//! Desktop notifications (tauri-plugin-notification): a container turned unhealthy, was
//! OOM-killed or exited unexpectedly, and — for the Run journey — a build finished or failed,
//! and a deploy was deployed, rolled back or refused ([`deploy_notice`]).
//!
//! [`NoticeRules`] decides from the hub's container events (pure, unit-tested below); the
//! task in [`spawn`] feeds it and shows what it returns. Showing fails quietly: without a
//! notification daemon (Xvfb, CI) the plugin's error is dropped, the app carries on.

use crate::stats::StatsState;
use berth_core::app::deploy::DeployReport;
use berth_core::app::deploy_history::Outcome;
use berth_core::docker::events::{ContainerAction, ContainerEvent};
use berth_core::stats::{now_ms, StatsEvent};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast;

/// The engine reports `die` before `stop`/`destroy` when a container is stopped or removed
/// from outside Berth (`docker stop`, `docker rm -f`); a non-zero `die` is only reported as an
/// unexpected exit once this long has passed without one.
pub const DIE_GRACE_MS: i64 = 3_000;
/// An OOM kill explains a `die` that follows within this long (reported once, as the OOM).
const OOM_EXPLAINS_DIE_MS: i64 = 10_000;

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

/// Which container events deserve a notification.
#[derive(Debug, Default)]
pub struct NoticeRules {
    /// Non-zero exits waiting for their grace period to pass.
    pending_dies: HashMap<String, (ContainerEvent, i64)>,
    health: HashMap<String, String>,
    oom_at: HashMap<String, i64>,
}

fn display_name(ev: &ContainerEvent) -> String {
    if ev.name.is_empty() {
        ev.id.chars().take(12).collect()
    } else {
        ev.name.clone()
    }
}

impl NoticeRules {
    pub fn new() -> Self {
        Self::default()
    }

    /// Take one event. `user_stopped`: the user asked Berth to stop/restart/remove this
    /// container recently (so its exit is expected).
    pub fn on_event(&mut self, ev: &ContainerEvent, user_stopped: bool, now: i64) -> Vec<Notice> {
        let name = display_name(ev);
        match &ev.action {
            ContainerAction::Health { status } => {
                let before = self.health.insert(ev.id.clone(), status.clone());
                if status == "unhealthy" && before.as_deref() != Some("unhealthy") {
                    return vec![Notice {
                        title: format!("{name} is unhealthy"),
                        body: "Its health check is failing.".into(),
                    }];
                }
            }
            ContainerAction::Oom => {
                self.oom_at.insert(ev.id.clone(), now);
                self.pending_dies.remove(&ev.id);
                return vec![Notice {
                    title: format!("{name} ran out of memory"),
                    body: "The kernel killed a process of the container (OOM).".into(),
                }];
            }
            ContainerAction::Die { exit_code } => {
                self.health.remove(&ev.id);
                let explained_by_oom = self
                    .oom_at
                    .get(&ev.id)
                    .is_some_and(|at| now - at < OOM_EXPLAINS_DIE_MS);
                let failed = exit_code.is_some_and(|c| c != 0);
                if failed && !user_stopped && !explained_by_oom {
                    self.pending_dies.insert(ev.id.clone(), (ev.clone(), now));
                }
            }
            ContainerAction::Stop => {
                self.pending_dies.remove(&ev.id);
            }
            ContainerAction::Destroy => {
                self.pending_dies.remove(&ev.id);
                self.health.remove(&ev.id);
                self.oom_at.remove(&ev.id);
            }
            ContainerAction::Start => {
                self.pending_dies.remove(&ev.id);
            }
        }
        Vec::new()
    }

    /// Exits whose grace period has passed without a stop: reported now.
    pub fn due(&mut self, now: i64) -> Vec<Notice> {
        let mut out = Vec::new();
        self.pending_dies.retain(|_, (ev, at)| {
            if now - *at < DIE_GRACE_MS {
                return true;
            }
            let code = match ev.action {
                ContainerAction::Die { exit_code: Some(c) } => format!(" with code {c}"),
                _ => String::new(),
            };
            out.push(Notice {
                title: format!("{} exited unexpectedly", display_name(ev)),
                body: format!("The container stopped{code}."),
            });
            false
        });
        out.sort_by(|a, b| a.title.cmp(&b.title));
        out
    }

    /// Whether exits are waiting for their grace period.
    pub fn has_pending(&self) -> bool {
        !self.pending_dies.is_empty()
    }
}

/// Show a notification; failures (no daemon, no permission) are dropped on purpose.
pub fn show<R: Runtime>(app: &AppHandle<R>, notice: &Notice) {
    let _ = app
        .notification()
        .builder()
        .title(&notice.title)
        .body(&notice.body)
        .show();
}

/// For the Run journey: tell the user a build finished (`ok`) or failed, with a detail line.
pub fn build_finished<R: Runtime>(app: &AppHandle<R>, ok: bool, detail: &str) {
    let title = if ok { "Build finished" } else { "Build failed" };
    show(
        app,
        &Notice {
            title: title.into(),
            body: detail.into(),
        },
    );
}

/// What a finished deploy or rollback says (pure).
pub fn deploy_notice(r: &DeployReport) -> Notice {
    let why = r.reason.as_deref().unwrap_or("no reason given");
    match r.outcome {
        Outcome::Deployed => Notice {
            title: format!("Deployed {} ({})", r.version, r.env),
            body: match &r.url {
                Some(url) => format!("{url} on {}", r.engine),
                None => format!("on {}", r.engine),
            },
        },
        Outcome::RolledBack => Notice {
            title: format!("Deploy of {} rolled back ({})", r.version, r.env),
            body: format!(
                "{} keeps serving: {why}",
                r.previous.as_deref().unwrap_or("the previous version")
            ),
        },
        Outcome::Refused => Notice {
            title: format!("Deploy refused ({})", r.env),
            body: format!("Nothing was started: {why}"),
        },
    }
}

/// Tell the user how a deploy or rollback ended.
pub fn deploy_finished<R: Runtime>(app: &AppHandle<R>, report: &DeployReport) {
    show(app, &deploy_notice(report));
}

/// Follow the hub's container events for the app's lifetime and notify.
pub fn spawn<R: Runtime>(app: AppHandle<R>, state: Arc<StatsState>) {
    tauri::async_runtime::spawn(async move {
        let Some(live) = state.wait_live().await else {
            return;
        };
        let mut rx = live.hub.subscribe();
        let mut rules = NoticeRules::new();
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Ok(StatsEvent::Container(ev)) => {
                        let stopped = state.user_stopped(&ev.id, &ev.name);
                        for n in rules.on_event(&ev, stopped, now_ms()) {
                            show(&app, &n);
                        }
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tick.tick(), if rules.has_pending() => {
                    for n in rules.due(now_ms()) {
                        show(&app, &n);
                    }
                }
            }
        }
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ev(action: ContainerAction) -> ContainerEvent {
        ContainerEvent {
            id: "c1".into(),
            name: "web".into(),
            ts_ms: 0,
            action,
        }
    }

    fn die(code: i64) -> ContainerEvent {
        ev(ContainerAction::Die {
            exit_code: Some(code),
        })
    }

    fn health(s: &str) -> ContainerEvent {
        ev(ContainerAction::Health { status: s.into() })
    }

    #[test]
    fn unhealthy_is_reported_once_per_transition() {
        let mut r = NoticeRules::new();
        assert!(r.on_event(&health("starting"), false, 0).is_empty());
        let n = r.on_event(&health("unhealthy"), false, 1);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "web is unhealthy");
        assert!(r.on_event(&health("unhealthy"), false, 2).is_empty());
        assert!(r.on_event(&health("healthy"), false, 3).is_empty());
        assert_eq!(r.on_event(&health("unhealthy"), false, 4).len(), 1);
    }

    #[test]
    fn a_non_zero_exit_nobody_asked_for_is_reported_after_the_grace_period() {
        let mut r = NoticeRules::new();
        assert!(r.on_event(&die(3), false, 1_000).is_empty());
        assert!(r.due(1_000 + DIE_GRACE_MS - 1).is_empty());
        let n = r.due(1_000 + DIE_GRACE_MS);
        assert_eq!(
            n,
            vec![Notice {
                title: "web exited unexpectedly".into(),
                body: "The container stopped with code 3.".into(),
            }]
        );
        assert!(!r.has_pending());
    }

    #[test]
    fn clean_exits_and_stops_the_user_asked_for_are_not_reported() {
        let mut r = NoticeRules::new();
        assert!(r.on_event(&die(0), false, 0).is_empty());
        assert!(
            r.on_event(&die(143), true, 0).is_empty(),
            "stopped in Berth"
        );
        assert!(r.due(60_000).is_empty());
    }

    #[test]
    fn a_stop_or_remove_from_outside_berth_explains_the_die_before_it() {
        let mut r = NoticeRules::new();
        r.on_event(&die(137), false, 0);
        r.on_event(&ev(ContainerAction::Stop), false, 100);
        assert!(r.due(60_000).is_empty());
        r.on_event(&die(137), false, 0);
        r.on_event(&ev(ContainerAction::Destroy), false, 100);
        assert!(r.due(60_000).is_empty());
    }

    #[test]
    fn a_deploy_notice_says_the_outcome_the_version_and_why() {
        let mut r = berth_core::app::deploy_targets::unreachable(
            Some("tcp://h:2375"),
            berth_core::environment::Environment::Prod,
            &berth_core::Error::EngineUnavailable("no answer".into()),
        );
        let n = deploy_notice(&r);
        assert_eq!(n.title, "Deploy refused (prod)");
        assert!(n.body.contains("no answer"), "{}", n.body);
        r.outcome = Outcome::Deployed;
        r.version = "abc123".into();
        r.engine = "unix:///var/run/docker.sock".into();
        r.url = Some("http://127.0.0.1:8080".into());
        let n = deploy_notice(&r);
        assert_eq!(n.title, "Deployed abc123 (prod)");
        assert_eq!(
            n.body,
            "http://127.0.0.1:8080 on unix:///var/run/docker.sock"
        );
        r.outcome = Outcome::RolledBack;
        r.previous = Some("old1".into());
        r.reason = Some("not healthy within 60 s".into());
        let n = deploy_notice(&r);
        assert_eq!(n.title, "Deploy of abc123 rolled back (prod)");
        assert_eq!(n.body, "old1 keeps serving: not healthy within 60 s");
    }

    #[test]
    fn an_oom_kill_is_reported_once_not_again_as_an_exit() {
        let mut r = NoticeRules::new();
        let n = r.on_event(&ev(ContainerAction::Oom), false, 0);
        assert_eq!(n[0].title, "web ran out of memory");
        assert!(r.on_event(&die(137), false, 10).is_empty());
        assert!(r.due(60_000).is_empty());
    }
}
