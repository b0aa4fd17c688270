//! The Zendesk account every sandbox starts with: staff users with tokens, end-users (some
//! sharing e-mails with iAdvize visitors), every field type, several forms and the default
//! triggers. Ids look like Zendesk's (large integers) so clients cannot assume small ones.

use super::model::*;
use super::state::ZdState;
use crate::credentials::*;
use crate::seed::{VISITORS_PER_PLATFORM, visitor_email, visitor_name};
use chrono::{DateTime, Utc};
use serde_json::json;

pub const ADMIN_ID: Id = 361_000_001;
pub const AGENT_ID: Id = 361_000_002;
pub const LIGHT_AGENT_ID: Id = 361_000_003;
pub const SECOND_AGENT_ID: Id = 361_000_004;

/// Custom field ids the tests and the demo refer to.
pub mod field_ids {
    use super::Id;
    pub const IADVIZE_AGENT: Id = 360_000_101;
    pub const IADVIZE_COUNTRY: Id = 360_000_102;
    pub const IADVIZE_CAMPAIGN: Id = 360_000_103;
    pub const SUMMARY: Id = 360_000_104;
    pub const REFUND_REQUESTED: Id = 360_000_105;
    pub const FOLLOW_UP_DATE: Id = 360_000_106;
    pub const ORDER_NUMBER: Id = 360_000_107;
    pub const REFUND_AMOUNT: Id = 360_000_108;
    pub const CUSTOMER_REFERENCE: Id = 360_000_109;
    pub const CONTACT_REASON: Id = 360_000_110;
    pub const PRODUCTS: Id = 360_000_111;
    pub const RELATED_AGENT: Id = 360_000_112;
    pub const CARD: Id = 360_000_113;
    pub const ESCALATION_LEVEL: Id = 360_000_114;
    pub const INTERNAL_CODE: Id = 360_000_115;
}

/// Ticket form ids.
pub mod form_ids {
    use super::Id;
    /// The account's default form: one required field, which has a default.
    pub const DEFAULT: Id = 360_100_001;
    /// Escalations: the three iAdvize text fields, a conditional required field.
    pub const ESCALATION: Id = 360_100_002;
    /// Auto-save archive: nothing required, fine for solving.
    pub const ARCHIVE: Id = 360_100_003;
    /// A required tagger without a default: solving without it answers 422.
    pub const COMPLAINT: Id = 360_100_004;
    pub const RETIRED: Id = 360_100_005;
}

/// How many filler text fields make the field list need several pages of 100.
pub const FILLER_FIELDS: usize = 100;

pub(crate) fn seed(st: &mut ZdState, now: DateTime<Utc>, end_users: &[(String, String)]) {
    let long_ago = now - chrono::Duration::days(400);
    let staff = [
        (
            ADMIN_ID,
            "Ada Admin",
            ZENDESK_ADMIN_EMAIL,
            Role::Admin,
            ZENDESK_API_TOKEN,
        ),
        (
            AGENT_ID,
            "Alex Agent",
            ZENDESK_AGENT_EMAIL,
            Role::Agent,
            ZENDESK_AGENT_API_TOKEN,
        ),
        (
            LIGHT_AGENT_ID,
            "Lee Light",
            ZENDESK_LIGHT_AGENT_EMAIL,
            Role::LightAgent,
            ZENDESK_LIGHT_AGENT_API_TOKEN,
        ),
        (
            SECOND_AGENT_ID,
            "Sam Second",
            "second.agent@sandbox.example",
            Role::Agent,
            ZENDESK_AGENT_API_TOKEN,
        ),
    ];
    for (id, name, email, role, token) in staff {
        st.insert_user(User {
            id,
            name: name.into(),
            email: Some(email.into()),
            role,
            api_token: Some(token.into()),
            verified: true,
            created_at: long_ago,
            updated_at: long_ago,
            indexed_at: long_ago,
        });
    }
    // End-users: every third iAdvize visitor with an e-mail already exists in Zendesk.
    let mut next = 362_000_001;
    for platform in ["ha", "sd"] {
        for n in 0..VISITORS_PER_PLATFORM {
            if let Some(email) = visitor_email(platform, n)
                && n % 3 == 0
            {
                st.insert_user(User {
                    id: next,
                    name: visitor_name(platform, n),
                    email: Some(email),
                    role: Role::EndUser,
                    api_token: None,
                    verified: true,
                    created_at: long_ago,
                    updated_at: long_ago,
                    indexed_at: long_ago,
                });
                next += 1;
            }
        }
    }
    // Unique visitors whose e-mail Zendesk already knows (VisitorMix::Unique).
    for (id, (name, email)) in (362_100_001..).zip(end_users) {
        st.insert_user(User {
            id,
            name: name.clone(),
            email: Some(email.clone()),
            role: Role::EndUser,
            api_token: None,
            verified: true,
            created_at: long_ago,
            updated_at: long_ago,
            indexed_at: long_ago,
        });
    }
    st.next_user_id = 363_000_001;
    st.organizations = [
        "Maison Dupont",
        "Maison Durand",
        "Atelier Martin",
        "Acme Retail",
    ]
    .iter()
    .enumerate()
    .map(|(i, name)| (364_000_001 + i as Id, (*name).to_owned()))
    .collect();
    st.custom_object_records.insert(
        "order".into(),
        (1..=5)
            .map(|n| (format!("01JD0RDER00000000000000{n:03}"), format!("Order {}", 1000 + n)))
            .chain([("01JD0RDER00000000000000900".to_owned(), "Return 2001".to_owned())])
            .collect(),
    );

    seed_fields(st, long_ago);
    seed_forms(st, long_ago);
    seed_triggers(st, long_ago);
}

