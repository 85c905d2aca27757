//! Berth's desktop shell: a window over `ui/`, a tray icon, and thin commands over berth-core.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod ops;
mod payload;
mod run;
mod run_ops;
mod tray;

fn main() {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(commands::AppState::load())
        .manage(run::RunState::default())
        .setup(|app| {
            tray::install(app.handle())?;
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!());
    if let Err(e) = app {
        eprintln!("berth: cannot start the app: {e}");
        std::process::exit(1);
    }
}
