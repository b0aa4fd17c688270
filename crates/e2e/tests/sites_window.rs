//! The real desktop window: add a site through the form (a rejected domain first), see it
//! listed, restart the app, still listed, and no secret anywhere in the page. English and French.

use e2e::*;
use fantoccini::Locator;

const SECRETS: [&str; 3] = [
    "e2e-oauth-secret-7f3a",
    "e2e-rest-key-91bd",
    "e2e-graphql-token-c044",
];

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, Xvfb and a keychain: run by scripts/e2e.sh"]
async fn add_a_site_restart_and_never_show_a_secret() {
    let data = tempdir("sites");
    let driver = Driver::start(&[("IADVIZE_ZENDESK_DATA_DIR", &data)]);

    let client = driver.launch().await;
    click(&client, "[data-testid=lang-en]").await;
    wait_for(&client, "[data-testid=empty-state]").await;
    screenshot(&client, "01-empty-state-en").await;

    click(&client, "[data-testid=add-site]").await;
    wait_for(&client, "[data-testid=site-form]").await;
    fill(&client, "#name", "Maison Dupont").await;
    fill(&client, "#iadvize_site_id", "3101").await;
    fill(&client, "#country", "France").await;
    fill(&client, "#zendesk_domain", "http://dupont.zendesk.com").await;
    let error = wait_for_text(&client, "[data-testid='error-zendesk_domain']", "https").await;
    assert_eq!(error.attr("data-code").await.unwrap().as_deref(), Some("insecure_url"));
    screenshot(&client, "02-rejected-domain").await;

    fill(&client, "#zendesk_domain", "dupont").await;
    fill(&client, "#zendesk_email", "admin@dupont.example").await;
    fill(&client, "#zendesk_oauth_client_id", "iadvize-sync").await;
    fill(&client, "[id='secrets.zendesk_oauth_client_secret']", SECRETS[0]).await;
    fill(&client, "[id='secrets.iadvize_rest_api_key']", SECRETS[1]).await;
    fill(&client, "[id='secrets.iadvize_graphql_token']", SECRETS[2]).await;
    // The inline check clears the domain error once the value is right.
    let deadline = std::time::Instant::now() + WAIT;
    while client
        .find(Locator::Css("[data-testid='error-zendesk_domain']"))
        .await
        .is_ok()
    {
        assert!(std::time::Instant::now() < deadline, "the domain error stayed");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    click(&client, "[data-testid=save]").await;

    let card = wait_for_text(&client, "[data-testid=site-card]", "Maison Dupont").await;
    let text = card.text().await.unwrap();
    assert!(text.contains("HA · 3101"), "{text}");
    assert!(text.contains("dupont.zendesk.com"), "{text}");
    assert!(text.contains("Secrets stored"), "{text}");
    assert_no_secret(&page_text(&client).await);
    screenshot(&client, "03-site-listed-en").await;
    client.close().await.unwrap();

    // Restart: a new session starts the app again on the same data folder.
    let client = driver.launch().await;
    wait_for_text(&client, "[data-testid=site-card]", "Maison Dupont").await;
    assert_no_secret(&page_text(&client).await);
    click(&client, "[data-testid=edit-site]").await;
    wait_for(&client, "[data-testid=site-form]").await;
    let name = wait_for(&client, "#name").await;
    assert_eq!(name.prop("value").await.unwrap().as_deref(), Some("Maison Dupont"));
    let secret_input = wait_for(&client, "[id='secrets.iadvize_rest_api_key']").await;
    assert_eq!(secret_input.prop("value").await.unwrap().as_deref(), Some(""));
    assert_no_secret(&page_text(&client).await);
    screenshot(&client, "04-edit-form-after-restart").await;
    click(&client, "[data-testid=cancel]").await;

    click(&client, "[data-testid=lang-fr]").await;
    wait_for_text(&client, "[data-testid=add-site]", "Ajouter un site").await;
    wait_for_text(&client, "[data-testid=site-status]", "Secrets enregistrés").await;
    screenshot(&client, "05-site-listed-fr").await;
    client.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, Xvfb and a keychain: run by scripts/e2e.sh"]
async fn the_empty_sites_screen_in_french() {
    let data = tempdir("fr");
    let driver = Driver::start(&[("IADVIZE_ZENDESK_DATA_DIR", &data)]);
    let client = driver.launch().await;
    click(&client, "[data-testid=lang-fr]").await;
    wait_for_text(&client, "[data-testid=empty-state]", "Aucun site pour l'instant").await;
    let lang = client
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap();
    assert_eq!(lang.as_str(), Some("fr"));
    screenshot(&client, "01-empty-state-fr").await;
    // The choice is remembered across a restart.
    client.close().await.unwrap();
    let client = driver.launch().await;
    wait_for_text(&client, "[data-testid=empty-state]", "Aucun site pour l'instant").await;
    client.close().await.unwrap();
}

fn assert_no_secret(page: &str) {
    for secret in SECRETS {
        assert!(!page.contains(secret), "the page shows the secret {secret}");
    }
}
