//! Rows of the delivery ledger, its attempts and the poll cursors. Every state change goes
//! through [`apply`]: read the entry, let the pure state machine decide, write the entry and the
//! attempt in one transaction.

use crate::site::SiteId;
use crate::sync::ledger::{Entry, Event, Failure, Path, State};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use ts_rs::TS;

/// A conversation as a poll found it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub conversation_id: String,
    pub legacy_id: Option<i64>,
    pub closed_at: DateTime<Utc>,
    pub external_id: String,
    pub escalation: bool,
    pub channel: Option<String>,
    pub agent_name: Option<String>,
    pub agent_kind: Option<String>,
    pub campaign: Option<String>,
    /// The conversation as JSON, kept until its ticket exists.
    pub payload: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("conversation {0} is not in the ledger of this site")]
    Unknown(String),
    #[error(transparent)]
    Transition(#[from] crate::sync::ledger::TransitionError),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

fn entry_from(row: &Row, offset: usize) -> rusqlite::Result<Entry> {
    let state: String = row.get(offset)?;
    let path: Option<String> = row.get(offset + 3)?;
    let code: Option<String> = row.get(offset + 6)?;
    let message: Option<String> = row.get(offset + 7)?;
    Ok(Entry {
        state: State::parse(&state).unwrap_or(State::Waiting),
        due_at: row.get(offset + 1)?,
        ticket_id: row.get(offset + 2)?,
        path: path.as_deref().and_then(Path::parse),
        escalation: row.get(offset + 4)?,
        attempts: row.get(offset + 5)?,
        error: code.map(|code| Failure {
            code,
            message: message.unwrap_or_default(),
        }),
    })
}

const ENTRY_COLUMNS: &str = "state, due_at, ticket_id, path, escalation, attempts, error_code, error_message";

/// Records what a poll found, and moves the site's cursor, in one transaction: the cursor never
/// passes a conversation whose row is not committed. Returns how many conversations were new.
pub fn record_poll(
    conn: &mut Connection,
    site: SiteId,
    seen: &[Seen],
    grace: Duration,
    polled_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<usize, LedgerError> {
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
                s.closed_at + grace,
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
        "INSERT INTO sync_cursors (site_id, polled_until, last_poll_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (site_id) DO UPDATE SET polled_until = max(polled_until, excluded.polled_until), \
         last_poll_at = excluded.last_poll_at, last_error_code = NULL, last_error = NULL",
        params![site, polled_until, now],
    )?;
    tx.commit()?;
    Ok(new)
}

/// Remembers why the last poll failed (shown in the sync status).
pub fn record_poll_error(conn: &Connection, site: SiteId, code: &str, message: &str, now: DateTime<Utc>, start: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sync_cursors (site_id, polled_until, last_poll_at, last_error_code, last_error) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (site_id) DO UPDATE SET last_poll_at = excluded.last_poll_at, \
         last_error_code = excluded.last_error_code, last_error = excluded.last_error",
        params![site, start, now, code, message],
    )?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Cursor {
    #[ts(type = "string")]
    pub polled_until: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub last_poll_at: Option<DateTime<Utc>>,
    pub last_error_code: Option<String>,
    pub last_error: Option<String>,
}

pub fn cursor(conn: &Connection, site: SiteId) -> rusqlite::Result<Option<Cursor>> {
    conn.query_row(
        "SELECT polled_until, last_poll_at, last_error_code, last_error FROM sync_cursors WHERE site_id = ?1",
        [site],
        |r| {
            Ok(Cursor {
                polled_until: r.get(0)?,
                last_poll_at: r.get(1)?,
                last_error_code: r.get(2)?,
                last_error: r.get(3)?,
            })
        },
    )
    .optional()
}

/// A ledger entry that is due, with what sending it needs.
#[derive(Debug, Clone)]
pub struct Due {
    pub conversation_id: String,
    pub external_id: String,
    pub entry: Entry,
    pub payload: Option<String>,
    /// The bulk job the last send went out in, and the entry's index in it.
    pub job: Option<(String, usize)>,
}

/// Entries due now (waiting past their grace period, or sending past their lease), oldest
/// first, at most `limit`.
pub fn due(conn: &Connection, site: SiteId, now: DateTime<Utc>, limit: usize) -> rusqlite::Result<Vec<Due>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT conversation_id, external_id, payload, job_id, job_index, {ENTRY_COLUMNS} FROM ledger \
         WHERE site_id = ?1 AND state IN ('waiting', 'sending') AND due_at <= ?2 \
         ORDER BY due_at, conversation_id LIMIT ?3"
    ))?;
    stmt.query_map(params![site, now, limit as i64], |r| {
        let job_id: Option<String> = r.get(3)?;
        let job_index: Option<i64> = r.get(4)?;
        Ok(Due {
            conversation_id: r.get(0)?,
            external_id: r.get(1)?,
            payload: r.get(2)?,
            job: job_id.zip(job_index).map(|(id, i)| (id, i as usize)),
            entry: entry_from(r, 5)?,
        })
    })?
    .collect()
}

