//! The iAdvize client against the sandbox over real HTTP: paging, platforms, transcripts,
//! agents, visitors, campaigns, closing forms, token expiry, REST v2, retries, the
//! compatibility check. Time moves with the sandbox clock, never by sleeping.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use iadvize_zendesk::error::ApiError;
use iadvize_zendesk::iadvize::{
    AgentKind, Author, ClosedConversationsFilter, Conversation, IadvizeClient, IadvizeConfig,
    IadvizeError, ItemStatus, MessageAttachment, RetryPolicy, TokenHealth, TokenLifeState,
    token_life,
};
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{
    DEFAULT_CONVERSATION_URL_TEMPLATE, DeliveryMode, Platform, RequesterPolicy, SiteSettings,
    ZendeskAuthKind,
};
use iadvize_zendesk_sandbox::credentials::*;
use iadvize_zendesk_sandbox::{Api, Fault, FaultRule, Sandbox, SandboxConfig, Trigger};
use std::collections::HashSet;
use std::time::Duration;

async fn sandbox_with(config: SandboxConfig) -> Sandbox {
    iadvize_zendesk_sandbox::start(config)
        .await
        .expect("sandbox starts")
}

async fn sandbox() -> Sandbox {
    sandbox_with(SandboxConfig::default()).await
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(1),
    }
}

fn config(sb: &Sandbox, platform: Platform) -> IadvizeConfig {
    IadvizeConfig::new(
        platform,
        Secret::new(IADVIZE_REST_API_KEY),
        Secret::new(IADVIZE_GRAPHQL_TOKEN),
    )
    .base_url(sb.iadvize_url())
    .timeout(Duration::from_secs(5))
    .retry(fast_retry())
}

fn client(sb: &Sandbox, platform: Platform) -> IadvizeClient {
    IadvizeClient::new(config(sb, platform)).unwrap()
}

/// The whole seeded history (7 days up to now) and a little more.
fn window(sb: &Sandbox) -> (DateTime<Utc>, DateTime<Utc>) {
    let now = sb.control().now();
    (
        now - ChronoDuration::days(8),
        now + ChronoDuration::minutes(1),
    )
}

fn site_filter(sb: &Sandbox, site: i64) -> ClosedConversationsFilter {
    let (from, to) = window(sb);
    ClosedConversationsFilter::site(site, from, to)
}

async fn all_of(sb: &Sandbox, platform: Platform, sites: &[i64]) -> Vec<Conversation> {
    let c = client(sb, platform);
    let mut out = Vec::new();
    for site in sites {
        out.extend(
            c.closed_conversations(&site_filter(sb, *site))
                .await
                .unwrap(),
        );
    }
    out
}

fn site_settings(platform: Platform, site_id: i64, api_url: Option<String>) -> SiteSettings {
    SiteSettings {
        name: "Test".into(),
        platform,
        iadvize_site_id: site_id,
        zendesk_domain: "https://acme.zendesk.com".into(),
        zendesk_email: "admin@acme.example".into(),
        zendesk_auth: ZendeskAuthKind::ApiToken,
        zendesk_oauth_client_id: None,
        country: "France".into(),
        start_from: Utc::now(),
        autosave_enabled: false,
        autosave_form_id: None,
        escalation_enabled: false,
        escalation_form_id: None,
        escalation_note_label: "Note".into(),
        grace_seconds: 300,
        delivery_mode: DeliveryMode::Import,
        poll_seconds: 60,
        conversation_url_template: DEFAULT_CONVERSATION_URL_TEMPLATE.into(),
        requester_policy: RequesterPolicy::CreateEndUser,
        zendesk_api_url: None,
        iadvize_api_url: api_url,
    }
}

