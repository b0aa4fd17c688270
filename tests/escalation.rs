//! Escalation against the sandbox over real HTTP, with the real keychain and SQLite: one ticket
//! per conversation on every path (closing-form escalation before auto-save, desktop escalation
//! after it, after Zendesk closed the ticket), every field type applied, invalid answers
//! reported, uncertain outcomes redone safely; the pre-flight check and the CLI.
//! Run inside scripts/with-keychain.sh.

mod common;

use chrono::{Duration, Utc};
use iadvize_zendesk::Api;
use iadvize_zendesk::api::ClientTuning;
use iadvize_zendesk::escalation::{AnswerValue, Answers};
use iadvize_zendesk::iadvize::{ClosedConversationsFilter, Conversation};
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{Platform, SecretsDraft, SettingChange, Site, SiteDraft, SiteRef, ZendeskAuthKind};
use iadvize_zendesk::sync::engine;
use iadvize_zendesk::sync::escalate;
use iadvize_zendesk::sync::ledger::{Path, State};
use iadvize_zendesk::sync::poll::escalation_requested;
use iadvize_zendesk::zendesk::RetryPolicy;
use iadvize_zendesk_sandbox::control::TicketView;
use iadvize_zendesk_sandbox::faults::{Api as FaultApi, Fault, FaultRule, Trigger};
use iadvize_zendesk_sandbox::{Sandbox, SandboxConfig, credentials as c, field_ids, form_ids};
use serde_json::json;
use std::sync::Arc;

const SITE: i64 = 3101;
const LABEL: &str = "Summary of the customer request in one line";

struct Env {
    _dir: tempfile::TempDir,
    api: Arc<Api>,
    sandbox: Sandbox,
    site: Site,
}

impl Env {
    fn site_ref(&self) -> SiteRef {
        SiteRef::Id(self.site.id)
    }
}

fn config() -> SandboxConfig {
    SandboxConfig::default()
        // Seed 7: 30 conversations on the site, 5 escalated by agents, 3 of them with invalid answers.
        .seed(7)
        .conversations(150)
        .job_duration(std::time::Duration::from_millis(50))
}

async fn env_with(config: SandboxConfig, token: Option<(&str, &str)>, changes: &[SettingChange], retries: bool) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let api = Arc::new(Api::open(dir.path()).unwrap());
    let sandbox = iadvize_zendesk_sandbox::start(config).await.unwrap();
    api.set_tuning(ClientTuning {
        zendesk: Some(Arc::new(move |c| {
            c.job_poll_interval = std::time::Duration::from_millis(20);
            c.request_timeout = std::time::Duration::from_secs(5);
            if !retries {
                c.retry = RetryPolicy::none();
            }
        })),
        iadvize: None,
    });
    let (email, auth, secrets) = match token {
        Some((email, token)) => (
            email.to_owned(),
            ZendeskAuthKind::ApiToken,
            SecretsDraft {
                zendesk_api_token: Some(Secret::new(token)),
                zendesk_oauth_client_secret: None,
                iadvize_rest_api_key: Some(Secret::new(c::IADVIZE_REST_API_KEY)),
                iadvize_graphql_token: Some(Secret::new(c::IADVIZE_GRAPHQL_TOKEN)),
            },
        ),
        None => (
            c::ZENDESK_ADMIN_EMAIL.to_owned(),
            ZendeskAuthKind::OauthClient,
            SecretsDraft {
                zendesk_api_token: None,
                zendesk_oauth_client_secret: Some(Secret::new(c::ZENDESK_OAUTH_CLIENT_SECRET)),
                iadvize_rest_api_key: Some(Secret::new(c::IADVIZE_REST_API_KEY)),
                iadvize_graphql_token: Some(Secret::new(c::IADVIZE_GRAPHQL_TOKEN)),
            },
        ),
    };
    let draft = SiteDraft {
        name: "Escalation".into(),
        platform: Platform::Ha,
        iadvize_site_id: SITE.to_string(),
        zendesk_domain: "sandbox".into(),
        zendesk_email: email,
        zendesk_auth: auth,
        zendesk_oauth_client_id: (auth == ZendeskAuthKind::OauthClient).then(|| c::ZENDESK_OAUTH_CLIENT_ID.into()),
        country: Some("France".into()),
        start_from: Some((Utc::now() - Duration::days(8)).to_rfc3339()),
        zendesk_api_url: Some(sandbox.zendesk_url()),
        iadvize_api_url: Some(sandbox.iadvize_url()),
        secrets,
    };
    let site = api.create_site(&draft).unwrap();
    let site = api.change_settings(site.id, changes).unwrap();
    Env { _dir: dir, api, sandbox, site }
}

fn standard() -> Vec<SettingChange> {
    vec![
        SettingChange::Autosave(true),
        SettingChange::AutosaveFormId(Some(form_ids::ARCHIVE)),
        SettingChange::Escalation(true),
        SettingChange::EscalationFormId(Some(form_ids::ESCALATION)),
        SettingChange::EscalationNoteLabel(LABEL.into()),
        SettingChange::GraceSeconds(0),
    ]
}

async fn env() -> Env {
    env_with(config(), None, &standard(), true).await
}

async fn conversations(env: &Env) -> Vec<Conversation> {
    let client = iadvize_zendesk::check::iadvize_client(&env.api, &env.site).unwrap();
    client
        .closed_conversations(&ClosedConversationsFilter::site(SITE, env.site.settings.start_from, Utc::now()))
        .await
        .unwrap()
}

fn external_id(c: &Conversation) -> String {
    format!("iadvize:ha:{SITE}:{}", c.id)
}

fn tickets(env: &Env, c: &Conversation) -> Vec<TicketView> {
    env.sandbox.control().tickets_by_external_id(&external_id(c))
}

fn the_ticket(env: &Env, c: &Conversation) -> TicketView {
    let list = tickets(env, c);
    assert_eq!(list.len(), 1, "conversation {} has {} tickets", c.id, list.len());
    list.into_iter().next().unwrap()
}

fn private_notes(t: &TicketView) -> Vec<&iadvize_zendesk_sandbox::control::CommentView> {
    t.comments.iter().filter(|x| !x.public).collect()
}

