//! A finished iAdvize conversation + the site's settings + Zendesk form metadata -> the exact
//! ticket to send (issue 5, "Mapping"). Pure: no I/O, no clock; the time zone, the requester
//! look-up and the form come in as parameters.
//!
//! ```no_run
//! # fn demo(conversation: &iadvize_zendesk::iadvize::Conversation,
//! #         site: &iadvize_zendesk::site::SiteSettings,
//! #         form: &iadvize_zendesk::zendesk::TicketForm,
//! #         fields: &[iadvize_zendesk::zendesk::TicketField]) -> Result<(), iadvize_zendesk::ticket::TicketError> {
//! use iadvize_zendesk::ticket::*;
//! // The engine looked the visitor's e-mail up in Zendesk: no user has it.
//! let requester = requester_for(&conversation.visitor, site.requester_policy, None, 900);
//! let options = MappingOptions { time_zone: chrono_tz::Europe::Paris, ..MappingOptions::default() };
//! let mut plan = plan_ticket(conversation, site, FormContext::new(Some(form), fields), requester, &options);
//! // Import mode: a new end-user must exist first (the import schema has no requester object).
//! if let Some(user) = plan.requester.user_to_create() {
//!     let created_id = 123; // client.create_or_update_user(&user) in the engine
//!     # let _ = user;
//!     plan = plan.with_created_requester(created_id);
//! }
//! let import = plan.to_import()?;             // POST /api/v2/imports/tickets
//! let create = plan.to_create();              // or POST /api/v2/tickets, then each update
//! let preview = plan.preview(site.delivery_mode); // what the UI shows
//! # let _ = (import, create, preview); Ok(()) }
//! ```
//!
//! # Decisions
//! - **`external_id`** = `iadvize:<platform>:<iAdvize site id>:<conversation UUID>` (lowercase,
//!   hyphenated), e.g. `iadvize:ha:3101:5b0c…`: made only of what never changes for a
//!   conversation (not the site's local id, name or settings), so the engine's dedupe by
//!   `external_id` holds across restarts, renames and re-installs. See [`external_id`].
//! - **Subject**: "<Chat|Call|Video call|WhatsApp conversation…> with <visitor name or
//!   Visitor> – <start day in the site's time zone>", e.g. "Chat with Marie Dupont – 26 Nov 2026".
//! - **Tags**: `iadvize`, `iadvize_<channel>` (e.g. `iadvize_chat`), and `iadvize_autosave` or
//!   `iadvize_escalation`.
//! - **Comments**: the transcript as public comments (`public: true` always sent: it is sticky),
//!   `html_body` only, split under [`COMMENT_BUDGET_BYTES`] (60,000 bytes, 5,536 under Zendesk's
//!   silent 64 kB cut, plus [`LINK_ALLOWANCE_BYTES`] per link) at message boundaries, then the
//!   private note (`public: false`).
//! - **Authors**: every comment comes from the API user (set explicitly when
//!   [`MappingOptions::comment_author_id`] is given). A comment holds many messages of the
//!   visitor and of agents, so no per-message author fits; making the visitor (requester) the
//!   author would show agents' words as the customer's, and in create mode an end-user's public
//!   comment reopens a solved ticket and notifies agents.
//! - **Import mode**: `created_at` = the conversation's start, `solved_at` and `updated_at` = its
//!   close, the first part at the start, each later part at its first message's time, the note
//!   at the close; status `solved` (triggers do not run on imported tickets that are not closed).
//! - **Create mode**: the ticket is created `solved` with part 1 (so "notify requester of
//!   received request" triggers, which skip solved tickets, do not fire), then one update per
//!   further part and the note, in order. Each extra public part is an update that comment
//!   triggers may act on: the pre-flight check warns about create mode.

pub mod fields;
pub mod html;
pub mod note;
pub mod preview;
pub mod render;
pub mod requester;
pub mod split;
pub mod transcript;

pub use fields::{FieldDefault, FieldSource, FormContext, PlanWarning, PlannedField, plan_fields};
pub use note::{NoteLine, NotePart, NoteValue, PrivateNote, build_note, conversation_url};
pub use preview::{CommentPreview, CommentRole, FieldPreview, TicketPreview, WarningPreview};
pub use render::CreateSteps;
pub use requester::{AdminReason, RequesterChoice, requester_for};
pub use split::{COMMENT_BUDGET_BYTES, LINK_ALLOWANCE_BYTES, ZENDESK_COMMENT_LIMIT_BYTES};
pub use transcript::{Transcript, TranscriptPart};

use crate::error::ApiError;
use crate::iadvize::Conversation;
use crate::site::{Platform, SiteSettings};
use crate::zendesk::TicketStatus;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

/// Why a ticket is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "TicketKind")]
pub enum TicketKind {
    /// Every finished conversation, saved as a solved ticket.
    AutoSave,
    /// An agent asked for a follow-up in Zendesk (issue 6): not solved.
    Escalation,
}

impl TicketKind {
    /// The tag telling the two apart.
    pub fn tag(self) -> &'static str {
        match self {
            TicketKind::AutoSave => "iadvize_autosave",
            TicketKind::Escalation => "iadvize_escalation",
        }
    }
}

/// Everything the mapping takes besides the conversation, the site and the form.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingOptions {
    pub kind: TicketKind,
    /// The site's time zone for the transcript's times, the subject's day and the note.
    pub time_zone: Tz,
    /// The admin's values for required fields (per site).
    pub field_defaults: Vec<FieldDefault>,
    /// Who the solved ticket is assigned to (Zendesk requires an assignee to solve; the engine
    /// passes the API user's id). None: not sent.
    pub assignee_id: Option<i64>,
    /// Sent as every comment's `author_id` (the API user's id); None: not sent, Zendesk uses
    /// the API user.
    pub comment_author_id: Option<i64>,
}

