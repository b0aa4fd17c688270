//! Request counters: every HTTP request the client sends (retries included), per endpoint
//! kind, for benchmarks ("Zendesk requests per ticket") and the UI.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// The endpoints the client calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    OauthToken,
    UsersMe,
    UsersSearch,
    UsersShowMany,
    UsersAutocomplete,
    OrganizationsAutocomplete,
    CustomObjectRecordsAutocomplete,
    UsersCreateOrUpdate,
    UsersCreateMany,
    TicketCreate,
    TicketShow,
    TicketUpdate,
    TicketsByExternalId,
    TicketComments,
    TicketImport,
    TicketImportMany,
    TicketsCreateMany,
    JobStatus,
    JobStatusesShowMany,
    TicketForms,
    TicketForm,
    TicketFields,
    TriggersActive,
}

impl EndpointKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointKind::OauthToken => "oauth_token",
            EndpointKind::UsersMe => "users_me",
            EndpointKind::UsersSearch => "users_search",
            EndpointKind::UsersShowMany => "users_show_many",
            EndpointKind::UsersAutocomplete => "users_autocomplete",
            EndpointKind::OrganizationsAutocomplete => "organizations_autocomplete",
            EndpointKind::CustomObjectRecordsAutocomplete => "custom_object_records_autocomplete",
            EndpointKind::UsersCreateOrUpdate => "users_create_or_update",
            EndpointKind::UsersCreateMany => "users_create_many",
            EndpointKind::TicketCreate => "ticket_create",
            EndpointKind::TicketShow => "ticket_show",
            EndpointKind::TicketUpdate => "ticket_update",
            EndpointKind::TicketsByExternalId => "tickets_by_external_id",
            EndpointKind::TicketComments => "ticket_comments",
            EndpointKind::TicketImport => "ticket_import",
            EndpointKind::TicketImportMany => "ticket_import_many",
            EndpointKind::TicketsCreateMany => "tickets_create_many",
            EndpointKind::JobStatus => "job_status",
            EndpointKind::JobStatusesShowMany => "job_statuses_show_many",
            EndpointKind::TicketForms => "ticket_forms",
            EndpointKind::TicketForm => "ticket_form",
            EndpointKind::TicketFields => "ticket_fields",
            EndpointKind::TriggersActive => "triggers_active",
        }
    }
}

impl std::fmt::Display for EndpointKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A snapshot of the counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RequestCounts {
    /// HTTP requests sent, retries included.
    pub total: u64,
    /// Requests sent per endpoint kind (`ticket_import`, `users_search`, ...).
    pub by_kind: BTreeMap<String, u64>,
    /// Requests that were retries of a failed attempt (OAuth renewals included).
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Time spent waiting for the rate limiter or a `Retry-After`, in milliseconds.
    pub throttled_ms: u64,
}

impl RequestCounts {
    pub fn kind(&self, kind: EndpointKind) -> u64 {
        self.by_kind.get(kind.as_str()).copied().unwrap_or(0)
    }
}

#[derive(Default)]
pub(crate) struct Counters(Mutex<RequestCounts>);

impl Counters {
    pub fn sent(&self, kind: EndpointKind, retry: bool) {
        let mut c = self.0.lock().unwrap();
        c.total += 1;
        *c.by_kind.entry(kind.as_str().to_string()).or_default() += 1;
        if retry {
            c.retries += 1;
        }
    }

    pub fn rate_limited(&self) {
        self.0.lock().unwrap().rate_limited += 1;
    }

    pub fn throttled(&self, d: Duration) {
        if !d.is_zero() {
            self.0.lock().unwrap().throttled_ms += d.as_millis() as u64;
        }
    }

    pub fn snapshot(&self) -> RequestCounts {
        self.0.lock().unwrap().clone()
    }

    pub fn reset(&self) {
        *self.0.lock().unwrap() = RequestCounts::default();
    }
}
