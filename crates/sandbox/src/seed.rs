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
