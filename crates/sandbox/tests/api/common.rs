//! Helpers: start a sandbox, talk to it as the admin, agent or anonymous.

use iadvize_zendesk_sandbox::{Sandbox, SandboxConfig, credentials::*};
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

pub struct Env {
    pub sandbox: Sandbox,
    pub http: Client,
}

pub async fn start() -> Env {
    start_with(SandboxConfig::default().conversations(60)).await
}

pub async fn start_with(config: SandboxConfig) -> Env {
    let sandbox = iadvize_zendesk_sandbox::start(config)
        .await
        .expect("sandbox starts");
    let http = Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    Env { sandbox, http }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn admin() -> String {
    zendesk_basic_auth(ZENDESK_ADMIN_EMAIL, ZENDESK_API_TOKEN)
}

pub fn agent() -> String {
    zendesk_basic_auth(ZENDESK_AGENT_EMAIL, ZENDESK_AGENT_API_TOKEN)
}

pub fn light_agent() -> String {
    zendesk_basic_auth(ZENDESK_LIGHT_AGENT_EMAIL, ZENDESK_LIGHT_AGENT_API_TOKEN)
}

impl Env {
    /// A Zendesk call; `auth` is a full `Authorization` value or None.
    pub async fn zd(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.zd_with(method, path, auth, body, &[]).await
    }

    pub async fn zd_with(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path}", self.sandbox.zendesk_url());
        let mut req = self.http.request(method, url);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request answered");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.zd(Method::GET, path, Some(&admin()), None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.zd(Method::POST, path, Some(&admin()), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.zd(Method::PUT, path, Some(&admin()), Some(body)).await
    }

    /// An iAdvize call (GraphQL, OAuth or REST).
    pub async fn ia(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let url = format!("{}{path}", self.sandbox.iadvize_url());
        let mut req = self.http.request(method, url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request answered");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn graphql(&self, query: &str, variables: Value) -> Reply {
        self.graphql_at("/graphql", IADVIZE_GRAPHQL_TOKEN, query, variables)
            .await
    }

    pub async fn graphql_at(
        &self,
        path: &str,
        token: &str,
        query: &str,
        variables: Value,
    ) -> Reply {
        let bearer = format!("Bearer {token}");
        self.ia(
            Method::POST,
            path,
            &[("authorization", &bearer)],
            Some(serde_json::json!({"query": query, "variables": variables})),
        )
        .await
    }

    /// Creates a ticket through the Tickets API as the admin; returns its id.
    pub async fn create_ticket(&self, ticket: Value) -> i64 {
        let r = self
            .post("/api/v2/tickets", serde_json::json!({"ticket": ticket}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.body["ticket"]["id"].as_i64().unwrap()
    }
}
