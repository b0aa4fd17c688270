//! Site installations against the real SQLite file and the real OS keychain (run inside
//! scripts/with-keychain.sh, which provides a private Secret Service).

mod common;

use common::{contains, database_bytes, draft};
use iadvize_zendesk::Api;
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{
    DeliveryMode, Platform, RequesterPolicy, SecretKind, SecretsDraft, SettingChange, SiteRef,
    ZendeskAuthKind,
};

fn open(dir: &std::path::Path) -> Api {
    let api = Api::open(dir).expect("open the data folder");
    assert!(
        api.keychain_status().available,
        "these tests need a keychain: run them through scripts/with-keychain.sh ({:?})",
        api.keychain_status().error
    );
    api
}

#[test]
fn every_setting_survives_a_restart_and_secrets_stay_in_the_keychain() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let api = open(dir.path());
        let mut d = draft("Shop FR", 4521, "roundtrip");
        d.platform = Platform::Sd;
        d.zendesk_api_url = Some("http://127.0.0.1:9/zd".into());
        d.iadvize_api_url = Some("https://proxy.example.com/iadvize".into());
        d.start_from = Some("2026-11-01T08:30:00+01:00".into());
        let site = api.create_site(&d).unwrap();
        api.change_settings(
            site.id,
            &[
                SettingChange::Autosave(true),
                SettingChange::AutosaveFormId(Some(360_001)),
                SettingChange::Escalation(true),
                SettingChange::EscalationFormId(Some(360_002)),
                SettingChange::EscalationNoteLabel("Résumé en une ligne".into()),
                SettingChange::GraceSeconds(120),
                SettingChange::Delivery(DeliveryMode::Create),
                SettingChange::PollSeconds(30),
                SettingChange::Country("Belgique".into()),
                SettingChange::ConversationUrlTemplate(
                    "https://{platform}.iadvize.com/c/{site_id}/{legacy_id}".into(),
                ),
                SettingChange::RequesterPolicy(RequesterPolicy::AdminUser),
            ],
        )
        .unwrap();
        site.id
    };

    let api = open(dir.path());
    let site = api.site(&SiteRef::Id(id)).unwrap();
    let s = &site.settings;
    assert_eq!(s.name, "Shop FR");
    assert_eq!(s.platform, Platform::Sd);
    assert_eq!(s.iadvize_site_id, 4521);
    assert_eq!(s.zendesk_domain, "https://acme.zendesk.com");
    assert_eq!(s.zendesk_email, "admin@acme.example");
    assert_eq!(s.zendesk_auth, ZendeskAuthKind::ApiToken);
    assert_eq!(s.start_from.to_rfc3339(), "2026-11-01T07:30:00+00:00");
    assert_eq!(s.zendesk_api_url.as_deref(), Some("http://127.0.0.1:9/zd"));
    assert_eq!(s.iadvize_api_url.as_deref(), Some("https://proxy.example.com/iadvize"));
    assert!(s.autosave_enabled && s.escalation_enabled);
    assert_eq!((s.autosave_form_id, s.escalation_form_id), (Some(360_001), Some(360_002)));
    assert_eq!(s.escalation_note_label, "Résumé en une ligne");
    assert_eq!((s.grace_seconds, s.poll_seconds), (120, 30));
    assert_eq!(s.delivery_mode, DeliveryMode::Create);
    assert_eq!(s.country, "Belgique");
    assert_eq!(s.conversation_url_template, "https://{platform}.iadvize.com/c/{site_id}/{legacy_id}");
    assert_eq!(s.requester_policy, RequesterPolicy::AdminUser);
    let kinds: Vec<_> = site.secrets.iter().map(|s| s.kind).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds.contains(&SecretKind::ZendeskApiToken));

    for (kind, value) in [
        (SecretKind::ZendeskApiToken, "zd-token-roundtrip"),
        (SecretKind::IadvizeRestApiKey, "rest-key-roundtrip"),
        (SecretKind::IadvizeGraphqlToken, "gql-token-roundtrip"),
    ] {
        assert_eq!(api.secret(id, kind).unwrap().expose(), value);
    }
    drop(api);
    let bytes = database_bytes(dir.path());
    assert!(contains(&bytes, "Shop FR"), "the grep must see plain settings");
    for value in ["zd-token-roundtrip", "rest-key-roundtrip", "gql-token-roundtrip"] {
        assert!(!contains(&bytes, value), "{value} leaked into the SQLite files");
    }
}

