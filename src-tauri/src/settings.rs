//! Settings the shell owns. Launch at login (tauri-plugin-autostart) is opt-in: nothing is
//! registered until the user turns it on in Settings. The login entry starts Berth with
//! `--hidden` (in the tray, without a window, where a tray shows it). The UI toggles it through
//! these commands; the plugin's own JavaScript commands are not granted.
//!
//! Where it is registered: Linux `~/.config/autostart/Berth.desktop` (XDG autostart), macOS a
//! LaunchAgent (`~/Library/LaunchAgents`), Windows the `Run` key of the current user.

use crate::ipc::CmdResult;
use berth_core::error::ErrorPayload;
use berth_core::ErrorKind;
use tauri::Webview;
use tauri_plugin_autostart::ManagerExt;

/// The argument the login entry passes (see `launch::Launch::hidden`).
pub const LOGIN_ARGS: &[&str] = &["--hidden"];

fn err(e: impl std::fmt::Display) -> ErrorPayload {
    ErrorPayload {
        kind: ErrorKind::Io,
        message: format!("launch at login: {e}"),
    }
}

/// Whether Berth starts at login.
pub async fn launch_at_login(w: &Webview) -> CmdResult<bool> {
    w.autolaunch().is_enabled().map_err(err)
}

/// Turn launch at login on or off; returns the setting as it now is.
pub async fn set_launch_at_login(w: &Webview, enabled: bool) -> CmdResult<bool> {
    let manager = w.autolaunch();
    if enabled {
        manager.enable().map_err(err)?;
    } else {
        manager.disable().map_err(err)?;
    }
    manager.is_enabled().map_err(err)
}
