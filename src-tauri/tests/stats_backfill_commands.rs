//! The statistics, backfill and diagnostics commands through Tauri's real IPC and ACL on the mock
//! runtime: allowed by the capability, typed answers, files saved where the window says, and a
//! backfill refused (naming who syncs) when another process holds the data folder's sync role.
//! Run inside scripts/with-keychain.sh.

use iadvize_zendesk::sync::owner::SyncLock;
use iadvize_zendesk_desktop::{state::Core, with_commands};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn app(core: Core) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = with_commands(mock_builder(), core)
        .build(tauri::generate_context!("../tauri.conf.json"))
        .expect("app builds with the real config");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    (app, window)
}

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

/// A site whose services are a closed port on this machine: checks fail at once, no network.
fn new_site(window: &WebviewWindow<MockRuntime>) -> Value {
    let draft = json!({
        "name": "Shop FR", "platform": "ha", "iadvize_site_id": "3101",
        "zendesk_domain": "shop", "zendesk_email": "admin@shop.example",
        "zendesk_auth": "oauth_client", "zendesk_oauth_client_id": "client-1",
        "zendesk_api_url": "http://127.0.0.1:9", "iadvize_api_url": "http://127.0.0.1:9",
        "secrets": {
            "zendesk_oauth_client_secret": "cmd-oauth-secret",
            "iadvize_rest_api_key": "cmd-rest-key",
            "iadvize_graphql_token": "cmd-gql-token"
        }
    });
    let site = invoke(window, "create_site", json!({ "draft": draft })).unwrap();
    invoke(window, "change_settings", json!({ "id": site["id"], "changes": [{"key": "autosave", "value": true}] })).unwrap()
}

// One test: it sets the exports folder through the environment.
#[test]
fn statistics_exports_diagnostics_and_a_backfill_only_in_the_sync_owner() {
    let exports = tempfile::tempdir().unwrap();
    // SAFETY: set before any other thread of this test binary runs (a single test).
    unsafe { std::env::set_var("IADVIZE_ZENDESK_EXPORT_DIR", exports.path()) };

    // --- the app holds nothing yet: statistics, export, diagnostics; no backfill before the sync starts
    let data = tempfile::tempdir().unwrap();
    let (_app, window) = app(Core::open(data.path().to_owned()));
    let site = new_site(&window);
    let id = site["id"].clone();

    let query = json!({ "from": "2026-11-01", "to": "2026-11-07" });
    let report = invoke(&window, "stats", json!({ "id": id, "query": query })).unwrap();
    assert_eq!(report["totals"]["tickets"], 0);
    assert_eq!(report["by_day"].as_array().unwrap().len(), 7, "every day, zeros included");
    assert_eq!(report["by_agent"], json!([]));
    let bad = invoke(&window, "stats", json!({ "id": id, "query": { "from": "2026-11-07", "to": "2026-11-01" } })).unwrap_err();
    assert_eq!(bad["code"], "stats.bad_period");

    let saved = invoke(&window, "export_stats", json!({ "id": id, "query": query })).unwrap();
    let path = saved["path"].as_str().unwrap();
    assert!(path.starts_with(&exports.path().display().to_string()), "{path}");
    assert!(path.ends_with("iadvize-zendesk-stats-shop-fr-2026-11-01-2026-11-07.csv"), "{path}");
    let csv = std::fs::read_to_string(path).unwrap();
    assert!(csv.starts_with("group,key,agent_kind,"), "{csv}");
    assert_eq!(saved["bytes"], csv.len());
    let again = invoke(&window, "export_stats", json!({ "id": id, "query": query })).unwrap();
    assert_ne!(again["path"], saved["path"], "a second export does not overwrite the first");

    let bundle = invoke(&window, "write_diagnostics", json!({ "id": id })).unwrap();
    let zip = std::fs::read(bundle["path"].as_str().unwrap()).unwrap();
    assert!(zip.starts_with(b"PK"), "a zip file");
    assert!(bundle["path"].as_str().unwrap().starts_with(&exports.path().display().to_string()));
    assert!(!bundle["problems"].as_array().unwrap().is_empty(), "the failed connection check is listed: {bundle}");

    assert_eq!(invoke(&window, "backfills", json!({ "id": id })).unwrap(), json!([]));
    let range = json!({ "id": id, "from": "2026-01-01T00:00:00Z", "to": "2026-01-08T00:00:00Z" });
    let early = invoke(&window, "start_backfill", range.clone()).unwrap_err();
    assert_eq!(early["code"], "sync.not_started", "{early}");
    let unknown = invoke(&window, "cancel_backfill", json!({ "backfill": 999 })).unwrap_err();
    assert_eq!(unknown["code"], "backfill.not_found");
    drop((_app, window));

    // --- a headless sync holds the folder: the backfill is refused, naming it, and not recorded
    let data = tempfile::tempdir().unwrap();
    let held = SyncLock::acquire(data.path(), "headless").unwrap();
    let core = Core::open(data.path().to_owned());
    core.sync.start(core.api().unwrap());
    let (_app, window) = app(core);
    let site = new_site(&window);
    let deadline = Instant::now() + Duration::from_secs(10);
    while invoke(&window, "sync_status", json!({})).unwrap()["held_by"].is_null() {
        assert!(Instant::now() < deadline, "the app did not see who syncs");
        std::thread::sleep(Duration::from_millis(50));
    }
    let range = json!({ "id": site["id"], "from": "2026-01-01T00:00:00Z", "to": "2026-01-08T00:00:00Z" });
    let refused = invoke(&window, "start_backfill", range).unwrap_err();
    assert_eq!(refused["code"], "sync.owned_elsewhere", "{refused}");
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains("iadvize-zendesk sync") && message.contains(&std::process::id().to_string()), "{message}");
    assert_eq!(invoke(&window, "backfills", json!({ "id": site["id"] })).unwrap(), json!([]), "nothing recorded");
    drop(held);
}
