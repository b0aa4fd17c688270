//! Ticket forms, ticket fields (cursor pagination) and triggers.

use crate::common::*;
use iadvize_zendesk_sandbox::{FILLER_FIELDS, Plan, field_ids, form_ids};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;

#[tokio::test]
async fn forms_list_show_and_show_many() {
    let env = start().await;
    let r = env
        .zd(Method::GET, "/api/v2/ticket_forms", Some(&agent()), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let forms = r.body["ticket_forms"].as_array().unwrap();
    assert!(forms.len() >= 4);
    let escalation = forms
        .iter()
        .find(|f| f["id"] == form_ids::ESCALATION)
        .unwrap();
    let ids: Vec<i64> = escalation["ticket_field_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    for f in [
        field_ids::IADVIZE_AGENT,
        field_ids::IADVIZE_COUNTRY,
        field_ids::IADVIZE_CAMPAIGN,
    ] {
        assert!(ids.contains(&f));
    }
    let cond = &escalation["agent_conditions"][0];
    assert_eq!(cond["parent_field_id"], field_ids::REFUND_REQUESTED);
    assert_eq!(
        cond["child_fields"][0]["required_on_statuses"]["statuses"][0],
        "solved"
    );
    assert_eq!(forms.iter().filter(|f| f["default"] == true).count(), 1);

    let one = env
        .get(&format!("/api/v2/ticket_forms/{}", form_ids::COMPLAINT))
        .await;
    assert_eq!(one.body["ticket_form"]["name"], "Complaint");
    let many = env
        .get(&format!(
            "/api/v2/ticket_forms/show_many?ids={},{}",
            form_ids::DEFAULT,
            form_ids::ARCHIVE
        ))
        .await;
    assert_eq!(many.body["ticket_forms"].as_array().unwrap().len(), 2);
    let active = env.get("/api/v2/ticket_forms?active=true").await;
    assert!(
        active.body["ticket_forms"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["active"] == true)
    );
}

#[tokio::test]
async fn a_plan_without_forms_answers_403_with_an_object_error() {
    let env = start().await;
    env.sandbox.control().set_plan(Plan::Team);
    let r = env.get("/api/v2/ticket_forms").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["error"]["title"], "Forbidden");
    assert!(r.body["error"]["message"].is_string());
    // Without forms, a ticket's form id is ignored.
    let id = env
        .create_ticket(
            serde_json::json!({"ticket_form_id": form_ids::COMPLAINT, "comment": {"body": "x"}}),
        )
        .await;
    assert_eq!(
        env.sandbox.control().ticket(id).unwrap().ticket_form_id,
        None
    );
    // The override gives forms back on the same plan.
    env.sandbox.control().set_ticket_forms(Some(true));
    assert_eq!(env.get("/api/v2/ticket_forms").await.status, StatusCode::OK);
}

#[tokio::test]
async fn ticket_fields_page_by_cursor_and_cover_every_type() {
    let env = start().await;
    let all = env.get("/api/v2/ticket_fields").await;
    let all = all.body["ticket_fields"].as_array().unwrap().clone();
    assert!(all.len() > 100, "needs several pages of 100");
    assert!(all.len() >= FILLER_FIELDS + 20);

    let mut seen: Vec<Value> = Vec::new();
    let mut path = "/api/v2/ticket_fields?page[size]=100".to_string();
    let mut pages = 0;
    loop {
        let r = env.get(&path).await;
        assert_eq!(r.status, StatusCode::OK);
        pages += 1;
        seen.extend(r.body["ticket_fields"].as_array().unwrap().iter().cloned());
        if r.body["meta"]["has_more"] != true {
            assert!(r.body["links"]["next"].is_null());
            break;
        }
        let next = r.body["links"]["next"].as_str().unwrap();
        path = next
            .strip_prefix(&env.sandbox.zendesk_url())
            .unwrap()
            .to_string();
    }
    assert_eq!(pages, 2);
    let ids: BTreeSet<i64> = seen.iter().map(|f| f["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), all.len(), "no duplicates, nothing missing");

    let types: BTreeSet<&str> = all.iter().map(|f| f["type"].as_str().unwrap()).collect();
    for t in [
        "text",
        "textarea",
        "checkbox",
        "date",
        "integer",
        "decimal",
        "regexp",
        "tagger",
        "multiselect",
        "lookup",
        "partialcreditcard",
        "subject",
        "description",
        "status",
        "tickettype",
        "priority",
        "group",
        "assignee",
        "custom_status",
    ] {
        assert!(types.contains(t), "missing type {t}");
    }
    let titles: Vec<&str> = all.iter().map(|f| f["title"].as_str().unwrap()).collect();
    for t in ["iAdvize Agent", "iAdvize Country", "iAdvize Campaign"] {
        assert!(titles.contains(&t));
    }
    let regexp = all.iter().find(|f| f["type"] == "regexp").unwrap();
    assert!(regexp["regexp_for_validation"].is_string());
    let tagger = all
        .iter()
        .find(|f| f["id"] == field_ids::CONTACT_REASON)
        .unwrap();
    assert!(
        tagger["custom_field_options"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["default"] == true)
    );

    let one = env
        .get(&format!("/api/v2/ticket_fields/{}", field_ids::PRODUCTS))
        .await;
    assert_eq!(one.body["ticket_field"]["type"], "multiselect");
    assert_eq!(
        env.get("/api/v2/ticket_fields/1").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn triggers_are_listed_with_the_defaults() {
    let env = start().await;
    let all = env.get("/api/v2/triggers").await;
    let titles: Vec<&str> = all.body["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Notify requester of received request"));
    assert!(titles.contains(&"Notify all agents of received request"));
    let active = env.get("/api/v2/triggers/active").await;
    assert!(active.body["triggers"].as_array().unwrap().len() < titles.len());
    assert!(
        active.body["triggers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["active"] == true)
    );
}
