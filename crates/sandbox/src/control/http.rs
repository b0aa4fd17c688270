//! The control API over HTTP, under `/_sandbox` on the Zendesk listener. Not authenticated,
//! not counted, not rate-limited, never faulted.
//!
//! | Route | |
//! |---|---|
//! | `GET /_sandbox/info` | base URLs, credentials, seeded sites, sandbox time |
//! | `GET /_sandbox/tickets[?external_id=]`, `GET /_sandbox/tickets/{id}` | [`TicketView`]s |
//! | `GET /_sandbox/ticket_summaries` | every ticket as a [`TicketSummary`](super::TicketSummary) (no comment text) |
//! | `GET /_sandbox/users[?email=]` | [`UserView`]s |
//! | `GET /_sandbox/emails` | e-mails sent by triggers |
//! | `GET /_sandbox/jobs` | job statuses |
//! | `GET /_sandbox/requests` | counts per endpoint and status |
//! | `POST /_sandbox/reset` | back to the seeded data |
//! | `GET`/`PUT /_sandbox/plan` | `{"plan":"team"}`, optionally `"ticket_forms": false` |
//! | `GET`/`POST`/`DELETE /_sandbox/faults` | a [`FaultRule`] as JSON |
//! | `PUT /_sandbox/latency` | `{"kind":"fixed","ms":50}` / `{"kind":"uniform","min_ms":..,"max_ms":..}` / `{"kind":"log_normal","median_ms":..,"p95_ms":..}` / `{"kind":"none"}` |
//! | `GET`/`PATCH /_sandbox/switches` | the switches; PATCH merges the given keys |
//! | `GET`/`PUT /_sandbox/live` | `{"per_minute": 30.0}` or `{"per_minute": null}` |
//! | `GET /_sandbox/clock`, `POST /_sandbox/clock/advance` | `{"seconds": 3600}` |
//! | `PUT /_sandbox/settings` | `{"rate_limit_window_ms": 1000, "job_duration_ms": 0, "reported_second_ms": 100}` (any) |

use super::{Control, TicketView, UserView};
use crate::config::{Latency, Plan, Switches};
use crate::faults::FaultRule;
use crate::shared::Shared;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) fn router(sh: Arc<Shared>) -> Router {
    Router::new()
        .route("/_sandbox/info", get(info))
        .route("/_sandbox/tickets", get(tickets))
        .route("/_sandbox/tickets/{id}", get(ticket))
        .route(
            "/_sandbox/ticket_summaries",
            get(|State(c): State<Control>| async move { Json(c.ticket_summaries()) }),
        )
        .route("/_sandbox/users", get(users))
        .route(
            "/_sandbox/emails",
            get(|State(c): State<Control>| async move { Json(c.emails()) }),
        )
        .route(
            "/_sandbox/jobs",
            get(|State(c): State<Control>| async move { Json(c.jobs()) }),
        )
        .route(
            "/_sandbox/requests",
            get(|State(c): State<Control>| async move { Json(c.requests()) }),
        )
        .route(
            "/_sandbox/reset",
            post(|State(c): State<Control>| async move {
                c.reset();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/_sandbox/plan",
            get(|State(c): State<Control>| async move {
                Json(json!({"plan": c.plan(), "ticket_forms": c.has_ticket_forms()}))
            })
            .put(set_plan),
        )
        .route(
            "/_sandbox/faults",
            get(|State(c): State<Control>| async move { Json(c.faults()) })
                .post(add_fault)
                .delete(clear_faults),
        )
        .route("/_sandbox/latency", put(set_latency))
        .route(
            "/_sandbox/switches",
            get(|State(c): State<Control>| async move { Json(c.switches()) }).patch(patch_switches),
        )
        .route(
            "/_sandbox/live",
            get(|State(c): State<Control>| async move { Json(json!({"per_minute": c.live()})) })
                .put(set_live),
        )
        .route("/_sandbox/clock", get(clock))
        .route("/_sandbox/clock/advance", post(advance))
        .route("/_sandbox/settings", put(settings))
        .with_state(Control { sh })
}

fn bad(msg: impl ToString) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": msg.to_string()})),
    )
        .into_response()
}

