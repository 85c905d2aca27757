//! What a launch asks for (`berth-app [PATH] [--view VIEW] [--hidden]`, `BERTH_VIEW`) and
//! how it reaches the UI. The first instance reads its own command line; a later one hands
//! its command line to the first through tauri-plugin-single-instance and exits, so
//! `berth-app PATH` (and `berth open PATH`) opens PATH in the running window.
//!
//! The UI subscribes once with `app_requests` (a channel); requests made before it did (the
//! first instance's own arguments, a second instance during startup) wait in [`AppRequests`]
//! and are delivered on subscription. [`Launch::parse`] is pure and unit-tested below.

use crate::ipc::CmdResult;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use tauri::ipc::Channel;
use tauri::{Manager, Webview};
use ts_rs::TS;

/// The app's views a launch may ask for (the UI's `View`, ui/src/lib/nav.ts).
pub const VIEWS: &[&str] = &["project", "containers"];

/// Something the shell asks the UI to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum AppRequest {
    /// Open this folder (absolute) in the project view.
    OpenFolder { path: String },
    /// Show this view (one of [`VIEWS`]).
    ShowView { view: String },
}

/// One command line, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Launch {
    /// The folder to open, made absolute against the launching process's directory.
    pub folder: Option<PathBuf>,
    /// The view to show.
    pub view: Option<String>,
    /// `--hidden`: start in the tray without showing the window (launch at login does this).
    pub hidden: bool,
    /// What was not understood (reported on stderr, otherwise ignored).
    pub ignored: Vec<String>,
}

impl Launch {
    /// Read the arguments after the program name. `cwd`: the launching process's directory
    /// (a second instance's, not ours); `env_view`: `BERTH_VIEW`, which `--view` overrides.
    pub fn parse<I, S>(args: I, cwd: &Path, env_view: Option<&str>) -> Launch
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut launch = Launch::default();
        let mut view = env_view.map(str::to_owned);
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            if let Some(v) = arg.strip_prefix("--view=") {
                view = Some(v.to_owned());
            } else if arg == "--view" {
                match args.next() {
                    Some(v) => view = Some(v),
                    None => launch.ignored.push(arg),
                }
            } else if arg == "--hidden" {
                launch.hidden = true;
            } else if arg.starts_with('-') || launch.folder.is_some() || arg.is_empty() {
                // Platform extras (macOS `-psn_…`), unknown flags, a second folder.
                launch.ignored.push(arg);
            } else {
                launch.folder = Some(absolute(cwd, &arg));
            }
        }
        match view {
            Some(v) if VIEWS.contains(&v.as_str()) => launch.view = Some(v),
            Some(v) if !v.is_empty() => launch.ignored.push(format!("--view {v}")),
            _ => {}
        }
        launch
    }

    /// What the UI should do: show the view, then open the folder (which shows the project).
    pub fn requests(&self) -> Vec<AppRequest> {
        let mut out = Vec::new();
        if let Some(view) = &self.view {
            out.push(AppRequest::ShowView { view: view.clone() });
        }
        if let Some(folder) = &self.folder {
            out.push(AppRequest::OpenFolder {
                path: folder.to_string_lossy().into_owned(),
            });
        }
        out
    }
}

/// `arg` against `cwd` when relative (a leading `~` is left to the open command, which reads
/// it as the home folder).
fn absolute(cwd: &Path, arg: &str) -> PathBuf {
    let p = Path::new(arg);
    if p.is_absolute() || arg.starts_with('~') {
        p.to_path_buf()
    } else {
        cwd.join(p)
    }
}

/// Requests on their way to the UI: queued until the UI subscribes (and again while a
/// reloaded page has not subscribed anew).
#[derive(Default)]
pub struct AppRequests {
    inner: Mutex<Inbox>,
}

#[derive(Default)]
struct Inbox {
    pending: Vec<AppRequest>,
    sink: Option<Channel<AppRequest>>,
}

