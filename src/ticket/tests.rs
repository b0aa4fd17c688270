//! The mapping end to end: every author kind, time zones and DST, escaping, links and
//! attachments, splitting, fields, the note, `external_id`, both renderers' JSON (checked
//! against Zendesk's OpenAPI document) and the preview.

use super::html::tests::visible_text;
use super::split::{Block, LINK_ALLOWANCE_BYTES};
use super::*;
use crate::iadvize::{
    Agent, AgentKind, Author, Campaign, ConversationTag, Message, MessageAttachment, Project,
    Visitor,
};
use crate::site::{DeliveryMode, RequesterPolicy, ZendeskAuthKind};
use crate::zendesk::requests::{
    create_ticket_body, import_many_body, import_ticket_body, update_ticket_body,
};
use crate::zendesk::{TicketField, TicketForm};
use chrono::Duration;
use chrono_tz::{America, Asia, Europe};
use serde_json::{Value, json};

// ------------------------------------------------------------------ fixtures

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn conversation_id() -> Uuid {
    Uuid::parse_str("5b0c6a8e-1f2d-4c3b-9a7e-0d1e2f3a4b5c").unwrap()
}

fn julie() -> Agent {
    Agent {
        id: 3,
        first_name: Some("Julie".into()),
        last_name: "Moreau".into(),
        email: Some("julie@brand.example".into()),
        kind: AgentKind::Professional,
    }
}

fn expert() -> Agent {
    Agent {
        id: 31,
        first_name: Some("Jean".into()),
        last_name: "Robert".into(),
        email: None,
        kind: AgentKind::Expert,
    }
}

fn bot() -> Agent {
    Agent {
        id: 30,
        first_name: None,
        last_name: "Wall-e".into(),
        email: None,
        kind: AgentKind::Bot,
    }
}

fn marie() -> Visitor {
    Visitor {
        first_name: Some("Marie".into()),
        last_name: Some("Dupont".into()),
        email: Some("marie@example.com".into()),
        country: Some("FR".into()),
    }
}

struct Msgs {
    start: DateTime<Utc>,
    list: Vec<Message>,
}

impl Msgs {
    fn new(start: DateTime<Utc>) -> Msgs {
        Msgs {
            start,
            list: Vec::new(),
        }
    }

    fn push(&mut self, author: Author, text: Option<&str>, attachments: Vec<MessageAttachment>) {
        let n = self.list.len() as i64;
        self.list.push(Message {
            id: Uuid::from_u128(n as u128 + 1),
            created_at: self.start + Duration::seconds(30 * (n + 1)),
            author,
            text: text.map(Into::into),
            attachments,
        });
    }

    fn pushed(&mut self, to: Agent) {
        self.push(
            Author::System {
                kind: "SYSTEM".into(),
            },
            None,
            vec![MessageAttachment::ConversationPushed { to_agent: to }],
        );
    }

    fn visitor(&mut self, text: &str) {
        self.push(Author::Visitor, Some(text), vec![]);
    }

    fn agent(&mut self, a: Agent, text: &str) {
        self.push(Author::Agent { agent: a }, Some(text), vec![]);
    }
}

fn conversation_with(
    start: DateTime<Utc>,
    messages: Vec<Message>,
    agents: Vec<Agent>,
) -> Conversation {
    let closed = messages.last().map_or(start, |m| m.created_at) + Duration::seconds(30);
    Conversation {
        id: conversation_id(),
        legacy_id: Some(987_654),
        platform: Platform::Ha,
        project: Some(Project {
            id: 3101,
            name: "Boutique".into(),
        }),
        created_at: start,
        closed_at: Some(closed),
        channel: "CHAT".into(),
        agents,
        visitor: marie(),
        messages,
        tags: vec![ConversationTag {
            id: "1".into(),
            name: "delivery".into(),
        }],
        campaign: Some(Campaign {
            id: "77".into(),
            name: "Black Friday".into(),
        }),
        closing_form: vec![],
    }
}

/// Bot first, then Julie; one of every kind of message.
fn conversation() -> Conversation {
    let start = at("2026-11-26T13:00:00Z");
    let mut m = Msgs::new(start);
    m.pushed(bot());
    m.agent(bot(), "Hi! I'm Wall-e. How can I help?");
    m.visitor("Where is my order <script>alert('x')</script> & \"co\"?\nSecond line");
    m.pushed(julie());
    m.agent(
        julie(),
        "Track it here: https://track.example/p/4471?x=1&y=2.",
    );
    m.push(
        Author::Visitor,
        None,
        vec![MessageAttachment::File {
            file_name: "photo \"1\".jpg".into(),
            mime_type: "image/jpeg".into(),
            url: "https://files.example/a/photo.jpg".into(),
        }],
    );
    m.push(
        Author::Agent { agent: julie() },
        Some("And this:"),
        vec![
            MessageAttachment::Link {
                title: Some("Returns <policy>".into()),
                url: "https://shop.example/returns".into(),
            },
            MessageAttachment::Link {
                title: None,
                url: "javascript:alert(1)".into(),
            },
        ],
    );
    m.pushed(expert());
    m.agent(expert(), "Expert here.");
    m.push(
        Author::System {
            kind: "SYSTEM".into(),
        },
        Some("The chat rule has been activated."),
        vec![],
    );
    m.push(
        Author::System {
            kind: "VISITOR_CHAT_CLOSE".into(),
        },
        None,
        vec![],
    );
    m.push(
        Author::Visitor,
        None,
        vec![MessageAttachment::Other {
            kind: "CardBundleAttachment".into(),
        }],
    );
    conversation_with(start, m.list, vec![bot(), julie(), expert()])
}

fn site() -> SiteSettings {
    SiteSettings {
        name: "Boutique <FR>".into(),
        platform: Platform::Ha,
        iadvize_site_id: 3101,
        zendesk_domain: "https://acme.zendesk.com".into(),
        zendesk_email: "admin@acme.example".into(),
        zendesk_auth: ZendeskAuthKind::OauthClient,
        zendesk_oauth_client_id: Some("cid".into()),
        country: "France".into(),
        start_from: at("2026-01-01T00:00:00Z"),
        autosave_enabled: true,
        autosave_form_id: Some(500),
        escalation_enabled: false,
        escalation_form_id: None,
        escalation_note_label: "Summary".into(),
        grace_seconds: 300,
        delivery_mode: DeliveryMode::Import,
        poll_seconds: 60,
        conversation_url_template:
            "https://{platform}.iadvize.com/admin/site/{site_id}/conversation/{conversation_id}?legacy={legacy_id}"
                .into(),
        requester_policy: RequesterPolicy::CreateEndUser,
        zendesk_api_url: None,
        iadvize_api_url: None,
    }
}

