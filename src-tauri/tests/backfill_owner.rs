//! A backfill in the desktop's sync owner, through the commands on the mock runtime and the
//! built-in sandbox: one left unfinished by an earlier run (the app was closed) is listed as
//! such after a restart, resumes from the window under the same id, waits while syncing is
//! paused, runs to done at the resume with every conversation of its range in Zendesk, and is
//! handed to the notifier once. Run inside scripts/with-keychain.sh.

use iadvize_zendesk::site::{SecretsDraft, SettingChange, SiteDraft, SiteRef};
use iadvize_zendesk_desktop::{state::Core, with_commands};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tauri::Manager;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_interrupted_backfill_resumes_from_the_window_after_a_pause() {
    let data = tempfile::tempdir().unwrap();
    let core = Core::open(data.path().to_owned());
    let api = core.api().unwrap();

    // Before this start of the app: the demo site on the sandbox (a week of conversations),
    // saving from three days ago with auto-save on, and a backfill of the days before that an
    // earlier run recorded and did not finish.
    let site = tauri::async_runtime::block_on(core.start_demo()).unwrap();
    let now = chrono::Utc::now();
    let start_from = now - chrono::Duration::days(3);
    let s = &site.settings;
    let draft = SiteDraft {
        name: s.name.clone(),
        platform: s.platform,
        iadvize_site_id: s.iadvize_site_id.to_string(),
        zendesk_domain: s.zendesk_domain.clone(),
        zendesk_email: s.zendesk_email.clone(),
        zendesk_auth: s.zendesk_auth,
        zendesk_oauth_client_id: s.zendesk_oauth_client_id.clone(),
        country: Some(s.country.clone()),
        start_from: Some(start_from.to_rfc3339()),
        zendesk_api_url: s.zendesk_api_url.clone(),
        iadvize_api_url: s.iadvize_api_url.clone(),
        secrets: SecretsDraft::default(),
    };
    api.update_site(site.id, &draft).unwrap();
    api.change_settings(site.id, &[SettingChange::Autosave(true)]).unwrap();
    let earlier = api.backfill_start(&SiteRef::Id(site.id), now - chrono::Duration::days(8), start_from).unwrap();

    core.sync.start(api.clone());
    // The tray (refreshed on a pause) speaks the window's language.
    let app = with_commands(mock_builder().manage(iadvize_zendesk_desktop::tray::UiLocale::default()), core)
        .build(tauri::generate_context!("../tauri.conf.json"))
        .expect("app builds with the real config");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    wait_until("the app did not take the sync role", Duration::from_secs(10), || {
        invoke(&window, "sync_status", json!({})).unwrap()["owner"] == true
    });
    invoke(&window, "set_paused", json!({ "paused": true })).unwrap();

    // Listed as unfinished: running, with no runner in this app.
    let listed = invoke(&window, "backfills", json!({ "id": site.id })).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!((listed[0]["id"].as_i64(), &listed[0]["state"], &listed[0]["running_here"]), (Some(earlier.id), &json!("running"), &json!(false)));

    // Resumed from the window (the same range): the same backfill, waiting while paused.
    let range = json!({ "id": site.id, "from": earlier.range_from, "to": earlier.range_to });
    let resumed = invoke(&window, "start_backfill", range).unwrap();
    assert_eq!(resumed["id"].as_i64(), Some(earlier.id), "resuming is not a new backfill");
    std::thread::sleep(Duration::from_millis(1500));
    let waiting = &invoke(&window, "backfills", json!({ "id": site.id })).unwrap()[0];
    assert_eq!((&waiting["state"], &waiting["running_here"], &waiting["seen"]), (&json!("running"), &json!(false), &json!(0)), "nothing read while paused: {waiting}");

    // At the resume it runs to done: everything of the range in Zendesk, once.
    invoke(&window, "set_paused", json!({ "paused": false })).unwrap();
    let mut last = Value::Null;
    wait_until("the backfill did not finish", Duration::from_secs(60), || {
        last = invoke(&window, "backfills", json!({ "id": site.id })).unwrap()[0].clone();
        assert_ne!(last["state"], "failed", "{last}");
        last["state"] == "done"
    });
    let delivered = last["delivered"].as_i64().unwrap();
    assert!(delivered > 0, "{last}");
    assert_eq!((last["seen"].as_i64(), last["failed"].as_i64(), last["fraction"].as_f64()), (Some(delivered), Some(0), Some(1.0)), "{last}");

    // The watcher's notification gets it once.
    let core = app.state::<Core>();
    let mut finished = Vec::new();
    wait_until("the finished backfill was not handed over", Duration::from_secs(5), || {
        finished.extend(core.sync.take_finished_backfills());
        !finished.is_empty()
    });
    assert_eq!(finished.iter().map(|b| b.id).collect::<Vec<_>>(), vec![earlier.id]);
    assert!(core.sync.take_finished_backfills().is_empty());
    core.sync.stop();
}
