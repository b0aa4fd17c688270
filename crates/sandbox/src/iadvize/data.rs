//! iAdvize's seeded data: sites, agents (pro agents, ibbü experts, bots), visitors, campaigns,
//! tags and closed conversations. Conversations are kept compact (a few dozen bytes each);
//! their transcripts are generated on demand from a per-conversation seed, so 10,000 of them
//! start in milliseconds and the same seed always yields the same transcript. Unique visitors
//! (one per conversation) are generated on demand from their number too.

use crate::config::VisitorMix;
use crate::seed::{
    Platform, Site, UniqueVisitorKind, VISITORS_PER_PLATFORM, sites, unique_visitor_email,
    unique_visitor_kind, visitor_email, visitor_name_parts,
};
use std::borrow::Cow;
use crate::zendesk::seed::field_ids;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentKind {
    /// `Professional` in GraphQL; REST roles `operator`/`manager`/`admin`.
    Professional,
    /// ibbü community expert: `Expert` in GraphQL; REST role `expert`.
    Expert,
    Bot,
}

#[derive(Clone, Debug)]
pub struct Agent {
    pub id: i64,
    pub platform: Platform,
    pub kind: AgentKind,
    pub first_name: Option<String>,
    pub last_name: String,
    pub email: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Visitor {
    pub platform: Platform,
    /// REST visitor id.
    pub id: i64,
    pub unique_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub country: &'static str,
}

/// A conversation's visitor: one of the repeat pool (`visitors[i]`), or unique visitor `n`
/// (generated on demand, see [`IaState::visitor`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisitorRef {
    Pool(u32),
    Unique(u32),
}

/// What seeding needs: the seed, how many conversations over how many days, on which sites,
/// with which visitors.
#[derive(Clone, Debug)]
pub struct IaSeed {
    pub seed: u64,
    pub conversations: usize,
    pub history_days: u32,
    /// Conversations go round-robin over these (ids of seeded sites).
    pub conversation_sites: Vec<i64>,
    pub visitor_mix: VisitorMix,
}

#[derive(Clone, Debug)]
pub struct Campaign {
    pub id: Uuid,
    pub name: String,
    pub site_id: i64,
    /// REST `rule_id`.
    pub rule_id: i64,
}

#[derive(Clone, Debug)]
pub struct Tag {
    pub id: Uuid,
    pub rest_id: i64,
    pub name: &'static str,
}

/// What makes a transcript special (the generator reads it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Plain,
    /// Over 70 kB of text.
    Long,
    /// Unicode, emoji, right-to-left and HTML-looking text in every message.
    Tricky,
}

