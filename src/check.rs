//! The connection check of a site: does every setting work, and if not, which one and what to
//! do. Catches Zendesk's traps (a 200 for an anonymous user, light agents, plans without forms)
//! and iAdvize's (24 h GraphQL tokens, a REST key that does not see the site, a live schema that
//! lacks what we assume).

use crate::api::Api;
use crate::error::ApiError;
use crate::iadvize::{CompatibilityReport, IadvizeClient, IadvizeError, TokenHealth, token_life};
use crate::site::{SecretKind, Site, SiteId, SiteRef};
use crate::zendesk::{PlanFeature, UserAccess, ZendeskClient, ZendeskCredential};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CheckId {
    ZendeskCredential,
    ZendeskAdmin,
    ZendeskForms,
    IadvizeRestKey,
    IadvizeGraphqlToken,
    IadvizeSite,
    IadvizeCompatibility,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CheckStatus {
    Pass,
    /// Works, with something the admin should know (a plan without forms, a token near expiry).
    Warn,
    Fail,
    /// Not run because an earlier check failed.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CheckResult {
    pub id: CheckId,
    pub status: CheckStatus,
    /// The setting to look at (a draft field name, e.g. `zendesk_email`), when one is to blame.
    pub setting: Option<String>,
    /// What was found, and on failure what to do (in English).
    pub message: String,
    /// Which message this is, for the UI to say it in its language with `params` (none: only
    /// the English message exists, e.g. a network error's own words).
    pub code: Option<String>,
    pub params: BTreeMap<String, String>,
}

impl CheckResult {
    fn new(id: CheckId, status: CheckStatus, setting: Option<&str>, message: impl Into<String>) -> Self {
        CheckResult {
            id,
            status,
            setting: setting.map(str::to_owned),
            message: message.into(),
            code: None,
            params: BTreeMap::new(),
        }
    }

    /// Names the message and the values it was built from.
    fn coded(mut self, code: &str, params: &[(&str, String)]) -> Self {
        self.code = Some(code.to_owned());
        self.params = params.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        self
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ConnectionReport {
    pub site_id: SiteId,
    #[ts(type = "string")]
    pub checked_at: DateTime<Utc>,
    /// Every check passed (warnings allowed).
    pub ok: bool,
    pub checks: Vec<CheckResult>,
    /// Field by field, which parts of the iAdvize GraphQL contract the live schema has.
    pub compatibility: Option<CompatibilityReport>,
    /// Ticket forms on the Zendesk plan: None when forms are not available.
    pub forms_count: Option<usize>,
}

impl ConnectionReport {
    pub fn check(&self, id: CheckId) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// The site's secrets read at the moment of use, or the check that names the missing one.
fn secret(api: &Api, site: &Site, kind: SecretKind, check: CheckId, setting: &str) -> Result<crate::secret::Secret, CheckResult> {
    api.secret(site.id, kind).map_err(|e| {
        CheckResult::new(check, CheckStatus::Fail, Some(setting), e.message)
    })
}

/// Builds the site's Zendesk client from its settings and its keychain secret.
pub fn zendesk_client(api: &Api, site: &Site) -> Result<ZendeskClient, ApiError> {
    let secret = api.secret(site.id, site.settings.zendesk_auth.secret_kind())?;
    tuned_zendesk(api, site, secret)
}

fn tuned_zendesk(api: &Api, site: &Site, secret: crate::secret::Secret) -> Result<ZendeskClient, ApiError> {
    let credential = ZendeskCredential::for_site(&site.settings, secret)?;
    let mut config = crate::zendesk::ZendeskConfig::for_site(&site.settings, credential)?;
    if let Some(tune) = api.tuning().zendesk {
        tune(&mut config);
    }
    Ok(ZendeskClient::new(config)?)
}

fn tuned_iadvize(api: &Api, site: &Site, rest: crate::secret::Secret, token: crate::secret::Secret) -> Result<IadvizeClient, ApiError> {
    let mut config = crate::iadvize::IadvizeConfig::for_site(&site.settings, rest, token);
    if let Some(tune) = api.tuning().iadvize {
        tune(&mut config);
    }
    Ok(IadvizeClient::new(config)?)
}

/// Builds the site's iAdvize client from its settings and its keychain secrets.
pub fn iadvize_client(api: &Api, site: &Site) -> Result<IadvizeClient, ApiError> {
    let rest = api.secret(site.id, SecretKind::IadvizeRestApiKey)?;
    let token = api.secret(site.id, SecretKind::IadvizeGraphqlToken)?;
    tuned_iadvize(api, site, rest, token)
}

async fn check_zendesk(api: &Api, site: &Site) -> (Vec<CheckResult>, Option<usize>) {
    let setting = match site.settings.zendesk_auth {
        crate::site::ZendeskAuthKind::ApiToken => "secrets.zendesk_api_token",
        crate::site::ZendeskAuthKind::OauthClient => "secrets.zendesk_oauth_client_secret",
    };
    let skipped = |id| CheckResult::new(id, CheckStatus::Skipped, None, "Not checked: the Zendesk credential does not work.").coded("skipped_zendesk", &[]);
    let client = match secret(api, site, site.settings.zendesk_auth.secret_kind(), CheckId::ZendeskCredential, setting)
        .and_then(|s| {
            tuned_zendesk(api, site, s)
                .map_err(|e| CheckResult::new(CheckId::ZendeskCredential, CheckStatus::Fail, Some(setting), e.message))
        }) {
        Ok(client) => client,
        Err(fail) => return (vec![fail, skipped(CheckId::ZendeskAdmin), skipped(CheckId::ZendeskForms)], None),
    };
    let me = match client.me().await {
        Ok(me) => me,
        Err(e) => {
            let refused = e.code() == "zendesk.unauthorized";
            let mut failed = CheckResult::new(CheckId::ZendeskCredential, CheckStatus::Fail, refused.then_some(setting), e.to_string());
            if refused {
                failed = failed.coded(
                    match site.settings.zendesk_auth {
                        crate::site::ZendeskAuthKind::ApiToken => "zendesk_refused_token",
                        crate::site::ZendeskAuthKind::OauthClient => "zendesk_refused_oauth",
                    },
                    &[],
                );
            }
            return (
                vec![
                    failed,
                    skipped(CheckId::ZendeskAdmin),
                    skipped(CheckId::ZendeskForms),
                ],
                None,
            );
        }
    };
    let email = &site.settings.zendesk_email;
    let mut results = Vec::new();
    let admin = match me.access() {
        UserAccess::Anonymous => {
            results.push(CheckResult::new(
                CheckId::ZendeskCredential,
                CheckStatus::Fail,
                Some(setting),
                format!(
                    "Zendesk answered as an anonymous user: it did not accept the credential for {email}. \
                     Check the admin e-mail and paste the token (or OAuth client secret) again."
                ),
            ).coded("zendesk_anonymous", &[("email", email.clone())]));
            return (vec![results.remove(0), skipped(CheckId::ZendeskAdmin), skipped(CheckId::ZendeskForms)], None);
        }
        access => {
            results.push(CheckResult::new(
                CheckId::ZendeskCredential,
                CheckStatus::Pass,
                None,
                format!(
                    "Signed in to {} as {} ({}).",
                    site.settings.zendesk_domain,
                    me.name.as_deref().unwrap_or("?"),
                    me.email.as_deref().unwrap_or("no e-mail")
                ),
            ).coded(
                "zendesk_signed_in",
                &[
                    ("domain", site.settings.zendesk_domain.clone()),
                    ("name", me.name.clone().unwrap_or_else(|| "?".into())),
                    ("email", me.email.clone().unwrap_or_else(|| "-".into())),
                ],
            ));
            access
        }
    };
    results.push(match admin {
        UserAccess::Admin => CheckResult::new(CheckId::ZendeskAdmin, CheckStatus::Pass, None, "The user is a Zendesk admin: it may import tickets.").coded("zendesk_admin", &[]),
        UserAccess::LightAgent => CheckResult::new(
            CheckId::ZendeskAdmin,
            CheckStatus::Fail,
            Some("zendesk_email"),
            "The user is a light agent: it can only add private notes, not create or import tickets. Use an admin's e-mail and credential.",
        )
        .coded("zendesk_light_agent", &[]),
        other => CheckResult::new(
            CheckId::ZendeskAdmin,
            CheckStatus::Fail,
            Some("zendesk_email"),
            format!(
                "The user is {} in Zendesk, not an admin: importing tickets needs an admin. Use an admin's e-mail and credential.",
                match other {
                    UserAccess::Agent => "an agent",
                    _ => "an end user",
                }
            ),
        )
        .coded(if other == UserAccess::Agent { "zendesk_agent" } else { "zendesk_end_user" }, &[]),
    });
    let forms_count = match client.ticket_forms().await {
        Ok(PlanFeature::Available(forms)) => {
            let active = forms.iter().filter(|f| f.active).count();
            results.push(CheckResult::new(
                CheckId::ZendeskForms,
                CheckStatus::Pass,
                None,
                format!("{active} active ticket form(s) on this Zendesk plan."),
            ).coded("forms_count", &[("count", active.to_string())]));
            Some(active)
        }
        Ok(PlanFeature::NotOnPlan) => {
            results.push(CheckResult::new(
                CheckId::ZendeskForms,
                CheckStatus::Warn,
                None,
                "Ticket forms are not available on this Zendesk plan: tickets use the default form, and no form can be chosen for auto-save or escalation.",
            ).coded("forms_not_on_plan", &[]));
            None
        }
        Err(e) => {
            results.push(CheckResult::new(CheckId::ZendeskForms, CheckStatus::Fail, None, e.to_string()));
            None
        }
    };
    (results, forms_count)
}

async fn check_iadvize(api: &Api, site: &Site, now: DateTime<Utc>) -> (Vec<CheckResult>, Option<CompatibilityReport>) {
    let site_id = site.settings.iadvize_site_id;
    let mut results = Vec::new();
    let rest = secret(api, site, SecretKind::IadvizeRestApiKey, CheckId::IadvizeRestKey, "secrets.iadvize_rest_api_key");
    let token = secret(api, site, SecretKind::IadvizeGraphqlToken, CheckId::IadvizeGraphqlToken, "secrets.iadvize_graphql_token");
    let (rest, token) = match (rest, token) {
        (Ok(r), Ok(t)) => (r, t),
        (r, t) => {
            for failed in [r.err(), t.err()].into_iter().flatten() {
                results.push(failed);
            }
            return (results, None);
        }
    };
    let client = match tuned_iadvize(api, site, rest, token) {
        Ok(c) => c,
        Err(e) => {
            results.push(CheckResult::new(CheckId::IadvizeRestKey, CheckStatus::Fail, Some("iadvize_api_url"), e.message));
            return (results, None);
        }
    };

    let (website, health) = tokio::join!(client.website(site_id), client.check_token());
    results.push(match website {
        Ok(w) => {
            let label = w.label.as_deref().or(w.url.as_deref()).unwrap_or("-").to_owned();
            CheckResult::new(CheckId::IadvizeRestKey, CheckStatus::Pass, None, format!("The REST API key sees site {site_id} ({label})."))
                .coded("rest_sees_site", &[("site", site_id.to_string()), ("label", label)])
        }
        Err(IadvizeError::NotFound { .. }) => CheckResult::new(
            CheckId::IadvizeRestKey,
            CheckStatus::Fail,
            Some("iadvize_site_id"),
            format!(
                "The REST API key works but does not see site {site_id} on {}: check the site id and platform, or ask iAdvize for a key of this site.",
                site.settings.platform
            ),
        )
        .coded("rest_not_site", &[("site", site_id.to_string()), ("platform", site.settings.platform.to_string())]),
        Err(e @ IadvizeError::RestKeyInvalid) => {
            CheckResult::new(CheckId::IadvizeRestKey, CheckStatus::Fail, Some("secrets.iadvize_rest_api_key"), e.to_string()).coded("rest_key_invalid", &[])
        }
        Err(e) => CheckResult::new(CheckId::IadvizeRestKey, CheckStatus::Fail, None, e.to_string()),
    });

    let life = site.secret_stored_at(SecretKind::IadvizeGraphqlToken).map(|at| token_life(at, now));
    let token_ok = matches!(health, TokenHealth::Valid);
    results.push(match health {
        TokenHealth::Valid => {
            let hours = life.as_ref().map(|l| l.remaining_seconds / 3600);
            match hours {
                Some(h) if h < 3 => CheckResult::new(
                    CheckId::IadvizeGraphqlToken,
                    CheckStatus::Warn,
                    Some("secrets.iadvize_graphql_token"),
                    format!("The GraphQL token works but expires in about {h} h (tokens last 24 h): paste a new one soon."),
                )
                .coded("token_expires_soon", &[("hours", h.to_string())]),
                Some(h) => CheckResult::new(
                    CheckId::IadvizeGraphqlToken,
                    CheckStatus::Pass,
                    None,
                    format!("The GraphQL token works; about {h} h left of its 24 h."),
                )
                .coded("token_hours_left", &[("hours", h.to_string())]),
                None => CheckResult::new(CheckId::IadvizeGraphqlToken, CheckStatus::Pass, None, "The GraphQL token works.").coded("token_works", &[]),
            }
        }
        TokenHealth::Invalid { .. } => CheckResult::new(
            CheckId::IadvizeGraphqlToken,
            CheckStatus::Fail,
            Some("secrets.iadvize_graphql_token"),
            "The iAdvize GraphQL token expired or is invalid (tokens last 24 h): get a new one and paste it in the site's settings.",
        )
        .coded("token_invalid", &[]),
        TokenHealth::Unreachable { message, .. } => {
            CheckResult::new(CheckId::IadvizeGraphqlToken, CheckStatus::Fail, None, message)
        }
    });
    if !token_ok {
        for id in [CheckId::IadvizeSite, CheckId::IadvizeCompatibility] {
            results.push(CheckResult::new(id, CheckStatus::Skipped, None, "Not checked: the GraphQL token does not work.").coded("skipped_graphql", &[]));
        }
        return (results, None);
    }

    let (project, compat) = tokio::join!(client.project(site_id), client.compatibility_report());
    results.push(match project {
        Ok(p) => CheckResult::new(CheckId::IadvizeSite, CheckStatus::Pass, None, format!("GraphQL sees site {site_id} \"{}\".", p.name))
            .coded("site_seen", &[("site", site_id.to_string()), ("name", p.name.clone())]),
        Err(e) => CheckResult::new(
            CheckId::IadvizeSite,
            CheckStatus::Fail,
            Some("iadvize_site_id"),
            format!("GraphQL does not see site {site_id}: {e} Check the site id and platform, and that the token's user has access to it."),
        )
        .coded("site_not_seen", &[("site", site_id.to_string()), ("error", e.to_string())]),
    });
    let compat = match compat {
        Ok(report) => {
            let problems: Vec<String> = report.problems().map(|i| i.path.clone()).collect();
            results.push(if problems.is_empty() {
                CheckResult::new(
                    CheckId::IadvizeCompatibility,
                    CheckStatus::Pass,
                    None,
                    format!("iAdvize's live schema has all {} parts of the contract the app relies on.", report.summary.checked),
                )
                .coded("compat_ok", &[("checked", report.summary.checked.to_string())])
            } else {
                CheckResult::new(
                    CheckId::IadvizeCompatibility,
                    CheckStatus::Fail,
                    None,
                    format!(
                        "iAdvize's live schema lacks or changed {} part(s) the app relies on: {}. Conversations may not be read; send the diagnostics to support.",
                        problems.len(),
                        problems.join(", ")
                    ),
                )
                .coded("compat_problems", &[("count", problems.len().to_string()), ("parts", problems.join(", "))])
            });
            Some(report)
        }
        Err(e) => {
            results.push(CheckResult::new(CheckId::IadvizeCompatibility, CheckStatus::Fail, None, e.to_string()));
            None
        }
    };
    (results, compat)
}

impl Api {
    /// Runs every check of a site (Zendesk and iAdvize side by side) and reports each one.
    pub async fn check_connection(&self, site: &SiteRef) -> Result<ConnectionReport, ApiError> {
        let site = self.site(site)?;
        let now = self.clock().now();
        let ((zendesk, forms_count), (iadvize, compatibility)) =
            tokio::join!(check_zendesk(self, &site), check_iadvize(self, &site, now));
        let checks: Vec<CheckResult> = zendesk.into_iter().chain(iadvize).collect();
        let ok = checks
            .iter()
            .all(|c| matches!(c.status, CheckStatus::Pass | CheckStatus::Warn));
        tracing::info!(site = site.id, ok, "connection checked");
        Ok(ConnectionReport {
            site_id: site.id,
            checked_at: now,
            ok,
            checks,
            compatibility,
            forms_count,
        })
    }
}
