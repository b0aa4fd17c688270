//! Backfill: a date range of past closed conversations of a site turned into tickets by the
//! same engine (`sync::deliver`) and the same one-ticket-per-conversation rule (one ledger row
//! per conversation, `external_id` lookups after any uncertain outcome) as the live sync.
//!
//! ## How it works
//! - **Reading.** The range is read window by window (at most [`MAX_WINDOW`] per query, as
//!   iAdvize allows), page by page, oldest closing first. Each page's conversations enter the
//!   ledger *parked* (`due_at` = [`parked_due_at`]) and the backfill's checkpoint moves, in one
//!   transaction: the checkpoint never passes a conversation whose row is not committed, and a
//!   restart (after a stop, a crash or `kill -9`) reads again from the checkpoint, the ledger
//!   absorbing what it already has. The site's `start_from` does not apply: backfilling what
//!   came before it is the point. The site's other rule does: with auto-save off, only the
//!   conversations whose agent asked for an escalation (when escalation is on).
//! - **Delivering.** Parked rows are the backfill's own: the live sync only takes rows that are
//!   due, and a parked row is never due, so the two never send the same row. The backfill sends
//!   its parked rows with [`deliver::deliver_batch`], in paced batches. Once a row has been
//!   tried it is an ordinary ledger row: a retry, or an uncertain outcome looked up later,
//!   belongs to the live sync (or to the CLI's settling phase, [`RunOptions::deliver_due`]).
//! - **Pacing** ([`Pacer`]). The backfill spends at most [`Pacing::share`] (default half) of
//!   each rate-limit window of the Zendesk account, counted in requests its own client sent:
//!   the live sync (and any other integration on the account) always has the rest. It also
//!   never takes the last [`Pacing::keep_free`] (a tenth) of the account's remaining budget as
//!   Zendesk reports it on each answer: when the account is busy, it waits for the reset.
//!   Batches are sized from the requests a conversation has cost so far (requester look-ups,
//!   bulk user creation, the import and its job polls), so a batch does not overrun what is
//!   left of the window's allowance. The window is Zendesk's own (`ratelimit-reset`), or
//!   [`Pacing::default_window`] when it does not say.
//! - **One runner.** A backfill that sends tickets runs only in the process holding the data
//!   folder's sync lock (`sync::owner`), at most one runner per backfill in that process, and
//!   at most one running backfill per site. [`run_backfill`] checks all three.
//! - **Stop, cancel.** Stopping (the `stop` signal, Ctrl-C) leaves the backfill `running` and
//!   resumable. Cancelling marks it `cancelled`; the parked rows it had not sent are removed and
//!   its checkpoint moved back before them, so resuming the same range later reads them again.

use crate::api::Api;
use crate::error::ApiError;
use crate::iadvize::ClosedConversationsFilter;
use crate::site::{Site, SiteId, SiteRef};
use crate::store::ledger::{Due, Seen};
use crate::sync::deliver::{self, Delivered, SiteContext};
use crate::sync::engine::is_active;
use crate::sync::ledger::{Entry, Failure, Path as DeliveryPath, State};
use crate::sync::owner::SyncLock;
use crate::sync::poll::{self, MAX_WINDOW};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration as StdDuration, Instant};
use tokio::sync::watch;
use ts_rs::TS;

pub type BackfillId = i64;

/// The `due_at` of a parked row: never due for the live sync.
pub fn parked_due_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).single().expect("a valid date")
}

/// Whether a ledger row's `due_at` marks it as waiting in a backfill's queue.
pub fn is_parked(due_at: DateTime<Utc>) -> bool {
    due_at == parked_due_at()
}

/// The window over which the delivery rate is measured.
const RATE_WINDOW: Duration = Duration::minutes(2);
/// Consecutive failed delivery batches before the backfill stops as failed.
const MAX_CONSECUTIVE_ERRORS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BackfillState {
    /// Started and not finished: being worked on, or stopped and waiting to be resumed.
    Running,
    Cancelled,
    /// The range was read and every conversation of it sent at least once.
    Done,
    /// Stopped by an error (`last_error`); resuming tries again from the checkpoint.
    Failed,
}

impl BackfillState {
    pub fn as_str(self) -> &'static str {
        match self {
            BackfillState::Running => "running",
            BackfillState::Cancelled => "cancelled",
            BackfillState::Done => "done",
            BackfillState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<BackfillState> {
        [BackfillState::Running, BackfillState::Cancelled, BackfillState::Done, BackfillState::Failed]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// A backfill and its progress, as the desktop's progress bar and the CLI's line show it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct BackfillStatus {
    pub id: BackfillId,
    pub site_id: SiteId,
    /// The range, `[range_from, range_to)`, of closing times.
    #[ts(type = "string")]
    pub range_from: DateTime<Utc>,
    #[ts(type = "string")]
    pub range_to: DateTime<Utc>,
    /// Every conversation of the range closed before this instant is in the ledger.
    #[ts(type = "string")]
    pub checkpoint: DateTime<Utc>,
    pub state: BackfillState,
    /// A runner works on it in this process now.
    pub running_here: bool,
    /// The whole range (up to now) has been read.
    pub reading_done: bool,
    /// Conversations of the range in the ledger (found so far).
    pub seen: i64,
    /// Of those: with their ticket.
    pub delivered: i64,
    /// Refused by Zendesk for good (see the sync log; retry from there).
    pub failed: i64,
    /// Still to send: the backfill's queue, retries and uncertain outcomes.
    pub pending: i64,
    /// Of those: in the backfill's queue, not tried yet.
    pub queued: i64,
    /// Conversations the range holds: exact once read, estimated from the part read so far
    /// before (None until enough is read to say).
    pub total_estimate: Option<i64>,
    /// `total_estimate - delivered - failed`.
    pub remaining: Option<i64>,
    /// Done part, 0 to 1.
    pub fraction: f64,
    /// Conversations settled per minute over the last two minutes.
    pub rate_per_minute: f64,
    /// At that rate.
    pub eta_seconds: Option<i64>,
    pub last_error: Option<ApiError>,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub finished_at: Option<DateTime<Utc>>,
}

/// How a backfill shares the Zendesk rate limit with the live sync.
#[derive(Debug, Clone, PartialEq)]
pub struct Pacing {
    /// The part of each rate-limit window the backfill may spend (0 < share <= 1).
    pub share: f64,
    /// The part of the account's remaining budget the backfill never takes (0 to 1).
    pub keep_free: f64,
    /// The largest batch (Zendesk's bulk limit is 100).
    pub max_batch: usize,
    /// The window when Zendesk has not said when its budget resets.
    pub default_window: StdDuration,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            share: 0.5,
            keep_free: 0.1,
            max_batch: deliver::BATCH,
            default_window: StdDuration::from_secs(60),
        }
    }
}

