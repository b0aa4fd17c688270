//! Delivery: turns due ledger entries into Zendesk tickets.
//!
//! Every entry goes `Waiting -> Sending` (written before the call) and then to its outcome
//! (written after). An entry found in `Sending` (a crash, a lost response, an expired lease) is
//! first looked up by `external_id`: the ticket of the earlier attempt is recorded instead of
//! sending a second one.
//!
//! A backlog is imported in `imports/tickets/create_many` batches of up to 100 (no trigger runs,
//! so customers get no e-mail); requesters are looked up once per e-mail per run, and new
//! end-users are created in bulk (`users/create_many`). Create mode (Tickets API) sends one
//! ticket at a time with an `Idempotency-Key`.

use crate::api::Api;
use crate::check::{iadvize_client, zendesk_client};
use crate::error::ApiError;
use crate::iadvize::{Conversation, IadvizeClient};
use crate::site::{DeliveryMode, Site, SiteId};
use crate::store::ledger::{self as store, AttemptNote, Due};
use crate::sync::escalate;
use crate::sync::ledger::{Event, Failure, Path, State};
use crate::ticket::{self, FieldDefault, FormContext, MappingOptions, RequesterChoice, TicketKind, TicketPlan};
use crate::zendesk::{JobResult, PlanFeature, TicketField, TicketForm, ZendeskClient, ZendeskError};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Mutex;

/// How long an unanswered call keeps an entry to itself before it counts as uncertain.
pub const LEASE: Duration = Duration::minutes(10);
/// Zendesk's bulk limit.
pub const BATCH: usize = 100;
/// Batches of a site in flight at once. Each runs one bulk job at a time (its new end-users,
/// then its import; Zendesk allows 30 queued or running per account), so a backlog of repeat
/// visitors, which needs few requests, is paced by the rate limit rather than by job waits.
pub const PIPELINE: usize = 8;
/// Requester look-ups in flight at once (the client's limiter still paces them).
const LOOKUP_CONCURRENCY: usize = 16;

/// What delivering a site needs, prepared once per run: the clients, the admin user, the
/// form and fields, the time zone, and the requester cache.
pub struct SiteContext {
    pub site: Site,
    pub zendesk: ZendeskClient,
    pub iadvize: IadvizeClient,
    pub admin_id: i64,
    pub form: Option<TicketForm>,
    pub fields: Vec<TicketField>,
    pub defaults: Vec<FieldDefault>,
    pub time_zone: Tz,
    /// Lower-cased e-mail -> Zendesk user id (None: no such user), for this run.
    users: Mutex<RequesterCache>,
    /// Look every never-sent entry up by `external_id` before sending it (a backfill: another
    /// data folder, an earlier installation, may already have made its ticket).
    pub verify_absent: bool,
}

/// Requester look-ups a run remembers at most: a backlog of unique visitors would otherwise
/// grow a run's memory with every e-mail; the batches in flight (`BATCH * PIPELINE` e-mails)
/// always find theirs.
const REQUESTERS_KEPT: usize = 10_000;

/// The requester cache, in two generations: when the newer holds half of
/// [`REQUESTERS_KEPT`], it becomes the older and the oldest is dropped.
#[derive(Default)]
struct RequesterCache {
    newer: HashMap<String, Option<i64>>,
    older: HashMap<String, Option<i64>>,
}

impl RequesterCache {
    fn get(&self, email: &str) -> Option<&Option<i64>> {
        self.newer.get(email).or_else(|| self.older.get(email))
    }

    fn contains_key(&self, email: &str) -> bool {
        self.get(email).is_some()
    }

    fn insert(&mut self, email: String, id: Option<i64>) {
        if self.newer.len() >= REQUESTERS_KEPT / 2 && !self.newer.contains_key(&email) {
            self.older = std::mem::take(&mut self.newer);
        }
        self.older.remove(&email);
        self.newer.insert(email, id);
    }

    fn remove(&mut self, email: &str) {
        self.newer.remove(email);
        self.older.remove(email);
    }
}

