//! Berth's desktop shell: a window over `ui/`, a tray icon, and thin commands over berth-core.
//! One instance per user session: starting Berth again (with a folder, a view) hands the
//! arguments to the running one (`launch`). Closing the window keeps Berth in the tray where
//! a tray shows its icon (`window`, `tray_host`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bench_commands;
mod check;
mod commands;
mod deploy;
mod host;
mod ipc;
mod k8s_commands;
mod launch;
pub mod notify;
mod rendering;
mod run;
mod settings;
mod stats;
mod stats_commands;
mod tray;
mod tray_host;
mod tray_model;
mod window;

use launch::{AppRequests, Launch};
use tauri::Manager;
use tauri_plugin_window_state::StateFlags;

fn main() {
    // First, while this is the only thread: variables are set here and read by discovery
    // and the compose tool lookup (and inherited by the tools Berth runs).
    adopt_login_shell_env();
    let cwd = std::env::current_dir().unwrap_or_default();
    let env_view = std::env::var("BERTH_VIEW").ok();
    let launch = Launch::parse(std::env::args().skip(1), &cwd, env_view.as_deref());
    launch::report_ignored(&launch);
    let start_hidden = launch.hidden;
    // Before any thread or GTK starts: no GPU, no GL compositing (rendering.rs).
    if let Some(var) = rendering::prefer_cpu_painting_without_gpu() {
        eprintln!("berth: no GPU found, WebKit paints without compositing ({var}=1)");
    }
    // The name desktops show for the app (the tray item's Title), not the binary's.
    #[cfg(target_os = "linux")]
    glib::set_application_name("Berth");
    // One stats hub for the whole app; it keeps looking for an engine in the background.
    let stats = stats::StatsState::start();
    let app = tauri::Builder::default()
        // First, as the plugin asks: a second instance hands over its arguments and exits
        // before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, argv, cwd| {
            let launch = Launch::parse(argv.into_iter().skip(1), std::path::Path::new(&cwd), None);
            launch::report_ignored(&launch);
            window::show_main(app);
            let requests = app.state::<AppRequests>();
            for req in launch.requests() {
                requests.push(req);
            }
        }))
        .plugin(
            // Size, position, maximized; whether the window shows is Berth's call (--hidden).
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(StateFlags::all() - StateFlags::VISIBLE)
                .build(),
        )
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(settings::LOGIN_ARGS.to_vec()),
        ))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .manage(commands::AppState::load())
        .manage(run::RunState::default())
        .manage(deploy::DeployState::default())
        .manage(stats.clone())
        .manage(stats_commands::Subscriptions::default())
        .manage(AppRequests::new(launch.requests()))
        .manage(window::WindowShown::new(false))
        .on_page_load(|webview, payload| {
            // A reload leaves no view behind to read the old channels.
            if payload.event() == tauri::webview::PageLoadEvent::Started {
                webview
                    .state::<stats_commands::Subscriptions>()
                    .cancel_webview(webview.label());
            }
        })
        .on_window_event(window::on_window_event)
        .setup(move |app| {
            tray::install(app.handle())?;
            tray::spawn_updater(app.handle().clone(), stats.clone());
            notify::spawn(app.handle().clone(), stats);
            // The window starts hidden (tauri.conf.json): shown now, unless launched at login
            // (--hidden), where it stays in the tray once the tray shows Berth's icon.
            if start_hidden {
                window::show_unless_tray_appears(app.handle().clone());
            } else {
                window::show_main(app.handle());
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

/// An app opened from the macOS Finder has launchd's bare environment: take `PATH` and the
/// `DOCKER_*` variables from the user's login shell, once (`berth_core::shell_env`). Must run
/// before any other thread exists (it sets process environment variables).
fn adopt_login_shell_env() {
    use berth_core::shell_env;
    if !shell_env::wanted() {
        return;
    }
    let Some(vars) =
        shell_env::read_login_shell(&shell_env::user_shell(), shell_env::SHELL_TIMEOUT)
    else {
        eprintln!("berth: the login shell did not answer; using the environment as started");
        return;
    };
    for (key, value) in shell_env::updates(&vars, |k| std::env::var(k).ok()) {
        std::env::set_var(key, value);
    }
}

#[cfg(test)]
mod stats_tests;