#[tokio::test]
async fn pages_through_every_closed_conversation_of_a_site_in_order() {
    let sb = sandbox().await;
    let filter = site_filter(&sb, 3101);
    // Small pages: many round trips, every page boundary exercised.
    let c = IadvizeClient::new(config(&sb, Platform::Ha).page_size(7)).unwrap();
    let mut after: Option<String> = None;
    let mut paged = Vec::new();
    let mut pages = 0;
    loop {
        let page = c
            .closed_conversations_page(&filter, after.as_deref())
            .await
            .unwrap();
        assert!(page.conversations.len() <= 7);
        pages += 1;
        paged.extend(page.conversations);
        if !page.has_next_page {
            break;
        }
        after = page.end_cursor;
    }
    let expected = sb.control().closed_conversation_ids(
        iadvize_zendesk_sandbox::Platform::Ha,
        Some(3101),
        filter.from,
        filter.to,
    );
    assert!(
        expected.len() > 30,
        "a meaningful sample: {}",
        expected.len()
    );
    assert!(pages > 5);
    let ids: Vec<_> = paged.iter().map(|c| c.id).collect();
    assert_eq!(ids, expected, "same conversations, same order");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "no duplicates"
    );
    let keys: Vec<_> = paged.iter().map(|c| (c.closed_at.unwrap(), c.id)).collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "closedAt ascending, then id"
    );
    for conv in &paged {
        assert_eq!(conv.site_id(), Some(3101));
        assert_eq!(conv.platform, Platform::Ha);
        let closed = conv.closed_at.unwrap();
        assert!(closed >= filter.from && closed < filter.to);
        assert!(!conv.messages.is_empty());
    }
    // The convenience call sees the same, with full pages.
    let all = client(&sb, Platform::Ha)
        .closed_conversations(&filter)
        .await
        .unwrap();
    assert_eq!(all.iter().map(|c| c.id).collect::<Vec<_>>(), ids);
    // A narrower window: the half-open interval is honoured.
    let mid = paged[10].closed_at.unwrap();
    let narrow = ClosedConversationsFilter::site(3101, mid, filter.to);
    let tail = client(&sb, Platform::Ha)
        .closed_conversations(&narrow)
        .await
        .unwrap();
    assert_eq!(tail.first().map(|c| c.id), Some(paged[10].id));
    assert_eq!(tail.len(), paged.len() - 10);
}

#[tokio::test]
async fn the_sd_platform_has_its_own_sites_and_endpoint() {
    let sb = sandbox().await;
    let sd = client(&sb, Platform::Sd);
    assert!(sd.endpoints().graphql.ends_with("/graphql?platform=sd"));
    assert!(sd.endpoints().rest.ends_with("/sd/api/2"));
    let filter = site_filter(&sb, 5201);
    let convs = sd.closed_conversations(&filter).await.unwrap();
    let expected = sb.control().closed_conversation_ids(
        iadvize_zendesk_sandbox::Platform::Sd,
        Some(5201),
        filter.from,
        filter.to,
    );
    assert!(!expected.is_empty());
    assert_eq!(convs.iter().map(|c| c.id).collect::<Vec<_>>(), expected);
    assert!(
        convs
            .iter()
            .all(|c| c.platform == Platform::Sd && c.site_id() == Some(5201))
    );
    // The same site asked on ha: nothing (ids are per platform).
    let ha = client(&sb, Platform::Ha);
    assert!(ha.closed_conversations(&filter).await.unwrap().is_empty());
    // A conversation exists only on its platform.
    let one = sd.conversation(convs[0].id).await.unwrap();
    assert_eq!(one.id, convs[0].id);
    assert_eq!(
        ha.conversation(convs[0].id).await.unwrap_err().code(),
        "iadvize.not_found"
    );
    // Every site of the platform when no site is given.
    let (from, to) = window(&sb);
    let every = sd
        .closed_conversations(&ClosedConversationsFilter {
            from,
            to,
            project_ids: vec![],
        })
        .await
        .unwrap();
    let sites: HashSet<_> = every.iter().filter_map(Conversation::site_id).collect();
    assert_eq!(sites, HashSet::from([5201, 5202]));
    // Through the site settings constructor.
    let settings = site_settings(Platform::Sd, 5201, Some(sb.iadvize_url()));
    let from_site = IadvizeClient::for_site(
        &settings,
        Secret::new(IADVIZE_REST_API_KEY),
        Secret::new(format!("{IADVIZE_GRAPHQL_TOKEN}\n")),
    )
    .unwrap();
    assert_eq!(from_site.project(5201).await.unwrap().name, "Nordic Gear");
    assert_eq!(
        from_site.project(3101).await.unwrap_err().code(),
        "iadvize.not_found"
    );
}

