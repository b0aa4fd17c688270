//! Zendesk records as the sandbox keeps them, and their JSON as the API shows them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Value, json};

pub type Id = i64;

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Agent,
    LightAgent,
    EndUser,
}

impl Role {
    pub fn api_role(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent | Role::LightAgent => "agent",
            Role::EndUser => "end-user",
        }
    }
    /// `role_type`: 1 light agent, 4 admin; null for a plain agent or an end-user.
    pub fn role_type(self) -> Option<i64> {
        match self {
            Role::Admin => Some(4),
            Role::LightAgent => Some(1),
            Role::Agent | Role::EndUser => None,
        }
    }
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::EndUser)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct User {
    pub id: Id,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    #[serde(skip)]
    pub api_token: Option<String>,
    pub verified: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When `/api/v2/search` starts finding this user (indexing delay).
    #[serde(skip)]
    pub indexed_at: DateTime<Utc>,
}

impl User {
    pub fn to_json(&self, base: &str) -> Value {
        json!({
            "id": self.id,
            "url": format!("{base}/api/v2/users/{}.json", self.id),
            "name": self.name,
            "email": self.email,
            "created_at": ts(self.created_at),
            "updated_at": ts(self.updated_at),
            "time_zone": "UTC",
            "iana_time_zone": "Etc/UTC",
            "locale": "en-US",
            "locale_id": 1,
            "role": self.role.api_role(),
            "role_type": self.role.role_type(),
            "restricted_agent": self.role == Role::LightAgent,
            "active": true,
            "verified": self.verified,
            "suspended": false,
            "shared": false,
            "shared_agent": false,
            "moderator": matches!(self.role, Role::Admin),
            "only_private_comments": self.role == Role::LightAgent,
            "ticket_restriction": if self.role == Role::EndUser { Value::from("requested") } else { Value::Null },
            "tags": [],
            "user_fields": {},
            "organization_id": null,
            "external_id": null,
            "phone": null,
            "photo": null,
            "details": "",
            "notes": "",
        })
    }

