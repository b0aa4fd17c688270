//! The one surface both faces call: the desktop app's Tauri commands and the headless CLI.
//! Each method is a complete use case (validation, storage, keychain) and returns either the
//! typed result or an [`ApiError`] with a stable code and a message that says what to do.

use crate::clock::{Clock, SystemClock};
use crate::error::{ApiError, FieldError};
use crate::secret::Secret;
use crate::site::draft::{Existing, draft_field};
use crate::site::{
    Keychain, KeychainError, SecretKind, SecretsDraft, SettingChange, Site, SiteDraft, SiteId,
    SiteRef,
};
use crate::store::sites::{self, SitesError};
use crate::store::{Store, StoreError};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use ts_rs::TS;

impl From<KeychainError> for ApiError {
    fn from(e: KeychainError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::new(
            "storage.failed",
            format!("The app's database failed: {e}. Nothing was changed; retry, and if it persists send the diagnostics bundle to support."),
        )
    }
}

impl From<SitesError> for ApiError {
    fn from(e: SitesError) -> Self {
        match e {
            SitesError::Duplicate {
                platform,
                iadvize_site_id,
            } => invalid(vec![FieldError::new(
                "iadvize_site_id",
                "duplicate",
                format!(
                    "iAdvize site {iadvize_site_id} on {platform} is already installed: edit that site instead."
                ),
            )]),
            SitesError::Sqlite(e) => e.into(),
        }
    }
}

fn invalid(fields: Vec<FieldError>) -> ApiError {
    let summary = fields
        .iter()
        .map(|f| f.message.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    ApiError {
        code: "site.invalid".into(),
        message: format!("Some settings need fixing: {summary}"),
        fields,
    }
}

fn not_found(site: &SiteRef) -> ApiError {
    ApiError::new(
        "site.not_found",
        format!("There is no site {site}: list the sites to see their ids and names."),
    )
}

/// Whether the OS keychain works, for the status line and the retry button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct KeychainStatus {
    pub available: bool,
    /// Set when unavailable: a stable code and what to do.
    pub error: Option<ApiError>,
}

/// Adjusts the API clients the core builds (tests and benchmarks compress time; advanced
/// deployments may lengthen timeouts). Applied to every client of every site.
#[derive(Clone, Default)]
pub struct ClientTuning {
    pub zendesk: Option<Tune<crate::zendesk::ZendeskConfig>>,
    pub iadvize: Option<Tune<crate::iadvize::IadvizeConfig>>,
}

/// A change applied to a client's configuration before the client is built.
pub type Tune<C> = Arc<dyn Fn(&mut C) + Send + Sync>;

pub struct Api {
    data_dir: PathBuf,
    tuning: RwLock<ClientTuning>,
    store: Store,
    /// Opened at first use (read-only work never touches it); its failure is kept (and shown)
    /// until a retry succeeds.
    keychain: RwLock<Option<Result<Keychain, KeychainError>>>,
    clock: Arc<dyn Clock>,
}

impl Api {
    pub fn open(data_dir: &Path) -> Result<Api, ApiError> {
        Api::open_with_clock(data_dir, Arc::new(SystemClock))
    }