fn escalation_notes<'a>(t: &'a TicketView, c: &Conversation) -> Vec<&'a iadvize_zendesk_sandbox::control::CommentView> {
    let marker = escalate::marker(&external_id(c));
    t.comments.iter().filter(|x| x.body.contains(&marker)).collect()
}

/// Sync rounds until nothing is pending (retry delays skipped by moving due times).
async fn drain(env: &Env, rounds: usize) -> engine::Summary {
    let mut total = engine::Summary::default();
    for _ in 0..rounds {
        let (summary, _errors) = engine::sync_once(&env.api, None).await.unwrap();
        total += summary;
        total.pending = summary.pending;
        if summary.pending == 0 {
            return total;
        }
        skip_delays(env);
    }
    total
}

fn skip_delays(env: &Env) {
    env.api
        .store()
        .conn()
        .execute("UPDATE ledger SET due_at = '2000-01-01 00:00:00+00:00' WHERE state IN ('waiting', 'sending')", [])
        .unwrap();
}

fn log(env: &Env, c: &Conversation) -> iadvize_zendesk::sync::ConversationLog {
    env.api.conversation_log(&env.site_ref(), &c.id.to_string()).unwrap()
}

fn answers(list: &[(i64, AnswerValue)]) -> Answers {
    list.iter().cloned().collect()
}

fn plain(c: &Conversation) -> bool {
    !escalation_requested(c) && c.closing_form.iter().all(|a| a.field_id == "escalate")
}

// ------------------------------------------------------------------ closing-form escalations

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn closing_form_escalations_before_autosave_give_one_escalated_ticket_each() {
    let env = env().await;
    let convs = conversations(&env).await;
    let escalated: Vec<&Conversation> = convs.iter().filter(|c| escalation_requested(c)).collect();
    assert!(escalated.len() >= 3, "the seed has escalations on this site: {}", escalated.len());
    let invalid: Vec<&&Conversation> = escalated
        .iter()
        .filter(|c| c.closing_answer(&format!("zendesk_field_{}", field_ids::ORDER_NUMBER)).and_then(|a| a.value.as_deref()) == Some("twelve"))
        .collect();
    assert!(!invalid.is_empty(), "the seed has an escalation with invalid answers on this site");

    // The preview shows the escalation ticket, as it will be sent.
    let preview = env.api.preview_ticket(&env.site_ref(), &escalated[0].id.to_string()).await.unwrap();
    assert_eq!((preview.form_id, preview.status.clone(), preview.assignee_id), (Some(form_ids::ESCALATION), None, None));
    assert!(preview.comments.iter().any(|c| !c.public && c.text.contains(LABEL)), "{:?}", preview.comments);

    let summary = drain(&env, 3).await;
    assert_eq!((summary.tickets_escalated, summary.tickets_updated), (escalated.len(), 0), "{summary:?}");
    assert_eq!(summary.tickets_created, convs.len() - escalated.len());
    assert_eq!((summary.failed, summary.pending), (0, 0));

    for c in &escalated {
        let t = the_ticket(&env, c);
        assert!(matches!(t.status.as_str(), "new" | "open"), "not solved: {}", t.status);
        assert_eq!(t.via, "api", "the Tickets API");
        assert_eq!(t.ticket_form_id, Some(form_ids::ESCALATION));
        assert!(t.tags.contains(&"iadvize_escalation".to_string()) && !t.tags.contains(&"iadvize_autosave".to_string()), "{:?}", t.tags);
        assert!(t.comments[0].public, "the transcript first");
        let notes = private_notes(&t);
        assert_eq!(notes.len(), 1, "one private note on {}", c.id);
        let note = &notes[0].body;
        assert!(note.contains(LABEL), "{note}");
        assert!(note.contains("Customer called twice") || note.contains("typed by hand"), "the agent's note: {note}");
        assert!(note.contains(&format!("https://ha.iadvize.com/admin/conversation/{}", c.id)), "{note}");
        assert!(note.contains(&c.id.to_string()), "{note}");
        assert_eq!(t.field(field_ids::IADVIZE_COUNTRY), Some(&json!("France")), "the reporting fields");
        let row = log(&env, c).row;
        assert_eq!((row.state, row.path, row.ticket_id), (State::Escalated, Some(Path::EscalationCreate), Some(t.id)));
        if invalid.iter().any(|i| i.id == c.id) {
            // Invalid answers: reported with field and reason, the ticket still made with the rest.
            let attempts = log(&env, c).attempts;
            let reported = attempts.iter().filter_map(|a| a.message.as_deref()).find(|m| m.contains("not used")).unwrap_or_else(|| panic!("{attempts:?}"));
            assert!(reported.contains("Order number = \"twelve\"") && reported.contains("whole number"), "{reported}");
            assert!(reported.contains("Follow-up date") && reported.contains("Contact reason"), "{reported}");
            let details = attempts.iter().find_map(|a| a.details.clone()).unwrap();
            assert!(details["answer_errors"].as_array().unwrap().iter().any(|e| e["field_id"] == json!(field_ids::ORDER_NUMBER)));
            assert_eq!(t.field(field_ids::ORDER_NUMBER), None);
            assert_eq!(t.field(field_ids::CONTACT_REASON), Some(&json!("other")), "the form's default replaces the bad option");
            assert_eq!(t.field(field_ids::REFUND_REQUESTED), Some(&json!(true)), "valid answers are kept");
            assert!(note.contains("could not be used"), "agents see it too: {note}");
        } else {
            assert_eq!(t.field(field_ids::CUSTOMER_REFERENCE), Some(&json!("ABC-1234")));
            assert_eq!(t.field(field_ids::PRODUCTS), Some(&json!(["shoes", "bags"])));
            assert_eq!(t.field(field_ids::FOLLOW_UP_DATE), Some(&json!("2026-12-15")));
        }
    }
    for c in convs.iter().filter(|c| !escalation_requested(c)) {
        let t = the_ticket(&env, c);
        assert_eq!((t.status.as_str(), t.via.as_str()), ("solved", "import"));
    }
    // Nothing more on a second run.
    let before = env.sandbox.control().tickets().len();
    let again = drain(&env, 1).await;
    assert_eq!((again.tickets_escalated, again.tickets_created), (0, 0));
    assert_eq!(env.sandbox.control().tickets().len(), before);
}

