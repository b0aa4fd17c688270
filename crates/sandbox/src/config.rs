//! How a sandbox is started: seed, size, listeners, Zendesk plan, time scales, and the
//! switches for behaviour that no public source settles (the facts sheets mark it "unconfirmed").

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::Duration;

/// Zendesk plan: the account-wide request limit and whether ticket forms exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    /// 200 requests/min, no ticket forms.
    Team,
    /// 400 requests/min, forms.
    Growth,
    /// 400 requests/min, forms.
    #[default]
    Professional,
    /// 700 requests/min, forms.
    Enterprise,
    /// High Volume add-on: 2,500 requests/min, forms.
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

    /// Forms exist on Suite Growth and above (facts sheet §3.1, §7).
    pub fn has_ticket_forms(self) -> bool {
        !matches!(self, Plan::Team)
    }

    pub fn is_high_volume(self) -> bool {
        matches!(self, Plan::HighVolume)
    }
}

/// Extra delay added before answering each request (both APIs).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Latency {
    #[default]
    None,
    Fixed {
        ms: u64,
    },
    /// Uniform in `[min_ms, max_ms]`, drawn from the sandbox's seeded RNG.
    Uniform {
        min_ms: u64,
        max_ms: u64,
    },
    /// Log-normal, as measured API latencies are (most answers near the median, a long tail of
    /// slow ones): half the requests take less than `median_ms`, 95 % less than `p95_ms`
    /// (`p95_ms >= median_ms`). Drawn from the sandbox's seeded RNG and capped at 20 times the
    /// median. Fractions of a millisecond are kept, so time-compressed runs can scale it down.
    LogNormal {
        median_ms: f64,
        p95_ms: f64,
    },
}

impl Latency {
    /// The same distribution with every delay divided by `factor` (time compression).
    pub fn compressed(self, factor: f64) -> Latency {
        let f = factor.max(f64::MIN_POSITIVE);
        let ms = |v: u64| (v as f64 / f).round() as u64;
        match self {
            Latency::None => Latency::None,
            Latency::Fixed { ms: v } => Latency::Fixed { ms: ms(v) },
            Latency::Uniform { min_ms, max_ms } => Latency::Uniform {
                min_ms: ms(min_ms),
                max_ms: ms(max_ms),
            },
            Latency::LogNormal { median_ms, p95_ms } => Latency::LogNormal {
                median_ms: median_ms / f,
                p95_ms: p95_ms / f,
            },
        }
    }

    /// The mean delay in milliseconds (what a client's concurrency has to cover).
    pub fn mean_ms(self) -> f64 {
        match self {
            Latency::None => 0.0,
            Latency::Fixed { ms } => ms as f64,
            Latency::Uniform { min_ms, max_ms } => (min_ms + max_ms.max(min_ms)) as f64 / 2.0,
            Latency::LogNormal { median_ms, p95_ms } => {
                let sigma = log_normal_sigma(median_ms, p95_ms);
                median_ms.max(0.0) * (sigma * sigma / 2.0).exp()
            }
        }
    }
}

/// The sigma of a log-normal with this median and 95th percentile.
pub(crate) fn log_normal_sigma(median_ms: f64, p95_ms: f64) -> f64 {
    if median_ms <= 0.0 || p95_ms <= median_ms {
        return 0.0;
    }
    (p95_ms / median_ms).ln() / 1.644_853_6
}

/// Who the seeded conversations' visitors are.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VisitorMix {
    /// A small pool that comes back: 120 visitors per platform, every fourth without e-mail,
    /// a third of those with one already Zendesk end-users.
    #[default]
    Repeat,
    /// Every conversation has its own visitor: `existing_share` of them (0 to 1) with an
    /// e-mail that already belongs to a Zendesk end-user, `without_email_share` with no
    /// e-mail, the others with an e-mail Zendesk does not know. Visitors are generated on
    /// demand from their number (nothing stored per visitor on the iAdvize side); the existing
    /// ones are seeded as Zendesk end-users at start.
    Unique {
        existing_share: f64,
        without_email_share: f64,
    },
}

impl VisitorMix {
    /// Unique visitors, the shares clamped to [0, 1] (e-mail-less ones first).
    pub fn unique(existing_share: f64, without_email_share: f64) -> VisitorMix {
        let without = without_email_share.clamp(0.0, 1.0);
        VisitorMix::Unique {
            existing_share: existing_share.clamp(0.0, 1.0 - without),
            without_email_share: without,
        }
    }
}

/// What happens when a ticket is solved without an assignee (unconfirmed, facts §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SolveWithoutAssignee {
    /// The API user becomes the assignee (as the UI does for an agent solving a ticket).
    #[default]
    AssignToCurrentUser,
    /// 422 RecordInvalid with `details.assignee` (older docs: "must have an Assignee").
    Reject,
    /// Leave it unassigned.
    Allow,
}

