//! The main window's life: closing it hides it while Berth's tray icon is on screen (Berth
//! keeps running in the tray until Quit; the first time, a notification says so), and quits
//! where there is no tray to come back from (`tray_host`). Whether the window is shown is
//! published in [`WindowShown`]: the live stats channels pause while it is hidden.

use crate::notify::{self, Notice};
use crate::tray_host;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};
use tokio::sync::watch;

/// The one window's label (tauri.conf.json).
pub const MAIN: &str = "main";
/// How long a `--hidden` start waits for the tray to show Berth's icon, and how often it asks.
const TRAY_APPEARS_WITHIN: Duration = Duration::from_secs(20);
const TRAY_RECHECK: Duration = Duration::from_millis(500);
/// Written the first time the window closes to the tray, so the notice shows once.
const CLOSED_TO_TRAY_MARKER: &str = "closed-to-tray";

/// Whether the main window is shown (the stats channels send only while it is).
pub struct WindowShown(watch::Sender<bool>);

impl WindowShown {
    pub fn new(shown: bool) -> Self {
        WindowShown(watch::Sender::new(shown))
    }

    pub fn set(&self, shown: bool) {
        self.0
            .send_if_modified(|s| std::mem::replace(s, shown) != shown);
    }

    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.0.subscribe()
    }
}

/// What the first close to the tray says.
pub fn closed_to_tray_notice() -> Notice {
    Notice {
        title: "Berth is still running".into(),
        body: "Closing the window keeps Berth in the tray, with your containers. Quit from the tray menu.".into(),
    }
}

/// Show, unminimize and focus the main window.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        // Failures here (e.g. a window manager refusing focus) are not actionable.
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    app.state::<WindowShown>().set(true);
}

/// `--hidden` (launch at login): stay in the tray once its icon shows; show the window if it
/// does not within [`TRAY_APPEARS_WITHIN`] (no tray host, or one that never came up), so
/// Berth is never running out of reach. The icon registers from the GTK loop after setup,
/// and a panel may start after Berth at login, hence the bounded wait.
pub fn show_unless_tray_appears<R: Runtime>(app: AppHandle<R>) {
    std::thread::spawn(move || {
        let deadline = Instant::now() + TRAY_APPEARS_WITHIN;
        while Instant::now() < deadline {
            if tray_host::tray_shows_our_icon() {
                return;
            }
            std::thread::sleep(TRAY_RECHECK);
        }
        let handle = app.clone();
        let _ = app.run_on_main_thread(move || show_main(&handle));
    });
}

/// The builder's window-event hook: a close request on the main window.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    if window.label() != MAIN || !tray_host::tray_shows_our_icon() {
        // No tray to come back from: the window closes and, as the last one, ends the app.
        return;
    }
    api.prevent_close();
    let _ = window.hide();
    let app = window.app_handle();
    app.state::<WindowShown>().set(false);
    if first_close_to_tray(app) {
        notify::show(app, &closed_to_tray_notice());
    }
}

/// True once: the first time the window closes to the tray on this machine (a marker in the
/// app's config folder; a folder that cannot be written means the notice shows each time).
fn first_close_to_tray<R: Runtime>(app: &AppHandle<R>) -> bool {
    let Ok(dir) = app.path().app_config_dir() else {
        return true;
    };
    let marker: PathBuf = dir.join(CLOSED_TO_TRAY_MARKER);
    if marker.exists() {
        return false;
    }
    let _ = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&marker, b""));
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_shown_flag_notifies_changes_only() {
        let shown = WindowShown::new(true);
        let mut rx = shown.subscribe();
        shown.set(true);
        assert!(!rx.has_changed().unwrap(), "same value: no wake-up");
        shown.set(false);
        assert!(rx.has_changed().unwrap());
        assert!(!*rx.borrow_and_update());
    }
}
