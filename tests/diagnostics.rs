//! The diagnostics bundle for a sandbox site with data: every part is there, and no file of it
//! holds a secret, a token, an e-mail address or a visitor's name, even where the ledger and the
//! logs had them; a failing check goes in as a failure. Run inside scripts/with-keychain.sh.

use base64::Engine;
use chrono::{Duration, Utc};
use iadvize_zendesk::Api;
use iadvize_zendesk::api::ClientTuning;
use iadvize_zendesk::diagnostics::DiagnosticsOptions;
use iadvize_zendesk::iadvize::{ClosedConversationsFilter, Conversation};
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{Platform, SecretsDraft, SettingChange, Site, SiteDraft, SiteRef, ZendeskAuthKind};
use iadvize_zendesk::sync::engine;
use iadvize_zendesk_sandbox::faults::{Api as FaultApi, Fault, FaultRule, Trigger};
use iadvize_zendesk_sandbox::{Sandbox, SandboxConfig, credentials as c, form_ids};
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

const SITE: i64 = 3101;

async fn setup() -> (tempfile::TempDir, Arc<Api>, Sandbox, Site) {
    let dir = tempfile::tempdir().unwrap();
    let api = Arc::new(Api::open(dir.path()).unwrap());
    api.set_tuning(ClientTuning {
        zendesk: Some(Arc::new(|c| {
            c.job_poll_interval = std::time::Duration::from_millis(20);
            c.request_timeout = std::time::Duration::from_secs(3);
        })),
        iadvize: Some(Arc::new(|c| c.timeout = std::time::Duration::from_secs(3))),
    });
    let sandbox = iadvize_zendesk_sandbox::start(
        SandboxConfig::default().conversations(800).job_duration(std::time::Duration::from_millis(50)),
    )
    .await
    .unwrap();
    let site = api
        .create_site(&SiteDraft {
            name: "Diagnosed".into(),
            platform: Platform::Ha,
            iadvize_site_id: SITE.to_string(),
            zendesk_domain: "sandbox".into(),
            zendesk_email: c::ZENDESK_ADMIN_EMAIL.into(),
            zendesk_auth: ZendeskAuthKind::ApiToken,
            zendesk_oauth_client_id: None,
            country: Some("France".into()),
            start_from: Some((Utc::now() - Duration::days(8)).to_rfc3339()),
            zendesk_api_url: Some(sandbox.zendesk_url()),
            iadvize_api_url: Some(sandbox.iadvize_url()),
            secrets: SecretsDraft {
                zendesk_api_token: Some(Secret::new(c::ZENDESK_API_TOKEN)),
                zendesk_oauth_client_secret: None,
                iadvize_rest_api_key: Some(Secret::new(c::IADVIZE_REST_API_KEY)),
                iadvize_graphql_token: Some(Secret::new(c::IADVIZE_GRAPHQL_TOKEN)),
            },
        })
        .unwrap();
    let site = api
        .change_settings(
            site.id,
            &[
                SettingChange::Autosave(true),
                SettingChange::AutosaveFormId(Some(form_ids::ARCHIVE)),
                SettingChange::GraceSeconds(0),
            ],
        )
        .unwrap();
    (dir, api, sandbox, site)
}

async fn conversations(api: &Api, site: &Site) -> Vec<Conversation> {
    let client = iadvize_zendesk::check::iadvize_client(api, site).unwrap();
    client
        .closed_conversations(&ClosedConversationsFilter::site(SITE, site.settings.start_from - Duration::days(1), Utc::now() + Duration::minutes(1)))
        .await
        .unwrap()
}

/// Every file of a zip, as text.
fn unzip(path: &std::path::Path) -> BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        out.insert(name, text);
    }
    out
}

