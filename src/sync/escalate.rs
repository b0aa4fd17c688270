//! Escalation delivery (issue 6): a conversation an agent escalated (closing form) or an admin
//! escalated from the desktop becomes a Zendesk ticket in the escalation form, not solved, with
//! the field answers, the transcript, the iAdvize reporting fields and a private note (the
//! admin's label with the agent's note, the conversation's link and id) — and only one ticket
//! per conversation, whatever the order of events.
//!
//! # The paths (recorded in the ledger)
//! - **`escalation_create`**: no ticket exists for the conversation (the escalation is known
//!   before auto-save sends, or auto-save is off). `POST /api/v2/tickets` with
//!   `Idempotency-Key: escalation:<external_id>` and the conversation's `external_id` (the same
//!   as auto-save's: [`crate::ticket::external_id`]), transcript part 1 in the create, further
//!   parts and the note as updates.
//! - **`escalation_update`**: the auto-save ticket exists. One `PUT /api/v2/tickets/{id}` sets
//!   the escalation form, the fields, status `open` (reopened), the tag `iadvize_escalation`,
//!   and adds the private note. Nothing else is created.
//! - **`escalation_followup`**: that update answered 422 because Zendesk had closed the ticket
//!   (solved tickets close by themselves after a few days). A follow-up ticket is created,
//!   linked to it (`via_followup_source_id`), with `external_id` =
//!   `<external_id>:followup` ([`followup_external_id`]) and `Idempotency-Key:
//!   escalation-followup:<external_id>`. The distinct `external_id` keeps the conversation's own
//!   id pointing at its original ticket (what auto-save's look-ups find) while the follow-up
//!   stays findable again by its own exact id. The attempt log says why it was made.
//!
//! # Uncertain outcomes
//! Adding a comment is not idempotent, so every private note carries a stable marker line,
//! `Escalation reference: escalation:<external_id>` ([`marker`]). Before a redo, the engine
//! reads the ticket's comments: a comment holding the marker means the earlier attempt's note
//! (and, for an update, everything sent with it in the same request) is there.
//! - Before any create (fresh or redo), the ticket is looked up by `external_id` (the follow-up
//!   by its own): a ticket of an earlier attempt is completed, never doubled. This holds past the
//!   two hours Zendesk keeps idempotency keys.
//! - Completing an escalation ticket: with the marker there, nothing is sent; else the comments
//!   already there (after the first) are taken as the transcript parts already sent, and the
//!   rest follow. (An agent commenting in the minute between two attempts would make a part be
//!   skipped; the note is never skipped.)
//!
//! # Answers
//! The desktop's request (`escalation_requests`) wins over the closing form's answers. They are
//! validated against the rebuilt escalation form for the status the ticket will have (`new`
//! when created without an assignee, `open` when reopened); problems (field and reason) go to
//! the attempt log and into the note, and the ticket is sent with the valid answers. If Zendesk
//! still refuses named fields (422 with `ticket_field_id`s), the ticket is sent once more
//! without them, and the log says so.

use crate::api::Api;
use crate::check::{iadvize_client, zendesk_client};
use crate::error::{ApiError, FieldError};
use crate::escalation::{
    AnswerError, AnswerValue, Answers, ClosingFormInput, DefaultSource,
    EscalationRequest, Nesting, RebuiltForm, ValidatedAnswers,
};
use crate::iadvize::{Conversation, IadvizeError};
use crate::site::{SiteId, SiteRef, SiteSettings};
use crate::store::ledger::{self as store, AttemptNote, Due};
use crate::sync::deliver::{Delivered, LEASE, SiteContext, field_defaults, retry_at};
use crate::sync::ledger::{Entry, Event, Failure, Path, State};
use crate::ticket::{
    CreateSteps, FieldDefault, FieldSource, NoteLine, PlannedField, TicketKind, TicketPlan,
};
use crate::zendesk::{
    Comment, ErrorDetails, NewComment, PlanFeature, TicketField, TicketForm, TicketStatus,
    TicketUpdate, ZendeskClient, ZendeskError,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// The note's title on escalation tickets.
pub const NOTE_TITLE: &str = "iAdvize escalation";
/// The label of the marker line in the note.
pub const MARKER_LABEL: &str = "Escalation reference";
/// How long to wait before looking again while a bulk job may still write the ticket.
const JOB_RECHECK: chrono::Duration = chrono::Duration::seconds(30);
/// Longest note accepted from the desktop (the closing form holds 1,024 characters).
pub const MAX_NOTE_CHARS: usize = 5_000;

/// The stable text every escalation note carries: `escalation:<external_id>`.
pub fn marker(external_id: &str) -> String {
    format!("escalation:{external_id}")
}

/// `Idempotency-Key` of the escalation ticket's create.
pub fn create_key(external_id: &str) -> String {
    format!("escalation:{external_id}")
}

/// `external_id` of a follow-up ticket: `<external_id>:followup`.
pub fn followup_external_id(external_id: &str) -> String {
    format!("{external_id}:followup")
}

/// `Idempotency-Key` of the follow-up's create.
pub fn followup_key(external_id: &str) -> String {
    format!("escalation-followup:{external_id}")
}

/// Does this comment carry the marker (in any of its bodies)?
pub fn comment_has_marker(comment: &Comment, marker: &str) -> bool {
    [&comment.body, &comment.html_body, &comment.plain_body]
        .into_iter()
        .flatten()
        .any(|b| b.contains(marker))
}

/// Field ids Zendesk names in a 422's `details`.
pub fn fields_named(details: &ErrorDetails) -> Vec<i64> {
    let mut ids: Vec<i64> = details
        .values()
        .flatten()
        .filter_map(|d| d.ticket_field_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

// ------------------------------------------------------------------ the escalation form

/// The escalation form as delivery uses it.
#[derive(Debug, Clone)]
pub struct EscalationSetup {
    /// Sent as `ticket_form_id`; None on a plan without ticket forms (every active custom field
    /// then applies) or when the account has no usable form.
    pub form: Option<TicketForm>,
    /// The plan has ticket forms.
    pub forms_on_plan: bool,
    /// The rebuilt form, with the admin's note label and the admin's defaults.
    pub rebuilt: RebuiltForm,
    /// Admin defaults that do not fit their field on this form (not used).
    pub default_errors: Vec<AnswerError>,
}

/// A form holding every active custom field (plans without ticket forms).
fn all_fields_form(fields: &[TicketField]) -> TicketForm {
    TicketForm {
        id: 0,
        name: "All active ticket fields".into(),
        active: true,
        ticket_field_ids: fields
            .iter()
            .filter(|f| f.active && f.is_custom())
            .map(|f| f.id)
            .collect(),
        ..TicketForm::default()
    }
}

/// The stored defaults as answers (values stored as Zendesk takes them read back as answers).
pub fn defaults_as_answers(defaults: &[FieldDefault]) -> Answers {
    defaults
        .iter()
        .filter_map(|d| {
            serde_json::from_value::<AnswerValue>(d.value.clone())
                .ok()
                .map(|v| (d.field_id, v))
        })
        .collect()
}

impl EscalationSetup {
    /// Pure: from the form (None: all fields), the settings, the fields and the defaults.
    pub fn build(
        form: Option<TicketForm>,
        forms_on_plan: bool,
        settings: &SiteSettings,
        fields: &[TicketField],
        defaults: &[FieldDefault],
    ) -> EscalationSetup {
        let shape = form.clone().unwrap_or_else(|| all_fields_form(fields));
        let mut rebuilt = RebuiltForm::build(&shape, fields, &settings.escalation_note_label);
        // Defaults for fields this form does not ask belong to other forms: not an error here.
        let mine: BTreeMap<i64, AnswerValue> = defaults_as_answers(defaults)
            .into_iter()
            .filter(|(id, _)| rebuilt.field(*id).is_some())
            .collect();
        let default_errors = rebuilt.set_admin_defaults(&mine);
        EscalationSetup {
            form,
            forms_on_plan,
            rebuilt,
            default_errors,
        }
    }

    /// Reads the site's escalation form: the chosen one, else the account's default form.
    pub async fn load(
        zendesk: &ZendeskClient,
        settings: &SiteSettings,
        fields: &[TicketField],
        defaults: &[FieldDefault],
    ) -> Result<EscalationSetup, ZendeskError> {
        let (form, forms_on_plan) = match settings.escalation_form_id {
            Some(id) => match zendesk.ticket_form(id).await? {
                PlanFeature::Available(f) => (Some(f), true),
                PlanFeature::NotOnPlan => (None, false),
            },
            None => match zendesk.ticket_forms().await? {
                PlanFeature::Available(forms) => {
                    let active: Vec<TicketForm> = forms.into_iter().filter(|f| f.active).collect();
                    let default = active.iter().find(|f| f.default).cloned();
                    (default.or_else(|| active.into_iter().next()), true)
                }
                PlanFeature::NotOnPlan => (None, false),
            },
        };
        Ok(EscalationSetup::build(form, forms_on_plan, settings, fields, defaults))
    }
}

// ------------------------------------------------------------------ requests from the desktop

/// Where an escalation's answers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "EscalationSource")]
pub enum RequestSource {
    /// The desktop app's escalation screen (or `escalate` on the command line).
    Desktop,
    /// The agent's closing form in iAdvize.
    ClosingForm,
}

impl RequestSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestSource::Desktop => "desktop",
            RequestSource::ClosingForm => "closing_form",
        }
    }
}