/// What the pacer allows now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Send a batch of at most this many conversations.
    Go { batch: usize },
    /// Wait this long, then ask again.
    Wait(StdDuration),
}

/// The backfill's share of the rate limit (pure: time and budgets come in as arguments).
#[derive(Debug, Clone)]
pub struct Pacer {
    pacing: Pacing,
    window_end: Option<Instant>,
    /// The window end is a guess (Zendesk had not said when its budget resets).
    provisional: bool,
    /// The longest reset Zendesk reported: the window's length, once known.
    learned_window: Option<StdDuration>,
    used: u64,
    /// Requests a conversation costs, averaged over the batches sent (starts at 1).
    cost_per_ticket: f64,
}

impl Pacer {
    pub fn new(pacing: Pacing) -> Pacer {
        Pacer {
            pacing,
            window_end: None,
            provisional: false,
            learned_window: None,
            used: 0,
            cost_per_ticket: 1.0,
        }
    }

    /// Requests the backfill may send per window of an account with this limit.
    pub fn allowance(&self, limit: u32) -> u64 {
        ((f64::from(limit) * self.pacing.share.clamp(0.01, 1.0)).floor() as u64).max(1)
    }

    /// Requests sent in the current window.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Before a batch: `limit` requests per window (as the client knows it), the account's
    /// `remaining` budget and when it resets (as Zendesk last reported them, if it did).
    pub fn next(&mut self, now: Instant, limit: u32, remaining: Option<u32>, reset_in: Option<StdDuration>) -> Pace {
        let reset_in = reset_in.filter(|d| !d.is_zero());
        if let Some(r) = reset_in {
            self.learned_window = Some(self.learned_window.map_or(r, |w| w.max(r)));
        }
        if self.window_end.is_none_or(|end| now >= end) {
            self.used = 0;
            self.provisional = reset_in.is_none();
            let guess = self.learned_window.unwrap_or(self.pacing.default_window);
            self.window_end = Some(now + reset_in.unwrap_or(guess));
        } else if self.provisional && let Some(r) = reset_in {
            // Zendesk now says when the window it counts in ends.
            self.provisional = false;
            self.window_end = Some(now + r);
        }
        let end = self.window_end.expect("set above");
        let min_wait = StdDuration::from_millis(20);
        let allowance = self.allowance(limit);
        if self.used >= allowance {
            return Pace::Wait((end - now).max(min_wait));
        }
        let mut left = allowance - self.used;
        // The end of a busy window belongs to the others.
        if let Some(remaining) = remaining {
            let free = (f64::from(limit) * self.pacing.keep_free.clamp(0.0, 1.0)).ceil() as u64;
            let spendable = u64::from(remaining).saturating_sub(free);
            if spendable == 0 {
                return Pace::Wait(reset_in.unwrap_or(end - now).max(min_wait));
            }
            left = left.min(spendable);
        }
        let batch = ((left as f64) / self.cost_per_ticket).floor() as usize;
        Pace::Go {
            batch: batch.clamp(1, self.pacing.max_batch.max(1)),
        }
    }

    /// After a batch of `tickets` conversations that cost `requests` requests.
    pub fn record(&mut self, requests: u64, tickets: usize) {
        self.used += requests;
        if tickets > 0 && requests > 0 {
            let cost = requests as f64 / tickets as f64;
            self.cost_per_ticket = (self.cost_per_ticket + cost) / 2.0;
        }
    }
}

/// How a runner works.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub pacing: Pacing,
    /// Also deliver the site's due rows (uncertain outcomes, retries) while running, and settle
    /// the range's last ones at the end (for at most `settle_for`). Only for a process that
    /// runs no live sync of its own (the CLI): the live sync delivers due rows otherwise.
    pub deliver_due: bool,
    pub settle_for: StdDuration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            pacing: Pacing::default(),
            deliver_due: false,
            settle_for: StdDuration::from_secs(15 * 60),
        }
    }
}

// ---- the backfills table ------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Record {
    id: BackfillId,
    site_id: SiteId,
    range_from: DateTime<Utc>,
    range_to: DateTime<Utc>,
    checkpoint: DateTime<Utc>,
    state: BackfillState,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

const RECORD_COLUMNS: &str =
    "id, site_id, range_from, range_to, checkpoint, state, last_error, created_at, updated_at, finished_at";

fn record_from(r: &rusqlite::Row) -> rusqlite::Result<Record> {
    let state: String = r.get(5)?;
    Ok(Record {
        id: r.get(0)?,
        site_id: r.get(1)?,
        range_from: r.get(2)?,
        range_to: r.get(3)?,
        checkpoint: r.get(4)?,
        state: BackfillState::parse(&state).unwrap_or(BackfillState::Failed),
        last_error: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        finished_at: r.get(9)?,
    })
}

fn load(conn: &Connection, id: BackfillId) -> Result<Record, ApiError> {
    conn.query_row(&format!("SELECT {RECORD_COLUMNS} FROM backfills WHERE id = ?1"), [id], record_from)
        .optional()?
        .ok_or_else(|| ApiError::new("backfill.not_found", format!("There is no backfill {id}: list the site's backfills to see their ids.")))
}

