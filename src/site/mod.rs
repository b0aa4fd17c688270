//! A site installation: one iAdvize site connected to one Zendesk account, with its settings
//! (kept in SQLite) and its secrets (kept only in the OS keychain).

pub mod draft;
pub mod keychain;
pub mod setting;
pub mod validate;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use ts_rs::TS;

pub use draft::{SecretsDraft, SiteDraft};
pub use keychain::{Keychain, KeychainError};
pub use setting::SettingChange;

/// The local id of a site installation (not the iAdvize site id).
pub type SiteId = i64;

/// The iAdvize platform a site lives on: its ids are only unique within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Platform {
    Ha,
    Sd,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Ha => "ha",
            Platform::Sd => "sd",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ha" => Ok(Platform::Ha),
            "sd" => Ok(Platform::Sd),
            other => Err(format!(
                "unknown iAdvize platform \"{other}\": use ha or sd (the host of your iAdvize admin, ha.iadvize.com or sd.iadvize.com)"
            )),
        }
    }
}

/// How the app signs in to Zendesk. API tokens stop working on 2027-04-30 and none can be created
/// since 2026-10-27; an OAuth client (client credentials grant) is the lasting way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ZendeskAuthKind {
    ApiToken,
    OauthClient,
}

impl ZendeskAuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ZendeskAuthKind::ApiToken => "api_token",
            ZendeskAuthKind::OauthClient => "oauth_client",
        }
    }

    /// The keychain entry that holds this credential's secret part.
    pub fn secret_kind(self) -> SecretKind {
        match self {
            ZendeskAuthKind::ApiToken => SecretKind::ZendeskApiToken,
            ZendeskAuthKind::OauthClient => SecretKind::ZendeskOauthClientSecret,
        }
    }
}

impl FromStr for ZendeskAuthKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "api_token" => Ok(ZendeskAuthKind::ApiToken),
            "oauth_client" => Ok(ZendeskAuthKind::OauthClient),
            other => Err(format!("unknown Zendesk credential kind {other}")),
        }
    }
}

/// The day Zendesk switches every API token off.
pub fn zendesk_api_token_end() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-04-30T00:00:00Z")
        .expect("constant date")
        .with_timezone(&Utc)
}

/// How an auto-saved ticket reaches Zendesk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DeliveryMode {
    /// Ticket Import API: keeps the conversation's timestamps and runs no triggers, so the
    /// customer receives no e-mail.
    Import,
    /// Tickets API: runs triggers and SLAs (customers may be e-mailed).
    Create,
}

impl DeliveryMode {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMode::Import => "import",
            DeliveryMode::Create => "create",
        }
    }
}

impl FromStr for DeliveryMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "import" => Ok(DeliveryMode::Import),
            "create" => Ok(DeliveryMode::Create),
            other => Err(format!("unknown delivery mode \"{other}\": use import or create")),
        }
    }
}

/// Who becomes the requester when no Zendesk user has the visitor's e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RequesterPolicy {
    /// Zendesk creates an end-user from the visitor's e-mail and name.
    CreateEndUser,
    /// The site's Zendesk admin user.
    AdminUser,
}

impl RequesterPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            RequesterPolicy::CreateEndUser => "create_end_user",
            RequesterPolicy::AdminUser => "admin_user",
        }
    }
}

impl FromStr for RequesterPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "create_end_user" => Ok(RequesterPolicy::CreateEndUser),
            "admin_user" => Ok(RequesterPolicy::AdminUser),
            other => Err(format!(
                "unknown requester policy \"{other}\": use create_end_user or admin_user"
            )),
        }
    }
}

/// One secret of a site, stored in the OS keychain under this name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SecretKind {
    ZendeskApiToken,
    ZendeskOauthClientSecret,
    IadvizeRestApiKey,
    IadvizeGraphqlToken,
}

