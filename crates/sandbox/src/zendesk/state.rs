//! The Zendesk account's data and the rules that change it: ticket creation (Tickets API and
//! Import API share one path with a `CreatedVia` mode), updates, bulk jobs, the idempotency
//! cache, users and search. HTTP handlers only parse, call in here, and render.

use super::errors::ApiError;
use super::fields;
use super::model::*;
use super::triggers::{self, Event};
use crate::config::{ExistingEmail, SolveWithoutAssignee, Switches};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// 64 KiB: longer comment bodies are cut without an error (facts §3.1).
pub const MAX_COMMENT_BYTES: usize = 65_536;
/// Queued or working jobs above which bulk endpoints answer TooManyJobs (facts §8).
pub const MAX_ACTIVE_JOBS: usize = 30;
/// Idempotency keys live two hours (facts §3.2).
pub const IDEMPOTENCY_TTL_SECS: i64 = 2 * 3600;

pub struct OAuthToken {
    pub user_id: Id,
    pub expires_at: Option<DateTime<Utc>>,
    /// The scopes as understood (an invalid `scope` value leaves none: facts §2 trap).
    pub scopes: Vec<String>,
}

pub struct IdempotentReply {
    pub request: Value,
    pub status: u16,
    pub body: Value,
    pub location: String,
    pub expires_at: DateTime<Utc>,
}

/// Per-request context: the clock reading, the switches and where the account lives.
pub struct Ctx<'a> {
    pub now: DateTime<Utc>,
    pub switches: &'a Switches,
    /// Whether the account has ticket forms (plan, or the override).
    pub forms: bool,
    pub base: &'a str,
    pub job_duration: Duration,
    /// The unit of the whole seconds reported in headers (see `SandboxConfig::reported_second`).
    pub reported_second: Duration,
}

#[derive(Default)]
pub struct ZdState {
    pub users: BTreeMap<Id, User>,
    /// Organizations: `(id, name)`, read only (lookup fields' searches).
    pub organizations: Vec<(Id, String)>,
    /// Custom object records by object key: `(id, name)` (ids are text, as in Zendesk), read only.
    pub custom_object_records: BTreeMap<String, Vec<(String, String)>>,
    email_index: HashMap<String, Id>,
    pub next_user_id: Id,
    pub tickets: BTreeMap<Id, Ticket>,
    pub next_ticket_id: Id,
    pub next_comment_id: Id,
    pub fields: Vec<Field>,
    pub forms: Vec<Form>,
    pub triggers: Vec<Trigger>,
    pub oauth_tokens: HashMap<String, OAuthToken>,
    pub idempotency: HashMap<String, IdempotentReply>,
    pub jobs: Vec<Job>,
    pub emails: Vec<Email>,
    job_counter: u64,
    token_counter: u64,
    /// Auto-closing needs no look at the tickets before this time, for this many hours (every
    /// write puts a ticket's close time at least an hour ahead, so one scan an hour at most).
    auto_close_quiet_until: Option<(DateTime<Utc>, u64)>,
}

impl ZdState {
    /// The seeded account, plus end-users `(name, email)` for unique visitors Zendesk knows.
    pub fn seeded(now: DateTime<Utc>, end_users: &[(String, String)]) -> Self {
        let mut st = ZdState {
            next_ticket_id: 1,
            next_comment_id: 40_000_000_001,
            ..Default::default()
        };
        super::seed::seed(&mut st, now, end_users);
        st
    }

    // ---------- users ----------

    pub fn insert_user(&mut self, user: User) {
        if let Some(e) = &user.email {
            self.email_index.insert(e.to_lowercase(), user.id);
        }
        self.users.insert(user.id, user);
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.email_index
            .get(&email.to_lowercase())
            .and_then(|id| self.users.get(id))
    }

    pub fn create_end_user(&mut self, ctx: &Ctx, name: Option<&str>, email: &str) -> Id {
        let id = self.next_user_id;
        self.next_user_id += 1;
        let name = name
            .filter(|n| !n.trim().is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_string());
        self.insert_user(User {
            id,
            name,
            email: Some(email.to_string()),
            role: Role::EndUser,
            api_token: None,
            verified: false,
            created_at: ctx.now,
            updated_at: ctx.now,
            indexed_at: ctx.now
                + chrono::Duration::seconds(ctx.switches.search_indexing_delay_secs as i64),
        });
        id
    }

    pub fn new_oauth_token(
        &mut self,
        user_id: Id,
        expires_at: Option<DateTime<Utc>>,
        scopes: Vec<String>,
    ) -> String {
        self.token_counter += 1;
        let token = format!("sandbox-oauth-{:08}-{}", self.token_counter, user_id);
        self.oauth_tokens.insert(
            token.clone(),
            OAuthToken {
                user_id,
                expires_at,
                scopes,
            },
        );
        token
    }

