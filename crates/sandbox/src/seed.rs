//! Seeded facts both simulated services agree on: the iAdvize sites and the visitors'
//! names and e-mails (a third of which also exist as Zendesk end-users).

use serde::Serialize;

/// An iAdvize platform: `ha` (high availability) or `sd` (standard).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Ha,
    Sd,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Ha => "ha",
            Platform::Sd => "sd",
        }
    }
    pub fn parse(s: &str) -> Option<Platform> {
        match s.to_ascii_lowercase().as_str() {
            "ha" => Some(Platform::Ha),
            "sd" => Some(Platform::Sd),
            _ => None,
        }
    }
}

/// A seeded iAdvize site (website / project).
#[derive(Clone, Debug, Serialize)]
pub struct Site {
    pub platform: Platform,
    pub id: i64,
    pub name: &'static str,
    pub url: &'static str,
    pub language: &'static str,
    pub timezone: &'static str,
}

/// The seeded sites: three on `ha`, two on `sd`.
pub fn sites() -> Vec<Site> {
    let s = |platform, id, name, url, language, timezone| Site {
        platform,
        id,
        name,
        url,
        language,
        timezone,
    };
    vec![
        s(
            Platform::Ha,
            3101,
            "Maison Dupont – Paris",
            "https://www.maison-dupont.example",
            "fr",
            "Europe/Paris",
        ),
        s(
            Platform::Ha,
            3102,
            "Dupont Outlet",
            "https://outlet.maison-dupont.example",
            "fr",
            "Europe/Paris",
        ),
        s(
            Platform::Ha,
            3103,
            "Dupont Deutschland",
            "https://www.dupont-de.example",
            "de",
            "Europe/Berlin",
        ),
        s(
            Platform::Sd,
            5201,
            "Nordic Gear",
            "https://www.nordic-gear.example",
            "en",
            "Europe/Stockholm",
        ),
        s(
            Platform::Sd,
            5202,
            "Nordic Gear Support",
            "https://help.nordic-gear.example",
            "en",
            "Europe/Stockholm",
        ),
    ]
}

/// Visitors seeded per platform.
pub const VISITORS_PER_PLATFORM: usize = 120;

const FIRST: [&str; 16] = [
    "Camille", "Zoë", "José", "Łukasz", "محمد", "Noa", "Björn", "Aiko", "Émilie", "Olu", "Siobhán",
    "Chloé", "Ravi", "Dmitri", "李", "Ana",
];
const LAST: [&str; 12] = [
    "Martin",
    "Müller",
    "García",
    "Żółkiewski",
    "العلي",
    "Cohen",
    "Ødegaard",
    "Tanaka",
    "Lefèvre",
    "Adeyemi",
    "O'Brien",
    "Nguyen",
];

pub fn visitor_name_parts(platform: Platform, n: usize) -> (String, String) {
    let k = n + if platform == Platform::Sd { 7 } else { 0 };
    (
        FIRST[k % FIRST.len()].to_string(),
        LAST[(k / 3) % LAST.len()].to_string(),
    )
}

pub fn visitor_name(platform: &str, n: usize) -> String {
    let (f, l) = visitor_name_parts(Platform::parse(platform).unwrap_or(Platform::Ha), n);
    format!("{f} {l}")
}

/// Every fourth visitor left no e-mail.
pub fn visitor_email(platform: &str, n: usize) -> Option<String> {
    (n % 4 != 3).then(|| format!("visitor{n:03}.{platform}@customer.example"))
}

/// The sites conversations are seeded on, in round-robin order: the chosen ids (in the order
/// given), or every seeded site. `Err(id)` for an id that is not a seeded site.
pub fn conversation_sites(only: Option<&[i64]>) -> Result<Vec<Site>, i64> {
    let all = sites();
    match only {
        None => Ok(all),
        Some([]) => Err(0),
        Some(ids) => ids
            .iter()
            .map(|id| all.iter().find(|s| s.id == *id).cloned().ok_or(*id))
            .collect(),
    }
}

/// What a unique visitor (`VisitorMix::Unique`) left: no e-mail, an e-mail Zendesk already
/// knows (an end-user), or a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UniqueVisitorKind {
    WithoutEmail,
    Existing,
    New,
}

/// The kind of unique visitor `n`. The shares hold in every stretch of conversations, not just
/// overall (a golden-ratio sequence rather than random draws).
pub fn unique_visitor_kind(n: usize, existing_share: f64, without_email_share: f64) -> UniqueVisitorKind {
    let f = ((n as f64 + 0.5) * 0.618_033_988_749_894_9).fract();
    if f < without_email_share {
        UniqueVisitorKind::WithoutEmail
    } else if f < without_email_share + existing_share {
        UniqueVisitorKind::Existing
    } else {
        UniqueVisitorKind::New
    }
}

/// Unique visitor `n`'s e-mail when it has one (distinct from the repeat pool's).
pub fn unique_visitor_email(platform: Platform, n: usize) -> String {
    format!("guest{n:06}.{}@customer.example", platform.as_str())
}

/// The Zendesk end-users a unique-visitor seed starts with: `(name, email)` of every seeded
/// conversation's visitor whose kind is `Existing` (conversation `n` of the seed order has
/// visitor `n`, on the site `n` picks round-robin).
pub fn existing_unique_visitors(
    sites: &[Site],
    conversations: usize,
    existing_share: f64,
    without_email_share: f64,
) -> Vec<(String, String)> {
    if sites.is_empty() || existing_share <= 0.0 {
        return Vec::new();
    }
    (0..conversations)
        .filter(|n| {
            unique_visitor_kind(*n, existing_share, without_email_share) == UniqueVisitorKind::Existing
        })
        .map(|n| {
            let platform = sites[n % sites.len()].platform;
            let (first, last) = visitor_name_parts(platform, n);
            (format!("{first} {last}"), unique_visitor_email(platform, n))
        })
        .collect()
}