/// When the next entry of a site falls due, if any is waiting.
pub fn next_due(conn: &Connection, site: SiteId) -> rusqlite::Result<Option<DateTime<Utc>>> {
    conn.query_row(
        "SELECT min(due_at) FROM ledger WHERE site_id = ?1 AND state IN ('waiting', 'sending')",
        [site],
        |r| r.get(0),
    )
}

pub fn entry(conn: &Connection, site: SiteId, conversation_id: &str) -> rusqlite::Result<Option<Entry>> {
    conn.query_row(
        &format!("SELECT {ENTRY_COLUMNS} FROM ledger WHERE site_id = ?1 AND conversation_id = ?2"),
        params![site, conversation_id],
        |r| entry_from(r, 0),
    )
    .optional()
}

pub fn payload(conn: &Connection, site: SiteId, conversation_id: &str) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT payload FROM ledger WHERE site_id = ?1 AND conversation_id = ?2",
            params![site, conversation_id],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// What an attempt did, for the per-conversation log.
#[derive(Debug, Clone, Default)]
pub struct AttemptNote {
    pub action: String,
    pub message: Option<String>,
    /// Zendesk's `details`, as JSON.
    pub details: Option<String>,
}

/// Applies an event to one conversation and logs it as an attempt, atomically.
pub fn apply(
    conn: &mut Connection,
    site: SiteId,
    conversation_id: &str,
    event: Event,
    note: &AttemptNote,
    now: DateTime<Utc>,
) -> Result<Entry, LedgerError> {
    let tx = conn.transaction()?;
    let current = entry(&tx, site, conversation_id)?.ok_or_else(|| LedgerError::Unknown(conversation_id.to_owned()))?;
    let outcome = outcome_name(&event);
    let next = current.apply(event, now)?;
    tx.execute(
        "UPDATE ledger SET state = ?3, due_at = ?4, ticket_id = ?5, path = ?6, escalation = ?7, \
         attempts = ?8, error_code = ?9, error_message = ?10, updated_at = ?11, \
         payload = CASE WHEN ?12 THEN NULL ELSE payload END \
         WHERE site_id = ?1 AND conversation_id = ?2",
        params![
            site,
            conversation_id,
            next.state.as_str(),
            next.due_at,
            next.ticket_id,
            next.path.map(Path::as_str),
            next.escalation,
            next.attempts,
            next.error.as_ref().map(|e| e.code.as_str()),
            next.error.as_ref().map(|e| e.message.as_str()),
            now,
            // The ticket exists: the transcript is in Zendesk now, no need to keep a copy.
            next.state.is_settled() && next.state != State::Failed,
        ],
    )?;
    tx.execute(
        "INSERT INTO attempts (site_id, conversation_id, at, action, outcome, ticket_id, error_code, message, details) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            site,
            conversation_id,
            now,
            note.action,
            outcome,
            next.ticket_id,
            next.error.as_ref().filter(|_| matches!(outcome, "retry_later" | "uncertain" | "failed")).map(|e| e.code.as_str()),
            note.message.as_deref().or(next.error.as_ref().filter(|_| matches!(outcome, "retry_later" | "uncertain" | "failed")).map(|e| e.message.as_str())),
            note.details,
        ],
    )?;
    tx.commit()?;
    Ok(next)
}

fn outcome_name(event: &Event) -> &'static str {
    match event {
        Event::SendStarted { .. } => "started",
        Event::Delivered { .. } => "delivered",
        Event::Escalated { .. } => "escalated",
        Event::RetryLater { .. } => "retry_later",
        Event::Uncertain { .. } => "uncertain",
        Event::Found { .. } => "found",
        Event::NotFound => "not_found",
        Event::Failed { .. } => "failed",
        Event::RetryRequested => "retry_requested",
        Event::EscalationRequested => "escalation_requested",
    }
}

/// Records the bulk job a batch went out in (right after Zendesk accepted it), so a later
/// recovery reads the job's results instead of guessing. `None` clears it (a new send).
pub fn record_job(conn: &mut Connection, site: SiteId, job: Option<&str>, entries: &[(&str, usize)]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare_cached(
            "UPDATE ledger SET job_id = ?3, job_index = ?4 WHERE site_id = ?1 AND conversation_id = ?2",
        )?;
        for (conversation, index) in entries {
            stmt.execute(params![site, conversation, job, job.map(|_| *index as i64)])?;
        }
    }
    tx.commit()
}

