//! Demo mode: the built-in sandbox plus one site pointed at it, so a new admin sees the app work
//! before having credentials. The sandbox's addresses change from one start to the next, so the
//! demo site is found again by its id (kept in the database's `meta` table) and re-pointed.

use crate::api::Api;
use crate::error::ApiError;
use crate::secret::Secret;
use crate::site::{Platform, SecretsDraft, Site, SiteDraft, SiteRef, ZendeskAuthKind};
use iadvize_zendesk_sandbox::{Sandbox, SandboxConfig, credentials};
use rusqlite::OptionalExtension;
use std::net::SocketAddr;

const DEMO_SITE_KEY: &str = "demo_site_id";
pub const DEMO_SITE_NAME: &str = "Sandbox demo";
/// The demo's iAdvize site: the first seeded `ha` site.
pub const DEMO_IADVIZE_SITE: i64 = 3101;
/// Preferred ports, so that a demo site's addresses usually stay the same across restarts.
const PREFERRED_PORTS: (u16, u16) = (47_801, 47_802);

/// Starts the sandbox on loopback (preferred ports, any free ones if taken).
pub async fn start_sandbox() -> Result<Sandbox, ApiError> {
    let preferred = SandboxConfig::default()
        .zendesk_listen(SocketAddr::from(([127, 0, 0, 1], PREFERRED_PORTS.0)))
        .iadvize_listen(SocketAddr::from(([127, 0, 0, 1], PREFERRED_PORTS.1)));
    match iadvize_zendesk_sandbox::start(preferred).await {
        Ok(sandbox) => Ok(sandbox),
        Err(_) => iadvize_zendesk_sandbox::start(SandboxConfig::default())
            .await
            .map_err(|e| ApiError::new("sandbox.start", format!("The built-in sandbox could not start: {e}."))),
    }
}

impl Api {
    /// The demo site, if one was made and still exists.
    pub fn demo_site(&self) -> Result<Option<Site>, ApiError> {
        let id: Option<String> = self
            .store()
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [DEMO_SITE_KEY], |r| r.get(0))
            .optional()?;
        let Some(id) = id.and_then(|v| v.parse().ok()) else {
            return Ok(None);
        };
        match self.site(&SiteRef::Id(id)) {
            Ok(site) => Ok(Some(site)),
            Err(e) if e.code == "site.not_found" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates the demo site pointing at a running sandbox, or re-points the existing one.
    pub fn ensure_demo_site(&self, zendesk_url: &str, iadvize_url: &str) -> Result<Site, ApiError> {
        let existing = self.demo_site()?;
        let mut draft = SiteDraft {
            name: DEMO_SITE_NAME.into(),
            platform: Platform::Ha,
            iadvize_site_id: DEMO_IADVIZE_SITE.to_string(),
            zendesk_domain: "sandbox".into(),
            zendesk_email: credentials::ZENDESK_ADMIN_EMAIL.into(),
            zendesk_auth: ZendeskAuthKind::OauthClient,
            zendesk_oauth_client_id: Some(credentials::ZENDESK_OAUTH_CLIENT_ID.into()),
            country: Some("France".into()),
            start_from: None,
            zendesk_api_url: Some(zendesk_url.into()),
            iadvize_api_url: Some(iadvize_url.into()),
            secrets: SecretsDraft {
                zendesk_api_token: None,
                zendesk_oauth_client_secret: Some(Secret::new(credentials::ZENDESK_OAUTH_CLIENT_SECRET)),
                iadvize_rest_api_key: Some(Secret::new(credentials::IADVIZE_REST_API_KEY)),
                // A fresh sandbox issues this token anew: store it on every start.
                iadvize_graphql_token: Some(Secret::new(credentials::IADVIZE_GRAPHQL_TOKEN)),
            },
        };
        match existing {
            Some(site) => {
                draft.name = site.settings.name.clone();
                draft.country = Some(site.settings.country.clone());
                draft.start_from = Some(site.settings.start_from.to_rfc3339());
                self.update_site(site.id, &draft)
            }
            None => {
                // Seeded conversations reach back a week: start there so the demo has work.
                draft.start_from = Some((self.clock().now() - chrono::Duration::days(7)).to_rfc3339());
                let site = self.create_site(&draft)?;
                self.store().conn().execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    rusqlite::params![DEMO_SITE_KEY, site.id.to_string()],
                )?;
                Ok(site)
            }
        }
    }
}
