//! Searching the records a lookup field of the rebuilt form points at, so an agent picks a
//! Zendesk user, organization or custom object record by name instead of typing an id. Zendesk
//! searches them by name for a given field (`/users/autocomplete`,
//! `/organizations/autocomplete`, `/custom_objects/{key}/records/autocomplete`, with the field's
//! own filter); ticket lookups keep an id input ([`crate::escalation::FieldInput::Lookup`]'s
//! `searchable`).

use crate::api::Api;
use crate::check::zendesk_client;
use crate::error::ApiError;
use crate::escalation::form::LookupSearch;
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
    /// The value the field takes: a number for users and organizations, text for custom
    /// object records.
    pub id: String,
    pub name: String,
    /// What tells two records of the same name apart (a user's e-mail).
    pub detail: Option<String>,
}

impl Api {
    /// Zendesk records of `target` (`zen:user`, `zen:organization` or
    /// `zen:custom_object:<key>`, the field's `relationship_target_type`) whose name starts
    /// with `query`, for the lookup field
    /// `field_id` (Zendesk applies the field's filter). Nothing is asked for a query shorter
    /// than [`MIN_QUERY_CHARS`].
    pub async fn search_lookup(&self, site: &SiteRef, field_id: i64, target: &str, query: &str) -> Result<Vec<LookupRecord>, ApiError> {
        let site = self.site(site)?;
        let Some(search) = LookupSearch::of(target) else {
            return Err(ApiError::new(
                "lookup.not_searchable",
                format!("Zendesk cannot search {target} records by name: type the record's id."),
            ));
        };
        let query = query.trim();
        if query.chars().count() < MIN_QUERY_CHARS {
            return Ok(Vec::new());
        }
        let zendesk = zendesk_client(self, &site)?;
        let mut found: Vec<LookupRecord> = match search {
            LookupSearch::CustomObject(key) => zendesk
                .autocomplete_custom_object_records(key, query, field_id, MAX_RESULTS as u32)
                .await?
                .into_iter()
                .map(|r| LookupRecord {
                    name: if r.name.trim().is_empty() { r.id.clone() } else { r.name },
                    id: r.id,
                    detail: None,
                })
                .collect(),
            LookupSearch::Users => zendesk
                .autocomplete_users(query, field_id, MAX_RESULTS as u32)
                .await?
                .into_iter()
                .filter_map(|u| {
                    let id = u.id?;
                    Some(LookupRecord {
                        id: id.to_string(),
                        name: u.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| format!("#{id}")),
                        detail: u.email,
                    })
                })
                .collect(),
            LookupSearch::Organizations => zendesk
                .autocomplete_organizations(query, field_id)
                .await?
                .into_iter()
                .map(|o| LookupRecord {
                    id: o.id.to_string(),
                    name: o.name,
                    detail: None,
                })
                .collect(),
        };
        found.truncate(MAX_RESULTS);
        Ok(found)
    }
}
