//! The client-side rate limiter: the app slows down before Zendesk answers 429.
//!
//! Three gates, checked in order before each request:
//! 1. a pause set by a 429 (or 503) `Retry-After`, shared by every task of the client;
//! 2. the account's budget as Zendesk last reported it (`X-Rate-Limit-Remaining` /
//!    `ratelimit-remaining`, `ratelimit-reset`), counted down locally for each request sent and
//!    corrected for requests still in flight: when it reaches the reserve, wait for the reset.
//!    The budget is shared with every other integration on the account, which only the headers
//!    reveal. Endpoint buckets (`zendesk-ratelimit-<name>: total=..; remaining=..; resets=..`)
//!    gate requests of the same endpoint kind the same way;
//! 3. a token bucket at the plan's rate (requests per window, the window being a minute), with
//!    a burst of a quarter of it, so requests are spread over the window instead of spent at
//!    once. `X-Rate-Limit` / `ratelimit-limit` replace the plan's figure when Zendesk states it.
//!
//! [`LimiterCore`] is the pure part (time comes in as an argument); [`RateLimiter`] wraps it
//! with a mutex and the client's [`Timer`](super::time::Timer).

use super::stats::EndpointKind;
use super::time::Timer;
use reqwest::header::HeaderMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// What Zendesk's rate-limit headers said on one response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateHeaders {
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    pub reset: Option<Duration>,
    /// `zendesk-ratelimit-<name>` buckets: (name, total, remaining, resets).
    pub buckets: Vec<(String, u32, u32, Duration)>,
}

impl RateHeaders {
    pub fn parse(headers: &HeaderMap) -> RateHeaders {
        let num = |name: &str| -> Option<u32> {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|s| s.trim().parse::<u32>().ok())
        };
        let mut out = RateHeaders {
            limit: num("x-rate-limit").or_else(|| num("ratelimit-limit")),
            remaining: num("x-rate-limit-remaining").or_else(|| num("ratelimit-remaining")),
            reset: num("ratelimit-reset").map(|s| Duration::from_secs(u64::from(s))),
            buckets: Vec::new(),
        };
        for (name, value) in headers {
            let Some(bucket) = name.as_str().strip_prefix("zendesk-ratelimit-") else {
                continue;
            };
            if let Some(parsed) = value.to_str().ok().and_then(parse_bucket) {
                out.buckets
                    .push((bucket.to_string(), parsed.0, parsed.1, parsed.2));
            }
        }
        out
    }
}

impl RateHeaders {
    /// The same figures with durations mapped by `f` (reported seconds to the client's time).
    pub fn map_durations(mut self, f: impl Fn(Duration) -> Duration) -> RateHeaders {
        self.reset = self.reset.map(&f);
        for b in &mut self.buckets {
            b.3 = f(b.3);
        }
        self
    }
}

/// `total=100; remaining=99; resets=10`
fn parse_bucket(s: &str) -> Option<(u32, u32, Duration)> {
    let mut total = None;
    let mut remaining = None;
    let mut resets = None;
    for part in s.split([';', ',']) {
        let (k, v) = part.split_once('=')?;
        let v = v.trim().parse::<u64>().ok()?;
        match k.trim() {
            "total" => total = Some(v as u32),
            "remaining" => remaining = Some(v as u32),
            "resets" => resets = Some(Duration::from_secs(v)),
            _ => {}
        }
    }
    Some((
        total?,
        remaining?,
        resets.unwrap_or(Duration::from_secs(60)),
    ))
}

/// The budget as the UI shows it ("rate-limit budget left").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateBudget {
    /// Requests per window (the plan's figure until Zendesk states its own).
    pub limit: u32,
    /// What Zendesk last reported, minus what was sent since; None when unknown or reset.
    pub remaining: Option<u32>,
    /// Seconds until the reported budget resets.
    pub reset_in_secs: Option<u64>,
    /// Seconds the client still waits because of a 429 `Retry-After`.
    pub paused_for_secs: Option<u64>,
    pub in_flight: u32,
    pub endpoints: Vec<EndpointBudget>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointBudget {
    pub name: String,
    pub total: u32,
    pub remaining: u32,
    pub reset_in_secs: u64,
}

