//! The core's own view of a finished iAdvize conversation: what a ticket needs, independent of
//! GraphQL (or REST) shapes. `assumed.rs` maps iAdvize's answers into these types; everything
//! downstream (ticket mapping, sync, the UI's preview) only sees these.
//!
//! All types serialise for the UI (TypeScript bindings in `ui/src/bindings`); times are UTC and
//! serialise as RFC 3339 strings.

use crate::site::Platform;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// What kind of iAdvize user handled a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "IadvizeAgentKind")]
pub enum AgentKind {
    /// A brand's own agent (admin, manager or operator): GraphQL `Professional`.
    Professional,
    /// An ibbü community expert: GraphQL `Expert`, REST role `expert`.
    Expert,
    /// A chatbot: GraphQL `Bot` (typename assumed).
    Bot,
}

/// An iAdvize user who took part in a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "IadvizeAgent")]
pub struct Agent {
    /// iAdvize's (legacy, integer) user id; the REST `operator/{id}`.
    pub id: i64,
    /// Bots have none.
    pub first_name: Option<String>,
    pub last_name: String,
    pub email: Option<String>,
    pub kind: AgentKind,
}

impl Agent {
    /// First and last name, as the "iAdvize Agent" ticket field shows it (a bot: its name).
    pub fn full_name(&self) -> String {
        match self.first_name.as_deref().map(str::trim) {
            Some(first) if !first.is_empty() => format!("{first} {}", self.last_name.trim()),
            _ => self.last_name.trim().to_owned(),
        }
    }
}

/// The visitor (customer) of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "IadvizeVisitor")]
pub struct Visitor {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Matches the Zendesk requester. Often missing (the visitor never gave it).
    pub email: Option<String>,
    /// As iAdvize gives it (often an ISO 3166 code).
    pub country: Option<String>,
}

impl Visitor {
    /// "First Last", or whichever part exists; None when the visitor gave no name.
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// The e-mail, trimmed, when it looks like one (contains `@`).
    pub fn usable_email(&self) -> Option<&str> {
        self.email
            .as_deref()
            .map(str::trim)
            .filter(|e| e.contains('@'))
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export, rename = "IadvizeAuthor")]
pub enum Author {
    /// The conversation's visitor (see [`Conversation::visitor`]).
    Visitor,
    /// An agent, expert or bot.
    Agent { agent: Agent },
    /// iAdvize itself (contact start, transfer, ...); `kind` as iAdvize names it.
    System { kind: String },
}

/// Something attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export, rename = "IadvizeAttachment")]
pub enum MessageAttachment {
    /// The conversation was pushed (assigned) to this agent: marks the start of a contact.
    ConversationPushed {
        to_agent: Agent,
    },
    File {
        file_name: String,
        mime_type: String,
        url: String,
    },
    Link {
        title: Option<String>,
        url: String,
    },
    /// A kind of attachment this version of the app does not know (named by iAdvize's type).
    Other {
        kind: String,
    },
}

/// One message of the transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "IadvizeMessage")]
pub struct Message {
    #[ts(type = "string")]
    pub id: Uuid,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    pub author: Author,
    /// Plain text as typed (never HTML to interpret); None for attachment-only messages.
    pub text: Option<String>,
    pub attachments: Vec<MessageAttachment>,
}

