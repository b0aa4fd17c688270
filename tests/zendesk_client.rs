//! The Zendesk client against the sandbox over real HTTP: both auth modes (OAuth renewal
//! included), the anonymous-user and light-agent traps, 429 with `Retry-After` honoured on a
//! manual clock (never slept), the 5xx retry bound, no retry on 422, idempotency after a lost
//! answer, uncertain imports, imports and jobs, users created in bulk, all pages of fields,
//! plan-gated forms, errors with Zendesk's details; and every request body the client can
//! send, validated against `contracts/zendesk-oas.yaml`.
//!
//! Time: the client runs on a [`ManualTimer`] whose sleeps return at once and move the
//! sandbox's clock by the same amount, so both sides agree on time and nothing waits.

use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::zendesk::*;
use iadvize_zendesk_sandbox::credentials::*;
use iadvize_zendesk_sandbox::{
    ADMIN_ID, AGENT_ID, Api, Control, Fault, FaultRule, Sandbox, SandboxConfig, field_ids, form_ids,
};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

struct Env {
    sandbox: Sandbox,
    control: Control,
    timer: Arc<ManualTimer>,
}

async fn env() -> Env {
    env_with(SandboxConfig::default().conversations(3)).await
}

async fn env_with(config: SandboxConfig) -> Env {
    let sandbox = iadvize_zendesk_sandbox::start(config)
        .await
        .expect("sandbox starts");
    let control = sandbox.control();
    let c = control.clone();
    let timer = ManualTimer::with_hook(move |d| c.advance(d));
    Env {
        sandbox,
        control,
        timer,
    }
}

fn admin_credential() -> ZendeskCredential {
    ZendeskCredential::api_token(ZENDESK_ADMIN_EMAIL, Secret::new(ZENDESK_API_TOKEN))
}

fn oauth_credential() -> ZendeskCredential {
    ZendeskCredential::oauth_client(
        ZENDESK_OAUTH_CLIENT_ID,
        Secret::new(ZENDESK_OAUTH_CLIENT_SECRET),
    )
}

impl Env {
    fn config(&self, credential: ZendeskCredential) -> ZendeskConfig {
        let mut c = ZendeskConfig::new(self.sandbox.zendesk_url(), credential)
            .unwrap()
            .timer(self.timer.clone())
            .request_timeout(Duration::from_secs(5));
        c.job_poll_interval = Duration::from_secs(1);
        c
    }

    fn client(&self, credential: ZendeskCredential) -> ZendeskClient {
        ZendeskClient::new(self.config(credential)).unwrap()
    }

    fn admin(&self) -> ZendeskClient {
        self.client(admin_credential())
    }

    /// Requests the sandbox received for `METHOD /template`.
    fn count(&self, endpoint: &str) -> u64 {
        self.control.request_count(Api::Zendesk, endpoint)
    }

    fn status_count(&self, endpoint: &str, status: u16) -> u64 {
        self.control
            .requests()
            .status_count(Api::Zendesk, endpoint, status)
    }

    fn fault(&self, method: &str, route: &str, fault: Fault, count: u32) {
        self.control
            .add_fault(FaultRule::zendesk(method, route, fault, count));
    }
}

fn status(code: u16, retry_after_secs: Option<u64>) -> Fault {
    Fault::Status {
        status: code,
        retry_after_secs,
    }
}

fn note_ticket(external_id: &str) -> NewTicket {
    NewTicket {
        subject: Some("Chat with a visitor".into()),
        comment: Some(NewComment::private_note("<p>Transcript</p>")),
        external_id: Some(external_id.into()),
        tags: vec!["iadvize".into()],
        ..NewTicket::default()
    }
}

fn solved_import(external_id: &str, form: i64) -> TicketImport {
    let at = chrono::Utc::now() - chrono::Duration::hours(3);
    TicketImport {
        subject: Some("Chat on the website".into()),
        comments: vec![
            ImportComment::text("Visitor: hello", true).at(at),
            ImportComment::html("<p>Link to the conversation</p>", false)
                .at(at + chrono::Duration::minutes(5)),
        ],
        status: Some(TicketStatus::Solved),
        external_id: Some(external_id.into()),
        ticket_form_id: Some(form),
        tags: vec!["iadvize".into(), "chat".into()],
        custom_fields: vec![CustomFieldValue::new(field_ids::IADVIZE_COUNTRY, "France")],
        created_at: Some(at),
        updated_at: Some(at + chrono::Duration::minutes(5)),
        solved_at: Some(at + chrono::Duration::minutes(5)),
        ..TicketImport::default()
    }
}

// ------------------------------------------------------------------ auth

#[tokio::test]
async fn api_token_admin_and_site_settings() {
    let env = env().await;
    let client = env.admin();
    let me = client.me().await.unwrap();
    assert_eq!(me.id, Some(ADMIN_ID));
    assert_eq!(me.access(), UserAccess::Admin);
    assert_eq!(client.request_counts().kind(EndpointKind::UsersMe), 1);

    // The app's one way in: a site's settings + its keychain secret.
    let settings = iadvize_zendesk::site::SiteSettings {
        name: "Paris".into(),
        platform: iadvize_zendesk::site::Platform::Ha,
        iadvize_site_id: 3101,
        zendesk_domain: "https://acme.zendesk.com".into(),
        zendesk_email: ZENDESK_ADMIN_EMAIL.into(),
        zendesk_auth: iadvize_zendesk::site::ZendeskAuthKind::ApiToken,
        zendesk_oauth_client_id: None,
        country: "France".into(),
        start_from: chrono::Utc::now(),
        autosave_enabled: false,
        autosave_form_id: None,
        escalation_enabled: false,
        escalation_form_id: None,
        escalation_note_label: "Summary".into(),
        grace_seconds: 300,
        delivery_mode: iadvize_zendesk::site::DeliveryMode::Import,
        poll_seconds: 60,
        conversation_url_template: "x".into(),
        requester_policy: iadvize_zendesk::site::RequesterPolicy::CreateEndUser,
        zendesk_api_url: Some(env.sandbox.zendesk_url()),
        iadvize_api_url: None,
    };
    let credential =
        ZendeskCredential::for_site(&settings, Secret::new(format!("{ZENDESK_API_TOKEN}\n")))
            .unwrap();
    let client = ZendeskClient::for_site(&settings, credential).unwrap();
    assert_eq!(client.base_url(), env.sandbox.zendesk_url());
    assert!(client.me().await.unwrap().is_admin());

    // Without the override, the domain.
    let mut plain = settings.clone();
    plain.zendesk_api_url = None;
    let c = ZendeskClient::for_site(&plain, admin_credential()).unwrap();
    assert_eq!(c.base_url(), "https://acme.zendesk.com");

    // OAuth selected without a client id: a configuration error naming the setting.
    let mut oauth = settings.clone();
    oauth.zendesk_auth = iadvize_zendesk::site::ZendeskAuthKind::OauthClient;
    let e = ZendeskCredential::for_site(&oauth, Secret::new("s")).unwrap_err();
    assert_eq!(e.code(), "zendesk.config");
    assert!(e.to_string().contains("client identifier"));
}

