//! iAdvize REST v2: key, envelope, paging, resources, history tuples.

use crate::common::*;
use iadvize_zendesk_sandbox::credentials::IADVIZE_REST_API_KEY;
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn rest(env: &Env, path: &str) -> Reply {
    env.ia(
        Method::GET,
        path,
        &[("x-api-key", IADVIZE_REST_API_KEY)],
        None,
    )
    .await
}

#[tokio::test]
async fn the_key_is_required_in_a_header_or_the_query() {
    let env = start().await;
    let r = env.ia(Method::GET, "/api/2/website", &[], None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["meta"]["status"], "error");
    assert_eq!(r.body["meta"]["message"], "Forbidden");
    let r = env
        .ia(
            Method::GET,
            &format!("/api/2/website?key={IADVIZE_REST_API_KEY}"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.body["meta"]["status"], "success");
}

#[tokio::test]
async fn lists_page_with_the_documented_envelope() {
    let env = start().await;
    let r = rest(&env, "/api/2/operator?limit=4&page=2").await;
    assert_eq!(r.body["meta"]["status"], "success");
    let p = &r.body["pagination"];
    assert_eq!(
        (p["page"].as_i64(), p["limit"].as_i64()),
        (Some(2), Some(4))
    );
    assert_eq!(
        p["pages"].as_i64().unwrap(),
        (p["count"].as_i64().unwrap() + 3) / 4
    );
    assert_eq!(r.body["data"].as_array().unwrap().len(), 4);
    let too_big = rest(&env, "/api/2/operator?limit=101").await;
    assert_eq!(too_big.body["meta"]["status"], "fail");
}

#[tokio::test]
async fn operators_visitors_and_websites() {
    let env = start().await;
    let ops = rest(&env, "/api/2/operator?limit=100").await;
    let ops = ops.body["data"].as_array().unwrap();
    let expert = ops.iter().find(|o| o["roles"][0] == "expert").unwrap();
    let one = rest(&env, &format!("/api/2/operator/{}", expert["id"])).await;
    assert_eq!(one.body["data"]["first_name"], expert["first_name"]);
    assert_eq!(
        one.body["data"]["_link"],
        format!("/operator/{}", expert["id"])
    );

    let visitors = rest(&env, "/api/2/visitor?limit=100").await;
    let list = visitors.body["data"].as_array().unwrap();
    assert!(
        list.iter().any(|v| v["email"].is_null()) && list.iter().any(|v| v["email"].is_string())
    );
    let v = rest(&env, &format!("/api/2/visitor/{}", list[0]["id"])).await;
    assert_eq!(v.body["data"]["unique_id"], list[0]["unique_id"]);

    let site = rest(&env, "/api/2/website/3101").await;
    assert_eq!(site.body["data"]["id"], 3101);
    assert!(
        site.body["data"].get("country").is_none(),
        "no country field"
    );
    let missing = rest(&env, "/api/2/website/5201").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.body["meta"],
        serde_json::json!({"status": "fail", "message": "Unknown 'website' with 'id' 5201."})
    );
    assert_eq!(
        rest(&env, "/sd/api/2/website/5201").await.body["data"]["id"],
        5201
    );
    assert_eq!(
        rest(&env, "/api/2/website/5201?platform=sd").await.body["data"]["id"],
        5201
    );
}

#[tokio::test]
async fn conversations_carry_history_tuples() {
    let env = start().await;
    let list = rest(
        &env,
        "/api/2/conversation.json-unicode?formatHistory=0&limit=100",
    )
    .await;
    assert_eq!(list.body["meta"]["status"], "success");
    let convs = list.body["data"].as_array().unwrap();
    assert!(!convs.is_empty());
    let id = convs[0]["id"].as_i64().unwrap();
    let one = rest(
        &env,
        &format!("/api/2/conversation.json-unicode/{id}?formatHistory=0"),
    )
    .await;
    let history = one.body["data"]["history"].as_str().unwrap();
    // Tuples joined by commas without outer brackets: wrap to parse.
    let tuples: Vec<Value> = serde_json::from_str(&format!("[{history}]")).unwrap();
    assert_eq!(tuples[0][0], 3);
    assert!(tuples.iter().any(|t| t[0] == 2));
    assert_eq!(tuples.last().unwrap()[2], "OPERATOR_CHAT_CLOSE");
    for t in &tuples {
        assert!(t[1].as_str().unwrap().len() == 19, "YYYY-MM-DD HH:MM:SS");
    }
    assert!(one.body["data"]["closed_at"].is_string());
    // Windows longer than three months are refused.
    let r = rest(
        &env,
        "/api/2/conversation.json-unicode?from=2025-01-01&to=2025-06-01",
    )
    .await;
    assert_eq!(r.body["meta"]["status"], "fail");
}
