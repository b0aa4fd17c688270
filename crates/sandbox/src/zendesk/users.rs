//! Users: `me` lives in auth.rs; here search, show, show_many, create, create_or_update,
//! create_many (a bulk job, run in state.rs), and the general search API (with its indexing
//! delay).

use super::auth::{Identity, Need, require};
use super::errors::ApiError;
use super::http::{Params, autocomplete_limits, ids_param, offset_page, parse_body, root};
use super::model::{Role, User};
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

pub async fn search_users(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    require(&id, Need::Agent)?;
    let base = sh.zendesk_base().to_string();
    let users: Vec<Value> = sh.with_zd(|zd, _| {
        if let Some(ext) = q.get("external_id") {
            let _ = ext; // the sandbox's users have no external ids
            return vec![];
        }
        zd.search_users(q.get("query").map_or("", String::as_str))
            .into_iter()
            .map(|u| u.to_json(&base))
            .collect()
    });
    Ok(Json(offset_page(
        users,
        "users",
        &q,
        &format!("{base}/api/v2/users/search"),
    )?)
    .into_response())
}

/// `GET /api/v2/users/autocomplete?name=` (agents): users whose name starts with `name`, at
/// most `per_page` (1..=100). A lookup field's `field_id` is accepted (its filter is not
/// simulated). Without `name` (or `phone`, not simulated): 400.
pub async fn autocomplete_users(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    require(&id, Need::Agent)?;
    let name = q
        .get("name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("InvalidValue", "You must specify either name or phone"))?;
    let per_page = autocomplete_limits(&q, "per_page")?;
    let base = sh.zendesk_base().to_string();
    let users: Vec<Value> = sh.with_zd(|zd, _| {
        zd.autocomplete_users(name)
            .into_iter()
            .take(per_page)
            .map(|u| u.to_json(&base))
            .collect()
    });
    Ok(Json(json!({"users": users, "next_page": null, "previous_page": null, "count": users.len()})).into_response())
}

pub async fn show_user(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Path(user_id): Path<String>,
) -> R {
    require(&id, Need::Agent)?;
    let user_id: i64 = user_id.parse().map_err(|_| ApiError::not_found())?;
    let base = sh.zendesk_base().to_string();
    sh.with_zd(|zd, _| {
        zd.users
            .get(&user_id)
            .map(|u| Json(json!({"user": u.to_json(&base)})).into_response())
    })
    .ok_or_else(ApiError::not_found)
}

pub async fn show_many_users(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    require(&id, Need::Agent)?;
    let ids = ids_param(&q, "ids");
    if ids.len() > 100 {
        return Err(ApiError::bad_request("InvalidValue", "At most 100 ids"));
    }
    let base = sh.zendesk_base().to_string();
    let users: Vec<Value> = sh.with_zd(|zd, _| {
        ids.iter()
            .filter_map(|i| zd.users.get(i))
            .map(|u| u.to_json(&base))
            .collect()
    });
    Ok(Json(
        json!({"users": users, "next_page": null, "previous_page": null, "count": users.len()}),
    )
    .into_response())
}

fn parse_role(v: &Value) -> Role {
    match v.as_str() {
        Some("admin") => Role::Admin,
        Some("agent") => Role::Agent,
        _ => Role::EndUser,
    }
}

pub async fn create_user(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    body: Bytes,
) -> R {
    let caller = require(&id, Need::FullAgent)?;
    let body = parse_body(&body)?;
    let input = root(&body, "user")?.clone();
    let email = input["email"].as_str().map(str::to_string);
    let role = parse_role(&input["role"]);
    if role != Role::EndUser && caller.role != Role::Admin {
        return Err(ApiError::forbidden());
    }
    let name = input["name"].as_str().unwrap_or("").to_string();
    if name.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "name",
            "Name: is too short (minimum is 1 character)".into(),
            "TooShort",
        ));
    }
    sh.with_zd(|zd, ctx| {
        if let Some(e) = &email
            && zd.user_by_email(e).is_some()
        {
            return Err(ApiError::record_invalid(
                json!({"email": [{"description": format!("Email: {e} is already being used by another user"), "error": "DuplicateValue"}]}),
            ));
        }
        let uid = match &email {
            Some(e) => zd.create_end_user(ctx, Some(&name), e),
            None => {
                let uid = zd.next_user_id;
                zd.next_user_id += 1;
                zd.insert_user(User {
                    id: uid, name: name.clone(), email: None, role, api_token: None, verified: false,
                    created_at: ctx.now, updated_at: ctx.now,
                    indexed_at: ctx.now + chrono::Duration::seconds(ctx.switches.search_indexing_delay_secs as i64),
                });
                uid
            }
        };
        let u = zd.users.get_mut(&uid).expect("just created");
        u.role = role;
        Ok((StatusCode::CREATED, Json(json!({"user": u.to_json(ctx.base)}))).into_response())
    })
}

