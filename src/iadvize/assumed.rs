//! **Every ASSUMED part of the iAdvize GraphQL contract lives here** (and only here): the query
//! documents the app sends, the response shapes it reads, and how those shapes become the
//! core's domain types ([`super::domain`]).
//!
//! The contract is `contracts/iadvize-assumed.graphql`; its lines marked ASSUMED are guesses
//! that no public iAdvize source confirms (facts sheet §8): the `closedConversations`
//! arguments (`filters: {interval: {from, to}, projectIds}`, Relay paging, 100 per page),
//! `Conversation.engagementCampaign`, the `ClosingFormValue` shape, the message, author and
//! attachment type names, the `Bot` typename, `Visitor.email`. When iAdvize's real schema
//! differs (the compatibility check, [`super::compat`], says where), this file is the one to
//! change: the client ([`super::client`]) only drives paging and HTTP, and the rest of the app
//! only sees domain types.
//!
//! Parsing is tolerant where tolerance costs nothing: a `LegacyId` as a number or a numeric
//! string, null lists as empty, unknown author / attachment / user types kept instead of failing.

use super::domain::{
    Agent, AgentKind, Author, Campaign, ClosingFormAnswer, Conversation, ConversationTag, Message,
    MessageAttachment, Project, Visitor, merge_agents,
};
use super::error::IadvizeError;
use crate::site::Platform;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use uuid::Uuid;

/// Largest `first` the app asks for, for conversations and for messages (ASSUMED maximum).
pub const MAX_PAGE_SIZE: u32 = 100;

/// A GraphQL request body: `{"query", "variables", "operationName"}`.
#[derive(Debug, Clone)]
pub(crate) struct GraphqlRequest {
    pub operation_name: &'static str,
    pub query: String,
    pub variables: Value,
}