/// What `POST /users/create_many` does with an item whose e-mail already belongs to a user.
/// Zendesk's documentation of the endpoint does not say (checked: the OAS `CreateManyUsers`,
/// the Users and Job Statuses pages), so it is a switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ExistingEmail {
    /// The item fails, the user is left unchanged: `{index, action:"create", success:false,
    /// status:"Failed", error:"RecordInvalid", details}` where `details` is the JSON of
    /// `{"email":[{"description":"Email: x is already being used by another user",
    /// "error":"DuplicateValue"}]}` (what `POST /users` answers as a 422, facts §5).
    #[default]
    Fail,
    /// The item reports the existing user's id like a created one (`{id, index,
    /// status:"Created"}`) and the user is left unchanged.
    ReuseExisting,
}

/// Switches for every behaviour the facts sheets mark unconfirmed. Defaults follow the
/// most likely reading; tests flip them to prove the client copes with both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Switches {
    /// Solving (create, update or import) with an empty required field answers 422 (§7).
    pub required_fields_on_solve: bool,
    /// Same for imports specifically (some integrators report imports skip the check).
    pub required_fields_on_import: bool,
    pub solve_without_assignee: SolveWithoutAssignee,
    /// The import API accepts a `requester {name,email}` object (not in its schema, §3.4).
    pub import_accepts_requester_object: bool,
    /// The import API honours `ticket_form_id` (not in its schema, §3.4).
    pub import_accepts_ticket_form_id: bool,
    /// `GET /users/me` answers 200 "Anonymous user" for missing or wrong credentials (§2);
    /// when false it answers 401 like the other endpoints.
    pub anonymous_users_me: bool,
    /// Seconds (sandbox clock) before a new user or ticket shows in `/api/v2/search` (§5).
    pub search_indexing_delay_secs: u64,
    /// A ticket's `requester {email,name}` creates the end-user when none exists (§3.1).
    pub create_requester_if_missing: bool,
    /// Reject custom-field values of the wrong type or an unknown option with 422
    /// (Zendesk's exact behaviour per type is unconfirmed).
    pub reject_invalid_field_values: bool,
    /// The OAuth client_credentials answer carries a refresh token (§2, unconfirmed).
    pub oauth_returns_refresh_token: bool,
    /// Hours after solving at which a ticket closes (the 2019 default automation: 96 h);
    /// 0 disables auto-closing.
    pub auto_close_after_hours: u64,
    /// The iAdvize REST `fail`/`error` envelopes come with these HTTP statuses (undocumented).
    pub iadvize_rest_error_http_status: bool,
    /// What `users/create_many` does with an e-mail that already exists (undocumented).
    pub create_many_users_existing_email: ExistingEmail,
    /// The account may bulk-import users (`users/create_many`). Documented, but an account
    /// setting: Zendesk leaves it off until the owner asks Zendesk Support, and answers 403
    /// meanwhile (OAS `CreateManyUsers`). On by default here so the happy path works.
    pub bulk_user_imports_enabled: bool,
}

impl Default for Switches {
    fn default() -> Self {
        Switches {
            required_fields_on_solve: true,
            required_fields_on_import: true,
            solve_without_assignee: SolveWithoutAssignee::default(),
            import_accepts_requester_object: false,
            import_accepts_ticket_form_id: true,
            anonymous_users_me: true,
            search_indexing_delay_secs: 120,
            create_requester_if_missing: true,
            reject_invalid_field_values: true,
            oauth_returns_refresh_token: false,
            auto_close_after_hours: 96,
            iadvize_rest_error_http_status: true,
            create_many_users_existing_email: ExistingEmail::default(),
            bulk_user_imports_enabled: true,
        }
    }
}

