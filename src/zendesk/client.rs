//! [`ZendeskClient`]: one HTTP client per Zendesk account, cheap to clone (an `Arc` inside),
//! `Send + Sync`. Every call goes through [`ZendeskClient::execute`]: rate limiter, credential,
//! request, rate-limit headers, then the retry policy ([`super::retry`]) and the error mapping.
//!
//! # Uncertain outcomes
//! When a write may have been carried out without an answer proving it (a timeout or a dropped
//! connection after sending, a 5xx other than a 503 with `Retry-After`), the error's
//! `is_uncertain()` is true. Requests that are safe to replay are retried within the bounds
//! (`POST /tickets` with the same `Idempotency-Key`, reads, updates without a comment); the
//! others (imports, `create_many`, updates adding a comment) are **not** retried after such an
//! outcome: the caller must look the ticket up by `external_id` first.

use super::auth::{Auth, CachedToken, TokenAnswer, basic_header, bearer_header, oauth_token_body};
use super::config::{ZendeskConfig, ZendeskCredential};
use super::error::{AuthKind, ErrorBody, ForbiddenReason, ZendeskError};
use super::limiter::{RateBudget, RateHeaders, RateLimiter};
use super::retry::{self, Attempt, Decision, GiveUp, Replay};
use super::stats::{Counters, EndpointKind, RequestCounts};
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The Zendesk Support API client. See the module docs for retries and uncertain outcomes.
#[derive(Clone)]
pub struct ZendeskClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub config: ZendeskConfig,
    http: reqwest::Client,
    auth: Auth,
    basic: Option<HeaderValue>,
    token_generation: AtomicU64,
    pub limiter: RateLimiter,
    pub counters: Counters,
}

/// One request, before it is sent.
pub(crate) struct Call {
    pub kind: EndpointKind,
    pub method: Method,
    /// From the base URL, starting with `/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub replay: Replay,
    pub idempotency_key: Option<String>,
    /// What the call is about, for messages ("ticket 12", "the ticket forms").
    pub what: String,
    /// For 422 on a closed ticket.
    pub ticket_id: Option<i64>,
    authenticated: bool,
}

impl Call {
    pub fn get(kind: EndpointKind, path: impl Into<String>, what: impl Into<String>) -> Call {
        Call {
            kind,
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            replay: Replay::Safe,
            idempotency_key: None,
            what: what.into(),
            ticket_id: None,
            authenticated: true,
        }
    }