#[derive(Debug, Clone)]
struct Budget {
    remaining: u32,
    reset_at: Instant,
}

#[derive(Debug, Clone)]
struct Bucket {
    kind: EndpointKind,
    total: u32,
    budget: Budget,
}

/// The limiter's state and rules, without locking or sleeping.
#[derive(Debug, Clone)]
pub struct LimiterCore {
    window: Duration,
    limit: u32,
    /// Requests kept back from the reported budget (for other work, and for estimates).
    reserve: u32,
    tokens: f64,
    refilled_at: Instant,
    account: Option<Budget>,
    buckets: BTreeMap<String, Bucket>,
    paused_until: Option<Instant>,
    in_flight: u32,
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000) as u64
}

impl LimiterCore {
    pub fn new(limit: u32, window: Duration, now: Instant) -> LimiterCore {
        let mut core = LimiterCore {
            window: window.max(Duration::from_millis(1)),
            limit: limit.max(1),
            reserve: 1,
            tokens: 0.0,
            refilled_at: now,
            account: None,
            buckets: BTreeMap::new(),
            paused_until: None,
            in_flight: 0,
        };
        core.tokens = core.capacity();
        core
    }

    /// Requests kept back from the reported budget (default 1).
    pub fn with_reserve(mut self, reserve: u32) -> Self {
        self.reserve = reserve;
        self
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    fn capacity(&self) -> f64 {
        (f64::from(self.limit) / 4.0).max(1.0)
    }

    fn rate_per_sec(&self) -> f64 {
        f64::from(self.limit) / self.window.as_secs_f64()
    }

    fn refill(&mut self, now: Instant) {
        let dt = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + dt * self.rate_per_sec()).min(self.capacity());
        self.refilled_at = now;
    }

    /// Takes a permit for a request of `kind` (`Ok`), or says how long to wait before asking
    /// again (`Err`). A taken permit must be given back with [`release`](Self::release) once
    /// the answer (or the failure) is in.
    pub fn try_acquire(&mut self, now: Instant, kind: EndpointKind) -> Result<(), Duration> {
        if let Some(until) = self.paused_until {
            if now < until {
                return Err(until - now);
            }
            self.paused_until = None;
        }
        if let Some(b) = &self.account {
            if now >= b.reset_at {
                self.account = None;
            } else if b.remaining <= self.reserve {
                return Err(b.reset_at - now);
            }
        }
        self.buckets.retain(|_, b| now < b.budget.reset_at);
        if let Some(b) = self
            .buckets
            .iter()
            .filter(|(name, b)| b.kind == kind && gates(name))
            .map(|(_, b)| &b.budget)
            .find(|b| b.remaining == 0)
        {
            return Err(b.reset_at - now);
        }
        self.refill(now);
        if self.tokens < 1.0 {
            let secs = (1.0 - self.tokens) / self.rate_per_sec();
            return Err(Duration::from_secs_f64(secs).max(Duration::from_millis(1)));
        }
        self.tokens -= 1.0;
        if let Some(b) = &mut self.account {
            b.remaining = b.remaining.saturating_sub(1);
        }
        for (name, b) in self.buckets.iter_mut() {
            if b.kind == kind && gates(name) {
                b.budget.remaining = b.budget.remaining.saturating_sub(1);
            }
        }
        self.in_flight += 1;
        Ok(())
    }