fn field(id: i64, kind: &str, title: &str) -> TicketField {
    TicketField {
        id,
        field_type: kind.into(),
        title: title.into(),
        active: true,
        removable: !matches!(kind, "subject" | "description" | "status"),
        ..TicketField::default()
    }
}

fn fields() -> Vec<TicketField> {
    let mut inactive = field(19, "text", "iAdvize Campaign");
    inactive.active = false;
    let mut required = field(16, "tagger", "Topic");
    required.required = true;
    vec![
        field(1, "subject", "Subject"),
        field(12, "text", "  iadvize agent "),
        field(13, "textarea", "IADVIZE COUNTRY"),
        field(14, "text", "iAdvize Campaign"),
        field(15, "checkbox", "iAdvize Agent"),
        required,
        inactive,
        field(18, "text", "Not on the form"),
        field(20, "text", "iAdvize Campaign"),
    ]
}

fn form() -> TicketForm {
    TicketForm {
        id: 500,
        name: "Chat archive".into(),
        display_name: Some("Chat archive (iAdvize)".into()),
        active: true,
        ticket_field_ids: vec![1, 15, 16, 14, 12, 13, 19, 20, 999],
        ..TicketForm::default()
    }
}

fn options() -> MappingOptions {
    MappingOptions {
        time_zone: Europe::Paris,
        field_defaults: vec![
            FieldDefault {
                field_id: 16,
                value: json!("delivery"),
            },
            FieldDefault {
                field_id: 18,
                value: json!("x"),
            },
        ],
        assignee_id: Some(900),
        comment_author_id: Some(900),
        ..MappingOptions::default()
    }
}

fn plan_of(c: &Conversation, requester: RequesterChoice) -> TicketPlan {
    let (fields, form) = (fields(), form());
    plan_ticket(
        c,
        &site(),
        FormContext::new(Some(&form), &fields),
        requester,
        &options(),
    )
}

fn existing() -> RequesterChoice {
    RequesterChoice::Existing { user_id: 42 }
}

/// Each message's content, from the parts' blocks, chunks concatenated.
fn contents(t: &Transcript) -> Vec<String> {
    let blocks: Vec<&Block> = t.parts.iter().flat_map(|p| p.blocks.iter()).collect();
    let n = blocks.iter().map(|b| b.origin + 1).max().unwrap_or(0);
    (0..n)
        .map(|i| {
            blocks
                .iter()
                .filter(|b| b.origin == i)
                .map(|b| b.content_text.as_str())
                .collect()
        })
        .collect()
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ------------------------------------------------------------------ transcript

#[test]
fn every_author_kind_and_system_event_in_words() {
    let c = conversation();
    let t = Transcript::for_zendesk(&c, Europe::Paris);
    assert_eq!(t.parts.len(), 1);
    let text = &t.parts[0].text;
    let expected_lines = [
        "Chat transcript · times in Europe/Paris",
        "System · 26 Nov 2026 14:00:30 UTC+01:00\nConversation assigned to Wall-e (bot)",
        "Wall-e (bot) · 26 Nov 2026 14:01:00 UTC+01:00\nHi! I'm Wall-e. How can I help?",
        "Marie Dupont · 26 Nov 2026 14:01:30 UTC+01:00\nWhere is my order <script>alert('x')</script> & \"co\"?\nSecond line",
        "System · 26 Nov 2026 14:02:00 UTC+01:00\nConversation transferred to Julie Moreau",
        "Julie Moreau · 26 Nov 2026 14:02:30 UTC+01:00\nTrack it here: https://track.example/p/4471?x=1&y=2.",
        "Marie Dupont · 26 Nov 2026 14:03:00 UTC+01:00\nFile: photo \"1\".jpg (image/jpeg) https://files.example/a/photo.jpg",
        "Julie Moreau · 26 Nov 2026 14:03:30 UTC+01:00\nAnd this:\nLink: Returns <policy> https://shop.example/returns\nLink: javascript:alert(1)",
        "System · 26 Nov 2026 14:04:00 UTC+01:00\nConversation transferred to Jean Robert (ibbü expert)",
        "Jean Robert (ibbü expert) · 26 Nov 2026 14:04:30 UTC+01:00\nExpert here.",
        "System · 26 Nov 2026 14:05:00 UTC+01:00\nThe chat rule has been activated.",
        "System · 26 Nov 2026 14:05:30 UTC+01:00\nSystem event: visitor chat close",
        "Marie Dupont · 26 Nov 2026 14:06:00 UTC+01:00\nAttachment of a kind this app does not show (CardBundleAttachment)",
    ];
    assert_eq!(text, &expected_lines.join("\n\n"));
    // The HTML shows exactly that text.
    assert_eq!(squash(&visible_text(&t.parts[0].html)), squash(text));

    // A visitor without a name is "Visitor"; an agent without a name is "Agent <id>".
    let mut c2 = conversation();
    c2.visitor = Visitor::default();
    c2.messages[2].author = Author::Agent {
        agent: Agent {
            id: 8,
            first_name: None,
            last_name: " ".into(),
            email: None,
            kind: AgentKind::Professional,
        },
    };
    let t2 = Transcript::for_zendesk(&c2, Europe::Paris);
    assert!(
        t2.parts[0]
            .text
            .contains("\n\nVisitor · 26 Nov 2026 14:03:00")
    );
    assert!(
        t2.parts[0]
            .text
            .contains("\n\nAgent 8 · 26 Nov 2026 14:01:30")
    );
    // An empty message still shows.
    let mut c3 = conversation();
    c3.messages[1].text = Some(String::new());
    assert!(
        Transcript::for_zendesk(&c3, Tz::UTC).parts[0]
            .text
            .contains("(empty message)")
    );
}

#[test]
fn text_is_escaped_and_only_http_links_are_links() {
    let c = conversation();
    let html = &Transcript::for_zendesk(&c, Tz::UTC).parts[0].html;
    assert!(html.contains(
        "Where is my order &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;?<br>Second line"
    ));
    assert!(!html.contains("<script"));
    assert!(html.contains(
        "<a href=\"https://track.example/p/4471?x=1&amp;y=2\">https://track.example/p/4471?x=1&amp;y=2</a>."
    ));
    assert!(html.contains(
        "File: photo &quot;1&quot;.jpg (image/jpeg) <a href=\"https://files.example/a/photo.jpg\">"
    ));
    assert!(
        html.contains("Link: Returns &lt;policy&gt; <a href=\"https://shop.example/returns\">")
    );
    assert!(
        html.contains("Link: javascript:alert(1)</p>")
            || html.contains("Link: javascript:alert(1)<")
    );
    assert!(!html.contains("href=\"javascript"));
    // Every tag in the HTML is one this module writes.
    let mut rest = html.as_str();
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').unwrap() + i;
        let tag = &rest[i + 1..end];
        assert!(
            ["p", "/p", "br", "strong", "/strong", "/a"].contains(&tag)
                || tag.starts_with("a href=\"https://"),
            "unexpected tag <{tag}>"
        );
        rest = &rest[end + 1..];
    }
    // Names are escaped too.
    let mut c2 = conversation();
    c2.visitor.first_name = Some("<b>Eve</b>".into());
    c2.visitor.last_name = Some("O'Hara & Co".into());
    let html = &Transcript::for_zendesk(&c2, Tz::UTC).parts[0].html;
    assert!(html.contains("<strong>&lt;b&gt;Eve&lt;/b&gt; O&#39;Hara &amp; Co</strong>"));
}