impl Default for MappingOptions {
    fn default() -> Self {
        MappingOptions {
            kind: TicketKind::AutoSave,
            time_zone: Tz::UTC,
            field_defaults: Vec::new(),
            assignee_id: None,
            comment_author_id: None,
        }
    }
}

/// The mapping's error, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// An import needs the requester's user id; the new end-user was not created first.
    #[error(
        "the requester {email} is a new end-user: create the user first (users/create_or_update), then import the ticket with its id"
    )]
    RequesterNotCreated { email: String },
}

impl TicketError {
    pub fn code(&self) -> &'static str {
        match self {
            TicketError::RequesterNotCreated { .. } => "ticket.requester_not_created",
        }
    }
}

impl From<TicketError> for ApiError {
    fn from(e: TicketError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

/// The ticket's dedupe key: `iadvize:<platform>:<site id>:<conversation UUID>`. It must never
/// change for a conversation: the engine finds an already sent ticket by it.
pub fn external_id(platform: Platform, site_id: i64, conversation_id: &Uuid) -> String {
    format!(
        "iadvize:{}:{}:{}",
        platform.as_str(),
        site_id,
        conversation_id.hyphenated()
    )
}

/// A Zendesk tag from any text: lowercase ASCII letters and digits, `_` between words.
pub fn tag_safe(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_owned();
    if out.is_empty() {
        "unknown".to_owned()
    } else {
        out
    }
}

/// `iadvize`, `iadvize_<channel>`, and the kind's tag.
pub fn tags_for(conversation: &Conversation, kind: TicketKind) -> Vec<String> {
    vec![
        "iadvize".to_owned(),
        format!("iadvize_{}", tag_safe(&conversation.channel)),
        kind.tag().to_owned(),
    ]
}

/// "Chat with Marie Dupont – 26 Nov 2026": the channel, the visitor ("Visitor" without a
/// name) and the day the conversation started, in `tz`.
pub fn subject_for(conversation: &Conversation, tz: Tz) -> String {
    format!(
        "{} with {} – {}",
        transcript::conversation_noun(&conversation.channel),
        transcript::visitor_label(&conversation.visitor),
        transcript::format_date(conversation.created_at, tz)
    )
}

/// The ticket to send, independent of the delivery mode.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketPlan {
    pub kind: TicketKind,
    pub external_id: String,
    pub subject: String,
    /// `solved` for auto-save; None (Zendesk decides) for an escalation.
    pub status: Option<TicketStatus>,
    pub form_id: Option<i64>,
    pub form_name: Option<String>,
    pub requester: RequesterChoice,
    pub assignee_id: Option<i64>,
    pub comment_author_id: Option<i64>,
    pub transcript: Transcript,
    pub note: PrivateNote,
    pub tags: Vec<String>,
    pub fields: Vec<PlannedField>,
    /// The conversation's start (the imported ticket's `created_at`).
    pub created_at: DateTime<Utc>,
    /// Its close (the imported ticket's `solved_at` and `updated_at`); without `closedAt`, the
    /// last message's time, else the start.
    pub closed_at: DateTime<Utc>,
    pub warnings: Vec<PlanWarning>,
}

/// Plans the ticket of `conversation`.
pub fn plan_ticket(
    conversation: &Conversation,
    site: &SiteSettings,
    form: FormContext<'_>,
    requester: RequesterChoice,
    options: &MappingOptions,
) -> TicketPlan {
    let tz = options.time_zone;
    let (fields, mut warnings) = plan_fields(conversation, site, form, &options.field_defaults);
    let (note, problem) = build_note(conversation, site, tz, requester.note_sentence());
    if let Some(p) = problem {
        let reason = match p {
            note::UrlTemplateProblem::NoLegacyId => {
                "the URL template needs {legacy_id} and this conversation has none".to_owned()
            }
            note::UrlTemplateProblem::NotHttp(url) => {
                format!("the URL template gives {url}, which is not an http(s) link")
            }
        };
        warnings.push(PlanWarning::NoConversationLink { reason });
    }
    let closed_at = conversation
        .closed_at
        .or_else(|| conversation.messages.iter().map(|m| m.created_at).max())
        .unwrap_or(conversation.created_at)
        .max(conversation.created_at);
    TicketPlan {
        kind: options.kind,
        external_id: external_id(site.platform, site.iadvize_site_id, &conversation.id),
        subject: subject_for(conversation, tz),
        status: match options.kind {
            TicketKind::AutoSave => Some(TicketStatus::Solved),
            TicketKind::Escalation => None,
        },
        form_id: form.form.map(|f| f.id),
        form_name: form.form.map(|f| {
            f.display_name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| f.name.clone())
        }),
        requester,
        assignee_id: options.assignee_id,
        comment_author_id: options.comment_author_id,
        transcript: Transcript::for_zendesk(conversation, tz),
        note,
        tags: tags_for(conversation, options.kind),
        fields,
        created_at: conversation.created_at,
        closed_at,
        warnings,
    }
}

impl TicketPlan {
    /// The plan once the engine created the new end-user (import mode).
    pub fn with_created_requester(mut self, user_id: i64) -> TicketPlan {
        self.requester = self.requester.resolved(user_id);
        self
    }

    /// Sets (or replaces) a field value after planning (escalation answers).
    pub fn set_field(&mut self, field: PlannedField) {
        match self.fields.iter_mut().find(|f| f.id == field.id) {
            Some(f) => *f = field,
            None => self.fields.push(field),
        }
    }

    pub fn time_zone(&self) -> Tz {
        self.transcript.time_zone
    }
}

#[cfg(test)]
mod tests;
