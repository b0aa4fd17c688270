//! The sync loop: for each site with auto-save or escalation on, poll then deliver what is due,
//! every `poll_seconds`; sites run side by side so none starves another. Stopping is clean: a
//! round in progress finishes its current batch (whose entries the ledger then records) before
//! the loop exits.

use crate::api::Api;
use crate::error::ApiError;
use crate::site::{Site, SiteId, SiteRef};
use crate::store::ledger::{self, StateCounts};
use crate::sync::deliver::{self, Delivered, SiteContext};
use crate::sync::poll;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use ts_rs::TS;

/// What `sync --once` prints: a stable JSON contract.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "SyncSummary")]
pub struct Summary {
    pub conversations_seen: usize,
    pub tickets_created: usize,
    pub tickets_escalated: usize,
    pub tickets_updated: usize,
    pub failed: usize,
    /// Still to send: in their grace period, waiting to retry, or uncertain.
    pub pending: usize,
}

impl std::ops::AddAssign for Summary {
    fn add_assign(&mut self, o: Summary) {
        self.conversations_seen += o.conversations_seen;
        self.tickets_created += o.tickets_created;
        self.tickets_escalated += o.tickets_escalated;
        self.tickets_updated += o.tickets_updated;
        self.failed += o.failed;
        self.pending += o.pending;
    }
}

/// A site's sync, as the status line and the tray show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SyncPhase {
    /// Neither auto-save nor escalation is on.
    Off,
    Idle,
    Polling,
    Delivering,
    /// The last round failed (see `last_error`); it is retried at the next poll.
    Failing,
    /// The admin paused syncing (from the tray); nothing is polled or sent until resumed.
    Paused,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SiteSyncStatus {
    pub site_id: SiteId,
    pub phase: SyncPhase,
    #[ts(type = "string | null")]
    pub last_poll_at: Option<DateTime<Utc>>,
    #[ts(type = "string | null")]
    pub next_poll_at: Option<DateTime<Utc>>,
    pub counts: StateCounts,
    pub last_error: Option<ApiError>,
    /// Zendesk's rate-limit budget as last seen: requests left, per minute.
    pub rate_limit: Option<u32>,
    pub rate_remaining: Option<u32>,
}

/// Whether a site has anything to sync.
pub fn is_active(site: &Site) -> bool {
    site.settings.autosave_enabled || site.settings.escalation_enabled
}

/// How long delivery waits for the poll's next page when nothing is due yet.
const POLL_PAGE_WAIT: Duration = Duration::from_millis(50);

/// One round for one site: poll, and deliver everything due now (from the poll's first page on).
pub async fn sync_site_once(api: &Api, site: &Site, stop: Option<&watch::Receiver<bool>>) -> Result<(Summary, SiteContext), ApiError> {
    let ctx = SiteContext::prepare(api, site.clone()).await?;
    // Delivery starts with the first committed page rather than after the last: a backlog's
    // polling (one iAdvize page after another) overlaps its Zendesk work instead of adding to
    // it. Both go through the ledger, page by page and entry by entry, as before.
    let (polling_tx, polling_rx) = watch::channel(true);
    let poll = async {
        let polled = poll::poll_site(api, site, &ctx.iadvize).await;
        let _ = polling_tx.send(false);
        polled
    };
    let deliver = async {
        let mut polling = polling_rx;
        let mut delivered = Delivered::default();
        loop {
            if stop.is_some_and(|s| *s.borrow()) {
                break;
            }
            let still_polling = *polling.borrow_and_update();
            let round = deliver::deliver_round(api, &ctx).await?;
            let progressed = round != Delivered::default();
            delivered += round;
            if !progressed {
                if !still_polling {
                    break;
                }
                // Nothing due yet: wait for the next page, or the end of the poll.
                tokio::select! {
                    _ = polling.changed() => {}
                    _ = tokio::time::sleep(POLL_PAGE_WAIT) => {}
                }
            }
        }
        Ok::<_, ApiError>(delivered)
    };
    let (polled, delivered) = tokio::join!(poll, deliver);
    let (polled, delivered) = (polled?, delivered?);
    let counts = ledger::counts(&api.store().conn(), site.id)?;
    Ok((
        Summary {
            conversations_seen: polled.seen,
            tickets_created: delivered.created,
            tickets_escalated: delivered.escalated,
            tickets_updated: delivered.updated,
            failed: delivered.failed,
            pending: (counts.waiting + counts.sending) as usize,
        },
        ctx,
    ))
}

/// `sync --once`: every active site (or the one named), side by side; errors per site are
/// reported, the others go on.
pub async fn sync_once(api: &Api, only: Option<&SiteRef>) -> Result<(Summary, Vec<(SiteId, ApiError)>), ApiError> {
    let sites: Vec<Site> = match only {
        Some(r) => vec![api.site(r)?],
        None => api.list_sites()?.into_iter().filter(is_active).collect(),
    };
    let results = futures_util::future::join_all(sites.iter().map(|s| sync_site_once(api, s, None))).await;
    let mut summary = Summary::default();
    let mut errors = Vec::new();
    for (site, result) in sites.iter().zip(results) {
        match result {
            Ok((s, _)) => summary += s,
            Err(e) => {
                tracing::warn!(site = site.id, code = %e.code, error = %e, "sync round failed");
                errors.push((site.id, e));
            }
        }
    }
    Ok((summary, errors))
}