#[test]
fn times_show_the_site_offset_across_time_zones_and_dst() {
    let t = |s: &str, tz: Tz| transcript::format_time(at(s), tz);
    assert_eq!(
        t("2026-11-26T13:00:00Z", Tz::UTC),
        "26 Nov 2026 13:00:00 UTC+00:00"
    );
    assert_eq!(
        t("2026-11-26T13:00:00Z", Europe::Paris),
        "26 Nov 2026 14:00:00 UTC+01:00"
    );
    assert_eq!(
        t("2026-07-14T13:00:00Z", Europe::Paris),
        "14 Jul 2026 15:00:00 UTC+02:00"
    );
    assert_eq!(
        t("2026-11-26T13:00:00Z", America::New_York),
        "26 Nov 2026 08:00:00 UTC-05:00"
    );
    assert_eq!(
        t("2026-07-14T13:00:00Z", America::New_York),
        "14 Jul 2026 09:00:00 UTC-04:00"
    );
    assert_eq!(
        t("2026-11-26T13:00:00Z", Asia::Kolkata),
        "26 Nov 2026 18:30:00 UTC+05:30"
    );
    assert_eq!(
        t("2026-11-26T13:00:00Z", Asia::Kathmandu),
        "26 Nov 2026 18:45:00 UTC+05:45"
    );
    // Paris springs forward at 01:00 UTC on 29 Mar 2026 and falls back at 01:00 UTC on 25 Oct.
    assert_eq!(
        t("2026-03-29T00:59:59Z", Europe::Paris),
        "29 Mar 2026 01:59:59 UTC+01:00"
    );
    assert_eq!(
        t("2026-03-29T01:00:00Z", Europe::Paris),
        "29 Mar 2026 03:00:00 UTC+02:00"
    );
    // The repeated hour in autumn is told apart by its offset.
    assert_eq!(
        t("2026-10-25T00:30:00Z", Europe::Paris),
        "25 Oct 2026 02:30:00 UTC+02:00"
    );
    assert_eq!(
        t("2026-10-25T01:30:00Z", Europe::Paris),
        "25 Oct 2026 02:30:00 UTC+01:00"
    );

    // A conversation across the DST change shows both offsets; the subject's day is local.
    let start = at("2026-03-28T23:30:00Z");
    let mut m = Msgs::new(start);
    m.visitor("before");
    let mut c = conversation_with(start, m.list, vec![]);
    c.messages.push(Message {
        created_at: at("2026-03-29T01:30:00Z"),
        ..c.messages[0].clone()
    });
    let text = &Transcript::for_zendesk(&c, Europe::Paris).parts[0].text;
    assert!(text.contains("29 Mar 2026 00:30:30 UTC+01:00"), "{text}");
    assert!(text.contains("29 Mar 2026 03:30:00 UTC+02:00"), "{text}");
    assert_eq!(
        subject_for(&c, Europe::Paris),
        "Chat with Marie Dupont – 29 Mar 2026"
    );
    assert_eq!(
        subject_for(&c, Tz::UTC),
        "Chat with Marie Dupont – 28 Mar 2026"
    );
    assert_eq!(
        subject_for(&c, America::Los_Angeles),
        "Chat with Marie Dupont – 28 Mar 2026"
    );
    assert_eq!(MappingOptions::default().time_zone, Tz::UTC);
}

#[test]
fn a_long_transcript_is_split_at_message_boundaries_and_nothing_is_lost() {
    // Like the sandbox's long conversation: 140 messages of ~650 bytes, well over 70 kB,
    // with unicode, emoji, RTL and HTML-looking text.
    let start = at("2026-11-26T09:00:00Z");
    let mut m = Msgs::new(start);
    m.pushed(julie());
    let lines = [
        "Hello, I ordered a jacket last week and it has not arrived.",
        "Ça marche très bien, merci ! 😊👍🏽🎉",
        "مرحبا، أحتاج مساعدة في طلبي رقم ٤٤٧١",
        "שלום, איפה ההזמנה שלי?",
        "<script>alert('xss')</script> & \"quotes\" https://track.example/x?a=1&b=2",
        "Emoji family: 👨‍👩‍👧‍👦 and flags 🇫🇷🇩🇪",
        "Line one\nLine two\n\n    indented line\ttab",
    ];
    for k in 0..140 {
        let text = format!("[{k:03}] {}", [lines[k % lines.len()]; 12].join(" "));
        if k % 2 == 0 {
            m.visitor(&text);
        } else {
            m.agent(julie(), &text);
        }
    }
    let c = conversation_with(start, m.list, vec![julie()]);
    let total: usize = c
        .messages
        .iter()
        .filter_map(|m| m.text.as_deref())
        .map(str::len)
        .sum();
    assert!(total > 70_000, "{total}");

    let t = Transcript::for_zendesk(&c, Europe::Paris);
    assert!(t.parts.len() >= 2, "{}", t.parts.len());
    let n = t.parts.len();
    for p in &t.parts {
        let links = p.blocks.iter().map(|b| b.links).sum::<usize>();
        assert!(p.bytes() + links * LINK_ALLOWANCE_BYTES <= COMMENT_BUDGET_BYTES);
        assert!(p.bytes() < ZENDESK_COMMENT_LIMIT_BYTES);
        assert_eq!(p.total, n);
        assert!(p.text.starts_with(&format!(
            "Chat transcript · part {} of {n} · times in Europe/Paris",
            p.number
        )));
        assert!(p.html.starts_with(&format!(
            "<p><strong>Chat transcript</strong> · part {} of {n}",
            p.number
        )));
        // Whole messages only: no message is cut when each fits a comment.
        assert!(p.blocks.iter().all(|b| b.chunk == 0));
    }
    // Every message, in order, exactly once, its text whole.
    let got = contents(&t);
    assert_eq!(got.len(), c.messages.len());
    for (i, msg) in c.messages.iter().enumerate() {
        let expected: String = transcript::message_content(msg, i > 0)
            .iter()
            .map(|s| s.plain().to_owned())
            .collect();
        assert_eq!(got[i], expected, "message {i}");
        if let Some(text) = &msg.text {
            assert_eq!(&got[i], text, "message {i}");
        }
    }
    // And what Zendesk receives shows it all: the parts' HTML, decoded, holds every message.
    let shown: String = t.parts.iter().map(|p| visible_text(&p.html)).collect();
    let shown = squash(&shown);
    let mut from = 0;
    for msg in c.messages.iter().filter_map(|m| m.text.as_deref()) {
        let i = shown[from..]
            .find(&squash(msg))
            .expect("message shown in order")
            + from;
        from = i;
    }
    // Parts after the first start with their first message's time (import comments use it).
    assert!(
        t.parts
            .windows(2)
            .all(|w| w[0].first_message_at < w[1].first_message_at)
    );
}

