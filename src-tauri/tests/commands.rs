//! The commands through Tauri's real IPC and ACL on the mock runtime (no window needed), with
//! the app's own config and capability. Run inside scripts/with-keychain.sh.

use iadvize_zendesk_desktop::{state::Core, with_commands};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn app(data: &std::path::Path) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = with_commands(mock_builder(), Core::open(data.to_owned()))
        .build(tauri::generate_context!("../tauri.conf.json"))
        .expect("app builds with the real config");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
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

fn draft(domain: &str) -> Value {
    json!({
        "name": "Shop", "platform": "ha", "iadvize_site_id": "3101",
        "zendesk_domain": domain, "zendesk_email": "admin@shop.example",
        "zendesk_auth": "oauth_client", "zendesk_oauth_client_id": "client-1",
        "secrets": {
            "zendesk_oauth_client_secret": "ipc-oauth-secret",
            "iadvize_rest_api_key": "ipc-rest-key",
            "iadvize_graphql_token": "ipc-gql-token"
        }
    })
}

#[test]
fn the_ui_shapes_round_trip_and_no_answer_carries_a_secret() {
    let data = tempfile::tempdir().unwrap();
    let (_app, window) = app(data.path());
    assert_eq!(invoke(&window, "list_sites", json!({})).unwrap(), json!([]));
    let status = invoke(&window, "keychain_status", json!({})).unwrap();
    assert_eq!(status["available"], json!(true), "{status}");

    let refused = invoke(&window, "create_site", json!({ "draft": draft("http://shop.zendesk.com") })).unwrap_err();
    assert_eq!(refused["code"], "site.invalid");
    assert_eq!(refused["fields"][0]["field"], "zendesk_domain");
    assert_eq!(refused["fields"][0]["code"], "insecure_url");

    let checked = invoke(&window, "check_site_draft", json!({ "id": null, "draft": draft("shop") })).unwrap();
    assert_eq!(checked, json!([]));

    let site = invoke(&window, "create_site", json!({ "draft": draft("shop") })).unwrap();
    assert_eq!(site["zendesk_domain"], "https://shop.zendesk.com");
    assert_eq!(site["secrets"].as_array().unwrap().len(), 3);
    let id = site["id"].clone();

    let changed = invoke(
        &window,
        "change_settings",
        json!({ "id": id, "changes": [{"key": "grace_seconds", "value": 60}, {"key": "autosave", "value": true}] }),
    )
    .unwrap();
    assert_eq!(changed["grace_seconds"], 60);
    assert_eq!(changed["autosave_enabled"], true);

    let listed = invoke(&window, "list_sites", json!({})).unwrap();
    let everything = format!("{site}{changed}{listed}");
    for secret in ["ipc-oauth-secret", "ipc-rest-key", "ipc-gql-token"] {
        assert!(!everything.contains(secret), "{secret} came back through IPC");
    }
    invoke(&window, "remove_site", json!({ "id": id })).unwrap();
    assert_eq!(invoke(&window, "list_sites", json!({})).unwrap(), json!([]));
}

#[test]
fn the_capability_allows_our_commands_and_nothing_else() {
    let data = tempfile::tempdir().unwrap();
    let (_app, window) = app(data.path());
    assert!(invoke(&window, "app_info", json!({})).is_ok());
    for foreign in ["plugin:fs|read_file", "plugin:shell|execute", "plugin:window|close", "no_such_command"] {
        let refused = invoke(&window, foreign, json!({}));
        assert!(refused.is_err(), "{foreign} was allowed: {refused:?}");
    }
}

#[test]
fn a_data_folder_that_cannot_be_opened_is_reported_by_every_command() {
    let file = tempfile::NamedTempFile::new().unwrap();
    // A regular file where the data folder should be.
    let (_app, window) = app(file.path());
    let err = invoke(&window, "list_sites", json!({})).unwrap_err();
    assert_eq!(err["code"], "storage.failed", "{err}");
    assert!(err["message"].as_str().unwrap().contains(&file.path().display().to_string()), "{err}");
    assert!(invoke(&window, "app_info", json!({})).is_ok(), "the window can still say where the folder is");
}

