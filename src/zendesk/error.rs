//! [`ZendeskError`]: every way a Zendesk call can fail, with a stable [`code`](ZendeskError::code)
//! the UI switches on, a message that tells the admin what to do, and Zendesk's own `details`
//! kept per field.
//!
//! Error bodies are parsed defensively (facts §10): `error` may be a string or an object
//! (`{title, message}`), newer endpoints answer `{"errors": [...]}`, some answers are
//! `text/plain`. Nothing here ever holds a credential: messages name the setting to check, not
//! its value.

use crate::error::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// How the client signs in, as far as messages need to know (never the secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    ApiToken,
    OauthClient,
}

/// One problem Zendesk reports about a field (or `base`) in a 422 `details` map.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Zendesk's machine code, e.g. `BlankValue`, `InvalidValue`, `DuplicateValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_field_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_field_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_key: Option<String>,
    /// Any other key Zendesk sent, kept as is.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `details` of a 422: field name (or `base`) -> its problems, every key kept.
pub type ErrorDetails = BTreeMap<String, Vec<ErrorDetail>>;

/// The parts of a Zendesk error body this client understands, whatever its shape.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ErrorBody {
    /// `error` when it is a string (`RecordInvalid`, `RecordNotFound`, `TooManyJobs`, ...), or
    /// the `title` of an object-shaped `error`.
    pub error: Option<String>,
    /// `description`, or the `message` of an object-shaped `error`, or the first `errors[].detail`.
    pub description: Option<String>,
    pub details: ErrorDetails,
    /// `errors[].code` of newer endpoints (e.g. `InvalidPaginationDepth`).
    pub codes: Vec<String>,
    /// `current_job_ids` of a TooManyJobs answer.
    pub current_job_ids: Vec<String>,
    /// `error` was an object (`{title, message}`): Zendesk's plan/permission 403 shape.
    pub object_error: bool,
    /// A body that is not JSON (text/plain, HTML from a proxy), cut to 300 characters.
    pub text: Option<String>,
}

impl ErrorBody {
    /// Parses any error body; never fails.
    pub fn parse(bytes: &[u8]) -> ErrorBody {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => ErrorBody::from_json(&v),
            Err(_) => {
                let text = String::from_utf8_lossy(bytes).trim().to_string();
                ErrorBody {
                    text: (!text.is_empty()).then(|| cut(&text, 300)),
                    ..ErrorBody::default()
                }
            }
        }
    }

    pub fn from_json(v: &Value) -> ErrorBody {
        let mut out = ErrorBody::default();
        match v.get("error") {
            Some(Value::String(s)) => out.error = Some(s.clone()),
            Some(Value::Object(o)) => {
                out.object_error = true;
                out.error = o.get("title").and_then(Value::as_str).map(str::to_string);
                out.description = o
                    .get("message")
                    .or_else(|| o.get("description"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
            _ => {}
        }
        if let Some(d) = v
            .get("description")
            .or_else(|| v.get("error_description"))
            .and_then(Value::as_str)
        {
            out.description = Some(d.to_string());
        }
        if let Some(Value::Object(details)) = v.get("details") {
            out.details = parse_details(details);
        }
        if let Some(Value::Array(errors)) = v.get("errors") {
            for e in errors {
                if let Some(c) = e.get("code").and_then(Value::as_str) {
                    out.codes.push(c.to_string());
                }
                if out.description.is_none() {
                    out.description = e
                        .get("detail")
                        .or_else(|| e.get("title"))
                        .and_then(Value::as_str)
                        .map(str::to_string);
                }
            }
            if out.error.is_none() {
                out.error = out.codes.first().cloned();
            }
        }
        if let Some(Value::Array(ids)) = v.get("current_job_ids") {
            out.current_job_ids = ids
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
        }
        out
    }

    /// A short human summary of what Zendesk said.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(e) = &self.error {
            parts.push(e.clone());
        }
        if let Some(d) = &self.description
            && Some(d) != self.error.as_ref()
        {
            parts.push(d.clone());
        }
        if let Some(t) = &self.text {
            parts.push(t.clone());
        }
        parts.join(": ")
    }
}