#[test]
fn a_single_message_bigger_than_a_comment_is_itself_split() {
    let start = at("2026-11-26T09:00:00Z");
    let mut m = Msgs::new(start);
    m.visitor("short one");
    let huge: String = (0..4000)
        .map(|i| format!("{i} مرحبا 😊 <&> 👨‍👩‍👧‍👦 שלום https://x.example/{i}\n"))
        .collect();
    assert!(huge.len() > 150_000);
    m.agent(julie(), &huge);
    let no_space = "🇫🇷".repeat(20_000);
    m.visitor(&no_space);
    m.visitor("after");
    let c = conversation_with(start, m.list, vec![julie()]);
    let t = Transcript::for_zendesk(&c, Tz::UTC);
    assert!(t.parts.len() >= 5);
    for p in &t.parts {
        let links = p.blocks.iter().map(|b| b.links).sum::<usize>();
        assert!(
            p.bytes() + links * LINK_ALLOWANCE_BYTES <= COMMENT_BUDGET_BYTES,
            "{}",
            p.bytes()
        );
    }
    let got = contents(&t);
    assert_eq!(
        got,
        vec![
            "short one".to_owned(),
            huge.clone(),
            no_space.clone(),
            "after".to_owned()
        ]
    );
    // Each chunk after the first says it continues.
    let chunks: Vec<&Block> = t
        .parts
        .iter()
        .flat_map(|p| &p.blocks)
        .filter(|b| b.origin == 1)
        .collect();
    assert!(chunks.len() >= 3);
    assert!(chunks[1..].iter().all(|b| {
        b.text
            .starts_with("Julie Moreau · 26 Nov 2026 09:01:00 UTC+00:00 · continued\n")
    }));
    // A flag is never cut in half.
    for b in t
        .parts
        .iter()
        .flat_map(|p| &p.blocks)
        .filter(|b| b.origin == 2)
    {
        assert_eq!(b.content_text.chars().count() % 2, 0);
    }
}

#[test]
fn exact_split_boundaries() {
    let start = at("2026-11-26T09:00:00Z");
    let mut m = Msgs::new(start);
    m.visitor("first message");
    m.agent(julie(), "second message");
    let c = conversation_with(start, m.list, vec![julie()]);
    let whole = Transcript::build(&c, Tz::UTC, usize::MAX / 2);
    assert_eq!(whole.parts.len(), 1);
    let block_costs: usize = whole.parts[0].blocks.iter().map(Block::cost).sum();
    // The heading reserve: the longest heading the transcript can have.
    let reserve =
        "<p><strong>Chat transcript</strong> · part 99999 of 99999 · times in UTC</p>".len();
    let exact = reserve + block_costs;
    let t = Transcript::build(&c, Tz::UTC, exact);
    assert_eq!(t.parts.len(), 1);
    assert_eq!(
        t.parts[0].text,
        "Chat transcript · times in UTC\n\nMarie Dupont · 26 Nov 2026 09:00:30 UTC+00:00\nfirst message\n\nJulie Moreau · 26 Nov 2026 09:01:00 UTC+00:00\nsecond message"
    );
    let t = Transcript::build(&c, Tz::UTC, exact - 1);
    assert_eq!(t.parts.len(), 2);
    assert_eq!(t.parts[0].message_indices(), vec![0]);
    assert_eq!(t.parts[1].message_indices(), vec![1]);
    assert!(
        t.parts[1]
            .text
            .starts_with("Chat transcript · part 2 of 2 · times in UTC\n\nJulie Moreau")
    );
    // No messages at all: one comment saying so (Zendesk needs a first comment).
    let empty = conversation_with(start, vec![], vec![]);
    let t = Transcript::for_zendesk(&empty, Tz::UTC);
    assert_eq!(t.parts.len(), 1);
    assert!(
        t.parts[0]
            .text
            .ends_with("No messages in this conversation.")
    );
    assert_eq!(t.parts[0].first_message_at, None);
}

// ------------------------------------------------------------------ subject, tags, external id

#[test]
fn subject_names_channel_visitor_and_day() {
    let mut c = conversation();
    assert_eq!(
        subject_for(&c, Europe::Paris),
        "Chat with Marie Dupont – 26 Nov 2026"
    );
    c.visitor = Visitor::default();
    c.channel = "WHATSAPP".into();
    assert_eq!(
        subject_for(&c, Tz::UTC),
        "WhatsApp conversation with Visitor – 26 Nov 2026"
    );
    c.channel = "VIDEO".into();
    c.visitor.first_name = Some("  Zoë\nLine\u{0} ".into());
    assert_eq!(
        subject_for(&c, Tz::UTC),
        "Video call with Zoë Line\u{2400} – 26 Nov 2026"
    );
    c.channel = "SOME_NEW_CHANNEL".into();
    assert_eq!(
        subject_for(&c, Tz::UTC),
        "Some new channel conversation with Zoë Line\u{2400} – 26 Nov 2026"
    );
    c.visitor.first_name = Some("x".repeat(500));
    assert!(subject_for(&c, Tz::UTC).chars().count() < 200);
}

