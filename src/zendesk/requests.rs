//! What the client sends: request body types that serialise only what is set, and the
//! functions that build each endpoint's JSON body. The client sends exactly what these
//! functions return, and a test validates each against `contracts/zendesk-oas.yaml`.
//!
//! Traps handled here (facts §3.1, §12): a comment's `public` is always sent (Zendesk makes
//! the first value sticky); `tags` replaces every tag, so updates use `additional_tags` /
//! `remove_tags`; imports take `requester_id` only (no `requester` object in the import
//! schema): resolve or create the user first.

use super::model::{CustomFieldValue, Priority, TicketStatus, TicketType};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

fn ts<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true)),
        None => s.serialize_none(),
    }
}

/// A comment on a ticket created or updated through the Tickets API.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewComment {
    /// Plain text (Zendesk collapses whitespace and strips HTML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// HTML, the least sanitised form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html_body: Option<String>,
    /// Always sent: false makes a private note.
    pub public: bool,
    /// The shown author (the API user stays the updater); default: the API user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_id: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uploads: Vec<String>,
}

impl NewComment {
    pub fn text(body: impl Into<String>, public: bool) -> Self {
        NewComment {
            body: Some(body.into()),
            html_body: None,
            public,
            author_id: None,
            uploads: Vec::new(),
        }
    }

    pub fn html(html: impl Into<String>, public: bool) -> Self {
        NewComment {
            body: None,
            html_body: Some(html.into()),
            public,
            author_id: None,
            uploads: Vec::new(),
        }
    }

    pub fn private_note(html: impl Into<String>) -> Self {
        NewComment::html(html, false)
    }

    pub fn by(mut self, author_id: i64) -> Self {
        self.author_id = Some(author_id);
        self
    }
}

/// `requester` on ticket create: an existing user's id or e-mail, or a new user Zendesk
/// creates (or reuses, unchanged, when the e-mail exists).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Requester {
    Id(i64),
    Email(String),
    User {
        name: String,
        email: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        locale_id: Option<i64>,
    },
}

/// `POST /api/v2/tickets` (and each item of `tickets/create_many`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NewTicket {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<NewComment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<i64>,
    /// Ignored by Zendesk when `requester_id` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<Requester>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitter_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_form_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TicketStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub ticket_type: Option<TicketType>,
    /// Not unique in Zendesk: the app's dedupe key (one ticket per conversation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldValue>,
    /// Makes a follow-up of this closed ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_followup_source_id: Option<i64>,
}

/// `PUT /api/v2/tickets/{id}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TicketUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<NewComment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TicketStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_form_id: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldValue>,
    /// Added to the ticket's tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additional_tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove_tags: Vec<String>,
    /// Replaces every tag (prefer `additional_tags`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub ticket_type: Option<TicketType>,
    /// With `updated_stamp` (the `updated_at` last read): 409 if it changed since.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_update: Option<bool>,
    #[serde(serialize_with = "ts", skip_serializing_if = "Option::is_none")]
    pub updated_stamp: Option<DateTime<Utc>>,
}

impl TicketUpdate {
    /// An update that adds a comment is not idempotent: sent twice, it adds the comment twice.
    pub fn adds_comment(&self) -> bool {
        self.comment.is_some()
    }
}

/// A comment of an imported ticket, with its real time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportComment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html_body: Option<String>,
    /// Always sent.
    pub public: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_id: Option<i64>,
    /// Not before 1970, not in the future.
    #[serde(serialize_with = "ts", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
}

impl ImportComment {
    pub fn html(html: impl Into<String>, public: bool) -> Self {
        ImportComment {
            body: None,
            html_body: Some(html.into()),
            public,
            author_id: None,
            created_at: None,
        }
    }

    pub fn text(body: impl Into<String>, public: bool) -> Self {
        ImportComment {
            body: Some(body.into()),
            html_body: None,
            public,
            author_id: None,
            created_at: None,
        }
    }

    pub fn by(mut self, author_id: i64) -> Self {
        self.author_id = Some(author_id);
        self
    }

    pub fn at(mut self, created_at: DateTime<Utc>) -> Self {
        self.created_at = Some(created_at);
        self
    }
}