#[tokio::test]
async fn the_longest_transcript_arrives_complete_over_several_pages() {
    let sb = sandbox().await;
    let c = client(&sb, Platform::Ha);
    let convs = all_of(&sb, Platform::Ha, &[3101, 3102, 3103]).await;
    let long = convs.iter().max_by_key(|c| c.messages.len()).unwrap();
    let pushed = long
        .messages
        .iter()
        .filter(|m| m.pushed_to().is_some())
        .count();
    assert_eq!(
        long.messages.len(),
        140 + pushed,
        "every message, beyond the first 100"
    );
    let text_bytes: usize = long
        .messages
        .iter()
        .filter_map(|m| m.text.as_deref())
        .map(str::len)
        .sum();
    assert!(text_bytes > 70_000, "{text_bytes} bytes");
    let ids: HashSet<_> = long.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), long.messages.len());
    assert!(
        long.messages
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at)
    );
    // Each contact's lines are numbered [000], [001], ... : none missing, none out of order.
    let mut k = 0;
    for m in &long.messages {
        if m.pushed_to().is_some() {
            k = 0;
            continue;
        }
        if let Some(text) = &m.text {
            assert!(
                text.starts_with(&format!("[{k:03}]")),
                "{k}: {}",
                &text[..10]
            );
        } else {
            assert!(!m.attachments.is_empty(), "attachment-only message");
        }
        k += 1;
    }
    // One conversation by id: the same conversation, the same transcript.
    let single = c.conversation(long.id).await.unwrap();
    assert_eq!(&single, long);
}

