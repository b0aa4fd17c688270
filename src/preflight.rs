//! The pre-flight check (issue 6): before auto-save or escalation is switched on, and on demand,
//! the exact requests for a recent conversation of the site are built as delivery would build
//! them (nothing is sent) and checked against what Zendesk will do with them:
//!
//! - the credential: rejected, an end-user, a light agent (cannot create or solve tickets), an
//!   agent (cannot import; the sync also needs an admin for new requesters);
//! - the form: on a plan without ticket forms, missing, inactive;
//! - required fields with no value and no default (auto-save solves its tickets, so every field
//!   required to solve; escalations are not solved, so they are told apart as warnings), each
//!   named, with what an admin default would fix (set from the same screen);
//! - solving without an assignee (auto-save);
//! - in `create` mode, and for escalations (both use the Tickets API, where triggers run), the
//!   active triggers that would e-mail the requester for this ticket, conditions evaluated
//!   against each request (create, further transcript parts, the note).
//!
//! Findings are blockers (the delivery would fail or not do what the settings say), warnings
//! (it works, with something to know: a customer e-mail, a field agents must fill before
//! solving), or information. The check passes when there is no blocker.

use crate::api::Api;
use crate::check::{iadvize_client, zendesk_client};
use crate::error::ApiError;
use crate::escalation::{AnswerErrorCode, AnswerValue, Answers, FieldInput, RebuiltForm};
use crate::iadvize::{ClosedConversationsFilter, Conversation};
use crate::site::{DeliveryMode, Site, SiteId, SiteRef};
use crate::store::ledger as store;
use crate::sync::deliver::field_defaults;
use crate::sync::escalate::{self, EscalationSetup, EscalationTicket};
use crate::ticket::{self, FieldDefault, FormContext, MappingOptions, PlanWarning, TicketKind, TicketPlan};
use crate::zendesk::{
    PlanFeature, TicketField, TicketForm, Trigger, UserAccess, ZendeskClient, ZendeskError, requests,
};
use chrono::{DateTime, Duration, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

/// What to check for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PreflightMode {
    /// Auto-save in the site's delivery mode and auto-save form.
    Autosave,
    /// Escalation in the site's escalation form (Tickets API).
    Escalation,
}

impl std::str::FromStr for PreflightMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "autosave" | "auto-save" => Ok(PreflightMode::Autosave),
            "escalation" => Ok(PreflightMode::Escalation),
            other => Err(format!("unknown mode \"{other}\": use autosave or escalation")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "PreflightSeverity")]
pub enum Severity {
    /// The delivery would fail, or not do what the settings say.
    Blocker,
    /// It works, with something the admin should know.
    Warning,
    Info,
}

/// Stable codes the UI switches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "PreflightFindingKind")]
pub enum FindingKind {
    /// Zendesk does not accept the credential (or answers as an anonymous user).
    CredentialRejected,
    EndUserCredential,
    /// Light agents cannot create tickets, change statuses or be assignees.
    LightAgentCredential,
    /// Agents cannot import tickets or create end-users in bulk.
    AgentCredential,
    /// The site names a form and the plan has no ticket forms.
    FormsNotOnPlan,
    FormNotFound,
    FormInactive,
    /// No form chosen: Zendesk's default form (or every field) applies.
    NoFormChosen,
    /// A required field has no value and no default.
    RequiredFieldEmpty,
    /// A value the ticket would carry is not one Zendesk takes for its field.
    InvalidValue,
    /// An answer of the sample's closing form cannot be used as given.
    InvalidAnswer,
    /// An admin default does not fit its field.
    InvalidDefault,
    /// Solving needs an assignee (and on some accounts a group).
    SolveNeedsAssignee,
    /// An active trigger would e-mail the requester.
    TriggerEmailsRequester,
    /// The triggers could not be read.
    TriggersUnreadable,
    /// Something about the ticket's content (e.g. no link to the conversation).
    TicketContent,
    /// No conversation of the site was found: a stand-in was used.
    NoConversation,
    /// The mode is switched off for the site (the check says what it would do).
    ModeOff,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "PreflightFinding")]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// What will happen.
    pub message: String,
    /// What to do.
    pub fix: String,
    pub field_id: Option<i64>,
    pub field_title: Option<String>,
    pub trigger_id: Option<i64>,
    pub trigger_title: Option<String>,
    /// The setting that fixes it: a `site set` key (`autosave_form_id`, `delivery`...), or
    /// `field_default:<ID>` for an admin default of a field.
    pub setting: Option<String>,
}

impl Finding {
    fn new(kind: FindingKind, severity: Severity, message: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            kind,
            severity,
            message: message.into(),
            fix: fix.into(),
            field_id: None,
            field_title: None,
            trigger_id: None,
            trigger_title: None,
            setting: None,
        }
    }

    fn setting(mut self, s: impl Into<String>) -> Finding {
        self.setting = Some(s.into());
        self
    }

    fn field(mut self, id: i64, title: &str) -> Finding {
        self.field_id = Some(id);
        self.field_title = Some(title.to_owned());
        self.setting = Some(format!("field_default:{id}"));
        self
    }
}

/// Where the simulated conversation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "PreflightSampleSource")]
pub enum SampleSource {
    /// The sync ledger's copy.
    Ledger,
    /// Read from iAdvize.
    Iadvize,
    /// The site has no conversation yet: a minimal one stands in.
    StandIn,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "PreflightSample")]
pub struct Sample {
    pub conversation_id: String,
    #[ts(type = "string | null")]
    pub closed_at: Option<DateTime<Utc>>,
    pub source: SampleSource,
}

