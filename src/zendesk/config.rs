//! How a [`ZendeskClient`](super::ZendeskClient) is made: base URL, credential, plan rate,
//! timeouts, retry bounds, job polling, and the timer.

use super::error::{AuthKind, ZendeskError};
use super::retry::RetryPolicy;
use super::time::{Timer, TokioTimer};
use crate::secret::Secret;
use crate::site::{SiteSettings, ZendeskAuthKind};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How the client signs in. Secrets stay in [`Secret`] and never print.
#[derive(Clone)]
pub enum ZendeskCredential {
    /// Basic auth `{email}/token:{token}`. Zendesk switches API tokens off on 2027-04-30.
    ApiToken { email: String, token: Secret },
    /// OAuth `client_credentials` grant: the client fetches and renews a bearer token.
    OauthClient {
        client_id: String,
        client_secret: Secret,
    },
}

impl ZendeskCredential {
    pub fn api_token(email: impl Into<String>, token: Secret) -> Self {
        ZendeskCredential::ApiToken {
            email: email.into(),
            token,
        }
    }

    pub fn oauth_client(client_id: impl Into<String>, client_secret: Secret) -> Self {
        ZendeskCredential::OauthClient {
            client_id: client_id.into(),
            client_secret,
        }
    }

    /// The site's credential from its settings and the secret read from the keychain (the API
    /// token or the OAuth client secret, whichever `zendesk_auth` says).
    pub fn for_site(settings: &SiteSettings, secret: Secret) -> Result<Self, ZendeskError> {
        let secret = secret.trimmed();
        match settings.zendesk_auth {
            ZendeskAuthKind::ApiToken => {
                if secret.is_blank() {
                    return Err(ZendeskError::Config(
                        "The site has no Zendesk API token: enter it in the site's settings."
                            .into(),
                    ));
                }
                Ok(ZendeskCredential::api_token(
                    settings.zendesk_email.trim(),
                    secret,
                ))
            }
            ZendeskAuthKind::OauthClient => {
                let client_id = settings
                    .zendesk_oauth_client_id
                    .as_deref()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| {
                        ZendeskError::Config(
                            "The site signs in to Zendesk with an OAuth client but has no client identifier: enter it in the site's settings.".into(),
                        )
                    })?;
                if secret.is_blank() {
                    return Err(ZendeskError::Config(
                        "The site has no Zendesk OAuth client secret: enter it in the site's settings.".into(),
                    ));
                }
                Ok(ZendeskCredential::oauth_client(client_id, secret))
            }
        }
    }

    pub fn kind(&self) -> AuthKind {
        match self {
            ZendeskCredential::ApiToken { .. } => AuthKind::ApiToken,
            ZendeskCredential::OauthClient { .. } => AuthKind::OauthClient,
        }
    }
}

impl fmt::Debug for ZendeskCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZendeskCredential::ApiToken { email, .. } => f
                .debug_struct("ApiToken")
                .field("email", email)
                .field("token", &"<redacted>")
                .finish(),
            ZendeskCredential::OauthClient { client_id, .. } => f
                .debug_struct("OauthClient")
                .field("client_id", client_id)
                .field("client_secret", &"<redacted>")
                .finish(),
        }
    }
}

/// Zendesk plans by their account-wide request limit (facts §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    /// Suite/Support Team: 200 requests per minute.
    Team,
    /// Suite Growth: 400.
    Growth,
    /// Suite/Support Professional: 400.
    Professional,
    /// Enterprise: 700.
    Enterprise,
    /// High Volume add-on or Enterprise Plus: 2,500.
    HighVolume,
}

impl Plan {
    pub fn requests_per_minute(self) -> u32 {
        match self {
            Plan::Team => 200,
            Plan::Growth | Plan::Professional => 400,
            Plan::Enterprise => 700,
            Plan::HighVolume => 2500,
        }
    }
}

/// Benchmarks and demos against the sandbox with a compressed minute: a factor (e.g. `20`)
/// that [`ZendeskConfig::new`] divides the rate-limit window, the job-poll waits and the
/// seconds Zendesk reports (`Retry-After`, `ratelimit-reset`) by, to match a sandbox started
/// with `compress_time(factor)` (a 60 s / factor window, jobs and reported seconds / factor).
/// Unset (or not a number above 0): real time. Never set it against a real Zendesk: the client
/// would pace itself that many times too fast and meet 429s.
pub const TIME_SCALE_ENV: &str = "IADVIZE_ZENDESK_TIME_SCALE";