/// An escalation asked from the desktop, as stored until it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRequest {
    pub answers: Answers,
    pub note: Option<String>,
    pub requested_at: DateTime<Utc>,
}

pub fn stored_request(
    conn: &Connection,
    site: SiteId,
    conversation_id: &str,
) -> rusqlite::Result<Option<StoredRequest>> {
    conn.query_row(
        "SELECT answers, note, requested_at FROM escalation_requests WHERE site_id = ?1 AND conversation_id = ?2",
        params![site, conversation_id],
        |r| {
            let answers: String = r.get(0)?;
            Ok(StoredRequest {
                answers: serde_json::from_str(&answers).unwrap_or_default(),
                note: r.get(1)?,
                requested_at: r.get(2)?,
            })
        },
    )
    .optional()
}

fn store_request(
    conn: &Connection,
    site: SiteId,
    conversation_id: &str,
    answers: &Answers,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let answers = serde_json::to_string(answers).unwrap_or_else(|_| "{}".into());
    conn.execute(
        "INSERT INTO escalation_requests (site_id, conversation_id, source, answers, note, requested_at) \
         VALUES (?1, ?2, 'desktop', ?3, ?4, ?5) ON CONFLICT (site_id, conversation_id) DO UPDATE SET \
         source = excluded.source, answers = excluded.answers, note = excluded.note, requested_at = excluded.requested_at",
        params![site, conversation_id, answers, note, now],
    )?;
    Ok(())
}

fn forget_request(conn: &Connection, site: SiteId, conversation_id: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM escalation_requests WHERE site_id = ?1 AND conversation_id = ?2",
        params![site, conversation_id],
    )?;
    Ok(())
}

/// The request to act on: the desktop's when there is one, else the closing form's.
pub fn request_for(
    rebuilt: &RebuiltForm,
    conversation: &Conversation,
    stored: Option<StoredRequest>,
) -> (EscalationRequest, RequestSource) {
    match stored {
        Some(s) => (
            EscalationRequest {
                escalate: true,
                note: s.note.filter(|n| !n.trim().is_empty()),
                answers: s.answers,
                problems: Vec::new(),
            },
            RequestSource::Desktop,
        ),
        None => (
            rebuilt.read_closing_form(&conversation.closing_form),
            RequestSource::ClosingForm,
        ),
    }
}

// ------------------------------------------------------------------ the ticket (pure)

/// The escalation ticket: the plan with the answers and the note, and the checked answers.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationTicket {
    pub plan: TicketPlan,
    pub validated: ValidatedAnswers,
    pub marker: String,
}

/// Turns a conversation's plan (made with [`TicketKind::Escalation`] in the escalation form)
/// into the escalation ticket for a ticket set to `status` (`new` or `open`).
pub fn plan_escalation(
    base: &TicketPlan,
    setup: &EscalationSetup,
    request: &EscalationRequest,
    status: &str,
) -> EscalationTicket {
    let validated = request.validate(&setup.rebuilt, status);
    let mut plan = base.clone();
    plan.kind = TicketKind::Escalation;
    plan.status = None;
    // Zendesk's routing decides who takes it (an assignee would also make it `open`).
    plan.assignee_id = None;
    plan.form_id = setup.form.as_ref().map(|f| f.id);
    for value in &validated.custom_fields {
        let field = setup.rebuilt.field(value.id);
        let source = match field {
            Some(f) if validated.defaulted.contains(&value.id) && f.default_source == Some(DefaultSource::Admin) => {
                FieldSource::AdminDefault
            }
            _ => FieldSource::Answer,
        };
        plan.set_field(PlannedField {
            id: value.id,
            title: field.map(|f| f.title.clone()).unwrap_or_default(),
            value: value.value.clone(),
            source,
        });
    }
    // A field hidden by its conditions is not sent, whatever filled it.
    let hidden: Vec<i64> = validated.fields.iter().filter(|f| !f.visible).map(|f| f.id).collect();
    plan.fields.retain(|f| !hidden.contains(&f.id));
    plan.note.title = NOTE_TITLE.into();
    let note = request
        .note
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "(no note)".into());
    plan.note.prepend(NoteLine::text(setup.rebuilt.note.label.clone(), note));
    let marker = marker(&plan.external_id);
    plan.note.lines.push(NoteLine::text(MARKER_LABEL, marker.clone()));
    if !validated.errors.is_empty() {
        let lines: Vec<String> = validated.errors.iter().map(AnswerError::line).collect();
        plan.note.sentences.push(format!(
            "Some answers could not be used: {}.",
            lines.join("; ")
        ));
    }
    EscalationTicket {
        plan,
        validated,
        marker,
    }
}

impl EscalationTicket {
    /// The create and its updates (further transcript parts, then the note).
    pub fn create_steps(&self) -> CreateSteps {
        self.plan.to_create()
    }

    /// The note's private comments.
    pub fn note_comments(&self) -> Vec<NewComment> {
        self.plan
            .note
            .for_zendesk()
            .into_iter()
            .map(|p| {
                let c = NewComment::html(p.html, false);
                match self.plan.comment_author_id {
                    Some(id) => c.by(id),
                    None => c,
                }
            })
            .collect()
    }

    /// The update of an existing ticket: form, fields, reopened, tagged, with the note (one
    /// request); a note too long for one comment adds its other parts after.
    pub fn update_steps(&self) -> Vec<TicketUpdate> {
        let mut notes = self.note_comments().into_iter();
        let first = TicketUpdate {
            comment: notes.next(),
            status: Some(TicketStatus::Open),
            ticket_form_id: self.plan.form_id,
            custom_fields: self.plan.fields.iter().map(PlannedField::to_value).collect(),
            additional_tags: vec![TicketKind::Escalation.tag().to_owned()],
            ..TicketUpdate::default()
        };
        std::iter::once(first)
            .chain(notes.map(|c| TicketUpdate {
                comment: Some(c),
                ..TicketUpdate::default()
            }))
            .collect()
    }

    /// The same escalation as a follow-up of the closed ticket `closed_id`.
    pub fn for_followup(&self, closed_id: i64) -> EscalationTicket {
        let mut plan = self.plan.clone();
        plan.external_id = followup_external_id(&self.plan.external_id);
        plan.note.sentences.push(format!(
            "Follow-up of Zendesk ticket #{closed_id}, which Zendesk had closed when the escalation arrived."
        ));
        EscalationTicket {
            plan,
            validated: self.validated.clone(),
            marker: self.marker.clone(),
        }
    }

    /// Sends the fields again without these (Zendesk refused them).
    fn without_fields(&self, ids: &[i64]) -> EscalationTicket {
        let mut t = self.clone();
        t.plan.fields.retain(|f| !ids.contains(&f.id));
        t
    }
}

/// The answers' problems for the attempt log: one line, and the JSON details.
fn answers_note(source: RequestSource, validated: &ValidatedAnswers, setup: &EscalationSetup) -> AttemptNote {
    let from = match source {
        RequestSource::Desktop => "the desktop app",
        RequestSource::ClosingForm => "the closing form",
    };
    let mut parts: Vec<String> = Vec::new();
    if !validated.errors.is_empty() {
        let lines: Vec<String> = validated.errors.iter().map(AnswerError::line).collect();
        parts.push(format!(
            "{} answer(s) not used as given: {}",
            validated.errors.len(),
            lines.join("; ")
        ));
    }
    if !validated.dropped.is_empty() {
        let lines: Vec<String> = validated.dropped.iter().map(|d| d.field_title.clone()).collect();
        parts.push(format!("answers to hidden fields not sent: {}", lines.join(", ")));
    }
    for e in &setup.default_errors {
        parts.push(format!("admin default not used: {}", e.line()));
    }
    let message = if parts.is_empty() {
        format!("escalation from {from}: every answer accepted")
    } else {
        format!("escalation from {from}: {}", parts.join(". "))
    };
    let details = (!validated.errors.is_empty() || !validated.dropped.is_empty()).then(|| {
        serde_json::json!({
            "answer_errors": validated.errors,
            "dropped_answers": validated.dropped,
        })
        .to_string()
    });
    AttemptNote {
        action: "escalate".into(),
        message: Some(message),
        details,
    }
}

