//! One sync owner per data folder, with real processes: a second `iadvize-zendesk sync` is
//! refused with the holder named, and takes over once the first is killed with SIGKILL (the
//! lock is the kernel's, released with the process). Run inside scripts/with-keychain.sh.

use std::process::Stdio;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_iadvize-zendesk");

#[tokio::test(flavor = "multi_thread")]
async fn a_second_owner_is_refused_then_takes_over_after_kill_9() {
    let data = tempfile::tempdir().unwrap();
    // A continuous sync holds the role (no site: it just owns the folder).
    let mut first = tokio::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(data.path())
        .arg("sync")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lock = data.path().join("sync.lock");
    let deadline = Instant::now() + Duration::from_secs(10);
    while iadvize_zendesk::sync::owner::SyncLock::holder(data.path()).is_none() {
        assert!(Instant::now() < deadline, "the first sync never took the lock ({})", lock.display());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let refused = tokio::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(data.path())
        .args(["sync", "--once"])
        .output()
        .await
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    let pid = first.id().unwrap().to_string();
    assert!(message.contains("iadvize-zendesk sync") && message.contains(&pid), "{message}");
    // Read-only use still works meanwhile.
    let list = tokio::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(data.path())
        .args(["site", "list", "--json"])
        .output()
        .await
        .unwrap();
    assert!(list.status.success());

    first.start_kill().unwrap(); // SIGKILL: no chance to clean up
    let _ = first.wait().await;
    let second = tokio::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(data.path())
        .args(["sync", "--once", "--json"])
        .output()
        .await
        .unwrap();
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(summary["pending"], 0);
}
