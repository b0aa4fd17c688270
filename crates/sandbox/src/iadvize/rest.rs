//! iAdvize REST API v2: operator, visitor, website and (deprecated) conversation resources with
//! the documented envelope (`meta.status` success/fail/error, `data`, `pagination`).
//!
//! Served under `/api/2` (the `ha` platform, like `ha.iadvize.com/api/2`), `/ha/api/2` and
//! `/sd/api/2`; `?platform=sd` also selects `sd`. Undocumented choices: `fail`/`error` come with
//! HTTP 404/400/403 (switchable to 200), conversation `from`/`to` filter on the creation time,
//! and field spellings follow the real example (`operator_answered`, `waiting_list`).

use super::data::{AgentKind, Attachment, Author, Conversation, IaState, Visitor};
use crate::credentials::IADVIZE_REST_API_KEY;
use crate::seed::Platform;
use crate::shared::Shared;
use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

type Params = HashMap<String, String>;

fn envelope_error(sh: &Shared, status: StatusCode, kind: &str, message: &str) -> Response {
    let status = if sh.settings().switches.iadvize_rest_error_http_status {
        status
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(json!({"meta": {"status": kind, "message": message}})),
    )
        .into_response()
}

fn authorized(headers: &HeaderMap, q: &Params) -> bool {
    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) == Some(IADVIZE_REST_API_KEY)
        || q.get("key").map(String::as_str) == Some(IADVIZE_REST_API_KEY)
    {
        return true;
    }
    // HTTP Basic with the key as user name and any password.
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .is_some_and(|s| s.split(':').next() == Some(IADVIZE_REST_API_KEY))
}

fn platform(uri: &OriginalUri, q: &Params) -> Platform {
    if let Some(p) = q.get("platform").and_then(|p| Platform::parse(p)) {
        return p;
    }
    if uri.0.path().starts_with("/sd/") {
        Platform::Sd
    } else {
        Platform::Ha
    }
}

/// Checks the key, then runs `f` with the platform and the iAdvize data.
fn guarded(
    sh: &Shared,
    headers: &HeaderMap,
    uri: &OriginalUri,
    q: &Params,
    f: impl FnOnce(Platform, &IaState) -> Response,
) -> Response {
    if !authorized(headers, q) {
        return envelope_error(sh, StatusCode::FORBIDDEN, "error", "Forbidden");
    }
    let p = platform(uri, q);
    let ia = sh.ia.read().unwrap();
    f(p, &ia)
}

fn filter<'a>(q: &'a Params, name: &str) -> Option<&'a str> {
    q.get(&format!("filters[{name}]")).map(String::as_str)
}

/// `filters[x]=*uli*` widens the match; otherwise exact (case-insensitive).
fn filter_matches(pattern: &str, value: &str) -> bool {
    let (p, v) = (pattern.to_lowercase(), value.to_lowercase());
    match (p.strip_prefix('*'), p.strip_suffix('*')) {
        (Some(_), Some(_)) if p.len() >= 2 => v.contains(p.trim_matches('*')),
        (Some(rest), None) => v.ends_with(rest),
        (None, Some(rest)) => v.starts_with(rest),
        _ => v == p,
    }
}

fn list_response(sh: &Shared, items: Vec<Value>, q: &Params, filters_used: Vec<&str>) -> Response {
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(20);
    if limit == 0 || limit > 100 {
        return envelope_error(
            sh,
            StatusCode::BAD_REQUEST,
            "fail",
            "Parameter 'limit' must be between 1 and 100.",
        );
    }
    let page = q
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let count = items.len();
    let pages = count.div_ceil(limit).max(1);
    let data: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * limit)
        .take(limit)
        .collect();
    let mut meta = json!({"status": "success"});
    if !filters_used.is_empty() {
        meta["filters"] = json!(filters_used);
    }
    Json(json!({"meta": meta, "data": data, "pagination": {"page": page, "pages": pages, "limit": limit, "count": count}})).into_response()
}

fn single(data: Value) -> Response {
    Json(json!({"meta": {"status": "success"}, "data": data})).into_response()
}

fn not_found(sh: &Shared, resource: &str, id: &str) -> Response {
    envelope_error(
        sh,
        StatusCode::NOT_FOUND,
        "fail",
        &format!("Unknown '{resource}' with 'id' {id}."),
    )
}

fn rest_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn operator_json(ia: &IaState, a: &super::data::Agent) -> Value {
    let roles: Vec<&str> = match a.kind {
        AgentKind::Professional => vec!["operator"],
        AgentKind::Expert => vec!["expert"],
        AgentKind::Bot => vec!["operator"],
    };
    let sites: Vec<i64> = ia
        .sites
        .iter()
        .filter(|s| s.platform == a.platform)
        .map(|s| s.id)
        .collect();
    json!({
        "id": a.id, "name": a.last_name, "first_name": a.first_name, "pseudo": a.first_name.clone().unwrap_or_else(|| a.last_name.clone()),
        "email": a.email, "external_id": null, "role": roles[0], "roles": roles,
        "chat_enabled": true, "call_enabled": false, "video_enabled": false, "chat_max_number": 3,
        "language_list": ["fr", "en"], "language_admin": "fr", "group_id": null, "website_list": sites, "skill_list": [],
        "sso_key": format!("sso-{}", a.id), "_link": format!("/operator/{}", a.id),
    })
}