/// One request delivery would send, exactly (nothing was sent).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, rename = "PreflightRequest")]
pub struct SimulatedRequest {
    pub method: String,
    pub path: String,
    #[ts(type = "unknown")]
    pub body: Value,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PreflightReport {
    pub site_id: SiteId,
    pub mode: PreflightMode,
    #[ts(type = "string")]
    pub checked_at: DateTime<Utc>,
    /// No blocker.
    pub passed: bool,
    pub sample: Option<Sample>,
    /// The form the ticket goes into (None: the plan has no forms, or none applies).
    pub form_id: Option<i64>,
    pub form_name: Option<String>,
    pub findings: Vec<Finding>,
    pub requests: Vec<SimulatedRequest>,
}

// ------------------------------------------------------------------ triggers (pure)

/// One request as a trigger sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketEvent {
    /// In words, for the finding: "when the ticket is created".
    pub what: String,
    pub create: bool,
    /// The ticket's status after the request.
    pub status: String,
    /// The ticket has a public comment.
    pub ticket_public: bool,
    /// The comment the request adds, if any.
    pub comment_public: Option<bool>,
    /// Is the assignee the API user (None: no assignee)?
    pub assignee_is_caller: Option<bool>,
}

/// Would a condition hold? None: this check cannot tell.
fn condition_holds(field: &str, operator: Option<&str>, value: &Value, ev: &TicketEvent) -> Option<bool> {
    let positive = match operator.unwrap_or("is") {
        "is" | "value" => true,
        "is_not" | "not_value" => false,
        _ => return None,
    };
    let want = value.as_str().map(str::to_owned).or_else(|| value.as_bool().map(|b| b.to_string()));
    let want = want.as_deref().unwrap_or("");
    let holds = match field {
        "update_type" => (want.eq_ignore_ascii_case("create")) == ev.create,
        "status" => want.eq_ignore_ascii_case(&ev.status),
        "ticket_is_public" => (want == "public") == ev.ticket_public,
        "comment_is_public" => match want {
            "true" => ev.comment_public == Some(true),
            "false" => ev.comment_public == Some(false),
            "not_relevant" => ev.comment_public.is_some(),
            _ => return None,
        },
        "assignee_id" if want == "current_user" => match ev.assignee_is_caller {
            None => return Some(false),
            Some(is) => is,
        },
        _ => return None,
    };
    Some(holds == positive)
}

/// Would the trigger fire for this request? `Some(true)` yes, `Some(false)` no, None: its
/// conditions use fields this check cannot evaluate, and the rest does not rule it out.
pub fn trigger_fires(trigger: &Trigger, ev: &TicketEvent) -> Option<bool> {
    let eval = |c: &crate::zendesk::TriggerCondition| condition_holds(&c.field, c.operator.as_deref(), &c.value, ev);
    let all: Vec<Option<bool>> = trigger.all_conditions().iter().map(eval).collect();
    let any: Vec<Option<bool>> = trigger.any_conditions().iter().map(eval).collect();
    let all = if all.contains(&Some(false)) {
        Some(false)
    } else if all.iter().all(|x| *x == Some(true)) {
        Some(true)
    } else {
        None
    };
    let any = if any.is_empty() || any.contains(&Some(true)) {
        Some(true)
    } else if any.iter().all(|x| *x == Some(false)) {
        Some(false)
    } else {
        None
    };
    match (all, any) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// The findings for the triggers that e-mail the requester on these requests.
pub fn trigger_findings(triggers: &[Trigger], events: &[TicketEvent], mode: PreflightMode) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in triggers.iter().filter(|t| t.active && t.notifies_requester()) {
        let verdicts: Vec<(&TicketEvent, Option<bool>)> = events.iter().map(|e| (e, trigger_fires(t, e))).collect();
        let sure: Vec<&str> = verdicts.iter().filter(|(_, v)| *v == Some(true)).map(|(e, _)| e.what.as_str()).collect();
        let maybe: Vec<&str> = verdicts.iter().filter(|(_, v)| v.is_none()).map(|(e, _)| e.what.as_str()).collect();
        let (message, when) = if !sure.is_empty() {
            ("will e-mail the requester (the customer)", sure.join("; "))
        } else if !maybe.is_empty() {
            ("may e-mail the requester (the customer): some of its conditions cannot be checked here", maybe.join("; "))
        } else {
            continue;
        };
        let fix = match mode {
            PreflightMode::Autosave => format!(
                "Use import mode (delivery=import: no trigger runs on imported tickets), or add the condition \"Tags contains none of {}\" to the trigger in Admin Center > Objects and rules > Triggers.",
                TicketKind::AutoSave.tag()
            ),
            PreflightMode::Escalation => format!(
                "If customers should not hear about escalations, add the condition \"Tags contains none of {}\" to the trigger in Admin Center > Objects and rules > Triggers; if they should, nothing to do.",
                TicketKind::Escalation.tag()
            ),
        };
        let mut f = Finding::new(
            FindingKind::TriggerEmailsRequester,
            Severity::Warning,
            format!("The trigger \"{}\" {message} {when}.", t.title),
            fix,
        );
        f.trigger_id = Some(t.id);
        f.trigger_title = Some(t.title.clone());
        out.push(f);
    }
    out
}

// ------------------------------------------------------------------ required fields (pure)

fn options_hint(form: &RebuiltForm, id: i64) -> String {
    match form.field(id).map(|f| &f.input) {
        Some(FieldInput::Dropdown { options } | FieldInput::Multiselect { options }) => format!(
            " (one of: {})",
            options.iter().map(|o| o.value.as_str()).collect::<Vec<_>>().join(", ")
        ),
        Some(FieldInput::Date) => " (a date, YYYY-MM-DD)".into(),
        Some(FieldInput::Checkbox { .. }) => " (true or false)".into(),
        _ => String::new(),
    }
}

