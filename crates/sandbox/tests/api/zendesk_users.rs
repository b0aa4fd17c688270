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

// ---------------------------------------------------------------- users/create_many

const CREATE_MANY: &str = "/api/v2/users/create_many";

fn job_id(r: &Reply) -> String {
    r.body["job_status"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn create_many_users_runs_as_a_job_with_ids_by_index() {
    let env = start().await;
    let c = env.sandbox.control();
    let users_before = c.users().len();
    let r = env
        .post(
            CREATE_MANY,
            json!({"users": [
                {"name": "Léa Martin", "email": "lea@visitors.example", "skip_verify_email": true},
                {"name": "Bo", "email": "bo@visitors.example", "verified": true, "role": "end-user"},
                {"name": "New Agent", "email": "new.agent@visitors.example", "role": "agent"},
                {"name": "No Mail"},
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let job = &r.body["job_status"];
    assert_eq!(job["status"], "queued");
    assert_eq!(job["total"], 4);
    assert_eq!(job["job_type"], "bulk_create_users");
    let id = job_id(&r);
    assert_eq!(
        c.users().len(),
        users_before,
        "nothing is written before the job runs"
    );
    assert!(c.user_by_email("lea@visitors.example").is_none());

    c.advance(Duration::from_secs(1));
    let working = env.get(&format!("/api/v2/job_statuses/{id}")).await;
    assert_eq!(working.body["job_status"]["status"], "working");
    c.advance(Duration::from_secs(1));
    let done = env.get(&format!("/api/v2/job_statuses/{id}")).await;
    assert_eq!(done.body["job_status"]["status"], "completed");
    assert_eq!(done.body["job_status"]["progress"], 4);
    let results = done.body["job_status"]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for (i, res) in results.iter().enumerate() {
        assert_eq!(res["index"], i);
        assert_eq!(res["status"], "Created");
    }
    let lea = c.user_by_email("lea@visitors.example").unwrap();
    assert_eq!(results[0]["id"], lea.id);
    assert_eq!(lea.name, "Léa Martin");
    assert_eq!(lea.role, "end_user", "end-user by default");
    assert!(!lea.verified);
    let bo = c.user_by_email("bo@visitors.example").unwrap();
    assert_eq!(results[1]["id"], bo.id);
    assert!(bo.verified, "`verified: true` is kept");
    assert_eq!(
        c.user_by_email("new.agent@visitors.example").unwrap().role,
        "agent",
        "the role comes from the body"
    );
    let no_mail = env
        .get(&format!("/api/v2/users/{}", results[3]["id"]))
        .await;
    assert_eq!(no_mail.body["user"]["name"], "No Mail");
    assert!(no_mail.body["user"]["email"].is_null());
    assert_eq!(c.users().len(), users_before + 4);
    assert!(c.emails().is_empty());
    assert_eq!(
        c.request_count(
            iadvize_zendesk_sandbox::Api::Zendesk,
            "POST /api/v2/users/create_many"
        ),
        1
    );
}

#[tokio::test]
async fn create_many_users_fails_an_existing_email_unless_switched_to_reuse() {
    let env = start().await;
    let c = env.sandbox.control();
    let agent = c.user_by_email(ZENDESK_AGENT_EMAIL).unwrap();
    let body = json!({"users": [
        {"name": "Someone Else", "email": ZENDESK_AGENT_EMAIL.to_uppercase()},
        {"name": "Twin", "email": "twin@visitors.example"},
        {"name": "Twin Again", "email": "twin@visitors.example"},
        {"name": "  ", "email": "blank@visitors.example"},
        {"name": "Bad", "email": "not-an-email"},
    ]});
    let r = env.post(CREATE_MANY, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    c.advance(Duration::from_secs(2));
    let done = env
        .get(&format!("/api/v2/job_statuses/{}", job_id(&r)))
        .await;
    let results = done.body["job_status"]["results"]
        .as_array()
        .unwrap()
        .clone();
    // Default: the item fails with what `POST /users` answers for a taken e-mail.
    let dup = &results[0];
    assert_eq!(dup["index"], 0);
    assert_eq!(dup["success"], false);
    assert_eq!(dup["status"], "Failed");
    assert_eq!(dup["error"], "RecordInvalid");
    let details: serde_json::Value =
        serde_json::from_str(dup["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["email"][0]["error"], "DuplicateValue");
    assert!(
        details["email"][0]["description"]
            .as_str()
            .unwrap()
            .contains("already being used")
    );
    let unchanged = c.user_by_email(ZENDESK_AGENT_EMAIL).unwrap();
    assert_eq!(unchanged, agent, "the existing user is left alone");
    // The same e-mail twice in one request: the first creates, the second is a duplicate.
    assert_eq!(results[1]["status"], "Created");
    assert_eq!(results[2]["status"], "Failed");
    // A blank name, a malformed e-mail: failures of their own item only.
    assert_eq!(results[3]["success"], false);
    assert!(results[3]["details"].as_str().unwrap().contains("TooShort"));
    assert_eq!(results[4]["success"], false);
    assert!(
        results[4]["details"]
            .as_str()
            .unwrap()
            .contains("InvalidFormat")
    );
    assert!(c.user_by_email("blank@visitors.example").is_none());

    // Switched: the existing user's id is reported as if created, nothing changes.
    c.update_switches(|s| {
        s.create_many_users_existing_email = iadvize_zendesk_sandbox::ExistingEmail::ReuseExisting
    });
    let users_before = c.users().len();
    let r = env
        .post(
            CREATE_MANY,
            json!({"users": [
                {"name": "Someone Else", "email": ZENDESK_AGENT_EMAIL},
                {"name": "Twin Renamed", "email": "twin@visitors.example"},
            ]}),
        )
        .await;
    c.advance(Duration::from_secs(2));
    let done = env
        .get(&format!("/api/v2/job_statuses/{}", job_id(&r)))
        .await;
    let results = &done.body["job_status"]["results"];
    assert_eq!(results[0]["id"], agent.id);
    assert_eq!(results[0]["status"], "Created");
    assert_eq!(
        results[1]["id"],
        c.user_by_email("twin@visitors.example").unwrap().id
    );
    assert_eq!(c.users().len(), users_before);
    assert_eq!(
        c.user_by_email("twin@visitors.example").unwrap().name,
        "Twin"
    );
    assert_eq!(c.user_by_email(ZENDESK_AGENT_EMAIL).unwrap(), agent);
}

#[tokio::test]
async fn create_many_users_refusals() {
    let env = start().await;
    let c = env.sandbox.control();
    let one = json!({"users": [{"name": "A", "email": "a@visitors.example"}]});
    // 1 to 100 users, as the bulk ticket endpoints.
    let too_many: Vec<serde_json::Value> = (0..101)
        .map(|i| json!({"name": format!("U{i}"), "email": format!("u{i}@visitors.example")}))
        .collect();
    assert_eq!(
        env.post(CREATE_MANY, json!({"users": too_many}))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        env.post(CREATE_MANY, json!({"users": []})).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        env.post(CREATE_MANY, json!({"user": {"name": "A"}}))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // Admins only here (Zendesk: admins, or agents in a custom role with the permission).
    let r = env
        .zd(
            reqwest::Method::POST,
            CREATE_MANY,
            Some(&agent()),
            Some(one.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        env.zd(reqwest::Method::POST, CREATE_MANY, None, Some(one.clone()))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Bulk user imports not enabled on the account: 403 (OAS CreateManyUsers).
    c.update_switches(|s| s.bulk_user_imports_enabled = false);
    assert_eq!(
        env.post(CREATE_MANY, one.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    c.update_switches(|s| s.bulk_user_imports_enabled = true);
    assert!(c.jobs().is_empty());
    assert_eq!(env.post(CREATE_MANY, one).await.status, StatusCode::OK);
}

#[tokio::test]
async fn create_many_users_counts_in_the_job_limit() {
    let env = start().await;
    let c = env.sandbox.control();
    let users = json!({"users": [{"name": "A", "email": "a@visitors.example"}]});
    let tickets = json!({"tickets": [{"comments": [{"body": "x"}]}]});
    for i in 0..iadvize_zendesk_sandbox::MAX_ACTIVE_JOBS {
        let (path, body) = if i % 2 == 0 {
            (CREATE_MANY, users.clone())
        } else {
            ("/api/v2/imports/tickets/create_many", tickets.clone())
        };
        assert_eq!(env.post(path, body).await.status, StatusCode::OK);
    }
    for (path, body) in [
        (CREATE_MANY, users.clone()),
        ("/api/v2/imports/tickets/create_many", tickets.clone()),
    ] {
        let r = env.post(path, body).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert_eq!(r.body["error"], "TooManyJobs");
        assert_eq!(
            r.body["current_job_ids"].as_array().unwrap().len(),
            iadvize_zendesk_sandbox::MAX_ACTIVE_JOBS
        );
        assert!(r.header("retry-after").is_some());
        assert!(r.header("zendesk-ratelimit-inflight-jobs").is_some());
    }
    c.advance(Duration::from_secs(3));
    assert_eq!(env.post(CREATE_MANY, users).await.status, StatusCode::OK);
    let stats = c.requests();
    assert_eq!(
        stats.status_count(
            iadvize_zendesk_sandbox::Api::Zendesk,
            "POST /api/v2/users/create_many",
            429
        ),
        1
    );
}
