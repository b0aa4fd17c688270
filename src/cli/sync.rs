//! `sync`, `log`, `retry`, `preview`: the engine from the command line.

use super::output;
use super::{Failure, Outcome};
use iadvize_zendesk::Api;
use iadvize_zendesk::site::SiteRef;
use iadvize_zendesk::store::ledger::LogFilter;
use iadvize_zendesk::sync::engine::{self, Engine};
use iadvize_zendesk::sync::owner::SyncLock;
use std::sync::Arc;

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new().map_err(|e| {
        Failure::Api(iadvize_zendesk::ApiError::new("internal", format!("cannot start the async runtime: {e}")))
    })
}

/// `sync [--site SITE] [--once] [--json]`.
pub fn sync(api: Api, site: Option<SiteRef>, once: bool, json: bool) -> Outcome {
    // One sync owner per data folder: a second one would risk duplicate tickets.
    let _lock = SyncLock::acquire(api.data_dir(), "headless").map_err(|e| Failure::Api(e.into()))?;
    let rt = runtime()?;
    if once {
        let (summary, errors) = rt.block_on(engine::sync_once(&api, site.as_ref()))?;
        if json {
            output::json(&summary);
        } else {
            println!(
                "{} conversation(s) seen, {} ticket(s) created, {} escalated, {} updated, {} failed, {} pending",
                summary.conversations_seen,
                summary.tickets_created,
                summary.tickets_escalated,
                summary.tickets_updated,
                summary.failed,
                summary.pending
            );
        }
        for (site, e) in &errors {
            eprintln!("site {site}: {} ({})", e.message, e.code);
        }
        return if errors.is_empty() { Ok(()) } else { Err(Failure::Silent) };
    }
    if site.is_some() {
        return Err(Failure::Usage(
            "--site works with --once; the continuous sync runs every site with auto-save or escalation on".into(),
        ));
    }
    let engine = Engine::new(Arc::new(api));
    rt.block_on(async {
        let runner = engine.clone();
        let task = tokio::spawn(async move { runner.run().await });
        tracing::info!("sync running; Ctrl-C (or SIGTERM) stops it after the current batch");
        wait_for_stop_signal().await;
        tracing::info!("stopping: finishing the current batches");
        engine.stop();
        let _ = task.await;
    });
    Ok(())
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

/// `log SITE [--conversation ID] [--json]`.
pub fn log(api: &Api, site: SiteRef, conversation: Option<String>, json: bool) -> Outcome {
    if let Some(conversation) = conversation {
        let log = api.conversation_log(&site, &conversation)?;
        if json {
            output::json(&log);
            return Ok(());
        }
        let r = &log.row;
        println!("Conversation {} (legacy {})", r.conversation_id, r.legacy_id.map_or("-".into(), |l| l.to_string()));
        println!("  state      {}{}", r.state.as_str(), if r.escalation { " (escalation asked)" } else { "" });
        println!("  closed at  {}", r.closed_at.to_rfc3339());
        if let Some(t) = r.ticket_id {
            println!("  ticket     {t} ({})", r.path.map_or("", |p| p.as_str()));
        }
        if let Some(e) = &r.error_message {
            println!("  last error {e} ({})", r.error_code.as_deref().unwrap_or(""));
        }
        println!("  attempts:");
        for a in &log.attempts {
            let detail = a.message.as_deref().unwrap_or("");
            println!("    {} {:<16} {:<20} {detail}", a.at.to_rfc3339(), a.action, a.outcome);
            if let Some(d) = &a.details {
                println!("      Zendesk details: {d}");
            }
        }
        return Ok(());
    }
    let rows = api.sync_log(&site, &LogFilter { limit: 200, ..LogFilter::default() })?;
    if json {
        output::json(&rows);
        return Ok(());
    }
    if rows.is_empty() {
        println!("Nothing synced yet for this site.");
    }
    for r in rows {
        println!(
            "{:<38} {:<10} {:<8} {}",
            r.conversation_id,
            r.state.as_str(),
            r.ticket_id.map_or("-".into(), |t| t.to_string()),
            r.error_message.unwrap_or_default()
        );
    }
    Ok(())
}

/// `retry SITE CONVERSATION_ID`.
pub fn retry(api: &Api, site: SiteRef, conversation: String, json: bool) -> Outcome {
    let row = api.retry_conversation(&site, &conversation)?;
    if json {
        output::json(&row);
    } else {
        println!("Conversation {} will be sent again at the next sync round.", row.conversation_id);
    }
    Ok(())
}

/// `preview SITE CONVERSATION_ID`.
pub fn preview(api: &Api, site: SiteRef, conversation: String, json: bool) -> Outcome {
    let preview = runtime()?.block_on(api.preview_ticket(&site, &conversation))?;
    if json {
        output::json(&preview);
    } else {
        println!("{}", serde_json::to_string_pretty(&preview).unwrap_or_default());
    }
    Ok(())
}
