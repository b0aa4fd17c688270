//! The background sync of the desktop app: the core's engine, run while this process holds the
//! data folder's sync role. When another process holds it (a headless `sync`, another copy),
//! the app stays usable read-only, says who syncs, and takes the role over once it is free.

use iadvize_zendesk::Api;
use iadvize_zendesk::sync::engine::{Engine, SiteSyncStatus};
use iadvize_zendesk::sync::owner::{Holder, OwnerError, SyncLock};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ts_rs::TS;

/// What the window shows about syncing.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SyncOverview {
    /// This app syncs (it holds the data folder's sync role).
    pub owner: bool,
    /// Who syncs instead, when another process holds the role.
    pub held_by: Option<Holder>,
    pub sites: Vec<SiteSyncStatus>,
}

#[derive(Default)]
pub struct DesktopSync {
    engine: Mutex<Option<Engine>>,
    held_by: Mutex<Option<Holder>>,
    /// The engine's loop is running (false again once a stop has completed).
    running: std::sync::atomic::AtomicBool,
    /// Every notification shown, newest last: what the app told the admin (also logged).
    pub shown: Mutex<Vec<iadvize_zendesk::notify::Notification>>,
}

impl DesktopSync {
    /// Tries to take the sync role every few seconds until it gets it, then runs the engine
    /// until the app quits.
    pub fn start(self: &Arc<Self>, api: Arc<Api>) {
        let this = self.clone();
        tauri::async_runtime::spawn(async move {
            let lock = loop {
                match SyncLock::acquire(api.data_dir(), "desktop") {
                    Ok(lock) => break lock,
                    Err(OwnerError::Held(holder)) => {
                        *this.held_by.lock().unwrap() = Some(holder);
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot take the sync role"),
                }
                tokio::time::sleep(Duration::from_secs(3)).await;
            };
            *this.held_by.lock().unwrap() = None;
            tracing::info!("the desktop app syncs this data folder");
            let engine = Engine::new(api);
            *this.engine.lock().unwrap() = Some(engine.clone());
            this.running.store(true, std::sync::atomic::Ordering::SeqCst);
            engine.run().await;
            this.running.store(false, std::sync::atomic::Ordering::SeqCst);
            drop(lock);
        });
    }

    pub fn overview(&self) -> SyncOverview {
        let engine = self.engine.lock().unwrap().clone();
        SyncOverview {
            owner: engine.is_some(),
            held_by: self.held_by.lock().unwrap().clone(),
            sites: engine.map(|e| e.status()).unwrap_or_default(),
        }
    }

    /// Polls every site now (after a settings change or a retry).
    pub fn wake(&self) {
        if let Some(engine) = self.engine.lock().unwrap().as_ref() {
            engine.wake();
        }
    }

    /// Stops after the current batches (the app is quitting).
    pub fn stop(&self) {
        if let Some(engine) = self.engine.lock().unwrap().as_ref() {
            engine.stop();
        }
    }

    /// Stops and waits (at most `limit`) for the current batches to be recorded.
    pub async fn stop_and_wait(&self, limit: Duration) {
        self.stop();
        let deadline = tokio::time::Instant::now() + limit;
        while self.running.load(std::sync::atomic::Ordering::SeqCst) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn set_paused(&self, paused: bool) {
        if let Some(engine) = self.engine.lock().unwrap().as_ref() {
            if paused { engine.pause() } else { engine.resume() }
        }
    }

    pub fn is_paused(&self) -> bool {
        self.engine.lock().unwrap().as_ref().is_some_and(Engine::is_paused)
    }

    pub fn statuses(&self) -> Vec<SiteSyncStatus> {
        self.engine.lock().unwrap().as_ref().map(Engine::status).unwrap_or_default()
    }
}
