//! The transcript of a conversation as public comments: each message with its author and its
//! time in the site's time zone (offset shown), links and attachments as links, text escaped;
//! split across comments at message boundaries when longer than one comment may be.
//!
//! Also used by escalation tickets (issue 6): [`Transcript::build`] takes only the
//! conversation, the time zone and a budget.

use super::html::{Seg, escape, linkify, normalize_text};
use super::split::{Block, BlockSpec, COMMENT_BUDGET_BYTES, Header, pack};
use crate::iadvize::{Agent, AgentKind, Author, Conversation, Message, MessageAttachment, Visitor};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Names longer than this (in characters) are shortened with "…" in headers and subjects.
pub const MAX_NAME_CHARS: usize = 120;

/// "26 Nov 2026 14:03:05 UTC+01:00": the moment in `tz`, with the offset always shown.
pub fn format_time(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    format!(
        "{} UTC{}",
        local.format("%-d %b %Y %H:%M:%S"),
        local.format("%:z")
    )
}

/// "26 Nov 2026": the day of `at` in `tz`.
pub fn format_date(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%-d %b %Y").to_string()
}

pub(crate) fn shorten(s: &str, max_chars: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max_chars {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// One line of text: control characters and line breaks made harmless (names, subjects).
pub(crate) fn one_line(s: &str) -> String {
    normalize_text(s)
        .chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .collect()
}

/// The channel as people name it: `CHAT` -> "Chat", `FACEBOOK_BUSINESS_ON_MESSENGER` ->
/// "Messenger"; an unknown one in words ("NEW_THING" -> "New thing").
pub fn channel_label(channel: &str) -> String {
    let known = match channel.trim().to_ascii_uppercase().as_str() {
        "CHAT" => "Chat",
        "CALL" => "Call",
        "VIDEO" => "Video call",
        "WHATSAPP" => "WhatsApp",
        "FACEBOOK" => "Facebook",
        "FACEBOOK_BUSINESS_ON_MESSENGER" => "Messenger",
        "INSTAGRAM" => "Instagram",
        "TWITTER" => "X (Twitter)",
        "SMS" => "SMS",
        "MOBILE_APP" => "Mobile app",
        "APPLE_BUSINESS_CHAT" => "Apple Messages for Business",
        "GOOGLE_BUSINESS_MESSAGES" => "Google Business Messages",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let words = one_line(channel).trim().replace('_', " ").to_lowercase();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Conversation".to_owned(),
    }
}

/// What the subject and the transcript heading call the conversation: "Chat", "Call",
/// "Video call", else "<channel> conversation" ("WhatsApp conversation").
pub fn conversation_noun(channel: &str) -> String {
    let label = channel_label(channel);
    match label.as_str() {
        "Chat" | "Call" | "Video call" | "Conversation" => label,
        _ => format!("{label} conversation"),
    }
}

/// The visitor as the transcript names them: their name, or "Visitor".
pub fn visitor_label(visitor: &Visitor) -> String {
    visitor
        .full_name()
        .map(|n| shorten(&one_line(&n), MAX_NAME_CHARS))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Visitor".to_owned())
}

/// The agent's full name (a bot: its name); "Agent <id>" when iAdvize gave none.
pub fn agent_name(agent: &Agent) -> String {
    let name = shorten(&one_line(&agent.full_name()), MAX_NAME_CHARS);
    if name.is_empty() {
        format!("Agent {}", agent.id)
    } else {
        name
    }
}

/// The agent as the transcript names them: "Julie Moreau", "Jean Robert (ibbü expert)",
/// "Wall-e (bot)".
pub fn agent_label(agent: &Agent) -> String {
    let name = agent_name(agent);
    match agent.kind {
        AgentKind::Professional => name,
        AgentKind::Expert => format!("{name} (ibbü expert)"),
        AgentKind::Bot => format!("{name} (bot)"),
    }
}

/// The author of a message, as the transcript names them ("System" for iAdvize's own events).
pub fn author_label(author: &Author, visitor: &Visitor) -> String {
    match author {
        Author::Visitor => visitor_label(visitor),
        Author::Agent { agent } => agent_label(agent),
        Author::System { .. } => "System".to_owned(),
    }
}

/// A system kind in words: "VISITOR_CHAT_CLOSE" -> "visitor chat close".
fn kind_in_words(kind: &str) -> String {
    one_line(kind).trim().replace('_', " ").to_lowercase()
}

/// A message's content: its text (URLs as links), then each attachment on its own line.
/// `assigned_before` says whether an earlier message already assigned the conversation (the
/// first assignment reads "assigned to", later ones "transferred to").
pub fn message_content(message: &Message, assigned_before: bool) -> Vec<Seg> {
    let mut segs = Vec::new();
    if let Some(text) = message.text.as_deref().filter(|t| !t.is_empty()) {
        segs.extend(linkify(&normalize_text(text)));
    }
    let mut assigned = assigned_before;
    for attachment in &message.attachments {
        if !segs.is_empty() {
            segs.push(Seg::text("\n"));
        }
        match attachment {
            MessageAttachment::ConversationPushed { to_agent } => {
                let verb = if assigned { "transferred" } else { "assigned" };
                segs.push(Seg::text(format!(
                    "Conversation {verb} to {}",
                    agent_label(to_agent)
                )));
                assigned = true;
            }
            MessageAttachment::File {
                file_name,
                mime_type,
                url,
            } => {
                let name = one_line(file_name);
                let name = name.trim();
                let mime = one_line(mime_type);
                let mime = mime.trim();
                let mut label = String::from("File");
                if !name.is_empty() {
                    label.push_str(": ");
                    label.push_str(name);
                }
                if !mime.is_empty() {
                    label.push_str(&format!(" ({mime})"));
                }
                label.push(' ');
                segs.push(Seg::Text(label));
                segs.push(Seg::url(&one_line(url)));
            }
            MessageAttachment::Link { title, url } => {
                let title = title.as_deref().map(one_line);
                let label = match title.as_deref().map(str::trim) {
                    Some(t) if !t.is_empty() => format!("Link: {t} "),
                    _ => "Link: ".to_owned(),
                };
                segs.push(Seg::Text(label));
                segs.push(Seg::url(&one_line(url)));
            }
            MessageAttachment::Other { kind } => {
                segs.push(Seg::text(format!(
                    "Attachment of a kind this app does not show ({})",
                    one_line(kind).trim()
                )));
            }
        }
    }
    if segs.is_empty() {
        let words = match &message.author {
            Author::System { kind } if !kind.trim().is_empty() && kind != "SYSTEM" => {
                format!("System event: {}", kind_in_words(kind))
            }
            _ => "(empty message)".to_owned(),
        };
        segs.push(Seg::Text(words));
    }
    segs
}

fn message_spec(
    origin: usize,
    message: &Message,
    visitor: &Visitor,
    tz: Tz,
    assigned_before: bool,
) -> BlockSpec {
    let author = escape(&author_label(&message.author, visitor));
    let time = format_time(message.created_at, tz);
    let author_text = author_label(&message.author, visitor);
    BlockSpec {
        origin,
        at: Some(message.created_at),
        header: Header {
            html: format!("<strong>{author}</strong> · {}<br>", escape(&time)),
            text: format!("{author_text} · {time}\n"),
        },
        continued: Header {
            html: format!(
                "<strong>{author}</strong> · {} · continued<br>",
                escape(&time)
            ),
            text: format!("{author_text} · {time} · continued\n"),
        },
        content: message_content(message, assigned_before),
    }
}

/// One public comment of the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptPart {
    /// 1-based.
    pub number: usize,
    pub total: usize,
    /// What is sent as `html_body`.
    pub html: String,
    /// The same content as plain text (for the preview).
    pub text: String,
    /// The time of the part's first message (None when the conversation has no message).
    pub first_message_at: Option<DateTime<Utc>>,
    /// The messages (or chunks of one) it holds, in order.
    pub(crate) blocks: Vec<Block>,
}

impl TranscriptPart {
    /// Exact UTF-8 length of [`html`](Self::html): what Zendesk measures.
    pub fn bytes(&self) -> usize {
        self.html.len()
    }

    /// The transcript indices of the messages this part holds (a message cut in several
    /// chunks is listed in each part that has one of them).
    pub fn message_indices(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self.blocks.iter().map(|b| b.origin).collect();
        out.dedup();
        out
    }
}

/// The transcript, ready to send as one or more public comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    pub parts: Vec<TranscriptPart>,
    pub time_zone: Tz,
}

