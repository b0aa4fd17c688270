//! Seeded data: reproducible, and covering what the rest of the project needs.

use crate::common::*;
use iadvize_zendesk_sandbox::{Platform, SandboxConfig, credentials::IADVIZE_REST_API_KEY, sites};
use reqwest::Method;
use serde_json::{Value, json};

const Q: &str = "query($from: DateTime!, $to: DateTime!) { closedConversations(filters: {interval: {from: $from, to: $to}}, first: 100) {
  edges { node { id legacyId closedAt createdAt channel visitor { email firstName } users { id } tags { id name } closingFormValues { fieldId value }
    messages(first: 5) { edges { node { id text createdAt } } } } } } }";

async fn snapshot(seed: u64) -> Value {
    let env = start_with(SandboxConfig::default().seed(seed).conversations(40)).await;
    // A fixed window far enough back and ahead: the data itself is placed relative to start.
    let r = env
        .graphql(
            Q,
            json!({"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}),
        )
        .await;
    let mut v = r.body["data"]["closedConversations"]["edges"].clone();
    // Times follow the start instant; everything else must match exactly.
    for e in v.as_array_mut().unwrap() {
        let n = e["node"].as_object_mut().unwrap();
        n.remove("closedAt");
        n.remove("createdAt");
        for m in n["messages"]["edges"].as_array_mut().unwrap() {
            m["node"].as_object_mut().unwrap().remove("createdAt");
        }
    }
    v
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data() {
    let (a, b, c) = (snapshot(7).await, snapshot(7).await, snapshot(8).await);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[tokio::test]
async fn sites_agents_and_visitors_cover_the_needed_cases() {
    let env = start().await;
    let all = sites();
    assert!(all.iter().filter(|s| s.platform == Platform::Ha).count() >= 2);
    assert!(all.iter().filter(|s| s.platform == Platform::Sd).count() >= 2);

    let ops = env
        .ia(
            Method::GET,
            "/api/2/operator?limit=100",
            &[("x-api-key", IADVIZE_REST_API_KEY)],
            None,
        )
        .await;
    let roles: Vec<&str> = ops.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["roles"][0].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"operator") && roles.contains(&"expert"));

    // Some visitor e-mails are already Zendesk users, some are not.
    let visitors = env
        .ia(
            Method::GET,
            "/api/2/visitor?limit=100",
            &[("x-api-key", IADVIZE_REST_API_KEY)],
            None,
        )
        .await;
    let emails: Vec<String> = visitors.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["email"].as_str().map(str::to_string))
        .collect();
    let c = env.sandbox.control();
    let known = emails
        .iter()
        .filter(|e| c.user_by_email(e).is_some())
        .count();
    assert!(known > 0 && known < emails.len());

    // Bots are in the data as GraphQL `Bot`s.
    let r = env.graphql("query($f: DateTime!, $t: DateTime!) { closedConversations(filters: {interval: {from: $f, to: $t}}, first: 100) { edges { node { closedAt users { __typename } } } } }",
        json!({"f": "2000-01-01T00:00:00Z", "t": "2100-01-01T00:00:00Z"})).await;
    let edges = r.body["data"]["closedConversations"]["edges"]
        .as_array()
        .unwrap();
    let kinds: Vec<&str> = edges
        .iter()
        .flat_map(|e| e["node"]["users"].as_array().unwrap())
        .map(|u| u["__typename"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"Bot") && kinds.contains(&"Expert") && kinds.contains(&"Professional"));
    // Closed times spread over the past days, the newest close to now.
    let newest = chrono::DateTime::parse_from_rfc3339(
        edges.last().unwrap()["node"]["closedAt"].as_str().unwrap(),
    )
    .unwrap();
    let oldest =
        chrono::DateTime::parse_from_rfc3339(edges[0]["node"]["closedAt"].as_str().unwrap())
            .unwrap();
    let now = c.now();
    assert!(
        newest <= now && now - newest.with_timezone(&chrono::Utc) < chrono::Duration::hours(12)
    );
    assert!(newest - oldest > chrono::Duration::days(5));
}

#[tokio::test]
async fn reset_restores_the_seeded_state() {
    let env = start().await;
    let c = env.sandbox.control();
    let users = c.users().len();
    env.create_ticket(json!({"requester": {"email": "r@x.example"}, "comment": {"body": "x"}}))
        .await;
    c.close_new_conversation();
    c.reset();
    assert!(c.tickets().is_empty());
    assert_eq!(c.users().len(), users);
    assert_eq!(c.conversation_count(), 60);
    assert!(c.emails().is_empty());
}
