//! The typed calls: users, tickets, imports and jobs, forms, fields, triggers.

use super::client::{Call, ZendeskClient, poll_interval};
use super::error::{ForbiddenReason, ZendeskError};
use super::model::{CustomObjectRecord, Organization, 
    CreatedTicket, IdempotencyLookup, JobStatus, PlanFeature, Ticket, TicketField, TicketForm,
    Trigger, UpdatedTicket, Upsert, User,
};
use super::requests::{
    MAX_BATCH, NewTicket, NewUser, TicketImport, TicketUpdate, UserUpsert, create_many_body,
    create_ticket_body, import_many_body, import_ticket_body, update_ticket_body, user_upsert_body,
    users_create_many_body,
};
use super::retry::Replay;
use super::stats::EndpointKind as K;
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct UserEnvelope {
    user: User,
}

#[derive(Deserialize)]
struct TicketEnvelope {
    ticket: Ticket,
    #[serde(default)]
    audit: Option<Value>,
}

#[derive(Deserialize)]
struct JobEnvelope {
    job_status: JobStatus,
}

#[derive(Deserialize)]
struct JobsEnvelope {
    #[serde(default)]
    job_statuses: Vec<JobStatus>,
}

#[derive(Deserialize)]
struct UsersEnvelope {
    #[serde(default)]
    users: Vec<User>,
}

#[derive(Deserialize)]
struct CustomObjectRecordsEnvelope {
    #[serde(default)]
    custom_object_records: Vec<CustomObjectRecord>,
}

#[derive(Deserialize)]
struct OrganizationsEnvelope {
    #[serde(default)]
    organizations: Vec<Organization>,
}

#[derive(Deserialize)]
struct FormEnvelope {
    ticket_form: TicketForm,
}

/// Checked before sending: Zendesk takes 1 to 100 `items` (tickets, users) per bulk call.
fn batch_size(n: usize, items: &str) -> Result<(), ZendeskError> {
    if n == 0 || n > MAX_BATCH {
        return Err(ZendeskError::BadRequest {
            zendesk: format!("a batch holds 1 to {MAX_BATCH} {items}, not {n}"),
        });
    }
    Ok(())
}

/// Job ids are hex strings; anything else would not make a safe path segment.
fn job_id_ok(id: &str) -> Result<(), ZendeskError> {
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ZendeskError::BadRequest {
            zendesk: format!("\"{id}\" is not a job status id"),
        });
    }
    Ok(())
}

impl ZendeskClient {
    // ------------------------------------------------------------ users

    /// `GET /api/v2/users/me`. Zendesk answers 200 with the anonymous user (`id: null`) when
    /// the credentials are not accepted: check [`User::access`] (anonymous, end-user, light
    /// agent, agent, admin), never the status alone.
    pub async fn me(&self) -> Result<User, ZendeskError> {
        let env: UserEnvelope = self
            .get_json(Call::get(
                K::UsersMe,
                "/api/v2/users/me",
                "the signed-in user",
            ))
            .await?;
        Ok(env.user)
    }

    /// The user whose e-mail is exactly `email` (case-insensitive), via
    /// `/users/search?query=email:...` (no indexing delay, unlike `/search`).
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, ZendeskError> {
        let email = email.trim();
        if email.is_empty() {
            return Ok(None);
        }
        let env: UsersEnvelope = self
            .get_json(
                Call::get(K::UsersSearch, "/api/v2/users/search", "users")
                    .query("query", format!("email:{email}"))
                    .query("per_page", "100"),
            )
            .await?;
        Ok(env.users.into_iter().find(|u| u.has_email(email)))
    }

    /// Users whose name starts with `name`, for a lookup field's search:
    /// `GET /api/v2/users/autocomplete?name=&field_id=&source=zen:ticket` (Zendesk applies the
    /// field's own filter). At most `limit` (1..=100) users.
    pub async fn autocomplete_users(&self, name: &str, field_id: i64, limit: u32) -> Result<Vec<User>, ZendeskError> {
        let env: UsersEnvelope = self
            .get_json(
                Call::get(K::UsersAutocomplete, "/api/v2/users/autocomplete", "users")
                    .query("name", name.trim())
                    .query("field_id", field_id.to_string())
                    .query("source", "zen:ticket")
                    .query("per_page", limit.clamp(1, 100).to_string()),
            )
            .await?;
        Ok(env.users)
    }

