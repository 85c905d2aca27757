//! Berth's desktop shell: a window over `ui/`, a tray icon, and thin commands over berth-core.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod check;
mod commands;
mod host;
mod ipc;
mod k8s_commands;
pub mod notify;
mod rendering;
mod run;
mod stats;
mod stats_commands;
mod tray;
mod tray_model;

fn main() {
    // Before any thread or GTK starts: no GPU, no GL compositing (rendering.rs).
    if let Some(var) = rendering::prefer_cpu_painting_without_gpu() {
        eprintln!("berth: no GPU found, WebKit paints without compositing ({var}=1)");
    }
    // One stats hub for the whole app; it keeps looking for an engine in the background.
    let stats = stats::StatsState::start();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .manage(commands::AppState::load())
        .manage(run::RunState::default())
        .manage(stats.clone())
        .manage(stats_commands::Subscriptions::default())
        .on_page_load(|webview, payload| {
            // A reload leaves no view behind to read the old channels.
            if payload.event() == tauri::webview::PageLoadEvent::Started {
                use tauri::Manager;
                webview
                    .state::<stats_commands::Subscriptions>()
                    .cancel_webview(webview.label());
            }
        })
        .setup(move |app| {
            tray::install(app.handle())?;
            tray::spawn_updater(app.handle().clone(), stats.clone());
            notify::spawn(app.handle().clone(), stats);
            if let Ok(view) = std::env::var("BERTH_VIEW") {
                open_on_view(app.handle(), &view);
            }
            Ok(())
        })
        .invoke_handler(ipc::handler())
        .run(tauri::generate_context!());
    if let Err(e) = app {
        eprintln!("berth: cannot start the app: {e}");
        std::process::exit(1);
    }
}

/// `BERTH_VIEW=containers`: open the window on that view (the UI reads the URL fragment).
fn open_on_view(app: &tauri::AppHandle, view: &str) {
    use tauri::Manager;
    if view.is_empty() || !view.bytes().all(|b| b.is_ascii_lowercase()) {
        return;
    }
    if let Some(window) = app.get_webview_window("main") {
        if let Ok(mut url) = window.url() {
            url.set_fragment(Some(view));
            // A window that cannot navigate simply stays on the default view.
            let _ = window.navigate(url);
        }
    }
}

#[cfg(test)]
mod stats_tests;
