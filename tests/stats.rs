//! Statistics against the sandbox over real HTTP: after auto-save, the figures per agent (all
//! three kinds), campaign, country and day equal what the sandbox's Zendesk holds (the tickets'
//! "iAdvize Agent" / "iAdvize Campaign" / "iAdvize Country" fields, their tags, their solved
//! day), for several periods and offsets; failures count where Zendesk has no ticket.
//! Run inside scripts/with-keychain.sh.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use iadvize_zendesk::Api;
use iadvize_zendesk::api::ClientTuning;
use iadvize_zendesk::iadvize::{AgentKind, ClosedConversationsFilter, Conversation};
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{Platform, SecretsDraft, SettingChange, Site, SiteDraft, SiteRef, ZendeskAuthKind};
use iadvize_zendesk::stats::{StatsCounts, StatsGroup, StatsQuery, StatsReport};
use iadvize_zendesk::sync::engine;
use iadvize_zendesk_sandbox::faults::{Api as FaultApi, Fault, FaultRule, Trigger};
use iadvize_zendesk_sandbox::{Sandbox, SandboxConfig, TicketView, credentials as c, field_ids, form_ids};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const SITE: i64 = 3101;

struct Env {
    _dir: tempfile::TempDir,
    api: Arc<Api>,
    sandbox: Sandbox,
    site: Site,
}

async fn env(conversations: usize) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let api = Arc::new(Api::open(dir.path()).unwrap());
    let sandbox = iadvize_zendesk_sandbox::start(
        SandboxConfig::default()
            .conversations(conversations)
            .job_duration(std::time::Duration::from_millis(50)),
    )
    .await
    .unwrap();
    api.set_tuning(ClientTuning {
        zendesk: Some(Arc::new(|c| {
            c.job_poll_interval = std::time::Duration::from_millis(20);
            c.request_timeout = std::time::Duration::from_secs(5);
        })),
        iadvize: None,
    });
    let site = api
        .create_site(&SiteDraft {
            name: "Stats".into(),
            platform: Platform::Ha,
            iadvize_site_id: SITE.to_string(),
            zendesk_domain: "sandbox".into(),
            zendesk_email: c::ZENDESK_ADMIN_EMAIL.into(),
            zendesk_auth: ZendeskAuthKind::OauthClient,
            zendesk_oauth_client_id: Some(c::ZENDESK_OAUTH_CLIENT_ID.into()),
            country: Some("France".into()),
            start_from: Some((Utc::now() - Duration::days(8)).to_rfc3339()),
            zendesk_api_url: Some(sandbox.zendesk_url()),
            iadvize_api_url: Some(sandbox.iadvize_url()),
            secrets: SecretsDraft {
                zendesk_api_token: None,
                zendesk_oauth_client_secret: Some(Secret::new(c::ZENDESK_OAUTH_CLIENT_SECRET)),
                iadvize_rest_api_key: Some(Secret::new(c::IADVIZE_REST_API_KEY)),
                iadvize_graphql_token: Some(Secret::new(c::IADVIZE_GRAPHQL_TOKEN)),
            },
        })
        .unwrap();
    let site = api
        .change_settings(
            site.id,
            &[
                SettingChange::Autosave(true),
                SettingChange::AutosaveFormId(Some(form_ids::ARCHIVE)),
                SettingChange::GraceSeconds(0),
            ],
        )
        .unwrap();
    Env { _dir: dir, api, sandbox, site }
}

async fn conversations(env: &Env) -> Vec<Conversation> {
    let client = iadvize_zendesk::check::iadvize_client(&env.api, &env.site).unwrap();
    client
        .closed_conversations(&ClosedConversationsFilter::site(SITE, env.site.settings.start_from, Utc::now()))
        .await
        .unwrap()
}

async fn drain(env: &Env) {
    for _ in 0..10 {
        let (summary, _errors) = engine::sync_once(&env.api, None).await.unwrap();
        if summary.pending == 0 {
            return;
        }
        env.api
            .store()
            .conn()
            .execute("UPDATE ledger SET due_at = '2000-01-01 00:00:00+00:00' WHERE state IN ('waiting', 'sending')", [])
            .unwrap();
    }
    panic!("the sync did not settle");
}

