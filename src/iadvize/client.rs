//! The iAdvize HTTP client: GraphQL (conversations, project, introspection), the token check
//! and REST v2, with one timeout and one retry policy. It only drives HTTP and paging: the
//! GraphQL documents and shapes are in [`super::assumed`], REST shapes in [`super::rest`].

use super::assumed::{self, ClosedConversationsFilter, GraphqlRequest, RawConversation};
use super::compat::{self, CompatibilityReport};
use super::domain::{Conversation, Project};
use super::error::{GraphqlError, IadvizeError};
use super::rest::{self, Operator, Pagination, RestConversation, RestVisitor, Website};
use super::retry::{Outcome, RetryPolicy, classify};
use super::token::TokenHealth;
use crate::secret::Secret;
use crate::site::{Platform, SiteSettings};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, RETRY_AFTER};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use url::Url;
use uuid::Uuid;

/// Where the three iAdvize APIs are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// REST v2 base, e.g. `https://ha.iadvize.com/api/2` (no trailing slash).
    pub rest: String,
    /// GraphQL endpoint, with `?platform=sd` on sd.
    pub graphql: String,
    /// The token check.
    pub authenticated: String,
}

impl Endpoints {
    /// iAdvize's real endpoints, or, with a base URL override X (a proxy, the sandbox), the
    /// same layout under X: REST `X/{platform}/api/2`, GraphQL `X/graphql[?platform=sd]`,
    /// token check `X/_authenticated`.
    pub fn new(platform: Platform, base_url: Option<&str>) -> Result<Endpoints, IadvizeError> {
        let p = platform.as_str();
        let sd_query = match platform {
            Platform::Sd => "?platform=sd",
            Platform::Ha => "",
        };
        let Some(base) = base_url.map(str::trim).filter(|b| !b.is_empty()) else {
            return Ok(Endpoints {
                rest: format!("https://{p}.iadvize.com/api/2"),
                graphql: format!("https://api.iadvize.com/graphql{sd_query}"),
                authenticated: "https://api.iadvize.com/_authenticated".into(),
            });
        };
        let url = Url::parse(base).map_err(|e| IadvizeError::Config {
            detail: format!("the iAdvize API URL override is not a URL ({e})"),
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(IadvizeError::Config {
                detail: "the iAdvize API URL override must be an http(s) URL with a host".into(),
            });
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
            return Err(IadvizeError::Config {
                detail: "the iAdvize API URL override must not carry credentials or a query".into(),
            });
        }
        let base = url.as_str().trim_end_matches('/');
        Ok(Endpoints {
            rest: format!("{base}/{p}/api/2"),
            graphql: format!("{base}/graphql{sd_query}"),
            authenticated: format!("{base}/_authenticated"),
        })
    }
}

/// Everything an [`IadvizeClient`] needs.
#[derive(Debug, Clone)]
pub struct IadvizeConfig {
    pub platform: Platform,
    /// "iAdvize api key for rest api" (sent as `X-API-Key`).
    pub rest_api_key: Secret,
    /// "iAdvize token for graphQL api" (a 24 h bearer token).
    pub graphql_token: Secret,
    /// Advanced: another base URL for the iAdvize APIs (see [`Endpoints::new`]).
    pub base_url: Option<String>,
    /// Per request, connection included.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Conversations per `closedConversations` page (1..=100).
    pub page_size: u32,
    /// Items per REST list page (1..=100).
    pub rest_page_size: u32,
}

impl IadvizeConfig {
    pub fn new(platform: Platform, rest_api_key: Secret, graphql_token: Secret) -> Self {
        IadvizeConfig {
            platform,
            rest_api_key,
            graphql_token,
            base_url: None,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            page_size: assumed::MAX_PAGE_SIZE,
            rest_page_size: 100,
        }
    }

    /// A site's platform and URL override, with its two iAdvize secrets.
    pub fn for_site(settings: &SiteSettings, rest_api_key: Secret, graphql_token: Secret) -> Self {
        IadvizeConfig {
            base_url: settings.iadvize_api_url.clone(),
            ..IadvizeConfig::new(settings.platform, rest_api_key, graphql_token)
        }
    }

    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n;
        self
    }