/// What a delivery round did, summed into the sync summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub created: usize,
    pub escalated: usize,
    pub updated: usize,
    pub failed: usize,
    pub retrying: usize,
}

impl std::ops::AddAssign for Delivered {
    fn add_assign(&mut self, o: Delivered) {
        self.created += o.created;
        self.escalated += o.escalated;
        self.updated += o.updated;
        self.failed += o.failed;
        self.retrying += o.retrying;
    }
}

fn failure(e: &ApiError) -> Failure {
    Failure {
        code: e.code.clone(),
        message: e.message.clone(),
    }
}

fn zendesk_failure(e: &ZendeskError) -> Failure {
    Failure {
        code: e.code().to_owned(),
        message: e.to_string(),
    }
}

/// Backoff for an entry's next try: 1, 2, 4 … minutes, at most an hour; `Retry-After` wins.
pub fn retry_at(now: DateTime<Utc>, attempts: i64, retry_after: Option<std::time::Duration>) -> DateTime<Utc> {
    let backoff = Duration::minutes(1i64 << attempts.clamp(0, 6)).min(Duration::hours(1));
    let asked = retry_after.and_then(|d| Duration::from_std(d).ok()).unwrap_or_else(Duration::zero);
    now + backoff.max(asked)
}

impl SiteContext {
    pub async fn prepare(api: &Api, site: Site) -> Result<SiteContext, ApiError> {
        let zendesk = zendesk_client(api, &site)?;
        let iadvize = iadvize_client(api, &site)?;
        let (me, fields, website) = tokio::join!(
            zendesk.me(),
            zendesk.ticket_fields(),
            iadvize.website(site.settings.iadvize_site_id)
        );
        let me = me?;
        let admin_id = match me.id {
            Some(id) if me.is_admin() => id,
            Some(_) => {
                return Err(ApiError::new(
                    "sync.not_admin",
                    "The site's Zendesk user is not an admin: importing tickets needs an admin. Use an admin's e-mail and credential (run the connection check).",
                ));
            }
            None => {
                return Err(ApiError::new(
                    "sync.zendesk_credential",
                    "Zendesk did not accept the site's credential (it answered as an anonymous user): check the admin e-mail and paste the token or OAuth secret again.",
                ));
            }
        };
        let form = match site.settings.autosave_form_id {
            Some(id) => match zendesk.ticket_form(id).await? {
                PlanFeature::Available(form) => Some(form),
                PlanFeature::NotOnPlan => None,
            },
            None => None,
        };
        // The site's time zone, for the transcript's times; UTC when iAdvize does not say.
        let time_zone = website
            .ok()
            .and_then(|w| w.timezone)
            .and_then(|tz| tz.parse::<Tz>().ok())
            .unwrap_or(Tz::UTC);
        let defaults = field_defaults(api, site.id)?;
        Ok(SiteContext {
            site,
            zendesk,
            iadvize,
            admin_id,
            form,
            fields: fields?,
            defaults,
            time_zone,
            users: Mutex::new(RequesterCache::default()),
            verify_absent: false,
        })
    }

    fn options(&self, kind: TicketKind) -> MappingOptions {
        MappingOptions {
            kind,
            time_zone: self.time_zone,
            field_defaults: self.defaults.clone(),
            assignee_id: Some(self.admin_id),
            comment_author_id: None,
        }
    }

    /// The plan of one conversation with the requester looked up (cached per run).
    pub async fn plan(&self, conversation: &Conversation, kind: TicketKind) -> Result<TicketPlan, ApiError> {
        self.plan_in_form(conversation, kind, self.form.as_ref()).await
    }

    /// [`plan`](Self::plan) in another form than the auto-save one (escalations use theirs).
    pub async fn plan_in_form(&self, conversation: &Conversation, kind: TicketKind, form: Option<&TicketForm>) -> Result<TicketPlan, ApiError> {
        let found = match conversation.visitor.usable_email() {
            Some(email) => self.lookup(email).await?,
            None => None,
        };
        let requester = ticket::requester_for(
            &conversation.visitor,
            self.site.settings.requester_policy,
            found,
            self.admin_id,
        );
        Ok(ticket::plan_ticket(
            conversation,
            &self.site.settings,
            FormContext::new(form, &self.fields),
            requester,
            &self.options(kind),
        ))
    }

