//! The connection check against the sandbox over real HTTP, with secrets in the real keychain
//! (run inside scripts/with-keychain.sh): each trap caught and named with its setting.

use iadvize_zendesk::Api;
use iadvize_zendesk::check::{CheckId, CheckStatus, ConnectionReport};
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{Platform, SecretsDraft, SiteDraft, SiteRef, ZendeskAuthKind};
use iadvize_zendesk_sandbox::{Plan, Sandbox, SandboxConfig, credentials as c};
use std::time::Duration;

struct Creds {
    email: &'static str,
    token: &'static str,
    rest: &'static str,
    site_id: i64,
}

const ADMIN: Creds = Creds { email: c::ZENDESK_ADMIN_EMAIL, token: c::ZENDESK_API_TOKEN, rest: c::IADVIZE_REST_API_KEY, site_id: 3101 };

fn site(api: &Api, sandbox: &Sandbox, creds: Creds) -> SiteRef {
    let draft = SiteDraft {
        name: format!("check {} {}", creds.email, creds.site_id),
        platform: Platform::Ha,
        iadvize_site_id: creds.site_id.to_string(),
        zendesk_domain: "sandbox".into(),
        zendesk_email: creds.email.into(),
        zendesk_auth: ZendeskAuthKind::ApiToken,
        zendesk_oauth_client_id: None,
        country: None,
        start_from: None,
        zendesk_api_url: Some(sandbox.zendesk_url()),
        iadvize_api_url: Some(sandbox.iadvize_url()),
        secrets: SecretsDraft {
            zendesk_api_token: Some(Secret::new(creds.token)),
            zendesk_oauth_client_secret: None,
            iadvize_rest_api_key: Some(Secret::new(creds.rest)),
            iadvize_graphql_token: Some(Secret::new(c::IADVIZE_GRAPHQL_TOKEN)),
        },
    };
    SiteRef::Id(api.create_site(&draft).expect("site").id)
}

fn status(report: &ConnectionReport, id: CheckId) -> CheckStatus {
    report.check(id).unwrap_or_else(|| panic!("no {id:?} in {report:#?}")).status
}

fn setting(report: &ConnectionReport, id: CheckId) -> Option<String> {
    report.check(id).unwrap().setting.clone()
}

