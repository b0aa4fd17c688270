//! What every Zendesk request passes through before and after its handler: identification,
//! latency, fault injection, rate limits and their headers, and the request counts.

use super::auth::{self, Identity};
use super::errors::ApiError;
use super::rate_limit::{Decision, limits_for};
use crate::faults::{Api, Fault};
use crate::server::DropConnection;
use crate::shared::Shared;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

pub async fn gate(State(sh): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let endpoint = format!("{method} {route}");
    let identity = auth::identify(&sh, req.headers());
    let caller_id = match &identity {
        Identity::User(u) => Some(u.id),
        _ => None,
    };
    req.extensions_mut().insert(identity);

    if let Some(d) = sh.latency_sample() {
        tokio::time::sleep(d).await;
    }
    let mut drop_after_commit = false;
    match sh
        .faults
        .pick(Api::Zendesk, method.as_str(), &route, &sh.rng)
    {
        Some(Fault::Status {
            status,
            retry_after_secs,
        }) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let error = match status {
                503 => "ServiceUnavailable",
                502 => "BadGateway",
                504 => "GatewayTimeout",
                _ => "InternalServerError",
            };
            let mut e = ApiError::new(code, json!({"error": error}));
            if let Some(s) = retry_after_secs {
                e = e.header("retry-after", s);
            }
            sh.record(Api::Zendesk, &endpoint, status);
            return e.into_response();
        }
        Some(Fault::Slow { delay_ms }) => tokio::time::sleep(Duration::from_millis(delay_ms)).await,
        Some(Fault::Reset) => {
            sh.record(Api::Zendesk, &endpoint, 0);
            let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            r.extensions_mut().insert(DropConnection);
            return r;
        }
        Some(Fault::CommitThenDrop) => drop_after_commit = true,
        None => {}
    }

    if route != "/oauth/tokens"
        && let Some(scope) = auth::missing_scope(&sh, req.headers(), method.as_str(), &route)
    {
        sh.record(Api::Zendesk, &endpoint, 403);
        return ApiError::new(
            StatusCode::FORBIDDEN,
            json!({"error": "Forbidden", "description": format!("You are missing the following required scopes: {scope}")}),
        )
        .into_response();
    }
    let settings = sh.settings();
    let ticket_id = req.uri().path().rsplit('/').next().map(str::to_string);
    let limits = limits_for(
        &method,
        &route,
        caller_id,
        ticket_id.as_deref(),
        settings.plan,
        settings.rate_limit_window,
    );
    let decision =
        sh.rate
            .lock()
            .unwrap()
            .check(sh.clock.now(), &limits, settings.reported_second);
    let mut response = match decision.rejected {
        Some(retry) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            json!({"error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"}),
        )
        .header("retry-after", retry)
        .into_response(),
        None => next.run(req).await,
    };
    add_rate_headers(&mut response, &decision);
    let status = response.status().as_u16();
    sh.record(
        Api::Zendesk,
        &endpoint,
        if drop_after_commit { 0 } else { status },
    );
    if drop_after_commit {
        response.extensions_mut().insert(DropConnection);
    }
    response
}

fn add_rate_headers(r: &mut Response, d: &Decision) {
    let mut set = |name: &str, value: String| {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
            r.headers_mut().insert(n, v);
        }
    };
    set("x-rate-limit", d.account.limit.to_string());
    set("x-rate-limit-remaining", d.account.remaining.to_string());
    set("ratelimit-limit", d.account.limit.to_string());
    set("ratelimit-remaining", d.account.remaining.to_string());
    set("ratelimit-reset", d.account.reset_secs.to_string());
    for u in &d.endpoints {
        if let Some(h) = u.header {
            set(
                &format!("zendesk-ratelimit-{h}"),
                format!(
                    "total={}; remaining={}; resets={}",
                    u.limit, u.remaining, u.reset_secs
                ),
            );
        }
    }
}
