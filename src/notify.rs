//! Desktop notifications, decided here and only displayed by the desktop shell: a site starts
//! failing, a credential stops working, the iAdvize GraphQL token is about to expire, a backfill
//! finishes. Rate-limited so that a storm of failures is one message, and each kind can be turned
//! off per site. Pure: statuses and time come in, notifications go out.

use crate::site::SiteId;
use crate::sync::engine::{SiteSyncStatus, SyncPhase};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "NotificationKind")]
pub enum Kind {
    /// The site's sync started failing.
    Failing,
    /// Zendesk or iAdvize refuses the site's credential.
    CredentialRejected,
    /// The iAdvize GraphQL token expires soon (or has expired).
    TokenExpiring,
    /// A backfill finished.
    BackfillDone,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Failing, Kind::CredentialRejected, Kind::TokenExpiring, Kind::BackfillDone];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Failing => "failing",
            Kind::CredentialRejected => "credential_rejected",
            Kind::TokenExpiring => "token_expiring",
            Kind::BackfillDone => "backfill_done",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Notification {
    pub site_id: SiteId,
    pub kind: Kind,
    pub title: String,
    pub body: String,
}

/// The same kind of notification for the same site is shown at most once per this period.
pub const QUIET_PERIOD: Duration = Duration::minutes(30);
/// Warn this long before the GraphQL token's 24 h are up.
pub const TOKEN_WARNING: Duration = Duration::hours(3);

/// Error codes that mean "the credential is refused" rather than "something failed".
fn is_credential_error(code: &str) -> bool {
    matches!(
        code,
        "zendesk.unauthorized" | "sync.zendesk_credential" | "sync.not_admin" | "iadvize.token_invalid" | "iadvize.rest_key_invalid" | "keychain.missing"
    )
}

/// Remembers what it said and when, per site and kind.
#[derive(Debug, Default)]
pub struct Notifier {
    last_phase: HashMap<SiteId, SyncPhase>,
    last_sent: HashMap<(SiteId, Kind), DateTime<Utc>>,
    /// Kinds turned off, per site.
    muted: HashMap<SiteId, Vec<Kind>>,
    /// The token (by when it was stored) each site was warned about: once per token.
    warned_token: HashMap<SiteId, DateTime<Utc>>,
}

impl Notifier {
    pub fn set_muted(&mut self, site: SiteId, kinds: Vec<Kind>) {
        self.muted.insert(site, kinds);
    }

    fn allow(&mut self, site: SiteId, kind: Kind, now: DateTime<Utc>) -> bool {
        if self.muted.get(&site).is_some_and(|m| m.contains(&kind)) {
            return false;
        }
        match self.last_sent.get(&(site, kind)) {
            Some(at) if now - *at < QUIET_PERIOD => false,
            _ => {
                self.last_sent.insert((site, kind), now);
                true
            }
        }
    }

