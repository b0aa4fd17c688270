//! The one retry policy of the Zendesk client, as pure functions (no I/O, no clock, no RNG:
//! the jitter comes in as a number), in two questions as in Vector's `RetryLogic`:
//!
//! 1. [`retry_after`]: does this response say when to retry? (`Retry-After` on 429, and on 503
//!    when present; seconds or an HTTP date.)
//! 2. [`classify`]: is this outcome retriable for this request? The answer depends on whether
//!    the request may be replayed ([`Replay`]):
//!
//! | Outcome | `Replay::Safe` | `Replay::Unsafe` |
//! |---|---|---|
//! | 429 (rate limit, TooManyJobs) | retry after `Retry-After` | retry after `Retry-After` (Zendesk refused it unprocessed) |
//! | 503 with `Retry-After` | retry after it | retry after it (refused unprocessed) |
//! | other 5xx, 408 | backoff | **uncertain**: no retry |
//! | connection failed before sending | backoff | backoff (nothing was sent) |
//! | timeout / connection dropped after sending | backoff | **uncertain**: no retry |
//! | 401, 403, 404, 409, 422, other 4xx | no retry | no retry |
//!
//! `Safe` requests are reads, `POST /tickets` with an `Idempotency-Key` (a replay with the same
//! key and body answers the first ticket again, `x-idempotency-lookup: hit`), ticket updates
//! without a comment (setting fields, status or tags twice is harmless) and the OAuth token
//! request. `Unsafe` requests are imports (single and `create_many`), `tickets/create_many`,
//! `users/create_many` and updates that add a comment: Zendesk has no idempotency for them, so
//! after an uncertain outcome the client returns an error whose `is_uncertain()` is true and
//! the caller looks the ticket up by `external_id` (the users by e-mail) before sending again.
//! 401 on an OAuth token is handled apart (the token is renewed once, then the request is sent
//! again): it is not a retry here.
//!
//! 3. [`decide`] combines the answer with the bounds (attempts and total time) and the
//!    jittered exponential backoff.

use std::time::Duration;

/// Bounds and backoff of the retry loop.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Total time a call may take, waits included; a `Retry-After` that would pass it ends the
    /// call with the error (which carries `retry_after`) instead of waiting.
    pub max_elapsed: Duration,
    /// First backoff step; doubles each attempt up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(120),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }
}

/// Whether sending a request twice is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    Safe,
    Unsafe,
}

/// What one attempt produced (2xx never reaches the retry logic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The request never left: connection refused, DNS, TLS handshake, connect timeout.
    NotSent,
    /// No answer within the timeout; the request may have been received and carried out.
    TimedOut,
    /// The connection broke after the request was (maybe) sent: reset, closed without answer.
    Interrupted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retriable {
    /// Retry; Zendesk said when (`Retry-After`) or not (backoff).
    Yes { after: Option<Duration> },
    /// A permanent answer: retrying would get the same.
    No,
    /// The request may have been carried out, and replaying it is not safe.
    Uncertain,
}

/// Is this outcome retriable for a request of this kind? (The table in the module docs.)
pub fn classify(replay: Replay, attempt: &Attempt) -> Retriable {
    match *attempt {
        Attempt::Status {
            status: 429,
            retry_after,
        } => Retriable::Yes { after: retry_after },
        Attempt::Status {
            status: 503,
            retry_after: Some(after),
        } => Retriable::Yes { after: Some(after) },
        Attempt::Status { status, .. } if status >= 500 || status == 408 => match replay {
            Replay::Safe => Retriable::Yes { after: None },
            Replay::Unsafe => Retriable::Uncertain,
        },
        Attempt::Status { .. } => Retriable::No,
        Attempt::NotSent => Retriable::Yes { after: None },
        Attempt::TimedOut | Attempt::Interrupted => match replay {
            Replay::Safe => Retriable::Yes { after: None },
            Replay::Unsafe => Retriable::Uncertain,
        },
    }
}

