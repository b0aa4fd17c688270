//! Searching the records a lookup field of the rebuilt form points at, so an agent picks a
//! Zendesk user or organization by name instead of typing an id. Zendesk searches both by the
//! start of the name for a given field (`/users/autocomplete`, `/organizations/autocomplete`,
//! with the field's own filter); other lookups (tickets, custom objects) keep an id input
//! ([`crate::escalation::FieldInput::Lookup`]'s `searchable`).

use crate::api::Api;
use crate::check::zendesk_client;
use crate::error::ApiError;
use crate::escalation::form::{ORGANIZATION_TARGET, USER_TARGET};
use crate::site::SiteRef;
use serde::Serialize;
use ts_rs::TS;

/// Fewer characters match too many records to be useful (and cost a request per keystroke).
pub const MIN_QUERY_CHARS: usize = 2;
/// What one search shows at most.
pub const MAX_RESULTS: usize = 20;

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

impl Api {
    /// Zendesk records of `target` (`zen:user` or `zen:organization`, the field's
    /// `relationship_target_type`) whose name starts with `query`, for the lookup field
    /// `field_id` (Zendesk applies the field's filter). Nothing is asked for a query shorter
    /// than [`MIN_QUERY_CHARS`].
    pub async fn search_lookup(&self, site: &SiteRef, field_id: i64, target: &str, query: &str) -> Result<Vec<LookupRecord>, ApiError> {
        let site = self.site(site)?;
        if target != USER_TARGET && target != ORGANIZATION_TARGET {
            return Err(ApiError::new(
                "lookup.not_searchable",
                format!("Zendesk cannot search {target} records by name: type the record's id."),
            ));
        }
        let query = query.trim();
        if query.chars().count() < MIN_QUERY_CHARS {
            return Ok(Vec::new());
        }
        let zendesk = zendesk_client(self, &site)?;
        let mut found: Vec<LookupRecord> = if target == USER_TARGET {
            zendesk
                .autocomplete_users(query, field_id, MAX_RESULTS as u32)
                .await?
                .into_iter()
                .filter_map(|u| {
                    let id = u.id?;
                    Some(LookupRecord {
                        id,
                        name: u.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| format!("#{id}")),
                        detail: u.email,
                    })
                })
                .collect()
        } else {
            zendesk
                .autocomplete_organizations(query, field_id)
                .await?
                .into_iter()
                .map(|o| LookupRecord {
                    id: o.id,
                    name: o.name,
                    detail: None,
                })
                .collect()
        };
        found.truncate(MAX_RESULTS);
        Ok(found)
    }
}
