//! The iAdvize APIs as the sandbox serves them: GraphQL (+ its OAuth token endpoint) and REST v2.

pub mod auth;
pub mod data;
pub mod graphql;
pub mod live;
pub mod rest;

use crate::faults::{Api, Fault};
use crate::seed::Platform;
use crate::server::DropConnection;
use crate::shared::Shared;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{MatchedPath, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
struct IaApp {
    shared: Arc<Shared>,
    schema: async_graphql::dynamic::Schema,
}

impl axum::extract::FromRef<IaApp> for Arc<Shared> {
    fn from_ref(app: &IaApp) -> Arc<Shared> {
        app.shared.clone()
    }
}

/// `sdl`: the GraphQL schema to serve (the contract, or a variant of it for tests).
pub(crate) fn router(sh: Arc<Shared>, sdl: &str) -> Result<Router, String> {
    let schema = graphql::build_schema(sdl, sh.clone())?;
    let rest = Router::new()
        .route("/operator", get(rest::operators))
        .route("/operator/{id}", get(rest::operator))
        .route("/visitor", get(rest::visitors))
        .route("/visitor/{id}", get(rest::visitor))
        .route("/website", get(rest::websites))
        .route("/website/{id}", get(rest::website))
        .route("/conversation.json-unicode", get(rest::conversations))
        .route("/conversation.json-unicode/{id}", get(rest::conversation))
        .route("/conversation", get(rest::conversations))
        .route("/conversation/{id}", get(rest::conversation));
    let app = IaApp {
        shared: sh.clone(),
        schema,
    };
    let router = Router::new()
        .route("/graphql", post(graphql_handler))
        .route("/oauth2/token", post(auth::token))
        .route("/_authenticated", get(auth::authenticated))
        .nest("/api/2", rest.clone())
        .nest("/ha/api/2", rest.clone())
        .nest("/sd/api/2", rest)
        .layer(axum::middleware::from_fn_with_state(sh.clone(), gate))
        .with_state(app)
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                axum::Json(json!({"meta": {"status": "fail", "message": "Not found"}})),
            )
        });
    Ok(router)
}

/// Counts, latency and faults for the iAdvize listener (no rate limit: none is documented).
async fn gate(State(sh): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = req.method().as_str().to_string();
    let endpoint = format!("{method} {route}");
    if let Some(d) = sh.latency_sample() {
        tokio::time::sleep(d).await;
    }
    let mut drop_after = false;
    match sh.faults.pick(Api::Iadvize, &method, &route, &sh.rng) {
        Some(Fault::Status {
            status,
            retry_after_secs,
        }) => {
            let mut r = (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                axum::Json(json!({"error": "server_error"})),
            )
                .into_response();
            if let Some(s) = retry_after_secs {
                r.headers_mut().insert("retry-after", s.into());
            }
            sh.record(Api::Iadvize, &endpoint, status);
            return r;
        }
        Some(Fault::Slow { delay_ms }) => tokio::time::sleep(Duration::from_millis(delay_ms)).await,
        Some(Fault::Reset) => {
            sh.record(Api::Iadvize, &endpoint, 0);
            let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            r.extensions_mut().insert(DropConnection);
            return r;
        }
        Some(Fault::CommitThenDrop) => drop_after = true,
        None => {}
    }
    let mut r = next.run(req).await;
    sh.record(
        Api::Iadvize,
        &endpoint,
        if drop_after { 0 } else { r.status().as_u16() },
    );
    if drop_after {
        r.extensions_mut().insert(DropConnection);
    }
    r
}

/// `POST /graphql[?platform=sd]` with a bearer token; standard GraphQL request/response JSON.
async fn graphql_handler(
    State(app): State<IaApp>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if !auth::token_ok(&app.shared, &headers) {
        return auth::invalid_token();
    }
    let platform = match q.get("platform") {
        None => Platform::Ha,
        Some(p) => match Platform::parse(p) {
            Some(p) => p,
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"errors": [{"message": format!("unknown platform {p}")}]})),
                )
                    .into_response();
            }
        },
    };
    let req: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"errors": [{"message": format!("invalid JSON body: {e}")}]})),
            )
                .into_response();
        }
    };
    let Some(query) = req["query"].as_str() else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errors": [{"message": "missing `query`"}]})),
        )
            .into_response();
    };
    let mut gql = async_graphql::Request::new(query).data(platform);
    if let Some(vars) = req.get("variables").filter(|v| v.is_object()) {
        gql = gql.variables(async_graphql::Variables::from_json(vars.clone()));
    }
    if let Some(op) = req["operationName"].as_str() {
        gql = gql.operation_name(op);
    }
    let resp = app.schema.execute(gql).await;
    axum::Json(
        serde_json::to_value(&resp)
            .unwrap_or_else(|e| json!({"errors": [{"message": e.to_string()}]})),
    )
    .into_response()
}
