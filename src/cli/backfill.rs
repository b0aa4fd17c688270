//! `backfill SITE --from DATE --to DATE`: past conversations into tickets, in the foreground,
//! with a progress line; Ctrl-C stops cleanly and the same command resumes. Also `--list` and
//! `--cancel ID`.

use super::output;
use super::{Failure, Outcome};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use iadvize_zendesk::Api;
use iadvize_zendesk::backfill::{self, BackfillState, BackfillStatus, Pacing, RunOptions};
use iadvize_zendesk::site::SiteRef;
use iadvize_zendesk::stats::parse_utc_offset;
use iadvize_zendesk::sync::owner::SyncLock;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

#[derive(clap::Args)]
pub struct BackfillArgs {
    site: SiteRef,
    /// First day, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", required_unless_present_any = ["list", "cancel"])]
    from: Option<NaiveDate>,
    /// Last day, inclusive, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", required_unless_present_any = ["list", "cancel"])]
    to: Option<NaiveDate>,
    /// Where the days start, e.g. +02:00 (default: UTC).
    #[arg(long, value_name = "OFFSET", allow_hyphen_values = true)]
    utc_offset: Option<String>,
    /// The part of Zendesk's rate limit the backfill may use, in percent (the live sync and
    /// other integrations keep the rest).
    #[arg(long, value_name = "PERCENT", default_value_t = 50, value_parser = clap::value_parser!(u8).range(1..=100))]
    share: u8,
    /// List the site's backfills.
    #[arg(long, conflicts_with_all = ["from", "to", "cancel"])]
    list: bool,
    /// Cancel a backfill (by id).
    #[arg(long, value_name = "ID", conflicts_with_all = ["from", "to"])]
    cancel: Option<i64>,
    #[arg(long)]
    json: bool,
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new().map_err(|e| {
        Failure::Api(iadvize_zendesk::ApiError::new("internal", format!("cannot start the async runtime: {e}")))
    })
}

fn day_start(day: NaiveDate, offset_minutes: i32) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc() - Duration::minutes(i64::from(offset_minutes))
}

