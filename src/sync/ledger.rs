//! The delivery ledger's state machine: one entry per (site, conversation), moved by explicit
//! events, written before and after every external call. Pure: the store persists what these
//! functions decide.
//!
//! ```text
//!  seen ──▶ Waiting ──SendStarted──▶ Sending ──Delivered──▶ Delivered
//!             ▲  ▲                    │  │ ──Escalated──▶ Escalated
//!             │  └──RetryLater/NotFound┘  │ ──Failed─────▶ Failed ──RetryRequested──▶ Waiting
//!             │                           └─Uncertain (stays Sending, looked up before any resend)
//!             └──EscalationRequested── Delivered (the auto-save ticket is updated, never doubled)
//! ```
//!
//! `Sending` means "an external call may have happened": a `Sending` entry found again (after a
//! crash, a lost response or an expired lease) is looked up by `external_id` before anything is
//! sent, so a conversation gets at most one ticket; `Found`/`NotFound` settle it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "LedgerState")]
pub enum State {
    /// Seen; due once its grace period (or retry delay) is over.
    Waiting,
    /// An external call may be in flight or may have happened: look up before resending.
    Sending,
    /// The auto-save ticket exists.
    Delivered,
    /// The escalation ticket exists (created, or the auto-save ticket updated into it).
    Escalated,
    /// A permanent error (e.g. 422 with Zendesk's details); waits for the admin.
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Sending => "sending",
            State::Delivered => "delivered",
            State::Escalated => "escalated",
            State::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        [State::Waiting, State::Sending, State::Delivered, State::Escalated, State::Failed]
            .into_iter()
            .find(|st| st.as_str() == s)
    }

    /// No more work unless something new happens (an escalation, a retry by the admin).
    pub fn is_settled(self) -> bool {
        matches!(self, State::Delivered | State::Escalated | State::Failed)
    }
}

/// How a ticket came to be, recorded in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "DeliveryPath")]
pub enum Path {
    /// Ticket Import API (auto-save, no triggers).
    Import,
    /// Tickets API (auto-save, triggers run).
    Create,
    /// An escalation created its ticket (no auto-save ticket existed).
    EscalationCreate,
    /// An escalation updated the auto-save ticket (form, fields, reopened, note).
    EscalationUpdate,
    /// The auto-save ticket was closed: a follow-up ticket was linked to it.
    EscalationFollowup,
    /// A ticket from an earlier, uncertain attempt was found by `external_id`.
    Recovered,
}

