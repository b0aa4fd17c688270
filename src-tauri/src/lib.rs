//! The desktop shell: a window over the core library. Commands only translate (see commands.rs).

pub mod commands;
pub mod exports;
pub mod state;
pub mod sync;
pub mod tray;

use iadvize_zendesk::{logging, paths};
use state::Core;
use tauri::{Emitter, Manager, Runtime};

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
            commands::check_connection,
            commands::forms_overview,
            commands::start_demo,
            commands::demo_site_id,
            commands::sync_status,
            commands::sync_now,
            commands::sync_log,
            commands::conversation_log,
            commands::retry_conversation,
            commands::preview_ticket,
            commands::set_ui_locale,
            commands::open_folder,
            commands::autostart_enabled,
            commands::set_autostart,
            commands::notification_prefs,
            commands::set_notification,
            commands::set_paused,
            commands::escalation_form,
            commands::check_escalation_answers,
            commands::search_lookup,
            commands::recent_conversations,
            commands::escalate,
            commands::closing_form_definition,
            commands::field_defaults,
            commands::set_field_default,
            commands::clear_field_default,
            commands::preflight,
            commands::stats,
            commands::export_stats,
            commands::backfills,
            commands::start_backfill,
            commands::cancel_backfill,
            commands::write_diagnostics,
        ])
}

pub fn context() -> tauri::Context<tauri::Wry> {
    tauri::generate_context!("../tauri.conf.json")
}

/// Restarts the built-in sandbox for an existing demo site (its addresses change with each
/// start), or, when asked and no site exists, creates the demo so a new admin sees the app work.
async fn resume_demo(app: tauri::AppHandle, demo_if_empty: bool) {
    let core = app.state::<Core>();
    let Ok(api) = core.api() else { return };
    let wanted = tauri::async_runtime::spawn_blocking(move || -> Result<bool, iadvize_zendesk::ApiError> {
        Ok(api.demo_site()?.is_some() || (demo_if_empty && api.list_sites()?.is_empty()))
    })
    .await;
    if let Ok(Ok(true)) = wanted {
        match core.start_demo().await {
            Ok(site) => {
                tracing::info!(site = site.id, "demo sandbox started");
                let _ = app.emit("sites-changed", ());
            }
            Err(e) => tracing::warn!(error = %e, "the demo sandbox could not start"),
        }
    }
}

/// Every few seconds: turn the sync statuses and the backfills that finished into notifications
/// (decided in the core) and refresh the tray's states.
async fn watch(app: tauri::AppHandle) {
    use tauri_plugin_notification::NotificationExt;
    let mut notifier = iadvize_zendesk::notify::Notifier::default();
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        let core = app.state::<Core>();
        let Ok(api) = core.api() else { continue };
        let statuses = core.sync.statuses();
        let mut shown = iadvize_zendesk::notify::collect(&api, &statuses, &mut notifier, chrono::Utc::now());
        for done in core.sync.take_finished_backfills() {
            let Ok(site) = api.site(&iadvize_zendesk::site::SiteRef::Id(done.site_id)) else { continue };
            if let Ok(muted) = api.muted_notifications(site.id) {
                notifier.set_muted(site.id, muted);
            }
            let tickets = u64::try_from(done.delivered).unwrap_or(0);
            shown.extend(notifier.on_backfill_done(site.id, &site.settings.name, tickets, chrono::Utc::now()));
        }
        for n in shown {
            tracing::info!(site = n.site_id, kind = n.kind.as_str(), title = %n.title, "notification");
            if let Err(e) = app.notification().builder().title(&n.title).body(&n.body).show() {
                tracing::warn!(error = %e, "cannot show a notification");
            }
            core.sync.shown.lock().unwrap().push(n);
        }
        tray::refresh(&app);
    }
}

pub fn run() {
    // `--demo-if-empty` (scripts/launch.sh): with no site configured, start on the sandbox.
    let demo_if_empty = std::env::args().any(|a| a == "--demo-if-empty");
    let data_dir = paths::default_data_dir();
    let _log_guard = logging::init(&paths::log_dir(&data_dir), false);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "desktop app starting");
    let core = Core::open(data_dir);
    let builder = tauri::Builder::default()
        // First: a second launch only focuses this one's window.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| tray::show_window(app)))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, None))
        .manage(tray::UiLocale::default());
    let app = with_commands(builder, core)
        .on_window_event(|window, event| {
            // Closing the window keeps the app (and its sync) running in the tray.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .setup(move |app| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.set_focus();
            }
            if let Err(e) = tray::install(app.handle()) {
                // No tray host (a bare X server): the app works, closing the window hides it.
                tracing::warn!(error = %e, "no tray icon");
            }
            let watcher = app.handle().clone();
            tauri::async_runtime::spawn(watch(watcher));
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move { resume_demo(handle, demo_if_empty).await });
            let core = app.state::<Core>();
            if let Ok(api) = core.api() {
                core.sync.start(api);
            }
            Ok(())
        })
        .build(context());
    match app {
        Ok(app) => app.run(|app, event| match event {
            // The last window closed (hidden, really): stay in the tray.
            tauri::RunEvent::ExitRequested { code: None, api, .. } => api.prevent_exit(),
            tauri::RunEvent::Exit => {
                // Stop after the current batches: the ledger says where each conversation is.
                app.state::<Core>().sync.stop();
            }
            _ => {}
        }),
        Err(e) => {
            eprintln!("The desktop app could not start: {e}");
            std::process::exit(1);
        }
    }
}