#[test]
fn editing_keeps_unchanged_secrets_and_replaces_given_ones() {
    let dir = tempfile::tempdir().unwrap();
    let api = open(dir.path());
    let site = api.create_site(&draft("Edit me", 77, "edit")).unwrap();
    let mut d = draft("Edited", 77, "unused");
    d.secrets = SecretsDraft {
        iadvize_graphql_token: Some(Secret::new("gql-token-fresh")),
        ..SecretsDraft::default()
    };
    let edited = api.update_site(site.id, &d).unwrap();
    assert_eq!(edited.settings.name, "Edited");
    assert_eq!(api.secret(site.id, SecretKind::ZendeskApiToken).unwrap().expose(), "zd-token-edit");
    assert_eq!(api.secret(site.id, SecretKind::IadvizeGraphqlToken).unwrap().expose(), "gql-token-fresh");

    // Switching to an OAuth client stores its secret and drops the API token.
    d.zendesk_auth = ZendeskAuthKind::OauthClient;
    d.zendesk_oauth_client_id = Some("iadvize-sync".into());
    d.secrets = SecretsDraft {
        zendesk_oauth_client_secret: Some(Secret::new("oauth-secret-edit")),
        ..SecretsDraft::default()
    };
    let oauth = api.update_site(site.id, &d).unwrap();
    assert_eq!(oauth.settings.zendesk_oauth_client_id.as_deref(), Some("iadvize-sync"));
    assert!(oauth.secret_stored_at(SecretKind::ZendeskApiToken).is_none());
    assert!(oauth.secret_stored_at(SecretKind::ZendeskOauthClientSecret).is_some());
    assert_eq!(
        api.secret(site.id, SecretKind::ZendeskApiToken).unwrap_err().code,
        "keychain.missing"
    );

    let replaced = api
        .set_secrets(
            site.id,
            &SecretsDraft {
                iadvize_rest_api_key: Some(Secret::new("rest-key-2")),
                ..SecretsDraft::default()
            },
        )
        .unwrap();
    assert_eq!(api.secret(site.id, SecretKind::IadvizeRestApiKey).unwrap().expose(), "rest-key-2");
    assert!(replaced.secret_stored_at(SecretKind::IadvizeRestApiKey).is_some());
    assert_eq!(
        api.set_secrets(site.id, &SecretsDraft::default()).unwrap_err().code,
        "site.invalid"
    );
}

#[test]
fn duplicates_and_invalid_drafts_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let api = open(dir.path());
    api.create_site(&draft("First", 900, "dup1")).unwrap();
    let err = api.create_site(&draft("Second", 900, "dup2")).unwrap_err();
    assert_eq!(err.code, "site.invalid");
    assert_eq!(err.fields[0].field, "iadvize_site_id");
    assert_eq!(err.fields[0].code, "duplicate");
    // Same id on the other platform is another site.
    let mut other = draft("Other platform", 900, "dup3");
    other.platform = Platform::Sd;
    api.create_site(&other).unwrap();

    let mut bad = draft("Bad", 901, "bad");
    bad.zendesk_domain = "https://acme.example.com".into();
    let err = api.create_site(&bad).unwrap_err();
    assert_eq!(err.fields[0].code, "not_zendesk");
    assert!(err.message.contains("not a Zendesk address"));
    let names: Vec<_> = api.list_sites().unwrap().into_iter().map(|s| s.settings.name).collect();
    assert_eq!(names, ["First", "Other platform"]);
    // The refused duplicate's secrets were removed again from the keychain.
    drop(api);
    let api = open(dir.path());
    assert_eq!(api.list_sites().unwrap().len(), 2);
}

