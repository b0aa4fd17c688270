//! A [`TicketPlan`] as the request bodies of each delivery mode: one `TicketImport` (import
//! mode, `imports/tickets` or an item of `imports/tickets/create_many`), or a `NewTicket` and
//! its follow-up updates (create mode: the Tickets API takes one comment per request).

use super::{TicketError, TicketPlan};
use crate::zendesk::{ImportComment, NewComment, NewTicket, TicketImport, TicketUpdate};
use chrono::{DateTime, Utc};

/// Create mode: send `ticket` (`POST /api/v2/tickets`, with an `Idempotency-Key`), then each
/// of `updates` in order (`PUT /api/v2/tickets/{id}`). An update adds a comment, so it is not
/// idempotent: the engine records each one sent.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSteps {
    pub ticket: NewTicket,
    pub updates: Vec<TicketUpdate>,
}

impl CreateSteps {
    /// Requests this ticket costs.
    pub fn requests(&self) -> usize {
        1 + self.updates.len()
    }
}

/// One comment, whatever the mode.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlannedComment {
    pub html: String,
    pub text: String,
    pub public: bool,
    pub at: DateTime<Utc>,
    pub role: super::CommentRole,
    pub number: usize,
    pub total: usize,
}

impl TicketPlan {
    /// Every comment in the order sent: the transcript's parts (public), then the note's
    /// (private), each with the time an import gives it.
    pub(crate) fn comments(&self) -> Vec<PlannedComment> {
        let clamp = |t: DateTime<Utc>| t.clamp(self.created_at, self.closed_at);
        let mut out: Vec<PlannedComment> = self
            .transcript
            .parts
            .iter()
            .map(|p| PlannedComment {
                html: p.html.clone(),
                text: p.text.clone(),
                public: true,
                at: if p.number == 1 {
                    self.created_at
                } else {
                    clamp(p.first_message_at.unwrap_or(self.created_at))
                },
                role: super::CommentRole::Transcript,
                number: p.number,
                total: p.total,
            })
            .collect();
        out.extend(self.note.for_zendesk().into_iter().map(|p| PlannedComment {
            html: p.html,
            text: p.text,
            public: false,
            at: self.closed_at,
            role: super::CommentRole::Note,
            number: p.number,
            total: p.total,
        }));
        out
    }

    fn custom_fields(&self) -> Vec<crate::zendesk::CustomFieldValue> {
        self.fields.iter().map(|f| f.to_value()).collect()
    }

    /// The import body. Needs the requester's user id: a new end-user must be created first
    /// ([`RequesterChoice::user_to_create`](super::RequesterChoice::user_to_create), then
    /// [`with_created_requester`](TicketPlan::with_created_requester)).
    pub fn to_import(&self) -> Result<TicketImport, TicketError> {
        let requester_id = match &self.requester {
            super::RequesterChoice::NewEndUser { email, .. } => {
                return Err(TicketError::RequesterNotCreated {
                    email: email.clone(),
                });
            }
            other => other.user_id(),
        };
        let comments = self
            .comments()
            .into_iter()
            .map(|c| {
                let comment = ImportComment::html(c.html, c.public).at(c.at);
                match self.comment_author_id {
                    Some(id) => comment.by(id),
                    None => comment,
                }
            })
            .collect();
        let solved = self.status == Some(crate::zendesk::TicketStatus::Solved);
        Ok(TicketImport {
            subject: Some(self.subject.clone()),
            comments,
            requester_id,
            assignee_id: self.assignee_id,
            group_id: None,
            brand_id: None,
            ticket_form_id: self.form_id,
            status: self.status,
            priority: None,
            external_id: Some(self.external_id.clone()),
            tags: self.tags.clone(),
            custom_fields: self.custom_fields(),
            created_at: Some(self.created_at),
            updated_at: Some(self.closed_at),
            solved_at: solved.then_some(self.closed_at),
        })
    }

    /// The create body and its follow-up updates.
    pub fn to_create(&self) -> CreateSteps {
        let (requester_id, requester) = self.requester.for_create();
        let mut comments = self.comments().into_iter().map(|c| {
            let comment = NewComment::html(c.html, c.public);
            match self.comment_author_id {
                Some(id) => comment.by(id),
                None => comment,
            }
        });
        let first = comments.next();
        let updates = comments
            .map(|comment| TicketUpdate {
                comment: Some(comment),
                ..TicketUpdate::default()
            })
            .collect();
        CreateSteps {
            ticket: NewTicket {
                subject: Some(self.subject.clone()),
                comment: first,
                requester_id,
                requester,
                submitter_id: None,
                assignee_id: self.assignee_id,
                group_id: None,
                brand_id: None,
                ticket_form_id: self.form_id,
                status: self.status,
                priority: None,
                ticket_type: None,
                external_id: Some(self.external_id.clone()),
                tags: self.tags.clone(),
                custom_fields: self.custom_fields(),
                via_followup_source_id: None,
            },
            updates,
        }
    }
}
