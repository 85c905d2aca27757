//! The system tray icon. Its tooltip (and title, where the platform shows one) counts the
//! running and unhealthy containers; its menu lists containers with Start / Stop / Open in
//! browser, then Open Berth and Quit. It is rebuilt from the hub's events (debounced), never
//! by polling; what it shows is computed by the pure `tray_model`.
//!
//! Closing the window hides it while this icon is on screen (`window`): Berth keeps running
//! here until Quit. "Open Berth" and a left click bring the window back.

use crate::stats::{self, is_localhost_url, LifecycleAction, StatsState};
use crate::tray_model::{menu_id, parse_menu_id, tray_model, MenuAction, TrayModel};
use berth_core::stats::StatsEvent;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};
use tauri_plugin_opener::OpenerExt;
use tokio::sync::broadcast;

const TRAY_ID: &str = "berth";
const MENU_OPEN: &str = "open";
const MENU_QUIT: &str = "quit";
/// Events arriving within this long of each other cause one rebuild.
const REBUILD_DEBOUNCE: Duration = Duration::from_millis(400);

/// The URLs the current menu offers, by container id: "open" only opens what Berth put there.
#[derive(Default)]
struct TrayUrls(Mutex<HashMap<String, String>>);

pub fn install(app: &AppHandle) -> tauri::Result<()> {
    app.manage(TrayUrls::default());
    let menu = build_menu(app, None)?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(tauri::include_image!("../icons/tray.png"))
        .tooltip("Berth — looking for a container engine")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::window::show_main(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}

fn build_menu(app: &AppHandle, model: Option<&TrayModel>) -> tauri::Result<Menu<tauri::Wry>> {
    let menu = Menu::new(app)?;
    if let Some(model) = model {
        for e in &model.entries {
            let start = MenuItem::with_id(
                app,
                menu_id(MenuAction::Start(&e.id)),
                "Start",
                !e.running,
                None::<&str>,
            )?;
            let stop = MenuItem::with_id(
                app,
                menu_id(MenuAction::Stop(&e.id)),
                "Stop",
                e.running,
                None::<&str>,
            )?;
            let sub = Submenu::with_items(app, &e.label, true, &[&start, &stop])?;
            if let Some(url) = &e.url {
                let open = MenuItem::with_id(
                    app,
                    menu_id(MenuAction::Open(&e.id)),
                    format!("Open {url}"),
                    true,
                    None::<&str>,
                )?;
                sub.append(&open)?;
            }
            menu.append(&sub)?;
        }
        if model.more > 0 {
            let more = MenuItem::new(app, format!("… {} more", model.more), false, None::<&str>)?;
            menu.append(&more)?;
        }
        if !model.entries.is_empty() {
            menu.append(&PredefinedMenuItem::separator(app)?)?;
        }
    }
    let open = MenuItem::with_id(app, MENU_OPEN, "Open Berth", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, MENU_QUIT, "Quit", true, None::<&str>)?;
    menu.append(&open)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&quit)?;
    Ok(menu)
}

fn on_menu(app: &AppHandle, id: &str) {
    match id {
        MENU_OPEN => crate::window::show_main(app),
        MENU_QUIT => app.exit(0),
        other => match parse_menu_id(other) {
            Some(MenuAction::Open(cid)) => {
                let state = app.state::<TrayUrls>();
                let url = state
                    .0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(cid)
                    .cloned();
                if let Some(url) = url.filter(|u| is_localhost_url(u)) {
                    // Nothing useful to do if no browser is configured.
                    let _ = app.opener().open_url(url, None::<&str>);
                }
            }
            Some(MenuAction::Start(cid)) => lifecycle(app, cid, LifecycleAction::Start),
            Some(MenuAction::Stop(cid)) => lifecycle(app, cid, LifecycleAction::Stop),
            None => {}
        },
    }
}

fn lifecycle(app: &AppHandle, id: &str, action: LifecycleAction) {
    let state = app.state::<Arc<StatsState>>().inner().clone();
    let id = id.to_owned();
    tauri::async_runtime::spawn(async move {
        // The hub's events update the tray; a failure shows as an unchanged entry.
        let _ = stats::lifecycle(&state, &id, action).await;
    });
}

/// Apply a model to the tray icon.
fn apply(app: &AppHandle, model: &TrayModel) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    {
        let state = app.state::<TrayUrls>();
        let mut urls = state.0.lock().unwrap_or_else(PoisonError::into_inner);
        *urls = model
            .entries
            .iter()
            .filter_map(|e| Some((e.id.clone(), e.url.clone()?)))
            .collect();
    }
    // A platform without tooltips or titles ignores these; nothing to report.
    let _ = tray.set_tooltip(Some(&model.tooltip));
    let _ = tray.set_title(Some(&model.title));
    if let Ok(menu) = build_menu(app, Some(model)) {
        let _ = tray.set_menu(Some(menu));
    }
}

/// Keep the tray current for the app's lifetime: rebuilt when the hub reports container
/// events or engine loss/return, at most once per [`REBUILD_DEBOUNCE`].
pub fn spawn_updater(app: AppHandle, state: Arc<StatsState>) {
    tauri::async_runtime::spawn(async move {
        let Some(live) = state.wait_live().await else {
            return;
        };
        let mut rx = live.hub.subscribe();
        let mut dirty = true;
        loop {
            if dirty {
                tokio::time::sleep(REBUILD_DEBOUNCE).await;
                // Drain what arrived meanwhile: one rebuild covers it.
                loop {
                    match rx.try_recv() {
                        Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                        Err(broadcast::error::TryRecvError::Empty) => break,
                        Err(broadcast::error::TryRecvError::Closed) => return,
                    }
                }
                let connected = live.hub.is_connected();
                let rows = if connected {
                    stats::list_containers(&live).await.ok()
                } else {
                    None
                };
                let model = tray_model(rows.as_deref().unwrap_or_default(), rows.is_some());
                apply(&app, &model);
                dirty = false;
            }
            match rx.recv().await {
                Ok(StatsEvent::Sample(_)) => {}
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => dirty = true,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}