    /// What `/users/me` answers without valid credentials (reported by integrators, §2).
    pub fn anonymous_json() -> Value {
        json!({
            "id": null, "url": null, "name": "Anonymous user", "email": "invalid@example.com",
            "created_at": null, "updated_at": null, "time_zone": "UTC", "locale": "en-US", "locale_id": 1,
            "role": "end-user", "verified": false, "active": true, "external_id": null, "tags": [],
            "photo": null, "user_fields": {}, "phone": null,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CreatedVia {
    /// Tickets API (`POST /tickets`, `create_many`): triggers run.
    Api,
    /// Ticket Import API: timestamps kept, no triggers.
    Import,
}

#[derive(Clone, Debug, Serialize)]
pub struct Comment {
    pub id: Id,
    pub author_id: Id,
    pub body: String,
    pub html_body: String,
    pub public: bool,
    pub created_at: DateTime<Utc>,
    /// The body was cut at 64 KiB (Zendesk reports nothing; the inspection API does).
    pub truncated: bool,
}

impl Comment {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "type": "Comment",
            "author_id": self.author_id,
            "body": self.body,
            "html_body": self.html_body,
            "plain_body": self.body,
            "public": self.public,
            "attachments": [],
            "audit_id": self.id + 1_000_000_000,
            "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": null}},
            "created_at": ts(self.created_at),
            "metadata": {"system": {}, "custom": {}},
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Ticket {
    pub id: Id,
    pub subject: Option<String>,
    pub status: String,
    pub priority: Option<String>,
    pub ticket_type: Option<String>,
    pub requester_id: Id,
    pub submitter_id: Id,
    pub assignee_id: Option<Id>,
    pub group_id: Option<Id>,
    pub brand_id: Option<Id>,
    pub ticket_form_id: Option<Id>,
    pub external_id: Option<String>,
    pub tags: Vec<String>,
    /// Custom field values by field id (absent = null).
    pub custom_fields: std::collections::BTreeMap<Id, Value>,
    pub comments: Vec<Comment>,
    /// The `public` value that a comment without one inherits (sticky, §3.1).
    pub sticky_public: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub solved_at: Option<DateTime<Utc>>,
    pub via: CreatedVia,
    pub followup_source_id: Option<Id>,
    pub followup_ids: Vec<Id>,
    #[serde(skip)]
    pub indexed_at: DateTime<Utc>,
    /// Sandbox time of the last write (imports may carry older `updated_at`s).
    #[serde(skip)]
    pub written_at: DateTime<Utc>,
}

impl Ticket {
    pub fn is_public(&self) -> bool {
        self.comments.iter().any(|c| c.public)
    }

    pub fn to_json(&self, base: &str, all_custom_field_ids: &[Id]) -> Value {
        // Zendesk lists every active custom field, unset ones with `"value": null`; its OpenAPI
        // document does not allow null there, so the sandbox lists only fields with a value
        // (what `reduced_payload_size=true` does). Clients must not expect unset fields.
        let custom_fields: Vec<Value> = all_custom_field_ids
            .iter()
            .filter_map(|id| {
                self.custom_fields
                    .get(id)
                    .map(|v| json!({"id": id, "value": v}))
            })
            .collect();
        let source = match self.followup_source_id {
            Some(src) => json!({"from": {"ticket_id": src}, "to": {}, "rel": "follow_up"}),
            None => json!({"from": {}, "to": {}, "rel": null}),
        };
        json!({
            "id": self.id,
            "url": format!("{base}/api/v2/tickets/{}.json", self.id),
            "external_id": self.external_id,
            "via": {"channel": "api", "source": source},
            "created_at": ts(self.created_at),
            "updated_at": ts(self.updated_at),
            "generated_timestamp": self.updated_at.timestamp(),
            "type": self.ticket_type,
            "subject": self.subject.clone().unwrap_or_default(),
            "raw_subject": self.subject.clone().unwrap_or_default(),
            "description": self.comments.first().map(|c| c.body.clone()).unwrap_or_default(),
            "priority": self.priority,
            "status": self.status,
            "requester_id": self.requester_id,
            "submitter_id": self.submitter_id,
            "assignee_id": self.assignee_id,
            "organization_id": null,
            "group_id": self.group_id,
            "collaborator_ids": [],
            "follower_ids": [],
            "email_cc_ids": [],
            "problem_id": null,
            "has_incidents": false,
            "is_public": self.is_public(),
            "due_at": null,
            "tags": self.tags,
            "custom_fields": custom_fields,
            "fields": custom_fields,
            "sharing_agreement_ids": [],
            "custom_status_id": status_id(&self.status),
            "followup_ids": self.followup_ids,
            "ticket_form_id": self.ticket_form_id,
            "brand_id": self.brand_id,
            "allow_channelback": false,
            "allow_attachments": true,
            "from_messaging_channel": false,
        })
    }
}

/// Ids of the seeded default custom statuses, one per status category.
pub fn status_id(status: &str) -> i64 {
    match status {
        "new" => 1,
        "open" => 2,
        "pending" => 3,
        "hold" => 4,
        "solved" => 5,
        _ => 6,
    }
}

pub const STATUSES: [&str; 6] = ["new", "open", "pending", "hold", "solved", "closed"];

#[derive(Clone, Debug, Serialize)]
pub struct FieldOption {
    pub id: Id,
    pub name: String,
    pub value: String,
    pub default: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Field {
    pub id: Id,
    /// `text`, `tagger`, ... or a system type (`subject`, `status`, ...).
    pub field_type: String,
    pub title: String,
    pub description: String,
    pub active: bool,
    pub required: bool,
    pub removable: bool,
    pub position: i64,
    pub regexp: Option<String>,
    pub tag: Option<String>,
    pub options: Vec<FieldOption>,
    pub created_at: DateTime<Utc>,
}

impl Field {
    pub fn is_custom(&self) -> bool {
        self.removable
    }

    pub fn to_json(&self, base: &str) -> Value {
        let mut v = json!({
            "id": self.id,
            "url": format!("{base}/api/v2/ticket_fields/{}.json", self.id),
            "type": self.field_type,
            "title": self.title,
            "raw_title": self.title,
            "description": self.description,
            "raw_description": self.description,
            "agent_description": null,
            "position": self.position,
            "active": self.active,
            "required": self.required,
            "collapsed_for_agents": false,
            "regexp_for_validation": self.regexp,
            "title_in_portal": self.title,
            "raw_title_in_portal": self.title,
            "visible_in_portal": false,
            "editable_in_portal": false,
            "required_in_portal": false,
            "tag": self.tag,
            "created_at": ts(self.created_at),
            "updated_at": ts(self.created_at),
            "removable": self.removable,
            "key": null,
            "agent_can_edit": true,
        });
        if v["agent_description"].is_null() {
            v.as_object_mut().unwrap().remove("agent_description");
        }
        if matches!(self.field_type.as_str(), "tagger" | "multiselect") {
            v["custom_field_options"] = self
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    json!({"id": o.id, "name": o.name, "raw_name": o.name, "value": o.value,
                           "default": o.default, "position": i,
                           "url": format!("{base}/api/v2/ticket_fields/{}/options/{}.json", self.id, o.id)})
                })
                .collect();
        }
        if self.field_type == "lookup" {
            v["relationship_target_type"] = json!("zen:user");
            v["relationship_filter"] = json!({});
        }
        if matches!(
            self.field_type.as_str(),
            "status" | "priority" | "tickettype"
        ) {
            v["system_field_options"] = self
                .options
                .iter()
                .map(|o| json!({"name": o.name, "value": o.value}))
                .collect();
        }
        if self.field_type == "custom_status" {
            v["custom_statuses"] = json!([]);
        }
        v
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ChildField {
    pub id: Id,
    pub is_required: bool,
    /// `ALL_STATUSES`, `SOME_STATUSES` (with `statuses`) or `NO_STATUSES`.
    pub required_on: String,
    pub statuses: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Condition {
    pub parent_field_id: Id,
    pub value: Value,
    pub child_fields: Vec<ChildField>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Form {
    pub id: Id,
    pub name: String,
    pub active: bool,
    pub default: bool,
    pub position: i64,
    pub field_ids: Vec<Id>,
    pub agent_conditions: Vec<Condition>,
    pub created_at: DateTime<Utc>,
}

impl Form {
    pub fn to_json(&self, base: &str) -> Value {
        let conditions: Vec<Value> = self
            .agent_conditions
            .iter()
            .map(|c| {
                json!({
                    "parent_field_id": c.parent_field_id,
                    "value": c.value,
                    "child_fields": c.child_fields.iter().map(|f| {
                        let mut ros = json!({"type": f.required_on});
                        if f.required_on == "SOME_STATUSES" { ros["statuses"] = json!(f.statuses); }
                        json!({"id": f.id, "is_required": f.is_required, "required_on_statuses": ros})
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "id": self.id,
            "url": format!("{base}/api/v2/ticket_forms/{}.json", self.id),
            "name": self.name,
            "raw_name": self.name,
            "display_name": self.name,
            "raw_display_name": self.name,
            "end_user_visible": false,
            "position": self.position,
            "ticket_field_ids": self.field_ids,
            "active": self.active,
            "default": self.default,
            "in_all_brands": true,
            "restricted_brand_ids": [],
            "end_user_conditions": [],
            "agent_conditions": conditions,
            "created_at": ts(self.created_at),
            "updated_at": ts(self.created_at),
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Trigger {
    pub id: Id,
    pub title: String,
    pub active: bool,
    pub position: i64,
    /// `{"all":[{field,operator,value}], "any":[...]}`
    pub conditions: Value,
    pub actions: Value,
    pub created_at: DateTime<Utc>,
}

impl Trigger {
    pub fn to_json(&self, base: &str) -> Value {
        json!({
            "id": self.id,
            "url": format!("{base}/api/v2/triggers/{}.json", self.id),
            "title": self.title,
            "raw_title": self.title,
            "active": self.active,
            "position": self.position,
            "default": true,
            "description": "",
            "conditions": self.conditions,
            "actions": self.actions,
            "category_id": "1",
            "created_at": ts(self.created_at),
            "updated_at": ts(self.created_at),
        })
    }
}

/// An e-mail a trigger sent (nothing leaves the sandbox; tests read these).
#[derive(Clone, Debug, Serialize)]
pub struct Email {
    pub to_user_id: Id,
    pub to: Option<String>,
    pub ticket_id: Id,
    pub trigger_id: Id,
    pub trigger_title: String,
    pub sent_at: DateTime<Utc>,
}

/// What a bulk job does with its payload when it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// `tickets/create_many`: Tickets API, triggers run.
    CreateTickets,
    /// `imports/tickets/create_many`: Import API, timestamps kept, no triggers.
    ImportTickets,
    /// `users/create_many`: one user per item.
    CreateUsers,
}

#[derive(Clone, Debug, Serialize)]
pub struct Job {
    pub id: String,
    pub job_type: String,
    pub total: usize,
    pub created_at: DateTime<Utc>,
    pub done_at: DateTime<Utc>,
    pub status: String,
    pub results: Option<Value>,
    #[serde(skip)]
    pub payload: Vec<Value>,
    #[serde(skip)]
    pub caller_id: Id,
    #[serde(skip)]
    pub kind: JobKind,
}

impl Job {
    pub fn to_json(&self, base: &str) -> Value {
        let done = self.status == "completed";
        json!({
            "id": self.id,
            "job_type": self.job_type,
            "url": format!("{base}/api/v2/job_statuses/{}.json", self.id),
            "total": self.total,
            "progress": if done { self.total } else { 0 },
            "status": self.status,
            "message": if done { Value::from(format!("Completed at {}", self.done_at.format("%Y-%m-%d %H:%M:%S +0000"))) } else { Value::Null },
            "results": self.results,
        })
    }
}