    pub fn write(
        kind: EndpointKind,
        method: Method,
        path: impl Into<String>,
        body: Value,
        replay: Replay,
        what: impl Into<String>,
    ) -> Call {
        Call {
            method,
            body: Some(body),
            replay,
            ..Call::get(kind, path, what)
        }
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Call {
        self.query.push((key.to_string(), value.into()));
        self
    }

    fn writes(&self) -> bool {
        self.method != Method::GET
    }
}

/// A successful answer.
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, ZendeskError> {
        serde_json::from_slice(&self.body).map_err(|e| ZendeskError::Unexpected {
            status: self.status,
            detail: format!("cannot read {what}: {e}"),
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

enum Sent {
    Answer(Reply),
    Failed(Attempt, String),
}

impl ZendeskClient {
    pub fn new(config: ZendeskConfig) -> Result<ZendeskClient, ZendeskError> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| ZendeskError::Config(format!("cannot build the HTTP client: {e}")))?;
        let basic = match &config.credential {
            ZendeskCredential::ApiToken { email, token } => Some(basic_header(email, token)),
            ZendeskCredential::OauthClient { .. } => None,
        };
        let limiter = RateLimiter::new(
            config.requests_per_minute,
            config.rate_window,
            config.timer.clone(),
        );
        Ok(ZendeskClient {
            inner: Arc::new(Inner {
                auth: Auth::new(config.credential.clone()),
                basic,
                token_generation: AtomicU64::new(0),
                limiter,
                counters: Counters::default(),
                http,
                config,
            }),
        })
    }

    /// The one way in for the rest of the app: a site's settings and its credential.
    pub fn for_site(
        settings: &crate::site::SiteSettings,
        credential: ZendeskCredential,
    ) -> Result<ZendeskClient, ZendeskError> {
        ZendeskClient::new(ZendeskConfig::for_site(settings, credential)?)
    }

    pub fn base_url(&self) -> &str {
        &self.inner.config.base_url
    }

    pub fn config(&self) -> &ZendeskConfig {
        &self.inner.config
    }

    pub fn auth_kind(&self) -> AuthKind {
        self.inner.config.credential.kind()
    }

    /// The rate-limit budget as last seen (for the UI's "budget left").
    pub fn rate_budget(&self) -> RateBudget {
        self.inner.limiter.snapshot()
    }

    /// Requests sent so far, per endpoint kind (for benchmarks).
    pub fn request_counts(&self) -> RequestCounts {
        self.inner.counters.snapshot()
    }

    pub fn reset_request_counts(&self) {
        self.inner.counters.reset();
    }

    fn timer(&self) -> &dyn super::time::Timer {
        self.inner.config.timer.as_ref()
    }

    /// The `Authorization` value, fetching an OAuth token when none is fresh. Returns the
    /// token's generation so a 401 can invalidate exactly that token.
    async fn authorization(&self) -> Result<(HeaderValue, Option<u64>), ZendeskError> {
        if let Some(b) = &self.inner.basic {
            return Ok((b.clone(), None));
        }
        let mut cached = self.inner.auth.token.lock().await;
        let now = self.timer().now();
        if let Some(t) = cached.as_ref().filter(|t| t.fresh(now)) {
            let header = bearer_header(&t.token).ok_or_else(bad_token)?;
            return Ok((header, Some(t.generation)));
        }
        let answer = self.fetch_token().await?;
        let generation = self.inner.token_generation.fetch_add(1, Ordering::SeqCst) + 1;
        let token = CachedToken::new(
            answer,
            self.timer().now(),
            self.inner.config.oauth_renew_margin,
            generation,
        );
        let header = bearer_header(&token.token).ok_or_else(bad_token)?;
        *cached = Some(token);
        tracing::debug!(generation, "zendesk: new OAuth token");
        Ok((header, Some(generation)))
    }

    /// Forgets the token of this generation (not a newer one another task already fetched).
    async fn invalidate_token(&self, generation: u64) {
        let mut cached = self.inner.auth.token.lock().await;
        if cached.as_ref().is_some_and(|t| t.generation == generation) {
            *cached = None;
        }
    }

    fn fetch_token(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<TokenAnswer, ZendeskError>> + Send + '_>> {
        Box::pin(async move {
            let ZendeskCredential::OauthClient {
                client_id,
                client_secret,
            } = &self.inner.auth.credential
            else {
                return Err(ZendeskError::Config("no OAuth client".into()));
            };
            let body = oauth_token_body(
                client_id,
                client_secret,
                self.inner.config.oauth_token_lifetime,
            );
            let mut call = Call::write(
                EndpointKind::OauthToken,
                Method::POST,
                "/oauth/tokens",
                body,
                Replay::Safe,
                "get an OAuth token",
            );
            call.authenticated = false;
            let reply = self.execute(call).await?;
            reply.json::<TokenAnswer>("the OAuth token")
        })
    }

    /// Sends a call with the rate limiter, the credential and the retry policy.
    pub(crate) async fn execute(&self, call: Call) -> Result<Reply, ZendeskError> {
        let policy = &self.inner.config.retry;
        let started = self.timer().now();
        let body = call
            .body
            .as_ref()
            .map(|b| serde_json::to_vec(b).expect("a JSON value always serialises"));
        let mut attempts: u32 = 0;
        let mut renewed = false;
        let mut maybe_processed = false;
        let mut retry = false;
        loop {
            attempts += 1;
            let (auth, generation) = if call.authenticated {
                let (h, g) = self.authorization().await?;
                (Some(h), g)
            } else {
                (None, None)
            };
            let permit = self.inner.limiter.acquire(call.kind).await;
            self.inner.counters.throttled(permit.waited);
            self.inner.counters.sent(call.kind, retry);
            let sent = self.send_once(&call, body.as_deref(), auth).await;
            if let Sent::Answer(reply) = &sent {
                self.inner.limiter.observe(
                    call.kind,
                    &RateHeaders::parse(&reply.headers)
                        .map_durations(|d| self.inner.config.reported(d)),
                );
            }
            drop(permit);
            retry = true;

            let (attempt, reply, transport) = match sent {
                Sent::Answer(reply) if (200..300).contains(&reply.status) => {
                    tracing::debug!(kind = %call.kind, status = reply.status, attempts, "zendesk call done");
                    return Ok(reply);
                }
                Sent::Answer(reply) => {
                    if reply.status == 401
                        && !renewed
                        && let Some(g) = generation
                    {
                        // One renewal of the OAuth token, then the same request again: a 401
                        // means Zendesk did not carry it out.
                        renewed = true;
                        attempts -= 1;
                        tracing::info!(kind = %call.kind, "zendesk: OAuth token refused, renewing it");
                        self.invalidate_token(g).await;
                        continue;
                    }
                    let retry_after = retry::retry_after(
                        reply.status,
                        reply.header("retry-after"),
                        self.timer().wall_now(),
                    )
                    .map(|d| self.inner.config.reported(d));
                    if reply.status == 429 {
                        self.inner.counters.rate_limited();
                    }
                    let attempt = Attempt::Status {
                        status: reply.status,
                        retry_after,
                    };
                    (attempt, Some(reply), None)
                }
                Sent::Failed(attempt, detail) => (attempt, None, Some(detail)),
            };
            maybe_processed |= call.writes() && may_have_been_processed(&attempt);
            let elapsed = self.timer().now().saturating_duration_since(started);
            let decision = retry::decide(
                policy,
                call.replay,
                &attempt,
                attempts,
                elapsed,
                rand::random::<f64>(),
            );
            match decision {
                Decision::RetryAfter(wait) => {
                    tracing::warn!(kind = %call.kind, ?attempt, attempts, wait_ms = wait.as_millis() as u64, "zendesk call failed, retrying");
                    let too_many_jobs = reply.as_ref().is_some_and(|r| {
                        r.status == 429
                            && ErrorBody::parse(&r.body).error.as_deref() == Some("TooManyJobs")
                    });
                    if let Attempt::Status {
                        retry_after: Some(after),
                        ..
                    } = attempt
                        && !too_many_jobs
                    {
                        // Everyone waits: the limiter holds every task of this client.
                        self.inner.limiter.pause_for(after);
                    } else {
                        self.inner.counters.throttled(wait);
                        self.timer().sleep(wait).await;
                    }
                }
                Decision::GiveUp(why) => {
                    tracing::warn!(kind = %call.kind, ?attempt, attempts, ?why, "zendesk call failed");
                    let uncertain = maybe_processed && !matches!(why, GiveUp::Permanent);
                    return Err(match (reply, transport) {
                        (Some(reply), _) => self.error_from(&call, &reply, uncertain),
                        (None, detail) => transport_error(&attempt, detail, uncertain),
                    });
                }
            }
        }
    }

    async fn send_once(&self, call: &Call, body: Option<&[u8]>, auth: Option<HeaderValue>) -> Sent {
        let url = format!("{}{}", self.inner.config.base_url, call.path);
        let mut rb = self
            .inner
            .http
            .request(call.method.clone(), url)
            .header(ACCEPT, "application/json");
        if !call.query.is_empty() {
            rb = rb.query(&call.query);
        }
        if let Some(b) = body {
            rb = rb.header(CONTENT_TYPE, "application/json").body(b.to_vec());
        }
        if let Some(k) = &call.idempotency_key {
            rb = rb.header("Idempotency-Key", k.as_str());
        }
        if let Some(a) = auth {
            rb = rb.header(AUTHORIZATION, a);
        }
        let response = match rb.send().await {
            Ok(r) => r,
            Err(e) => return classify_transport(&e),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        match response.bytes().await {
            Ok(bytes) => Sent::Answer(Reply {
                status,
                headers,
                body: bytes.to_vec(),
            }),
            Err(e) if e.is_timeout() => Sent::Failed(Attempt::TimedOut, describe(&e)),
            Err(e) => Sent::Failed(Attempt::Interrupted, describe(&e)),
        }
    }

    fn error_from(&self, call: &Call, reply: &Reply, uncertain: bool) -> ZendeskError {
        let body = ErrorBody::parse(&reply.body);
        let retry_after = retry::retry_after(
            reply.status,
            reply.header("retry-after"),
            self.timer().wall_now(),
        )
        .map(|d| self.inner.config.reported(d));
        let error = body.error.as_deref().unwrap_or("");
        match reply.status {
            401 => ZendeskError::Unauthorized {
                auth: self.auth_kind(),
                email: match &self.inner.config.credential {
                    ZendeskCredential::ApiToken { email, .. } => Some(email.clone()),
                    ZendeskCredential::OauthClient { .. } => None,
                },
            },
            403 => {
                let text = body.description.clone().unwrap_or_default();
                let reason = match text.split_once("missing the following required scopes") {
                    Some((_, scopes)) => ForbiddenReason::MissingScope {
                        scopes: scopes.trim_start_matches(':').trim().to_string(),
                    },
                    None => ForbiddenReason::Permission,
                };
                ZendeskError::Forbidden {
                    reason,
                    what: call.what.clone(),
                    zendesk: body.summary(),
                }
            }
            404 => ZendeskError::NotFound {
                what: call.what.clone(),
            },
            409 => ZendeskError::Conflict {
                zendesk: body.summary(),
            },
            422 if is_closed_ticket(&body) => ZendeskError::ClosedTicket {
                ticket_id: call.ticket_id.unwrap_or_default(),
                details: body.details,
            },
            422 => ZendeskError::Invalid {
                description: body
                    .description
                    .clone()
                    .or(body.error.clone())
                    .or(body.text.clone())
                    .unwrap_or_else(|| "invalid".into()),
                details: body.details,
            },
            400 if error == "IdempotentRequestError" => ZendeskError::IdempotencyMismatch,
            400 if call.kind == EndpointKind::OauthToken && error == "invalid_client" => {
                ZendeskError::Unauthorized {
                    auth: AuthKind::OauthClient,
                    email: None,
                }
            }
            400 | 413 => ZendeskError::BadRequest {
                zendesk: body.summary(),
            },
            429 if error == "TooManyJobs" => ZendeskError::TooManyJobs {
                current_job_ids: body.current_job_ids,
                retry_after,
            },
            429 => ZendeskError::RateLimited { retry_after },
            s if s >= 500 => ZendeskError::Unavailable {
                status: s,
                retry_after,
                uncertain,
            },
            s => ZendeskError::Unexpected {
                status: s,
                detail: body.summary(),
            },
        }
    }

    /// GET and parse.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<T, ZendeskError> {
        let what = call.what.clone();
        self.execute(call).await?.json(&what)
    }

    /// Every record under `key`, across all pages. The first request asks for cursor pages of
    /// 100 (`page[size]=100`) and follows `meta.after_cursor` while `meta.has_more`; an endpoint
    /// that answers offset pages instead (`next_page`) is followed with `page`/`per_page`.
    /// Next-page URLs are not followed as given, so an override base URL (a proxy) is kept.
    pub(crate) async fn all_pages<T: DeserializeOwned>(
        &self,
        base: Call,
        key: &str,
    ) -> Result<Vec<T>, ZendeskError> {
        const MAX_PAGES: usize = 1000;
        let mut out: Vec<T> = Vec::new();
        let mut paging: Vec<(String, String)> = vec![("page[size]".into(), "100".into())];
        let mut offset_page = 1u32;
        let mut last_cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut call = Call {
                kind: base.kind,
                method: base.method.clone(),
                path: base.path.clone(),
                query: base.query.clone(),
                body: None,
                replay: base.replay,
                idempotency_key: None,
                what: base.what.clone(),
                ticket_id: base.ticket_id,
                authenticated: base.authenticated,
            };
            call.query.extend(paging.iter().cloned());
            let what = call.what.clone();
            let mut page: Value = self.execute(call).await?.json(&what)?;
            let items = page.get_mut(key).map(Value::take).unwrap_or(Value::Null);
            let items: Vec<T> = match items {
                Value::Null => Vec::new(),
                v => serde_json::from_value(v).map_err(|e| ZendeskError::Unexpected {
                    status: 200,
                    detail: format!("cannot read {what}: {e}"),
                })?,
            };
            out.extend(items);
            if let Some(meta) = page.get("meta").filter(|m| m.get("has_more").is_some()) {
                let more = meta["has_more"].as_bool().unwrap_or(false);
                let cursor = meta["after_cursor"].as_str().map(str::to_string);
                match cursor {
                    Some(c) if more && last_cursor.as_ref() != Some(&c) => {
                        paging = vec![
                            ("page[size]".into(), "100".into()),
                            ("page[after]".into(), c.clone()),
                        ];
                        last_cursor = Some(c);
                        continue;
                    }
                    _ => return Ok(out),
                }
            }
            if page.get("next_page").and_then(Value::as_str).is_some() {
                offset_page += 1;
                paging = vec![
                    ("page".into(), offset_page.to_string()),
                    ("per_page".into(), "100".into()),
                ];
                continue;
            }
            return Ok(out);
        }
        Ok(out)
    }
}

fn bad_token() -> ZendeskError {
    ZendeskError::Unexpected {
        status: 201,
        detail: "the OAuth token is not usable in a header".into(),
    }
}

/// Could Zendesk have carried out a request that ended this way?
fn may_have_been_processed(a: &Attempt) -> bool {
    match *a {
        Attempt::NotSent => false,
        Attempt::TimedOut | Attempt::Interrupted => true,
        Attempt::Status {
            status: 503,
            retry_after: Some(_),
        } => false,
        Attempt::Status { status, .. } => status >= 500,
    }
}

/// 422 `details.status[].description = "Status: closed prevents ticket update"`.
fn is_closed_ticket(body: &ErrorBody) -> bool {
    body.details.values().flatten().any(|d| {
        d.description.as_deref().is_some_and(|t| {
            t.to_ascii_lowercase()
                .contains("closed prevents ticket update")
        })
    })
}

fn describe(e: &reqwest::Error) -> String {
    // Without the URL (it carries queries such as e-mail addresses) and never headers.
    let mut text = format!("{}", ReqwestNoUrl(e));
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

struct ReqwestNoUrl<'a>(&'a reqwest::Error);

impl std::fmt::Display for ReqwestNoUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = self.0;
        f.write_str(if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "connection failed"
        } else if e.is_body() {
            "reading the answer failed"
        } else if e.is_request() {
            "sending the request failed"
        } else {
            "HTTP error"
        })
    }
}