// ------------------------------------------------------------------ delivery

/// A ledger entry to escalate.
#[derive(Debug, Clone)]
pub struct EscalationRow {
    pub conversation_id: String,
    pub external_id: String,
    pub entry: Entry,
    pub payload: Option<String>,
}

impl From<&Due> for EscalationRow {
    fn from(d: &Due) -> Self {
        EscalationRow {
            conversation_id: d.conversation_id.clone(),
            external_id: d.external_id.clone(),
            entry: d.entry.clone(),
            payload: d.payload.clone(),
        }
    }
}

/// Whether a due entry takes the escalation path.
pub fn is_escalation(settings: &SiteSettings, entry: &Entry) -> bool {
    settings.escalation_enabled && entry.escalation
}

fn apply(api: &Api, site: SiteId, conversation: &str, event: Event, note: AttemptNote) -> Result<Entry, ApiError> {
    let now = api.clock().now();
    Ok(store::apply(&mut api.store().conn(), site, conversation, event, &note, now)?)
}

fn action(name: &str) -> AttemptNote {
    AttemptNote {
        action: name.into(),
        ..AttemptNote::default()
    }
}

/// Why an attempt stopped, before or after sending.
enum Trouble {
    Zendesk(ZendeskError),
    Iadvize(IadvizeError),
    Api(ApiError),
}

impl Trouble {
    fn failure(&self) -> Failure {
        match self {
            Trouble::Zendesk(e) => Failure {
                code: e.code().into(),
                message: e.to_string(),
            },
            Trouble::Iadvize(e) => Failure {
                code: e.code().into(),
                message: e.to_string(),
            },
            Trouble::Api(e) => Failure {
                code: e.code.clone(),
                message: e.message.clone(),
            },
        }
    }

    fn details(&self) -> Option<String> {
        match self {
            Trouble::Zendesk(e) => e.details().and_then(|d| serde_json::to_string(d).ok()),
            _ => None,
        }
    }

    fn event(&self, now: DateTime<Utc>, attempts: i64) -> Event {
        let error = self.failure();
        let (retriable, uncertain, after) = match self {
            Trouble::Zendesk(e) => (e.is_retriable(), e.is_uncertain(), e.retry_after()),
            Trouble::Iadvize(e) => (e.is_transient(), false, None),
            Trouble::Api(e) => (
                matches!(
                    e.code.as_str(),
                    "zendesk.rate_limited" | "zendesk.unavailable" | "zendesk.timeout" | "zendesk.network"
                        | "zendesk.too_many_jobs" | "iadvize.unavailable" | "iadvize.timeout" | "iadvize.network"
                ),
                false,
                None,
            ),
        };
        let at = retry_at(now, attempts, after);
        if uncertain {
            Event::Uncertain { at, error }
        } else if retriable {
            Event::RetryLater { at, error }
        } else {
            Event::Failed { error }
        }
    }
}

impl From<ZendeskError> for Trouble {
    fn from(e: ZendeskError) -> Self {
        Trouble::Zendesk(e)
    }
}

/// What the earlier attempts left in Zendesk.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// No ticket: create the escalation ticket.
    New,
    /// The escalation ticket of an earlier attempt: complete it.
    Resume(i64),
    /// The auto-save ticket: update it.
    Existing(i64),
    /// Too early to tell (a bulk job may still write the ticket): look again shortly.
    Wait(String),
}

struct Prepared {
    conversation: Conversation,
    source: RequestSource,
    request: EscalationRequest,
    base: TicketPlan,
    target: Target,
    ticket: EscalationTicket,
}

/// The stored conversation, or iAdvize's.
async fn conversation_of(ctx: &SiteContext, row: &EscalationRow) -> Result<Conversation, Trouble> {
    if let Some(c) = row.payload.as_deref().and_then(|p| serde_json::from_str(p).ok()) {
        return Ok(c);
    }
    let id = uuid::Uuid::parse_str(&row.conversation_id).map_err(|_| {
        Trouble::Api(ApiError::new(
            "sync.no_payload",
            format!("conversation {} has no stored content and is not a UUID iAdvize can be asked for", row.conversation_id),
        ))
    })?;
    ctx.iadvize.conversation(id).await.map_err(Trouble::Iadvize)
}

/// Is this ticket, found by `external_id`, the auto-save ticket (rather than an escalation's)?
fn is_autosave_ticket(t: &crate::zendesk::Ticket) -> bool {
    let tag = |name: &str| t.tags.iter().any(|x| x == name);
    if tag(TicketKind::AutoSave.tag()) {
        return true;
    }
    if tag(TicketKind::Escalation.tag()) {
        return false;
    }
    // Tags edited by hand: escalation tickets are never created solved.
    matches!(t.status, Some(TicketStatus::Solved | TicketStatus::Closed))
}

async fn prepare(
    api: &Api,
    ctx: &SiteContext,
    setup: &EscalationSetup,
    row: &EscalationRow,
) -> Result<Prepared, Trouble> {
    let conversation = conversation_of(ctx, row).await?;
    let stored = stored_request(&api.store().conn(), ctx.site.id, &row.conversation_id)
        .map_err(|e| Trouble::Api(e.into()))?;
    let (request, source) = request_for(&setup.rebuilt, &conversation, stored);
    let target = match row.entry.ticket_id {
        Some(id) => Target::Existing(id),
        None => {
            let found = ctx.zendesk.tickets_by_external_id(&row.external_id).await?;
            match found.iter().min_by_key(|t| t.id) {
                // An earlier send may still be in a bulk import job that has not written its
                // ticket yet (an auto-save attempt before the escalation was asked): wait for it.
                None if row.entry.state == State::Sending => {
                    match ctx.zendesk.recent_jobs().await?.into_iter().find(|j| !j.is_final()) {
                        Some(job) => Target::Wait(format!("job {} is still running: it may hold this conversation's ticket", job.id)),
                        None => Target::New,
                    }
                }
                None => Target::New,
                Some(t) if is_autosave_ticket(t) => Target::Existing(t.id),
                Some(t) => Target::Resume(t.id),
            }
        }
    };
    let base = ctx
        .plan_in_form(&conversation, TicketKind::Escalation, setup.form.as_ref())
        .await
        .map_err(Trouble::Api)?;
    let status = match target {
        Target::Existing(_) => "open",
        _ => "new",
    };
    let ticket = plan_escalation(&base, setup, &request, status);
    Ok(Prepared {
        conversation,
        source,
        request,
        base,
        target,
        ticket,
    })
}

/// How an attempt ended.
struct Finish {
    event: Event,
    message: Option<String>,
    details: Option<String>,
}

impl Finish {
    fn escalated(ticket_id: i64, path: Path, message: impl Into<String>) -> Finish {
        Finish {
            event: Event::Escalated { ticket_id, path },
            message: Some(message.into()),
            details: None,
        }
    }

    fn trouble(t: &Trouble, now: DateTime<Utc>, attempts: i64) -> Finish {
        Finish {
            event: t.event(now, attempts),
            message: None,
            details: t.details(),
        }
    }
}