fn field(id: Id, ty: &str, title: &str, position: i64, created_at: DateTime<Utc>) -> Field {
    Field {
        id,
        field_type: ty.into(),
        title: title.into(),
        description: String::new(),
        active: true,
        required: false,
        removable: true,
        position,
        regexp: None,
        tag: None,
        options: vec![],
        created_at,
    }
}

fn options(base_id: Id, values: &[(&str, &str)], default: Option<&str>) -> Vec<FieldOption> {
    values
        .iter()
        .enumerate()
        .map(|(i, (name, value))| FieldOption {
            id: base_id + i as Id,
            name: (*name).into(),
            value: (*value).into(),
            default: default == Some(*value),
        })
        .collect()
}

fn seed_fields(st: &mut ZdState, at: DateTime<Utc>) {
    use field_ids::*;
    let system = [
        (360_000_001, "subject", "Subject"),
        (360_000_002, "description", "Description"),
        (360_000_003, "status", "Status"),
        (360_000_004, "tickettype", "Type"),
        (360_000_005, "priority", "Priority"),
        (360_000_006, "group", "Group"),
        (360_000_007, "assignee", "Assignee"),
        (360_000_008, "custom_status", "Ticket status"),
    ];
    for (i, (id, ty, title)) in system.into_iter().enumerate() {
        let mut f = field(id, ty, title, i as i64 + 1, at);
        f.removable = false;
        f.required = matches!(ty, "subject" | "description");
        f.options = match ty {
            "status" => options(
                0,
                &[
                    ("Open", "open"),
                    ("Pending", "pending"),
                    ("Solved", "solved"),
                ],
                None,
            ),
            "priority" => options(
                0,
                &[
                    ("Low", "low"),
                    ("Normal", "normal"),
                    ("High", "high"),
                    ("Urgent", "urgent"),
                ],
                None,
            ),
            "tickettype" => options(
                0,
                &[
                    ("Question", "question"),
                    ("Incident", "incident"),
                    ("Problem", "problem"),
                    ("Task", "task"),
                ],
                None,
            ),
            _ => vec![],
        };
        st.fields.push(f);
    }
    let mut custom = vec![
        field(IADVIZE_AGENT, "text", "iAdvize Agent", 10, at),
        field(IADVIZE_COUNTRY, "text", "iAdvize Country", 11, at),
        field(IADVIZE_CAMPAIGN, "text", "iAdvize Campaign", 12, at),
        field(SUMMARY, "textarea", "Conversation summary", 13, at),
        field(REFUND_REQUESTED, "checkbox", "Refund requested", 14, at),
        field(FOLLOW_UP_DATE, "date", "Follow-up date", 15, at),
        field(ORDER_NUMBER, "integer", "Order number", 16, at),
        field(REFUND_AMOUNT, "decimal", "Refund amount", 17, at),
        field(CUSTOMER_REFERENCE, "regexp", "Customer reference", 18, at),
        field(CONTACT_REASON, "tagger", "Contact reason", 19, at),
        field(PRODUCTS, "multiselect", "Products", 20, at),
        field(RELATED_AGENT, "lookup", "Related agent", 21, at),
        field(CARD, "partialcreditcard", "Card (last digits)", 22, at),
        field(ESCALATION_LEVEL, "tagger", "Escalation level", 23, at),
        field(INTERNAL_CODE, "text", "Internal code (retired)", 24, at),
    ];
    for f in custom.iter_mut() {
        match f.id {
            REFUND_REQUESTED => f.tag = Some("refund_requested".into()),
            CUSTOMER_REFERENCE => f.regexp = Some(r"^[A-Z]{3}-\d{4}$".into()),
            CONTACT_REASON => {
                f.required = true;
                f.options = options(
                    360_010_001,
                    &[
                        ("Order status", "order_status"),
                        ("Delivery", "delivery"),
                        ("Refund", "refund"),
                        ("Product question", "product_question"),
                        ("Other", "other"),
                    ],
                    Some("other"),
                );
            }
            PRODUCTS => {
                f.options = options(
                    360_010_101,
                    &[
                        ("Shoes", "shoes"),
                        ("Bags", "bags"),
                        ("Jackets", "jackets"),
                        ("Accessories", "accessories"),
                    ],
                    None,
                )
            }
            ESCALATION_LEVEL => {
                f.required = true;
                f.options = options(
                    360_010_201,
                    &[
                        ("Level 1", "level_1"),
                        ("Level 2", "level_2"),
                        ("Level 3", "level_3"),
                    ],
                    None,
                );
            }
            INTERNAL_CODE => f.active = false,
            _ => {}
        }
        f.description = format!("{} (sandbox)", f.title);
    }
    st.fields.extend(custom);
    for n in 0..FILLER_FIELDS {
        let mut f = field(
            360_000_200 + n as Id,
            "text",
            &format!("Legacy field {:03}", n + 1),
            100 + n as i64,
            at,
        );
        f.active = n % 10 != 9; // a few inactive ones, as real accounts have
        st.fields.push(f);
    }
}

