//! The background sync of the desktop app: the core's engine, run while this process holds the
//! data folder's sync role. When another process holds it (a headless `sync`, another copy),
//! the app stays usable read-only, says who syncs, and takes the role over once it is free.

use iadvize_zendesk::backfill::{BackfillId, BackfillState, BackfillStatus};
use iadvize_zendesk::sync::engine::{Engine, SiteSyncStatus};
use iadvize_zendesk::{Api, ApiError};
use iadvize_zendesk::sync::owner::{Holder, OwnerError, SyncLock};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
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
    /// Backfills running in this app, with the signal that stops their current run.
    backfills: Mutex<HashMap<BackfillId, watch::Sender<bool>>>,
    /// Backfills that ended done since the watcher last looked (for the notification).
    finished_backfills: Mutex<Vec<BackfillStatus>>,
    /// The app is quitting: backfills stop and do not come back.
    quitting: AtomicBool,
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
        self.quitting.store(true, Ordering::SeqCst);
        self.stop_backfills();
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

    /// Pausing also stops the running backfills' current runs; they go on when syncing resumes.
    pub fn set_paused(&self, paused: bool) {
        if let Some(engine) = self.engine.lock().unwrap().as_ref() {
            if paused { engine.pause() } else { engine.resume() }
        }
        if paused {
            self.stop_backfills();
        }
    }

    pub fn is_paused(&self) -> bool {
        self.engine.lock().unwrap().as_ref().is_some_and(Engine::is_paused)
    }

    pub fn statuses(&self) -> Vec<SiteSyncStatus> {
        self.engine.lock().unwrap().as_ref().map(Engine::status).unwrap_or_default()
    }

    /// Runs a backfill (already recorded by `Api::backfill_start`) in the background of this
    /// app, which must hold the sync role: a backfill sends tickets, so it runs in the sync
    /// owner, next to the engine. Refused, naming who syncs, when another process holds the role.
    pub fn run_backfill(self: &Arc<Self>, api: Arc<Api>, id: BackfillId) -> Result<(), ApiError> {
        self.ensure_owner()?;
        {
            let mut running = self.backfills.lock().unwrap();
            if running.contains_key(&id) {
                return Ok(());
            }
            // Until the task registers its run's own stop signal.
            running.insert(id, watch::channel(false).0);
        }
        let this = self.clone();
        tauri::async_runtime::spawn(async move {
            let quitting = || this.quitting.load(Ordering::SeqCst);
            loop {
                // Paused: wait for the resume (or the quit).
                while this.is_paused() && !quitting() {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                if quitting() {
                    break;
                }
                let (stop, stopped) = watch::channel(false);
                this.backfills.lock().unwrap().insert(id, stop);
                if this.is_paused() {
                    continue;
                }
                let result = iadvize_zendesk::backfill::run_backfill(&api, id, stopped).await;
                match result {
                    Ok(status) if status.state == BackfillState::Done => {
                        tracing::info!(backfill = id, delivered = status.delivered, "backfill done");
                        this.finished_backfills.lock().unwrap().push(status);
                    }
                    // Stopped by a pause: it goes on at the resume.
                    Ok(status) if status.state == BackfillState::Running && this.is_paused() && !quitting() => continue,
                    Ok(status) => tracing::info!(backfill = id, state = status.state.as_str(), "backfill run ended"),
                    Err(e) => tracing::warn!(backfill = id, code = %e.code, error = %e, "backfill stopped"),
                }
                break;
            }
            this.backfills.lock().unwrap().remove(&id);
        });
        Ok(())
    }

    /// Backfills that ended done since the last call (each once).
    pub fn take_finished_backfills(&self) -> Vec<BackfillStatus> {
        std::mem::take(&mut *self.finished_backfills.lock().unwrap())
    }

    /// This app holds the sync role; otherwise the error says who does.
    pub fn ensure_owner(&self) -> Result<(), ApiError> {
        if self.engine.lock().unwrap().is_some() {
            return Ok(());
        }
        Err(match self.held_by.lock().unwrap().as_ref() {
            Some(h) => ApiError::new(
                "sync.owned_elsewhere",
                format!(
                    "{} (process {}) syncs this data folder: a backfill sends tickets, so it runs there. Run it from that process, or stop it and this app takes over.",
                    if h.kind == "desktop" { "Another copy of the app" } else { "The headless \"iadvize-zendesk sync\"" },
                    h.pid
                ),
            ),
            None => ApiError::new("sync.not_started", "The sync has not started yet in this app: try again in a few seconds."),
        })
    }

    fn stop_backfills(&self) {
        for stop in self.backfills.lock().unwrap().values() {
            let _ = stop.send(true);
        }
    }
}