/// Does this response say when to retry? Only 429 and 503 are read; the value is whole
/// seconds or an HTTP date (compared with `now`). Unparseable values count as absent.
pub fn retry_after(
    status: u16,
    header: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Duration> {
    if status != 429 && status != 503 {
        return None;
    }
    let raw = header?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = raw.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// Why the loop stops without success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    Permanent,
    Uncertain,
    AttemptsExhausted,
    /// Waiting (backoff or `Retry-After`) would pass `max_elapsed`.
    OutOfTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    RetryAfter(Duration),
    GiveUp(GiveUp),
}

/// Backoff before attempt `attempts_made + 1`: equal jitter over an exponential step
/// (`step/2 + step/2 * jitter`, `jitter` in `[0, 1)`), the step doubling from `base_delay` up
/// to `max_delay`.
pub fn backoff(policy: &RetryPolicy, attempts_made: u32, jitter: f64) -> Duration {
    let exp = attempts_made.saturating_sub(1).min(30);
    let step = policy
        .base_delay
        .saturating_mul(1u32 << exp)
        .min(policy.max_delay);
    let half = step / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

/// The whole decision after a failed attempt.
pub fn decide(
    policy: &RetryPolicy,
    replay: Replay,
    attempt: &Attempt,
    attempts_made: u32,
    elapsed: Duration,
    jitter: f64,
) -> Decision {
    let after = match classify(replay, attempt) {
        Retriable::No => return Decision::GiveUp(GiveUp::Permanent),
        Retriable::Uncertain => return Decision::GiveUp(GiveUp::Uncertain),
        Retriable::Yes { after } => after,
    };
    if attempts_made >= policy.max_attempts {
        return Decision::GiveUp(GiveUp::AttemptsExhausted);
    }
    let wait = after.unwrap_or_else(|| backoff(policy, attempts_made, jitter));
    if elapsed.saturating_add(wait) > policy.max_elapsed {
        return Decision::GiveUp(GiveUp::OutOfTime);
    }
    Decision::RetryAfter(wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> Attempt {
        Attempt::Status {
            status,
            retry_after: None,
        }
    }

    fn with_after(status: u16, secs: u64) -> Attempt {
        Attempt::Status {
            status,
            retry_after: Some(Duration::from_secs(secs)),
        }
    }

    #[test]
    fn outcome_table() {
        use Replay::*;
        use Retriable::*;
        let s = |n| Some(Duration::from_secs(n));
        let table: Vec<(Replay, Attempt, Retriable)> = vec![
            (Safe, with_after(429, 7), Yes { after: s(7) }),
            (Unsafe, with_after(429, 7), Yes { after: s(7) }),
            (Unsafe, status(429), Yes { after: None }),
            (Safe, with_after(503, 30), Yes { after: s(30) }),
            (Unsafe, with_after(503, 30), Yes { after: s(30) }),
            (Safe, status(503), Yes { after: None }),
            (Unsafe, status(503), Uncertain),
            (Safe, status(500), Yes { after: None }),
            (Unsafe, status(500), Uncertain),
            (Safe, status(502), Yes { after: None }),
            (Unsafe, status(504), Uncertain),
            (Safe, status(408), Yes { after: None }),
            (Safe, Attempt::NotSent, Yes { after: None }),
            (Unsafe, Attempt::NotSent, Yes { after: None }),
            (Safe, Attempt::TimedOut, Yes { after: None }),
            (Unsafe, Attempt::TimedOut, Uncertain),
            (Safe, Attempt::Interrupted, Yes { after: None }),
            (Unsafe, Attempt::Interrupted, Uncertain),
        ];
        for (replay, attempt, want) in table {
            assert_eq!(classify(replay, &attempt), want, "{replay:?} {attempt:?}");
        }
        for code in [400, 401, 403, 404, 409, 413, 422] {
            assert_eq!(classify(Safe, &status(code)), No, "{code}");
            assert_eq!(classify(Unsafe, &status(code)), No, "{code}");
        }
    }

    #[test]
    fn retry_after_header_is_read_on_429_and_503_only() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            retry_after(429, Some("42"), now),
            Some(Duration::from_secs(42))
        );
        assert_eq!(
            retry_after(503, Some(" 5 "), now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            retry_after(429, Some("1.5"), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(429, Some("Fri, 01 May 2026 12:00:10 GMT"), now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after(429, Some("Fri, 01 May 2026 11:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(429, Some("soon"), now), None);
        assert_eq!(retry_after(429, None, now), None);
        assert_eq!(retry_after(500, Some("42"), now), None);
        assert_eq!(retry_after(200, Some("42"), now), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        assert_eq!(backoff(&p, 1, 0.0), Duration::from_millis(50));
        assert_eq!(backoff(&p, 1, 1.0), Duration::from_millis(100));
        assert_eq!(backoff(&p, 2, 0.0), Duration::from_millis(100));
        assert_eq!(backoff(&p, 3, 0.5), Duration::from_millis(300));
        assert_eq!(backoff(&p, 10, 1.0), Duration::from_millis(1000));
        assert_eq!(backoff(&p, 10, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(&p, u32::MAX, 0.0), Duration::from_millis(500));
    }

    #[test]
    fn decide_respects_attempts_and_time() {
        let p = RetryPolicy {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(60),
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
        };
        let z = Duration::ZERO;
        assert_eq!(
            decide(&p, Replay::Safe, &status(500), 1, z, 0.0),
            Decision::RetryAfter(Duration::from_millis(500))
        );
        assert_eq!(
            decide(&p, Replay::Safe, &status(500), 2, z, 0.0),
            Decision::RetryAfter(Duration::from_secs(1))
        );
        assert_eq!(
            decide(&p, Replay::Safe, &status(500), 3, z, 0.0),
            Decision::GiveUp(GiveUp::AttemptsExhausted)
        );
        assert_eq!(
            decide(&p, Replay::Unsafe, &status(500), 1, z, 0.0),
            Decision::GiveUp(GiveUp::Uncertain)
        );
        assert_eq!(
            decide(&p, Replay::Safe, &status(422), 1, z, 0.0),
            Decision::GiveUp(GiveUp::Permanent)
        );
        // Retry-After is honoured exactly, not jittered.
        assert_eq!(
            decide(&p, Replay::Unsafe, &with_after(429, 20), 1, z, 0.9),
            Decision::RetryAfter(Duration::from_secs(20))
        );
        // ...unless it would pass the time budget.
        assert_eq!(
            decide(
                &p,
                Replay::Safe,
                &with_after(429, 20),
                1,
                Duration::from_secs(45),
                0.0
            ),
            Decision::GiveUp(GiveUp::OutOfTime)
        );
        assert_eq!(
            decide(&RetryPolicy::none(), Replay::Safe, &status(503), 1, z, 0.0),
            Decision::GiveUp(GiveUp::AttemptsExhausted)
        );
    }
}