    async fn lookup(&self, email: &str) -> Result<Option<i64>, ApiError> {
        let key = email.trim().to_lowercase();
        if let Some(known) = self.users.lock().unwrap().get(&key) {
            return Ok(*known);
        }
        let id = self.zendesk.find_user_by_email(&key).await?.and_then(|u| u.id);
        self.users.lock().unwrap().insert(key, id);
        Ok(id)
    }

    /// Looks up every e-mail of a batch not yet in the cache, several at once.
    async fn prefetch_users(&self, conversations: &[&Conversation]) -> Result<(), ApiError> {
        let mut emails: Vec<String> = conversations
            .iter()
            .filter_map(|c| c.visitor.usable_email().map(|e| e.trim().to_lowercase()))
            .filter(|e| !self.users.lock().unwrap().contains_key(e))
            .collect();
        emails.sort();
        emails.dedup();
        let results: Vec<Result<Option<i64>, ApiError>> = futures_util::stream::iter(emails)
            .map(|e: String| async move { self.lookup(&e).await })
            .buffer_unordered(LOOKUP_CONCURRENCY)
            .collect()
            .await;
        results.into_iter().try_for_each(|r| r.map(|_| ()))
    }

    fn remember_user(&self, email: &str, id: i64) {
        self.users.lock().unwrap().insert(email.trim().to_lowercase(), Some(id));
    }
}

/// The admin's default values for required fields of a site.
pub fn field_defaults(api: &Api, site: SiteId) -> Result<Vec<FieldDefault>, ApiError> {
    let conn = api.store().conn();
    let mut stmt = conn.prepare_cached("SELECT field_id, value FROM site_field_defaults WHERE site_id = ?1 ORDER BY field_id")?;
    let rows = stmt.query_map([site], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (field_id, value) = row?;
        out.push(FieldDefault {
            field_id,
            value: serde_json::from_str(&value).unwrap_or(serde_json::Value::String(value)),
        });
    }
    Ok(out)
}

fn apply(api: &Api, site: SiteId, conversation: &str, event: Event, note: AttemptNote) -> Result<crate::sync::ledger::Entry, ApiError> {
    let now = api.clock().now();
    Ok(store::apply(&mut api.store().conn(), site, conversation, event, &note, now)?)
}

fn note(action: &str) -> AttemptNote {
    AttemptNote {
        action: action.to_owned(),
        ..AttemptNote::default()
    }
}

/// How long to wait before checking again on a bulk job that may still be writing tickets.
const JOB_RECHECK: Duration = Duration::seconds(30);