#[derive(Clone, Debug)]
pub struct Conversation {
    pub id: Uuid,
    pub legacy_id: i64,
    pub platform: Platform,
    pub site_id: i64,
    pub channel: &'static str,
    pub created_at: DateTime<Utc>,
    pub closed_at: DateTime<Utc>,
    pub visitor: VisitorRef,
    /// Agents in contact order (one pushed system message each); indexes into `agents`.
    pub agents: Vec<usize>,
    pub campaign: Option<usize>,
    pub tags: Vec<usize>,
    pub flavor: Flavor,
    pub messages: u16,
    pub msg_seed: u64,
    pub closing: Closing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closing {
    None,
    NotEscalated,
    /// Escalated with valid answers for the escalation form's fields.
    Escalated,
    /// Escalated with some answers Zendesk would reject.
    EscalatedInvalid,
}

pub struct ClosingValue {
    pub field_id: String,
    pub label: &'static str,
    pub value: String,
}

pub enum Author {
    Visitor,
    Agent(usize),
    System,
}

pub enum Attachment {
    Pushed {
        to_agent: usize,
    },
    File {
        file_name: String,
        mime_type: &'static str,
        url: String,
    },
    Link {
        title: Option<String>,
        url: String,
    },
}

pub struct Message {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub author: Author,
    pub text: Option<String>,
    pub attachments: Vec<Attachment>,
}

pub struct IaState {
    pub seed: u64,
    pub sites: Vec<Site>,
    /// Indexes into `sites` of the sites conversations go to, round-robin.
    conversation_sites: Vec<usize>,
    pub visitor_mix: VisitorMix,
    pub agents: Vec<Agent>,
    /// The repeat pool (120 per platform).
    pub visitors: Vec<Visitor>,
    /// The platform of each unique visitor, by number (all that is stored of them).
    unique_visitors: Vec<Platform>,
    pub campaigns: Vec<Campaign>,
    pub tags: Vec<Tag>,
    /// Sorted by (closed_at, id): the order `closedConversations` serves.
    pub conversations: Vec<Conversation>,
    pub by_id: HashMap<Uuid, usize>,
    /// GraphQL bearer tokens and when they expire.
    pub tokens: HashMap<String, DateTime<Utc>>,
    next_legacy_id: i64,
    live_rng: ChaCha8Rng,
    token_counter: u64,
}

fn uuid(rng: &mut ChaCha8Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// REST visitor ids: the pool's are `base + i`, unique visitors' `base + 1,000,000 + n`.
fn visitor_id_base(platform: Platform) -> i64 {
    match platform {
        Platform::Ha => 70_000_000,
        Platform::Sd => 80_000_000,
    }
}
const UNIQUE_ID_OFFSET: i64 = 1_000_000;

const COUNTRIES: [&str; 8] = ["FR", "DE", "ES", "SA", "IL", "US", "JP", "NG"];
const TAG_NAMES: [&str; 6] = [
    "order",
    "delivery",
    "refund",
    "vip",
    "complaint",
    "😀 happy",
];
const CHANNELS: [&str; 8] = [
    "CHAT", "CHAT", "CHAT", "CHAT", "CHAT", "VIDEO", "CALL", "WHATSAPP",
];

impl IaState {
    pub fn seeded(plan: &IaSeed, now: DateTime<Utc>) -> IaState {
        let (seed, conversations, history_days) =
            (plan.seed, plan.conversations, plan.history_days);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let sites = sites();
        let mut conversation_sites: Vec<usize> = plan
            .conversation_sites
            .iter()
            .filter_map(|id| sites.iter().position(|s| s.id == *id))
            .collect();
        if conversation_sites.is_empty() {
            conversation_sites = (0..sites.len()).collect();
        }
        let mut agents = Vec::new();
        for (p, base) in [(Platform::Ha, 1000), (Platform::Sd, 2000)] {
            let pros = [
                ("Julie", "Moreau"),
                ("Karim", "Benali"),
                ("Sofia", "Rossi"),
                ("Hans", "Becker"),
                ("Inès", "Faure"),
                ("Tom", "Walker"),
            ];
            for (i, (f, l)) in pros.iter().enumerate() {
                agents.push(Agent {
                    id: base + 1 + i as i64,
                    platform: p,
                    kind: AgentKind::Professional,
                    first_name: Some(f.to_string()),
                    last_name: l.to_string(),
                    email: Some(format!(
                        "{}.{}@brand-{}.example",
                        f.to_lowercase(),
                        l.to_lowercase(),
                        p.as_str()
                    )),
                });
            }
            for (i, (f, l)) in [
                ("Jean", "Robert"),
                ("Amélie", "Poulain"),
                ("Yusuf", "Demir"),
            ]
            .iter()
            .enumerate()
            {
                agents.push(Agent {
                    id: base + 31 + i as i64,
                    platform: p,
                    kind: AgentKind::Expert,
                    first_name: Some(f.to_string()),
                    last_name: l.to_string(),
                    email: Some(format!(
                        "{}.{}@ibbu-experts.example",
                        f.to_lowercase(),
                        l.to_lowercase()
                    )),
                });
            }
            for (i, name) in ["Wall-e", "Eve"].iter().enumerate() {
                agents.push(Agent {
                    id: base + 51 + i as i64,
                    platform: p,
                    kind: AgentKind::Bot,
                    first_name: None,
                    last_name: name.to_string(),
                    email: None,
                });
            }
        }
        let mut visitors = Vec::new();
        for p in [Platform::Ha, Platform::Sd] {
            let base = visitor_id_base(p);
            for n in 0..VISITORS_PER_PLATFORM {
                let (first_name, last_name) = visitor_name_parts(p, n);
                visitors.push(Visitor {
                    platform: p,
                    id: base + n as i64,
                    unique_id: format!("{:032x}", rng.random::<u128>()),
                    first_name,
                    last_name,
                    email: visitor_email(p.as_str(), n),
                    country: COUNTRIES[n % COUNTRIES.len()],
                });
            }
        }
        let mut campaigns = Vec::new();
        for (i, s) in sites.iter().enumerate() {
            for (j, name) in ["Cart abandonment", "Welcome offer – 10 %"]
                .iter()
                .enumerate()
            {
                campaigns.push(Campaign {
                    id: uuid(&mut rng),
                    name: format!("{name} ({})", s.name),
                    site_id: s.id,
                    rule_id: 317_000 + (i * 10 + j) as i64,
                });
            }
        }
        let tags = TAG_NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| Tag {
                id: uuid(&mut rng),
                rest_id: 299_000 + i as i64,
                name,
            })
            .collect();
        let unique = matches!(plan.visitor_mix, VisitorMix::Unique { .. });
        let mut st = IaState {
            seed,
            sites,
            conversation_sites,
            visitor_mix: plan.visitor_mix,
            agents,
            visitors,
            unique_visitors: Vec::with_capacity(if unique { conversations } else { 0 }),
            campaigns,
            tags,
            conversations: Vec::with_capacity(conversations),
            by_id: HashMap::with_capacity(conversations),
            tokens: HashMap::new(),
            next_legacy_id: 99_000_001,
            live_rng: ChaCha8Rng::seed_from_u64(seed ^ 0x11fe),
            token_counter: 0,
        };
        st.tokens.insert(
            crate::credentials::IADVIZE_GRAPHQL_TOKEN.to_string(),
            now + Duration::hours(24),
        );
        let span_ms = i64::from(history_days.max(1)) * 86_400_000;
        for i in 0..conversations {
            // Spread evenly over the history, newest at "now", with jitter.
            let base_offset = span_ms - span_ms * (i as i64 + 1) / conversations.max(1) as i64;
            let jitter = rng.random_range(0..60_000);
            // Millisecond precision: GraphQL cursors carry milliseconds.
            let closed_at = (now - Duration::milliseconds(base_offset + jitter)).trunc_subsecs(3);
            let flavor = match i {
                0 => Flavor::Long,
                1..=3 => Flavor::Tricky,
                _ if i % 25 == 7 => Flavor::Tricky,
                _ => Flavor::Plain,
            };
            let c = st.make_conversation(&mut rng, closed_at, flavor, i);
            st.conversations.push(c);
        }
        st.conversations.sort_by_key(|c| (c.closed_at, c.id));
        st.by_id = st
            .conversations
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        st
    }

    fn make_conversation(
        &mut self,
        rng: &mut ChaCha8Rng,
        closed_at: DateTime<Utc>,
        flavor: Flavor,
        i: usize,
    ) -> Conversation {
        let site = &self.sites[self.conversation_sites[i % self.conversation_sites.len()]];
        let platform = site.platform;
        let pick = |rng: &mut ChaCha8Rng, kind: AgentKind, agents: &[Agent]| {
            let pool: Vec<usize> = agents
                .iter()
                .enumerate()
                .filter(|(_, a)| a.platform == platform && a.kind == kind)
                .map(|(k, _)| k)
                .collect();
            pool[rng.random_range(0..pool.len())]
        };
        let roll = rng.random_range(0..10);
        let agents = match roll {
            0 => vec![pick(rng, AgentKind::Expert, &self.agents)],
            1 | 2 => vec![
                pick(rng, AgentKind::Bot, &self.agents),
                pick(rng, AgentKind::Professional, &self.agents),
            ],
            3 => vec![pick(rng, AgentKind::Bot, &self.agents)],
            _ => vec![pick(rng, AgentKind::Professional, &self.agents)],
        };
        let visitor_base = if platform == Platform::Ha {
            0
        } else {
            VISITORS_PER_PLATFORM
        };
        // Drawn in every mix, so the rest of a conversation does not depend on the mix.
        let pooled = visitor_base + rng.random_range(0..VISITORS_PER_PLATFORM);
        let visitor = match self.visitor_mix {
            VisitorMix::Repeat => VisitorRef::Pool(pooled as u32),
            VisitorMix::Unique { .. } => {
                self.unique_visitors.push(platform);
                VisitorRef::Unique((self.unique_visitors.len() - 1) as u32)
            }
        };
        let site_campaigns: Vec<usize> = self
            .campaigns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.site_id == site.id)
            .map(|(k, _)| k)
            .collect();
        let campaign = (rng.random_range(0..10) < 7)
            .then(|| site_campaigns[rng.random_range(0..site_campaigns.len())]);
        let n_tags = rng.random_range(0..3);
        let mut tags: Vec<usize> = (0..n_tags)
            .map(|_| rng.random_range(0..self.tags.len()))
            .collect();
        tags.sort_unstable();
        tags.dedup();
        let closing = match rng.random_range(0..20) {
            0..=2 => Closing::Escalated,
            3 => Closing::EscalatedInvalid,
            4..=7 => Closing::NotEscalated,
            _ => Closing::None,
        };
        let messages = match flavor {
            Flavor::Long => 140,
            _ => rng.random_range(4..18),
        };
        let legacy_id = self.next_legacy_id;
        self.next_legacy_id += 1;
        Conversation {
            id: uuid(rng),
            legacy_id,
            platform,
            site_id: site.id,
            channel: CHANNELS[rng.random_range(0..CHANNELS.len())],
            created_at: closed_at - Duration::seconds(rng.random_range(120..2400)),
            closed_at,
            visitor,
            agents,
            campaign,
            tags,
            flavor,
            messages,
            msg_seed: rng.random(),
            closing,
        }
    }

