//! Auto-save switched on from the window for a sandbox site: tickets appear in its log, with
//! the live sync status; the ticket preview shows what a conversation becomes.

use e2e::*;
use fantoccini::Locator;
use std::time::{Duration, Instant};

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, Xvfb and a keychain: run by scripts/e2e.sh"]
async fn switching_auto_save_on_fills_the_log_with_tickets() {
    let data = tempdir("autosave");
    let driver = Driver::start(&[("IADVIZE_ZENDESK_DATA_DIR", &data)]);
    let client = driver.launch().await;
    click(&client, "[data-testid=lang-en]").await;
    click(&client, "[data-testid=try-demo]").await;
    wait_for(&client, "[data-testid=demo-badge]").await;
    click(&client, "[data-testid=open-site]").await;
    wait_for(&client, "[data-testid=site-detail]").await;
    wait_for_text(&client, "[data-testid=log-empty]", "Auto-save and escalation are off").await;

    click(&client, "[data-testid=tab-autosave]").await;
    click(&client, "[data-testid=autosave-toggle]").await;
    click(&client, "[data-testid=save-autosave]").await;
    wait_for_text(&client, "[data-testid=autosave-settings]", "Saved").await;
    click(&client, "[data-testid=tab-sync]").await;

    // The engine was woken by the change: rows appear, then turn into tickets.
    let deadline = Instant::now() + Duration::from_secs(60);
    let delivered = loop {
        let rows = client
            .find_all(Locator::Css("[data-testid=log-row][data-state=delivered]"))
            .await
            .unwrap_or_default();
        if rows.len() >= 5 {
            break rows.len();
        }
        assert!(Instant::now() < deadline, "no tickets appeared in the log");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(delivered >= 5);
    let ticket = wait_for(&client, "[data-testid=log-row][data-state=delivered] [data-testid=log-ticket]").await;
    assert!(ticket.text().await.unwrap().starts_with('#'));
    let count = wait_for(&client, "[data-testid=count-delivered]").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while count.text().await.unwrap() == "0" {
        assert!(Instant::now() < deadline, "the status counts stayed at 0");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    screenshot(&client, "20-autosave-log").await;

    // The preview of a logged conversation.
    click(&client, "[data-testid=log-row][data-state=delivered] button").await;
    wait_for(&client, "[data-testid=conversation-log]").await;
    let id = client
        .execute("return document.querySelector('[data-testid=conversation-log] .mono').textContent", vec![])
        .await
        .unwrap();
    fill(&client, "[data-testid=preview-id]", id.as_str().unwrap()).await;
    click(&client, "[data-testid=preview-go]").await;
    let subject = wait_for(&client, "[data-testid=preview-subject]").await;
    assert!(subject.text().await.unwrap().contains(" with "), "a subject naming the channel and visitor");
    screenshot(&client, "21-ticket-preview").await;
    client.close().await.unwrap();
}
