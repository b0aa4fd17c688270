//! Fault injection: 5xx with Retry-After, dropped connections, commit-then-drop, slow answers,
//! probabilities and latency.

use crate::common::*;
use iadvize_zendesk_sandbox::{Fault, FaultRule, Latency, Trigger};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

fn ticket(ext: &str) -> serde_json::Value {
    json!({"ticket": {"external_id": ext, "comment": {"body": "x", "public": false}}})
}

async fn raw_post(
    env: &Env,
    path: &str,
    body: serde_json::Value,
    timeout: Duration,
) -> Result<reqwest::Response, reqwest::Error> {
    env.http
        .post(format!("{}{path}", env.sandbox.zendesk_url()))
        .header("authorization", admin())
        .json(&body)
        .timeout(timeout)
        .send()
        .await
}

#[tokio::test]
async fn a_5xx_with_retry_after_for_the_next_request_only() {
    let env = start().await;
    let c = env.sandbox.control();
    c.add_fault(FaultRule::zendesk(
        "POST",
        "/api/v2/tickets",
        Fault::Status {
            status: 503,
            retry_after_secs: Some(7),
        },
        1,
    ));
    let r = env.post("/api/v2/tickets", ticket("a")).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(r.body["error"], "ServiceUnavailable");
    assert!(c.tickets().is_empty());
    assert_eq!(
        env.post("/api/v2/tickets", ticket("a")).await.status,
        StatusCode::CREATED
    );
    assert!(c.faults().is_empty(), "a spent rule is removed");
    assert_eq!(
        c.requests().status_count(
            iadvize_zendesk_sandbox::Api::Zendesk,
            "POST /api/v2/tickets",
            503
        ),
        1
    );
}

#[tokio::test]
async fn a_reset_drops_the_connection_and_writes_nothing() {
    let env = start().await;
    let c = env.sandbox.control();
    c.add_fault(FaultRule::zendesk(
        "POST",
        "/api/v2/tickets",
        Fault::Reset,
        1,
    ));
    let err = raw_post(&env, "/api/v2/tickets", ticket("r"), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err}");
    assert!(c.tickets().is_empty());
}

#[tokio::test]
async fn commit_then_drop_creates_the_ticket_but_loses_the_answer() {
    let env = start().await;
    let c = env.sandbox.control();
    c.add_fault(FaultRule::zendesk(
        "POST",
        "/api/v2/tickets",
        Fault::CommitThenDrop,
        1,
    ));
    let err = raw_post(
        &env,
        "/api/v2/tickets",
        ticket("lost-answer"),
        Duration::from_secs(5),
    )
    .await;
    assert!(err.is_err(), "no response must arrive");
    assert_eq!(
        c.tickets_by_external_id("lost-answer").len(),
        1,
        "the write happened"
    );
    // The client can find it by external id, as the delivery rules require.
    let r = env.get("/api/v2/tickets?external_id=lost-answer").await;
    assert_eq!(r.body["count"], 1);
}

#[tokio::test]
async fn a_slow_answer_outlasts_the_client_timeout() {
    let env = start().await;
    let c = env.sandbox.control();
    c.add_fault(FaultRule::zendesk(
        "POST",
        "/api/v2/tickets",
        Fault::Slow { delay_ms: 400 },
        1,
    ));
    let err = raw_post(
        &env,
        "/api/v2/tickets",
        ticket("slow"),
        Duration::from_millis(100),
    )
    .await
    .unwrap_err();
    assert!(err.is_timeout());
}

#[tokio::test]
async fn probability_rules_use_the_seeded_rng() {
    let env = start().await;
    let c = env.sandbox.control();
    let rule = |p: f64| FaultRule {
        api: iadvize_zendesk_sandbox::Api::Zendesk,
        method: Some("GET".into()),
        route: Some("/api/v2/ticket_forms".into()),
        fault: Fault::Status {
            status: 500,
            retry_after_secs: None,
        },
        trigger: Trigger::Probability { p },
    };
    c.add_fault(rule(1.0));
    for _ in 0..3 {
        assert_eq!(
            env.get("/api/v2/ticket_forms").await.status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
    assert_eq!(
        env.get("/api/v2/ticket_fields").await.status,
        StatusCode::OK,
        "other routes untouched"
    );
    c.clear_faults();
    c.add_fault(rule(0.5));
    let mut failures = 0;
    for _ in 0..40 {
        if env.get("/api/v2/ticket_forms").await.status == StatusCode::INTERNAL_SERVER_ERROR {
            failures += 1;
        }
    }
    assert!((5..=35).contains(&failures), "{failures} of 40 at p=0.5");
}

#[tokio::test]
async fn iadvize_endpoints_take_faults_too() {
    let env = start().await;
    env.sandbox.control().add_fault(FaultRule::iadvize(
        "POST",
        "/graphql",
        Fault::Status {
            status: 502,
            retry_after_secs: None,
        },
        1,
    ));
    let r = env
        .graphql("{ project(projectId: 3101) { name } }", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    let r = env
        .graphql("{ project(projectId: 3101) { name } }", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let env = start().await;
    env.sandbox.control().set_latency(Latency::Fixed { ms: 80 });
    let t = Instant::now();
    env.get("/api/v2/ticket_forms").await;
    assert!(t.elapsed() >= Duration::from_millis(80));
    env.sandbox.control().set_latency(Latency::Uniform {
        min_ms: 10,
        max_ms: 20,
    });
    let t = Instant::now();
    env.get("/api/v2/ticket_forms").await;
    assert!(t.elapsed() >= Duration::from_millis(10));
}
