//! Test data shaped like the sandbox's seeded Zendesk account
//! (`crates/sandbox/src/zendesk/seed.rs`, same ids and JSON shapes as its `to_json`), plus a
//! few extra fields for nested conditions and odd cases.

use crate::zendesk::{TicketField, TicketForm};
use serde_json::{Value, json};

pub const IADVIZE_AGENT: i64 = 360_000_101;
pub const IADVIZE_COUNTRY: i64 = 360_000_102;
pub const IADVIZE_CAMPAIGN: i64 = 360_000_103;
pub const SUMMARY: i64 = 360_000_104;
pub const REFUND_REQUESTED: i64 = 360_000_105;
pub const FOLLOW_UP_DATE: i64 = 360_000_106;
pub const ORDER_NUMBER: i64 = 360_000_107;
pub const REFUND_AMOUNT: i64 = 360_000_108;
pub const CUSTOMER_REFERENCE: i64 = 360_000_109;
pub const CONTACT_REASON: i64 = 360_000_110;
pub const PRODUCTS: i64 = 360_000_111;
pub const RELATED_AGENT: i64 = 360_000_112;
pub const CARD: i64 = 360_000_113;
pub const ESCALATION_LEVEL: i64 = 360_000_114;
pub const INTERNAL_CODE: i64 = 360_000_115;
// Not in the sandbox: nested conditions and odd types.
pub const REFUND_METHOD: i64 = 360_000_116;
pub const IBAN: i64 = 360_000_117;
pub const SURVEY_OPT_OUT: i64 = 360_000_118;
pub const OPT_OUT_REASON: i64 = 360_000_119;
pub const SIGNATURE: i64 = 360_000_120;
pub const LOOKAROUND_CODE: i64 = 360_000_121;

pub const ESCALATION_FORM: i64 = 360_100_002;
pub const COMPLAINT_FORM: i64 = 360_100_004;

pub const SYSTEM: [(i64, &str, &str); 8] = [
    (360_000_001, "subject", "Subject"),
    (360_000_002, "description", "Description"),
    (360_000_003, "status", "Status"),
    (360_000_004, "tickettype", "Type"),
    (360_000_005, "priority", "Priority"),
    (360_000_006, "group", "Group"),
    (360_000_007, "assignee", "Assignee"),
    (360_000_008, "custom_status", "Ticket status"),
];

fn options(base: i64, values: &[(&str, &str)], default: Option<&str>) -> Value {
    values
        .iter()
        .enumerate()
        .map(|(i, (name, value))| {
            json!({"id": base + i as i64, "name": name, "raw_name": name, "value": value,
                   "default": default == Some(*value), "position": i})
        })
        .collect()
}

fn custom(id: i64, ty: &str, title: &str, extra: Value) -> TicketField {
    let mut v = json!({
        "id": id, "type": ty, "title": title, "raw_title": title,
        "description": format!("{title} (sandbox)"), "active": true, "required": false,
        "removable": true, "regexp_for_validation": null, "tag": null,
        "visible_in_portal": false, "editable_in_portal": false, "required_in_portal": false,
    });
    for (k, x) in extra.as_object().into_iter().flatten() {
        v[k] = x.clone();
    }
    serde_json::from_value(v).expect("a ticket field")
}