/// Settles entries left `Sending` by an earlier attempt: the ticket exists (recorded), or not
/// (back to waiting, sent with the next batch), or it is too early to say.
///
/// A lookup by `external_id` is only trusted once no bulk job that may contain the entry is
/// still running: an import job queued before a crash writes its tickets later. Entries whose
/// job is known are settled from the job's own results.
async fn settle_uncertain(api: &Api, ctx: &SiteContext, rows: &[Due]) -> Result<(), ApiError> {
    let site = ctx.site.id;
    let escalation = |row: &Due| ctx.site.settings.escalation_enabled && row.entry.escalation;
    let recheck = |_row: &Due, why: String| Event::Uncertain {
        at: api.clock().now() + JOB_RECHECK,
        error: Failure { code: "sync.job_running".into(), message: why },
    };
    let (with_job, without_job): (Vec<&Due>, Vec<&Due>) = rows.iter().partition(|r| r.job.is_some());

    // Entries sent in a known job: its results decide.
    let mut job_ids: Vec<String> = with_job.iter().filter_map(|r| r.job.as_ref().map(|j| j.0.clone())).collect();
    job_ids.sort();
    job_ids.dedup();
    let jobs = if job_ids.is_empty() { Vec::new() } else { ctx.zendesk.job_statuses(&job_ids).await? };
    let mut to_look_up: Vec<&Due> = Vec::new();
    for row in with_job {
        let (job_id, index) = row.job.clone().expect("partitioned on job");
        match jobs.iter().find(|j| j.id == job_id) {
            Some(job) if !job.is_final() => {
                apply(api, site, &row.conversation_id, recheck(row, format!("import job {job_id} is still running")), note("job_status"))?;
            }
            Some(job) => match job.outcome_by_index(index + 1).pop().flatten() {
                Some(JobResult::Created { id, .. }) => {
                    apply(api, site, &row.conversation_id, Event::Found { ticket_id: id, escalation: escalation(row) }, note("job_status"))?;
                }
                Some(JobResult::Failed { error, details_text, details, .. }) => {
                    let message = details_summary(&details).or(details_text).or(error).unwrap_or_else(|| "Zendesk refused the ticket.".into());
                    apply(
                        api,
                        site,
                        &row.conversation_id,
                        Event::Failed { error: Failure { code: "zendesk.invalid".into(), message: format!("Zendesk refused the ticket: {message}") } },
                        AttemptNote { action: "job_status".into(), message: None, details: serde_json::to_string(&details).ok() },
                    )?;
                }
                _ => to_look_up.push(row),
            },
            // Zendesk keeps job statuses a day; an unknown job leaves the lookup.
            None => to_look_up.push(row),
        }
    }

    // Entries whose send may not have reached Zendesk, or whose job says nothing: look them up,
    // unless one of the account's jobs is still running (it may be theirs).
    to_look_up.extend(without_job);
    if to_look_up.is_empty() {
        return Ok(());
    }
    if let Some(running) = ctx.zendesk.recent_jobs().await?.into_iter().find(|j| !j.is_final()) {
        for row in to_look_up {
            apply(api, site, &row.conversation_id, recheck(row, format!("job {} is still running: it may hold this ticket", running.id)), note("job_status"))?;
        }
        return Ok(());
    }
    let lookups: Vec<_> = futures_util::stream::iter(to_look_up.into_iter().cloned())
        .map(|row: Due| async move {
            let found = ctx.zendesk.tickets_by_external_id(&row.external_id).await;
            (row, found)
        })
        .buffer_unordered(LOOKUP_CONCURRENCY)
        .collect()
        .await;
    for (row, found) in lookups {
        let event = match found {
            Ok(tickets) => match tickets.iter().map(|t| t.id).min() {
                Some(ticket_id) => Event::Found { ticket_id, escalation: escalation(&row) },
                None => Event::NotFound,
            },
            Err(e) => {
                let at = retry_at(api.clock().now(), row.entry.attempts, e.retry_after());
                Event::Uncertain { at, error: zendesk_failure(&e) }
            }
        };
        apply(api, site, &row.conversation_id, event, note("lookup"))?;
    }
    Ok(())
}

fn decode(row: &Due) -> Result<Conversation, ApiError> {
    let payload = row.payload.as_deref().ok_or_else(|| {
        ApiError::new("sync.no_payload", format!("conversation {} has no stored content", row.conversation_id))
    })?;
    serde_json::from_str(payload).map_err(|e| {
        ApiError::new("sync.bad_payload", format!("the stored content of conversation {} cannot be read: {e}", row.conversation_id))
    })
}

