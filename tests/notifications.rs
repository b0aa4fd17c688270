//! A storm of failures on a real sandbox site, seen through the real engine's statuses, makes
//! one desktop notification, not one per failure. Run inside scripts/with-keychain.sh.

use iadvize_zendesk::Api;
use iadvize_zendesk::notify::{self, Kind, Notifier};
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{Platform, SecretsDraft, SettingChange, SiteDraft, ZendeskAuthKind};
use iadvize_zendesk::sync::engine::{Engine, SyncPhase};
use iadvize_zendesk_sandbox::{Api as FaultApi, Fault, FaultRule, SandboxConfig, Trigger, credentials as c};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failure_storm_makes_one_notification() {
    let sandbox = iadvize_zendesk_sandbox::start(SandboxConfig::default().conversations(20)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let api = Arc::new(Api::open(dir.path()).unwrap());
    let site = api
        .create_site(&SiteDraft {
            name: "Stormy".into(),
            platform: Platform::Ha,
            iadvize_site_id: "3101".into(),
            zendesk_domain: "sandbox".into(),
            zendesk_email: c::ZENDESK_ADMIN_EMAIL.into(),
            zendesk_auth: ZendeskAuthKind::ApiToken,
            zendesk_oauth_client_id: None,
            country: None,
            start_from: None,
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
    api.change_settings(site.id, &[SettingChange::Autosave(true)]).unwrap();
    // Zendesk is down for good: every round fails.
    sandbox.control().add_fault(FaultRule {
        api: FaultApi::Zendesk,
        method: None,
        route: None,
        fault: Fault::Status { status: 500, retry_after_secs: None },
        trigger: Trigger::Probability { p: 1.0 },
    });
    api.set_tuning(iadvize_zendesk::api::ClientTuning {
        zendesk: Some(Arc::new(|c| {
            c.retry.max_attempts = 1;
        })),
        iadvize: None,
    });

    let engine = Engine::new(api.clone());
    let runner = engine.clone();
    let task = tokio::spawn(async move { runner.run().await });
    let mut notifier = Notifier::default();
    let mut shown = Vec::new();
    let mut failing_rounds = 0;
    for _ in 0..12 {
        engine.wake();
        tokio::time::sleep(Duration::from_millis(150)).await;
        let statuses = engine.status();
        failing_rounds += statuses.iter().filter(|s| s.phase == SyncPhase::Failing).count();
        shown.extend(notify::collect(&api, &statuses, &mut notifier, chrono::Utc::now()));
    }
    engine.stop();
    task.await.unwrap();
    assert!(failing_rounds >= 5, "the storm was seen: {failing_rounds}");
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].kind, Kind::Failing);
    assert!(shown[0].title.contains("Stormy"));

    // Turned off for this site, the next storm is silent.
    api.set_notification(site.id, Kind::Failing, false).unwrap();
    assert_eq!(api.muted_notifications(site.id).unwrap(), [Kind::Failing]);
    let mut fresh = Notifier::default();
    let statuses = engine.status();
    assert!(notify::collect(&api, &statuses, &mut fresh, chrono::Utc::now()).is_empty());
}
