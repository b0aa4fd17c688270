//! Drives the built desktop app through WebDriver. The tests are `#[ignore]`d in a plain
//! `cargo test`: they need the app built, tauri-driver, Xvfb and a keychain session, which
//! `scripts/test.sh` provides (`scripts/e2e.sh` runs them with `--ignored`).

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The app binary under test: `$E2E_APP`, or the workspace's debug build.
pub fn app_binary() -> PathBuf {
    std::env::var_os("E2E_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/debug/iadvize-zendesk-desktop"))
}

/// Where screenshots go (a CI artefact).
pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("artifacts/e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running tauri-driver. Stopped with SIGTERM on drop: only then does it stop its
/// WebKitWebDriver child, which would otherwise keep the ports and output pipes.
pub struct Driver {
    child: Child,
    pub port: u16,
    /// The environment given to the apps it launches: how their processes are found again.
    envs: Vec<(String, String)>,
}

impl Driver {
    /// Starts tauri-driver; the app it launches inherits `envs` (e.g. the data folder). It
    /// listens on 4444 (WebKitWebDriver on the next port), or `$E2E_DRIVER_PORT` so that two
    /// runs (each under its own Xvfb and D-Bus) can share a machine.
    pub fn start(envs: &[(&str, &Path)]) -> Driver {
        let port: u16 = std::env::var("E2E_DRIVER_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(4444);
        let mut cmd = Command::new(tauri_driver());
        cmd.args(["--port", &port.to_string(), "--native-port", &(port + 1).to_string()])
            .env("NO_AT_BRIDGE", "1")
            .env("GTK_A11Y", "none")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start tauri-driver (cargo install tauri-driver --version 2.1.0 --locked)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        let envs = envs.iter().map(|(k, v)| (k.to_string(), v.display().to_string())).collect();
        Driver { child, port, envs }
    }

    /// Ends every app this driver launched that still runs (a hidden window keeps the app in the
    /// tray; the next test's launch would only focus it, since the app is single-instance), and
    /// waits until they are gone: a new session started while one still exits would have its
    /// app hand over to the old instance and quit.
    pub fn end_apps(&self) {
        let pids = self.app_pids();
        for pid in &pids {
            // SAFETY: kill(2) on a process of our own test run.
            unsafe {
                libc::kill(*pid, libc::SIGTERM);
            }
        }
        for (signal, wait) in [(None, Duration::from_secs(5)), (Some(libc::SIGKILL), Duration::from_secs(2))] {
            let alive: Vec<i32> = pids.iter().copied().filter(|p| running(*p)).collect();
            if alive.is_empty() {
                return;
            }
            for pid in alive.iter().filter(|_| signal.is_some()) {
                // SAFETY: as above.
                unsafe {
                    libc::kill(*pid, libc::SIGKILL);
                }
            }
            let deadline = Instant::now() + wait;
            while Instant::now() < deadline && alive.iter().any(|p| running(*p)) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// The processes of the apps this driver launched (found by their environment).
    fn app_pids(&self) -> Vec<i32> {
        let mut pids = Vec::new();
        let Some((key, value)) = self.envs.first() else { return pids };
        let wanted = format!("{key}={value}");
        let Ok(entries) = std::fs::read_dir("/proc") else { return pids };
        for entry in entries.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
            let is_app = std::fs::read_link(entry.path().join("exe"))
                .is_ok_and(|exe| exe.file_name().is_some_and(|n| n.to_string_lossy().starts_with("iadvize-zendesk-desktop")));
            if is_app && environ.split(|b| *b == 0).any(|var| var == wanted.as_bytes()) {
                pids.push(pid);
            }
        }
        pids
    }

    /// Opens a session: launches the app and connects to its window.
    pub async fn launch(&self) -> Client {
        let app = app_binary();
        assert!(app.exists(), "build the app first: {} is missing", app.display());
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app.display().to_string() }),
        );
        ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("WebDriver session with the app")
    }
}

/// Whether a process still runs (a zombie, waiting for its parent to reap it, does not).
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(") ").map(|(_, rest)| !rest.starts_with('Z')))
        .unwrap_or(false)
}

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return path.into();
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    let installed = home.join("bin/tauri-driver");
    if installed.exists() { installed } else { "tauri-driver".into() }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.end_apps();
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub const WAIT: Duration = Duration::from_secs(15);

pub async fn wait_for(client: &Client, css: &str) -> Element {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

/// Waits until `css` matches an element whose text contains `text`.
pub async fn wait_for_text(client: &Client, css: &str, text: &str) -> Element {
    let deadline = Instant::now() + WAIT;
    loop {
        for el in client.find_all(Locator::Css(css)).await.unwrap_or_default() {
            if el.text().await.unwrap_or_default().contains(text) {
                return el;
            }
        }
        assert!(Instant::now() < deadline, "no {css} containing {text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Replaces an input's value as a person would (select all, type), then leaves the field.
pub async fn fill(client: &Client, css: &str, value: &str) {
    let input = wait_for(client, css).await;
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
    blur(client).await;
}

pub async fn blur(client: &Client) {
    client
        .execute("document.activeElement && document.activeElement.blur()", vec![])
        .await
        .unwrap();
}

/// Clicks once the element is there and interactable (buttons start disabled while the app
/// loads its state).
pub async fn click(client: &Client, css: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let element = wait_for(client, css).await;
        let enabled = element.is_enabled().await.unwrap_or(false);
        if enabled {
            match element.click().await {
                Ok(()) => return,
                Err(e) if Instant::now() >= deadline => panic!("cannot click {css}: {e}"),
                Err(_) => {}
            }
        }
        assert!(Instant::now() < deadline, "{css} stayed disabled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until nothing matches `css`.
pub async fn absent(client: &Client, css: &str) {
    let deadline = Instant::now() + WAIT;
    while !client.find_all(Locator::Css(css)).await.unwrap_or_default().is_empty() {
        assert!(Instant::now() < deadline, "{css} stayed on the page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Scrolls `css` to the top of the window (for a screenshot).
pub async fn show(client: &Client, css: &str) {
    wait_for(client, css).await;
    client
        .execute("document.querySelector(arguments[0]).scrollIntoView({block: 'start'})", vec![css.into()])
        .await
        .unwrap();
}

/// Saves a screenshot after two animation frames (earlier, WebKit may hand a stale frame).
pub async fn screenshot(client: &Client, name: &str) -> PathBuf {
    client
        .execute_async(
            "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        )
        .await
        .unwrap();
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let path = artifacts_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap();
    path
}

/// Everything a person or a script could read from the page: markup plus every input's value.
pub async fn page_text(client: &Client) -> String {
    let source = client.source().await.unwrap();
    let values = client
        .execute(
            "return Array.from(document.querySelectorAll('input, textarea, select')).map(e => e.value).join('\\n')",
            vec![],
        )
        .await
        .unwrap();
    format!("{source}\n{}", values.as_str().unwrap_or_default())
}

/// A fresh data folder for one test.
pub fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iz-e2e-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
