//! Is Berth's tray icon on screen? Closing the window only hides it when it is, since a
//! hidden window with no icon to bring it back would be a Berth the user cannot reach.
//!
//! - Linux: tray icons are StatusNotifierItems (Berth's is registered by libayatana-appindicator
//!   through tauri's tray-icon). An icon is shown when the session bus has an
//!   `org.kde.StatusNotifierWatcher`, a host (a panel's tray) registered with it, and an item
//!   of this process among its `RegisteredStatusNotifierItems`. GNOME without the AppIndicator
//!   extension, bare window managers and Xvfb without a panel have none: closing quits there.
//! - macOS: the menu bar always hosts status items (`NSStatusItem`), so there always is one.
//! - Windows: the notification area always exists (icons may sit in its overflow), so there
//!   always is one.

/// The watcher's bus name, interface and object path (the StatusNotifierItem spec, as KDE,
/// XFCE, the GNOME AppIndicator extension and waybar implement it).
#[cfg(any(target_os = "linux", test))]
const WATCHER: &str = "org.kde.StatusNotifierWatcher";

/// What the session bus says about the tray.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrayStatus {
    pub watcher: bool,
    pub host: bool,
    /// An item of this process is registered (Berth's icon).
    pub our_item: bool,
}

impl TrayStatus {
    pub fn shows_our_icon(&self) -> bool {
        self.watcher && self.host && self.our_item
    }
}

/// The bus name in a `RegisteredStatusNotifierItems` entry: implementations list either a
/// bus name (`org.kde.StatusNotifierItem-4242-1`) or a bus name and object path
/// (`:1.45/org/ayatana/NotificationItem/berth`).
#[cfg(any(target_os = "linux", test))]
pub fn item_bus_name(entry: &str) -> &str {
    match entry.find('/') {
        Some(0) | None => entry,
        Some(i) => &entry[..i],
    }
}

/// Whether closing the window may hide it (the tray icon is there to bring it back).
pub fn tray_shows_our_icon() -> bool {
    #[cfg(target_os = "linux")]
    {
        linux::status().shows_our_icon()
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::{item_bus_name, TrayStatus, WATCHER};
    use std::sync::mpsc;
    use std::time::Duration;
    use zbus::blocking::fdo::{DBusProxy, PropertiesProxy};
    use zbus::names::{BusName, InterfaceName};

    /// The whole question may take this long; a bus that does not answer means no tray.
    const ANSWER_WITHIN: Duration = Duration::from_millis(1500);

    /// Ask the session bus (on a thread of its own, so a stuck bus cannot hold the caller
    /// for more than [`ANSWER_WITHIN`]).
    pub fn status() -> TrayStatus {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(query().unwrap_or_default());
        });
        rx.recv_timeout(ANSWER_WITHIN).unwrap_or_default()
    }

    fn query() -> zbus::Result<TrayStatus> {
        let conn = zbus::blocking::connection::Builder::session()?
            .method_timeout(ANSWER_WITHIN)
            .build()?;
        let dbus = DBusProxy::new(&conn)?;
        let mut status = TrayStatus {
            watcher: dbus.name_has_owner(BusName::try_from(WATCHER)?)?,
            ..TrayStatus::default()
        };
        if !status.watcher {
            return Ok(status);
        }
        let props = PropertiesProxy::builder(&conn)
            .destination(WATCHER)?
            .path("/StatusNotifierWatcher")?
            .build()?;
        let iface = InterfaceName::try_from(WATCHER)?;
        status.host = bool::try_from(props.get(iface.clone(), "IsStatusNotifierHostRegistered")?)?;
        let items = Vec::<String>::try_from(props.get(iface, "RegisteredStatusNotifierItems")?)?;
        let me = std::process::id();
        status.our_item = items.iter().any(|entry| {
            BusName::try_from(item_bus_name(entry))
                .ok()
                .and_then(|name| dbus.get_connection_unix_process_id(name).ok())
                == Some(me)
        });
        Ok(status)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_bus_name_of_an_item_entry() {
        assert_eq!(
            item_bus_name(":1.45/org/ayatana/NotificationItem/berth"),
            ":1.45"
        );
        assert_eq!(
            item_bus_name("org.kde.StatusNotifierItem-4242-1"),
            "org.kde.StatusNotifierItem-4242-1"
        );
        assert_eq!(item_bus_name("/StatusNotifierItem"), "/StatusNotifierItem");
    }

    #[test]
    fn the_icon_shows_only_with_a_watcher_a_host_and_our_item() {
        let all = TrayStatus {
            watcher: true,
            host: true,
            our_item: true,
        };
        assert!(all.shows_our_icon());
        assert!(!TrayStatus { host: false, ..all }.shows_our_icon());
        assert!(!TrayStatus {
            our_item: false,
            ..all
        }
        .shows_our_icon());
        assert!(!TrayStatus::default().shows_our_icon());
    }
}