    pub fn open_with_clock(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<Api, ApiError> {
        let store = Store::open(data_dir)?;
        Ok(Api {
            data_dir: data_dir.to_owned(),
            tuning: RwLock::new(ClientTuning::default()),
            store,
            keychain: RwLock::new(None),
            clock,
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn set_tuning(&self, tuning: ClientTuning) {
        *self.tuning.write().unwrap_or_else(|p| p.into_inner()) = tuning;
    }

    pub fn tuning(&self) -> ClientTuning {
        self.tuning.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn open_keychain(&self) -> Result<Keychain, KeychainError> {
        let opened = Keychain::open(self.store.install_id());
        if let Err(e) = &opened {
            tracing::warn!(code = e.code(), error = %e, "OS keychain unavailable");
        }
        *self.keychain.write().unwrap_or_else(|p| p.into_inner()) = Some(opened.clone());
        opened
    }

    fn keychain(&self) -> Result<Keychain, ApiError> {
        let known = self.keychain.read().unwrap_or_else(|p| p.into_inner()).clone();
        match known {
            Some(result) => result,
            None => self.open_keychain(),
        }
        .map_err(ApiError::from)
    }

    pub fn keychain_status(&self) -> KeychainStatus {
        match self.keychain() {
            Ok(_) => KeychainStatus {
                available: true,
                error: None,
            },
            Err(e) => KeychainStatus {
                available: false,
                error: Some(e),
            },
        }
    }

    /// Tries the keychain again (after the admin unlocked it or started a Secret Service).
    pub fn retry_keychain(&self) -> KeychainStatus {
        let _ = self.open_keychain();
        self.keychain_status()
    }

    pub fn list_sites(&self) -> Result<Vec<Site>, ApiError> {
        Ok(sites::list(&self.store.conn())?)
    }

    pub fn site(&self, site: &SiteRef) -> Result<Site, ApiError> {
        let conn = self.store.conn();
        let id = match site {
            SiteRef::Id(id) => *id,
            SiteRef::Name(name) => match sites::find_by_name(&conn, name)?.as_slice() {
                [id] => *id,
                [] => return Err(not_found(site)),
                _ => {
                    return Err(ApiError::new(
                        "site.ambiguous",
                        format!("Several sites are named \"{name}\": use the site's id instead."),
                    ));
                }
            },
        };
        sites::get(&conn, id)?.ok_or_else(|| not_found(site))
    }

    /// Checks a draft as the admin types, without saving: the same rules as create / update,
    /// plus the duplicate check. `id` is the site being edited.
    pub fn check_draft(&self, id: Option<SiteId>, draft: &SiteDraft) -> Result<Vec<FieldError>, ApiError> {
        let now = self.clock.now();
        let current = id.map(|id| self.site(&SiteRef::Id(id))).transpose()?;
        let stored: Vec<SecretKind> = current
            .as_ref()
            .map(|s| s.secrets.iter().map(|x| x.kind).collect())
            .unwrap_or_default();
        let existing = current.as_ref().map(|c| Existing {
            settings: &c.settings,
            stored_secrets: &stored,
        });
        let mut errors = match draft.validate(existing, now) {
            Ok(valid) => {
                let taken = sites::list(&self.store.conn())?.into_iter().any(|s| {
                    Some(s.id) != id
                        && s.settings.platform == valid.settings.platform
                        && s.settings.iadvize_site_id == valid.settings.iadvize_site_id
                });
                if taken {
                    let e: ApiError = SitesError::Duplicate {
                        platform: valid.settings.platform.to_string(),
                        iadvize_site_id: valid.settings.iadvize_site_id,
                    }
                    .into();
                    e.fields
                } else {
                    Vec::new()
                }
            }
            Err(errors) => errors,
        };
        errors.dedup();
        Ok(errors)
    }

    /// Creates a site atomically: the row and its secrets land together or not at all. The row
    /// is written inside a transaction that commits only once every secret is in the keychain;
    /// on any failure the secrets already written are deleted again.
    pub fn create_site(&self, draft: &SiteDraft) -> Result<Site, ApiError> {
        let now = self.clock.now();
        let valid = draft.validate(None, now).map_err(invalid)?;
        let keychain = self.keychain()?;
        let mut conn = self.store.conn();
        let tx = conn.transaction()?;
        let id = sites::insert(&tx, &valid.settings, now)?;
        let mut written = Vec::new();
        let stored = (|| -> Result<(), ApiError> {
            for (kind, secret) in &valid.secrets {
                keychain.set(id, *kind, secret)?;
                written.push(*kind);
                sites::record_secret(&tx, id, *kind, now)?;
            }
            Ok(())
        })();
        let committed = stored.and_then(|()| tx.commit().map_err(ApiError::from));
        if let Err(e) = committed {
            for kind in written {
                if let Err(cleanup) = keychain.delete(id, kind) {
                    tracing::warn!(site = id, kind = kind.as_str(), error = %cleanup, "could not remove a secret of a site that was not created");
                }
            }
            return Err(e);
        }
        drop(conn);
        tracing::info!(site = id, "site created");
        self.site(&SiteRef::Id(id))
    }

    /// Rewrites a site's settings from the edit form; secrets left empty are kept.
    pub fn update_site(&self, id: SiteId, draft: &SiteDraft) -> Result<Site, ApiError> {
        let current = self.site(&SiteRef::Id(id))?;
        let now = self.clock.now();
        let stored: Vec<SecretKind> = current.secrets.iter().map(|s| s.kind).collect();
        let valid = draft
            .validate(
                Some(Existing {
                    settings: &current.settings,
                    stored_secrets: &stored,
                }),
                now,
            )
            .map_err(invalid)?;
        let keychain = if valid.secrets.is_empty() && valid.settings.zendesk_auth == current.settings.zendesk_auth {
            None
        } else {
            Some(self.keychain()?)
        };
        let mut conn = self.store.conn();
        let tx = conn.transaction()?;
        if !sites::update(&tx, id, &valid.settings, now)? {
            return Err(not_found(&SiteRef::Id(id)));
        }
        if let Some(keychain) = &keychain {
            for (kind, secret) in &valid.secrets {
                keychain.set(id, *kind, secret)?;
                sites::record_secret(&tx, id, *kind, now)?;
            }
            if valid.settings.zendesk_auth != current.settings.zendesk_auth {
                let unused = current.settings.zendesk_auth.secret_kind();
                keychain.delete(id, unused)?;
                sites::forget_secret(&tx, id, unused)?;
            }
        }
        tx.commit()?;
        drop(conn);
        tracing::info!(site = id, "site updated");
        self.site(&SiteRef::Id(id))
    }

    /// Replaces some secrets of a site (the others are kept).
    pub fn set_secrets(&self, id: SiteId, secrets: &SecretsDraft) -> Result<Site, ApiError> {
        let site = self.site(&SiteRef::Id(id))?;
        let given: Vec<(SecretKind, Secret)> = site
            .required_secrets()
            .into_iter()
            .filter_map(|kind| {
                let value = match kind {
                    SecretKind::ZendeskApiToken => &secrets.zendesk_api_token,
                    SecretKind::ZendeskOauthClientSecret => &secrets.zendesk_oauth_client_secret,
                    SecretKind::IadvizeRestApiKey => &secrets.iadvize_rest_api_key,
                    SecretKind::IadvizeGraphqlToken => &secrets.iadvize_graphql_token,
                };
                value
                    .as_ref()
                    .filter(|s| !s.is_blank())
                    .map(|s| (kind, s.trimmed()))
            })
            .collect();
        if given.is_empty() {
            let fields = site
                .required_secrets()
                .into_iter()
                .map(|k| FieldError::new(draft_field(k), "required", format!("Enter the new {}.", k.label())))
                .collect();
            return Err(invalid(fields));
        }
        let keychain = self.keychain()?;
        let now = self.clock.now();
        let conn = self.store.conn();
        for (kind, secret) in &given {
            keychain.set(id, *kind, secret)?;
            sites::record_secret(&conn, id, *kind, now)?;
        }
        drop(conn);
        tracing::info!(site = id, count = given.len(), "site secrets replaced");
        self.site(&SiteRef::Id(id))
    }

    /// Applies option changes (all or none).
    pub fn change_settings(&self, id: SiteId, changes: &[SettingChange]) -> Result<Site, ApiError> {
        let site = self.site(&SiteRef::Id(id))?;
        let mut settings = site.settings.clone();
        let mut fields = Vec::new();
        for change in changes {
            if let Err(message) = change.apply(&mut settings) {
                fields.push(FieldError::new(change.key(), "invalid_value", message));
            }
        }
        if !fields.is_empty() {
            return Err(invalid(fields));
        }
        let conn = self.store.conn();
        sites::update(&conn, id, &settings, self.clock.now())?;
        if settings.autosave_enabled && !site.settings.autosave_enabled {
            // While auto-save was off the polls kept only escalations: read again from the
            // site's start point, so every conversation closed since then gets its ticket
            // (the ledger absorbs those already there).
            conn.execute("DELETE FROM sync_cursors WHERE site_id = ?1", [id])?;
        }
        drop(conn);
        self.site(&SiteRef::Id(id))
    }

    /// Removes a site and its secrets. The secrets go first: if the keychain cannot delete them,
    /// the site stays so that nothing secret is left behind unreachable.
    pub fn remove_site(&self, id: SiteId) -> Result<(), ApiError> {
        let site = self.site(&SiteRef::Id(id))?;
        self.keychain()?.delete_all(site.id)?;
        sites::delete(&self.store.conn(), site.id)?;
        tracing::info!(site = id, "site removed");
        Ok(())
    }

    /// Reads one secret of a site from the keychain, at the moment of use.
    pub fn secret(&self, id: SiteId, kind: SecretKind) -> Result<Secret, ApiError> {
        Ok(self.keychain()?.get(id, kind)?)
    }
}