pub fn run(api: Api, args: BackfillArgs) -> Outcome {
    if args.list {
        let list = api.backfills(&args.site)?;
        if args.json {
            output::json(&list);
        } else if list.is_empty() {
            println!("No backfill for this site yet.");
        } else {
            for b in &list {
                println!("{}", describe(b));
            }
        }
        return Ok(());
    }
    if let Some(id) = args.cancel {
        let status = api.backfill_cancel(id)?;
        if args.json {
            output::json(&status);
        } else {
            println!("Backfill {id} cancelled: {}", progress_text(&status));
        }
        return Ok(());
    }
    let offset = match &args.utc_offset {
        Some(o) => parse_utc_offset(o).map_err(Failure::Usage)?,
        None => 0,
    };
    let (Some(from_day), Some(to_day)) = (args.from, args.to) else {
        return Err(Failure::Usage("--from and --to are required".into()));
    };
    if from_day > to_day {
        return Err(Failure::Usage(format!("--from {from_day} comes after --to {to_day}")));
    }
    let from = day_start(from_day, offset);
    let to = day_start(to_day + Duration::days(1), offset);

    // A backfill sends tickets: one sync owner per data folder.
    let _lock = SyncLock::acquire(api.data_dir(), "headless").map_err(|e| Failure::Api(e.into()))?;
    let status = api.backfill_start(&args.site, from, to)?;
    let id = status.id;
    let site_id = status.site_id;
    // Whatever a killed earlier run left in flight is settled first (job results, lookups).
    let released = backfill::release_orphaned_sends(&api, site_id)?;
    let resumed = status.seen > 0 || status.checkpoint > status.range_from;
    eprintln!(
        "Backfill {id} of site {site_id}, {from_day} to {to_day}{}: {}. Ctrl-C stops it; the same command resumes it.",
        if offset == 0 { " (UTC)".to_owned() } else { format!(" (UTC{:+}m)", offset) },
        if resumed { format!("resuming from {}", status.checkpoint.to_rfc3339()) } else { "starting".to_owned() }
    );
    if released > 0 {
        eprintln!("{released} conversation(s) left in flight by an earlier run are checked first.");
    }

    let rt = runtime()?;
    let options = RunOptions {
        pacing: Pacing {
            share: f64::from(args.share) / 100.0,
            ..Pacing::default()
        },
        deliver_due: true,
        ..RunOptions::default()
    };
    let tty = std::io::stderr().is_terminal();
    let result = rt.block_on(async {
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_stop_signal().await;
            let _ = stop_tx.send(true);
        });
        let finished = AtomicBool::new(false);
        let runner = async {
            let r = backfill::run_backfill_with(&api, id, stop_rx, options).await;
            finished.store(true, Ordering::SeqCst);
            r
        };
        let printer = async {
            let mut last = String::new();
            let mut last_plain = std::time::Instant::now() - std::time::Duration::from_secs(60);
            while !finished.load(Ordering::SeqCst) {
                if let Ok(s) = api.backfill_status(id) {
                    let line = progress_text(&s);
                    if tty {
                        eprint!("\r\x1b[2K{line}");
                        let _ = std::io::stderr().flush();
                    } else if line != last && last_plain.elapsed() >= std::time::Duration::from_secs(2) {
                        eprintln!("{line}");
                        last_plain = std::time::Instant::now();
                    }
                    last = line;
                }
                tokio::time::sleep(std::time::Duration::from_millis(if tty { 250 } else { 500 })).await;
            }
            if tty {
                eprintln!();
            }
        };
        let (result, ()) = tokio::join!(runner, printer);
        result
    });
    let status = result?;
    if args.json {
        output::json(&status);
    }
    eprintln!("{}", progress_text(&status));
    match status.state {
        BackfillState::Done => {
            if status.pending > 0 {
                eprintln!(
                    "Backfill {id} is done; {} conversation(s) are still waiting for a retry: the sync delivers them.",
                    status.pending
                );
            } else {
                eprintln!("Backfill {id} is done.");
            }
            Ok(())
        }
        BackfillState::Running => {
            eprintln!("Stopped. Run the same command again to resume backfill {id}.");
            Ok(())
        }
        BackfillState::Cancelled => {
            eprintln!("Backfill {id} was cancelled.");
            Ok(())
        }
        BackfillState::Failed => Err(Failure::Api(status.last_error.clone().unwrap_or_else(|| {
            iadvize_zendesk::ApiError::new("backfill.failed", format!("Backfill {id} failed."))
        }))),
    }
}

fn describe(b: &BackfillStatus) -> String {
    format!(
        "{:>4}  {:<9}  {} to {}  {}",
        b.id,
        b.state.as_str(),
        b.range_from.to_rfc3339(),
        b.range_to.to_rfc3339(),
        progress_text(b)
    )
}

/// `backfill 4: 1234 found, 1100 with ticket, 3 failed, 131 to send · 60 % · 820/min · about 1 min left`.
pub fn progress_text(s: &BackfillStatus) -> String {
    let mut text = format!(
        "backfill {}: {} found, {} with ticket, {} failed, {} to send",
        s.id, s.seen, s.delivered, s.failed, s.pending
    );
    match (s.total_estimate, s.reading_done) {
        (Some(t), true) => text.push_str(&format!(" of {t}")),
        (Some(t), false) => text.push_str(&format!(" of about {t}")),
        (None, _) => text.push_str(" (reading)"),
    }
    text.push_str(&format!(" · {:.0} %", s.fraction * 100.0));
    if s.rate_per_minute > 0.0 {
        text.push_str(&format!(" · {:.0}/min", s.rate_per_minute));
    }
    if let Some(eta) = s.eta_seconds.filter(|e| *e > 0 && s.state == BackfillState::Running) {
        text.push_str(&format!(" · about {} left", duration_words(eta)));
    }
    text
}

fn duration_words(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", (s + 30) / 60),
        s => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(duration_words(42), "42 s");
        assert_eq!(duration_words(125), "2 min");
        assert_eq!(duration_words(3 * 3600 + 5 * 60), "3 h 05 min");
    }

    #[test]
    fn days_start_at_the_offset() {
        let d: NaiveDate = "2026-11-02".parse().unwrap();
        assert_eq!(day_start(d, 0).to_rfc3339(), "2026-11-02T00:00:00+00:00");
        assert_eq!(day_start(d, 120).to_rfc3339(), "2026-11-01T22:00:00+00:00");
    }
}