impl GraphqlRequest {
    pub fn body(&self) -> Value {
        json!({
            "query": self.query,
            "variables": self.variables,
            "operationName": self.operation_name,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Query documents (ASSUMED: field names of Message/Author/Attachment/ClosingFormValue/
// EngagementCampaign, the closedConversations arguments, `Bot`).
// ---------------------------------------------------------------------------------------------

const USER_FIELDS: &str = "fragment UserFields on User { __typename id firstName lastName email }";

const MESSAGE_FIELDS: &str = "fragment MessageFields on Message {
  id
  createdAt
  text
  author {
    __typename
    ... on UserAuthor { user { ...UserFields } }
    ... on SystemAuthor { kind }
  }
  attachments {
    __typename
    ... on ConversationPushedSystemAttachment { toUser { ...UserFields } }
    ... on FileAttachment { fileName mimeType url }
    ... on LinkAttachment { title url }
  }
}";

const CONVERSATION_FIELDS: &str = "fragment ConversationFields on Conversation {
  id
  legacyId
  createdAt
  closedAt
  channel
  project { id name }
  visitor { firstName lastName email country }
  tags { id name }
  engagementCampaign { id name }
  closingFormValues { fieldId label value }
  messages(first: $messagesFirst) {
    edges { node { ...MessageFields } }
    pageInfo { endCursor hasNextPage }
  }
}";

fn document(operation: &str) -> String {
    format!("{operation}\n{CONVERSATION_FIELDS}\n{MESSAGE_FIELDS}\n{USER_FIELDS}")
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Which closed conversations to list: closed in `[from, to)` on these sites (projects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedConversationsFilter {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Site (project) ids; empty = every site the token sees on the platform.
    pub project_ids: Vec<i64>,
}

impl ClosedConversationsFilter {
    /// Conversations of one site closed in `[from, to)`.
    pub fn site(site_id: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        ClosedConversationsFilter {
            from,
            to,
            project_ids: vec![site_id],
        }
    }
}

pub(crate) fn closed_conversations_request(
    filter: &ClosedConversationsFilter,
    first: u32,
    after: Option<&str>,
) -> GraphqlRequest {
    let op = "query ClosedConversations($from: DateTime!, $to: DateTime!, $projectIds: [LegacyId!], $first: Int, $after: String, $messagesFirst: Int) {
  closedConversations(filters: {interval: {from: $from, to: $to}, projectIds: $projectIds}, first: $first, after: $after) {
    edges { node { ...ConversationFields users { ...UserFields } } }
    pageInfo { endCursor hasNextPage }
  }
}";
    GraphqlRequest {
        operation_name: "ClosedConversations",
        query: document(op),
        variables: json!({
            "from": iso(filter.from),
            "to": iso(filter.to),
            "projectIds": if filter.project_ids.is_empty() { Value::Null } else { json!(filter.project_ids) },
            "first": first.clamp(1, MAX_PAGE_SIZE),
            "after": after,
            "messagesFirst": MAX_PAGE_SIZE,
        }),
    }
}

/// `users` is not asked here: iAdvize documents it as available through
/// `closedConversations` only (the agents then come from the pushed system messages).
pub(crate) fn conversation_request(id: Uuid) -> GraphqlRequest {
    let op = "query Conversation($id: UUID!, $messagesFirst: Int) {
  conversation(id: $id) { ...ConversationFields }
}";
    GraphqlRequest {
        operation_name: "Conversation",
        query: document(op),
        variables: json!({"id": id.to_string(), "messagesFirst": MAX_PAGE_SIZE}),
    }
}

pub(crate) fn conversation_messages_request(id: Uuid, after: &str) -> GraphqlRequest {
    let op = "query ConversationMessages($id: UUID!, $first: Int, $after: String) {
  conversation(id: $id) {
    messages(first: $first, after: $after) {
      edges { node { ...MessageFields } }
      pageInfo { endCursor hasNextPage }
    }
  }
}";
    GraphqlRequest {
        operation_name: "ConversationMessages",
        query: format!("{op}\n{MESSAGE_FIELDS}\n{USER_FIELDS}"),
        variables: json!({"id": id.to_string(), "first": MAX_PAGE_SIZE, "after": after}),
    }
}

pub(crate) fn project_request(project_id: i64) -> GraphqlRequest {
    GraphqlRequest {
        operation_name: "Project",
        query: "query Project($id: LegacyId!) { project(projectId: $id) { id name } }".into(),
        variables: json!({"id": project_id}),
    }
}

// ---------------------------------------------------------------------------------------------
// Response shapes.
// ---------------------------------------------------------------------------------------------

/// `LegacyId`: documented as integer-like; accept a JSON number or a numeric string.
fn legacy_id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| serde::de::Error::custom(format!("LegacyId {n} is not an integer"))),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("LegacyId \"{s}\" is not an integer"))),
        other => Err(serde::de::Error::custom(format!(
            "LegacyId must be a number, got {other}"
        ))),
    }
}

fn opt_legacy_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        v => legacy_id(v).map(Some).map_err(serde::de::Error::custom),
    }
}

