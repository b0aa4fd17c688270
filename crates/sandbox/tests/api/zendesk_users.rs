//! Users: search by e-mail, show, show_many, create, and the search API's indexing delay.

use crate::common::*;
use iadvize_zendesk_sandbox::credentials::ZENDESK_AGENT_EMAIL;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn users_search_finds_by_exact_or_partial_email() {
    let env = start().await;
    let r = env
        .get(&format!(
            "/api/v2/users/search?query=email:{ZENDESK_AGENT_EMAIL}"
        ))
        .await;
    assert_eq!(r.body["users"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["users"][0]["email"], ZENDESK_AGENT_EMAIL);
    let partial = env.get("/api/v2/users/search?query=sandbox.example").await;
    assert!(partial.body["users"].as_array().unwrap().len() >= 3);
    let none = env
        .get("/api/v2/users/search?query=email:nobody@nowhere.example")
        .await;
    assert_eq!(none.body["users"], json!([]));
}

#[tokio::test]
async fn show_and_show_many() {
    let env = start().await;
    let id = iadvize_zendesk_sandbox::AGENT_ID;
    assert_eq!(
        env.get(&format!("/api/v2/users/{id}")).await.body["user"]["id"],
        id
    );
    assert_eq!(
        env.get("/api/v2/users/1").await.status,
        StatusCode::NOT_FOUND
    );
    let many = env
        .get(&format!(
            "/api/v2/users/show_many?ids={id},{},1",
            iadvize_zendesk_sandbox::ADMIN_ID
        ))
        .await;
    assert_eq!(many.body["users"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn new_users_reach_the_search_api_after_the_indexing_delay() {
    let env = start().await;
    env.create_ticket(json!({"requester": {"email": "late@index.example", "name": "Late"}, "comment": {"body": "x", "public": false}})).await;
    let q = "/api/v2/search?query=type:user%20email:late@index.example";
    // Users search is immediate, the search API is not.
    assert_eq!(
        env.get("/api/v2/users/search?query=email:late@index.example")
            .await
            .body["users"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(env.get(q).await.body["count"], 0);
    env.sandbox.control().advance(Duration::from_secs(121));
    let r = env.get(q).await;
    assert_eq!(r.body["count"], 1);
    assert_eq!(r.body["results"][0]["result_type"], "user");
    assert!(r.body["facets"].is_null());
}

#[tokio::test]
async fn create_rejects_a_duplicate_email_and_create_or_update_reuses() {
    let env = start().await;
    let r = env
        .post(
            "/api/v2/users",
            json!({"user": {"name": "Dup", "email": ZENDESK_AGENT_EMAIL}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["details"]["email"][0]["error"], "DuplicateValue");
    let r = env
        .post(
            "/api/v2/users",
            json!({"user": {"name": "Fresh", "email": "fresh@x.example"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["user"]["role"], "end-user");
    let again = env
        .post(
            "/api/v2/users/create_or_update",
            json!({"user": {"name": "Fresh Renamed", "email": "fresh@x.example"}}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["user"]["name"], "Fresh Renamed");
}
