//! What the add / edit form (or `site add`) hands in, and its validation into settings plus the
//! secrets to store. Every field is checked and every problem reported at once, so the form can
//! show them all inline.

use super::validate::{self, Problem};
use super::{
    DEFAULT_CONVERSATION_URL_TEMPLATE, DEFAULT_GRACE_SECONDS, DEFAULT_POLL_SECONDS, DeliveryMode,
    Platform, RequesterPolicy, SecretKind, SiteSettings, ZendeskAuthKind, zendesk_api_token_end,
};
use crate::error::FieldError;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use ts_rs::TS;

/// The secrets typed into the form. On edit, an absent (or blank) secret keeps the stored one.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct SecretsDraft {
    #[serde(default)]
    #[ts(optional)]
    pub zendesk_api_token: Option<Secret>,
    #[serde(default)]
    #[ts(optional)]
    pub zendesk_oauth_client_secret: Option<Secret>,
    #[serde(default)]
    #[ts(optional)]
    pub iadvize_rest_api_key: Option<Secret>,
    #[serde(default)]
    #[ts(optional)]
    pub iadvize_graphql_token: Option<Secret>,
}

impl SecretsDraft {
    fn given(&self, kind: SecretKind) -> Option<Secret> {
        let value = match kind {
            SecretKind::ZendeskApiToken => &self.zendesk_api_token,
            SecretKind::ZendeskOauthClientSecret => &self.zendesk_oauth_client_secret,
            SecretKind::IadvizeRestApiKey => &self.iadvize_rest_api_key,
            SecretKind::IadvizeGraphqlToken => &self.iadvize_graphql_token,
        };
        value.as_ref().filter(|s| !s.is_blank()).map(Secret::trimmed)
    }
}

/// A site as typed by the admin. Numbers arrive as text so that "12a" gets a message, not a
/// deserialisation failure.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct SiteDraft {
    pub name: String,
    pub platform: Platform,
    pub iadvize_site_id: String,
    pub zendesk_domain: String,
    pub zendesk_email: String,
    pub zendesk_auth: ZendeskAuthKind,
    #[serde(default)]
    #[ts(optional)]
    pub zendesk_oauth_client_id: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub country: Option<String>,
    /// RFC 3339; conversations closed from then on are auto-saved. Default: now.
    #[serde(default)]
    #[ts(optional)]
    pub start_from: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub zendesk_api_url: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub iadvize_api_url: Option<String>,
    #[serde(default)]
    pub secrets: SecretsDraft,
}

/// Settings ready to store and the secrets to write to the keychain.
#[derive(Debug)]
pub struct ValidDraft {
    pub settings: SiteSettings,
    pub secrets: Vec<(SecretKind, Secret)>,
}

/// What validation needs to know about the site being edited.
pub struct Existing<'a> {
    pub settings: &'a SiteSettings,
    pub stored_secrets: &'a [SecretKind],
}

impl SiteDraft {
    /// Checks every field. `existing` is the site being edited (None when creating): its options
    /// are kept and its stored secrets satisfy the required ones.
    pub fn validate(
        &self,
        existing: Option<Existing<'_>>,
        now: DateTime<Utc>,
    ) -> Result<ValidDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: &str, result: Result<String, Problem>| match result {
            Ok(value) => value,
            Err(p) => {
                errors.push(FieldError::new(field, p.code, p.message));
                String::new()
            }
        };
        let name = check("name", validate::name(&self.name));
        let zendesk_domain = check("zendesk_domain", validate::zendesk_domain(&self.zendesk_domain));
        let zendesk_email = check("zendesk_email", validate::email(&self.zendesk_email));
        let zendesk_api_url = optional_text(&self.zendesk_api_url)
            .map(|u| check("zendesk_api_url", validate::api_base_url(u)));
        let iadvize_api_url = optional_text(&self.iadvize_api_url)
            .map(|u| check("iadvize_api_url", validate::api_base_url(u)));
        let iadvize_site_id = match validate::iadvize_site_id(&self.iadvize_site_id) {
            Ok(id) => id,
            Err(p) => {
                errors.push(FieldError::new("iadvize_site_id", p.code, p.message));
                0
            }
        };
        let country = optional_text(&self.country).unwrap_or_default().to_owned();
        if country.chars().count() > 100 {
            errors.push(FieldError::new(
                "country",
                "too_long",
                "Keep the country under 100 characters.",
            ));
        }
        let start_from = match optional_text(&self.start_from) {
            None => existing.as_ref().map_or(now, |e| e.settings.start_from),
            Some(text) => match DateTime::parse_from_rfc3339(text) {
                Ok(t) => t.with_timezone(&Utc),
                Err(_) => {
                    errors.push(FieldError::new(
                        "start_from",
                        "invalid_date",
                        format!(
                            "\"{text}\" is not a date and time: use RFC 3339, e.g. 2026-11-01T00:00:00Z."
                        ),
                    ));
                    now
                }
            },
        };