impl AppRequests {
    pub fn new(pending: Vec<AppRequest>) -> Self {
        AppRequests {
            inner: Mutex::new(Inbox {
                pending,
                sink: None,
            }),
        }
    }

    /// Deliver now if the UI listens, else keep for when it does.
    pub fn push(&self, req: AppRequest) {
        let mut inbox = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sink) = &inbox.sink {
            if sink.send(req.clone()).is_ok() {
                return;
            }
            inbox.sink = None;
        }
        inbox.pending.push(req);
    }

    fn subscribe(&self, sink: Channel<AppRequest>) {
        let mut inbox = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let pending = std::mem::take(&mut inbox.pending);
        let mut undelivered = Vec::new();
        for req in pending {
            if !undelivered.is_empty() || sink.send(req.clone()).is_err() {
                undelivered.push(req);
            }
        }
        inbox.pending = undelivered;
        inbox.sink = Some(sink);
    }
}

/// The `app_requests` command: the UI listens for requests on `on_request`.
pub async fn app_requests(w: &Webview, on_request: Channel<AppRequest>) -> CmdResult<()> {
    w.state::<AppRequests>().subscribe(on_request);
    Ok(())
}

/// Print what a command line did not understand (a second instance's too).
pub fn report_ignored(launch: &Launch) {
    for arg in &launch.ignored {
        eprintln!("berth: ignoring the argument {arg:?}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Launch {
        Launch::parse(args.iter().copied(), Path::new("/home/u/src"), None)
    }

    #[test]
    fn a_folder_is_made_absolute_against_the_launching_directory() {
        let l = parse(&["shop"]);
        assert_eq!(l.folder, Some(PathBuf::from("/home/u/src/shop")));
        assert_eq!(parse(&["/srv/app"]).folder, Some(PathBuf::from("/srv/app")));
        assert_eq!(parse(&["."]).folder, Some(PathBuf::from("/home/u/src/.")));
        assert_eq!(parse(&["~/app"]).folder, Some(PathBuf::from("~/app")));
        assert_eq!(
            l.requests(),
            vec![AppRequest::OpenFolder {
                path: "/home/u/src/shop".into()
            }]
        );
    }

    #[test]
    fn views_come_from_the_flag_or_the_environment() {
        assert_eq!(
            parse(&["--view", "containers"]).view.as_deref(),
            Some("containers")
        );
        assert_eq!(
            parse(&["--view=containers"]).view.as_deref(),
            Some("containers")
        );
        let env = Launch::parse(Vec::<String>::new(), Path::new("/"), Some("containers"));
        assert_eq!(env.view.as_deref(), Some("containers"));
        let flag_wins = Launch::parse(["--view", "project"], Path::new("/"), Some("containers"));
        assert_eq!(flag_wins.view.as_deref(), Some("project"));
        let unknown = parse(&["--view", "nope"]);
        assert_eq!(unknown.view, None);
        assert_eq!(unknown.ignored, vec!["--view nope".to_string()]);
        assert_eq!(parse(&["--view"]).ignored, vec!["--view".to_string()]);
    }

    #[test]
    fn a_view_and_a_folder_ask_for_the_view_then_the_folder() {
        let l = parse(&["--view", "containers", "/srv/app", "--hidden"]);
        assert!(l.hidden);
        assert_eq!(
            l.requests(),
            vec![
                AppRequest::ShowView {
                    view: "containers".into()
                },
                AppRequest::OpenFolder {
                    path: "/srv/app".into()
                },
            ]
        );
    }

    #[test]
    fn unknown_flags_and_extra_folders_are_ignored_not_opened() {
        let l = parse(&["-psn_0_12345", "--verbose", "a", "b", ""]);
        assert_eq!(l.folder, Some(PathBuf::from("/home/u/src/a")));
        assert_eq!(l.ignored, vec!["-psn_0_12345", "--verbose", "b", ""]);
        assert_eq!(parse(&[]), Launch::default());
        assert!(parse(&[]).requests().is_empty());
    }
}