fn set_state(conn: &Connection, id: BackfillId, state: BackfillState, error: Option<&ApiError>, now: DateTime<Utc>) -> rusqlite::Result<()> {
    let finished = matches!(state, BackfillState::Done | BackfillState::Cancelled).then_some(now);
    conn.execute(
        "UPDATE backfills SET state = ?2, last_error = ?3, updated_at = ?4, finished_at = ?5 WHERE id = ?1",
        params![id, state.as_str(), error.map(|e| serde_json::to_string(e).unwrap_or_default()), now, finished],
    )?;
    Ok(())
}

fn note_error(conn: &Connection, id: BackfillId, error: &ApiError, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE backfills SET last_error = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, serde_json::to_string(error).unwrap_or_default(), now],
    )?;
    Ok(())
}

fn stored_error(text: &str) -> ApiError {
    serde_json::from_str::<StoredError>(text)
        .map(|e| ApiError::new(&e.code, e.message))
        .unwrap_or_else(|_| ApiError::new("backfill.failed", text))
}

#[derive(Deserialize)]
struct StoredError {
    code: String,
    message: String,
}

/// Records what a page found, parked, and moves the checkpoint, in one transaction. Returns
/// how many conversations were new to the ledger.
fn park(conn: &mut Connection, backfill: BackfillId, site: SiteId, seen: &[Seen], listed: usize, checkpoint: DateTime<Utc>, now: DateTime<Utc>) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    let mut new = 0;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO ledger (site_id, conversation_id, legacy_id, closed_at, state, due_at, \
             external_id, escalation, channel, agent_name, agent_kind, campaign, payload, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, 'waiting', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13) \
             ON CONFLICT (site_id, conversation_id) DO NOTHING",
        )?;
        for s in seen {
            new += insert.execute(params![
                site,
                s.conversation_id,
                s.legacy_id,
                s.closed_at,
                parked_due_at(),
                s.external_id,
                s.escalation,
                s.channel,
                s.agent_name,
                s.agent_kind,
                s.campaign,
                s.payload,
                now,
            ])?;
        }
    }
    tx.execute(
        "UPDATE backfills SET checkpoint = CASE WHEN ?2 > checkpoint THEN ?2 ELSE checkpoint END, \
         conversations_seen = conversations_seen + ?3, updated_at = ?4 WHERE id = ?1",
        params![backfill, checkpoint, listed as i64, now],
    )?;
    tx.commit()?;
    Ok(new)
}

/// The backfill's queue: parked rows of the range, oldest closing first.
fn parked(conn: &Connection, site: SiteId, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> rusqlite::Result<Vec<Due>> {
    let mut stmt = conn.prepare_cached(
        "SELECT conversation_id, external_id, payload, job_id, job_index, state, due_at, ticket_id, path, escalation, \
         attempts, error_code, error_message FROM ledger \
         WHERE site_id = ?1 AND state = 'waiting' AND due_at = ?2 AND closed_at >= ?3 AND closed_at < ?4 \
         ORDER BY closed_at, conversation_id LIMIT ?5",
    )?;
    stmt.query_map(params![site, parked_due_at(), from, to, limit as i64], |r| {
        let job_id: Option<String> = r.get(3)?;
        let job_index: Option<i64> = r.get(4)?;
        let state: String = r.get(5)?;
        let path: Option<String> = r.get(8)?;
        let code: Option<String> = r.get(11)?;
        let message: Option<String> = r.get(12)?;
        Ok(Due {
            conversation_id: r.get(0)?,
            external_id: r.get(1)?,
            payload: r.get(2)?,
            job: job_id.zip(job_index).map(|(id, i)| (id, i as usize)),
            entry: Entry {
                state: State::parse(&state).unwrap_or(State::Waiting),
                due_at: r.get(6)?,
                ticket_id: r.get(7)?,
                path: path.as_deref().and_then(DeliveryPath::parse),
                escalation: r.get(9)?,
                attempts: r.get(10)?,
                error: code.map(|code| Failure {
                    code,
                    message: message.unwrap_or_default(),
                }),
            },
        })
    })?
    .collect()
}

/// Rows a batch left parked (a path that did not touch them): handed to the live sync, so the
/// backfill never spins on them.
fn unpark(conn: &Connection, site: SiteId, ids: &[String], now: DateTime<Utc>) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached(
        "UPDATE ledger SET due_at = ?3, updated_at = ?3 WHERE site_id = ?1 AND conversation_id = ?2 AND state = 'waiting' AND due_at = ?4",
    )?;
    let mut n = 0;
    for id in ids {
        n += stmt.execute(params![site, id, now, parked_due_at()])?;
    }
    Ok(n)
}

/// Removes the parked rows of a cancelled backfill's range and moves back the checkpoint of
/// every unfinished backfill of the site that had read past them.
fn release_parked(conn: &mut Connection, record: &Record, now: DateTime<Utc>) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    let p = params![record.site_id, parked_due_at(), record.range_from, record.range_to];
    let first: Option<DateTime<Utc>> = tx.query_row(
        "SELECT min(closed_at) FROM ledger WHERE site_id = ?1 AND state = 'waiting' AND due_at = ?2 \
         AND closed_at >= ?3 AND closed_at < ?4",
        p,
        |r| r.get(0),
    )?;
    let removed = tx.execute(
        "DELETE FROM ledger WHERE site_id = ?1 AND state = 'waiting' AND due_at = ?2 AND closed_at >= ?3 AND closed_at < ?4",
        p,
    )?;
    if let Some(first) = first {
        tx.execute(
            "UPDATE backfills SET checkpoint = ?2, updated_at = ?3 WHERE site_id = ?1 AND state != 'done' \
             AND checkpoint > ?2 AND range_from <= ?2",
            params![record.site_id, first, now],
        )?;
    }
    tx.commit()?;
    Ok(removed)
}