/// The running loop, shared by the desktop app and `sync` without `--once`.
#[derive(Clone)]
pub struct Engine {
    api: Arc<Api>,
    status: Arc<RwLock<HashMap<SiteId, SiteSyncStatus>>>,
    wake: Arc<Notify>,
    stop_tx: Arc<watch::Sender<bool>>,
    stop_rx: watch::Receiver<bool>,
    paused: Arc<std::sync::atomic::AtomicBool>,
    /// How often the site list is re-read (new sites, changed settings).
    pub rescan: Duration,
}

impl Engine {
    pub fn new(api: Arc<Api>) -> Engine {
        let (stop_tx, stop_rx) = watch::channel(false);
        Engine {
            api,
            status: Arc::default(),
            wake: Arc::new(Notify::new()),
            stop_tx: Arc::new(stop_tx),
            stop_rx,
            paused: Arc::default(),
            rescan: Duration::from_secs(5),
        }
    }

    /// Pauses every site after its current batch (the tray's "Pause all").
    pub fn pause(&self) {
        self.paused.store(true, std::sync::atomic::Ordering::SeqCst);
        self.wake();
    }

    pub fn resume(&self) {
        self.paused.store(false, std::sync::atomic::Ordering::SeqCst);
        self.wake();
    }

    pub fn is_paused(&self) -> bool {
        self.paused.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn status(&self) -> Vec<SiteSyncStatus> {
        let mut all: Vec<_> = self.status.read().unwrap().values().cloned().collect();
        all.sort_by_key(|s| s.site_id);
        all
    }

    pub fn site_status(&self, site: SiteId) -> Option<SiteSyncStatus> {
        self.status.read().unwrap().get(&site).cloned()
    }

    /// Asks every site to poll now (after a settings change, a retry, an escalation).
    pub fn wake(&self) {
        self.wake.notify_waiters();
    }

    /// Asks the loops to stop after their current batch.
    pub fn stop(&self) {
        let _ = self.stop_tx.send(true);
        self.wake.notify_waiters();
    }

    fn set_status(&self, status: SiteSyncStatus) {
        self.status.write().unwrap().insert(status.site_id, status);
    }

    /// Runs until [`stop`](Self::stop): one task per site, the site list re-read regularly.
    pub async fn run(&self) {
        let mut tasks: HashMap<SiteId, tokio::task::JoinHandle<()>> = HashMap::new();
        let mut stop = self.stop_rx.clone();
        loop {
            let sites = match self.api.list_sites() {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot list the sites");
                    Vec::new()
                }
            };
            let ids: Vec<SiteId> = sites.iter().map(|s| s.id).collect();
            tasks.retain(|id, task| {
                let keep = ids.contains(id) && !task.is_finished();
                if !keep {
                    task.abort();
                }
                keep
            });
            self.status.write().unwrap().retain(|id, _| ids.contains(id));
            for site in sites {
                tasks.entry(site.id).or_insert_with(|| {
                    let engine = self.clone();
                    tokio::spawn(async move { engine.site_loop(site.id).await })
                });
            }
            tokio::select! {
                _ = tokio::time::sleep(self.rescan) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                break;
            }
        }
        for (_, task) in tasks {
            let _ = task.await;
        }
    }

    async fn site_loop(&self, id: SiteId) {
        let mut stop = self.stop_rx.clone();
        loop {
            if *stop.borrow() {
                return;
            }
            let Ok(site) = self.api.site(&SiteRef::Id(id)) else { return };
            let counts = ledger::counts(&self.api.store().conn(), id).unwrap_or_default();
            let previous = self.site_status(id);
            let wait = Duration::from_secs(site.settings.poll_seconds.max(1) as u64);
            let next = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            if !is_active(&site) || self.is_paused() {
                self.set_status(SiteSyncStatus {
                    site_id: id,
                    phase: if is_active(&site) { SyncPhase::Paused } else { SyncPhase::Off },
                    last_poll_at: previous.as_ref().and_then(|p| p.last_poll_at),
                    next_poll_at: None,
                    counts,
                    last_error: None,
                    rate_limit: None,
                    rate_remaining: None,
                });
            } else {
                self.set_status(SiteSyncStatus {
                    site_id: id,
                    phase: SyncPhase::Polling,
                    last_poll_at: previous.as_ref().and_then(|p| p.last_poll_at),
                    next_poll_at: None,
                    counts: counts.clone(),
                    last_error: None,
                    rate_limit: previous.as_ref().and_then(|p| p.rate_limit),
                    rate_remaining: previous.as_ref().and_then(|p| p.rate_remaining),
                });
                let result = sync_site_once(&self.api, &site, Some(&stop)).await;
                let counts = ledger::counts(&self.api.store().conn(), id).unwrap_or_default();
                let (phase, last_error, budget) = match result {
                    Ok((_, ctx)) => {
                        let b = ctx.zendesk.rate_budget();
                        (SyncPhase::Idle, None, Some((b.limit, b.remaining)))
                    }
                    Err(e) => {
                        tracing::warn!(site = id, code = %e.code, error = %e, "sync round failed");
                        (SyncPhase::Failing, Some(e), None)
                    }
                };
                self.set_status(SiteSyncStatus {
                    site_id: id,
                    phase,
                    last_poll_at: Some(Utc::now()),
                    next_poll_at: Some(next),
                    counts,
                    last_error,
                    rate_limit: budget.map(|b| b.0),
                    rate_remaining: budget.and_then(|b| b.1),
                });
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
                _ = stop.changed() => {}
            }
        }
    }
}
