//! iAdvize GraphQL authentication: `POST /oauth2/token` (password grant), `GET /_authenticated`,
//! and the bearer check in front of `/graphql`. Tokens live 24 h of sandbox time.

use crate::credentials::{IADVIZE_PASSWORD, IADVIZE_USERNAME};
use crate::shared::Shared;
use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// `{"error":"invalid_token","error_description":"access token not valid"}`; the HTTP status is
/// undocumented, 401 is assumed.
pub fn invalid_token() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": "invalid_token", "error_description": "access token not valid"})),
    )
        .into_response()
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get("authorization")?.to_str().ok()?;
    v.strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
        .map(str::trim)
}

pub fn token_ok(sh: &Shared, headers: &HeaderMap) -> bool {
    let now = sh.clock.now();
    bearer(headers).is_some_and(|t| sh.ia.read().unwrap().token_valid(t, now))
}

pub async fn authenticated(State(sh): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if token_ok(&sh, &headers) {
        Json(json!({"authenticated": true})).into_response()
    } else {
        invalid_token()
    }
}

/// `POST /oauth2/token` (form-encoded `username`, `password`, `grant_type=password`).
/// Login limit: 10 per rate-limit window per user (documented per minute), then 429.
pub async fn token(
    State(sh): State<Arc<Shared>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let err = |status: StatusCode, error: &str, description: &str| {
        (
            status,
            Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    if form.get("grant_type").map(String::as_str) != Some("password") {
        return err(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only the password grant is supported",
        );
    }
    let user = form.get("username").cloned().unwrap_or_default();
    {
        let settings = sh.settings();
        let limits = vec![crate::zendesk::rate_limit::login_limit(
            &user,
            settings.rate_limit_window,
        )];
        let decision =
            sh.rate
                .lock()
                .unwrap()
                .check(sh.clock.now(), &limits, settings.reported_second);
        if decision.rejected.is_some() {
            return err(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too Many Requests",
            );
        }
    }
    if user != IADVIZE_USERNAME
        || form.get("password").map(String::as_str) != Some(IADVIZE_PASSWORD)
    {
        return err(
            StatusCode::UNAUTHORIZED,
            "invalid_grant",
            "Invalid username and password combination",
        );
    }
    let now = sh.clock.now();
    let token = sh.ia.write().unwrap().new_token(now);
    Json(json!({"access_token": token, "expires_in": 86400, "token_type": "Bearer", "refresh_token": "none"})).into_response()
}