#[derive(Debug, Clone, Copy, Default)]
struct RangeCounts {
    seen: i64,
    delivered: i64,
    failed: i64,
    pending: i64,
    parked: i64,
    settled_recently: i64,
}

fn range_counts(conn: &Connection, site: SiteId, from: DateTime<Utc>, to: DateTime<Utc>, since: DateTime<Utc>) -> rusqlite::Result<RangeCounts> {
    conn.query_row(
        "SELECT count(*), \
         coalesce(sum(state IN ('delivered', 'escalated')), 0), \
         coalesce(sum(state = 'failed'), 0), \
         coalesce(sum(state IN ('waiting', 'sending')), 0), \
         coalesce(sum(state = 'waiting' AND due_at = ?4), 0), \
         coalesce(sum(state IN ('delivered', 'escalated', 'failed') AND updated_at >= ?5), 0) \
         FROM ledger WHERE site_id = ?1 AND closed_at >= ?2 AND closed_at < ?3",
        params![site, from, to, parked_due_at(), since],
        |r| {
            Ok(RangeCounts {
                seen: r.get(0)?,
                delivered: r.get(1)?,
                failed: r.get(2)?,
                pending: r.get(3)?,
                parked: r.get(4)?,
                settled_recently: r.get(5)?,
            })
        },
    )
}

// ---- runners in this process --------------------------------------------------------------

struct Active {
    started: DateTime<Utc>,
    cancel: watch::Sender<bool>,
}

type Key = (PathBuf, BackfillId);

static ACTIVE: LazyLock<Mutex<HashMap<Key, Active>>> = LazyLock::new(Default::default);

fn active() -> std::sync::MutexGuard<'static, HashMap<Key, Active>> {
    ACTIVE.lock().unwrap_or_else(|p| p.into_inner())
}

fn key(api: &Api, id: BackfillId) -> Key {
    (api.data_dir().to_owned(), id)
}

/// This process's claim on running a backfill; released when dropped.
struct Claim {
    key: Key,
    cancel: watch::Receiver<bool>,
}

impl Claim {
    fn take(api: &Api, id: BackfillId) -> Result<Claim, ApiError> {
        let key = key(api, id);
        let mut active = active();
        if active.contains_key(&key) {
            return Err(ApiError::new(
                "backfill.already_running",
                format!("Backfill {id} is already running in this app: follow its progress instead."),
            ));
        }
        let (tx, rx) = watch::channel(false);
        active.insert(
            key.clone(),
            Active {
                started: api.clock().now(),
                cancel: tx,
            },
        );
        Ok(Claim { key, cancel: rx })
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        active().remove(&self.key);
    }
}

fn running_since(api: &Api, id: BackfillId) -> Option<DateTime<Utc>> {
    active().get(&key(api, id)).map(|a| a.started)
}

/// Refuses unless this process holds the data folder's sync lock.
fn ensure_owner(api: &Api) -> Result<(), ApiError> {
    match SyncLock::holder(api.data_dir()) {
        Some(h) if h.pid == std::process::id() => Ok(()),
        Some(h) => Err(ApiError::new(
            "sync.owned_elsewhere",
            format!(
                "Another process syncs this data folder ({}, pid {}, since {}): a backfill sends tickets, so it runs there (or stop that process first).",
                if h.kind == "desktop" { "the desktop app" } else { "a headless `iadvize-zendesk sync`" },
                h.pid,
                h.since
            ),
        )),
        None => Err(ApiError::new(
            "backfill.not_owner",
            "A backfill sends tickets, so it runs in the process that syncs this data folder: take the sync lock first.",
        )),
    }
}

// ---- status ---------------------------------------------------------------------------------

fn status_of(api: &Api, conn: &Connection, record: &Record) -> Result<BackfillStatus, ApiError> {
    let now = api.clock().now();
    let running_since = running_since(api, record.id);
    let window = match running_since {
        Some(start) => (now - start).clamp(Duration::seconds(1), RATE_WINDOW),
        None => RATE_WINDOW,
    };
    let c = range_counts(conn, record.site_id, record.range_from, record.range_to, now - window)?;
    let effective_to = record.range_to.min(now).max(record.range_from);
    let reading_done = record.state == BackfillState::Done || record.checkpoint >= effective_to;
    let span = (effective_to - record.range_from).num_milliseconds() as f64;
    let covered = if reading_done || span <= 0.0 {
        1.0
    } else {
        ((record.checkpoint - record.range_from).num_milliseconds() as f64 / span).clamp(0.0, 1.0)
    };
    let total_estimate = if reading_done {
        Some(c.seen)
    } else if covered >= 0.01 && c.seen > 0 {
        Some(((c.seen as f64 / covered).ceil() as i64).max(c.seen))
    } else {
        None
    };
    let done = c.delivered + c.failed;
    let remaining = total_estimate.map(|t| (t - done).max(c.pending));
    let fraction = match total_estimate {
        Some(t) if t > 0 => (done as f64 / t as f64).clamp(0.0, 1.0),
        Some(_) if reading_done => 1.0,
        _ => 0.0,
    };
    let minutes = window.num_milliseconds() as f64 / 60_000.0;
    let rate_per_minute = if minutes > 0.0 { c.settled_recently as f64 / minutes } else { 0.0 };
    let eta_seconds = match remaining {
        Some(0) => Some(0),
        Some(r) if rate_per_minute > 0.0 && record.state == BackfillState::Running => {
            Some((r as f64 / rate_per_minute * 60.0).ceil() as i64)
        }
        _ => None,
    };
    Ok(BackfillStatus {
        id: record.id,
        site_id: record.site_id,
        range_from: record.range_from,
        range_to: record.range_to,
        checkpoint: record.checkpoint,
        state: record.state,
        running_here: running_since.is_some(),
        reading_done,
        seen: c.seen,
        delivered: c.delivered,
        failed: c.failed,
        pending: c.pending,
        queued: c.parked,
        total_estimate,
        remaining,
        fraction,
        rate_per_minute,
        eta_seconds,
        last_error: record.last_error.as_deref().map(stored_error),
        created_at: record.created_at,
        updated_at: record.updated_at,
        finished_at: record.finished_at,
    })
}

