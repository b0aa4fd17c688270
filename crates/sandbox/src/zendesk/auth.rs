//! Who is calling: API-token basic auth, OAuth bearer tokens (client_credentials grant), and
//! the roles' permissions. Also `POST /oauth/tokens` and `GET /api/v2/users/me`.

use super::errors::ApiError;
use super::model::{Role, User};
use super::seed::{ADMIN_ID, AGENT_ID};
use crate::credentials::*;
use crate::shared::Shared;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub enum Identity {
    User(Box<User>),
    /// No `Authorization` header.
    Missing,
    /// Basic auth with a password (not an API token) that does not work here.
    WrongPassword,
    /// Basic auth with a wrong API token, or an unknown bearer token.
    WrongToken,
    /// A bearer token past its `expires_in`.
    ExpiredToken,
}

/// What an endpoint needs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any agent, light agents included (reads).
    Agent,
    /// Admin or full agent (writes: tickets create/update).
    FullAgent,
    Admin,
    /// Any authenticated user, end-users included.
    Anyone,
}

pub fn identify(sh: &Shared, headers: &HeaderMap) -> Identity {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Identity::Missing;
    };
    if let Some(b64) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    {
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
            return Identity::WrongPassword;
        };
        let raw = String::from_utf8_lossy(&raw);
        let Some((user, secret)) = raw.split_once(':') else {
            return Identity::WrongPassword;
        };
        let Some(email) = user.strip_suffix("/token") else {
            return Identity::WrongPassword;
        };
        let zd = sh.zd.lock().unwrap();
        return match zd.user_by_email(email) {
            Some(u) if u.api_token.as_deref() == Some(secret) => {
                Identity::User(Box::new(u.clone()))
            }
            _ => Identity::WrongToken,
        };
    }
    if let Some(token) = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
    {
        let now = sh.clock.now();
        let zd = sh.zd.lock().unwrap();
        return match zd.oauth_tokens.get(token.trim()) {
            Some(t) if t.expires_at.is_some_and(|e| e <= now) => Identity::ExpiredToken,
            Some(t) => zd.users.get(&t.user_id).map_or(Identity::WrongToken, |u| {
                Identity::User(Box::new(u.clone()))
            }),
            None => Identity::WrongToken,
        };
    }
    Identity::WrongPassword
}

pub fn require(identity: &Identity, need: Need) -> Result<User, ApiError> {
    let Identity::User(user) = identity else {
        return Err(ApiError::unauthorized());
    };
    let ok = match need {
        Need::Anyone => true,
        Need::Agent => user.role.is_staff(),
        Need::FullAgent => matches!(user.role, Role::Admin | Role::Agent),
        Need::Admin => user.role == Role::Admin,
    };
    if ok {
        Ok((**user).clone())
    } else {
        Err(ApiError::forbidden())
    }
}

/// `GET /api/v2/users/me`: "Allowed for anonymous users". Missing credentials or a wrong
/// password answer the anonymous user with 200 (reported, switchable); a wrong or expired
/// token answers 401.
pub async fn users_me(
    State(sh): State<Arc<Shared>>,
    Extension(identity): Extension<Identity>,
) -> Response {
    let anonymous_ok = sh.settings().switches.anonymous_users_me;
    match identity {
        Identity::User(u) => {
            axum::Json(json!({"user": u.to_json(sh.zendesk_base())})).into_response()
        }
        Identity::Missing | Identity::WrongPassword if anonymous_ok => {
            axum::Json(json!({"user": User::anonymous_json()})).into_response()
        }
        _ => ApiError::unauthorized().into_response(),
    }
}

/// `POST /oauth/tokens` with `grant_type=client_credentials` (JSON body, facts §2).
pub async fn oauth_tokens(State(sh): State<Arc<Shared>>, body: axum::body::Bytes) -> Response {
    let oauth_error = |status: StatusCode, error: &str, description: &str| {
        (
            status,
            axum::Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    let req: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        // Zendesk also takes form-encoded bodies; the docs ask for JSON, and so does the sandbox.
        Err(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The request body must be JSON.",
            );
        }
    };
    let grant = req["grant_type"].as_str().unwrap_or("");
    if grant != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The sandbox supports the client_credentials grant only.",
        );
    }
    let user_id = match (req["client_id"].as_str(), req["client_secret"].as_str()) {
        (Some(ZENDESK_OAUTH_CLIENT_ID), Some(ZENDESK_OAUTH_CLIENT_SECRET)) => ADMIN_ID,
        (Some(ZENDESK_AGENT_OAUTH_CLIENT_ID), Some(ZENDESK_AGENT_OAUTH_CLIENT_SECRET)) => AGENT_ID,
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
            );
        }
    };
    // Clients created after 2026-04-30 default to 1,800 s; allowed: 300 < expires_in < 172,800.
    let expires_in = match req.get("expires_in").filter(|v| !v.is_null()) {
        None => 1800,
        Some(v) => match v.as_i64() {
            Some(s) if s > 300 && s < 172_800 => s,
            _ => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "expires_in must be more than 300 and less than 172800 seconds.",
                );
            }
        },
    };
    // A scope that is not a space-separated string (e.g. `["read","write"]`) or names unknown
    // scopes still yields a token; every call with it is then forbidden (facts §2 trap).
    let (scope, scopes) = match &req["scope"] {
        Value::Null => (
            "read write".to_string(),
            vec!["read".to_string(), "write".to_string()],
        ),
        Value::String(s) => (
            s.clone(),
            s.split_whitespace()
                .filter(|x| valid_scope(x))
                .map(str::to_string)
                .collect(),
        ),
        other => (other.to_string(), vec![]),
    };
    let refresh = sh.settings().switches.oauth_returns_refresh_token;
    let now = sh.clock.now();
    let token = sh.zd.lock().unwrap().new_oauth_token(
        user_id,
        Some(now + chrono::Duration::seconds(expires_in)),
        scopes,
    );
    let mut out = json!({"access_token": token, "token_type": "bearer", "scope": scope, "expires_in": expires_in});
    if refresh {
        out["refresh_token"] = json!(format!("{token}-refresh"));
        out["refresh_token_expires_in"] = json!(2_592_000);
    }
    (StatusCode::CREATED, axum::Json(out)).into_response()
}

const SCOPE_RESOURCES: [&str; 10] = [
    "tickets",
    "users",
    "organizations",
    "hc",
    "apps",
    "triggers",
    "automations",
    "targets",
    "webhooks",
    "macros",
];

fn valid_scope(s: &str) -> bool {
    match s.split_once(':') {
        None => matches!(s, "read" | "write"),
        Some((resource, access)) => {
            SCOPE_RESOURCES.contains(&resource) && matches!(access, "read" | "write")
        }
    }
}

/// For a bearer token, the scope this request lacks, if any: reads need `read` or
/// `<resource>:read`, writes `write` or `<resource>:write`.
pub fn missing_scope(
    sh: &Shared,
    headers: &HeaderMap,
    method: &str,
    route: &str,
) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?
        .trim();
    let zd = sh.zd.lock().unwrap();
    let scopes = &zd.oauth_tokens.get(token)?.scopes;
    let access = if method == "GET" { "read" } else { "write" };
    let resource = match route.split('/').nth(3).unwrap_or("") {
        "users" | "search" => "users",
        "triggers" => "triggers",
        _ => "tickets",
    };
    let ok = scopes
        .iter()
        .any(|s| s == access || *s == format!("{resource}:{access}"));
    (!ok).then(|| access.to_string())
}