/// The account's fields: the sandbox's 8 system and 15 custom fields, plus the extras.
pub fn fields() -> Vec<TicketField> {
    let mut out: Vec<TicketField> = SYSTEM
        .iter()
        .map(|(id, ty, title)| {
            serde_json::from_value(json!({
                "id": id, "type": ty, "title": title, "active": true, "removable": false,
                "required": matches!(*ty, "subject" | "description"),
            }))
            .unwrap()
        })
        .collect();
    out.extend([
        custom(IADVIZE_AGENT, "text", "iAdvize Agent", json!({})),
        custom(IADVIZE_COUNTRY, "text", "iAdvize Country", json!({})),
        custom(IADVIZE_CAMPAIGN, "text", "iAdvize Campaign", json!({})),
        custom(SUMMARY, "textarea", "Conversation summary", json!({})),
        custom(
            REFUND_REQUESTED,
            "checkbox",
            "Refund requested",
            json!({"tag": "refund_requested"}),
        ),
        custom(FOLLOW_UP_DATE, "date", "Follow-up date", json!({})),
        custom(ORDER_NUMBER, "integer", "Order number", json!({})),
        custom(REFUND_AMOUNT, "decimal", "Refund amount", json!({})),
        custom(
            CUSTOMER_REFERENCE,
            "regexp",
            "Customer reference",
            json!({"regexp_for_validation": r"^[A-Z]{3}-\d{4}$"}),
        ),
        custom(
            CONTACT_REASON,
            "tagger",
            "Contact reason",
            json!({"required": true, "custom_field_options": options(360_010_001, &[
                ("Order status", "order_status"), ("Delivery", "delivery"), ("Refund", "refund"),
                ("Product question", "product_question"), ("Other", "other")], Some("other"))}),
        ),
        custom(
            PRODUCTS,
            "multiselect",
            "Products",
            json!({"custom_field_options": options(360_010_101, &[
                ("Shoes", "shoes"), ("Bags", "bags"), ("Jackets", "jackets"),
                ("Accessories", "accessories")], None)}),
        ),
        custom(
            RELATED_AGENT,
            "lookup",
            "Related agent",
            json!({"relationship_target_type": "zen:user", "relationship_filter": {}}),
        ),
        custom(CARD, "partialcreditcard", "Card (last digits)", json!({})),
        custom(
            ESCALATION_LEVEL,
            "tagger",
            "Escalation level",
            json!({"required": true, "custom_field_options": options(360_010_201, &[
                ("Level 1", "level_1"), ("Level 2", "level_2"), ("Level 3", "level_3")], None)}),
        ),
        custom(
            INTERNAL_CODE,
            "text",
            "Internal code (retired)",
            json!({"active": false}),
        ),
        custom(
            REFUND_METHOD,
            "tagger",
            "Refund method",
            json!({"custom_field_options": options(360_010_301, &[
                ("Card", "card_refund"), ("Bank transfer", "bank_transfer")], None)}),
        ),
        custom(
            IBAN,
            "text",
            "IBAN",
            json!({"agent_description": "The customer's bank account"}),
        ),
        custom(SURVEY_OPT_OUT, "checkbox", "Survey opt-out", json!({})),
        custom(OPT_OUT_REASON, "text", "Why no survey", json!({})),
        custom(SIGNATURE, "signature_pad", "Signature", json!({})),
        custom(
            LOOKAROUND_CODE,
            "regexp",
            "Voucher",
            json!({"regexp_for_validation": r"^(?=.*\d)[A-Z0-9]{8}$"}),
        ),
    ]);
    out
}

fn system_ids() -> Vec<i64> {
    SYSTEM.iter().map(|(id, _, _)| *id).collect()
}

fn form(id: i64, name: &str, extra: &[i64], conditions: Value) -> TicketForm {
    let ids: Vec<i64> = system_ids()
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    serde_json::from_value(json!({
        "id": id, "name": name, "raw_name": name, "display_name": name, "active": true,
        "default": false, "position": 2, "ticket_field_ids": ids, "end_user_conditions": [],
        "agent_conditions": conditions,
    }))
    .expect("a ticket form")
}

/// The sandbox's `ESCALATION` form: "Refund amount" required on solved when "Refund
/// requested" is checked.
pub fn escalation_form() -> TicketForm {
    form(
        ESCALATION_FORM,
        "iAdvize Escalation",
        &[
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
        ],
        json!([{
            "parent_field_id": REFUND_REQUESTED, "value": true,
            "child_fields": [{"id": REFUND_AMOUNT, "is_required": true,
                              "required_on_statuses": {"type": "SOME_STATUSES", "statuses": ["solved"]}}]
        }]),
    )
}

/// The sandbox's `COMPLAINT` form: a required tagger without a default.
pub fn complaint_form() -> TicketForm {
    form(
        COMPLAINT_FORM,
        "Complaint",
        &[ESCALATION_LEVEL, ORDER_NUMBER, CARD, RELATED_AGENT],
        json!([]),
    )
}

/// A form with nested and varied conditions (not in the sandbox).
pub fn nested_form(conditions: Value) -> TicketForm {
    form(
        360_100_010,
        "Refunds",
        &[
            CONTACT_REASON,
            REFUND_REQUESTED,
            REFUND_METHOD,
            IBAN,
            REFUND_AMOUNT,
            SURVEY_OPT_OUT,
            OPT_OUT_REASON,
            PRODUCTS,
            ORDER_NUMBER,
        ],
        conditions,
    )
}

/// `{id, is_required, required_on_statuses}` as Zendesk answers it.
pub fn child(id: i64, required_on: Option<(&str, &[&str])>, is_required: bool) -> Value {
    let mut c = json!({"id": id, "is_required": is_required});
    if let Some((kind, statuses)) = required_on {
        c["required_on_statuses"] = json!({"type": kind, "statuses": statuses});
    }
    c
}

pub fn condition(parent: i64, value: Value, children: Vec<Value>) -> Value {
    json!({"parent_field_id": parent, "value": value, "child_fields": children})
}