fn seed_forms(st: &mut ZdState, at: DateTime<Utc>) {
    use field_ids::*;
    let system: Vec<Id> = (360_000_001..=360_000_008).collect();
    let with = |extra: &[Id]| system.iter().chain(extra).copied().collect::<Vec<_>>();
    st.forms = vec![
        Form {
            id: form_ids::DEFAULT,
            name: "Default Ticket Form".into(),
            active: true,
            default: true,
            position: 1,
            field_ids: with(&[CONTACT_REASON, ORDER_NUMBER]),
            agent_conditions: vec![],
            created_at: at,
        },
        Form {
            id: form_ids::ESCALATION,
            name: "iAdvize Escalation".into(),
            active: true,
            default: false,
            position: 2,
            field_ids: with(&[
                IADVIZE_AGENT,
                IADVIZE_COUNTRY,
                IADVIZE_CAMPAIGN,
                CONTACT_REASON,
                REFUND_REQUESTED,
                REFUND_AMOUNT,
                FOLLOW_UP_DATE,
                CUSTOMER_REFERENCE,
                PRODUCTS,
                ORDER_NUMBER,
                SUMMARY,
            ]),
            agent_conditions: vec![Condition {
                parent_field_id: REFUND_REQUESTED,
                value: json!(true),
                child_fields: vec![ChildField {
                    id: REFUND_AMOUNT,
                    is_required: true,
                    required_on: "SOME_STATUSES".into(),
                    statuses: vec!["solved".into()],
                }],
            }],
            created_at: at,
        },
        Form {
            id: form_ids::ARCHIVE,
            name: "iAdvize Archive".into(),
            active: true,
            default: false,
            position: 3,
            field_ids: with(&[IADVIZE_AGENT, IADVIZE_COUNTRY, IADVIZE_CAMPAIGN, SUMMARY]),
            agent_conditions: vec![],
            created_at: at,
        },
        Form {
            id: form_ids::COMPLAINT,
            name: "Complaint".into(),
            active: true,
            default: false,
            position: 4,
            field_ids: with(&[ESCALATION_LEVEL, ORDER_NUMBER, CARD, RELATED_AGENT]),
            agent_conditions: vec![],
            created_at: at,
        },
        Form {
            id: form_ids::RETIRED,
            name: "Retired form".into(),
            active: false,
            default: false,
            position: 5,
            field_ids: with(&[INTERNAL_CODE]),
            agent_conditions: vec![],
            created_at: at,
        },
    ];
}

fn seed_triggers(st: &mut ZdState, at: DateTime<Utc>) {
    let t = |id: Id, title: &str, position: i64, all: serde_json::Value, recipient: &str| Trigger {
        id,
        title: title.into(),
        active: true,
        position,
        conditions: json!({"all": all, "any": []}),
        actions: json!([{"field": "notification_user", "value": [recipient, "[{{ticket.account}}] {{ticket.title}}", "{{ticket.comments_formatted}}"]}]),
        created_at: at,
    };
    st.triggers = vec![
        t(
            360_200_001,
            "Notify requester of received request",
            1,
            json!([
                {"field": "update_type", "operator": "is", "value": "Create"},
                {"field": "status", "operator": "is_not", "value": "solved"},
                {"field": "ticket_is_public", "operator": "is", "value": "public"},
            ]),
            "requester_id",
        ),
        t(
            360_200_002,
            "Notify requester of comment update",
            2,
            json!([
                {"field": "update_type", "operator": "is", "value": "Change"},
                {"field": "comment_is_public", "operator": "is", "value": "true"},
            ]),
            "requester_id",
        ),
        t(
            360_200_003,
            "Notify assignee of comment update",
            3,
            json!([
                {"field": "update_type", "operator": "is", "value": "Change"},
                {"field": "comment_is_public", "operator": "is", "value": "not_relevant"},
                {"field": "assignee_id", "operator": "is_not", "value": "current_user"},
            ]),
            "assignee_id",
        ),
        t(
            360_200_004,
            "Notify all agents of received request",
            4,
            json!([
                {"field": "update_type", "operator": "is", "value": "Create"},
            ]),
            "all_agents",
        ),
    ];
    let mut inactive = t(
        360_200_005,
        "Notify group of assignment",
        5,
        json!([
            {"field": "group_id", "operator": "changed", "value": ""},
        ]),
        "group_id",
    );
    inactive.active = false;
    st.triggers.push(inactive);
}
