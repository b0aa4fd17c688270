//! Ticket Import API (admins only; no triggers; timestamps kept) and job statuses.

use super::auth::{Identity, Need, require};
use super::errors::ApiError;
use super::http::{Params, offset_page, parse_body, root};
use super::model::{CreatedVia, JobKind, User};
use crate::shared::Shared;
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

type R = Result<Response, ApiError>;

/// `POST /api/v2/imports/tickets` → 201 `{ticket}`.
pub async fn import_one(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    body: Bytes,
) -> R {
    let caller = require(&id, Need::Admin)?;
    let body = parse_body(&body)?;
    let input = root(&body, "ticket")?.clone();
    sh.with_zd(|zd, ctx| {
        let (tid, _) = zd.create_ticket(ctx, &caller, &input, CreatedVia::Import)?;
        let t = &zd.tickets[&tid];
        Ok((
            StatusCode::CREATED,
            Json(json!({"ticket": zd.ticket_json(t, ctx.base)})),
        )
            .into_response())
    })
}

/// `POST /api/v2/imports/tickets/create_many` → 200 `{job_status}`.
pub async fn import_many(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    body: Bytes,
) -> R {
    let caller = require(&id, Need::Admin)?;
    enqueue(
        &sh,
        &caller,
        &parse_body(&body)?,
        "bulk_import_tickets",
        JobKind::ImportTickets,
    )
}

/// Shared by every bulk endpoint (`tickets/create_many`, the bulk import, `users/create_many`):
/// 1 to 100 items under the root key (`tickets` or `users`), else 400; at most 30 jobs queued
/// or working, else 429 TooManyJobs.
pub fn enqueue(sh: &Shared, caller: &User, body: &Value, job_type: &str, kind: JobKind) -> R {
    let key = match kind {
        JobKind::CreateUsers => "users",
        JobKind::CreateTickets | JobKind::ImportTickets => "tickets",
    };
    let items = root(body, key)?.as_array().cloned().ok_or_else(|| {
        ApiError::bad_request("InvalidValue", &format!("`{key}` must be an array"))
    })?;
    if items.is_empty() || items.len() > 100 {
        return Err(ApiError::bad_request(
            "InvalidValue",
            &format!("Between 1 and 100 {key} can be sent at once"),
        ));
    }
    sh.with_zd(|zd, ctx| {
        let job = zd.enqueue_job(ctx, caller, job_type, items, kind)?;
        Ok(Json(json!({"job_status": job.to_json(ctx.base)})).into_response())
    })
}

pub async fn show_job(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Path(job_id): Path<String>,
) -> R {
    require(&id, Need::Agent)?;
    sh.with_zd(|zd, ctx| {
        zd.jobs
            .iter()
            .find(|j| j.id == job_id)
            .map(|j| Json(json!({"job_status": j.to_json(ctx.base)})).into_response())
    })
    .ok_or_else(ApiError::not_found)
}

pub async fn show_many_jobs(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    require(&id, Need::Agent)?;
    let ids: Vec<String> = q
        .get("ids")
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
        .unwrap_or_default();
    let jobs: Vec<Value> = sh.with_zd(|zd, ctx| {
        zd.jobs
            .iter()
            .filter(|j| ids.contains(&j.id))
            .map(|j| j.to_json(ctx.base))
            .collect()
    });
    Ok(Json(json!({"job_statuses": jobs})).into_response())
}

pub async fn list_jobs(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    require(&id, Need::Agent)?;
    let base = sh.zendesk_base().to_string();
    let jobs: Vec<Value> =
        sh.with_zd(|zd, ctx| zd.jobs.iter().rev().map(|j| j.to_json(ctx.base)).collect());
    let mut page = offset_page(
        jobs,
        "job_statuses",
        &q,
        &format!("{base}/api/v2/job_statuses"),
    )?;
    page.as_object_mut().expect("object").remove("count");
    Ok(Json(page).into_response())
}
