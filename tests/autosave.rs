//! Auto-save against the sandbox over real HTTP, with the real keychain and SQLite: every
//! finished conversation becomes exactly one solved ticket, complete, with its private note,
//! requester and reporting fields, and no customer e-mail; the same under faults.
//! Run inside scripts/with-keychain.sh.

mod common;

use chrono::{Duration, Utc};
use iadvize_zendesk::Api;
use iadvize_zendesk::api::ClientTuning;
use iadvize_zendesk::iadvize::{ClosedConversationsFilter, Conversation};
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{Platform, SecretsDraft, SettingChange, Site, SiteDraft, ZendeskAuthKind};
use iadvize_zendesk::sync::engine;
use iadvize_zendesk_sandbox::control::TicketView;
use iadvize_zendesk_sandbox::faults::{Api as FaultApi, Fault, FaultRule, Trigger};
use iadvize_zendesk_sandbox::{Plan, Sandbox, SandboxConfig, credentials as c, form_ids, field_ids};
use std::collections::HashMap;
use std::sync::Arc;

const SITE: i64 = 3101;

struct Env {
    _dir: tempfile::TempDir,
    api: Arc<Api>,
    sandbox: Sandbox,
    site: Site,
}

async fn env(config: SandboxConfig) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let api = Arc::new(Api::open(dir.path()).unwrap());
    let sandbox = iadvize_zendesk_sandbox::start(config).await.unwrap();
    // Compress the waits: jobs finish in 50 ms of sandbox time, polled every 20 ms.
    api.set_tuning(ClientTuning {
        zendesk: Some(Arc::new(|c| {
            c.job_poll_interval = std::time::Duration::from_millis(20);
            c.request_timeout = std::time::Duration::from_secs(5);
        })),
        iadvize: None,
    });
    let draft = SiteDraft {
        name: "Autosave".into(),
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
    };
    let site = api.create_site(&draft).unwrap();
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

fn config(conversations: usize) -> SandboxConfig {
    SandboxConfig::default()
        .conversations(conversations)
        .job_duration(std::time::Duration::from_millis(50))
}

/// The site's conversations, read straight from the sandbox's iAdvize.
async fn conversations(env: &Env) -> Vec<Conversation> {
    let client = iadvize_zendesk::check::iadvize_client(&env.api, &env.site).unwrap();
    client
        .closed_conversations(&ClosedConversationsFilter::site(SITE, env.site.settings.start_from, Utc::now()))
        .await
        .unwrap()
}

fn by_external_id(sandbox: &Sandbox) -> HashMap<String, Vec<TicketView>> {
    let mut map: HashMap<String, Vec<TicketView>> = HashMap::new();
    for t in sandbox.control().tickets() {
        if let Some(id) = t.external_id.clone() {
            map.entry(id).or_default().push(t);
        }
    }
    map
}

fn external_id(c: &Conversation) -> String {
    format!("iadvize:ha:{SITE}:{}", c.id)
}

/// Runs sync rounds until nothing is pending (retries come due as the test clock moves on).
async fn drain(env: &Env, rounds: usize) -> engine::Summary {
    let mut total = engine::Summary::default();
    for _ in 0..rounds {
        let (summary, errors) = engine::sync_once(&env.api, None).await.unwrap();
        assert!(errors.is_empty() || total.pending > 0 || summary.pending > 0, "{errors:?}");
        total += summary;
        total.pending = summary.pending;
        if summary.pending == 0 {
            return total;
        }
        // Retries wait a minute or more: move the ledger's due times instead of sleeping.
        env.api
            .store()
            .conn()
            .execute("UPDATE ledger SET due_at = '2000-01-01 00:00:00+00:00' WHERE state IN ('waiting', 'sending')", [])
            .unwrap();
    }
    total
}

