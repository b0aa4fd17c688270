//! Time as the client sees it: every wait (rate limiter, `Retry-After`, backoff, job polling)
//! and every expiry (OAuth tokens, rate-limit windows) goes through a [`Timer`], so tests move
//! time instead of sleeping.
//!
//! [`TokioTimer`] (the default) uses `tokio::time`, so `tokio::time::pause()` works for tests
//! without sockets. Tests over real sockets use [`ManualTimer`]: a paused tokio clock would
//! also fire the HTTP timeouts while a request waits on the network.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

pub trait Timer: Send + Sync + 'static {
    fn now(&self) -> Instant;
    fn sleep(&self, duration: Duration) -> Sleep;
    /// Wall-clock time, for `Retry-After` given as an HTTP date.
    fn wall_now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}

/// `tokio::time`: real time, or tokio's paused clock in tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

type Hook = Box<dyn Fn(Duration) + Send + Sync>;

/// A clock that only moves when something sleeps on it (or [`advance`](Self::advance) is
/// called): a sleep returns at once after moving the clock by its duration, and is recorded.
/// A hook can move another clock along (e.g. the sandbox's), so both sides agree on time.
pub struct ManualTimer {
    origin: Instant,
    wall_origin: chrono::DateTime<chrono::Utc>,
    offset_ms: AtomicU64,
    sleeps: Mutex<Vec<Duration>>,
    hook: Option<Hook>,
}

impl ManualTimer {
    pub fn new() -> Arc<ManualTimer> {
        Arc::new(Self::build(None))
    }

    /// `hook` is called with each sleep's duration (and each `advance`).
    pub fn with_hook(hook: impl Fn(Duration) + Send + Sync + 'static) -> Arc<ManualTimer> {
        Arc::new(Self::build(Some(Box::new(hook))))
    }

    fn build(hook: Option<Hook>) -> ManualTimer {
        ManualTimer {
            origin: Instant::now(),
            wall_origin: chrono::Utc::now(),
            offset_ms: AtomicU64::new(0),
            sleeps: Mutex::new(Vec::new()),
            hook,
        }
    }

    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as u64, Ordering::SeqCst);
        if let Some(h) = &self.hook {
            h(by);
        }
    }

    /// Every sleep so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }

    /// Total time slept.
    pub fn slept(&self) -> Duration {
        self.sleeps().iter().sum()
    }

    pub fn elapsed(&self) -> Duration {
        Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }
}

impl std::fmt::Debug for ManualTimer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualTimer")
            .field("elapsed", &self.elapsed())
            .finish()
    }
}

impl Timer for ManualTimer {
    fn now(&self) -> Instant {
        self.origin + self.elapsed()
    }
    fn sleep(&self, duration: Duration) -> Sleep {
        self.sleeps.lock().unwrap().push(duration);
        self.advance(duration);
        Box::pin(tokio::task::yield_now())
    }
    fn wall_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.wall_origin + chrono::Duration::from_std(self.elapsed()).unwrap_or_default()
    }
}