    pub fn release(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Learns from a response's headers (call before [`release`](Self::release) for it).
    pub fn observe(&mut self, now: Instant, kind: EndpointKind, h: &RateHeaders) {
        if let Some(limit) = h.limit.filter(|l| *l > 0)
            && limit != self.limit
        {
            self.refill(now);
            self.limit = limit;
            self.tokens = self.tokens.min(self.capacity());
        }
        // Requests sent after this one may already have been counted by Zendesk.
        let others = self.in_flight.saturating_sub(1);
        if let Some(remaining) = h.remaining {
            let reset_at = now + h.reset.unwrap_or(self.window);
            let estimate = remaining.saturating_sub(others);
            self.account = Some(merge(
                self.account.take(),
                estimate,
                reset_at,
                now,
                self.window,
            ));
        }
        for (name, total, remaining, resets) in &h.buckets {
            let reset_at = now + *resets;
            let estimate = remaining.saturating_sub(others);
            let previous = self.buckets.remove(name).map(|b| b.budget);
            self.buckets.insert(
                name.clone(),
                Bucket {
                    kind,
                    total: *total,
                    budget: merge(previous, estimate, reset_at, now, self.window),
                },
            );
        }
    }

    /// Nobody sends before `until` (a 429's `Retry-After`).
    pub fn pause_until(&mut self, until: Instant) {
        if self.paused_until.is_none_or(|p| p < until) {
            self.paused_until = Some(until);
        }
        // Whatever the headers said no longer holds; the next answer tells again.
        self.account = None;
    }

    pub fn snapshot(&self, now: Instant) -> RateBudget {
        let account = self.account.as_ref().filter(|b| now < b.reset_at);
        RateBudget {
            limit: self.limit,
            remaining: account.map(|b| b.remaining),
            reset_in_secs: account.map(|b| ceil_secs(b.reset_at - now)),
            paused_for_secs: self
                .paused_until
                .filter(|p| now < *p)
                .map(|p| ceil_secs(p - now)),
            in_flight: self.in_flight,
            endpoints: self
                .buckets
                .iter()
                .filter(|(_, b)| now < b.budget.reset_at)
                .map(|(name, b)| EndpointBudget {
                    name: name.clone(),
                    total: b.total,
                    remaining: b.budget.remaining,
                    reset_in_secs: ceil_secs(b.budget.reset_at - now),
                })
                .collect(),
        }
    }
}

/// Per-user buckets (e.g. "30 updates per 10 minutes per user per ticket") belong to one
/// ticket, not to the endpoint: they are shown, not used as a gate for other tickets.
fn gates(bucket: &str) -> bool {
    !bucket.ends_with("-user")
}

/// Answers arrive out of order: within the same window keep the lower figure. Reset times
/// are whole reported seconds (a sixtieth of the window), hence the tolerance.
fn merge(
    previous: Option<Budget>,
    remaining: u32,
    reset_at: Instant,
    now: Instant,
    window: Duration,
) -> Budget {
    let second = window / 60;
    match previous {
        Some(p) if now < p.reset_at && reset_at <= p.reset_at + second => Budget {
            remaining: remaining.min(p.remaining),
            reset_at: p.reset_at.max(reset_at),
        },
        _ => Budget {
            remaining,
            reset_at,
        },
    }
}

/// [`LimiterCore`] behind a mutex, waiting on the client's timer.
pub struct RateLimiter {
    core: Mutex<LimiterCore>,
    timer: Arc<dyn Timer>,
}

/// A taken permit; dropping it marks the request as no longer in flight.
pub struct Permit<'a> {
    limiter: &'a RateLimiter,
    /// How long the limiter made the request wait.
    pub waited: Duration,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.limiter.core.lock().unwrap().release();
    }
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration, timer: Arc<dyn Timer>) -> RateLimiter {
        RateLimiter {
            core: Mutex::new(LimiterCore::new(limit, window, timer.now())),
            timer,
        }
    }

    pub async fn acquire(&self, kind: EndpointKind) -> Permit<'_> {
        let mut waited = Duration::ZERO;
        loop {
            let wait = {
                let mut core = self.core.lock().unwrap();
                match core.try_acquire(self.timer.now(), kind) {
                    Ok(()) => {
                        return Permit {
                            limiter: self,
                            waited,
                        };
                    }
                    Err(wait) => wait,
                }
            };
            waited += wait;
            self.timer.sleep(wait).await;
        }
    }

    pub fn observe(&self, kind: EndpointKind, headers: &RateHeaders) {
        let now = self.timer.now();
        self.core.lock().unwrap().observe(now, kind, headers);
    }

    pub fn pause_for(&self, d: Duration) {
        let until = self.timer.now() + d;
        self.core.lock().unwrap().pause_until(until);
    }

    pub fn snapshot(&self) -> RateBudget {
        self.core.lock().unwrap().snapshot(self.timer.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const K: EndpointKind = EndpointKind::TicketImport;
    const MIN: Duration = Duration::from_secs(60);

    fn headers(limit: u32, remaining: u32, reset: u64) -> RateHeaders {
        RateHeaders {
            limit: Some(limit),
            remaining: Some(remaining),
            reset: Some(Duration::from_secs(reset)),
            buckets: vec![],
        }
    }

    /// Sends as fast as the limiter allows for `span`, answering each request at once with the
    /// given server; returns how many went out.
    fn drive(
        core: &mut LimiterCore,
        t0: Instant,
        span: Duration,
        mut server: impl FnMut(Instant) -> RateHeaders,
    ) -> u32 {
        let mut now = t0;
        let mut sent = 0;
        while now < t0 + span {
            match core.try_acquire(now, K) {
                Ok(()) => {
                    sent += 1;
                    core.observe(now, K, &server(now));
                    core.release();
                }
                Err(wait) => now += wait,
            }
        }
        sent
    }

    #[test]
    fn parses_headers() {
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit", HeaderValue::from_static("400"));
        h.insert("x-rate-limit-remaining", HeaderValue::from_static("399"));
        h.insert("ratelimit-reset", HeaderValue::from_static("42"));
        h.insert(
            "zendesk-ratelimit-update-ticket",
            HeaderValue::from_static("total=100; remaining=99; resets=10"),
        );
        h.insert(
            "zendesk-ratelimit-broken",
            HeaderValue::from_static("total=x"),
        );
        let r = RateHeaders::parse(&h);
        assert_eq!(r.limit, Some(400));
        assert_eq!(r.remaining, Some(399));
        assert_eq!(r.reset, Some(Duration::from_secs(42)));
        assert_eq!(
            r.buckets,
            vec![("update-ticket".into(), 100, 99, Duration::from_secs(10))]
        );
        let mut h = HeaderMap::new();
        h.insert("ratelimit-limit", HeaderValue::from_static("700"));
        h.insert("ratelimit-remaining", HeaderValue::from_static("3"));
        let r = RateHeaders::parse(&h);
        assert_eq!((r.limit, r.remaining, r.reset), (Some(700), Some(3), None));
    }

    #[test]
    fn token_bucket_spreads_the_plan_rate() {
        let t0 = Instant::now();
        let mut core = LimiterCore::new(200, MIN, t0);
        // A burst of a quarter of the limit, then one every 0.3 s (200/min).
        for _ in 0..50 {
            core.try_acquire(t0, K).unwrap();
            core.release();
        }
        let wait = core.try_acquire(t0, K).unwrap_err();
        assert!((wait.as_secs_f64() - 0.3).abs() < 0.01, "{wait:?}");
        let mut core = LimiterCore::new(200, MIN, t0);
        let sent = drive(&mut core, t0, Duration::from_secs(120), |_| {
            RateHeaders::default()
        });
        // 50 burst + 200 per minute.
        assert!((448..=451).contains(&sent), "{sent}");
    }

    #[test]
    fn never_passes_a_fixed_server_window() {
        // A fixed-window server like Zendesk's (and the sandbox's): 400 per window from its first request.
        let t0 = Instant::now();
        let mut core = LimiterCore::new(400, MIN, t0);
        let mut window_start = t0;
        let mut used = 0u32;
        let mut max_used = 0u32;
        let sent = drive(&mut core, t0, Duration::from_secs(300), |now| {
            if now >= window_start + MIN {
                window_start = now;
                used = 0;
            }
            used += 1;
            max_used = max_used.max(used);
            let reset = (window_start + MIN - now).as_millis().div_ceil(1000) as u64;
            headers(400, 400 - used, reset)
        });
        assert!(max_used <= 400, "{max_used}");
        // Close to the floor: 5 windows of 400, minus the reserve.
        assert!(sent >= 1900, "{sent}");
    }

    #[test]
    fn slows_down_when_others_spend_the_shared_budget() {
        let t0 = Instant::now();
        let mut core = LimiterCore::new(400, MIN, t0);
        core.try_acquire(t0, K).unwrap();
        // Another integration left us 3 requests until the reset in 20 s.
        core.observe(t0, K, &headers(400, 3, 20));
        core.release();
        core.try_acquire(t0, K).unwrap();
        core.release();
        core.try_acquire(t0, K).unwrap();
        core.release();
        // 1 left = the reserve: wait for the reset.
        let wait = core.try_acquire(t0, K).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        let snap = core.snapshot(t0);
        assert_eq!(snap.remaining, Some(1));
        assert_eq!(snap.reset_in_secs, Some(20));
        // After the reset the budget is unknown again and the token bucket decides.
        assert!(core.try_acquire(t0 + Duration::from_secs(20), K).is_ok());
        assert_eq!(core.snapshot(t0 + Duration::from_secs(20)).remaining, None);
    }

    #[test]
    fn in_flight_requests_are_counted_against_reported_budget() {
        let t0 = Instant::now();
        let mut core = LimiterCore::new(400, MIN, t0);
        for _ in 0..5 {
            core.try_acquire(t0, K).unwrap();
        }
        // The first answer says 10 left; four others are still in flight.
        core.observe(t0, K, &headers(400, 10, 30));
        core.release();
        assert_eq!(core.snapshot(t0).remaining, Some(6));
        // A late answer with a higher figure from the same window does not raise it.
        core.observe(t0, K, &headers(400, 50, 30));
        core.release();
        assert_eq!(core.snapshot(t0).remaining, Some(6));
    }

    #[test]
    fn adopts_the_limit_zendesk_states() {
        let t0 = Instant::now();
        let mut core = LimiterCore::new(200, MIN, t0);
        core.try_acquire(t0, K).unwrap();
        core.observe(t0, K, &headers(700, 699, 60));
        core.release();
        assert_eq!(core.limit(), 700);
        assert_eq!(core.snapshot(t0).limit, 700);
    }

    #[test]
    fn a_retry_after_pauses_everyone() {
        let t0 = Instant::now();
        let mut core = LimiterCore::new(400, MIN, t0);
        core.pause_until(t0 + Duration::from_secs(7));
        assert_eq!(core.try_acquire(t0, K), Err(Duration::from_secs(7)));
        assert_eq!(
            core.try_acquire(t0, EndpointKind::UsersMe),
            Err(Duration::from_secs(7))
        );
        assert_eq!(core.snapshot(t0).paused_for_secs, Some(7));
        assert!(core.try_acquire(t0 + Duration::from_secs(7), K).is_ok());
    }

    #[test]
    fn endpoint_buckets_gate_their_own_kind_only() {
        let t0 = Instant::now();
        let mut core = LimiterCore::new(400, MIN, t0);
        let upd = EndpointKind::TicketUpdate;
        core.try_acquire(t0, upd).unwrap();
        let h = RateHeaders {
            buckets: vec![
                ("update-ticket".into(), 100, 0, Duration::from_secs(9)),
                ("update-ticket-user".into(), 30, 0, Duration::from_secs(500)),
            ],
            ..RateHeaders::default()
        };
        core.observe(t0, upd, &h);
        core.release();
        assert_eq!(core.try_acquire(t0, upd), Err(Duration::from_secs(9)));
        assert!(core.try_acquire(t0, K).is_ok());
        assert_eq!(core.snapshot(t0).endpoints.len(), 2);
        // The per-user-and-ticket bucket is shown but does not hold other tickets back.
        assert!(core.try_acquire(t0 + Duration::from_secs(9), upd).is_ok());
    }

    #[tokio::test]
    async fn async_limiter_waits_on_the_timer() {
        let timer = super::super::time::ManualTimer::new();
        let limiter = RateLimiter::new(120, MIN, timer.clone());
        for _ in 0..40 {
            drop(limiter.acquire(K).await);
        }
        // 30 at once, then 2 per second: 5 s of waiting in all.
        let took = timer.elapsed();
        assert!(
            took >= Duration::from_millis(4990) && took < Duration::from_millis(5100),
            "{took:?}"
        );
        assert!(
            timer
                .sleeps()
                .iter()
                .all(|d| *d <= Duration::from_millis(501))
        );
    }
}
