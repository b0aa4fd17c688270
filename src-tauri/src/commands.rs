//! Tauri commands: argument in, one core call, typed result or typed error out. Nothing else.

use crate::state::Core;
use iadvize_zendesk::api::KeychainStatus;
use iadvize_zendesk::check::ConnectionReport;
use iadvize_zendesk::forms::FormsOverview;
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
    core.run(move |api| api.change_settings(id, &changes)).await
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