/// Delivers one batch of due entries (at most [`BATCH`]).
pub async fn deliver_batch(api: &Api, ctx: &SiteContext, rows: Vec<Due>) -> Result<Delivered, ApiError> {
    // Pending escalations (escalation on for the site) take their own path, whatever their state.
    let (escalations, rows): (Vec<Due>, Vec<Due>) =
        rows.into_iter().partition(|r| escalate::is_escalation(&ctx.site.settings, &r.entry));
    let escalated = escalate::deliver(api, ctx, escalations.iter().map(escalate::EscalationRow::from).collect()).await?;
    let (uncertain, fresh): (Vec<Due>, Vec<Due>) = rows.into_iter().partition(|r| r.entry.state == State::Sending);
    if !uncertain.is_empty() {
        settle_uncertain(api, ctx, &uncertain).await?;
    }
    let mut done = escalated;
    let mut conversations = Vec::new();
    for row in fresh {
        match decode(&row) {
            Ok(c) => conversations.push((row, c)),
            Err(e) => {
                // Nothing can be sent without the conversation: fail it visibly.
                apply(api, ctx.site.id, &row.conversation_id, Event::SendStarted { lease: LEASE }, note("read"))?;
                apply(api, ctx.site.id, &row.conversation_id, Event::Failed { error: failure(&e) }, note("read"))?;
                done.failed += 1;
            }
        }
    }
    let conversations = skip_existing(api, ctx, conversations).await?;
    if conversations.is_empty() {
        return Ok(done);
    }
    let refs: Vec<&Conversation> = conversations.iter().map(|(_, c)| c).collect();
    ctx.prefetch_users(&refs).await?;
    match ctx.site.settings.delivery_mode {
        DeliveryMode::Import => done += import_batch(api, ctx, conversations).await?,
        DeliveryMode::Create => {
            for (row, conversation) in conversations {
                done += create_one(api, ctx, &row, &conversation).await?;
            }
        }
    }
    Ok(done)
}

/// One ticket per conversation, even across data folders: in a backfill, an entry this folder
/// never sent may already have a ticket (an earlier installation saved it), so it is looked up by
/// `external_id` first and a ticket found is recorded, not doubled. The live sync does not pay
/// this look-up (a request per conversation): its conversations closed after its start point.
async fn skip_existing(
    api: &Api,
    ctx: &SiteContext,
    conversations: Vec<(Due, Conversation)>,
) -> Result<Vec<(Due, Conversation)>, ApiError> {
    let (check, keep): (Vec<_>, Vec<_>) = conversations.into_iter().partition(|(row, _)| {
        ctx.verify_absent && row.entry.attempts == 0
    });
    if check.is_empty() {
        return Ok(keep);
    }
    let looked: Vec<_> = futures_util::stream::iter(check)
        .map(|(row, c): (Due, Conversation)| async move {
            let found = ctx.zendesk.tickets_by_external_id(&row.external_id).await;
            (row, c, found)
        })
        .buffer_unordered(LOOKUP_CONCURRENCY)
        .collect()
        .await;
    let mut out = keep;
    for (row, conversation, found) in looked {
        match found {
            Ok(tickets) => match tickets.iter().map(|t| t.id).min() {
                Some(ticket_id) => {
                    apply(api, ctx.site.id, &row.conversation_id, Event::SendStarted { lease: LEASE }, note("lookup"))?;
                    apply(
                        api,
                        ctx.site.id,
                        &row.conversation_id,
                        Event::Found { ticket_id, escalation: false },
                        AttemptNote {
                            action: "lookup".into(),
                            message: Some(format!("ticket {ticket_id} already exists for this conversation: not sent again")),
                            details: None,
                        },
                    )?;
                }
                None => out.push((row, conversation)),
            },
            Err(e) => {
                apply(api, ctx.site.id, &row.conversation_id, Event::SendStarted { lease: LEASE }, note("lookup"))?;
                let at = retry_at(api.clock().now(), row.entry.attempts, e.retry_after());
                apply(api, ctx.site.id, &row.conversation_id, Event::RetryLater { at, error: zendesk_failure(&e) }, note("lookup"))?;
            }
        }
    }
    Ok(out)
}

