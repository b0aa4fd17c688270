//! The error every face of the core (Tauri commands, CLI) hands to people.
//!
//! Each module has its own `thiserror` enum; each converts into [`ApiError`], which carries a
//! stable `code` the UI switches on (never the message text), a message that says what to do,
//! and, for form input, one [`FieldError`] per offending field so the UI can show them inline.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldError {
    /// The input field, named as in the draft type (e.g. `zendesk_domain`).
    pub field: String,
    /// Stable machine code, e.g. `required`, `invalid_domain`, `duplicate`.
    pub code: String,
    /// What is wrong and what to do, in English (the UI translates by `code`).
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[ts(export)]
#[error("{message}")]
pub struct ApiError {
    /// Stable code such as `site.invalid`, `site.not_found`, `keychain.unavailable`.
    pub code: String,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: code.to_owned(),
            message: message.into(),
            fields: Vec::new(),
        }
    }
}
