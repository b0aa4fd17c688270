//! State shared by both listeners, the control handle and the live-mode task.

use crate::clock::Clock;
use crate::config::{Latency, Plan, SandboxConfig, Switches, VisitorMix, log_normal_sigma};
use crate::faults::{Api, Faults};
use crate::iadvize::data::{IaSeed, IaState};
use crate::zendesk::rate_limit::RateLimiter;
use crate::zendesk::state::{Ctx, ZdState};
use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, RwLock};
use std::time::Duration;

/// The Zendesk account, with the end-users of unique visitors whose e-mail it already knows.
fn seed_zendesk(ia: &IaSeed, now: DateTime<Utc>) -> ZdState {
    let existing = match ia.visitor_mix {
        VisitorMix::Unique {
            existing_share,
            without_email_share,
        } => {
            let only = (!ia.conversation_sites.is_empty()).then_some(ia.conversation_sites.as_slice());
            let sites = crate::seed::conversation_sites(only).unwrap_or_else(|_| crate::seed::sites());
            crate::seed::existing_unique_visitors(&sites, ia.conversations, existing_share, without_email_share)
        }
        VisitorMix::Repeat => Vec::new(),
    };
    ZdState::seeded(now, &existing)
}

/// What can be changed while running (over the control handle or `/_sandbox`).
impl Settings {
    pub fn has_ticket_forms(&self) -> bool {
        self.ticket_forms.unwrap_or(self.plan.has_ticket_forms())
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub plan: Plan,
    pub ticket_forms: Option<bool>,
    pub rate_limit_window: Duration,
    pub latency: Latency,
    pub job_duration: Duration,
    pub reported_second: Duration,
    pub switches: Switches,
}

/// Request counts per endpoint (`METHOD /route/{template}`) and per status.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RequestStats {
    pub zendesk: BTreeMap<String, EndpointStats>,
    pub iadvize: BTreeMap<String, EndpointStats>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct EndpointStats {
    pub count: u64,
    pub by_status: BTreeMap<u16, u64>,
}

impl RequestStats {
    pub fn total(&self, api: Api) -> u64 {
        self.map(api).values().map(|e| e.count).sum()
    }
    pub fn count(&self, api: Api, endpoint: &str) -> u64 {
        self.map(api).get(endpoint).map_or(0, |e| e.count)
    }
    pub fn status_count(&self, api: Api, endpoint: &str, status: u16) -> u64 {
        self.map(api)
            .get(endpoint)
            .and_then(|e| e.by_status.get(&status))
            .copied()
            .unwrap_or(0)
    }
    fn map(&self, api: Api) -> &BTreeMap<String, EndpointStats> {
        match api {
            Api::Zendesk => &self.zendesk,
            Api::Iadvize => &self.iadvize,
        }
    }
}

pub(crate) struct Shared {
    pub clock: Clock,
    /// What the iAdvize data (and the Zendesk end-users of unique visitors) is seeded from.
    pub ia_seed: IaSeed,
    /// Sandbox time at start (and at each reset): seeded data is placed relative to it.
    pub epoch: RwLock<DateTime<Utc>>,
    pub settings: RwLock<Settings>,
    pub zd: Mutex<ZdState>,
    pub ia: RwLock<IaState>,
    pub faults: Faults,
    pub stats: Mutex<RequestStats>,
    pub rate: Mutex<RateLimiter>,
    pub rng: Mutex<ChaCha8Rng>,
    pub zendesk_base: OnceLock<String>,
    pub iadvize_base: OnceLock<String>,
    pub live_rate: Mutex<Option<f64>>,
}

impl Shared {
    pub fn new(config: &SandboxConfig) -> Shared {
        let clock = Clock::default();
        let now = clock.now();
        let ia_seed = IaSeed {
            seed: config.seed,
            conversations: config.conversations,
            history_days: config.history_days,
            conversation_sites: config.conversation_sites.clone().unwrap_or_default(),
            visitor_mix: config.visitor_mix,
        };
        Shared {
            epoch: RwLock::new(now),
            settings: RwLock::new(Settings {
                plan: config.plan,
                ticket_forms: config.ticket_forms,
                rate_limit_window: config.rate_limit_window,
                latency: config.latency,
                job_duration: config.job_duration,
                reported_second: config.reported_second,
                switches: config.switches.clone(),
            }),
            zd: Mutex::new(seed_zendesk(&ia_seed, now)),
            ia: RwLock::new(IaState::seeded(&ia_seed, now)),
            ia_seed,
            faults: Faults::default(),
            stats: Mutex::new(RequestStats::default()),
            rate: Mutex::new(RateLimiter::default()),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(config.seed ^ 0xfa17)),
            zendesk_base: OnceLock::new(),
            iadvize_base: OnceLock::new(),
            live_rate: Mutex::new(config.live_conversations_per_minute),
            clock,
        }
    }

