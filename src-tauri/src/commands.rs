//! Tauri commands: argument in, one core call, typed result or typed error out. Nothing else.

use crate::exports::{self, SavedFile};
use crate::state::Core;
use chrono::{DateTime, Utc};
use iadvize_zendesk::backfill::{BackfillId, BackfillStatus};
use iadvize_zendesk::diagnostics::DiagnosticsSummary;
use iadvize_zendesk::stats::{StatsQuery, StatsReport};
use iadvize_zendesk::api::KeychainStatus;
use iadvize_zendesk::check::ConnectionReport;
use iadvize_zendesk::escalation::{AnswerValue, Answers, ClosingFormInput, RebuiltForm, ValidatedAnswers};
use iadvize_zendesk::forms::FormsOverview;
use iadvize_zendesk::preflight::{PreflightMode, PreflightReport};
use iadvize_zendesk::store::ledger::{LedgerRow, LogFilter};
use iadvize_zendesk::sync::ConversationLog;
use iadvize_zendesk::sync::escalate::EscalationReceipt;
use iadvize_zendesk::sync::ledger::State as LedgerState;
use iadvize_zendesk::ticket::{FieldDefault, TicketPreview};
use iadvize_zendesk::paths;
use iadvize_zendesk::site::{SecretsDraft, SettingChange, Site, SiteDraft, SiteId, SiteRef};
use iadvize_zendesk::ApiError;
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub log_dir: String,
}

#[tauri::command]
pub fn app_info(core: State<'_, Core>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: core.data_dir.display().to_string(),
        log_dir: paths::log_dir(&core.data_dir).display().to_string(),
    }
}

#[tauri::command]
pub async fn keychain_status(core: State<'_, Core>) -> Result<KeychainStatus, ApiError> {
    core.run(|api| Ok(api.keychain_status())).await
}

#[tauri::command]
pub async fn retry_keychain(core: State<'_, Core>) -> Result<KeychainStatus, ApiError> {
    core.run(|api| Ok(api.retry_keychain())).await
}

#[tauri::command]
pub async fn list_sites(core: State<'_, Core>) -> Result<Vec<Site>, ApiError> {
    core.run(|api| api.list_sites()).await
}

#[tauri::command]
pub async fn create_site(core: State<'_, Core>, draft: SiteDraft) -> Result<Site, ApiError> {
    core.run(move |api| api.create_site(&draft)).await
}

#[tauri::command]
pub async fn update_site(core: State<'_, Core>, id: SiteId, draft: SiteDraft) -> Result<Site, ApiError> {
    core.run(move |api| api.update_site(id, &draft)).await
}

#[tauri::command]
pub async fn remove_site(core: State<'_, Core>, id: SiteId) -> Result<(), ApiError> {
    core.run(move |api| api.remove_site(id)).await
}

#[tauri::command]
pub async fn change_settings(
    core: State<'_, Core>,
    id: SiteId,
    changes: Vec<SettingChange>,
) -> Result<Site, ApiError> {
    let site = core.run(move |api| api.change_settings(id, &changes)).await?;
    core.sync.wake();
    Ok(site)
}

#[tauri::command]
pub async fn set_secrets(core: State<'_, Core>, id: SiteId, secrets: SecretsDraft) -> Result<Site, ApiError> {
    core.run(move |api| api.set_secrets(id, &secrets)).await
}

#[tauri::command]
pub async fn check_site_draft(
    core: State<'_, Core>,
    id: Option<SiteId>,
    draft: SiteDraft,
) -> Result<Vec<iadvize_zendesk::FieldError>, ApiError> {
    core.run(move |api| api.check_draft(id, &draft)).await
}

#[tauri::command]
pub async fn check_connection(core: State<'_, Core>, id: SiteId) -> Result<ConnectionReport, ApiError> {
    core.api()?.check_connection(&SiteRef::Id(id)).await
}

#[tauri::command]
pub async fn forms_overview(core: State<'_, Core>, id: SiteId) -> Result<FormsOverview, ApiError> {
    core.api()?.forms_overview(&SiteRef::Id(id)).await
}

#[tauri::command]
pub async fn start_demo(core: State<'_, Core>) -> Result<Site, ApiError> {
    core.start_demo().await
}

#[tauri::command]
pub async fn demo_site_id(core: State<'_, Core>) -> Result<Option<SiteId>, ApiError> {
    core.run(|api| Ok(api.demo_site()?.map(|s| s.id))).await
}

#[tauri::command]
pub fn sync_status(core: State<'_, Core>) -> crate::sync::SyncOverview {
    core.sync.overview()
}

#[tauri::command]
pub fn sync_now(core: State<'_, Core>) {
    core.sync.wake();
}