        let oauth_client_id = optional_text(&self.zendesk_oauth_client_id).map(str::to_owned);
        match self.zendesk_auth {
            ZendeskAuthKind::OauthClient if oauth_client_id.is_none() => {
                errors.push(FieldError::new(
                    "zendesk_oauth_client_id",
                    "required",
                    "Enter the OAuth client's identifier (Zendesk Admin Center > Apps and integrations > APIs > OAuth clients).",
                ));
            }
            ZendeskAuthKind::ApiToken if now >= zendesk_api_token_end() => {
                errors.push(FieldError::new(
                    "zendesk_auth",
                    "api_token_retired",
                    "Zendesk switched API tokens off on 30 April 2027: create an OAuth client in \
                     Zendesk Admin Center > Apps and integrations > APIs > OAuth clients and use it here.",
                ));
            }
            _ => {}
        }

        let stored = existing.as_ref().map_or(&[][..], |e| e.stored_secrets);
        let mut secrets = Vec::new();
        for kind in [
            self.zendesk_auth.secret_kind(),
            SecretKind::IadvizeRestApiKey,
            SecretKind::IadvizeGraphqlToken,
        ] {
            match self.secrets.given(kind) {
                Some(secret) => secrets.push((kind, secret)),
                None if stored.contains(&kind) => {}
                None => errors.push(FieldError::new(
                    draft_field(kind),
                    "required",
                    required_secret_message(kind),
                )),
            }
        }

        let keep = existing.as_ref().map(|e| e.settings);
        if !errors.is_empty() {
            return Err(errors);
        }
        let settings = SiteSettings {
            name,
            platform: self.platform,
            iadvize_site_id,
            zendesk_domain,
            zendesk_email,
            zendesk_auth: self.zendesk_auth,
            zendesk_oauth_client_id: match self.zendesk_auth {
                ZendeskAuthKind::OauthClient => oauth_client_id,
                ZendeskAuthKind::ApiToken => None,
            },
            country,
            start_from,
            autosave_enabled: keep.is_some_and(|k| k.autosave_enabled),
            autosave_form_id: keep.and_then(|k| k.autosave_form_id),
            escalation_enabled: keep.is_some_and(|k| k.escalation_enabled),
            escalation_form_id: keep.and_then(|k| k.escalation_form_id),
            escalation_note_label: keep.map_or(String::new(), |k| k.escalation_note_label.clone()),
            grace_seconds: keep.map_or(DEFAULT_GRACE_SECONDS, |k| k.grace_seconds),
            delivery_mode: keep.map_or(DeliveryMode::Import, |k| k.delivery_mode),
            poll_seconds: keep.map_or(DEFAULT_POLL_SECONDS, |k| k.poll_seconds),
            conversation_url_template: keep.map_or(
                DEFAULT_CONVERSATION_URL_TEMPLATE.to_owned(),
                |k| k.conversation_url_template.clone(),
            ),
            requester_policy: keep.map_or(RequesterPolicy::CreateEndUser, |k| k.requester_policy),
            zendesk_api_url,
            iadvize_api_url,
        };
        Ok(ValidDraft { settings, secrets })
    }
}

fn optional_text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The name of the draft field that carries a secret, for inline errors.
pub fn draft_field(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::ZendeskApiToken => "secrets.zendesk_api_token",
        SecretKind::ZendeskOauthClientSecret => "secrets.zendesk_oauth_client_secret",
        SecretKind::IadvizeRestApiKey => "secrets.iadvize_rest_api_key",
        SecretKind::IadvizeGraphqlToken => "secrets.iadvize_graphql_token",
    }
}