    pub fn settings(&self) -> Settings {
        self.settings.read().unwrap().clone()
    }

    pub fn zendesk_base(&self) -> &str {
        self.zendesk_base
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1")
    }

    /// Runs `f` on the Zendesk state after settling due background work.
    pub fn with_zd<R>(&self, f: impl FnOnce(&mut ZdState, &Ctx) -> R) -> R {
        let s = self.settings();
        let ctx = Ctx {
            now: self.clock.now(),
            switches: &s.switches,
            forms: s.has_ticket_forms(),
            base: self.zendesk_base(),
            job_duration: s.job_duration,
            reported_second: s.reported_second,
        };
        let mut zd = self.zd.lock().unwrap();
        zd.settle(&ctx);
        f(&mut zd, &ctx)
    }

    pub fn latency_sample(&self) -> Option<Duration> {
        match self.settings.read().unwrap().latency {
            Latency::None => None,
            Latency::Fixed { ms } => Some(Duration::from_millis(ms)),
            Latency::Uniform { min_ms, max_ms } => {
                let ms = self
                    .rng
                    .lock()
                    .unwrap()
                    .random_range(min_ms..=max_ms.max(min_ms));
                Some(Duration::from_millis(ms))
            }
            Latency::LogNormal { median_ms, p95_ms } => {
                let median = median_ms.max(0.0);
                let sigma = log_normal_sigma(median, p95_ms);
                // Box-Muller: a standard normal from two uniform draws.
                let (u1, u2): (f64, f64) = {
                    let mut rng = self.rng.lock().unwrap();
                    (1.0 - rng.random::<f64>(), rng.random::<f64>())
                };
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                let ms = (median * (sigma * z).exp()).min(median * 20.0);
                Some(Duration::from_secs_f64(ms / 1e3))
            }
        }
    }

    pub fn record(&self, api: Api, endpoint: &str, status: u16) {
        let mut stats = self.stats.lock().unwrap();
        let map = match api {
            Api::Zendesk => &mut stats.zendesk,
            Api::Iadvize => &mut stats.iadvize,
        };
        let e = map.entry(endpoint.to_string()).or_default();
        e.count += 1;
        *e.by_status.entry(status).or_default() += 1;
    }

    /// Back to the seeded data (same seed, placed relative to the current sandbox time).
    pub fn reset(&self) {
        let now = self.clock.now();
        *self.epoch.write().unwrap() = now;
        *self.zd.lock().unwrap() = seed_zendesk(&self.ia_seed, now);
        *self.ia.write().unwrap() = IaState::seeded(&self.ia_seed, now);
        *self.stats.lock().unwrap() = RequestStats::default();
        *self.rate.lock().unwrap() = RateLimiter::default();
        *self.rng.lock().unwrap() = ChaCha8Rng::seed_from_u64(self.ia_seed.seed ^ 0xfa17);
        self.faults.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_normal_latency_has_the_asked_median_and_p95() {
        let config = SandboxConfig::default()
            .conversations(0)
            .latency(Latency::LogNormal {
                median_ms: 100.0,
                p95_ms: 300.0,
            });
        let sh = Shared::new(&config);
        let mut ms: Vec<f64> = (0..20_000)
            .map(|_| sh.latency_sample().unwrap().as_secs_f64() * 1e3)
            .collect();
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[(q * ms.len() as f64) as usize];
        assert!((at(0.5) - 100.0).abs() < 5.0, "median {}", at(0.5));
        assert!((at(0.95) - 300.0).abs() < 20.0, "p95 {}", at(0.95));
        assert!(ms.iter().all(|m| *m > 0.0 && *m <= 2000.0));
        let mean = ms.iter().sum::<f64>() / ms.len() as f64;
        let expected = Latency::LogNormal {
            median_ms: 100.0,
            p95_ms: 300.0,
        }
        .mean_ms();
        assert!((mean - expected).abs() / expected < 0.05, "{mean} vs {expected}");
    }
}
