//! Searching the records a lookup field of the rebuilt form points at, so an agent picks a
//! Zendesk user by name instead of typing an id. Users are the target Zendesk can search by
//! name for a field (`/users/autocomplete` with the field's own filter); other lookups keep an
//! id input ([`crate::escalation::FieldInput::Lookup`]'s `searchable`).

use crate::api::Api;
use crate::check::zendesk_client;
use crate::error::ApiError;
use crate::site::SiteRef;
use crate::zendesk::User;
use serde::Serialize;
use ts_rs::TS;

/// Fewer characters match too many records to be useful (and cost a request per keystroke).
pub const MIN_QUERY_CHARS: usize = 2;
/// What one search shows at most.
pub const MAX_RESULTS: u32 = 20;

/// A record a lookup field can take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LookupRecord {
    /// The value the field takes.
    pub id: i64,
    pub name: String,
    /// What tells two records of the same name apart (a user's e-mail).
    pub detail: Option<String>,
}

impl LookupRecord {
    fn from_user(user: User) -> Option<LookupRecord> {
        let id = user.id?;
        Some(LookupRecord {
            id,
            name: user.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| format!("#{id}")),
            detail: user.email,
        })
    }
}

impl Api {
    /// Zendesk users whose name starts with `query`, for the user lookup field `field_id` of a
    /// site's forms (Zendesk applies the field's filter). Nothing is asked for a query shorter
    /// than [`MIN_QUERY_CHARS`].
    pub async fn search_lookup(&self, site: &SiteRef, field_id: i64, query: &str) -> Result<Vec<LookupRecord>, ApiError> {
        let site = self.site(site)?;
        let query = query.trim();
        if query.chars().count() < MIN_QUERY_CHARS {
            return Ok(Vec::new());
        }
        let users = zendesk_client(self, &site)?
            .autocomplete_users(query, field_id, MAX_RESULTS)
            .await?;
        Ok(users.into_iter().filter_map(LookupRecord::from_user).collect())
    }
}