/// `details` values are usually arrays of objects, sometimes strings; keep everything.
pub fn parse_details(details: &serde_json::Map<String, Value>) -> ErrorDetails {
    details
        .iter()
        .map(|(key, value)| {
            let items = match value {
                Value::Array(list) => list.iter().map(detail_item).collect(),
                other => vec![detail_item(other)],
            };
            (key.clone(), items)
        })
        .collect()
}

fn detail_item(v: &Value) -> ErrorDetail {
    match v {
        Value::Object(_) => serde_json::from_value(v.clone()).unwrap_or_else(|_| ErrorDetail {
            description: Some(v.to_string()),
            ..ErrorDetail::default()
        }),
        Value::String(s) => ErrorDetail {
            description: Some(s.clone()),
            ..ErrorDetail::default()
        },
        other => ErrorDetail {
            description: Some(other.to_string()),
            ..ErrorDetail::default()
        },
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// Why a 403 happened, as far as the body tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ForbiddenReason {
    /// The OAuth token lacks a scope (`"You are missing the following required scopes: read"`).
    MissingScope { scopes: String },
    /// The Zendesk user's role or the account's plan does not allow this.
    Permission,
}

/// Every failure of a Zendesk call.
///
/// `is_uncertain()` is true when the request may have been carried out although no answer
/// proves it (a timeout or a dropped connection after the request was sent, a 5xx on a request
/// that cannot be replayed safely). The caller must then look the record up (tickets: by
/// `external_id`) before sending it again.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ZendeskError {
    /// 401: wrong API token or e-mail, an unknown OAuth client, or a token Zendesk refused.
    #[error("{}", unauthorized_message(*.auth, .email.as_deref()))]
    Unauthorized {
        auth: AuthKind,
        /// The admin e-mail used with an API token (not secret), for the message.
        email: Option<String>,
    },
    /// 403.
    #[error("{}", forbidden_message(.reason, .what))]
    Forbidden {
        reason: ForbiddenReason,
        /// What was attempted, e.g. "import tickets".
        what: String,
        zendesk: String,
    },
    /// 404.
    #[error(
        "Zendesk has no {what}: it may have been deleted. Check the id, or pick it again in the site's settings."
    )]
    NotFound { what: String },
    /// 422 RecordInvalid (and other 422s): Zendesk's `details`, every key kept.
    #[error("{}", invalid_message(.description, .details))]
    Invalid {
        description: String,
        details: ErrorDetails,
    },
    /// 422 on a closed ticket: it is read-only; create a follow-up (`via_followup_source_id`).
    #[error(
        "Zendesk ticket {ticket_id} is closed and can no longer be updated; a follow-up ticket linked to it is the way to add to it."
    )]
    ClosedTicket {
        ticket_id: i64,
        details: ErrorDetails,
    },
    /// 400 IdempotentRequestError: the same Idempotency-Key was used with another body.
    #[error(
        "Zendesk refused the ticket: the same idempotency key was already used for a different ticket. This is a bug in the app; report it with the conversation id."
    )]
    IdempotencyMismatch,
    /// 409: `safe_update` with a stale `updated_stamp`.
    #[error("The Zendesk ticket was changed by someone else meanwhile; reload it and try again.")]
    Conflict { zendesk: String },
    /// Other 400s (e.g. offset paging past 10,000 records), and requests the client refuses
    /// to send (e.g. more than 100 tickets in a batch).
    #[error(
        "Zendesk refused the request as malformed ({zendesk}). This is likely a bug in the app; report it."
    )]
    BadRequest { zendesk: String },
    /// 429 TooManyJobs: 30 bulk jobs are queued or running.
    #[error(
        "Zendesk already has 30 background jobs queued or running for this account; the app will send more once some finish."
    )]
    TooManyJobs {
        current_job_ids: Vec<String>,
        retry_after: Option<Duration>,
    },
    /// 429 past the retry bound.
    #[error("{}", rate_limited_message(.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx past the retry bound, or a 5xx the client could not safely retry.
    #[error("{}", unavailable_message(*.status, *.uncertain))]
    Unavailable {
        status: u16,
        retry_after: Option<Duration>,
        uncertain: bool,
    },
    /// No answer within the request timeout.
    #[error("{}", timeout_message(*.uncertain))]
    Timeout { uncertain: bool },
    /// The connection failed (refused, reset, DNS, TLS).
    #[error("{}", network_message(.detail, *.uncertain))]
    Network { detail: String, uncertain: bool },
    /// A bulk job did not finish within the wait bound; poll it again later.
    #[error(
        "Zendesk has not finished background job {job_id} yet; the app will check it again later."
    )]
    JobPending { job_id: String },
    /// The site's Zendesk settings cannot make a client (e.g. OAuth selected without a client id).
    #[error("{0}")]
    Config(String),
    /// Anything else: an unexpected status, or a body that does not parse.
    #[error(
        "Zendesk answered unexpectedly (HTTP {status}: {detail}). Try again; if it persists, report it."
    )]
    Unexpected { status: u16, detail: String },
}