#[test]
fn tags_name_the_source_the_channel_and_the_kind() {
    let mut c = conversation();
    assert_eq!(
        tags_for(&c, TicketKind::AutoSave),
        ["iadvize", "iadvize_chat", "iadvize_autosave"]
    );
    c.channel = "FACEBOOK_BUSINESS_ON_MESSENGER".into();
    assert_eq!(
        tags_for(&c, TicketKind::Escalation),
        [
            "iadvize",
            "iadvize_facebook_business_on_messenger",
            "iadvize_escalation"
        ]
    );
    assert_eq!(tag_safe(" Weird  chän-nel! "), "weird_ch_n_nel");
    assert_eq!(tag_safe("  "), "unknown");
}

#[test]
fn external_id_is_stable_and_made_of_platform_site_and_conversation() {
    let c = conversation();
    let id = plan_of(&c, existing()).external_id;
    assert_eq!(id, "iadvize:ha:3101:5b0c6a8e-1f2d-4c3b-9a7e-0d1e2f3a4b5c");
    assert_eq!(id, external_id(Platform::Ha, 3101, &conversation_id()));
    // Nothing but those three changes it: not the transcript, names, times, kind, site name,
    // delivery mode, requester, time zone or form.
    let mut other = c.clone();
    other.messages.truncate(2);
    other.visitor = Visitor::default();
    other.closed_at = None;
    other.legacy_id = None;
    other.channel = "SMS".into();
    let mut s = site();
    s.name = "Renamed".into();
    s.delivery_mode = DeliveryMode::Create;
    s.country = "Belgium".into();
    let opts = MappingOptions {
        kind: TicketKind::Escalation,
        time_zone: Asia::Tokyo,
        ..MappingOptions::default()
    };
    let p = plan_ticket(
        &other,
        &s,
        FormContext::new(None, &[]),
        RequesterChoice::Existing { user_id: 1 },
        &opts,
    );
    assert_eq!(p.external_id, id);
    assert_ne!(external_id(Platform::Sd, 3101, &conversation_id()), id);
    assert_ne!(external_id(Platform::Ha, 3102, &conversation_id()), id);
    assert_ne!(external_id(Platform::Ha, 3101, &Uuid::nil()), id);
}

// ------------------------------------------------------------------ fields

#[test]
fn reporting_fields_are_filled_when_the_form_has_them() {
    let c = conversation();
    let p = plan_of(&c, existing());
    let got: Vec<(i64, &str, Value, FieldSource)> = p
        .fields
        .iter()
        .map(|f| (f.id, f.title.as_str(), f.value.clone(), f.source))
        .collect();
    assert_eq!(
        got,
        vec![
            // Form order: 16 (default), 14 (campaign), 12 (agent, title with spaces and case),
            // 13 (country, a textarea, upper case).
            (16, "Topic", json!("delivery"), FieldSource::AdminDefault),
            (
                14,
                "iAdvize Campaign",
                json!("Black Friday"),
                FieldSource::IadvizeCampaign
            ),
            (
                12,
                "iadvize agent",
                json!("Jean Robert"),
                FieldSource::IadvizeAgent
            ),
            (
                13,
                "IADVIZE COUNTRY",
                json!("France"),
                FieldSource::IadvizeCountry
            ),
        ]
    );
    // Field 15 (a checkbox titled iAdvize Agent), 19 (inactive), 18 (not on the form) and the
    // second "iAdvize Campaign" (20) get nothing; the default for 18 is reported.
    assert_eq!(
        p.warnings,
        vec![
            PlanWarning::DefaultNotOnForm { field_id: 18 },
            PlanWarning::DuplicateReportingField {
                title: "iAdvize Campaign".into()
            },
        ]
    );
}

#[test]
fn field_values_follow_the_conversation() {
    let (fields, form) = (fields(), form());
    let ctx = FormContext::new(Some(&form), &fields);
    let value = |p: &(Vec<PlannedField>, Vec<PlanWarning>), id: i64| {
        p.0.iter().find(|f| f.id == id).map(|f| f.value.clone())
    };
    // The handling agent is the last one the conversation was pushed to.
    let c = conversation();
    assert_eq!(
        value(&plan_fields(&c, &site(), ctx, &[]), 12),
        Some(json!("Jean Robert"))
    );
    // Bot only: the bot's name.
    let start = at("2026-11-26T09:00:00Z");
    let mut m = Msgs::new(start);
    m.pushed(bot());
    m.agent(bot(), "Hello");
    let bot_only = conversation_with(start, m.list, vec![bot()]);
    assert_eq!(
        value(&plan_fields(&bot_only, &site(), ctx, &[]), 12),
        Some(json!("Wall-e"))
    );
    // No agent, no campaign, no country: nothing sent, each said.
    let mut bare = conversation_with(start, vec![], vec![]);
    bare.campaign = None;
    let mut s = site();
    s.country = "  ".into();
    let planned = plan_fields(&bare, &s, ctx, &[]);
    assert!(planned.0.is_empty());
    assert_eq!(
        planned.1,
        vec![
            PlanWarning::DuplicateReportingField {
                title: "iAdvize Campaign".into()
            },
            PlanWarning::NoValueFor {
                title: "iAdvize Agent".into()
            },
            PlanWarning::NoValueFor {
                title: "iAdvize Country".into()
            },
            PlanWarning::NoValueFor {
                title: "iAdvize Campaign".into()
            },
        ]
    );
    // An admin default on a reporting field fills it when the conversation has no value, and
    // the conversation's value wins when it has one; a null default is not sent.
    let defaults = [
        FieldDefault {
            field_id: 14,
            value: json!("No campaign"),
        },
        FieldDefault {
            field_id: 12,
            value: json!("Someone"),
        },
        FieldDefault {
            field_id: 16,
            value: Value::Null,
        },
    ];
    let planned = plan_fields(&bare, &site(), ctx, &defaults);
    assert_eq!(value(&planned, 14), Some(json!("No campaign")));
    assert_eq!(value(&planned, 12), Some(json!("Someone")));
    assert_eq!(value(&planned, 16), None);
    assert!(
        planned
            .1
            .contains(&PlanWarning::EmptyDefault { field_id: 16 })
    );
    let planned = plan_fields(&c, &site(), ctx, &defaults);
    assert_eq!(value(&planned, 14), Some(json!("Black Friday")));
    assert_eq!(value(&planned, 12), Some(json!("Jean Robert")));
}