fn heading(noun: &str, number: usize, total: usize, tz: Tz) -> (String, String) {
    let part = if total > 1 {
        format!(" · part {number} of {total}")
    } else {
        String::new()
    };
    let text = format!("{noun} transcript{part} · times in {}", tz.name());
    let html = format!(
        "<p><strong>{} transcript</strong>{} · times in {}</p>",
        escape(noun),
        escape(&part),
        escape(tz.name())
    );
    (html, text)
}

impl Transcript {
    /// The transcript of `conversation` with times in `tz`, in comments of at most `budget`
    /// bytes ([`COMMENT_BUDGET_BYTES`] for what is sent; smaller in tests).
    pub fn build(conversation: &Conversation, tz: Tz, budget: usize) -> Transcript {
        let noun = conversation_noun(&conversation.channel);
        let mut assigned = false;
        let specs: Vec<BlockSpec> = conversation
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let spec = message_spec(i, m, &conversation.visitor, tz, assigned);
                assigned |= m.pushed_to().is_some();
                spec
            })
            .collect();
        // Each part starts with a heading; reserve room for the longest one it can have.
        let reserve = heading(&noun, 99_999, 99_999, tz).0.len();
        let mut groups = pack(&specs, budget.saturating_sub(reserve));
        if groups.is_empty() {
            groups.push(Vec::new());
        }
        let total = groups.len();
        let parts = groups
            .into_iter()
            .enumerate()
            .map(|(i, blocks)| {
                let (mut html, mut text) = heading(&noun, i + 1, total, tz);
                if blocks.is_empty() {
                    html.push_str("<p>No messages in this conversation.</p>");
                    text.push_str("\n\nNo messages in this conversation.");
                }
                for b in &blocks {
                    html.push_str(&b.html);
                    text.push_str("\n\n");
                    text.push_str(&b.text);
                }
                TranscriptPart {
                    number: i + 1,
                    total,
                    html,
                    text,
                    first_message_at: blocks.first().and_then(|b| b.at),
                    blocks,
                }
            })
            .collect();
        Transcript {
            parts,
            time_zone: tz,
        }
    }

    /// With the budget for what is sent.
    pub fn for_zendesk(conversation: &Conversation, tz: Tz) -> Transcript {
        Transcript::build(conversation, tz, COMMENT_BUDGET_BYTES)
    }
}
