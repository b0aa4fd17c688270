//! Small helpers the Zendesk handlers share: body parsing and the two pagination styles.

use super::errors::ApiError;
use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Value, json};
use std::collections::HashMap;

pub type Params = HashMap<String, String>;

pub fn parse_body(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, json!({"error": "InvalidJSON", "description": format!("Unable to parse the request body: {e}")}))
    })
}

/// The object under `key` (e.g. `ticket`), or 400 as Zendesk answers a missing root key.
pub fn root<'a>(body: &'a Value, key: &str) -> Result<&'a Value, ApiError> {
    body.get(key)
        .filter(|v| v.is_object() || v.is_array())
        .ok_or_else(|| {
            ApiError::bad_request(
                "InvalidValue",
                &format!("Request body must contain `{key}`"),
            )
        })
}

pub fn ids_param(q: &Params, name: &str) -> Vec<i64> {
    q.get(name)
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default()
}

/// Offset pagination: `page`, `per_page` (max 100); `next_page`, `previous_page`, `count`.
/// Past 10,000 records Zendesk answers 400 InvalidPaginationDepth (facts §9).
pub fn offset_page(items: Vec<Value>, key: &str, q: &Params, url: &str) -> Result<Value, ApiError> {
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
    if page * per_page > 10_000 + per_page {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            json!({"errors": [{"code": "InvalidPaginationDepth", "title": "Invalid pagination depth", "detail": "Offset pagination is limited to 10,000 records"}]}),
        ));
    }
    let count = items.len();
    let start = (page - 1) * per_page;
    let slice: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
    let sep = if url.contains('?') { '&' } else { '?' };
    let next = (start + per_page < count)
        .then(|| format!("{url}{sep}page={}&per_page={per_page}", page + 1));
    let prev = (page > 1).then(|| format!("{url}{sep}page={}&per_page={per_page}", page - 1));
    Ok(json!({key: slice, "next_page": next, "previous_page": prev, "count": count}))
}

fn encode_cursor(id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("sandbox:{id}"))
}

fn decode_cursor(c: &str) -> Result<i64, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("sandbox:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "InvalidPaginationParameter",
                "page[after] or page[before] is not a valid cursor",
            )
        })
}

pub fn wants_cursor(q: &Params) -> bool {
    q.contains_key("page[size]") || q.contains_key("page[after]") || q.contains_key("page[before]")
}

/// Cursor pagination over records sorted by id: `page[size]` (max 100), `page[after]`,
/// `page[before]`; answers `meta {has_more, after_cursor, before_cursor}` and `links {next, prev}`.
pub fn cursor_page(
    mut items: Vec<(i64, Value)>,
    key: &str,
    q: &Params,
    url: &str,
) -> Result<Value, ApiError> {
    items.sort_by_key(|(id, _)| *id);
    let size = q
        .get("page[size]")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 100);
    let (page, has_more): (Vec<(i64, Value)>, bool) = if let Some(b) = q.get("page[before]") {
        let before = decode_cursor(b)?;
        let earlier: Vec<_> = items.into_iter().filter(|(id, _)| *id < before).collect();
        let skip = earlier.len().saturating_sub(size);
        (earlier.into_iter().skip(skip).collect(), skip > 0)
    } else {
        let after = q.get("page[after]").map(|a| decode_cursor(a)).transpose()?;
        let later: Vec<_> = items
            .into_iter()
            .filter(|(id, _)| after.is_none_or(|a| *id > a))
            .collect();
        let more = later.len() > size;
        (later.into_iter().take(size).collect(), more)
    };
    let after_cursor = page.last().map(|(id, _)| encode_cursor(*id));
    let before_cursor = page.first().map(|(id, _)| encode_cursor(*id));
    let sep = if url.contains('?') { '&' } else { '?' };
    let next = match (&after_cursor, has_more) {
        (Some(c), true) => Some(format!(
            "{url}{sep}page%5Bafter%5D={c}&page%5Bsize%5D={size}"
        )),
        _ => None,
    };
    let prev = before_cursor
        .as_ref()
        .map(|c| format!("{url}{sep}page%5Bbefore%5D={c}&page%5Bsize%5D={size}"));
    let records: Vec<Value> = page.into_iter().map(|(_, v)| v).collect();
    Ok(json!({
        key: records,
        "meta": {"has_more": has_more, "after_cursor": after_cursor, "before_cursor": before_cursor},
        "links": {"next": next, "prev": prev},
    }))
}

/// The checks the autocomplete endpoints share: a page size `key` of 1 to 100 (default 100),
/// and a lookup field's `field_id`, when given, an integer (its filter is not simulated).
pub fn autocomplete_limits(q: &Params, key: &str) -> Result<usize, ApiError> {
    if let Some(field) = q.get("field_id") {
        field
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request("InvalidValue", "field_id is not a field id"))?;
    }
    match q.get(key) {
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::bad_request("InvalidValue", &format!("{key} must be between 1 and 100"))),
        None => Ok(100),
    }
}