    // ---------- fields and forms ----------

    pub fn field(&self, id: Id) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    pub fn form(&self, id: Id) -> Option<&Form> {
        self.forms.iter().find(|f| f.id == id)
    }

    /// Custom fields shown on every ticket (Zendesk lists all active custom fields).
    pub fn ticket_custom_field_ids(&self) -> Vec<Id> {
        self.fields
            .iter()
            .filter(|f| f.is_custom() && f.active)
            .map(|f| f.id)
            .collect()
    }

    pub fn ticket_json(&self, t: &Ticket, base: &str) -> Value {
        t.to_json(base, &self.ticket_custom_field_ids())
    }

    // ---------- background work, done lazily when anyone looks ----------

    /// Completes due jobs and closes tickets solved long enough ago. Called before every
    /// request and inspection so results depend on the sandbox clock only.
    pub fn settle(&mut self, ctx: &Ctx) {
        for i in 0..self.jobs.len() {
            let job = &self.jobs[i];
            if job.status == "completed" {
                continue;
            }
            if ctx.now >= job.done_at {
                self.run_job(i, ctx);
            } else if ctx.now >= job.created_at + (job.done_at - job.created_at) / 2 {
                self.jobs[i].status = "working".into();
            }
        }
        let hours = ctx.switches.auto_close_after_hours as i64;
        if hours > 0 {
            // The automation runs hourly: a ticket solved long ago (an import) closes at the
            // first run after it was written, not at once.
            // Scanning every ticket on every request would make a big backlog quadratic: a scan
            // notes the earliest close time, and any later write closes no sooner than an hour
            // after it, so nothing can close before the earlier of the two.
            let quiet = self
                .auto_close_quiet_until
                .is_some_and(|(until, h)| h == hours as u64 && ctx.now < until);
            if !quiet {
                let limit = chrono::Duration::hours(hours);
                let hour = chrono::Duration::hours(1);
                let mut next = ctx.now + hour;
                for t in self.tickets.values_mut() {
                    if t.status == "solved"
                        && let Some(solved) = t.solved_at
                    {
                        let close_at = (solved + limit).max(t.written_at + hour);
                        if close_at <= ctx.now {
                            t.status = "closed".into();
                            t.updated_at = close_at;
                        } else {
                            next = next.min(close_at);
                        }
                    }
                }
                self.auto_close_quiet_until = Some((next, hours as u64));
            }
        }
    }

    fn run_job(&mut self, i: usize, ctx: &Ctx) {
        let payload = std::mem::take(&mut self.jobs[i].payload);
        let caller = self.users.get(&self.jobs[i].caller_id).cloned();
        let kind = self.jobs[i].kind;
        let job_ctx = Ctx {
            now: self.jobs[i].done_at.min(ctx.now),
            ..*ctx
        };
        let mut results = Vec::new();
        for (index, input) in payload.iter().enumerate() {
            let outcome = match (&caller, kind) {
                (None, _) => Err(ApiError::forbidden()),
                (Some(_), JobKind::CreateUsers) => self.create_user_in_job(&job_ctx, input),
                (Some(c), JobKind::CreateTickets) => self
                    .create_ticket(&job_ctx, c, input, CreatedVia::Api)
                    .map(|(id, _)| id),
                (Some(c), JobKind::ImportTickets) => self
                    .create_ticket(&job_ctx, c, input, CreatedVia::Import)
                    .map(|(id, _)| id),
            };
            results.push(match outcome {
                // Tickets: the Job Statuses page's bulk-create result `{id, index}`. Users: the
                // same plus `status: "Created"`, as Zendesk reports users in create_or_update_many
                // results (community thread 4408861015066, answered by Zendesk); clients must
                // not need it.
                Ok(id) if kind == JobKind::CreateUsers => {
                    json!({"id": id, "index": index, "status": "Created"})
                }
                Ok(id) => json!({"id": id, "index": index}),
                Err(e) => json!({
                    "index": index, "action": "create", "success": false, "status": "Failed",
                    "error": e.body["error"].as_str().unwrap_or("Error"),
                    "details": e.body.get("details").map(Value::to_string).unwrap_or_default(),
                }),
            });
        }
        let job = &mut self.jobs[i];
        job.status = "completed".into();
        job.results = Some(Value::Array(results));
    }

