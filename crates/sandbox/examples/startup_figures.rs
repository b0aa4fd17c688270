//! Prints how long a sandbox with N seeded conversations (default 10,000) takes to start and
//! to answer its first requests, and the process's peak memory (VmHWM).
//!
//! `cargo run -p iadvize-zendesk-sandbox --release --example startup_figures [-- N]`
//!
//! Figures are printed, never asserted: timing assertions make tests flaky.

use iadvize_zendesk_sandbox::{SandboxConfig, credentials};
use std::time::Instant;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let before = peak_rss_kib();
    let t = Instant::now();
    let sandbox = iadvize_zendesk_sandbox::start(SandboxConfig::default().conversations(n))
        .await
        .expect("starts");
    let started = t.elapsed();

    // First answers: one closedConversations page and one ticket creation.
    let http = reqwest::Client::new();
    let t = Instant::now();
    let q = serde_json::json!({"query": "query($f: DateTime!, $t: DateTime!) { closedConversations(filters: {interval: {from: $f, to: $t}}, first: 100) { edges { node { id messages { edges { node { text } } } } } } }",
        "variables": {"f": "2000-01-01T00:00:00Z", "t": "2100-01-01T00:00:00Z"}});
    let r = http
        .post(format!("{}/graphql", sandbox.iadvize_url()))
        .bearer_auth(credentials::IADVIZE_GRAPHQL_TOKEN)
        .json(&q)
        .send()
        .await
        .expect("graphql answers");
    assert!(r.status().is_success());
    let graphql = t.elapsed();
    let t = Instant::now();
    let r = http
        .post(format!("{}/api/v2/tickets", sandbox.zendesk_url()))
        .header(
            "authorization",
            credentials::zendesk_basic_auth(
                credentials::ZENDESK_ADMIN_EMAIL,
                credentials::ZENDESK_API_TOKEN,
            ),
        )
        .json(&serde_json::json!({"ticket": {"comment": {"body": "hello", "public": false}}}))
        .send()
        .await
        .expect("zendesk answers");
    assert_eq!(r.status(), 201);
    let ticket = t.elapsed();

    println!(
        "conversations seeded:        {}",
        sandbox.control().conversation_count()
    );
    println!(
        "start (seed + listeners):    {:.1} ms",
        started.as_secs_f64() * 1e3
    );
    println!(
        "first GraphQL page (100):    {:.1} ms",
        graphql.as_secs_f64() * 1e3
    );
    println!(
        "first ticket created:        {:.1} ms",
        ticket.as_secs_f64() * 1e3
    );
    match (before, peak_rss_kib()) {
        (Some(b), Some(a)) => println!(
            "peak RSS (VmHWM):            {:.1} MiB (before start: {:.1} MiB)",
            a as f64 / 1024.0,
            b as f64 / 1024.0
        ),
        _ => println!("peak RSS:                    unavailable (no /proc/self/status)"),
    }
}