#[tokio::test]
async fn agents_visitors_campaigns_tags_and_closing_forms() {
    let sb = sandbox().await;
    let convs = all_of(&sb, Platform::Ha, &[3101, 3102, 3103]).await;
    let c = client(&sb, Platform::Ha);
    let mut kinds = HashSet::new();
    let (mut with_email, mut without_email, mut with_campaign) = (0, 0, 0);
    let (mut escalated, mut not_escalated) = (0, 0);
    let mut saw_tricky = false;
    for conv in &convs {
        assert!(!conv.agents.is_empty(), "{}", conv.id);
        for a in &conv.agents {
            kinds.insert(a.kind);
            match a.kind {
                AgentKind::Bot => assert_eq!(a.first_name, None),
                _ => assert!(a.first_name.is_some()),
            }
        }
        // Each contact starts with a pushed system message whose toUser is an agent listed.
        let first = &conv.messages[0];
        assert!(matches!(first.author, Author::System { .. }));
        let pushed = first.pushed_to().expect("contact marker");
        assert!(conv.agents.iter().any(|a| a.id == pushed.id));
        let handling = conv.handling_agent().unwrap();
        let last_pushed = conv
            .messages
            .iter()
            .rev()
            .find_map(|m| m.pushed_to())
            .unwrap();
        assert_eq!(handling, last_pushed);
        for m in &conv.messages {
            if let Author::Agent { agent } = &m.author {
                assert!(conv.agents.contains(agent));
            }
            for a in &m.attachments {
                match a {
                    MessageAttachment::File { url, mime_type, .. } => {
                        assert!(url.starts_with("https://"));
                        assert_eq!(mime_type, "image/jpeg");
                    }
                    MessageAttachment::Link { url, .. } => assert!(url.starts_with("https://")),
                    MessageAttachment::ConversationPushed { .. } => {}
                    MessageAttachment::Other { kind } => panic!("unknown attachment {kind}"),
                }
            }
            saw_tricky |= m.text.as_deref().is_some_and(|t| t.contains("<script>"));
        }
        match conv.visitor.usable_email() {
            Some(e) => {
                assert!(e.ends_with(".ha@customer.example"), "{e}");
                with_email += 1;
            }
            None => without_email += 1,
        }
        assert!(conv.visitor.full_name().is_some());
        if let Some(k) = &conv.campaign {
            with_campaign += 1;
            let site = conv.project.as_ref().unwrap();
            assert!(k.name.ends_with(&format!("({})", site.name)), "{}", k.name);
        }
        for t in &conv.tags {
            assert!(!t.name.is_empty());
        }
        match conv
            .closing_answer("escalate")
            .and_then(|a| a.value.as_deref())
        {
            Some("true") => {
                escalated += 1;
                assert!(conv.closing_answer("private_note").is_some());
                assert!(
                    conv.closing_form
                        .iter()
                        .any(|a| a.field_id.starts_with("zendesk_field_"))
                );
            }
            Some("false") => not_escalated += 1,
            Some(other) => panic!("escalate = {other}"),
            None => assert!(conv.closing_form.is_empty()),
        }
    }
    assert_eq!(
        kinds,
        HashSet::from([AgentKind::Professional, AgentKind::Expert, AgentKind::Bot])
    );
    assert!(
        with_email > 0 && without_email > 0,
        "{with_email}/{without_email}"
    );
    assert!(with_campaign > 0 && with_campaign < convs.len());
    assert!(escalated > 0 && not_escalated > 0);
    assert!(saw_tricky, "the tricky transcripts came through unchanged");
    assert!(convs.iter().any(|c| !c.tags.is_empty()));
    assert!(
        convs
            .iter()
            .any(|c| c.tags.iter().any(|t| t.name.contains('😀')))
    );

    // conversation(id): `users` is null there, agents come from the pushed messages, and the
    // result equals what closedConversations gave.
    let two_contacts = convs
        .iter()
        .find(|c| {
            c.messages
                .iter()
                .filter(|m| m.pushed_to().is_some())
                .count()
                == 2
        })
        .expect("a bot-then-agent conversation");
    let single = c.conversation(two_contacts.id).await.unwrap();
    assert_eq!(single.agents.len(), 2);
    assert_eq!(single.agents[0].kind, AgentKind::Bot);
    assert_eq!(
        single.handling_agent().unwrap().kind,
        AgentKind::Professional
    );
    assert_eq!(&single, two_contacts);
    let missing = c.conversation(uuid::Uuid::new_v4()).await.unwrap_err();
    assert_eq!(missing.code(), "iadvize.not_found");

    // The REST fallbacks agree with GraphQL: the handling agent, and the visitor's e-mail.
    let expert = convs
        .iter()
        .flat_map(|c| &c.agents)
        .find(|a| a.kind == AgentKind::Expert)
        .unwrap();
    let op = c.operator(expert.id).await.unwrap();
    assert_eq!(op.kind(), AgentKind::Expert);
    assert_eq!(op.to_agent().full_name(), expert.full_name());
    let legacy = two_contacts.legacy_id.unwrap();
    let rest_conv = c.rest_conversation(legacy).await.unwrap();
    assert_eq!(
        rest_conv.xmpp_id.as_deref(),
        Some(two_contacts.id.to_string().as_str())
    );
    assert_eq!(rest_conv.operator_answered, Some(true));
    assert_eq!(rest_conv.website_id, two_contacts.site_id());
    assert!(!rest_conv.history.is_empty());
    let v = c.visitor(rest_conv.visitor_id.unwrap()).await.unwrap();
    assert_eq!(v.email, two_contacts.visitor.email);
    assert_eq!(v.to_visitor().full_name(), two_contacts.visitor.full_name());
}

