//! The desktop shell: a window over the core library. Commands only translate (see commands.rs).

pub mod commands;
pub mod state;

use iadvize_zendesk::{logging, paths};
use state::Core;
use tauri::{Manager, Runtime};

/// Adds the app's commands and state to a builder of any runtime (the real one, or the mock in
/// tests).
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>, core: Core) -> tauri::Builder<R> {
    builder
        .manage(core)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::keychain_status,
            commands::retry_keychain,
            commands::list_sites,
            commands::create_site,
            commands::update_site,
            commands::remove_site,
            commands::change_settings,
            commands::set_secrets,
            commands::check_site_draft,
        ])
}

pub fn context() -> tauri::Context<tauri::Wry> {
    tauri::generate_context!("../tauri.conf.json")
}

pub fn run() {
    let data_dir = paths::default_data_dir();
    let _log_guard = logging::init(&paths::log_dir(&data_dir), false);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "desktop app starting");
    let core = Core::open(data_dir);
    let app = with_commands(tauri::Builder::default(), core)
        .setup(|app| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.set_focus();
            }
            Ok(())
        })
        .build(context());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("The desktop app could not start: {e}");
            std::process::exit(1);
        }
    }
}
