//! oas-check against the repository's real Zendesk document and its published examples.

use oas_check::Oas;
use serde_json::json;

#[test]
fn finds_operations_by_template_or_concrete_path() {
    let oas = Oas::load();
    let op = oas
        .operation("POST", "/api/v2/tickets/create_many")
        .unwrap();
    assert_eq!(op.operation_id, Some("TicketsCreateMany"));
    let op = oas
        .operation("put", "https://x.zendesk.com/api/v2/tickets/42.json?a=b")
        .unwrap();
    assert_eq!(op.template, "/api/v2/tickets/{ticket_id}");
    assert_eq!(op.operation_id, Some("UpdateTicket"));
    let op = oas.operation("GET", "/api/v2/tickets/{ticket_id}").unwrap();
    assert_eq!(op.operation_id, Some("ShowTicket"));
    assert!(oas.operation("GET", "/api/v2/no_such_thing").is_none());
    assert!(oas.operation("PATCH", "/api/v2/tickets").is_none());
}

#[test]
fn accepts_published_examples() {
    let oas = Oas::load();
    let show = json!({"ticket": {"id": 35436, "status": "open", "subject": "Help", "requester_id": 1,
        "custom_fields": [{"id": 27642, "value": "745"}], "tags": ["a"], "via": {"channel": "web"},
        "created_at": "2009-07-20T22:55:29Z", "due_at": null}});
    oas.validate_response("GET", "/api/v2/tickets/35436", 200, &show)
        .unwrap();
    let job = json!({"job_status": {"id": "dd93", "url": "https://e/api/v2/job_statuses/dd93", "total": 2,
        "progress": 2, "status": "completed", "message": "Completed", "results": [{"id": 244, "index": 0}]}});
    oas.validate_response("GET", "/api/v2/job_statuses/dd93", 200, &job)
        .unwrap();
    oas.validate_request(
        "POST",
        "/api/v2/tickets",
        &json!({"ticket": {"comment": {"body": "x", "public": false},
        "priority": "urgent", "subject": "s", "custom_fields": [{"id": 1, "value": "v"}]}}),
    )
    .unwrap();
}

#[test]
fn rejects_wrong_types_nulls_and_read_only_properties() {
    let oas = Oas::load();
    let bad = json!({"ticket": {"id": "not-a-number", "subject": 12}});
    let errors = oas
        .validate_response("GET", "/api/v2/tickets/1", 200, &bad)
        .unwrap_err();
    assert!(
        errors.iter().any(|e| e.contains("$.ticket.id")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("$.ticket.subject")),
        "{errors:?}"
    );

    // `created_at` is read-only on TicketObject; sending it on create is a client bug.
    let errors = oas
        .validate_request(
            "POST",
            "/api/v2/tickets",
            &json!({"ticket": {"created_at": "2020-01-01T00:00:00Z",
            "comment": {"body": "x"}}}),
        )
        .unwrap_err();
    assert!(errors.iter().any(|e| e.contains("read-only")), "{errors:?}");

    // A non-nullable integer given null.
    let errors = oas
        .validate_response(
            "GET",
            "/api/v2/job_statuses/x",
            200,
            &json!({"job_status": {"id": null}}),
        )
        .unwrap_err();
    assert!(errors.iter().any(|e| e.contains("null")), "{errors:?}");
}

#[test]
fn reports_undocumented_statuses_and_missing_bodies() {
    let oas = Oas::load();
    assert!(oas.documents_response("POST", "/api/v2/tickets", 201));
    assert!(!oas.documents_response("POST", "/api/v2/tickets", 429));
    let e = oas
        .validate_response("POST", "/api/v2/tickets", 429, &json!({}))
        .unwrap_err();
    assert!(e[0].contains("429"), "{e:?}");
    let e = oas
        .validate_request("GET", "/api/v2/tickets", &json!({}))
        .unwrap_err();
    assert!(e[0].contains("no request body"), "{e:?}");
}

#[test]
fn validates_named_components() {
    let oas = Oas::load();
    oas.validate_component(
        "Error",
        &json!({"code": "InvalidPaginationDepth", "title": "Too deep"}),
    )
    .unwrap();
    let e = oas
        .validate_component("Error", &json!({"title": "no code"}))
        .unwrap_err();
    assert!(e[0].contains("code"), "{e:?}");
}
