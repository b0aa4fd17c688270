//! Fault injection per endpoint: 5xx (optionally with `Retry-After`), slow answers, dropped
//! connections, and "commit then drop" (the write happens, the answer never arrives).
//!
//! A rule names an API, optionally a method and a route template (the same keys as the request
//! counts, e.g. `POST /api/v2/tickets` or `PUT /api/v2/tickets/{ticket_id}`), and fires either
//! for the next N matching requests or with a probability drawn from the sandbox's seeded RNG.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    #[default]
    Zendesk,
    Iadvize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer this status (e.g. 500, 503) without running the handler.
    Status {
        status: u16,
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    /// Wait this long (real time) before handling: longer than the client's timeout.
    Slow { delay_ms: u64 },
    /// Close the connection without any response, and without running the handler.
    Reset,
    /// Run the handler (the write is committed), then close the connection unanswered.
    CommitThenDrop,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// The next `count` matching requests.
    Next { count: u32 },
    /// Each matching request with this probability (0..=1), until the rule is cleared.
    Probability { p: f64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    #[serde(default)]
    pub api: Api,
    /// `GET`, `POST`, ...; None = any method.
    #[serde(default)]
    pub method: Option<String>,
    /// Route template, e.g. `/api/v2/tickets/{ticket_id}`; None = any route.
    #[serde(default)]
    pub route: Option<String>,
    pub fault: Fault,
    pub trigger: Trigger,
}

impl FaultRule {
    /// The next `count` requests to `method route` on Zendesk get `fault`.
    pub fn zendesk(method: &str, route: &str, fault: Fault, count: u32) -> Self {
        FaultRule {
            api: Api::Zendesk,
            method: Some(method.to_string()),
            route: Some(route.to_string()),
            fault,
            trigger: Trigger::Next { count },
        }
    }

    pub fn iadvize(method: &str, route: &str, fault: Fault, count: u32) -> Self {
        FaultRule {
            api: Api::Iadvize,
            ..FaultRule::zendesk(method, route, fault, count)
        }
    }

    fn matches(&self, api: Api, method: &str, route: &str) -> bool {
        self.api == api
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.route.as_deref().is_none_or(|r| r == route)
    }
}

#[derive(Default)]
pub(crate) struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    pub fn add(&self, rule: FaultRule) {
        self.rules.lock().unwrap().push(rule);
    }

    pub fn clear(&self) {
        self.rules.lock().unwrap().clear();
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.rules.lock().unwrap().clone()
    }

    /// The fault for this request, if a rule fires; spends one use of a `Next` rule.
    pub fn pick(
        &self,
        api: Api,
        method: &str,
        route: &str,
        rng: &Mutex<ChaCha8Rng>,
    ) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap();
        let mut fired = None;
        for (i, rule) in rules.iter_mut().enumerate() {
            if !rule.matches(api, method, route) {
                continue;
            }
            match &mut rule.trigger {
                Trigger::Next { count } if *count > 0 => {
                    *count -= 1;
                    fired = Some((i, rule.fault.clone(), *count == 0));
                }
                Trigger::Probability { p } => {
                    if rng.lock().unwrap().random_bool(p.clamp(0.0, 1.0)) {
                        fired = Some((i, rule.fault.clone(), false));
                    }
                }
                Trigger::Next { .. } => {}
            }
            if fired.is_some() {
                break;
            }
        }
        let (i, fault, spent) = fired?;
        if spent {
            rules.remove(i);
        }
        Some(fault)
    }
}