#[tokio::test]
async fn wrong_token_is_unauthorized_and_never_leaks() {
    let env = env().await;
    let secret = "definitely-wrong-token-4711";
    let client = env.client(ZendeskCredential::api_token(
        ZENDESK_ADMIN_EMAIL,
        Secret::new(secret),
    ));
    let e = client.me().await.unwrap_err();
    assert_eq!(e.code(), "zendesk.unauthorized");
    assert!(!e.is_retriable());
    let text = format!("{e} {e:?} {client:?} {:?}", client.config());
    assert!(text.contains("API token in the site's settings"), "{text}");
    assert!(!text.contains(secret), "{text}");
    // No retry on 401 with an API token.
    assert_eq!(env.count("GET /api/v2/users/me"), 1);
    let api: iadvize_zendesk::ApiError = e.into();
    assert_eq!(api.code, "zendesk.unauthorized");
}

#[tokio::test]
async fn anonymous_user_200_is_reported_not_trusted() {
    let env = env().await;
    // Credentials Zendesk does not read as an API token get the anonymous user with 200.
    let client = env.client(ZendeskCredential::api_token(
        "admin:typo@sandbox.example",
        Secret::new(ZENDESK_API_TOKEN),
    ));
    let me = client.me().await.unwrap();
    assert_eq!(env.status_count("GET /api/v2/users/me", 200), 1);
    assert_eq!(me.id, None);
    assert_eq!(me.access(), UserAccess::Anonymous);
    assert!(me.is_anonymous() && !me.is_admin());

    // With the switch off, the same credentials answer 401.
    env.control
        .update_switches(|s| s.anonymous_users_me = false);
    assert_eq!(
        client.me().await.unwrap_err().code(),
        "zendesk.unauthorized"
    );
}

#[tokio::test]
async fn light_agent_and_agent_roles() {
    let env = env().await;
    let light = env.client(ZendeskCredential::api_token(
        ZENDESK_LIGHT_AGENT_EMAIL,
        Secret::new(ZENDESK_LIGHT_AGENT_API_TOKEN),
    ));
    let me = light.me().await.unwrap();
    assert_eq!(me.access(), UserAccess::LightAgent);
    let e = light
        .create_ticket(&note_ticket("light-1"), "light-1")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "zendesk.forbidden");
    assert!(e.to_string().contains("light agents cannot create tickets"));

    let agent = env.client(ZendeskCredential::api_token(
        ZENDESK_AGENT_EMAIL,
        Secret::new(ZENDESK_AGENT_API_TOKEN),
    ));
    assert_eq!(agent.me().await.unwrap().access(), UserAccess::Agent);
    let e = agent
        .import_ticket(&solved_import("agent-1", form_ids::ARCHIVE))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        ZendeskError::Forbidden {
            reason: ForbiddenReason::Permission,
            ..
        }
    ));
    assert!(
        e.to_string().contains("ticket imports need an admin"),
        "{e}"
    );
    assert!(!e.is_uncertain());
    assert_eq!(env.count("POST /api/v2/imports/tickets"), 1);
}

#[tokio::test]
async fn oauth_token_is_cached_and_renewed_before_expiry() {
    let env = env().await;
    let client = env.client(oauth_credential());
    assert!(client.me().await.unwrap().is_admin());
    client.me().await.unwrap();
    assert_eq!(env.count("POST /oauth/tokens"), 1);
    // The sandbox's tokens live 1,800 s; the client renews 120 s before.
    env.timer.advance(Duration::from_secs(1700));
    client.me().await.unwrap();
    assert_eq!(env.count("POST /oauth/tokens"), 2);
    assert_eq!(env.status_count("GET /api/v2/users/me", 401), 0);
    assert_eq!(client.request_counts().kind(EndpointKind::OauthToken), 2);
    // The token never shows.
    assert!(!format!("{client:?}").contains("sandbox-oauth"));
}

#[tokio::test]
async fn oauth_401_midway_renews_once() {
    let env = env().await;
    let client = env.client(oauth_credential());
    client.me().await.unwrap();
    // Only the sandbox's clock moves: the client still believes its token valid.
    env.control.advance(Duration::from_secs(2 * 3600));
    let me = client.me().await.unwrap();
    assert!(me.is_admin());
    assert_eq!(env.status_count("GET /api/v2/users/me", 401), 1);
    assert_eq!(env.status_count("GET /api/v2/users/me", 200), 2);
    assert_eq!(env.count("POST /oauth/tokens"), 2);

    // A wrong secret: the token request fails, with a message about the OAuth client.
    let wrong = env.client(ZendeskCredential::oauth_client(
        ZENDESK_OAUTH_CLIENT_ID,
        Secret::new("not-the-secret-9981"),
    ));
    let e = wrong.me().await.unwrap_err();
    assert_eq!(e.code(), "zendesk.unauthorized");
    assert!(e.to_string().contains("OAuth client identifier and secret"));
    assert!(!format!("{e:?}").contains("not-the-secret-9981"));
}

