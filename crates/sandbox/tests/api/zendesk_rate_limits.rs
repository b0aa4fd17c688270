//! Account-wide and per-endpoint rate limits, and their headers.

use crate::common::*;
use iadvize_zendesk_sandbox::{Plan, SandboxConfig};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn every_response_carries_the_rate_limit_headers() {
    let env = start().await;
    let r = env.get("/api/v2/ticket_forms").await;
    assert_eq!(r.header("x-rate-limit"), Some("400"));
    assert_eq!(r.header("ratelimit-limit"), Some("400"));
    assert_eq!(r.header("x-rate-limit-remaining"), Some("399"));
    assert_eq!(r.header("ratelimit-remaining"), Some("399"));
    assert!(r.header("ratelimit-reset").unwrap().parse::<u64>().unwrap() <= 60);
    let fields = env.get("/api/v2/ticket_fields?page[size]=1").await;
    assert!(
        fields
            .header("zendesk-ratelimit-ticket-fields")
            .unwrap()
            .starts_with("total=300; remaining=299")
    );
}

#[tokio::test]
async fn the_plan_limit_answers_429_with_retry_after_until_the_window_resets() {
    let env = start_with(SandboxConfig::default().conversations(10).plan(Plan::Team)).await;
    for i in 0..200 {
        let r = env.get("/api/v2/users/me").await;
        assert_eq!(r.status, StatusCode::OK, "request {i}");
    }
    let r = env.get("/api/v2/users/me").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(r.header("x-rate-limit-remaining"), Some("0"));
    env.sandbox.control().advance(Duration::from_secs(retry));
    assert_eq!(env.get("/api/v2/users/me").await.status, StatusCode::OK);
    // Changing the plan changes the limit.
    env.sandbox.control().set_plan(Plan::HighVolume);
    assert_eq!(
        env.get("/api/v2/users/me").await.header("x-rate-limit"),
        Some("2500")
    );
}

#[tokio::test]
async fn a_shorter_window_compresses_time_for_benchmarks() {
    let env = start_with(
        SandboxConfig::default()
            .conversations(10)
            .plan(Plan::Team)
            .rate_limit_window(Duration::from_millis(300)),
    )
    .await;
    let mut limited = false;
    for _ in 0..201 {
        if env.get("/api/v2/users/me").await.status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    // Either the 201 requests took longer than the window (a slow machine), or the last was limited.
    if limited {
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(env.get("/api/v2/users/me").await.status, StatusCode::OK);
    }
    let r = env.get("/api/v2/users/me").await;
    assert_eq!(
        r.header("ratelimit-reset"),
        Some("1"),
        "resets are whole seconds, at least 1"
    );
}

#[tokio::test]
async fn a_ticket_takes_30_updates_per_ten_windows_per_user() {
    let env = start().await;
    let id = env
        .create_ticket(json!({"comment": {"body": "x", "public": false}}))
        .await;
    let path = format!("/api/v2/tickets/{id}");
    for i in 0..30 {
        let r = env
            .put(
                &path,
                json!({"ticket": {"comment": {"body": format!("n{i}"), "public": false}}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "update {i}");
    }
    let r = env
        .put(
            &path,
            json!({"ticket": {"comment": {"body": "one too many", "public": false}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.header("zendesk-ratelimit-update-ticket-user")
            .unwrap()
            .contains("remaining=0")
    );
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 60, "the per-ticket window is ten minutes");
    // Another ticket is not affected.
    let other = env
        .create_ticket(json!({"comment": {"body": "x", "public": false}}))
        .await;
    assert_eq!(
        env.put(
            &format!("/api/v2/tickets/{other}"),
            json!({"ticket": {"subject": "ok"}})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(env.sandbox.control().ticket(id).unwrap().comments.len(), 31);
}

#[tokio::test]
async fn create_or_update_user_is_limited_per_second() {
    let env = start().await;
    let body = json!({"user": {"email": "cu@x.example", "name": "C U"}});
    let first = env
        .post("/api/v2/users/create_or_update", body.clone())
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let second = env
        .post("/api/v2/users/create_or_update", body.clone())
        .await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    env.sandbox.control().advance(Duration::from_secs(1));
    let third = env.post("/api/v2/users/create_or_update", body).await;
    assert_eq!(third.status, StatusCode::OK, "existing user: 200");
}