impl Path {
    pub fn as_str(self) -> &'static str {
        match self {
            Path::Import => "import",
            Path::Create => "create",
            Path::EscalationCreate => "escalation_create",
            Path::EscalationUpdate => "escalation_update",
            Path::EscalationFollowup => "escalation_followup",
            Path::Recovered => "recovered",
        }
    }

    pub fn parse(s: &str) -> Option<Path> {
        [
            Path::Import,
            Path::Create,
            Path::EscalationCreate,
            Path::EscalationUpdate,
            Path::EscalationFollowup,
            Path::Recovered,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// The part of a ledger row the state machine reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub state: State,
    pub due_at: DateTime<Utc>,
    pub ticket_id: Option<i64>,
    pub path: Option<Path>,
    /// The conversation asks for an escalation (known at poll time or requested later).
    pub escalation: bool,
    pub attempts: i64,
    pub error: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The call is about to be made. `lease`: how long before an unfinished call counts as
    /// uncertain and the entry may be picked up again (after a crash).
    SendStarted { lease: Duration },
    Delivered { ticket_id: i64, path: Path },
    Escalated { ticket_id: i64, path: Path },
    /// A retriable error with no doubt about the outcome (nothing was written): try again at.
    RetryLater { at: DateTime<Utc>, error: Failure },
    /// The call may or may not have happened: stay `Sending`, look up before resending.
    Uncertain { at: DateTime<Utc>, error: Failure },
    /// The lookup by `external_id` (or the bulk job's results) found the ticket of an earlier
    /// attempt. `escalation`: that attempt was an escalation (not an auto-save).
    Found { ticket_id: i64, escalation: bool },
    /// The lookup found nothing: sending again is safe.
    NotFound,
    Failed { error: Failure },
    /// The admin asks to try a failed conversation again.
    RetryRequested,
    /// An escalation arrived for this conversation.
    EscalationRequested,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a conversation in state {from} cannot take the event {event}")]
pub struct TransitionError {
    pub from: &'static str,
    pub event: &'static str,
}

fn event_name(e: &Event) -> &'static str {
    match e {
        Event::SendStarted { .. } => "send_started",
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

impl Entry {
    pub fn new(due_at: DateTime<Utc>, escalation: bool) -> Entry {
        Entry {
            state: State::Waiting,
            due_at,
            ticket_id: None,
            path: None,
            escalation,
            attempts: 0,
            error: None,
        }
    }

    /// Whether the escalation still has to be done (asked for, not yet escalated).
    pub fn escalation_pending(&self) -> bool {
        self.escalation && self.state != State::Escalated
    }

    /// Applies an event, or says why it does not apply (the caller logs it and moves on).
    pub fn apply(&self, event: Event, now: DateTime<Utc>) -> Result<Entry, TransitionError> {
        use State::*;
        let refuse = || TransitionError {
            from: self.state.as_str(),
            event: event_name(&event),
        };
        let mut next = self.clone();
        match (self.state, event.clone()) {
            (Waiting | Sending, Event::SendStarted { lease }) => {
                next.state = Sending;
                next.attempts += 1;
                next.due_at = now + lease;
            }
            (Sending, Event::Delivered { ticket_id, path }) => {
                next.state = Delivered;
                next.ticket_id = Some(ticket_id);
                next.path = Some(path);
                next.error = None;
            }
            (Sending, Event::Escalated { ticket_id, path }) => {
                next.state = Escalated;
                next.ticket_id = Some(ticket_id);
                next.path = Some(path);
                next.escalation = true;
                next.error = None;
            }
            (Sending, Event::RetryLater { at, error }) => {
                next.state = Waiting;
                next.due_at = at;
                next.error = Some(error);
            }
            (Sending, Event::Uncertain { at, error }) => {
                next.due_at = at;
                next.error = Some(error);
            }
            (Sending, Event::Found { ticket_id, escalation }) => {
                next.ticket_id = Some(ticket_id);
                next.error = None;
                if escalation && self.ticket_id.is_some() {
                    // Escalating an existing ticket (update): finding the ticket proves nothing
                    // about the update; go back to waiting and redo it.
                    next.state = Waiting;
                    next.due_at = now;
                } else {
                    next.state = if escalation { Escalated } else { Delivered };
                    next.path = Some(Path::Recovered);
                }
            }
            (Sending, Event::NotFound) => {
                next.state = Waiting;
                next.due_at = now;
            }
            (Sending, Event::Failed { error }) => {
                next.state = Failed;
                next.error = Some(error);
            }
            (Failed, Event::RetryRequested) => {
                next.state = Waiting;
                next.due_at = now;
                next.error = None;
            }
            (Waiting | Sending | Failed, Event::EscalationRequested) => {
                next.escalation = true;
                if self.state == Failed {
                    next.state = Waiting;
                    next.due_at = now;
                    next.error = None;
                }
            }
            (Delivered, Event::EscalationRequested) => {
                // One ticket per conversation: the auto-save ticket will be updated.
                next.escalation = true;
                next.state = Waiting;
                next.due_at = now;
            }
            _ => return Err(refuse()),
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z").unwrap().with_timezone(&Utc)
            + Duration::minutes(minutes)
    }

    fn fail(code: &str) -> Failure {
        Failure {
            code: code.into(),
            message: format!("{code} happened"),
        }
    }

    fn sending(escalation: bool) -> Entry {
        Entry::new(t(5), escalation)
            .apply(Event::SendStarted { lease: Duration::minutes(10) }, t(6))
            .unwrap()
    }

    #[test]
    fn the_happy_path_waits_sends_and_delivers() {
        let e = Entry::new(t(5), false);
        assert_eq!(e.state, State::Waiting);
        let s = e.apply(Event::SendStarted { lease: Duration::minutes(10) }, t(6)).unwrap();
        assert_eq!((s.state, s.attempts, s.due_at), (State::Sending, 1, t(16)), "lease set");
        let d = s.apply(Event::Delivered { ticket_id: 42, path: Path::Import }, t(7)).unwrap();
        assert_eq!((d.state, d.ticket_id, d.path), (State::Delivered, Some(42), Some(Path::Import)));
        assert!(d.state.is_settled());
    }

    #[test]
    fn retriable_errors_go_back_to_waiting_with_the_error_and_a_new_due_time() {
        let r = sending(false).apply(Event::RetryLater { at: t(30), error: fail("zendesk.unavailable") }, t(7)).unwrap();
        assert_eq!((r.state, r.due_at), (State::Waiting, t(30)));
        assert_eq!(r.error.as_ref().unwrap().code, "zendesk.unavailable");
        let again = r.apply(Event::SendStarted { lease: Duration::minutes(10) }, t(31)).unwrap();
        assert_eq!(again.attempts, 2);
        let done = again.apply(Event::Delivered { ticket_id: 1, path: Path::Import }, t(32)).unwrap();
        assert_eq!(done.error, None, "a success clears the last error");
    }

    #[test]
    fn an_uncertain_outcome_stays_sending_until_a_lookup_settles_it() {
        let u = sending(false).apply(Event::Uncertain { at: t(8), error: fail("zendesk.timeout") }, t(7)).unwrap();
        assert_eq!((u.state, u.due_at), (State::Sending, t(8)));
        let found = u.apply(Event::Found { ticket_id: 9, escalation: false }, t(9)).unwrap();
        assert_eq!((found.state, found.ticket_id, found.path), (State::Delivered, Some(9), Some(Path::Recovered)));
        let not_found = u.apply(Event::NotFound, t(9)).unwrap();
        assert_eq!((not_found.state, not_found.due_at), (State::Waiting, t(9)));
        // A resend after a lookup is a new attempt from Sending (crash recovery picks Sending rows).
        assert!(u.apply(Event::SendStarted { lease: Duration::minutes(10) }, t(9)).is_ok());
    }

    #[test]
    fn a_found_ticket_settles_as_what_the_attempt_was() {
        let found = sending(true).apply(Event::Found { ticket_id: 5, escalation: true }, t(9)).unwrap();
        assert_eq!(found.state, State::Escalated);
        // The agent asked for an escalation, but the site has escalation off: it was an auto-save.
        let found = sending(true).apply(Event::Found { ticket_id: 5, escalation: false }, t(9)).unwrap();
        assert_eq!(found.state, State::Delivered);
    }

    #[test]
    fn permanent_failures_wait_for_the_admin_and_can_be_retried() {
        let f = sending(false).apply(Event::Failed { error: fail("zendesk.invalid") }, t(7)).unwrap();
        assert_eq!(f.state, State::Failed);
        assert!(f.apply(Event::SendStarted { lease: Duration::minutes(10) }, t(8)).is_err(), "never resent by itself");
        let r = f.apply(Event::RetryRequested, t(20)).unwrap();
        assert_eq!((r.state, r.due_at, r.error.clone()), (State::Waiting, t(20), None));
    }

    #[test]
    fn an_escalation_after_delivery_reuses_the_same_ticket() {
        let d = sending(false).apply(Event::Delivered { ticket_id: 42, path: Path::Import }, t(7)).unwrap();
        let w = d.apply(Event::EscalationRequested, t(60)).unwrap();
        assert_eq!((w.state, w.ticket_id, w.escalation), (State::Waiting, Some(42), true));
        assert!(w.escalation_pending());
        let s = w.apply(Event::SendStarted { lease: Duration::minutes(10) }, t(61)).unwrap();
        // A lost response during the update: the ticket id is known, so it is redone, not looked up into "escalated".
        let lost = s.apply(Event::Found { ticket_id: 42, escalation: true }, t(62)).unwrap();
        assert_eq!(lost.state, State::Waiting);
        let e = s.apply(Event::Escalated { ticket_id: 42, path: Path::EscalationUpdate }, t(62)).unwrap();
        assert_eq!((e.state, e.ticket_id, e.path), (State::Escalated, Some(42), Some(Path::EscalationUpdate)));
        assert!(!e.escalation_pending());
        assert!(e.apply(Event::EscalationRequested, t(70)).is_err(), "one escalation per conversation");
    }

    #[test]
    fn an_escalation_before_sending_only_marks_the_entry() {
        let w = Entry::new(t(5), false).apply(Event::EscalationRequested, t(1)).unwrap();
        assert_eq!((w.state, w.due_at, w.escalation), (State::Waiting, t(5), true));
        let f = sending(false).apply(Event::Failed { error: fail("zendesk.invalid") }, t(7)).unwrap();
        let e = f.apply(Event::EscalationRequested, t(9)).unwrap();
        assert_eq!((e.state, e.error.clone()), (State::Waiting, None), "a new escalation gets a fresh try");
    }

    #[test]
    fn events_that_make_no_sense_are_refused_with_a_reason() {
        let w = Entry::new(t(5), false);
        for event in [
            Event::Delivered { ticket_id: 1, path: Path::Import },
            Event::Escalated { ticket_id: 1, path: Path::EscalationCreate },
            Event::RetryLater { at: t(1), error: fail("x") },
            Event::Uncertain { at: t(1), error: fail("x") },
            Event::Found { ticket_id: 1, escalation: false },
            Event::NotFound,
            Event::Failed { error: fail("x") },
            Event::RetryRequested,
        ] {
            let err = w.apply(event, t(6)).unwrap_err();
            assert_eq!(err.from, "waiting");
        }
        let d = sending(false).apply(Event::Delivered { ticket_id: 1, path: Path::Import }, t(7)).unwrap();
        assert!(d.apply(Event::SendStarted { lease: Duration::minutes(1) }, t(8)).is_err(), "never a second ticket");
        assert!(d.apply(Event::RetryRequested, t(8)).is_err());
        assert_eq!(
            d.apply(Event::NotFound, t(8)).unwrap_err().to_string(),
            "a conversation in state delivered cannot take the event not_found"
        );
    }

    #[test]
    fn states_and_paths_round_trip_their_names() {
        for s in [State::Waiting, State::Sending, State::Delivered, State::Escalated, State::Failed] {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        for p in [Path::Import, Path::Create, Path::EscalationCreate, Path::EscalationUpdate, Path::EscalationFollowup, Path::Recovered] {
            assert_eq!(Path::parse(p.as_str()), Some(p));
        }
        assert_eq!(State::parse("lost"), None);
    }
}