    pub fn rest_page_size(mut self, n: u32) -> Self {
        self.rest_page_size = n;
        self
    }
}

struct Inner {
    http: reqwest::Client,
    endpoints: Endpoints,
    platform: Platform,
    rest_api_key: Secret,
    graphql_token: Secret,
    timeout: Duration,
    retry: RetryPolicy,
    page_size: u32,
    rest_page_size: u32,
}

/// The iAdvize client of one site. Cheap to clone (one shared connection pool), Send + Sync.
#[derive(Clone)]
pub struct IadvizeClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for IadvizeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IadvizeClient")
            .field("platform", &self.inner.platform)
            .field("endpoints", &self.inner.endpoints)
            .finish_non_exhaustive()
    }
}

const _: fn() = || {
    fn send_sync<T: Send + Sync + Clone + 'static>() {}
    send_sync::<IadvizeClient>();
};

/// A page of closed conversations, each complete (all its messages).
#[derive(Debug, Clone)]
pub struct ConversationPage {
    pub conversations: Vec<Conversation>,
    /// Where the next page starts (pass it as `after`).
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

/// A finished HTTP exchange.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl IadvizeClient {
    pub fn new(config: IadvizeConfig) -> Result<IadvizeClient, IadvizeError> {
        let endpoints = Endpoints::new(config.platform, config.base_url.as_deref())?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("iadvize-zendesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| IadvizeError::Config {
                detail: format!("the HTTP client cannot start ({e})"),
            })?;
        Ok(IadvizeClient {
            inner: Arc::new(Inner {
                http,
                endpoints,
                platform: config.platform,
                rest_api_key: config.rest_api_key.trimmed(),
                graphql_token: config.graphql_token.trimmed(),
                timeout: config.timeout,
                retry: config.retry,
                page_size: config.page_size.clamp(1, assumed::MAX_PAGE_SIZE),
                rest_page_size: config.rest_page_size.clamp(1, 100),
            }),
        })
    }

    /// The client of a site: its platform and URL override, with its two iAdvize secrets.
    pub fn for_site(
        settings: &SiteSettings,
        rest_api_key: Secret,
        graphql_token: Secret,
    ) -> Result<IadvizeClient, IadvizeError> {
        IadvizeClient::new(IadvizeConfig::for_site(
            settings,
            rest_api_key,
            graphql_token,
        ))
    }

    /// The same client with another GraphQL token (after the admin pasted a new one); shares
    /// the connection pool.
    pub fn with_graphql_token(&self, token: Secret) -> IadvizeClient {
        let i = &self.inner;
        IadvizeClient {
            inner: Arc::new(Inner {
                http: i.http.clone(),
                endpoints: i.endpoints.clone(),
                platform: i.platform,
                rest_api_key: i.rest_api_key.clone(),
                graphql_token: token.trimmed(),
                timeout: i.timeout,
                retry: i.retry.clone(),
                page_size: i.page_size,
                rest_page_size: i.rest_page_size,
            }),
        }
    }

    pub fn platform(&self) -> Platform {
        self.inner.platform
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    // ---- transport ----------------------------------------------------------------------

    /// Sends with the retry policy; answers any final HTTP status (5xx/429 only once the
    /// retries are spent).
    async fn send(
        &self,
        what: &str,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Answer, IadvizeError> {
        let policy = &self.inner.retry;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let (outcome, result, retry_after) = match build(&self.inner.http).send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = retry_after(resp.headers());
                    match resp.bytes().await {
                        Ok(body) => (
                            Outcome::Status(status),
                            Ok(Answer {
                                status,
                                body: body.to_vec(),
                            }),
                            retry_after,
                        ),
                        Err(e) => (outcome_of(&e), Err(self.transport_error(&e, attempt)), None),
                    }
                }
                Err(e) => (outcome_of(&e), Err(self.transport_error(&e, attempt)), None),
            };
            let retriable = classify(outcome);
            if retriable
                && let Some(delay) = policy.delay(attempt, rand::random::<f64>(), retry_after)
            {
                tracing::warn!(
                    call = what,
                    attempt,
                    ?outcome,
                    delay_ms = delay.as_millis() as u64,
                    "iAdvize call failed, retrying"
                );
                tokio::time::sleep(delay).await;
                continue;
            }
            return match result {
                Ok(a) if retriable => Err(IadvizeError::Unavailable {
                    status: a.status,
                    attempts: attempt,
                }),
                other => other,
            };
        }
    }

    fn transport_error(&self, e: &reqwest::Error, attempts: u32) -> IadvizeError {
        if e.is_timeout() {
            return IadvizeError::Timeout {
                seconds: self.inner.timeout.as_secs().max(1),
                attempts,
            };
        }
        if e.is_builder() {
            return IadvizeError::Config {
                detail: error_chain(e),
            };
        }
        IadvizeError::Network {
            detail: error_chain(e),
        }
    }

    /// Runs one GraphQL request and answers its `data`.
    async fn graphql(&self, req: &GraphqlRequest) -> Result<Value, IadvizeError> {
        let token = &self.inner.graphql_token;
        let url = &self.inner.endpoints.graphql;
        let body = req.body();
        let answer = self
            .send(req.operation_name, |http| {
                http.post(url)
                    .header(AUTHORIZATION, format!("Bearer {}", token.expose()))
                    .header(ACCEPT, "application/json")
                    .json(&body)
            })
            .await?;
        graphql_data(answer.status, &answer.body)
    }

    async fn rest_get(
        &self,
        path: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<(Value, Option<Pagination>), IadvizeError> {
        let key = &self.inner.rest_api_key;
        let url = format!("{}/{path}", self.inner.endpoints.rest);
        let answer = self
            .send(path, |http| {
                http.get(&url)
                    .header("X-API-Key", key.expose())
                    .header(ACCEPT, "application/json")
                    .query(query)
            })
            .await?;
        rest::decide(answer.status, &answer.body, what)
    }

    /// Every page of a REST list (`?page=N&limit=M` until `page == pages`).
    async fn rest_list(
        &self,
        path: &str,
        filters: &[(&str, String)],
        what: &str,
    ) -> Result<Vec<Value>, IadvizeError> {
        let mut out = Vec::new();
        let mut page: i64 = 1;
        loop {
            let mut query: Vec<(&str, String)> = filters.to_vec();
            query.push(("page", page.to_string()));
            query.push(("limit", self.inner.rest_page_size.to_string()));
            let (data, pagination) = self.rest_get(path, &query, what).await?;
            match data {
                Value::Array(items) => out.extend(items),
                Value::Null => {}
                other => out.push(other),
            }
            match pagination {
                Some(p) if p.page < p.pages && page < 10_000 => page = p.page.max(page) + 1,
                _ => return Ok(out),
            }
        }
    }

    // ---- GraphQL ------------------------------------------------------------------------

    /// One page of conversations closed in the filter's window, oldest closing first, each
    /// with its complete transcript. Pass the previous page's `end_cursor` as `after`.
    pub async fn closed_conversations_page(
        &self,
        filter: &ClosedConversationsFilter,
        after: Option<&str>,
    ) -> Result<ConversationPage, IadvizeError> {
        let req = assumed::closed_conversations_request(filter, self.inner.page_size, after);
        let page = assumed::parse_closed_conversations(self.graphql(&req).await?)?;
        if page.has_next_page && (page.end_cursor.is_none() || page.end_cursor.as_deref() == after)
        {
            return Err(IadvizeError::unexpected(
                "closedConversations says there is a next page but gives no new cursor",
            ));
        }
        let mut conversations = Vec::with_capacity(page.conversations.len());
        for raw in page.conversations {
            conversations.push(self.complete(raw).await?);
        }
        Ok(ConversationPage {
            conversations,
            end_cursor: page.end_cursor,
            has_next_page: page.has_next_page,
        })
    }

    /// Every conversation closed in the window (all pages), each once. For large backlogs
    /// prefer [`Self::closed_conversations_page`], which keeps one page in memory.
    pub async fn closed_conversations(
        &self,
        filter: &ClosedConversationsFilter,
    ) -> Result<Vec<Conversation>, IadvizeError> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .closed_conversations_page(filter, after.as_deref())
                .await?;
            out.extend(page.conversations.into_iter().filter(|c| seen.insert(c.id)));
            if !page.has_next_page {
                return Ok(out);
            }
            after = page.end_cursor;
        }
    }

    /// One conversation by its UUID, with its complete transcript. iAdvize does not give
    /// `users` here: the agents come from the transcript's pushed system messages.
    pub async fn conversation(&self, id: Uuid) -> Result<Conversation, IadvizeError> {
        let data = self.graphql(&assumed::conversation_request(id)).await?;
        let raw = assumed::parse_conversation(data)?.ok_or_else(|| IadvizeError::NotFound {
            what: format!("conversation {id} on the {} platform", self.platform()),
        })?;
        self.complete(raw).await
    }

    /// Fetches the rest of a transcript beyond its first page.
    async fn complete(&self, mut raw: RawConversation) -> Result<Conversation, IadvizeError> {
        while let Some(after) = raw.messages_after().map(str::to_owned) {
            let req = assumed::conversation_messages_request(raw.id(), &after);
            let page = assumed::parse_conversation_messages(self.graphql(&req).await?)?
                .ok_or_else(|| IadvizeError::NotFound {
                    what: format!("conversation {}", raw.id()),
                })?;
            if page.next.as_deref() == Some(after.as_str()) {
                return Err(IadvizeError::unexpected(
                    "a conversation's messages repeat the same cursor",
                ));
            }
            raw.push_messages(page);
        }
        Ok(raw.into_conversation(self.platform()))
    }

    /// The site (project) as GraphQL sees it: proves the token reaches it.
    pub async fn project(&self, project_id: i64) -> Result<Project, IadvizeError> {
        let data = self.graphql(&assumed::project_request(project_id)).await?;
        assumed::parse_project(data)?.ok_or_else(|| IadvizeError::NotFound {
            what: format!("site {project_id} on the {} platform", self.platform()),
        })
    }

    /// Introspects the live GraphQL schema and compares it with the contract.
    pub async fn compatibility_report(&self) -> Result<CompatibilityReport, IadvizeError> {
        let req = GraphqlRequest {
            operation_name: "IntrospectionQuery",
            query: compat::INTROSPECTION_QUERY.into(),
            variables: Value::Object(Default::default()),
        };
        let data = self.graphql(&req).await?;
        compat::check_introspection(&data)
    }

    /// `GET /_authenticated`: whether iAdvize accepts the GraphQL token now.
    pub async fn check_token(&self) -> TokenHealth {
        let token = &self.inner.graphql_token;
        let url = &self.inner.endpoints.authenticated;
        let answer = self
            .send("_authenticated", |http| {
                http.get(url)
                    .header(AUTHORIZATION, format!("Bearer {}", token.expose()))
                    .header(ACCEPT, "application/json")
            })
            .await;
        let unreachable = |e: IadvizeError| TokenHealth::Unreachable {
            code: e.code().into(),
            message: e.to_string(),
        };
        let answer = match answer {
            Ok(a) => a,
            Err(e) => return unreachable(e),
        };
        let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        if body["authenticated"] == Value::Bool(true) && answer.status < 300 {
            TokenHealth::Valid
        } else if body["error"] == "invalid_token" || matches!(answer.status, 401 | 403) {
            TokenHealth::Invalid {
                message: IadvizeError::TokenInvalid.to_string(),
            }
        } else {
            unreachable(IadvizeError::unexpected(format!(
                "the token check answered HTTP {}",
                answer.status
            )))
        }
    }

    // ---- REST v2 ------------------------------------------------------------------------

    /// `GET /operator/{id}`.
    pub async fn operator(&self, id: i64) -> Result<Operator, IadvizeError> {
        let what = format!("operator {id} on the {} platform", self.platform());
        let (data, _) = self.rest_get(&format!("operator/{id}"), &[], &what).await?;
        rest::operator(data)
    }

    /// `GET /operator` with `filters[...]` (e.g. `("website_id", "3101")`), all pages.
    pub async fn operators(&self, filters: &[(&str, &str)]) -> Result<Vec<Operator>, IadvizeError> {
        let query: Vec<(String, String)> = filters
            .iter()
            .map(|(k, v)| (format!("filters[{k}]"), (*v).to_owned()))
            .collect();
        let query: Vec<(&str, String)> =
            query.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        self.rest_list("operator", &query, "operators")
            .await?
            .into_iter()
            .map(rest::operator)
            .collect()
    }

    /// `GET /visitor/{id}` (the REST visitor id).
    pub async fn visitor(&self, id: i64) -> Result<RestVisitor, IadvizeError> {
        let what = format!("visitor {id} on the {} platform", self.platform());
        let (data, _) = self.rest_get(&format!("visitor/{id}"), &[], &what).await?;
        rest::typed(data, "visitor")
    }

    /// `GET /website/{id}`: proves the REST key sees the site.
    pub async fn website(&self, id: i64) -> Result<Website, IadvizeError> {
        let what = format!("site {id} on the {} platform", self.platform());
        let (data, _) = self.rest_get(&format!("website/{id}"), &[], &what).await?;
        rest::typed(data, "website")
    }

    /// `GET /website`, all pages: the sites the REST key sees.
    pub async fn websites(&self) -> Result<Vec<Website>, IadvizeError> {
        self.rest_list("website", &[], "sites")
            .await?
            .into_iter()
            .map(|v| rest::typed(v, "website"))
            .collect()
    }

    /// `GET /conversation.json-unicode/{id}?formatHistory=0` by the REST (legacy) id. The
    /// resource is deprecated: a fallback only.
    pub async fn rest_conversation(
        &self,
        legacy_id: i64,
    ) -> Result<RestConversation, IadvizeError> {
        let what = format!(
            "conversation {legacy_id} on the {} platform",
            self.platform()
        );
        let (data, _) = self
            .rest_get(
                &format!("conversation.json-unicode/{legacy_id}"),
                &[("formatHistory", "0".into())],
                &what,
            )
            .await?;
        rest::conversation(data)
    }
}

