//! Backfill against the sandbox over real HTTP, with the real keychain and SQLite: a range of
//! past conversations (before the site's start point) becomes exactly one ticket each, through
//! a stop and a resume, a cancel and a restart, the real CLI killed with SIGKILL in the middle;
//! the live sync keeps delivering while a backfill runs; one sync owner per data folder.
//! Run inside scripts/with-keychain.sh.

use chrono::{DateTime, Duration, Utc};
use iadvize_zendesk::Api;
use iadvize_zendesk::api::ClientTuning;
use iadvize_zendesk::backfill::{self, BackfillState, Pacing, RunOptions};
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{Platform, SecretsDraft, SettingChange, Site, SiteDraft, SiteRef, ZendeskAuthKind};
use iadvize_zendesk::sync::engine;
use iadvize_zendesk::sync::owner::SyncLock;
use iadvize_zendesk_sandbox::{Latency, Plan, Platform as SbPlatform, Sandbox, SandboxConfig, credentials as c, form_ids};
use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use tokio::sync::watch;

const BIN: &str = env!("CARGO_BIN_EXE_iadvize-zendesk");

fn fast(api: &Api) {
    api.set_tuning(ClientTuning {
        zendesk: Some(Arc::new(|c| {
            c.job_poll_interval = std::time::Duration::from_millis(20);
            c.request_timeout = std::time::Duration::from_secs(5);
        })),
        iadvize: None,
    });
}

/// A site whose start point is now: everything the sandbox seeded is before it.
fn add_site(api: &Api, sandbox: &Sandbox, name: &str, iadvize_site: i64) -> Site {
    let site = api
        .create_site(&SiteDraft {
            name: name.into(),
            platform: Platform::Ha,
            iadvize_site_id: iadvize_site.to_string(),
            zendesk_domain: "sandbox".into(),
            zendesk_email: c::ZENDESK_ADMIN_EMAIL.into(),
            zendesk_auth: ZendeskAuthKind::ApiToken,
            zendesk_oauth_client_id: None,
            country: Some("France".into()),
            start_from: Some(Utc::now().to_rfc3339()),
            zendesk_api_url: Some(sandbox.zendesk_url()),
            iadvize_api_url: Some(sandbox.iadvize_url()),
            secrets: SecretsDraft {
                zendesk_api_token: Some(Secret::new(c::ZENDESK_API_TOKEN)),
                zendesk_oauth_client_secret: None,
                iadvize_rest_api_key: Some(Secret::new(c::IADVIZE_REST_API_KEY)),
                iadvize_graphql_token: Some(Secret::new(c::IADVIZE_GRAPHQL_TOKEN)),
            },
        })
        .unwrap();
    api.change_settings(
        site.id,
        &[
            SettingChange::Autosave(true),
            SettingChange::AutosaveFormId(Some(form_ids::ARCHIVE)),
            SettingChange::GraceSeconds(0),
        ],
    )
    .unwrap()
}

fn prefix(iadvize_site: i64) -> String {
    format!("iadvize:ha:{iadvize_site}:")
}

/// Tickets per external_id of one iAdvize site.
fn tickets(sandbox: &Sandbox, iadvize_site: i64) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for t in sandbox.control().tickets() {
        if let Some(id) = t.external_id.filter(|x| x.starts_with(&prefix(iadvize_site))) {
            *map.entry(id).or_default() += 1;
        }
    }
    map
}

fn assert_one_ticket_each(sandbox: &Sandbox, iadvize_site: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    let expected = sandbox.control().closed_conversation_ids(SbPlatform::Ha, Some(iadvize_site), from, to);
    let tickets = tickets(sandbox, iadvize_site);
    for id in &expected {
        let key = format!("{}{id}", prefix(iadvize_site));
        assert_eq!(tickets.get(&key).copied().unwrap_or(0), 1, "conversation {id}: one ticket");
    }
    assert_eq!(tickets.len(), expected.len(), "no ticket outside the range");
    expected.len()
}