fn text(t: &TicketView, field: i64) -> Option<String> {
    t.field(field).and_then(|v| v.as_str()).map(str::to_owned)
}

/// What the sandbox's Zendesk holds for a period, grouped like the report.
#[derive(Default, Debug)]
struct Expected {
    tickets: i64,
    total: (i64, i64),
    by_agent: BTreeMap<(Option<String>, Option<String>), (i64, i64)>,
    by_campaign: BTreeMap<Option<String>, (i64, i64)>,
    by_country: BTreeMap<Option<String>, (i64, i64)>,
    by_day: BTreeMap<NaiveDate, (i64, i64)>,
}

fn expected(env: &Env, kinds: &HashMap<String, Option<AgentKind>>, query: &StatsQuery) -> Expected {
    let (start, end) = query.bounds();
    let prefix = format!("iadvize:ha:{SITE}:");
    let mut e = Expected::default();
    for t in env.sandbox.control().tickets() {
        let Some(external_id) = t.external_id.clone().filter(|x| x.starts_with(&prefix)) else { continue };
        // Imported tickets are solved when the conversation closed.
        let solved: DateTime<Utc> = t.solved_at.expect("an imported ticket is solved");
        if solved < start || solved >= end {
            continue;
        }
        let figures = (
            i64::from(t.tags.iter().any(|x| x == "iadvize_autosave")),
            i64::from(t.tags.iter().any(|x| x == "iadvize_escalation")),
        );
        let add = |slot: &mut (i64, i64)| {
            slot.0 += figures.0;
            slot.1 += figures.1;
        };
        e.tickets += 1;
        add(&mut e.total);
        let kind = kinds.get(&external_id).copied().flatten();
        add(e.by_agent.entry((text(&t, field_ids::IADVIZE_AGENT), kind.map(|k| format!("{k:?}")))).or_default());
        add(e.by_campaign.entry(text(&t, field_ids::IADVIZE_CAMPAIGN)).or_default());
        add(e.by_country.entry(text(&t, field_ids::IADVIZE_COUNTRY)).or_default());
        let day = (solved + Duration::minutes(i64::from(query.utc_offset_minutes))).date_naive();
        add(e.by_day.entry(day).or_default());
    }
    e
}

fn pair(c: &StatsCounts) -> (i64, i64) {
    (c.auto_saved, c.escalated)
}

