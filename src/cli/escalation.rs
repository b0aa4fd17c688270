//! `escalate`, `preflight`, `defaults`, `closing-form`: escalations and the pre-flight check
//! from the command line.

use super::output;
use super::{Failure, Outcome};
use clap::Args;
use iadvize_zendesk::escalation::{AnswerValue, Answers};
use iadvize_zendesk::preflight::{PreflightMode, Severity};
use iadvize_zendesk::site::SiteRef;
use iadvize_zendesk::sync::owner::SyncLock;
use iadvize_zendesk::{Api, ApiError};

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new()
        .map_err(|e| Failure::Api(ApiError::new("internal", format!("cannot start the async runtime: {e}"))))
}

/// `ID=VALUE` with a numeric Zendesk field id.
fn assignment(s: &str) -> Result<(i64, String), String> {
    let (id, value) = s
        .split_once('=')
        .ok_or_else(|| format!("\"{s}\" is not FIELD_ID=VALUE (e.g. 360000110=refund)"))?;
    let id = id
        .trim()
        .strip_prefix("zendesk_field_")
        .unwrap_or(id.trim())
        .parse::<i64>()
        .map_err(|_| format!("\"{}\" is not a Zendesk field id (a number, see `forms SITE`)", id.trim()))?;
    Ok((id, value.to_owned()))
}

#[derive(Args)]
#[command(after_help = "Values are typed as in the closing form: checkbox true/false, dropdown the option's \
value, multiselect the values separated by commas, date YYYY-MM-DD, lookup the record id, card the last 4 digits. \
Without --now, the running sync (desktop app or `sync`) sends it at its next round.")]
pub struct EscalateArgs {
    site: SiteRef,
    /// The iAdvize conversation (UUID, or the legacy id of a conversation in the site's log).
    conversation_id: String,
    /// An answer for a Zendesk field of the escalation form (repeatable).
    #[arg(long = "field", value_name = "ID=VALUE", value_parser = assignment)]
    fields: Vec<(i64, String)>,
    /// The private note (shown under the site's note label).
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    /// Send it now instead of at the sync's next round (takes the data folder's sync lock).
    #[arg(long)]
    now: bool,
    #[arg(long)]
    json: bool,
}

/// `escalate SITE CONVERSATION_ID [--field ID=VALUE]... [--note TEXT] [--now]`.
pub fn escalate(api: &Api, args: EscalateArgs) -> Outcome {
    let answers: Answers = args
        .fields
        .into_iter()
        .map(|(id, v)| (id, AnswerValue::Text(v)))
        .collect();
    let rt = runtime()?;
    // The lock first: an escalation that cannot be sent now should not be recorded either.
    let lock = if args.now {
        Some(SyncLock::acquire(api.data_dir(), "headless").map_err(|e| Failure::Api(e.into()))?)
    } else {
        None
    };
    let receipt = rt.block_on(api.escalate(&args.site, &args.conversation_id, answers, args.note))?;
    if lock.is_none() {
        if args.json {
            output::json(&receipt);
        } else {
            println!(
                "Conversation {} will be escalated at the sync's next round ({} field value(s)).",
                receipt.conversation_id,
                receipt.validated.custom_fields.len()
            );
        }
        return Ok(());
    }
    let log = rt.block_on(api.deliver_escalation(&args.site, &receipt.conversation_id))?;
    drop(lock);
    if args.json {
        output::json(&log);
    } else {
        let r = &log.row;
        match (r.ticket_id, r.path) {
            (Some(t), Some(p)) if r.state.as_str() == "escalated" => {
                println!("Conversation {} escalated: ticket {t} ({}).", r.conversation_id, p.as_str())
            }
            _ => println!(
                "Conversation {} is {}: {}",
                r.conversation_id,
                r.state.as_str(),
                r.error_message.as_deref().unwrap_or("see `log SITE --conversation ID`")
            ),
        }
        if let Some(m) = log.attempts.iter().rev().find_map(|a| a.message.as_deref()) {
            println!("  {m}");
        }
    }
    if log.row.state.as_str() == "escalated" {
        Ok(())
    } else {
        Err(Failure::Silent)
    }
}

#[derive(Args)]
pub struct PreflightArgs {
    site: SiteRef,
    /// What to check: auto-save (in the site's delivery mode) or escalation.
    #[arg(long, default_value = "autosave", value_parser = ["autosave", "escalation"])]
    mode: String,
    /// Simulate this conversation (UUID) instead of a recent one.
    #[arg(long, value_name = "ID")]
    conversation: Option<String>,
    /// Fail on warnings too (e.g. a trigger that would e-mail customers).
    #[arg(long)]
    strict: bool,
    #[arg(long)]
    json: bool,
}

