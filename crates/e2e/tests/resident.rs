//! The app is a resident utility: closing its window keeps the sync delivering tickets (seen in
//! the sandbox's Zendesk over HTTP), and the About screen names its folders, in both languages.

use e2e::*;
use std::time::{Duration, Instant};

/// Sends WM_DELETE_WINDOW to every window with this title (tools/wm_close.py).
fn close_window_like_a_person(title: &str) {
    let found = std::process::Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", title])
        .output()
        .expect("xdotool (scripts/install-deps.sh installs it)");
    let ids = String::from_utf8(found.stdout).unwrap();
    assert!(!ids.trim().is_empty(), "no window titled {title}");
    for id in ids.lines() {
        let status = std::process::Command::new("python3")
            .arg(workspace_root().join("crates/e2e/tools/wm_close.py"))
            .arg(id.trim())
            .status()
            .unwrap();
        assert!(status.success());
    }
}

async fn ticket_count(http: &reqwest::Client, zendesk: &str) -> usize {
    let tickets: serde_json::Value = http
        .get(format!("{zendesk}/_sandbox/tickets"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tickets.as_array().or_else(|| tickets["tickets"].as_array()).map_or(0, Vec::len)
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, Xvfb and a keychain: run by scripts/e2e.sh"]
async fn closing_the_window_keeps_the_sync_delivering() {
    let data = tempdir("resident");
    let driver = Driver::start(&[("IADVIZE_ZENDESK_DATA_DIR", &data)]);
    let client = driver.launch().await;
    click(&client, "[data-testid=lang-en]").await;
    click(&client, "[data-testid=try-demo]").await;
    wait_for(&client, "[data-testid=demo-badge]").await;
    click(&client, "[data-testid=open-site]").await;
    click(&client, "[data-testid=tab-autosave]").await;
    click(&client, "[data-testid=autosave-toggle]").await;
    fill(&client, "[data-testid=grace]", "0").await;
    fill(&client, "[data-testid=autosave-settings] input[type=number][min='10']", "10").await;
    click(&client, "[data-testid=save-autosave]").await;
    wait_for_text(&client, "[data-testid=autosave-settings]", "Saved").await;

    // Where the demo's sandbox listens, from the app's own database.
    let db = rusqlite::Connection::open(data.join("iadvize-zendesk.sqlite3")).unwrap();
    let zendesk: String = db
        .query_row("SELECT zendesk_api_url FROM sites WHERE name = 'Sandbox demo'", [], |r| r.get(0))
        .unwrap();
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while ticket_count(&http, &zendesk).await == 0 {
        assert!(Instant::now() < deadline, "the first tickets never came");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Close the window as a person does (the window manager's close: WM_DELETE_WINDOW); the
    // app stays, hidden, in the tray.
    close_window_like_a_person("iAdvize → Zendesk");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let visible = std::process::Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "iAdvize → Zendesk"])
        .output()
        .unwrap();
    assert!(visible.stdout.is_empty(), "the window is still shown");
    let before = ticket_count(&http, &zendesk).await;
    // New conversations keep closing in iAdvize...
    http.put(format!("{zendesk}/_sandbox/live"))
        .json(&serde_json::json!({ "per_minute": 120.0 }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    // ...and keep becoming tickets with no window open.
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let now = ticket_count(&http, &zendesk).await;
        if now > before {
            break;
        }
        assert!(Instant::now() < deadline, "no ticket after the window closed ({before} before)");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(client);
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, Xvfb and a keychain: run by scripts/e2e.sh"]
async fn the_about_screen_in_english_and_french() {
    let data = tempdir("about");
    let driver = Driver::start(&[("IADVIZE_ZENDESK_DATA_DIR", &data)]);
    let client = driver.launch().await;
    for (lang, title) in [("en", "Data folder"), ("fr", "Dossier de données")] {
        click(&client, &format!("[data-testid=lang-{lang}]")).await;
        click(&client, "[data-testid=open-about]").await;
        wait_for_text(&client, "[data-testid=about]", title).await;
        let dir = wait_for(&client, "[data-testid=about-data-dir]").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !dir.text().await.unwrap().contains("iz-e2e-about") {
            assert!(Instant::now() < deadline, "the data folder is not shown");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        screenshot(&client, &format!("30-about-{lang}")).await;
        click(&client, "[data-testid=about-close]").await;
    }
    client.close().await.unwrap();
}

fn cli() -> std::path::PathBuf {
    workspace_root().join("target/debug/iadvize-zendesk")
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, Xvfb and a keychain: run by scripts/e2e.sh"]
async fn the_app_and_the_headless_sync_never_sync_the_same_folder_together() {
    let data = tempdir("owner");
    let driver = Driver::start(&[("IADVIZE_ZENDESK_DATA_DIR", &data)]);

    // The app syncs: the headless sync is refused, naming the app.
    let client = driver.launch().await;
    wait_for(&client, "[data-testid=open-about]").await;
    let lock = data.join("sync.lock");
    let deadline = Instant::now() + Duration::from_secs(15);
    while !std::fs::read_to_string(&lock).unwrap_or_default().contains("desktop") {
        assert!(Instant::now() < deadline, "the app never took the sync role");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refused = std::process::Command::new(cli())
        .arg("--data-dir")
        .arg(&data)
        .args(["sync", "--once"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("the desktop app"), "{message}");
    client.close().await.unwrap();

    // The headless sync holds the role: the app says so, then takes over once it is killed.
    // The closed app releases the role when its process has ended, which can be after the
    // session's close returns: a headless sync refused meanwhile exits, and is started again.
    let start_headless = || {
        std::process::Command::new(cli())
            .arg("--data-dir")
            .arg(&data)
            .arg("sync")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut headless = start_headless();
    let deadline = Instant::now() + Duration::from_secs(15);
    while !std::fs::read_to_string(&lock).unwrap_or_default().contains("headless") {
        assert!(Instant::now() < deadline, "the headless sync never took the role");
        if let Some(status) = headless.try_wait().unwrap() {
            assert_eq!(status.code(), Some(1), "the headless sync ended otherwise than refused");
            headless = start_headless();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let client = driver.launch().await;
    click(&client, "[data-testid=lang-en]").await;
    let banner = wait_for_text(&client, "[data-testid=sync-elsewhere]", "iadvize-zendesk sync").await;
    assert!(banner.text().await.unwrap().contains(&headless.id().to_string()));
    screenshot(&client, "31-sync-elsewhere").await;
    headless.kill().unwrap(); // SIGKILL
    let _ = headless.wait();
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.find(fantoccini::Locator::Css("[data-testid=sync-elsewhere]")).await.is_ok() {
        assert!(Instant::now() < deadline, "the app did not take the sync role over");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(std::fs::read_to_string(&lock).unwrap().contains("desktop"));
    client.close().await.unwrap();
}