#[test]
fn the_escalation_and_preflight_commands_answer_on_the_demo_sandbox() {
    // Ids of the sandbox's seeded escalation form (crates/sandbox/src/zendesk/seed.rs).
    const FORM: i64 = 360_100_002;
    const REFUND_REQUESTED: i64 = 360_000_105;
    const REFUND_AMOUNT: i64 = 360_000_108;
    const ESCALATION_LEVEL: i64 = 360_000_114;
    let data = tempfile::tempdir().unwrap();
    let (_app, window) = app(data.path());
    let site = invoke(&window, "start_demo", json!({})).unwrap();
    let id = site["id"].clone();
    invoke(
        &window,
        "change_settings",
        json!({ "id": id, "changes": [
            {"key": "escalation", "value": true},
            {"key": "escalation_form_id", "value": FORM},
            {"key": "escalation_note_label", "value": "Summary in one line"},
        ] }),
    )
    .unwrap();

    let form = invoke(&window, "escalation_form", json!({ "id": id })).unwrap();
    assert_eq!(form["form_id"], FORM);
    assert_eq!(form["note"]["label"], "Summary in one line");
    let definition = invoke(&window, "closing_form_definition", json!({ "id": id })).unwrap();
    assert!(definition.as_array().unwrap().iter().any(|i| i["id"] == format!("zendesk_field_{REFUND_AMOUNT}")), "{definition}");
    // The conversations iAdvize closed lately, newest first.
    let recent = invoke(&window, "recent_conversations", json!({ "id": id })).unwrap();
    let closed: Vec<&str> = recent["conversations"].as_array().unwrap().iter().map(|c| c["closed_at"].as_str().unwrap()).collect();
    assert!(!closed.is_empty(), "{recent}");
    assert!(closed.windows(2).all(|w| w[0] >= w[1]), "newest first: {closed:?}");
    // The search of a user lookup field (the complaint form's "Related agent"), by name start.
    let found = invoke(&window, "search_lookup", json!({ "id": id, "fieldId": 360_000_112, "target": "zen:user", "query": "alex" })).unwrap();
    assert_eq!(found[0]["name"], "Alex Agent", "{found}");
    assert!(found[0]["id"].as_str().and_then(|i| i.parse::<i64>().ok()).is_some_and(|i| i > 0), "{found}");

    // The conditional field follows its parent; a wrong value is explained (answers by field id).
    let visible = |answers: Value| {
        let checked = invoke(&window, "check_escalation_answers", json!({ "id": id, "conversation": null, "answers": answers })).unwrap();
        let state = checked["fields"].as_array().unwrap().iter().find(|f| f["id"] == REFUND_AMOUNT).unwrap().clone();
        (state["visible"].as_bool().unwrap(), checked["errors"].clone())
    };
    assert!(!visible(json!({})).0);
    let (shown, errors) = visible(json!({ REFUND_REQUESTED.to_string(): true, REFUND_AMOUNT.to_string(): "49,90" }));
    assert!(shown);
    assert_eq!(errors[0]["field_id"], REFUND_AMOUNT);
    assert_eq!(errors[0]["code"], "invalid");

    // Refusals name the field.
    let refused = invoke(
        &window,
        "escalate",
        json!({ "id": id, "conversation": "9d3f0c1e-0000-4000-8000-000000000001", "answers": { REFUND_REQUESTED.to_string(): true, REFUND_AMOUNT.to_string(): "49,90" }, "note": null }),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "escalation.invalid_answers", "{refused}");
    assert_eq!(refused["fields"][0]["field"], format!("zendesk_field_{REFUND_AMOUNT}"));
    let refused = invoke(&window, "escalate", json!({ "id": id, "conversation": "not-an-id", "answers": {}, "note": "x" })).unwrap_err();
    assert_eq!(refused["code"], "sync.bad_conversation_id", "{refused}");

    // Admin defaults, checked against the field's type.
    let bad = invoke(&window, "set_field_default", json!({ "id": id, "fieldId": ESCALATION_LEVEL, "value": "level_9" })).unwrap_err();
    assert_eq!(bad["fields"][0]["field"], format!("zendesk_field_{ESCALATION_LEVEL}"), "{bad}");
    let set = invoke(&window, "set_field_default", json!({ "id": id, "fieldId": ESCALATION_LEVEL, "value": "level_1" })).unwrap();
    assert_eq!(set, json!([{ "field_id": ESCALATION_LEVEL, "value": "level_1" }]));
    assert_eq!(invoke(&window, "field_defaults", json!({ "id": id })).unwrap(), set);
    assert_eq!(invoke(&window, "clear_field_default", json!({ "id": id, "fieldId": ESCALATION_LEVEL })).unwrap(), json!([]));

    let report = invoke(&window, "preflight", json!({ "id": id, "mode": "escalation" })).unwrap();
    assert_eq!(report["mode"], "escalation");
    assert_eq!(report["form_id"], FORM);
    assert_eq!(report["passed"], true, "{report}");
}
