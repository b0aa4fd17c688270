#![doc = include_str!("../README.md")]

pub mod clock;
pub mod config;
pub mod control;
pub mod credentials;
pub mod faults;
mod iadvize;
pub mod seed;
mod server;
mod shared;
mod zendesk;

pub use config::{
    ExistingEmail, Latency, Plan, SandboxConfig, SolveWithoutAssignee, Switches, VisitorMix,
};
pub use control::{
    CommentView, Control, EmailView, FieldValueView, JobView, TicketSummary, TicketView, UserView,
};
pub use faults::{Api, Fault, FaultRule, Trigger};
pub use iadvize::graphql::CONTRACT_SDL as IADVIZE_CONTRACT_SDL;
pub use seed::{Platform, Site, UniqueVisitorKind, sites, unique_visitor_email, unique_visitor_kind};
pub use shared::{EndpointStats, RequestStats};
pub use zendesk::seed::{
    ADMIN_ID, AGENT_ID, FILLER_FIELDS, LIGHT_AGENT_ID, SECOND_AGENT_ID, field_ids, form_ids,
};
pub use zendesk::state::{IDEMPOTENCY_TTL_SECS, MAX_ACTIVE_JOBS, MAX_COMMENT_BYTES};

use serde_json::{Value, json};
use shared::Shared;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the iAdvize GraphQL contract does not build: {0}")]
    Schema(String),
    #[error("conversation_sites: {0} is not a seeded iAdvize site (see sites())")]
    UnknownSite(i64),
}

/// A running sandbox. Dropping it stops both listeners and closes open connections.
pub struct Sandbox {
    shared: Arc<Shared>,
    zendesk_addr: SocketAddr,
    iadvize_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

/// Starts a sandbox (same as [`Sandbox::start`]). Must run inside a Tokio runtime.
pub async fn start(config: SandboxConfig) -> Result<Sandbox, StartError> {
    Sandbox::start(config).await
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })
}

impl Sandbox {
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, StartError> {
        if let Some(ids) = &config.conversation_sites {
            seed::conversation_sites(Some(ids)).map_err(StartError::UnknownSite)?;
        }
        let zd_listener = bind(config.zendesk_listen).await?;
        let ia_listener = bind(config.iadvize_listen).await?;
        let zendesk_addr = zd_listener
            .local_addr()
            .map_err(|source| StartError::Bind {
                addr: config.zendesk_listen,
                source,
            })?;
        let iadvize_addr = ia_listener
            .local_addr()
            .map_err(|source| StartError::Bind {
                addr: config.iadvize_listen,
                source,
            })?;
        let shared = Arc::new(Shared::new(&config));
        let _ = shared.zendesk_base.set(format!("http://{zendesk_addr}"));
        let _ = shared.iadvize_base.set(format!("http://{iadvize_addr}"));
        let zd_router = zendesk::router(shared.clone());
        let sdl = config
            .iadvize_schema_sdl
            .as_deref()
            .unwrap_or(iadvize::graphql::CONTRACT_SDL);
        let ia_router = iadvize::router(shared.clone(), sdl).map_err(StartError::Schema)?;
        let tasks = vec![
            tokio::spawn(server::serve(zd_listener, zd_router)),
            tokio::spawn(server::serve(ia_listener, ia_router)),
            tokio::spawn(iadvize::live::run(Arc::downgrade(&shared))),
        ];
        tracing::info!(zendesk = %zendesk_addr, iadvize = %iadvize_addr, "sandbox started");
        Ok(Sandbox {
            shared,
            zendesk_addr,
            iadvize_addr,
            tasks,
        })
    }

    /// Base such that `{base}/api/v2/tickets` is the Zendesk tickets endpoint.
    pub fn zendesk_url(&self) -> String {
        format!("http://{}", self.zendesk_addr)
    }

    /// Base such that `{base}/graphql`, `{base}/oauth2/token`, `{base}/_authenticated` and
    /// `{base}/api/2/...` (REST on `ha`) work.
    pub fn iadvize_url(&self) -> String {
        format!("http://{}", self.iadvize_addr)
    }

    /// REST v2 base for one platform (`{base}/operator/...`), like `https://sd.iadvize.com/api/2`.
    pub fn iadvize_rest_url(&self, platform: Platform) -> String {
        format!("http://{}/{}/api/2", self.iadvize_addr, platform.as_str())
    }

    /// GraphQL endpoint for one platform (`?platform=sd` on `sd`).
    pub fn iadvize_graphql_url(&self, platform: Platform) -> String {
        match platform {
            Platform::Ha => format!("http://{}/graphql", self.iadvize_addr),
            Platform::Sd => format!("http://{}/graphql?platform=sd", self.iadvize_addr),
        }
    }

    pub fn zendesk_addr(&self) -> SocketAddr {
        self.zendesk_addr
    }

    pub fn iadvize_addr(&self) -> SocketAddr {
        self.iadvize_addr
    }

    pub fn control(&self) -> Control {
        Control {
            sh: self.shared.clone(),
        }
    }

    /// URLs, credentials and seeded sites as JSON (what the CLI prints, and `/_sandbox/info`).
    pub fn info(&self) -> Value {
        info_json(&self.shared)
    }

    /// Stops both listeners and drops open connections.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn info_json(sh: &Shared) -> Value {
    use credentials::*;
    let zd = sh.zendesk_base().to_string();
    let ia = sh.iadvize_base.get().cloned().unwrap_or_default();
    json!({
        "zendesk_url": zd,
        "iadvize_url": ia,
        "iadvize_rest_urls": {"ha": format!("{ia}/ha/api/2"), "sd": format!("{ia}/sd/api/2")},
        "now": sh.clock.now(),
        "plan": sh.settings().plan,
        "credentials": {
            "zendesk_admin": {"email": ZENDESK_ADMIN_EMAIL, "api_token": ZENDESK_API_TOKEN},
            "zendesk_agent": {"email": ZENDESK_AGENT_EMAIL, "api_token": ZENDESK_AGENT_API_TOKEN},
            "zendesk_light_agent": {"email": ZENDESK_LIGHT_AGENT_EMAIL, "api_token": ZENDESK_LIGHT_AGENT_API_TOKEN},
            "zendesk_oauth_client": {"client_id": ZENDESK_OAUTH_CLIENT_ID, "client_secret": ZENDESK_OAUTH_CLIENT_SECRET},
            "iadvize_rest_api_key": IADVIZE_REST_API_KEY,
            "iadvize_graphql_token": IADVIZE_GRAPHQL_TOKEN,
            "iadvize_login": {"username": IADVIZE_USERNAME, "password": IADVIZE_PASSWORD},
        },
        "sites": sites(),
        "conversations": sh.ia.read().unwrap().conversations.len(),
    })
}

// The app keeps a sandbox in shared state and hands control handles to tasks.
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Sandbox>();
    send_sync::<Control>();
};
