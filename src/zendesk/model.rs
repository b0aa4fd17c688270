//! What Zendesk answers, as typed records. Every field is optional or defaulted unless Zendesk
//! always sends it, unknown attributes are ignored, and enums keep unknown values: a new
//! attribute or value on Zendesk's side must not break a sync.

use super::error::{ErrorDetail, ErrorDetails, parse_details};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---------------------------------------------------------------- users

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    /// Null for the anonymous user `/users/me` answers without valid credentials.
    pub id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// `end-user`, `agent` or `admin`.
    pub role: Option<String>,
    /// 0 custom agent, 1 light agent, 2 chat agent, 3 chat contributor, 4 admin, 5 billing admin.
    pub role_type: Option<i64>,
    pub custom_role_id: Option<i64>,
    pub active: Option<bool>,
    pub verified: Option<bool>,
    pub suspended: Option<bool>,
    pub restricted_agent: Option<bool>,
    pub only_private_comments: Option<bool>,
    pub external_id: Option<String>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub organization_id: Option<i64>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub url: Option<String>,
}

/// A custom object record, as lookup fields' searches need it (its id is text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomObjectRecord {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

/// An organization, as lookup fields' searches need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: i64,
    pub name: String,
}

/// Who a user is to this app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserAccess {
    /// `/users/me` answered 200 with `id: null`: the credentials were not accepted (the
    /// endpoint is "allowed for anonymous users", so it does not answer 401).
    Anonymous,
    EndUser,
    /// role `agent`, role_type 1: reads, private comments only.
    LightAgent,
    /// Any other agent (custom role, chat agent, ...).
    Agent,
    Admin,
}

impl User {
    pub fn access(&self) -> UserAccess {
        if self.id.is_none() {
            return UserAccess::Anonymous;
        }
        match self.role.as_deref() {
            Some("admin") => UserAccess::Admin,
            Some("agent") if self.role_type == Some(1) => UserAccess::LightAgent,
            Some("agent") => UserAccess::Agent,
            _ => UserAccess::EndUser,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        self.access() == UserAccess::Anonymous
    }

    pub fn is_admin(&self) -> bool {
        self.access() == UserAccess::Admin
    }

    /// Case-insensitive, surrounding spaces ignored.
    pub fn has_email(&self, email: &str) -> bool {
        self.email
            .as_deref()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case(email.trim()))
    }
}

/// `POST /users/create_or_update`: 201 created or 200 updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Upsert {
    Created,
    Existing,
}

// ---------------------------------------------------------------- tickets

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    New,
    Open,
    Pending,
    Hold,
    Solved,
    Closed,
    /// A value this client does not know (never sent).
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Urgent,
    High,
    Normal,
    Low,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketType {
    Problem,
    Incident,
    Question,
    Task,
    #[serde(other)]
    Unknown,
}

/// A custom field value, as sent and as answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldValue {
    pub id: i64,
    /// Text: string; checkbox: bool; tagger: option value; multiselect: array of option
    /// values; integer/decimal: number or string; date: `YYYY-MM-DD`. Null clears on update.
    #[serde(default)]
    pub value: Value,
}