// ------------------------------------------------------------------ desktop escalations

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_desktop_escalation_after_autosave_updates_the_same_ticket() {
    let env = env().await;
    let convs = conversations(&env).await;
    drain(&env, 3).await;
    let c = convs.iter().find(|c| plain(c)).unwrap();
    let before = the_ticket(&env, c);
    assert_eq!((before.status.as_str(), before.ticket_form_id), ("solved", Some(form_ids::ARCHIVE)));

    let receipt = env
        .api
        .escalate(
            &env.site_ref(),
            &c.id.to_string(),
            answers(&[
                (field_ids::CONTACT_REASON, "refund".into()),
                (field_ids::REFUND_REQUESTED, true.into()),
                (field_ids::REFUND_AMOUNT, "49.90".into()),
            ]),
            Some("Refund promised by phone".into()),
        )
        .await
        .unwrap();
    assert_eq!((receipt.row.state, receipt.row.ticket_id), (State::Waiting, Some(before.id)));
    assert!(receipt.validated.errors.is_empty(), "{:?}", receipt.validated.errors);

    let summary = drain(&env, 3).await;
    assert_eq!((summary.tickets_updated, summary.tickets_escalated, summary.tickets_created), (1, 0, 0), "{summary:?}");
    let t = the_ticket(&env, c);
    assert_eq!(t.id, before.id, "the same ticket");
    assert_eq!(t.status, "open", "reopened");
    assert_eq!(t.ticket_form_id, Some(form_ids::ESCALATION));
    assert_eq!(t.field(field_ids::CONTACT_REASON), Some(&json!("refund")));
    assert_eq!(t.field(field_ids::REFUND_REQUESTED), Some(&json!(true)));
    assert_eq!(t.field(field_ids::REFUND_AMOUNT), Some(&json!("49.90")));
    assert!(t.tags.contains(&"iadvize_escalation".to_string()));
    assert_eq!(private_notes(&t).len(), 2, "the auto-save note and the escalation note");
    let notes = escalation_notes(&t, c);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].body.contains(&format!("{LABEL}: Refund promised by phone")), "{}", notes[0].body);
    assert_eq!(t.comments.iter().filter(|x| x.public).count(), before.comments.iter().filter(|x| x.public).count(), "no transcript again");
    let row = log(&env, c).row;
    assert_eq!((row.state, row.path, row.ticket_id), (State::Escalated, Some(Path::EscalationUpdate), Some(t.id)));
    // A request that lost the race with an auto-save send in flight (the send settled the
    // entry as delivered after the request marked it) is picked up again.
    let other = convs.iter().filter(|c| plain(c)).nth(1).unwrap();
    env.api.escalate(&env.site_ref(), &other.id.to_string(), Answers::new(), Some("Late".into())).await.unwrap();
    env.api
        .store()
        .conn()
        .execute("UPDATE ledger SET state = 'delivered' WHERE conversation_id = ?1", [other.id.to_string()])
        .unwrap();
    assert_eq!(drain(&env, 3).await.tickets_updated, 1);
    assert_eq!(escalation_notes(&the_ticket(&env, other), other).len(), 1);
    // A conversation is escalated once.
    let again = env.api.escalate(&env.site_ref(), &c.id.to_string(), Answers::new(), None).await.unwrap_err();
    assert_eq!(again.code, "escalation.already_escalated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_escalation_after_zendesk_closed_the_ticket_makes_a_linked_followup() {
    let switches = iadvize_zendesk_sandbox::config::Switches {
        auto_close_after_hours: 1,
        ..Default::default()
    };
    let env = env_with(config().switches(switches), None, &standard(), true).await;
    let convs = conversations(&env).await;
    drain(&env, 3).await;
    let c = convs.iter().find(|c| plain(c)).unwrap();
    env.sandbox.control().advance(std::time::Duration::from_secs(3 * 3600));
    let closed = the_ticket(&env, c);
    assert_eq!(closed.status, "closed");

    env.api
        .escalate(&env.site_ref(), &c.id.to_string(), answers(&[(field_ids::CONTACT_REASON, "delivery".into())]), Some("Parcel lost".into()))
        .await
        .unwrap();
    let summary = drain(&env, 3).await;
    assert_eq!((summary.tickets_escalated, summary.tickets_updated), (1, 0), "{summary:?}");

    let original = the_ticket(&env, c);
    assert_eq!((original.status.as_str(), original.comments.len()), ("closed", closed.comments.len()), "untouched");
    let followups = env.sandbox.control().tickets_by_external_id(&escalate::followup_external_id(&external_id(c)));
    assert_eq!(followups.len(), 1);
    let f = &followups[0];
    assert_eq!(f.followup_source_id, Some(closed.id), "linked to the closed ticket");
    assert_eq!(f.ticket_form_id, Some(form_ids::ESCALATION));
    assert_ne!(f.status, "solved");
    assert_eq!(f.field(field_ids::CONTACT_REASON), Some(&json!("delivery")));
    let notes = escalation_notes(f, c);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].body.contains(&format!("Follow-up of Zendesk ticket #{}", closed.id)), "{}", notes[0].body);
    let log = log(&env, c);
    assert_eq!((log.row.state, log.row.path, log.row.ticket_id), (State::Escalated, Some(Path::EscalationFollowup), Some(f.id)));
    let why = log.attempts.last().unwrap().message.clone().unwrap();
    assert!(why.contains("closed") && why.contains(&closed.id.to_string()) && why.contains(&f.id.to_string()), "{why}");
    // Only one follow-up, even if asked again.
    assert_eq!(drain(&env, 1).await.tickets_escalated, 0);
    assert_eq!(env.sandbox.control().tickets_by_external_id(&escalate::followup_external_id(&external_id(c))).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_field_type_answered_from_the_desktop_is_applied() {
    // Auto-save off: the conversations are not in the ledger; escalating fetches them.
    let mut changes = standard();
    changes[0] = SettingChange::Autosave(false);
    let env = env_with(config(), None, &changes, true).await;
    let convs = conversations(&env).await;
    let mut plain_ones = convs.iter().filter(|c| plain(c));
    let (a, b) = (plain_ones.next().unwrap(), plain_ones.next().unwrap());

    // The escalation form: text, textarea, checkbox, decimal (conditional), date, integer,
    // regexp, dropdown, multiselect.
    env.api
        .escalate(
            &env.site_ref(),
            &a.id.to_string(),
            answers(&[
                (field_ids::IADVIZE_CAMPAIGN, "Spring sale (from the agent)".into()),
                (field_ids::SUMMARY, "Line one\nLine two".into()),
                (field_ids::REFUND_REQUESTED, "true".into()),
                (field_ids::REFUND_AMOUNT, "+12.5".into()),
                (field_ids::FOLLOW_UP_DATE, "2026-12-31".into()),
                (field_ids::ORDER_NUMBER, "+007".into()),
                (field_ids::CUSTOMER_REFERENCE, "XYZ-0042".into()),
                (field_ids::CONTACT_REASON, "product_question".into()),
                (field_ids::PRODUCTS, AnswerValue::List(vec!["jackets".into(), "accessories".into()])),
            ]),
            None,
        )
        .await
        .unwrap();
    let log_a = env.api.deliver_escalation(&env.site_ref(), &a.id.to_string()).await.unwrap();
    assert_eq!(log_a.row.state, State::Escalated, "{log_a:?}");
    let t = the_ticket(&env, a);
    assert_eq!(t.field(field_ids::IADVIZE_CAMPAIGN), Some(&json!("Spring sale (from the agent)")));
    assert_eq!(t.field(field_ids::SUMMARY), Some(&json!("Line one\nLine two")));
    assert_eq!(t.field(field_ids::REFUND_REQUESTED), Some(&json!(true)));
    assert!(t.tags.contains(&"refund_requested".to_string()), "the checkbox's tag");
    assert_eq!(t.field(field_ids::REFUND_AMOUNT), Some(&json!("12.5")));
    assert_eq!(t.field(field_ids::FOLLOW_UP_DATE), Some(&json!("2026-12-31")));
    assert_eq!(t.field(field_ids::ORDER_NUMBER), Some(&json!("7")));
    assert_eq!(t.field(field_ids::CUSTOMER_REFERENCE), Some(&json!("XYZ-0042")));
    assert_eq!(t.field(field_ids::CONTACT_REASON), Some(&json!("product_question")));
    assert_eq!(t.field(field_ids::PRODUCTS), Some(&json!(["jackets", "accessories"])));
    assert_eq!(private_notes(&t).len(), 1);
    assert!(private_notes(&t)[0].body.contains(&format!("{LABEL}: (no note)")));

    // The complaint form: lookup, partial credit card, and a dropdown without default.
    env.api.change_settings(env.site.id, &[SettingChange::EscalationFormId(Some(form_ids::COMPLAINT))]).unwrap();
    // The agent finds the user of the lookup field by the start of their name.
    let form = env.api.escalation_form(&env.site_ref()).await.unwrap();
    assert!(matches!(
        form.field(field_ids::RELATED_AGENT).unwrap().input,
        iadvize_zendesk::escalation::FieldInput::Lookup { searchable: true, .. }
    ));
    let autocompletes = || env.sandbox.control().request_count(FaultApi::Zendesk, "GET /api/v2/users/autocomplete");
    assert!(env.api.search_lookup(&env.site_ref(), field_ids::RELATED_AGENT, "zen:user", " a ").await.unwrap().is_empty());
    assert_eq!(autocompletes(), 0, "a one-letter search asks Zendesk nothing");
    let found = env.api.search_lookup(&env.site_ref(), field_ids::RELATED_AGENT, "zen:user", "aL").await.unwrap();
    let mut expected: Vec<(String, String, Option<String>)> = env
        .sandbox
        .control()
        .users()
        .into_iter()
        .filter(|u| u.name.to_lowercase().starts_with("al"))
        .map(|u| (u.id.to_string(), u.name, u.email))
        .collect();
    expected.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let got: Vec<(String, String, Option<String>)> = found.iter().map(|r| (r.id.clone(), r.name.clone(), r.detail.clone())).collect();
    assert_eq!(got, expected);
    assert_eq!(autocompletes(), 1);
    let alex = found.iter().find(|r| r.name == "Alex Agent").expect("the seeded agent is found");
    assert_eq!(alex.id, iadvize_zendesk_sandbox::AGENT_ID.to_string());
    assert!(env.api.search_lookup(&env.site_ref(), field_ids::RELATED_AGENT, "zen:user", "Nobody Here").await.unwrap().is_empty());
    // Organizations are searched the same way; tickets and custom objects cannot be.
    let orgs = env.api.search_lookup(&env.site_ref(), field_ids::RELATED_AGENT, "zen:organization", "mAiSon").await.unwrap();
    let mut expected_orgs: Vec<(String, String)> = env
        .sandbox
        .control()
        .organizations()
        .into_iter()
        .filter(|(_, n)| n.to_lowercase().starts_with("maison"))
        .map(|(id, n)| (id.to_string(), n))
        .collect();
    expected_orgs.sort_by(|a, b| a.1.cmp(&b.1));
    assert!(expected_orgs.len() >= 2);
    assert_eq!(orgs.iter().map(|r| (r.id.clone(), r.name.clone())).collect::<Vec<_>>(), expected_orgs);
    assert!(orgs.iter().all(|r| r.detail.is_none()));
    // Custom object records, with their text ids; an unknown object is Zendesk's 404.
    let orders = env.api.search_lookup(&env.site_ref(), field_ids::RELATED_AGENT, "zen:custom_object:order", "ORDER 100").await.unwrap();
    let mut expected_orders: Vec<(String, String)> =
        env.sandbox.control().custom_object_records("order").into_iter().filter(|(_, n)| n.starts_with("Order 100")).collect();
    expected_orders.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(expected_orders.len(), 5);
    assert_eq!(orders.iter().map(|r| (r.id.clone(), r.name.clone())).collect::<Vec<_>>(), expected_orders);
    let unknown = env.api.search_lookup(&env.site_ref(), field_ids::RELATED_AGENT, "zen:custom_object:nope", "or").await.unwrap_err();
    assert_eq!(unknown.code, "zendesk.not_found", "{unknown:?}");
    let refused = env.api.search_lookup(&env.site_ref(), field_ids::RELATED_AGENT, "zen:ticket", "12").await.unwrap_err();
    assert_eq!(refused.code, "lookup.not_searchable");
    env.api
        .escalate(
            &env.site_ref(),
            &b.id.to_string(),
            answers(&[
                (field_ids::ESCALATION_LEVEL, "level_2".into()),
                (field_ids::RELATED_AGENT, AnswerValue::Text(alex.id.clone())),
                (field_ids::CARD, "4111 1111 1111 1234".into()),
                (field_ids::ORDER_NUMBER, AnswerValue::Number(123456.into())),
            ]),
            Some("Card charged twice".into()),
        )
        .await
        .unwrap();
    env.api.deliver_escalation(&env.site_ref(), &b.id.to_string()).await.unwrap();
    let t = the_ticket(&env, b);
    assert_eq!(t.ticket_form_id, Some(form_ids::COMPLAINT));
    assert_eq!(t.field(field_ids::ESCALATION_LEVEL), Some(&json!("level_2")));
    assert_eq!(t.field(field_ids::RELATED_AGENT), Some(&json!(iadvize_zendesk_sandbox::AGENT_ID)));
    // Zendesk shows the card masked; only the last digits were sent.
    assert!(t.field(field_ids::CARD).and_then(|v| v.as_str()).is_some_and(|v| v.ends_with("1234")), "{:?}", t.field(field_ids::CARD));
    assert_eq!(t.field(field_ids::ORDER_NUMBER), Some(&json!("123456")));
    let db = common::database_bytes(env._dir.path());
    assert!(!common::contains(&db, "4111 1111 1111 1234"), "the card number is not kept whole");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invalid_desktop_answers_are_refused_field_by_field_and_nothing_is_recorded() {
    let env = env().await;
    let convs = conversations(&env).await;
    let c = convs.iter().find(|c| plain(c)).unwrap();
    let e = env
        .api
        .escalate(
            &env.site_ref(),
            &c.id.to_string(),
            answers(&[
                (field_ids::ORDER_NUMBER, "twelve".into()),
                (field_ids::CONTACT_REASON, "not_an_option".into()),
                (field_ids::FOLLOW_UP_DATE, "31/12/2026".into()),
                (999_999, "x".into()),
            ]),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "escalation.invalid_answers");
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    for id in [field_ids::ORDER_NUMBER, field_ids::CONTACT_REASON, field_ids::FOLLOW_UP_DATE, 999_999] {
        assert!(fields.contains(&format!("zendesk_field_{id}").as_str()), "{fields:?}");
    }
    assert!(e.fields.iter().any(|f| f.code == "not_on_form"), "{:?}", e.fields);
    assert!(e.message.contains("whole number"), "{}", e.message);
    let n: i64 = env.api.store().conn().query_row("SELECT count(*) FROM escalation_requests", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0);
    // The live check gives the same without recording.
    let checked = env
        .api
        .check_escalation_answers(&env.site_ref(), None, &answers(&[(field_ids::ORDER_NUMBER, "12".into()), (field_ids::REFUND_AMOUNT, "3".into())]))
        .await
        .unwrap();
    assert!(checked.errors.is_empty(), "{:?}", checked.errors);
    assert_eq!(checked.dropped.len(), 1, "the refund amount is hidden without a refund");
    // Escalation off: refused with what to do.
    env.api.change_settings(env.site.id, &[SettingChange::Escalation(false)]).unwrap();
    let off = env.api.escalate(&env.site_ref(), &c.id.to_string(), Answers::new(), None).await.unwrap_err();
    assert_eq!(off.code, "escalation.disabled");
}

// ------------------------------------------------------------------ uncertain outcomes

fn drop_next(env: &Env, method: &str, route: &str) {
    env.sandbox.control().add_fault(FaultRule {
        api: FaultApi::Zendesk,
        method: Some(method.into()),
        route: Some(route.into()),
        fault: Fault::CommitThenDrop,
        trigger: Trigger::Next { count: 1 },
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uncertain_creates_and_updates_still_give_one_ticket_and_one_note() {
    // No client retries: every dropped answer reaches the engine as an uncertain outcome.
    // (Auto-save's imports use other endpoints: the faults hit escalations only.)
    let env = env_with(config(), None, &standard(), false).await;
    let convs = conversations(&env).await;
    let escalated: Vec<&Conversation> = convs.iter().filter(|c| escalation_requested(c)).collect();
    let (first, second) = (escalated[0], escalated[1]);

    // 1. The create is committed, its answer lost.
    drop_next(&env, "POST", "/api/v2/tickets");
    let (round, _) = engine::sync_once(&env.api, None).await.unwrap();
    assert!(round.pending >= 1, "{round:?}");
    let uncertain: Vec<&Conversation> = escalated.iter().copied().filter(|c| log(&env, c).row.state == State::Sending).collect();
    assert_eq!(uncertain.len(), 1, "one create went uncertain");
    // 2. The note of another conversation's create is committed, its answer lost.
    drop_next(&env, "PUT", "/api/v2/tickets/{ticket_id}");
    skip_delays(&env);
    let summary = drain(&env, 5).await;
    assert_eq!((summary.pending, summary.failed), (0, 0), "{summary:?}");
    for c in &escalated {
        let t = the_ticket(&env, c);
        assert_eq!(escalation_notes(&t, c).len(), 1, "one note on {}", c.id);
        assert_eq!(private_notes(&t).len(), 1);
        assert_eq!(log(&env, c).row.state, State::Escalated);
    }
    let _ = (first, second);
    assert!(env.sandbox.control().faults().is_empty(), "both faults were hit");
    let resumed = log(&env, uncertain[0]).attempts;
    assert!(
        resumed.iter().any(|a| a.message.as_deref().is_some_and(|m| m.contains("earlier attempt found and completed"))),
        "the uncertain create was found by external_id and completed: {resumed:?}"
    );

    // 3. The update of an auto-saved ticket: committed, answer lost.
    let c = convs.iter().find(|c| plain(c) && !tickets(&env, c).is_empty()).unwrap();
    env.api.escalate(&env.site_ref(), &c.id.to_string(), answers(&[(field_ids::CONTACT_REASON, "refund".into())]), Some("Uncertain".into())).await.unwrap();
    drop_next(&env, "PUT", "/api/v2/tickets/{ticket_id}");
    let (round, _) = engine::sync_once(&env.api, None).await.unwrap();
    assert_eq!(round.tickets_updated, 0, "{round:?}");
    assert_eq!(log(&env, c).row.state, State::Sending, "uncertain");
    skip_delays(&env);
    let summary = drain(&env, 3).await;
    assert_eq!(summary.pending, 0);
    let t = the_ticket(&env, c);
    assert_eq!(escalation_notes(&t, c).len(), 1, "the note once");
    assert_eq!(t.status, "open");
    let log = log(&env, c);
    assert_eq!((log.row.state, log.row.path), (State::Escalated, Some(Path::EscalationUpdate)));
    assert!(log.attempts.iter().any(|a| a.message.as_deref().is_some_and(|m| m.contains("earlier attempt"))), "{:?}", log.attempts);
}

// ------------------------------------------------------------------ the pre-flight check

use iadvize_zendesk::preflight::{FindingKind, PreflightMode, PreflightReport, Severity};

fn kinds(r: &PreflightReport) -> Vec<(FindingKind, Severity)> {
    r.findings.iter().map(|f| (f.kind, f.severity)).collect()
}

fn has(r: &PreflightReport, kind: FindingKind, severity: Severity) -> bool {
    r.findings.iter().any(|f| f.kind == kind && f.severity == severity)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn preflight_names_a_required_field_without_default_and_passes_once_it_has_one() {
    let env = env_with(config(), None, &[SettingChange::Autosave(true), SettingChange::AutosaveFormId(Some(form_ids::COMPLAINT))], true).await;
    let r = env.api.preflight(&env.site_ref(), PreflightMode::Autosave).await.unwrap();
    assert!(!r.passed, "{:?}", kinds(&r));
    let f = r.findings.iter().find(|f| f.kind == FindingKind::RequiredFieldEmpty).unwrap();
    assert_eq!((f.severity, f.field_id), (Severity::Blocker, Some(field_ids::ESCALATION_LEVEL)));
    assert!(f.message.contains("Escalation level") && f.fix.contains("level_1"), "{f:?}");
    assert_eq!(f.setting.as_deref(), Some(format!("field_default:{}", field_ids::ESCALATION_LEVEL).as_str()));
    assert_eq!(r.form_id, Some(form_ids::COMPLAINT));
    assert!(r.sample.is_some() && !r.requests.is_empty(), "a real conversation, its exact requests");
    assert!(!has(&r, FindingKind::TriggerEmailsRequester, Severity::Warning), "import mode runs no trigger");
    // What the sandbox does with that payload: the same refusal.
    assert!(env.sandbox.control().tickets().is_empty(), "nothing was sent");

    // A bad default is refused; a good one fixes it from the same screen.
    let bad = env.api.set_field_default(&env.site_ref(), field_ids::ESCALATION_LEVEL, "level_9".into()).await.unwrap_err();
    assert_eq!((bad.code.as_str(), bad.fields[0].field.as_str()), ("defaults.invalid", format!("zendesk_field_{}", field_ids::ESCALATION_LEVEL).as_str()));
    let list = env.api.set_field_default(&env.site_ref(), field_ids::ESCALATION_LEVEL, "level_1".into()).await.unwrap();
    assert_eq!(list.len(), 1);
    env.api.set_field_default(&env.site_ref(), field_ids::CARD, "4111-1111-1111-9876".into()).await.unwrap();
    let defaults = env.api.field_defaults(&env.site_ref()).unwrap();
    assert_eq!(defaults.iter().find(|d| d.field_id == field_ids::CARD).unwrap().value, json!("9876"), "kept as Zendesk takes it");
    let r = env.api.preflight(&env.site_ref(), PreflightMode::Autosave).await.unwrap();
    assert!(r.passed, "{:?}", r.findings);
    let body = serde_json::to_string(&r.requests.last().unwrap().body).unwrap();
    assert!(body.contains("level_1"), "the default is in the payload: {body}");
    // And auto-save really goes through.
    let summary = drain(&env, 3).await;
    assert_eq!((summary.failed, summary.pending), (0, 0), "{summary:?}");
    // Clearing it brings the finding back.
    env.api.clear_field_default(&env.site_ref(), field_ids::ESCALATION_LEVEL).unwrap();
    assert!(!env.api.preflight(&env.site_ref(), PreflightMode::Autosave).await.unwrap().passed);
    // For escalations (not solved) the same field is a warning: agents fill it before solving.
    env.api.change_settings(env.site.id, &[SettingChange::Escalation(true), SettingChange::EscalationFormId(Some(form_ids::COMPLAINT))]).unwrap();
    let r = env.api.preflight(&env.site_ref(), PreflightMode::Escalation).await.unwrap();
    let f = r.findings.iter().find(|f| f.kind == FindingKind::RequiredFieldEmpty).unwrap();
    assert_eq!(f.severity, Severity::Warning, "{f:?}");
    assert!(r.passed, "{:?}", kinds(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn preflight_finds_a_light_agent_credential() {
    let env = env_with(
        config(),
        Some((c::ZENDESK_LIGHT_AGENT_EMAIL, c::ZENDESK_LIGHT_AGENT_API_TOKEN)),
        &[SettingChange::Autosave(true), SettingChange::AutosaveFormId(Some(form_ids::ARCHIVE))],
        true,
    )
    .await;
    let r = env.api.preflight(&env.site_ref(), PreflightMode::Autosave).await.unwrap();
    assert!(!r.passed);
    assert!(has(&r, FindingKind::LightAgentCredential, Severity::Blocker), "{:?}", kinds(&r));
    assert!(has(&r, FindingKind::SolveNeedsAssignee, Severity::Blocker), "{:?}", kinds(&r));
    let f = r.findings.iter().find(|f| f.kind == FindingKind::LightAgentCredential).unwrap();
    assert!(f.fix.contains("admin"), "{f:?}");
    // An agent: no imports.
    let env = env_with(config(), Some((c::ZENDESK_AGENT_EMAIL, c::ZENDESK_AGENT_API_TOKEN)), &standard(), true).await;
    let r = env.api.preflight(&env.site_ref(), PreflightMode::Autosave).await.unwrap();
    assert!(has(&r, FindingKind::AgentCredential, Severity::Blocker), "{:?}", kinds(&r));
    assert!(r.findings.iter().any(|f| f.message.contains("import")));
    assert!(!has(&r, FindingKind::SolveNeedsAssignee, Severity::Blocker));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn preflight_finds_a_plan_without_forms() {
    let env = env_with(config().ticket_forms(Some(false)), None, &standard(), true).await;
    let r = env.api.preflight(&env.site_ref(), PreflightMode::Autosave).await.unwrap();
    assert!(!r.passed);
    let f = r.findings.iter().find(|f| f.kind == FindingKind::FormsNotOnPlan).unwrap_or_else(|| panic!("{:?}", kinds(&r)));
    assert_eq!((f.severity, f.setting.as_deref()), (Severity::Blocker, Some("autosave_form_id")));
    // Without forms every active field applies: the one required field with no default too.
    assert!(r.findings.iter().any(|f| f.kind == FindingKind::RequiredFieldEmpty && f.field_id == Some(field_ids::ESCALATION_LEVEL)));
    let r = env.api.preflight(&env.site_ref(), PreflightMode::Escalation).await.unwrap();
    assert!(has(&r, FindingKind::FormsNotOnPlan, Severity::Blocker), "{:?}", kinds(&r));
    // Clearing the form settings and giving the default: it passes.
    env.api.change_settings(env.site.id, &[SettingChange::AutosaveFormId(None), SettingChange::EscalationFormId(None)]).unwrap();
    env.api.set_field_default(&env.site_ref(), field_ids::ESCALATION_LEVEL, "level_2".into()).await.unwrap();
    let r = env.api.preflight(&env.site_ref(), PreflightMode::Autosave).await.unwrap();
    assert!(r.passed, "{:?}", r.findings);
    let r = env.api.preflight(&env.site_ref(), PreflightMode::Escalation).await.unwrap();
    assert!(r.passed, "{:?}", r.findings);
    assert!(has(&r, FindingKind::NoFormChosen, Severity::Warning), "every field is asked: {:?}", kinds(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn preflight_flags_the_triggers_that_would_e_mail_customers() {
    let mut changes = standard();
    changes.push(SettingChange::Delivery(iadvize_zendesk::site::DeliveryMode::Create));
    let env = env_with(config(), None, &changes, true).await;
    let r = env.api.preflight(&env.site_ref(), PreflightMode::Autosave).await.unwrap();
    let titles: Vec<&str> = r.findings.iter().filter(|f| f.kind == FindingKind::TriggerEmailsRequester).filter_map(|f| f.trigger_title.as_deref()).collect();
    assert_eq!(titles, vec!["Notify requester of comment update"], "created solved: only further public parts notify: {:?}", kinds(&r));
    assert!(r.passed, "a warning: {:?}", kinds(&r));
    assert_eq!(r.requests[0].path, "/api/v2/tickets");
    let f = r.findings.iter().find(|f| f.kind == FindingKind::TriggerEmailsRequester).unwrap();
    assert!(f.fix.contains("delivery=import"), "{f:?}");

    let r = env.api.preflight(&env.site_ref(), PreflightMode::Escalation).await.unwrap();
    let titles: Vec<&str> = r.findings.iter().filter(|f| f.kind == FindingKind::TriggerEmailsRequester).filter_map(|f| f.trigger_title.as_deref()).collect();
    assert!(titles.contains(&"Notify requester of received request"), "{titles:?}");
    assert!(r.passed, "{:?}", r.findings);
    // What the sandbox's triggers then really do with an escalation: the same e-mail.
    drain(&env, 3).await;
    let emails = env.sandbox.control().emails();
    assert!(emails.iter().any(|e| e.trigger_title == "Notify requester of received request"));

    // Import mode: no trigger runs, none is reported.
    env.api.change_settings(env.site.id, &[SettingChange::Delivery(iadvize_zendesk::site::DeliveryMode::Import)]).unwrap();
    let r = env.api.preflight(&env.site_ref(), PreflightMode::Autosave).await.unwrap();
    assert!(!has(&r, FindingKind::TriggerEmailsRequester, Severity::Warning), "{:?}", kinds(&r));
    assert!(r.passed);
}

// ------------------------------------------------------------------ the command line

const BIN: &str = env!("CARGO_BIN_EXE_iadvize-zendesk");

async fn cli(env: &Env, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(env._dir.path())
        .args(args)
        .output()
        .await
        .expect("run the CLI")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_command_line_escalates_checks_and_exports() {
    let mut changes = standard();
    changes[0] = SettingChange::Autosave(false);
    let env = env_with(config(), None, &changes, true).await;
    let site = env.site.id.to_string();
    let convs = conversations(&env).await;
    let conv = convs.iter().find(|c| plain(c)).unwrap().id.to_string();

    let out = cli(&env, &["closing-form", &site]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let form: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(form[0]["id"], "escalate");
    assert_eq!(form[1]["label"], LABEL);
    assert!(form.as_array().unwrap().iter().any(|i| i["id"] == format!("zendesk_field_{}", field_ids::REFUND_AMOUNT)));

    let out = cli(&env, &["recent", &site, "--json"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let recent: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(recent["conversations"].as_array().unwrap().iter().any(|c| c["conversation_id"] == conv.as_str()), "{recent}");

    let related = field_ids::RELATED_AGENT.to_string();
    let out = cli(&env, &["lookup", &site, &related, "Acme", "--organizations"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("Acme Retail"), "{}", String::from_utf8_lossy(&out.stdout));
    let out = cli(&env, &["lookup", &site, &related, "Return", "--custom-object", "order"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Return 2001") && text.contains("01JD0RDER00000000000000900"), "{text}");
    let out = cli(&env, &["lookup", &site, &related, "Alex"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("Alex Agent") && text.contains(&iadvize_zendesk_sandbox::AGENT_ID.to_string()), "{text}");
    let short = cli(&env, &["lookup", &site, &related, "A"]).await;
    assert_eq!(short.status.code(), Some(2), "a one-letter name is a usage error");
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 2 characters"));

    let bad = cli(&env, &["escalate", &site, &conv, "--field", &format!("{}=twelve", field_ids::ORDER_NUMBER)]).await;
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("whole number") && err.contains(&format!("zendesk_field_{}", field_ids::ORDER_NUMBER)), "{err}");

    let out = cli(
        &env,
        &[
            "escalate", &site, &conv,
            "--field", &format!("{}=refund", field_ids::CONTACT_REASON),
            "--field", &format!("{}=shoes,bags", field_ids::PRODUCTS),
            "--note", "From the command line", "--now", "--json",
        ],
    )
    .await;
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((log["row"]["state"].as_str(), log["row"]["path"].as_str()), (Some("escalated"), Some("escalation_create")));
    let c = convs.iter().find(|c| c.id.to_string() == conv).unwrap();
    let t = the_ticket(&env, c);
    assert_eq!(t.field(field_ids::PRODUCTS), Some(&json!(["shoes", "bags"])));
    assert!(escalation_notes(&t, c)[0].body.contains("From the command line"));

    let out = cli(&env, &["defaults", &site, &format!("{}=level_3", field_ids::ESCALATION_LEVEL), "--json"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("level_3"));
    let out = cli(&env, &["defaults", &site, "--clear", &field_ids::ESCALATION_LEVEL.to_string()]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("No default"), "{}", String::from_utf8_lossy(&out.stdout));

    let out = cli(&env, &["preflight", &site, "--mode", "escalation"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("passes") && text.contains("Notify requester of received request"), "{text}");
    let strict = cli(&env, &["preflight", &site, "--mode", "escalation", "--strict"]).await;
    assert_eq!(strict.status.code(), Some(1), "warnings fail with --strict");
    env.api.change_settings(env.site.id, &[SettingChange::AutosaveFormId(Some(form_ids::COMPLAINT))]).unwrap();
    let out = cli(&env, &["preflight", &site, "--json"]).await;
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["passed"], false);
    assert!(report["findings"].as_array().unwrap().iter().any(|f| f["kind"] == "required_field_empty" && f["field_id"] == json!(field_ids::ESCALATION_LEVEL)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_escalation_waits_for_an_import_job_that_may_hold_the_ticket() {
    // Import jobs take an hour of sandbox time; the client stops waiting after 300 ms.
    // (No auto-closing: the clock moves past the imported tickets' solve times.)
    let switches = iadvize_zendesk_sandbox::config::Switches {
        auto_close_after_hours: 0,
        ..Default::default()
    };
    let env = env_with(config().job_duration(std::time::Duration::from_secs(3600)).switches(switches), None, &standard(), true).await;
    env.api.set_tuning(ClientTuning {
        zendesk: Some(Arc::new(|c| {
            c.job_poll_interval = std::time::Duration::from_millis(20);
            c.job_wait_timeout = std::time::Duration::from_millis(300);
        })),
        iadvize: None,
    });
    let convs = conversations(&env).await;
    engine::sync_once(&env.api, None).await.unwrap();
    let c = convs.iter().find(|c| plain(c)).unwrap();
    assert_eq!(log(&env, c).row.state, State::Sending, "its import job is still running");
    env.api.escalate(&env.site_ref(), &c.id.to_string(), answers(&[(field_ids::CONTACT_REASON, "refund".into())]), None).await.unwrap();
    skip_delays(&env);
    engine::sync_once(&env.api, None).await.unwrap();
    assert!(tickets(&env, c).is_empty(), "no escalation ticket while the job may still write the auto-save one");
    let row = log(&env, c).row;
    assert_eq!((row.state, row.error_code.as_deref()), (State::Sending, Some("sync.job_running")));

    env.sandbox.control().advance(std::time::Duration::from_secs(2 * 3600));
    env.sandbox.control().set_job_duration(std::time::Duration::from_millis(50));
    skip_delays(&env);
    let summary = drain(&env, 4).await;
    assert_eq!(summary.pending, 0, "{summary:?}");
    let t = the_ticket(&env, c);
    assert_eq!((t.status.as_str(), t.ticket_form_id), ("open", Some(form_ids::ESCALATION)));
    assert_eq!(escalation_notes(&t, c).len(), 1);
    assert_eq!(log(&env, c).row.path, Some(Path::EscalationUpdate));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_site_without_autosave_offers_its_recent_conversations_to_escalate() {
    // Auto-save off: the log holds no finished conversation to pick from; iAdvize does.
    let mut changes = standard();
    changes[0] = SettingChange::Autosave(false);
    let env = env_with(config(), None, &changes, true).await;
    let client = iadvize_zendesk::check::iadvize_client(&env.api, &env.site).unwrap();
    let now = Utc::now();
    let mut week: Vec<Conversation> = client
        .closed_conversations(&ClosedConversationsFilter::site(SITE, now - Duration::days(7), now))
        .await
        .unwrap();
    assert!(week.len() >= 5 && week.len() < iadvize_zendesk::recent::WANTED, "the seed gives a week of a few conversations: {}", week.len());
    week.sort_by(|a, b| b.closed_at.cmp(&a.closed_at).then_with(|| a.id.to_string().cmp(&b.id.to_string())));

    let recent = env.api.recent_conversations(&env.site_ref()).await.unwrap();
    let ids = |r: &iadvize_zendesk::recent::RecentConversations| r.conversations.iter().map(|c| c.conversation_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&recent), week.iter().map(|c| c.id.to_string()).collect::<Vec<_>>(), "the whole week, newest first");
    assert!(!recent.partial);
    assert!(recent.since <= now - Duration::days(7) + Duration::minutes(1));
    let first = &recent.conversations[0];
    assert_eq!(first.agent_name, week[0].handling_agent().map(|a| a.full_name()));
    assert_eq!(first.legacy_id, week[0].legacy_id);

    // Escalated from here, a conversation is no longer offered.
    let picked = week.iter().find(|c| plain(c)).unwrap().id.to_string();
    env.api.escalate(&env.site_ref(), &picked, answers(&[]), Some("From the recent list".into())).await.unwrap();
    let log = env.api.deliver_escalation(&env.site_ref(), &picked).await.unwrap();
    assert_eq!(log.row.state, State::Escalated, "{log:?}");
    let after = env.api.recent_conversations(&env.site_ref()).await.unwrap();
    assert!(!ids(&after).contains(&picked));
    assert_eq!(after.conversations.len(), recent.conversations.len() - 1);
}
