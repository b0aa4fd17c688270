//! The real binary's `check` and `forms` against the sandbox (served by this test process).
//! Run inside scripts/with-keychain.sh.

use iadvize_zendesk_sandbox::{Sandbox, SandboxConfig, credentials as c};
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_iadvize-zendesk");

async fn cli(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::from(Command::new(BIN));
    cmd.arg("--data-dir").arg(data).args(args).env_remove("ZENDESK_OAUTH_CLIENT_ID");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("run the CLI")
}

async fn add_site(data: &Path, sandbox: &Sandbox, site_id: &str, token: &str) -> String {
    let zd = sandbox.zendesk_url();
    let ia = sandbox.iadvize_url();
    let out = cli(
        data,
        &[
            "site", "add", "--name", site_id, "--platform", "ha", "--iadvize-site-id", site_id,
            "--zendesk-domain", "sandbox", "--zendesk-email", c::ZENDESK_ADMIN_EMAIL,
            "--zendesk-api-url", &zd, "--iadvize-api-url", &ia,
        ],
        &[
            ("ZENDESK_API_TOKEN", token),
            ("IADVIZE_REST_API_KEY", c::IADVIZE_REST_API_KEY),
            ("IADVIZE_GRAPHQL_TOKEN", c::IADVIZE_GRAPHQL_TOKEN),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn check_passes_on_a_good_site_and_fails_with_the_setting_on_a_bad_one() {
    let sandbox = iadvize_zendesk_sandbox::start(SandboxConfig::default()).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let good = add_site(data.path(), &sandbox, "3101", c::ZENDESK_API_TOKEN).await;
    let out = cli(data.path(), &["check", &good], &[]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("ok   zendesk_admin"), "{text}");
    assert!(text.contains("parts present"), "{text}");

    let json = cli(data.path(), &["check", &good, "--json"], &[]).await;
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["checks"].as_array().unwrap().len(), 7);

    let bad = add_site(data.path(), &sandbox, "3102", "wrong-token").await;
    let out = cli(data.path(), &["check", &bad], &[]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL zendesk_credential"), "{text}");
    assert!(text.contains("[setting: secrets.zendesk_api_token]"), "{text}");
    assert!(!text.contains("wrong-token"));
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_lists_fields_requirements_and_the_reporting_fields() {
    let sandbox = iadvize_zendesk_sandbox::start(SandboxConfig::default()).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let site = add_site(data.path(), &sandbox, "3101", c::ZENDESK_API_TOKEN).await;
    let out = cli(data.path(), &["forms", &site, "--json"], &[]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let overview: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(overview["forms_available"], true);
    let forms = overview["forms"].as_array().unwrap();
    assert!(forms.len() >= 2, "{overview}");
    assert!(
        forms.iter().any(|f| f["iadvize_fields"]["agent"].is_i64()
            && f["iadvize_fields"]["country"].is_i64()
            && f["iadvize_fields"]["campaign"].is_i64()),
        "a seeded form has the three iAdvize fields"
    );
    assert!(
        forms.iter().flat_map(|f| f["fields"].as_array().unwrap()).any(|f| !f["conditions"].as_array().unwrap().is_empty()),
        "a seeded form has a conditional field"
    );
    let human = cli(data.path(), &["forms", &site], &[]).await;
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("iAdvize Agent: field"), "{text}");
    assert!(text.contains("Shown when"), "{text}");
}
