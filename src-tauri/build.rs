// The Tauri config lives at the repository root (tauri.conf.json); the app's commands are listed
// here so that each gets an `allow-<command>` permission and the capability can grant exactly them.
const COMMANDS: &[&str] = &[
    "app_info",
    "keychain_status",
    "retry_keychain",
    "list_sites",
    "create_site",
    "update_site",
    "remove_site",
    "change_settings",
    "set_secrets",
    "check_site_draft",
    "check_connection",
    "forms_overview",
    "start_demo",
    "demo_site_id",
    "sync_status",
    "sync_now",
    "sync_log",
    "conversation_log",
    "retry_conversation",
    "preview_ticket",
    "set_ui_locale",
    "open_folder",
    "autostart_enabled",
    "set_autostart",
    "notification_prefs",
    "set_notification",
    "set_paused",
    "escalation_form",
    "check_escalation_answers",
    "search_lookup",
    "recent_conversations",
    "escalate",
    "closing_form_definition",
    "field_defaults",
    "set_field_default",
    "clear_field_default",
    "preflight",
    "stats",
    "export_stats",
    "backfills",
    "start_backfill",
    "cancel_backfill",
    "write_diagnostics",
];

fn main() {
    let dist = std::path::Path::new("../ui/dist");
    if !dist.join("index.html").exists() {
        // tauri's proc-macro needs the front-end folder at compile time; an explicit page beats
        // a panic, and says how to build the real one.
        std::fs::create_dir_all(dist).expect("create ui/dist");
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><meta charset=utf-8><title>iAdvize → Zendesk</title>\
             <p>The user interface was not built. Run <code>npm ci && npm run build</code> in <code>ui/</code>, \
             then build the app again (scripts/launch.sh does both).</p>",
        )
        .expect("write placeholder ui/dist/index.html");
    }
    println!("cargo:rerun-if-changed=../ui/dist");
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .config_path("../tauri.conf.json")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step");
}
