//! What a conversation would become, for people: the desktop preview and `preview SITE
//! CONVERSATION_ID` show this before anything is sent.

use super::fields::{FieldSource, PlanWarning};
use super::{RequesterChoice, TicketKind, TicketPlan};
use crate::site::DeliveryMode;
use chrono::SecondsFormat;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "TicketCommentRole")]
pub enum CommentRole {
    /// A part of the transcript (public).
    Transcript,
    /// The private note.
    Note,
}

/// One comment as it will be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "TicketCommentPreview")]
pub struct CommentPreview {
    pub role: CommentRole,
    /// Sent as `public` (always): true for the transcript, false for the note.
    pub public: bool,
    /// "part `part` of `parts`" of its role.
    pub part: usize,
    pub parts: usize,
    /// Plain text of the comment.
    pub text: String,
    /// The `html_body` sent (every text in it escaped).
    pub html: String,
    /// Exact size of `html` in bytes (Zendesk cuts silently above 65,536).
    pub bytes: usize,
    /// Import mode: the comment's `created_at` (RFC 3339); create mode: None (Zendesk's now).
    pub created_at: Option<String>,
    /// Create mode: which request carries it (0 = the create, then each update).
    pub request: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, rename = "TicketFieldPreview")]
pub struct FieldPreview {
    pub id: i64,
    pub title: String,
    /// The value in words (text as is, true/false, a list joined by ", ").
    pub value_text: String,
    /// The value sent.
    #[ts(type = "unknown")]
    pub value: Value,
    pub source: FieldSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "TicketWarningPreview")]
pub struct WarningPreview {
    pub warning: PlanWarning,
    pub message: String,
}

/// The ticket a conversation would become.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TicketPreview {
    pub kind: TicketKind,
    pub delivery_mode: DeliveryMode,
    pub external_id: String,
    pub subject: String,
    /// `solved`, or None when Zendesk decides.
    pub status: Option<String>,
    pub form_id: Option<i64>,
    pub form_name: Option<String>,
    pub requester: RequesterChoice,
    pub requester_description: String,
    pub assignee_id: Option<i64>,
    pub comments: Vec<CommentPreview>,
    pub tags: Vec<String>,
    pub fields: Vec<FieldPreview>,
    pub warnings: Vec<WarningPreview>,
    /// IANA name of the time zone the transcript's times are in.
    pub time_zone: String,
    /// RFC 3339: the imported ticket's `created_at` and `solved_at`.
    pub created_at: String,
    pub closed_at: String,
    /// Zendesk requests needed (import: 1, plus a user creation for a new end-user; create: the
    /// create and each update).
    pub requests: usize,
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl TicketPlan {
    /// The plan for people, as `mode` would send it.
    pub fn preview(&self, mode: DeliveryMode) -> TicketPreview {
        let rfc = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let comments: Vec<CommentPreview> = self
            .comments()
            .into_iter()
            .enumerate()
            .map(|(i, c)| CommentPreview {
                role: c.role,
                public: c.public,
                part: c.number,
                parts: c.total,
                bytes: c.html.len(),
                text: c.text,
                html: c.html,
                created_at: (mode == DeliveryMode::Import).then(|| rfc(c.at)),
                request: match mode {
                    DeliveryMode::Import => 0,
                    DeliveryMode::Create => i,
                },
            })
            .collect();
        let requests = match mode {
            DeliveryMode::Import => 1 + usize::from(self.requester.user_to_create().is_some()),
            DeliveryMode::Create => comments.len().max(1),
        };
        TicketPreview {
            kind: self.kind,
            delivery_mode: mode,
            external_id: self.external_id.clone(),
            subject: self.subject.clone(),
            status: self.status.map(|s| {
                serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            }),
            form_id: self.form_id,
            form_name: self.form_name.clone(),
            requester: self.requester.clone(),
            requester_description: self.requester.describe(),
            assignee_id: self.assignee_id,
            comments,
            tags: self.tags.clone(),
            fields: self
                .fields
                .iter()
                .map(|f| FieldPreview {
                    id: f.id,
                    title: f.title.clone(),
                    value_text: value_text(&f.value),
                    value: f.value.clone(),
                    source: f.source,
                })
                .collect(),
            warnings: self
                .warnings
                .iter()
                .map(|w| WarningPreview {
                    warning: w.clone(),
                    message: w.message(),
                })
                .collect(),
            time_zone: self.time_zone().name().to_owned(),
            created_at: rfc(self.created_at),
            closed_at: rfc(self.closed_at),
            requests,
        }
    }
}