#[test]
fn a_field_the_form_lacks_is_never_sent() {
    let c = conversation();
    let all = fields();
    // A form without the reporting fields: none is sent.
    let bare_form = TicketForm {
        id: 501,
        ticket_field_ids: vec![1, 16],
        ..form()
    };
    let p = plan_ticket(
        &c,
        &site(),
        FormContext::new(Some(&bare_form), &all),
        existing(),
        &options(),
    );
    assert_eq!(p.fields.iter().map(|f| f.id).collect::<Vec<_>>(), vec![16]);
    let import = p.to_import().unwrap();
    assert_eq!(import.custom_fields.len(), 1);
    assert_eq!(import.ticket_form_id, Some(501));
    // No form (a plan without forms): every active custom field is usable, the first of
    // duplicate titles in the account's order is filled, and no form id is sent.
    let p = plan_ticket(
        &c,
        &site(),
        FormContext::new(None, &all),
        existing(),
        &options(),
    );
    let ids: Vec<i64> = p.fields.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![12, 13, 14, 16, 18]);
    assert_eq!(p.form_id, None);
    assert_eq!(p.to_create().ticket.ticket_form_id, None);
    assert!(
        p.fields
            .iter()
            .all(|f| f.id != 15 && f.id != 19 && f.id != 1)
    );
}

// ------------------------------------------------------------------ note

#[test]
fn the_private_note_links_the_conversation_and_says_who_the_requester_is() {
    let c = conversation();
    let no_email = RequesterChoice::Admin {
        user_id: 900,
        reason: AdminReason::NoEmail,
    };
    let p = plan_of(&c, no_email);
    let parts = p.note.for_zendesk();
    assert_eq!(parts.len(), 1);
    let url = "https://ha.iadvize.com/admin/site/3101/conversation/5b0c6a8e-1f2d-4c3b-9a7e-0d1e2f3a4b5c?legacy=987654";
    assert_eq!(
        parts[0].text,
        [
            "iAdvize conversation",
            &format!("Conversation in iAdvize: {url}"),
            "Conversation id: 5b0c6a8e-1f2d-4c3b-9a7e-0d1e2f3a4b5c",
            "Legacy id: 987654",
            "iAdvize site: Boutique <FR> (HA 3101)",
            "Channel: Chat",
            "Started: 26 Nov 2026 14:00:00 UTC+01:00",
            "Closed: 26 Nov 2026 14:06:30 UTC+01:00",
            "Visitor: Marie Dupont <marie@example.com>",
            "Agents: Wall-e (bot), Julie Moreau, Jean Robert (ibbü expert)",
            "Last handled by: Jean Robert (ibbü expert)",
            "Campaign: Black Friday",
            "Tags: delivery",
            "The requester is the site's Zendesk admin user because the visitor left no e-mail address.",
        ]
        .join("\n")
    );
    let html = &parts[0].html;
    assert!(html.contains(&format!(
        "<strong>Conversation in iAdvize:</strong> <a href=\"{url}\">{url}</a>"
    )));
    assert!(html.contains("Boutique &lt;FR&gt;"));
    assert!(html.contains("Marie Dupont &lt;marie@example.com&gt;"));
    assert!(
        p.warnings
            .iter()
            .all(|w| !matches!(w, PlanWarning::NoConversationLink { .. }))
    );

    // Policy: said too; an existing user: nothing to say.
    let policy = plan_of(
        &c,
        RequesterChoice::Admin {
            user_id: 900,
            reason: AdminReason::Policy,
        },
    );
    assert!(
        policy.note.for_zendesk()[0]
            .text
            .ends_with("the site's requester policy is to use the admin user.")
    );
    assert!(plan_of(&c, existing()).note.sentences.is_empty());
}

#[test]
fn the_conversation_url_fills_and_encodes_placeholders() {
    let id = conversation_id();
    assert_eq!(
        conversation_url(
            crate::site::DEFAULT_CONVERSATION_URL_TEMPLATE,
            Platform::Sd,
            1,
            &id,
            None
        )
        .unwrap(),
        "https://sd.iadvize.com/admin/conversation/5b0c6a8e-1f2d-4c3b-9a7e-0d1e2f3a4b5c"
    );
    assert_eq!(
        conversation_url(
            "https://x.example/{site_id}/{legacy_id}/{other}",
            Platform::Ha,
            -5,
            &id,
            Some(12)
        )
        .unwrap(),
        "https://x.example/-5/12/{other}"
    );
    assert_eq!(
        conversation_url("https://x.example/{legacy_id}", Platform::Ha, 1, &id, None),
        Err(note::UrlTemplateProblem::NoLegacyId)
    );
    assert!(matches!(
        conversation_url(
            "javascript:alert('{conversation_id}')",
            Platform::Ha,
            1,
            &id,
            None
        ),
        Err(note::UrlTemplateProblem::NotHttp(_))
    ));
    // In the plan: no link, said in the note and in the warnings.
    let mut c = conversation();
    c.legacy_id = None;
    let p = plan_of(&c, existing());
    assert!(p.note.for_zendesk()[0].text.contains(
        "Conversation in iAdvize: none: the site's conversation URL template needs a legacy id"
    ));
    assert!(
        p.warnings
            .iter()
            .any(|w| matches!(w, PlanWarning::NoConversationLink { .. }))
    );
    let mut s = site();
    s.conversation_url_template = "javascript:alert(1)//{conversation_id}".into();
    let (fields, form) = (fields(), form());
    let p = plan_ticket(
        &conversation(),
        &s,
        FormContext::new(Some(&form), &fields),
        existing(),
        &options(),
    );
    let note_html = &p.note.for_zendesk()[0].html;
    assert!(!note_html.contains("href=\"javascript"));
    assert!(note_html.contains("javascript:alert(1)//5b0c6a8e"));
}