/// `preflight SITE [--mode autosave|escalation]`: exit 0 only when it passes.
pub fn preflight(api: &Api, args: PreflightArgs) -> Outcome {
    let mode: PreflightMode = args.mode.parse().map_err(Failure::Usage)?;
    let report = runtime()?.block_on(api.preflight_conversation(&args.site, mode, args.conversation.as_deref()))?;
    if args.json {
        output::json(&report);
    } else {
        let what = match mode {
            PreflightMode::Autosave => "auto-save",
            PreflightMode::Escalation => "escalation",
        };
        println!(
            "Pre-flight check of site {} for {what}: {}",
            report.site_id,
            if report.passed { "passes" } else { "FAILS" }
        );
        if let Some(s) = &report.sample {
            println!("  simulated on conversation {} ({:?})", s.conversation_id, s.source);
        }
        if let Some(id) = report.form_id {
            println!("  form {id} \"{}\"", report.form_name.as_deref().unwrap_or(""));
        }
        for f in &report.findings {
            let mark = match f.severity {
                Severity::Blocker => "FAIL",
                Severity::Warning => "warn",
                Severity::Info => "info",
            };
            println!("  {mark} {}", f.message);
            println!("       -> {}", f.fix);
        }
        println!("  {} request(s) would be sent (see --json for their bodies)", report.requests.len());
    }
    let warned = report.findings.iter().any(|f| f.severity == Severity::Warning);
    if report.passed && !(args.strict && warned) {
        Ok(())
    } else {
        Err(Failure::Silent)
    }
}

#[derive(Args)]
#[command(after_help = "Defaults fill required Zendesk fields that a conversation leaves empty, for auto-save \
and escalation. Each value is checked against the field's type, as answers are (dropdown: the option's value; \
multiselect: values separated by commas; checkbox: true/false; date: YYYY-MM-DD). \
Examples: `defaults 1` lists them; `defaults 1 360000114=level_1` sets one; `defaults 1 --clear 360000114` removes it.")]
pub struct DefaultsArgs {
    site: SiteRef,
    /// Defaults to set.
    #[arg(value_name = "FIELD_ID=VALUE", value_parser = assignment)]
    set: Vec<(i64, String)>,
    /// Defaults to remove (repeatable).
    #[arg(long, value_name = "FIELD_ID")]
    clear: Vec<i64>,
    #[arg(long)]
    json: bool,
}

/// `defaults SITE [FIELD_ID=VALUE ...] [--clear FIELD_ID]...`: the admin's default field values.
pub fn defaults(api: &Api, args: DefaultsArgs) -> Outcome {
    let mut list = api.field_defaults(&args.site)?;
    for id in &args.clear {
        list = api.clear_field_default(&args.site, *id)?;
    }
    if !args.set.is_empty() {
        let rt = runtime()?;
        for (id, value) in args.set {
            list = rt.block_on(api.set_field_default(&args.site, id, AnswerValue::Text(value)))?;
        }
    }
    if args.json {
        output::json(&list);
    } else if list.is_empty() {
        println!("No default field values for this site.");
    } else {
        for d in &list {
            println!("{:<14} {}", d.field_id, d.value);
        }
    }
    Ok(())
}

/// `closing-form SITE`: the JSON to paste into iAdvize's closing-form plugin.
pub fn closing_form(api: &Api, site: SiteRef) -> Outcome {
    let definition = runtime()?.block_on(api.closing_form_definition(&site))?;
    output::json(&definition);
    Ok(())
}

pub fn lookup(api: &Api, site: SiteRef, field_id: i64, name: String, target: &str, json: bool) -> Outcome {
    if name.trim().chars().count() < iadvize_zendesk::lookup::MIN_QUERY_CHARS {
        return Err(Failure::Usage(format!(
            "give at least {} characters of the name",
            iadvize_zendesk::lookup::MIN_QUERY_CHARS
        )));
    }
    let found = runtime()?.block_on(api.search_lookup(&site, field_id, target, &name))?;
    if json {
        output::json(&found);
    } else if found.is_empty() {
        println!("No {target} record whose name starts with \"{}\".", name.trim());
    } else {
        for r in &found {
            println!("{:>14}  {}{}", r.id, r.name, r.detail.as_deref().map(|d| format!("  <{d}>")).unwrap_or_default());
        }
    }
    Ok(())
}

pub fn recent(api: &Api, site: SiteRef, json: bool) -> Outcome {
    let recent = runtime()?.block_on(api.recent_conversations(&site))?;
    if json {
        output::json(&recent);
        return Ok(());
    }
    if recent.conversations.is_empty() {
        println!("No conversation closed since {}.", recent.since.format("%Y-%m-%d %H:%M UTC"));
    }
    for c in &recent.conversations {
        println!(
            "{}  {}  {:<8}  {}",
            c.conversation_id,
            c.closed_at.format("%Y-%m-%d %H:%M UTC"),
            c.channel,
            c.agent_name.as_deref().unwrap_or("-")
        );
    }
    if recent.partial {
        println!("(the busiest hours list only their first conversations: a conversation not listed can still be escalated by its id)");
    }
    Ok(())
}