async fn setup(config: SandboxConfig) -> (tempfile::TempDir, Api, Sandbox) {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(dir.path()).unwrap();
    let sandbox = iadvize_zendesk_sandbox::start(config).await.unwrap();
    (dir, api, sandbox)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_working_site_passes_every_check_with_oauth_too() {
    let (_dir, api, sandbox) = setup(SandboxConfig::default()).await;
    let report = api.check_connection(&site(&api, &sandbox, Creds { site_id: 3102, ..ADMIN })).await.unwrap();
    assert!(report.ok, "{report:#?}");
    assert!(report.checks.iter().all(|c| c.status == CheckStatus::Pass), "{report:#?}");
    assert_eq!(report.checks.len(), 7);
    assert!(report.forms_count.unwrap() > 0);
    // Every message is named, with the values it was built from, for the UI's languages.
    let codes: Vec<&str> = report.checks.iter().map(|c| c.code.as_deref().unwrap_or("-")).collect();
    assert_eq!(codes, ["zendesk_signed_in", "zendesk_admin", "forms_count", "rest_sees_site", "token_hours_left", "site_seen", "compat_ok"], "{report:#?}");
    let forms = report.check(CheckId::ZendeskForms).unwrap();
    assert_eq!(forms.params.get("count"), Some(&report.forms_count.unwrap().to_string()));
    assert!(forms.message.starts_with(&forms.params["count"]));
    assert!(report.compatibility.as_ref().unwrap().summary.compatible);

    // The demo site signs in with an OAuth client.
    let demo = api.ensure_demo_site(&sandbox.zendesk_url(), &sandbox.iadvize_url()).unwrap();
    let report = api.check_connection(&SiteRef::Id(demo.id)).await.unwrap();
    assert!(report.ok, "{report:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_credentials_light_agents_and_agents_are_caught() {
    let (_dir, api, sandbox) = setup(SandboxConfig::default()).await;
    let wrong = api
        .check_connection(&site(&api, &sandbox, Creds { token: "not-the-token", ..ADMIN }))
        .await
        .unwrap();
    assert!(!wrong.ok);
    assert_eq!(status(&wrong, CheckId::ZendeskCredential), CheckStatus::Fail);
    assert_eq!(setting(&wrong, CheckId::ZendeskCredential).as_deref(), Some("secrets.zendesk_api_token"));
    assert_eq!(status(&wrong, CheckId::ZendeskAdmin), CheckStatus::Skipped);
    assert_eq!(wrong.check(CheckId::ZendeskCredential).unwrap().code.as_deref(), Some("zendesk_refused_token"));
    assert_eq!(wrong.check(CheckId::ZendeskAdmin).unwrap().code.as_deref(), Some("skipped_zendesk"));
    assert!(!format!("{wrong:?}").contains("not-the-token"), "the secret leaked into the report");

    let light = api
        .check_connection(&site(&api, &sandbox, Creds { email: c::ZENDESK_LIGHT_AGENT_EMAIL, token: c::ZENDESK_LIGHT_AGENT_API_TOKEN, site_id: 3102, ..ADMIN }))
        .await
        .unwrap();
    assert_eq!(status(&light, CheckId::ZendeskCredential), CheckStatus::Pass);
    assert_eq!(status(&light, CheckId::ZendeskAdmin), CheckStatus::Fail);
    assert!(light.check(CheckId::ZendeskAdmin).unwrap().message.contains("light agent"));
    assert_eq!(light.check(CheckId::ZendeskAdmin).unwrap().code.as_deref(), Some("zendesk_light_agent"));
    assert_eq!(setting(&light, CheckId::ZendeskAdmin).as_deref(), Some("zendesk_email"));

    let agent = api
        .check_connection(&site(&api, &sandbox, Creds { email: c::ZENDESK_AGENT_EMAIL, token: c::ZENDESK_AGENT_API_TOKEN, rest: c::IADVIZE_REST_API_KEY, site_id: 3103 }))
        .await
        .unwrap();
    assert_eq!(status(&agent, CheckId::ZendeskAdmin), CheckStatus::Fail);
    assert!(agent.check(CheckId::ZendeskAdmin).unwrap().message.contains("an agent"));
    assert_eq!(agent.check(CheckId::ZendeskAdmin).unwrap().code.as_deref(), Some("zendesk_agent"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_without_forms_is_a_warning_not_a_failure() {
    let (_dir, api, sandbox) = setup(SandboxConfig::default().plan(Plan::Team)).await;
    let report = api.check_connection(&site(&api, &sandbox, ADMIN)).await.unwrap();
    assert_eq!(status(&report, CheckId::ZendeskForms), CheckStatus::Warn);
    assert!(report.check(CheckId::ZendeskForms).unwrap().message.contains("not available on this Zendesk plan"));
    assert_eq!(report.check(CheckId::ZendeskForms).unwrap().code.as_deref(), Some("forms_not_on_plan"));
    assert!(report.ok);
    assert_eq!(report.forms_count, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn iadvize_problems_name_their_setting() {
    let (_dir, api, sandbox) = setup(SandboxConfig::default()).await;
    let bad_key = api
        .check_connection(&site(&api, &sandbox, Creds { rest: "wrong-rest-key", site_id: 3102, ..ADMIN }))
        .await
        .unwrap();
    assert_eq!(status(&bad_key, CheckId::IadvizeRestKey), CheckStatus::Fail);
    assert_eq!(setting(&bad_key, CheckId::IadvizeRestKey).as_deref(), Some("secrets.iadvize_rest_api_key"));

    let unknown_site = api
        .check_connection(&site(&api, &sandbox, Creds { site_id: 999_999, ..ADMIN }))
        .await
        .unwrap();
    assert_eq!(status(&unknown_site, CheckId::IadvizeRestKey), CheckStatus::Fail);
    assert_eq!(setting(&unknown_site, CheckId::IadvizeRestKey).as_deref(), Some("iadvize_site_id"));
    let rest = unknown_site.check(CheckId::IadvizeRestKey).unwrap();
    assert_eq!((rest.code.as_deref(), rest.params.get("site").map(String::as_str)), (Some("rest_not_site"), Some("999999")));
    assert_eq!(status(&unknown_site, CheckId::IadvizeSite), CheckStatus::Fail);

    // 25 hours later the GraphQL token is dead.
    let expiring = site(&api, &sandbox, Creds { site_id: 3103, ..ADMIN });
    sandbox.control().advance(Duration::from_secs(25 * 3600));
    let expired = api.check_connection(&expiring).await.unwrap();
    assert_eq!(status(&expired, CheckId::IadvizeGraphqlToken), CheckStatus::Fail);
    assert_eq!(setting(&expired, CheckId::IadvizeGraphqlToken).as_deref(), Some("secrets.iadvize_graphql_token"));
    assert!(expired.check(CheckId::IadvizeGraphqlToken).unwrap().message.contains("paste"));
    assert_eq!(status(&expired, CheckId::IadvizeCompatibility), CheckStatus::Skipped);
    assert!(!expired.ok);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_schema_without_an_assumed_field_fails_the_compatibility_check() {
    let contract = include_str!("../contracts/iadvize-assumed.graphql");
    let without = contract.replace(
        "  engagementCampaign: EngagementCampaign        # ASSUMED name and shape\n",
        "",
    );
    assert_ne!(without, contract, "the contract line moved: update this test");
    let (_dir, api, sandbox) = setup(SandboxConfig::default().iadvize_schema_sdl(without)).await;
    let report = api.check_connection(&site(&api, &sandbox, ADMIN)).await.unwrap();
    assert_eq!(status(&report, CheckId::IadvizeCompatibility), CheckStatus::Fail);
    assert!(report.check(CheckId::IadvizeCompatibility).unwrap().message.contains("Conversation.engagementCampaign"));
    assert!(!report.ok);
}

/// Every message code the connection check gives has its words in each language of the UI
/// (`checkmsg.<code>` in ui/src/lib/locales.ts), with the same placeholders as its parameters.
#[test]
fn every_check_message_code_is_translated_in_the_ui() {
    let source = include_str!("../src/check.rs");
    let locales = include_str!("../ui/src/lib/locales.ts");
    let mut codes = Vec::new();
    for part in source.split(".coded(").skip(1) {
        // `if cond { "a" } else { "b" }` names two codes; `match` arms are quoted strings too.
        let call = &part[..part.find("&[").expect("coded(code, &[params])")];
        codes.extend(call.split('"').skip(1).step_by(2).map(str::to_owned));
    }
    for arm in ["zendesk_refused_token", "zendesk_refused_oauth"] {
        assert!(source.contains(&format!("\"{arm}\"")), "{arm}");
        codes.push(arm.to_owned());
    }
    codes.sort();
    codes.dedup();
    assert!(codes.len() >= 20, "{codes:?}");
    for code in &codes {
        let key = format!("\"checkmsg.{code}\":");
        let lines: Vec<&str> = locales.lines().filter(|l| l.trim_start().starts_with(&key)).collect();
        assert_eq!(lines.len(), 2, "checkmsg.{code} in English and French: {lines:?}");
        let placeholders = |l: &str| {
            let mut p: Vec<String> = l.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(k, _)| k.to_owned())).collect();
            p.sort();
            p
        };
        assert_eq!(placeholders(lines[0]), placeholders(lines[1]), "checkmsg.{code}");
    }
}