/// Conversations the backfill's queue still holds (parked rows of its range).
fn parked_count(conn: &Connection, record: &Record) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM ledger WHERE site_id = ?1 AND state = 'waiting' AND due_at = ?2 AND closed_at >= ?3 AND closed_at < ?4",
        params![record.site_id, parked_due_at(), record.range_from, record.range_to],
        |r| r.get(0),
    )
}

/// Cleans up cancelled backfills of a site whose runner is gone and whose queue was left.
fn tidy_cancelled(api: &Api, site: SiteId) -> Result<(), ApiError> {
    let now = api.clock().now();
    let mut conn = api.store().conn();
    let cancelled: Vec<Record> = {
        let mut stmt = conn.prepare(&format!("SELECT {RECORD_COLUMNS} FROM backfills WHERE site_id = ?1 AND state = 'cancelled'"))?;
        stmt.query_map([site], record_from)?.collect::<rusqlite::Result<_>>()?
    };
    for record in cancelled {
        if running_since(api, record.id).is_none() && parked_count(&conn, &record)? > 0 {
            let removed = release_parked(&mut conn, &record, now)?;
            tracing::info!(site, backfill = record.id, removed, "queue of a cancelled backfill removed");
        }
    }
    Ok(())
}

impl Api {
    /// Starts a backfill of a site's conversations closed in `[from, to)`, or resumes the
    /// unfinished one of the same range. It only records it: run it with [`run_backfill`]
    /// (the desktop, in a task of the sync owner) or `iadvize-zendesk backfill`.
    pub fn backfill_start(&self, site: &SiteRef, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<BackfillStatus, ApiError> {
        let site = self.site(site)?;
        let now = self.clock().now();
        if from >= to {
            return Err(ApiError::new("backfill.bad_range", "The range is empty: its start must come before its end."));
        }
        if from >= now {
            return Err(ApiError::new(
                "backfill.bad_range",
                "The range starts in the future: a backfill brings in conversations that already finished.",
            ));
        }
        if !is_active(&site) {
            return Err(ApiError::new(
                "backfill.site_off",
                "Neither auto-save nor escalation is on for this site: turn auto-save on first (a backfill follows the site's settings).",
            ));
        }
        tidy_cancelled(self, site.id)?;
        let mut conn = self.store().conn();
        let tx = conn.transaction()?;
        let same: Option<BackfillId> = tx
            .query_row(
                "SELECT id FROM backfills WHERE site_id = ?1 AND range_from = ?2 AND range_to = ?3 AND state != 'done' \
                 ORDER BY id DESC LIMIT 1",
                params![site.id, from, to],
                |r| r.get(0),
            )
            .optional()?;
        let other: Option<(BackfillId, DateTime<Utc>, DateTime<Utc>)> = tx
            .query_row(
                "SELECT id, range_from, range_to FROM backfills WHERE site_id = ?1 AND state = 'running' AND id IS NOT ?2 LIMIT 1",
                params![site.id, same],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((id, f, t)) = other {
            return Err(ApiError::new(
                "backfill.already_running",
                format!(
                    "Backfill {id} of this site ({} to {}) has not finished: resume it until it is done, or cancel it, before starting another.",
                    f.to_rfc3339(),
                    t.to_rfc3339()
                ),
            ));
        }
        let id = match same {
            Some(id) => {
                tx.execute(
                    "UPDATE backfills SET state = 'running', finished_at = NULL, updated_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                tracing::info!(site = site.id, backfill = id, "backfill resumed");
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO backfills (site_id, range_from, range_to, checkpoint, state, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?2, 'running', ?4, ?4)",
                    params![site.id, from, to, now],
                )?;
                let id = tx.last_insert_rowid();
                tracing::info!(site = site.id, backfill = id, from = %from, to = %to, "backfill started");
                id
            }
        };
        tx.commit()?;
        drop(conn);
        self.backfill_status(id)
    }

    pub fn backfill_status(&self, id: BackfillId) -> Result<BackfillStatus, ApiError> {
        let conn = self.store().conn();
        let record = load(&conn, id)?;
        status_of(self, &conn, &record)
    }

    /// The site's backfills, newest first.
    pub fn backfills(&self, site: &SiteRef) -> Result<Vec<BackfillStatus>, ApiError> {
        let site = self.site(site)?;
        let conn = self.store().conn();
        let records: Vec<Record> = {
            let mut stmt = conn.prepare(&format!("SELECT {RECORD_COLUMNS} FROM backfills WHERE site_id = ?1 ORDER BY id DESC"))?;
            stmt.query_map([site.id], record_from)?.collect::<rusqlite::Result<_>>()?
        };
        records.iter().map(|r| status_of(self, &conn, r)).collect()
    }

    /// Cancels a backfill: nothing more of it is sent (a batch in flight finishes). Its queued
    /// conversations leave the ledger; starting the same range again reads them again.
    pub fn backfill_cancel(&self, id: BackfillId) -> Result<BackfillStatus, ApiError> {
        let now = self.clock().now();
        let record = load(&self.store().conn(), id)?;
        match record.state {
            BackfillState::Done => {
                return Err(ApiError::new("backfill.finished", format!("Backfill {id} is done: there is nothing left to cancel.")));
            }
            BackfillState::Cancelled => return self.backfill_status(id),
            BackfillState::Running | BackfillState::Failed => {}
        }
        set_state(&self.store().conn(), id, BackfillState::Cancelled, None, now)?;
        tracing::info!(site = record.site_id, backfill = id, "backfill cancelled");
        let signalled = active().get(&key(self, id)).map(|a| a.cancel.send(true)).is_some();
        // The runner removes its queue when it stops; without one here, do it now, unless
        // another process syncs the folder (its runner, if any, does it when it notices).
        let elsewhere = SyncLock::holder(self.data_dir()).is_some_and(|h| h.pid != std::process::id());
        if !signalled && !elsewhere {
            let mut conn = self.store().conn();
            release_parked(&mut conn, &record, now)?;
        }
        self.backfill_status(id)
    }
}

/// Makes the site's rows left `Sending` by a dead process due now, so they are settled (their
/// bulk job read, or looked up by `external_id`) instead of waiting for their lease. Call it
/// only right after taking the sync lock, before anything is sent in this process: a fresh
/// owner knows no call of its own is in flight. Returns how many rows it released.
pub fn release_orphaned_sends(api: &Api, site: SiteId) -> Result<usize, ApiError> {
    ensure_owner(api)?;
    let now = api.clock().now();
    Ok(api.store().conn().execute(
        "UPDATE ledger SET due_at = ?2 WHERE site_id = ?1 AND state = 'sending' AND due_at > ?2",
        params![site, now],
    )?)
}

// ---- the runner -------------------------------------------------------------------------------

enum Flow {
    Continue,
    Stopped,
    Cancelled,
}

struct Run<'a> {
    api: &'a Api,
    ctx: SiteContext,
    record: Record,
    stop: watch::Receiver<bool>,
    cancel: watch::Receiver<bool>,
    options: RunOptions,
    pacer: Pacer,
    errors: u32,
}

impl Run<'_> {
    fn interrupted(&self) -> Option<Flow> {
        if *self.cancel.borrow() {
            return Some(Flow::Cancelled);
        }
        if *self.stop.borrow() {
            return Some(Flow::Stopped);
        }
        // Cancelled from another face (or another process): the record says so.
        match load(&self.api.store().conn(), self.record.id) {
            Ok(r) if r.state == BackfillState::Cancelled => Some(Flow::Cancelled),
            _ => None,
        }
    }

