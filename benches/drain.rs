//! Auto-save drain benchmark: how fast a backlog of closed conversations becomes tickets, how
//! many Zendesk requests it takes, and how much memory the engine needs, against the sandbox
//! with a plan's rate limit and log-normal latency.
//!
//! ```text
//! scripts/with-keychain.sh cargo bench --bench drain                    # the four scenarios
//! scripts/with-keychain.sh cargo bench --bench drain -- 10k-unique 2k-repeat --scale 5
//! ```
//!
//! Scenarios are `<N>[k]-unique` (every conversation its own visitor: 30 % already Zendesk
//! end-users, 20 % without e-mail) or `<N>[k]-repeat` (the sandbox's pool of 120 visitors per
//! platform), all on one iAdvize site. Options: `--scale K` (time compression; default: chosen
//! per scenario so that the floor is about five minutes), `--plan team|growth|professional|
//! enterprise|high_volume` (default enterprise, 700 requests a minute), `--median-ms` /
//! `--p95-ms` (Zendesk and iAdvize latency before compression; default 150 / 400 ms).
//!
//! For each scenario: the sandbox starts in this process (seeded conversations, the plan,
//! `compress_time(K)`: `rate_limit_window` = 60 s / K, `job_duration` = 2 s / K, seconds in
//! headers of 1 s / K; latency / K); a site is created in a
//! temporary data folder with its secrets in the keychain; then the **release binary**
//! (`iadvize-zendesk sync --once --json`) runs as a child process, again until nothing is
//! pending, with `IADVIZE_ZENDESK_TIME_SCALE=K` so its own rate window and job polling are
//! compressed alike. Its peak memory is the child's `ru_maxrss` (wait4), measured by a small
//! launcher (this binary re-run with `--launch`): a child's `ru_maxrss` also counts what its
//! parent had mapped when it forked, and the benchmark process holds the whole sandbox (700 MiB
//! with 100,000 tickets), the launcher a few MiB. Zendesk requests are
//! the sandbox's counts (every request that reached it); the floor is requests / plan limit
//! windows. One ticket per conversation is checked through the sandbox's control API.
//!
//! Figures are printed, never asserted.

use chrono::{Duration as ChronoDuration, Utc};
use iadvize_zendesk::Api;
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{Platform, SecretsDraft, SettingChange, SiteDraft, ZendeskAuthKind};
use iadvize_zendesk::zendesk::TIME_SCALE_ENV;
use iadvize_zendesk_sandbox::{
    Api as SbApi, Latency, Plan, Platform as SbPlatform, SandboxConfig, VisitorMix,
    credentials as c, form_ids,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_iadvize-zendesk");
const SITE: i64 = 3101;
/// Unique-visitor mix: already Zendesk end-users, without e-mail.
const EXISTING_SHARE: f64 = 0.3;
const WITHOUT_EMAIL_SHARE: f64 = 0.2;
/// Sandbox job duration before compression (Zendesk's bulk jobs: "a second or two").
const JOB_SECONDS: f64 = 2.0;
/// What the automatic compression aims at: a floor of about this long.
const TARGET_FLOOR: Duration = Duration::from_secs(300);

#[derive(Clone, Debug)]
struct Scenario {
    name: String,
    conversations: usize,
    unique: bool,
}

impl Scenario {
    fn parse(s: &str) -> Option<Scenario> {
        let (size, mix) = s.split_once('-')?;
        let conversations = match size.strip_suffix(['k', 'K']) {
            Some(k) => k.parse::<usize>().ok()? * 1000,
            None => size.parse().ok()?,
        };
        let unique = match mix {
            "unique" => true,
            "repeat" => false,
            _ => return None,
        };
        Some(Scenario {
            name: s.to_string(),
            conversations,
            unique,
        })
    }

    /// Rough requests per ticket, to choose the compression before measuring.
    fn estimated_requests_per_ticket(&self) -> f64 {
        if self.unique {
            1.0 - WITHOUT_EMAIL_SHARE + 0.1
        } else {
            0.1
        }
    }
}

struct Options {
    scenarios: Vec<Scenario>,
    scale: Option<f64>,
    plan: Plan,
    median_ms: f64,
    p95_ms: f64,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        scenarios: Vec::new(),
        scale: None,
        plan: Plan::Enterprise,
        median_ms: 150.0,
        p95_ms: 400.0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            // `cargo bench` passes --bench to harness-less benches.
            "--bench" => {}
            "--scale" => {
                o.scale = Some(
                    value("--scale")?
                        .parse()
                        .map_err(|e| format!("--scale: {e}"))?,
                )
            }
            "--median-ms" => {
                o.median_ms = value("--median-ms")?
                    .parse()
                    .map_err(|e| format!("--median-ms: {e}"))?
            }
            "--p95-ms" => {
                o.p95_ms = value("--p95-ms")?
                    .parse()
                    .map_err(|e| format!("--p95-ms: {e}"))?
            }
            "--plan" => {
                let v = value("--plan")?;
                o.plan =
                    serde_json::from_value(serde_json::Value::String(v.clone())).map_err(|_| {
                        format!("--plan {v}: team, growth, professional, enterprise or high_volume")
                    })?;
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => o.scenarios.push(
                Scenario::parse(s)
                    .ok_or(format!("{s}: a scenario is <N>[k]-unique or <N>[k]-repeat"))?,
            ),
        }
    }
    if o.scenarios.is_empty() {
        o.scenarios = ["10k-unique", "10k-repeat", "100k-unique", "100k-repeat"]
            .iter()
            .filter_map(|s| Scenario::parse(s))
            .collect();
    }
    Ok(o)
}

