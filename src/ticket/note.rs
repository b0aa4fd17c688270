//! The private note (`public: false`) that goes with every ticket: the link to the conversation
//! in iAdvize (from the site's URL template), its ids, channel, agents, campaign, tags, and a
//! sentence about the requester when it is not the visitor's own user.
//!
//! A note is a list of labelled lines plus sentences; escalation tickets (issue 6) put the
//! admin's label and the agent's note first with [`PrivateNote::prepend`].

use super::html::{Seg, escape, linkify, normalize_text};
use super::split::{Block, BlockSpec, COMMENT_BUDGET_BYTES, Header, pack};
use super::transcript::{agent_label, channel_label, format_time, one_line, visitor_label};
use crate::iadvize::Conversation;
use crate::site::{Platform, SiteSettings};
use chrono_tz::Tz;

/// A value of a note line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteValue {
    /// Text as written (URLs in it become links when `http(s)`).
    Text(String),
    /// A URL: a link when `http(s)`, else shown as text.
    Url(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteLine {
    pub label: String,
    pub value: NoteValue,
}

impl NoteLine {
    pub fn text(label: impl Into<String>, value: impl Into<String>) -> NoteLine {
        NoteLine {
            label: label.into(),
            value: NoteValue::Text(value.into()),
        }
    }

    pub fn url(label: impl Into<String>, url: impl Into<String>) -> NoteLine {
        NoteLine {
            label: label.into(),
            value: NoteValue::Url(url.into()),
        }
    }
}

/// The private note, before rendering.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrivateNote {
    pub title: String,
    pub lines: Vec<NoteLine>,
    /// Whole sentences after the lines (e.g. why the admin is the requester).
    pub sentences: Vec<String>,
}

/// One private comment of the note (a note longer than a comment may be is split too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotePart {
    pub number: usize,
    pub total: usize,
    pub html: String,
    pub text: String,
    pub(crate) blocks: Vec<Block>,
}

impl PrivateNote {
    /// Puts a line first (escalation: the admin's label with the agent's note).
    pub fn prepend(&mut self, line: NoteLine) {
        self.lines.insert(0, line);
    }

    fn heading(&self, number: usize, total: usize) -> (String, String) {
        let part = if total > 1 {
            format!(" · part {number} of {total}")
        } else {
            String::new()
        };
        (
            format!(
                "<p><strong>{}</strong>{}</p>",
                escape(&self.title),
                escape(&part)
            ),
            format!("{}{part}", self.title),
        )
    }

    /// The note as private comments of at most `budget` bytes (one in practice).
    pub fn parts(&self, budget: usize) -> Vec<NotePart> {
        let mut specs: Vec<BlockSpec> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let label = one_line(&line.label);
                let label = label.trim();
                BlockSpec {
                    origin: i,
                    at: None,
                    header: Header {
                        html: format!("<strong>{}:</strong> ", escape(label)),
                        text: format!("{label}: "),
                    },
                    continued: Header {
                        html: format!("<strong>{} (continued):</strong> ", escape(label)),
                        text: format!("{label} (continued): "),
                    },
                    content: match &line.value {
                        NoteValue::Text(t) => linkify(&normalize_text(t)),
                        NoteValue::Url(u) => vec![Seg::url(&one_line(u))],
                    },
                }
            })
            .collect();
        let n = specs.len();
        specs.extend(self.sentences.iter().enumerate().map(|(i, s)| BlockSpec {
            origin: n + i,
            at: None,
            header: Header::default(),
            continued: Header::default(),
            content: linkify(&normalize_text(s)),
        }));
        let reserve = self.heading(99_999, 99_999).0.len();
        let mut groups = pack(&specs, budget.saturating_sub(reserve));
        if groups.is_empty() {
            groups.push(Vec::new());
        }
        let total = groups.len();
        groups
            .into_iter()
            .enumerate()
            .map(|(i, blocks)| {
                let (mut html, mut text) = self.heading(i + 1, total);
                for b in &blocks {
                    html.push_str(&b.html);
                    text.push('\n');
                    text.push_str(&b.text);
                }
                NotePart {
                    number: i + 1,
                    total,
                    html,
                    text,
                    blocks,
                }
            })
            .collect()
    }

    /// With the budget for what is sent.
    pub fn for_zendesk(&self) -> Vec<NotePart> {
        self.parts(COMMENT_BUDGET_BYTES)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why the conversation's link could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlTemplateProblem {
    /// The template uses `{legacy_id}` and the conversation has none.
    NoLegacyId,
    /// The result is not an `http(s)` URL.
    NotHttp(String),
}