/// `POST /api/v2/imports/tickets` (and each item of `imports/tickets/create_many`).
/// Triggers do not run on an imported ticket that is not closed; admins only.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TicketImport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<ImportComment>,
    /// Resolve or create the user first: the import schema has no `requester` object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand_id: Option<i64>,
    /// Not in the import schema; honoured according to integrators (unconfirmed, facts §3.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_form_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TicketStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldValue>,
    #[serde(serialize_with = "ts", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "ts", skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "ts", skip_serializing_if = "Option::is_none")]
    pub solved_at: Option<DateTime<Utc>>,
}

/// `POST /api/v2/users/create_or_update`: matched by e-mail; a new user is an end-user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserUpsert {
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// No verification e-mail to a new user (default true).
    pub skip_verify_email: bool,
}

impl UserUpsert {
    pub fn end_user(email: impl Into<String>, name: Option<String>) -> Self {
        UserUpsert {
            email: email.into(),
            name,
            locale: None,
            skip_verify_email: true,
        }
    }
}

/// The role of a user created by [`NewUser`] (Zendesk's `role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum NewUserRole {
    #[serde(rename = "end-user")]
    EndUser,
    #[serde(rename = "agent")]
    Agent,
    #[serde(rename = "admin")]
    Admin,
}

/// One user of `POST /api/v2/users/create_many`: a new user, not matched with existing ones
/// (use [`UserUpsert`] for that, one at a time).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewUser {
    /// Required by Zendesk: a blank name fails this user's item of the job.
    pub name: String,
    pub email: String,
    /// Zendesk's default is end-user; [`NewUser::end_user`] sends it anyway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<NewUserRole>,
    /// `true` marks the e-mail identity verified (no verification needed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// No verification e-mail to the new user (default true).
    pub skip_verify_email: bool,
}

impl NewUser {
    /// An end-user who gets no verification e-mail (a visitor becoming a ticket requester).
    pub fn end_user(email: impl Into<String>, name: impl Into<String>) -> Self {
        NewUser {
            name: name.into(),
            email: email.into(),
            role: Some(NewUserRole::EndUser),
            verified: None,
            locale: None,
            skip_verify_email: true,
        }
    }
}

impl From<UserUpsert> for NewUser {
    /// The same end-user, created in bulk. Zendesk refuses a new user without a name, so a
    /// missing or blank one becomes the e-mail's local part (`ana` for `ana@example.org`).
    fn from(u: UserUpsert) -> Self {
        let name = u
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| {
                let email = u.email.trim();
                email.split('@').next().unwrap_or(email).to_string()
            });
        NewUser {
            name,
            email: u.email,
            role: Some(NewUserRole::EndUser),
            verified: None,
            locale: u.locale,
            skip_verify_email: u.skip_verify_email,
        }
    }
}

impl From<&UserUpsert> for NewUser {
    fn from(u: &UserUpsert) -> Self {
        u.clone().into()
    }
}

impl From<&NewUser> for NewUser {
    fn from(u: &NewUser) -> Self {
        u.clone()
    }
}

/// At most this many tickets or users per `create_many` call (imports, Tickets API, users).
pub const MAX_BATCH: usize = 100;

fn to_json<T: Serialize>(value: &T) -> Value {
    // These types hold only strings, numbers, bools and string-keyed maps.
    serde_json::to_value(value).expect("request bodies always serialise")
}

/// Body of `POST /api/v2/tickets`.
pub fn create_ticket_body(ticket: &NewTicket) -> Value {
    json!({ "ticket": to_json(ticket) })
}

/// Body of `PUT /api/v2/tickets/{id}`.
pub fn update_ticket_body(update: &TicketUpdate) -> Value {
    json!({ "ticket": to_json(update) })
}

/// Body of `POST /api/v2/tickets/create_many`.
pub fn create_many_body(tickets: &[NewTicket]) -> Value {
    json!({ "tickets": to_json(&tickets) })
}

/// Body of `POST /api/v2/imports/tickets`.
pub fn import_ticket_body(ticket: &TicketImport) -> Value {
    json!({ "ticket": to_json(ticket) })
}