fn required_secret_message(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::ZendeskApiToken => {
            "Paste a Zendesk API token (Admin Center > Apps and integrations > APIs > Zendesk API), or use an OAuth client."
        }
        SecretKind::ZendeskOauthClientSecret => {
            "Paste the OAuth client's secret (shown once when the client is created in Zendesk Admin Center)."
        }
        SecretKind::IadvizeRestApiKey => {
            "Paste the iAdvize REST API key (iAdvize support issues it on request)."
        }
        SecretKind::IadvizeGraphqlToken => {
            "Paste an iAdvize GraphQL token (POST https://api.iadvize.com/oauth2/token; it lasts 24 hours)."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn draft() -> SiteDraft {
        SiteDraft {
            name: "Shop FR".into(),
            platform: Platform::Ha,
            iadvize_site_id: "4521".into(),
            zendesk_domain: "acme".into(),
            zendesk_email: "admin@acme.com".into(),
            zendesk_auth: ZendeskAuthKind::ApiToken,
            zendesk_oauth_client_id: None,
            country: Some(" France ".into()),
            start_from: None,
            zendesk_api_url: None,
            iadvize_api_url: None,
            secrets: SecretsDraft {
                zendesk_api_token: Some(Secret::new("zd-token\n")),
                zendesk_oauth_client_secret: None,
                iadvize_rest_api_key: Some(Secret::new("rest-key")),
                iadvize_graphql_token: Some(Secret::new("gql-token")),
            },
        }
    }

    #[test]
    fn a_complete_draft_normalises_and_lists_its_secrets() {
        let valid = draft().validate(None, now()).unwrap();
        assert_eq!(valid.settings.zendesk_domain, "https://acme.zendesk.com");
        assert_eq!(valid.settings.country, "France");
        assert_eq!(valid.settings.start_from, now());
        assert!(!valid.settings.autosave_enabled);
        assert_eq!(valid.settings.delivery_mode, DeliveryMode::Import);
        assert_eq!(valid.settings.grace_seconds, 300);
        let kinds: Vec<_> = valid.secrets.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            [
                SecretKind::ZendeskApiToken,
                SecretKind::IadvizeRestApiKey,
                SecretKind::IadvizeGraphqlToken
            ]
        );
        assert_eq!(valid.secrets[0].1.expose(), "zd-token", "pasted newline trimmed");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut d = draft();
        d.name = " ".into();
        d.iadvize_site_id = "abc".into();
        d.zendesk_domain = "http://acme.zendesk.com".into();
        d.zendesk_email = "nope".into();
        d.zendesk_api_url = Some("http://10.1.1.1".into());
        d.start_from = Some("yesterday".into());
        d.secrets = SecretsDraft {
            iadvize_rest_api_key: Some(Secret::new("   ")),
            ..SecretsDraft::default()
        };
        let errors = d.validate(None, now()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "name",
            "iadvize_site_id",
            "zendesk_domain",
            "zendesk_email",
            "zendesk_api_url",
            "start_from",
            "secrets.zendesk_api_token",
            "secrets.iadvize_rest_api_key",
            "secrets.iadvize_graphql_token",
        ] {
            assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
        }
    }

    #[test]
    fn oauth_needs_a_client_id_and_secret_and_drops_the_api_token() {
        let mut d = draft();
        d.zendesk_auth = ZendeskAuthKind::OauthClient;
        let errors = d.validate(None, now()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["zendesk_oauth_client_id", "secrets.zendesk_oauth_client_secret"]
        );
        d.zendesk_oauth_client_id = Some("app-client".into());
        d.secrets.zendesk_oauth_client_secret = Some(Secret::new("s3cret"));
        let valid = d.validate(None, now()).unwrap();
        assert_eq!(valid.settings.zendesk_oauth_client_id.as_deref(), Some("app-client"));
        assert!(valid.secrets.iter().all(|(k, _)| *k != SecretKind::ZendeskApiToken));
    }

    #[test]
    fn api_tokens_are_refused_once_zendesk_retired_them() {
        let after = DateTime::parse_from_rfc3339("2027-04-30T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let errors = draft().validate(None, after).unwrap_err();
        assert_eq!(errors[0].code, "api_token_retired");
        assert!(draft().validate(None, after - chrono::Duration::seconds(1)).is_ok());
    }

    #[test]
    fn editing_keeps_stored_secrets_and_options() {
        let mut base = draft().validate(None, now()).unwrap().settings;
        base.autosave_enabled = true;
        base.grace_seconds = 60;
        let mut d = draft();
        d.secrets = SecretsDraft::default();
        d.name = "Renamed".into();
        let stored = [
            SecretKind::ZendeskApiToken,
            SecretKind::IadvizeRestApiKey,
            SecretKind::IadvizeGraphqlToken,
        ];
        let later = now() + chrono::Duration::days(3);
        let valid = d
            .validate(
                Some(Existing {
                    settings: &base,
                    stored_secrets: &stored,
                }),
                later,
            )
            .unwrap();
        assert!(valid.secrets.is_empty());
        assert_eq!(valid.settings.name, "Renamed");
        assert!(valid.settings.autosave_enabled);
        assert_eq!(valid.settings.grace_seconds, 60);
        assert_eq!(valid.settings.start_from, now(), "start point kept on edit");

        // Switching to OAuth needs the OAuth secret even though a token is stored.
        d.zendesk_auth = ZendeskAuthKind::OauthClient;
        d.zendesk_oauth_client_id = Some("c".into());
        let errors = d
            .validate(
                Some(Existing {
                    settings: &base,
                    stored_secrets: &stored,
                }),
                later,
            )
            .unwrap_err();
        assert_eq!(errors[0].field, "secrets.zendesk_oauth_client_secret");
    }

    #[test]
    fn deserialises_from_the_ui_json_shape() {
        let json = serde_json::json!({
            "name": "Shop", "platform": "sd", "iadvize_site_id": "12",
            "zendesk_domain": "acme.zendesk.com", "zendesk_email": "a@b.co",
            "zendesk_auth": "api_token",
            "secrets": {"zendesk_api_token": "t", "iadvize_rest_api_key": "k", "iadvize_graphql_token": "g"}
        });
        let d: SiteDraft = serde_json::from_value(json).unwrap();
        assert_eq!(d.platform, Platform::Sd);
        assert!(d.validate(None, now()).is_ok());
        assert!(!format!("{d:?}").contains("\"t\""));
    }
}
