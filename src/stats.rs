//! Statistics from the local ledger, which knows every ticket the app created: per site and
//! period, per agent (pro agents, ibbü experts and bots told apart), per campaign, per country
//! (the site's country setting), per site and per day (every day of the period, zeros
//! included), each with tickets auto-saved and escalated, the escalation rate and failures.
//!
//! A conversation counts in the period of the day it **closed** (`closed_at`), in UTC or at a
//! given offset; that is the imported ticket's `solved_at`. Every figure is an SQL aggregate
//! (`GROUP BY` over the `(site_id, closed_at)` index): no ledger row is loaded into memory.
//!
//! What the figures mean, per conversation (one ledger row):
//! - `conversations`: seen by the app (whatever became of it);
//! - `tickets`: its ticket exists (state `delivered` or `escalated`);
//! - `auto_saved`: an auto-save ticket was made (`delivered`, or `escalated` by updating or
//!   following up the auto-save ticket);
//! - `escalated`: its escalation ticket exists;
//! - `escalation_rate`: `escalated / tickets` (0 without tickets);
//! - `failed`: Zendesk refused it for good (waits for the admin);
//! - `pending`: still to send (grace period, retry, or a backfill's queue).

use crate::api::Api;
use crate::error::ApiError;
use crate::iadvize::AgentKind;
use crate::site::{SiteId, SiteRef};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

/// The longest period a query may cover (ten years of days).
pub const MAX_DAYS: i64 = 3660;
/// Offsets beyond ±14 h do not exist.
pub const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// A breakdown of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum StatsGroup {
    Agent,
    Campaign,
    Country,
    Site,
    Day,
}

impl StatsGroup {
    pub const ALL: [StatsGroup; 5] = [
        StatsGroup::Agent,
        StatsGroup::Campaign,
        StatsGroup::Country,
        StatsGroup::Site,
        StatsGroup::Day,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatsGroup::Agent => "agent",
            StatsGroup::Campaign => "campaign",
            StatsGroup::Country => "country",
            StatsGroup::Site => "site",
            StatsGroup::Day => "day",
        }
    }
}

/// What to count: the days `from..=to` (inclusive) at `utc_offset_minutes` from UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StatsQuery {
    /// First day, `YYYY-MM-DD`.
    #[ts(type = "string")]
    pub from: NaiveDate,
    /// Last day (inclusive), `YYYY-MM-DD`.
    #[ts(type = "string")]
    pub to: NaiveDate,
    /// The days are cut at this offset from UTC (e.g. 60 for UTC+01:00); 0 is UTC.
    #[serde(default)]
    #[ts(as = "Option<i32>", optional)]
    pub utc_offset_minutes: i32,
    /// The breakdowns to compute; empty: all of them.
    #[serde(default)]
    #[ts(as = "Option<Vec<StatsGroup>>", optional)]
    pub group: Vec<StatsGroup>,
}

impl StatsQuery {
    /// The `days` days up to and including `today`, in UTC, every breakdown.
    pub fn last_days(days: u32, today: NaiveDate) -> StatsQuery {
        StatsQuery {
            from: today - Duration::days(i64::from(days.max(1)) - 1),
            to: today,
            utc_offset_minutes: 0,
            group: Vec::new(),
        }
    }

    pub fn wants(&self, group: StatsGroup) -> bool {
        self.group.is_empty() || self.group.contains(&group)
    }