impl CustomFieldValue {
    pub fn new(id: i64, value: impl Into<Value>) -> Self {
        CustomFieldValue {
            id,
            value: value.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Ticket {
    pub id: i64,
    pub url: Option<String>,
    pub external_id: Option<String>,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    #[serde(rename = "type")]
    pub ticket_type: Option<TicketType>,
    pub requester_id: Option<i64>,
    pub submitter_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub group_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub brand_id: Option<i64>,
    pub ticket_form_id: Option<i64>,
    pub tags: Vec<String>,
    /// Zendesk may list only fields with a value; do not expect unset ones.
    pub custom_fields: Vec<CustomFieldValue>,
    pub is_public: Option<bool>,
    pub followup_ids: Vec<i64>,
    /// `{channel, source}`; `source.rel` is `"follow_up"` for follow-ups.
    pub via: Option<Value>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Ticket {
    pub fn field(&self, id: i64) -> Option<&Value> {
        self.custom_fields
            .iter()
            .find(|f| f.id == id)
            .map(|f| &f.value)
    }

    /// The ticket this one follows up, from `via.source.from.ticket_id`.
    pub fn followup_source_id(&self) -> Option<i64> {
        let source = self.via.as_ref()?.get("source")?;
        if source.get("rel").and_then(Value::as_str) != Some("follow_up") {
            return None;
        }
        source.get("from")?.get("ticket_id")?.as_i64()
    }
}

/// Answer of `POST /tickets` with an `Idempotency-Key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdempotencyLookup {
    /// `x-idempotency-lookup: miss`: this request created the ticket.
    Miss,
    /// `hit`: a previous request with the same key created it; this is its answer again.
    Hit,
    /// The header was absent.
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreatedTicket {
    pub ticket: Ticket,
    /// The audit (`events`: Create, Comment, trigger Notifications), when answered.
    pub audit: Option<Value>,
    pub idempotency: IdempotencyLookup,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UpdatedTicket {
    pub ticket: Ticket,
    pub audit: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Comment {
    pub id: i64,
    #[serde(rename = "type")]
    pub comment_type: Option<String>,
    pub author_id: Option<i64>,
    pub body: Option<String>,
    pub html_body: Option<String>,
    pub plain_body: Option<String>,
    pub public: Option<bool>,
    pub attachments: Vec<Value>,
    pub via: Option<Value>,
    pub created_at: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------- jobs

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Working,
    Failed,
    Completed,
    Killed,
    #[serde(other)]
    Unknown,
}

impl JobState {
    /// No more changes will come.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Failed | JobState::Completed | JobState::Killed
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    pub id: String,
    #[serde(default)]
    pub job_type: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub progress: Option<u64>,
    pub status: JobState,
    #[serde(default)]
    pub message: Option<String>,
    /// An array of results, or an object `{success}`; see [`results`](Self::results).
    #[serde(default)]
    pub results: Option<Value>,
}

/// One item of a job's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum JobResult {
    /// Bulk create / import: the ticket (or user) at `index` of the request became `id`.
    Created { index: usize, id: i64 },
    /// Bulk update: `{id, action, status, success: true}`.
    Updated {
        id: i64,
        action: Option<String>,
        status: Option<String>,
    },
    /// `{index?, id?, action, success: false, error, details}`; `details` is Zendesk's text
    /// (often the JSON of a 422 `details` map, parsed into `details` when it is).
    Failed {
        index: Option<usize>,
        id: Option<i64>,
        error: Option<String>,
        details_text: Option<String>,
        details: ErrorDetails,
    },
}

impl JobStatus {
    pub fn is_final(&self) -> bool {
        self.status.is_final()
    }

    /// The results, typed; an object-shaped `results` (`{success}`) gives none.
    pub fn results(&self) -> Vec<JobResult> {
        let Some(Value::Array(items)) = &self.results else {
            return vec![];
        };
        items.iter().map(job_result).collect()
    }

    /// For a bulk create or import of `n` tickets (or users): the id (or the failure) of each
    /// request index; `None` where the job said nothing about that index.
    pub fn outcome_by_index(&self, n: usize) -> Vec<Option<JobResult>> {
        let mut out = vec![None; n];
        for r in self.results() {
            let index = match &r {
                JobResult::Created { index, .. } => Some(*index),
                JobResult::Failed { index, .. } => *index,
                JobResult::Updated { .. } => None,
            };
            if let Some(i) = index.filter(|i| *i < n) {
                out[i] = Some(r);
            }
        }
        out
    }
}

impl JobResult {
    /// A bulk user creation item that failed because a user already has that e-mail: the
    /// 422 detail `POST /users` gives (`details.email[].error` `DuplicateValue`, facts §5), or
    /// Zendesk's wording "is already being used" / "already exists" about the e-mail.
    pub fn is_email_taken(&self) -> bool {
        let JobResult::Failed {
            error,
            details_text,
            details,
            ..
        } = self
        else {
            return false;
        };
        let said = |t: &str| {
            let t = t.to_ascii_lowercase();
            t.contains("email")
                && (t.contains("already being used") || t.contains("already exists"))
        };
        details.get("email").is_some_and(|list| {
            list.iter().any(|d| {
                d.error.as_deref() == Some("DuplicateValue")
                    || d.description.as_deref().is_some_and(said)
            })
        }) || details_text.as_deref().is_some_and(said)
            || error.as_deref().is_some_and(said)
    }
}

fn job_result(v: &Value) -> JobResult {
    let id = v.get("id").and_then(Value::as_i64);
    let index = v.get("index").and_then(Value::as_u64).map(|i| i as usize);
    let failed = v.get("success").and_then(Value::as_bool) == Some(false)
        || v.get("error").is_some_and(|e| !e.is_null());
    if failed {
        let (details_text, details) = match v.get("details") {
            Some(Value::String(s)) => {
                let parsed = serde_json::from_str::<Value>(s)
                    .ok()
                    .and_then(|d| d.as_object().map(parse_details))
                    .unwrap_or_else(|| {
                        [(
                            "base".to_string(),
                            vec![ErrorDetail {
                                description: Some(s.clone()),
                                ..ErrorDetail::default()
                            }],
                        )]
                        .into()
                    });
                (Some(s.clone()), parsed)
            }
            Some(Value::Object(o)) => {
                (Some(Value::Object(o.clone()).to_string()), parse_details(o))
            }
            _ => (None, ErrorDetails::new()),
        };
        return JobResult::Failed {
            index,
            id,
            error: v.get("error").and_then(Value::as_str).map(str::to_string),
            details_text,
            details,
        };
    }
    match (index, id) {
        (Some(index), Some(id)) => JobResult::Created { index, id },
        _ => JobResult::Updated {
            id: id.unwrap_or_default(),
            action: v.get("action").and_then(Value::as_str).map(str::to_string),
            status: v.get("status").and_then(Value::as_str).map(str::to_string),
        },
    }
}

// ---------------------------------------------------------------- forms and fields

/// A plan-gated resource: forms exist on Suite Growth and above (facts §7).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "availability", content = "value", rename_all = "snake_case")]
pub enum PlanFeature<T> {
    Available(T),
    /// Zendesk answered 403: ticket forms are not available on this account's plan.
    NotOnPlan,
}

impl<T> PlanFeature<T> {
    pub fn available(self) -> Option<T> {
        match self {
            PlanFeature::Available(t) => Some(t),
            PlanFeature::NotOnPlan => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketForm {
    pub id: i64,
    pub name: String,
    pub raw_name: Option<String>,
    pub display_name: Option<String>,
    pub raw_display_name: Option<String>,
    pub active: bool,
    pub default: bool,
    pub end_user_visible: Option<bool>,
    pub position: Option<i64>,
    pub in_all_brands: Option<bool>,
    pub restricted_brand_ids: Vec<i64>,
    /// The form's fields in display order.
    pub ticket_field_ids: Vec<i64>,
    pub agent_conditions: Vec<AgentCondition>,
    pub end_user_conditions: Vec<EndUserCondition>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub url: Option<String>,
}

/// When the parent field has `value`, the child fields show (and may be required).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentCondition {
    pub parent_field_id: i64,
    /// The parent's value that shows the children (bool for checkboxes, option value...).
    pub value: Value,
    pub child_fields: Vec<ConditionChild>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConditionChild {
    pub id: i64,
    pub is_required: bool,
    pub required_on_statuses: Option<RequiredOnStatuses>,
}

impl ConditionChild {
    /// Is this child required when the ticket moves to `status` (`solved`, `open`, ...)?
    pub fn required_on(&self, status: &str) -> bool {
        match &self.required_on_statuses {
            None => self.is_required,
            Some(r) => match r.kind {
                RequiredOnKind::AllStatuses => true,
                RequiredOnKind::NoStatuses => false,
                RequiredOnKind::SomeStatuses => r.statuses.iter().any(|s| s == status),
                RequiredOnKind::Unknown => self.is_required,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RequiredOnStatuses {
    #[serde(rename = "type")]
    pub kind: RequiredOnKind,
    pub statuses: Vec<String>,
    /// Custom status ids, when Zendesk lists them.
    pub custom_statuses: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequiredOnKind {
    AllStatuses,
    SomeStatuses,
    NoStatuses,
    #[default]
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EndUserCondition {
    pub parent_field_id: i64,
    pub value: Value,
    pub child_fields: Vec<EndUserChild>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EndUserChild {
    pub id: i64,
    pub is_required: bool,
}

/// The type of a ticket field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Textarea,
    Checkbox,
    Date,
    Integer,
    Decimal,
    Regexp,
    PartialCreditCard,
    Multiselect,
    /// A dropdown.
    Tagger,
    /// A lookup relationship (an id of a user, organization, ticket or custom object).
    Lookup,
    /// A system field: `subject`, `description`, `status`, `tickettype`, `priority`, `group`,
    /// `assignee`, `custom_status`...
    System(String),
    Other(String),
}

const SYSTEM_TYPES: [&str; 9] = [
    "subject",
    "description",
    "status",
    "tickettype",
    "priority",
    "group",
    "assignee",
    "custom_status",
    "brand",
];

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketField {
    pub id: i64,
    #[serde(rename = "type")]
    pub field_type: String,
    pub title: String,
    pub raw_title: Option<String>,
    pub title_in_portal: Option<String>,
    pub description: Option<String>,
    pub raw_description: Option<String>,
    pub agent_description: Option<String>,
    pub active: bool,
    /// Agents must fill it to solve.
    pub required: bool,
    /// End users must fill it to create a request.
    pub required_in_portal: bool,
    pub visible_in_portal: bool,
    pub editable_in_portal: bool,
    pub position: Option<i64>,
    /// False for system fields.
    pub removable: bool,
    pub regexp_for_validation: Option<String>,
    /// The tag a checked checkbox adds.
    pub tag: Option<String>,
    pub custom_field_options: Vec<FieldOption>,
    pub system_field_options: Vec<SystemFieldOption>,
    /// Lookup fields: `zen:user`, `zen:organization`, `zen:ticket`, `zen:custom_object:...`.
    pub relationship_target_type: Option<String>,
    pub relationship_filter: Option<Value>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub url: Option<String>,
}

impl TicketField {
    pub fn kind(&self) -> FieldKind {
        match self.field_type.as_str() {
            "text" => FieldKind::Text,
            "textarea" => FieldKind::Textarea,
            "checkbox" => FieldKind::Checkbox,
            "date" => FieldKind::Date,
            "integer" => FieldKind::Integer,
            "decimal" => FieldKind::Decimal,
            "regexp" => FieldKind::Regexp,
            "partialcreditcard" => FieldKind::PartialCreditCard,
            "multiselect" => FieldKind::Multiselect,
            "tagger" => FieldKind::Tagger,
            "lookup" => FieldKind::Lookup,
            s if SYSTEM_TYPES.contains(&s) => FieldKind::System(s.to_string()),
            other => FieldKind::Other(other.to_string()),
        }
    }

    /// A custom field (as opposed to a system one).
    pub fn is_custom(&self) -> bool {
        self.removable
    }

    /// Title match ignoring case and surrounding spaces, on `title` or `raw_title`.
    pub fn has_title(&self, title: &str) -> bool {
        let want = title.trim();
        self.title.trim().eq_ignore_ascii_case(want)
            || self
                .raw_title
                .as_deref()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(want))
    }

    /// The default option of a dropdown or multiselect, if one is marked.
    pub fn default_option(&self) -> Option<&FieldOption> {
        self.custom_field_options.iter().find(|o| o.default)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldOption {
    pub id: Option<i64>,
    pub name: String,
    pub raw_name: Option<String>,
    /// What to send as the field's value.
    pub value: String,
    pub position: Option<i64>,
    pub default: bool,
    pub allow_solving: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SystemFieldOption {
    pub name: String,
    pub value: String,
}

// ---------------------------------------------------------------- triggers

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Trigger {
    pub id: i64,
    pub title: String,
    pub active: bool,
    pub position: Option<i64>,
    pub description: Option<String>,
    pub category_id: Option<String>,
    /// `{"all": [{field, operator, value}], "any": [...]}`
    pub conditions: Value,
    /// `[{field, value}]`
    pub actions: Value,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerCondition {
    pub field: String,
    pub operator: Option<String>,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerAction {
    pub field: String,
    pub value: Value,
}

fn conditions(list: Option<&Value>) -> Vec<TriggerCondition> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some(TriggerCondition {
                field: c.get("field")?.as_str()?.to_string(),
                operator: c
                    .get("operator")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                value: c.get("value").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

impl Trigger {
    /// Conditions that must all hold.
    pub fn all_conditions(&self) -> Vec<TriggerCondition> {
        conditions(self.conditions.get("all"))
    }

    /// Conditions of which one must hold (none listed: no constraint).
    pub fn any_conditions(&self) -> Vec<TriggerCondition> {
        conditions(self.conditions.get("any"))
    }

    pub fn actions(&self) -> Vec<TriggerAction> {
        self.actions
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| {
                Some(TriggerAction {
                    field: a.get("field")?.as_str()?.to_string(),
                    value: a.get("value").cloned().unwrap_or(Value::Null),
                })
            })
            .collect()
    }

    /// Does an action e-mail the requester (`notification_user` to `requester_id` or
    /// `requester_and_ccs`)? Conditions are not evaluated: see [`runs_on_create`](Self::runs_on_create).
    pub fn notifies_requester(&self) -> bool {
        self.actions().iter().any(|a| {
            a.field == "notification_user"
                && matches!(
                    a.value.get(0).and_then(Value::as_str),
                    Some("requester_id" | "requester_and_ccs")
                )
        })
    }

    /// Could it run when a ticket is created? False only when an `all` condition says
    /// `update_type is Change` (or `is_not Create`).
    pub fn runs_on_create(&self) -> bool {
        !self.all_conditions().iter().any(|c| {
            c.field == "update_type"
                && matches!(
                    (c.operator.as_deref(), c.value.as_str()),
                    (Some("is"), Some("Change")) | (Some("is_not"), Some("Create"))
                )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_access_catches_the_traps() {
        let anon: User = serde_json::from_value(
            json!({"id": null, "name": "Anonymous user", "role": "end-user"}),
        )
        .unwrap();
        assert_eq!(anon.access(), UserAccess::Anonymous);
        let light: User =
            serde_json::from_value(json!({"id": 3, "role": "agent", "role_type": 1})).unwrap();
        assert_eq!(light.access(), UserAccess::LightAgent);
        let agent: User =
            serde_json::from_value(json!({"id": 2, "role": "agent", "role_type": null})).unwrap();
        assert_eq!(agent.access(), UserAccess::Agent);
        let admin: User = serde_json::from_value(
            json!({"id": 1, "role": "admin", "role_type": 4, "email": "Admin@X.example"}),
        )
        .unwrap();
        assert!(admin.is_admin());
        assert!(admin.has_email(" admin@x.example "));
        assert!(!admin.has_email("admin@x.example.org"));
    }

    #[test]
    fn ticket_keeps_unknown_values_and_finds_its_followup_source() {
        let t: Ticket = serde_json::from_value(json!({
            "id": 9, "status": "archived", "priority": null, "type": "question",
            "custom_fields": [{"id": 1, "value": "x"}, {"id": 2, "value": null}],
            "via": {"channel": "api", "source": {"from": {"ticket_id": 4}, "rel": "follow_up"}},
            "brand_new_attribute": {"a": 1}
        }))
        .unwrap();
        assert_eq!(t.status, Some(TicketStatus::Unknown));
        assert_eq!(t.ticket_type, Some(TicketType::Question));
        assert_eq!(t.field(1), Some(&json!("x")));
        assert_eq!(t.followup_source_id(), Some(4));
    }

    #[test]
    fn job_results_are_typed() {
        let job: JobStatus = serde_json::from_value(json!({
            "id": "abc", "status": "completed", "total": 3, "progress": 3,
            "results": [
                {"id": 101, "index": 0},
                {"index": 1, "action": "create", "success": false, "status": "Failed", "error": "RecordInvalid",
                 "details": "{\"base\":[{\"description\":\"Escalation level: Required field is blank\",\"error\":\"BlankValue\",\"ticket_field_id\":7}]}"},
                {"id": 55, "action": "update", "status": "Updated", "success": true},
                {"index": 2, "success": false, "error": "Oops", "details": "plain words"}
            ]
        }))
        .unwrap();
        assert!(job.is_final());
        let r = job.results();
        assert_eq!(r[0], JobResult::Created { index: 0, id: 101 });
        match &r[1] {
            JobResult::Failed {
                index,
                error,
                details,
                ..
            } => {
                assert_eq!(*index, Some(1));
                assert_eq!(error.as_deref(), Some("RecordInvalid"));
                assert_eq!(details["base"][0].ticket_field_id, Some(7));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(r[2], JobResult::Updated { id: 55, .. }));
        match &r[3] {
            JobResult::Failed { details, .. } => {
                assert_eq!(
                    details["base"][0].description.as_deref(),
                    Some("plain words")
                )
            }
            other => panic!("{other:?}"),
        }
        let by_index = job.outcome_by_index(3);
        assert!(matches!(
            by_index[0],
            Some(JobResult::Created { id: 101, .. })
        ));
        assert!(matches!(by_index[2], Some(JobResult::Failed { .. })));
        let queued: JobStatus =
            serde_json::from_value(json!({"id": "x", "status": "queued", "results": null}))
                .unwrap();
        assert!(!queued.is_final());
        assert!(queued.results().is_empty());
    }

    #[test]
    fn a_taken_email_is_recognised_in_bulk_user_results() {
        let job: JobStatus = serde_json::from_value(json!({
            "id": "u", "status": "completed", "total": 4,
            "results": [
                {"id": 7, "index": 0, "status": "Created"},
                {"index": 1, "action": "create", "success": false, "status": "Failed", "error": "RecordInvalid",
                 "details": "{\"email\":[{\"description\":\"Email: a@b.example is already being used by another user\",\"error\":\"DuplicateValue\"}]}"},
                {"index": 2, "success": false, "error": "UserCreateError",
                 "details": "Email: c@b.example is already being used by another user"},
                {"index": 3, "success": false, "error": "RecordInvalid",
                 "details": "{\"name\":[{\"description\":\"Name: is too short\",\"error\":\"TooShort\"}]}"}
            ]
        }))
        .unwrap();
        let r = job.outcome_by_index(4);
        assert_eq!(r[0], Some(JobResult::Created { index: 0, id: 7 }));
        let taken: Vec<bool> = r
            .iter()
            .map(|o| o.as_ref().is_some_and(JobResult::is_email_taken))
            .collect();
        assert_eq!(taken, [false, true, true, false]);
    }

    #[test]
    fn form_conditions_and_field_kinds() {
        let form: TicketForm = serde_json::from_value(json!({
            "id": 1, "name": "F", "active": true, "ticket_field_ids": [3, 1, 2],
            "agent_conditions": [{"parent_field_id": 1, "value": true, "child_fields": [
                {"id": 2, "is_required": false, "required_on_statuses": {"type": "SOME_STATUSES", "statuses": ["solved"]}},
                {"id": 3, "is_required": true, "required_on_statuses": {"type": "ALL_STATUSES"}},
                {"id": 4, "is_required": false, "required_on_statuses": {"type": "NO_STATUSES"}}
            ]}]
        }))
        .unwrap();
        let c = &form.agent_conditions[0].child_fields;
        assert!(c[0].required_on("solved") && !c[0].required_on("open"));
        assert!(c[1].required_on("open"));
        assert!(!c[2].required_on("solved"));
        let field: TicketField = serde_json::from_value(json!({
            "id": 5, "type": "tagger", "title": " iAdvize Agent ", "active": true, "removable": true,
            "custom_field_options": [{"id": 1, "name": "Other", "value": "other", "default": true}]
        }))
        .unwrap();
        assert_eq!(field.kind(), FieldKind::Tagger);
        assert!(field.has_title("iadvize agent"));
        assert_eq!(field.default_option().unwrap().value, "other");
        let sys: TicketField =
            serde_json::from_value(json!({"id": 6, "type": "subject", "title": "Subject"}))
                .unwrap();
        assert_eq!(sys.kind(), FieldKind::System("subject".into()));
        assert!(!sys.is_custom());
    }

    #[test]
    fn trigger_helpers() {
        let t: Trigger = serde_json::from_value(json!({
            "id": 1, "title": "Notify requester of received request", "active": true,
            "conditions": {"all": [{"field": "update_type", "operator": "is", "value": "Create"}], "any": []},
            "actions": [{"field": "notification_user", "value": ["requester_id", "Subject", "Body"]}]
        }))
        .unwrap();
        assert!(t.notifies_requester());
        assert!(t.runs_on_create());
        let t: Trigger = serde_json::from_value(json!({
            "id": 2, "title": "On change", "active": true,
            "conditions": {"all": [{"field": "update_type", "operator": "is", "value": "Change"}]},
            "actions": [{"field": "notification_user", "value": ["assignee_id", "s", "b"]}]
        }))
        .unwrap();
        assert!(!t.notifies_requester());
        assert!(!t.runs_on_create());
    }
}