#[test]
fn escalation_can_put_its_lines_first_and_a_long_note_is_split() {
    let mut note = plan_of(&conversation(), existing()).note;
    note.prepend(NoteLine::text(
        "Summary of the request",
        "Refund <asap>\nthanks",
    ));
    let parts = note.for_zendesk();
    assert!(parts[0].text.starts_with("iAdvize conversation\nSummary of the request: Refund <asap>\nthanks\nConversation in iAdvize: "));
    assert!(
        parts[0]
            .html
            .contains("<strong>Summary of the request:</strong> Refund &lt;asap&gt;<br>thanks</p>")
    );
    note.lines
        .push(NoteLine::text("Agent note", "x ".repeat(50_000)));
    let parts = note.for_zendesk();
    assert_eq!(parts.len(), 2);
    assert!(parts.iter().all(|p| p.html.len() <= COMMENT_BUDGET_BYTES));
    assert!(
        parts[1]
            .text
            .starts_with("iAdvize conversation · part 2 of 2\nAgent note (continued): ")
    );
    let agent_note: String = parts
        .iter()
        .flat_map(|p| &p.blocks)
        .filter(|b| b.origin == note.lines.len() - 1)
        .map(|b| b.content_text.as_str())
        .collect();
    assert_eq!(agent_note, "x ".repeat(50_000));
}

// ------------------------------------------------------------------ renderers

fn long_conversation() -> Conversation {
    let start = at("2026-11-26T09:00:00Z");
    let mut m = Msgs::new(start);
    m.pushed(julie());
    for k in 0..140 {
        m.visitor(&format!(
            "[{k:03}] {}",
            "Bonjour, ma commande n° 4471 est-elle partie ? Merci 🙏 ".repeat(9)
        ));
    }
    conversation_with(start, m.list, vec![julie()])
}

#[test]
fn import_keeps_the_conversation_times_and_sends_public_flags() {
    let c = conversation();
    let p = plan_of(&c, existing());
    let body = import_ticket_body(&p.to_import().unwrap());
    let t = &body["ticket"];
    assert_eq!(t["subject"], "Chat with Marie Dupont – 26 Nov 2026");
    assert_eq!(t["status"], "solved");
    assert_eq!(t["requester_id"], 42);
    assert_eq!(t["assignee_id"], 900);
    assert_eq!(t["ticket_form_id"], 500);
    assert_eq!(
        t["external_id"],
        "iadvize:ha:3101:5b0c6a8e-1f2d-4c3b-9a7e-0d1e2f3a4b5c"
    );
    assert_eq!(
        t["tags"],
        json!(["iadvize", "iadvize_chat", "iadvize_autosave"])
    );
    assert_eq!(t["created_at"], "2026-11-26T13:00:00Z");
    assert_eq!(t["solved_at"], "2026-11-26T13:06:30Z");
    assert_eq!(t["updated_at"], "2026-11-26T13:06:30Z");
    assert_eq!(
        t["custom_fields"],
        json!([{"id": 16, "value": "delivery"}, {"id": 14, "value": "Black Friday"},
               {"id": 12, "value": "Jean Robert"}, {"id": 13, "value": "France"}])
    );
    let comments = t["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0]["public"], true);
    assert_eq!(comments[0]["created_at"], "2026-11-26T13:00:00Z");
    assert_eq!(comments[0]["author_id"], 900);
    assert!(
        comments[0]["html_body"]
            .as_str()
            .unwrap()
            .starts_with("<p><strong>Chat transcript</strong>")
    );
    assert!(
        comments[0].get("body").is_none(),
        "never `body`: it strips HTML"
    );
    assert_eq!(comments[1]["public"], false);
    assert_eq!(comments[1]["created_at"], "2026-11-26T13:06:30Z");
    assert!(
        comments[1]["html_body"]
            .as_str()
            .unwrap()
            .contains("Conversation in iAdvize")
    );
    // No author id given: none sent (Zendesk uses the API user).
    let mut p2 = p.clone();
    p2.comment_author_id = None;
    assert!(
        import_ticket_body(&p2.to_import().unwrap())["ticket"]["comments"][0]
            .get("author_id")
            .is_none()
    );

    // A long transcript: each part at its first message's time, in order, then the note.
    let long = plan_of(&long_conversation(), existing());
    let import = long.to_import().unwrap();
    let n = long.transcript.parts.len();
    assert!(n >= 2);
    assert_eq!(import.comments.len(), n + 1);
    assert_eq!(import.comments[0].created_at, Some(long.created_at));
    for (i, part) in long.transcript.parts.iter().enumerate().skip(1) {
        assert_eq!(import.comments[i].created_at, part.first_message_at);
        assert!(import.comments[i].public);
    }
    assert!(
        import
            .comments
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at)
    );
    assert!(!import.comments[n].public);
    for c in &import.comments {
        assert!(c.html_body.as_ref().unwrap().len() < ZENDESK_COMMENT_LIMIT_BYTES);
    }
}

#[test]
fn import_needs_the_new_end_user_created_first() {
    let c = conversation();
    let p = plan_of(
        &c,
        requester_for(&c.visitor, RequesterPolicy::CreateEndUser, None, 900),
    );
    let err = p.to_import().unwrap_err();
    assert_eq!(err.code(), "ticket.requester_not_created");
    assert_eq!(
        ApiError::from(err.clone()).code,
        "ticket.requester_not_created"
    );
    let user = p.requester.user_to_create().unwrap();
    assert_eq!(user.email, "marie@example.com");
    assert!(p.note.sentences[0].contains("new end-user"));
    let p = p.with_created_requester(555);
    assert_eq!(p.to_import().unwrap().requester_id, Some(555));
}

