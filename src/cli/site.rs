//! `site …`: site installations. Secrets come from the environment only (argv is visible to
//! every user of the machine through the process list and lands in shell history).

use super::output;
use super::{Failure, Outcome};
use clap::Subcommand;
use iadvize_zendesk::Api;
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{
    Platform, SecretKind, SecretsDraft, SettingChange, Site, SiteDraft, SiteRef, ZendeskAuthKind,
    setting,
};

#[derive(Subcommand)]
pub enum SiteCommand {
    /// Add a site. Secrets from the environment: ZENDESK_API_TOKEN, or ZENDESK_OAUTH_CLIENT_ID +
    /// ZENDESK_OAUTH_CLIENT_SECRET; IADVIZE_REST_API_KEY; IADVIZE_GRAPHQL_TOKEN.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "ID")]
        iadvize_site_id: String,
        #[arg(long, value_parser = ["ha", "sd"])]
        platform: String,
        /// https://SUB.zendesk.com (or SUB).
        #[arg(long, value_name = "URL")]
        zendesk_domain: String,
        #[arg(long, value_name = "EMAIL")]
        zendesk_email: String,
        #[arg(long, value_name = "TEXT")]
        country: Option<String>,
        /// Conversations closed at or after this moment are auto-saved (default: now).
        #[arg(long, value_name = "RFC3339")]
        start_from: Option<String>,
        /// Another Zendesk API base URL (a proxy, the sandbox); http only on loopback.
        #[arg(long, value_name = "URL")]
        zendesk_api_url: Option<String>,
        /// Another iAdvize API base URL (a proxy, the sandbox); http only on loopback.
        #[arg(long, value_name = "URL")]
        iadvize_api_url: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Replace some or all of a site's secrets from the environment (same variables as `add`).
    Secrets {
        site: SiteRef,
        #[arg(long)]
        json: bool,
    },
    /// List the sites.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one site (by id or exact name).
    Show {
        site: SiteRef,
        #[arg(long)]
        json: bool,
    },
    /// Change options: KEY=VALUE... (see the list of keys with --help).
    #[command(after_help = setting::KEYS)]
    Set {
        site: SiteRef,
        #[arg(required = true, value_name = "KEY=VALUE")]
        assignments: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove a site and its secrets.
    Remove {
        site: SiteRef,
        #[arg(long)]
        json: bool,
    },
}

fn env_secret(name: &str) -> Option<Secret> {
    std::env::var(name).ok().map(Secret::new).filter(|s| !s.is_blank())
}

fn secrets_from_env() -> (Option<String>, SecretsDraft) {
    let client_id = std::env::var("ZENDESK_OAUTH_CLIENT_ID").ok().filter(|v| !v.trim().is_empty());
    (
        client_id,
        SecretsDraft {
            zendesk_api_token: env_secret("ZENDESK_API_TOKEN"),
            zendesk_oauth_client_secret: env_secret("ZENDESK_OAUTH_CLIENT_SECRET"),
            iadvize_rest_api_key: env_secret("IADVIZE_REST_API_KEY"),
            iadvize_graphql_token: env_secret("IADVIZE_GRAPHQL_TOKEN"),
        },
    )
}

pub fn run(api: &Api, command: SiteCommand) -> Outcome {
    match command {
        SiteCommand::Add {
            name,
            iadvize_site_id,
            platform,
            zendesk_domain,
            zendesk_email,
            country,
            start_from,
            zendesk_api_url,
            iadvize_api_url,
            json,
        } => {
            let (client_id, secrets) = secrets_from_env();
            let zendesk_auth = match (&client_id, &secrets.zendesk_api_token) {
                (Some(_), Some(_)) => {
                    return Err(Failure::Usage(
                        "both ZENDESK_API_TOKEN and ZENDESK_OAUTH_CLIENT_ID are set: keep only the credential the site should use".into(),
                    ));
                }
                (Some(_), None) => ZendeskAuthKind::OauthClient,
                (None, _) => ZendeskAuthKind::ApiToken,
            };
            let draft = SiteDraft {
                name,
                platform: platform.parse::<Platform>().map_err(Failure::Usage)?,
                iadvize_site_id,
                zendesk_domain,
                zendesk_email,
                zendesk_auth,
                zendesk_oauth_client_id: client_id,
                country,
                start_from,
                zendesk_api_url,
                iadvize_api_url,
                secrets,
            };
            let site = api.create_site(&draft)?;
            if json {
                output::json(&serde_json::json!({ "id": site.id }));
            } else {
                println!("{}", site.id);
                eprintln!("Site {} \"{}\" added.", site.id, site.settings.name);
            }
        }
        SiteCommand::Secrets { site, json } => {
            let site = api.site(&site)?;
            let (client_id, secrets) = secrets_from_env();
            if client_id.is_some() && client_id != site.settings.zendesk_oauth_client_id {
                eprintln!(
                    "note: ZENDESK_OAUTH_CLIENT_ID is ignored here; change the credential kind or client id with the desktop app's edit form"
                );
            }
            let updated = api.set_secrets(site.id, &secrets)?;
            print_site(&updated, json);
        }
        SiteCommand::List { json } => {
            let sites = api.list_sites()?;
            if json {
                output::json(&sites);
            } else if sites.is_empty() {
                println!("No site yet. Add one with `iadvize-zendesk site add --help`.");
            } else {
                println!("{:<4} {:<28} {:<10} {:<32} STATE", "ID", "NAME", "IADVIZE", "ZENDESK");
                for s in &sites {
                    println!(
                        "{:<4} {:<28} {:<10} {:<32} {}",
                        s.id,
                        s.settings.name,
                        format!("{}:{}", s.settings.platform, s.settings.iadvize_site_id),
                        s.settings.zendesk_domain.trim_start_matches("https://"),
                        state_line(s)
                    );
                }
            }
        }
        SiteCommand::Show { site, json } => print_site(&api.site(&site)?, json),
        SiteCommand::Set {
            site,
            assignments,
            json,
        } => {
            let site = api.site(&site)?;
            let changes = assignments
                .iter()
                .map(|a| SettingChange::parse(a))
                .collect::<Result<Vec<_>, _>>()
                .map_err(Failure::Usage)?;
            let updated = api.change_settings(site.id, &changes)?;
            print_site(&updated, json);
        }
        SiteCommand::Remove { site, json } => {
            let site = api.site(&site)?;
            api.remove_site(site.id)?;
            if json {
                output::json(&serde_json::json!({ "removed": site.id }));
            } else {
                println!("Site {} \"{}\" removed, with its secrets.", site.id, site.settings.name);
            }
        }
    }
    Ok(())
}

fn state_line(site: &Site) -> String {
    let s = &site.settings;
    let missing: Vec<&str> = site
        .required_secrets()
        .into_iter()
        .filter(|k| site.secret_stored_at(*k).is_none())
        .map(SecretKind::label)
        .collect();
    let mut parts = vec![
        format!("auto-save {}", if s.autosave_enabled { "on" } else { "off" }),
        format!("escalation {}", if s.escalation_enabled { "on" } else { "off" }),
    ];
    if !missing.is_empty() {
        parts.push(format!("missing: {}", missing.join(", ")));
    }
    parts.join(", ")
}

fn print_site(site: &Site, json: bool) {
    if json {
        output::json(site);
        return;
    }
    let s = &site.settings;
    let opt = |v: &Option<i64>| v.map_or("none".to_owned(), |v| v.to_string());
    println!("Site {} \"{}\"", site.id, s.name);
    println!("  iAdvize site          {}:{}", s.platform, s.iadvize_site_id);
    println!("  Zendesk               {} as {}", s.zendesk_domain, s.zendesk_email);
    match s.zendesk_auth {
        ZendeskAuthKind::ApiToken => println!("  Zendesk credential    API token (stops working on 2027-04-30)"),
        ZendeskAuthKind::OauthClient => println!(
            "  Zendesk credential    OAuth client {}",
            s.zendesk_oauth_client_id.as_deref().unwrap_or("?")
        ),
    }
    println!("  country               {}", if s.country.is_empty() { "(not set)" } else { &s.country });
    println!("  start from            {}", s.start_from.to_rfc3339());
    println!("  autosave              {} (form {})", on_off(s.autosave_enabled), opt(&s.autosave_form_id));
    println!("  escalation            {} (form {})", on_off(s.escalation_enabled), opt(&s.escalation_form_id));
    println!("  escalation_note_label {}", s.escalation_note_label);
    println!("  delivery              {}", s.delivery_mode.as_str());
    println!("  grace_seconds         {}", s.grace_seconds);
    println!("  poll_seconds          {}", s.poll_seconds);
    println!("  requester_policy      {}", s.requester_policy.as_str());
    println!("  conversation link     {}", s.conversation_url_template);
    if let Some(url) = &s.zendesk_api_url {
        println!("  Zendesk API URL       {url}");
    }
    if let Some(url) = &s.iadvize_api_url {
        println!("  iAdvize API URL       {url}");
    }
    for kind in site.required_secrets() {
        match site.secret_stored_at(kind) {
            Some(at) => println!("  {:<21} stored {}", kind.label(), at.to_rfc3339()),
            None => println!("  {:<21} MISSING: set it with `site secrets`", kind.label()),
        }
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}
