//! The tray menu under Xvfb (a standalone XEmbed tray, trayer, hosts the icon): each site's
//! state and open / pause all / quit, in English and French. Screenshots are test artefacts.

use e2e::*;
use std::process::Command;
use std::time::Duration;

fn visible_windows() -> usize {
    let out = Command::new("xdotool").args(["search", "--onlyvisible", "--name", ""]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

fn screenshot_root(name: &str) {
    let path = artifacts_dir().join(format!("{name}.png"));
    let ok = Command::new("import").args(["-window", "root"]).arg(&path).status().unwrap();
    assert!(ok.success());
    assert!(std::fs::read(&path).unwrap().starts_with(b"\x89PNG"));
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, Xvfb, trayer and a keychain: run by scripts/e2e.sh"]
async fn the_tray_menu_shows_each_site_and_the_actions() {
    // The tray host, at the screen's top right (the icon sits at its right end).
    let mut tray = Command::new("trayer")
        .args(["--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "120", "--height", "32", "--transparent", "false", "--tint", "0x333333"])
        .spawn()
        .expect("trayer (scripts/install-deps.sh installs it)");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let data = tempdir("tray");
    let driver = Driver::start(&[("IADVIZE_ZENDESK_DATA_DIR", &data)]);
    let client = driver.launch().await;
    click(&client, "[data-testid=try-demo]").await;
    wait_for(&client, "[data-testid=demo-badge]").await;
    let width: i64 = client.execute("return screen.width", vec![]).await.unwrap().as_i64().unwrap_or(1280);
    for lang in ["en", "fr"] {
        click(&client, &format!("[data-testid=lang-{lang}]")).await;
        // The tray menu is rebuilt every few seconds and on a language change.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let before = visible_windows();
        let x = (width - 18).to_string();
        // A right click opens the icon's menu; the embedded icon may first need a click to take
        // the pointer, so try until the menu window shows.
        let mut opened = false;
        for button in ["3", "1", "3", "1", "3"] {
            let ok = Command::new("xdotool").args(["mousemove", &x, "16", "click", button]).status().unwrap();
            assert!(ok.success());
            tokio::time::sleep(Duration::from_millis(1200)).await;
            if visible_windows() > before {
                opened = true;
                break;
            }
        }
        assert!(opened, "the tray menu did not open");
        screenshot_root(&format!("40-tray-menu-{lang}"));
        let _ = Command::new("xdotool").args(["key", "Escape"]).status();
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    client.close().await.unwrap();
    let _ = tray.kill();
    let _ = tray.wait();
}