fn unauthorized_message(auth: AuthKind, email: Option<&str>) -> String {
    match auth {
        AuthKind::ApiToken => format!(
            "Zendesk refused the credentials. Check the admin e-mail{} and the API token in the site's settings (API tokens stop working on 2027-04-30: an OAuth client is the lasting way).",
            email.map(|e| format!(" ({e})")).unwrap_or_default()
        ),
        AuthKind::OauthClient => "Zendesk refused the OAuth client. Check the OAuth client identifier and secret in the site's settings (Admin Center > Apps and integrations > APIs > OAuth clients).".to_string(),
    }
}

fn forbidden_message(reason: &ForbiddenReason, what: &str) -> String {
    match reason {
        ForbiddenReason::MissingScope { scopes } => format!(
            "Zendesk refused to {what}: the OAuth token lacks the scope \"{scopes}\". The app asks for \"read write\"; check the OAuth client in Admin Center."
        ),
        ForbiddenReason::Permission => format!(
            "Zendesk refused to {what}: the Zendesk user in the site's settings lacks the permission (ticket imports need an admin; light agents cannot create tickets), or the plan lacks the feature. Use an admin's credentials."
        ),
    }
}

fn invalid_message(description: &str, details: &ErrorDetails) -> String {
    let mut items: Vec<String> = Vec::new();
    for (field, list) in details {
        for d in list {
            let text = d
                .description
                .clone()
                .or_else(|| d.error.clone())
                .unwrap_or_else(|| "invalid".into());
            items.push(if field == "base" {
                text
            } else {
                format!("{field}: {text}")
            });
        }
    }
    if items.is_empty() {
        format!(
            "Zendesk refused the ticket: {description}. Check the form's required fields and their values."
        )
    } else {
        format!(
            "Zendesk refused the ticket ({}). Fix the form's fields or set default values for them in the site's settings.",
            items.join("; ")
        )
    }
}

fn rate_limited_message(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(
            "Zendesk's rate limit for this account is used up; the app retries in {} s. Other integrations on the account share the same limit.",
            d.as_secs().max(1)
        ),
        None => "Zendesk's rate limit for this account is used up; the app retries later. Other integrations on the account share the same limit.".into(),
    }
}

fn unavailable_message(status: u16, uncertain: bool) -> String {
    if uncertain {
        format!(
            "Zendesk had an internal error (HTTP {status}) and may or may not have saved the ticket; the app checks before sending it again."
        )
    } else {
        format!(
            "Zendesk is unavailable (HTTP {status}); the app will retry later. See status.zendesk.com if it lasts."
        )
    }
}

fn timeout_message(uncertain: bool) -> String {
    if uncertain {
        "Zendesk did not answer in time and may or may not have saved the ticket; the app checks before sending it again.".into()
    } else {
        "Zendesk did not answer in time; the app will retry later. Check the network if it lasts."
            .into()
    }
}

fn network_message(detail: &str, uncertain: bool) -> String {
    let what = if uncertain {
        " The ticket may or may not have been saved; the app checks before sending it again."
    } else {
        ""
    };
    format!(
        "Cannot reach Zendesk ({detail}). Check the network, a proxy, and the Zendesk address in the site's settings.{what}"
    )
}

