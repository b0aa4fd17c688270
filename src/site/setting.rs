//! One change to a site's options, as `site set SITE KEY=VALUE` spells it (and as the desktop
//! settings panels send it). Unknown keys and bad values are refused with the valid choices.

use super::validate;
use super::{DeliveryMode, RequesterPolicy, SiteSettings};
use serde::Deserialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "key", content = "value", rename_all = "snake_case")]
#[ts(export)]
pub enum SettingChange {
    Autosave(bool),
    AutosaveFormId(Option<i64>),
    Escalation(bool),
    EscalationFormId(Option<i64>),
    EscalationNoteLabel(String),
    GraceSeconds(i64),
    Delivery(DeliveryMode),
    PollSeconds(i64),
    Country(String),
    ConversationUrlTemplate(String),
    RequesterPolicy(RequesterPolicy),
}

pub const KEYS: &str = "autosave=on|off, autosave_form_id=N|none, escalation=on|off, \
escalation_form_id=N|none, escalation_note_label=TEXT, grace_seconds=N (0-86400), \
delivery=import|create, poll_seconds=N (10-3600), country=TEXT, conversation_url_template=TEXT \
(placeholders {platform} {site_id} {conversation_id} {legacy_id}), \
requester_policy=create_end_user|admin_user";

pub const GRACE_RANGE: (i64, i64) = (0, 86_400);
pub const POLL_RANGE: (i64, i64) = (10, 3_600);

impl SettingChange {
    /// Parses `KEY=VALUE`.
    pub fn parse(assignment: &str) -> Result<SettingChange, String> {
        let (key, value) = assignment
            .split_once('=')
            .ok_or_else(|| format!("\"{assignment}\" is not KEY=VALUE. Valid keys: {KEYS}"))?;
        let key = key.trim();
        let change = match key {
            "autosave" => SettingChange::Autosave(on_off(key, value)?),
            "autosave_form_id" => SettingChange::AutosaveFormId(form_id(key, value)?),
            "escalation" => SettingChange::Escalation(on_off(key, value)?),
            "escalation_form_id" => SettingChange::EscalationFormId(form_id(key, value)?),
            "escalation_note_label" => SettingChange::EscalationNoteLabel(value.trim().to_owned()),
            "grace_seconds" => SettingChange::GraceSeconds(number(key, value)?),
            "delivery" => SettingChange::Delivery(value.parse().map_err(|e| format!("{key}: {e}"))?),
            "poll_seconds" => SettingChange::PollSeconds(number(key, value)?),
            "country" => SettingChange::Country(value.trim().to_owned()),
            "conversation_url_template" => {
                SettingChange::ConversationUrlTemplate(value.trim().to_owned())
            }
            "requester_policy" => SettingChange::RequesterPolicy(
                value.parse().map_err(|e| format!("{key}: {e}"))?,
            ),
            other => return Err(format!("unknown key \"{other}\". Valid keys: {KEYS}")),
        };
        Ok(change)
    }

    pub fn key(&self) -> &'static str {
        match self {
            SettingChange::Autosave(_) => "autosave",
            SettingChange::AutosaveFormId(_) => "autosave_form_id",
            SettingChange::Escalation(_) => "escalation",
            SettingChange::EscalationFormId(_) => "escalation_form_id",
            SettingChange::EscalationNoteLabel(_) => "escalation_note_label",
            SettingChange::GraceSeconds(_) => "grace_seconds",
            SettingChange::Delivery(_) => "delivery",
            SettingChange::PollSeconds(_) => "poll_seconds",
            SettingChange::Country(_) => "country",
            SettingChange::ConversationUrlTemplate(_) => "conversation_url_template",
            SettingChange::RequesterPolicy(_) => "requester_policy",
        }
    }

    /// Applies the change after checking its value's range or shape.
    pub fn apply(&self, settings: &mut SiteSettings) -> Result<(), String> {
        match self {
            SettingChange::Autosave(on) => settings.autosave_enabled = *on,
            SettingChange::AutosaveFormId(id) => settings.autosave_form_id = *id,
            SettingChange::Escalation(on) => settings.escalation_enabled = *on,
            SettingChange::EscalationFormId(id) => settings.escalation_form_id = *id,
            SettingChange::EscalationNoteLabel(label) => {
                if label.chars().count() > 200 {
                    return Err("escalation_note_label: keep the label under 200 characters".into());
                }
                settings.escalation_note_label = label.clone();
            }
            SettingChange::GraceSeconds(s) => {
                settings.grace_seconds = in_range("grace_seconds", *s, GRACE_RANGE)?;
            }
            SettingChange::Delivery(mode) => settings.delivery_mode = *mode,
            SettingChange::PollSeconds(s) => {
                settings.poll_seconds = in_range("poll_seconds", *s, POLL_RANGE)?;
            }
            SettingChange::Country(country) => {
                if country.chars().count() > 100 {
                    return Err("country: keep the country under 100 characters".into());
                }
                settings.country = country.clone();
            }
            SettingChange::ConversationUrlTemplate(t) => {
                settings.conversation_url_template = validate::conversation_url_template(t)
                    .map_err(|p| format!("conversation_url_template: {}", p.message))?;
            }
            SettingChange::RequesterPolicy(p) => settings.requester_policy = *p,
        }
        Ok(())
    }
}

