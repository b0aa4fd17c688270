//! Tickets API: requesters, idempotency, comments, triggers, closing, truncation, solving rules.

use crate::common::*;
use iadvize_zendesk_sandbox::{MAX_COMMENT_BYTES, SolveWithoutAssignee, field_ids, form_ids};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_requester_object_creates_the_end_user_or_reuses_the_existing_one() {
    let env = start().await;
    let c = env.sandbox.control();
    let id = env
        .create_ticket(
            json!({"subject": "new", "requester": {"name": "Nina New", "email": "nina@new.example"},
        "comment": {"body": "x", "public": false}}),
        )
        .await;
    let t = c.ticket(id).unwrap();
    assert_eq!(t.requester_email.as_deref(), Some("nina@new.example"));
    let u = c.user_by_email("nina@new.example").unwrap();
    assert_eq!((u.name.as_str(), u.role.as_str()), ("Nina New", "end_user"));

    // An existing user is reused unchanged (name not overwritten).
    let existing = c
        .users()
        .into_iter()
        .find(|u| u.role == "end_user" && u.email.is_some())
        .unwrap();
    let before = c.users().len();
    let id = env
        .create_ticket(
            json!({"requester": {"name": "Another Name", "email": existing.email},
        "comment": {"body": "x", "public": false}}),
        )
        .await;
    assert_eq!(c.ticket(id).unwrap().requester_id, existing.id);
    assert_eq!(c.users().len(), before);
    assert_eq!(
        c.user_by_email(existing.email.as_deref().unwrap())
            .unwrap()
            .name,
        existing.name
    );
}

#[tokio::test]
async fn idempotency_key_hit_mismatch_and_expiry() {
    let env = start().await;
    let c = env.sandbox.control();
    let body = json!({"ticket": {"subject": "once", "external_id": "ha-1:abc", "comment": {"body": "b", "public": false}}});
    let key = [("idempotency-key", "key-123")];
    let first = env
        .zd_with(
            reqwest::Method::POST,
            "/api/v2/tickets",
            Some(&admin()),
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first.header("x-idempotency-lookup"), Some("miss"));
    let again = env
        .zd_with(
            reqwest::Method::POST,
            "/api/v2/tickets",
            Some(&admin()),
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.header("x-idempotency-lookup"), Some("hit"));
    assert_eq!(again.body["ticket"]["id"], first.body["ticket"]["id"]);
    assert_eq!(c.tickets_by_external_id("ha-1:abc").len(), 1);

    let other =
        json!({"ticket": {"subject": "different", "comment": {"body": "b", "public": false}}});
    let mismatch = env
        .zd_with(
            reqwest::Method::POST,
            "/api/v2/tickets",
            Some(&admin()),
            Some(other),
            &key,
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);
    assert_eq!(mismatch.body, json!({"error": "IdempotentRequestError"}));

    // Keys expire after two hours: the same request then makes a second ticket.
    c.advance(Duration::from_secs(2 * 3600 + 1));
    let later = env
        .zd_with(
            reqwest::Method::POST,
            "/api/v2/tickets",
            Some(&admin()),
            Some(body),
            &key,
        )
        .await;
    assert_eq!(later.header("x-idempotency-lookup"), Some("miss"));
    assert_ne!(later.body["ticket"]["id"], first.body["ticket"]["id"]);
    assert_eq!(c.tickets_by_external_id("ha-1:abc").len(), 2);
}

