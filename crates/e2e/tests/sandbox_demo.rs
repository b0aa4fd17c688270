//! The demo on the built-in sandbox, and the connection check in the window: passing on the
//! demo site, then failing on the credential once a wrong secret is pasted.

use e2e::*;

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, Xvfb and a keychain: run by scripts/e2e.sh"]
async fn try_the_sandbox_then_test_the_connection() {
    let data = tempdir("demo");
    let driver = Driver::start(&[("IADVIZE_ZENDESK_DATA_DIR", &data)]);
    let client = driver.launch().await;
    click(&client, "[data-testid=lang-en]").await;
    click(&client, "[data-testid=try-demo]").await;
    wait_for(&client, "[data-testid=demo-badge]").await;
    wait_for_text(&client, "[data-testid=demo-banner]", "built-in sandbox").await;

    click(&client, "[data-testid=check-site]").await;
    let summary = wait_for(&client, "[data-testid=check-summary]").await;
    assert_eq!(summary.attr("data-ok").await.unwrap().as_deref(), Some("true"), "{}", summary.text().await.unwrap());
    for id in ["zendesk_credential", "zendesk_admin", "zendesk_forms", "iadvize_rest_key", "iadvize_graphql_token", "iadvize_site", "iadvize_compatibility"] {
        let check = wait_for(&client, &format!("[data-testid=check-{id}]")).await;
        assert_eq!(check.attr("data-status").await.unwrap().as_deref(), Some("pass"), "{id}");
    }
    screenshot(&client, "10-connection-check-pass").await;
    click(&client, "[data-testid=check-close]").await;

    // Paste a wrong OAuth secret: the check names the failing credential.
    click(&client, "[data-testid=edit-site]").await;
    fill(&client, "[id='secrets.zendesk_oauth_client_secret']", "definitely-wrong").await;
    click(&client, "[data-testid=save]").await;
    wait_for(&client, "[data-testid=site-card]").await;
    click(&client, "[data-testid=check-site]").await;
    let summary = wait_for(&client, "[data-testid=check-summary]").await;
    assert_eq!(summary.attr("data-ok").await.unwrap().as_deref(), Some("false"));
    let credential = wait_for(&client, "[data-testid=check-zendesk_credential]").await;
    assert_eq!(credential.attr("data-status").await.unwrap().as_deref(), Some("fail"));
    assert!(credential.text().await.unwrap().contains("Setting: OAuth client secret"), "{}", credential.text().await.unwrap());
    assert!(!page_text(&client).await.contains("definitely-wrong"));
    // The modal makes the page behind it inert: close it, switch language, check again.
    click(&client, "[data-testid=check-close]").await;
    click(&client, "[data-testid=lang-fr]").await;
    click(&client, "[data-testid=check-site]").await;
    wait_for_text(&client, "[data-testid=check-summary]", "Certaines vérifications").await;
    // The core's findings in French too: what failed, and what was not checked because of it.
    wait_for_text(&client, "[data-testid=check-message-zendesk_credential]", "Zendesk a refusé le client OAuth").await;
    wait_for_text(&client, "[data-testid=check-message-zendesk_admin]", "Non vérifié").await;
    wait_for_text(&client, "[data-testid=check-message-iadvize_graphql_token]", "Le jeton GraphQL fonctionne").await;
    screenshot(&client, "11-connection-check-fail-fr").await;
    client.close().await.unwrap();
}