fn on_off(key: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        other => Err(format!("{key}: \"{other}\" is not on or off")),
    }
}

fn number(key: &str, value: &str) -> Result<i64, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{key}: \"{}\" is not a whole number", value.trim()))
}

fn form_id(key: &str, value: &str) -> Result<Option<i64>, String> {
    match value.trim() {
        "" | "none" => Ok(None),
        v => match v.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Some(id)),
            _ => Err(format!(
                "{key}: \"{v}\" is not a Zendesk form id (a positive number) or none"
            )),
        },
    }
}

fn in_range(key: &str, value: i64, (min, max): (i64, i64)) -> Result<i64, String> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{key}: {value} is outside {min}..{max}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::*;
    use chrono::Utc;

    fn settings() -> SiteSettings {
        SiteSettings {
            name: "s".into(),
            platform: Platform::Ha,
            iadvize_site_id: 1,
            zendesk_domain: "https://a.zendesk.com".into(),
            zendesk_email: "a@b.co".into(),
            zendesk_auth: ZendeskAuthKind::ApiToken,
            zendesk_oauth_client_id: None,
            country: String::new(),
            start_from: chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            autosave_enabled: false,
            autosave_form_id: None,
            escalation_enabled: false,
            escalation_form_id: None,
            escalation_note_label: String::new(),
            grace_seconds: 300,
            delivery_mode: DeliveryMode::Import,
            poll_seconds: 60,
            conversation_url_template: DEFAULT_CONVERSATION_URL_TEMPLATE.into(),
            requester_policy: RequesterPolicy::CreateEndUser,
            zendesk_api_url: None,
            iadvize_api_url: None,
        }
    }

    #[test]
    fn every_key_parses_and_applies() {
        let mut s = settings();
        for a in [
            "autosave=on",
            "autosave_form_id=360001",
            "escalation=true",
            "escalation_form_id=42",
            "escalation_note_label=Summary of the request in one line",
            "grace_seconds=0",
            "delivery=create",
            "poll_seconds=30",
            "country=France",
            "conversation_url_template=https://x.example/{legacy_id}",
            "requester_policy=admin_user",
        ] {
            SettingChange::parse(a).unwrap().apply(&mut s).unwrap();
        }
        assert!(s.autosave_enabled && s.escalation_enabled);
        assert_eq!(s.autosave_form_id, Some(360001));
        assert_eq!(s.escalation_form_id, Some(42));
        assert_eq!(s.escalation_note_label, "Summary of the request in one line");
        assert_eq!((s.grace_seconds, s.poll_seconds), (0, 30));
        assert_eq!(s.delivery_mode, DeliveryMode::Create);
        assert_eq!(s.country, "France");
        assert_eq!(s.conversation_url_template, "https://x.example/{legacy_id}");
        assert_eq!(s.requester_policy, RequesterPolicy::AdminUser);
        SettingChange::parse("autosave_form_id=none").unwrap().apply(&mut s).unwrap();
        assert_eq!(s.autosave_form_id, None);
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_valid_choices() {
        let err = SettingChange::parse("colour=blue").unwrap_err();
        assert!(err.contains("Valid keys") && err.contains("grace_seconds"), "{err}");
        assert!(SettingChange::parse("autosave").unwrap_err().contains("KEY=VALUE"));
        assert!(SettingChange::parse("autosave=maybe").is_err());
        assert!(SettingChange::parse("delivery=email").unwrap_err().contains("import or create"));
        assert!(SettingChange::parse("autosave_form_id=-1").is_err());
        assert!(SettingChange::parse("grace_seconds=soon").is_err());
        let mut s = settings();
        assert!(SettingChange::parse("poll_seconds=5").unwrap().apply(&mut s).is_err());
        assert!(SettingChange::parse("grace_seconds=90000").unwrap().apply(&mut s).is_err());
        assert!(
            SettingChange::parse("conversation_url_template=https://x/")
                .unwrap()
                .apply(&mut s)
                .is_err()
        );
        assert_eq!(s, settings(), "refused changes leave the settings as they were");
    }

    #[test]
    fn deserialises_from_the_ui_shape() {
        let c: SettingChange =
            serde_json::from_value(serde_json::json!({"key": "grace_seconds", "value": 120}))
                .unwrap();
        assert_eq!(c, SettingChange::GraceSeconds(120));
    }
}