#[tauri::command]
pub async fn sync_log(
    core: State<'_, Core>,
    id: SiteId,
    state: Option<LedgerState>,
    limit: Option<usize>,
) -> Result<Vec<LedgerRow>, ApiError> {
    let filter = LogFilter {
        state,
        conversation_id: None,
        limit: limit.unwrap_or(200),
    };
    core.run(move |api| api.sync_log(&SiteRef::Id(id), &filter)).await
}

#[tauri::command]
pub async fn conversation_log(core: State<'_, Core>, id: SiteId, conversation: String) -> Result<ConversationLog, ApiError> {
    core.run(move |api| api.conversation_log(&SiteRef::Id(id), &conversation)).await
}

#[tauri::command]
pub async fn retry_conversation(core: State<'_, Core>, id: SiteId, conversation: String) -> Result<LedgerRow, ApiError> {
    let row = core.run(move |api| api.retry_conversation(&SiteRef::Id(id), &conversation)).await?;
    core.sync.wake();
    Ok(row)
}

#[tauri::command]
pub async fn preview_ticket(core: State<'_, Core>, id: SiteId, conversation: String) -> Result<TicketPreview, ApiError> {
    core.api()?.preview_ticket(&SiteRef::Id(id), &conversation).await
}

/// The window's language, for the tray menu.
#[tauri::command]
pub fn set_ui_locale<R: tauri::Runtime>(locale: tauri::State<'_, crate::tray::UiLocale>, app: tauri::AppHandle<R>, value: String) {
    *locale.0.lock().unwrap() = if value == "fr" { "fr".into() } else { "en".into() };
    crate::tray::refresh(&app);
}

/// Opens the data folder, the log folder or the exports folder (Downloads) in the file manager.
#[tauri::command]
pub fn open_folder<R: tauri::Runtime>(core: State<'_, Core>, app: tauri::AppHandle<R>, which: String) -> Result<(), ApiError> {
    use tauri_plugin_opener::OpenerExt;
    let path = match which.as_str() {
        "data" => core.data_dir.clone(),
        "logs" => paths::log_dir(&core.data_dir),
        "exports" => exports::folder(&core.data_dir),
        other => return Err(ApiError::new("app.bad_folder", format!("unknown folder {other}"))),
    };
    let _ = std::fs::create_dir_all(&path);
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| ApiError::new("app.open_failed", format!("Cannot open {}: {e}", path.display())))
}

#[tauri::command]
pub fn autostart_enabled<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> Result<bool, ApiError> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch()
        .is_enabled()
        .map_err(|e| ApiError::new("app.autostart", format!("Cannot read the start-at-login setting: {e}")))
}

#[tauri::command]
pub fn set_autostart<R: tauri::Runtime>(app: tauri::AppHandle<R>, enabled: bool) -> Result<bool, ApiError> {
    use tauri_plugin_autostart::ManagerExt;
    let manager = app.autolaunch();
    let result = if enabled { manager.enable() } else { manager.disable() };
    result.map_err(|e| ApiError::new("app.autostart", format!("Cannot change the start-at-login setting: {e}")))?;
    autostart_enabled(app)
}

#[tauri::command]
pub async fn notification_prefs(core: State<'_, Core>, id: SiteId) -> Result<Vec<iadvize_zendesk::notify::Kind>, ApiError> {
    core.run(move |api| api.muted_notifications(id)).await
}

#[tauri::command]
pub async fn set_notification(
    core: State<'_, Core>,
    id: SiteId,
    kind: iadvize_zendesk::notify::Kind,
    enabled: bool,
) -> Result<Vec<iadvize_zendesk::notify::Kind>, ApiError> {
    core.run(move |api| api.set_notification(id, kind, enabled)).await
}

#[tauri::command]
pub fn set_paused<R: tauri::Runtime>(core: State<'_, Core>, app: tauri::AppHandle<R>, paused: bool) {
    core.sync.set_paused(paused);
    crate::tray::refresh(&app);
}

// ------------------------------------------------------------------ escalation and pre-flight

#[tauri::command]
pub async fn escalation_form(core: State<'_, Core>, id: SiteId) -> Result<RebuiltForm, ApiError> {
    core.api()?.escalation_form(&SiteRef::Id(id)).await
}

#[tauri::command]
pub async fn check_escalation_answers(
    core: State<'_, Core>,
    id: SiteId,
    conversation: Option<String>,
    answers: Answers,
) -> Result<ValidatedAnswers, ApiError> {
    core.api()?
        .check_escalation_answers(&SiteRef::Id(id), conversation.as_deref(), &answers)
        .await
}

/// Records the escalation and wakes the sync, which sends it at once.
#[tauri::command]
pub async fn escalate(
    core: State<'_, Core>,
    id: SiteId,
    conversation: String,
    answers: Answers,
    note: Option<String>,
) -> Result<EscalationReceipt, ApiError> {
    let receipt = core.api()?.escalate(&SiteRef::Id(id), &conversation, answers, note).await?;
    core.sync.wake();
    Ok(receipt)
}

