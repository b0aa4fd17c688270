//! Ticket forms (plan-gated), ticket fields (cursor or unpaginated) and triggers (read-only).

use super::auth::{Identity, Need, require};
use super::errors::ApiError;
use super::http::{Params, cursor_page, ids_param, offset_page, wants_cursor};
use crate::shared::Shared;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

type R = Result<Response, ApiError>;

fn forms_allowed(sh: &Shared, id: &Identity) -> Result<(), ApiError> {
    require(id, Need::Anyone)?;
    if sh.settings().has_ticket_forms() {
        Ok(())
    } else {
        Err(ApiError::forbidden_by_plan())
    }
}

fn parse_id(s: &str) -> Result<i64, ApiError> {
    s.parse().map_err(|_| ApiError::not_found())
}

pub async fn list_forms(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    forms_allowed(&sh, &id)?;
    let active = q.get("active").map(|a| a == "true");
    let forms: Vec<Value> = sh.with_zd(|zd, ctx| {
        let mut forms: Vec<_> = zd
            .forms
            .iter()
            .filter(|f| active.is_none_or(|a| f.active == a))
            .collect();
        forms.sort_by_key(|f| f.position);
        forms.into_iter().map(|f| f.to_json(ctx.base)).collect()
    });
    let count = forms.len();
    Ok(Json(
        json!({"ticket_forms": forms, "next_page": null, "previous_page": null, "count": count}),
    )
    .into_response())
}

pub async fn show_form(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Path(form_id): Path<String>,
) -> R {
    forms_allowed(&sh, &id)?;
    let form_id = parse_id(&form_id)?;
    sh.with_zd(|zd, ctx| {
        zd.form(form_id)
            .map(|f| Json(json!({"ticket_form": f.to_json(ctx.base)})).into_response())
    })
    .ok_or_else(ApiError::not_found)
}

pub async fn show_many_forms(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    forms_allowed(&sh, &id)?;
    let ids = ids_param(&q, "ids");
    if ids.len() > 100 {
        return Err(ApiError::bad_request("InvalidValue", "At most 100 ids"));
    }
    let forms: Vec<Value> = sh.with_zd(|zd, ctx| {
        ids.iter()
            .filter_map(|i| zd.form(*i))
            .map(|f| f.to_json(ctx.base))
            .collect()
    });
    Ok(Json(json!({"ticket_forms": forms})).into_response())
}

/// `GET /api/v2/ticket_fields`: cursor pagination (by id) with `page[size]`, otherwise all
/// fields ordered by position (facts §7).
pub async fn list_fields(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    require(&id, Need::Anyone)?;
    let base = sh.zendesk_base().to_string();
    let mut fields: Vec<(i64, i64, Value)> = sh.with_zd(|zd, _| {
        zd.fields
            .iter()
            .map(|f| (f.id, f.position, f.to_json(&base)))
            .collect()
    });
    if wants_cursor(&q) {
        let items = fields.into_iter().map(|(id, _, v)| (id, v)).collect();
        return Ok(Json(cursor_page(
            items,
            "ticket_fields",
            &q,
            &format!("{base}/api/v2/ticket_fields"),
        )?)
        .into_response());
    }
    fields.sort_by_key(|(id, pos, _)| (*pos, *id));
    let count = fields.len();
    let list: Vec<Value> = fields.into_iter().map(|(_, _, v)| v).collect();
    Ok(Json(
        json!({"ticket_fields": list, "next_page": null, "previous_page": null, "count": count}),
    )
    .into_response())
}

pub async fn show_field(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Path(field_id): Path<String>,
) -> R {
    require(&id, Need::Anyone)?;
    let field_id = parse_id(&field_id)?;
    sh.with_zd(|zd, ctx| {
        zd.field(field_id)
            .map(|f| Json(json!({"ticket_field": f.to_json(ctx.base)})).into_response())
    })
    .ok_or_else(ApiError::not_found)
}

async fn triggers(sh: Arc<Shared>, id: Identity, q: Params, only_active: bool) -> R {
    require(&id, Need::Agent)?;
    let base = sh.zendesk_base().to_string();
    let list: Vec<Value> = sh.with_zd(|zd, ctx| {
        let mut ts: Vec<_> = zd
            .triggers
            .iter()
            .filter(|t| !only_active || t.active)
            .collect();
        ts.sort_by_key(|t| t.position);
        ts.into_iter().map(|t| t.to_json(ctx.base)).collect()
    });
    let path = if only_active {
        "/api/v2/triggers/active"
    } else {
        "/api/v2/triggers"
    };
    Ok(Json(offset_page(list, "triggers", &q, &format!("{base}{path}"))?).into_response())
}

pub async fn list_triggers(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    triggers(sh, id, q, false).await
}

pub async fn active_triggers(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    triggers(sh, id, q, true).await
}