/// The link to a conversation: `template` with `{platform}`, `{site_id}`, `{conversation_id}`
/// and `{legacy_id}` replaced by their values, each percent-encoded. Other braces stay as
/// written.
pub fn conversation_url(
    template: &str,
    platform: Platform,
    site_id: i64,
    conversation_id: &uuid::Uuid,
    legacy_id: Option<i64>,
) -> Result<String, UrlTemplateProblem> {
    if template.contains("{legacy_id}") && legacy_id.is_none() {
        return Err(UrlTemplateProblem::NoLegacyId);
    }
    let url = template
        .trim()
        .replace("{platform}", &encode_component(platform.as_str()))
        .replace("{site_id}", &encode_component(&site_id.to_string()))
        .replace(
            "{conversation_id}",
            &encode_component(&conversation_id.hyphenated().to_string()),
        )
        .replace(
            "{legacy_id}",
            &encode_component(&legacy_id.map(|l| l.to_string()).unwrap_or_default()),
        );
    match super::html::safe_http_url(&url) {
        Some(_) => Ok(url),
        None => Err(UrlTemplateProblem::NotHttp(url)),
    }
}

/// The note of an auto-saved (or escalated) ticket. `requester_sentence`: see
/// [`RequesterChoice::note_sentence`](super::RequesterChoice::note_sentence).
pub fn build_note(
    conversation: &Conversation,
    site: &SiteSettings,
    tz: Tz,
    requester_sentence: Option<String>,
) -> (PrivateNote, Option<UrlTemplateProblem>) {
    let mut lines = Vec::new();
    let mut problem = None;
    match conversation_url(
        &site.conversation_url_template,
        site.platform,
        site.iadvize_site_id,
        &conversation.id,
        conversation.legacy_id,
    ) {
        Ok(url) => lines.push(NoteLine::url("Conversation in iAdvize", url)),
        Err(p) => {
            let why = match &p {
                UrlTemplateProblem::NoLegacyId => "none: the site's conversation URL template needs a legacy id and this conversation has none".to_owned(),
                UrlTemplateProblem::NotHttp(url) => format!("none: the site's conversation URL template gives {url}, which is not an http(s) link"),
            };
            lines.push(NoteLine::text("Conversation in iAdvize", why));
            problem = Some(p);
        }
    }
    lines.push(NoteLine::text(
        "Conversation id",
        conversation.id.hyphenated().to_string(),
    ));
    if let Some(legacy) = conversation.legacy_id {
        lines.push(NoteLine::text("Legacy id", legacy.to_string()));
    }
    lines.push(NoteLine::text(
        "iAdvize site",
        format!(
            "{} ({} {})",
            one_line(&site.name).trim(),
            site.platform.as_str().to_uppercase(),
            site.iadvize_site_id
        ),
    ));
    lines.push(NoteLine::text(
        "Channel",
        channel_label(&conversation.channel),
    ));
    lines.push(NoteLine::text(
        "Started",
        format_time(conversation.created_at, tz),
    ));
    if let Some(closed) = conversation.closed_at {
        lines.push(NoteLine::text("Closed", format_time(closed, tz)));
    }
    let visitor = visitor_label(&conversation.visitor);
    let visitor = match conversation.visitor.usable_email() {
        Some(email) => format!("{visitor} <{email}>"),
        None => format!("{visitor} (no e-mail address)"),
    };
    lines.push(NoteLine::text("Visitor", visitor));
    if !conversation.agents.is_empty() {
        let agents: Vec<String> = conversation.agents.iter().map(agent_label).collect();
        lines.push(NoteLine::text(
            if agents.len() == 1 { "Agent" } else { "Agents" },
            agents.join(", "),
        ));
    }
    if let Some(agent) = conversation.handling_agent()
        && conversation.agents.len() > 1
    {
        lines.push(NoteLine::text("Last handled by", agent_label(agent)));
    }
    if let Some(campaign) = &conversation.campaign {
        let name = one_line(&campaign.name);
        if !name.trim().is_empty() {
            lines.push(NoteLine::text("Campaign", name.trim()));
        }
    }
    let tags: Vec<String> = conversation
        .tags
        .iter()
        .map(|t| one_line(&t.name).trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if !tags.is_empty() {
        lines.push(NoteLine::text("Tags", tags.join(", ")));
    }
    (
        PrivateNote {
            title: "iAdvize conversation".to_owned(),
            lines,
            sentences: requester_sentence.into_iter().collect(),
        },
        problem,
    )
}