/// Body of `POST /api/v2/imports/tickets/create_many`.
pub fn import_many_body(tickets: &[TicketImport]) -> Value {
    json!({ "tickets": to_json(&tickets) })
}

/// Body of `POST /api/v2/users/create_or_update`.
pub fn user_upsert_body(user: &UserUpsert) -> Value {
    json!({ "user": to_json(user) })
}

/// Body of `POST /api/v2/users/create_many`.
pub fn users_create_many_body(users: &[NewUser]) -> Value {
    json!({ "users": to_json(&users) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_is_set_is_sent_and_public_always() {
        let t = NewTicket {
            subject: Some("Chat with Ana".into()),
            comment: Some(NewComment::private_note("<p>note</p>")),
            external_id: Some("iadvize:ha:3101:c1".into()),
            ..NewTicket::default()
        };
        assert_eq!(
            create_ticket_body(&t),
            json!({"ticket": {"subject": "Chat with Ana", "external_id": "iadvize:ha:3101:c1",
                "comment": {"html_body": "<p>note</p>", "public": false}}})
        );
        let u = TicketUpdate {
            comment: Some(NewComment::text("hi", true)),
            additional_tags: vec!["escalated".into()],
            status: Some(TicketStatus::Open),
            ..TicketUpdate::default()
        };
        assert!(u.adds_comment());
        assert_eq!(
            update_ticket_body(&u),
            json!({"ticket": {"comment": {"body": "hi", "public": true}, "status": "open",
                "additional_tags": ["escalated"]}})
        );
        assert_eq!(
            update_ticket_body(&TicketUpdate::default()),
            json!({"ticket": {}})
        );
    }

    #[test]
    fn import_times_are_rfc3339_utc() {
        let at = DateTime::parse_from_rfc3339("2026-04-01T10:15:30.123+02:00")
            .unwrap()
            .with_timezone(&Utc);
        let t = TicketImport {
            comments: vec![ImportComment::text("x", true).at(at).by(5)],
            created_at: Some(at),
            ..TicketImport::default()
        };
        assert_eq!(
            import_ticket_body(&t),
            json!({"ticket": {"created_at": "2026-04-01T08:15:30Z",
                "comments": [{"body": "x", "public": true, "author_id": 5, "created_at": "2026-04-01T08:15:30Z"}]}})
        );
    }

    #[test]
    fn new_users_send_their_role_and_skip_the_verification_email() {
        assert_eq!(
            users_create_many_body(&[NewUser::end_user("a@b.example", "Ana")]),
            json!({"users": [{"name": "Ana", "email": "a@b.example", "role": "end-user",
                "skip_verify_email": true}]})
        );
        let agent = NewUser {
            role: Some(NewUserRole::Agent),
            verified: Some(true),
            locale: Some("fr".into()),
            skip_verify_email: false,
            ..NewUser::end_user("b@b.example", "Bo")
        };
        assert_eq!(
            to_json(&agent),
            json!({"name": "Bo", "email": "b@b.example", "role": "agent", "verified": true,
                "locale": "fr", "skip_verify_email": false})
        );
    }

    #[test]
    fn an_upsert_becomes_a_named_end_user() {
        let u: NewUser = UserUpsert::end_user("ana.b@example.org", None).into();
        assert_eq!(u, NewUser::end_user("ana.b@example.org", "ana.b"));
        let u: NewUser = (&UserUpsert::end_user("x@example.org", Some("  ".into()))).into();
        assert_eq!(u.name, "x");
        let u: NewUser = UserUpsert {
            locale: Some("de".into()),
            ..UserUpsert::end_user("z@example.org", Some(" Zoë ".into()))
        }
        .into();
        assert_eq!(u.name, "Zoë");
        assert_eq!(u.locale.as_deref(), Some("de"));
        assert!(u.skip_verify_email);
    }

    #[test]
    fn requester_shapes() {
        assert_eq!(to_json(&Requester::Id(5)), json!(5));
        assert_eq!(to_json(&Requester::Email("a@b.c".into())), json!("a@b.c"));
        assert_eq!(
            to_json(&Requester::User {
                name: "Ana".into(),
                email: "a@b.c".into(),
                locale_id: None
            }),
            json!({"name": "Ana", "email": "a@b.c"})
        );
    }
}