/// Puts a payload back (an escalation on a delivered conversation needs the conversation again).
pub fn set_payload(conn: &Connection, site: SiteId, conversation_id: &str, payload: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE ledger SET payload = ?3 WHERE site_id = ?1 AND conversation_id = ?2",
        params![site, conversation_id, payload],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StateCounts {
    pub waiting: i64,
    pub sending: i64,
    pub delivered: i64,
    pub escalated: i64,
    pub failed: i64,
}

pub fn counts(conn: &Connection, site: SiteId) -> rusqlite::Result<StateCounts> {
    let mut stmt = conn.prepare_cached("SELECT state, count(*) FROM ledger WHERE site_id = ?1 GROUP BY state")?;
    let mut counts = StateCounts::default();
    for row in stmt.query_map([site], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (state, n) = row?;
        match State::parse(&state) {
            Some(State::Waiting) => counts.waiting = n,
            Some(State::Sending) => counts.sending = n,
            Some(State::Delivered) => counts.delivered = n,
            Some(State::Escalated) => counts.escalated = n,
            Some(State::Failed) => counts.failed = n,
            None => {}
        }
    }
    Ok(counts)
}

/// One conversation of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LedgerRow {
    pub conversation_id: String,
    pub legacy_id: Option<i64>,
    #[ts(type = "string")]
    pub closed_at: DateTime<Utc>,
    pub state: State,
    #[ts(type = "string")]
    pub due_at: DateTime<Utc>,
    pub ticket_id: Option<i64>,
    pub path: Option<Path>,
    pub escalation: bool,
    pub attempts: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub channel: Option<String>,
    pub agent_name: Option<String>,
    pub campaign: Option<String>,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub state: Option<State>,
    pub conversation_id: Option<String>,
    pub limit: usize,
}

pub fn log(conn: &Connection, site: SiteId, filter: &LogFilter) -> rusqlite::Result<Vec<LedgerRow>> {
    let mut stmt = conn.prepare(
        "SELECT conversation_id, legacy_id, closed_at, state, due_at, ticket_id, path, escalation, attempts, \
         error_code, error_message, channel, agent_name, campaign, updated_at FROM ledger \
         WHERE site_id = ?1 AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR conversation_id = ?3 OR CAST(legacy_id AS TEXT) = ?3) \
         ORDER BY updated_at DESC, conversation_id LIMIT ?4",
    )?;
    stmt.query_map(
        params![
            site,
            filter.state.map(State::as_str),
            filter.conversation_id,
            if filter.limit == 0 { -1 } else { filter.limit as i64 }
        ],
        |r| {
            let state: String = r.get(3)?;
            let path: Option<String> = r.get(6)?;
            Ok(LedgerRow {
                conversation_id: r.get(0)?,
                legacy_id: r.get(1)?,
                closed_at: r.get(2)?,
                state: State::parse(&state).unwrap_or(State::Waiting),
                due_at: r.get(4)?,
                ticket_id: r.get(5)?,
                path: path.as_deref().and_then(Path::parse),
                escalation: r.get(7)?,
                attempts: r.get(8)?,
                error_code: r.get(9)?,
                error_message: r.get(10)?,
                channel: r.get(11)?,
                agent_name: r.get(12)?,
                campaign: r.get(13)?,
                updated_at: r.get(14)?,
            })
        },
    )?
    .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AttemptRow {
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
    pub action: String,
    pub outcome: String,
    pub ticket_id: Option<i64>,
    pub error_code: Option<String>,
    pub message: Option<String>,
    /// Zendesk's `details` (per field), when it gave some.
    #[ts(type = "unknown")]
    pub details: Option<serde_json::Value>,
}

pub fn attempts(conn: &Connection, site: SiteId, conversation_id: &str) -> rusqlite::Result<Vec<AttemptRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, action, outcome, ticket_id, error_code, message, details FROM attempts \
         WHERE site_id = ?1 AND conversation_id = ?2 ORDER BY id",
    )?;
    stmt.query_map(params![site, conversation_id], |r| {
        let details: Option<String> = r.get(6)?;
        Ok(AttemptRow {
            at: r.get(0)?,
            action: r.get(1)?,
            outcome: r.get(2)?,
            ticket_id: r.get(3)?,
            error_code: r.get(4)?,
            message: r.get(5)?,
            details: details.and_then(|d| serde_json::from_str(&d).ok()),
        })
    })?
    .collect()
}

impl From<LedgerError> for crate::error::ApiError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::Sqlite(e) => e.into(),
            LedgerError::Unknown(id) => crate::error::ApiError::new(
                "sync.unknown_conversation",
                format!("Conversation {id} is not in this site's log: it was never polled, or it closed before the site's start point."),
            ),
            LedgerError::Transition(t) => crate::error::ApiError::new("sync.invalid_transition", t.to_string()),
        }
    }
}
