//! The health of an iAdvize GraphQL token. A pasted token is a bearer token that dies 24 h
//! after it was issued (facts sheet §3); iAdvize offers no refresh. The app cannot know when
//! it was issued, only when the admin stored it, so the time left is an upper bound.

use crate::site::{SecretKind, Site};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use ts_rs::TS;

/// Lifetime of an iAdvize GraphQL token.
pub const TOKEN_LIFETIME_HOURS: i64 = 24;

/// From how long before expiry the UI warns.
pub const TOKEN_WARN_BEFORE_HOURS: i64 = 3;

/// What `GET /_authenticated` says of the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export, rename = "IadvizeTokenHealth")]
pub enum TokenHealth {
    /// `{"authenticated": true}`.
    Valid,
    /// `{"error": "invalid_token"}`: expired or wrong; a new token must be pasted.
    Invalid { message: String },
    /// No verdict: iAdvize could not be reached (network, timeout, 5xx, odd answer).
    Unreachable { code: String, message: String },
}

/// Where a stored token stands in its 24 h.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "IadvizeTokenLifeState")]
pub enum TokenLifeState {
    /// More than [`TOKEN_WARN_BEFORE_HOURS`] left.
    Fresh,
    /// Less than that left: paste a new token soon.
    ExpiresSoon,
    /// Past 24 h since it was stored.
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "IadvizeTokenLife")]
pub struct TokenLife {
    #[ts(type = "string")]
    pub stored_at: DateTime<Utc>,
    /// `stored_at` + 24 h (the token may have been issued earlier, so it may die sooner).
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
    /// Whole seconds left: 0 once expired, never more than 24 h (a clock set back).
    pub remaining_seconds: i64,
    pub state: TokenLifeState,
}

/// How long is left of a token's 24 h, given when it was stored and now.
pub fn token_life(stored_at: DateTime<Utc>, now: DateTime<Utc>) -> TokenLife {
    let expires_at = stored_at + Duration::hours(TOKEN_LIFETIME_HOURS);
    let remaining = (expires_at - now)
        .num_seconds()
        .clamp(0, TOKEN_LIFETIME_HOURS * 3600);
    let state = if now >= expires_at {
        TokenLifeState::Expired
    } else if expires_at - now <= Duration::hours(TOKEN_WARN_BEFORE_HOURS) {
        TokenLifeState::ExpiresSoon
    } else {
        TokenLifeState::Fresh
    };
    TokenLife {
        stored_at,
        expires_at,
        remaining_seconds: remaining,
        state,
    }
}

/// [`token_life`] of a site's stored GraphQL token; None when no token is stored.
pub fn site_token_life(site: &Site, now: DateTime<Utc>) -> Option<TokenLife> {
    site.secret_stored_at(SecretKind::IadvizeGraphqlToken)
        .map(|stored_at| token_life(stored_at, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_of_24_hours() {
        let stored = DateTime::parse_from_rfc3339("2026-11-26T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at =
            |h: i64, m: i64| token_life(stored, stored + Duration::hours(h) + Duration::minutes(m));
        let l = at(0, 0);
        assert_eq!(l.remaining_seconds, 86_400);
        assert_eq!(l.state, TokenLifeState::Fresh);
        assert_eq!(l.expires_at.to_rfc3339(), "2026-11-27T08:00:00+00:00");
        assert_eq!(at(20, 59).state, TokenLifeState::Fresh);
        assert_eq!(at(21, 0).state, TokenLifeState::ExpiresSoon);
        assert_eq!(at(23, 30).remaining_seconds, 1800);
        let gone = at(24, 0);
        assert_eq!(gone.state, TokenLifeState::Expired);
        assert_eq!(gone.remaining_seconds, 0);
        assert_eq!(at(48, 0).remaining_seconds, 0);
        // A clock behind the storing time: still the full lifetime, not more.
        assert_eq!(at(-1, 0).remaining_seconds, 86_400);
        assert_eq!(
            serde_json::to_value(gone).unwrap()["state"],
            serde_json::json!("expired")
        );
    }
}
