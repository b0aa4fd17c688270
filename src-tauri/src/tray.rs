//! The tray icon: each site's state at a glance, and open / pause all / resume / quit. The sync
//! goes on while the window is closed; only "Quit" stops it (after the current batches).

use crate::state::Core;
use iadvize_zendesk::site::SecretKind;
use iadvize_zendesk::sync::engine::SyncPhase;
use std::sync::Mutex;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

pub const TRAY_ID: &str = "main";

/// The window's language, told by the UI (the tray has no other way to know it).
#[derive(Default)]
pub struct UiLocale(pub Mutex<String>);

fn words(locale: &str) -> [&'static str; 10] {
    if locale == "fr" {
        ["Ouvrir", "Tout mettre en pause", "Reprendre", "Quitter", "synchronisé", "en pause", "en échec", "jeton bientôt expiré", "arrêté", "Aucun site"]
    } else {
        ["Open", "Pause all", "Resume", "Quit", "up to date", "paused", "failing", "token expiring", "off", "No site"]
    }
}

/// The lines describing each site, e.g. "Shop FR — failing".
pub fn site_lines<R: Runtime>(app: &AppHandle<R>, locale: &str) -> Vec<String> {
    let w = words(locale);
    let core = app.state::<Core>();
    let Ok(api) = core.api() else { return vec![] };
    let statuses = core.sync.statuses();
    let now = chrono::Utc::now();
    api.list_sites()
        .unwrap_or_default()
        .iter()
        .map(|site| {
            let status = statuses.iter().find(|s| s.site_id == site.id);
            let token_soon = site
                .secret_stored_at(SecretKind::IadvizeGraphqlToken)
                .is_some_and(|at| at + chrono::Duration::hours(21) <= now);
            let state = match status.map(|s| s.phase) {
                Some(SyncPhase::Failing) => w[6],
                Some(SyncPhase::Paused) => w[5],
                Some(SyncPhase::Off) | None => w[8],
                _ if token_soon => w[7],
                _ => w[4],
            };
            format!("{} — {state}", site.settings.name)
        })
        .collect()
}

fn build_menu<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let locale = app.state::<UiLocale>().0.lock().unwrap().clone();
    let w = words(&locale);
    let menu = Menu::new(app)?;
    let lines = site_lines(app, &locale);
    if lines.is_empty() {
        menu.append(&MenuItem::with_id(app, "site-none", w[9], false, None::<&str>)?)?;
    }
    for (i, line) in lines.iter().enumerate() {
        menu.append(&MenuItem::with_id(app, format!("site-{i}"), line, false, None::<&str>)?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(app, "open", w[0], true, None::<&str>)?)?;
    let paused = app.state::<Core>().sync.is_paused();
    menu.append(&MenuItem::with_id(app, if paused { "resume" } else { "pause" }, if paused { w[2] } else { w[1] }, true, None::<&str>)?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(app, "quit", w[3], true, None::<&str>)?)?;
    Ok(menu)
}

pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Quits for good: stops the sync after its current batches, then exits.
pub fn quit<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        app.state::<Core>().sync.stop_and_wait(std::time::Duration::from_secs(15)).await;
        app.exit(0);
    });
}

pub fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("iAdvize → Zendesk")
        .menu(&build_menu(app)?)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_window(app),
            "pause" => {
                app.state::<Core>().sync.set_paused(true);
                refresh(app);
            }
            "resume" => {
                app.state::<Core>().sync.set_paused(false);
                refresh(app);
            }
            "quit" => quit(app),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// Rebuilds the menu from the current states.
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    if let (Some(tray), Ok(menu)) = (app.tray_by_id(TRAY_ID), build_menu(app)) {
        let _ = tray.set_menu(Some(menu));
    }
}