fn outcome_of(e: &reqwest::Error) -> Outcome {
    if e.is_timeout() {
        Outcome::Timeout
    } else if e.is_builder() {
        Outcome::Request
    } else {
        Outcome::Connection
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The error and its causes, without the URL (an override could carry anything).
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        parts.push(if e.is_connect() {
            "connection failed".into()
        } else {
            "connection lost".into()
        });
    }
    parts.join(": ")
}

/// Decides a GraphQL answer: `data`, or the typed error.
pub(crate) fn graphql_data(status: u16, body: &[u8]) -> Result<Value, IadvizeError> {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let v = json.as_ref().unwrap_or(&Value::Null);
    if v["error"] == "invalid_token" || status == 401 {
        return Err(IadvizeError::TokenInvalid);
    }
    let errors: Vec<&Value> = v["errors"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if errors.iter().any(|e| {
        let code = &e["extensions"]["code"];
        code == "UNAUTHENTICATED" || code == "invalid_token"
    }) {
        return Err(IadvizeError::TokenInvalid);
    }
    if status == 403 {
        return Err(IadvizeError::Forbidden {
            what: "the GraphQL API".into(),
        });
    }
    if !errors.is_empty() {
        return Err(IadvizeError::Graphql {
            errors: errors
                .iter()
                .map(|e| GraphqlError {
                    message: e["message"].as_str().unwrap_or("(no message)").to_owned(),
                    path: e["path"]
                        .as_array()
                        .map(|p| {
                            p.iter()
                                .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect(),
        });
    }
    match (status, json) {
        (200..=299, Some(mut v)) if v["data"].is_object() => Ok(v["data"].take()),
        (404, _) => Err(IadvizeError::Config {
            detail: "there is no GraphQL API at this address: check the iAdvize API URL override"
                .into(),
        }),
        (s, _) => Err(IadvizeError::unexpected(format!(
            "the GraphQL API answered HTTP {s} without data"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn real_endpoints_and_overrides() {
        let ha = Endpoints::new(Platform::Ha, None).unwrap();
        assert_eq!(ha.rest, "https://ha.iadvize.com/api/2");
        assert_eq!(ha.graphql, "https://api.iadvize.com/graphql");
        assert_eq!(ha.authenticated, "https://api.iadvize.com/_authenticated");
        let sd = Endpoints::new(Platform::Sd, Some("  ")).unwrap();
        assert_eq!(sd.rest, "https://sd.iadvize.com/api/2");
        assert_eq!(sd.graphql, "https://api.iadvize.com/graphql?platform=sd");
        let local = Endpoints::new(Platform::Sd, Some("http://127.0.0.1:4100/")).unwrap();
        assert_eq!(local.rest, "http://127.0.0.1:4100/sd/api/2");
        assert_eq!(local.graphql, "http://127.0.0.1:4100/graphql?platform=sd");
        assert_eq!(local.authenticated, "http://127.0.0.1:4100/_authenticated");
        let proxied = Endpoints::new(Platform::Ha, Some("https://proxy.example/iadvize")).unwrap();
        assert_eq!(proxied.rest, "https://proxy.example/iadvize/ha/api/2");
        for bad in [
            "ftp://x",
            "not a url",
            "https://u:p@x.example",
            "http://x?y=1",
        ] {
            assert_eq!(
                Endpoints::new(Platform::Ha, Some(bad)).unwrap_err().code(),
                "iadvize.config",
                "{bad}"
            );
        }
    }

    #[test]
    fn graphql_answers() {
        let b = |v: Value| serde_json::to_vec(&v).unwrap();
        let invalid =
            b(json!({"error": "invalid_token", "error_description": "access token not valid"}));
        assert_eq!(graphql_data(401, &invalid), Err(IadvizeError::TokenInvalid));
        assert_eq!(graphql_data(200, &invalid), Err(IadvizeError::TokenInvalid));
        assert_eq!(graphql_data(401, b""), Err(IadvizeError::TokenInvalid));
        let unauth = b(
            json!({"data": null, "errors": [{"message": "no", "extensions": {"code": "UNAUTHENTICATED"}}]}),
        );
        assert_eq!(graphql_data(200, &unauth), Err(IadvizeError::TokenInvalid));
        assert_eq!(
            graphql_data(403, b"").unwrap_err().code(),
            "iadvize.forbidden"
        );
        let errors = b(
            json!({"data": null, "errors": [{"message": "Unknown field", "path": ["a", 0, "b"]}]}),
        );
        match graphql_data(200, &errors) {
            Err(IadvizeError::Graphql { errors }) => {
                assert_eq!(errors[0].path, ["a", "0", "b"]);
                assert_eq!(errors[0].message, "Unknown field");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            graphql_data(200, &b(json!({"data": {"x": 1}}))),
            Ok(json!({"x": 1}))
        );
        assert_eq!(
            graphql_data(404, b"nope").unwrap_err().code(),
            "iadvize.config"
        );
        assert_eq!(
            graphql_data(200, b"<html>").unwrap_err().code(),
            "iadvize.unexpected"
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = IadvizeClient::new(IadvizeConfig::new(
            Platform::Ha,
            Secret::new("rest-key-secret-value"),
            Secret::new("gql-token-secret-value\n"),
        ))
        .unwrap();
        let text = format!("{c:?}");
        assert!(!text.contains("secret-value"), "{text}");
        let cfg = IadvizeConfig::new(
            Platform::Ha,
            Secret::new("k-secret"),
            Secret::new("t-secret"),
        );
        assert!(!format!("{cfg:?}").contains("-secret"));
    }
}