    /// Organizations whose name starts with `name`, for a lookup field's search:
    /// `GET /api/v2/organizations/autocomplete?name=&field_id=&source=zen:ticket` (one page).
    pub async fn autocomplete_organizations(&self, name: &str, field_id: i64) -> Result<Vec<Organization>, ZendeskError> {
        let env: OrganizationsEnvelope = self
            .get_json(
                Call::get(K::OrganizationsAutocomplete, "/api/v2/organizations/autocomplete", "organizations")
                    .query("name", name.trim())
                    .query("field_id", field_id.to_string())
                    .query("source", "zen:ticket"),
            )
            .await?;
        Ok(env.organizations)
    }

    /// Records of custom object `key` whose name matches `name`, for a lookup field's search:
    /// `GET /api/v2/custom_objects/{key}/records/autocomplete?name=&field_id=&source=zen:ticket`
    /// (one page of at most `limit`, 1..=100).
    pub async fn autocomplete_custom_object_records(&self, key: &str, name: &str, field_id: i64, limit: u32) -> Result<Vec<CustomObjectRecord>, ZendeskError> {
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return Err(ZendeskError::BadRequest {
                zendesk: format!("\"{key}\" is not a custom object key"),
            });
        }
        let env: CustomObjectRecordsEnvelope = self
            .get_json(
                Call::get(
                    K::CustomObjectRecordsAutocomplete,
                    format!("/api/v2/custom_objects/{key}/records/autocomplete"),
                    "custom object records",
                )
                .query("name", name.trim())
                .query("field_id", field_id.to_string())
                .query("source", "zen:ticket")
                .query("page[size]", limit.clamp(1, 100).to_string()),
            )
            .await?;
        Ok(env.custom_object_records)
    }

    /// `GET /api/v2/users/show_many?ids=` in batches of 100. Unknown ids are left out.
    pub async fn users_show_many(&self, ids: &[i64]) -> Result<Vec<User>, ZendeskError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(100) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let env: UsersEnvelope = self
                .get_json(
                    Call::get(K::UsersShowMany, "/api/v2/users/show_many", "users")
                        .query("ids", list),
                )
                .await?;
            out.extend(env.users);
        }
        Ok(out)
    }

    /// `POST /api/v2/users/create_or_update` (admin): the existing user with that e-mail, or a
    /// new end-user. Safe to repeat (matched by e-mail). Zendesk limits it to 5 per minute per
    /// user and 1 per second per account: look users up first.
    pub async fn create_or_update_user(
        &self,
        user: &UserUpsert,
    ) -> Result<(User, Upsert), ZendeskError> {
        let reply = self
            .execute(Call::write(
                K::UsersCreateOrUpdate,
                Method::POST,
                "/api/v2/users/create_or_update",
                user_upsert_body(user),
                Replay::Safe,
                "create or update a user",
            ))
            .await?;
        let env: UserEnvelope = reply.json("the user")?;
        let how = if reply.status == 201 {
            Upsert::Created
        } else {
            Upsert::Existing
        };
        Ok((env.user, how))
    }

    /// `POST /api/v2/users/create_many` (1 to 100 users, checked before sending; admins, or
    /// agents in a custom role allowed to manage end users): a background job that creates
    /// the users, counted in Zendesk's job limit (`zendesk.too_many_jobs` past 30). Wait for it
    /// with [`wait_for_job`](Self::wait_for_job), then read
    /// [`outcome_by_index`](JobStatus::outcome_by_index)`(users.len())`: `Created { id }` per
    /// user, or `Failed`. What Zendesk does with an e-mail that already belongs to a user is
    /// not documented: the item may fail ([`JobResult::is_email_taken`]: look the user up with
    /// [`find_user_by_email`](Self::find_user_by_email)) or report that user's id as created,
    /// so a `Created` id is the user with that e-mail, not necessarily a new one.
    ///
    /// Zendesk answers 403 (`zendesk.forbidden`) until bulk user imports are enabled on the
    /// account (its owner asks Zendesk Support). **Not idempotent**: after an error whose
    /// `is_uncertain()` is true the users may exist; look them up by e-mail before sending
    /// them again.
    ///
    /// Takes [`NewUser`]s or [`UserUpsert`]s (end-users; a missing name becomes the e-mail's
    /// local part, since Zendesk requires one), owned or borrowed.
    pub async fn create_many_users<U>(&self, users: &[U]) -> Result<JobStatus, ZendeskError>
    where
        U: Clone + Into<NewUser>,
    {
        batch_size(users.len(), "users")?;
        let users: Vec<NewUser> = users.iter().cloned().map(Into::into).collect();
        let env: JobEnvelope = self
            .execute(Call::write(
                K::UsersCreateMany,
                Method::POST,
                "/api/v2/users/create_many",
                users_create_many_body(&users),
                Replay::Unsafe,
                "create users in bulk (bulk user imports must be enabled by Zendesk Support)",
            ))
            .await?
            .json("the job status")?;
        Ok(env.job_status)
    }

    // ------------------------------------------------------------ tickets

    /// `POST /api/v2/tickets` with `Idempotency-Key: key`. Keep the key with the record it
    /// belongs to and reuse it on every retry: the same key and body within two hours answer
    /// the first ticket again (`idempotency: Hit`) instead of creating another. Timeouts and
    /// dropped connections are retried with the same key. Triggers run (customers may be
    /// e-mailed); see [`import_ticket`](Self::import_ticket) for silent historical tickets.
    pub async fn create_ticket(
        &self,
        ticket: &NewTicket,
        idempotency_key: &str,
    ) -> Result<CreatedTicket, ZendeskError> {
        let key = idempotency_key.trim();
        if key.is_empty() || key.len() > 255 || !key.is_ascii() {
            return Err(ZendeskError::BadRequest {
                zendesk: "the idempotency key must be 1 to 255 ASCII characters".into(),
            });
        }
        let mut call = Call::write(
            K::TicketCreate,
            Method::POST,
            "/api/v2/tickets",
            create_ticket_body(ticket),
            Replay::Safe,
            "create a ticket",
        );
        call.idempotency_key = Some(key.to_string());
        call.ticket_id = ticket.via_followup_source_id;
        let reply = self.execute(call).await?;
        let env: TicketEnvelope = reply.json("the new ticket")?;
        let idempotency = match reply.header("x-idempotency-lookup") {
            Some(v) if v.eq_ignore_ascii_case("hit") => IdempotencyLookup::Hit,
            Some(v) if v.eq_ignore_ascii_case("miss") => IdempotencyLookup::Miss,
            _ => IdempotencyLookup::Unknown,
        };
        Ok(CreatedTicket {
            ticket: env.ticket,
            audit: env.audit,
            idempotency,
        })
    }

    /// A follow-up of a closed ticket (`via_followup_source_id`), created like
    /// [`create_ticket`](Self::create_ticket).
    pub async fn create_followup(
        &self,
        closed_ticket_id: i64,
        ticket: &NewTicket,
        idempotency_key: &str,
    ) -> Result<CreatedTicket, ZendeskError> {
        let ticket = NewTicket {
            via_followup_source_id: Some(closed_ticket_id),
            ..ticket.clone()
        };
        self.create_ticket(&ticket, idempotency_key).await
    }

    pub async fn show_ticket(&self, id: i64) -> Result<Ticket, ZendeskError> {
        let env: TicketEnvelope = self
            .get_json(Call::get(
                K::TicketShow,
                format!("/api/v2/tickets/{id}"),
                format!("ticket {id}"),
            ))
            .await?;
        Ok(env.ticket)
    }

    /// `PUT /api/v2/tickets/{id}`. A closed ticket answers `zendesk.closed_ticket` (make a
    /// follow-up). An update that adds a comment is not retried after an uncertain outcome
    /// (it would add the comment twice): read the ticket's comments before sending it again.
    pub async fn update_ticket(
        &self,
        id: i64,
        update: &TicketUpdate,
    ) -> Result<UpdatedTicket, ZendeskError> {
        let replay = if update.adds_comment() {
            Replay::Unsafe
        } else {
            Replay::Safe
        };
        let mut call = Call::write(
            K::TicketUpdate,
            Method::PUT,
            format!("/api/v2/tickets/{id}"),
            update_ticket_body(update),
            replay,
            format!("ticket {id}"),
        );
        call.ticket_id = Some(id);
        let env: TicketEnvelope = self.execute(call).await?.json("the updated ticket")?;
        Ok(UpdatedTicket {
            ticket: env.ticket,
            audit: env.audit,
        })
    }

    /// Every ticket with this `external_id` (Zendesk does not keep them unique), all pages.
    /// Not search-based, so no indexing delay: the look-up after an uncertain outcome.
    pub async fn tickets_by_external_id(
        &self,
        external_id: &str,
    ) -> Result<Vec<Ticket>, ZendeskError> {
        self.all_pages(
            Call::get(K::TicketsByExternalId, "/api/v2/tickets", "tickets")
                .query("external_id", external_id),
            "tickets",
        )
        .await
    }

    /// Every comment of a ticket, oldest first, all pages.
    pub async fn ticket_comments(
        &self,
        id: i64,
    ) -> Result<Vec<super::model::Comment>, ZendeskError> {
        self.all_pages(
            Call::get(
                K::TicketComments,
                format!("/api/v2/tickets/{id}/comments"),
                format!("ticket {id}"),
            ),
            "comments",
        )
        .await
    }

    // ------------------------------------------------------------ imports and jobs

    /// `POST /api/v2/imports/tickets` (admin): the ticket keeps the given timestamps and no
    /// trigger runs unless it is imported closed. **No idempotency**: after an error whose
    /// `is_uncertain()` is true, look the ticket up by `external_id` before importing again.
    pub async fn import_ticket(&self, ticket: &TicketImport) -> Result<Ticket, ZendeskError> {
        let env: TicketEnvelope = self
            .execute(Call::write(
                K::TicketImport,
                Method::POST,
                "/api/v2/imports/tickets",
                import_ticket_body(ticket),
                Replay::Unsafe,
                "import tickets",
            ))
            .await?
            .json("the imported ticket")?;
        Ok(env.ticket)
    }

    /// `POST /api/v2/imports/tickets/create_many` (1 to 100 tickets, admin): a background
    /// job; wait for it with [`wait_for_job`](Self::wait_for_job), then read each ticket's id
    /// (or failure) by index. Same uncertainty rule as [`import_ticket`](Self::import_ticket).
    pub async fn import_tickets(
        &self,
        tickets: &[TicketImport],
    ) -> Result<JobStatus, ZendeskError> {
        batch_size(tickets.len(), "tickets")?;
        let env: JobEnvelope = self
            .execute(Call::write(
                K::TicketImportMany,
                Method::POST,
                "/api/v2/imports/tickets/create_many",
                import_many_body(tickets),
                Replay::Unsafe,
                "import tickets",
            ))
            .await?
            .json("the job status")?;
        Ok(env.job_status)
    }

    /// `POST /api/v2/tickets/create_many` (1 to 100, through the Tickets API: triggers run).
    pub async fn create_many_tickets(
        &self,
        tickets: &[NewTicket],
    ) -> Result<JobStatus, ZendeskError> {
        batch_size(tickets.len(), "tickets")?;
        let env: JobEnvelope = self
            .execute(Call::write(
                K::TicketsCreateMany,
                Method::POST,
                "/api/v2/tickets/create_many",
                create_many_body(tickets),
                Replay::Unsafe,
                "create tickets",
            ))
            .await?
            .json("the job status")?;
        Ok(env.job_status)
    }

    pub async fn job_status(&self, id: &str) -> Result<JobStatus, ZendeskError> {
        job_id_ok(id)?;
        let env: JobEnvelope = self
            .get_json(Call::get(
                K::JobStatus,
                format!("/api/v2/job_statuses/{id}"),
                format!("job status {id}"),
            ))
            .await?;
        Ok(env.job_status)
    }

    /// The account's most recent background jobs (`GET /api/v2/job_statuses`, first page, newest
    /// first): after a crash, whether a job sent before it may still be writing tickets.
    pub async fn recent_jobs(&self) -> Result<Vec<JobStatus>, ZendeskError> {
        let env: JobsEnvelope = self
            .get_json(Call::get(K::JobStatus, "/api/v2/job_statuses", "recent job statuses"))
            .await?;
        Ok(env.job_statuses)
    }

    /// `GET /api/v2/job_statuses/show_many?ids=` in batches of 100 (unknown ids left out).
    pub async fn job_statuses(&self, ids: &[String]) -> Result<Vec<JobStatus>, ZendeskError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(100) {
            for id in chunk {
                job_id_ok(id)?;
            }
            let env: JobsEnvelope = self
                .get_json(
                    Call::get(
                        K::JobStatusesShowMany,
                        "/api/v2/job_statuses/show_many",
                        "job statuses",
                    )
                    .query("ids", chunk.join(",")),
                )
                .await?;
            out.extend(env.job_statuses);
        }
        Ok(out)
    }

    /// Polls a job every `job_poll_interval` until it is completed, failed or killed; after
    /// `job_wait_timeout`, `zendesk.job_pending` (poll it again later: jobs are kept a day).
    pub async fn wait_for_job(&self, id: &str) -> Result<JobStatus, ZendeskError> {
        let timer = self.inner.config.timer.clone();
        let started = timer.now();
        let mut polls = 0;
        loop {
            let job = self.job_status(id).await?;
            if job.is_final() {
                return Ok(job);
            }
            self.pause_before_next_poll(started, id, polls).await?;
            polls += 1;
        }
    }

    /// Polls several jobs together (`show_many`) until all are final; answers in the order of
    /// `ids`. A job Zendesk no longer knows answers `zendesk.not_found`.
    pub async fn wait_for_jobs(&self, ids: &[String]) -> Result<Vec<JobStatus>, ZendeskError> {
        let timer = self.inner.config.timer.clone();
        let started = timer.now();
        let mut done: std::collections::HashMap<String, JobStatus> = Default::default();
        let mut polls = 0;
        loop {
            let pending: Vec<String> = ids
                .iter()
                .filter(|i| !done.contains_key(*i))
                .cloned()
                .collect();
            if pending.is_empty() {
                return Ok(ids.iter().map(|i| done[i].clone()).collect());
            }
            let jobs = self.job_statuses(&pending).await?;
            for id in &pending {
                if !jobs.iter().any(|j| &j.id == id) {
                    return Err(ZendeskError::NotFound {
                        what: format!("job status {id}"),
                    });
                }
            }
            for job in jobs.into_iter().filter(|j| j.is_final()) {
                done.insert(job.id.clone(), job);
            }
            if done.len() < ids.len() {
                self.pause_before_next_poll(started, &pending[0], polls).await?;
                polls += 1;
            }
        }
    }

    /// Waits before polling a job again: short at first (most jobs finish within a second or
    /// two), doubling up to `job_poll_interval`.
    async fn pause_before_next_poll(
        &self,
        started: tokio::time::Instant,
        id: &str,
        polls: u32,
    ) -> Result<(), ZendeskError> {
        let timer = &self.inner.config.timer;
        let first = self.inner.config.job_poll_first;
        let interval = first
            .saturating_mul(1u32 << polls.min(8))
            .min(poll_interval(self));
        let elapsed = timer.now().saturating_duration_since(started);
        if elapsed + interval > self.inner.config.job_wait_timeout {
            return Err(ZendeskError::JobPending {
                job_id: id.to_string(),
            });
        }
        timer.sleep(interval).await;
        Ok(())
    }

    // ------------------------------------------------------------ forms, fields, triggers

    /// Every ticket form (active and inactive), or `NotOnPlan` when Zendesk answers 403
    /// (forms exist on Suite Growth and above). A 403 for a missing OAuth scope stays an error.
    pub async fn ticket_forms(&self) -> Result<PlanFeature<Vec<TicketForm>>, ZendeskError> {
        let result = self
            .all_pages(
                Call::get(K::TicketForms, "/api/v2/ticket_forms", "the ticket forms"),
                "ticket_forms",
            )
            .await;
        plan_gated(result)
    }

    /// One form, `NotOnPlan` as for [`ticket_forms`](Self::ticket_forms), 404 `zendesk.not_found`.
    pub async fn ticket_form(&self, id: i64) -> Result<PlanFeature<TicketForm>, ZendeskError> {
        let result = self
            .get_json::<FormEnvelope>(Call::get(
                K::TicketForm,
                format!("/api/v2/ticket_forms/{id}"),
                format!("ticket form {id}"),
            ))
            .await
            .map(|e| e.ticket_form);
        plan_gated(result)
    }

    /// Every ticket field, system and custom, active or not (cursor pages of 100).
    pub async fn ticket_fields(&self) -> Result<Vec<TicketField>, ZendeskError> {
        self.all_pages(
            Call::get(
                K::TicketFields,
                "/api/v2/ticket_fields",
                "the ticket fields",
            ),
            "ticket_fields",
        )
        .await
    }

    /// `GET /api/v2/triggers/active`, all pages (for the pre-flight check: which triggers
    /// would e-mail a requester on create).
    pub async fn active_triggers(&self) -> Result<Vec<Trigger>, ZendeskError> {
        self.all_pages(
            Call::get(K::TriggersActive, "/api/v2/triggers/active", "the triggers"),
            "triggers",
        )
        .await
    }
}

fn plan_gated<T>(result: Result<T, ZendeskError>) -> Result<PlanFeature<T>, ZendeskError> {
    match result {
        Ok(t) => Ok(PlanFeature::Available(t)),
        Err(ZendeskError::Forbidden {
            reason: ForbiddenReason::Permission,
            ..
        }) => Ok(PlanFeature::NotOnPlan),
        Err(e) => Err(e),
    }
}