/// The factor in [`TIME_SCALE_ENV`]'s value (1 when unset or unusable).
pub fn parse_time_scale(value: Option<&str>) -> f64 {
    value
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite() && *f > 0.0)
        .unwrap_or(1.0)
}

/// Everything a client needs. Build it with [`ZendeskConfig::new`] or
/// [`ZendeskConfig::for_site`], then adjust fields.
#[derive(Clone)]
pub struct ZendeskConfig {
    /// `https://SUB.zendesk.com`, or an override (a proxy, the sandbox). No trailing slash.
    pub base_url: String,
    pub credential: ZendeskCredential,
    /// The plan's limit, used until Zendesk's `X-Rate-Limit` header states the account's own.
    /// Default: the lowest current plan (Team, 200), so an unknown account starts gently.
    pub requests_per_minute: u32,
    /// The length of a rate-limit "minute" (the sandbox compresses it for benchmarks).
    pub rate_window: Duration,
    /// Whole request, answer included.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// Between two job-status polls in [`wait_for_job`](super::ZendeskClient::wait_for_job):
    /// the first wait, doubling up to `job_poll_interval`.
    pub job_poll_first: Duration,
    pub job_poll_interval: Duration,
    /// After this, `wait_for_job` gives up with `zendesk.job_pending`.
    pub job_wait_timeout: Duration,
    /// Time compression against a sandbox (1: real time; see [`TIME_SCALE_ENV`]): the seconds
    /// in Zendesk's headers count as 1 / `time_scale` s.
    pub time_scale: f64,
    /// OAuth tokens are renewed this long before they expire (at most half their lifetime).
    pub oauth_renew_margin: Duration,
    /// `expires_in` asked for OAuth tokens; None: the OAuth client's default.
    pub oauth_token_lifetime: Option<Duration>,
    pub user_agent: String,
    pub timer: Arc<dyn Timer>,
}

impl ZendeskConfig {
    pub fn new(
        base_url: impl Into<String>,
        credential: ZendeskCredential,
    ) -> Result<Self, ZendeskError> {
        let config = ZendeskConfig {
            base_url: normalize_base(&base_url.into())?,
            credential,
            requests_per_minute: Plan::Team.requests_per_minute(),
            rate_window: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            job_poll_first: Duration::from_millis(250),
            job_poll_interval: Duration::from_secs(2),
            job_wait_timeout: Duration::from_secs(300),
            time_scale: 1.0,
            oauth_renew_margin: Duration::from_secs(120),
            oauth_token_lifetime: None,
            user_agent: format!("iadvize-zendesk/{}", env!("CARGO_PKG_VERSION")),
            timer: Arc::new(TokioTimer),
        };
        let scale = parse_time_scale(std::env::var(TIME_SCALE_ENV).ok().as_deref());
        Ok(if scale == 1.0 {
            config
        } else {
            config.compress_time(scale)
        })
    }

    /// Divides the rate-limit window, the job-poll waits and the seconds read from Zendesk's
    /// headers by `factor` (see [`TIME_SCALE_ENV`]). Timeouts are bounds, not pace: they stay.
    pub fn compress_time(mut self, factor: f64) -> Self {
        let f = if factor.is_finite() && factor > 0.0 {
            factor
        } else {
            1.0
        };
        let scaled = |d: Duration| {
            Duration::from_secs_f64(d.as_secs_f64() / f).max(Duration::from_millis(1))
        };
        self.rate_window = scaled(self.rate_window);
        self.job_poll_first = scaled(self.job_poll_first);
        self.job_poll_interval = scaled(self.job_poll_interval);
        self.time_scale *= f;
        self
    }

    /// A duration Zendesk reported (in its seconds), in this client's time.
    pub fn reported(&self, d: Duration) -> Duration {
        if self.time_scale == 1.0 {
            d
        } else {
            d.div_f64(self.time_scale)
        }
    }

