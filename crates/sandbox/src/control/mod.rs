//! Inspection and control of a running sandbox, in-process ([`Control`]) and over HTTP
//! (`/_sandbox/...` on the Zendesk listener, see [`http`]) for tests that run a child process.

pub mod http;

use crate::config::{Latency, Plan, Switches};
use crate::faults::{Api, FaultRule};
use crate::shared::{RequestStats, Shared};
use crate::zendesk::model::{CreatedVia, Role, Ticket, User};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// A cheap, cloneable handle on a running sandbox.
#[derive(Clone)]
pub struct Control {
    pub(crate) sh: Arc<Shared>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CommentView {
    pub id: i64,
    pub author_id: i64,
    pub body: String,
    pub html_body: String,
    pub public: bool,
    pub created_at: DateTime<Utc>,
    /// The body was cut at 64 KiB (Zendesk itself says nothing).
    pub truncated: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FieldValueView {
    pub id: i64,
    pub value: Value,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TicketView {
    pub id: i64,
    pub subject: Option<String>,
    pub status: String,
    pub priority: Option<String>,
    pub requester_id: i64,
    pub requester_email: Option<String>,
    pub submitter_id: i64,
    pub assignee_id: Option<i64>,
    pub ticket_form_id: Option<i64>,
    pub external_id: Option<String>,
    pub tags: Vec<String>,
    /// Only fields with a value.
    pub custom_fields: Vec<FieldValueView>,
    pub comments: Vec<CommentView>,
    /// `"api"` (Tickets API: triggers ran) or `"import"`.
    pub via: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub solved_at: Option<DateTime<Utc>>,
    pub followup_source_id: Option<i64>,
}

impl TicketView {
    pub fn field(&self, id: i64) -> Option<&Value> {
        self.custom_fields
            .iter()
            .find(|f| f.id == id)
            .map(|f| &f.value)
    }
}

/// A ticket without its comments' text and fields: what a benchmark checks on 100,000 tickets
/// without copying every transcript.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TicketSummary {
    pub id: i64,
    pub external_id: Option<String>,
    pub status: String,
    /// `"api"` or `"import"`.
    pub via: String,
    pub requester_id: i64,
    pub public_comments: usize,
    pub private_comments: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    /// `admin`, `agent`, `light_agent` or `end_user`.
    pub role: String,
    /// Whether the user's identity is verified (`verified: true` on create).
    #[serde(default)]
    pub verified: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EmailView {
    pub to_user_id: i64,
    pub to: Option<String>,
    pub ticket_id: i64,
    pub trigger_id: i64,
    pub trigger_title: String,
    pub sent_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct JobView {
    pub id: String,
    pub job_type: String,
    /// queued, working or completed (as of the sandbox clock).
    pub status: String,
    pub total: usize,
    pub results: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub done_at: DateTime<Utc>,
}

pub(crate) fn ticket_view(t: &Ticket, users: &std::collections::BTreeMap<i64, User>) -> TicketView {
    TicketView {
        id: t.id,
        subject: t.subject.clone(),
        status: t.status.clone(),
        priority: t.priority.clone(),
        requester_id: t.requester_id,
        requester_email: users.get(&t.requester_id).and_then(|u| u.email.clone()),
        submitter_id: t.submitter_id,
        assignee_id: t.assignee_id,
        ticket_form_id: t.ticket_form_id,
        external_id: t.external_id.clone(),
        tags: t.tags.clone(),
        custom_fields: t
            .custom_fields
            .iter()
            .map(|(id, v)| FieldValueView {
                id: *id,
                value: v.clone(),
            })
            .collect(),
        comments: t
            .comments
            .iter()
            .map(|c| CommentView {
                id: c.id,
                author_id: c.author_id,
                body: c.body.clone(),
                html_body: c.html_body.clone(),
                public: c.public,
                created_at: c.created_at,
                truncated: c.truncated,
            })
            .collect(),
        via: match t.via {
            CreatedVia::Api => "api".into(),
            CreatedVia::Import => "import".into(),
        },
        created_at: t.created_at,
        updated_at: t.updated_at,
        solved_at: t.solved_at,
        followup_source_id: t.followup_source_id,
    }
}

pub(crate) fn user_view(u: &User) -> UserView {
    UserView {
        id: u.id,
        name: u.name.clone(),
        email: u.email.clone(),
        role: match u.role {
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::LightAgent => "light_agent",
            Role::EndUser => "end_user",
        }
        .into(),
        verified: u.verified,
        created_at: u.created_at,
    }
}

impl Control {
    // ---- clock ----
    pub fn now(&self) -> DateTime<Utc> {
        self.sh.clock.now()
    }
    /// Moves sandbox time forward: expires tokens and idempotency keys, completes jobs,
    /// indexes new users, closes solved tickets, resets rate-limit windows.
    pub fn advance(&self, by: Duration) {
        self.sh.clock.advance(by);
    }

    // ---- Zendesk inspection ----
    pub fn tickets(&self) -> Vec<TicketView> {
        self.sh.with_zd(|zd, _| {
            zd.tickets
                .values()
                .map(|t| ticket_view(t, &zd.users))
                .collect()
        })
    }
    /// Every ticket, summarised (no comment text), by id.
    pub fn ticket_summaries(&self) -> Vec<TicketSummary> {
        self.sh.with_zd(|zd, _| {
            zd.tickets
                .values()
                .map(|t| {
                    let public = t.comments.iter().filter(|c| c.public).count();
                    TicketSummary {
                        id: t.id,
                        external_id: t.external_id.clone(),
                        status: t.status.clone(),
                        via: match t.via {
                            CreatedVia::Api => "api".into(),
                            CreatedVia::Import => "import".into(),
                        },
                        requester_id: t.requester_id,
                        public_comments: public,
                        private_comments: t.comments.len() - public,
                    }
                })
                .collect()
        })
    }
    pub fn ticket(&self, id: i64) -> Option<TicketView> {
        self.sh
            .with_zd(|zd, _| zd.tickets.get(&id).map(|t| ticket_view(t, &zd.users)))
    }
    pub fn tickets_by_external_id(&self, external_id: &str) -> Vec<TicketView> {
        self.tickets()
            .into_iter()
            .filter(|t| t.external_id.as_deref() == Some(external_id))
            .collect()
    }
    /// The seeded records of custom object `key`, `(id, name)`.
    pub fn custom_object_records(&self, key: &str) -> Vec<(String, String)> {
        self.sh.with_zd(|zd, _| zd.custom_object_records.get(key).cloned().unwrap_or_default())
    }
    /// The seeded organizations, `(id, name)`.
    pub fn organizations(&self) -> Vec<(i64, String)> {
        self.sh.with_zd(|zd, _| zd.organizations.clone())
    }
    pub fn users(&self) -> Vec<UserView> {
        self.sh
            .with_zd(|zd, _| zd.users.values().map(user_view).collect())
    }
    pub fn user_by_email(&self, email: &str) -> Option<UserView> {
        self.sh
            .with_zd(|zd, _| zd.user_by_email(email).map(user_view))
    }
    /// E-mails sent by triggers, oldest first.
    pub fn emails(&self) -> Vec<EmailView> {
        self.sh.with_zd(|zd, _| {
            zd.emails
                .iter()
                .map(|e| EmailView {
                    to_user_id: e.to_user_id,
                    to: e.to.clone(),
                    ticket_id: e.ticket_id,
                    trigger_id: e.trigger_id,
                    trigger_title: e.trigger_title.clone(),
                    sent_at: e.sent_at,
                })
                .collect()
        })
    }
    pub fn jobs(&self) -> Vec<JobView> {
        self.sh.with_zd(|zd, _| {
            zd.jobs
                .iter()
                .map(|j| JobView {
                    id: j.id.clone(),
                    job_type: j.job_type.clone(),
                    status: j.status.clone(),
                    total: j.total,
                    results: j.results.clone(),
                    created_at: j.created_at,
                    done_at: j.done_at,
                })
                .collect()
        })
    }
    /// Request counts per endpoint (`METHOD /template`) and per status (0 = no response sent).
    pub fn requests(&self) -> RequestStats {
        self.sh.stats.lock().unwrap().clone()
    }
    pub fn request_count(&self, api: Api, endpoint: &str) -> u64 {
        self.requests().count(api, endpoint)
    }

    // ---- control ----
    /// Back to the seeded data; also clears faults, counts and rate-limit windows.
    pub fn reset(&self) {
        self.sh.reset();
    }
    pub fn plan(&self) -> Plan {
        self.sh.settings().plan
    }
    pub fn set_plan(&self, plan: Plan) {
        self.sh.settings.write().unwrap().plan = plan;
    }
    /// Overrides whether ticket forms exist (None: the plan decides).
    pub fn set_ticket_forms(&self, forms: Option<bool>) {
        self.sh.settings.write().unwrap().ticket_forms = forms;
    }
    pub fn has_ticket_forms(&self) -> bool {
        self.sh.settings().has_ticket_forms()
    }
    pub fn add_fault(&self, rule: FaultRule) {
        self.sh.faults.add(rule);
    }
    pub fn clear_faults(&self) {
        self.sh.faults.clear();
    }
    pub fn faults(&self) -> Vec<FaultRule> {
        self.sh.faults.list()
    }
    pub fn set_latency(&self, latency: Latency) {
        self.sh.settings.write().unwrap().latency = latency;
    }
    pub fn switches(&self) -> Switches {
        self.sh.settings().switches
    }
    pub fn set_switches(&self, switches: Switches) {
        self.sh.settings.write().unwrap().switches = switches;
    }
    /// Changes some switches: `control.update_switches(|s| s.anonymous_users_me = false)`.
    pub fn update_switches(&self, f: impl FnOnce(&mut Switches)) {
        f(&mut self.sh.settings.write().unwrap().switches);
    }
    pub fn set_rate_limit_window(&self, window: Duration) {
        self.sh.settings.write().unwrap().rate_limit_window = window;
    }
    pub fn set_reported_second(&self, d: Duration) {
        self.sh.settings.write().unwrap().reported_second = d;
    }
    pub fn set_job_duration(&self, d: Duration) {
        self.sh.settings.write().unwrap().job_duration = d;
    }
    /// Live mode: new closed conversations per minute (None = off).
    pub fn set_live(&self, per_minute: Option<f64>) {
        *self.sh.live_rate.lock().unwrap() = per_minute;
    }
    pub fn live(&self) -> Option<f64> {
        *self.sh.live_rate.lock().unwrap()
    }

    // ---- iAdvize ----
    pub fn conversation_count(&self) -> usize {
        self.sh.ia.read().unwrap().conversations.len()
    }
    /// The conversations `closedConversations` serves for these filters, in its order
    /// (closedAt, then id): closed in `[from, to)`, on `platform`, on `site_id` when given.
    /// Tests compare a client's paging with it.
    pub fn closed_conversation_ids(
        &self,
        platform: crate::seed::Platform,
        site_id: Option<i64>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<uuid::Uuid> {
        self.sh
            .ia
            .read()
            .unwrap()
            .conversations
            .iter()
            .filter(|c| c.platform == platform && c.closed_at >= from && c.closed_at < to)
            .filter(|c| site_id.is_none_or(|s| c.site_id == s))
            .map(|c| c.id)
            .collect()
    }
    /// Closes one new conversation now (what live mode does on its own); returns its UUID.
    pub fn close_new_conversation(&self) -> uuid::Uuid {
        let now = self.sh.clock.now();
        self.sh.ia.write().unwrap().add_live_conversation(now)
    }
}