/// Creates the new end-users a batch needs, in bulk, and returns the plans with their ids.
async fn create_requesters(api: &Api, ctx: &SiteContext, plans: &mut [(Due, TicketPlan)]) -> Result<Delivered, ApiError> {
    let mut done = Delivered::default();
    let mut wanted: Vec<(String, crate::zendesk::UserUpsert)> = Vec::new();
    for (_, plan) in plans.iter() {
        if let (RequesterChoice::NewEndUser { email, .. }, Some(user)) = (&plan.requester, plan.requester.user_to_create()) {
            let key = email.trim().to_lowercase();
            if !wanted.iter().any(|(e, _)| *e == key) {
                wanted.push((key, user));
            }
        }
    }
    if wanted.is_empty() {
        return Ok(done);
    }
    let users: Vec<_> = wanted.iter().map(|(_, u)| u.clone()).collect();
    let outcome = async {
        let job = ctx.zendesk.create_many_users(&users).await?;
        ctx.zendesk.wait_for_job(&job.id).await
    }
    .await;
    let mut created: HashMap<String, i64> = HashMap::new();
    match outcome {
        Ok(job) => {
            for (i, result) in job.outcome_by_index(wanted.len()).into_iter().enumerate() {
                if let Some(JobResult::Created { id, .. }) = result {
                    created.insert(wanted[i].0.clone(), id);
                    ctx.remember_user(&wanted[i].0, id);
                }
            }
        }
        Err(e) => tracing::warn!(site = ctx.site.id, error = %e, "creating end-users failed; their tickets wait"),
    }
    // Users that could not be created (an error, or another process created them meanwhile):
    // look them up again, once.
    for (email, _) in &wanted {
        if !created.contains_key(email) {
            ctx.users.lock().unwrap().remove(email);
            if let Ok(Some(id)) = ctx.lookup(email).await {
                created.insert(email.clone(), id);
            }
        }
    }
    for (row, plan) in plans.iter_mut() {
        if let RequesterChoice::NewEndUser { email, .. } = &plan.requester {
            match created.get(&email.trim().to_lowercase()) {
                Some(id) => *plan = plan.clone().with_created_requester(*id),
                None => {
                    let now = api.clock().now();
                    apply(api, ctx.site.id, &row.conversation_id, Event::SendStarted { lease: LEASE }, note("create_requester"))?;
                    apply(
                        api,
                        ctx.site.id,
                        &row.conversation_id,
                        Event::RetryLater {
                            at: retry_at(now, row.entry.attempts, None),
                            error: Failure {
                                code: "sync.requester_not_created".into(),
                                message: format!("Zendesk did not create the end-user {email}; the ticket will be tried again."),
                            },
                        },
                        note("create_requester"),
                    )?;
                    done.retrying += 1;
                }
            }
        }
    }
    Ok(done)
}