    /// Live mode: one more conversation closing at `now` (appended: `now` never goes back).
    pub fn add_live_conversation(&mut self, now: DateTime<Utc>) -> Uuid {
        let mut rng = self.live_rng.clone();
        let i = rng.random_range(0..1000);
        let mut c = self.make_conversation(&mut rng, now.trunc_subsecs(3), Flavor::Plain, i);
        self.live_rng = rng;
        if let Some(last) = self.conversations.last() {
            c.closed_at = c.closed_at.max(last.closed_at);
        }
        let id = c.id;
        self.by_id.insert(id, self.conversations.len());
        self.conversations.push(c);
        id
    }

    pub fn new_token(&mut self, now: DateTime<Utc>) -> String {
        self.token_counter += 1;
        let token = format!(
            "sandbox-ia-token-{:06}-{:08x}",
            self.token_counter, self.seed as u32
        );
        self.tokens.insert(token.clone(), now + Duration::hours(24));
        token
    }

    pub fn token_valid(&self, token: &str, now: DateTime<Utc>) -> bool {
        self.tokens.get(token).is_some_and(|exp| *exp > now)
    }

    /// A conversation's visitor: borrowed from the pool, or generated (unique visitor `n`:
    /// REST id `base + 1,000,000 + n`, e-mail per the mix's shares, names from the same lists).
    pub fn visitor(&self, r: VisitorRef) -> Cow<'_, Visitor> {
        match r {
            VisitorRef::Pool(i) => Cow::Borrowed(&self.visitors[i as usize]),
            VisitorRef::Unique(n) => Cow::Owned(self.unique_visitor(n as usize)),
        }
    }

    fn unique_visitor(&self, n: usize) -> Visitor {
        let platform = self.unique_visitors[n];
        let (first_name, last_name) = visitor_name_parts(platform, n);
        let email = match self.visitor_mix {
            VisitorMix::Unique {
                existing_share,
                without_email_share,
            } => match unique_visitor_kind(n, existing_share, without_email_share) {
                UniqueVisitorKind::WithoutEmail => None,
                UniqueVisitorKind::Existing | UniqueVisitorKind::New => {
                    Some(unique_visitor_email(platform, n))
                }
            },
            VisitorMix::Repeat => None,
        };
        let mix = |k: u64| {
            // splitmix64: a stable per-visitor id from the seed and the number.
            let mut z = self.seed ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ k;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Visitor {
            platform,
            id: visitor_id_base(platform) + UNIQUE_ID_OFFSET + n as i64,
            unique_id: format!("{:016x}{:016x}", mix(1), mix(2)),
            first_name,
            last_name,
            email,
            country: COUNTRIES[n % COUNTRIES.len()],
        }
    }

    /// Every visitor of a platform: the pool, then the unique ones by number.
    pub fn visitors_of(&self, platform: Platform) -> impl Iterator<Item = Cow<'_, Visitor>> {
        let pool = self
            .visitors
            .iter()
            .filter(move |v| v.platform == platform)
            .map(Cow::Borrowed);
        let unique = self
            .unique_visitors
            .iter()
            .enumerate()
            .filter(move |(_, p)| **p == platform)
            .map(|(n, _)| Cow::Owned(self.unique_visitor(n)));
        pool.chain(unique)
    }

    /// The visitor with this REST id on a platform.
    pub fn visitor_by_id(&self, platform: Platform, id: i64) -> Option<Cow<'_, Visitor>> {
        if let Some(v) = self
            .visitors
            .iter()
            .find(|v| v.platform == platform && v.id == id)
        {
            return Some(Cow::Borrowed(v));
        }
        let n = usize::try_from(id - visitor_id_base(platform) - UNIQUE_ID_OFFSET).ok()?;
        (self.unique_visitors.get(n) == Some(&platform)).then(|| Cow::Owned(self.unique_visitor(n)))
    }

    pub fn site(&self, id: i64) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    /// The closing-form answers (assumed shape: field id, label, text value).
    pub fn closing_values(&self, c: &Conversation) -> Vec<ClosingValue> {
        let v = |field_id: String, label: &'static str, value: &str| ClosingValue {
            field_id,
            label,
            value: value.to_string(),
        };
        let zf = |id: i64| format!("zendesk_field_{id}");
        match c.closing {
            Closing::None => vec![],
            Closing::NotEscalated => {
                vec![v("escalate".into(), "Create an escalation ticket", "false")]
            }
            Closing::Escalated => {
                let refund = c.legacy_id % 2 == 0;
                let mut out = vec![
                    v("escalate".into(), "Create an escalation ticket", "true"),
                    v(
                        "private_note".into(),
                        "Private note",
                        "Customer called twice; order stuck in transit. <b>Check carrier</b> — ça urge ⚠️",
                    ),
                    v(
                        zf(field_ids::CONTACT_REASON),
                        "Contact reason",
                        if refund { "refund" } else { "delivery" },
                    ),
                    v(
                        zf(field_ids::REFUND_REQUESTED),
                        "Refund requested",
                        if refund { "true" } else { "false" },
                    ),
                    v(
                        zf(field_ids::ORDER_NUMBER),
                        "Order number",
                        &format!("{}", 100_000 + c.legacy_id % 900_000),
                    ),
                    v(
                        zf(field_ids::FOLLOW_UP_DATE),
                        "Follow-up date",
                        "2026-12-15",
                    ),
                    v(
                        zf(field_ids::CUSTOMER_REFERENCE),
                        "Customer reference",
                        "ABC-1234",
                    ),
                    v(zf(field_ids::PRODUCTS), "Products", "shoes,bags"),
                ];
                if refund {
                    out.push(v(zf(field_ids::REFUND_AMOUNT), "Refund amount", "49.90"));
                }
                out
            }
            Closing::EscalatedInvalid => vec![
                v("escalate".into(), "Create an escalation ticket", "true"),
                v(
                    "private_note".into(),
                    "Private note",
                    "Answers below were typed by hand.",
                ),
                v(
                    zf(field_ids::CONTACT_REASON),
                    "Contact reason",
                    "not_an_option",
                ),
                v(zf(field_ids::ORDER_NUMBER), "Order number", "twelve"),
                v(
                    zf(field_ids::FOLLOW_UP_DATE),
                    "Follow-up date",
                    "31/12/2026",
                ),
                v(
                    zf(field_ids::CUSTOMER_REFERENCE),
                    "Customer reference",
                    "abc-12",
                ),
                v(zf(field_ids::REFUND_REQUESTED), "Refund requested", "true"),
                v(zf(999_999_999), "Field that no longer exists", "x"),
            ],
        }
    }

    /// The transcript, generated from the conversation's seed: for each contact a system
    /// message with a `ConversationPushedSystemAttachment` (toUser = that agent), then an
    /// exchange between the visitor and that agent.
    pub fn messages(&self, c: &Conversation) -> Vec<Message> {
        let mut rng = ChaCha8Rng::seed_from_u64(c.msg_seed);
        let total = c.messages as usize + c.agents.len();
        let span = (c.closed_at - c.created_at)
            .num_milliseconds()
            .max(total as i64 + 1);
        let step = span / (total as i64 + 1);
        let mut out = Vec::with_capacity(total);
        let mut at = c.created_at;
        let per_contact = (c.messages as usize / c.agents.len()).max(1);
        for (contact, agent) in c.agents.iter().enumerate() {
            at += Duration::milliseconds(step);
            out.push(Message {
                id: uuid(&mut rng),
                created_at: at,
                author: Author::System,
                text: None,
                attachments: vec![Attachment::Pushed { to_agent: *agent }],
            });
            let count = if contact + 1 == c.agents.len() {
                c.messages as usize - per_contact * contact
            } else {
                per_contact
            };
            for k in 0..count {
                at += Duration::milliseconds(step);
                let from_visitor = k % 2 == 0;
                let text = message_text(&mut rng, c.flavor, from_visitor, k);
                let mut attachments = vec![];
                if k == 2 && from_visitor && rng.random_range(0..3) == 0 {
                    attachments.push(Attachment::File {
                        file_name: format!("photo-{}.jpg", c.legacy_id),
                        mime_type: "image/jpeg",
                        url: format!("https://files.iadvize-sandbox.example/{}/photo.jpg", c.id),
                    });
                }
                if k == 3 && !from_visitor && rng.random_range(0..3) == 0 {
                    attachments.push(Attachment::Link {
                        title: Some("Track your parcel".into()),
                        url: format!("https://track.example/parcel/{}", c.legacy_id),
                    });
                }
                let text = if attachments.len() == 1 && k == 2 && from_visitor {
                    None
                } else {
                    Some(text)
                };
                out.push(Message {
                    id: uuid(&mut rng),
                    created_at: at,
                    author: if from_visitor {
                        Author::Visitor
                    } else {
                        Author::Agent(*agent)
                    },
                    text,
                    attachments,
                });
            }
        }
        out
    }
}