    /// Sleeps, or returns early when stopped or cancelled.
    async fn sleep(&mut self, d: StdDuration) -> Option<Flow> {
        let mut stop = self.stop.clone();
        let mut cancel = self.cancel.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => {}
            _ = stop.changed() => {}
            _ = cancel.changed() => {}
        }
        self.interrupted()
    }

    fn site(&self) -> &Site {
        &self.ctx.site
    }

    /// Delivers the queue (parked rows of the range), paced, until it is empty.
    async fn deliver_queue(&mut self) -> Result<Flow, ApiError> {
        loop {
            if let Some(flow) = self.interrupted() {
                return Ok(flow);
            }
            let budget = self.ctx.zendesk.rate_budget();
            let batch = match self.pacer.next(
                Instant::now(),
                budget.limit,
                budget.remaining,
                budget.reset_in_secs.map(StdDuration::from_secs),
            ) {
                Pace::Go { batch } => batch,
                Pace::Wait(d) => {
                    tracing::debug!(backfill = self.record.id, wait_ms = d.as_millis() as u64, "backfill yields the rate limit");
                    if let Some(flow) = self.sleep(d).await {
                        return Ok(flow);
                    }
                    continue;
                }
            };
            let rows = parked(&self.api.store().conn(), self.site().id, self.record.range_from, self.record.range_to, batch)?;
            if rows.is_empty() {
                return Ok(Flow::Continue);
            }
            let ids: Vec<String> = rows.iter().map(|r| r.conversation_id.clone()).collect();
            let before = self.ctx.zendesk.request_counts().total;
            let result = deliver::deliver_batch(self.api, &self.ctx, rows).await;
            let spent = self.ctx.zendesk.request_counts().total.saturating_sub(before);
            self.pacer.record(spent, ids.len());
            let now = self.api.clock().now();
            let left = unpark(&self.api.store().conn(), self.site().id, &ids, now)?;
            match result {
                Ok(done) => {
                    self.errors = 0;
                    if left > 0 && done == Delivered::default() {
                        tracing::warn!(backfill = self.record.id, left, "a batch left conversations untouched: the live sync takes them");
                    }
                }
                Err(e) => {
                    self.errors += 1;
                    tracing::warn!(backfill = self.record.id, code = %e.code, error = %e, attempt = self.errors, "backfill batch failed");
                    note_error(&self.api.store().conn(), self.record.id, &e, now)?;
                    if self.errors >= MAX_CONSECUTIVE_ERRORS {
                        return Err(e);
                    }
                    let backoff = StdDuration::from_secs(1u64 << self.errors.min(5));
                    if let Some(flow) = self.sleep(backoff).await {
                        return Ok(flow);
                    }
                }
            }
            if self.options.deliver_due
                && let Flow::Stopped | Flow::Cancelled = self.deliver_due().await?
            {
                return Ok(self.interrupted().unwrap_or(Flow::Stopped));
            }
        }
    }

    /// The site's due rows (an owner without a live sync: the CLI), until none is due now.
    async fn deliver_due(&mut self) -> Result<Flow, ApiError> {
        for _ in 0..50 {
            if let Some(flow) = self.interrupted() {
                return Ok(flow);
            }
            let round = deliver::deliver_round(self.api, &self.ctx).await?;
            if round == Delivered::default() {
                break;
            }
        }
        Ok(Flow::Continue)
    }

    /// Reads the range from the checkpoint, page by page, delivering each page's queue.
    async fn read_and_deliver(&mut self) -> Result<Flow, ApiError> {
        loop {
            let now = self.api.clock().now();
            let end = self.record.range_to.min(now);
            let start = load(&self.api.store().conn(), self.record.id)?.checkpoint;
            if start >= end {
                return Ok(Flow::Continue);
            }
            let window_end = (start + MAX_WINDOW).min(end);
            let filter = ClosedConversationsFilter::site(self.site().settings.iadvize_site_id, start, window_end);
            let mut after: Option<String> = None;
            loop {
                if let Some(flow) = self.interrupted() {
                    return Ok(flow);
                }
                let page = self.ctx.iadvize.closed_conversations_page(&filter, after.as_deref()).await?;
                let settings = &self.site().settings;
                let rows = page
                    .conversations
                    .iter()
                    .filter(|c| settings.autosave_enabled || (settings.escalation_enabled && poll::escalation_requested(c)))
                    .map(|c| poll::seen(self.site(), c))
                    .collect::<Result<Vec<_>, _>>()?;
                // Ordered by closing time: everything before the page's last conversation is
                // committed with this page (ties are read again from the checkpoint).
                let checkpoint = if page.has_next_page {
                    page.conversations.last().and_then(|c| c.closed_at).unwrap_or(start).max(start)
                } else {
                    window_end
                };
                let now = self.api.clock().now();
                let new = park(
                    &mut self.api.store().conn(),
                    self.record.id,
                    self.site().id,
                    &rows,
                    page.conversations.len(),
                    checkpoint,
                    now,
                )?;
                tracing::debug!(backfill = self.record.id, listed = page.conversations.len(), new, checkpoint = %checkpoint, "backfill page read");
                match self.deliver_queue().await? {
                    Flow::Continue => {}
                    other => return Ok(other),
                }
                if !page.has_next_page || page.end_cursor.is_none() {
                    break;
                }
                after = page.end_cursor;
            }
        }
    }

    /// After the backfill is done (CLI): delivers the range's rows that are still pending
    /// (retries, uncertain outcomes) as they come due, for at most `settle_for`.
    async fn settle(&mut self) -> Result<(), ApiError> {
        let until = Instant::now() + self.options.settle_for;
        loop {
            if let Flow::Stopped | Flow::Cancelled = self.deliver_due().await? {
                return Ok(());
            }
            let now = self.api.clock().now();
            let next: Option<DateTime<Utc>> = self.api.store().conn().query_row(
                "SELECT min(due_at) FROM ledger WHERE site_id = ?1 AND state IN ('waiting', 'sending') \
                 AND closed_at >= ?2 AND closed_at < ?3",
                params![self.site().id, self.record.range_from, self.record.range_to],
                |r| r.get(0),
            )?;
            let Some(next) = next else { return Ok(()) };
            let wait = (next - now).to_std().unwrap_or_default().max(StdDuration::from_millis(100));
            if Instant::now() + wait > until {
                return Ok(());
            }
            if self.sleep(wait.min(StdDuration::from_secs(30))).await.is_some() {
                return Ok(());
            }
        }
    }
}