/// Which fields of `form`, required for `status`, the values to send leave empty; and which
/// values are not valid for their field. Zendesk's dropdown defaults are not counted as values
/// (whether Zendesk applies them to API tickets is unconfirmed): such fields are warnings.
pub fn field_findings(form: &RebuiltForm, values: &[(i64, Value)], status: &str, severity: Severity, when: &str) -> Vec<Finding> {
    let mut bare = form.clone();
    for f in &mut bare.fields {
        f.default_value = None;
        f.default_source = None;
    }
    let answers: Answers = values
        .iter()
        .filter_map(|(id, v)| serde_json::from_value::<AnswerValue>(v.clone()).ok().map(|a| (*id, a)))
        .collect();
    let checked = bare.validate(&answers, status);
    let mut out = Vec::new();
    for e in &checked.errors {
        let Some(id) = e.field_id else { continue };
        match e.code {
            AnswerErrorCode::MissingRequired => {
                let zendesk_default = form
                    .field(id)
                    .and_then(|f| f.default_value.as_ref())
                    .map(|d| d.display());
                let (sev, message) = match &zendesk_default {
                    Some(d) => (
                        Severity::Warning.max(severity),
                        format!("\"{}\" is required {when} and the ticket carries no value; Zendesk may fill in its default option \"{d}\", which API tickets are not sure to get.", e.field_title),
                    ),
                    None => (
                        severity,
                        format!("\"{}\" is required {when}, and the ticket carries no value for it and it has no default.", e.field_title),
                    ),
                };
                out.push(
                    Finding::new(
                        FindingKind::RequiredFieldEmpty,
                        sev,
                        message,
                        format!(
                            "Set a default value for \"{}\" (field {id}) in the site's defaults{}.",
                            e.field_title,
                            options_hint(form, id)
                        ),
                    )
                    .field(id, &e.field_title),
                );
            }
            AnswerErrorCode::Invalid | AnswerErrorCode::PartlyInvalid => out.push(
                Finding::new(
                    FindingKind::InvalidValue,
                    Severity::Blocker,
                    format!("The ticket would carry a value Zendesk refuses: {}.", e.line()),
                    format!("Change the site's default for \"{}\" (field {id}){}.", e.field_title, options_hint(form, id)),
                )
                .field(id, &e.field_title),
            ),
            _ => {}
        }
    }
    out
}

// ------------------------------------------------------------------ the check

/// A minimal finished conversation, when the site has none yet.
fn stand_in(site: &Site, now: DateTime<Utc>) -> Conversation {
    serde_json::from_value(json!({
        "id": "00000000-0000-4000-8000-000000000000",
        "legacy_id": null,
        "platform": site.settings.platform,
        "project": {"id": site.settings.iadvize_site_id, "name": site.settings.name},
        "created_at": now - Duration::minutes(10),
        "closed_at": now,
        "channel": "CHAT",
        "agents": [],
        "visitor": {"first_name": null, "last_name": null, "email": null, "country": null},
        "messages": [{
            "id": "00000000-0000-4000-8000-000000000001",
            "created_at": now - Duration::minutes(9),
            "author": {"type": "visitor"},
            "text": "Hello",
            "attachments": []
        }],
        "tags": [],
        "campaign": null,
        "closing_form": []
    }))
    .expect("a valid stand-in conversation")
}

