//! Well-known credentials seeded into every sandbox. They are fake and only work here.

/// Zendesk admin (role `admin`, role_type 4): may import tickets.
pub const ZENDESK_ADMIN_EMAIL: &str = "admin@sandbox.example";
/// API token of every seeded Zendesk agent or admin below (basic auth `{email}/token:{token}`).
pub const ZENDESK_API_TOKEN: &str = "sandbox-zendesk-api-token";
/// Zendesk agent (role `agent`): may create and update tickets, not import.
pub const ZENDESK_AGENT_EMAIL: &str = "agent@sandbox.example";
pub const ZENDESK_AGENT_API_TOKEN: &str = "sandbox-zendesk-agent-token";
/// Zendesk light agent (role `agent`, role_type 1): reads tickets, adds private comments only.
pub const ZENDESK_LIGHT_AGENT_EMAIL: &str = "light.agent@sandbox.example";
pub const ZENDESK_LIGHT_AGENT_API_TOKEN: &str = "sandbox-zendesk-light-agent-token";
/// Zendesk OAuth client (client_credentials grant, tokens act as the admin).
pub const ZENDESK_OAUTH_CLIENT_ID: &str = "sandbox_oauth_client";
pub const ZENDESK_OAUTH_CLIENT_SECRET: &str = "sandbox-oauth-client-secret";
/// OAuth client whose tokens act as the agent (not admin).
pub const ZENDESK_AGENT_OAUTH_CLIENT_ID: &str = "sandbox_agent_oauth_client";
pub const ZENDESK_AGENT_OAUTH_CLIENT_SECRET: &str = "sandbox-agent-oauth-client-secret";

/// iAdvize REST v2 key (`X-API-Key` header, `?key=` or basic-auth user name).
pub const IADVIZE_REST_API_KEY: &str = "sandbox-iadvize-rest-key";
/// A GraphQL bearer token valid for 24 h of sandbox time from the sandbox's start (and reset).
pub const IADVIZE_GRAPHQL_TOKEN: &str = "sandbox-iadvize-graphql-token";
/// iAdvize login for `POST /oauth2/token` (`grant_type=password`).
pub const IADVIZE_USERNAME: &str = "admin@iadvize-sandbox.example";
pub const IADVIZE_PASSWORD: &str = "sandbox-iadvize-password";

/// Basic-auth header value for `{email}/token:{token}`.
pub fn zendesk_basic_auth(email: &str, token: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{email}/token:{token}"))
    )
}
