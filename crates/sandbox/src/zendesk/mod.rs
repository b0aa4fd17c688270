//! The Zendesk Support API as the sandbox serves it.

pub mod auth;
pub mod errors;
pub mod fields;
pub mod forms;
pub mod gate;
pub mod http;
pub mod imports;
pub mod model;
pub mod organizations;
pub mod rate_limit;
pub mod seed;
pub mod state;
pub mod tickets;
pub mod triggers;
pub mod users;

use crate::shared::Shared;
use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;

/// Every route, with the same templates as `zendesk-oas.yaml` so request counts and fault
/// rules use the document's names.
pub(crate) fn router(sh: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/oauth/tokens", post(auth::oauth_tokens))
        .route("/api/v2/users/me", get(auth::users_me))
        .route("/api/v2/users", post(users::create_user))
        .route("/api/v2/users/search", get(users::search_users))
        .route("/api/v2/users/show_many", get(users::show_many_users))
        .route("/api/v2/users/autocomplete", get(users::autocomplete_users))
        .route(
            "/api/v2/organizations/autocomplete",
            get(organizations::autocomplete_organizations),
        )
        .route(
            "/api/v2/custom_objects/{custom_object_key}/records/autocomplete",
            get(organizations::autocomplete_custom_object_records),
        )
        .route(
            "/api/v2/users/create_or_update",
            post(users::create_or_update_user),
        )
        .route("/api/v2/users/create_many", post(users::create_many_users))
        .route("/api/v2/users/{user_id}", get(users::show_user))
        .route("/api/v2/search", get(users::search))
        .route("/api/v2/tickets", get(tickets::list).post(tickets::create))
        .route("/api/v2/tickets/create_many", post(tickets::create_many))
        .route(
            "/api/v2/tickets/{ticket_id}",
            get(tickets::show).put(tickets::update),
        )
        .route(
            "/api/v2/tickets/{ticket_id}/comments",
            get(tickets::comments),
        )
        .route("/api/v2/imports/tickets", post(imports::import_one))
        .route(
            "/api/v2/imports/tickets/create_many",
            post(imports::import_many),
        )
        .route("/api/v2/job_statuses", get(imports::list_jobs))
        .route(
            "/api/v2/job_statuses/show_many",
            get(imports::show_many_jobs),
        )
        .route(
            "/api/v2/job_statuses/{job_status_id}",
            get(imports::show_job),
        )
        .route("/api/v2/ticket_forms", get(forms::list_forms))
        .route(
            "/api/v2/ticket_forms/show_many",
            get(forms::show_many_forms),
        )
        .route(
            "/api/v2/ticket_forms/{ticket_form_id}",
            get(forms::show_form),
        )
        .route("/api/v2/ticket_fields", get(forms::list_fields))
        .route(
            "/api/v2/ticket_fields/{ticket_field_id}",
            get(forms::show_field),
        )
        .route("/api/v2/triggers", get(forms::list_triggers))
        .route("/api/v2/triggers/active", get(forms::active_triggers))
        .layer(axum::middleware::from_fn_with_state(sh.clone(), gate::gate))
        .with_state(sh.clone());
    Router::new()
        .merge(api)
        .merge(crate::control::http::router(sh))
        .fallback(|| async {
            errors::ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                serde_json::json!({"error": "InvalidEndpoint", "description": "Not found"}),
            )
        })
}
