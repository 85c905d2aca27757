//! Tauri's build step. `AppManifest::commands` generates an `allow-<command>` permission for
//! each app command, so a command is callable only when capabilities/default.json grants it.

/// Every `#[tauri::command]` registered in `main.rs` (keep in sync with `commands::handler`).
const COMMANDS: &[&str] = &[
    "open_project",
    "preview_files",
    "write_files",
    // The Run journey (src/run.rs).
    "engine_status",
    "check_port",
    "up_project",
    "up_compose_project",
    "cancel_up",
    "down_project",
    "follow_logs",
    "watch_project",
    "stop_stream",
    "open_url",
    "write_port",
    "list_containers",
    "stats_subscribe",
    "stats_unsubscribe",
    "container_history",
    "host_capacity",
    "container_lifecycle",
];

fn main() {
    println!("cargo:rerun-if-changed=permissions");
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        println!("cargo:warning=tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
