//! Commands that talk to iAdvize and Zendesk for a site: `check` and `forms`.

use super::output;
use super::{Failure, Outcome};
use iadvize_zendesk::Api;
use iadvize_zendesk::check::CheckStatus;
use iadvize_zendesk::site::SiteRef;

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new().map_err(|e| {
        Failure::Api(iadvize_zendesk::ApiError::new("internal", format!("cannot start the async runtime: {e}")))
    })
}

/// `check SITE`: exit 0 only when every check passes (warnings allowed).
pub fn check(api: &Api, site: SiteRef, json: bool) -> Outcome {
    let report = runtime()?.block_on(api.check_connection(&site))?;
    if json {
        output::json(&report);
    } else {
        let site = api.site(&SiteRef::Id(report.site_id))?;
        println!("Connection check of site {} \"{}\"", site.id, site.settings.name);
        for c in &report.checks {
            let mark = match c.status {
                CheckStatus::Pass => "ok  ",
                CheckStatus::Warn => "warn",
                CheckStatus::Fail => "FAIL",
                CheckStatus::Skipped => "skip",
            };
            let id = serde_json::to_value(c.id).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            let setting = c.setting.as_deref().map(|s| format!(" [setting: {s}]")).unwrap_or_default();
            println!("  {mark} {id:<24} {}{setting}", c.message);
        }
        if let Some(compat) = &report.compatibility {
            let s = &compat.summary;
            println!(
                "  iAdvize GraphQL contract: {}/{} parts present ({}/{} assumed parts)",
                s.present, s.checked, s.assumed_present, s.assumed_checked
            );
        }
    }
    if report.ok {
        Ok(())
    } else {
        Err(Failure::Silent)
    }
}

/// `forms SITE`: the site's Zendesk forms with their fields.
pub fn forms(api: &Api, site: SiteRef, json: bool) -> Outcome {
    let overview = runtime()?.block_on(api.forms_overview(&site))?;
    if json {
        output::json(&overview);
        return Ok(());
    }
    if !overview.forms_available {
        println!("Ticket forms are not available on this Zendesk plan: tickets use the default form.");
        return Ok(());
    }
    for form in &overview.forms {
        let state = match (form.active, form.default) {
            (false, _) => " (inactive)",
            (true, true) => " (default)",
            _ => "",
        };
        println!("Form {} \"{}\"{state}", form.id, form.name);
        let f = &form.iadvize_fields;
        let yes = |v: Option<i64>| v.map_or("missing".to_owned(), |id| format!("field {id}"));
        println!(
            "  iAdvize Agent: {} · iAdvize Country: {} · iAdvize Campaign: {}",
            yes(f.agent),
            yes(f.country),
            yes(f.campaign)
        );
        for field in &form.fields {
            let mut flags = Vec::new();
            if field.required {
                flags.push("required to solve".to_owned());
            }
            if field.required_in_portal {
                flags.push("required in the help center".to_owned());
            }
            for c in &field.conditions {
                flags.push(c.words.clone());
            }
            if let Some(re) = &field.regexp {
                flags.push(format!("pattern {re}"));
            }
            let options = if field.options.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = field
                    .options
                    .iter()
                    .map(|o| if o.default { format!("{}={} (default)", o.name, o.value) } else { format!("{}={}", o.name, o.value) })
                    .collect();
                format!("\n      options: {}", list.join(", "))
            };
            println!(
                "    {:<12} {:<30} {:<18} {}{options}",
                field.id,
                field.title,
                field.field_type,
                flags.join("; ")
            );
        }
        if !form.unknown_field_ids.is_empty() {
            println!("  fields listed by the form but unknown to Zendesk: {:?}", form.unknown_field_ids);
        }
    }
    Ok(())
}