/// Creates a ticket with its key; a key used with another body means an earlier attempt's
/// ticket exists (looked up); fields Zendesk names as invalid are dropped once.
/// Returns the ticket id, whether it is new from this call, and what was dropped.
async fn create(
    zendesk: &ZendeskClient,
    ticket: &EscalationTicket,
    key: &str,
    followup_of: Option<i64>,
) -> Result<(i64, bool, Vec<String>), ZendeskError> {
    let mut ticket = ticket.clone();
    let mut key = key.to_owned();
    let mut dropped: Vec<String> = Vec::new();
    for round in 0..2 {
        let body = ticket.create_steps().ticket;
        let result = match followup_of {
            Some(closed) => zendesk.create_followup(closed, &body, &key).await,
            None => zendesk.create_ticket(&body, &key).await,
        };
        match result {
            Ok(c) => return Ok((c.ticket.id, true, dropped)),
            Err(ZendeskError::IdempotencyMismatch) => {
                let external_id = ticket.plan.external_id.clone();
                return match zendesk.tickets_by_external_id(&external_id).await?.iter().map(|t| t.id).min() {
                    Some(id) => Ok((id, false, dropped)),
                    None => Err(ZendeskError::IdempotencyMismatch),
                };
            }
            Err(ZendeskError::Invalid { description, details }) if round == 0 => {
                let named = fields_named(&details);
                let sent: Vec<i64> = ticket.plan.fields.iter().map(|f| f.id).collect();
                if named.is_empty() || !named.iter().all(|id| sent.contains(id)) {
                    return Err(ZendeskError::Invalid { description, details });
                }
                for id in &named {
                    let title = ticket.plan.fields.iter().find(|f| f.id == *id).map(|f| f.title.clone()).unwrap_or_default();
                    dropped.push(format!("{title} (field {id})"));
                }
                ticket = ticket.without_fields(&named);
                // Another body: another key (the first body's key may be remembered).
                key = format!("{key}:without-refused-fields");
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns on its second round")
}

/// Adds what the escalation ticket still lacks: further transcript parts, then the note.
async fn complete(zendesk: &ZendeskClient, ticket_id: i64, ticket: &EscalationTicket, fresh: bool) -> Result<(), ZendeskError> {
    let updates = ticket.create_steps().updates;
    let note_parts = ticket.note_comments().len();
    let skip = if fresh {
        0
    } else {
        let comments = zendesk.ticket_comments(ticket_id).await?;
        if comments.iter().any(|c| comment_has_marker(c, &ticket.marker)) {
            return Ok(());
        }
        comments.len().saturating_sub(1).min(updates.len().saturating_sub(note_parts))
    };
    for update in &updates[skip..] {
        zendesk.update_ticket(ticket_id, update).await?;
    }
    Ok(())
}

/// After the ticket exists: what an error of the remaining steps means.
fn after_create(e: ZendeskError, ticket_id: i64, path: Path, now: DateTime<Utc>, attempts: i64) -> Finish {
    if e.is_uncertain() || e.is_retriable() {
        // The next attempt finds the ticket (by id or external_id) and completes it.
        Finish::trouble(&Trouble::Zendesk(e), now, attempts)
    } else {
        Finish::escalated(
            ticket_id,
            path,
            format!("ticket {ticket_id} was created, but its remaining comments could not be added: {e}"),
        )
    }
}

fn dropped_sentence(dropped: &[String]) -> String {
    if dropped.is_empty() {
        String::new()
    } else {
        format!(" Zendesk refused the values of {}: sent without them.", dropped.join(", "))
    }
}

async fn create_path(ctx: &SiteContext, row: &EscalationRow, p: &Prepared, now: DateTime<Utc>) -> Finish {
    let attempts = row.entry.attempts + 1;
    let (ticket_id, fresh, dropped) = match p.target {
        Target::Resume(id) => (id, false, Vec::new()),
        _ => match create(&ctx.zendesk, &p.ticket, &create_key(&row.external_id), None).await {
            Ok(created) => created,
            Err(e) => return Finish::trouble(&Trouble::Zendesk(e), now, attempts),
        },
    };
    if let Err(e) = complete(&ctx.zendesk, ticket_id, &p.ticket, fresh).await {
        return after_create(e, ticket_id, Path::EscalationCreate, now, attempts);
    }
    let how = if fresh {
        format!("escalation ticket {ticket_id} created in the escalation form")
    } else {
        format!("escalation ticket {ticket_id} of an earlier attempt found and completed")
    };
    Finish::escalated(ticket_id, Path::EscalationCreate, format!("{how}.{}", dropped_sentence(&dropped)))
}

async fn followup_path(
    ctx: &SiteContext,
    setup: &EscalationSetup,
    row: &EscalationRow,
    p: &Prepared,
    closed_id: i64,
    now: DateTime<Utc>,
) -> Finish {
    let attempts = row.entry.attempts + 1;
    // A created ticket is `new`: check the answers for that status.
    let ticket = plan_escalation(&p.base, setup, &p.request, "new").for_followup(closed_id);
    let external_id = followup_external_id(&row.external_id);
    let found = match ctx.zendesk.tickets_by_external_id(&external_id).await {
        Ok(list) => list.iter().map(|t| t.id).min(),
        Err(e) => return Finish::trouble(&Trouble::Zendesk(e), now, attempts),
    };
    let (ticket_id, fresh, dropped) = match found {
        Some(id) => (id, false, Vec::new()),
        None => match create(&ctx.zendesk, &ticket, &followup_key(&row.external_id), Some(closed_id)).await {
            Ok(created) => created,
            Err(e) => return Finish::trouble(&Trouble::Zendesk(e), now, attempts),
        },
    };
    if let Err(e) = complete(&ctx.zendesk, ticket_id, &ticket, fresh).await {
        return after_create(e, ticket_id, Path::EscalationFollowup, now, attempts);
    }
    Finish::escalated(
        ticket_id,
        Path::EscalationFollowup,
        format!(
            "Zendesk had already closed the auto-save ticket {closed_id} (closed tickets cannot be updated): follow-up ticket {ticket_id} {} linked to it, with external id {external_id}.{}",
            if fresh { "was created," } else { "of an earlier attempt was found," },
            dropped_sentence(&dropped)
        ),
    )
}

async fn update_path(
    ctx: &SiteContext,
    setup: &EscalationSetup,
    row: &EscalationRow,
    p: &Prepared,
    ticket_id: i64,
    now: DateTime<Utc>,
) -> Finish {
    let attempts = row.entry.attempts + 1;
    // A note with the marker: an earlier attempt's update went through (fields and note are
    // one request).
    match ctx.zendesk.ticket_comments(ticket_id).await {
        Ok(comments) if comments.iter().any(|c| comment_has_marker(c, &p.ticket.marker)) => {
            return Finish::escalated(
                ticket_id,
                Path::EscalationUpdate,
                format!("ticket {ticket_id} already holds the escalation note of an earlier attempt: nothing sent again."),
            );
        }
        Ok(_) => {}
        Err(e) => return Finish::trouble(&Trouble::Zendesk(e), now, attempts),
    }
    let mut ticket = p.ticket.clone();
    let mut dropped: Vec<String> = Vec::new();
    for round in 0..2 {
        let steps = ticket.update_steps();
        match ctx.zendesk.update_ticket(ticket_id, &steps[0]).await {
            Ok(_) => {
                for extra in &steps[1..] {
                    if let Err(e) = ctx.zendesk.update_ticket(ticket_id, extra).await {
                        return after_create(e, ticket_id, Path::EscalationUpdate, now, attempts);
                    }
                }
                return Finish::escalated(
                    ticket_id,
                    Path::EscalationUpdate,
                    format!(
                        "the auto-save ticket {ticket_id} was updated: escalation form and fields, reopened, private note added.{}",
                        dropped_sentence(&dropped)
                    ),
                );
            }
            Err(ZendeskError::ClosedTicket { .. }) => {
                return followup_path(ctx, setup, row, p, ticket_id, now).await;
            }
            Err(ZendeskError::Invalid { description, details }) if round == 0 => {
                let named = fields_named(&details);
                let sent: Vec<i64> = ticket.plan.fields.iter().map(|f| f.id).collect();
                if named.is_empty() || !named.iter().all(|id| sent.contains(id)) {
                    let e = ZendeskError::Invalid { description, details };
                    return Finish::trouble(&Trouble::Zendesk(e), now, attempts);
                }
                for id in &named {
                    let title = ticket.plan.fields.iter().find(|f| f.id == *id).map(|f| f.title.clone()).unwrap_or_default();
                    dropped.push(format!("{title} (field {id})"));
                }
                ticket = ticket.without_fields(&named);
            }
            Err(e) => return Finish::trouble(&Trouble::Zendesk(e), now, attempts),
        }
    }
    unreachable!("the loop returns on its second round")
}

async fn escalate_one(
    api: &Api,
    ctx: &SiteContext,
    setup: &Result<EscalationSetup, ZendeskError>,
    row: &EscalationRow,
) -> Result<Delivered, ApiError> {
    let site = ctx.site.id;
    let conversation = row.conversation_id.as_str();
    let attempts = row.entry.attempts + 1;
    let prepared = match setup {
        Ok(setup) => prepare(api, ctx, setup, row).await.map(|p| (setup, p)),
        Err(e) => Err(Trouble::Api(ApiError::new(
            e.code(),
            format!(
                "the escalation form {} cannot be read from Zendesk: {e}",
                ctx.site.settings.escalation_form_id.map_or("(the default form)".into(), |id| id.to_string())
            ),
        ))),
    };
    let finish = match prepared {
        Err(t) => {
            let details = match (setup, &t) {
                (Err(e), _) => e.details().and_then(|d| serde_json::to_string(d).ok()),
                (_, t) => t.details(),
            };
            let retry = match (setup, &t) {
                (Err(e), _) => Trouble::Zendesk(e.clone()),
                (_, t) => match t {
                    Trouble::Zendesk(e) => Trouble::Zendesk(e.clone()),
                    Trouble::Iadvize(e) => Trouble::Iadvize(e.clone()),
                    Trouble::Api(e) => Trouble::Api(e.clone()),
                },
            };
            apply(api, site, conversation, Event::SendStarted { lease: LEASE }, action("escalate"))?;
            let now = api.clock().now();
            Finish {
                event: match retry.event(now, attempts) {
                    // Nothing was sent: a read failed. Never leave it "uncertain".
                    Event::Uncertain { at, .. } => Event::RetryLater { at, error: t.failure() },
                    Event::Failed { .. } => Event::Failed { error: t.failure() },
                    Event::RetryLater { at, .. } => Event::RetryLater { at, error: t.failure() },
                    other => other,
                },
                message: None,
                details,
            }
        }
        Ok((setup, p)) => {
            apply(api, site, conversation, Event::SendStarted { lease: LEASE }, answers_note(p.source, &p.ticket.validated, setup))?;
            // The conversation goes back into the ledger until the ticket exists (an
            // escalation on a delivered conversation had lost its copy).
            if row.payload.is_none()
                && let Ok(payload) = serde_json::to_string(&p.conversation)
            {
                store::set_payload(&api.store().conn(), site, conversation, &payload)?;
            }
            let now = api.clock().now();
            match &p.target {
                Target::Existing(id) => update_path(ctx, setup, row, &p, *id, now).await,
                Target::New | Target::Resume(_) => create_path(ctx, row, &p, now).await,
                Target::Wait(why) => Finish {
                    event: Event::Uncertain {
                        at: now + JOB_RECHECK,
                        error: Failure {
                            code: "sync.job_running".into(),
                            message: why.clone(),
                        },
                    },
                    message: None,
                    details: None,
                },
            }
        }
    };
    let mut done = Delivered::default();
    match &finish.event {
        Event::Escalated { path: Path::EscalationUpdate, .. } => done.updated += 1,
        Event::Escalated { .. } => done.escalated += 1,
        Event::Failed { .. } => done.failed += 1,
        _ => done.retrying += 1,
    }
    let escalated = matches!(finish.event, Event::Escalated { .. });
    apply(
        api,
        site,
        conversation,
        finish.event,
        AttemptNote {
            action: "escalate".into(),
            message: finish.message,
            details: finish.details,
        },
    )?;
    if escalated {
        forget_request(&api.store().conn(), site, conversation)?;
    }
    Ok(done)
}

/// Escalates due entries (called by delivery for entries whose escalation is pending).
pub async fn deliver(api: &Api, ctx: &SiteContext, rows: Vec<EscalationRow>) -> Result<Delivered, ApiError> {
    let mut done = Delivered::default();
    if rows.is_empty() {
        return Ok(done);
    }
    let setup = EscalationSetup::load(&ctx.zendesk, &ctx.site.settings, &ctx.fields, &ctx.defaults).await;
    for row in &rows {
        done += escalate_one(api, ctx, &setup, row).await?;
    }
    Ok(done)
}

/// The escalation ticket of a conversation as delivery would make it now (for the preview).
pub async fn preview_plan(api: &Api, ctx: &SiteContext, conversation: &Conversation) -> Result<TicketPlan, ApiError> {
    let setup = EscalationSetup::load(&ctx.zendesk, &ctx.site.settings, &ctx.fields, &ctx.defaults).await?;
    let id = conversation.id.to_string();
    let (stored, entry) = {
        let conn = api.store().conn();
        (stored_request(&conn, ctx.site.id, &id)?, store::entry(&conn, ctx.site.id, &id)?)
    };
    let (request, _) = request_for(&setup.rebuilt, conversation, stored);
    let status = if entry.and_then(|e| e.ticket_id).is_some() { "open" } else { "new" };
    let base = ctx.plan_in_form(conversation, TicketKind::Escalation, setup.form.as_ref()).await?;
    Ok(plan_escalation(&base, &setup, &request, status).plan)
}

/// A desktop request can lose the race with an auto-save send in flight: the send settles the
/// entry as delivered after the request marked it. Such entries (delivered, with a request still
/// stored) are put back to waiting, so their auto-save ticket is updated.
pub fn recover_requests(api: &Api, site: SiteId) -> Result<usize, ApiError> {
    let stranded: Vec<String> = {
        let conn = api.store().conn();
        let mut stmt = conn.prepare_cached(
            "SELECT l.conversation_id FROM ledger l JOIN escalation_requests r \
             ON r.site_id = l.site_id AND r.conversation_id = l.conversation_id \
             WHERE l.site_id = ?1 AND l.state = 'delivered'",
        )?;
        stmt.query_map([site], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    for conversation in &stranded {
        apply(
            api,
            site,
            conversation,
            Event::EscalationRequested,
            AttemptNote {
                action: "escalation_request".into(),
                message: Some("the escalation asked from the desktop arrived while the auto-save ticket was being sent: that ticket will be updated".into()),
                details: None,
            },
        )?;
    }
    Ok(stranded.len())
}

// ------------------------------------------------------------------ the core API

/// What [`Api::escalate`] recorded.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct EscalationReceipt {
    pub conversation_id: String,
    /// The ledger row, now waiting for the engine's next round (or delivered at once with
    /// [`Api::deliver_escalation`]).
    pub row: store::LedgerRow,
    /// The answers as they will be sent (values, defaults, hidden fields left out).
    pub validated: ValidatedAnswers,
}

fn answer_field_error(e: &AnswerError) -> FieldError {
    let field = e
        .field_id
        .map(crate::escalation::field_input_id)
        .unwrap_or_else(|| "answers".into());
    let code = serde_json::to_value(e.code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "invalid".into());
    FieldError::new(&field, &code, e.line())
}

/// The site's Zendesk pieces for escalation screens: client, fields, setup.
async fn load_setup(api: &Api, site: &crate::site::Site) -> Result<(ZendeskClient, EscalationSetup), ApiError> {
    let zendesk = zendesk_client(api, site)?;
    let fields = zendesk.ticket_fields().await?;
    let defaults = field_defaults(api, site.id)?;
    let setup = EscalationSetup::load(&zendesk, &site.settings, &fields, &defaults).await?;
    Ok((zendesk, setup))
}

fn ledger_external_id(conn: &Connection, site: SiteId, conversation: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT external_id FROM ledger WHERE site_id = ?1 AND conversation_id = ?2",
        params![site, conversation],
        |r| r.get(0),
    )
    .optional()
}

/// Puts a conversation the poll has not seen (auto-save off, or not polled yet) into the
/// ledger, due now. The poll cursor is not touched.
fn insert_conversation(api: &Api, site: &crate::site::Site, conversation: &Conversation) -> Result<(), ApiError> {
    let seen = crate::sync::poll::seen(site, conversation)?;
    let now = api.clock().now();
    api.store().conn().execute(
        "INSERT INTO ledger (site_id, conversation_id, legacy_id, closed_at, state, due_at, \
         external_id, escalation, channel, agent_name, agent_kind, campaign, payload, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, 'waiting', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?5, ?5) \
         ON CONFLICT (site_id, conversation_id) DO NOTHING",
        params![
            site.id,
            seen.conversation_id,
            seen.legacy_id,
            seen.closed_at,
            now,
            seen.external_id,
            seen.escalation,
            seen.channel,
            seen.agent_name,
            seen.agent_kind,
            seen.campaign,
            seen.payload,
        ],
    )?;
    Ok(())
}

impl Api {
    /// The rebuilt escalation form of a site: the chosen form (else the account's default
    /// form; on a plan without forms every active custom field), with the admin's note label
    /// and defaults.
    pub async fn escalation_form(&self, site: &SiteRef) -> Result<RebuiltForm, ApiError> {
        let site = self.site(site)?;
        Ok(load_setup(self, &site).await?.1.rebuilt)
    }

    /// The closing-form definition to paste into iAdvize's "Conversation closing form" plugin.
    pub async fn closing_form_definition(&self, site: &SiteRef) -> Result<Vec<ClosingFormInput>, ApiError> {
        Ok(self.escalation_form(site).await?.closing_form(Nesting::default()))
    }

    /// Checks answers for the escalation screen without recording anything (live preview).
    pub async fn check_escalation_answers(&self, site: &SiteRef, conversation_id: Option<&str>, answers: &Answers) -> Result<ValidatedAnswers, ApiError> {
        let site = self.site(site)?;
        let (_, setup) = load_setup(self, &site).await?;
        let status = match conversation_id.and_then(|c| store::entry(&self.store().conn(), site.id, c.trim()).ok().flatten()) {
            Some(e) if e.ticket_id.is_some() => "open",
            _ => "new",
        };
        Ok(setup.rebuilt.validate(answers, status))
    }

    /// Escalates a finished conversation from the desktop (or the command line): checks the
    /// answers against the rebuilt escalation form (per-field errors in `fields`, code
    /// `escalation.invalid_answers`), keeps the request, puts the conversation in the ledger
    /// when it is not there yet, and marks it for escalation. The engine sends it at its next
    /// round (see [`Api::deliver_escalation`] to send it at once).
    pub async fn escalate(
        &self,
        site: &SiteRef,
        conversation_id: &str,
        answers: Answers,
        note: Option<String>,
    ) -> Result<EscalationReceipt, ApiError> {
        let site = self.site(site)?;
        if !site.settings.escalation_enabled {
            return Err(ApiError::new(
                "escalation.disabled",
                format!("Escalation is off for site \"{}\": switch it on in the site's settings (escalation=on) first.", site.settings.name),
            ));
        }
        let conversation_id = self.resolve_conversation_id(site.id, conversation_id)?;
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        let (_, setup) = load_setup(self, &site).await?;
        let entry = store::entry(&self.store().conn(), site.id, &conversation_id)?;
        if let Some(e) = &entry
            && e.state == State::Escalated
        {
            return Err(ApiError::new(
                "escalation.already_escalated",
                format!(
                    "Conversation {conversation_id} is already escalated (ticket {}): a conversation has one ticket, escalated once.",
                    e.ticket_id.map_or("-".into(), |t| t.to_string())
                ),
            ));
        }
        let status = if entry.as_ref().is_some_and(|e| e.ticket_id.is_some()) { "open" } else { "new" };
        let validated = setup.rebuilt.validate(&answers, status);
        let mut fields: Vec<FieldError> = validated.errors.iter().map(answer_field_error).collect();
        if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
            fields.push(FieldError::new(
                crate::escalation::NOTE_INPUT,
                "too_long",
                format!("{}: keep the note under {MAX_NOTE_CHARS} characters", setup.rebuilt.note.label),
            ));
        }
        if !fields.is_empty() {
            let summary = fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; ");
            return Err(ApiError {
                code: "escalation.invalid_answers".into(),
                message: format!("Some answers need fixing before escalating: {summary}"),
                fields,
            });
        }
        // The conversation: in the ledger with its content (fetched when missing).
        let has_payload = store::payload(&self.store().conn(), site.id, &conversation_id)?.is_some();
        if entry.is_none() || !has_payload {
            let uuid = uuid::Uuid::parse_str(&conversation_id).map_err(|_| {
                ApiError::new(
                    "sync.bad_conversation_id",
                    format!("\"{conversation_id}\" is not an iAdvize conversation id (a UUID such as 9d3f…-…)."),
                )
            })?;
            let conversation = iadvize_client(self, &site)?.conversation(uuid).await?;
            if conversation.site_id().is_some_and(|s| s != site.settings.iadvize_site_id) {
                return Err(ApiError::new(
                    "escalation.other_site",
                    format!(
                        "Conversation {conversation_id} belongs to iAdvize site {}, not to this site ({}).",
                        conversation.site_id().unwrap_or_default(),
                        site.settings.iadvize_site_id
                    ),
                ));
            }
            if conversation.closed_at.is_none() {
                return Err(ApiError::new(
                    "escalation.not_finished",
                    format!("Conversation {conversation_id} is not finished yet: escalate it once it is closed."),
                ));
            }
            if entry.is_none() {
                insert_conversation(self, &site, &conversation)?;
            } else {
                let payload = serde_json::to_string(&conversation)
                    .map_err(|e| ApiError::new("internal", format!("cannot keep conversation {conversation_id}: {e}")))?;
                store::set_payload(&self.store().conn(), site.id, &conversation_id, &payload)?;
            }
        }
        // Kept as Zendesk will take them (a card keeps its last digits only, numbers are canonical).
        let kept: Answers = answers
            .iter()
            .filter(|(_, a)| !a.is_empty())
            .filter_map(|(id, _)| {
                let value = validated.value(*id)?.clone();
                serde_json::from_value::<AnswerValue>(value).ok().map(|v| (*id, v))
            })
            .collect();
        let now = self.clock().now();
        store_request(&self.store().conn(), site.id, &conversation_id, &kept, note.as_deref(), now)?;
        let applied = store::apply(
            &mut self.store().conn(),
            site.id,
            &conversation_id,
            Event::EscalationRequested,
            &AttemptNote {
                action: "escalation_request".into(),
                message: Some(format!(
                    "escalation asked from the desktop app with {} answer(s){}",
                    answers.len(),
                    if note.is_some() { " and a note" } else { "" }
                )),
                details: None,
            },
            now,
        );
        if let Err(e) = applied {
            forget_request(&self.store().conn(), site.id, &conversation_id)?;
            return Err(match e {
                store::LedgerError::Transition(_) => ApiError::new(
                    "escalation.already_escalated",
                    format!("Conversation {conversation_id} is already escalated: a conversation has one ticket, escalated once."),
                ),
                other => other.into(),
            });
        }
        let row = self.conversation_log(&SiteRef::Id(site.id), &conversation_id)?.row;
        Ok(EscalationReceipt {
            conversation_id,
            row,
            validated,
        })
    }

    /// The ledger's id of a conversation given by UUID or legacy id (a UUID not yet in the
    /// ledger is taken as is).
    fn resolve_conversation_id(&self, site: SiteId, given: &str) -> Result<String, ApiError> {
        let given = given.trim();
        let rows = store::log(
            &self.store().conn(),
            site,
            &store::LogFilter {
                conversation_id: Some(given.to_owned()),
                limit: 1,
                ..store::LogFilter::default()
            },
        )?;
        if let Some(row) = rows.into_iter().next() {
            return Ok(row.conversation_id);
        }
        match uuid::Uuid::parse_str(given) {
            Ok(u) => Ok(u.hyphenated().to_string()),
            Err(_) => Err(ApiError::new(
                "sync.bad_conversation_id",
                format!("\"{given}\" is not an iAdvize conversation id (a UUID such as 9d3f…-…), nor the legacy id of a conversation in this site's log."),
            )),
        }
    }

    /// Sends one pending escalation now, without waiting for the engine's round. Only the sync
    /// owner of the data folder may call it (the CLI takes the sync lock first).
    pub async fn deliver_escalation(&self, site: &SiteRef, conversation_id: &str) -> Result<crate::sync::ConversationLog, ApiError> {
        let site = self.site(site)?;
        let conversation_id = self.resolve_conversation_id(site.id, conversation_id)?;
        let (entry, payload, external_id) = {
            let conn = self.store().conn();
            let entry = store::entry(&conn, site.id, &conversation_id)?
                .ok_or_else(|| ApiError::from(store::LedgerError::Unknown(conversation_id.clone())))?;
            let payload = store::payload(&conn, site.id, &conversation_id)?;
            let external_id = ledger_external_id(&conn, site.id, &conversation_id)?.unwrap_or_default();
            (entry, payload, external_id)
        };
        if !is_escalation(&site.settings, &entry) {
            return Err(ApiError::new(
                "escalation.not_pending",
                format!("Conversation {conversation_id} has no pending escalation (escalate it first, with escalation on for the site)."),
            ));
        }
        if matches!(entry.state, State::Waiting | State::Sending) {
            let ctx = SiteContext::prepare(self, site.clone()).await?;
            let row = EscalationRow {
                conversation_id: conversation_id.clone(),
                external_id,
                entry,
                payload,
            };
            deliver(self, &ctx, vec![row]).await?;
        }
        self.conversation_log(&SiteRef::Id(site.id), &conversation_id)
    }

    /// The site's admin defaults for required fields (used by auto-save and escalation).
    pub fn field_defaults(&self, site: &SiteRef) -> Result<Vec<FieldDefault>, ApiError> {
        let site = self.site(site)?;
        field_defaults(self, site.id)
    }

    /// Sets the admin's default value of a Zendesk field, checked against the field's type as
    /// an answer is (a dropdown takes an option's value, a multiselect values separated by
    /// commas, a date `YYYY-MM-DD`...). Stored as Zendesk takes it. Returns every default.
    pub async fn set_field_default(&self, site: &SiteRef, field_id: i64, value: AnswerValue) -> Result<Vec<FieldDefault>, ApiError> {
        let site = self.site(site)?;
        let input = crate::escalation::field_input_id(field_id);
        let invalid = |code: &str, message: String| ApiError {
            code: "defaults.invalid".into(),
            message: message.clone(),
            fields: vec![FieldError::new(&input, code, message)],
        };
        if value.is_empty() {
            return Err(invalid("required", format!("Give a value for field {field_id}, or clear its default instead.")));
        }
        let fields = zendesk_client(self, &site)?.ticket_fields().await?;
        let Some(field) = fields.iter().find(|f| f.id == field_id) else {
            return Err(invalid("unknown_field", format!("Zendesk has no ticket field {field_id}: pick a field from the site's forms.")));
        };
        if !field.is_custom() {
            return Err(invalid("system_field", format!("\"{}\" is a system field: the app fills it, it takes no default.", field.title)));
        }
        if !field.active {
            return Err(invalid("inactive_field", format!("\"{}\" is inactive in Zendesk: tickets do not carry it.", field.title)));
        }
        let shape = TicketForm {
            id: 0,
            name: field.title.clone(),
            active: true,
            ticket_field_ids: vec![field_id],
            ..TicketForm::default()
        };
        let rebuilt = RebuiltForm::build(&shape, &fields, "");
        let Some(rebuilt_field) = rebuilt.field(field_id) else {
            return Err(invalid("unsupported_type", format!("\"{}\" has a type this app cannot fill ({}).", field.title, field.field_type)));
        };
        let parsed = crate::escalation::answers::parse_answer(rebuilt_field, &value)
            .map_err(|why| invalid("invalid", format!("{}: {why}", field.title)))?;
        if let Some(why) = parsed.partly {
            return Err(invalid("invalid", format!("{}: {why}", field.title)));
        }
        let stored = serde_json::to_string(&parsed.value).unwrap_or_default();
        self.store().conn().execute(
            "INSERT INTO site_field_defaults (site_id, field_id, value) VALUES (?1, ?2, ?3) \
             ON CONFLICT (site_id, field_id) DO UPDATE SET value = excluded.value",
            params![site.id, field_id, stored],
        )?;
        tracing::info!(site = site.id, field_id, "field default set");
        field_defaults(self, site.id)
    }

    /// Removes the admin's default of a field (nothing happens when there is none).
    pub fn clear_field_default(&self, site: &SiteRef, field_id: i64) -> Result<Vec<FieldDefault>, ApiError> {
        let site = self.site(site)?;
        self.store().conn().execute(
            "DELETE FROM site_field_defaults WHERE site_id = ?1 AND field_id = ?2",
            params![site.id, field_id],
        )?;
        field_defaults(self, site.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zendesk::ErrorDetail;
    use serde_json::json;

    fn settings(label: &str) -> SiteSettings {
        SiteSettings {
            name: "Shop".into(),
            platform: crate::site::Platform::Ha,
            iadvize_site_id: 3101,
            zendesk_domain: "https://acme.zendesk.com".into(),
            zendesk_email: "a@acme.example".into(),
            zendesk_auth: crate::site::ZendeskAuthKind::ApiToken,
            zendesk_oauth_client_id: None,
            country: "France".into(),
            start_from: Utc::now(),
            autosave_enabled: true,
            autosave_form_id: None,
            escalation_enabled: true,
            escalation_form_id: Some(10),
            escalation_note_label: label.into(),
            grace_seconds: 0,
            delivery_mode: crate::site::DeliveryMode::Import,
            poll_seconds: 60,
            conversation_url_template: crate::site::DEFAULT_CONVERSATION_URL_TEMPLATE.into(),
            requester_policy: crate::site::RequesterPolicy::CreateEndUser,
            zendesk_api_url: None,
            iadvize_api_url: None,
        }
    }

    fn fields() -> Vec<TicketField> {
        serde_json::from_value(json!([
            {"id": 1, "type": "text", "title": "iAdvize Agent", "active": true, "removable": true},
            {"id": 2, "type": "integer", "title": "Order number", "active": true, "removable": true},
            {"id": 3, "type": "checkbox", "title": "Refund requested", "active": true, "removable": true},
            {"id": 4, "type": "decimal", "title": "Refund amount", "active": true, "removable": true},
            {"id": 5, "type": "tagger", "title": "Level", "active": true, "removable": true, "required": true,
             "custom_field_options": [{"id": 51, "name": "One", "value": "one"}, {"id": 52, "name": "Two", "value": "two"}]},
            {"id": 6, "type": "text", "title": "Elsewhere", "active": true, "removable": true},
            {"id": 9, "type": "subject", "title": "Subject", "active": true, "removable": false}
        ]))
        .unwrap()
    }

    fn form() -> TicketForm {
        serde_json::from_value(json!({
            "id": 10, "name": "Escalation", "active": true, "ticket_field_ids": [9, 1, 2, 3, 4, 5],
            "agent_conditions": [{"parent_field_id": 3, "value": true, "child_fields": [
                {"id": 4, "is_required": true, "required_on_statuses": {"type": "SOME_STATUSES", "statuses": ["solved"]}}
            ]}]
        }))
        .unwrap()
    }

    fn conversation() -> Conversation {
        serde_json::from_value(json!({
            "id": "5b0c0d3e-0000-4000-8000-000000000001",
            "legacy_id": 77,
            "platform": "ha",
            "project": {"id": 3101, "name": "Shop"},
            "created_at": "2026-11-26T10:00:00Z",
            "closed_at": "2026-11-26T10:10:00Z",
            "channel": "CHAT",
            "agents": [],
            "visitor": {"first_name": "Marie", "last_name": "Dupont", "email": "marie@example.com", "country": null},
            "messages": [],
            "tags": [],
            "campaign": null,
            "closing_form": [
                {"field_id": "escalate", "label": null, "value": "true"},
                {"field_id": "private_note", "label": null, "value": "Call her back"},
                {"field_id": "zendesk_field_2", "label": null, "value": "twelve"},
                {"field_id": "zendesk_field_3", "label": null, "value": "false"},
                {"field_id": "zendesk_field_4", "label": null, "value": "10.5"},
                {"field_id": "zendesk_field_5", "label": null, "value": "two"}
            ]
        }))
        .unwrap()
    }

    fn base_plan(setup: &EscalationSetup, settings: &SiteSettings, fields: &[TicketField]) -> TicketPlan {
        let c = conversation();
        crate::ticket::plan_ticket(
            &c,
            settings,
            crate::ticket::FormContext::new(setup.form.as_ref(), fields),
            crate::ticket::RequesterChoice::Existing { user_id: 5 },
            &crate::ticket::MappingOptions {
                kind: TicketKind::Escalation,
                assignee_id: Some(900),
                ..Default::default()
            },
        )
    }

    #[test]
    fn keys_external_ids_and_the_marker_are_stable_and_distinct() {
        let ext = "iadvize:ha:3101:5b0c0d3e-0000-4000-8000-000000000001";
        assert_eq!(marker(ext), format!("escalation:{ext}"));
        assert_eq!(create_key(ext), format!("escalation:{ext}"));
        assert_eq!(followup_external_id(ext), format!("{ext}:followup"));
        assert_eq!(followup_key(ext), format!("escalation-followup:{ext}"));
        assert_ne!(create_key(ext), ext, "never the auto-save create's key");
        for k in [create_key(ext), followup_key(ext), followup_external_id(ext)] {
            assert!(k.is_ascii() && k.len() <= 255);
        }
    }

    #[test]
    fn the_marker_is_found_in_any_body() {
        let m = marker("iadvize:ha:1:x");
        let mut c = Comment::default();
        assert!(!comment_has_marker(&c, &m));
        c.plain_body = Some(format!("Escalation reference: {m}"));
        assert!(comment_has_marker(&c, &m));
        let c = Comment {
            html_body: Some(format!("<p><strong>Escalation reference:</strong> {m}</p>")),
            ..Comment::default()
        };
        assert!(comment_has_marker(&c, &m));
        assert!(!comment_has_marker(&c, "escalation:iadvize:ha:1:y"));
    }

    #[test]
    fn zendesk_named_fields_are_read_from_every_key() {
        let mut d = ErrorDetails::new();
        d.insert("base".into(), vec![
            ErrorDetail { ticket_field_id: Some(7), ..Default::default() },
            ErrorDetail { ticket_field_id: None, ..Default::default() },
        ]);
        d.insert("custom_fields".into(), vec![ErrorDetail { ticket_field_id: Some(3), ..Default::default() }, ErrorDetail { ticket_field_id: Some(7), ..Default::default() }]);
        assert_eq!(fields_named(&d), vec![3, 7]);
    }

    #[test]
    fn the_setup_uses_the_label_and_the_admin_defaults_of_its_fields_only() {
        let defaults = vec![
            FieldDefault { field_id: 5, value: json!("one") },
            FieldDefault { field_id: 6, value: json!("not on this form") },
            FieldDefault { field_id: 2, value: json!("not a number") },
        ];
        let s = EscalationSetup::build(Some(form()), true, &settings("Summary in one line"), &fields(), &defaults);
        assert_eq!(s.rebuilt.note.label, "Summary in one line");
        assert_eq!(s.rebuilt.field(5).unwrap().default_source, Some(DefaultSource::Admin));
        assert_eq!(s.default_errors.len(), 1, "the bad default is reported: {:?}", s.default_errors);
        assert_eq!(s.default_errors[0].field_id, Some(2));
        // No forms on the plan: every active custom field is asked.
        let all = EscalationSetup::build(None, false, &settings(""), &fields(), &[]);
        let ids: Vec<i64> = all.rebuilt.fields.iter().map(|f| f.id).collect();
        assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(all.rebuilt.note.label, crate::escalation::DEFAULT_NOTE_LABEL);
    }

    #[test]
    fn an_escalation_ticket_has_the_answers_the_note_and_no_status_or_assignee() {
        let settings = settings("Summary in one line");
        let fields = fields();
        let setup = EscalationSetup::build(Some(form()), true, &settings, &fields, &[]);
        let base = base_plan(&setup, &settings, &fields);
        let (request, source) = request_for(&setup.rebuilt, &conversation(), None);
        assert_eq!(source, RequestSource::ClosingForm);
        let t = plan_escalation(&base, &setup, &request, "new");
        assert_eq!((t.plan.status, t.plan.assignee_id, t.plan.form_id), (None, None, Some(10)));
        let value = |id| t.plan.fields.iter().find(|f| f.id == id).map(|f| f.value.clone());
        assert_eq!(value(5), Some(json!("two")));
        assert_eq!(value(3), Some(json!(false)));
        assert_eq!(value(2), None, "\"twelve\" is not sent");
        assert_eq!(value(4), None, "the refund amount is hidden: not sent");
        assert_eq!(t.validated.errors.len(), 1);
        assert_eq!(t.validated.errors[0].field_id, Some(2));
        // The note: label and the agent's note first, link, id, marker; the problem said.
        let text = &t.plan.note.for_zendesk()[0].text;
        assert!(text.starts_with(NOTE_TITLE), "{text}");
        assert!(text.contains("Summary in one line: Call her back"), "{text}");
        assert!(text.contains("https://ha.iadvize.com/admin/conversation/5b0c0d3e-0000-4000-8000-000000000001"), "{text}");
        assert!(text.contains("Conversation id: 5b0c0d3e-0000-4000-8000-000000000001"), "{text}");
        assert!(text.contains(&t.marker), "{text}");
        assert!(text.contains("Order number = \"twelve\""), "{text}");
        let create = t.create_steps();
        assert_eq!(create.ticket.status, None);
        assert_eq!(create.ticket.external_id.as_deref(), Some(base.external_id.as_str()));
        assert!(create.ticket.tags.contains(&"iadvize_escalation".to_string()));
        assert!(create.ticket.comment.as_ref().unwrap().public, "the transcript comes first");
        let last = create.updates.last().unwrap().comment.as_ref().unwrap();
        assert!(!last.public && last.html_body.as_ref().unwrap().contains(&t.marker), "the note comes last, private");
    }

    #[test]
    fn the_update_reopens_in_the_form_with_the_note_in_one_request() {
        let settings = settings("");
        let fields = fields();
        let setup = EscalationSetup::build(Some(form()), true, &settings, &fields, &[]);
        let base = base_plan(&setup, &settings, &fields);
        let request = EscalationRequest {
            escalate: true,
            note: None,
            answers: [(3, AnswerValue::Bool(true)), (4, AnswerValue::from("12.50"))].into_iter().collect(),
            problems: vec![],
        };
        let t = plan_escalation(&base, &setup, &request, "open");
        let steps = t.update_steps();
        assert_eq!(steps.len(), 1);
        let u = &steps[0];
        assert_eq!((u.status, u.ticket_form_id), (Some(TicketStatus::Open), Some(10)));
        assert_eq!(u.additional_tags, vec!["iadvize_escalation".to_string()]);
        assert!(u.tags.is_none(), "tags are added, never replaced");
        assert!(u.custom_fields.iter().any(|f| f.id == 4 && f.value == json!("12.50")));
        let c = u.comment.as_ref().unwrap();
        assert!(!c.public);
        assert!(c.html_body.as_ref().unwrap().contains("(no note)"));
        // A follow-up: its own external id, the link said in the note, the same marker.
        let f = t.for_followup(42);
        assert_eq!(f.plan.external_id, followup_external_id(&base.external_id));
        assert_eq!(f.marker, t.marker);
        let text = &f.plan.note.for_zendesk()[0].text;
        assert!(text.contains("Follow-up of Zendesk ticket #42"), "{text}");
        assert_eq!(f.create_steps().ticket.external_id, Some(followup_external_id(&base.external_id)));
    }

    #[test]
    fn the_desktop_request_wins_over_the_closing_form() {
        let settings = settings("");
        let setup = EscalationSetup::build(Some(form()), true, &settings, &fields(), &[]);
        let stored = StoredRequest {
            answers: [(5, AnswerValue::from("one"))].into_iter().collect(),
            note: Some("  ".into()),
            requested_at: Utc::now(),
        };
        let (r, source) = request_for(&setup.rebuilt, &conversation(), Some(stored));
        assert_eq!(source, RequestSource::Desktop);
        assert!(r.escalate);
        assert_eq!(r.note, None, "a blank note is no note");
        assert_eq!(r.answers.len(), 1);
    }

    #[test]
    fn answer_problems_make_one_log_line_and_json_details() {
        let settings = settings("");
        let fields = fields();
        let setup = EscalationSetup::build(Some(form()), true, &settings, &fields, &[]);
        let base = base_plan(&setup, &settings, &fields);
        let (request, source) = request_for(&setup.rebuilt, &conversation(), None);
        let t = plan_escalation(&base, &setup, &request, "new");
        let n = answers_note(source, &t.validated, &setup);
        let m = n.message.unwrap();
        assert!(m.contains("closing form") && m.contains("Order number = \"twelve\""), "{m}");
        assert!(m.contains("hidden fields not sent: Refund amount"), "{m}");
        let d: serde_json::Value = serde_json::from_str(&n.details.unwrap()).unwrap();
        assert_eq!(d["answer_errors"][0]["field_id"], json!(2));
        assert_eq!(d["answer_errors"][0]["code"], json!("invalid"));
    }

    #[test]
    fn autosave_tickets_are_told_apart_from_escalation_tickets() {
        let t = |tags: &[&str], status| crate::zendesk::Ticket {
            tags: tags.iter().map(|s| s.to_string()).collect(),
            status: Some(status),
            ..Default::default()
        };
        assert!(is_autosave_ticket(&t(&["iadvize", "iadvize_autosave"], TicketStatus::Solved)));
        assert!(is_autosave_ticket(&t(&["iadvize", "iadvize_autosave", "iadvize_escalation"], TicketStatus::Open)));
        assert!(!is_autosave_ticket(&t(&["iadvize", "iadvize_escalation"], TicketStatus::New)));
        assert!(is_autosave_ticket(&t(&[], TicketStatus::Closed)));
        assert!(!is_autosave_ticket(&t(&[], TicketStatus::Open)));
    }
}
