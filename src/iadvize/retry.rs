//! The retry policy of the iAdvize client. Every call it makes is a read (idempotent), so a
//! 5xx, a 429, a timeout or a dropped connection is retried a bounded number of times with
//! jittered exponential backoff; everything else is answered at once.
//!
//! Split the way Vector does it: [`classify`] says whether an attempt's outcome is worth
//! another try, [`RetryPolicy::delay`] how long to wait. Both are pure and unit-tested.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles for each next one.
    pub base_delay: Duration,
    /// Upper bound of one backoff.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the call fails (unavailable).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
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

    /// How long to wait before retry number `retry` (1 for the first retry), given a uniform
    /// random number `jitter` in [0, 1) and the server's `Retry-After`, if any. None: do not
    /// retry (attempts spent, or the server asks for longer than [`Self::max_retry_after`]).
    pub fn delay(
        &self,
        retry: u32,
        jitter: f64,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if retry == 0 || retry >= self.max_attempts {
            return None;
        }
        if let Some(ra) = retry_after {
            return (ra <= self.max_retry_after).then_some(ra);
        }
        let exp = self
            .base_delay
            .saturating_mul(1u32 << (retry - 1).min(16))
            .min(self.max_delay);
        // "Equal jitter": between half and all of the exponential delay.
        let jitter = jitter.clamp(0.0, 1.0);
        Some(exp / 2 + exp.mul_f64(jitter / 2.0))
    }
}

/// What one attempt came to, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An HTTP answer with this status.
    Status(u16),
    /// No answer within the timeout.
    Timeout,
    /// Connection refused, reset or dropped before a full answer.
    Connection,
    /// The request could not even be built (bad URL): retrying cannot help.
    Request,
}

/// Whether the outcome is worth another attempt.
pub fn classify(outcome: Outcome) -> bool {
    match outcome {
        Outcome::Status(s) => s == 429 || (500..=599).contains(&s),
        Outcome::Timeout | Outcome::Connection => true,
        Outcome::Request => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_retried() {
        for s in [500, 502, 503, 504, 429] {
            assert!(classify(Outcome::Status(s)), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 422] {
            assert!(!classify(Outcome::Status(s)), "{s}");
        }
        assert!(classify(Outcome::Timeout));
        assert!(classify(Outcome::Connection));
        assert!(!classify(Outcome::Request));
    }

    #[test]
    fn backoff_is_bounded_jittered_and_exponential() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            max_retry_after: Duration::from_secs(10),
        };
        assert_eq!(p.delay(1, 0.0, None), Some(Duration::from_millis(50)));
        assert_eq!(p.delay(1, 1.0, None), Some(Duration::from_millis(100)));
        assert_eq!(p.delay(2, 0.5, None), Some(Duration::from_millis(150)));
        // capped at max_delay
        assert_eq!(p.delay(4, 1.0, None), Some(Duration::from_millis(300)));
        // attempts spent: 5 attempts = 4 retries
        assert_eq!(p.delay(5, 0.5, None), None);
        assert_eq!(p.delay(0, 0.5, None), None);
        // Retry-After wins when reasonable, stops the retries when not.
        assert_eq!(
            p.delay(1, 0.5, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(p.delay(1, 0.5, Some(Duration::from_secs(60))), None);
        assert_eq!(RetryPolicy::none().delay(1, 0.5, None), None);
        // Never overflows.
        let big = RetryPolicy {
            max_attempts: u32::MAX,
            ..p
        };
        assert_eq!(big.delay(1000, 1.0, None), Some(Duration::from_millis(300)));
    }
}
