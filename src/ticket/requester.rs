//! Who the ticket is for. The engine looks the visitor's e-mail up in Zendesk (a pure decision
//! cannot), then [`requester_for`] decides; the plan carries the decision, and each renderer
//! says what it needs (an import needs a user id: see [`RequesterChoice::user_to_create`]).

use crate::iadvize::Visitor;
use crate::site::RequesterPolicy;
use crate::zendesk::{Requester, UserUpsert};
use serde::Serialize;
use ts_rs::TS;

/// Why the site's admin user is the requester.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "TicketAdminReason")]
pub enum AdminReason {
    /// The visitor left no (usable) e-mail address.
    NoEmail,
    /// No Zendesk user has the visitor's e-mail and the site's policy is `admin_user`.
    Policy,
}

/// The requester of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export, rename = "TicketRequester")]
pub enum RequesterChoice {
    /// The Zendesk user whose e-mail is the visitor's.
    Existing { user_id: i64 },
    /// No Zendesk user has the visitor's e-mail; the policy is `create_end_user`. The Tickets
    /// API creates the user from the `requester` object; an import cannot (its schema has no
    /// `requester`), so the engine creates it first (`users/create_or_update`) and calls
    /// [`resolved`](RequesterChoice::resolved) with its id.
    NewEndUser { email: String, name: Option<String> },
    /// The site's Zendesk admin user; the private note says why.
    Admin { user_id: i64, reason: AdminReason },
}

/// Decides the requester. `found_user_id` is the id of the Zendesk user whose e-mail is the
/// visitor's (the engine's look-up, compared exactly, case-insensitively), None when there is
/// none or the visitor gave no e-mail; `admin_id` is the site's admin user (the API user).
pub fn requester_for(
    visitor: &Visitor,
    policy: RequesterPolicy,
    found_user_id: Option<i64>,
    admin_id: i64,
) -> RequesterChoice {
    let Some(email) = visitor.usable_email() else {
        return RequesterChoice::Admin {
            user_id: admin_id,
            reason: AdminReason::NoEmail,
        };
    };
    match (found_user_id, policy) {
        (Some(user_id), _) => RequesterChoice::Existing { user_id },
        (None, RequesterPolicy::CreateEndUser) => RequesterChoice::NewEndUser {
            email: email.to_owned(),
            name: visitor
                .full_name()
                .map(|n| super::transcript::one_line(&n).trim().to_owned())
                .filter(|n| !n.is_empty()),
        },
        (None, RequesterPolicy::AdminUser) => RequesterChoice::Admin {
            user_id: admin_id,
            reason: AdminReason::Policy,
        },
    }
}

impl RequesterChoice {
    /// The requester's Zendesk user id, when known now.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            RequesterChoice::Existing { user_id } | RequesterChoice::Admin { user_id, .. } => {
                Some(*user_id)
            }
            RequesterChoice::NewEndUser { .. } => None,
        }
    }

    /// For an import: the end-user the engine must create (or find) first, with no
    /// verification e-mail; None when the requester is already a user.
    pub fn user_to_create(&self) -> Option<UserUpsert> {
        match self {
            RequesterChoice::NewEndUser { email, name } => {
                Some(UserUpsert::end_user(email.clone(), name.clone()))
            }
            _ => None,
        }
    }

    /// The choice once the engine created the new end-user: that user, as an existing one.
    pub fn resolved(self, created_user_id: i64) -> RequesterChoice {
        match self {
            RequesterChoice::NewEndUser { .. } => RequesterChoice::Existing {
                user_id: created_user_id,
            },
            other => other,
        }
    }

    /// For the Tickets API: `(requester_id, requester)`.
    pub(crate) fn for_create(&self) -> (Option<i64>, Option<Requester>) {
        match self {
            RequesterChoice::NewEndUser { email, name } => (
                None,
                Some(match name {
                    Some(name) => Requester::User {
                        name: name.clone(),
                        email: email.clone(),
                        locale_id: None,
                    },
                    None => Requester::Email(email.clone()),
                }),
            ),
            other => (other.user_id(), None),
        }
    }

    /// In words, for the preview and the log.
    pub fn describe(&self) -> String {
        match self {
            RequesterChoice::Existing { user_id } => {
                format!("Zendesk user {user_id}, who has the visitor's e-mail address")
            }
            RequesterChoice::NewEndUser { email, name } => match name {
                Some(name) => format!(
                    "A new end-user, {name} <{email}> (no Zendesk user has this e-mail address yet)"
                ),
                None => {
                    format!("A new end-user, {email} (no Zendesk user has this e-mail address yet)")
                }
            },
            RequesterChoice::Admin { user_id, reason } => format!(
                "The site's Zendesk admin user ({user_id}): {}",
                reason.sentence_tail()
            ),
        }
    }

    /// The sentence the private note carries about the requester, when there is one to say.
    pub fn note_sentence(&self) -> Option<String> {
        match self {
            RequesterChoice::Admin { reason, .. } => Some(format!(
                "The requester is the site's Zendesk admin user because {}.",
                reason.sentence_tail()
            )),
            RequesterChoice::NewEndUser { .. } => Some(
                "The requester is a new end-user made from the visitor's e-mail address."
                    .to_owned(),
            ),
            RequesterChoice::Existing { .. } => None,
        }
    }
}

