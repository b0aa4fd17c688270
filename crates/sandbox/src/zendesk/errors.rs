//! Zendesk's error bodies (facts sheet §10), as one type handlers return.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    pub headers: Vec<(HeaderName, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, body: Value) -> Self {
        ApiError {
            status,
            body,
            headers: vec![],
        }
    }
    pub fn header(mut self, name: &'static str, value: impl ToString) -> Self {
        self.headers
            .push((HeaderName::from_static(name), value.to_string()));
        self
    }
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            json!({"error": "RecordNotFound", "description": "Not found"}),
        )
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            json!({"error": "Couldn't authenticate you"}),
        )
    }
    /// Role not allowed (e.g. an agent importing).
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            json!({"error": "Forbidden", "description": "You do not have access to this page. Please contact the account owner of this help desk for further help."}),
        )
    }
    /// Plan without the feature: the object-shaped `error` (§2, seen on `/ticket_forms`).
    pub fn forbidden_by_plan() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            json!({"error": {"title": "Forbidden", "message": "You do not have access to this page. Please contact the account owner of this help desk for further help."}}),
        )
    }
    pub fn bad_request(error: &str, description: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            json!({"error": error, "description": description}),
        )
    }
    /// 422 RecordInvalid; `details` maps a field (or `base`) to a list of problems.
    pub fn record_invalid(details: Value) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": "RecordInvalid", "description": "Record validation errors", "details": details}),
        )
    }
    pub fn invalid_field(field: &str, description: String, error: &str) -> Self {
        Self::record_invalid(json!({ field: [{"description": description, "error": error}] }))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body)).into_response();
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                r.headers_mut().insert(name, v);
            }
        }
        r
    }
}
