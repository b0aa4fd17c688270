//! The core of the iAdvize → Zendesk utility: site installations, storage, the API clients and
//! the sync engine. The desktop app (src-tauri) and the headless CLI (src/main.rs) are two thin
//! faces over [`api::Api`].

pub mod api;
pub mod backfill;
pub mod check;
pub mod clock;
pub mod demo;
pub mod diagnostics;
pub mod error;
pub mod escalation;
pub mod forms;
pub mod iadvize;
pub mod logging;
pub mod lookup;
pub mod notify;
pub mod paths;
pub mod preflight;
pub mod recent;
pub mod secret;
pub mod site;
pub mod stats;
pub mod store;
pub mod sync;
pub mod ticket;
pub mod zendesk;

pub use api::Api;
pub use error::{ApiError, FieldError};