const VISITOR_LINES: [&str; 8] = [
    "Hello, I ordered a jacket last week and it has not arrived.",
    "Bonjour, ma commande n° 4471 est-elle partie ? Merci 🙏",
    "My order number is 4471. Can you check?",
    "Is the size M available in blue?",
    "Can I get a refund if it doesn't fit?",
    "Thanks, have a nice day!",
    "Hallo, wo ist mein Paket? Ich warte seit zehn Tagen.",
    "OK, I'll wait then.",
];
const AGENT_LINES: [&str; 6] = [
    "Hello! Let me check that for you.",
    "Your parcel left our warehouse yesterday.",
    "Yes, returns are free within 30 days.",
    "I have forwarded your request to our team.",
    "Is there anything else I can help you with?",
    "Goodbye and thank you for your visit.",
];
const TRICKY_LINES: [&str; 8] = [
    "Ça marche très bien, merci ! 😊👍🏽🎉",
    "مرحبا، أحتاج مساعدة في طلبي رقم ٤٤٧١",
    "שלום, איפה ההזמנה שלי?",
    "<script>alert('xss')</script> was in my order note?!",
    "Price: 5 < 10 && 7 > 3 — <b>bold</b> <a href=\"javascript:x\">link</a>",
    "Emoji family: 👨‍👩‍👧‍👦 and flags 🇫🇷🇩🇪",
    "Line one\nLine two\n\n    indented line\ttab",
    "日本語のテキストと 中文 与 한국어",
];

fn message_text(rng: &mut ChaCha8Rng, flavor: Flavor, from_visitor: bool, k: usize) -> String {
    match flavor {
        Flavor::Tricky => TRICKY_LINES[k % TRICKY_LINES.len()].to_string(),
        Flavor::Long => {
            // ~650 bytes a message, 140 messages: well over 70 kB in total.
            let line = if from_visitor {
                VISITOR_LINES[k % VISITOR_LINES.len()]
            } else {
                AGENT_LINES[k % AGENT_LINES.len()]
            };
            format!(
                "[{k:03}] {}",
                std::iter::repeat_n(line, 15).collect::<Vec<_>>().join(" ")
            )
        }
        Flavor::Plain => {
            let pool: &[&str] = if from_visitor {
                &VISITOR_LINES
            } else {
                &AGENT_LINES
            };
            pool[rng.random_range(0..pool.len())].to_string()
        }
    }
}