fn assert_report_matches(report: &StatsReport, e: &Expected, what: &str) {
    assert_eq!(pair(&report.totals), e.total, "{what}: totals");
    assert_eq!(report.totals.tickets, e.tickets, "{what}: tickets");
    let agents: BTreeMap<_, _> = report
        .by_agent
        .iter()
        .filter(|a| a.counts.tickets > 0)
        .map(|a| ((a.agent_name.clone(), a.agent_kind.map(|k| format!("{k:?}"))), pair(&a.counts)))
        .collect();
    assert_eq!(agents, e.by_agent, "{what}: per agent");
    let campaigns: BTreeMap<_, _> = report.by_campaign.iter().filter(|c| c.counts.tickets > 0).map(|c| (c.key.clone(), pair(&c.counts))).collect();
    assert_eq!(campaigns, e.by_campaign, "{what}: per campaign");
    let countries: BTreeMap<_, _> = report.by_country.iter().filter(|c| c.counts.tickets > 0).map(|c| (c.key.clone(), pair(&c.counts))).collect();
    assert_eq!(countries, e.by_country, "{what}: per country");
    let days: Vec<NaiveDate> = report.by_day.iter().map(|d| d.day).collect();
    let all_days: Vec<NaiveDate> = report.query.from.iter_days().take_while(|d| *d <= report.query.to).collect();
    assert_eq!(days, all_days, "{what}: every day listed");
    for d in &report.by_day {
        assert_eq!(pair(&d.counts), e.by_day.get(&d.day).copied().unwrap_or_default(), "{what}: day {}", d.day);
    }
    let rate = if report.totals.tickets == 0 { 0.0 } else { report.totals.escalated as f64 / report.totals.tickets as f64 };
    assert!((report.totals.escalation_rate - rate).abs() < 1e-9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_figures_equal_what_zendesk_holds_for_several_periods_and_every_agent_kind() {
    let env = env(800).await;
    let convs = conversations(&env).await;
    assert!(convs.len() >= 100, "{}", convs.len());
    // The first import batch is refused for good: those conversations fail and have no ticket.
    env.sandbox.control().add_fault(FaultRule {
        api: FaultApi::Zendesk,
        method: Some("POST".into()),
        route: Some("/api/v2/imports/tickets/create_many".into()),
        fault: Fault::Status { status: 422, retry_after_secs: None },
        trigger: Trigger::Next { count: 1 },
    });
    drain(&env).await;

    let kinds: HashMap<String, Option<AgentKind>> = convs
        .iter()
        .map(|c| (format!("iadvize:ha:{SITE}:{}", c.id), c.handling_agent().map(|a| a.kind)))
        .collect();
    let site = SiteRef::Id(env.site.id);
    let today = Utc::now().date_naive();
    let mid = today - Duration::days(4);
    let periods = [
        ("the whole history, UTC", StatsQuery { from: today - Duration::days(8), to: today, utc_offset_minutes: 0, group: vec![] }),
        ("two days at UTC+05:30", StatsQuery { from: mid, to: mid + Duration::days(1), utc_offset_minutes: 330, group: vec![] }),
        ("one day at UTC-03:00", StatsQuery { from: mid - Duration::days(2), to: mid - Duration::days(2), utc_offset_minutes: -180, group: vec![] }),
        ("days to come", StatsQuery { from: today + Duration::days(2), to: today + Duration::days(3), utc_offset_minutes: 0, group: vec![] }),
    ];
    for (what, query) in &periods {
        let report = env.api.stats(Some(&site), query).unwrap();
        assert_report_matches(&report, &expected(&env, &kinds, query), what);
    }

    // The whole history in detail: every kind of agent, failures, one country.
    let whole = env.api.stats(Some(&site), &periods[0].1).unwrap();
    assert_eq!(whole.totals.conversations as usize, convs.len());
    let failed = whole.totals.failed;
    assert!(failed > 0, "the refused batch counts as failures");
    assert_eq!(whole.totals.tickets + failed, whole.totals.conversations);
    let zendesk_tickets = env
        .sandbox
        .control()
        .tickets()
        .iter()
        .filter(|t| t.external_id.as_deref().is_some_and(|x| x.starts_with(&format!("iadvize:ha:{SITE}:"))))
        .count() as i64;
    assert_eq!(whole.totals.tickets, zendesk_tickets);
    for kind in [AgentKind::Professional, AgentKind::Expert, AgentKind::Bot] {
        assert!(
            whole.by_agent.iter().any(|a| a.agent_kind == Some(kind) && a.counts.tickets > 0),
            "{kind:?} agents have tickets: {:?}",
            whole.by_agent
        );
    }
    assert_eq!(whole.by_agent.iter().map(|a| a.counts.failed).sum::<i64>(), failed);
    assert_eq!(whole.by_country.len(), 1);
    assert_eq!(whole.by_country[0].key.as_deref(), Some("France"));
    assert!(whole.by_campaign.len() >= 2, "{:?}", whole.by_campaign);
    let day_total: i64 = whole.by_day.iter().map(|d| d.counts.conversations).sum();
    assert_eq!(day_total, whole.totals.conversations);

    // Every site together equals this one (the only one), and only the groups asked come back.
    let all = env
        .api
        .stats(None, &StatsQuery { group: vec![StatsGroup::Site, StatsGroup::Country], ..periods[0].1.clone() })
        .unwrap();
    assert_eq!(all.totals, whole.totals);
    assert_eq!(all.by_site.len(), 1);
    assert!(all.by_agent.is_empty() && all.by_day.is_empty());

    // The CSV has the same figures.
    let csv = env.api.stats_csv(Some(&site), &periods[0].1).unwrap();
    let total_line = csv.lines().nth(1).unwrap();
    assert!(
        total_line.starts_with(&format!("total,,,{},{},{},", whole.totals.conversations, whole.totals.tickets, whole.totals.auto_saved)),
        "{total_line}"
    );
    assert_eq!(csv.lines().filter(|l| l.starts_with("day,")).count(), whole.by_day.len());
}

#[test]
fn the_cli_prints_a_table_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(dir.path()).unwrap();
    // A site row and ledger rows written directly: no keychain or network needed to read stats.
    let conn = api.store().conn();
    conn.execute_batch(
        "INSERT INTO sites (id, name, platform, iadvize_site_id, zendesk_domain, zendesk_email, zendesk_auth, country, \
         start_from, conversation_url_template, created_at, updated_at) VALUES (1, 'Shop', 'ha', 3101, \
         'https://acme.zendesk.com', 'a@acme.example', 'api_token', 'France', '2026-01-01 00:00:00+00:00', 'x', \
         '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00');
         INSERT INTO ledger (site_id, conversation_id, closed_at, state, due_at, external_id, path, agent_name, agent_kind,
         campaign, created_at, updated_at) VALUES
         (1, 'a', '2026-11-02 10:00:00+00:00', 'delivered', '2026-11-02 10:00:00+00:00', 'a', 'import', 'Julie Moreau', 'professional', 'Cart', '2026-11-02 10:00:00+00:00', '2026-11-02 10:00:00+00:00'),
         (1, 'b', '2026-11-03 10:00:00+00:00', 'escalated', '2026-11-03 10:00:00+00:00', 'b', 'escalation_create', 'Jean Robert', 'expert', NULL, '2026-11-03 10:00:00+00:00', '2026-11-03 10:00:00+00:00'),
         (1, 'c', '2026-11-03 11:00:00+00:00', 'failed', '2026-11-03 11:00:00+00:00', 'c', NULL, 'Wall-e', 'bot', NULL, '2026-11-03 11:00:00+00:00', '2026-11-03 11:00:00+00:00');",
    )
    .unwrap();
    drop(conn);
    drop(api);
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_iadvize-zendesk"))
            .args(args)
            .env("IADVIZE_ZENDESK_DATA_DIR", dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let table = run(&["stats", "Shop", "--from", "2026-11-01", "--to", "2026-11-04"]);
    assert!(table.contains("3 conversation(s): 2 ticket(s), 1 auto-saved, 1 escalated (50.0 %), 1 failed"), "{table}");
    for needle in ["Julie Moreau", "pro agent", "ibbü expert", "bot", "(no campaign)", "France", "2026-11-04"] {
        assert!(table.contains(needle), "{needle} in\n{table}");
    }
    let json: serde_json::Value = serde_json::from_str(&run(&["stats", "1", "--from", "2026-11-01", "--to", "2026-11-04", "--json"])).unwrap();
    assert_eq!(json["totals"]["tickets"], 2);
    assert_eq!(json["by_day"].as_array().unwrap().len(), 4);
    let julie = json["by_agent"].as_array().unwrap().iter().find(|a| a["agent_name"] == "Julie Moreau").unwrap();
    assert_eq!((julie["agent_kind"].as_str(), julie["auto_saved"].as_i64()), (Some("professional"), Some(1)));
    let csv = run(&["stats", "--from", "2026-11-03", "--to", "2026-11-03", "--utc-offset", "-12:00", "--csv"]);
    assert!(csv.starts_with("group,key,agent_kind,"), "{csv}");
    // At UTC-12:00 the 3rd starts at noon UTC: nothing closed then.
    assert!(csv.contains("total,,,0,0,0,0,0.0000,0,0"), "{csv}");
}