impl ZendeskError {
    /// Stable code the UI and logs switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ZendeskError::Unauthorized { .. } => "zendesk.unauthorized",
            ZendeskError::Forbidden { .. } => "zendesk.forbidden",
            ZendeskError::NotFound { .. } => "zendesk.not_found",
            ZendeskError::Invalid { .. } => "zendesk.invalid",
            ZendeskError::ClosedTicket { .. } => "zendesk.closed_ticket",
            ZendeskError::IdempotencyMismatch => "zendesk.idempotency_mismatch",
            ZendeskError::Conflict { .. } => "zendesk.conflict",
            ZendeskError::BadRequest { .. } => "zendesk.bad_request",
            ZendeskError::TooManyJobs { .. } => "zendesk.too_many_jobs",
            ZendeskError::RateLimited { .. } => "zendesk.rate_limited",
            ZendeskError::Unavailable { .. } => "zendesk.unavailable",
            ZendeskError::Timeout { .. } => "zendesk.timeout",
            ZendeskError::Network { .. } => "zendesk.network",
            ZendeskError::JobPending { .. } => "zendesk.job_pending",
            ZendeskError::Config(_) => "zendesk.config",
            ZendeskError::Unexpected { .. } => "zendesk.unexpected",
        }
    }

    /// The request may have been carried out although no answer proves it: look the record
    /// up (tickets: by `external_id`) before sending it again.
    pub fn is_uncertain(&self) -> bool {
        match self {
            ZendeskError::Unavailable { uncertain, .. }
            | ZendeskError::Timeout { uncertain }
            | ZendeskError::Network { uncertain, .. } => *uncertain,
            _ => false,
        }
    }

    /// Trying again later may succeed (after a look-up first when [`is_uncertain`](Self::is_uncertain)).
    /// False for permanent errors: credentials, permissions, invalid tickets, closed tickets.
    pub fn is_retriable(&self) -> bool {
        matches!(
            self,
            ZendeskError::TooManyJobs { .. }
                | ZendeskError::RateLimited { .. }
                | ZendeskError::Unavailable { .. }
                | ZendeskError::Timeout { .. }
                | ZendeskError::Network { .. }
                | ZendeskError::JobPending { .. }
                | ZendeskError::Conflict { .. }
        )
    }

    /// How long Zendesk asked to wait, when it said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ZendeskError::TooManyJobs { retry_after, .. }
            | ZendeskError::RateLimited { retry_after }
            | ZendeskError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Zendesk's per-field `details`, for 422s.
    pub fn details(&self) -> Option<&ErrorDetails> {
        match self {
            ZendeskError::Invalid { details, .. } | ZendeskError::ClosedTicket { details, .. } => {
                Some(details)
            }
            _ => None,
        }
    }
}

/// A detail as one [`FieldError`]: the field is the `details` key (`base` for the ticket as a
/// whole), or `custom_field_<id>` when Zendesk names a ticket field.
fn field_error(key: &str, d: &ErrorDetail) -> FieldError {
    let field = match d.ticket_field_id {
        Some(id) => format!("custom_field_{id}"),
        None => key.to_string(),
    };
    let code = d.error.clone().unwrap_or_else(|| "invalid".into());
    let message = d
        .description
        .clone()
        .unwrap_or_else(|| format!("{key}: {code}"));
    FieldError::new(&field, &code, message)
}

impl From<ZendeskError> for ApiError {
    fn from(e: ZendeskError) -> ApiError {
        let mut api = ApiError::new(e.code(), e.to_string());
        if let Some(details) = e.details() {
            api.fields = details
                .iter()
                .flat_map(|(k, list)| list.iter().map(move |d| field_error(k, d)))
                .collect();
        }
        api
    }
}

