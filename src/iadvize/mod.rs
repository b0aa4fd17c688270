//! The iAdvize client (issue 4): GraphQL conversations per the contract
//! (`contracts/iadvize-assumed.graphql`), the token's health, REST v2 fallbacks, and the
//! compatibility check of the contract against the live schema.
//!
//! - [`IadvizeClient`] (`client.rs`): HTTP, timeout, bounded jittered retries, paging.
//! - [`assumed`]: **every ASSUMED part of the contract** (query documents, response shapes and
//!   their mapping). When iAdvize's real schema differs, this is the one file to change.
//! - [`domain`]: the core's own types ([`Conversation`], [`Message`], [`Agent`], ...), what
//!   the ticket mapping, the sync engine and the UI see.
//! - [`rest`]: REST v2 envelope and resources (operator, visitor, website, conversation).
//! - [`token`]: token health and the 24 h lifetime helper.
//! - [`compat`]: the compatibility report (pure comparison + introspection).
//! - [`IadvizeError`]: one error type with stable `iadvize.*` codes.

pub mod assumed;
mod client;
pub mod compat;
pub mod domain;
mod error;
pub mod rest;
pub mod retry;
pub mod token;

pub use assumed::ClosedConversationsFilter;
pub use client::{ConversationPage, Endpoints, IadvizeClient, IadvizeConfig};
pub use compat::{CompatibilityItem, CompatibilityReport, CompatibilitySummary, ItemStatus};
pub use domain::{
    Agent, AgentKind, Author, Campaign, ClosingFormAnswer, Conversation, ConversationTag, Message,
    MessageAttachment, Project, Visitor,
};
pub use error::{GraphqlError, IadvizeError};
pub use rest::{HistoryEntry, HistoryKind, Operator, RestConversation, RestVisitor, Website};
pub use retry::RetryPolicy;
pub use token::{TokenHealth, TokenLife, TokenLifeState, site_token_life, token_life};