fn classify_transport(e: &reqwest::Error) -> Sent {
    let attempt = if e.is_connect() {
        Attempt::NotSent
    } else if e.is_timeout() {
        Attempt::TimedOut
    } else if e.is_builder() {
        return Sent::Failed(
            Attempt::Status {
                status: 0,
                retry_after: None,
            },
            describe(e),
        );
    } else {
        Attempt::Interrupted
    };
    Sent::Failed(attempt, describe(e))
}

fn transport_error(attempt: &Attempt, detail: Option<String>, uncertain: bool) -> ZendeskError {
    let detail = detail.unwrap_or_default();
    match attempt {
        Attempt::TimedOut => ZendeskError::Timeout { uncertain },
        Attempt::Status { status: 0, .. } => ZendeskError::Config(format!(
            "The Zendesk address in the site's settings cannot be used ({detail})."
        )),
        _ => ZendeskError::Network { detail, uncertain },
    }
}

impl std::fmt::Debug for ZendeskClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZendeskClient")
            .field("base_url", &self.inner.config.base_url)
            .field("credential", &self.inner.config.credential)
            .finish_non_exhaustive()
    }
}

/// Between two job polls.
pub(crate) fn poll_interval(client: &ZendeskClient) -> Duration {
    client.inner.config.job_poll_interval
}

const _: fn() = || {
    fn send_sync<T: Send + Sync + Clone + 'static>() {}
    send_sync::<ZendeskClient>();
};