#[tokio::test]
async fn oauth_agent_client_is_an_agent() {
    let env = env().await;
    let client = env.client(ZendeskCredential::oauth_client(
        ZENDESK_AGENT_OAUTH_CLIENT_ID,
        Secret::new(ZENDESK_AGENT_OAUTH_CLIENT_SECRET),
    ));
    let me = client.me().await.unwrap();
    assert_eq!(me.id, Some(AGENT_ID));
    assert_eq!(me.access(), UserAccess::Agent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_shared_by_many_tasks_fetches_one_token() {
    let env = env().await;
    let client = env.client(oauth_credential());
    let mut tasks = Vec::new();
    for i in 0..16 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                c.me().await.map(|_| ())
            } else {
                c.import_ticket(&solved_import(&format!("par-{i}"), form_ids::ARCHIVE))
                    .await
                    .map(|_| ())
            }
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(env.count("POST /oauth/tokens"), 1);
    assert_eq!(client.request_counts().kind(EndpointKind::TicketImport), 8);
    assert_eq!(client.rate_budget().in_flight, 0);
}

// ------------------------------------------------------------------ rate limits and retries

#[tokio::test]
async fn slows_down_before_zendesk_says_429() {
    let env = env_with(
        SandboxConfig::default()
            .conversations(3)
            .plan(iadvize_zendesk_sandbox::Plan::Team),
    )
    .await;
    // The client believes in 2,500/min; Zendesk's headers say 200.
    let client = ZendeskClient::new(env.config(admin_credential()).plan(Plan::HighVolume)).unwrap();
    for _ in 0..230 {
        client.me().await.unwrap();
    }
    assert_eq!(env.status_count("GET /api/v2/users/me", 429), 0);
    assert_eq!(env.count("GET /api/v2/users/me"), 230);
    let budget = client.rate_budget();
    assert_eq!(budget.limit, 200);
    assert!(budget.remaining.is_some());
    // It waited for the sandbox's window to reset instead of being refused.
    assert!(
        env.timer.slept() >= Duration::from_secs(30),
        "{:?}",
        env.timer.slept()
    );
    assert!(client.request_counts().throttled_ms > 0);
}

#[tokio::test]
async fn honours_retry_after_on_429_without_sleeping() {
    let env = env_with(
        SandboxConfig::default()
            .conversations(3)
            .plan(iadvize_zendesk_sandbox::Plan::Team),
    )
    .await;
    // Another integration spends the account's whole budget.
    let http = reqwest::Client::new();
    let auth = zendesk_basic_auth(ZENDESK_AGENT_EMAIL, ZENDESK_AGENT_API_TOKEN);
    for _ in 0..200 {
        let r = http
            .get(format!(
                "{}/api/v2/users/{ADMIN_ID}",
                env.sandbox.zendesk_url()
            ))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let client = env.admin();
    let real = std::time::Instant::now();
    let me = client.me().await.unwrap();
    assert!(me.is_admin());
    assert_eq!(env.status_count("GET /api/v2/users/me", 429), 1);
    assert_eq!(env.status_count("GET /api/v2/users/me", 200), 1);
    // The client waited the sandbox's Retry-After on its clock (up to a minute), not for real.
    let waited = env.timer.slept();
    assert!(
        waited >= Duration::from_secs(1) && waited <= Duration::from_secs(61),
        "{waited:?}"
    );
    assert!(real.elapsed() < Duration::from_secs(5));
    let counts = client.request_counts();
    assert_eq!(counts.rate_limited, 1);
    assert_eq!(counts.retries, 1);

    // An injected 429 with Retry-After: 30 is honoured exactly.
    let before = env.timer.slept();
    env.fault("GET", "/api/v2/users/me", status(429, Some(30)), 1);
    client.me().await.unwrap();
    assert_eq!(env.timer.slept() - before, Duration::from_secs(30));

    // A Retry-After past the time bound ends the call with the wait in the error.
    let impatient = ZendeskClient::new(env.config(admin_credential()).retry(RetryPolicy {
        max_elapsed: Duration::from_secs(10),
        ..RetryPolicy::default()
    }))
    .unwrap();
    env.fault("GET", "/api/v2/users/me", status(429, Some(30)), 1);
    let e = impatient.me().await.unwrap_err();
    assert_eq!(e.code(), "zendesk.rate_limited");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
    assert!(e.is_retriable());
}

#[tokio::test]
async fn server_errors_are_retried_within_the_bound() {
    let env = env().await;
    let client = ZendeskClient::new(env.config(admin_credential()).retry(RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    }))
    .unwrap();
    // Two failures, then success.
    env.fault("GET", "/api/v2/users/me", status(500, None), 2);
    assert!(client.me().await.unwrap().is_admin());
    assert_eq!(env.count("GET /api/v2/users/me"), 3);
    assert_eq!(env.timer.sleeps().len(), 2);
    // Backoff with jitter: 250-500 ms, then 500-1000 ms.
    let s = env.timer.sleeps();
    assert!(s[0] >= Duration::from_millis(250) && s[0] <= Duration::from_millis(500));
    assert!(s[1] >= Duration::from_millis(500) && s[1] <= Duration::from_millis(1000));

    // Always failing: three attempts, then the error.
    env.fault("GET", "/api/v2/users/me", status(502, None), 10);
    let e = client.me().await.unwrap_err();
    assert_eq!(e.code(), "zendesk.unavailable");
    assert!(e.is_retriable());
    assert!(!e.is_uncertain(), "a read is never uncertain");
    assert_eq!(env.count("GET /api/v2/users/me"), 6);

    // A reset connection on a read is retried too.
    env.control.clear_faults();
    env.fault("GET", "/api/v2/users/me", Fault::Reset, 1);
    client.me().await.unwrap();
    assert_eq!(env.count("GET /api/v2/users/me"), 8);
}

#[tokio::test]
async fn no_retry_on_422_and_every_detail_is_kept() {
    let env = env().await;
    let client = env.admin();
    // The complaint form requires "Escalation level", which has no default.
    let e = client
        .import_ticket(&solved_import("complaint-1", form_ids::COMPLAINT))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "zendesk.invalid");
    assert!(!e.is_retriable() && !e.is_uncertain());
    let details = e.details().unwrap();
    let base = &details["base"];
    assert!(
        base.iter()
            .any(|d| d.ticket_field_id == Some(field_ids::ESCALATION_LEVEL)
                && d.error.as_deref() == Some("BlankValue"))
    );
    assert!(e.to_string().contains("Required field is blank"), "{e}");
    assert_eq!(env.count("POST /api/v2/imports/tickets"), 1);
    let api: iadvize_zendesk::ApiError = e.into();
    assert!(
        api.fields
            .iter()
            .any(|f| f.field == format!("custom_field_{}", field_ids::ESCALATION_LEVEL))
    );

    // Same through the Tickets API, and an invalid value (regexp) on create.
    let t = NewTicket {
        custom_fields: vec![CustomFieldValue::new(field_ids::ORDER_NUMBER, "nope")],
        ..note_ticket("bad-value")
    };
    let e = client.create_ticket(&t, "bad-value").await.unwrap_err();
    assert_eq!(e.code(), "zendesk.invalid");
    assert_eq!(
        e.details().unwrap()["base"][0].error.as_deref(),
        Some("InvalidValue")
    );
    assert_eq!(env.count("POST /api/v2/tickets"), 1);
}

// ------------------------------------------------------------------ tickets

#[tokio::test]
async fn idempotency_key_makes_a_lost_answer_safe() {
    let env = env().await;
    let client = env.admin();
    // The ticket is written, then the connection drops: the client retries with the same key.
    env.fault("POST", "/api/v2/tickets", Fault::CommitThenDrop, 1);
    let created = client
        .create_ticket(&note_ticket("conv-1"), "iadvize:conv-1")
        .await
        .unwrap();
    assert_eq!(created.idempotency, IdempotencyLookup::Hit);
    assert_eq!(env.count("POST /api/v2/tickets"), 2);
    assert_eq!(env.control.tickets_by_external_id("conv-1").len(), 1);
    assert_eq!(created.ticket.external_id.as_deref(), Some("conv-1"));
    assert!(created.audit.is_some());
    let view = env.control.ticket(created.ticket.id).unwrap();
    assert!(!view.comments[0].public, "a private note");

    // A fresh key: miss.
    let other = client
        .create_ticket(&note_ticket("conv-2"), "iadvize:conv-2")
        .await
        .unwrap();
    assert_eq!(other.idempotency, IdempotencyLookup::Miss);

    // The same key with another body.
    let e = client
        .create_ticket(&note_ticket("conv-3"), "iadvize:conv-1")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "zendesk.idempotency_mismatch");
    assert!(!e.is_retriable());

    // A timeout after sending: retried with the same key, one ticket.
    let quick = ZendeskClient::new(
        env.config(admin_credential())
            .request_timeout(Duration::from_millis(250)),
    )
    .unwrap();
    env.fault("POST", "/api/v2/tickets", Fault::Slow { delay_ms: 600 }, 1);
    let r = quick
        .create_ticket(&note_ticket("conv-4"), "iadvize:conv-4")
        .await;
    // The slow first request may or may not have committed before the retry arrived; either
    // way there is exactly one ticket.
    let r = r.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(env.control.tickets_by_external_id("conv-4").len(), 1);
    assert_eq!(r.ticket.external_id.as_deref(), Some("conv-4"));
}

