//! The control API over HTTP (`/_sandbox/...`), for tests driving a child process.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn ctl(env: &Env, method: Method, path: &str, body: Option<serde_json::Value>) -> Reply {
    env.zd(method, &format!("/_sandbox{path}"), None, body)
        .await
}

#[tokio::test]
async fn info_lists_urls_credentials_and_sites() {
    let env = start().await;
    let r = ctl(&env, Method::GET, "/info", None).await;
    assert_eq!(r.body["zendesk_url"], env.sandbox.zendesk_url());
    assert_eq!(r.body["iadvize_url"], env.sandbox.iadvize_url());
    assert!(r.body["credentials"]["zendesk_admin"]["api_token"].is_string());
    let platforms: Vec<&str> = r.body["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["platform"].as_str().unwrap())
        .collect();
    assert!(platforms.contains(&"ha") && platforms.contains(&"sd"));
}

#[tokio::test]
async fn inspection_faults_clock_switches_plan_and_reset_over_http() {
    let env = start().await;
    let id = env.create_ticket(json!({"external_id": "e1", "requester": {"email": "h@x.example"}, "comment": {"body": "hello", "public": true}})).await;
    let tickets = ctl(&env, Method::GET, "/tickets?external_id=e1", None).await;
    assert_eq!(tickets.body[0]["id"], id);
    assert_eq!(tickets.body[0]["comments"][0]["body"], "hello");
    assert_eq!(tickets.body[0]["via"], "api");
    assert_eq!(
        ctl(&env, Method::GET, &format!("/tickets/{id}"), None)
            .await
            .body["requester_email"],
        "h@x.example"
    );
    assert!(
        !ctl(&env, Method::GET, "/emails", None)
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ctl(&env, Method::GET, "/users?email=h@x.example", None)
            .await
            .body[0]["role"],
        "end_user"
    );
    let counts = ctl(&env, Method::GET, "/requests", None).await;
    assert_eq!(counts.body["zendesk"]["POST /api/v2/tickets"]["count"], 1);
    assert_eq!(
        counts.body["zendesk"]["POST /api/v2/tickets"]["by_status"]["201"],
        1
    );

    let rule = json!({"api": "zendesk", "method": "POST", "route": "/api/v2/tickets", "fault": {"kind": "status", "status": 500}, "trigger": {"kind": "next", "count": 1}});
    assert_eq!(
        ctl(&env, Method::POST, "/faults", Some(rule)).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        env.post(
            "/api/v2/tickets",
            json!({"ticket": {"comment": {"body": "x"}}})
        )
        .await
        .status,
        StatusCode::INTERNAL_SERVER_ERROR
    );

    let before = ctl(&env, Method::GET, "/clock", None).await.body["offset_secs"]
        .as_f64()
        .unwrap();
    ctl(
        &env,
        Method::POST,
        "/clock/advance",
        Some(json!({"seconds": 90000})),
    )
    .await;
    let after = ctl(&env, Method::GET, "/clock", None).await.body["offset_secs"]
        .as_f64()
        .unwrap();
    assert!(after - before >= 90000.0);

    let s = ctl(
        &env,
        Method::PATCH,
        "/switches",
        Some(json!({"anonymous_users_me": false})),
    )
    .await;
    assert_eq!(s.body["anonymous_users_me"], false);
    assert_eq!(
        s.body["required_fields_on_solve"], true,
        "other switches unchanged"
    );
    assert_eq!(
        env.zd(Method::GET, "/api/v2/users/me", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        ctl(&env, Method::PATCH, "/switches", Some(json!({"nope": 1})))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    ctl(&env, Method::PUT, "/plan", Some(json!({"plan": "team"}))).await;
    assert_eq!(
        env.get("/api/v2/ticket_forms").await.status,
        StatusCode::FORBIDDEN
    );
    ctl(
        &env,
        Method::PUT,
        "/latency",
        Some(json!({"kind": "fixed", "ms": 1})),
    )
    .await;
    ctl(
        &env,
        Method::PUT,
        "/settings",
        Some(json!({"job_duration_ms": 0, "rate_limit_window_ms": 1000})),
    )
    .await;

    assert_eq!(
        ctl(&env, Method::POST, "/reset", None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ctl(&env, Method::GET, "/tickets", None).await.body,
        json!([])
    );
    assert_eq!(
        ctl(&env, Method::GET, "/requests", None).await.body["zendesk"],
        json!({})
    );
    // The control routes are never counted.
    assert_eq!(
        ctl(&env, Method::GET, "/requests", None).await.body["zendesk"],
        json!({})
    );
}

#[tokio::test]
async fn live_mode_closes_new_conversations_over_time() {
    let env = start().await;
    let before = env.sandbox.control().conversation_count();
    ctl(
        &env,
        Method::PUT,
        "/live",
        Some(json!({"per_minute": 1200.0})),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    ctl(
        &env,
        Method::PUT,
        "/live",
        Some(json!({"per_minute": null})),
    )
    .await;
    let after = env.sandbox.control().conversation_count();
    assert!(after >= before + 3, "{before} -> {after}");
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert_eq!(
        env.sandbox.control().conversation_count(),
        after,
        "off means off"
    );
}
