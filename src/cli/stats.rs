//! `stats [SITE] [--from DATE] [--to DATE] [--utc-offset +HH:MM] [--json | --csv]`.

use super::output;
use super::{Failure, Outcome};
use chrono::{Duration, NaiveDate, Utc};
use iadvize_zendesk::Api;
use iadvize_zendesk::iadvize::AgentKind;
use iadvize_zendesk::site::SiteRef;
use iadvize_zendesk::stats::{self, StatsCounts, StatsQuery};

#[derive(clap::Args)]
pub struct StatsArgs {
    /// The site (id or name); every site when left out.
    site: Option<SiteRef>,
    /// First day, YYYY-MM-DD (default: 29 days before --to).
    #[arg(long, value_name = "DATE")]
    from: Option<NaiveDate>,
    /// Last day, inclusive, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    to: Option<NaiveDate>,
    /// Where days are cut, e.g. +02:00 (default: UTC).
    #[arg(long, value_name = "OFFSET", allow_hyphen_values = true)]
    utc_offset: Option<String>,
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// The figures as CSV (one table, a `group` column).
    #[arg(long)]
    csv: bool,
}

pub fn run(api: &Api, args: StatsArgs) -> Outcome {
    let offset = match &args.utc_offset {
        Some(o) => stats::parse_utc_offset(o).map_err(Failure::Usage)?,
        None => 0,
    };
    let today = (Utc::now() + Duration::minutes(i64::from(offset))).date_naive();
    let to = args.to.unwrap_or(match args.from {
        Some(from) => today.max(from),
        None => today,
    });
    let from = args.from.unwrap_or(to - Duration::days(29));
    let query = StatsQuery {
        from,
        to,
        utc_offset_minutes: offset,
        group: Vec::new(),
    };
    let report = api.stats(args.site.as_ref(), &query)?;
    if args.json {
        output::json(&report);
        return Ok(());
    }
    if args.csv {
        print!("{}", stats::to_csv(&report));
        return Ok(());
    }
    let scope = match &args.site {
        Some(site) => {
            let s = api.site(site)?;
            format!("Site \"{}\" ({})", s.settings.name, s.id)
        }
        None => "All sites".to_owned(),
    };
    let zone = if offset == 0 {
        "UTC".to_owned()
    } else {
        format!("UTC{}{:02}:{:02}", if offset < 0 { '-' } else { '+' }, offset.abs() / 60, offset.abs() % 60)
    };
    println!("{scope}, {from} to {to} ({zone})");
    let t = &report.totals;
    println!(
        "{} conversation(s): {} ticket(s), {} auto-saved, {} escalated ({}), {} failed, {} pending",
        t.conversations,
        t.tickets,
        t.auto_saved,
        t.escalated,
        percent(t.escalation_rate),
        t.failed,
        t.pending
    );
    if t.conversations == 0 {
        return Ok(());
    }
    println!();
    table(
        "Agent",
        report.by_agent.iter().map(|a| {
            let kind = match a.agent_kind {
                Some(AgentKind::Professional) => "pro agent",
                Some(AgentKind::Expert) => "ibbü expert",
                Some(AgentKind::Bot) => "bot",
                None => "",
            };
            (a.agent_name.clone().unwrap_or_else(|| "(no agent)".into()), kind, &a.counts)
        }),
    );
    table(
        "Campaign",
        report.by_campaign.iter().map(|c| (c.key.clone().unwrap_or_else(|| "(no campaign)".into()), "", &c.counts)),
    );
    table(
        "Country",
        report.by_country.iter().map(|c| (c.key.clone().unwrap_or_else(|| "(not set)".into()), "", &c.counts)),
    );
    if args.site.is_none() {
        table("Site", report.by_site.iter().map(|s| (s.site_name.clone(), "", &s.counts)));
    }
    table("Day", report.by_day.iter().map(|d| (d.day.to_string(), "", &d.counts)));
    Ok(())
}

fn percent(rate: f64) -> String {
    format!("{:.1} %", rate * 100.0)
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn table<'a>(title: &str, rows: impl Iterator<Item = (String, &'a str, &'a StatsCounts)>) {
    println!(
        "{:<32} {:<11} {:>7} {:>10} {:>9} {:>7} {:>6} {:>7}",
        title, "", "Tickets", "Auto-saved", "Escalated", "Rate", "Failed", "Pending"
    );
    for (name, kind, c) in rows {
        println!(
            "{:<32} {:<11} {:>7} {:>10} {:>9} {:>7} {:>6} {:>7}",
            cut(&name, 32),
            kind,
            c.tickets,
            c.auto_saved,
            c.escalated,
            percent(c.escalation_rate),
            c.failed,
            c.pending
        );
    }
    println!();
}
