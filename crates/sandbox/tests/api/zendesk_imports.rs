//! Ticket Import API, bulk jobs and job statuses.

use crate::common::*;
use iadvize_zendesk_sandbox::{ADMIN_ID, MAX_ACTIVE_JOBS, field_ids, form_ids};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn import_body(ext: &str) -> Value {
    json!({"ticket": {
        "subject": "Chat with Camille", "external_id": ext, "status": "solved", "requester_id": ADMIN_ID,
        "created_at": "2026-01-10T09:00:00Z", "solved_at": "2026-01-10T09:20:00Z", "updated_at": "2026-01-10T09:20:00Z",
        "comments": [
            {"body": "Transcript…", "public": false, "created_at": "2026-01-10T09:19:00Z"},
            {"value": "Link to the conversation", "public": false, "created_at": "2026-01-10T09:20:00Z"}
        ],
        "ticket_form_id": form_ids::ARCHIVE,
    }})
}

#[tokio::test]
async fn a_single_import_keeps_timestamps_and_runs_no_trigger() {
    let env = start().await;
    let c = env.sandbox.control();
    let r = env
        .post("/api/v2/imports/tickets", import_body("ha-3101:conv-1"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["ticket"]["created_at"], "2026-01-10T09:00:00Z");
    let t = c.ticket(r.body["ticket"]["id"].as_i64().unwrap()).unwrap();
    assert_eq!(t.via, "import");
    assert_eq!(t.status, "solved");
    assert_eq!(
        t.solved_at.unwrap().to_rfc3339(),
        "2026-01-10T09:20:00+00:00"
    );
    assert_eq!(
        t.comments[1].created_at.to_rfc3339(),
        "2026-01-10T09:20:00+00:00"
    );
    assert_eq!(t.comments[1].body, "Link to the conversation");
    assert!(c.emails().is_empty(), "imports never run triggers");
}

#[tokio::test]
async fn the_import_ignores_a_requester_object_unless_switched_on() {
    let env = start().await;
    let c = env.sandbox.control();
    let body = json!({"ticket": {"requester": {"name": "Vi", "email": "vi@import.example"}, "comments": [{"body": "x"}]}});
    let r = env.post("/api/v2/imports/tickets", body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        r.body["ticket"]["requester_id"], ADMIN_ID,
        "silently the API user"
    );
    assert!(c.user_by_email("vi@import.example").is_none());
    c.update_switches(|s| s.import_accepts_requester_object = true);
    let r = env.post("/api/v2/imports/tickets", body).await;
    assert_eq!(
        r.body["ticket"]["requester_id"],
        c.user_by_email("vi@import.example").unwrap().id
    );
}

#[tokio::test]
async fn importing_solved_without_required_fields_is_refused_unless_switched_off() {
    let env = start().await;
    let mut body = import_body("x");
    body["ticket"]["ticket_form_id"] = json!(form_ids::COMPLAINT);
    let r = env.post("/api/v2/imports/tickets", body.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["details"]["base"][0]["ticket_field_id"],
        field_ids::ESCALATION_LEVEL
    );
    env.sandbox
        .control()
        .update_switches(|s| s.required_fields_on_import = false);
    assert_eq!(
        env.post("/api/v2/imports/tickets", body).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn bulk_import_runs_as_a_job_that_completes_after_its_duration() {
    let env = start().await;
    let c = env.sandbox.control();
    let tickets: Vec<Value> = (0..3)
        .map(|i| import_body(&format!("bulk-{i}"))["ticket"].clone())
        .collect();
    let mut bad = tickets[0].clone();
    bad["ticket_form_id"] = json!(form_ids::COMPLAINT); // fails: required field when solved
    let mut all = tickets.clone();
    all.push(bad);
    let r = env
        .post(
            "/api/v2/imports/tickets/create_many",
            json!({"tickets": all}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let job = &r.body["job_status"];
    assert_eq!(job["status"], "queued");
    assert_eq!(job["total"], 4);
    let id = job["id"].as_str().unwrap().to_string();
    assert!(
        c.tickets().is_empty(),
        "nothing is written before the job runs"
    );

    c.advance(Duration::from_secs(1));
    assert_eq!(
        env.get(&format!("/api/v2/job_statuses/{id}")).await.body["job_status"]["status"],
        "working"
    );
    c.advance(Duration::from_secs(1));
    let done = env.get(&format!("/api/v2/job_statuses/{id}")).await;
    assert_eq!(done.body["job_status"]["status"], "completed");
    let results = done.body["job_status"]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for (i, res) in results.iter().take(3).enumerate() {
        assert_eq!(res["index"], i);
        assert!(c.ticket(res["id"].as_i64().unwrap()).is_some());
    }
    assert_eq!(results[3]["success"], false);
    assert_eq!(results[3]["error"], "RecordInvalid");
    assert!(
        results[3]["details"]
            .as_str()
            .unwrap()
            .contains("ticket_field_id")
    );
    assert!(c.emails().is_empty());

    let many = env
        .get(&format!("/api/v2/job_statuses/show_many?ids={id},nope"))
        .await;
    assert_eq!(many.body["job_statuses"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bulk_requests_over_100_tickets_are_refused() {
    let env = start().await;
    let tickets: Vec<Value> = (0..101)
        .map(|_| json!({"comments": [{"body": "x"}]}))
        .collect();
    let r = env
        .post(
            "/api/v2/imports/tickets/create_many",
            json!({"tickets": tickets}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = env
        .post("/api/v2/tickets/create_many", json!({"tickets": tickets}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn more_than_30_running_jobs_answer_too_many_jobs() {
    let env = start().await;
    let body = json!({"tickets": [{"comments": [{"body": "x"}]}]});
    for _ in 0..MAX_ACTIVE_JOBS {
        assert_eq!(
            env.post("/api/v2/imports/tickets/create_many", body.clone())
                .await
                .status,
            StatusCode::OK
        );
    }
    let r = env
        .post("/api/v2/imports/tickets/create_many", body.clone())
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["error"], "TooManyJobs");
    assert_eq!(
        r.body["current_job_ids"].as_array().unwrap().len(),
        MAX_ACTIVE_JOBS
    );
    assert!(r.header("retry-after").is_some());
    env.sandbox.control().advance(Duration::from_secs(3));
    assert_eq!(
        env.post("/api/v2/imports/tickets/create_many", body)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn create_many_through_the_tickets_api_runs_triggers() {
    let env = start().await;
    let c = env.sandbox.control();
    let r = env
        .post("/api/v2/tickets/create_many", json!({"tickets": [{"requester": {"email": "many@x.example"}, "comment": {"body": "hi", "public": true}}]}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    c.advance(Duration::from_secs(2));
    let jobs = c.jobs();
    assert_eq!(jobs[0].status, "completed");
    assert!(
        c.emails()
            .iter()
            .any(|e| e.to.as_deref() == Some("many@x.example"))
    );
}
