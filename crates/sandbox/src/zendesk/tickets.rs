//! Tickets API: create (with `Idempotency-Key`), create_many, list by `external_id`, show,
//! update, and comments.

use super::auth::{Identity, Need, require};
use super::errors::ApiError;
use super::http::{Params, cursor_page, offset_page, parse_body, root, wants_cursor};
use super::model::{CreatedVia, Id, ts};
use super::state::{IDEMPOTENCY_TTL_SECS, IdempotentReply};
use crate::shared::Shared;
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

type R = Result<Response, ApiError>;

fn ticket_id(s: &str) -> Result<Id, ApiError> {
    s.parse().map_err(|_| ApiError::not_found())
}

fn with_header(mut r: Response, name: &'static str, value: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
    r
}

/// `POST /api/v2/tickets`. With `Idempotency-Key`: the same key and body within two hours
/// answer the first reply again (`x-idempotency-lookup: hit`) without a new ticket; the same
/// key with another body answers 400 IdempotentRequestError. Only successful creates are
/// remembered (what Zendesk does with failed ones is undocumented). Requests are serialised
/// on the account lock, so concurrent same-key requests also get one ticket.
pub async fn create(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    headers: HeaderMap,
    body: Bytes,
) -> R {
    let caller = require(&id, Need::FullAgent)?;
    let body = parse_body(&body)?;
    let input = root(&body, "ticket")?.clone();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    sh.with_zd(|zd, ctx| {
        if let Some(k) = &key {
            if zd.idempotency.get(k).is_some_and(|e| e.expires_at <= ctx.now) {
                zd.idempotency.remove(k);
            }
            if let Some(e) = zd.idempotency.get(k) {
                if e.request != body {
                    return Err(ApiError::new(StatusCode::BAD_REQUEST, json!({"error": "IdempotentRequestError"})));
                }
                let r = (StatusCode::from_u16(e.status).unwrap_or(StatusCode::CREATED), Json(e.body.clone())).into_response();
                let r = with_header(r, "location", &e.location);
                return Ok(with_header(r, "x-idempotency-lookup", "hit"));
            }
        }
        let (tid, events) = zd.create_ticket(ctx, &caller, &input, CreatedVia::Api)?;
        let t = &zd.tickets[&tid];
        let out = json!({
            "ticket": zd.ticket_json(t, ctx.base),
            "audit": {"id": tid * 7 + 1, "ticket_id": tid, "created_at": ts(ctx.now), "author_id": caller.id,
                      "metadata": {"system": {}, "custom": {}}, "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": null}},
                      "events": events},
        });
        let location = format!("{}/api/v2/tickets/{tid}.json", ctx.base);
        if let Some(k) = &key {
            zd.idempotency.insert(k.clone(), IdempotentReply {
                request: body.clone(),
                status: 201,
                body: out.clone(),
                location: location.clone(),
                expires_at: ctx.now + chrono::Duration::seconds(IDEMPOTENCY_TTL_SECS),
            });
        }
        let r = with_header((StatusCode::CREATED, Json(out)).into_response(), "location", &location);
        Ok(if key.is_some() { with_header(r, "x-idempotency-lookup", "miss") } else { r })
    })
}

/// `POST /api/v2/tickets/create_many`: up to 100, as a background job (triggers run).
pub async fn create_many(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    body: Bytes,
) -> R {
    let caller = require(&id, Need::FullAgent)?;
    super::imports::enqueue(
        &sh,
        &caller,
        &parse_body(&body)?,
        "bulk_create_tickets",
        super::model::JobKind::CreateTickets,
    )
}

/// `GET /api/v2/tickets[?external_id=]`: several tickets may share an external id.
pub async fn list(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    require(&id, Need::Agent)?;
    let ext = q.get("external_id").cloned();
    let base = sh.zendesk_base().to_string();
    let items: Vec<(i64, Value)> = sh.with_zd(|zd, _| {
        zd.tickets
            .values()
            .filter(|t| {
                ext.as_ref()
                    .is_none_or(|e| t.external_id.as_ref() == Some(e))
            })
            .map(|t| (t.id, zd.ticket_json(t, &base)))
            .collect()
    });
    let url = format!("{base}/api/v2/tickets");
    let page = if wants_cursor(&q) {
        cursor_page(items, "tickets", &q, &url)?
    } else {
        offset_page(
            items.into_iter().map(|(_, v)| v).collect(),
            "tickets",
            &q,
            &url,
        )?
    };
    Ok(Json(page).into_response())
}

pub async fn show(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Path(tid): Path<String>,
) -> R {
    require(&id, Need::Agent)?;
    let tid = ticket_id(&tid)?;
    sh.with_zd(|zd, ctx| {
        zd.tickets
            .get(&tid)
            .map(|t| Json(json!({"ticket": zd.ticket_json(t, ctx.base)})).into_response())
    })
    .ok_or_else(ApiError::not_found)
}

/// `PUT /api/v2/tickets/{id}` → `{ticket, audit}`.
pub async fn update(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Path(tid): Path<String>,
    body: Bytes,
) -> R {
    let caller = require(&id, Need::Agent)?;
    let tid = ticket_id(&tid)?;
    let body = parse_body(&body)?;
    let input = root(&body, "ticket")?.clone();
    sh.with_zd(|zd, ctx| {
        let events = zd.update_ticket(ctx, &caller, tid, &input)?;
        let t = &zd.tickets[&tid];
        Ok(Json(json!({
            "ticket": zd.ticket_json(t, ctx.base),
            "audit": {"id": tid * 7 + 2, "ticket_id": tid, "created_at": ts(ctx.now), "author_id": caller.id,
                      "metadata": {"system": {}, "custom": {}}, "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": null}},
                      "events": events},
        }))
        .into_response())
    })
}

/// `GET /api/v2/tickets/{id}/comments`: cursor (`page[size]`) or offset pages, oldest first.
pub async fn comments(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Path(tid): Path<String>,
    Query(q): Query<Params>,
) -> R {
    require(&id, Need::Agent)?;
    let tid = ticket_id(&tid)?;
    let base = sh.zendesk_base().to_string();
    let items: Vec<(i64, Value)> = sh
        .with_zd(|zd, _| {
            zd.tickets
                .get(&tid)
                .map(|t| t.comments.iter().map(|c| (c.id, c.to_json())).collect())
        })
        .ok_or_else(ApiError::not_found)?;
    let url = format!("{base}/api/v2/tickets/{tid}/comments");
    let page = if wants_cursor(&q) {
        cursor_page(items, "comments", &q, &url)?
    } else {
        offset_page(
            items.into_iter().map(|(_, v)| v).collect(),
            "comments",
            &q,
            &url,
        )?
    };
    Ok(Json(page).into_response())
}
