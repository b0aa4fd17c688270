//! Prints how long a sandbox with N seeded conversations (default 10,000) takes to start and
//! to answer its first requests, and the process's peak memory (VmHWM).
//!
//! `cargo run -p iadvize-zendesk-sandbox --release --example startup_figures [-- N [--single-site ID] [--unique-visitors]]`
//!
//! `--single-site 3101` puts every conversation on that site; `--unique-visitors` gives each
//! conversation its own visitor (30 % already Zendesk end-users, 20 % without e-mail), as the
//! drain benchmark does.
//!
//! Figures are printed, never asserted: timing assertions make tests flaky.

use iadvize_zendesk_sandbox::{SandboxConfig, VisitorMix, credentials};
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mut config = SandboxConfig::default().conversations(n);
    if let Some(i) = args.iter().position(|a| a == "--single-site") {
        let site = args
            .get(i + 1)
            .and_then(|s| s.parse().ok())
            .expect("--single-site SITE_ID");
        config = config.single_site(site);
    }
    if args.iter().any(|a| a == "--unique-visitors") {
        config = config.visitor_mix(VisitorMix::unique(0.3, 0.2));
    }
    let before = peak_rss_kib();
    let t = Instant::now();
    let sandbox = iadvize_zendesk_sandbox::start(config)
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
        "Zendesk users seeded:        {}",
        sandbox.control().users().len()
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
