//! The real `iadvize-zendesk` binary: site commands, secrets from the environment, exit codes.
//! Run inside scripts/with-keychain.sh.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_iadvize-zendesk");
const SECRET_ENV: [(&str, &str); 3] = [
    ("ZENDESK_API_TOKEN", "cli-zd-token-55"),
    ("IADVIZE_REST_API_KEY", "cli-rest-key-55"),
    ("IADVIZE_GRAPHQL_TOKEN", "cli-gql-token-55"),
];

fn cli(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data).args(args);
    for var in ["ZENDESK_API_TOKEN", "ZENDESK_OAUTH_CLIENT_ID", "ZENDESK_OAUTH_CLIENT_SECRET", "IADVIZE_REST_API_KEY", "IADVIZE_GRAPHQL_TOKEN"] {
        cmd.env_remove(var);
    }
    cmd.env_remove("IADVIZE_ZENDESK_DATA_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the CLI");
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    for (_, secret) in SECRET_ENV {
        assert!(!all.contains(secret), "a secret was printed: {all}");
    }
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn add_args<'a>(name: &'a str, id: &'a str) -> Vec<&'a str> {
    vec![
        "site", "add", "--name", name, "--iadvize-site-id", id, "--platform", "ha",
        "--zendesk-domain", "acme", "--zendesk-email", "admin@acme.example", "--country", "France", "--json",
    ]
}

#[test]
fn add_list_set_show_remove_with_secrets_from_the_environment() {
    let data = tempfile::tempdir().unwrap();
    let out = cli(data.path(), &add_args("CLI shop", "3101"), &SECRET_ENV);
    assert!(out.status.success(), "{}", stderr(&out));
    let added: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let id = added["id"].as_i64().unwrap().to_string();

    let list = cli(data.path(), &["site", "list", "--json"], &[]);
    let sites: serde_json::Value = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(sites[0]["name"], "CLI shop");
    assert_eq!(sites[0]["zendesk_domain"], "https://acme.zendesk.com");
    assert_eq!(sites[0]["secrets"].as_array().unwrap().len(), 3);
    let human = cli(data.path(), &["site", "list"], &[]);
    assert!(stdout(&human).contains("CLI shop"), "{}", stdout(&human));

    let set = cli(data.path(), &["site", "set", &id, "autosave=on", "grace_seconds=90", "delivery=create", "--json"], &[]);
    assert!(set.status.success(), "{}", stderr(&set));
    let shown: serde_json::Value = serde_json::from_str(&stdout(&cli(data.path(), &["site", "show", "CLI shop", "--json"], &[]))).unwrap();
    assert_eq!(shown["autosave_enabled"], true);
    assert_eq!(shown["grace_seconds"], 90);
    assert_eq!(shown["delivery_mode"], "create");

    let bad = cli(data.path(), &["site", "set", &id, "colour=blue"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("Valid keys"), "{}", stderr(&bad));
    let out_of_range = cli(data.path(), &["site", "set", &id, "poll_seconds=1"], &[]);
    assert_eq!(out_of_range.status.code(), Some(1));
    assert!(stderr(&out_of_range).contains("poll_seconds"), "{}", stderr(&out_of_range));

    let rotated = cli(data.path(), &["site", "secrets", &id, "--json"], &[("IADVIZE_GRAPHQL_TOKEN", "cli-gql-token-rotated")]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));

    let removed = cli(data.path(), &["site", "remove", &id], &[]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let gone = cli(data.path(), &["site", "show", &id], &[]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(stderr(&gone).contains("There is no site"), "{}", stderr(&gone));
    // The secrets went with it: a new site with the same local id must not find them.
    let api = iadvize_zendesk::Api::open(data.path()).unwrap();
    for kind in iadvize_zendesk::site::SecretKind::ALL {
        assert_eq!(api.secret(id.parse().unwrap(), kind).unwrap_err().code, "keychain.missing");
    }
}

#[test]
fn missing_secrets_and_bad_values_are_refused_with_what_to_do() {
    let data = tempfile::tempdir().unwrap();
    let out = cli(data.path(), &add_args("No secrets", "3102"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("secrets.zendesk_api_token"), "{err}");
    assert!(err.contains("secrets.iadvize_graphql_token"), "{err}");

    let mut args = add_args("Bad domain", "3103");
    args[9] = "http://acme.zendesk.com";
    let out = cli(data.path(), &args, &SECRET_ENV);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("https"), "{}", stderr(&out));

    let usage = cli(data.path(), &["site", "add", "--name", "x"], &[]);
    assert_eq!(usage.status.code(), Some(2));

    let both = cli(
        data.path(),
        &add_args("Both", "3104"),
        &[("ZENDESK_API_TOKEN", "a"), ("ZENDESK_OAUTH_CLIENT_ID", "b"), ("ZENDESK_OAUTH_CLIENT_SECRET", "c")],
    );
    assert_eq!(both.status.code(), Some(2));
    let list: serde_json::Value = serde_json::from_str(&stdout(&cli(data.path(), &["site", "list", "--json"], &[]))).unwrap();
    assert_eq!(list, serde_json::json!([]), "nothing half-written");
}

#[test]
fn an_oauth_client_from_the_environment() {
    let data = tempfile::tempdir().unwrap();
    let out = cli(
        data.path(),
        &add_args("OAuth shop", "5201"),
        &[
            ("ZENDESK_OAUTH_CLIENT_ID", "iadvize-sync"),
            ("ZENDESK_OAUTH_CLIENT_SECRET", "cli-oauth-secret"),
            SECRET_ENV[1],
            SECRET_ENV[2],
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = cli(data.path(), &["site", "show", "OAuth shop"], &[]);
    let text = stdout(&shown);
    assert!(text.contains("OAuth client iadvize-sync"), "{text}");
    assert!(!text.contains("cli-oauth-secret"));
}

#[test]
fn without_a_keychain_adding_fails_clearly_and_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data.path()).args(add_args("Nowhere", "3105"));
    for (k, v) in SECRET_ENV {
        cmd.env(k, v);
    }
    let out = cmd.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/iz-cli-bus").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("keychain.unavailable"), "{err}");
    assert!(err.contains("Secret Service"), "{err}");
    let list = cli(data.path(), &["site", "list", "--json"], &[]);
    assert_eq!(stdout(&list).trim(), "[]");
}