    /// The site's Zendesk: the override URL when set, else its domain.
    pub fn for_site(
        settings: &SiteSettings,
        credential: ZendeskCredential,
    ) -> Result<Self, ZendeskError> {
        let base = settings
            .zendesk_api_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(&settings.zendesk_domain);
        ZendeskConfig::new(base, credential)
    }

    pub fn plan(mut self, plan: Plan) -> Self {
        self.requests_per_minute = plan.requests_per_minute();
        self
    }

    pub fn requests_per_minute(mut self, n: u32) -> Self {
        self.requests_per_minute = n.max(1);
        self
    }

    pub fn timer(mut self, timer: Arc<dyn Timer>) -> Self {
        self.timer = timer;
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = d;
        self
    }
}

/// `https://sub.zendesk.com/` -> `https://sub.zendesk.com`; only http(s) URLs without
/// credentials, query or fragment.
fn normalize_base(raw: &str) -> Result<String, ZendeskError> {
    let bad = |why: &str| {
        ZendeskError::Config(format!(
            "The Zendesk address \"{raw}\" cannot be used ({why}): use https://yourcompany.zendesk.com."
        ))
    };
    let url = url::Url::parse(raw.trim()).map_err(|_| bad("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("not http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it contains credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it has a query or fragment"));
    }
    if url.host_str().is_none() {
        return Err(bad("no host"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

impl fmt::Debug for ZendeskConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZendeskConfig")
            .field("base_url", &self.base_url)
            .field("credential", &self.credential)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("rate_window", &self.rate_window)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base("https://acme.zendesk.com/").unwrap(),
            "https://acme.zendesk.com"
        );
        assert_eq!(
            normalize_base("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_base("https://proxy.example/zendesk/").unwrap(),
            "https://proxy.example/zendesk"
        );
        assert!(normalize_base("ftp://x").is_err());
        assert!(normalize_base("https://u:p@acme.zendesk.com").is_err());
        assert!(normalize_base("acme").is_err());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = ZendeskCredential::api_token("a@b.example", Secret::new("tok-123-secret"));
        let o = ZendeskCredential::oauth_client("cid", Secret::new("oauth-secret-456"));
        let cfg = ZendeskConfig::new("https://acme.zendesk.com", o.clone()).unwrap();
        for s in [format!("{c:?}"), format!("{o:?}"), format!("{cfg:?}")] {
            assert!(
                !s.contains("tok-123-secret") && !s.contains("oauth-secret-456"),
                "{s}"
            );
        }
        assert!(format!("{c:?}").contains("a@b.example"));
    }

    #[test]
    fn time_compression_for_sandbox_benchmarks() {
        assert_eq!(parse_time_scale(None), 1.0);
        assert_eq!(parse_time_scale(Some(" 20 ")), 20.0);
        for bad in ["", "x", "0", "-3", "NaN", "inf"] {
            assert_eq!(parse_time_scale(Some(bad)), 1.0, "{bad}");
        }
        let c = ZendeskCredential::api_token("a@b.example", Secret::new("t"));
        let cfg = ZendeskConfig::new("https://acme.zendesk.com", c).unwrap();
        let fast = cfg.clone().compress_time(20.0);
        assert_eq!(fast.rate_window, Duration::from_secs(3));
        assert_eq!(fast.job_poll_first, Duration::from_micros(12_500));
        assert_eq!(fast.job_poll_interval, Duration::from_millis(100));
        assert_eq!(fast.request_timeout, cfg.request_timeout);
        assert_eq!(
            fast.reported(Duration::from_secs(3)),
            Duration::from_millis(150)
        );
        assert_eq!(cfg.reported(Duration::from_secs(3)), Duration::from_secs(3));
        assert_eq!(
            cfg.compress_time(f64::NAN).rate_window,
            Duration::from_secs(60)
        );
    }

    #[test]
    fn plans() {
        assert_eq!(Plan::Team.requests_per_minute(), 200);
        assert_eq!(Plan::Growth.requests_per_minute(), 400);
        assert_eq!(Plan::Professional.requests_per_minute(), 400);
        assert_eq!(Plan::Enterprise.requests_per_minute(), 700);
        assert_eq!(Plan::HighVolume.requests_per_minute(), 2500);
    }
}
