//! Berth's desktop shell: a window over `ui/`, a tray icon, and thin commands over berth-core.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod host;
pub mod notify;
mod ops;
mod payload;
mod stats;
mod stats_commands;
mod tray;
mod tray_model;

fn main() {
    // One stats hub for the whole app; it keeps looking for an engine in the background.
    let stats = stats::StatsState::start();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .manage(commands::AppState::load())
        .manage(stats.clone())
        .manage(stats_commands::Subscriptions::default())
        .setup(move |app| {
            tray::install(app.handle())?;
            tray::spawn_updater(app.handle().clone(), stats.clone());
            notify::spawn(app.handle().clone(), stats);
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!());
    if let Err(e) = app {
        eprintln!("berth: cannot start the app: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod stats_tests;
