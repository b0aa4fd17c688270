//! The options benchmarks use: every conversation on one site, unique visitors (some already
//! Zendesk end-users, some without e-mail), log-normal latency, ticket summaries, and
//! auto-closing that stays right without scanning every ticket on every request.

use crate::common::*;
use iadvize_zendesk_sandbox::credentials::*;
use iadvize_zendesk_sandbox::{
    Latency, Platform, SandboxConfig, StartError, UniqueVisitorKind, VisitorMix, form_ids,
    unique_visitor_kind,
};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

const PAGE: &str = "query Page($from: DateTime!, $to: DateTime!, $after: String) {
  closedConversations(filters: {interval: {from: $from, to: $to}}, first: 100, after: $after) {
    edges { node { id legacyId project { id } visitor { email firstName lastName country } } }
    pageInfo { endCursor hasNextPage } } }";

async fn all_conversations(env: &Env, path: &str) -> Vec<Value> {
    let mut after = Value::Null;
    let mut out = Vec::new();
    loop {
        let r = env
            .graphql_at(
                path,
                IADVIZE_GRAPHQL_TOKEN,
                PAGE,
                json!({"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z", "after": after}),
            )
            .await;
        assert!(r.body.get("errors").is_none(), "{:?}", r.body);
        let conn = &r.body["data"]["closedConversations"];
        out.extend(
            conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone()),
        );
        if conn["pageInfo"]["hasNextPage"] != true {
            return out;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn a_single_site_gets_every_conversation() {
    let env = start_with(
        SandboxConfig::default()
            .conversations(250)
            .single_site(5201),
    )
    .await;
    let c = env.sandbox.control();
    assert_eq!(c.conversation_count(), 250);
    let now = chrono::Utc::now() + chrono::Duration::minutes(1);
    let from = now - chrono::Duration::days(30);
    assert_eq!(
        c.closed_conversation_ids(Platform::Sd, Some(5201), from, now)
            .len(),
        250
    );
    assert!(
        c.closed_conversation_ids(Platform::Ha, None, from, now)
            .is_empty()
    );
    let sd = all_conversations(&env, "/graphql?platform=sd").await;
    assert_eq!(sd.len(), 250);
    assert!(sd.iter().all(|v| v["project"]["id"] == 5201));
    // Live conversations go to the same site.
    c.close_new_conversation();
    assert_eq!(
        c.closed_conversation_ids(
            Platform::Sd,
            Some(5201),
            from,
            now + chrono::Duration::minutes(1)
        )
        .len(),
        251
    );

    // Two sites alternate; an unknown site does not start.
    let two = start_with(
        SandboxConfig::default()
            .conversations(10)
            .conversation_sites([3101, 3103]),
    )
    .await;
    let ha = all_conversations(&two, "/graphql").await;
    let on = |id: i64| ha.iter().filter(|v| v["project"]["id"] == id).count();
    assert_eq!((on(3101), on(3103), on(3102)), (5, 5, 0));
    match iadvize_zendesk_sandbox::start(SandboxConfig::default().single_site(9999)).await {
        Err(StartError::UnknownSite(9999)) => {}
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("an unknown site must not start"),
    }
}

#[tokio::test]
async fn unique_visitors_follow_the_mix() {
    let n = 1000;
    let env = start_with(
        SandboxConfig::default()
            .conversations(n)
            .single_site(3101)
            .visitor_mix(VisitorMix::unique(0.3, 0.2)),
    )
    .await;
    let convs = all_conversations(&env, "/graphql").await;
    assert_eq!(convs.len(), n);
    let emails: Vec<&str> = convs
        .iter()
        .filter_map(|c| c["visitor"]["email"].as_str())
        .collect();
    let distinct: HashSet<&str> = emails.iter().copied().collect();
    assert_eq!(distinct.len(), emails.len(), "every visitor is its own");
    assert_eq!(n - emails.len(), 200, "20 % without e-mail");
    let c = env.sandbox.control();
    let known = emails
        .iter()
        .filter(|e| c.user_by_email(e).is_some())
        .count();
    assert_eq!(known, 300, "30 % already Zendesk end-users");
    // The shares hold in every stretch, not only overall.
    let kinds = |range: std::ops::Range<usize>| {
        range
            .filter(|k| unique_visitor_kind(*k, 0.3, 0.2) == UniqueVisitorKind::Existing)
            .count()
    };
    assert!((28..=32).contains(&kinds(0..100)));
    assert!((28..=32).contains(&kinds(500..600)));

    // The REST API knows the same visitors (ids and e-mails) as GraphQL.
    let key = [("x-api-key", IADVIZE_REST_API_KEY)];
    let r = env
        .ia(Method::GET, "/api/2/conversation?limit=5", &key, None)
        .await;
    let rest = r.body["data"].as_array().unwrap();
    assert_eq!(rest.len(), 5);
    for conv in rest {
        let id = conv["visitor_id"].as_i64().unwrap();
        let v = env
            .ia(Method::GET, &format!("/api/2/visitor/{id}"), &key, None)
            .await;
        assert_eq!(v.body["meta"]["status"], "success", "{:?}", v.body);
        assert_eq!(v.body["data"]["unique_id"], conv["visitor_uid"]);
        let email = v.body["data"]["email"].as_str();
        assert!(email.is_none_or(|e| distinct.contains(e)), "{email:?}");
    }
    let listed = env
        .ia(Method::GET, "/api/2/visitor?limit=100&page=3", &key, None)
        .await;
    assert_eq!(listed.body["pagination"]["count"], 120 + n as u64);

    // Same seed, same visitors.
    let again = start_with(
        SandboxConfig::default()
            .conversations(n)
            .single_site(3101)
            .visitor_mix(VisitorMix::unique(0.3, 0.2)),
    )
    .await;
    let again = all_conversations(&again, "/graphql").await;
    let visitors = |v: &[Value]| v.iter().map(|c| c["visitor"].clone()).collect::<Vec<_>>();
    assert_eq!(visitors(&convs), visitors(&again));
}

#[tokio::test]
async fn log_normal_latency_is_set_over_http() {
    let env = start().await;
    let r = env
        .http
        .put(format!("{}/_sandbox/latency", env.sandbox.zendesk_url()))
        .json(&json!({"kind": "log_normal", "median_ms": 5.0, "p95_ms": 10.0}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let t = std::time::Instant::now();
    for _ in 0..10 {
        env.get("/api/v2/users/me").await;
    }
    // At least most of ten medians (the sampler's statistics are unit-tested).
    assert!(
        t.elapsed() >= Duration::from_millis(30),
        "{:?}",
        t.elapsed()
    );
    let l = Latency::LogNormal {
        median_ms: 150.0,
        p95_ms: 400.0,
    };
    assert_eq!(
        l.compressed(10.0),
        Latency::LogNormal {
            median_ms: 15.0,
            p95_ms: 40.0
        }
    );
    assert!((l.mean_ms() - 179.2).abs() < 0.5, "{}", l.mean_ms());
}

#[tokio::test]
async fn ticket_summaries_count_without_copying_comments() {
    let env = start().await;
    let id = env
        .create_ticket(json!({"comment": {"body": "hello", "public": true}, "external_id": "k-1"}))
        .await;
    let s = env.sandbox.control().ticket_summaries();
    let t = s.iter().find(|t| t.id == id).unwrap();
    assert_eq!(t.external_id.as_deref(), Some("k-1"));
    assert_eq!(t.via, "api");
    assert_eq!((t.public_comments, t.private_comments), (1, 0));
    let r = env
        .http
        .get(format!(
            "{}/_sandbox/ticket_summaries",
            env.sandbox.zendesk_url()
        ))
        .send()
        .await
        .unwrap();
    let listed: Value = r.json().await.unwrap();
    assert_eq!(listed[0]["id"], id);
}

#[tokio::test]
async fn auto_closing_keeps_its_times_between_scans() {
    let env = start().await;
    let c = env.sandbox.control();
    let solved = json!({"comment": {"body": "x", "public": false}, "status": "solved", "ticket_form_id": form_ids::ARCHIVE});
    let a = env.create_ticket(solved.clone()).await;
    c.advance(Duration::from_secs(50 * 3600));
    assert_eq!(c.ticket(a).unwrap().status, "solved");
    // Written while the first waits: closes 96 h after its own solve.
    let b = env.create_ticket(solved).await;
    c.advance(Duration::from_secs(46 * 3600 + 1));
    assert_eq!(c.ticket(a).unwrap().status, "closed");
    assert_eq!(c.ticket(b).unwrap().status, "solved");
    c.advance(Duration::from_secs(50 * 3600));
    assert_eq!(c.ticket(b).unwrap().status, "closed");
    // A switch change takes effect at once.
    let d = env
        .create_ticket(json!({"comment": {"body": "y", "public": false}, "status": "solved", "ticket_form_id": form_ids::ARCHIVE}))
        .await;
    c.advance(Duration::from_secs(2 * 3600));
    assert_eq!(c.ticket(d).unwrap().status, "solved");
    c.update_switches(|s| s.auto_close_after_hours = 1);
    assert_eq!(c.ticket(d).unwrap().status, "closed");
}

#[tokio::test]
async fn compressed_time_reports_compressed_seconds() {
    // A "minute" of 3 s: reset times and Retry-After in twentieths of a second.
    let env = start_with(
        SandboxConfig::default()
            .plan(iadvize_zendesk_sandbox::Plan::Team)
            .compress_time(20.0),
    )
    .await;
    let r = env.get("/api/v2/users/me").await;
    let reset: u64 = r.header("ratelimit-reset").unwrap().parse().unwrap();
    assert!((50..=60).contains(&reset), "{reset}");
    // Jobs take 2 s / 20.
    let c = env.sandbox.control();
    let job = env
        .post(
            "/api/v2/imports/tickets/create_many",
            json!({"tickets": [{"comment": {"body": "x"}, "status": "open"}]}),
        )
        .await;
    assert_eq!(job.status, reqwest::StatusCode::OK, "{:?}", job.body);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(c.jobs().iter().all(|j| j.status == "completed"));
    let mut limited = None;
    for _ in 0..250 {
        let r = env.get("/api/v2/users/me").await;
        if r.status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("Team's 200 a window run out");
    let after: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&after), "{after}");
}