fn word(text: &str, w: &str) -> bool {
    let re = regex::Regex::new(&format!(r"\b{}\b", regex::escape(w))).unwrap();
    re.is_match(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_bundle_has_every_part_and_no_secret_email_or_visitor_name() {
    let (dir, api, sandbox, site) = setup().await;
    // The first batch is refused for good: failed conversations keep their content (and so
    // their visitors) in the ledger.
    sandbox.control().add_fault(FaultRule {
        api: FaultApi::Zendesk,
        method: Some("POST".into()),
        route: Some("/api/v2/imports/tickets/create_many".into()),
        fault: Fault::Status { status: 422, retry_after_secs: None },
        trigger: Trigger::Next { count: 1 },
    });
    engine::sync_once(&api, None).await.unwrap();
    // New conversations wait in their grace period, content kept too.
    api.change_settings(site.id, &[SettingChange::GraceSeconds(86_400)]).unwrap();
    let mut live = 0;
    while live < 3 {
        let id = sandbox.control().close_new_conversation();
        live += usize::from(
            sandbox
                .control()
                .closed_conversation_ids(iadvize_zendesk_sandbox::Platform::Ha, Some(SITE), Utc::now() - Duration::minutes(5), Utc::now() + Duration::minutes(1))
                .contains(&id),
        );
    }
    engine::sync_once(&api, None).await.unwrap();
    let convs = conversations(&api, &site).await;

    // What the ledger keeps, and a leaky log and ledger as the worst case.
    let kept: Vec<Conversation> = {
        let conn = api.store().conn();
        let mut stmt = conn.prepare("SELECT payload FROM ledger WHERE payload IS NOT NULL").unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|p| serde_json::from_str(&p.unwrap()).unwrap()).collect()
    };
    assert!(kept.len() >= 10, "{}", kept.len());
    let named: Vec<&Conversation> = kept.iter().filter(|c| c.visitor.full_name().is_some() && c.visitor.usable_email().is_some()).collect();
    let victim = named[0];
    let victim_name = victim.visitor.full_name().unwrap();
    let victim_email = victim.visitor.usable_email().unwrap().to_owned();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}/token:{}", c::ZENDESK_ADMIN_EMAIL, c::ZENDESK_API_TOKEN));
    {
        let conn = api.store().conn();
        let failed = conn
            .execute(
                "UPDATE ledger SET error_message = ?1 WHERE site_id = ?2 AND state = 'failed'",
                rusqlite::params![
                    format!("Zendesk refused the requester {victim_name} <{victim_email}> (key {})", c::IADVIZE_REST_API_KEY),
                    site.id
                ],
            )
            .unwrap();
        assert!(failed > 0);
        conn.execute(
            "UPDATE attempts SET message = ?1 WHERE site_id = ?2",
            rusqlite::params![format!("sent with Authorization: Bearer {}", c::IADVIZE_GRAPHQL_TOKEN), site.id],
        )
        .unwrap();
    }
    let logs = iadvize_zendesk::paths::log_dir(dir.path());
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("iadvize-zendesk.2026-11-25.log"),
        format!(
            "2026-11-25T10:00:00Z INFO sync: older line\n\
             2026-11-25T10:00:01Z WARN zendesk: 401 for Authorization: Basic {basic}\n\
             2026-11-25T10:00:02Z WARN iadvize: GET /api/2/website/3101?key={rest}&limit=1 failed; token={gql}\n\
             2026-11-25T10:00:03Z INFO ticket: requester \"{name}\" ({email}), visitor {first} wrote\n\
             {{\"level\":\"WARN\",\"fields\":{{\"visitor\":{json_name},\"zendesk_token\":\"{zd}\"}}}}\n",
            rest = c::IADVIZE_REST_API_KEY,
            gql = c::IADVIZE_GRAPHQL_TOKEN,
            name = victim_name,
            email = victim_email.to_uppercase(),
            first = victim.visitor.first_name.clone().unwrap_or_default(),
            json_name = serde_json::to_string(&victim_name).unwrap(),
            zd = c::ZENDESK_API_TOKEN,
        ),
    )
    .unwrap();

    // In-process, and through the CLI.
    let out = dir.path().join("bundle.zip");
    let summary = api.diagnostics(&SiteRef::Id(site.id), &out).await.unwrap();
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    let cli_out = dir.path().join("cli-bundle.zip");
    let cli = tokio::process::Command::new(env!("CARGO_BIN_EXE_iadvize-zendesk"))
        .args(["diagnostics", "Diagnosed", "--out", cli_out.to_str().unwrap()])
        .env("IADVIZE_ZENDESK_DATA_DIR", dir.path())
        .output()
        .await
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    assert!(String::from_utf8_lossy(&cli.stdout).contains("connection_check.json"));

    // What must never appear: secrets and credentials, every e-mail, every visitor's name.
    let mut forbidden: Vec<String> = vec![
        c::ZENDESK_API_TOKEN.into(),
        c::IADVIZE_REST_API_KEY.into(),
        c::IADVIZE_GRAPHQL_TOKEN.into(),
        basic.clone(),
        c::ZENDESK_ADMIN_EMAIL.into(),
    ];
    for conv in &convs {
        forbidden.extend(conv.visitor.email.clone());
        forbidden.extend(conv.visitor.full_name());
        forbidden.extend(conv.agents.iter().filter_map(|a| a.email.clone()));
    }
    let words: Vec<String> = kept
        .iter()
        .flat_map(|c| [c.visitor.first_name.clone(), c.visitor.last_name.clone()])
        .flatten()
        .collect();
    let email_shape = regex::Regex::new(r"\w@\w").unwrap();
    for bundle in [&out, &cli_out] {
        let files = unzip(bundle);
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        for expected in [
            "README.txt",
            "app.json",
            "site.json",
            "sync.json",
            "ledger.json",
            "connection_check.json",
            "compatibility.json",
            "forms.json",
            "stats.json",
            "logs/recent.log",
        ] {
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
        for (name, text) in &files {
            let lower = text.to_lowercase();
            for f in &forbidden {
                assert!(!lower.contains(&f.to_lowercase()), "{name} holds {f:?}");
            }
            for w in &words {
                assert!(!word(text, w), "{name} holds the visitor name {w:?}");
            }
            assert!(!email_shape.is_match(text), "{name} holds an e-mail address");
        }
        // And the useful parts are there.
        let app: serde_json::Value = serde_json::from_str(&files["app.json"]).unwrap();
        assert_eq!(app["version"], env!("CARGO_PKG_VERSION"));
        let site_json: serde_json::Value = serde_json::from_str(&files["site.json"]).unwrap();
        assert_eq!(site_json["name"], "Diagnosed");
        assert_eq!(site_json["zendesk_email"], "[email]");
        assert_eq!(site_json["secrets"].as_array().unwrap().len(), 3, "which secrets are stored");
        let ledger: serde_json::Value = serde_json::from_str(&files["ledger.json"]).unwrap();
        let rows: i64 = api.store().conn().query_row("SELECT count(*) FROM ledger", [], |r| r.get(0)).unwrap();
        assert_eq!(ledger.as_array().unwrap().len() as i64, rows.min(100));
        assert!(files["ledger.json"].contains("[visitor] <[email]> (key [secret])"), "the leaky error, redacted");
        let check: serde_json::Value = serde_json::from_str(&files["connection_check.json"]).unwrap();
        assert_eq!(check["ok"]["ok"], true, "{check}");
        let compat: serde_json::Value = serde_json::from_str(&files["compatibility.json"]).unwrap();
        assert!(compat.get("ok").is_some(), "{compat}");
        let forms: serde_json::Value = serde_json::from_str(&files["forms.json"]).unwrap();
        assert!(!forms["ok"]["forms"].as_array().unwrap().is_empty());
        let sync: serde_json::Value = serde_json::from_str(&files["sync.json"]).unwrap();
        assert!(sync["sync"]["counts"]["failed"].as_i64().unwrap() > 0);
        let log = &files["logs/recent.log"];
        assert!(log.contains("older line") && log.contains("Authorization: [redacted] [redacted]") && log.contains("?key=[redacted]"), "{log}");
        assert!(log.contains("requester \"[visitor]\" ([email])"), "{log}");
        let stats: serde_json::Value = serde_json::from_str(&files["stats.json"]).unwrap();
        assert!(stats["ok"]["totals"]["tickets"].as_i64().unwrap() > 0);
    }

    // Zendesk and iAdvize unreachable: the bundle is still made, with the failures in it.
    drop(sandbox);
    // No point waiting through retries against a closed port.
    api.set_tuning(ClientTuning {
        zendesk: Some(Arc::new(|c| {
            c.retry.max_attempts = 1;
            c.request_timeout = std::time::Duration::from_secs(2);
        })),
        iadvize: Some(Arc::new(|c| {
            c.retry.max_attempts = 1;
            c.timeout = std::time::Duration::from_secs(2);
        })),
    });
    let started = std::time::Instant::now();
    let failing = dir.path().join("failing.zip");
    let options = DiagnosticsOptions { timeout: std::time::Duration::from_secs(20), ..DiagnosticsOptions::default() };
    let summary = api.diagnostics_with(&SiteRef::Id(site.id), &failing, &options).await.unwrap();
    assert!(summary.problems.iter().any(|p| p.starts_with("forms summary")), "{:?}", summary.problems);
    let files = unzip(&failing);
    let check: serde_json::Value = serde_json::from_str(&files["connection_check.json"]).unwrap();
    assert_eq!(check["ok"]["ok"], false, "{check}");
    let forms: serde_json::Value = serde_json::from_str(&files["forms.json"]).unwrap();
    assert!(forms["error"]["code"].is_string(), "{forms}");
    let compat: serde_json::Value = serde_json::from_str(&files["compatibility.json"]).unwrap();
    assert!(compat["error"]["message"].as_str().unwrap().starts_with("Not run"), "{compat}");
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "{:?}", started.elapsed());
}

#[test]
fn an_unwritable_destination_is_an_error_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(dir.path()).unwrap();
    let conn = api.store().conn();
    conn.execute_batch(
        "INSERT INTO sites (id, name, platform, iadvize_site_id, zendesk_domain, zendesk_email, zendesk_auth, country, \
         start_from, conversation_url_template, zendesk_api_url, iadvize_api_url, created_at, updated_at) VALUES (1, 'Shop', 'ha', 3101, \
         'https://acme.zendesk.com', 'a@acme.example', 'api_token', 'France', '2026-01-01 00:00:00+00:00', 'x', \
         'http://127.0.0.1:9', 'http://127.0.0.1:9', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00');",
    )
    .unwrap();
    drop(conn);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let options = DiagnosticsOptions { timeout: std::time::Duration::from_secs(5), ..DiagnosticsOptions::default() };
    let err = rt
        .block_on(api.diagnostics_with(&SiteRef::Id(1), &dir.path().join("no/such/folder/b.zip"), &options))
        .unwrap_err();
    assert_eq!(err.code, "diagnostics.write_failed");
    assert!(err.message.contains("no/such/folder"), "{}", err.message);
}
