//! Rate limits (facts §8): the plan's account-wide requests per "minute", plus the endpoint
//! limits that matter to this project. Fixed windows on the sandbox clock; the window length
//! is configurable so benchmarks can compress time, and every limit scales with it.

use crate::config::Plan;
use axum::http::Method;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;

#[derive(Default)]
pub struct RateLimiter {
    buckets: HashMap<String, Bucket>,
}

struct Bucket {
    start: DateTime<Utc>,
    count: u32,
}

pub struct Limit {
    key: String,
    limit: u32,
    window: Duration,
    /// Name of the `zendesk-ratelimit-<name>` header for endpoint buckets.
    header: Option<&'static str>,
}

pub struct Usage {
    pub limit: u32,
    pub remaining: u32,
    pub reset_secs: u64,
    pub header: Option<&'static str>,
}

pub struct Decision {
    /// Account-wide usage (the `X-Rate-Limit*` and `ratelimit-*` headers).
    pub account: Usage,
    pub endpoints: Vec<Usage>,
    /// `Some(retry_after_secs)` when a limit is exhausted.
    pub rejected: Option<u64>,
}

/// The limits one request counts against.
pub fn limits_for(
    method: &Method,
    route: &str,
    caller: Option<i64>,
    ticket_id: Option<&str>,
    plan: Plan,
    window: Duration,
) -> Vec<Limit> {
    let hv = plan.is_high_volume();
    let mut limits = vec![Limit {
        key: "account".into(),
        limit: plan.requests_per_minute(),
        window,
        header: None,
    }];
    let who = caller.map_or("anonymous".to_string(), |c| c.to_string());
    match (method.as_str(), route) {
        ("PUT", "/api/v2/tickets/{ticket_id}") => {
            limits.push(Limit {
                key: "update-ticket".into(),
                limit: if hv { 300 } else { 100 },
                window,
                header: Some("update-ticket"),
            });
            // "30 updates per 10 minutes per user per ticket".
            limits.push(Limit {
                key: format!("update-ticket:{who}:{}", ticket_id.unwrap_or("")),
                limit: 30,
                window: window * 10,
                header: Some("update-ticket-user"),
            });
        }
        ("GET", r) if r.starts_with("/api/v2/ticket_fields") => {
            limits.push(Limit {
                key: "ticket-fields".into(),
                limit: if hv { 450 } else { 300 },
                window,
                header: Some("ticket-fields"),
            });
        }
        ("GET", "/api/v2/search") => {
            limits.push(Limit {
                key: "search".into(),
                limit: 2500,
                window,
                header: Some("search"),
            });
        }
        ("POST", "/api/v2/users/create_or_update") => {
            limits.push(Limit {
                key: format!("create-or-update-user:{who}"),
                limit: 5,
                window,
                header: Some("create-or-update-user"),
            });
            // "1 per second per account": a sixtieth of the window.
            limits.push(Limit {
                key: "create-or-update-account".into(),
                limit: 1,
                window: window / 60,
                header: Some("create-or-update-account"),
            });
        }
        _ => {}
    }
    limits
}

impl RateLimiter {
    /// Checks every limit; counts the request against all of them only if none is exhausted.
    /// Reset times are whole `second`s, rounded up (1 s, or less when time is compressed).
    pub fn check(&mut self, now: DateTime<Utc>, limits: &[Limit], second: Duration) -> Decision {
        let mut rejected: Option<u64> = None;
        let mut usages = Vec::new();
        for l in limits {
            let b = self.buckets.entry(l.key.clone()).or_insert(Bucket {
                start: now,
                count: 0,
            });
            let window = chrono::Duration::from_std(l.window).unwrap_or_default();
            if now >= b.start + window {
                b.start = now;
                b.count = 0;
            }
            let reset_secs = super::state::reported_secs(b.start + window - now, second);
            if b.count >= l.limit {
                rejected = Some(rejected.map_or(reset_secs, |r| r.max(reset_secs)));
            }
            usages.push((l, reset_secs));
        }
        let mut out = Vec::new();
        for (l, reset_secs) in usages {
            let b = self.buckets.get_mut(&l.key).expect("inserted above");
            if rejected.is_none() {
                b.count += 1;
            }
            out.push(Usage {
                limit: l.limit,
                remaining: l.limit.saturating_sub(b.count),
                reset_secs,
                header: l.header,
            });
        }
        let account = out.remove(0);
        Decision {
            account,
            endpoints: out,
            rejected,
        }
    }
}

/// iAdvize's login limit (10 logins per minute per user), kept in the same limiter.
pub fn login_limit(user: &str, window: Duration) -> Limit {
    Limit {
        key: format!("iadvize-login:{user}"),
        limit: 10,
        window,
        header: None,
    }
}