    /// The period as UTC instants: `[start, end)`.
    pub fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let offset = Duration::minutes(i64::from(self.utc_offset_minutes));
        let start = self.from.and_time(NaiveTime::MIN).and_utc() - offset;
        let end = (self.to + Duration::days(1)).and_time(NaiveTime::MIN).and_utc() - offset;
        (start, end)
    }

    pub fn validate(&self) -> Result<(), ApiError> {
        if self.from > self.to {
            return Err(ApiError::new(
                "stats.bad_period",
                format!("The period starts ({}) after it ends ({}): swap the dates.", self.from, self.to),
            ));
        }
        if (self.to - self.from).num_days() >= MAX_DAYS {
            return Err(ApiError::new(
                "stats.bad_period",
                format!("The period is longer than {MAX_DAYS} days: choose a shorter one."),
            ));
        }
        if self.utc_offset_minutes.abs() > MAX_OFFSET_MINUTES {
            return Err(ApiError::new(
                "stats.bad_offset",
                "The UTC offset must be between -14:00 and +14:00.",
            ));
        }
        Ok(())
    }

    /// SQLite's date modifier that moves a UTC time to the query's offset.
    fn sqlite_modifier(&self) -> String {
        format!("{:+} minutes", self.utc_offset_minutes)
    }
}

/// Parses `+02:00`, `-05:30`, `+0200`, `Z`, `UTC` or a number of minutes (`120`).
pub fn parse_utc_offset(s: &str) -> Result<i32, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") || s.is_empty() {
        return Ok(0);
    }
    let bad = || format!("\"{s}\" is not a UTC offset: write it like +02:00, -05:30 or Z");
    let (sign, rest) = match s.as_bytes()[0] {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return s.parse::<i32>().map_err(|_| bad()),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || !(1..=4).contains(&digits.len()) {
        return Err(bad());
    }
    let (h, m) = if digits.len() <= 2 {
        (digits.parse::<i32>().map_err(|_| bad())?, 0)
    } else {
        let (h, m) = digits.split_at(digits.len() - 2);
        (h.parse::<i32>().map_err(|_| bad())?, m.parse::<i32>().map_err(|_| bad())?)
    };
    if m >= 60 {
        return Err(bad());
    }
    let minutes = sign * (h * 60 + m);
    if minutes.abs() > MAX_OFFSET_MINUTES {
        return Err(bad());
    }
    Ok(minutes)
}

/// The figures of one group (see the module doc for their meaning).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct StatsCounts {
    pub conversations: i64,
    pub tickets: i64,
    pub auto_saved: i64,
    pub escalated: i64,
    /// `escalated / tickets`, between 0 and 1.
    pub escalation_rate: f64,
    pub failed: i64,
    pub pending: i64,
}

impl StatsCounts {
    fn from_row(row: &Row, offset: usize) -> rusqlite::Result<StatsCounts> {
        let n = |i: usize| -> rusqlite::Result<i64> { Ok(row.get::<_, Option<i64>>(offset + i)?.unwrap_or(0)) };
        let mut c = StatsCounts {
            conversations: n(0)?,
            tickets: n(1)?,
            auto_saved: n(2)?,
            escalated: n(3)?,
            escalation_rate: 0.0,
            failed: n(4)?,
            pending: n(5)?,
        };
        c.escalation_rate = rate(c.escalated, c.tickets);
        Ok(c)
    }
}

