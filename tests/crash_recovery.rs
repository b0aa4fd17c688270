//! The real `iadvize-zendesk sync` process killed with SIGKILL at several points of its work,
//! then restarted: in the end exactly one ticket per conversation, none lost.
//! Run inside scripts/with-keychain.sh.

use chrono::{Duration, Utc};
use iadvize_zendesk::Api;
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{Platform, SecretsDraft, SettingChange, SiteDraft, ZendeskAuthKind};
use iadvize_zendesk_sandbox::{Api as FaultApi, Fault, FaultRule, Latency, Platform as SbPlatform, SandboxConfig, Trigger, credentials as c, form_ids};
use std::collections::HashMap;
use std::process::Stdio;

const BIN: &str = env!("CARGO_BIN_EXE_iadvize-zendesk");
const SITE: i64 = 3101;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_sync_process_at_any_point_never_duplicates_or_loses_a_ticket() {
    let sandbox = iadvize_zendesk_sandbox::start(
        SandboxConfig::default()
            .conversations(1000)
            // Many short runs: a generous plan, so that no run waits for a rate-limit reset.
            .plan(iadvize_zendesk_sandbox::Plan::HighVolume)
            .latency(Latency::Uniform { min_ms: 5, max_ms: 30 })
            .job_duration(std::time::Duration::from_millis(300)),
    )
    .await
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let api = Api::open(data.path()).unwrap();
    let start = Utc::now() - Duration::days(8);
    let site = api
        .create_site(&SiteDraft {
            name: "Crash".into(),
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
        .unwrap();
    api.change_settings(
        site.id,
        &[
            SettingChange::Autosave(true),
            SettingChange::AutosaveFormId(Some(form_ids::ARCHIVE)),
            SettingChange::GraceSeconds(0),
        ],
    )
    .unwrap();
    // Some answers lost on the way back too: the killed process is not the only uncertainty.
    sandbox.control().add_fault(FaultRule {
        api: FaultApi::Zendesk,
        method: Some("POST".into()),
        route: None,
        fault: Fault::CommitThenDrop,
        trigger: Trigger::Probability { p: 0.05 },
    });
    let expected = sandbox
        .control()
        .closed_conversation_ids(SbPlatform::Ha, Some(SITE), start, Utc::now());
    assert!(expected.len() >= 150, "{}", expected.len());

    // Time passes between two runs: leases and retry delays are over.
    let time_passes = || {
        api.store()
            .conn()
            .execute("UPDATE ledger SET due_at = '2000-01-01 00:00:00+00:00' WHERE state IN ('waiting', 'sending')", [])
            .unwrap();
    };

    let sending = || -> i64 {
        api.store()
            .conn()
            .query_row("SELECT count(*) FROM ledger WHERE state = 'sending'", [], |r| r.get(0))
            .unwrap()
    };
    // Sends started so far (each `Waiting -> Sending` is logged as an attempt).
    let sends = || -> i64 {
        api.store()
            .conn()
            .query_row("SELECT count(*) FROM attempts WHERE outcome = 'started'", [], |r| r.get(0))
            .unwrap()
    };
    let spawn = || {
        tokio::process::Command::new(BIN)
            .arg("--data-dir")
            .arg(data.path())
            .arg("sync")
            .env("IADVIZE_ZENDESK_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };

    let t0 = std::time::Instant::now();
    // Once while it polls (before anything is sent)...
    let mut child = spawn();
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    child.start_kill().unwrap(); // SIGKILL
    let _ = child.wait().await;
    // ...then each time while tickets are in flight: as soon as entries are marked `sending`
    // (the import is about to go out), and a little later (the job is queued or running).
    let mut killed_in_flight = 0;
    for extra_ms in [0, 30, 90, 200, 350, 600] {
        let before = sends();
        let mut child = spawn();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let open = || -> i64 {
            api.store()
                .conn()
                .query_row("SELECT count(*) FROM ledger WHERE state IN ('waiting', 'sending')", [], |r| r.get(0))
                .unwrap()
        };
        let polled = || iadvize_zendesk::store::ledger::cursor(&api.store().conn(), site.id).unwrap().is_some();
        while sends() == before && (open() > 0 || !polled()) && std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(extra_ms)).await;
        let in_flight = sending();
        child.start_kill().unwrap();
        let _ = child.wait().await;
        killed_in_flight += usize::from(in_flight > 0);
        let counts = iadvize_zendesk::store::ledger::counts(&api.store().conn(), site.id).unwrap();
        eprintln!("[{:?}] killed {extra_ms} ms after sending started: {counts:?}, {} tickets", t0.elapsed(), sandbox.control().tickets().len());
        time_passes();
        if counts.waiting + counts.sending == 0 {
            break;
        }
    }
    assert!(killed_in_flight >= 2, "the kills should land while tickets are in flight");

    sandbox.control().clear_faults();
    let mut pending = usize::MAX;
    for _ in 0..8 {
        let out = tokio::process::Command::new(BIN)
            .arg("--data-dir")
            .arg(data.path())
            .args(["sync", "--once", "--json"])
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        pending = summary["pending"].as_u64().unwrap() as usize;
        eprintln!("[{:?}] sync --once: {summary}", t0.elapsed());
        if pending == 0 {
            break;
        }
        time_passes();
    }
    assert_eq!(pending, 0);

    let mut per_conversation: HashMap<String, usize> = HashMap::new();
    for t in sandbox.control().tickets() {
        *per_conversation.entry(t.external_id.unwrap_or_default()).or_default() += 1;
    }
    for id in &expected {
        let key = format!("iadvize:ha:{SITE}:{id}");
        if per_conversation.get(&key).copied() != Some(1) {
            let attempts = iadvize_zendesk::store::ledger::attempts(&api.store().conn(), site.id, &id.to_string()).unwrap();
            let tickets: Vec<_> = sandbox
                .control()
                .tickets()
                .into_iter()
                .filter(|t| t.external_id.as_deref() == Some(key.as_str()))
                .map(|t| (t.id, t.via, t.status, t.followup_source_id))
                .collect();
            panic!("conversation {id}: tickets {tickets:?}\nattempts {attempts:#?}");
        }
    }
    assert_eq!(per_conversation.len(), expected.len(), "no ticket for anything else");
}