async fn import_batch(api: &Api, ctx: &SiteContext, conversations: Vec<(Due, Conversation)>) -> Result<Delivered, ApiError> {
    let mut done = Delivered::default();
    let mut plans = Vec::new();
    for (row, conversation) in conversations {
        let plan = ctx.plan(&conversation, TicketKind::AutoSave).await?;
        plans.push((row, plan));
    }
    done += create_requesters(api, ctx, &mut plans).await?;
    let (ready, bodies): (Vec<Due>, Vec<_>) = plans
        .into_iter()
        .filter_map(|(row, plan)| plan.to_import().ok().map(|body| (row, body)))
        .unzip();
    if ready.is_empty() {
        return Ok(done);
    }
    for row in &ready {
        apply(api, ctx.site.id, &row.conversation_id, Event::SendStarted { lease: LEASE }, note("import"))?;
    }
    // A new send: the previous attempt's job (if any) no longer speaks for these entries.
    let entries: Vec<(&str, usize)> = ready.iter().map(|r| (r.conversation_id.as_str(), 0)).collect();
    store::record_job(&mut api.store().conn(), ctx.site.id, None, &entries)?;
    let outcome = async {
        let job = ctx.zendesk.import_tickets(&bodies).await?;
        // From here on, a crash is settled from this job's results.
        let entries: Vec<(&str, usize)> = ready.iter().enumerate().map(|(i, r)| (r.conversation_id.as_str(), i)).collect();
        // Not fatal: without the record a recovery still waits for running jobs, then looks up.
        if let Err(e) = store::record_job(&mut api.store().conn(), ctx.site.id, Some(&job.id), &entries) {
            tracing::error!(site = ctx.site.id, job = %job.id, error = %e, "cannot record the import job");
        }
        ctx.zendesk.wait_for_job(&job.id).await
    }
    .await;
    let now = api.clock().now();
    match outcome {
        Ok(job) => {
            for (row, result) in ready.iter().zip(job.outcome_by_index(ready.len())) {
                let event = match result {
                    Some(JobResult::Created { id, .. }) => {
                        done.created += 1;
                        Event::Delivered { ticket_id: id, path: Path::Import }
                    }
                    Some(JobResult::Failed { error, details_text, details, .. }) => {
                        done.failed += 1;
                        let message = details_summary(&details)
                            .or(details_text.clone())
                            .or(error.clone())
                            .unwrap_or_else(|| "Zendesk refused the ticket.".into());
                        let n = AttemptNote {
                            action: "import".into(),
                            message: Some(format!("Zendesk refused the ticket: {message}")),
                            details: serde_json::to_string(&details).ok(),
                        };
                        apply(
                            api,
                            ctx.site.id,
                            &row.conversation_id,
                            Event::Failed {
                                error: Failure {
                                    code: "zendesk.invalid".into(),
                                    message: format!("Zendesk refused the ticket: {message}. Fix the form or its required fields (a default value per field in the site's settings), then retry."),
                                },
                            },
                            n,
                        )?;
                        continue;
                    }
                    // The job did not say: the ticket may exist; look it up before resending.
                    _ => Event::Uncertain {
                        at: retry_at(now, row.entry.attempts, None),
                        error: Failure {
                            code: "zendesk.job_incomplete".into(),
                            message: format!("the import job {} gave no result for this ticket", job.id),
                        },
                    },
                };
                apply(api, ctx.site.id, &row.conversation_id, event, note("import"))?;
            }
        }
        Err(e) => {
            for row in &ready {
                let at = retry_at(now, row.entry.attempts + 1, e.retry_after());
                let event = if e.is_uncertain() || e.code() == "zendesk.job_pending" {
                    Event::Uncertain { at, error: zendesk_failure(&e) }
                } else if e.is_retriable() {
                    Event::RetryLater { at, error: zendesk_failure(&e) }
                } else {
                    Event::Failed { error: zendesk_failure(&e) }
                };
                match &event {
                    Event::Failed { .. } => done.failed += 1,
                    _ => done.retrying += 1,
                }
                let n = AttemptNote {
                    action: "import".into(),
                    message: None,
                    details: e.details().and_then(|d| serde_json::to_string(d).ok()),
                };
                apply(api, ctx.site.id, &row.conversation_id, event, n)?;
            }
        }
    }
    Ok(done)
}

/// Create mode: the Tickets API, one ticket and its follow-up comments.
async fn create_one(api: &Api, ctx: &SiteContext, row: &Due, conversation: &Conversation) -> Result<Delivered, ApiError> {
    let mut done = Delivered::default();
    let plan = ctx.plan(conversation, TicketKind::AutoSave).await?;
    let steps = plan.to_create();
    apply(api, ctx.site.id, &row.conversation_id, Event::SendStarted { lease: LEASE }, note("create"))?;
    let now = api.clock().now();
    // The key is the conversation's: a retry of the same conversation can only find its ticket.
    let created = ctx.zendesk.create_ticket(&steps.ticket, &row.external_id).await;
    let ticket_id = match created {
        Ok(c) => c.ticket.id,
        Err(e) if e.code() == "zendesk.idempotency_mismatch" => {
            // The same key with another body: the first attempt's ticket exists.
            match ctx.zendesk.tickets_by_external_id(&row.external_id).await?.first() {
                Some(t) => t.id,
                None => {
                    apply(api, ctx.site.id, &row.conversation_id, Event::Failed { error: zendesk_failure(&e) }, note("create"))?;
                    done.failed += 1;
                    return Ok(done);
                }
            }
        }
        Err(e) => {
            let at = retry_at(now, row.entry.attempts + 1, e.retry_after());
            let event = if e.is_uncertain() {
                Event::Uncertain { at, error: zendesk_failure(&e) }
            } else if e.is_retriable() {
                Event::RetryLater { at, error: zendesk_failure(&e) }
            } else {
                done.failed += 1;
                Event::Failed { error: zendesk_failure(&e) }
            };
            if !matches!(event, Event::Failed { .. }) {
                done.retrying += 1;
            }
            let n = AttemptNote {
                action: "create".into(),
                message: None,
                details: e.details().and_then(|d| serde_json::to_string(d).ok()),
            };
            apply(api, ctx.site.id, &row.conversation_id, event, n)?;
            return Ok(done);
        }
    };
    // Further transcript parts and the note: comments are not idempotent, so a failure here
    // is recorded on the delivered ticket rather than retried blindly.
    let mut message = None;
    for (i, update) in steps.updates.iter().enumerate() {
        if let Err(e) = ctx.zendesk.update_ticket(ticket_id, update).await {
            message = Some(format!(
                "ticket {ticket_id} was created, but comment {} of {} could not be added: {e}",
                i + 2,
                steps.updates.len() + 1
            ));
            break;
        }
    }
    let n = AttemptNote {
        action: "create".into(),
        message,
        details: None,
    };
    apply(api, ctx.site.id, &row.conversation_id, Event::Delivered { ticket_id, path: Path::Create }, n)?;
    done.created += 1;
    Ok(done)
}