fn ledger_states(api: &Api, site: i64) -> HashMap<String, i64> {
    let conn = api.store().conn();
    let mut stmt = conn.prepare("SELECT state, count(*) FROM ledger WHERE site_id = ?1 GROUP BY state").unwrap();
    stmt.query_map([site], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

async fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !f() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backfill_turns_a_past_range_into_one_ticket_each_through_stop_cancel_and_resume() {
    let sandbox = iadvize_zendesk_sandbox::start(
        SandboxConfig::default().conversations(1000).plan(Plan::HighVolume).job_duration(std::time::Duration::from_millis(50)),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(dir.path()).unwrap();
    fast(&api);
    let site = add_site(&api, &sandbox, "Paris", 3101);
    let other = add_site(&api, &sandbox, "Outlet", 3102);
    let (from, to) = (Utc::now() - Duration::days(8), site.settings.start_from);
    let (_stop_tx, never) = watch::channel(false);

    // Only the sync owner may send.
    let status = api.backfill_start(&SiteRef::Id(site.id), from, to).unwrap();
    assert_eq!((status.state, status.seen, status.total_estimate), (BackfillState::Running, 0, None));
    let refused = backfill::run_backfill(&api, status.id, never.clone()).await.unwrap_err();
    assert_eq!(refused.code, "backfill.not_owner");
    let _lock = SyncLock::acquire(dir.path(), "desktop").unwrap();

    // One running backfill per site.
    let overlap = api.backfill_start(&SiteRef::Id(site.id), from + Duration::days(1), to).unwrap_err();
    assert_eq!(overlap.code, "backfill.already_running");

    // Stopped after some tickets: it stays running and resumable.
    let (stop_tx, stop_rx) = watch::channel(false);
    let watcher = {
        let sandbox_control = sandbox.control();
        tokio::spawn(async move {
            loop {
                let n = sandbox_control.tickets().len();
                if n >= 40 {
                    let _ = stop_tx.send(true);
                    return n;
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };
    let options = RunOptions {
        pacing: Pacing { max_batch: 20, ..Pacing::default() },
        ..RunOptions::default()
    };
    let stopped = backfill::run_backfill_with(&api, status.id, stop_rx, options.clone()).await.unwrap();
    watcher.await.unwrap();
    assert_eq!(stopped.state, BackfillState::Running);
    assert!(!stopped.running_here);
    assert!(stopped.delivered >= 20 && stopped.delivered < 200, "{stopped:?}");
    assert!(stopped.checkpoint < to, "{stopped:?}");
    // Nothing the live sync could take: the queue is parked, the rest not read yet.
    let (live, errors) = engine::sync_once(&api, Some(&SiteRef::Id(site.id))).await.unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!((live.conversations_seen, live.tickets_created), (0, 0), "the site's start point hides the past from the live sync");

    // Starting the same range again resumes it; running it finishes it.
    let again = api.backfill_start(&SiteRef::Id(site.id), from, to).unwrap();
    assert_eq!(again.id, status.id);
    let done = backfill::run_backfill(&api, status.id, never.clone()).await.unwrap();
    assert_eq!(done.state, BackfillState::Done, "{done:?}");
    let n = assert_one_ticket_each(&sandbox, 3101, from, to);
    assert!(n >= 150, "{n}");
    assert_eq!((done.seen, done.delivered, done.failed, done.pending, done.queued), (n as i64, n as i64, 0, 0, 0));
    assert_eq!((done.total_estimate, done.remaining, done.fraction), (Some(n as i64), Some(0), 1.0));
    assert!(done.finished_at.is_some() && done.reading_done);
    assert_eq!(ledger_states(&api, site.id).get("delivered").copied(), Some(n as i64));

    // The same range once more: a new backfill that reads it again and sends nothing.
    let before = sandbox.control().tickets().len();
    let third = api.backfill_start(&SiteRef::Id(site.id), from, to).unwrap();
    assert_ne!(third.id, status.id);
    let third = backfill::run_backfill(&api, third.id, never.clone()).await.unwrap();
    assert_eq!((third.state, third.delivered), (BackfillState::Done, n as i64));
    assert_eq!(sandbox.control().tickets().len(), before);
    assert_eq!(api.backfills(&SiteRef::Id(site.id)).unwrap().len(), 2);

    // Another site: cancelled in the middle, its queue leaves the ledger and its checkpoint
    // moves back; starting the range again resumes it to one ticket each.
    let b = api.backfill_start(&SiteRef::Id(other.id), from, to).unwrap();
    let canceller = {
        let control = sandbox.control();
        let api_dir = dir.path().to_owned();
        let id = b.id;
        tokio::spawn(async move {
            let api = Api::open(&api_dir).unwrap();
            loop {
                if control.tickets_by_prefix_count(&prefix(3102)) >= 30 {
                    return api.backfill_cancel(id).unwrap();
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };
    let cancelled = backfill::run_backfill_with(&api, b.id, never.clone(), options.clone()).await.unwrap();
    let at_cancel = canceller.await.unwrap();
    assert_eq!(at_cancel.state, BackfillState::Cancelled);
    assert_eq!(cancelled.state, BackfillState::Cancelled);
    assert_eq!(cancelled.queued, 0, "the queue was removed: {cancelled:?}");
    assert_eq!(cancelled.pending, 0, "{cancelled:?}");
    assert!(cancelled.delivered > 0 && cancelled.delivered == cancelled.seen, "{cancelled:?}");
    assert_eq!(api.backfill_cancel(b.id).unwrap().state, BackfillState::Cancelled, "cancelling twice is harmless");
    assert_eq!(backfill::run_backfill(&api, b.id, never.clone()).await.unwrap_err().code, "backfill.cancelled");
    let resumed = api.backfill_start(&SiteRef::Id(other.id), from, to).unwrap();
    assert_eq!((resumed.id, resumed.state), (b.id, BackfillState::Running));
    let finished = backfill::run_backfill(&api, b.id, never.clone()).await.unwrap();
    assert_eq!(finished.state, BackfillState::Done);
    let m = assert_one_ticket_each(&sandbox, 3102, from, to);
    assert_eq!(finished.delivered, m as i64);
    assert_eq!(api.backfill_cancel(b.id).unwrap_err().code, "backfill.finished");
}

trait PrefixCount {
    fn tickets_by_prefix_count(&self, prefix: &str) -> usize;
}

impl PrefixCount for iadvize_zendesk_sandbox::Control {
    fn tickets_by_prefix_count(&self, prefix: &str) -> usize {
        self.tickets().iter().filter(|t| t.external_id.as_deref().is_some_and(|x| x.starts_with(prefix))).count()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_live_sync_keeps_delivering_while_a_backfill_runs() {
    let window = std::time::Duration::from_secs(1);
    let sandbox = iadvize_zendesk_sandbox::start(
        SandboxConfig::default()
            .conversations(2500)
            .plan(Plan::Team)
            .rate_limit_window(window)
            .job_duration(std::time::Duration::from_millis(50)),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let api = Arc::new(Api::open(dir.path()).unwrap());
    api.set_tuning(ClientTuning {
        zendesk: Some(Arc::new(move |c| {
            c.job_poll_interval = std::time::Duration::from_millis(20);
            c.request_timeout = std::time::Duration::from_secs(5);
            c.rate_window = window;
        })),
        iadvize: None,
    });
    let site = add_site(&api, &sandbox, "Paris", 3101);
    let _lock = SyncLock::acquire(dir.path(), "desktop").unwrap();
    let (from, to) = (Utc::now() - Duration::days(8), site.settings.start_from);
    let id = api.backfill_start(&SiteRef::Id(site.id), from, to).unwrap().id;

    // The backfill runs with a small share of the limit (a fifth of 200 requests a window).
    let runner = {
        let api = api.clone();
        tokio::spawn(async move {
            let (_keep, never) = watch::channel(false);
            let options = RunOptions {
                pacing: Pacing {
                    share: 0.2,
                    ..Pacing::default()
                },
                ..RunOptions::default()
            };
            let started = std::time::Instant::now();
            let status = backfill::run_backfill_with(&api, id, never, options).await.unwrap();
            (status, started.elapsed())
        })
    };
    // The live sync polls and delivers as the engine does, side by side.
    let (live_stop_tx, live_stop) = watch::channel(false);
    let live = {
        let api = api.clone();
        let site = site.clone();
        tokio::spawn(async move {
            let mut rounds = 0;
            while !*live_stop.borrow() {
                engine::sync_site_once(&api, &site, None).await.unwrap();
                rounds += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            rounds
        })
    };
    // New conversations close while the backfill runs; each must get its ticket promptly.
    let mut latencies = Vec::new();
    let mut during_backfill = 0;
    for _ in 0..6 {
        let closed = std::time::Instant::now();
        let id_of_ours = loop {
            let uuid = sandbox.control().close_new_conversation();
            let ours = sandbox
                .control()
                .closed_conversation_ids(SbPlatform::Ha, Some(3101), to, Utc::now() + Duration::minutes(1))
                .contains(&uuid);
            if ours {
                break uuid;
            }
        };
        let key = format!("{}{id_of_ours}", prefix(3101));
        wait_until("a live ticket", 30, || !sandbox.control().tickets_by_external_id(&key).is_empty()).await;
        latencies.push(closed.elapsed());
        if api.backfill_status(id).unwrap().state == BackfillState::Running {
            during_backfill += 1;
        }
    }
    let (status, took) = runner.await.unwrap();
    let _ = live_stop_tx.send(true);
    let rounds = live.await.unwrap();
    assert_eq!(status.state, BackfillState::Done, "{status:?}");
    assert!(during_backfill >= 3, "live tickets were made while the backfill ran: {during_backfill} of 6 (backfill took {took:?})");
    let slowest = latencies.iter().max().unwrap();
    assert!(*slowest < std::time::Duration::from_secs(5), "a live ticket took {slowest:?}: {latencies:?}");
    assert!(rounds > 3);
    // Paced: the backfill took several windows, and nobody was ever refused by the limit.
    assert!(took >= window * 2, "the backfill took {took:?}");
    let requests = sandbox.control().requests();
    let limited: u64 = requests.zendesk.values().map(|e| e.by_status.get(&429).copied().unwrap_or(0)).sum();
    assert_eq!(limited, 0, "no request hit the rate limit: {:?}", requests.zendesk);
    assert_one_ticket_each(&sandbox, 3101, from, Utc::now() + Duration::minutes(1));
}

fn cli(data: &std::path::Path, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args)
        .env("IADVIZE_ZENDESK_DATA_DIR", data)
        .env("IADVIZE_ZENDESK_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cli_killed_with_sigkill_mid_backfill_resumes_to_exactly_one_ticket_each() {
    let sandbox = iadvize_zendesk_sandbox::start(
        SandboxConfig::default()
            .conversations(1000)
            .latency(Latency::Uniform { min_ms: 2, max_ms: 15 })
            .rate_limit_window(std::time::Duration::from_secs(1))
            .job_duration(std::time::Duration::from_millis(300)),
    )
    .await
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let api = Api::open(data.path()).unwrap();
    let site = add_site(&api, &sandbox, "Paris", 3101);
    let today = Utc::now().date_naive();
    let (from_day, to_day) = (today - Duration::days(8), today - Duration::days(1));
    let from = from_day.and_hms_opt(0, 0, 0).unwrap().and_utc();
    let to = (to_day + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap().and_utc();
    let expected = sandbox.control().closed_conversation_ids(SbPlatform::Ha, Some(3101), from, to);
    assert!(expected.len() >= 100, "{}", expected.len());
    let (f, t) = (from_day.to_string(), to_day.to_string());
    let args = ["backfill", "Paris", "--from", f.as_str(), "--to", t.as_str(), "--share", "10"];

    let mut first = cli(data.path(), &args).spawn().unwrap();
    let pid = first.id().unwrap();
    // In the middle: some tickets exist, most do not.
    let quarter = expected.len() / 4;
    wait_until("the first tickets", 60, || tickets(&sandbox, 3101).len() >= quarter).await;

    // Meanwhile a second process may not sync the same folder: it names the holder.
    let second = cli(data.path(), &args).output().await.unwrap();
    assert!(!second.status.success());
    let refusal = String::from_utf8_lossy(&second.stderr);
    assert!(refusal.contains("another process already syncs this data folder") && refusal.contains(&pid.to_string()), "{refusal}");

    first.start_kill().unwrap(); // SIGKILL
    let killed = first.wait().await.unwrap();
    assert!(!killed.success());
    let made = tickets(&sandbox, 3101).len();
    assert!(made < expected.len(), "killed in the middle: {made} of {}", expected.len());
    let list = api.backfills(&SiteRef::Id(site.id)).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].state, BackfillState::Running, "a killed backfill stays resumable");
    assert!(list[0].checkpoint >= from && list[0].checkpoint <= to);

    // The same command resumes and ends with exactly one ticket per conversation.
    let rerun = tokio::time::timeout(std::time::Duration::from_secs(120), cli(data.path(), &args).output())
        .await
        .expect("the resumed backfill finishes")
        .unwrap();
    let err = String::from_utf8_lossy(&rerun.stderr);
    assert!(rerun.status.success(), "{err}");
    assert!(err.contains("resuming from"), "{err}");
    assert!(err.contains(&format!("backfill {}:", list[0].id)), "a progress line: {err}");
    assert!(err.contains(&format!("Backfill {} is done.", list[0].id)), "{err}");
    assert_one_ticket_each(&sandbox, 3101, from, to);
    let status = api.backfill_status(list[0].id).unwrap();
    assert_eq!(status.state, BackfillState::Done);
    assert_eq!((status.delivered, status.pending, status.failed), (expected.len() as i64, 0, 0));

    // --list shows it, as JSON too.
    let listed = cli(data.path(), &["backfill", "Paris", "--list", "--json"]).output().await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(json[0]["state"], "done");
    assert_eq!(json[0]["delivered"], expected.len() as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backfill_over_tickets_from_another_data_folder_makes_no_second_ticket() {
    let sandbox = iadvize_zendesk_sandbox::start(
        SandboxConfig::default().conversations(300).job_duration(std::time::Duration::from_millis(50)),
    )
    .await
    .unwrap();
    let (from, to) = (Utc::now() - Duration::days(8), Utc::now() - Duration::minutes(1));

    // An earlier installation delivered the first half of the range.
    let old = tempfile::tempdir().unwrap();
    let old_api = Api::open(old.path()).unwrap();
    fast(&old_api);
    let old_site = add_site(&old_api, &sandbox, "Before", 3101);
    let _old_lock = SyncLock::acquire(old.path(), "headless").unwrap();
    let half = from + (to - from) / 2;
    let first = old_api.backfill_start(&SiteRef::Id(old_site.id), from, half).unwrap();
    let (_tx, never) = watch::channel(false);
    let first = backfill::run_backfill(&old_api, first.id, never.clone()).await.unwrap();
    assert_eq!(first.state, BackfillState::Done);
    let already = sandbox.control().tickets().len();
    assert!(already > 10, "{already}");

    // A new data folder (a reinstall) backfills the whole range.
    let new = tempfile::tempdir().unwrap();
    let api = Api::open(new.path()).unwrap();
    fast(&api);
    let site = add_site(&api, &sandbox, "After", 3101);
    let _lock = SyncLock::acquire(new.path(), "desktop").unwrap();
    let all = api.backfill_start(&SiteRef::Id(site.id), from, to).unwrap();
    let all = backfill::run_backfill(&api, all.id, never).await.unwrap();
    assert_eq!(all.state, BackfillState::Done, "{all:?}");
    let n = assert_one_ticket_each(&sandbox, 3101, from, to);
    assert_eq!(all.delivered, n as i64, "the existing tickets are recorded as this folder's");
    // The tickets found were recorded, not sent: the log says so.
    let recovered: i64 = api
        .store()
        .conn()
        .query_row("SELECT count(*) FROM ledger WHERE site_id = ?1 AND path = 'recovered'", [site.id], |r| r.get(0))
        .unwrap();
    assert_eq!(recovered, already as i64);
}
