//! Organizations and custom object records, read only: the sandbox seeds a few so lookup fields
//! pointing at them can be searched (`GET /organizations/autocomplete`,
//! `/custom_objects/{key}/records/autocomplete`).

use super::auth::{Identity, Need, require};
use super::errors::ApiError;
use super::http::{Params, autocomplete_limits};
use crate::shared::Shared;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// `GET /api/v2/organizations/autocomplete?name=` (agents): organizations whose name starts
/// with `name`, by name, in one page of up to 100. A lookup field's `field_id` is accepted (its
/// filter is not simulated). Without `name`: 400.
pub async fn autocomplete_organizations(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Query(q): Query<Params>,
) -> Result<Response, ApiError> {
    require(&id, Need::Agent)?;
    let name = q
        .get("name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("InvalidValue", "name is required"))?;
    // Offset pagination: one page of up to 100 here.
    let per_page = autocomplete_limits(&q, "per_page")?;
    let base = sh.zendesk_base().to_string();
    let organizations: Vec<Value> = sh.with_zd(|zd, _| {
        zd.autocomplete_organizations(name)
            .into_iter()
            .take(per_page)
            .map(|(id, name)| {
                json!({
                    "id": id,
                    "name": name,
                    "url": format!("{base}/api/v2/organizations/{id}.json"),
                    "domain_names": [],
                    "tags": [],
                })
            })
            .collect()
    });
    Ok(Json(json!({
        "count": organizations.len(),
        "organizations": organizations,
        "next_page": null,
        "previous_page": null,
    }))
    .into_response())
}

/// `GET /api/v2/custom_objects/{key}/records/autocomplete?name=` (agents): records whose name
/// starts with `name`, by name, `page[size]` 1 to 100 (default 100), one page (cursor meta
/// says there is no more). Unknown object: 404.
pub async fn autocomplete_custom_object_records(
    State(sh): State<Arc<Shared>>,
    Extension(id): Extension<Identity>,
    Path(key): Path<String>,
    Query(q): Query<Params>,
) -> Result<Response, ApiError> {
    require(&id, Need::Agent)?;
    let size = autocomplete_limits(&q, "page[size]")?;
    let name = q.get("name").cloned().unwrap_or_default();
    let base = sh.zendesk_base().to_string();
    let records: Vec<Value> = sh
        .with_zd(|zd, _| {
            zd.autocomplete_custom_object_records(&key, &name).map(|found| {
                found
                    .into_iter()
                    .take(size)
                    .map(|(id, name)| {
                        json!({
                            "id": id,
                            "name": name,
                            "custom_object_key": key,
                            "url": format!("{base}/api/v2/custom_objects/{key}/records/{id}.json"),
                            "custom_object_fields": {},
                        })
                    })
                    .collect()
            })
        })
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(json!({
        "custom_object_records": records,
        "meta": {"has_more": false, "after_cursor": null, "before_cursor": null},
        "links": {"prev": null, "next": null},
    }))
    .into_response())
}