/// Everything `start` needs. `SandboxConfig::default()` is a small, fast, seeded sandbox
/// on two ephemeral loopback ports.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    pub seed: u64,
    /// Closed conversations seeded across the iAdvize sites.
    pub conversations: usize,
    /// The sites the seeded (and live) conversations belong to, round-robin, by iAdvize site
    /// id (None: all five seeded sites). `single_site(id)` puts every conversation on one site,
    /// so N conversations of one site are N generated, not 5 N. An unknown id fails `start`.
    pub conversation_sites: Option<Vec<i64>>,
    /// Repeat visitors (the default) or one visitor per conversation.
    pub visitor_mix: VisitorMix,
    /// Over how many days before "now" the seeded conversations closed.
    pub history_days: u32,
    pub zendesk_listen: SocketAddr,
    pub iadvize_listen: SocketAddr,
    pub plan: Plan,
    /// Overrides whether ticket forms exist (None: the plan decides; e.g. `Some(false)` for a
    /// legacy Support Professional account at 400 requests/min without forms).
    pub ticket_forms: Option<bool>,
    /// Length of a rate-limit "minute". Benchmarks shorten it to compress time: every
    /// per-minute (and per-10-minutes, per-second) limit scales with it.
    pub rate_limit_window: Duration,
    pub latency: Latency,
    /// Sandbox time a bulk job takes from queued to completed (it is "working" in between).
    pub job_duration: Duration,
    /// How long a "second" is in the durations the sandbox reports in whole seconds
    /// (`Retry-After`, `ratelimit-reset`, the `resets` of `zendesk-ratelimit-*` buckets): 1 s,
    /// as Zendesk. A run that compresses time by k (a 60 s / k rate window) sets it to 1 s / k,
    /// so the rounding up to whole seconds costs as little of a window as it does on Zendesk;
    /// its client reads those seconds back as 1 / k s (`IADVIZE_ZENDESK_TIME_SCALE=k`).
    pub reported_second: Duration,
    pub switches: Switches,
    /// Live mode at start: new closed conversations per minute of real time (None = off).
    pub live_conversations_per_minute: Option<f64>,
    /// Serve this GraphQL SDL instead of `contracts/iadvize-assumed.graphql` (None), e.g. the
    /// contract without one ASSUMED field, to test the app's compatibility check. Fields it
    /// lacks are simply not served; it must only use the contract's type and field names.
    pub iadvize_schema_sdl: Option<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        let loopback: SocketAddr = "127.0.0.1:0".parse().expect("valid address");
        SandboxConfig {
            seed: 42,
            conversations: 200,
            conversation_sites: None,
            visitor_mix: VisitorMix::Repeat,
            history_days: 7,
            zendesk_listen: loopback,
            iadvize_listen: loopback,
            plan: Plan::default(),
            ticket_forms: None,
            rate_limit_window: Duration::from_secs(60),
            latency: Latency::None,
            job_duration: Duration::from_secs(2),
            reported_second: Duration::from_secs(1),
            switches: Switches::default(),
            live_conversations_per_minute: None,
            iadvize_schema_sdl: None,
        }
    }
}

impl SandboxConfig {
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    pub fn conversations(mut self, n: usize) -> Self {
        self.conversations = n;
        self
    }
    /// Seeds (and closes live) conversations on these sites only, round-robin.
    pub fn conversation_sites(mut self, site_ids: impl IntoIterator<Item = i64>) -> Self {
        self.conversation_sites = Some(site_ids.into_iter().collect());
        self
    }
    /// Every conversation on one site (e.g. `3101`, on `ha`).
    pub fn single_site(self, site_id: i64) -> Self {
        self.conversation_sites([site_id])
    }
    pub fn visitor_mix(mut self, mix: VisitorMix) -> Self {
        self.visitor_mix = mix;
        self
    }
    /// Over how many days before "now" the seeded conversations closed (default 7).
    pub fn history_days(mut self, days: u32) -> Self {
        self.history_days = days;
        self
    }
    pub fn plan(mut self, plan: Plan) -> Self {
        self.plan = plan;
        self
    }
    pub fn ticket_forms(mut self, forms: Option<bool>) -> Self {
        self.ticket_forms = forms;
        self
    }
    pub fn rate_limit_window(mut self, window: Duration) -> Self {
        self.rate_limit_window = window;
        self
    }
    pub fn latency(mut self, latency: Latency) -> Self {
        self.latency = latency;
        self
    }
    pub fn switches(mut self, switches: Switches) -> Self {
        self.switches = switches;
        self
    }
    pub fn zendesk_listen(mut self, addr: SocketAddr) -> Self {
        self.zendesk_listen = addr;
        self
    }
    pub fn iadvize_listen(mut self, addr: SocketAddr) -> Self {
        self.iadvize_listen = addr;
        self
    }
    pub fn job_duration(mut self, d: Duration) -> Self {
        self.job_duration = d;
        self
    }
    pub fn reported_second(mut self, d: Duration) -> Self {
        self.reported_second = d;
        self
    }
    /// Compresses time by `factor` (> 0): a rate window of 60 s / factor, jobs of 2 s / factor,
    /// reported seconds of 1 s / factor (latency is separate: see [`Latency::compressed`]).
    pub fn compress_time(self, factor: f64) -> Self {
        let f = if factor.is_finite() && factor > 0.0 { factor } else { 1.0 };
        self.rate_limit_window(Duration::from_secs_f64(60.0 / f))
            .job_duration(Duration::from_secs_f64(2.0 / f))
            .reported_second(Duration::from_secs_f64(1.0 / f))
    }
    pub fn live(mut self, per_minute: Option<f64>) -> Self {
        self.live_conversations_per_minute = per_minute;
        self
    }
    /// Serves this SDL instead of the contract (see [`SandboxConfig::iadvize_schema_sdl`]).
    pub fn iadvize_schema_sdl(mut self, sdl: impl Into<String>) -> Self {
        self.iadvize_schema_sdl = Some(sdl.into());
        self
    }
}
