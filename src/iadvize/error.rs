//! The one error type of the iAdvize client, with stable codes the UI switches on.
//!
//! Messages say what to do and never contain a key or a token: the client sends secrets only
//! in headers, and nothing here formats a header.

use crate::error::ApiError;
use serde::Serialize;
use ts_rs::TS;

/// One entry of a GraphQL `errors[]` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "IadvizeGraphqlError")]
pub struct GraphqlError {
    pub message: String,
    /// The response path the error is about (`["closedConversations", "edges", 0, ...]` as
    /// text), empty when the error is about the whole query (e.g. validation).
    pub path: Vec<String>,
}

impl std::fmt::Display for GraphqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{} (at {})", self.message, self.path.join("."))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IadvizeError {
    /// The GraphQL bearer token was refused (`invalid_token`): expired (24 h) or wrong.
    #[error(
        "The iAdvize GraphQL token expired or is invalid: paste a new one in the site's settings (tokens last 24 h)."
    )]
    TokenInvalid,

    /// The REST API key was refused (`meta.status = error`, "Forbidden").
    #[error(
        "iAdvize refused the REST API key: check the \"iAdvize REST API key\" in the site's settings (iAdvize support issues these keys) and paste it again."
    )]
    RestKeyInvalid,

    /// Authenticated, but not allowed to see this resource (HTTP 403 on GraphQL).
    #[error(
        "iAdvize refused access to {what}: the account behind the token or key may not see this site. Check the site id and the account's rights in iAdvize."
    )]
    Forbidden { what: String },

    #[error(
        "iAdvize has no {what}: check the iAdvize site id and platform (ha or sd) in the site's settings."
    )]
    NotFound { what: String },

    /// GraphQL answered with `errors[]` (validation against the live schema, resolver errors).
    #[error(
        "iAdvize's GraphQL API rejected the query: {}. If a field is unknown, iAdvize's schema differs from the contract: run the iAdvize compatibility check.",
        join_errors(.errors)
    )]
    Graphql { errors: Vec<GraphqlError> },

    /// 5xx (or 429) still there after the retries.
    #[error(
        "iAdvize is unavailable (HTTP {status}) after {attempts} attempts: try again in a few minutes."
    )]
    Unavailable { status: u16, attempts: u32 },

    #[error(
        "iAdvize did not answer within {seconds} s ({attempts} attempts): check the network, or try again later."
    )]
    Timeout { seconds: u64, attempts: u32 },

    #[error(
        "Cannot reach iAdvize ({detail}): check the network connection, a proxy, or the iAdvize API URL override in the site's advanced settings."
    )]
    Network { detail: String },

    /// The client's own settings are unusable (e.g. a malformed API URL override).
    #[error(
        "The iAdvize connection settings are not usable: {detail}. Fix the site's iAdvize settings."
    )]
    Config { detail: String },

    #[error(
        "iAdvize answered something the app did not expect ({detail}). Retry; if it persists, run the iAdvize compatibility check and send the diagnostics to support."
    )]
    Unexpected { detail: String },
}

fn join_errors(errors: &[GraphqlError]) -> String {
    if errors.is_empty() {
        return "no error message".into();
    }
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl IadvizeError {
    /// Stable machine code for the UI and the CLI's JSON.
    pub fn code(&self) -> &'static str {
        match self {
            IadvizeError::TokenInvalid => "iadvize.token_invalid",
            IadvizeError::RestKeyInvalid => "iadvize.rest_key_invalid",
            IadvizeError::Forbidden { .. } => "iadvize.forbidden",
            IadvizeError::NotFound { .. } => "iadvize.not_found",
            IadvizeError::Graphql { .. } => "iadvize.graphql",
            IadvizeError::Unavailable { .. } => "iadvize.unavailable",
            IadvizeError::Timeout { .. } => "iadvize.timeout",
            IadvizeError::Network { .. } => "iadvize.network",
            IadvizeError::Config { .. } => "iadvize.config",
            IadvizeError::Unexpected { .. } => "iadvize.unexpected",
        }
    }

    /// Worth trying again later without changing any setting.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            IadvizeError::Unavailable { .. }
                | IadvizeError::Timeout { .. }
                | IadvizeError::Network { .. }
        )
    }

    pub(crate) fn unexpected(detail: impl Into<String>) -> Self {
        IadvizeError::Unexpected {
            detail: detail.into(),
        }
    }
}

impl From<IadvizeError> for ApiError {
    fn from(e: IadvizeError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_distinct() {
        let all = [
            IadvizeError::TokenInvalid,
            IadvizeError::RestKeyInvalid,
            IadvizeError::Forbidden { what: "x".into() },
            IadvizeError::NotFound { what: "x".into() },
            IadvizeError::Graphql { errors: vec![] },
            IadvizeError::Unavailable {
                status: 503,
                attempts: 3,
            },
            IadvizeError::Timeout {
                seconds: 30,
                attempts: 3,
            },
            IadvizeError::Network { detail: "x".into() },
            IadvizeError::Config { detail: "x".into() },
            IadvizeError::unexpected("x"),
        ];
        let codes: Vec<&str> = all.iter().map(IadvizeError::code).collect();
        assert_eq!(
            codes,
            [
                "iadvize.token_invalid",
                "iadvize.rest_key_invalid",
                "iadvize.forbidden",
                "iadvize.not_found",
                "iadvize.graphql",
                "iadvize.unavailable",
                "iadvize.timeout",
                "iadvize.network",
                "iadvize.config",
                "iadvize.unexpected"
            ]
        );
    }

    #[test]
    fn token_message_says_what_to_do_and_converts_to_api_error() {
        let api: ApiError = IadvizeError::TokenInvalid.into();
        assert_eq!(api.code, "iadvize.token_invalid");
        assert!(
            api.message
                .contains("paste a new one in the site's settings")
        );
        assert!(api.message.contains("24 h"));
    }

    #[test]
    fn graphql_errors_keep_messages_and_paths() {
        let e = IadvizeError::Graphql {
            errors: vec![
                GraphqlError {
                    message: "Unknown field \"engagementCampaign\"".into(),
                    path: vec![],
                },
                GraphqlError {
                    message: "boom".into(),
                    path: vec!["closedConversations".into(), "edges".into(), "0".into()],
                },
            ],
        };
        let text = e.to_string();
        assert!(text.contains("Unknown field \"engagementCampaign\""));
        assert!(text.contains("boom (at closedConversations.edges.0)"));
        assert!(text.contains("compatibility check"));
    }
}