fn assert_one_complete_ticket_each(env: &Env, convs: &[Conversation]) {
    let tickets = by_external_id(&env.sandbox);
    assert_eq!(tickets.len(), convs.len(), "one ticket per conversation, none extra");
    for c in convs {
        let list = &tickets[&external_id(c)];
        assert_eq!(list.len(), 1, "conversation {} has {} tickets", c.id, list.len());
        let t = &list[0];
        assert_eq!(t.status, "solved");
        assert_eq!(t.via, "import");
        assert_eq!(t.ticket_form_id, Some(form_ids::ARCHIVE));
        let public: Vec<_> = t.comments.iter().filter(|x| x.public).collect();
        let private: Vec<_> = t.comments.iter().filter(|x| !x.public).collect();
        assert!(public.iter().all(|x| !x.truncated), "a comment was truncated on {}", c.id);
        assert_eq!(private.len(), 1, "one private note on {}", c.id);
        assert!(private[0].html_body.contains(&c.id.to_string()), "the note names the conversation");
        assert!(private[0].html_body.contains("https://ha.iadvize.com/admin/conversation/"), "the note links to it");
        let transcript: String = public.iter().map(|x| x.html_body.as_str()).collect();
        for m in &c.messages {
            if let Some(text) = &m.text {
                let line = text.lines().next().unwrap_or("").trim();
                if !line.is_empty() {
                    let escaped = iadvize_zendesk::ticket::html::escape(line);
                    assert!(transcript.contains(&escaped), "message {:?} of {} missing", line, c.id);
                }
            }
        }
        // The reporting fields.
        let agent = c.handling_agent().map(|a| a.full_name());
        assert_eq!(t.field(field_ids::IADVIZE_AGENT).and_then(|v| v.as_str()), agent.as_deref(), "{}", c.id);
        assert_eq!(t.field(field_ids::IADVIZE_COUNTRY).and_then(|v| v.as_str()), Some("France"));
        let campaign = c.campaign.as_ref().map(|x| x.name.clone());
        assert_eq!(t.field(field_ids::IADVIZE_CAMPAIGN).and_then(|v| v.as_str()), campaign.as_deref());
        // The requester.
        match c.visitor.usable_email() {
            Some(email) => assert_eq!(t.requester_email.as_deref().map(str::to_lowercase), Some(email.to_lowercase())),
            None => assert_eq!(t.requester_id, iadvize_zendesk_sandbox::ADMIN_ID),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_conversation_becomes_exactly_one_complete_solved_ticket() {
    let env = env(config(1500)).await;
    let convs = conversations(&env).await;
    assert!(convs.len() >= 250, "a few hundred conversations: {}", convs.len());
    assert!(convs.iter().any(|c| c.messages.iter().filter_map(|m| m.text.as_ref()).map(|t| t.len()).sum::<usize>() > 70_000));
    let existing_users = convs
        .iter()
        .filter_map(|c| c.visitor.usable_email())
        .filter(|e| env.sandbox.control().user_by_email(e).is_some())
        .count();
    assert!(existing_users > 0, "some visitors are already Zendesk users");

    let summary = drain(&env, 3).await;
    assert_eq!(summary.tickets_created, convs.len(), "{summary:?}");
    assert_eq!((summary.failed, summary.pending), (0, 0));
    assert_one_complete_ticket_each(&env, &convs);
    let long = by_external_id(&env.sandbox)
        .into_values()
        .flatten()
        .map(|t| t.comments.iter().filter(|x| x.public).count())
        .max()
        .unwrap();
    assert!(long >= 2, "the 70 kB transcript is split across comments");
    assert!(env.sandbox.control().emails().is_empty(), "no customer e-mail in import mode");

    // A second run finds nothing new and sends nothing.
    let before = env.sandbox.control().tickets().len();
    let again = drain(&env, 1).await;
    assert_eq!(again.tickets_created, 0);
    assert_eq!(env.sandbox.control().tickets().len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn faults_and_a_tight_rate_limit_still_give_one_ticket_each() {
    let env = env(config(1500).plan(Plan::Team).ticket_forms(Some(true)).rate_limit_window(std::time::Duration::from_secs(2))).await;
    let convs = conversations(&env).await;
    let control = env.sandbox.control();
    for (fault, p) in [
        (Fault::Status { status: 500, retry_after_secs: None }, 0.10),
        (Fault::Status { status: 503, retry_after_secs: Some(1) }, 0.05),
        (Fault::CommitThenDrop, 0.05),
    ] {
        control.add_fault(FaultRule {
            api: FaultApi::Zendesk,
            method: Some("POST".into()),
            route: None,
            fault,
            trigger: Trigger::Probability { p },
        });
    }
    control.add_fault(FaultRule {
        api: FaultApi::Zendesk,
        method: Some("GET".into()),
        route: None,
        fault: Fault::Status { status: 500, retry_after_secs: None },
        trigger: Trigger::Probability { p: 0.10 },
    });
    let summary = drain(&env, 40).await;
    control.clear_faults();
    let summary_after = drain(&env, 5).await;
    assert_eq!(summary_after.pending, 0, "{summary:?} then {summary_after:?}");
    assert_one_complete_ticket_each(&env, &convs);
    assert!(control.emails().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn switching_auto_save_on_later_saves_everything_since_the_start_point() {
    let env = env(config(600)).await;
    // Auto-save off, escalation on: the polls keep only escalations.
    env.api
        .change_settings(env.site.id, &[SettingChange::Autosave(false), SettingChange::Escalation(true)])
        .unwrap();
    let (first, _) = engine::sync_once(&env.api, None).await.unwrap();
    assert!(first.conversations_seen > 0);
    let escalations = env.sandbox.control().tickets().len();
    // Auto-save on: every conversation since the start point, not only the ones closed from now.
    env.api.change_settings(env.site.id, &[SettingChange::Autosave(true)]).unwrap();
    drain(&env, 5).await;
    let convs = conversations(&env).await;
    let tickets = by_external_id(&env.sandbox);
    for c in &convs {
        assert_eq!(tickets.get(&external_id(c)).map(Vec::len), Some(1), "conversation {}", c.id);
    }
    assert!(tickets.len() > escalations);
}
