//! Argument parsing and dispatch. Each subcommand module turns arguments into one core call and
//! prints the result for people, or as stable JSON with `--json`.

mod backfill;
mod diagnostics;
mod output;
mod remote;
mod escalation;
mod sandbox;
mod site;
mod stats;
mod sync;

use clap::{Parser, Subcommand};
use iadvize_zendesk::site::SiteRef;
use iadvize_zendesk::{Api, ApiError, logging, paths};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "iadvize-zendesk",
    version,
    about = "Saves finished iAdvize conversations as Zendesk tickets: the headless command line",
    after_help = "Secrets are read from the environment, never from the command line: \
ZENDESK_API_TOKEN, or ZENDESK_OAUTH_CLIENT_ID + ZENDESK_OAUTH_CLIENT_SECRET; IADVIZE_REST_API_KEY; \
IADVIZE_GRAPHQL_TOKEN. They are stored in the OS keychain."
)]
pub struct Cli {
    /// The data folder (sites, sync ledger, logs). Default: the desktop app's.
    #[arg(long, global = true, env = paths::DATA_DIR_ENV, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Add, list, show, change and remove site installations.
    #[command(subcommand)]
    Site(site::SiteCommand),
    /// Test a site's connection to Zendesk and iAdvize (exit 0 only when every check passes).
    Check {
        site: SiteRef,
        #[arg(long)]
        json: bool,
    },
    /// The site's Zendesk ticket forms with their fields, required flags and options.
    Forms {
        site: SiteRef,
        #[arg(long)]
        json: bool,
    },
    /// Save finished conversations as tickets: continuously, or everything due now with --once.
    Sync {
        /// Only this site (with --once).
        #[arg(long)]
        site: Option<SiteRef>,
        /// Handle everything due now, print the summary, exit.
        #[arg(long)]
        once: bool,
        #[arg(long)]
        json: bool,
    },
    /// The ticket a conversation would become (nothing is sent).
    Preview {
        site: SiteRef,
        conversation_id: String,
        #[arg(long)]
        json: bool,
    },
    /// The sync log of a site, or of one conversation with its attempts and Zendesk's details.
    Log {
        site: SiteRef,
        #[arg(long)]
        conversation: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Send a failed conversation again.
    Retry {
        site: SiteRef,
        conversation_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Escalate a finished conversation into a Zendesk ticket in the site's escalation form.
    Escalate(escalation::EscalateArgs),
    /// Simulate what auto-save or escalation would send and say what would fail (exit 0 only
    /// when it passes).
    Preflight(escalation::PreflightArgs),
    /// List, set or clear the site's default values for required Zendesk fields.
    Defaults(escalation::DefaultsArgs),
    /// Print the closing-form definition (JSON) to paste into iAdvize's closing-form plugin.
    ClosingForm { site: SiteRef },
    /// The site's conversations closed in iAdvize in the last week, newest first (those
    /// escalated here left out): the ids to escalate on a site that does not auto-save.
    Recent {
        site: SiteRef,
        #[arg(long)]
        json: bool,
    },
    /// Find the Zendesk users (or organizations, or custom object records) a lookup field can
    /// take, by the start of their name.
    Lookup {
        site: SiteRef,
        /// The lookup field's Zendesk id (see `forms SITE`).
        field_id: i64,
        /// At least two characters of the name.
        name: String,
        /// The field points at organizations, not users.
        #[arg(long, conflicts_with = "custom_object")]
        organizations: bool,
        /// The field points at the records of this custom object (its key).
        #[arg(long, value_name = "KEY")]
        custom_object: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Serve the built-in sandbox (simulated iAdvize and Zendesk) on loopback.
    Sandbox(sandbox::SandboxArgs),
    /// Tickets per agent, campaign, country and day, from the sync ledger (default: the last 30 days).
    Stats(stats::StatsArgs),
    /// Turn a date range of past conversations into tickets (resumable; Ctrl-C stops, the same
    /// command resumes), or list / cancel a site's backfills.
    Backfill(backfill::BackfillArgs),
    /// Write a support bundle (zip) for a site: settings, sync state, recent log lines, checks,
    /// forms; secrets, tokens, e-mails and visitor names redacted.
    Diagnostics(diagnostics::DiagnosticsArgs),
}

/// A failure to report: the core's error, or a usage problem found after parsing.
pub enum Failure {
    Api(ApiError),
    Usage(String),
    /// The command already printed why it failed (e.g. a connection check with failures).
    Silent,
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

pub type Outcome = Result<(), Failure>;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = cli.data_dir.clone().unwrap_or_else(paths::default_data_dir);
    // Headless services log structured lines; the sync loop logs what it does.
    let json_logs = matches!(&cli.command, Command::Sandbox(_) | Command::Sync { once: false, .. });
    let _guard = logging::init(&paths::log_dir(&data_dir), json_logs);
    let outcome = match cli.command {
        Command::Site(cmd) => with_api(&data_dir, |api| site::run(api, cmd)),
        Command::Check { site, json } => with_api(&data_dir, |api| remote::check(api, site, json)),
        Command::Forms { site, json } => with_api(&data_dir, |api| remote::forms(api, site, json)),
        Command::Sync { site, once, json } => Api::open(&data_dir).map_err(Failure::from).and_then(|api| sync::sync(api, site, once, json)),
        Command::Preview { site, conversation_id, json } => with_api(&data_dir, |api| sync::preview(api, site, conversation_id, json)),
        Command::Log { site, conversation, json } => with_api(&data_dir, |api| sync::log(api, site, conversation, json)),
        Command::Retry { site, conversation_id, json } => with_api(&data_dir, |api| sync::retry(api, site, conversation_id, json)),
        Command::Escalate(args) => with_api(&data_dir, |api| escalation::escalate(api, args)),
        Command::Preflight(args) => with_api(&data_dir, |api| escalation::preflight(api, args)),
        Command::Defaults(args) => with_api(&data_dir, |api| escalation::defaults(api, args)),
        Command::ClosingForm { site } => with_api(&data_dir, |api| escalation::closing_form(api, site)),
        Command::Recent { site, json } => with_api(&data_dir, |api| escalation::recent(api, site, json)),
        Command::Lookup { site, field_id, name, organizations, custom_object, json } => {
            use iadvize_zendesk::escalation::form::{CUSTOM_OBJECT_TARGET, ORGANIZATION_TARGET, USER_TARGET};
            let target = match (organizations, custom_object) {
                (_, Some(key)) => format!("{CUSTOM_OBJECT_TARGET}{key}"),
                (true, None) => ORGANIZATION_TARGET.to_owned(),
                (false, None) => USER_TARGET.to_owned(),
            };
            with_api(&data_dir, |api| escalation::lookup(api, site, field_id, name, &target, json))
        }
        Command::Sandbox(args) => sandbox::run(args),
        Command::Stats(args) => with_api(&data_dir, |api| stats::run(api, args)),
        Command::Backfill(args) => Api::open(&data_dir).map_err(Failure::from).and_then(|api| backfill::run(api, args)),
        Command::Diagnostics(args) => with_api(&data_dir, |api| diagnostics::run(api, args)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Api(e)) => {
            output::print_error(&e);
            ExitCode::from(1)
        }
        Err(Failure::Silent) => ExitCode::from(1),
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn with_api(data_dir: &std::path::Path, run: impl FnOnce(&Api) -> Outcome) -> Outcome {
    let api = Api::open(data_dir)?;
    run(&api)
}
