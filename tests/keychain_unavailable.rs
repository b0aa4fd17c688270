//! With no reachable keychain (a D-Bus address that leads nowhere), the app still opens, says
//! why the keychain is unusable, and refuses to create a site rather than half-create it.
//! Its own test binary: the D-Bus address is process-wide.

mod common;

use iadvize_zendesk::Api;

#[test]
fn no_keychain_means_a_clear_error_and_no_site_row() {
    // SAFETY: this binary runs this one test, before any other thread reads the environment.
    unsafe {
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/iz-test-bus");
    }
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(dir.path()).expect("the app opens without a keychain");
    let status = api.keychain_status();
    assert!(!status.available);
    let error = status.error.unwrap();
    assert_eq!(error.code, "keychain.unavailable", "{error:?}");
    assert!(error.message.contains("Secret Service"), "{}", error.message);

    let err = api
        .create_site(&common::draft("No keychain", 42, "nokeychain"))
        .unwrap_err();
    assert_eq!(err.code, "keychain.unavailable");
    assert!(api.list_sites().unwrap().is_empty(), "no half-written site");
    drop(api);
    let bytes = common::database_bytes(dir.path());
    assert!(!common::contains(&bytes, "No keychain"));
    assert!(!common::contains(&bytes, "nokeychain"));

    // Retrying still reports the problem (and would recover once a keychain is reachable).
    let api = Api::open(dir.path()).unwrap();
    assert!(!api.retry_keychain().available);
}