/// One `sync --once` run of the release binary.
struct Run {
    summary: serde_json::Value,
    elapsed: Duration,
    max_rss_kib: u64,
}

/// Spawns `command`, waits for it with wait4 and returns its exit status and `ru_maxrss` (KiB).
fn spawn_and_measure(mut command: Command) -> Result<(libc::c_int, u64), String> {
    let child = command
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: plain FFI call with valid pointers; the child is ours and not yet reaped.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r != pid {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    // Reaped: the handle must not wait again (dropping a Child neither waits nor kills).
    drop(child);
    Ok((status, usage.ru_maxrss as u64))
}

/// `--launch RSS_FILE PROGRAM ARGS...`: runs the program with this process's stdio and
/// environment, writes its peak RSS (KiB) to RSS_FILE and exits with its status. Started
/// before anything is allocated, so the child's `ru_maxrss` is its own.
fn launch(args: &[String]) -> ! {
    let [rss_file, program, rest @ ..] = args else {
        eprintln!("drain --launch RSS_FILE PROGRAM ARGS...");
        std::process::exit(2);
    };
    let mut command = Command::new(program);
    command.args(rest);
    match spawn_and_measure(command) {
        Ok((status, rss)) => {
            let _ = std::fs::write(rss_file, rss.to_string());
            let code = if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                128 + libc::WTERMSIG(status)
            };
            std::process::exit(code)
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    }
}

/// Runs the binary through the launcher, for its own peak RSS.
fn run_sync(data: &Path, scale: f64, stderr_log: &Path) -> Result<Run, String> {
    let log = std::fs::File::create(stderr_log).map_err(|e| e.to_string())?;
    let rss_file = data.join("sync-rss-kib");
    let _ = std::fs::remove_file(&rss_file);
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = Command::new(me)
        .arg("--launch")
        .arg(&rss_file)
        .arg(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["sync", "--once", "--json"])
        .env("IADVIZE_ZENDESK_LOG", "warn")
        .env(TIME_SCALE_ENV, format!("{scale}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .map_err(|e| format!("cannot start {BIN}: {e}"))?;
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut out)
        .map_err(|e| e.to_string())?;
    let status = child.wait().map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    let exited_ok = status.success();
    let max_rss_kib = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .ok_or("the launcher wrote no peak RSS")?;
    let summary = serde_json::from_str(out.trim()).map_err(|e| {
        let err = std::fs::read_to_string(stderr_log).unwrap_or_default();
        format!(
            "sync --once printed no summary ({e}); exit ok: {exited_ok}; stderr:\n{}",
            tail(&err, 20)
        )
    })?;
    if !exited_ok {
        let err = std::fs::read_to_string(stderr_log).unwrap_or_default();
        eprintln!(
            "    sync --once exited with status {status}: {}",
            tail(&err, 5)
        );
    }
    Ok(Run {
        summary,
        elapsed,
        max_rss_kib,
    })
}

fn tail(s: &str, lines: usize) -> String {
    let all: Vec<&str> = s.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// What one scenario measured.
#[derive(Clone, Debug)]
struct Figures {
    name: String,
    unique: bool,
    conversations: usize,
    tickets: usize,
    one_each: bool,
    requests: u64,
    by_endpoint: BTreeMap<String, u64>,
    rate_limited: u64,
    iadvize_requests: u64,
    drain: Duration,
    floor: Duration,
    peak_rss_kib: u64,
    scale: f64,
    runs: usize,
}

impl Figures {
    fn per_ticket(&self) -> f64 {
        self.requests as f64 / self.tickets.max(1) as f64
    }
    fn ratio(&self) -> f64 {
        self.drain.as_secs_f64() / self.floor.as_secs_f64().max(1e-9)
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

async fn run_scenario(o: &Options, s: &Scenario) -> Result<Figures, String> {
    let limit = o.plan.requests_per_minute();
    let base_latency = Latency::LogNormal {
        median_ms: o.median_ms,
        p95_ms: o.p95_ms,
    };
    let scale = o.scale.unwrap_or_else(|| {
        let est =
            s.conversations as f64 * s.estimated_requests_per_ticket() / f64::from(limit) * 60.0;
        (est / TARGET_FLOOR.as_secs_f64()).round().clamp(1.0, 30.0)
    });
    let window = Duration::from_secs_f64(60.0 / scale);
    let latency = base_latency.compressed(scale);
    let mix = if s.unique {
        VisitorMix::unique(EXISTING_SHARE, WITHOUT_EMAIL_SHARE)
    } else {
        VisitorMix::Repeat
    };
    println!(
        "\n=== {} ({} conversations on site {SITE}, {})",
        s.name,
        s.conversations,
        if s.unique {
            format!(
                "unique visitors: {:.0} % known to Zendesk, {:.0} % without e-mail",
                EXISTING_SHARE * 100.0,
                WITHOUT_EMAIL_SHARE * 100.0
            )
        } else {
            "repeat visitors: a pool of 120".into()
        }
    );
    let limit_rate = f64::from(limit) / window.as_secs_f64();
    let in_flight = iadvize_zendesk::sync::deliver::PIPELINE * LOOKUPS_PER_BATCH;
    let mean = latency.mean_ms();
    let achievable = in_flight as f64 / (mean / 1e3);
    println!(
        "time compressed x{scale}: rate window {:.2} s ({limit} requests: {limit_rate:.0}/s), jobs {:.0} ms, reported seconds 1/{scale} s, latency log-normal median {:.1} ms p95 {:.1} ms (mean {mean:.1} ms); the client compresses its rate window, job polling and reported seconds alike ({TIME_SCALE_ENV}={scale})",
        window.as_secs_f64(),
        JOB_SECONDS / scale * 1e3,
        o.median_ms / scale,
        o.p95_ms / scale,
    );
    println!(
        "rate-limit bound? the client keeps up to {in_flight} look-ups in flight ({} batches x {LOOKUPS_PER_BATCH}): {achievable:.0} requests/s at the mean latency, {} the limit's {limit_rate:.0}/s",
        iadvize_zendesk::sync::deliver::PIPELINE,
        if achievable > limit_rate {
            format!("{:.0}x", achievable / limit_rate)
        } else {
            "BELOW".into()
        }
    );

    let t = Instant::now();
    let sandbox = iadvize_zendesk_sandbox::start(
        SandboxConfig::default()
            .conversations(s.conversations)
            .single_site(SITE)
            .visitor_mix(mix)
            .plan(o.plan)
            // Window, jobs and the seconds in headers, all divided by the scale.
            .compress_time(scale)
            .latency(latency),
    )
    .await
    .map_err(|e| e.to_string())?;
    let control = sandbox.control();
    println!(
        "sandbox started in {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    let data = tempfile::tempdir().map_err(|e| e.to_string())?;
    let start = Utc::now() - ChronoDuration::days(8);
    {
        let api = Api::open(data.path()).map_err(|e| e.message)?;
        let site = api
            .create_site(&SiteDraft {
                name: "Drain benchmark".into(),
                platform: Platform::Ha,
                iadvize_site_id: SITE.to_string(),
                zendesk_domain: "sandbox".into(),
                zendesk_email: c::ZENDESK_ADMIN_EMAIL.into(),
                zendesk_auth: ZendeskAuthKind::ApiToken,
                zendesk_oauth_client_id: None,
                country: Some("France".into()),
                start_from: Some(start.to_rfc3339()),
                zendesk_api_url: Some(sandbox.zendesk_url()),
                iadvize_api_url: Some(sandbox.iadvize_url()),
                secrets: SecretsDraft {
                    zendesk_api_token: Some(Secret::new(c::ZENDESK_API_TOKEN)),
                    zendesk_oauth_client_secret: None,
                    iadvize_rest_api_key: Some(Secret::new(c::IADVIZE_REST_API_KEY)),
                    iadvize_graphql_token: Some(Secret::new(c::IADVIZE_GRAPHQL_TOKEN)),
                },
            })
            .map_err(|e| {
                format!(
                    "{} ({}): run under scripts/with-keychain.sh",
                    e.message, e.code
                )
            })?;
        api.change_settings(
            site.id,
            &[
                SettingChange::Autosave(true),
                SettingChange::AutosaveFormId(Some(form_ids::ARCHIVE)),
                SettingChange::GraceSeconds(0),
            ],
        )
        .map_err(|e| e.message)?;
    }
    let expected: HashSet<String> = control
        .closed_conversation_ids(SbPlatform::Ha, Some(SITE), start, Utc::now())
        .into_iter()
        .map(|id| format!("iadvize:ha:{SITE}:{id}"))
        .collect();
    let before = control.requests();

    let log = data.path().join("sync-stderr.log");
    let drain_started = Instant::now();
    let mut peak = 0u64;
    let mut runs = 0usize;
    let mut created = 0u64;
    loop {
        runs += 1;
        let path: PathBuf = data.path().to_owned();
        let log2 = log.clone();
        let run = tokio::task::spawn_blocking(move || run_sync(&path, scale, &log2))
            .await
            .map_err(|e| e.to_string())??;
        peak = peak.max(run.max_rss_kib);
        let pending = run.summary["pending"].as_u64().unwrap_or(u64::MAX);
        let this = run.summary["tickets_created"].as_u64().unwrap_or(0);
        created += this;
        println!(
            "  sync --once #{runs}: {:.1} s, peak RSS {:.1} MiB: {}",
            run.elapsed.as_secs_f64(),
            mib(run.max_rss_kib),
            run.summary
        );
        if pending == 0 {
            break;
        }
        if runs >= 30 {
            return Err(format!("still {pending} pending after {runs} runs"));
        }
        if this == 0 {
            // Retries wait for their time: give them a moment (counted in the drain time).
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let drain = drain_started.elapsed();

    let after = control.requests();
    let mut by_endpoint = BTreeMap::new();
    let mut rate_limited = 0;
    for (endpoint, stats) in &after.zendesk {
        let was = before.zendesk.get(endpoint);
        let n = stats.count - was.map_or(0, |w| w.count);
        let n429 = stats.by_status.get(&429).copied().unwrap_or(0)
            - was
                .and_then(|w| w.by_status.get(&429).copied())
                .unwrap_or(0);
        rate_limited += n429;
        if n > 0 {
            by_endpoint.insert(endpoint.clone(), n);
        }
    }
    let requests: u64 = by_endpoint.values().sum();
    let iadvize_requests = after.total(SbApi::Iadvize) - before.total(SbApi::Iadvize);

    // One solved, imported ticket per conversation, with its private note; nothing else.
    let summaries = control.ticket_summaries();
    let mut per_key: HashMap<&str, usize> = HashMap::new();
    let mut bad = 0usize;
    for t in &summaries {
        if let Some(k) = t.external_id.as_deref() {
            *per_key.entry(k).or_default() += 1;
        }
        if !(matches!(t.status.as_str(), "solved" | "closed")
            && t.via == "import"
            && t.private_comments == 1
            && t.public_comments >= 1)
        {
            bad += 1;
        }
    }
    let missing = expected
        .iter()
        .filter(|k| !per_key.contains_key(k.as_str()))
        .count();
    let duplicated = per_key.values().filter(|n| **n > 1).count();
    let extra = per_key.keys().filter(|k| !expected.contains(**k)).count();
    let one_each = missing == 0
        && duplicated == 0
        && extra == 0
        && bad == 0
        && summaries.len() == expected.len();
    println!(
        "tickets: {} for {} conversations (engine says {created} created): {}",
        summaries.len(),
        expected.len(),
        if one_each {
            "one solved imported ticket with its private note each".to_string()
        } else {
            format!(
                "MISMATCH: {missing} missing, {duplicated} duplicated, {extra} unexpected, {bad} malformed"
            )
        }
    );

    let floor = Duration::from_secs_f64(requests as f64 / f64::from(limit) * window.as_secs_f64());
    let f = Figures {
        name: s.name.clone(),
        unique: s.unique,
        conversations: expected.len(),
        tickets: summaries.len(),
        one_each,
        requests,
        by_endpoint,
        rate_limited,
        iadvize_requests,
        drain,
        floor,
        peak_rss_kib: peak,
        scale,
        runs,
    };
    println!("Zendesk requests by endpoint:");
    for (e, n) in &f.by_endpoint {
        println!(
            "  {e:<48} {n:>8}  ({:.4} per ticket)",
            *n as f64 / f.tickets.max(1) as f64
        );
    }
    println!(
        "Zendesk requests: {} ({:.3} per ticket), {} answered 429; iAdvize requests: {}",
        f.requests,
        f.per_ticket(),
        f.rate_limited,
        f.iadvize_requests
    );
    println!(
        "drain {:.1} s in {} run(s); floor {:.1} s ({} requests / {limit} per {:.2} s window); ratio {:.2}; real-time equivalent: drain {:.1} min, floor {:.1} min",
        f.drain.as_secs_f64(),
        f.runs,
        f.floor.as_secs_f64(),
        f.requests,
        window.as_secs_f64(),
        f.ratio(),
        f.drain.as_secs_f64() * scale / 60.0,
        f.floor.as_secs_f64() * scale / 60.0,
    );
    println!(
        "engine peak RSS (largest sync --once child): {:.1} MiB",
        mib(f.peak_rss_kib)
    );
    sandbox.shutdown();
    Ok(f)
}

/// Requester look-ups a batch keeps in flight (`LOOKUP_CONCURRENCY` in `src/sync/deliver.rs`).
const LOOKUPS_PER_BATCH: usize = 16;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--launch") {
        launch(&args[1..]);
    }
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("drain: {e}");
            std::process::exit(2);
        }
    };
    println!(
        "drain benchmark: {} cores, plan {:?} ({} requests/min), binary {BIN}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        o.plan,
        o.plan.requests_per_minute()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut all = Vec::new();
    for s in &o.scenarios {
        match rt.block_on(run_scenario(&o, s)) {
            Ok(f) => all.push(f),
            Err(e) => {
                eprintln!("{}: {e}", s.name);
                std::process::exit(1);
            }
        }
    }
    println!(
        "\n| scenario | conversations | tickets | one each | Zendesk requests | per ticket | drain | floor | ratio | peak RSS | compression |"
    );
    println!("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for f in &all {
        println!(
            "| {} | {} | {} | {} | {} | {:.3} | {:.1} s | {:.1} s | {:.2} | {:.1} MiB | x{} |",
            f.name,
            f.conversations,
            f.tickets,
            if f.one_each { "yes" } else { "NO" },
            f.requests,
            f.per_ticket(),
            f.drain.as_secs_f64(),
            f.floor.as_secs_f64(),
            f.ratio(),
            mib(f.peak_rss_kib),
            f.scale
        );
    }
    println!("\ntargets:");
    for f in &all {
        let target = if f.unique { 1.1 } else { 0.2 };
        println!(
            "  {}: {:.3} requests per ticket (target <= {target}): {}; drain/floor {:.2} (target <= 1.3): {}",
            f.name,
            f.per_ticket(),
            if f.per_ticket() <= target {
                "met"
            } else {
                "MISSED"
            },
            f.ratio(),
            if f.ratio() <= 1.3 { "met" } else { "MISSED" }
        );
    }
    for unique in [true, false] {
        let mut sized: Vec<&Figures> = all.iter().filter(|f| f.unique == unique).collect();
        sized.sort_by_key(|f| f.conversations);
        if let (Some(small), Some(big)) = (sized.first(), sized.last())
            && big.conversations >= 10 * small.conversations
        {
            let r = big.peak_rss_kib as f64 / small.peak_rss_kib.max(1) as f64;
            println!(
                "  peak memory {} vs {} ({}): {:.1} / {:.1} MiB = {r:.2} (target <= 1.2): {}",
                big.name,
                small.name,
                if unique { "unique" } else { "repeat" },
                mib(big.peak_rss_kib),
                mib(small.peak_rss_kib),
                if r <= 1.2 { "met" } else { "MISSED" }
            );
        }
    }
}
