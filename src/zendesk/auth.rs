//! Credentials on the wire: the basic-auth header of an API token, and the OAuth
//! `client_credentials` token cache (fetched on first use, renewed before it expires and once
//! after a 401). Header values are marked sensitive; tokens live in [`Secret`].

use super::config::ZendeskCredential;
use crate::secret::Secret;
use base64::Engine;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;

/// `Authorization: Basic base64("{email}/token:{token}")`.
pub(crate) fn basic_header(email: &str, token: &Secret) -> HeaderValue {
    let raw = format!("{email}/token:{}", token.expose());
    let mut v = HeaderValue::from_str(&format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    ))
    .expect("base64 is a valid header value");
    v.set_sensitive(true);
    v
}

pub(crate) fn bearer_header(token: &Secret) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose())).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// Body of `POST /oauth/tokens` (the OpenAPI document declares no schema for it; the keys are
/// those of its description). Holds the client secret: build it only to send it.
#[doc(hidden)]
pub fn oauth_token_body(
    client_id: &str,
    client_secret: &Secret,
    lifetime: Option<Duration>,
) -> Value {
    let mut body = json!({
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret.expose(),
        "scope": "read write",
    });
    if let Some(l) = lifetime {
        // Zendesk accepts more than 300 and less than 172,800 seconds.
        body["expires_in"] = json!(l.as_secs().clamp(301, 172_799));
    }
    body
}

#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

pub(crate) struct CachedToken {
    pub token: Secret,
    /// When to fetch a new one without waiting for a 401 (None: the token does not expire).
    pub renew_at: Option<Instant>,
    pub generation: u64,
}

impl CachedToken {
    pub fn new(answer: TokenAnswer, now: Instant, margin: Duration, generation: u64) -> Self {
        let renew_at = answer.expires_in.map(|secs| {
            let life = Duration::from_secs(secs);
            now + life - margin.min(life / 2)
        });
        CachedToken {
            token: Secret::new(answer.access_token),
            renew_at,
            generation,
        }
    }

    pub fn fresh(&self, now: Instant) -> bool {
        self.renew_at.is_none_or(|r| now < r)
    }
}

/// The credential and, for OAuth, the cached token.
pub(crate) struct Auth {
    pub credential: ZendeskCredential,
    pub token: tokio::sync::Mutex<Option<CachedToken>>,
}

impl Auth {
    pub fn new(credential: ZendeskCredential) -> Self {
        Auth {
            credential,
            token: tokio::sync::Mutex::new(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_is_email_slash_token() {
        let h = basic_header("admin@x.example", &Secret::new("abc"));
        assert!(h.is_sensitive());
        let b64 = h.to_str().unwrap().strip_prefix("Basic ").unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(raw, b"admin@x.example/token:abc");
    }

    #[test]
    fn tokens_renew_with_a_margin() {
        let now = Instant::now();
        let t = CachedToken::new(
            TokenAnswer {
                access_token: "t".into(),
                expires_in: Some(1800),
            },
            now,
            Duration::from_secs(120),
            1,
        );
        assert!(t.fresh(now + Duration::from_secs(1679)));
        assert!(!t.fresh(now + Duration::from_secs(1680)));
        // A short lifetime renews at half of it at the latest.
        let t = CachedToken::new(
            TokenAnswer {
                access_token: "t".into(),
                expires_in: Some(200),
            },
            now,
            Duration::from_secs(120),
            1,
        );
        assert!(!t.fresh(now + Duration::from_secs(100)));
        let t = CachedToken::new(
            TokenAnswer {
                access_token: "t".into(),
                expires_in: None,
            },
            now,
            Duration::from_secs(120),
            1,
        );
        assert!(t.fresh(now + Duration::from_secs(10_000_000)));
    }

    #[test]
    fn token_body_asks_for_read_write() {
        let b = oauth_token_body("cid", &Secret::new("s"), Some(Duration::from_secs(60)));
        assert_eq!(b["grant_type"], "client_credentials");
        assert_eq!(b["scope"], "read write");
        assert_eq!(b["expires_in"], 301);
        assert!(
            oauth_token_body("cid", &Secret::new("s"), None)
                .get("expires_in")
                .is_none()
        );
    }
}