async fn info(State(c): State<Control>) -> Json<Value> {
    Json(crate::info_json(&c.sh))
}

async fn tickets(
    State(c): State<Control>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Vec<TicketView>> {
    Json(match q.get("external_id") {
        Some(e) => c.tickets_by_external_id(e),
        None => c.tickets(),
    })
}

async fn ticket(State(c): State<Control>, Path(id): Path<i64>) -> Response {
    match c.ticket(id) {
        Some(t) => Json(t).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such ticket"})),
        )
            .into_response(),
    }
}

async fn users(
    State(c): State<Control>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Vec<UserView>> {
    Json(match q.get("email") {
        Some(e) => c.user_by_email(e).into_iter().collect(),
        None => c.users(),
    })
}

#[derive(Deserialize)]
struct PlanBody {
    plan: Plan,
    /// Absent: the plan decides whether forms exist.
    #[serde(default)]
    ticket_forms: Option<bool>,
}

async fn set_plan(State(c): State<Control>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<PlanBody>(&body) {
        Ok(p) => {
            c.set_plan(p.plan);
            c.set_ticket_forms(p.ticket_forms);
            Json(json!({"plan": p.plan, "ticket_forms": c.has_ticket_forms()})).into_response()
        }
        Err(e) => bad(e),
    }
}

async fn add_fault(State(c): State<Control>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<FaultRule>(&body) {
        Ok(rule) => {
            c.add_fault(rule);
            (StatusCode::CREATED, Json(c.faults())).into_response()
        }
        Err(e) => bad(e),
    }
}

async fn clear_faults(State(c): State<Control>) -> StatusCode {
    c.clear_faults();
    StatusCode::NO_CONTENT
}

async fn set_latency(State(c): State<Control>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Latency>(&body) {
        Ok(l) => {
            c.set_latency(l);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => bad(e),
    }
}

async fn patch_switches(State(c): State<Control>, body: axum::body::Bytes) -> Response {
    let Ok(Value::Object(patch)) = serde_json::from_slice::<Value>(&body) else {
        return bad("expected a JSON object");
    };
    let mut current = serde_json::to_value(c.switches()).expect("switches serialise");
    for (k, v) in patch {
        if current.get(&k).is_none() {
            return bad(format!("unknown switch `{k}`"));
        }
        current[k] = v;
    }
    match serde_json::from_value::<Switches>(current) {
        Ok(s) => {
            c.set_switches(s.clone());
            Json(s).into_response()
        }
        Err(e) => bad(e),
    }
}

async fn set_live(State(c): State<Control>, Json(body): Json<Value>) -> Response {
    match &body["per_minute"] {
        Value::Null => c.set_live(None),
        v => match v.as_f64() {
            Some(r) if r >= 0.0 => c.set_live(Some(r)),
            _ => return bad("per_minute must be a non-negative number or null"),
        },
    }
    Json(json!({"per_minute": c.live()})).into_response()
}

async fn clock(State(c): State<Control>) -> Json<Value> {
    Json(json!({"now": c.now(), "offset_secs": c.sh.clock.offset().as_secs_f64()}))
}

async fn advance(State(c): State<Control>, Json(body): Json<Value>) -> Response {
    match body["seconds"].as_f64() {
        Some(s) if s >= 0.0 => {
            c.advance(Duration::from_secs_f64(s));
            Json(json!({"now": c.now()})).into_response()
        }
        _ => bad("seconds must be a non-negative number"),
    }
}

async fn settings(State(c): State<Control>, Json(body): Json<Value>) -> Response {
    if let Some(ms) = body["rate_limit_window_ms"].as_u64() {
        if ms == 0 {
            return bad("rate_limit_window_ms must be positive");
        }
        c.set_rate_limit_window(Duration::from_millis(ms));
    }
    if let Some(ms) = body["job_duration_ms"].as_u64() {
        c.set_job_duration(Duration::from_millis(ms));
    }
    if let Some(ms) = body["reported_second_ms"].as_u64() {
        if ms == 0 {
            return bad("reported_second_ms must be positive");
        }
        c.set_reported_second(Duration::from_millis(ms));
    }
    StatusCode::NO_CONTENT.into_response()
}