fn rate(part: i64, whole: i64) -> f64 {
    if whole <= 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// The six aggregates, in [`StatsCounts::from_row`] order.
const COUNTS_SQL: &str = "count(*), \
     sum(l.state IN ('delivered', 'escalated')), \
     sum(l.state = 'delivered' OR (l.state = 'escalated' AND l.path IN ('escalation_update', 'escalation_followup'))), \
     sum(l.state = 'escalated'), \
     sum(l.state = 'failed'), \
     sum(l.state IN ('waiting', 'sending'))";

/// The rows of the period (and site, when given): `?1` site or NULL, `?2` start, `?3` end.
const PERIOD_SQL: &str = "FROM ledger l JOIN sites s ON s.id = l.site_id \
     WHERE (?1 IS NULL OR l.site_id = ?1) AND l.closed_at >= ?2 AND l.closed_at < ?3";

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct AgentStats {
    /// First and last name (a bot: its name); None: no agent handled the conversation.
    pub agent_name: Option<String>,
    pub agent_kind: Option<AgentKind>,
    #[serde(flatten)]
    #[ts(flatten)]
    pub counts: StatsCounts,
}

/// A campaign's or a country's figures; `key` None: conversations without one.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct KeyStats {
    pub key: Option<String>,
    #[serde(flatten)]
    #[ts(flatten)]
    pub counts: StatsCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SiteStats {
    pub site_id: SiteId,
    pub site_name: String,
    pub country: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub counts: StatsCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DayStats {
    /// `YYYY-MM-DD`, at the query's offset.
    #[ts(type = "string")]
    pub day: NaiveDate,
    #[serde(flatten)]
    #[ts(flatten)]
    pub counts: StatsCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct StatsReport {
    /// The site counted; None: every site.
    pub site_id: Option<SiteId>,
    pub query: StatsQuery,
    /// The period as UTC instants, `[period_start, period_end)`.
    #[ts(type = "string")]
    pub period_start: DateTime<Utc>,
    #[ts(type = "string")]
    pub period_end: DateTime<Utc>,
    pub totals: StatsCounts,
    /// Most tickets first.
    pub by_agent: Vec<AgentStats>,
    pub by_campaign: Vec<KeyStats>,
    pub by_country: Vec<KeyStats>,
    pub by_site: Vec<SiteStats>,
    /// Every day of the period, oldest first, days without conversations at zero.
    pub by_day: Vec<DayStats>,
    #[ts(type = "string")]
    pub generated_at: DateTime<Utc>,
}

fn agent_kind(s: Option<String>) -> Option<AgentKind> {
    match s.as_deref() {
        Some("professional") => Some(AgentKind::Professional),
        Some("expert") => Some(AgentKind::Expert),
        Some("bot") => Some(AgentKind::Bot),
        _ => None,
    }
}

fn by_tickets<T>(rows: &mut [T], counts: impl Fn(&T) -> &StatsCounts, key: impl Fn(&T) -> String) {
    rows.sort_by(|a, b| {
        let (ca, cb) = (counts(a), counts(b));
        cb.tickets
            .cmp(&ca.tickets)
            .then(cb.conversations.cmp(&ca.conversations))
            .then_with(|| key(a).cmp(&key(b)))
    });
}

/// The report, computed with SQL aggregates over one connection.
pub fn report(conn: &Connection, site: Option<SiteId>, query: &StatsQuery, now: DateTime<Utc>) -> Result<StatsReport, ApiError> {
    query.validate()?;
    let (start, end) = query.bounds();
    let p = params![site, start, end];
    let totals = conn.query_row(&format!("SELECT {COUNTS_SQL} {PERIOD_SQL}"), p, |r| StatsCounts::from_row(r, 0))?;

    let mut by_agent = Vec::new();
    if query.wants(StatsGroup::Agent) {
        let mut stmt = conn.prepare(&format!(
            "SELECT l.agent_name, l.agent_kind, {COUNTS_SQL} {PERIOD_SQL} GROUP BY l.agent_name, l.agent_kind"
        ))?;
        by_agent = stmt
            .query_map(p, |r| {
                Ok(AgentStats {
                    agent_name: r.get(0)?,
                    agent_kind: agent_kind(r.get(1)?),
                    counts: StatsCounts::from_row(r, 2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        by_tickets(&mut by_agent, |a| &a.counts, |a| a.agent_name.clone().unwrap_or_default());
    }

    let keyed = |expr: &str| -> Result<Vec<KeyStats>, ApiError> {
        let mut stmt = conn.prepare(&format!("SELECT {expr}, {COUNTS_SQL} {PERIOD_SQL} GROUP BY 1"))?;
        let mut rows = stmt
            .query_map(p, |r| {
                Ok(KeyStats {
                    key: r.get(0)?,
                    counts: StatsCounts::from_row(r, 1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        by_tickets(&mut rows, |k| &k.counts, |k| k.key.clone().unwrap_or_default());
        Ok(rows)
    };
    let by_campaign = if query.wants(StatsGroup::Campaign) { keyed("nullif(trim(l.campaign), '')")? } else { Vec::new() };
    let by_country = if query.wants(StatsGroup::Country) { keyed("nullif(trim(s.country), '')")? } else { Vec::new() };

    let mut by_site = Vec::new();
    if query.wants(StatsGroup::Site) {
        let mut stmt = conn.prepare(&format!(
            "SELECT s.id, s.name, s.country, {COUNTS_SQL} {PERIOD_SQL} GROUP BY s.id"
        ))?;
        by_site = stmt
            .query_map(p, |r| {
                Ok(SiteStats {
                    site_id: r.get(0)?,
                    site_name: r.get(1)?,
                    country: r.get(2)?,
                    counts: StatsCounts::from_row(r, 3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        by_tickets(&mut by_site, |s| &s.counts, |s| s.site_name.clone());
    }

    let mut by_day = Vec::new();
    if query.wants(StatsGroup::Day) {
        let mut stmt = conn.prepare(&format!(
            "SELECT date(l.closed_at, ?4), {COUNTS_SQL} {PERIOD_SQL} GROUP BY 1"
        ))?;
        let found: HashMap<NaiveDate, StatsCounts> = stmt
            .query_map(params![site, start, end, query.sqlite_modifier()], |r| {
                let day: String = r.get(0)?;
                Ok((day, StatsCounts::from_row(r, 1)?))
            })?
            .filter_map(|row| match row {
                Ok((day, counts)) => NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok().map(|d| Ok((d, counts))),
                Err(e) => Some(Err(e)),
            })
            .collect::<rusqlite::Result<_>>()?;
        by_day = query
            .from
            .iter_days()
            .take_while(|d| *d <= query.to)
            .map(|day| DayStats {
                day,
                counts: found.get(&day).copied().unwrap_or_default(),
            })
            .collect();
    }

    Ok(StatsReport {
        site_id: site,
        query: query.clone(),
        period_start: start,
        period_end: end,
        totals,
        by_agent,
        by_campaign,
        by_country,
        by_site,
        by_day,
        generated_at: now,
    })
}

/// One CSV field: quoted when needed, and defused for spreadsheets (a leading `=`, `+`, `-`,
/// `@` would start a formula).
fn csv_field(s: &str) -> String {
    let defused = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

pub const CSV_HEADER: &str = "group,key,agent_kind,conversations,tickets,auto_saved,escalated,escalation_rate,failed,pending";

/// The report as one tidy CSV table: a `group` column (`total`, `agent`, `campaign`, `country`,
/// `site`, `day`) and the key of the row; spreadsheets filter on the first column.
pub fn to_csv(report: &StatsReport) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    let mut line = |group: &str, key: &str, kind: &str, c: &StatsCounts| {
        out.push_str(&format!(
            "{group},{},{kind},{},{},{},{},{:.4},{},{}\r\n",
            csv_field(key),
            c.conversations,
            c.tickets,
            c.auto_saved,
            c.escalated,
            c.escalation_rate,
            c.failed,
            c.pending
        ));
    };
    line("total", "", "", &report.totals);
    for a in &report.by_agent {
        let kind = match a.agent_kind {
            Some(AgentKind::Professional) => "professional",
            Some(AgentKind::Expert) => "expert",
            Some(AgentKind::Bot) => "bot",
            None => "",
        };
        line("agent", a.agent_name.as_deref().unwrap_or(""), kind, &a.counts);
    }
    for c in &report.by_campaign {
        line("campaign", c.key.as_deref().unwrap_or(""), "", &c.counts);
    }
    for c in &report.by_country {
        line("country", c.key.as_deref().unwrap_or(""), "", &c.counts);
    }
    for s in &report.by_site {
        line("site", &s.site_name, "", &s.counts);
    }
    for d in &report.by_day {
        line("day", &d.day.to_string(), "", &d.counts);
    }
    out
}

impl Api {
    /// Statistics of a site (or of every site with `None`) for a period.
    pub fn stats(&self, site: Option<&SiteRef>, query: &StatsQuery) -> Result<StatsReport, ApiError> {
        let site = site.map(|s| self.site(s)).transpose()?.map(|s| s.id);
        report(&self.store().conn(), site, query, self.clock().now())
    }

    /// The same statistics as CSV text (UTF-8, CRLF line ends), for the desktop to save.
    pub fn stats_csv(&self, site: Option<&SiteRef>, query: &StatsQuery) -> Result<String, ApiError> {
        Ok(to_csv(&self.stats(site, query)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrations;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        migrations::migrate_to(&mut conn, migrations::latest_version()).unwrap();
        for (id, name, site, country) in [(1, "Paris", 3101, "France"), (2, "Berlin", 3103, "Germany")] {
            conn.execute(
                "INSERT INTO sites (id, name, platform, iadvize_site_id, zendesk_domain, zendesk_email, zendesk_auth, \
                 country, start_from, conversation_url_template, created_at, updated_at) \
                 VALUES (?1, ?2, 'ha', ?3, 'https://acme.zendesk.com', 'a@acme.example', 'api_token', ?4, \
                 '2026-01-01 00:00:00+00:00', 'x', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
                params![id, name, site, country],
            )
            .unwrap();
        }
        conn
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[allow(clippy::too_many_arguments)]
    fn row(conn: &Connection, site: i64, id: &str, closed: &str, state: &str, path: Option<&str>, agent: Option<(&str, &str)>, campaign: Option<&str>) {
        conn.execute(
            "INSERT INTO ledger (site_id, conversation_id, closed_at, state, due_at, external_id, path, agent_name, agent_kind, \
             campaign, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?3, ?2, ?5, ?6, ?7, ?8, ?3, ?3)",
            params![site, id, at(closed), state, path, agent.map(|a| a.0), agent.map(|a| a.1), campaign],
        )
        .unwrap();
    }

    fn q(from: &str, to: &str, offset: i32) -> StatsQuery {
        StatsQuery {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            utc_offset_minutes: offset,
            group: Vec::new(),
        }
    }

    fn fixture() -> Connection {
        let conn = db();
        let julie = Some(("Julie Moreau", "professional"));
        let jean = Some(("Jean Robert", "expert"));
        let bot = Some(("Wall-e", "bot"));
        row(&conn, 1, "a", "2026-11-01T09:00:00Z", "delivered", Some("import"), julie, Some("Cart"));
        row(&conn, 1, "b", "2026-11-01T23:30:00Z", "escalated", Some("escalation_update"), julie, Some("Cart"));
        row(&conn, 1, "c", "2026-11-02T10:00:00Z", "escalated", Some("escalation_create"), jean, None);
        row(&conn, 1, "d", "2026-11-02T11:00:00Z", "failed", None, jean, Some(" "));
        row(&conn, 1, "e", "2026-11-04T08:00:00Z", "waiting", None, bot, Some("Welcome"));
        row(&conn, 1, "f", "2026-11-04T09:00:00Z", "delivered", Some("recovered"), None, None);
        row(&conn, 1, "g", "2026-11-04T10:00:00Z", "escalated", Some("escalation_followup"), bot, None);
        // Outside the period, and another site.
        row(&conn, 1, "h", "2026-10-31T23:59:59Z", "delivered", Some("import"), julie, None);
        row(&conn, 1, "i", "2026-11-05T00:00:00Z", "delivered", Some("import"), julie, None);
        row(&conn, 2, "j", "2026-11-02T12:00:00Z", "delivered", Some("create"), Some(("Julie Moreau", "professional")), Some("Cart"));
        conn
    }

    fn now() -> DateTime<Utc> {
        at("2026-11-30T00:00:00Z")
    }

    #[test]
    fn each_state_and_path_counts_where_it_belongs() {
        let conn = fixture();
        let r = report(&conn, Some(1), &q("2026-11-01", "2026-11-04", 0), now()).unwrap();
        let t = r.totals;
        assert_eq!((t.conversations, t.tickets, t.auto_saved, t.escalated, t.failed, t.pending), (7, 5, 4, 3, 1, 1));
        assert!((t.escalation_rate - 0.6).abs() < 1e-9);
        assert_eq!((r.period_start, r.period_end), (at("2026-11-01T00:00:00Z"), at("2026-11-05T00:00:00Z")));
    }

    #[test]
    fn agents_are_told_apart_by_kind_and_sorted_by_tickets() {
        let conn = fixture();
        let r = report(&conn, Some(1), &q("2026-11-01", "2026-11-04", 0), now()).unwrap();
        let names: Vec<_> = r.by_agent.iter().map(|a| (a.agent_name.clone(), a.agent_kind, a.counts.tickets)).collect();
        assert_eq!(
            names,
            vec![
                (Some("Julie Moreau".into()), Some(AgentKind::Professional), 2),
                (Some("Jean Robert".into()), Some(AgentKind::Expert), 1),
                (Some("Wall-e".into()), Some(AgentKind::Bot), 1),
                (None, None, 1),
            ]
        );
        let jean = &r.by_agent[1].counts;
        assert_eq!((jean.escalated, jean.failed, jean.escalation_rate), (1, 1, 1.0));
        let julie = &r.by_agent[0].counts;
        assert_eq!((julie.auto_saved, julie.escalated), (2, 1));
        assert!((julie.escalation_rate - 0.5).abs() < 1e-9);
    }

    #[test]
    fn campaigns_countries_and_sites() {
        let conn = fixture();
        let r = report(&conn, None, &q("2026-11-01", "2026-11-04", 0), now()).unwrap();
        let campaigns: Vec<_> = r.by_campaign.iter().map(|c| (c.key.clone(), c.counts.conversations)).collect();
        // A blank campaign counts as none.
        assert_eq!(campaigns, vec![(None, 4), (Some("Cart".into()), 3), (Some("Welcome".into()), 1)]);
        let countries: Vec<_> = r.by_country.iter().map(|c| (c.key.clone(), c.counts.tickets)).collect();
        assert_eq!(countries, vec![(Some("France".into()), 5), (Some("Germany".into()), 1)]);
        let sites: Vec<_> = r.by_site.iter().map(|s| (s.site_id, s.site_name.as_str(), s.counts.conversations)).collect();
        assert_eq!(sites, vec![(1, "Paris", 7), (2, "Berlin", 1)]);
        assert_eq!(r.totals.conversations, 8);
    }

    #[test]
    fn every_day_is_listed_with_zeros_and_the_offset_moves_the_cut() {
        let conn = fixture();
        let r = report(&conn, Some(1), &q("2026-11-01", "2026-11-04", 0), now()).unwrap();
        let days: Vec<_> = r.by_day.iter().map(|d| (d.day.to_string(), d.counts.conversations)).collect();
        assert_eq!(
            days,
            vec![("2026-11-01".into(), 2), ("2026-11-02".into(), 2), ("2026-11-03".into(), 0), ("2026-11-04".into(), 3)]
        );
        // At UTC+01:00, 23:30 UTC on the 1st is the 2nd, and 23:59:59 UTC on 31 Oct is 1 Nov.
        let r = report(&conn, Some(1), &q("2026-11-01", "2026-11-04", 60), now()).unwrap();
        let days: Vec<_> = r.by_day.iter().map(|d| (d.day.to_string(), d.counts.conversations)).collect();
        assert_eq!(
            days,
            vec![("2026-11-01".into(), 2), ("2026-11-02".into(), 3), ("2026-11-03".into(), 0), ("2026-11-04".into(), 3)]
        );
        assert_eq!(r.totals.conversations, 8);
        assert_eq!(r.period_start, at("2026-10-31T23:00:00Z"));
        // At UTC-05:00 the 5th, 00:00 UTC, is still the 4th.
        let r = report(&conn, Some(1), &q("2026-11-04", "2026-11-04", -300), now()).unwrap();
        assert_eq!(r.by_day.len(), 1);
        assert_eq!(r.by_day[0].counts.conversations, 4);
    }

    #[test]
    fn only_the_groups_asked_are_computed() {
        let conn = fixture();
        let mut query = q("2026-11-01", "2026-11-01", 0);
        query.group = vec![StatsGroup::Day];
        let r = report(&conn, Some(1), &query, now()).unwrap();
        assert!(r.by_agent.is_empty() && r.by_campaign.is_empty() && r.by_country.is_empty() && r.by_site.is_empty());
        assert_eq!(r.by_day.len(), 1);
    }

    #[test]
    fn an_empty_period_is_all_zeros() {
        let conn = fixture();
        let r = report(&conn, Some(1), &q("2025-01-01", "2025-01-03", 0), now()).unwrap();
        assert_eq!(r.totals, StatsCounts::default());
        assert!(r.by_agent.is_empty());
        assert_eq!(r.by_day.len(), 3);
    }

    #[test]
    fn bad_periods_and_offsets_are_refused() {
        let conn = fixture();
        assert_eq!(report(&conn, None, &q("2026-11-04", "2026-11-01", 0), now()).unwrap_err().code, "stats.bad_period");
        assert_eq!(report(&conn, None, &q("2000-01-01", "2026-11-01", 0), now()).unwrap_err().code, "stats.bad_period");
        assert_eq!(report(&conn, None, &q("2026-11-01", "2026-11-01", 15 * 60), now()).unwrap_err().code, "stats.bad_offset");
    }

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_utc_offset("Z"), Ok(0));
        assert_eq!(parse_utc_offset("+02:00"), Ok(120));
        assert_eq!(parse_utc_offset("-05:30"), Ok(-330));
        assert_eq!(parse_utc_offset("+0545"), Ok(345));
        assert_eq!(parse_utc_offset("+9"), Ok(540));
        assert_eq!(parse_utc_offset("90"), Ok(90));
        assert!(parse_utc_offset("+25:00").is_err());
        assert!(parse_utc_offset("+02:75").is_err());
        assert!(parse_utc_offset("two").is_err());
    }

    #[test]
    fn csv_is_one_tidy_table_and_defuses_formulas() {
        let conn = fixture();
        conn.execute("UPDATE ledger SET agent_name = '=HYPERLINK(\"x\")' WHERE conversation_id = 'a'", []).unwrap();
        let r = report(&conn, Some(1), &q("2026-11-01", "2026-11-02", 0), now()).unwrap();
        let csv = to_csv(&r);
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(lines[1], "total,,,4,3,2,2,0.6667,1,0");
        assert!(lines.contains(&"agent,\"'=HYPERLINK(\"\"x\"\")\",professional,1,1,1,0,0.0000,0,0"), "{csv}");
        assert!(lines.contains(&"day,2026-11-02,,2,1,0,1,1.0000,1,0"), "{csv}");
        assert!(lines.contains(&"campaign,,,2,1,0,1,1.0000,1,0"), "{csv}");
        assert!(lines.iter().all(|l| l.split(',').count() >= 10));
    }

    #[test]
    fn last_days_covers_today() {
        let q = StatsQuery::last_days(30, "2026-11-30".parse().unwrap());
        assert_eq!((q.from.to_string(), q.to.to_string()), ("2026-11-01".into(), "2026-11-30".into()));
    }
}