/// The site's conversations closed in the last week, from iAdvize (a site without auto-save
/// has none in its log to pick from).
#[tauri::command]
pub async fn recent_conversations(
    core: State<'_, Core>,
    id: SiteId,
) -> Result<iadvize_zendesk::recent::RecentConversations, ApiError> {
    core.api()?.recent_conversations(&SiteRef::Id(id)).await
}

/// Zendesk users or organizations for a lookup field of the rebuilt form, by the start of
/// their name (`target`: the field's `relationship_target_type`).
#[tauri::command]
pub async fn search_lookup(
    core: State<'_, Core>,
    id: SiteId,
    field_id: i64,
    target: String,
    query: String,
) -> Result<Vec<iadvize_zendesk::lookup::LookupRecord>, ApiError> {
    core.api()?.search_lookup(&SiteRef::Id(id), field_id, &target, &query).await
}

#[tauri::command]
pub async fn closing_form_definition(core: State<'_, Core>, id: SiteId) -> Result<Vec<ClosingFormInput>, ApiError> {
    core.api()?.closing_form_definition(&SiteRef::Id(id)).await
}

#[tauri::command]
pub async fn field_defaults(core: State<'_, Core>, id: SiteId) -> Result<Vec<FieldDefault>, ApiError> {
    core.run(move |api| api.field_defaults(&SiteRef::Id(id))).await
}

#[tauri::command]
pub async fn set_field_default(
    core: State<'_, Core>,
    id: SiteId,
    field_id: i64,
    value: AnswerValue,
) -> Result<Vec<FieldDefault>, ApiError> {
    core.api()?.set_field_default(&SiteRef::Id(id), field_id, value).await
}

#[tauri::command]
pub async fn clear_field_default(core: State<'_, Core>, id: SiteId, field_id: i64) -> Result<Vec<FieldDefault>, ApiError> {
    core.run(move |api| api.clear_field_default(&SiteRef::Id(id), field_id)).await
}

#[tauri::command]
pub async fn preflight(core: State<'_, Core>, id: SiteId, mode: PreflightMode) -> Result<PreflightReport, ApiError> {
    core.api()?.preflight(&SiteRef::Id(id), mode).await
}

// ------------------------------------------------------------ statistics, backfill, diagnostics

#[tauri::command]
pub async fn stats(core: State<'_, Core>, id: SiteId, query: StatsQuery) -> Result<StatsReport, ApiError> {
    core.run(move |api| api.stats(Some(&SiteRef::Id(id)), &query)).await
}

/// The statistics as CSV, saved in the Downloads folder (see exports.rs).
#[tauri::command]
pub async fn export_stats(core: State<'_, Core>, id: SiteId, query: StatsQuery) -> Result<SavedFile, ApiError> {
    let folder = exports::folder(&core.data_dir);
    core.run(move |api| {
        let csv = api.stats_csv(Some(&SiteRef::Id(id)), &query)?;
        let stem = format!("iadvize-zendesk-stats-{}-{}-{}", exports::slug(&api.site(&SiteRef::Id(id))?.settings.name), query.from, query.to);
        exports::save(&folder, &stem, "csv", csv.as_bytes())
    })
    .await
}

#[tauri::command]
pub async fn backfills(core: State<'_, Core>, id: SiteId) -> Result<Vec<BackfillStatus>, ApiError> {
    core.run(move |api| api.backfills(&SiteRef::Id(id))).await
}

/// Records a backfill of `[from, to)` (or resumes the unfinished one of the same range) and
/// runs it in this app's sync; refused, naming who syncs, when another process holds the role.
#[tauri::command]
pub async fn start_backfill(core: State<'_, Core>, id: SiteId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<BackfillStatus, ApiError> {
    core.sync.ensure_owner()?;
    let status = core.run(move |api| api.backfill_start(&SiteRef::Id(id), from, to)).await?;
    core.sync.run_backfill(core.api()?, status.id)?;
    Ok(status)
}

#[tauri::command]
pub async fn cancel_backfill(core: State<'_, Core>, backfill: BackfillId) -> Result<BackfillStatus, ApiError> {
    core.run(move |api| api.backfill_cancel(backfill)).await
}

/// The site's diagnostics bundle (secrets, e-mails and visitor names redacted by the core),
/// saved as a zip in the Downloads folder.
#[tauri::command]
pub async fn write_diagnostics(core: State<'_, Core>, id: SiteId) -> Result<DiagnosticsSummary, ApiError> {
    let api = core.api()?;
    let name = core.run(move |api| Ok(api.site(&SiteRef::Id(id))?.settings.name)).await?;
    let stem = format!("iadvize-zendesk-diagnostics-{}-{}", exports::slug(&name), Utc::now().format("%Y%m%d-%H%M%S"));
    let path = exports::new_file(&exports::folder(&core.data_dir), &stem, "zip")?;
    let written = api.diagnostics(&SiteRef::Id(id), &path).await;
    if written.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    written
}