impl fmt::Display for AuthKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthKind::ApiToken => "api_token",
            AuthKind::OauthClient => "oauth_client",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_every_error_shape() {
        let b = ErrorBody::parse(br#"{"error":"RecordNotFound","description":"Not found"}"#);
        assert_eq!(b.error.as_deref(), Some("RecordNotFound"));
        assert_eq!(b.description.as_deref(), Some("Not found"));

        let b = ErrorBody::parse(
            br#"{"error":{"title":"Forbidden","message":"You do not have access to this page."}}"#,
        );
        assert!(b.object_error);
        assert_eq!(b.error.as_deref(), Some("Forbidden"));
        assert_eq!(
            b.description.as_deref(),
            Some("You do not have access to this page.")
        );

        let b = ErrorBody::parse(
            br#"{"errors":[{"code":"InvalidPaginationDepth","title":"Invalid pagination depth","detail":"limited"}]}"#,
        );
        assert_eq!(b.codes, vec!["InvalidPaginationDepth"]);
        assert_eq!(b.error.as_deref(), Some("InvalidPaginationDepth"));
        assert_eq!(b.description.as_deref(), Some("limited"));

        let b = ErrorBody::parse(b"Couldn't authenticate you\n");
        assert_eq!(b.text.as_deref(), Some("Couldn't authenticate you"));
        assert!(b.summary().contains("authenticate"));

        let b = ErrorBody::parse(b"");
        assert_eq!(b, ErrorBody::default());

        let b = ErrorBody::parse(
            br#"{"error":"TooManyJobs","description":"Too many","current_job_ids":["a","b"]}"#,
        );
        assert_eq!(b.current_job_ids, vec!["a", "b"]);
    }

    #[test]
    fn keeps_every_details_key_and_unknown_attributes() {
        let b = ErrorBody::from_json(&json!({
            "error": "RecordInvalid", "description": "Record validation errors",
            "details": {
                "base": [{"description": "Escalation level: Required field is blank", "error": "BlankValue",
                          "ticket_field_id": 360000114, "ticket_field_type": "FieldTagger", "extra_key": 1}],
                "status": [{"description": "Status: closed prevents ticket update"}],
                "weird": "a bare string",
            }
        }));
        assert_eq!(b.details.len(), 3);
        assert_eq!(b.details["base"][0].ticket_field_id, Some(360000114));
        assert_eq!(b.details["base"][0].extra["extra_key"], json!(1));
        assert_eq!(
            b.details["weird"][0].description.as_deref(),
            Some("a bare string")
        );
    }

    #[test]
    fn api_error_carries_code_message_and_fields() {
        let details = ErrorBody::from_json(&json!({"details": {
            "base": [{"description": "Escalation level: Required field is blank", "error": "BlankValue", "ticket_field_id": 7}],
            "assignee": [{"description": "Assignee: is required", "error": "BlankValue"}],
        }}))
        .details;
        let e = ZendeskError::Invalid {
            description: "Record validation errors".into(),
            details,
        };
        assert_eq!(e.code(), "zendesk.invalid");
        assert!(!e.is_retriable());
        assert!(!e.is_uncertain());
        let api: ApiError = e.into();
        assert_eq!(api.code, "zendesk.invalid");
        assert!(api.message.contains("Escalation level"), "{}", api.message);
        assert!(api.message.contains("assignee: Assignee: is required"));
        let fields: Vec<_> = api.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["assignee", "custom_field_7"]);
        assert_eq!(api.fields[1].code, "BlankValue");
    }

    #[test]
    fn messages_say_what_to_do_and_flags_are_right() {
        let e = ZendeskError::Unauthorized {
            auth: AuthKind::ApiToken,
            email: Some("admin@acme.example".into()),
        };
        assert!(e.to_string().contains("admin e-mail (admin@acme.example)"));
        assert!(e.to_string().contains("API token in the site's settings"));
        let e = ZendeskError::Unauthorized {
            auth: AuthKind::OauthClient,
            email: None,
        };
        assert!(e.to_string().contains("OAuth client identifier and secret"));
        assert!(ZendeskError::Timeout { uncertain: true }.is_uncertain());
        assert!(ZendeskError::Timeout { uncertain: true }.is_retriable());
        assert!(!ZendeskError::Timeout { uncertain: false }.is_uncertain());
        assert!(!ZendeskError::IdempotencyMismatch.is_retriable());
        assert_eq!(
            ZendeskError::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            }
            .retry_after(),
            Some(Duration::from_secs(7))
        );
    }
}