#[tokio::test]
async fn triggers_email_the_requester_only_for_public_unsolved_creates() {
    let env = start().await;
    let c = env.sandbox.control();
    let public = env.create_ticket(json!({"requester": {"email": "pub@x.example"}, "comment": {"body": "hello", "public": true}})).await;
    let private = env.create_ticket(json!({"requester": {"email": "priv@x.example"}, "comment": {"body": "note", "public": false}})).await;
    let solved = env.create_ticket(json!({"requester": {"email": "solved@x.example"}, "status": "solved", "ticket_form_id": form_ids::ARCHIVE,
        "comment": {"body": "done", "public": true}})).await;
    let emails = c.emails();
    let to = |ticket: i64, addr: &str| {
        emails
            .iter()
            .any(|e| e.ticket_id == ticket && e.to.as_deref() == Some(addr))
    };
    assert!(to(public, "pub@x.example"));
    assert!(!to(private, "priv@x.example"));
    assert!(!to(solved, "solved@x.example"));
    // "Notify all agents of received request" fires on every create.
    for t in [public, private, solved] {
        assert!(emails.iter().any(
            |e| e.ticket_id == t && e.trigger_title == "Notify all agents of received request"
        ));
    }
    // A later public comment e-mails the requester of the private ticket.
    let r = env
        .put(
            &format!("/api/v2/tickets/{private}"),
            json!({"ticket": {"comment": {"body": "Dear customer", "public": true}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        c.emails()
            .iter()
            .any(|e| e.ticket_id == private && e.to.as_deref() == Some("priv@x.example"))
    );
    assert!(
        r.body["audit"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "Notification")
    );
}

#[tokio::test]
async fn updates_append_comments_with_sticky_public_and_change_fields() {
    let env = start().await;
    let c = env.sandbox.control();
    let id = env.create_ticket(json!({"comment": {"body": "first", "public": false}, "ticket_form_id": form_ids::ESCALATION})).await;
    let path = format!("/api/v2/tickets/{id}");
    // No `public`: inherits the creation's false.
    env.put(&path, json!({"ticket": {"comment": {"body": "second"}}}))
        .await;
    let r = env
        .put(&path, json!({"ticket": {"comment": {"html_body": "<p>third</p>", "public": true}, "additional_tags": ["escalated"],
            "custom_fields": [{"id": field_ids::IADVIZE_AGENT, "value": "Julie Moreau"}], "status": "pending"}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    env.put(&path, json!({"ticket": {"comment": {"body": "fourth"}}}))
        .await;
    let t = c.ticket(id).unwrap();
    let publics: Vec<bool> = t.comments.iter().map(|c| c.public).collect();
    assert_eq!(publics, [false, false, true, true]);
    assert_eq!(t.comments[2].body, "third");
    assert!(t.tags.contains(&"escalated".to_string()));
    assert_eq!(
        t.field(field_ids::IADVIZE_AGENT),
        Some(&json!("Julie Moreau"))
    );
    assert_eq!(t.status, "pending");
    assert_eq!(t.ticket_form_id, Some(form_ids::ESCALATION));

    let listed = env
        .get(&format!("/api/v2/tickets/{id}/comments?page[size]=3"))
        .await;
    assert_eq!(listed.body["comments"].as_array().unwrap().len(), 3);
    assert_eq!(listed.body["meta"]["has_more"], true);
    let next = listed.body["links"]["next"].as_str().unwrap();
    let rest = env
        .get(next.strip_prefix(&env.sandbox.zendesk_url()).unwrap())
        .await;
    assert_eq!(rest.body["comments"][0]["body"], "fourth");
    assert_eq!(rest.body["meta"]["has_more"], false);
}

#[tokio::test]
async fn closed_tickets_refuse_updates_and_take_follow_ups() {
    let env = start().await;
    let c = env.sandbox.control();
    let id = env.create_ticket(json!({"comment": {"body": "x", "public": false}, "status": "solved", "ticket_form_id": form_ids::ARCHIVE})).await;
    // The default automation closes solved tickets after 96 h.
    c.advance(Duration::from_secs(96 * 3600 + 1));
    assert_eq!(c.ticket(id).unwrap().status, "closed");
    let r = env
        .put(
            &format!("/api/v2/tickets/{id}"),
            json!({"ticket": {"comment": {"body": "late", "public": false}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"], "RecordInvalid");
    assert_eq!(
        r.body["details"]["status"][0]["description"],
        "Status: closed prevents ticket update"
    );

    let follow = env
        .create_ticket(
            json!({"via_followup_source_id": id, "comment": {"body": "again", "public": false}}),
        )
        .await;
    let shown = env.get(&format!("/api/v2/tickets/{follow}")).await;
    assert_eq!(shown.body["ticket"]["via"]["source"]["rel"], "follow_up");
    assert_eq!(c.ticket(follow).unwrap().followup_source_id, Some(id));
    assert_eq!(
        env.get(&format!("/api/v2/tickets/{id}")).await.body["ticket"]["followup_ids"],
        json!([follow])
    );
    // Only closed tickets can be followed up.
    let r = env
        .post(
            "/api/v2/tickets",
            json!({"ticket": {"via_followup_source_id": follow, "comment": {"body": "x"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn comment_bodies_over_64_kib_are_cut_silently() {
    let env = start().await;
    let long = "é".repeat(40_000); // 80,000 bytes
    let id = env
        .create_ticket(json!({"comment": {"body": long, "public": false}}))
        .await;
    let t = env.sandbox.control().ticket(id).unwrap();
    assert!(t.comments[0].truncated);
    assert!(
        t.comments[0].body.len() <= MAX_COMMENT_BYTES
            && t.comments[0].body.len() > MAX_COMMENT_BYTES - 2
    );
    let api = env.get(&format!("/api/v2/tickets/{id}/comments")).await;
    assert_eq!(
        api.body["comments"][0]["body"].as_str().unwrap().len(),
        t.comments[0].body.len()
    );
}

#[tokio::test]
async fn solving_without_a_required_field_is_refused_with_details() {
    let env = start().await;
    let c = env.sandbox.control();
    let complaint = json!({"ticket": {"ticket_form_id": form_ids::COMPLAINT, "status": "solved", "comment": {"body": "x", "public": false}}});
    let r = env.post("/api/v2/tickets", complaint.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"], "RecordInvalid");
    assert_eq!(
        r.body["details"]["base"][0]["ticket_field_id"],
        field_ids::ESCALATION_LEVEL
    );
    assert_eq!(r.body["details"]["base"][0]["error"], "BlankValue");

    let mut ok = complaint.clone();
    ok["ticket"]["custom_fields"] =
        json!([{"id": field_ids::ESCALATION_LEVEL, "value": "level_2"}]);
    assert_eq!(
        env.post("/api/v2/tickets", ok).await.status,
        StatusCode::CREATED
    );

    // A conditional child (refund amount when a refund is requested) is required on solved.
    let id = env.create_ticket(json!({"ticket_form_id": form_ids::ESCALATION, "comment": {"body": "x", "public": false},
        "custom_fields": [{"id": field_ids::REFUND_REQUESTED, "value": true}]})).await;
    let r = env
        .put(
            &format!("/api/v2/tickets/{id}"),
            json!({"ticket": {"status": "solved"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["details"]["base"][0]["ticket_field_id"],
        field_ids::REFUND_AMOUNT
    );
    let r = env
        .put(&format!("/api/v2/tickets/{id}"), json!({"ticket": {"status": "solved", "custom_fields": [{"id": field_ids::REFUND_AMOUNT, "value": "12.50"}]}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // Solved without an assignee: assigned to the API user by default.
    assert_eq!(
        c.ticket(id).unwrap().assignee_id,
        Some(iadvize_zendesk_sandbox::ADMIN_ID)
    );

    // The switch turns the required-field rule off.
    c.update_switches(|s| s.required_fields_on_solve = false);
    assert_eq!(
        env.post("/api/v2/tickets", complaint).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn solving_without_an_assignee_can_be_refused() {
    let env = start().await;
    env.sandbox
        .control()
        .update_switches(|s| s.solve_without_assignee = SolveWithoutAssignee::Reject);
    let r = env.post("/api/v2/tickets", json!({"ticket": {"status": "solved", "ticket_form_id": form_ids::ARCHIVE, "comment": {"body": "x"}}})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["details"]["assignee"][0]["error"], "BlankValue");
    let r = env
        .post(
            "/api/v2/tickets",
            json!({"ticket": {"status": "solved", "assignee_id": iadvize_zendesk_sandbox::AGENT_ID,
            "ticket_form_id": form_ids::ARCHIVE, "comment": {"body": "x"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn invalid_custom_field_values_are_refused() {
    let env = start().await;
    for (field, value) in [
        (field_ids::ORDER_NUMBER, json!("twelve")),
        (field_ids::CONTACT_REASON, json!("not_an_option")),
        (field_ids::CUSTOMER_REFERENCE, json!("abc-12")),
        (field_ids::FOLLOW_UP_DATE, json!("31/12/2026")),
        (field_ids::PRODUCTS, json!(["shoes", "boats"])),
        (field_ids::REFUND_REQUESTED, json!("yes")),
    ] {
        let r = env.post("/api/v2/tickets", json!({"ticket": {"comment": {"body": "x"}, "custom_fields": [{"id": field, "value": value}]}})).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field} {value}"
        );
        assert_eq!(r.body["details"]["base"][0]["ticket_field_id"], field);
    }
    let id = env
        .create_ticket(json!({"comment": {"body": "x"}, "custom_fields": [
            {"id": field_ids::ORDER_NUMBER, "value": 4471}, {"id": field_ids::CARD, "value": "4111 1111 1111 1234"},
            {"id": field_ids::PRODUCTS, "value": ["shoes"]}, {"id": field_ids::FOLLOW_UP_DATE, "value": "2026-12-15"},
            {"id": 1, "value": "unknown field ids are ignored"}]}))
        .await;
    let t = env.sandbox.control().ticket(id).unwrap();
    assert_eq!(t.field(field_ids::ORDER_NUMBER), Some(&json!("4471")));
    assert_eq!(t.field(field_ids::CARD), Some(&json!("XXXXXXXXXXXX1234")));
    assert!(t.tags.contains(&"shoes".to_string()));
}

#[tokio::test]
async fn tickets_are_listed_by_external_id_duplicates_included() {
    let env = start().await;
    for _ in 0..2 {
        env.create_ticket(
            json!({"external_id": "sd-5201:dup", "comment": {"body": "x", "public": false}}),
        )
        .await;
    }
    env.create_ticket(json!({"external_id": "other", "comment": {"body": "x", "public": false}}))
        .await;
    let r = env.get("/api/v2/tickets?external_id=sd-5201:dup").await;
    assert_eq!(r.body["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["count"], 2);
    assert_eq!(
        env.get("/api/v2/tickets/999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        env.get("/api/v2/tickets.json?external_id=other").await.body["count"],
        1
    );
}

#[tokio::test]
async fn safe_update_with_a_stale_stamp_conflicts() {
    let env = start().await;
    let id = env
        .create_ticket(json!({"comment": {"body": "x", "public": false}}))
        .await;
    let r = env.put(&format!("/api/v2/tickets/{id}"), json!({"ticket": {"safe_update": true, "updated_stamp": "2000-01-01T00:00:00Z", "subject": "s"}})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let stamp =
        env.get(&format!("/api/v2/tickets/{id}")).await.body["ticket"]["updated_at"].clone();
    let r = env
        .put(
            &format!("/api/v2/tickets/{id}"),
            json!({"ticket": {"safe_update": true, "updated_stamp": stamp, "subject": "s"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}