impl AdminReason {
    fn sentence_tail(self) -> &'static str {
        match self {
            AdminReason::NoEmail => "the visitor left no e-mail address",
            AdminReason::Policy => {
                "no Zendesk user has the visitor's e-mail address and the site's requester policy is to use the admin user"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn visitor(email: Option<&str>, first: Option<&str>, last: Option<&str>) -> Visitor {
        Visitor {
            first_name: first.map(Into::into),
            last_name: last.map(Into::into),
            email: email.map(Into::into),
            country: None,
        }
    }

    #[test]
    fn every_decision() {
        use RequesterPolicy::*;
        let marie = visitor(Some(" marie@example.com "), Some("Marie"), Some("Dupont"));
        for policy in [CreateEndUser, AdminUser] {
            // A matching user wins whatever the policy.
            assert_eq!(
                requester_for(&marie, policy, Some(42), 1),
                RequesterChoice::Existing { user_id: 42 }
            );
            // No e-mail (missing, blank, not an address): the admin, for that reason, even when
            // the engine passed a user by mistake.
            for v in [
                visitor(None, Some("Marie"), None),
                visitor(Some("  "), None, None),
                visitor(Some("n/a"), None, None),
            ] {
                assert_eq!(
                    requester_for(&v, policy, Some(42), 1),
                    RequesterChoice::Admin {
                        user_id: 1,
                        reason: AdminReason::NoEmail
                    }
                );
            }
        }
        assert_eq!(
            requester_for(&marie, CreateEndUser, None, 1),
            RequesterChoice::NewEndUser {
                email: "marie@example.com".into(),
                name: Some("Marie Dupont".into())
            }
        );
        assert_eq!(
            requester_for(
                &visitor(Some("x@y.example"), None, None),
                CreateEndUser,
                None,
                1
            ),
            RequesterChoice::NewEndUser {
                email: "x@y.example".into(),
                name: None
            }
        );
        assert_eq!(
            requester_for(&marie, AdminUser, None, 1),
            RequesterChoice::Admin {
                user_id: 1,
                reason: AdminReason::Policy
            }
        );
    }

    #[test]
    fn what_each_renderer_needs() {
        let new = RequesterChoice::NewEndUser {
            email: "marie@example.com".into(),
            name: Some("Marie Dupont".into()),
        };
        assert_eq!(new.user_id(), None);
        let upsert = new.user_to_create().unwrap();
        assert_eq!(upsert.email, "marie@example.com");
        assert_eq!(upsert.name.as_deref(), Some("Marie Dupont"));
        assert!(upsert.skip_verify_email);
        assert_eq!(
            new.clone().resolved(77),
            RequesterChoice::Existing { user_id: 77 }
        );
        let (id, requester) = new.for_create();
        assert_eq!(id, None);
        assert_eq!(
            serde_json::to_value(requester).unwrap(),
            json!({"name": "Marie Dupont", "email": "marie@example.com"})
        );
        let nameless = RequesterChoice::NewEndUser {
            email: "a@b.example".into(),
            name: None,
        };
        assert_eq!(
            nameless.for_create().1,
            Some(Requester::Email("a@b.example".into()))
        );
        let admin = RequesterChoice::Admin {
            user_id: 1,
            reason: AdminReason::NoEmail,
        };
        assert_eq!(admin.user_to_create(), None);
        assert_eq!(admin.clone().resolved(5), admin);
        assert_eq!(admin.for_create(), (Some(1), None));
        assert!(
            admin
                .note_sentence()
                .unwrap()
                .contains("left no e-mail address")
        );
        assert!(
            RequesterChoice::Existing { user_id: 3 }
                .note_sentence()
                .is_none()
        );
        assert_eq!(
            serde_json::to_value(&admin).unwrap(),
            json!({"kind": "admin", "user_id": 1, "reason": "no_email"})
        );
    }
}
