//! The floor under the desktop app's cost (scripts/bench-app.sh, `FLOOR=1`): Tauri with one
//! 1240×800 window showing an empty HTML page, no plugins, no commands, no UI. Whatever the app
//! costs above this is Berth's own (backend, stats hub, UI); this much is WebKitGTK's and
//! Tauri's. The page comes from a custom scheme, as the app's does (about:blank would start no
//! web process). Built only with `--features tauri/custom-protocol`, as the release app is.

const PAGE: &str = "<!doctype html><html><head><title>empty</title></head><body></body></html>";

fn main() {
    let mut context = tauri::generate_context!();
    // No window from the app's config (that one would load Berth's UI): only the empty one.
    context.config_mut().app.windows.clear();
    let app = tauri::Builder::default()
        .register_uri_scheme_protocol("floor", |_ctx, _request| {
            tauri::http::Response::builder()
                .header("content-type", "text/html")
                .body(PAGE.as_bytes().to_vec())
                .unwrap_or_default()
        })
        .setup(|app| {
            let page = tauri::WebviewUrl::CustomProtocol("floor://localhost/".parse()?);
            tauri::WebviewWindowBuilder::new(app, "main", page)
                .title("empty")
                .inner_size(1240.0, 800.0)
                .build()?;
            Ok(())
        })
        .run(context);
    if let Err(e) = app {
        eprintln!("empty_window: {e}");
        std::process::exit(1);
    }
}