/// Delivers one batch of what is due now (nothing when nothing is due).
pub async fn deliver_round(api: &Api, ctx: &SiteContext) -> Result<Delivered, ApiError> {
    if ctx.site.settings.escalation_enabled {
        escalate::recover_requests(api, ctx.site.id)?;
    }
    let now = api.clock().now();
    let rows = store::due(&api.store().conn(), ctx.site.id, now, BATCH * PIPELINE)?;
    if rows.is_empty() {
        return Ok(Delivered::default());
    }
    let count = rows.len();
    // Several batches at once: while one waits for its bulk jobs, the next looks its
    // requesters up, so a backlog drains at the rate limit rather than at the jobs' pace.
    let mut batches = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        batches.push(rows.by_ref().take(BATCH).collect::<Vec<_>>());
    }
    let mut done = Delivered::default();
    for result in futures_util::future::join_all(batches.into_iter().map(|b| deliver_batch(api, ctx, b))).await {
        done += result?;
    }
    // Lookups that settled entries count as progress too: the next round sends them.
    done.retrying += usize::from(done == Delivered::default() && count > 0);
    Ok(done)
}

/// Zendesk's per-field reasons in one line: `field: reason; base: reason`.
pub fn details_summary(details: &crate::zendesk::ErrorDetails) -> Option<String> {
    let items: Vec<String> = details
        .iter()
        .flat_map(|(field, list)| {
            list.iter().map(move |d| {
                let text = d.description.clone().or_else(|| d.error.clone()).unwrap_or_else(|| "invalid".into());
                if field == "base" { text } else { format!("{field}: {text}") }
            })
        })
        .collect();
    (!items.is_empty()).then(|| items.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_requester_cache_is_bounded_and_keeps_the_latest() {
        let mut cache = RequesterCache::default();
        let email = |i: usize| format!("visitor{i}@customer.example");
        let n = REQUESTERS_KEPT * 3 + 7;
        for i in 0..n {
            cache.insert(email(i), (i % 2 == 0).then_some(i as i64));
        }
        assert!(cache.newer.len() + cache.older.len() <= REQUESTERS_KEPT);
        for i in n - REQUESTERS_KEPT / 2..n {
            assert_eq!(cache.get(&email(i)), Some(&(i % 2 == 0).then_some(i as i64)));
        }
        assert!(!cache.contains_key(&email(0)));
        // A user created after a "no such user" answer replaces it; a removal forgets it.
        let older = email(n - REQUESTERS_KEPT / 2 - 1);
        cache.insert(older.clone(), Some(42));
        assert_eq!(cache.get(&older), Some(&Some(42)));
        cache.remove(&older);
        assert!(!cache.contains_key(&older));
    }
}