#[tokio::test]
async fn an_expired_token_is_a_typed_error_until_a_new_one_is_pasted() {
    let sb = sandbox().await;
    let c = client(&sb, Platform::Ha);
    let filter = site_filter(&sb, 3102);
    assert_eq!(c.check_token().await, TokenHealth::Valid);
    c.closed_conversations_page(&filter, None).await.unwrap();
    let stored_at = sb.control().now();

    sb.control().advance(Duration::from_secs(25 * 3600));
    let life = token_life(stored_at, sb.control().now());
    assert_eq!(life.state, TokenLifeState::Expired);
    assert_eq!(life.remaining_seconds, 0);
    let e = c
        .closed_conversations_page(&filter, None)
        .await
        .unwrap_err();
    assert_eq!(e, IadvizeError::TokenInvalid);
    let api: ApiError = e.into();
    assert_eq!(api.code, "iadvize.token_invalid");
    assert!(
        api.message
            .contains("paste a new one in the site's settings"),
        "{}",
        api.message
    );
    assert!(matches!(c.check_token().await, TokenHealth::Invalid { .. }));
    assert_eq!(
        c.project(3102).await.unwrap_err().code(),
        "iadvize.token_invalid"
    );
    assert_eq!(
        c.compatibility_report().await.unwrap_err().code(),
        "iadvize.token_invalid"
    );
    // REST does not use the token: still fine.
    c.website(3102).await.unwrap();

    // The admin logs in (password grant) and pastes the new token.
    let http = reqwest::Client::new();
    let grant: serde_json::Value = http
        .post(format!("{}/oauth2/token", sb.iadvize_url()))
        .form(&[
            ("username", IADVIZE_USERNAME),
            ("password", IADVIZE_PASSWORD),
            ("grant_type", "password"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fresh = grant["access_token"].as_str().unwrap();
    let renewed = c.with_graphql_token(Secret::new(fresh));
    assert_eq!(renewed.check_token().await, TokenHealth::Valid);
    assert!(
        !renewed
            .closed_conversations(&filter)
            .await
            .unwrap()
            .is_empty()
    );
    let life = token_life(sb.control().now(), sb.control().now());
    assert_eq!(life.state, TokenLifeState::Fresh);
    // 22 h later the UI warns; at 24 h it is gone.
    sb.control().advance(Duration::from_secs(22 * 3600));
    let stored = sb.control().now() - ChronoDuration::hours(22);
    assert_eq!(
        token_life(stored, sb.control().now()).state,
        TokenLifeState::ExpiresSoon
    );
    assert_eq!(renewed.check_token().await, TokenHealth::Valid);
    sb.control().advance(Duration::from_secs(2 * 3600 + 1));
    assert!(matches!(
        renewed.check_token().await,
        TokenHealth::Invalid { .. }
    ));
}

#[tokio::test]
async fn rest_operator_visitor_website_and_a_wrong_key() {
    let sb = sandbox().await;
    let c = IadvizeClient::new(config(&sb, Platform::Ha).rest_page_size(2)).unwrap();
    let op = c.operator(1001).await.unwrap();
    assert_eq!(op.first_name.as_deref(), Some("Julie"));
    assert_eq!(op.last_name.as_deref(), Some("Moreau"));
    assert_eq!(op.kind(), AgentKind::Professional);
    assert_eq!(op.to_agent().full_name(), "Julie Moreau");
    assert_eq!(c.operator(1031).await.unwrap().kind(), AgentKind::Expert);
    assert_eq!(
        c.operator(2001).await.unwrap_err().code(),
        "iadvize.not_found"
    );

    let v = c.visitor(70_000_000).await.unwrap();
    assert_eq!(v.email.as_deref(), Some("visitor000.ha@customer.example"));
    assert!(v.first_name.is_some() && v.last_name.is_some());
    assert_eq!(
        c.visitor(70_000_003).await.unwrap().email,
        None,
        "every fourth has none"
    );

    let site = c.website(3101).await.unwrap();
    assert_eq!(site.label.as_deref(), Some("Maison Dupont – Paris"));
    assert_eq!(site.timezone.as_deref(), Some("Europe/Paris"));
    let e = c.website(5201).await.unwrap_err();
    assert_eq!(e.code(), "iadvize.not_found");
    assert!(
        e.to_string().contains("site 5201 on the ha platform"),
        "{e}"
    );
    // Lists page (2 per page here) to the end.
    let sites = c.websites().await.unwrap();
    assert_eq!(
        sites.iter().map(|s| s.id).collect::<Vec<_>>(),
        [3101, 3102, 3103]
    );
    let ops = c.operators(&[("website_id", "3101")]).await.unwrap();
    assert_eq!(ops.len(), 11, "6 agents, 3 experts, 2 bots");
    let sd = client(&sb, Platform::Sd);
    assert_eq!(sd.website(5201).await.unwrap().id, 5201);

    // A wrong key, whether iAdvize pairs the envelope with 403 or with 200.
    let wrong = IadvizeClient::new(IadvizeConfig {
        rest_api_key: Secret::new("not-the-key"),
        ..config(&sb, Platform::Ha)
    })
    .unwrap();
    for http_status in [true, false] {
        sb.control()
            .update_switches(|s| s.iadvize_rest_error_http_status = http_status);
        let e = wrong.website(3101).await.unwrap_err();
        assert_eq!(e, IadvizeError::RestKeyInvalid);
        assert!(!e.to_string().contains("not-the-key"));
        assert_eq!(
            wrong.operator(1001).await.unwrap_err().code(),
            "iadvize.rest_key_invalid"
        );
        assert_eq!(
            c.website(5201).await.unwrap_err().code(),
            "iadvize.not_found"
        );
    }
    // The GraphQL token is unaffected by a wrong REST key.
    assert_eq!(wrong.check_token().await, TokenHealth::Valid);
}

fn iadvize_rule(method: &str, fault: Fault, count: u32) -> FaultRule {
    FaultRule {
        api: Api::Iadvize,
        method: Some(method.into()),
        route: None,
        fault,
        trigger: Trigger::Next { count },
    }
}

#[tokio::test]
async fn transient_failures_are_retried_within_a_bound() {
    let sb = sandbox().await;
    let control = sb.control();
    let c = client(&sb, Platform::Ha);
    let filter = site_filter(&sb, 3103);
    let graphql_calls = || control.request_count(Api::Iadvize, "POST /graphql");

    // Two 503s, then success.
    control.add_fault(iadvize_rule(
        "POST",
        Fault::Status {
            status: 503,
            retry_after_secs: None,
        },
        2,
    ));
    let before = graphql_calls();
    let page = c.closed_conversations_page(&filter, None).await.unwrap();
    assert!(!page.conversations.is_empty());
    assert_eq!(graphql_calls() - before, 3);

    // Five 500s: the third attempt is the last.
    control.add_fault(iadvize_rule(
        "POST",
        Fault::Status {
            status: 500,
            retry_after_secs: None,
        },
        5,
    ));
    let before = graphql_calls();
    let e = c
        .closed_conversations_page(&filter, None)
        .await
        .unwrap_err();
    assert_eq!(
        e,
        IadvizeError::Unavailable {
            status: 500,
            attempts: 3
        }
    );
    assert_eq!(e.code(), "iadvize.unavailable");
    assert_eq!(graphql_calls() - before, 3);
    control.clear_faults();

    // A 429 with a short Retry-After is honoured, then success.
    control.add_fault(iadvize_rule(
        "GET",
        Fault::Status {
            status: 429,
            retry_after_secs: Some(1),
        },
        1,
    ));
    let started = std::time::Instant::now();
    c.website(3103).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A dropped connection (REST and the token check), then success.
    control.add_fault(iadvize_rule("GET", Fault::Reset, 2));
    c.operator(1001).await.unwrap();
    assert_eq!(c.check_token().await, TokenHealth::Valid);

    // No answer within the timeout, then success.
    let quick =
        IadvizeClient::new(config(&sb, Platform::Ha).timeout(Duration::from_millis(300))).unwrap();
    control.add_fault(iadvize_rule("GET", Fault::Slow { delay_ms: 1_500 }, 1));
    quick.website(3103).await.unwrap();
    // ...or a timeout error when every attempt is too slow.
    control.add_fault(iadvize_rule("GET", Fault::Slow { delay_ms: 1_500 }, 3));
    let e = quick.website(3103).await.unwrap_err();
    assert!(
        matches!(e, IadvizeError::Timeout { attempts: 3, .. }),
        "{e:?}"
    );
    assert!(e.is_transient());
    control.clear_faults();

    // A 4xx is never retried.
    let before = control.request_count(Api::Iadvize, "GET /_authenticated");
    sb.control().advance(Duration::from_secs(25 * 3600));
    assert!(matches!(c.check_token().await, TokenHealth::Invalid { .. }));
    assert_eq!(
        control.request_count(Api::Iadvize, "GET /_authenticated") - before,
        1
    );
}

#[tokio::test]
async fn unreachable_iadvize_is_a_network_error_without_secrets() {
    // A port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = IadvizeClient::new(
        IadvizeConfig::new(
            Platform::Ha,
            Secret::new("rest-key-never-shown"),
            Secret::new("gql-token-never-shown"),
        )
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(fast_retry()),
    )
    .unwrap();
    let e = c.website(1).await.unwrap_err();
    assert_eq!(e.code(), "iadvize.network");
    let health = c.check_token().await;
    assert!(
        matches!(&health, TokenHealth::Unreachable { code, .. } if code == "iadvize.network"),
        "{health:?}"
    );
    let e2 = c.project(1).await.unwrap_err();
    for text in [
        e.to_string(),
        format!("{e:?}"),
        e2.to_string(),
        format!("{health:?}"),
        format!("{c:?}"),
    ] {
        assert!(!text.contains("never-shown"), "{text}");
    }
}

#[tokio::test]
async fn the_compatibility_report_on_the_sandbox_schema() {
    let sb = sandbox_with(SandboxConfig::default().conversations(20)).await;
    let report = client(&sb, Platform::Ha)
        .compatibility_report()
        .await
        .unwrap();
    let problems: Vec<_> = report.problems().collect();
    assert!(problems.is_empty(), "{problems:?}");
    assert!(report.summary.compatible);
    assert!(report.summary.assumed_checked > 20);
    assert_eq!(
        report.summary.assumed_present,
        report.summary.assumed_checked
    );
    for path in [
        "Query.closedConversations(filters)",
        "Conversation.engagementCampaign",
        "ClosingFormValue.fieldId",
    ] {
        let item = report.item(path).unwrap();
        assert!(item.assumed, "{path}");
        assert_eq!(item.status, ItemStatus::Present, "{path}");
    }
    // Serialises for the UI.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["summary"]["compatible"], true);
    assert_eq!(json["items"][0]["status"]["kind"], "present");
}

#[tokio::test]
async fn the_compatibility_report_finds_a_missing_assumed_field() {
    let sdl: String = iadvize_zendesk_sandbox::IADVIZE_CONTRACT_SDL
        .lines()
        .filter(|l| !l.trim_start().starts_with("engagementCampaign:"))
        .collect::<Vec<_>>()
        .join("\n");
    let sb = sandbox_with(
        SandboxConfig::default()
            .conversations(20)
            .iadvize_schema_sdl(sdl),
    )
    .await;
    let c = client(&sb, Platform::Ha);
    let report = c.compatibility_report().await.unwrap();
    // The field, and with it its type (introspection lists only reachable types).
    let problems: Vec<_> = report.problems().map(|i| i.path.as_str()).collect();
    assert_eq!(
        problems,
        [
            "Conversation.engagementCampaign",
            "EngagementCampaign",
            "EngagementCampaign.id",
            "EngagementCampaign.name"
        ]
    );
    let item = report.item("Conversation.engagementCampaign").unwrap();
    assert!(item.assumed);
    assert_eq!(item.status, ItemStatus::Missing);
    assert!(report.problems().all(|i| i.assumed));
    assert!(!report.summary.compatible);
    assert_eq!(report.summary.missing, 4);
    assert_eq!(report.summary.present + 4, report.summary.checked);
    // What the app's queries then meet: a GraphQL error naming the field.
    let e = c
        .closed_conversations_page(&site_filter(&sb, 3101), None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "iadvize.graphql");
    let IadvizeError::Graphql { errors } = &e else {
        unreachable!()
    };
    assert!(
        errors
            .iter()
            .any(|x| x.message.contains("engagementCampaign")),
        "{errors:?}"
    );
    assert!(e.to_string().contains("compatibility check"));
}