impl Message {
    /// The agent this message assigns the conversation to, if it starts a contact.
    pub fn pushed_to(&self) -> Option<&Agent> {
        self.attachments.iter().find_map(|a| match a {
            MessageAttachment::ConversationPushed { to_agent } => Some(to_agent),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "IadvizeConversationTag")]
pub struct ConversationTag {
    pub id: String,
    pub name: String,
}

/// The engagement campaign (targeting rule) that started the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "IadvizeCampaign")]
pub struct Campaign {
    pub id: String,
    /// Written into the "iAdvize Campaign" ticket field.
    pub name: String,
}

/// An iAdvize site (GraphQL `Project`, REST `website`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "IadvizeProject")]
pub struct Project {
    pub id: i64,
    pub name: String,
}

/// One answer an agent gave in a closing-form plugin when closing the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "IadvizeClosingFormAnswer")]
pub struct ClosingFormAnswer {
    /// The id the plugin gave the input, e.g. `escalate`, `private_note`, `zendesk_field_123`.
    pub field_id: String,
    pub label: Option<String>,
    /// The answer as text (checkbox: "true"/"false"); None when left empty.
    pub value: Option<String>,
}

/// A finished conversation with everything a ticket needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "IadvizeConversation")]
pub struct Conversation {
    /// iAdvize's conversation UUID (stable key of the conversation).
    #[ts(type = "string")]
    pub id: Uuid,
    /// The older integer id (likely the REST conversation id; unconfirmed).
    pub legacy_id: Option<i64>,
    pub platform: Platform,
    /// The site (project) the conversation belongs to.
    pub project: Option<Project>,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub closed_at: Option<DateTime<Utc>>,
    /// `CHAT`, `VIDEO`, `CALL`, `WHATSAPP`, ... as iAdvize names it.
    pub channel: String,
    /// Everyone who handled the conversation, without duplicates, in order of first contact
    /// (from `users`, completed by each contact's pushed system message).
    pub agents: Vec<Agent>,
    pub visitor: Visitor,
    /// The complete transcript, oldest first.
    pub messages: Vec<Message>,
    pub tags: Vec<ConversationTag>,
    pub campaign: Option<Campaign>,
    pub closing_form: Vec<ClosingFormAnswer>,
}

impl Conversation {
    /// The agent of the last contact (the one holding the conversation when it closed): the
    /// `toUser` of the last pushed system message; without such a message, the last human
    /// in [`agents`](Self::agents), else the last agent.
    pub fn handling_agent(&self) -> Option<&Agent> {
        self.messages
            .iter()
            .rev()
            .find_map(Message::pushed_to)
            .or_else(|| self.agents.iter().rev().find(|a| a.kind != AgentKind::Bot))
            .or_else(|| self.agents.last())
    }

    /// The closing-form answer with this field id (ids compare exactly).
    pub fn closing_answer(&self, field_id: &str) -> Option<&ClosingFormAnswer> {
        self.closing_form.iter().find(|a| a.field_id == field_id)
    }

    /// The site id (project id), when iAdvize gave it.
    pub fn site_id(&self) -> Option<i64> {
        self.project.as_ref().map(|p| p.id)
    }
}

/// Agents in order of appearance, each once (by id): `users` first, then the `toUser` of each
/// pushed system message not already listed.
pub(crate) fn merge_agents(users: Vec<Agent>, messages: &[Message]) -> Vec<Agent> {
    let mut out: Vec<Agent> = Vec::with_capacity(users.len() + 1);
    let pushed = messages.iter().filter_map(Message::pushed_to).cloned();
    for a in users.into_iter().chain(pushed) {
        if !out.iter().any(|b| b.id == a.id) {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: i64, first: Option<&str>, last: &str, kind: AgentKind) -> Agent {
        Agent {
            id,
            first_name: first.map(Into::into),
            last_name: last.into(),
            email: None,
            kind,
        }
    }

    fn msg(author: Author, attachments: Vec<MessageAttachment>) -> Message {
        Message {
            id: Uuid::nil(),
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
            author,
            text: None,
            attachments,
        }
    }

    fn conversation(agents: Vec<Agent>, messages: Vec<Message>) -> Conversation {
        Conversation {
            id: Uuid::nil(),
            legacy_id: None,
            platform: Platform::Ha,
            project: None,
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
            closed_at: None,
            channel: "CHAT".into(),
            agents,
            visitor: Visitor::default(),
            messages,
            tags: vec![],
            campaign: None,
            closing_form: vec![],
        }
    }

    #[test]
    fn names() {
        assert_eq!(
            agent(1, Some("Julie"), "Moreau", AgentKind::Professional).full_name(),
            "Julie Moreau"
        );
        assert_eq!(
            agent(2, None, "Wall-e", AgentKind::Bot).full_name(),
            "Wall-e"
        );
        assert_eq!(
            agent(2, Some(" "), "Eve", AgentKind::Bot).full_name(),
            "Eve"
        );
        let v = Visitor {
            first_name: Some("Zoë".into()),
            last_name: None,
            email: Some(" zoe@example.com ".into()),
            country: None,
        };
        assert_eq!(v.full_name().as_deref(), Some("Zoë"));
        assert_eq!(v.usable_email(), Some("zoe@example.com"));
        assert_eq!(Visitor::default().full_name(), None);
        let no_mail = Visitor {
            email: Some("n/a".into()),
            ..Visitor::default()
        };
        assert_eq!(no_mail.usable_email(), None);
    }

    #[test]
    fn handling_agent_is_the_last_pushed_contact() {
        let bot = agent(51, None, "Wall-e", AgentKind::Bot);
        let pro = agent(3, Some("Sofia"), "Rossi", AgentKind::Professional);
        let pushed = |a: &Agent| {
            msg(
                Author::System {
                    kind: "SYSTEM".into(),
                },
                vec![MessageAttachment::ConversationPushed {
                    to_agent: a.clone(),
                }],
            )
        };
        let messages = vec![pushed(&bot), msg(Author::Visitor, vec![]), pushed(&pro)];
        let c = conversation(vec![], messages.clone());
        assert_eq!(c.handling_agent(), Some(&pro));
        // Without pushed messages: the last human.
        let c = conversation(vec![pro.clone(), bot.clone()], vec![]);
        assert_eq!(c.handling_agent(), Some(&pro));
        let c = conversation(vec![bot.clone()], vec![]);
        assert_eq!(c.handling_agent(), Some(&bot));
        assert_eq!(conversation(vec![], vec![]).handling_agent(), None);
        // Agents merge users and pushed toUsers, each once.
        assert_eq!(merge_agents(vec![pro.clone()], &messages), vec![pro, bot]);
    }
}