/// A recent conversation of the site: the one asked for, else the ledger's latest (an
/// escalated one for the escalation mode), else iAdvize's latest, else a stand-in.
async fn sample(
    api: &Api,
    site: &Site,
    mode: PreflightMode,
    given: Option<&str>,
    findings: &mut Vec<Finding>,
) -> Result<(Conversation, Sample), ApiError> {
    let now = api.clock().now();
    let from_iadvize = |source| move |c: Conversation| {
        let s = Sample {
            conversation_id: c.id.to_string(),
            closed_at: c.closed_at,
            source,
        };
        (c, s)
    };
    if let Some(id) = given {
        let id = id.trim();
        if let Some(c) = store::payload(&api.store().conn(), site.id, id)?.and_then(|p| serde_json::from_str::<Conversation>(&p).ok()) {
            return Ok(from_iadvize(SampleSource::Ledger)(c));
        }
        let uuid = uuid::Uuid::parse_str(id).map_err(|_| {
            ApiError::new("sync.bad_conversation_id", format!("\"{id}\" is not an iAdvize conversation id (a UUID)."))
        })?;
        let c = iadvize_client(api, site)?.conversation(uuid).await?;
        return Ok(from_iadvize(SampleSource::Iadvize)(c));
    }
    let recent: Vec<(String, Option<String>)> = {
        let conn = api.store().conn();
        let mut stmt = conn.prepare(
            "SELECT conversation_id, payload FROM ledger WHERE site_id = ?1 \
             ORDER BY (CASE WHEN ?2 AND escalation THEN 0 ELSE 1 END), closed_at DESC LIMIT 20",
        )?;
        stmt.query_map(params![site.id, mode == PreflightMode::Escalation], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    if let Some(c) = recent.iter().find_map(|(_, p)| p.as_deref().and_then(|p| serde_json::from_str::<Conversation>(p).ok())) {
        return Ok(from_iadvize(SampleSource::Ledger)(c));
    }
    let client = iadvize_client(api, site);
    let read = async {
        let client = client?;
        if let Some(uuid) = recent.first().and_then(|(id, _)| uuid::Uuid::parse_str(id).ok()) {
            return Ok::<_, ApiError>(Some(client.conversation(uuid).await?));
        }
        for days in [1, 7, 30] {
            let filter = ClosedConversationsFilter::site(site.settings.iadvize_site_id, now - Duration::days(days), now);
            let page = client.closed_conversations_page(&filter, None).await?;
            if let Some(c) = page.conversations.into_iter().last() {
                return Ok(Some(c));
            }
        }
        Ok(None)
    };
    match read.await {
        Ok(Some(c)) => Ok(from_iadvize(SampleSource::Iadvize)(c)),
        outcome => {
            let why = match outcome {
                Err(e) => format!("iAdvize could not be read ({})", e.message),
                _ => "the site has no finished conversation in the last 30 days".into(),
            };
            findings.push(Finding::new(
                FindingKind::NoConversation,
                Severity::Info,
                format!("No conversation to simulate: {why}. A minimal stand-in conversation (no e-mail address, one message) was used."),
                "Run the check again once the site has finished conversations, or name one.",
            ));
            let c = stand_in(site, now);
            let s = Sample {
                conversation_id: c.id.to_string(),
                closed_at: c.closed_at,
                source: SampleSource::StandIn,
            };
            Ok((c, s))
        }
    }
}

/// The form the ticket goes into: the chosen one, else the account's default form.
/// `Ok(None)`: the plan has no forms (or the account has none usable).
async fn resolve_form(
    zendesk: &ZendeskClient,
    chosen: Option<i64>,
    setting: &str,
    findings: &mut Vec<Finding>,
) -> Result<(Option<TicketForm>, bool, Option<TicketForm>), ApiError> {
    // (effective form, plan has forms, chosen form when usable)
    match chosen {
        Some(id) => match zendesk.ticket_form(id).await {
            Ok(PlanFeature::Available(f)) if f.active => Ok((Some(f.clone()), true, Some(f))),
            Ok(PlanFeature::Available(f)) => {
                findings.push(
                    Finding::new(
                        FindingKind::FormInactive,
                        Severity::Blocker,
                        format!("The form \"{}\" ({id}) is inactive: Zendesk refuses tickets in it.", f.name),
                        format!("Activate it in Zendesk, or choose another form ({setting})."),
                    )
                    .setting(setting),
                );
                Ok((None, true, None))
            }
            Ok(PlanFeature::NotOnPlan) => {
                findings.push(
                    Finding::new(
                        FindingKind::FormsNotOnPlan,
                        Severity::Blocker,
                        format!("The site names the form {id}, but this Zendesk plan has no ticket forms: the form would be ignored and tickets would carry every active field instead."),
                        format!("Clear the form ({setting}=none) to use the account's fields without forms, or move the account to a plan with ticket forms (Suite Growth and above, Support Enterprise)."),
                    )
                    .setting(setting),
                );
                Ok((None, false, None))
            }
            Err(ZendeskError::NotFound { .. }) => {
                findings.push(
                    Finding::new(
                        FindingKind::FormNotFound,
                        Severity::Blocker,
                        format!("Zendesk has no form {id}: it may have been deleted."),
                        format!("Choose the form again ({setting})."),
                    )
                    .setting(setting),
                );
                Ok((None, true, None))
            }
            Err(e) => Err(e.into()),
        },
        None => match zendesk.ticket_forms().await? {
            PlanFeature::Available(forms) => {
                let active: Vec<TicketForm> = forms.into_iter().filter(|f| f.active).collect();
                let default = active.iter().find(|f| f.default).cloned().or_else(|| active.into_iter().next());
                findings.push(
                    Finding::new(
                        FindingKind::NoFormChosen,
                        Severity::Info,
                        format!(
                            "No form is chosen: Zendesk puts tickets in its default form{}.",
                            default.as_ref().map(|f| format!(" \"{}\"", f.name)).unwrap_or_default()
                        ),
                        format!("Choose the form tickets should go into ({setting})."),
                    )
                    .setting(setting),
                );
                Ok((default, true, None))
            }
            PlanFeature::NotOnPlan => Ok((None, false, None)),
        },
    }
}

fn request(method: &str, path: impl Into<String>, body: Value, note: Option<String>) -> SimulatedRequest {
    SimulatedRequest {
        method: method.into(),
        path: path.into(),
        body,
        note,
    }
}

/// The requests of an escalation of this conversation, and the trigger events they make.
fn escalation_requests(ticket: &EscalationTicket, existing: Option<i64>) -> (Vec<SimulatedRequest>, Vec<TicketEvent>) {
    match existing {
        Some(id) => {
            let steps = ticket.update_steps();
            let requests = steps
                .iter()
                .map(|u| request("PUT", format!("/api/v2/tickets/{id}"), requests::update_ticket_body(u), None))
                .collect();
            let events = vec![TicketEvent {
                what: "when the auto-save ticket is reopened with the escalation note".into(),
                create: false,
                status: "open".into(),
                ticket_public: true,
                comment_public: Some(false),
                assignee_is_caller: None,
            }];
            (
                requests,
                events,
            )
        }
        None => {
            let steps = ticket.create_steps();
            let mut out = vec![request(
                "POST",
                "/api/v2/tickets",
                requests::create_ticket_body(&steps.ticket),
                Some(format!("Idempotency-Key: {}", escalate::create_key(&ticket.plan.external_id))),
            )];
            out.extend(steps.updates.iter().map(|u| request("PUT", "/api/v2/tickets/{id}", requests::update_ticket_body(u), None)));
            let events = create_events("new", None, ticket.plan.transcript.parts.len(), "escalation ticket");
            (out, events)
        }
    }
}

/// Trigger events of a Tickets-API delivery: the create, further transcript parts (also for
/// longer conversations than the sample), the note.
fn create_events(status: &str, assignee_is_caller: Option<bool>, parts: usize, what: &str) -> Vec<TicketEvent> {
    let first_public = parts > 0;
    vec![
        TicketEvent {
            what: format!("when the {what} is created"),
            create: true,
            status: status.into(),
            ticket_public: first_public,
            comment_public: Some(first_public),
            assignee_is_caller,
        },
        TicketEvent {
            what: if parts > 1 {
                "when each further part of the transcript is added".into()
            } else {
                "when a long conversation's further transcript parts are added".into()
            },
            create: false,
            status: status.into(),
            ticket_public: true,
            comment_public: Some(true),
            assignee_is_caller,
        },
        TicketEvent {
            what: "when the private note is added".into(),
            create: false,
            status: status.into(),
            ticket_public: first_public,
            comment_public: Some(false),
            assignee_is_caller,
        },
    ]
}

fn values_of(plan: &TicketPlan) -> Vec<(i64, Value)> {
    plan.fields.iter().map(|f| (f.id, f.value.clone())).collect()
}

impl Api {
    /// The pre-flight check of a site for a mode, on a recent conversation of the site.
    pub async fn preflight(&self, site: &SiteRef, mode: PreflightMode) -> Result<PreflightReport, ApiError> {
        self.preflight_conversation(site, mode, None).await
    }

    /// [`preflight`](Self::preflight) on a given conversation (UUID).
    pub async fn preflight_conversation(&self, site: &SiteRef, mode: PreflightMode, conversation: Option<&str>) -> Result<PreflightReport, ApiError> {
        let site = self.site(site)?;
        let s = &site.settings;
        let mut report = PreflightReport {
            site_id: site.id,
            mode,
            checked_at: self.clock().now(),
            passed: false,
            sample: None,
            form_id: None,
            form_name: None,
            findings: Vec::new(),
            requests: Vec::new(),
        };
        let findings = &mut report.findings;
        let (on, what) = match mode {
            PreflightMode::Autosave => (s.autosave_enabled, "Auto-save"),
            PreflightMode::Escalation => (s.escalation_enabled, "Escalation"),
        };
        if !on {
            findings.push(Finding::new(
                FindingKind::ModeOff,
                Severity::Info,
                format!("{what} is off for this site: this is what it would do once on."),
                "Switch it on in the site's settings when the check passes.",
            ).setting(if mode == PreflightMode::Autosave { "autosave" } else { "escalation" }));
        }
        let tickets_api = mode == PreflightMode::Escalation || s.delivery_mode == DeliveryMode::Create;

        // 1. The credential.
        let zendesk = zendesk_client(self, &site)?;
        let me = match zendesk.me().await {
            Ok(me) => me,
            Err(ZendeskError::Unauthorized { .. }) => {
                findings.push(rejected());
                return Ok(finish(report));
            }
            Err(e) => return Err(e.into()),
        };
        let credential_setting = match s.zendesk_auth {
            crate::site::ZendeskAuthKind::ApiToken => "zendesk_email",
            crate::site::ZendeskAuthKind::OauthClient => "zendesk_oauth_client_id",
        };
        let access = me.access();
        match access {
            UserAccess::Anonymous => {
                findings.push(rejected());
                return Ok(finish(report));
            }
            UserAccess::EndUser => {
                findings.push(Finding::new(
                    FindingKind::EndUserCredential,
                    Severity::Blocker,
                    "The site's Zendesk user is an end-user: it cannot create or import tickets.",
                    "Use an admin's e-mail and credential in the site's settings.",
                ).setting(credential_setting));
                return Ok(finish(report));
            }
            UserAccess::LightAgent => findings.push(Finding::new(
                FindingKind::LightAgentCredential,
                Severity::Blocker,
                "The site's Zendesk user is a light agent: light agents can only read tickets and add private comments; Zendesk refuses the tickets, imports and status changes this app sends.",
                "Use an admin's e-mail and credential in the site's settings.",
            ).setting(credential_setting)),
            UserAccess::Agent => findings.push(Finding::new(
                FindingKind::AgentCredential,
                Severity::Blocker,
                match (mode, s.delivery_mode) {
                    (PreflightMode::Autosave, DeliveryMode::Import) => "The site's Zendesk user is an agent, not an admin: importing tickets (import mode) and creating requesters in bulk need an admin.",
                    _ => "The site's Zendesk user is an agent, not an admin: Zendesk lets agents create tickets, but this app's sync needs an admin (requesters are created in bulk, and the sync refuses to start without one).",
                },
                "Use an admin's e-mail and credential in the site's settings.",
            ).setting(credential_setting)),
            UserAccess::Admin => {}
        }
        let me_id = me.id.unwrap_or_default();

        // 2. The form, fields, defaults.
        let fields: Vec<TicketField> = zendesk.ticket_fields().await?;
        let defaults: Vec<FieldDefault> = field_defaults(self, site.id)?;
        let (chosen, setting) = match mode {
            PreflightMode::Autosave => (s.autosave_form_id, "autosave_form_id"),
            PreflightMode::Escalation => (s.escalation_form_id, "escalation_form_id"),
        };
        let (effective, forms_on_plan, usable) = resolve_form(&zendesk, chosen, setting, findings).await?;
        report.form_id = effective.as_ref().map(|f| f.id);
        report.form_name = effective.as_ref().map(|f| f.display_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| f.name.clone()));
        if !forms_on_plan && chosen.is_none() && mode == PreflightMode::Escalation {
            findings.push(Finding::new(
                FindingKind::NoFormChosen,
                Severity::Warning,
                "This Zendesk plan has no ticket forms: the escalation form asks every active custom field of the account.",
                "Nothing to do, unless escalations should ask fewer fields (ticket forms come with Suite Growth and above).",
            ));
        }

        // 3. The conversation and its ticket, as delivery builds it.
        let (conversation, sample) = sample(self, &site, mode, conversation, findings).await?;
        let entry = store::entry(&self.store().conn(), site.id, &sample.conversation_id)?;
        report.sample = Some(sample);
        let found = match conversation.visitor.usable_email() {
            Some(email) => zendesk.find_user_by_email(email).await?.and_then(|u| u.id),
            None => None,
        };
        let requester = ticket::requester_for(&conversation.visitor, s.requester_policy, found, me_id);
        let options = MappingOptions {
            kind: match mode {
                PreflightMode::Autosave => TicketKind::AutoSave,
                PreflightMode::Escalation => TicketKind::Escalation,
            },
            time_zone: chrono_tz::Tz::UTC,
            field_defaults: defaults.clone(),
            assignee_id: Some(me_id),
            comment_author_id: None,
        };
        let plan_form = match mode {
            PreflightMode::Autosave => usable.clone(),
            PreflightMode::Escalation => effective.clone(),
        };
        let plan = ticket::plan_ticket(&conversation, s, FormContext::new(plan_form.as_ref(), &fields), requester, &options);
        for w in &plan.warnings {
            if matches!(w, PlanWarning::NoConversationLink { .. } | PlanWarning::DuplicateReportingField { .. }) {
                findings.push(Finding::new(FindingKind::TicketContent, Severity::Warning, w.message(), "See the message."));
            }
        }
        // The form whose requirements apply: the one Zendesk puts the ticket in, or every
        // active field on a plan without forms.
        let check_form = match &effective {
            Some(f) => f.clone(),
            None if !forms_on_plan => TicketForm {
                id: 0,
                name: "All active ticket fields".into(),
                active: true,
                ticket_field_ids: fields.iter().filter(|f| f.active && f.is_custom()).map(|f| f.id).collect(),
                ..TicketForm::default()
            },
            None => TicketForm::default(),
        };
        let rebuilt = RebuiltForm::build(&check_form, &fields, &s.escalation_note_label);
        let mut events: Vec<TicketEvent> = Vec::new();
        match mode {
            PreflightMode::Autosave => {
                // 4. Solved: required fields, values, assignee.
                findings.extend(field_findings(&rebuilt, &values_of(&plan), "solved", Severity::Blocker, "to solve a ticket (auto-saved tickets are solved)"));
                if matches!(access, UserAccess::LightAgent) {
                    findings.push(Finding::new(
                        FindingKind::SolveNeedsAssignee,
                        Severity::Blocker,
                        "Zendesk solves a ticket only with an assignee (on some accounts also a group); the app assigns auto-saved tickets to its own Zendesk user, and a light agent cannot be an assignee.",
                        "Use an admin's credential: the app then assigns solved tickets to that admin.",
                    ).setting(credential_setting));
                }
                match s.delivery_mode {
                    DeliveryMode::Import => {
                        let mut import_plan = plan.clone();
                        let mut note = None;
                        if let Some(user) = plan.requester.user_to_create() {
                            report.requests.push(request("POST", "/api/v2/users/create_many", json!({ "users": [user] }), Some("the new end-user is created first".into())));
                            import_plan = import_plan.with_created_requester(0);
                            note = Some("requester_id 0 stands for the end-user created by the request before".into());
                        }
                        if let Ok(body) = import_plan.to_import() {
                            report.requests.push(request("POST", "/api/v2/imports/tickets/create_many", requests::import_many_body(std::slice::from_ref(&body)), note));
                        }
                    }
                    DeliveryMode::Create => {
                        let steps = plan.to_create();
                        report.requests.push(request("POST", "/api/v2/tickets", requests::create_ticket_body(&steps.ticket), Some(format!("Idempotency-Key: {}", plan.external_id))));
                        report.requests.extend(steps.updates.iter().map(|u| request("PUT", "/api/v2/tickets/{id}", requests::update_ticket_body(u), None)));
                        events = create_events("solved", Some(true), plan.transcript.parts.len(), "auto-save ticket");
                    }
                }
            }
            PreflightMode::Escalation => {
                let setup = EscalationSetup::build(effective.clone().filter(|_| forms_on_plan), forms_on_plan, s, &fields, &defaults);
                for e in &setup.default_errors {
                    let id = e.field_id.unwrap_or_default();
                    findings.push(Finding::new(FindingKind::InvalidDefault, Severity::Warning, format!("An admin default is not used: {}.", e.line()), "Set a valid default for the field, or clear it.").field(id, &e.field_title));
                }
                let stored = escalate::stored_request(&self.store().conn(), site.id, &report.sample.as_ref().map(|x| x.conversation_id.clone()).unwrap_or_default())?;
                let (esc_request, _) = escalate::request_for(&setup.rebuilt, &conversation, stored);
                let existing = entry.as_ref().and_then(|e| e.ticket_id).filter(|_| entry.as_ref().is_some_and(|e| e.state != crate::sync::ledger::State::Escalated));
                let status = if existing.is_some() { "open" } else { "new" };
                let ticket = escalate::plan_escalation(&plan, &setup, &esc_request, status);
                for e in &ticket.validated.errors {
                    if e.code == AnswerErrorCode::MissingRequired {
                        continue;
                    }
                    let f = Finding::new(
                        FindingKind::InvalidAnswer,
                        Severity::Warning,
                        format!("An answer of this conversation's closing form is not used as given: {}.", e.line()),
                        "Agents' answers are checked one by one; export the closing form again if the form changed.",
                    );
                    findings.push(match e.field_id {
                        Some(id) => f.field(id, &e.field_title),
                        None => f,
                    });
                }
                // Requirements for the status the ticket gets, then to solve (agents must fill
                // those before solving).
                let values = values_of(&ticket.plan);
                findings.extend(field_findings(&setup.rebuilt, &values, status, Severity::Warning, &format!("when the ticket is {status}")));
                let known: Vec<i64> = findings.iter().filter(|f| f.kind == FindingKind::RequiredFieldEmpty).filter_map(|f| f.field_id).collect();
                findings.extend(
                    field_findings(&setup.rebuilt, &values, "solved", Severity::Warning, "to solve the escalated ticket (agents must fill it before solving)")
                        .into_iter()
                        .filter(|f| f.kind == FindingKind::RequiredFieldEmpty && !f.field_id.is_some_and(|id| known.contains(&id))),
                );
                let (reqs, evs) = escalation_requests(&ticket, existing);
                report.requests = reqs;
                events = evs;
            }
        }

        // 5. Triggers, where they run.
        if tickets_api {
            match zendesk.active_triggers().await {
                Ok(triggers) => findings.extend(trigger_findings(&triggers, &events, mode)),
                Err(e) => findings.push(Finding::new(
                    FindingKind::TriggersUnreadable,
                    Severity::Warning,
                    format!("The account's triggers could not be read ({}): tickets sent through the Tickets API run them, and some may e-mail customers.", e.code()),
                    "Check the active triggers that notify the requester in Admin Center > Objects and rules > Triggers.",
                )),
            }
        }
        Ok(finish(report))
    }
}

fn rejected() -> Finding {
    Finding::new(
        FindingKind::CredentialRejected,
        Severity::Blocker,
        "Zendesk does not accept the site's credential (or answers as an anonymous user): nothing can be sent.",
        "Check the admin e-mail and paste the API token or OAuth secret again (run the connection check).",
    )
}

fn finish(mut report: PreflightReport) -> PreflightReport {
    report.findings.sort_by_key(|f| f.severity);
    report.passed = !report.findings.iter().any(|f| f.severity == Severity::Blocker);
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::RequesterChoice;

    fn trigger(all: Value, any: Value, recipient: &str) -> Trigger {
        serde_json::from_value(json!({
            "id": 1, "title": "T", "active": true,
            "conditions": {"all": all, "any": any},
            "actions": [{"field": "notification_user", "value": [recipient, "s", "b"]}]
        }))
        .unwrap()
    }

    fn received() -> Trigger {
        trigger(
            json!([
                {"field": "update_type", "operator": "is", "value": "Create"},
                {"field": "status", "operator": "is_not", "value": "solved"},
                {"field": "ticket_is_public", "operator": "is", "value": "public"}
            ]),
            json!([]),
            "requester_id",
        )
    }

    fn comment_update() -> Trigger {
        trigger(
            json!([
                {"field": "update_type", "operator": "is", "value": "Change"},
                {"field": "comment_is_public", "operator": "is", "value": "true"}
            ]),
            json!([]),
            "requester_id",
        )
    }

    #[test]
    fn the_default_triggers_are_evaluated_per_request() {
        let escalation = create_events("new", None, 1, "escalation ticket");
        assert_eq!(trigger_fires(&received(), &escalation[0]), Some(true), "a new public ticket");
        assert_eq!(trigger_fires(&received(), &escalation[2]), Some(false), "not on an update");
        assert_eq!(trigger_fires(&comment_update(), &escalation[1]), Some(true), "a further public part");
        assert_eq!(trigger_fires(&comment_update(), &escalation[2]), Some(false), "the note is private");
        let autosave = create_events("solved", Some(true), 1, "auto-save ticket");
        assert_eq!(trigger_fires(&received(), &autosave[0]), Some(false), "created solved");
        let assignee = trigger(
            json!([{"field": "assignee_id", "operator": "is_not", "value": "current_user"}]),
            json!([]),
            "assignee_id",
        );
        assert_eq!(trigger_fires(&assignee, &autosave[1]), Some(false));
        assert_eq!(trigger_fires(&assignee, &escalation[1]), Some(false), "no assignee: is_not current_user fails too");
    }

    #[test]
    fn unknown_conditions_make_a_maybe_unless_another_rules_it_out() {
        let t = trigger(
            json!([{"field": "update_type", "operator": "is", "value": "Create"}, {"field": "brand_id", "operator": "is", "value": "7"}]),
            json!([]),
            "requester_id",
        );
        let ev = create_events("new", None, 1, "x");
        assert_eq!(trigger_fires(&t, &ev[0]), None);
        assert_eq!(trigger_fires(&t, &ev[2]), Some(false));
        let any = trigger(json!([]), json!([{"field": "status", "operator": "is", "value": "new"}, {"field": "via_id", "operator": "is", "value": "4"}]), "requester_id");
        assert_eq!(trigger_fires(&any, &ev[0]), Some(true), "one `any` condition holding is enough");
        let any = trigger(json!([]), json!([{"field": "status", "operator": "is", "value": "open"}, {"field": "via_id", "operator": "is", "value": "4"}]), "requester_id");
        assert_eq!(trigger_fires(&any, &ev[0]), None);
    }

    #[test]
    fn only_triggers_that_e_mail_the_requester_are_reported_with_the_fix_of_the_mode() {
        let agents = trigger(json!([{"field": "update_type", "operator": "is", "value": "Create"}]), json!([]), "all_agents");
        let ev = create_events("new", None, 1, "escalation ticket");
        let found = trigger_findings(&[received(), agents, comment_update()], &ev, PreflightMode::Escalation);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].message.contains("will e-mail") && found[0].message.contains("created"), "{}", found[0].message);
        assert!(found[1].message.contains("further transcript parts"), "{}", found[1].message);
        assert!(found.iter().all(|f| f.severity == Severity::Warning && f.fix.contains("iadvize_escalation")));
        let auto = trigger_findings(&[received(), comment_update()], &create_events("solved", Some(true), 1, "auto-save ticket"), PreflightMode::Autosave);
        assert_eq!(auto.len(), 1, "created solved: only the comment trigger: {auto:?}");
        assert!(auto[0].fix.contains("delivery=import"));
    }

    fn form_and_fields() -> (TicketForm, Vec<TicketField>) {
        let fields: Vec<TicketField> = serde_json::from_value(json!([
            {"id": 1, "type": "tagger", "title": "Level", "active": true, "removable": true, "required": true,
             "custom_field_options": [{"id": 11, "name": "One", "value": "one"}, {"id": 12, "name": "Two", "value": "two"}]},
            {"id": 2, "type": "tagger", "title": "Reason", "active": true, "removable": true, "required": true,
             "custom_field_options": [{"id": 21, "name": "Other", "value": "other", "default": true}]},
            {"id": 3, "type": "integer", "title": "Order", "active": true, "removable": true},
            {"id": 4, "type": "text", "title": "Optional", "active": true, "removable": true}
        ]))
        .unwrap();
        let form: TicketForm = serde_json::from_value(json!({"id": 9, "name": "F", "active": true, "ticket_field_ids": [1, 2, 3, 4]})).unwrap();
        (form, fields)
    }

    #[test]
    fn required_fields_without_value_are_named_with_their_fix() {
        let (form, fields) = form_and_fields();
        let rebuilt = RebuiltForm::build(&form, &fields, "");
        let found = field_findings(&rebuilt, &[(3, json!("12"))], "solved", Severity::Blocker, "to solve");
        assert_eq!(found.len(), 2, "{found:?}");
        let level = found.iter().find(|f| f.field_id == Some(1)).unwrap();
        assert_eq!((level.kind, level.severity), (FindingKind::RequiredFieldEmpty, Severity::Blocker));
        assert!(level.message.contains("\"Level\"") && level.fix.contains("one, two"), "{level:?}");
        assert_eq!(level.setting.as_deref(), Some("field_default:1"));
        let reason = found.iter().find(|f| f.field_id == Some(2)).unwrap();
        assert_eq!(reason.severity, Severity::Warning, "Zendesk's own default may fill it");
        // With values (a default set), nothing is missing; a bad value is a blocker.
        let ok = field_findings(&rebuilt, &[(1, json!("two")), (2, json!("other"))], "solved", Severity::Blocker, "to solve");
        assert!(ok.is_empty(), "{ok:?}");
        let bad = field_findings(&rebuilt, &[(1, json!("three")), (2, json!("other"))], "solved", Severity::Blocker, "to solve");
        assert_eq!((bad.len(), bad[0].kind, bad[0].severity), (1, FindingKind::InvalidValue, Severity::Blocker));
        // Not solved: nothing required.
        assert!(field_findings(&rebuilt, &[], "new", Severity::Warning, "when new").is_empty());
    }

    #[test]
    fn blockers_fail_the_check_and_come_first() {
        let mut r = PreflightReport {
            site_id: 1,
            mode: PreflightMode::Autosave,
            checked_at: Utc::now(),
            passed: false,
            sample: None,
            form_id: None,
            form_name: None,
            findings: vec![
                Finding::new(FindingKind::ModeOff, Severity::Info, "", ""),
                Finding::new(FindingKind::TriggerEmailsRequester, Severity::Warning, "", ""),
            ],
            requests: vec![],
        };
        r = finish(r);
        assert!(r.passed, "warnings do not fail the check");
        r.findings.push(rejected());
        r = finish(r);
        assert!(!r.passed);
        assert_eq!(r.findings[0].kind, FindingKind::CredentialRejected);
        assert_eq!("escalation".parse::<PreflightMode>(), Ok(PreflightMode::Escalation));
        assert!("both".parse::<PreflightMode>().is_err());
    }

    #[test]
    fn the_stand_in_conversation_plans_a_ticket() {
        let site = Site {
            id: 1,
            settings: crate::site::SiteSettings {
                name: "S".into(),
                platform: crate::site::Platform::Ha,
                iadvize_site_id: 3101,
                zendesk_domain: "https://a.zendesk.com".into(),
                zendesk_email: "a@a.example".into(),
                zendesk_auth: crate::site::ZendeskAuthKind::ApiToken,
                zendesk_oauth_client_id: None,
                country: String::new(),
                start_from: Utc::now(),
                autosave_enabled: true,
                autosave_form_id: None,
                escalation_enabled: false,
                escalation_form_id: None,
                escalation_note_label: String::new(),
                grace_seconds: 0,
                delivery_mode: DeliveryMode::Import,
                poll_seconds: 60,
                conversation_url_template: crate::site::DEFAULT_CONVERSATION_URL_TEMPLATE.into(),
                requester_policy: crate::site::RequesterPolicy::CreateEndUser,
                zendesk_api_url: None,
                iadvize_api_url: None,
            },
            secrets: vec![],
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let c = stand_in(&site, Utc::now());
        assert_eq!(c.messages.len(), 1);
        let plan = ticket::plan_ticket(&c, &site.settings, FormContext::new(None, &[]), RequesterChoice::Admin { user_id: 1, reason: ticket::AdminReason::NoEmail }, &MappingOptions::default());
        assert!(plan.to_import().is_ok());
    }
}