/// `POST /users/create_or_update`: matched by e-mail; 201 created, 200 updated (facts §5).
pub async fn create_or_update_user(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    body: Bytes,
) -> R {
    require(&id, Need::Admin)?;
    let body = parse_body(&body)?;
    let input = root(&body, "user")?.clone();
    let email = input["email"]
        .as_str()
        .filter(|e| e.contains('@'))
        .ok_or_else(|| {
            ApiError::invalid_field("email", "Email: is invalid".into(), "InvalidValue")
        })?
        .to_string();
    let name = input["name"].as_str().map(str::to_string);
    sh.with_zd(|zd, ctx| {
        if let Some(existing) = zd.user_by_email(&email).map(|u| u.id) {
            let u = zd.users.get_mut(&existing).expect("indexed user exists");
            if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
                u.name = n;
                u.updated_at = ctx.now;
            }
            return Ok(Json(json!({"user": u.to_json(ctx.base)})).into_response());
        }
        let uid = zd.create_end_user(ctx, name.as_deref(), &email);
        let u = &zd.users[&uid];
        Ok((
            StatusCode::CREATED,
            Json(json!({"user": u.to_json(ctx.base)})),
        )
            .into_response())
    })
}

/// `POST /users/create_many` (facts §5, OAS `CreateManyUsers`): 1 to 100 users as a background
/// job, like the bulk ticket endpoints (400 outside 1..=100, TooManyJobs past 30 jobs). Allowed
/// for admins and for agents in custom roles with the permission to manage end users; the
/// sandbox has no custom roles, so admins only (as `create_or_update`). 403 while bulk user
/// imports are not enabled on the account (the `bulk_user_imports_enabled` switch).
pub async fn create_many_users(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    body: Bytes,
) -> R {
    let caller = require(&id, Need::Admin)?;
    if !sh.settings().switches.bulk_user_imports_enabled {
        return Err(ApiError::forbidden());
    }
    super::imports::enqueue(
        &sh,
        &caller,
        &parse_body(&body)?,
        "bulk_create_users",
        super::model::JobKind::CreateUsers,
    )
}

/// `GET /api/v2/search?query=`: offset pages, at most 1,000 results reachable (facts §5).
pub async fn search(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> R {
    require(&id, Need::Agent)?;
    let query = q.get("query").cloned().unwrap_or_default();
    if query.trim().is_empty() {
        return Err(ApiError::bad_request("invalid", "Search query is missing"));
    }
    let per_page = q
        .get("per_page")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 100);
    let page = q
        .get("page")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    if page * per_page > 1000 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": "invalid", "description": "Search results are limited to 1,000 records"}),
        ));
    }
    let base = sh.zendesk_base().to_string();
    let results = sh.with_zd(|zd, ctx| zd.search(&query, ctx.now, &base));
    let mut page_json = offset_page(
        results,
        "results",
        &q,
        &format!("{base}/api/v2/search?query={}", urlencode(&query)),
    )?;
    page_json["facets"] = Value::Null;
    Ok(Json(page_json).into_response())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
