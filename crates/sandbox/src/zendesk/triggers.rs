//! Business rules: the seeded triggers run after every Tickets-API create or update (never
//! after an import), and their notification actions are recorded as e-mails.
//!
//! Only the condition fields the seeded triggers use are understood: `update_type`, `status`,
//! `ticket_is_public`, `comment_is_public`, `assignee_id`. Any other condition never matches.

use super::model::{Email, Id, Role, Ticket, Trigger};
use super::state::{Ctx, ZdState};
use serde_json::{Value, json};

pub struct Event {
    pub create: bool,
    pub caller_id: Id,
    /// The `public` flag of the comment this change added, if any.
    pub comment_public: Option<bool>,
}

/// Runs the active triggers (by position) on a ticket; returns the Notification audit events.
pub fn run(st: &mut ZdState, ctx: &Ctx, ticket_id: Id, ev: Event) -> Vec<Value> {
    let Some(ticket) = st.tickets.get(&ticket_id).cloned() else {
        return vec![];
    };
    let mut triggers: Vec<Trigger> = st.triggers.iter().filter(|t| t.active).cloned().collect();
    triggers.sort_by_key(|t| t.position);
    let mut events = Vec::new();
    for trig in triggers {
        let all = trig.conditions["all"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let any = trig.conditions["any"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let fires = all.iter().all(|c| matches(c, &ticket, &ev))
            && (any.is_empty() || any.iter().any(|c| matches(c, &ticket, &ev)));
        if !fires {
            continue;
        }
        for action in trig.actions.as_array().into_iter().flatten() {
            if action["field"] != "notification_user" {
                continue;
            }
            let target = action["value"][0].as_str().unwrap_or("");
            let recipients: Vec<Id> = match target {
                "requester_id" => vec![ticket.requester_id],
                "assignee_id" => ticket.assignee_id.into_iter().collect(),
                "current_user" => vec![ev.caller_id],
                "all_agents" => st
                    .users
                    .values()
                    .filter(|u| matches!(u.role, Role::Admin | Role::Agent))
                    .map(|u| u.id)
                    .collect(),
                other => other.parse().ok().into_iter().collect(),
            };
            for uid in &recipients {
                st.emails.push(Email {
                    to_user_id: *uid,
                    to: st.users.get(uid).and_then(|u| u.email.clone()),
                    ticket_id,
                    trigger_id: trig.id,
                    trigger_title: trig.title.clone(),
                    sent_at: ctx.now,
                });
            }
            events.push(json!({
                "id": ticket_id * 1000 + trig.id % 1000,
                "type": "Notification",
                "subject": action["value"][1],
                "body": action["value"][2],
                "recipients": recipients,
                "via": {"channel": "rule", "source": {"from": {"id": trig.id, "title": trig.title, "deleted": false}, "rel": "trigger"}},
            }));
        }
    }
    events
}

fn matches(cond: &Value, t: &Ticket, ev: &Event) -> bool {
    let op = cond["operator"].as_str().unwrap_or("is");
    let want = cond["value"].as_str().unwrap_or("");
    let positive = match op {
        "is" | "value" => true,
        "is_not" | "not_value" => false,
        _ => return false,
    };
    let holds = match cond["field"].as_str().unwrap_or("") {
        "update_type" => (want == "Create") == ev.create,
        "status" => t.status == want,
        "ticket_is_public" => (want == "public") == t.is_public(),
        "comment_is_public" => match want {
            "true" => ev.comment_public == Some(true),
            "false" => ev.comment_public == Some(false),
            "not_relevant" => ev.comment_public.is_some(),
            _ => false,
        },
        "assignee_id" if want == "current_user" => {
            // "is_not current_user" must also fail when nobody is assigned.
            return match t.assignee_id {
                None => false,
                Some(a) => (a == ev.caller_id) == positive,
            };
        }
        _ => return false,
    };
    holds == positive
}