/// A list that may come as null.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// An id that may be a string or a number, kept as text.
fn text_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageInfo {
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

#[derive(Debug, Deserialize)]
struct Edge<T> {
    node: T,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
struct Connection<T> {
    #[serde(deserialize_with = "list")]
    edges: Vec<Edge<T>>,
    page_info: PageInfo,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlUser {
    #[serde(rename = "__typename", default)]
    typename: String,
    #[serde(deserialize_with = "legacy_id")]
    id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
}

impl GqlUser {
    fn into_agent(self) -> Agent {
        // `Professional` and `Expert` are confirmed typenames; `Bot` is ASSUMED. An unknown
        // implementation of `User` is taken for a human agent, so that its name still shows.
        let kind = match self.typename.as_str() {
            "Expert" => AgentKind::Expert,
            "Bot" => AgentKind::Bot,
            _ => AgentKind::Professional,
        };
        Agent {
            id: self.id,
            first_name: self.first_name.filter(|s| !s.trim().is_empty()),
            last_name: self.last_name.unwrap_or_default(),
            email: self.email.filter(|s| !s.trim().is_empty()),
            kind,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlVisitor {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    country: Option<String>,
}

impl From<GqlVisitor> for Visitor {
    fn from(v: GqlVisitor) -> Visitor {
        let keep = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        Visitor {
            first_name: keep(v.first_name),
            last_name: keep(v.last_name),
            email: keep(v.email),
            country: keep(v.country),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(tag = "__typename")]
enum GqlAuthor {
    VisitorAuthor {},
    UserAuthor {
        user: GqlUser,
    },
    SystemAuthor {
        kind: Option<String>,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "__typename")]
enum GqlAttachment {
    #[serde(rename_all = "camelCase")]
    ConversationPushedSystemAttachment {
        to_user: GqlUser,
    },
    #[serde(rename_all = "camelCase")]
    FileAttachment {
        file_name: Option<String>,
        mime_type: Option<String>,
        url: String,
    },
    LinkAttachment {
        title: Option<String>,
        url: String,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlMessage {
    id: Uuid,
    created_at: DateTime<Utc>,
    author: Option<GqlAuthor>,
    text: Option<String>,
    #[serde(deserialize_with = "list")]
    attachments: Vec<Value>,
}

impl GqlMessage {
    fn into_message(self) -> Message {
        let author = match self.author {
            Some(GqlAuthor::VisitorAuthor {}) => Author::Visitor,
            Some(GqlAuthor::UserAuthor { user }) => Author::Agent {
                agent: user.into_agent(),
            },
            Some(GqlAuthor::SystemAuthor { kind }) => Author::System {
                kind: kind.unwrap_or_else(|| "SYSTEM".into()),
            },
            Some(GqlAuthor::Unknown) | None => Author::System {
                kind: "UNKNOWN".into(),
            },
        };
        let attachments = self
            .attachments
            .into_iter()
            .map(|raw| {
                let typename = raw["__typename"].as_str().unwrap_or("").to_owned();
                match serde_json::from_value::<GqlAttachment>(raw) {
                    Ok(GqlAttachment::ConversationPushedSystemAttachment { to_user }) => {
                        MessageAttachment::ConversationPushed {
                            to_agent: to_user.into_agent(),
                        }
                    }
                    Ok(GqlAttachment::FileAttachment {
                        file_name,
                        mime_type,
                        url,
                    }) => MessageAttachment::File {
                        file_name: file_name.unwrap_or_default(),
                        mime_type: mime_type.unwrap_or_default(),
                        url,
                    },
                    Ok(GqlAttachment::LinkAttachment { title, url }) => {
                        MessageAttachment::Link { title, url }
                    }
                    Ok(GqlAttachment::Unknown) | Err(_) => {
                        MessageAttachment::Other { kind: typename }
                    }
                }
            })
            .collect();
        Message {
            id: self.id,
            created_at: self.created_at,
            author,
            text: self.text,
            attachments,
        }
    }
}

#[derive(Debug, Deserialize)]
struct GqlProject {
    #[serde(deserialize_with = "legacy_id")]
    id: i64,
    #[serde(default)]
    name: Option<String>,
}

impl From<GqlProject> for Project {
    fn from(p: GqlProject) -> Project {
        Project {
            id: p.id,
            name: p.name.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct GqlTag {
    #[serde(deserialize_with = "text_id")]
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
struct GqlCampaign {
    #[serde(deserialize_with = "text_id")]
    id: String,
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlClosingFormValue {
    #[serde(deserialize_with = "text_id")]
    field_id: String,
    label: Option<String>,
    value: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlConversation {
    id: Uuid,
    #[serde(default, deserialize_with = "opt_legacy_id")]
    legacy_id: Option<i64>,
    created_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    channel: Option<String>,
    project: Option<GqlProject>,
    #[serde(default, deserialize_with = "list")]
    users: Vec<GqlUser>,
    visitor: Option<GqlVisitor>,
    messages: Connection<GqlMessage>,
    #[serde(default, deserialize_with = "list")]
    tags: Vec<GqlTag>,
    engagement_campaign: Option<GqlCampaign>,
    #[serde(default, deserialize_with = "list")]
    closing_form_values: Vec<GqlClosingFormValue>,
}

/// A conversation as read from one GraphQL answer: its transcript may continue on further
/// pages ([`RawConversation::messages_after`]).
#[derive(Debug)]
pub(crate) struct RawConversation {
    inner: GqlConversation,
    messages: Vec<Message>,
    next: Option<String>,
}

impl RawConversation {
    fn new(mut inner: GqlConversation) -> Self {
        let edges = std::mem::take(&mut inner.messages.edges);
        let messages = edges.into_iter().map(|e| e.node.into_message()).collect();
        let next = next_cursor(&inner.messages.page_info);
        RawConversation {
            inner,
            messages,
            next,
        }
    }

    pub fn id(&self) -> Uuid {
        self.inner.id
    }

    /// The cursor to fetch the rest of the transcript from, if any.
    pub fn messages_after(&self) -> Option<&str> {
        self.next.as_deref()
    }

    pub fn push_messages(&mut self, page: MessagePage) {
        self.messages.extend(page.messages);
        self.next = page.next;
    }

    pub fn into_conversation(self, platform: Platform) -> Conversation {
        let c = self.inner;
        let users = c.users.into_iter().map(GqlUser::into_agent).collect();
        let agents = merge_agents(users, &self.messages);
        Conversation {
            id: c.id,
            legacy_id: c.legacy_id,
            platform,
            project: c.project.map(Into::into),
            created_at: c.created_at,
            closed_at: c.closed_at,
            channel: c.channel.unwrap_or_default(),
            agents,
            visitor: c.visitor.map(Into::into).unwrap_or_default(),
            messages: self.messages,
            tags: c
                .tags
                .into_iter()
                .map(|t| ConversationTag {
                    id: t.id,
                    name: t.name,
                })
                .collect(),
            campaign: c.engagement_campaign.map(|k| Campaign {
                id: k.id,
                name: k.name.unwrap_or_default(),
            }),
            closing_form: c
                .closing_form_values
                .into_iter()
                .map(|v| ClosingFormAnswer {
                    field_id: v.field_id,
                    label: v.label,
                    value: match v.value {
                        None | Some(Value::Null) => None,
                        Some(Value::String(s)) => Some(s),
                        Some(other) => Some(other.to_string()),
                    },
                })
                .collect(),
        }
    }
}

/// A page of a transcript.
pub(crate) struct MessagePage {
    pub messages: Vec<Message>,
    pub next: Option<String>,
}

/// A page of closed conversations.
pub(crate) struct RawConversationPage {
    pub conversations: Vec<RawConversation>,
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

fn next_cursor(p: &PageInfo) -> Option<String> {
    if p.has_next_page {
        p.end_cursor.clone()
    } else {
        None
    }
}

fn parse<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, IadvizeError> {
    serde_json::from_value(value).map_err(|e| {
        IadvizeError::unexpected(format!("{what} does not have the expected shape: {e}"))
    })
}

pub(crate) fn parse_closed_conversations(data: Value) -> Result<RawConversationPage, IadvizeError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        closed_conversations: Connection<GqlConversation>,
    }
    let d: Data = parse(data, "closedConversations")?;
    let conn = d.closed_conversations;
    Ok(RawConversationPage {
        conversations: conn
            .edges
            .into_iter()
            .map(|e| RawConversation::new(e.node))
            .collect(),
        end_cursor: conn.page_info.end_cursor,
        has_next_page: conn.page_info.has_next_page,
    })
}

pub(crate) fn parse_conversation(data: Value) -> Result<Option<RawConversation>, IadvizeError> {
    #[derive(Deserialize)]
    struct Data {
        conversation: Option<GqlConversation>,
    }
    let d: Data = parse(data, "conversation")?;
    Ok(d.conversation.map(RawConversation::new))
}

/// None when the conversation is gone.
pub(crate) fn parse_conversation_messages(
    data: Value,
) -> Result<Option<MessagePage>, IadvizeError> {
    #[derive(Deserialize)]
    struct Only {
        messages: Connection<GqlMessage>,
    }
    #[derive(Deserialize)]
    struct Data {
        conversation: Option<Only>,
    }
    let d: Data = parse(data, "conversation.messages")?;
    Ok(d.conversation.map(|c| MessagePage {
        next: next_cursor(&c.messages.page_info),
        messages: c
            .messages
            .edges
            .into_iter()
            .map(|e| e.node.into_message())
            .collect(),
    }))
}

pub(crate) fn parse_project(data: Value) -> Result<Option<Project>, IadvizeError> {
    #[derive(Deserialize)]
    struct Data {
        project: Option<GqlProject>,
    }
    let d: Data = parse(data, "project")?;
    Ok(d.project.map(Into::into))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(typename: &str, id: Value) -> Value {
        json!({"__typename": typename, "id": id, "firstName": if typename == "Bot" { Value::Null } else { json!("Jean") }, "lastName": "Robert", "email": null})
    }

    fn conversation_json(users: Value, next: bool) -> Value {
        json!({
            "id": "6f1c1b1e-8f1e-4a57-9d3e-0a1b2c3d4e5f",
            "legacyId": "99000001",
            "createdAt": "2026-11-26T14:03:00+01:00",
            "closedAt": "2026-11-26T13:20:00.123Z",
            "channel": "CHAT",
            "project": {"id": 3101, "name": "Maison Dupont"},
            "users": users,
            "visitor": {"firstName": "Zoë", "lastName": "", "email": "zoe@customer.example", "country": "FR"},
            "tags": null,
            "engagementCampaign": {"id": "c0ffee00-0000-4000-8000-000000000000", "name": "Cart abandonment"},
            "closingFormValues": [
                {"fieldId": "escalate", "label": "Escalate", "value": "true"},
                {"fieldId": 42, "label": null, "value": null},
                {"fieldId": "n", "label": null, "value": 12}
            ],
            "messages": {
                "edges": [
                    {"node": {"id": "00000000-0000-4000-8000-000000000001", "createdAt": "2026-11-26T13:00:00Z",
                      "author": {"__typename": "SystemAuthor", "kind": "SYSTEM"}, "text": null,
                      "attachments": [{"__typename": "ConversationPushedSystemAttachment", "toUser": user("Bot", json!(51))}]}},
                    {"node": {"id": "00000000-0000-4000-8000-000000000002", "createdAt": "2026-11-26T13:01:00Z",
                      "author": {"__typename": "VisitorAuthor"}, "text": "<b>hi</b>",
                      "attachments": [{"__typename": "FileAttachment", "fileName": "a.jpg", "mimeType": "image/jpeg", "url": "https://f/a.jpg"},
                                      {"__typename": "StickerAttachment"}]}},
                    {"node": {"id": "00000000-0000-4000-8000-000000000003", "createdAt": "2026-11-26T13:02:00Z",
                      "author": {"__typename": "UserAuthor", "user": user("Expert", json!(31))}, "text": "hello",
                      "attachments": [{"__typename": "LinkAttachment", "title": null, "url": "https://t/x"}]}},
                    {"node": {"id": "00000000-0000-4000-8000-000000000004", "createdAt": "2026-11-26T13:03:00Z",
                      "author": {"__typename": "RobotAuthor"}, "text": "?", "attachments": null}}
                ],
                "pageInfo": {"endCursor": "Mw==", "hasNextPage": next}
            }
        })
    }

    #[test]
    fn maps_a_conversation_tolerantly() {
        let raw: GqlConversation = serde_json::from_value(conversation_json(
            json!([user("Expert", json!("31"))]),
            true,
        ))
        .unwrap();
        let raw = RawConversation::new(raw);
        assert_eq!(raw.messages_after(), Some("Mw=="));
        let c = raw.into_conversation(Platform::Ha);
        assert_eq!(c.legacy_id, Some(99_000_001));
        assert_eq!(c.created_at.to_rfc3339(), "2026-11-26T13:03:00+00:00");
        assert_eq!(c.site_id(), Some(3101));
        assert_eq!(c.visitor.last_name, None, "blank becomes None");
        assert_eq!(c.visitor.email.as_deref(), Some("zoe@customer.example"));
        assert!(c.tags.is_empty());
        assert_eq!(c.campaign.as_ref().unwrap().name, "Cart abandonment");
        assert_eq!(c.closing_form[1].field_id, "42");
        assert_eq!(c.closing_form[1].value, None);
        assert_eq!(c.closing_form[2].value.as_deref(), Some("12"));
        // users first, then the pushed bot.
        let kinds: Vec<_> = c.agents.iter().map(|a| (a.id, a.kind)).collect();
        assert_eq!(kinds, [(31, AgentKind::Expert), (51, AgentKind::Bot)]);
        assert_eq!(c.messages.len(), 4);
        assert_eq!(c.messages[0].pushed_to().unwrap().kind, AgentKind::Bot);
        assert_eq!(c.messages[1].author, Author::Visitor);
        assert_eq!(c.messages[1].text.as_deref(), Some("<b>hi</b>"));
        assert_eq!(
            c.messages[1].attachments[1],
            MessageAttachment::Other {
                kind: "StickerAttachment".into()
            }
        );
        assert!(matches!(
            &c.messages[2].author,
            Author::Agent { agent } if agent.kind == AgentKind::Expert && agent.full_name() == "Jean Robert"
        ));
        assert_eq!(
            c.messages[2].attachments[0],
            MessageAttachment::Link {
                title: None,
                url: "https://t/x".into()
            }
        );
        assert_eq!(
            c.messages[3].author,
            Author::System {
                kind: "UNKNOWN".into()
            }
        );
    }

    #[test]
    fn null_users_take_agents_from_pushed_messages() {
        let data = json!({"conversation": conversation_json(Value::Null, false)});
        let raw = parse_conversation(data).unwrap().unwrap();
        assert_eq!(raw.messages_after(), None);
        let c = raw.into_conversation(Platform::Sd);
        assert_eq!(c.platform, Platform::Sd);
        assert_eq!(c.agents.len(), 1);
        assert_eq!(c.agents[0].kind, AgentKind::Bot);
        assert_eq!(c.agents[0].first_name, None);
        assert!(
            parse_conversation(json!({"conversation": null}))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_wrong_shape_is_an_unexpected_error() {
        let e = parse_closed_conversations(json!({"closedConversations": {"edges": "nope"}}))
            .err()
            .unwrap();
        assert_eq!(e.code(), "iadvize.unexpected");
    }

    #[test]
    fn request_variables() {
        let from = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let to = from + chrono::Duration::days(1);
        let r = closed_conversations_request(
            &ClosedConversationsFilter::site(3101, from, to),
            500,
            Some("abc"),
        );
        assert_eq!(r.variables["first"], 100);
        assert_eq!(r.variables["from"], "2026-11-01T00:00:00.000Z");
        assert_eq!(r.variables["projectIds"], json!([3101]));
        assert_eq!(r.variables["after"], "abc");
        assert!(r.query.contains("fragment UserFields on User"));
        let all = closed_conversations_request(
            &ClosedConversationsFilter {
                from,
                to,
                project_ids: vec![],
            },
            0,
            None,
        );
        assert_eq!(all.variables["projectIds"], Value::Null);
        assert_eq!(all.variables["first"], 1);
        assert_eq!(project_request(7).body()["variables"]["id"], 7);
    }

    #[test]
    fn every_query_document_parses() {
        let docs = [
            closed_conversations_request(
                &ClosedConversationsFilter::site(1, Utc::now(), Utc::now()),
                10,
                None,
            ),
            conversation_request(Uuid::nil()),
            conversation_messages_request(Uuid::nil(), "x"),
            project_request(1),
        ];
        for d in docs {
            async_graphql_parser::parse_query(&d.query)
                .unwrap_or_else(|e| panic!("{}: {e}", d.operation_name));
        }
    }
}