impl SecretKind {
    pub const ALL: [SecretKind; 4] = [
        SecretKind::ZendeskApiToken,
        SecretKind::ZendeskOauthClientSecret,
        SecretKind::IadvizeRestApiKey,
        SecretKind::IadvizeGraphqlToken,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ZendeskApiToken => "zendesk_api_token",
            SecretKind::ZendeskOauthClientSecret => "zendesk_oauth_client_secret",
            SecretKind::IadvizeRestApiKey => "iadvize_rest_api_key",
            SecretKind::IadvizeGraphqlToken => "iadvize_graphql_token",
        }
    }

    /// How the admin knows this secret, for messages.
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::ZendeskApiToken => "Zendesk API token",
            SecretKind::ZendeskOauthClientSecret => "Zendesk OAuth client secret",
            SecretKind::IadvizeRestApiKey => "iAdvize REST API key",
            SecretKind::IadvizeGraphqlToken => "iAdvize GraphQL token",
        }
    }
}

impl FromStr for SecretKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SecretKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown secret kind {s}"))
    }
}

/// Everything about a site that is not secret: what SQLite holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SiteSettings {
    pub name: String,
    pub platform: Platform,
    pub iadvize_site_id: i64,
    /// Normalised, always `https://SUB.zendesk.com`.
    pub zendesk_domain: String,
    pub zendesk_email: String,
    pub zendesk_auth: ZendeskAuthKind,
    /// The OAuth client's identifier (not secret; its secret is in the keychain).
    pub zendesk_oauth_client_id: Option<String>,
    /// The site's country, written into the "iAdvize Country" ticket field.
    pub country: String,
    /// Conversations closed at or after this moment are auto-saved.
    #[ts(type = "string")]
    pub start_from: DateTime<Utc>,
    pub autosave_enabled: bool,
    pub autosave_form_id: Option<i64>,
    pub escalation_enabled: bool,
    pub escalation_form_id: Option<i64>,
    /// The label (placeholder) of the private-note input agents fill when escalating.
    pub escalation_note_label: String,
    /// Seconds to wait after a conversation closes before auto-saving, so an escalation can win.
    pub grace_seconds: i64,
    pub delivery_mode: DeliveryMode,
    pub poll_seconds: i64,
    /// Link to a conversation in iAdvize; placeholders {platform} {site_id} {conversation_id} {legacy_id}.
    pub conversation_url_template: String,
    pub requester_policy: RequesterPolicy,
    /// Advanced: another base URL for the Zendesk API (a proxy, or the sandbox).
    pub zendesk_api_url: Option<String>,
    /// Advanced: another base URL for the iAdvize APIs (GraphQL, REST, token check).
    pub iadvize_api_url: Option<String>,
}

pub const DEFAULT_GRACE_SECONDS: i64 = 300;
pub const DEFAULT_POLL_SECONDS: i64 = 60;
/// iAdvize documents no URL for a single conversation in its admin: this is a best guess the
/// admin can change per site.
pub const DEFAULT_CONVERSATION_URL_TEMPLATE: &str =
    "https://{platform}.iadvize.com/admin/conversation/{conversation_id}";

/// When a secret was stored: the keychain holds the value, SQLite only this fact. The time lets
/// the UI warn before an iAdvize GraphQL token (24 h lifetime) expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StoredSecret {
    pub kind: SecretKind,
    #[ts(type = "string")]
    pub stored_at: DateTime<Utc>,
}

/// A site as the faces of the app show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Site {
    pub id: SiteId,
    #[serde(flatten)]
    #[ts(flatten)]
    pub settings: SiteSettings,
    /// Which secrets are stored (never their values).
    pub secrets: Vec<StoredSecret>,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

impl Site {
    pub fn secret_stored_at(&self, kind: SecretKind) -> Option<DateTime<Utc>> {
        self.secrets
            .iter()
            .find(|s| s.kind == kind)
            .map(|s| s.stored_at)
    }

    /// The secrets this site needs with its current settings.
    pub fn required_secrets(&self) -> [SecretKind; 3] {
        [
            self.settings.zendesk_auth.secret_kind(),
            SecretKind::IadvizeRestApiKey,
            SecretKind::IadvizeGraphqlToken,
        ]
    }
}

/// A way to name a site on the command line: its local id or its exact name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteRef {
    Id(SiteId),
    Name(String),
}

impl FromStr for SiteRef {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().parse::<SiteId>() {
            Ok(id) => SiteRef::Id(id),
            Err(_) => SiteRef::Name(s.trim().to_owned()),
        })
    }
}

impl fmt::Display for SiteRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SiteRef::Id(id) => write!(f, "{id}"),
            SiteRef::Name(name) => write!(f, "\"{name}\""),
        }
    }
}