fn visitor_json(ia: &IaState, v: &Visitor) -> Value {
    let sites: Vec<i64> = ia
        .sites
        .iter()
        .filter(|s| s.platform == v.platform)
        .map(|s| s.id)
        .collect();
    json!({
        "id": v.id, "unique_id": v.unique_id, "external_id": null, "lastname": v.last_name, "firstname": v.first_name,
        "address": null, "city": null, "zip": null, "country": v.country, "phone": null, "email": v.email,
        "browser": "Firefox", "website_id": sites, "created_at": "2025-01-15 10:00:00", "_link": format!("/visitor/{}", v.id),
    })
}

fn website_json(s: &crate::seed::Site) -> Value {
    json!({"id": s.id, "url": s.url, "label": s.name, "client_id": 335, "currency": "EUR",
           "language_admin": s.language, "timezone": s.timezone, "_link": format!("/website/{}", s.id)})
}

/// The `history` string: tuples `[type, "YYYY-MM-DD HH:MM:SS", text, epoch_ms?]` joined by
/// commas without outer brackets, as in iAdvize's real example.
pub fn history(ia: &IaState, c: &Conversation) -> String {
    let mut tuples: Vec<Value> = Vec::new();
    for (i, m) in ia.messages(c).iter().enumerate() {
        let at = rest_time(m.created_at);
        let ms = m.created_at.timestamp_millis();
        for a in &m.attachments {
            match a {
                Attachment::Pushed { .. } => {
                    let text = if i == 0 {
                        "The chat rule has been activated."
                    } else {
                        "OPERATOR_TRANSFER"
                    };
                    tuples.push(json!([3, at, text]));
                }
                Attachment::File { url, .. } => tuples.push(json!([7, at, url, ms])),
                Attachment::Link { url, .. } => tuples.push(json!([6, at, url, ms])),
            }
        }
        if let Some(text) = &m.text {
            let kind = if matches!(m.author, Author::Visitor) {
                2
            } else {
                1
            };
            tuples.push(json!([kind, at, text, ms]));
        }
    }
    tuples.push(json!([3, rest_time(c.closed_at), "OPERATOR_CHAT_CLOSE"]));
    tuples
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn conversation_json(ia: &IaState, c: &Conversation) -> Value {
    let visitor = ia.visitor(c.visitor);
    let last_agent = c.agents.last().map(|a| ia.agents[*a].id);
    json!({
        "id": c.legacy_id,
        "channel": c.channel.to_lowercase(),
        "history": history(ia, c),
        "history_link": "",
        "operator_answered": true,
        "operator_closed": true,
        "waiting_list": false,
        "page_type": "",
        "created_at": rest_time(c.created_at),
        "closed_at": rest_time(c.closed_at),
        "website_id": c.site_id,
        "operator_id": last_agent,
        "skill_id": null,
        "visitor_id": visitor.id,
        "visitor_uid": visitor.unique_id,
        "tag_list": c.tags.iter().map(|t| ia.tags[*t].rest_id).collect::<Vec<_>>(),
        "rule_id": c.campaign.map(|k| ia.campaigns[k].rule_id),
        "xmpp_id": c.id.to_string(),
        "_link": format!("/conversation/{}", c.legacy_id),
    })
}

pub async fn operators(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(q): Query<Params>,
) -> Response {
    guarded(&sh, &headers, &uri, &q, |p, ia| {
        let mut used = vec![];
        let items = ia
            .agents
            .iter()
            .filter(|a| a.platform == p)
            .filter(|a| filter(&q, "id").is_none_or(|v| v == a.id.to_string()))
            .filter(|a| {
                filter(&q, "email")
                    .is_none_or(|v| a.email.as_deref().is_some_and(|e| filter_matches(v, e)))
            })
            .filter(|a| filter(&q, "name").is_none_or(|v| filter_matches(v, &a.last_name)))
            .filter(|a| {
                filter(&q, "website_id").is_none_or(|v| {
                    ia.site(v.parse().unwrap_or(-1))
                        .is_some_and(|s| s.platform == a.platform)
                })
            })
            .map(|a| operator_json(ia, a))
            .collect();
        for f in ["id", "email", "name", "website_id"] {
            if filter(&q, f).is_some() {
                used.push(f);
            }
        }
        list_response(&sh, items, &q, used)
    })
}

pub async fn operator(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<Params>,
) -> Response {
    guarded(&sh, &headers, &uri, &q, |p, ia| {
        match ia
            .agents
            .iter()
            .find(|a| a.platform == p && a.id.to_string() == id)
        {
            Some(a) => single(operator_json(ia, a)),
            None => not_found(&sh, "operator", &id),
        }
    })
}

pub async fn visitors(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(q): Query<Params>,
) -> Response {
    guarded(&sh, &headers, &uri, &q, |p, ia| {
        let items = ia
            .visitors_of(p)
            .filter(|v| filter(&q, "unique_id").is_none_or(|u| u == v.unique_id))
            .filter(|_| filter(&q, "external_id").is_none())
            .filter(|v| {
                filter(&q, "website_id").is_none_or(|w| {
                    ia.site(w.parse().unwrap_or(-1))
                        .is_some_and(|s| s.platform == v.platform)
                })
            })
            .map(|v| visitor_json(ia, &v))
            .collect();
        list_response(&sh, items, &q, vec![])
    })
}

pub async fn visitor(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<Params>,
) -> Response {
    guarded(&sh, &headers, &uri, &q, |p, ia| {
        match id
            .parse::<i64>()
            .ok()
            .and_then(|n| ia.visitor_by_id(p, n))
        {
            Some(v) => single(visitor_json(ia, &v)),
            None => not_found(&sh, "visitor", &id),
        }
    })
}

pub async fn websites(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(q): Query<Params>,
) -> Response {
    guarded(&sh, &headers, &uri, &q, |p, ia| {
        let items = ia
            .sites
            .iter()
            .filter(|s| s.platform == p)
            .map(website_json)
            .collect();
        list_response(&sh, items, &q, vec![])
    })
}

pub async fn website(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<Params>,
) -> Response {
    guarded(&sh, &headers, &uri, &q, |p, ia| {
        match ia
            .sites
            .iter()
            .find(|s| s.platform == p && s.id.to_string() == id)
        {
            Some(s) => single(website_json(s)),
            None => not_found(&sh, "website", &id),
        }
    })
}

fn parse_rest_date(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .map(|n| n.and_utc())
}

/// `GET /conversation.json-unicode`: at most a 3-month window (default: the last 3 months).
pub async fn conversations(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(q): Query<Params>,
) -> Response {
    let now = sh.clock.now();
    guarded(&sh, &headers, &uri, &q, |p, ia| {
        let three_months = chrono::Duration::days(92);
        let from = filter(&q, "from").or(q.get("from").map(String::as_str));
        let to = filter(&q, "to").or(q.get("to").map(String::as_str));
        let parse = |s: Option<&str>| match s {
            Some(s) => parse_rest_date(s).map(Some).ok_or(()),
            None => Ok(None),
        };
        let (Ok(from), Ok(to)) = (parse(from), parse(to)) else {
            return envelope_error(
                &sh,
                StatusCode::BAD_REQUEST,
                "fail",
                "Dates must be YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.",
            );
        };
        let (from, to) = match (from, to) {
            (None, None) => (now - three_months, now),
            (Some(f), None) => (f, f + three_months),
            (None, Some(t)) => (t - three_months, t),
            (Some(f), Some(t)) => (f, t),
        };
        if to - from > three_months {
            return envelope_error(
                &sh,
                StatusCode::BAD_REQUEST,
                "fail",
                "The period can not be greater than 3 months.",
            );
        }
        let eq = |name: &str, value: String| {
            filter(&q, name)
                .or(q.get(name).map(String::as_str))
                .is_none_or(|v| v == value)
        };
        let mut items: Vec<&Conversation> = ia
            .conversations
            .iter()
            .filter(|c| c.platform == p && c.created_at >= from && c.created_at <= to)
            .filter(|c| eq("website_id", c.site_id.to_string()))
            .filter(|c| eq("channel", c.channel.to_lowercase()))
            .filter(|c| eq("visitor_id", ia.visitor(c.visitor).id.to_string()))
            .filter(|c| {
                filter(&q, "operator_id")
                    .is_none_or(|o| c.agents.iter().any(|a| ia.agents[*a].id.to_string() == o))
            })
            .collect();
        items.sort_by_key(|c| c.legacy_id);
        // Histories are built only for the requested page.
        let limit = q
            .get("limit")
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(20)
            .clamp(1, 100);
        let page = q
            .get("page")
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let json_items: Vec<Value> = items
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i / limit + 1 == page {
                    conversation_json(ia, c)
                } else {
                    Value::Null
                }
            })
            .collect();
        list_response(&sh, json_items, &q, vec![])
    })
}

pub async fn conversation(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<Params>,
) -> Response {
    guarded(&sh, &headers, &uri, &q, |p, ia| {
        match ia
            .conversations
            .iter()
            .find(|c| c.platform == p && c.legacy_id.to_string() == id)
        {
            Some(c) => single(conversation_json(ia, c)),
            None => not_found(&sh, "conversation", &id),
        }
    })
}