#[test]
fn removing_a_site_removes_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let api = open(dir.path());
    let site = api.create_site(&draft("Gone soon", 31, "remove")).unwrap();
    let by_name = api.site(&SiteRef::Name("Gone soon".into())).unwrap();
    assert_eq!(by_name.id, site.id);
    api.remove_site(site.id).unwrap();
    assert_eq!(api.site(&SiteRef::Id(site.id)).unwrap_err().code, "site.not_found");
    for kind in SecretKind::ALL {
        assert_eq!(api.secret(site.id, kind).unwrap_err().code, "keychain.missing");
    }
    assert_eq!(api.remove_site(site.id).unwrap_err().code, "site.not_found");
}

#[test]
fn two_data_folders_do_not_share_keychain_entries() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let api_a = open(a.path());
    let api_b = open(b.path());
    let site_a = api_a.create_site(&draft("A", 1, "folder-a")).unwrap();
    let site_b = api_b.create_site(&draft("B", 1, "folder-b")).unwrap();
    assert_eq!(site_a.id, site_b.id, "both folders number their first site 1");
    assert_eq!(api_a.secret(site_a.id, SecretKind::IadvizeRestApiKey).unwrap().expose(), "rest-key-folder-a");
    assert_eq!(api_b.secret(site_b.id, SecretKind::IadvizeRestApiKey).unwrap().expose(), "rest-key-folder-b");
}

#[test]
fn checking_a_draft_reports_problems_and_duplicates_without_saving() {
    let dir = tempfile::tempdir().unwrap();
    let api = open(dir.path());
    let first = api.create_site(&draft("Checked", 555, "check")).unwrap();
    assert!(api.check_draft(Some(first.id), &draft("Checked", 555, "x")).unwrap().is_empty());
    let dup = api.check_draft(None, &draft("Other", 555, "x")).unwrap();
    assert_eq!(dup.len(), 1);
    assert_eq!((dup[0].field.as_str(), dup[0].code.as_str()), ("iadvize_site_id", "duplicate"));
    let mut bad = draft("", 556, "x");
    bad.zendesk_email = "nope".into();
    let fields: Vec<_> = api.check_draft(None, &bad).unwrap().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["name", "zendesk_email"]);
    assert_eq!(api.list_sites().unwrap().len(), 1, "checking saves nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_site_follows_the_sandbox_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let api = open(dir.path());
    assert!(api.demo_site().unwrap().is_none());
    let first = iadvize_zendesk::demo::start_sandbox().await.unwrap();
    let site = api.ensure_demo_site(&first.zendesk_url(), &first.iadvize_url()).unwrap();
    assert_eq!(site.settings.zendesk_api_url.as_deref(), Some(first.zendesk_url().trim_end_matches('/')));
    assert_eq!(site.settings.iadvize_site_id, iadvize_zendesk::demo::DEMO_IADVIZE_SITE);
    assert_eq!(site.secrets.len(), 3);

    // A second sandbox (the preferred ports are taken by the first): the same site, re-pointed.
    let second = iadvize_zendesk::demo::start_sandbox().await.unwrap();
    assert_ne!(first.zendesk_url(), second.zendesk_url());
    let again = api.ensure_demo_site(&second.zendesk_url(), &second.iadvize_url()).unwrap();
    assert_eq!(again.id, site.id);
    assert_eq!(again.settings.iadvize_api_url.as_deref(), Some(second.iadvize_url().trim_end_matches('/')));
    assert_eq!(api.list_sites().unwrap().len(), 1);

    api.remove_site(site.id).unwrap();
    assert!(api.demo_site().unwrap().is_none());
}
