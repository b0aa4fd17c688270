//! iAdvize GraphQL: the contract enforced, paging, platforms, transcripts, token expiry.

use crate::common::*;
use iadvize_zendesk_sandbox::credentials::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

const PAGE: &str = "query Page($from: DateTime!, $to: DateTime!, $after: String, $first: Int, $projects: [LegacyId!]) {
  closedConversations(filters: {interval: {from: $from, to: $to}, projectIds: $projects}, first: $first, after: $after) {
    edges { cursor node { id legacyId closedAt channel project { id name } users { __typename id firstName lastName email } } }
    pageInfo { endCursor hasNextPage } } }";

fn window() -> (String, String) {
    let to = chrono::Utc::now() + chrono::Duration::minutes(5);
    let from = to - chrono::Duration::days(30);
    (from.to_rfc3339(), to.to_rfc3339())
}

async fn all_pages(env: &Env, path: &str, first: i64) -> Vec<Value> {
    let (from, to) = window();
    let mut after = Value::Null;
    let mut out = Vec::new();
    loop {
        let r = env
            .graphql_at(
                path,
                IADVIZE_GRAPHQL_TOKEN,
                PAGE,
                json!({"from": from, "to": to, "after": after, "first": first}),
            )
            .await;
        assert!(r.body.get("errors").is_none(), "{:?}", r.body);
        let conn = &r.body["data"]["closedConversations"];
        let edges = conn["edges"].as_array().unwrap();
        assert!(edges.len() as i64 <= first);
        out.extend(edges.iter().map(|e| e["node"].clone()));
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    out
}

#[tokio::test]
async fn closed_conversations_page_in_closed_at_order_without_gaps() {
    let env = start().await;
    let ha = all_pages(&env, "/graphql", 7).await;
    let sd = all_pages(&env, "/graphql?platform=sd", 100).await;
    assert_eq!(ha.len() + sd.len(), 60, "every seeded conversation, once");
    let ids: HashSet<&str> = ha
        .iter()
        .chain(&sd)
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 60);
    let keys: Vec<(String, String)> = ha
        .iter()
        .map(|c| {
            (
                c["closedAt"].as_str().unwrap().to_string(),
                c["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "closedAt ascending, then id");
    let ha_sites: HashSet<i64> = ha
        .iter()
        .map(|c| c["project"]["id"].as_i64().unwrap())
        .collect();
    let sd_sites: HashSet<i64> = sd
        .iter()
        .map(|c| c["project"]["id"].as_i64().unwrap())
        .collect();
    assert!(ha_sites.iter().all(|s| [3101, 3102, 3103].contains(s)));
    assert!(sd_sites.iter().all(|s| [5201, 5202].contains(s)));
    // closedConversations carries users, with their concrete types.
    let kinds: HashSet<&str> = ha
        .iter()
        .flat_map(|c| c["users"].as_array().unwrap())
        .map(|u| u["__typename"].as_str().unwrap())
        .collect();
    assert!(kinds.contains("Professional"));
}

#[tokio::test]
async fn the_interval_is_half_open_and_filters_apply() {
    let env = start().await;
    let all = all_pages(&env, "/graphql", 100).await;
    let pivot = all[10]["closedAt"].as_str().unwrap().to_string();
    let (from, _) = window();
    let r = env
        .graphql(PAGE, json!({"from": from, "to": pivot, "first": 100}))
        .await;
    let before = r.body["data"]["closedConversations"]["edges"]
        .as_array()
        .unwrap();
    assert!(
        before
            .iter()
            .all(|e| e["node"]["closedAt"].as_str().unwrap() < pivot.as_str())
    );
    let r = env
        .graphql(PAGE, json!({"from": pivot, "to": window().1, "first": 100}))
        .await;
    assert_eq!(
        r.body["data"]["closedConversations"]["edges"][0]["node"]["closedAt"],
        pivot.as_str()
    );
    let r = env
        .graphql(
            PAGE,
            json!({"from": from, "to": window().1, "first": 100, "projects": [3102]}),
        )
        .await;
    let edges = r.body["data"]["closedConversations"]["edges"]
        .as_array()
        .unwrap();
    assert!(!edges.is_empty() && edges.iter().all(|e| e["node"]["project"]["id"] == 3102));
}

#[tokio::test]
async fn queries_leaving_the_contract_fail_with_graphql_errors() {
    let env = start().await;
    for bad in [
        "{ conversation(id: \"4c8c7408-f73c-42cd-89e9-afbbee7d9024\") { agents { id } } }",
        "{ projects(first: 10) { edges { node { id } } } }",
        "{ project(projectId: 3101) { id country } }",
        "{ conversation(id: 12) { id } }",
        "{ conversation(id: \"not-a-uuid\") { id } }",
    ] {
        let r = env.graphql(bad, json!({})).await;
        assert_eq!(r.status, StatusCode::OK);
        let errors = r.body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{bad}: {:?}", r.body));
        assert!(errors[0]["message"].is_string());
    }
    let (from, to) = window();
    let r = env
        .graphql(PAGE, json!({"from": from, "to": to, "first": 101}))
        .await;
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("100")
    );
}

#[tokio::test]
async fn one_conversation_has_no_users_and_a_transcript_with_contact_markers() {
    let env = start().await;
    let (from, to) = window();
    let list = env
        .graphql(PAGE, json!({"from": from, "to": to, "first": 100}))
        .await;
    let id = list.body["data"]["closedConversations"]["edges"][0]["node"]["id"].clone();
    let q = "query One($id: UUID!) { conversation(id: $id) { id users { id } visitor { firstName email }
        messages(first: 100) { edges { node { createdAt text author { __typename ... on UserAuthor { user { id } } }
          attachments { __typename ... on ConversationPushedSystemAttachment { toUser { __typename id lastName } } } } } pageInfo { hasNextPage } } } }";
    let r = env.graphql(q, json!({"id": id})).await;
    assert!(r.body.get("errors").is_none(), "{:?}", r.body);
    let c = &r.body["data"]["conversation"];
    assert!(
        c["users"].is_null(),
        "users are only served via closedConversations"
    );
    let msgs = c["messages"]["edges"].as_array().unwrap();
    assert_eq!(msgs[0]["node"]["author"]["__typename"], "SystemAuthor");
    assert_eq!(
        msgs[0]["node"]["attachments"][0]["__typename"],
        "ConversationPushedSystemAttachment"
    );
    let agent = msgs[0]["node"]["attachments"][0]["toUser"]["id"].clone();
    // Agent messages of the first contact come from the pushed agent.
    let first_reply = msgs
        .iter()
        .skip(1)
        .take_while(|m| m["node"]["author"]["__typename"] != "SystemAuthor")
        .find(|m| m["node"]["author"]["__typename"] == "UserAuthor");
    if let Some(m) = first_reply {
        assert_eq!(m["node"]["author"]["user"]["id"], agent);
    }
    // Unknown id: null, no error.
    let r = env
        .graphql(
            "{ conversation(id: \"4c8c7408-f73c-42cd-89e9-afbbee7d9024\") { id } }",
            json!({}),
        )
        .await;
    assert!(r.body["data"]["conversation"].is_null());
}

#[tokio::test]
async fn seeded_transcripts_include_the_hard_cases() {
    let env = start().await;
    let q = "query($from: DateTime!, $to: DateTime!, $after: String) { closedConversations(filters: {interval: {from: $from, to: $to}}, first: 100, after: $after) {
        edges { node { id closingFormValues { fieldId value } engagementCampaign { name } tags { name }
          messages(first: 100) { edges { node { text attachments { __typename } } } pageInfo { hasNextPage endCursor } } } } pageInfo { hasNextPage endCursor } } }";
    let (from, to) = window();
    let mut texts = String::new();
    let mut attachment_kinds = HashSet::new();
    let mut field_ids = HashSet::new();
    let mut long_conversation = None;
    let mut campaigns = 0;
    for path in ["/graphql", "/graphql?platform=sd"] {
        let r = env
            .graphql_at(
                path,
                IADVIZE_GRAPHQL_TOKEN,
                q,
                json!({"from": from, "to": to}),
            )
            .await;
        assert!(r.body.get("errors").is_none(), "{:?}", r.body);
        for e in r.body["data"]["closedConversations"]["edges"]
            .as_array()
            .unwrap()
        {
            let n = &e["node"];
            campaigns += usize::from(!n["engagementCampaign"].is_null());
            for v in n["closingFormValues"].as_array().unwrap() {
                field_ids.insert(v["fieldId"].as_str().unwrap().to_string());
            }
            if n["messages"]["pageInfo"]["hasNextPage"] == true {
                long_conversation = Some(n["id"].clone());
            }
            for m in n["messages"]["edges"].as_array().unwrap() {
                texts.push_str(m["node"]["text"].as_str().unwrap_or(""));
                for a in m["node"]["attachments"].as_array().unwrap() {
                    attachment_kinds.insert(a["__typename"].as_str().unwrap().to_string());
                }
            }
        }
    }
    for needle in ["<script>", "😊", "مرحبا", "שלום", "日本語"] {
        assert!(texts.contains(needle), "missing {needle}");
    }
    // The long transcript needs a second page of messages and is over 70 kB.
    let id = long_conversation.expect("a transcript longer than one page");
    let page = "query($id: UUID!, $after: String) { conversation(id: $id) { messages(first: 100, after: $after) {
        edges { node { text } } pageInfo { hasNextPage endCursor } } } }";
    let (mut after, mut bytes, mut pages) = (Value::Null, 0, 0);
    loop {
        let r = env.graphql(page, json!({"id": id, "after": after})).await;
        let m = &r.body["data"]["conversation"]["messages"];
        bytes += m["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["text"].as_str().unwrap_or("").len())
            .sum::<usize>();
        pages += 1;
        if m["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = m["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 2);
    assert!(bytes > 70_000, "{bytes} bytes");
    for kind in [
        "ConversationPushedSystemAttachment",
        "FileAttachment",
        "LinkAttachment",
    ] {
        assert!(attachment_kinds.contains(kind), "missing {kind}");
    }
    assert!(field_ids.contains("escalate") && field_ids.contains("private_note"));
    assert!(field_ids.iter().any(|f| f.starts_with("zendesk_field_")));
    assert!(campaigns > 0);
}

#[tokio::test]
async fn tokens_expire_after_24_hours_and_the_password_grant_renews_them() {
    let env = start().await;
    let ok = env
        .ia(
            Method::GET,
            "/_authenticated",
            &[("authorization", &format!("Bearer {IADVIZE_GRAPHQL_TOKEN}"))],
            None,
        )
        .await;
    assert_eq!(ok.body, json!({"authenticated": true}));
    let none = env
        .ia(
            Method::POST,
            "/graphql",
            &[],
            Some(json!({"query": "{ project(projectId: 3101) { id } }"})),
        )
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);

    env.sandbox
        .control()
        .advance(Duration::from_secs(24 * 3600 + 1));
    let expired = env
        .graphql("{ project(projectId: 3101) { id } }", json!({}))
        .await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        expired.body,
        json!({"error": "invalid_token", "error_description": "access token not valid"})
    );
    let check = env
        .ia(
            Method::GET,
            "/_authenticated",
            &[("authorization", &format!("Bearer {IADVIZE_GRAPHQL_TOKEN}"))],
            None,
        )
        .await;
    assert_eq!(check.body["error"], "invalid_token");

    let form = [
        ("username", IADVIZE_USERNAME),
        ("password", IADVIZE_PASSWORD),
        ("grant_type", "password"),
    ];
    let r = env
        .http
        .post(format!("{}/oauth2/token", env.sandbox.iadvize_url()))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["expires_in"], 86400);
    assert_eq!(body["refresh_token"], "none");
    let token = body["access_token"].as_str().unwrap();
    let r = env
        .graphql_at(
            "/graphql",
            token,
            "{ project(projectId: 3101) { id name } }",
            json!({}),
        )
        .await;
    assert_eq!(r.body["data"]["project"]["id"], 3101);
    // The sd site is not on ha.
    let r = env
        .graphql_at(
            "/graphql",
            token,
            "{ project(projectId: 5201) { id } }",
            json!({}),
        )
        .await;
    assert!(r.body["data"]["project"].is_null());

    let wrong = [
        ("username", IADVIZE_USERNAME),
        ("password", "nope"),
        ("grant_type", "password"),
    ];
    let r = env
        .http
        .post(format!("{}/oauth2/token", env.sandbox.iadvize_url()))
        .form(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn closed_conversation_ids_match_what_graphql_serves() {
    let env = start().await;
    let (from, to) = window();
    let served: Vec<String> = all_pages(&env, "/graphql?platform=sd", 100)
        .await
        .iter()
        .filter(|c| c["project"]["id"] == 5201)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let parse = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let ids: Vec<String> = env
        .sandbox
        .control()
        .closed_conversation_ids(
            iadvize_zendesk_sandbox::Platform::Sd,
            Some(5201),
            parse(&from),
            parse(&to),
        )
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(!ids.is_empty());
    assert_eq!(ids, served);
}

#[tokio::test]
async fn a_schema_variant_can_leave_out_a_contract_field() {
    let sdl: String = iadvize_zendesk_sandbox::IADVIZE_CONTRACT_SDL
        .lines()
        .filter(|l| !l.trim_start().starts_with("engagementCampaign:"))
        .collect::<Vec<_>>()
        .join("\n");
    let env = start_with(
        iadvize_zendesk_sandbox::SandboxConfig::default()
            .conversations(10)
            .iadvize_schema_sdl(sdl),
    )
    .await;
    let (from, to) = window();
    let q = "query($from: DateTime!, $to: DateTime!) { closedConversations(filters: {interval: {from: $from, to: $to}}, first: 1) { edges { node { id engagementCampaign { name } } } } }";
    let r = env.graphql(q, json!({"from": from, "to": to})).await;
    let message = r.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("engagementCampaign"), "{:?}", r.body);
    let q = "query($from: DateTime!, $to: DateTime!) { closedConversations(filters: {interval: {from: $from, to: $to}}, first: 1) { edges { node { id } } } }";
    let r = env.graphql(q, json!({"from": from, "to": to})).await;
    assert!(r.body.get("errors").is_none(), "{:?}", r.body);
    let fields = env
        .graphql(
            "{ __type(name: \"Conversation\") { fields { name } } }",
            json!({}),
        )
        .await;
    let names: Vec<&str> = fields.body["data"]["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"closingFormValues"));
    assert!(!names.contains(&"engagementCampaign"));
}