#[tokio::test]
async fn show_update_comments_and_lookup_by_external_id() {
    let env = env().await;
    let client = env.admin();
    let created = client
        .create_ticket(
            &NewTicket {
                ticket_form_id: Some(form_ids::ESCALATION),
                requester: Some(Requester::User {
                    name: "Ana Visitor".into(),
                    email: "ana.visitor@example.org".into(),
                    locale_id: None,
                }),
                ..note_ticket("conv-9")
            },
            "k-9",
        )
        .await
        .unwrap()
        .ticket;
    let id = created.id;
    let updated = client
        .update_ticket(
            id,
            &TicketUpdate {
                comment: Some(NewComment::private_note("<p>Escalated</p>")),
                status: Some(TicketStatus::Open),
                additional_tags: vec!["escalated".into()],
                custom_fields: vec![CustomFieldValue::new(
                    field_ids::IADVIZE_AGENT,
                    "Marie Curie",
                )],
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.ticket.status, Some(TicketStatus::Open));
    assert!(updated.ticket.tags.contains(&"escalated".to_string()));
    assert!(
        updated.ticket.tags.contains(&"iadvize".to_string()),
        "additional_tags keeps tags"
    );
    assert_eq!(
        updated.ticket.field(field_ids::IADVIZE_AGENT),
        Some(&json!("Marie Curie"))
    );
    let shown = client.show_ticket(id).await.unwrap();
    assert_eq!(shown.ticket_form_id, Some(form_ids::ESCALATION));
    let requester = env
        .control
        .user_by_email("ana.visitor@example.org")
        .unwrap();
    assert_eq!(shown.requester_id, Some(requester.id));

    let comments = client.ticket_comments(id).await.unwrap();
    assert_eq!(comments.len(), 2);
    assert!(comments.iter().all(|c| c.public == Some(false)));

    // Several tickets may share an external id: all are listed, across pages.
    for i in 0..120 {
        client
            .import_ticket(&TicketImport {
                comments: vec![ImportComment::text(format!("dup {i}"), false)],
                external_id: Some("dup".into()),
                ..TicketImport::default()
            })
            .await
            .unwrap();
    }
    let dups = client.tickets_by_external_id("dup").await.unwrap();
    assert_eq!(dups.len(), 120);
    assert_eq!(env.count("GET /api/v2/tickets"), 2, "two pages of 100");
    assert!(
        client
            .tickets_by_external_id("nothing")
            .await
            .unwrap()
            .is_empty()
    );

    let e = client.show_ticket(999_999_999).await.unwrap_err();
    assert_eq!(e.code(), "zendesk.not_found");
    assert!(e.to_string().contains("ticket 999999999"));
}

#[tokio::test]
async fn an_update_with_a_comment_is_never_blindly_retried() {
    let env = env().await;
    let client = env.admin();
    let id = client
        .create_ticket(&note_ticket("conv-u"), "k-u")
        .await
        .unwrap()
        .ticket
        .id;
    env.fault(
        "PUT",
        "/api/v2/tickets/{ticket_id}",
        Fault::CommitThenDrop,
        1,
    );
    let e = client
        .update_ticket(
            id,
            &TicketUpdate {
                comment: Some(NewComment::private_note("once")),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap_err();
    assert!(e.is_uncertain(), "{e:?}");
    assert_eq!(env.count("PUT /api/v2/tickets/{ticket_id}"), 1);
    assert_eq!(env.control.ticket(id).unwrap().comments.len(), 2);

    // Without a comment the update is idempotent: retried.
    env.fault(
        "PUT",
        "/api/v2/tickets/{ticket_id}",
        Fault::CommitThenDrop,
        1,
    );
    client
        .update_ticket(
            id,
            &TicketUpdate {
                additional_tags: vec!["x".into()],
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(env.count("PUT /api/v2/tickets/{ticket_id}"), 3);
}

#[tokio::test]
async fn closed_ticket_then_follow_up() {
    let env = env().await;
    let client = env.admin();
    let ticket = client
        .import_ticket(&solved_import("conv-closed", form_ids::ARCHIVE))
        .await
        .unwrap();
    assert_eq!(ticket.status, Some(TicketStatus::Solved));
    env.control.advance(Duration::from_secs(97 * 3600));
    let e = client
        .update_ticket(
            ticket.id,
            &TicketUpdate {
                comment: Some(NewComment::private_note("late escalation")),
                status: Some(TicketStatus::Open),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "zendesk.closed_ticket");
    assert!(matches!(e, ZendeskError::ClosedTicket { ticket_id, .. } if ticket_id == ticket.id));
    assert!(e.to_string().contains("follow-up"));
    let follow = client
        .create_followup(
            ticket.id,
            &note_ticket("conv-closed"),
            "followup-conv-closed",
        )
        .await
        .unwrap();
    assert_eq!(follow.ticket.followup_source_id(), Some(ticket.id));
    assert_eq!(
        env.control
            .ticket(follow.ticket.id)
            .unwrap()
            .followup_source_id,
        Some(ticket.id)
    );
}

// ------------------------------------------------------------------ imports and jobs

#[tokio::test]
async fn import_keeps_timestamps_and_sends_no_email() {
    let env = env().await;
    let client = env.admin();
    let emails_before = env.control.emails().len();
    let import = solved_import("conv-imp", form_ids::ARCHIVE);
    let ticket = client.import_ticket(&import).await.unwrap();
    let view = env.control.ticket(ticket.id).unwrap();
    assert_eq!(view.via, "import");
    assert_eq!(view.status, "solved");
    assert_eq!(view.ticket_form_id, Some(form_ids::ARCHIVE));
    assert_eq!(view.comments.len(), 2);
    assert!(view.comments[0].public && !view.comments[1].public);
    let want = import.comments[0].created_at.unwrap();
    assert_eq!(view.comments[0].created_at.timestamp(), want.timestamp());
    assert_eq!(env.control.emails().len(), emails_before);
}

#[tokio::test]
async fn uncertain_imports_are_not_retried_and_can_be_looked_up() {
    let env = env().await;
    let client = env.admin();
    // Written, then the answer is lost.
    env.fault("POST", "/api/v2/imports/tickets", Fault::CommitThenDrop, 1);
    let e = client
        .import_ticket(&solved_import("conv-lost", form_ids::ARCHIVE))
        .await
        .unwrap_err();
    assert!(e.is_uncertain(), "{e:?}");
    assert!(e.is_retriable());
    assert_eq!(e.code(), "zendesk.network");
    assert_eq!(
        env.count("POST /api/v2/imports/tickets"),
        1,
        "no blind retry"
    );
    // What the sync engine does next: look it up by external_id.
    let found = client.tickets_by_external_id("conv-lost").await.unwrap();
    assert_eq!(found.len(), 1);

    // A timeout: uncertain too, not retried.
    let quick = ZendeskClient::new(
        env.config(admin_credential())
            .request_timeout(Duration::from_millis(200)),
    )
    .unwrap();
    env.fault(
        "POST",
        "/api/v2/imports/tickets",
        Fault::Slow { delay_ms: 500 },
        1,
    );
    let e = quick
        .import_ticket(&solved_import("conv-slow", form_ids::ARCHIVE))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "zendesk.timeout");
    assert!(e.is_uncertain());
    assert_eq!(
        quick.request_counts().kind(EndpointKind::TicketImport),
        1,
        "no retry"
    );
    // (Whether the sandbox still writes a request whose client hung up depends on its server
    // noticing the closed connection; the client cannot know either way, hence "uncertain".)
    tokio::time::sleep(Duration::from_millis(400)).await;

    // A 500: may have been written, not retried.
    env.fault("POST", "/api/v2/imports/tickets", status(500, None), 1);
    let e = client
        .import_ticket(&solved_import("conv-500", form_ids::ARCHIVE))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "zendesk.unavailable");
    assert!(e.is_uncertain());
    assert_eq!(client.request_counts().kind(EndpointKind::TicketImport), 2);

    // A 503 with Retry-After was refused unprocessed: retried.
    env.fault("POST", "/api/v2/imports/tickets", status(503, Some(5)), 1);
    client
        .import_ticket(&solved_import("conv-503", form_ids::ARCHIVE))
        .await
        .unwrap();
    assert_eq!(client.request_counts().kind(EndpointKind::TicketImport), 4);
    assert_eq!(env.control.tickets_by_external_id("conv-503").len(), 1);

    // A connection reset on an import: uncertain (the client cannot tell it apart).
    env.fault("POST", "/api/v2/imports/tickets", Fault::Reset, 1);
    let e = client
        .import_ticket(&solved_import("conv-reset", form_ids::ARCHIVE))
        .await
        .unwrap_err();
    assert!(e.is_uncertain());
    assert!(
        client
            .tickets_by_external_id("conv-reset")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn bulk_import_with_job_polling_and_results_by_index() {
    let env = env().await;
    let client = env.admin();
    let batch = vec![
        solved_import("bulk-0", form_ids::ARCHIVE),
        solved_import("bulk-1", form_ids::COMPLAINT),
        solved_import("bulk-2", form_ids::ARCHIVE),
    ];
    let job = client.import_tickets(&batch).await.unwrap();
    assert!(!job.is_final());
    let done = client.wait_for_job(&job.id).await.unwrap();
    assert_eq!(done.status, JobState::Completed);
    // Polled on the manual clock: the sandbox's job takes 2 s; pauses start at 250 ms and
    // double up to the poll interval (1 s).
    let sleeps = env.timer.sleeps();
    assert_eq!(sleeps.first(), Some(&Duration::from_millis(250)), "{sleeps:?}");
    assert!(sleeps.windows(2).all(|w| w[1] >= w[0] && w[1] <= Duration::from_secs(1)), "{sleeps:?}");
    assert!(env.count("GET /api/v2/job_statuses/{job_status_id}") >= 2);
    let outcome = done.outcome_by_index(3);
    let id0 = match &outcome[0] {
        Some(JobResult::Created { id, .. }) => *id,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        env.control.ticket(id0).unwrap().external_id.as_deref(),
        Some("bulk-0")
    );
    match &outcome[1] {
        Some(JobResult::Failed { details, error, .. }) => {
            assert_eq!(error.as_deref(), Some("RecordInvalid"));
            assert_eq!(
                details["base"][0].ticket_field_id,
                Some(field_ids::ESCALATION_LEVEL)
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(outcome[2], Some(JobResult::Created { .. })));

    // Tickets API bulk create, several jobs awaited together with show_many.
    let a = client
        .create_many_tickets(&[note_ticket("many-0"), note_ticket("many-1")])
        .await
        .unwrap();
    let b = client
        .create_many_tickets(&[note_ticket("many-2")])
        .await
        .unwrap();
    let jobs = client
        .wait_for_jobs(&[a.id.clone(), b.id.clone()])
        .await
        .unwrap();
    assert_eq!(jobs[0].id, a.id);
    assert!(jobs.iter().all(|j| j.status == JobState::Completed));
    assert_eq!(jobs[0].results().len(), 2);
    assert!(env.count("GET /api/v2/job_statuses/show_many") >= 1);

    // Batches are 1 to 100 tickets; checked before sending.
    let e = client.import_tickets(&[]).await.unwrap_err();
    assert_eq!(e.code(), "zendesk.bad_request");
    let too_many: Vec<TicketImport> = (0..101)
        .map(|i| solved_import(&format!("x{i}"), form_ids::ARCHIVE))
        .collect();
    assert_eq!(
        client.import_tickets(&too_many).await.unwrap_err().code(),
        "zendesk.bad_request"
    );
    assert_eq!(env.count("POST /api/v2/imports/tickets/create_many"), 1);

    // A job that does not finish in time.
    env.control.set_job_duration(Duration::from_secs(3600));
    let mut slow_cfg = env.config(admin_credential());
    slow_cfg.job_wait_timeout = Duration::from_secs(5);
    let slow = ZendeskClient::new(slow_cfg).unwrap();
    let job = slow.import_tickets(&batch[..1]).await.unwrap();
    let e = slow.wait_for_job(&job.id).await.unwrap_err();
    assert_eq!(e.code(), "zendesk.job_pending");
    assert!(e.is_retriable());
}

#[tokio::test]
async fn too_many_jobs_waits_for_a_slot() {
    let env = env().await;
    let client = env.admin();
    for i in 0..30 {
        client
            .import_tickets(&[solved_import(&format!("j{i}"), form_ids::ARCHIVE)])
            .await
            .unwrap();
    }
    // The 31st is refused with TooManyJobs + Retry-After, then accepted once a job finished.
    let job = client
        .import_tickets(&[solved_import("j30", form_ids::ARCHIVE)])
        .await
        .unwrap();
    // (The sandbox rounds its Retry-After down, so a second refusal may come first.)
    let refused = env.status_count("POST /api/v2/imports/tickets/create_many", 429);
    assert!((1..=2).contains(&refused), "{refused}");
    assert!(!job.id.is_empty());
    assert_eq!(client.request_counts().rate_limited, refused);
    assert!(env.timer.slept() >= Duration::from_secs(1));

    // With no retries left, the typed error with the running jobs.
    let once =
        ZendeskClient::new(env.config(admin_credential()).retry(RetryPolicy::none())).unwrap();
    for i in 0..29 {
        once.import_tickets(&[solved_import(&format!("k{i}"), form_ids::ARCHIVE)])
            .await
            .unwrap();
    }
    let e = once
        .import_tickets(&[solved_import("k29", form_ids::ARCHIVE)])
        .await
        .unwrap_err();
    assert_eq!(e.code(), "zendesk.too_many_jobs");
    match &e {
        ZendeskError::TooManyJobs {
            current_job_ids,
            retry_after,
        } => {
            assert_eq!(current_job_ids.len(), 30);
            assert!(retry_after.is_some());
        }
        other => panic!("{other:?}"),
    }
}

// ------------------------------------------------------------------ users

#[tokio::test]
async fn users_by_email_show_many_and_upsert() {
    let env = env().await;
    let client = env.admin();
    let agent = client
        .find_user_by_email(" AGENT@Sandbox.Example ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(agent.id, Some(AGENT_ID));
    assert!(
        client
            .find_user_by_email("nobody@nowhere.example")
            .await
            .unwrap()
            .is_none()
    );
    // A partial match is not a match.
    assert!(
        client
            .find_user_by_email("agent@sandbox")
            .await
            .unwrap()
            .is_none()
    );

    let users = client
        .users_show_many(&[ADMIN_ID, AGENT_ID, 1])
        .await
        .unwrap();
    assert_eq!(users.len(), 2);

    let (user, how) = client
        .create_or_update_user(&UserUpsert::end_user(
            "new.visitor@example.org",
            Some("New Visitor".into()),
        ))
        .await
        .unwrap();
    assert_eq!(how, Upsert::Created);
    assert_eq!(user.access(), UserAccess::EndUser);
    let (again, how) = client
        .create_or_update_user(&UserUpsert::end_user("new.visitor@example.org", None))
        .await
        .unwrap();
    assert_eq!(how, Upsert::Existing);
    assert_eq!(again.id, user.id);
}

#[tokio::test]
async fn users_created_in_bulk_with_ids_by_index() {
    let env = env().await;
    let client = env.admin();
    let batch = vec![
        NewUser::end_user("lea@visitors.example", "Léa Martin"),
        // A visitor already known to Zendesk (matched case-insensitively).
        NewUser::end_user(ZENDESK_AGENT_EMAIL.to_uppercase(), "Someone"),
        NewUser {
            verified: Some(true),
            ..NewUser::end_user("bo@visitors.example", "Bo")
        },
    ];
    let job = client.create_many_users(&batch).await.unwrap();
    assert!(!job.is_final());
    assert_eq!(job.total, Some(3));
    assert!(
        env.control.user_by_email("lea@visitors.example").is_none(),
        "created when the job runs"
    );
    let done = client.wait_for_job(&job.id).await.unwrap();
    assert_eq!(done.status, JobState::Completed);
    let outcome = done.outcome_by_index(batch.len());
    let lea = env.control.user_by_email("lea@visitors.example").unwrap();
    assert_eq!(
        outcome[0],
        Some(JobResult::Created {
            index: 0,
            id: lea.id
        })
    );
    assert_eq!(lea.name, "Léa Martin");
    assert_eq!(lea.role, "end_user");
    // By default the sandbox fails an e-mail that already exists (undocumented: a switch).
    let taken = outcome[1].as_ref().unwrap();
    assert!(matches!(taken, JobResult::Failed { index: Some(1), .. }));
    assert!(taken.is_email_taken(), "{taken:?}");
    let existing = client
        .find_user_by_email(ZENDESK_AGENT_EMAIL)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(existing.id, Some(AGENT_ID));
    let bo = env.control.user_by_email("bo@visitors.example").unwrap();
    assert!(matches!(outcome[2], Some(JobResult::Created { id, .. }) if id == bo.id));
    assert!(bo.verified);
    assert_eq!(
        client.request_counts().kind(EndpointKind::UsersCreateMany),
        1
    );
    assert_eq!(env.count("POST /api/v2/users/create_many"), 1);

    // Switched to the other reading: the existing user's id comes back as created.
    env.control.update_switches(|s| {
        s.create_many_users_existing_email = iadvize_zendesk_sandbox::ExistingEmail::ReuseExisting
    });
    // What the sync engine holds: end-users to create, some without a name.
    let upserts = vec![
        UserUpsert::end_user(ZENDESK_AGENT_EMAIL, Some("Someone".into())),
        UserUpsert::end_user("anonymous.visitor@visitors.example", None),
    ];
    let job = client.create_many_users(&upserts).await.unwrap();
    let done = client.wait_for_job(&job.id).await.unwrap();
    let outcome = done.outcome_by_index(2);
    assert_eq!(
        outcome[0],
        Some(JobResult::Created {
            index: 0,
            id: AGENT_ID
        })
    );
    let anon = env
        .control
        .user_by_email("anonymous.visitor@visitors.example")
        .unwrap();
    assert_eq!(anon.name, "anonymous.visitor", "Zendesk requires a name");
    assert!(matches!(outcome[1], Some(JobResult::Created { id, .. }) if id == anon.id));

    // 1 to 100 users, checked before sending.
    let too_many: Vec<NewUser> = (0..101)
        .map(|i| NewUser::end_user(format!("v{i}@visitors.example"), format!("V{i}")))
        .collect();
    let e = client.create_many_users(&too_many).await.unwrap_err();
    assert_eq!(e.code(), "zendesk.bad_request");
    let e = client.create_many_users::<NewUser>(&[]).await.unwrap_err();
    assert_eq!(e.code(), "zendesk.bad_request");
    assert_eq!(env.count("POST /api/v2/users/create_many"), 2);
    assert_eq!(
        client.request_counts().kind(EndpointKind::UsersCreateMany),
        2
    );

    // Bulk user imports not enabled on the account, or not an admin: 403.
    env.control
        .update_switches(|s| s.bulk_user_imports_enabled = false);
    let e = client.create_many_users(&batch[..1]).await.unwrap_err();
    assert_eq!(e.code(), "zendesk.forbidden");
    assert!(!e.is_retriable());
    env.control
        .update_switches(|s| s.bulk_user_imports_enabled = true);
    let agent = env.client(ZendeskCredential::api_token(
        ZENDESK_AGENT_EMAIL,
        Secret::new(ZENDESK_AGENT_API_TOKEN),
    ));
    assert_eq!(
        agent
            .create_many_users(&batch[..1])
            .await
            .unwrap_err()
            .code(),
        "zendesk.forbidden"
    );
}

#[tokio::test]
async fn uncertain_bulk_user_creation_is_not_retried() {
    let env = env().await;
    let client = env.admin();
    let route = "/api/v2/users/create_many";
    let one = |email: &str| vec![NewUser::end_user(email, "Visitor")];

    // The job is queued, then the answer is lost.
    env.fault("POST", route, Fault::CommitThenDrop, 1);
    let e = client
        .create_many_users(&one("lost@visitors.example"))
        .await
        .unwrap_err();
    assert!(e.is_uncertain(), "{e:?}");
    assert_eq!(
        env.count("POST /api/v2/users/create_many"),
        1,
        "no blind retry"
    );
    assert_eq!(
        client.request_counts().kind(EndpointKind::UsersCreateMany),
        1
    );
    assert_eq!(client.request_counts().retries, 0);
    // What the caller does next: look the users up by e-mail (once the job ran).
    env.control.advance(Duration::from_secs(3));
    let found = client
        .find_user_by_email("lost@visitors.example")
        .await
        .unwrap();
    assert!(found.is_some(), "the job ran although the answer was lost");

    // A 500: may have been queued, not retried.
    env.fault("POST", route, status(500, None), 1);
    let e = client
        .create_many_users(&one("five-hundred@visitors.example"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "zendesk.unavailable");
    assert!(e.is_uncertain());
    assert_eq!(
        client.request_counts().kind(EndpointKind::UsersCreateMany),
        2
    );

    // A 503 with Retry-After and TooManyJobs were refused unprocessed: retried.
    env.fault("POST", route, status(503, Some(5)), 1);
    let job = client
        .create_many_users(&one("later@visitors.example"))
        .await
        .unwrap();
    assert_eq!(
        client.request_counts().kind(EndpointKind::UsersCreateMany),
        4
    );
    let done = client.wait_for_job(&job.id).await.unwrap();
    assert!(matches!(
        done.outcome_by_index(1)[0],
        Some(JobResult::Created { .. })
    ));
    let once =
        ZendeskClient::new(env.config(admin_credential()).retry(RetryPolicy::none())).unwrap();
    env.control.set_job_duration(Duration::from_secs(3600));
    for i in 0..30 {
        once.create_many_users(&one(&format!("j{i}@visitors.example")))
            .await
            .unwrap();
    }
    let e = once
        .create_many_users(&one("j30@visitors.example"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "zendesk.too_many_jobs");
    assert!(!e.is_uncertain());
}

// ------------------------------------------------------------------ forms, fields, triggers

#[tokio::test]
async fn every_field_across_pages() {
    let env = env().await;
    let client = env.admin();
    let fields = client.ticket_fields().await.unwrap();
    assert!(fields.len() > 100, "{}", fields.len());
    assert_eq!(
        env.count("GET /api/v2/ticket_fields"),
        2,
        "two cursor pages"
    );
    let ids: std::collections::HashSet<i64> = fields.iter().map(|f| f.id).collect();
    assert_eq!(ids.len(), fields.len(), "no duplicates");
    let regexp = fields
        .iter()
        .find(|f| f.id == field_ids::CUSTOMER_REFERENCE)
        .unwrap();
    assert_eq!(regexp.kind(), FieldKind::Regexp);
    assert!(regexp.regexp_for_validation.is_some());
    let tagger = fields
        .iter()
        .find(|f| f.id == field_ids::ESCALATION_LEVEL)
        .unwrap();
    assert_eq!(tagger.kind(), FieldKind::Tagger);
    assert!(tagger.required && !tagger.custom_field_options.is_empty());
    assert!(tagger.default_option().is_none());
    let agent = fields
        .iter()
        .find(|f| f.has_title(" iadvize agent"))
        .unwrap();
    assert_eq!(agent.id, field_ids::IADVIZE_AGENT);
    assert!(fields.iter().any(|f| !f.active));
    assert!(
        fields
            .iter()
            .any(|f| f.kind() == FieldKind::System("subject".into()))
    );
    for kind in [
        FieldKind::Text,
        FieldKind::Textarea,
        FieldKind::Checkbox,
        FieldKind::Date,
        FieldKind::Integer,
        FieldKind::Decimal,
        FieldKind::Multiselect,
        FieldKind::Lookup,
        FieldKind::PartialCreditCard,
    ] {
        assert!(fields.iter().any(|f| f.kind() == kind), "{kind:?}");
    }
}

#[tokio::test]
async fn forms_or_not_on_this_plan() {
    let env = env().await;
    let client = env.admin();
    let forms = client.ticket_forms().await.unwrap().available().unwrap();
    assert!(forms.len() >= 5);
    let escalation = forms.iter().find(|f| f.id == form_ids::ESCALATION).unwrap();
    assert!(
        escalation
            .ticket_field_ids
            .contains(&field_ids::REFUND_AMOUNT)
    );
    let cond = &escalation.agent_conditions[0];
    assert_eq!(cond.parent_field_id, field_ids::REFUND_REQUESTED);
    assert_eq!(cond.value, json!(true));
    assert!(cond.child_fields[0].required_on("solved"));
    assert!(!cond.child_fields[0].required_on("open"));
    assert!(forms.iter().any(|f| !f.active));

    let one = client.ticket_form(form_ids::ARCHIVE).await.unwrap();
    assert!(matches!(one, PlanFeature::Available(f) if f.id == form_ids::ARCHIVE));
    assert_eq!(
        client.ticket_form(42).await.unwrap_err().code(),
        "zendesk.not_found"
    );

    env.control.set_plan(iadvize_zendesk_sandbox::Plan::Team);
    assert_eq!(client.ticket_forms().await.unwrap(), PlanFeature::NotOnPlan);
    assert_eq!(
        client.ticket_form(form_ids::ARCHIVE).await.unwrap(),
        PlanFeature::NotOnPlan
    );
    // A legacy plan at 400/min without forms.
    env.control
        .set_plan(iadvize_zendesk_sandbox::Plan::Professional);
    env.control.set_ticket_forms(Some(false));
    assert_eq!(client.ticket_forms().await.unwrap(), PlanFeature::NotOnPlan);
    assert_eq!(env.status_count("GET /api/v2/ticket_forms", 403), 2);
}

#[tokio::test]
async fn active_triggers_with_helpers() {
    let env = env().await;
    let client = env.admin();
    let triggers = client.active_triggers().await.unwrap();
    assert!(triggers.iter().all(|t| t.active));
    assert_eq!(triggers.len(), 4);
    let notify = triggers
        .iter()
        .find(|t| t.title == "Notify requester of received request")
        .unwrap();
    assert!(notify.notifies_requester());
    assert!(notify.runs_on_create());
    assert!(triggers.iter().any(|t| !t.notifies_requester()));
}

// ------------------------------------------------------------------ request bodies vs the OpenAPI document

#[test]
fn every_request_body_validates_against_the_openapi_document() {
    use iadvize_zendesk::zendesk::requests::*;
    let oas = oas_check::Oas::load();
    let at = chrono::DateTime::parse_from_rfc3339("2026-04-01T10:15:30Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let every_field_value = vec![
        CustomFieldValue::new(1, "text"),
        CustomFieldValue::new(2, true),
        CustomFieldValue::new(3, "option_value"),
        CustomFieldValue::new(4, json!(["a", "b"])),
        CustomFieldValue::new(5, 12),
        CustomFieldValue::new(6, 12.5),
        CustomFieldValue::new(7, "2026-04-16"),
    ];
    let full_ticket = NewTicket {
        subject: Some("s".into()),
        comment: Some(NewComment::html("<p>x</p>", false).by(7)),
        requester_id: Some(1),
        submitter_id: Some(2),
        assignee_id: Some(3),
        group_id: Some(4),
        brand_id: Some(5),
        ticket_form_id: Some(6),
        status: Some(TicketStatus::Solved),
        priority: Some(Priority::Normal),
        ticket_type: Some(TicketType::Question),
        external_id: Some("e".into()),
        tags: vec!["a".into()],
        custom_fields: every_field_value.clone(),
        via_followup_source_id: Some(9),
        requester: None,
    };
    let requesters = [
        Requester::Id(5),
        Requester::Email("a@b.example".into()),
        Requester::User {
            name: "Ana".into(),
            email: "a@b.example".into(),
            locale_id: Some(1),
        },
    ];
    let mut bodies: Vec<(&str, &str, serde_json::Value)> = vec![
        ("POST", "/api/v2/tickets", create_ticket_body(&full_ticket)),
        (
            "POST",
            "/api/v2/tickets",
            create_ticket_body(&note_ticket("x")),
        ),
        (
            "POST",
            "/api/v2/tickets",
            create_ticket_body(&NewTicket {
                comment: Some(NewComment::text("plain", true)),
                ..NewTicket::default()
            }),
        ),
        (
            "POST",
            "/api/v2/tickets/create_many",
            create_many_body(&[full_ticket.clone(), note_ticket("y")]),
        ),
    ];
    for r in requesters {
        bodies.push((
            "POST",
            "/api/v2/tickets",
            create_ticket_body(&NewTicket {
                requester: Some(r),
                ..note_ticket("r")
            }),
        ));
    }
    let full_update = TicketUpdate {
        comment: Some(NewComment::private_note("n").by(3)),
        status: Some(TicketStatus::Open),
        ticket_form_id: Some(6),
        custom_fields: every_field_value.clone(),
        additional_tags: vec!["a".into()],
        remove_tags: vec!["b".into()],
        tags: Some(vec!["c".into()]),
        subject: Some("s".into()),
        assignee_id: Some(3),
        group_id: Some(4),
        requester_id: Some(1),
        priority: Some(Priority::High),
        ticket_type: Some(TicketType::Task),
        safe_update: Some(true),
        updated_stamp: Some(at),
    };
    bodies.push(("PUT", "/api/v2/tickets/1", update_ticket_body(&full_update)));
    bodies.push((
        "PUT",
        "/api/v2/tickets/1",
        update_ticket_body(&TicketUpdate {
            custom_fields: vec![CustomFieldValue::new(1, serde_json::Value::Null)],
            ..TicketUpdate::default()
        }),
    ));
    let full_import = TicketImport {
        subject: Some("s".into()),
        comments: vec![
            ImportComment::text("v", true).by(1),
            ImportComment::html("<p>n</p>", false),
        ],
        requester_id: Some(1),
        assignee_id: Some(3),
        group_id: Some(4),
        brand_id: Some(5),
        ticket_form_id: Some(6),
        status: Some(TicketStatus::Solved),
        priority: Some(Priority::Low),
        external_id: Some("e".into()),
        tags: vec!["a".into()],
        custom_fields: every_field_value,
        created_at: Some(at),
        updated_at: Some(at),
        solved_at: Some(at),
    };
    bodies.push((
        "POST",
        "/api/v2/imports/tickets",
        import_ticket_body(&full_import),
    ));
    bodies.push((
        "POST",
        "/api/v2/imports/tickets/create_many",
        import_many_body(&[full_import.clone(), full_import.clone()]),
    ));
    bodies.push((
        "POST",
        "/api/v2/users/create_or_update",
        user_upsert_body(&UserUpsert {
            email: "a@b.example".into(),
            name: Some("Ana".into()),
            locale: Some("fr".into()),
            skip_verify_email: true,
        }),
    ));

    bodies.push((
        "POST",
        "/api/v2/users/create_many",
        users_create_many_body(&[
            NewUser::end_user("a@b.example", "Ana"),
            NewUser {
                role: Some(NewUserRole::Agent),
                verified: Some(true),
                locale: Some("fr".into()),
                skip_verify_email: false,
                ..NewUser::end_user("b@b.example", "Bo")
            },
            NewUser {
                role: Some(NewUserRole::Admin),
                ..UserUpsert::end_user("c@b.example", None).into()
            },
        ]),
    ));

    for (method, path, body) in &bodies {
        // Nulls are sent only to clear a custom field on update.
        if let Err(errors) = oas.validate_request(method, path, body) {
            let real: Vec<_> = errors
                .iter()
                .filter(|e| {
                    !(path.starts_with("/api/v2/tickets/1")
                        && e.contains("custom_fields[0].value")
                        && body["ticket"]["custom_fields"][0]["value"].is_null())
                })
                .collect();
            assert!(real.is_empty(), "{method} {path}: {real:?}\n{body:#}");
        }
    }

    // Comments of imports carry their real time. `created_at` is read-only in the schema the
    // document reuses for them (TicketCommentObject), while the Ticket Import docs list it as
    // settable (facts §3.4): that, and only that, is allowed to differ.
    let with_times = TicketImport {
        comments: vec![ImportComment::text("v", true).at(at)],
        ..full_import
    };
    for (method, path, body) in [
        (
            "POST",
            "/api/v2/imports/tickets",
            import_ticket_body(&with_times),
        ),
        (
            "POST",
            "/api/v2/imports/tickets/create_many",
            import_many_body(std::slice::from_ref(&with_times)),
        ),
    ] {
        if let Err(errors) = oas.validate_request(method, path, &body) {
            assert!(
                errors
                    .iter()
                    .all(|e| e.contains("created_at") && e.contains("read-only")),
                "{path}: {errors:?}"
            );
        }
    }

    // The token request: the document declares no body schema; the keys are those it lists.
    let token = iadvize_zendesk::zendesk::auth::oauth_token_body(
        "cid",
        &Secret::new("s"),
        Some(Duration::from_secs(3600)),
    );
    let err = oas
        .validate_request("POST", "/oauth/tokens", &token)
        .unwrap_err();
    assert!(err[0].contains("no request body"), "{err:?}");
    let documented = [
        "grant_type",
        "code",
        "client_id",
        "client_secret",
        "redirect_uri",
        "scope",
        "expires_in",
        "refresh_token_expires_in",
        "refresh_token",
    ];
    assert!(
        token
            .as_object()
            .unwrap()
            .keys()
            .all(|k| documented.contains(&k.as_str()))
    );
    assert_eq!(token["scope"], "read write");
}
