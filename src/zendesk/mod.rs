//! Zendesk Support API client (issue 4): one client per Zendesk account, used by everything
//! that talks to Zendesk (connection check, auto-save, escalation, pre-flight check).
//!
//! ```no_run
//! # async fn demo(settings: iadvize_zendesk::site::SiteSettings, secret: iadvize_zendesk::secret::Secret)
//! # -> Result<(), iadvize_zendesk::zendesk::ZendeskError> {
//! use iadvize_zendesk::zendesk::*;
//! let credential = ZendeskCredential::for_site(&settings, secret)?;
//! let client = ZendeskClient::for_site(&settings, credential)?;
//! let me = client.me().await?;
//! if me.access() != UserAccess::Admin { /* the connection check reports it */ }
//! let forms = client.ticket_forms().await?; // PlanFeature::NotOnPlan on plans without forms
//! # let _ = forms; Ok(()) }
//! ```
//!
//! - [`config`]: base URL (site domain or override), credential (API token or OAuth client
//!   credentials), plan rate, timeouts, retry bounds, job polling, timer.
//! - [`calls`](ZendeskClient): users (one by one, or in bulk as a job), tickets (create with `Idempotency-Key`, show, update,
//!   by `external_id`, comments, follow-ups), imports and jobs, forms, fields, triggers.
//! - [`retry`]: the one retry policy as pure functions, and which outcomes are *uncertain*.
//! - [`limiter`]: the client-side rate limiter and the budget snapshot for the UI.
//! - [`error`]: [`ZendeskError`] with stable codes; converts into [`crate::ApiError`].
//! - [`requests`] / [`model`]: request bodies (only what is set) and answers.

pub mod auth;
mod calls;
pub mod client;
pub mod config;
pub mod error;
pub mod limiter;
pub mod model;
pub mod requests;
pub mod retry;
pub mod stats;
pub mod time;

pub use client::ZendeskClient;
pub use config::{Plan, TIME_SCALE_ENV, ZendeskConfig, ZendeskCredential};
pub use error::{AuthKind, ErrorBody, ErrorDetail, ErrorDetails, ForbiddenReason, ZendeskError};
pub use limiter::{EndpointBudget, RateBudget};
pub use model::*;
pub use requests::{
    ImportComment, MAX_BATCH, NewComment, NewTicket, NewUser, NewUserRole, Requester, TicketImport,
    TicketUpdate, UserUpsert,
};
pub use retry::RetryPolicy;
pub use stats::{EndpointKind, RequestCounts};
pub use time::{ManualTimer, Timer, TokioTimer};