#[test]
fn create_mode_sends_one_comment_per_request_in_order() {
    let c = conversation();
    let new_user = requester_for(&c.visitor, RequesterPolicy::CreateEndUser, None, 900);
    let steps = plan_of(&c, new_user).to_create();
    assert_eq!(steps.requests(), 2);
    let body = create_ticket_body(&steps.ticket);
    let t = &body["ticket"];
    assert_eq!(t["status"], "solved");
    assert_eq!(
        t["requester"],
        json!({"name": "Marie Dupont", "email": "marie@example.com"})
    );
    assert!(t.get("requester_id").is_none());
    assert_eq!(t["comment"]["public"], true);
    assert_eq!(t["comment"]["author_id"], 900);
    assert!(
        t["comment"]["html_body"]
            .as_str()
            .unwrap()
            .contains("Marie Dupont")
    );
    assert!(t["comment"].get("created_at").is_none());
    assert_eq!(
        t["external_id"],
        "iadvize:ha:3101:5b0c6a8e-1f2d-4c3b-9a7e-0d1e2f3a4b5c"
    );
    assert_eq!(t["ticket_form_id"], 500);
    assert_eq!(t["assignee_id"], 900);
    let note = update_ticket_body(&steps.updates[0]);
    assert_eq!(note["ticket"]["comment"]["public"], false);
    assert_eq!(
        note["ticket"].as_object().unwrap().len(),
        1,
        "an update only adds its comment"
    );

    // Long: part 1 on the create, parts 2.. then the note as updates, in order.
    let long = plan_of(&long_conversation(), existing());
    let steps = long.to_create();
    let n = long.transcript.parts.len();
    assert_eq!(steps.requests(), n + 1);
    assert_eq!(steps.ticket.requester_id, Some(42));
    for (i, u) in steps.updates.iter().enumerate() {
        let comment = u.comment.as_ref().unwrap();
        if i + 2 <= n {
            assert!(comment.public);
            assert!(
                comment
                    .html_body
                    .as_ref()
                    .unwrap()
                    .contains(&format!("part {} of {n}", i + 2))
            );
        } else {
            assert!(!comment.public);
        }
    }

    // Escalation: no status (Zendesk decides), its own tag.
    let (fields, form) = (fields(), form());
    let opts = MappingOptions {
        kind: TicketKind::Escalation,
        ..options()
    };
    let p = plan_ticket(
        &c,
        &site(),
        FormContext::new(Some(&form), &fields),
        existing(),
        &opts,
    );
    let steps = p.to_create();
    assert_eq!(steps.ticket.status, None);
    assert!(steps.ticket.tags.contains(&"iadvize_escalation".to_owned()));
    assert_eq!(p.to_import().unwrap().solved_at, None);
}

#[test]
fn rendered_bodies_validate_against_the_openapi_document() {
    let oas = oas_check::Oas::load();
    let c = long_conversation();
    let plans = [
        plan_of(&c, existing()),
        plan_of(
            &conversation(),
            RequesterChoice::Admin {
                user_id: 900,
                reason: AdminReason::NoEmail,
            },
        ),
        plan_of(
            &conversation(),
            requester_for(&marie(), RequesterPolicy::CreateEndUser, None, 1),
        ),
    ];
    for p in &plans {
        let steps = p.to_create();
        oas.validate_request(
            "POST",
            "/api/v2/tickets",
            &create_ticket_body(&steps.ticket),
        )
        .unwrap_or_else(|e| panic!("create: {e:?}"));
        for u in &steps.updates {
            oas.validate_request("PUT", "/api/v2/tickets/1", &update_ticket_body(u))
                .unwrap_or_else(|e| panic!("update: {e:?}"));
        }
        let Ok(import) = p.clone().with_created_requester(7).to_import() else {
            panic!("import")
        };
        for (path, body) in [
            ("/api/v2/imports/tickets", import_ticket_body(&import)),
            (
                "/api/v2/imports/tickets/create_many",
                import_many_body(&[import.clone(), import.clone()]),
            ),
        ] {
            // Comments' `created_at` is read-only in the schema the document reuses for import
            // comments, while the Ticket Import docs list it as settable (facts §3.4): that,
            // and only that, may differ (as in tests/zendesk_client.rs).
            if let Err(errors) = oas.validate_request("POST", path, &body) {
                assert!(
                    errors
                        .iter()
                        .all(|e| e.contains("created_at") && e.contains("read-only")),
                    "{path}: {errors:?}"
                );
            }
        }
    }
}

// ------------------------------------------------------------------ preview

#[test]
fn the_preview_shows_what_would_be_sent() {
    let c = conversation();
    let p = plan_of(
        &c,
        requester_for(&c.visitor, RequesterPolicy::CreateEndUser, None, 900),
    );
    let import = p.preview(DeliveryMode::Import);
    assert_eq!(import.subject, "Chat with Marie Dupont – 26 Nov 2026");
    assert_eq!(import.status.as_deref(), Some("solved"));
    assert_eq!(import.form_name.as_deref(), Some("Chat archive (iAdvize)"));
    assert_eq!(import.time_zone, "Europe/Paris");
    assert_eq!(import.requests, 2, "the user, then the import");
    assert_eq!(import.comments.len(), 2);
    assert_eq!(import.comments[0].role, CommentRole::Transcript);
    assert!(import.comments[0].public);
    assert_eq!(
        import.comments[0].created_at.as_deref(),
        Some("2026-11-26T13:00:00Z")
    );
    assert_eq!(import.comments[0].bytes, import.comments[0].html.len());
    assert_eq!(import.comments[1].role, CommentRole::Note);
    assert!(!import.comments[1].public);
    assert!(
        import
            .requester_description
            .starts_with("A new end-user, Marie Dupont <marie@example.com>")
    );
    assert_eq!(import.fields[1].title, "iAdvize Campaign");
    assert_eq!(import.fields[1].value_text, "Black Friday");
    assert_eq!(
        import.warnings[0].message,
        PlanWarning::DefaultNotOnForm { field_id: 18 }.message()
    );
    let create = p.preview(DeliveryMode::Create);
    assert_eq!(create.requests, 2);
    assert_eq!(create.comments[1].request, 1);
    assert_eq!(create.comments[0].created_at, None);
    // The JSON the UI receives.
    let v = serde_json::to_value(&import).unwrap();
    assert_eq!(v["kind"], "auto_save");
    assert_eq!(v["delivery_mode"], "import");
    assert_eq!(
        v["requester"],
        json!({"kind": "new_end_user", "email": "marie@example.com", "name": "Marie Dupont"})
    );
    assert_eq!(v["comments"][1]["public"], false);
    assert_eq!(
        v["fields"][0],
        json!({"id": 16, "title": "Topic", "value_text": "delivery", "value": "delivery", "source": "admin_default"})
    );
    assert_eq!(
        v["warnings"][0]["warning"],
        json!({"kind": "default_not_on_form", "field_id": 18})
    );
    assert_eq!(v["created_at"], "2026-11-26T13:00:00Z");
}

#[test]
fn closed_at_falls_back_to_the_last_message() {
    let mut c = conversation();
    c.closed_at = None;
    let p = plan_of(&c, existing());
    assert_eq!(p.closed_at, c.messages.last().unwrap().created_at);
    let mut empty = conversation_with(at("2026-11-26T09:00:00Z"), vec![], vec![]);
    empty.closed_at = None;
    assert_eq!(plan_of(&empty, existing()).closed_at, empty.created_at);
}