    /// One item of `users/create_many`: `name` required (as `POST /users`), `email` optional,
    /// `role` end-user unless `agent`/`admin`, `verified` kept. An e-mail already in use fails
    /// the item or reports the existing user, per the `create_many_users_existing_email`
    /// switch. `skip_verify_email` is accepted; the sandbox sends no verification e-mails.
    fn create_user_in_job(&mut self, ctx: &Ctx, input: &Value) -> Result<Id, ApiError> {
        let u = input
            .as_object()
            .ok_or_else(|| ApiError::bad_request("InvalidValue", "user must be a JSON object"))?;
        let name = u
            .get("name")
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or("");
        if name.is_empty() {
            return Err(ApiError::invalid_field(
                "name",
                "Name: is too short (minimum is 1 character)".into(),
                "TooShort",
            ));
        }
        let email = match u.get("email") {
            None | Some(Value::Null) => None,
            Some(Value::String(e)) if e.contains('@') && !e.trim().is_empty() => {
                Some(e.trim().to_string())
            }
            Some(other) => {
                let shown = other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_string);
                return Err(ApiError::invalid_field(
                    "email",
                    format!("Email: {shown} is not properly formatted"),
                    "InvalidFormat",
                ));
            }
        };
        if let Some(e) = &email
            && let Some(existing) = self.user_by_email(e)
        {
            return match ctx.switches.create_many_users_existing_email {
                ExistingEmail::ReuseExisting => Ok(existing.id),
                ExistingEmail::Fail => Err(ApiError::record_invalid(json!({"email": [{
                    "description": format!("Email: {e} is already being used by another user"),
                    "error": "DuplicateValue",
                }]}))),
            };
        }
        let role = match u.get("role").and_then(Value::as_str) {
            Some("admin") => Role::Admin,
            Some("agent") => Role::Agent,
            _ => Role::EndUser,
        };
        let id = self.next_user_id;
        self.next_user_id += 1;
        self.insert_user(User {
            id,
            name: name.to_string(),
            email,
            role,
            api_token: None,
            verified: u.get("verified").and_then(Value::as_bool).unwrap_or(false),
            created_at: ctx.now,
            updated_at: ctx.now,
            indexed_at: ctx.now
                + chrono::Duration::seconds(ctx.switches.search_indexing_delay_secs as i64),
        });
        Ok(id)
    }

    pub fn active_jobs(&self) -> Vec<&Job> {
        self.jobs
            .iter()
            .filter(|j| j.status != "completed")
            .collect()
    }

    pub fn enqueue_job(
        &mut self,
        ctx: &Ctx,
        caller: &User,
        job_type: &str,
        items: Vec<Value>,
        kind: JobKind,
    ) -> Result<&Job, ApiError> {
        let active = self.active_jobs();
        if active.len() >= MAX_ACTIVE_JOBS {
            let retry = active
                .iter()
                .map(|j| reported_secs(j.done_at - ctx.now, ctx.reported_second))
                .min()
                .unwrap_or(1);
            let ids: Vec<&str> = active.iter().map(|j| j.id.as_str()).collect();
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"error": "TooManyJobs",
                       "description": format!("Too many {job_type} jobs are currently queued or running. Try again later."),
                       "current_job_ids": ids}),
            )
            .header("retry-after", retry)
            .header("zendesk-ratelimit-inflight-jobs", format!("total={MAX_ACTIVE_JOBS}; remaining=0; resets={retry}")));
        }
        self.job_counter += 1;
        let id = format!(
            "{:016x}{:016x}",
            0x5a6d_0b5e_u64.wrapping_mul(self.job_counter + 7),
            self.job_counter
        );
        self.jobs.push(Job {
            id,
            job_type: job_type.into(),
            total: items.len(),
            created_at: ctx.now,
            done_at: ctx.now + chrono::Duration::from_std(ctx.job_duration).unwrap_or_default(),
            status: "queued".into(),
            results: None,
            payload: items,
            caller_id: caller.id,
            kind,
        });
        Ok(self.jobs.last().expect("just pushed"))
    }

    // ---------- tickets ----------

    /// Creates a ticket through the Tickets API (`Api`: triggers run) or the Import API
    /// (`Import`: timestamps kept, no triggers). Returns the id and the audit events.
    pub fn create_ticket(
        &mut self,
        ctx: &Ctx,
        caller: &User,
        input: &Value,
        via: CreatedVia,
    ) -> Result<(Id, Vec<Value>), ApiError> {
        let t = input
            .as_object()
            .ok_or_else(|| ApiError::bad_request("InvalidValue", "ticket must be a JSON object"))?;
        let import = via == CreatedVia::Import;
        let requester_id = self.resolve_requester(ctx, caller, t, import)?;

        // Comments: `comment` (or `description`) on create, `comments[]` on import.
        let mut comment_inputs: Vec<Value> = Vec::new();
        if import && let Some(list) = t.get("comments").and_then(Value::as_array) {
            comment_inputs.extend(list.iter().cloned());
        }
        if comment_inputs.is_empty() {
            if let Some(c) = t.get("comment").filter(|c| c.is_object()) {
                comment_inputs.push(c.clone());
            } else if let Some(d) = t.get("description").and_then(Value::as_str) {
                comment_inputs.push(json!({"body": d}));
            }
        }
        if comment_inputs.is_empty() {
            return Err(ApiError::invalid_field(
                "description",
                "Description: cannot be blank".into(),
                "BlankValue",
            ));
        }
        let mut comments = Vec::new();
        let mut sticky_public = true;
        for (i, c) in comment_inputs.iter().enumerate() {
            let explicit = parse_bool(c.get("public"));
            let public = explicit.unwrap_or(if i == 0 { true } else { sticky_public });
            if i == 0 {
                sticky_public = public;
            }
            let created_at = if import {
                match c.get("created_at").and_then(Value::as_str) {
                    Some(s) => parse_time(s, "comments.created_at", ctx.now)?,
                    None => ctx.now,
                }
            } else {
                ctx.now
            };
            let author_id = c
                .get("author_id")
                .and_then(Value::as_i64)
                .filter(|id| self.users.contains_key(id))
                .unwrap_or(caller.id);
            comments.push(self.new_comment(c, author_id, public, created_at)?);
        }

        // Form and custom fields.
        let form_id = self.resolve_form(ctx, t, import)?;
        let mut values = BTreeMap::new();
        let mut tags: Vec<String> = string_list(t.get("tags"));
        self.apply_field_defaults(form_id, &mut values);
        let inputs = t.get("custom_fields").or_else(|| t.get("fields"));
        fields::apply_values(self, ctx.switches, inputs, &mut values)?;
        fields::add_field_tags(self, &values, &mut tags);

        let mut assignee_id = self.resolve_assignee(t)?;
        let status = match t.get("status").and_then(Value::as_str) {
            Some(s) if STATUSES.contains(&s) => s.to_string(),
            Some(s) => {
                return Err(ApiError::invalid_field(
                    "status",
                    format!("Status: {s} is not valid"),
                    "InvalidValue",
                ));
            }
            None if assignee_id.is_some() => "open".into(),
            None => "new".into(),
        };
        if is_solved(&status) {
            let check_fields = ctx.switches.required_fields_on_solve
                && (!import || ctx.switches.required_fields_on_import);
            self.check_solvable(
                ctx,
                caller,
                form_id,
                &values,
                check_fields,
                &mut assignee_id,
            )?;
        }

        let followup_source_id = match (
            import,
            t.get("via_followup_source_id").and_then(Value::as_i64),
        ) {
            (false, Some(src)) => match self.tickets.get(&src) {
                Some(s) if s.status == "closed" => Some(src),
                _ => {
                    return Err(ApiError::invalid_field(
                        "via_followup_source_id",
                        "Via followup source: must be a closed ticket".into(),
                        "InvalidValue",
                    ));
                }
            },
            _ => None,
        };

        let (created_at, updated_at) = if import {
            let created = opt_time(t.get("created_at"), "created_at", ctx.now)?.unwrap_or(ctx.now);
            let updated = opt_time(t.get("updated_at"), "updated_at", ctx.now)?
                .unwrap_or(created.max(comments.last().map_or(created, |c| c.created_at)));
            (created, updated)
        } else {
            (ctx.now, ctx.now)
        };
        let solved_at = if is_solved(&status) {
            if import {
                opt_time(t.get("solved_at"), "solved_at", ctx.now)?.or(Some(updated_at))
            } else {
                Some(ctx.now)
            }
        } else {
            None
        };

        let id = self.next_ticket_id;
        self.next_ticket_id += 1;
        dedup(&mut tags);
        let ticket = Ticket {
            id,
            subject: t.get("subject").and_then(Value::as_str).map(str::to_string),
            status,
            priority: t
                .get("priority")
                .and_then(Value::as_str)
                .map(str::to_string),
            ticket_type: t.get("type").and_then(Value::as_str).map(str::to_string),
            requester_id,
            submitter_id: caller.id,
            assignee_id,
            group_id: t.get("group_id").and_then(Value::as_i64),
            brand_id: t.get("brand_id").and_then(Value::as_i64),
            ticket_form_id: form_id,
            external_id: t.get("external_id").and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_i64().map(|n| n.to_string()))
            }),
            tags,
            custom_fields: values,
            comments,
            sticky_public,
            created_at,
            updated_at,
            solved_at,
            via,
            followup_source_id,
            followup_ids: vec![],
            written_at: ctx.now,
            indexed_at: ctx.now
                + chrono::Duration::seconds(ctx.switches.search_indexing_delay_secs as i64),
        };
        let mut events: Vec<Value> = ticket
            .comments
            .iter()
            .map(|c| json!({"id": c.id, "type": "Comment", "body": c.body, "public": c.public, "author_id": c.author_id}))
            .collect();
        events.push(json!({"id": id * 10 + 1, "type": "Create", "field_name": "status", "value": ticket.status}));
        if let Some(src) = followup_source_id
            && let Some(s) = self.tickets.get_mut(&src)
        {
            s.followup_ids.push(id);
        }
        let comment_public = ticket.comments.first().map(|c| c.public);
        self.tickets.insert(id, ticket);
        if via == CreatedVia::Api {
            events.extend(triggers::run(
                self,
                ctx,
                id,
                Event {
                    create: true,
                    caller_id: caller.id,
                    comment_public,
                },
            ));
        }
        Ok((id, events))
    }

    fn new_comment(
        &mut self,
        c: &Value,
        author_id: Id,
        public: bool,
        created_at: DateTime<Utc>,
    ) -> Result<Comment, ApiError> {
        let html = c.get("html_body").and_then(Value::as_str);
        let plain = c
            .get("body")
            .or_else(|| c.get("value"))
            .and_then(Value::as_str);
        let (body, html_body) = match (plain, html) {
            (Some(b), _) => (
                b.to_string(),
                format!("<div class=\"zd-comment\"><p>{}</p></div>", escape_html(b)),
            ),
            (None, Some(h)) => (strip_tags(h), h.to_string()),
            (None, None) => {
                return Err(ApiError::invalid_field(
                    "comment",
                    "Comment: body cannot be blank".into(),
                    "BlankValue",
                ));
            }
        };
        let (body, cut_plain) = truncate_bytes(body, MAX_COMMENT_BYTES);
        let (html_body, cut_html) = truncate_bytes(html_body, MAX_COMMENT_BYTES);
        let id = self.next_comment_id;
        self.next_comment_id += 1;
        Ok(Comment {
            id,
            author_id,
            body,
            html_body,
            public,
            created_at,
            truncated: cut_plain || cut_html,
        })
    }

    fn resolve_requester(
        &mut self,
        ctx: &Ctx,
        caller: &User,
        t: &Map<String, Value>,
        import: bool,
    ) -> Result<Id, ApiError> {
        let invalid =
            || ApiError::invalid_field("requester", "Requester: is invalid".into(), "InvalidValue");
        if let Some(id) = t.get("requester_id").filter(|v| !v.is_null()) {
            let id = id.as_i64().ok_or_else(invalid)?;
            return if self.users.contains_key(&id) {
                Ok(id)
            } else {
                Err(invalid())
            };
        }
        let requester = match t.get("requester") {
            Some(r) if !import || ctx.switches.import_accepts_requester_object => r,
            // The import schema has no `requester`: ignored like any unknown attribute,
            // so the ticket silently gets the API user as requester.
            _ => return Ok(caller.id),
        };
        let (email, name) = match requester {
            Value::Number(n) => {
                let id = n.as_i64().ok_or_else(invalid)?;
                return if self.users.contains_key(&id) {
                    Ok(id)
                } else {
                    Err(invalid())
                };
            }
            Value::String(s) => (s.as_str(), None),
            Value::Object(o) => (
                o.get("email").and_then(Value::as_str).unwrap_or(""),
                o.get("name").and_then(Value::as_str),
            ),
            _ => return Err(invalid()),
        };
        if !email.contains('@') {
            return Err(ApiError::invalid_field(
                "requester",
                "Requester: Email is invalid".into(),
                "InvalidValue",
            ));
        }
        if let Some(u) = self.user_by_email(email) {
            return Ok(u.id); // an existing user is reused unchanged
        }
        if !ctx.switches.create_requester_if_missing {
            return Err(invalid());
        }
        Ok(self.create_end_user(ctx, name, email))
    }

    fn resolve_form(
        &self,
        ctx: &Ctx,
        t: &Map<String, Value>,
        import: bool,
    ) -> Result<Option<Id>, ApiError> {
        if !ctx.forms {
            return Ok(None);
        }
        let default = self.forms.iter().find(|f| f.default).map(|f| f.id);
        let requested = t.get("ticket_form_id").filter(|v| !v.is_null());
        match requested {
            Some(_) if import && !ctx.switches.import_accepts_ticket_form_id => Ok(default),
            Some(v) => match v.as_i64().and_then(|id| self.form(id)) {
                Some(f) if f.active => Ok(Some(f.id)),
                _ => Err(ApiError::invalid_field(
                    "ticket_form_id",
                    "Ticket form: is invalid".into(),
                    "InvalidValue",
                )),
            },
            None => Ok(default),
        }
    }

    fn resolve_assignee(&self, t: &Map<String, Value>) -> Result<Option<Id>, ApiError> {
        let by_id = t.get("assignee_id").and_then(Value::as_i64);
        let by_email = t
            .get("assignee_email")
            .and_then(Value::as_str)
            .and_then(|e| self.user_by_email(e))
            .map(|u| u.id);
        match by_id.or(by_email) {
            None => Ok(None),
            Some(id) => match self.users.get(&id) {
                Some(u) if matches!(u.role, Role::Admin | Role::Agent) => Ok(Some(id)),
                _ => Err(ApiError::invalid_field(
                    "assignee_id",
                    "Assignee: is not an agent".into(),
                    "InvalidValue",
                )),
            },
        }
    }

    fn apply_field_defaults(&self, form_id: Option<Id>, values: &mut BTreeMap<Id, Value>) {
        let in_form = |id: Id| {
            form_id
                .and_then(|f| self.form(f))
                .is_none_or(|f| f.field_ids.contains(&id))
        };
        for f in &self.fields {
            if f.active
                && f.field_type == "tagger"
                && in_form(f.id)
                && let Some(o) = f.options.iter().find(|o| o.default)
            {
                values.insert(f.id, json!(o.value));
            }
        }
    }

    /// The rules for moving a ticket to solved: required fields of its form (and conditional
    /// children required on that status), and an assignee (facts §7, §3.1; both unconfirmed).
    fn check_solvable(
        &self,
        ctx: &Ctx,
        caller: &User,
        form_id: Option<Id>,
        values: &BTreeMap<Id, Value>,
        check_fields: bool,
        assignee: &mut Option<Id>,
    ) -> Result<(), ApiError> {
        if check_fields && let Some(form) = form_id.and_then(|id| self.form(id)) {
            let missing = fields::missing_for_status(self, form, values, "solved");
            if !missing.is_empty() {
                return Err(ApiError::record_invalid(json!({"base": missing})));
            }
        }
        if assignee.is_none() {
            match ctx.switches.solve_without_assignee {
                SolveWithoutAssignee::AssignToCurrentUser if caller.role.is_staff() => {
                    *assignee = Some(caller.id)
                }
                SolveWithoutAssignee::Reject => {
                    return Err(ApiError::invalid_field(
                        "assignee",
                        "Assignee: is required when solving a ticket".into(),
                        "BlankValue",
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `PUT /tickets/{id}`. Returns the audit events.
    pub fn update_ticket(
        &mut self,
        ctx: &Ctx,
        caller: &User,
        id: Id,
        input: &Value,
    ) -> Result<Vec<Value>, ApiError> {
        let t = input
            .as_object()
            .ok_or_else(|| ApiError::bad_request("InvalidValue", "ticket must be a JSON object"))?;
        let ticket = self.tickets.get(&id).ok_or_else(ApiError::not_found)?;
        if ticket.status == "closed" {
            return Err(ApiError::record_invalid(
                json!({"status": [{"description": "Status: closed prevents ticket update"}]}),
            ));
        }
        if parse_bool(t.get("safe_update")) == Some(true) {
            let stamp = t.get("updated_stamp").and_then(Value::as_str).unwrap_or("");
            if stamp != ts(ticket.updated_at) {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    json!({"error": "UpdateConflict", "description": "Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again."}),
                ));
            }
        }
        let light = caller.role == Role::LightAgent;
        let comment_in = t.get("comment").filter(|c| c.is_object());
        let explicit_public = comment_in.and_then(|c| parse_bool(c.get("public")));
        if light && (explicit_public == Some(true) || t.contains_key("status")) {
            return Err(ApiError::forbidden());
        }

        let mut ticket = ticket.clone();
        let mut events = Vec::new();
        let change = |field: &str, old: Value, new: Value, events: &mut Vec<Value>| {
            if old != new {
                events.push(json!({"id": id * 100 + events.len() as i64, "type": "Change", "field_name": field, "value": new, "previous_value": old}));
            }
        };
        if let Some(s) = t.get("subject").and_then(Value::as_str) {
            change("subject", json!(ticket.subject), json!(s), &mut events);
            ticket.subject = Some(s.into());
        }
        if let Some(p) = t.get("priority") {
            ticket.priority = p.as_str().map(str::to_string);
        }
        if let Some(p) = t.get("type") {
            ticket.ticket_type = p.as_str().map(str::to_string);
        }
        if let Some(e) = t.get("external_id") {
            ticket.external_id = e.as_str().map(str::to_string);
        }
        if let Some(g) = t.get("group_id") {
            ticket.group_id = g.as_i64();
        }
        if t.contains_key("assignee_id") || t.contains_key("assignee_email") {
            let a = self.resolve_assignee(t)?;
            change(
                "assignee_id",
                json!(ticket.assignee_id),
                json!(a),
                &mut events,
            );
            ticket.assignee_id = a;
        }
        if ctx.forms && t.get("ticket_form_id").is_some_and(|v| !v.is_null()) {
            let form = self.resolve_form(ctx, t, false)?;
            change(
                "ticket_form_id",
                json!(ticket.ticket_form_id),
                json!(form),
                &mut events,
            );
            ticket.ticket_form_id = form;
        }
        if t.contains_key("tags") {
            ticket.tags = string_list(t.get("tags"));
        }
        ticket.tags.extend(string_list(t.get("additional_tags")));
        let remove = string_list(t.get("remove_tags"));
        ticket.tags.retain(|tag| !remove.contains(tag));
        let inputs = t.get("custom_fields").or_else(|| t.get("fields"));
        fields::apply_values(self, ctx.switches, inputs, &mut ticket.custom_fields)?;
        fields::add_field_tags(self, &ticket.custom_fields, &mut ticket.tags);
        dedup(&mut ticket.tags);

        let new_status = match t.get("status").and_then(Value::as_str) {
            Some(s) if STATUSES.contains(&s) => Some(s.to_string()),
            Some(s) => {
                return Err(ApiError::invalid_field(
                    "status",
                    format!("Status: {s} is not valid"),
                    "InvalidValue",
                ));
            }
            None => None,
        };
        if let Some(s) = &new_status {
            if is_solved(s) {
                let mut assignee = ticket.assignee_id;
                self.check_solvable(
                    ctx,
                    caller,
                    ticket.ticket_form_id,
                    &ticket.custom_fields,
                    ctx.switches.required_fields_on_solve,
                    &mut assignee,
                )?;
                ticket.assignee_id = assignee;
                if !is_solved(&ticket.status) {
                    ticket.solved_at = Some(ctx.now);
                }
            }
            change("status", json!(ticket.status), json!(s), &mut events);
            ticket.status = s.clone();
        } else if ticket.status == "new" && ticket.assignee_id.is_some() {
            ticket.status = "open".into();
        }

        let mut comment_public = None;
        if let Some(c) = comment_in {
            // `public` is sticky: a comment without it inherits the last explicit value.
            let public = if light {
                false
            } else {
                explicit_public.unwrap_or(ticket.sticky_public)
            };
            if let Some(p) = explicit_public {
                ticket.sticky_public = p;
            }
            let author_id = c
                .get("author_id")
                .and_then(Value::as_i64)
                .filter(|a| self.users.contains_key(a))
                .unwrap_or(caller.id);
            if ticket.comments.len() >= 5000 {
                return Err(ApiError::invalid_field(
                    "comment",
                    "Comment: maximum number of comments reached".into(),
                    "TooManyComments",
                ));
            }
            let comment = self.new_comment(c, author_id, public, ctx.now)?;
            events.insert(0, json!({"id": comment.id, "type": "Comment", "body": comment.body, "public": public, "author_id": author_id}));
            ticket.comments.push(comment);
            comment_public = Some(public);
        }
        ticket.updated_at = ctx.now;
        ticket.written_at = ctx.now;
        self.tickets.insert(id, ticket);
        events.extend(triggers::run(
            self,
            ctx,
            id,
            Event {
                create: false,
                caller_id: caller.id,
                comment_public,
            },
        ));
        Ok(events)
    }

    // ---------- search ----------

    /// `GET /api/v2/search`: `type:user|ticket`, `email:`, `external_id:`, `status:`, free words.
    /// Only records past their indexing delay are found (facts §5).
    pub fn search(&self, query: &str, now: DateTime<Utc>, base: &str) -> Vec<Value> {
        let mut kind = None;
        let mut filters: Vec<(String, String)> = Vec::new();
        let mut words = Vec::new();
        for token in tokenize(query) {
            match token.split_once(':') {
                Some(("type", v)) => kind = Some(v.to_lowercase()),
                Some((k, v)) => {
                    filters.push((k.to_lowercase(), v.trim_matches('"').to_lowercase()))
                }
                None => words.push(token.trim_matches('"').to_lowercase()),
            }
        }
        let mut out = Vec::new();
        if kind.as_deref().is_none_or(|k| k == "user") {
            for u in self.users.values().filter(|u| u.indexed_at <= now) {
                let email = u.email.clone().unwrap_or_default().to_lowercase();
                let name = u.name.to_lowercase();
                let ok = filters.iter().all(|(k, v)| match k.as_str() {
                    "email" => email == *v,
                    "name" => name.contains(v.as_str()),
                    "role" => u.role.api_role() == v,
                    _ => false,
                }) && words
                    .iter()
                    .all(|w| email.contains(w.as_str()) || name.contains(w.as_str()));
                if ok {
                    let mut j = u.to_json(base);
                    j["result_type"] = json!("user");
                    out.push(j);
                }
            }
        }
        if kind.as_deref().is_none_or(|k| k == "ticket") {
            for t in self.tickets.values().filter(|t| t.indexed_at <= now) {
                let subject = t.subject.clone().unwrap_or_default().to_lowercase();
                let ok = filters.iter().all(|(k, v)| match k.as_str() {
                    "external_id" => {
                        t.external_id.as_deref().map(str::to_lowercase).as_deref()
                            == Some(v.as_str())
                    }
                    "status" => t.status == *v,
                    "requester_id" => t.requester_id.to_string() == *v,
                    _ => false,
                }) && words.iter().all(|w| subject.contains(w.as_str()));
                if ok {
                    let mut j = self.ticket_json(t, base);
                    j["result_type"] = json!("ticket");
                    out.push(j);
                }
            }
        }
        out
    }

    /// `GET /api/v2/users/search?query=`: immediate (no indexing delay), partial matches on
    /// name or e-mail, or `email:x` for an exact e-mail.
    /// Users whose name starts with `name` (case-insensitive), by name: what
    /// `/users/autocomplete` answers.
    pub fn autocomplete_users(&self, name: &str) -> Vec<&User> {
        let q = name.trim().to_lowercase();
        if q.is_empty() {
            return vec![];
        }
        let mut found: Vec<&User> = self
            .users
            .values()
            .filter(|u| u.name.to_lowercase().starts_with(&q))
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        found
    }

    /// Organizations whose name starts with `name` (case-insensitive), by name: what
    /// `/organizations/autocomplete` answers.
    pub fn autocomplete_organizations(&self, name: &str) -> Vec<&(Id, String)> {
        let q = name.trim().to_lowercase();
        let mut found: Vec<&(Id, String)> = self
            .organizations
            .iter()
            .filter(|(_, n)| !q.is_empty() && n.to_lowercase().starts_with(&q))
            .collect();
        found.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        found
    }

    /// Records of custom object `key` whose name starts with `name` (case-insensitive; every
    /// record without a name), by name; None: no such object.
    pub fn autocomplete_custom_object_records(&self, key: &str, name: &str) -> Option<Vec<&(String, String)>> {
        let q = name.trim().to_lowercase();
        let mut found: Vec<&(String, String)> = self
            .custom_object_records
            .get(key)?
            .iter()
            .filter(|(_, n)| n.to_lowercase().starts_with(&q))
            .collect();
        found.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        Some(found)
    }

    pub fn search_users(&self, query: &str) -> Vec<&User> {
        let q = query.trim().trim_matches('"').to_lowercase();
        if let Some(email) = q.strip_prefix("email:") {
            return self
                .user_by_email(email.trim_matches('"'))
                .into_iter()
                .collect();
        }
        if q.is_empty() {
            return vec![];
        }
        self.users
            .values()
            .filter(|u| {
                u.name.to_lowercase().contains(&q)
                    || u.email
                        .as_deref()
                        .is_some_and(|e| e.to_lowercase().contains(&q))
            })
            .collect()
    }
}

/// A duration in whole reported seconds, rounded up, at least 1.
pub fn reported_secs(d: chrono::Duration, second: Duration) -> u64 {
    let ns = d.num_nanoseconds().unwrap_or(i64::MAX).max(0) as u128;
    let unit = second.as_nanos().max(1);
    ns.div_ceil(unit).max(1) as u64
}

pub fn is_solved(status: &str) -> bool {
    matches!(status, "solved" | "closed")
}

fn parse_bool(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

fn parse_time(s: &str, field: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    let t = DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ApiError::invalid_field(field, format!("{field}: is invalid"), "InvalidValue")
        })?;
    if t > now + chrono::Duration::minutes(5) {
        return Err(ApiError::invalid_field(
            field,
            format!("{field}: cannot be in the future"),
            "InvalidValue",
        ));
    }
    // Imported times before 1970 become 1970 (facts §3.4).
    Ok(t.max(DateTime::UNIX_EPOCH))
}

fn opt_time(
    v: Option<&Value>,
    field: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    match v.and_then(Value::as_str) {
        Some(s) => parse_time(s, field, now).map(Some),
        None => Ok(None),
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        _ => vec![],
    }
}

fn dedup(tags: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
}

/// Cuts at a character boundary at or below `max` bytes.
pub fn truncate_bytes(mut s: String, max: usize) -> (String, bool) {
    if s.len() <= max {
        return (s, false);
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    (s, true)
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', "<br>")
}

fn strip_tags(h: &str) -> String {
    let mut out = String::with_capacity(h.len());
    let mut in_tag = false;
    for ch in h.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn tokenize(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in q.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                cur.push(ch);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