    /// What a new status of a site calls for. `site_name` names it in the message;
    /// `token_stored_at` is when its GraphQL token was stored.
    pub fn on_status(
        &mut self,
        site_name: &str,
        status: &SiteSyncStatus,
        token_stored_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Vec<Notification> {
        let site = status.site_id;
        let mut out = Vec::new();
        let was = self.last_phase.insert(site, status.phase);
        if status.phase == SyncPhase::Failing && was != Some(SyncPhase::Failing) {
            let error = status.last_error.as_ref();
            let credential = error.is_some_and(|e| is_credential_error(&e.code));
            let kind = if credential { Kind::CredentialRejected } else { Kind::Failing };
            if self.allow(site, kind, now) {
                out.push(Notification {
                    site_id: site,
                    kind,
                    title: if credential {
                        format!("{site_name}: a credential stopped working")
                    } else {
                        format!("{site_name}: saving conversations fails")
                    },
                    body: error.map_or_else(|| "Open the app to see why.".to_owned(), |e| e.message.clone()),
                });
            }
        }
        if let Some(stored) = token_stored_at {
            let expires = stored + Duration::hours(24);
            if status.phase != SyncPhase::Off
                && expires - now <= TOKEN_WARNING
                && self.warned_token.get(&site) != Some(&stored)
                && self.allow(site, Kind::TokenExpiring, now)
            {
                self.warned_token.insert(site, stored);
                let hours = ((expires - now).num_minutes() as f64 / 60.0).ceil().max(0.0) as i64;
                out.push(Notification {
                    site_id: site,
                    kind: Kind::TokenExpiring,
                    title: format!("{site_name}: the iAdvize token expires soon"),
                    body: if hours > 0 {
                        format!("The iAdvize GraphQL token expires in about {hours} h: paste a new one in the site's settings.")
                    } else {
                        "The iAdvize GraphQL token has expired: paste a new one in the site's settings.".to_owned()
                    },
                });
            }
        }
        out
    }

    /// A backfill ended.
    pub fn on_backfill_done(&mut self, site: SiteId, site_name: &str, tickets: u64, now: DateTime<Utc>) -> Option<Notification> {
        // Each backfill's end is news: only the per-site switch applies, not the quiet period.
        if self.muted.get(&site).is_some_and(|m| m.contains(&Kind::BackfillDone)) {
            return None;
        }
        self.last_sent.insert((site, Kind::BackfillDone), now);
        Some(Notification {
            site_id: site,
            kind: Kind::BackfillDone,
            title: format!("{site_name}: backfill finished"),
            body: format!("{tickets} past conversation(s) are now in Zendesk."),
        })
    }
}

impl crate::api::Api {
    /// The notification kinds turned off for a site.
    pub fn muted_notifications(&self, site: SiteId) -> Result<Vec<Kind>, crate::error::ApiError> {
        let conn = self.store().conn();
        let mut stmt = conn.prepare_cached("SELECT kind FROM notification_mutes WHERE site_id = ?1 ORDER BY kind")?;
        let kinds = stmt
            .query_map([site], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(kinds.iter().filter_map(|k| Kind::parse(k)).collect())
    }

    /// Turns one kind of notification on or off for a site.
    pub fn set_notification(&self, site: SiteId, kind: Kind, enabled: bool) -> Result<Vec<Kind>, crate::error::ApiError> {
        self.site(&crate::site::SiteRef::Id(site))?;
        {
            let conn = self.store().conn();
            if enabled {
                conn.execute("DELETE FROM notification_mutes WHERE site_id = ?1 AND kind = ?2", rusqlite::params![site, kind.as_str()])?;
            } else {
                conn.execute(
                    "INSERT OR IGNORE INTO notification_mutes (site_id, kind) VALUES (?1, ?2)",
                    rusqlite::params![site, kind.as_str()],
                )?;
            }
        }
        self.muted_notifications(site)
    }
}

/// Everything the current sync statuses call for (the desktop calls this every few seconds and
/// shows what comes back).
pub fn collect(
    api: &crate::api::Api,
    statuses: &[SiteSyncStatus],
    notifier: &mut Notifier,
    now: DateTime<Utc>,
) -> Vec<Notification> {
    let mut out = Vec::new();
    for status in statuses {
        let Ok(site) = api.site(&crate::site::SiteRef::Id(status.site_id)) else { continue };
        if let Ok(muted) = api.muted_notifications(site.id) {
            notifier.set_muted(site.id, muted);
        }
        let token = site.secret_stored_at(crate::site::SecretKind::IadvizeGraphqlToken);
        out.extend(notifier.on_status(&site.settings.name, status, token, now));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use crate::store::ledger::StateCounts;

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z").unwrap().with_timezone(&Utc) + Duration::minutes(minutes)
    }

    fn status(phase: SyncPhase, code: Option<&str>) -> SiteSyncStatus {
        SiteSyncStatus {
            site_id: 1,
            phase,
            last_poll_at: None,
            next_poll_at: None,
            counts: StateCounts::default(),
            last_error: code.map(|c| ApiError::new(c, format!("{c} happened"))),
            rate_limit: None,
            rate_remaining: None,
        }
    }

    #[test]
    fn a_failure_storm_is_one_notification() {
        let mut n = Notifier::default();
        let mut sent = Vec::new();
        for minute in 0..20 {
            sent.extend(n.on_status("Shop", &status(SyncPhase::Failing, Some("zendesk.unavailable")), None, t(minute)));
            sent.extend(n.on_status("Shop", &status(SyncPhase::Idle, None), None, t(minute)));
        }
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].kind, Kind::Failing);
        assert!(sent[0].body.contains("zendesk.unavailable happened"));
        // After the quiet period, a new failure is news again.
        let later = n.on_status("Shop", &status(SyncPhase::Failing, Some("zendesk.unavailable")), None, t(60));
        assert_eq!(later.len(), 1);
    }

    #[test]
    fn staying_failing_says_nothing_more_and_credentials_are_named() {
        let mut n = Notifier::default();
        let first = n.on_status("Shop", &status(SyncPhase::Failing, Some("zendesk.unauthorized")), None, t(0));
        assert_eq!(first[0].kind, Kind::CredentialRejected);
        assert!(first[0].title.contains("credential"));
        assert!(n.on_status("Shop", &status(SyncPhase::Failing, Some("zendesk.unauthorized")), None, t(1)).is_empty());
    }

    #[test]
    fn the_token_warning_comes_once_within_three_hours_of_expiry() {
        let mut n = Notifier::default();
        let stored = t(0);
        assert!(n.on_status("Shop", &status(SyncPhase::Idle, None), Some(stored), t(20 * 60)).is_empty());
        let warn = n.on_status("Shop", &status(SyncPhase::Idle, None), Some(stored), t(21 * 60 + 30));
        assert_eq!(warn.len(), 1);
        assert!(warn[0].body.contains("about 3 h"), "{}", warn[0].body);
        assert!(n.on_status("Shop", &status(SyncPhase::Idle, None), Some(stored), t(22 * 60)).is_empty());
        // A site that does not sync needs no token.
        let mut off = Notifier::default();
        assert!(off.on_status("Shop", &status(SyncPhase::Off, None), Some(stored), t(23 * 60)).is_empty());
    }

    #[test]
    fn muted_kinds_stay_silent() {
        let mut n = Notifier::default();
        n.set_muted(1, vec![Kind::Failing, Kind::BackfillDone]);
        assert!(n.on_status("Shop", &status(SyncPhase::Failing, Some("zendesk.unavailable")), None, t(0)).is_empty());
        assert!(n.on_backfill_done(1, "Shop", 10, t(1)).is_none());
        let cred = n.on_status("Shop", &status(SyncPhase::Idle, None), None, t(2));
        assert!(cred.is_empty());
        assert_eq!(n.on_status("Shop", &status(SyncPhase::Failing, Some("iadvize.token_invalid")), None, t(3)).len(), 1);
    }

    #[test]
    fn kinds_round_trip_their_names() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
    }
}
