//! Zendesk authentication and roles.

use crate::common::*;
use iadvize_zendesk_sandbox::credentials::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn api_token_basic_auth_identifies_the_admin() {
    let env = start().await;
    let r = env.get("/api/v2/users/me").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["user"]["email"], ZENDESK_ADMIN_EMAIL);
    assert_eq!(r.body["user"]["role"], "admin");
    assert_eq!(r.body["user"]["role_type"], 4);
}

#[tokio::test]
async fn users_me_answers_the_anonymous_user_without_valid_credentials() {
    let env = start().await;
    for auth in [
        None,
        Some(format!(
            "Basic {}",
            base64_of("admin@sandbox.example:password")
        )),
    ] {
        let r = env
            .zd(Method::GET, "/api/v2/users/me", auth.as_deref(), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{auth:?}");
        assert!(r.body["user"]["id"].is_null());
        assert_eq!(r.body["user"]["name"], "Anonymous user");
        assert_eq!(r.body["user"]["role"], "end-user");
    }
    // A wrong API token is a 401 even on /users/me (as reported by integrators).
    let wrong = zendesk_basic_auth(ZENDESK_ADMIN_EMAIL, "nope");
    let r = env
        .zd(Method::GET, "/api/v2/users/me", Some(&wrong), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Other endpoints: 401 with Zendesk's body.
    let r = env.zd(Method::GET, "/api/v2/tickets", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body, json!({"error": "Couldn't authenticate you"}));
}

#[tokio::test]
async fn anonymous_users_me_is_switchable() {
    let env = start().await;
    env.sandbox
        .control()
        .update_switches(|s| s.anonymous_users_me = false);
    let r = env.zd(Method::GET, "/api/v2/users/me", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn oauth_client_credentials_tokens_work_then_expire() {
    let env = start().await;
    let r = env
        .zd(Method::POST, "/oauth/tokens", None, Some(json!({"grant_type": "client_credentials", "client_id": ZENDESK_OAUTH_CLIENT_ID,
            "client_secret": ZENDESK_OAUTH_CLIENT_SECRET, "scope": "read write", "expires_in": 3600})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["token_type"], "bearer");
    assert_eq!(r.body["expires_in"], 3600);
    assert!(r.body.get("refresh_token").is_none());
    let bearer = format!("Bearer {}", r.body["access_token"].as_str().unwrap());
    let me = env
        .zd(Method::GET, "/api/v2/users/me", Some(&bearer), None)
        .await;
    assert_eq!(me.body["user"]["role"], "admin");
    assert_eq!(
        env.zd(Method::GET, "/api/v2/tickets", Some(&bearer), None)
            .await
            .status,
        StatusCode::OK
    );

    env.sandbox.control().advance(Duration::from_secs(3601));
    assert_eq!(
        env.zd(Method::GET, "/api/v2/tickets", Some(&bearer), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        env.zd(Method::GET, "/api/v2/users/me", Some(&bearer), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn oauth_rejects_bad_clients_and_lifetimes() {
    let env = start().await;
    let bad_secret = env
        .zd(Method::POST, "/oauth/tokens", None, Some(json!({"grant_type": "client_credentials", "client_id": ZENDESK_OAUTH_CLIENT_ID, "client_secret": "x"})))
        .await;
    assert_eq!(bad_secret.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_secret.body["error"], "invalid_client");
    let too_long = env
        .zd(
            Method::POST,
            "/oauth/tokens",
            None,
            Some(
                json!({"grant_type": "client_credentials", "client_id": ZENDESK_OAUTH_CLIENT_ID,
            "client_secret": ZENDESK_OAUTH_CLIENT_SECRET, "expires_in": 200_000}),
            ),
        )
        .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    let default = env
        .zd(
            Method::POST,
            "/oauth/tokens",
            None,
            Some(
                json!({"grant_type": "client_credentials", "client_id": ZENDESK_OAUTH_CLIENT_ID,
            "client_secret": ZENDESK_OAUTH_CLIENT_SECRET}),
            ),
        )
        .await;
    assert_eq!(default.body["expires_in"], 1800);
    env.sandbox
        .control()
        .update_switches(|s| s.oauth_returns_refresh_token = true);
    let with_refresh = env
        .zd(
            Method::POST,
            "/oauth/tokens",
            None,
            Some(
                json!({"grant_type": "client_credentials", "client_id": ZENDESK_OAUTH_CLIENT_ID,
            "client_secret": ZENDESK_OAUTH_CLIENT_SECRET}),
            ),
        )
        .await;
    assert!(with_refresh.body["refresh_token"].is_string());
}

#[tokio::test]
async fn roles_limit_what_agents_and_light_agents_may_do() {
    let env = start().await;
    let me = env
        .zd(Method::GET, "/api/v2/users/me", Some(&light_agent()), None)
        .await;
    assert_eq!(me.body["user"]["role"], "agent");
    assert_eq!(me.body["user"]["role_type"], 1);

    let ticket = json!({"ticket": {"subject": "s", "comment": {"body": "b", "public": false}}});
    // Imports are for admins only.
    let r = env
        .zd(
            Method::POST,
            "/api/v2/imports/tickets",
            Some(&agent()),
            Some(ticket.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Agents create tickets; light agents do not.
    let r = env
        .zd(
            Method::POST,
            "/api/v2/tickets",
            Some(&agent()),
            Some(ticket.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.body["ticket"]["id"].as_i64().unwrap();
    let r = env
        .zd(
            Method::POST,
            "/api/v2/tickets",
            Some(&light_agent()),
            Some(ticket),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Light agents read and add private notes, never public comments.
    let path = format!("/api/v2/tickets/{id}");
    assert_eq!(
        env.zd(Method::GET, &path, Some(&light_agent()), None)
            .await
            .status,
        StatusCode::OK
    );
    let public = env
        .zd(
            Method::PUT,
            &path,
            Some(&light_agent()),
            Some(json!({"ticket": {"comment": {"body": "hi", "public": true}}})),
        )
        .await;
    assert_eq!(public.status, StatusCode::FORBIDDEN);
    let private = env
        .zd(
            Method::PUT,
            &path,
            Some(&light_agent()),
            Some(json!({"ticket": {"comment": {"body": "note", "public": false}}})),
        )
        .await;
    assert_eq!(private.status, StatusCode::OK);
    let t = env.sandbox.control().ticket(id).unwrap();
    assert_eq!(t.comments.len(), 2);
    assert!(!t.comments[1].public);
}

#[tokio::test]
async fn oauth_scopes_limit_tokens_and_an_invalid_scope_still_yields_a_useless_token() {
    let env = start().await;
    let token = |scope: serde_json::Value| {
        let env = &env;
        async move {
            let r = env
                .zd(Method::POST, "/oauth/tokens", None, Some(json!({"grant_type": "client_credentials", "client_id": ZENDESK_OAUTH_CLIENT_ID,
                    "client_secret": ZENDESK_OAUTH_CLIENT_SECRET, "scope": scope})))
                .await;
            assert_eq!(r.status, StatusCode::CREATED);
            format!("Bearer {}", r.body["access_token"].as_str().unwrap())
        }
    };
    let read_only = token(json!("read")).await;
    assert_eq!(
        env.zd(Method::GET, "/api/v2/tickets", Some(&read_only), None)
            .await
            .status,
        StatusCode::OK
    );
    let r = env
        .zd(
            Method::POST,
            "/api/v2/tickets",
            Some(&read_only),
            Some(json!({"ticket": {"comment": {"body": "x"}}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body["description"],
        "You are missing the following required scopes: write"
    );
    let tickets_write = token(json!("tickets:read tickets:write")).await;
    let r = env
        .zd(
            Method::POST,
            "/api/v2/tickets",
            Some(&tickets_write),
            Some(json!({"ticket": {"comment": {"body": "x"}}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let invalid = token(json!(["read", "write"])).await;
    assert_eq!(
        env.zd(Method::GET, "/api/v2/tickets", Some(&invalid), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}