/// Runs a backfill in the background of the sync owner (the desktop: a task next to the
/// engine, which keeps delivering due rows). Returns when the backfill is done, cancelled or
/// failed, or when `stop` turns true (it stays `running`, to resume later).
pub async fn run_backfill(api: &Api, id: BackfillId, stop: watch::Receiver<bool>) -> Result<BackfillStatus, ApiError> {
    run_backfill_with(api, id, stop, RunOptions::default()).await
}

pub async fn run_backfill_with(api: &Api, id: BackfillId, stop: watch::Receiver<bool>, options: RunOptions) -> Result<BackfillStatus, ApiError> {
    ensure_owner(api)?;
    let claim = Claim::take(api, id)?;
    let record = load(&api.store().conn(), id)?;
    match record.state {
        BackfillState::Done => return api.backfill_status(id),
        BackfillState::Cancelled => {
            return Err(ApiError::new(
                "backfill.cancelled",
                format!("Backfill {id} was cancelled: start the same range again to resume it."),
            ));
        }
        BackfillState::Running | BackfillState::Failed => {}
    }
    let other_running: Option<BackfillId> = api
        .store()
        .conn()
        .query_row(
            "SELECT id FROM backfills WHERE site_id = ?1 AND state = 'running' AND id != ?2 LIMIT 1",
            params![record.site_id, id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(other) = other_running {
        return Err(ApiError::new(
            "backfill.already_running",
            format!("Backfill {other} of the same site has not finished: one backfill per site at a time."),
        ));
    }
    tidy_cancelled(api, record.site_id)?;
    set_state(&api.store().conn(), id, BackfillState::Running, None, api.clock().now())?;
    let site = api.site(&SiteRef::Id(record.site_id))?;
    let ctx = match SiteContext::prepare(api, site).await {
        // Past conversations may have tickets from another data folder: look each up first.
        Ok(mut ctx) => {
            ctx.verify_absent = true;
            ctx
        }
        Err(e) => {
            set_state(&api.store().conn(), id, BackfillState::Failed, Some(&e), api.clock().now())?;
            return Err(e);
        }
    };
    let mut run = Run {
        api,
        ctx,
        record,
        stop,
        cancel: claim.cancel.clone(),
        pacer: Pacer::new(options.pacing.clone()),
        options,
        errors: 0,
    };
    tracing::info!(site = run.site().id, backfill = id, "backfill running");

    let mut outcome = Ok(Flow::Continue);
    if run.options.deliver_due {
        outcome = run.deliver_due().await;
    }
    if let Ok(Flow::Continue) = outcome {
        outcome = run.read_and_deliver().await;
    }
    if let Ok(Flow::Continue) = outcome {
        // Conversations parked before the checkpoint by an earlier run.
        outcome = run.deliver_queue().await;
    }
    let now = api.clock().now();
    match outcome {
        Ok(Flow::Continue) => {
            set_state(&api.store().conn(), id, BackfillState::Done, None, now)?;
            tracing::info!(site = run.site().id, backfill = id, "backfill done");
            if run.options.deliver_due {
                run.settle().await?;
            }
        }
        Ok(Flow::Stopped) => {
            tracing::info!(site = run.site().id, backfill = id, "backfill stopped; it resumes from its checkpoint");
        }
        Ok(Flow::Cancelled) => {
            let mut conn = api.store().conn();
            set_state(&conn, id, BackfillState::Cancelled, None, now)?;
            let removed = release_parked(&mut conn, &run.record, now)?;
            tracing::info!(site = run.site().id, backfill = id, removed, "backfill cancelled");
        }
        Err(e) => {
            tracing::warn!(site = run.site().id, backfill = id, code = %e.code, error = %e, "backfill failed");
            set_state(&api.store().conn(), id, BackfillState::Failed, Some(&e), now)?;
            drop(claim);
            return Err(e);
        }
    }
    drop(claim);
    api.backfill_status(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacing(share: f64) -> Pacing {
        Pacing {
            share,
            keep_free: 0.1,
            max_batch: 100,
            default_window: StdDuration::from_secs(60),
        }
    }

    const SEC: StdDuration = StdDuration::from_secs(1);

    #[test]
    fn the_backfill_spends_at_most_its_share_of_each_window() {
        let t0 = Instant::now();
        let mut p = Pacer::new(pacing(0.5));
        assert_eq!(p.allowance(400), 200);
        // A fresh window: the whole allowance, in one batch of at most 100.
        assert_eq!(p.next(t0, 400, None, Some(10 * SEC)), Pace::Go { batch: 100 });
        p.record(120, 100);
        // 80 left at a cost of (1 + 1.2) / 2 = 1.1 per conversation.
        assert_eq!(p.next(t0 + SEC, 400, Some(280), Some(9 * SEC)), Pace::Go { batch: 72 });
        p.record(80, 72);
        // Allowance spent, though the account has plenty left: wait for the end of the window.
        assert_eq!(p.next(t0 + 2 * SEC, 400, Some(200), Some(8 * SEC)), Pace::Wait(8 * SEC));
        // A new window starts where the old one ends.
        assert!(matches!(p.next(t0 + 10 * SEC, 400, None, Some(10 * SEC)), Pace::Go { .. }));
        assert_eq!(p.used(), 0);
    }

    #[test]
    fn the_live_sync_using_its_part_does_not_stop_the_backfill() {
        let t0 = Instant::now();
        let mut p = Pacer::new(pacing(0.2));
        assert_eq!(p.allowance(200), 40);
        p.next(t0, 200, Some(200), Some(SEC));
        p.record(10, 10);
        // Others spent 100 of the window: the backfill still has its 30.
        assert_eq!(p.next(t0, 200, Some(90), Some(SEC)), Pace::Go { batch: 30 });
    }

    #[test]
    fn the_backfill_leaves_the_end_of_a_busy_window_to_the_others() {
        let t0 = Instant::now();
        let mut p = Pacer::new(pacing(0.5));
        p.next(t0, 400, Some(400), Some(30 * SEC));
        p.record(10, 10);
        // Other integrations spent the account down to its last tenth: wait for the reset.
        assert_eq!(p.next(t0 + SEC, 400, Some(40), Some(29 * SEC)), Pace::Wait(29 * SEC));
        assert_eq!(p.next(t0 + SEC, 400, Some(12), Some(29 * SEC)), Pace::Wait(29 * SEC));
        // Above it, only what lies above it.
        assert_eq!(p.next(t0 + SEC, 400, Some(55), Some(29 * SEC)), Pace::Go { batch: 15 });
    }

    #[test]
    fn without_a_reported_reset_the_default_window_applies() {
        let t0 = Instant::now();
        let mut p = Pacer::new(pacing(0.25));
        assert_eq!(p.allowance(200), 50);
        assert_eq!(p.next(t0, 200, None, None), Pace::Go { batch: 50 });
        p.record(50, 50);
        assert_eq!(p.next(t0 + 20 * SEC, 200, None, None), Pace::Wait(40 * SEC));
    }

    #[test]
    fn the_window_follows_zendesk_once_it_says_when_its_budget_resets() {
        let t0 = Instant::now();
        let mut p = Pacer::new(pacing(0.5));
        // Nothing reported yet: a provisional window, corrected by the first answer's reset.
        assert!(matches!(p.next(t0, 20, None, None), Pace::Go { batch: 10 }));
        p.record(10, 10);
        assert_eq!(p.next(t0 + SEC / 10, 20, Some(10), Some(SEC)), Pace::Wait(SEC));
        // Later windows without a fresh report last as long as Zendesk's (1 s), not 60 s.
        assert!(matches!(p.next(t0 + 3 * SEC, 20, None, None), Pace::Go { .. }));
        p.record(10, 10);
        assert_eq!(p.next(t0 + 3 * SEC, 20, None, None), Pace::Wait(SEC));
    }

    #[test]
    fn batches_shrink_with_costly_conversations_but_never_to_zero() {
        let t0 = Instant::now();
        let mut p = Pacer::new(pacing(0.5));
        p.next(t0, 20, None, Some(SEC));
        p.record(9, 1);
        // 1 request left at a cost of 5 per conversation: still one conversation.
        assert_eq!(p.next(t0, 20, None, Some(SEC)), Pace::Go { batch: 1 });
        // A tiny limit still lets one request through per window.
        let tiny = Pacer::new(pacing(0.1));
        assert_eq!(tiny.allowance(3), 1);
    }

    #[test]
    fn the_parked_marker_is_never_due() {
        assert!(is_parked(parked_due_at()));
        assert!(parked_due_at() > Utc::now() + Duration::days(365 * 1000));
        assert!(!is_parked(Utc::now()));
    }

    #[test]
    fn states_round_trip() {
        for s in [BackfillState::Running, BackfillState::Cancelled, BackfillState::Done, BackfillState::Failed] {
            assert_eq!(BackfillState::parse(s.as_str()), Some(s));
        }
        assert_eq!(stored_error(r#"{"code":"iadvize.token","message":"expired","fields":[]}"#).code, "iadvize.token");
        assert_eq!(stored_error("plain words").message, "plain words");
    }
}
