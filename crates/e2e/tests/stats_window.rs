//! Statistics and backfill from the window, on the sandbox demo site. The site saves what
//! closed from three days ago (midnight); auto-save is switched on and the live sync fills the
//! log. The statistics screen then shows a bar group per agent (the table's agents, kinds told
//! apart) and a point per day, its totals equal the log's delivered count, and the CSV export
//! says the same; screenshots in English and French. Then a backfill of the days before is run
//! from its screen: the progress bar moves and completes with every conversation of the range
//! in Zendesk, and the statistics count them. The diagnostics bundle is saved where the window
//! says.

use e2e::*;
use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

/// Sets an input's value as the page sees typing (date and datetime-local inputs take their
/// value this way whatever the locale's format).
async fn set_value(client: &Client, css: &str, value: &str) {
    wait_for(client, css).await;
    client
        .execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
             el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![css.into(), value.into()],
        )
        .await
        .unwrap();
}

async fn js(client: &Client, script: &str) -> serde_json::Value {
    client.execute(script, vec![]).await.unwrap()
}

async fn number(client: &Client, css: &str) -> i64 {
    let text = wait_for(client, css).await.text().await.unwrap();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| panic!("{css} is not a number: {text:?}"))
}

/// The Sync tab's counts once nothing waits or sends and at least `least` are delivered:
/// (delivered, escalated, failed). The counts are the engine's, as of its last round: "Check
/// now" starts one.
async fn settled_counts(client: &Client, least: i64) -> (i64, i64, i64) {
    click(client, "[data-testid=tab-sync]").await;
    click(client, "[data-testid=sync-now]").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting = number(client, "[data-testid=count-waiting]").await;
        let sending = number(client, "[data-testid=count-sending]").await;
        let delivered = number(client, "[data-testid=count-delivered]").await;
        if waiting == 0 && sending == 0 && delivered >= least.max(1) {
            let escalated = number(client, "[data-testid=count-escalated]").await;
            let failed = number(client, "[data-testid=count-failed]").await;
            return (delivered, escalated, failed);
        }
        assert!(Instant::now() < deadline, "the sync did not settle: {waiting} waiting, {sending} sending, {delivered} delivered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The statistics screen's total tickets, once the figures equal `expected` (they refresh on
/// opening the tab).
async fn stats_total(client: &Client, expected: i64) -> i64 {
    click(client, "[data-testid=tab-stats]").await;
    wait_for(client, "[data-testid=stats-totals]").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let total = number(client, "[data-testid=total-tickets]").await;
        if total == expected || Instant::now() > deadline {
            return total;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver, Xvfb and a keychain: run by scripts/e2e.sh"]
async fn statistics_chart_and_a_backfill_with_progress() {
    let started = Instant::now();
    let data = tempdir("stats");
    let exports = data.join("downloads");
    let driver = Driver::start(&[("IADVIZE_ZENDESK_DATA_DIR", &data), ("IADVIZE_ZENDESK_EXPORT_DIR", &exports)]);
    let client = driver.launch().await;
    click(&client, "[data-testid=lang-en]").await;
    click(&client, "[data-testid=try-demo]").await;
    wait_for(&client, "[data-testid=demo-badge]").await;

    // The live sync saves what closed from midnight three days ago; the days before are the
    // backfill's. Local days, as the window shows them.
    let days = |n: i64| format!("(() => {{ const d = new Date(); d.setHours(0, 0, 0, 0); d.setDate(d.getDate() - {n}); return d; }})()");
    let local = |n: i64| {
        format!("const d = {}; return `${{d.getFullYear()}}-${{String(d.getMonth() + 1).padStart(2, '0')}}-${{String(d.getDate()).padStart(2, '0')}}`;", days(n))
    };
    let three_days_ago = js(&client, &local(3)).await.as_str().unwrap().to_owned();
    let four_days_ago = js(&client, &local(4)).await.as_str().unwrap().to_owned();
    let eight_days_ago = js(&client, &local(8)).await.as_str().unwrap().to_owned();
    click(&client, "[data-testid=edit-site]").await;
    set_value(&client, "#start_from", &format!("{three_days_ago}T00:00")).await;
    click(&client, "[data-testid=save]").await;
    absent(&client, "[data-testid=site-form]").await;

    // Auto-save on: the log fills with tickets.
    click(&client, "[data-testid=open-site]").await;
    wait_for(&client, "[data-testid=site-detail]").await;
    click(&client, "[data-testid=tab-autosave]").await;
    click(&client, "[data-testid=autosave-toggle]").await;
    click(&client, "[data-testid=save-autosave]").await;
    wait_for_text(&client, "[data-testid=autosave-settings]", "Saved").await;
    let (delivered, escalated, failed) = settled_counts(&client, 1).await;
    assert_eq!((escalated, failed), (0, 0), "auto-save only, on a healthy sandbox");

    // The statistics of the last 30 days: every ticket of the log, per agent and per day.
    let total = stats_total(&client, delivered).await;
    assert_eq!(total, delivered, "the statistics' tickets are the log's delivered conversations");
    assert_eq!(number(&client, "[data-testid=agent-total-tickets]").await, delivered);
    let rows = client.find_all(Locator::Css("[data-testid=agent-row]")).await.unwrap();
    let bars = client.find_all(Locator::Css("[data-testid=agent-chart] [data-testid=agent-bar]")).await.unwrap();
    assert!(rows.len() >= 2, "several agents handled the demo's conversations");
    assert_eq!(bars.len(), rows.len(), "a bar group per agent of the table");
    let mut per_agent = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for (row, bar) in rows.iter().zip(&bars) {
        let agent = row.attr("data-agent").await.unwrap();
        assert_eq!(bar.attr("data-agent").await.unwrap(), agent, "bars in the table's order, by agent");
        let kind = row.attr("data-kind").await.unwrap().unwrap();
        assert_eq!(bar.attr("data-kind").await.unwrap().as_deref(), Some(kind.as_str()));
        kinds.insert(kind);
        per_agent += number(&client, &format!("[data-testid=agent-row][data-agent='{}'] [data-testid=agent-tickets]", agent.unwrap())).await;
        // Each group has its auto-saved and escalated bars and the agent's name.
        assert_eq!(bar.find_all(Locator::Css("rect[data-testid^=bar-]")).await.unwrap().len(), 2);
    }
    assert_eq!(per_agent, delivered, "the agents' tickets add up to the total");
    assert!(kinds.contains("professional") && kinds.len() >= 2, "pro agents and other kinds told apart: {kinds:?}");
    let points = client.find_all(Locator::Css("[data-testid=day-chart] [data-testid=day-point]")).await.unwrap();
    assert_eq!(points.len(), 30, "a point per day of the 30 days");
    wait_for(&client, "[data-testid=day-chart] [data-testid=day-line]").await;
    wait_for(&client, "[data-testid=country-table] [data-testid=country-row]").await;

    // CSV export: saved where the window says, with the same total.
    click(&client, "[data-testid=stats-export]").await;
    let path = wait_for(&client, "[data-testid=stats-saved-path]").await.text().await.unwrap();
    assert!(path.starts_with(&exports.display().to_string()), "{path}");
    let csv = std::fs::read_to_string(&path).unwrap();
    let totals: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!((totals[0], totals[4]), ("total", delivered.to_string().as_str()), "{csv}");

    show(&client, "[data-testid=stats-panel]").await;
    screenshot(&client, "60-stats-chart-en").await;
    click(&client, "[data-testid=lang-fr]").await;
    wait_for_text(&client, "[data-testid=stats-agents-card] h3", "Tickets par agent").await;
    show(&client, "[data-testid=stats-panel]").await;
    screenshot(&client, "60-stats-chart-fr").await;
    click(&client, "[data-testid=lang-en]").await;

    // A backfill of the five days before: the bar moves, then completes.
    click(&client, "[data-testid=tab-backfill]").await;
    set_value(&client, "[data-testid=backfill-from]", &eight_days_ago).await;
    set_value(&client, "[data-testid=backfill-to]", &four_days_ago).await;
    click(&client, "[data-testid=backfill-start]").await;
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut seen_running = false;
    let mut found = false;
    let mut fractions: Vec<f64> = Vec::new();
    let last = loop {
        let snapshot = js(
            &client,
            "const c = document.querySelector('[data-testid=backfill-current]'); if (!c) return null; \
             const n = (id) => Number(c.querySelector(`[data-testid=${id}]`).textContent); \
             return { state: c.dataset.state, running: c.dataset.running === 'true', \
               fraction: Number(c.querySelector('[data-testid=backfill-bar]').dataset.fraction), \
               delivered: n('backfill-delivered'), seen: n('backfill-seen'), queued: n('backfill-queued'), failed: n('backfill-failed') };",
        )
        .await;
        if let Some(s) = snapshot.as_object() {
            let fraction = s["fraction"].as_f64().unwrap();
            if fractions.last() != Some(&fraction) {
                fractions.push(fraction);
            }
            // The running bar, as soon as it runs and again once it has found conversations.
            let running = s["state"] == "running" && s["running"] == true;
            if running && (!seen_running || (!found && s["seen"].as_i64() > Some(0) && fraction < 1.0)) {
                found = s["seen"].as_i64() > Some(0);
                seen_running = true;
                screenshot(&client, "61-backfill-running-en").await;
            }
            if s["state"] == "done" {
                break snapshot;
            }
            assert_ne!(s["state"], "failed", "{snapshot}");
        }
        assert!(Instant::now() < deadline, "the backfill did not finish: {snapshot}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(seen_running, "the bar showed the backfill running");
    assert!(fractions.len() >= 2 && fractions[0] < 1.0, "the bar moved: {fractions:?}");
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "and only forwards: {fractions:?}");
    assert_eq!(last["fraction"], 1.0);
    let backfilled = last["delivered"].as_i64().unwrap();
    assert!(backfilled > 0, "the days before the site's start had conversations: {last}");
    assert_eq!(last["seen"].as_i64().unwrap(), backfilled, "every conversation found is in Zendesk: {last}");
    assert_eq!((last["queued"].as_i64(), last["failed"].as_i64()), (Some(0), Some(0)), "{last}");
    wait_for_text(&client, "[data-testid=backfill-state]", "Done").await;
    wait_for_text(&client, "[data-testid=backfill-figures]", &format!("{backfilled} of {backfilled} conversations")).await;
    // The bar's fill slides to its end.
    let deadline = Instant::now() + WAIT;
    while js(&client, "const b = document.querySelector('[data-testid=backfill-bar]'); return b.firstElementChild.getBoundingClientRect().width >= b.getBoundingClientRect().width - 1;").await != true {
        assert!(Instant::now() < deadline, "the bar did not fill");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    screenshot(&client, "62-backfill-done-en").await;
    click(&client, "[data-testid=lang-fr]").await;
    wait_for_text(&client, "[data-testid=backfill-figures]", &format!("{backfilled} conversations sur {backfilled} dans Zendesk")).await;
    screenshot(&client, "62-backfill-done-fr").await;
    click(&client, "[data-testid=lang-en]").await;

    // The log and the statistics count them: the live sync's and the backfill's, once each.
    let (after, _, failed) = settled_counts(&client, delivered + backfilled).await;
    assert_eq!((after, failed), (delivered + backfilled, 0), "one ticket per conversation");
    assert_eq!(stats_total(&client, after).await, after);

    // The diagnostics bundle, saved where the window says.
    click(&client, "[data-testid=diagnostics-write]").await;
    let bundle = wait_for(&client, "[data-testid=diagnostics-saved-path]").await.text().await.unwrap();
    assert!(bundle.starts_with(&exports.display().to_string()) && bundle.ends_with(".zip"), "{bundle}");
    assert!(std::fs::read(&bundle).unwrap().starts_with(b"PK"), "a zip file");
    screenshot(&client, "63-diagnostics-en").await;

    client.close().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}
