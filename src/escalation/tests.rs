//! The rebuilt form, visibility, requirements, validation of every field type, the
//! closing-form export and the reading of answers, on the sandbox's seeded shapes.

use super::fixtures::*;
use super::*;
use crate::iadvize::ClosingFormAnswer;
use crate::zendesk::{ConditionChild, RequiredOnKind, RequiredOnStatuses};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn escalation() -> RebuiltForm {
    RebuiltForm::build(
        &escalation_form(),
        &fields(),
        "Summary of the request in one line",
    )
}

fn complaint() -> RebuiltForm {
    RebuiltForm::build(&complaint_form(), &fields(), "")
}

fn nested(conditions: Value) -> RebuiltForm {
    RebuiltForm::build(&nested_form(conditions), &fields(), "")
}

fn answers(list: &[(i64, AnswerValue)]) -> Answers {
    list.iter().cloned().collect()
}

fn text(s: &str) -> AnswerValue {
    AnswerValue::Text(s.into())
}

fn list(items: &[&str]) -> AnswerValue {
    AnswerValue::List(items.iter().map(|s| s.to_string()).collect())
}

/// Validates one answer for `field` on `form` (status `open`): the value sent, or the error.
fn check(form: &RebuiltForm, field: i64, value: AnswerValue) -> Result<Value, AnswerError> {
    let out = form.validate(&answers(&[(field, value)]), "open");
    if let Some(e) = out.errors.iter().find(|e| e.field_id == Some(field)) {
        return Err(e.clone());
    }
    Ok(out.value(field).cloned().expect("a value is sent"))
}

fn ok(form: &RebuiltForm, field: i64, value: AnswerValue) -> Value {
    check(form, field, value.clone()).unwrap_or_else(|e| panic!("{value:?}: {}", e.line()))
}

fn bad(form: &RebuiltForm, field: i64, value: AnswerValue) -> AnswerError {
    let e = check(form, field, value.clone())
        .err()
        .unwrap_or_else(|| panic!("{value:?} was accepted"));
    assert_eq!(e.code, AnswerErrorCode::Invalid, "{}", e.line());
    e
}

fn ids(form: &RebuiltForm) -> Vec<i64> {
    form.fields.iter().map(|f| f.id).collect()
}

fn visible(out: &ValidatedAnswers, id: i64) -> bool {
    out.state(id).expect("an asked field").visible
}

// ------------------------------------------------------------------ the rebuilt form

#[test]
fn custom_fields_in_form_order_system_fields_noted_not_asked() {
    let f = escalation();
    assert_eq!(f.form_id, ESCALATION_FORM);
    assert_eq!(f.form_name, "iAdvize Escalation");
    assert!(f.form_active);
    assert_eq!(
        ids(&f),
        [
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
            SUMMARY
        ]
    );
    assert_eq!(f.system_fields.len(), 8);
    let kinds: Vec<&str> = f
        .system_fields
        .iter()
        .map(|s| s.field_type.as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "subject",
            "description",
            "status",
            "tickettype",
            "priority",
            "group",
            "assignee",
            "custom_status"
        ]
    );
    assert!(f.system_fields[2].filled_by.contains("never solved"));
    assert!(f.skipped.is_empty());
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    assert_eq!(
        f.field(ORDER_NUMBER).unwrap().closing_form_id,
        "zendesk_field_360000107"
    );
    assert_eq!(
        f.field(SUMMARY).unwrap().description.as_deref(),
        Some("Conversation summary (sandbox)")
    );
}

#[test]
fn every_field_type_has_its_input() {
    let mut form = nested_form(json!([]));
    form.ticket_field_ids = vec![
        IADVIZE_AGENT,
        SUMMARY,
        REFUND_REQUESTED,
        FOLLOW_UP_DATE,
        ORDER_NUMBER,
        REFUND_AMOUNT,
        CUSTOMER_REFERENCE,
        CONTACT_REASON,
        PRODUCTS,
        RELATED_AGENT,
        CARD,
        IBAN,
    ];
    let f = RebuiltForm::build(&form, &fields(), "");
    let input = |id| f.field(id).unwrap().input.clone();
    assert_eq!(input(IADVIZE_AGENT), FieldInput::Text);
    assert_eq!(input(SUMMARY), FieldInput::Textarea);
    assert_eq!(
        input(REFUND_REQUESTED),
        FieldInput::Checkbox {
            tag: Some("refund_requested".into())
        }
    );
    assert_eq!(input(FOLLOW_UP_DATE), FieldInput::Date);
    assert_eq!(input(ORDER_NUMBER), FieldInput::Integer);
    assert_eq!(input(REFUND_AMOUNT), FieldInput::Decimal);
    assert_eq!(
        input(CUSTOMER_REFERENCE),
        FieldInput::Regexp {
            pattern: r"^[A-Z]{3}-\d{4}$".into(),
            checked: true
        }
    );
    match input(CONTACT_REASON) {
        FieldInput::Dropdown { options } => {
            assert_eq!(options.len(), 5);
            assert_eq!(
                options[2],
                FieldChoice {
                    name: "Refund".into(),
                    value: "refund".into(),
                    default: false
                }
            );
            assert!(options[4].default);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(input(PRODUCTS), FieldInput::Multiselect { options } if options.len() == 4));
    assert_eq!(
        input(RELATED_AGENT),
        FieldInput::Lookup {
            relationship_target_type: Some("zen:user".into()),
            target: "user".into(),
            searchable: true,
        }
    );
    assert_eq!(input(CARD), FieldInput::PartialCreditCard);
    assert_eq!(
        f.field(IBAN).unwrap().description.as_deref(),
        Some("The customer's bank account"),
        "the agent description wins"
    );
}

#[test]
fn lookup_targets_in_words() {
    let mut all = fields();
    for (target, words, searchable) in [
        ("zen:organization", "organization", true),
        ("zen:ticket", "ticket", false),
        ("zen:custom_object:order", "order record", true),
    ] {
        all.iter_mut()
            .find(|f| f.id == RELATED_AGENT)
            .unwrap()
            .relationship_target_type = Some(target.into());
        let f = RebuiltForm::build(&complaint_form(), &all, "");
        assert!(
            matches!(&f.field(RELATED_AGENT).unwrap().input, FieldInput::Lookup { target: t, searchable: s, .. } if t == words && *s == searchable),
            "{target}: all but tickets are searched by name"
        );
    }
}

#[test]
fn custom_object_lookups_take_the_record_text_id() {
    let mut all = fields();
    all.iter_mut()
        .find(|f| f.id == RELATED_AGENT)
        .unwrap()
        .relationship_target_type = Some("zen:custom_object:order".into());
    let f = RebuiltForm::build(&complaint_form(), &all, "");
    assert_eq!(
        ok(&f, RELATED_AGENT, text(" 01GDXYD7ZTWYP542BA8MDDTE36 ")),
        json!("01GDXYD7ZTWYP542BA8MDDTE36")
    );
    let e = bad(&f, RELATED_AGENT, text("01GD XYD7"));
    assert!(e.reason.contains("is not a order record id"), "{}", e.reason);
}

#[test]
fn inactive_deleted_and_unknown_fields_are_skipped_with_their_reason() {
    let mut form = complaint_form();
    form.ticket_field_ids
        .extend([INTERNAL_CODE, 999_999_999, SIGNATURE, ORDER_NUMBER]);
    let f = RebuiltForm::build(&form, &fields(), "");
    assert_eq!(
        ids(&f),
        [ESCALATION_LEVEL, ORDER_NUMBER, CARD, RELATED_AGENT],
        "duplicates once"
    );
    let reasons: Vec<(i64, SkipReason)> = f.skipped.iter().map(|s| (s.id, s.reason)).collect();
    assert_eq!(
        reasons,
        [
            (INTERNAL_CODE, SkipReason::Inactive),
            (999_999_999, SkipReason::NotFound),
            (SIGNATURE, SkipReason::UnsupportedType)
        ]
    );
    assert_eq!(f.skipped[1].title, None);
    assert_eq!(f.skipped[2].field_type.as_deref(), Some("signature_pad"));
}

#[test]
fn the_note_input_carries_the_admins_label_or_a_default() {
    let f = escalation();
    assert_eq!(f.note.id, "private_note");
    assert_eq!(f.note.label, "Summary of the request in one line");
    assert!(!f.note.label_is_default);
    for blank in ["", "   "] {
        let f = RebuiltForm::build(&escalation_form(), &fields(), blank);
        assert_eq!(f.note.label, DEFAULT_NOTE_LABEL);
        assert!(f.note.label_is_default);
    }
    assert_eq!(NoteInput::new("  Résumé  ").label, "Résumé");
}

#[test]
fn defaults_come_from_options_marked_default() {
    let f = escalation();
    let reason = f.field(CONTACT_REASON).unwrap();
    assert_eq!(reason.default_value, Some(text("other")));
    assert_eq!(reason.default_source, Some(DefaultSource::Zendesk));
    assert_eq!(f.field(PRODUCTS).unwrap().default_value, None);
    assert_eq!(
        f.field(REFUND_REQUESTED).unwrap().default_value,
        None,
        "unchecked is not sent"
    );
    assert_eq!(
        complaint().field(ESCALATION_LEVEL).unwrap().default_value,
        None
    );
    // A multiselect with options marked default.
    let mut all = fields();
    let products = all.iter_mut().find(|f| f.id == PRODUCTS).unwrap();
    products.custom_field_options[0].default = true;
    products.custom_field_options[2].default = true;
    let f = RebuiltForm::build(&escalation_form(), &all, "");
    assert_eq!(
        f.field(PRODUCTS).unwrap().default_value,
        Some(list(&["shoes", "jackets"]))
    );
}

#[test]
fn conditional_fields_carry_their_conditions_in_words_and_depth() {
    let f = escalation();
    let amount = f.field(REFUND_AMOUNT).unwrap();
    assert!(!amount.required_to_solve);
    assert_eq!(amount.depth, 1);
    assert_eq!(amount.shown_when.len(), 1);
    let c = &amount.shown_when[0];
    assert_eq!(c.parent_field_id, REFUND_REQUESTED);
    assert_eq!(c.parent_title, "Refund requested");
    assert_eq!(c.value, json!(true));
    assert_eq!(c.value_label, "checked");
    assert_eq!(
        c.required,
        RequiredWhen::OnStatuses {
            statuses: vec!["solved".into()]
        }
    );
    assert!(f.field(CONTACT_REASON).unwrap().required_to_solve);
    assert_eq!(f.field(CONTACT_REASON).unwrap().depth, 0);

    let f = nested(json!([
        condition(
            REFUND_REQUESTED,
            json!(true),
            vec![child(REFUND_METHOD, None, false)]
        ),
        condition(
            REFUND_METHOD,
            json!("bank_transfer"),
            vec![child(IBAN, Some(("ALL_STATUSES", &[])), true)]
        ),
    ]));
    let iban = f.field(IBAN).unwrap();
    assert_eq!(iban.depth, 2);
    assert_eq!(iban.shown_when[0].value_label, "Bank transfer");
    assert_eq!(iban.shown_when[0].required, RequiredWhen::Always);
}

#[test]
fn required_when_matches_the_models_required_on_for_every_kind() {
    let kinds = [
        None,
        Some((RequiredOnKind::AllStatuses, vec![])),
        Some((RequiredOnKind::NoStatuses, vec![])),
        Some((
            RequiredOnKind::SomeStatuses,
            vec!["solved".to_string(), "pending".to_string()],
        )),
        Some((RequiredOnKind::SomeStatuses, vec![])),
        Some((RequiredOnKind::Unknown, vec![])),
    ];
    for is_required in [false, true] {
        for kind in &kinds {
            let child = ConditionChild {
                id: 1,
                is_required,
                required_on_statuses: kind.clone().map(|(kind, statuses)| RequiredOnStatuses {
                    kind,
                    statuses,
                    custom_statuses: vec![],
                }),
            };
            let when = RequiredWhen::of(&child);
            for status in ["new", "open", "pending", "hold", "solved", "closed"] {
                assert_eq!(
                    when.on(status),
                    child.required_on(status),
                    "{child:?} on {status}"
                );
            }
        }
    }
}

#[test]
fn form_warnings_tell_the_admin_what_will_not_work() {
    // Parent not asked (inactive), required overridden by a condition, a loop, a pattern
    // this app cannot check.
    let mut form = nested_form(json!([
        condition(INTERNAL_CODE, json!("x"), vec![child(IBAN, None, false)]),
        condition(
            SURVEY_OPT_OUT,
            json!(true),
            vec![child(CONTACT_REASON, None, false)]
        ),
        condition(
            REFUND_METHOD,
            json!("card_refund"),
            vec![child(OPT_OUT_REASON, None, false)]
        ),
        condition(
            OPT_OUT_REASON,
            json!("x"),
            vec![child(REFUND_METHOD, None, false)]
        ),
    ]));
    form.ticket_field_ids.push(LOOKAROUND_CODE);
    let f = RebuiltForm::build(&form, &fields(), "");
    let codes: Vec<(Option<i64>, FormWarningCode)> =
        f.warnings.iter().map(|w| (w.field_id, w.code)).collect();
    assert!(
        codes.contains(&(Some(IBAN), FormWarningCode::ParentNotAsked)),
        "{codes:?}"
    );
    assert!(codes.contains(&(
        Some(CONTACT_REASON),
        FormWarningCode::RequiredOverriddenByConditions
    )));
    assert!(codes.contains(&(Some(REFUND_METHOD), FormWarningCode::ConditionLoop)));
    assert!(codes.contains(&(Some(OPT_OUT_REASON), FormWarningCode::ConditionLoop)));
    assert!(codes.contains(&(Some(LOOKAROUND_CODE), FormWarningCode::PatternNotChecked)));
    assert!(!f.field(CONTACT_REASON).unwrap().required_to_solve);
    assert!(matches!(
        f.field(LOOKAROUND_CODE).unwrap().input,
        FieldInput::Regexp { checked: false, .. }
    ));
    let iban = f
        .warnings
        .iter()
        .find(|w| w.field_id == Some(IBAN))
        .unwrap();
    assert!(
        iban.message.contains("Internal code (retired)"),
        "{}",
        iban.message
    );
}

#[test]
fn the_rebuilt_form_round_trips_as_json_the_ui_reads() {
    let f = escalation();
    let v = serde_json::to_value(&f).unwrap();
    let reason = &v["fields"][3];
    assert_eq!(reason["input"]["type"], "dropdown");
    assert_eq!(reason["input"]["options"][4]["value"], "other");
    assert_eq!(reason["default_value"], "other");
    assert_eq!(reason["default_source"], "zendesk");
    assert_eq!(
        v["fields"][5]["shown_when"][0]["required"],
        json!({"kind": "on_statuses", "statuses": ["solved"]})
    );
    assert_eq!(
        v["fields"][7]["input"],
        json!({"type": "regexp", "pattern": r"^[A-Z]{3}-\d{4}$", "checked": true})
    );
    assert_eq!(v["fields"][0]["input"], json!({"type": "text"}));
    let back: RebuiltForm = serde_json::from_value(v).unwrap();
    assert_eq!(back, f);
}

// ------------------------------------------------------------------ visibility

#[test]
fn a_child_shows_when_its_checkbox_parent_is_checked_and_hidden_answers_are_dropped() {
    let f = escalation();
    let out = f.validate(&answers(&[(REFUND_AMOUNT, text("49.90"))]), "open");
    assert!(
        !visible(&out, REFUND_AMOUNT),
        "unanswered checkbox is unchecked"
    );
    assert_eq!(out.value(REFUND_AMOUNT), None);
    assert_eq!(
        out.dropped,
        [DroppedAnswer {
            field_id: REFUND_AMOUNT,
            field_title: "Refund amount".into(),
            value: "49.90".into()
        }]
    );
    assert!(out.errors.is_empty());

    let out = f.validate(
        &answers(&[
            (REFUND_REQUESTED, false.into()),
            (REFUND_AMOUNT, text("49.90")),
        ]),
        "open",
    );
    assert!(!visible(&out, REFUND_AMOUNT));
    assert_eq!(
        out.value(REFUND_REQUESTED),
        Some(&json!(false)),
        "an explicit false is sent"
    );
    assert_eq!(out.dropped.len(), 1);

    let out = f.validate(
        &answers(&[
            (REFUND_REQUESTED, true.into()),
            (REFUND_AMOUNT, text("49.90")),
        ]),
        "open",
    );
    assert!(visible(&out, REFUND_AMOUNT));
    assert_eq!(out.value(REFUND_AMOUNT), Some(&json!("49.90")));
    assert!(out.dropped.is_empty());
}

#[test]
fn nested_conditions_need_every_ancestor_shown() {
    let f = nested(json!([
        condition(
            REFUND_REQUESTED,
            json!(true),
            vec![child(REFUND_METHOD, None, false)]
        ),
        condition(
            REFUND_METHOD,
            json!("bank_transfer"),
            vec![child(IBAN, None, false)]
        ),
    ]));
    let all = |refund: bool| {
        answers(&[
            (REFUND_REQUESTED, refund.into()),
            (REFUND_METHOD, text("bank_transfer")),
            (IBAN, text("FR76 3000 6000 0112 3456 7890 189")),
        ])
    };
    let out = f.validate(&all(true), "open");
    assert!(visible(&out, REFUND_METHOD) && visible(&out, IBAN));
    assert_eq!(
        out.custom_fields.iter().map(|c| c.id).collect::<Vec<_>>(),
        [CONTACT_REASON, REFUND_REQUESTED, REFUND_METHOD, IBAN],
        "the reason by default"
    );
    // The grandparent unchecked: the method's answer holds "bank_transfer", but the method is
    // hidden, so the IBAN is hidden too.
    let out = f.validate(&all(false), "open");
    assert!(!visible(&out, REFUND_METHOD) && !visible(&out, IBAN));
    assert_eq!(
        out.dropped.iter().map(|d| d.field_id).collect::<Vec<_>>(),
        [REFUND_METHOD, IBAN]
    );
    assert_eq!(
        out.custom_fields,
        [
            crate::zendesk::CustomFieldValue::new(CONTACT_REASON, "other"),
            crate::zendesk::CustomFieldValue::new(REFUND_REQUESTED, false)
        ]
    );
    // The other option: the IBAN stays hidden.
    let out = f.validate(
        &answers(&[
            (REFUND_REQUESTED, true.into()),
            (REFUND_METHOD, text("card_refund")),
        ]),
        "open",
    );
    assert!(visible(&out, REFUND_METHOD) && !visible(&out, IBAN));
}

#[test]
fn a_checkbox_condition_on_false_holds_while_unchecked() {
    let f = nested(json!([condition(
        SURVEY_OPT_OUT,
        json!(false),
        vec![child(OPT_OUT_REASON, None, false)]
    )]));
    assert!(visible(
        &f.validate(&Answers::new(), "open"),
        OPT_OUT_REASON
    ));
    assert!(visible(
        &f.validate(&answers(&[(SURVEY_OPT_OUT, false.into())]), "open"),
        OPT_OUT_REASON
    ));
    assert!(!visible(
        &f.validate(&answers(&[(SURVEY_OPT_OUT, true.into())]), "open"),
        OPT_OUT_REASON
    ));
}

#[test]
fn a_dropdowns_default_shows_its_children_and_invalid_parent_answers_count_as_empty() {
    let f = nested(json!([
        condition(
            CONTACT_REASON,
            json!("other"),
            vec![child(OPT_OUT_REASON, None, false)]
        ),
        condition(
            CONTACT_REASON,
            json!("refund"),
            vec![child(REFUND_REQUESTED, None, false)]
        ),
    ]));
    let out = f.validate(&Answers::new(), "open");
    assert!(visible(&out, OPT_OUT_REASON), "the default \"other\" holds");
    assert!(!visible(&out, REFUND_REQUESTED));
    assert_eq!(out.defaulted, [CONTACT_REASON]);
    let out = f.validate(&answers(&[(CONTACT_REASON, text("refund"))]), "open");
    assert!(!visible(&out, OPT_OUT_REASON) && visible(&out, REFUND_REQUESTED));
    // An invalid answer is not a value: the default stands in.
    let out = f.validate(&answers(&[(CONTACT_REASON, text("nope"))]), "open");
    assert!(visible(&out, OPT_OUT_REASON));
    assert_eq!(out.value(CONTACT_REASON), Some(&json!("other")));
}

#[test]
fn a_field_with_several_conditions_shows_when_any_holds() {
    let f = nested(json!([
        condition(
            CONTACT_REASON,
            json!("refund"),
            vec![child(ORDER_NUMBER, None, false)]
        ),
        condition(
            REFUND_REQUESTED,
            json!(true),
            vec![child(ORDER_NUMBER, None, false)]
        ),
    ]));
    assert!(!visible(
        &f.validate(&answers(&[(CONTACT_REASON, text("delivery"))]), "open"),
        ORDER_NUMBER
    ));
    assert!(visible(
        &f.validate(&answers(&[(CONTACT_REASON, text("refund"))]), "open"),
        ORDER_NUMBER
    ));
    assert!(visible(
        &f.validate(
            &answers(&[
                (CONTACT_REASON, text("delivery")),
                (REFUND_REQUESTED, true.into())
            ]),
            "open"
        ),
        ORDER_NUMBER
    ));
}

#[test]
fn a_multiselect_condition_holds_when_the_option_is_chosen() {
    let f = nested(json!([condition(
        PRODUCTS,
        json!("bags"),
        vec![child(ORDER_NUMBER, None, false)]
    )]));
    assert!(visible(
        &f.validate(&answers(&[(PRODUCTS, list(&["shoes", "bags"]))]), "open"),
        ORDER_NUMBER
    ));
    assert!(!visible(
        &f.validate(&answers(&[(PRODUCTS, list(&["shoes"]))]), "open"),
        ORDER_NUMBER
    ));
    assert!(!visible(&f.validate(&Answers::new(), "open"), ORDER_NUMBER));
}

#[test]
fn loops_and_unasked_parents_never_show_and_never_hang() {
    let f = nested(json!([
        condition(
            REFUND_METHOD,
            json!("card_refund"),
            vec![child(OPT_OUT_REASON, None, false)]
        ),
        condition(
            OPT_OUT_REASON,
            json!("x"),
            vec![child(REFUND_METHOD, None, false)]
        ),
        condition(INTERNAL_CODE, json!(false), vec![child(IBAN, None, false)]),
    ]));
    let out = f.validate(
        &answers(&[
            (REFUND_METHOD, text("card_refund")),
            (OPT_OUT_REASON, text("x")),
            (IBAN, text("x")),
        ]),
        "open",
    );
    assert!(
        !visible(&out, REFUND_METHOD) && !visible(&out, OPT_OUT_REASON) && !visible(&out, IBAN)
    );
    assert_eq!(out.dropped.len(), 3);
}

// ------------------------------------------------------------------ requirements

#[test]
fn required_fields_are_required_to_solve_only_and_defaults_fill_them() {
    let f = complaint();
    for status in ["new", "open", "pending"] {
        let out = f.validate(&Answers::new(), status);
        assert!(out.errors.is_empty(), "{status}: {:?}", out.errors);
        assert!(!out.state(ESCALATION_LEVEL).unwrap().required);
        assert!(out.state(ESCALATION_LEVEL).unwrap().required_to_solve);
    }
    for status in ["solved", "closed"] {
        let out = f.validate(&Answers::new(), status);
        assert_eq!(out.errors.len(), 1, "{status}");
        let e = &out.errors[0];
        assert_eq!(
            (e.field_id, e.code),
            (Some(ESCALATION_LEVEL), AnswerErrorCode::MissingRequired)
        );
        assert_eq!(e.field_title, "Escalation level");
        assert_eq!(e.value, None);
        assert!(e.reason.contains("required to solve"), "{}", e.reason);
        assert!(out.state(ESCALATION_LEVEL).unwrap().required);
        assert!(!out.state(ESCALATION_LEVEL).unwrap().has_value);
    }
    let out = f.validate(&answers(&[(ESCALATION_LEVEL, text("level_2"))]), "solved");
    assert!(out.errors.is_empty());
    // "Contact reason" is required too, with a default: sent, nothing missing.
    let out = escalation().validate(&Answers::new(), "solved");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(
        out.custom_fields,
        [crate::zendesk::CustomFieldValue::new(
            CONTACT_REASON,
            "other"
        )]
    );
    assert_eq!(out.defaulted, [CONTACT_REASON]);
    assert!(out.state(CONTACT_REASON).unwrap().has_value);
}

#[test]
fn conditional_requirements_follow_required_on_statuses_and_only_when_shown() {
    let f = nested(json!([condition(
        REFUND_REQUESTED,
        json!(true),
        vec![
            child(REFUND_METHOD, Some(("ALL_STATUSES", &[])), true),
            child(IBAN, Some(("SOME_STATUSES", &["solved", "pending"])), true),
            child(REFUND_AMOUNT, Some(("NO_STATUSES", &[])), false),
            child(ORDER_NUMBER, None, true),
        ]
    )]));
    let shown = answers(&[(REFUND_REQUESTED, true.into())]);
    let missing = |status: &str, a: &Answers| -> Vec<i64> {
        f.validate(a, status)
            .errors
            .iter()
            .filter(|e| e.code == AnswerErrorCode::MissingRequired)
            .filter_map(|e| e.field_id)
            .collect()
    };
    assert_eq!(missing("new", &shown), [REFUND_METHOD, ORDER_NUMBER]);
    assert_eq!(missing("open", &shown), [REFUND_METHOD, ORDER_NUMBER]);
    assert_eq!(
        missing("pending", &shown),
        [REFUND_METHOD, IBAN, ORDER_NUMBER]
    );
    assert_eq!(
        missing("solved", &shown),
        [REFUND_METHOD, IBAN, ORDER_NUMBER]
    );
    // Hidden: nothing required.
    for status in ["open", "solved"] {
        assert!(missing(status, &Answers::new()).is_empty());
    }
    let out = f.validate(&shown, "open");
    assert!(out.state(REFUND_METHOD).unwrap().required);
    assert!(!out.state(IBAN).unwrap().required && out.state(IBAN).unwrap().required_to_solve);
    assert!(!out.state(REFUND_AMOUNT).unwrap().required_to_solve);
    // The message names the status.
    let e = f.validate(&shown, "open").errors.remove(0);
    assert!(e.reason.contains("when the ticket is open"), "{}", e.reason);
}

#[test]
fn the_sandbox_escalation_form_requires_the_refund_amount_to_solve_once_refund_is_ticked() {
    let f = escalation();
    let ticked = answers(&[(REFUND_REQUESTED, true.into())]);
    assert!(f.validate(&ticked, "open").errors.is_empty());
    let out = f.validate(&ticked, "solved");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].field_id, Some(REFUND_AMOUNT));
    assert!(f.validate(&Answers::new(), "solved").errors.is_empty());
}

#[test]
fn an_invalid_answer_to_a_required_field_is_reported_once() {
    let out = complaint().validate(&answers(&[(ESCALATION_LEVEL, text("level_9"))]), "solved");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].code, AnswerErrorCode::Invalid);
    assert!(out.state(ESCALATION_LEVEL).unwrap().error.is_some());
}

#[test]
fn admin_defaults_replace_zendesks_and_fix_required_fields() {
    let mut f = complaint();
    let errors = f.set_admin_defaults(&BTreeMap::from([
        (ESCALATION_LEVEL, text("level_1")),
        (ORDER_NUMBER, text("twelve")),
        (IBAN, text("x")),
    ]));
    assert_eq!(
        errors
            .iter()
            .map(|e| (e.field_id, e.code))
            .collect::<Vec<_>>(),
        [
            (Some(ORDER_NUMBER), AnswerErrorCode::Invalid),
            (Some(IBAN), AnswerErrorCode::NotOnForm)
        ]
    );
    let level = f.field(ESCALATION_LEVEL).unwrap();
    assert_eq!(level.default_value, Some(text("level_1")));
    assert_eq!(level.default_source, Some(DefaultSource::Admin));
    assert_eq!(f.field(ORDER_NUMBER).unwrap().default_value, None);
    let out = f.validate(&Answers::new(), "solved");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.value(ESCALATION_LEVEL), Some(&json!("level_1")));
    // An answer wins over the default; an empty default clears it.
    let out = f.validate(&answers(&[(ESCALATION_LEVEL, text("level_3"))]), "solved");
    assert_eq!(out.value(ESCALATION_LEVEL), Some(&json!("level_3")));
    assert!(out.defaulted.is_empty());
    assert!(
        f.set_admin_defaults(&BTreeMap::from([(ESCALATION_LEVEL, text(""))]))
            .is_empty()
    );
    assert_eq!(f.field(ESCALATION_LEVEL).unwrap().default_value, None);
    // The admin's default of "Contact reason" replaces Zendesk's "other".
    let mut e = escalation();
    e.set_admin_defaults(&BTreeMap::from([(CONTACT_REASON, text("delivery"))]));
    assert_eq!(
        e.validate(&Answers::new(), "open").value(CONTACT_REASON),
        Some(&json!("delivery"))
    );
}

// ------------------------------------------------------------------ validation per type

#[test]
fn text_and_textarea_take_any_text() {
    let f = escalation();
    for id in [IADVIZE_AGENT, SUMMARY] {
        assert_eq!(
            ok(&f, id, text("Ada <b>Lovelace</b> ⚠️")),
            json!("Ada <b>Lovelace</b> ⚠️")
        );
        assert_eq!(ok(&f, id, text("  padded \n")), json!("padded"));
        assert_eq!(ok(&f, id, AnswerValue::Number(12.into())), json!("12"));
        bad(&f, id, true.into());
        bad(&f, id, list(&["a", "b"]));
        // Blank is no answer: nothing sent, nothing wrong.
        let out = f.validate(&answers(&[(id, text("   "))]), "open");
        assert!(out.errors.is_empty() && out.value(id).is_none());
    }
    let multi = "line one\nline two";
    assert_eq!(ok(&f, SUMMARY, text(multi)), json!(multi));
}

#[test]
fn integers_are_whole_numbers_within_i64_sent_as_canonical_strings() {
    let f = escalation();
    for (given, sent) in [
        ("42", "42"),
        ("+7", "7"),
        ("-12", "-12"),
        ("007", "7"),
        (" 5 ", "5"),
        ("0", "0"),
        ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"),
    ] {
        assert_eq!(ok(&f, ORDER_NUMBER, text(given)), json!(sent), "{given}");
    }
    assert_eq!(
        ok(&f, ORDER_NUMBER, AnswerValue::Number(12.into())),
        json!("12")
    );
    for given in [
        "twelve", "1.5", "1,000", "1 000", "-", "+", "1e3", "0x10", "١٢",
    ] {
        let e = bad(&f, ORDER_NUMBER, text(given));
        assert!(e.reason.contains("whole number"), "{given}: {}", e.reason);
    }
    assert!(
        bad(&f, ORDER_NUMBER, text("9223372036854775808"))
            .reason
            .contains("too large")
    );
    assert!(
        bad(
            &f,
            ORDER_NUMBER,
            AnswerValue::Number(serde_json::Number::from(u64::MAX))
        )
        .reason
        .contains("too large")
    );
    assert!(
        bad(
            &f,
            ORDER_NUMBER,
            AnswerValue::Number(serde_json::Number::from_f64(1.5).unwrap())
        )
        .reason
        .contains("whole number")
    );
    bad(&f, ORDER_NUMBER, true.into());
    let e = bad(&f, ORDER_NUMBER, text("twelve"));
    assert_eq!(
        e.line(),
        "Order number = \"twelve\": \"twelve\" is not a whole number (digits only, e.g. 1234)"
    );
}

#[test]
fn decimals_use_a_dot_and_keep_their_digits() {
    let f = escalation();
    let with_refund = |v: AnswerValue| {
        f.validate(
            &answers(&[(REFUND_REQUESTED, true.into()), (REFUND_AMOUNT, v)]),
            "open",
        )
    };
    for (given, sent) in [
        ("49.90", "49.90"),
        ("-0.5", "-0.5"),
        (".5", "0.5"),
        ("-.5", "-0.5"),
        ("+3", "3"),
        ("10", "10"),
        (" 1234567890.123456789 ", "1234567890.123456789"),
    ] {
        let out = with_refund(text(given));
        assert!(out.errors.is_empty(), "{given}: {:?}", out.errors);
        assert_eq!(out.value(REFUND_AMOUNT), Some(&json!(sent)), "{given}");
    }
    let out = with_refund(AnswerValue::Number(
        serde_json::Number::from_f64(4.5).unwrap(),
    ));
    assert_eq!(out.value(REFUND_AMOUNT), Some(&json!("4.5")));
    let reason = |v: &str| {
        let out = with_refund(text(v));
        assert_eq!(out.value(REFUND_AMOUNT), None, "{v}");
        out.errors[0].reason.clone()
    };
    assert_eq!(
        reason("49,90"),
        "\"49,90\" is not a decimal number: use a dot, e.g. 49.90"
    );
    for given in [
        "1e3", "abc", "5.", "inf", "NaN", "1.2.3", "-", "1,000.50", "€12",
    ] {
        assert!(reason(given).contains("not a decimal number"), "{given}");
    }
    assert!(reason(&"9".repeat(400)).contains("too large"));
}

#[test]
fn dates_are_real_days_written_yyyy_mm_dd() {
    let f = escalation();
    for given in ["2026-12-15", " 2026-12-15 ", "2024-02-29", "0001-01-01"] {
        assert_eq!(ok(&f, FOLLOW_UP_DATE, text(given)), json!(given.trim()));
    }
    for given in [
        "31/12/2026",
        "2026-2-3",
        "2026-12-15T10:00:00Z",
        "20261215",
        "tomorrow",
        "2026-12-1a",
    ] {
        let e = bad(&f, FOLLOW_UP_DATE, text(given));
        assert!(e.reason.contains("YYYY-MM-DD"), "{given}: {}", e.reason);
    }
    for given in [
        "2026-02-30",
        "2023-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-04-31",
    ] {
        assert!(
            bad(&f, FOLLOW_UP_DATE, text(given))
                .reason
                .contains("not a real date"),
            "{given}"
        );
    }
}

#[test]
fn regexp_answers_must_match_the_pattern() {
    let f = escalation();
    assert_eq!(
        ok(&f, CUSTOMER_REFERENCE, text("ABC-1234")),
        json!("ABC-1234")
    );
    assert_eq!(
        ok(&f, CUSTOMER_REFERENCE, text(" ABC-1234 ")),
        json!("ABC-1234")
    );
    for given in ["abc-12", "ABC-12345", "AB-1234", "ABC-١٢٣٤", "xABC-1234"] {
        let e = bad(&f, CUSTOMER_REFERENCE, text(given));
        assert!(
            e.reason.contains(r"^[A-Z]{3}-\d{4}$"),
            "{given}: {}",
            e.reason
        );
    }
    // A pattern the app cannot check: Zendesk judges, the value is sent.
    let mut form = escalation_form();
    form.ticket_field_ids.push(LOOKAROUND_CODE);
    let f = RebuiltForm::build(&form, &fields(), "");
    assert_eq!(ok(&f, LOOKAROUND_CODE, text("whatever")), json!("whatever"));
}

#[test]
fn dropdown_answers_are_option_values() {
    let f = escalation();
    assert_eq!(ok(&f, CONTACT_REASON, text("refund")), json!("refund"));
    let e = bad(&f, CONTACT_REASON, text("not_an_option"));
    assert_eq!(
        e.reason,
        "\"not_an_option\" is not one of the options (order_status, delivery, refund, product_question, other); the default \"other\" is sent instead"
    );
    let e = bad(&f, CONTACT_REASON, text("Refund"));
    assert!(
        e.reason
            .starts_with("\"Refund\" is the name of an option; send its value \"refund\""),
        "{}",
        e.reason
    );
    bad(&f, CONTACT_REASON, true.into());
    bad(&f, CONTACT_REASON, list(&["refund"]));
    // Without a default, an invalid answer leaves the field empty.
    let c = complaint();
    let out = c.validate(&answers(&[(ESCALATION_LEVEL, text("level_9"))]), "open");
    assert_eq!(out.value(ESCALATION_LEVEL), None);
    assert!(!out.errors[0].reason.contains("default"));
}

#[test]
fn long_option_lists_are_shortened_in_messages() {
    let mut all = fields();
    let reason = all.iter_mut().find(|f| f.id == CONTACT_REASON).unwrap();
    reason.custom_field_options = (0..25)
        .map(|i| crate::zendesk::FieldOption {
            name: format!("R{i}"),
            value: format!("r{i}"),
            ..Default::default()
        })
        .collect();
    let f = RebuiltForm::build(&escalation_form(), &all, "");
    let e = bad(&f, CONTACT_REASON, text("zzz"));
    assert!(e.reason.ends_with("r9, … (25 options))"), "{}", e.reason);
}

#[test]
fn multiselect_answers_are_option_values_and_bad_ones_are_left_out() {
    let f = escalation();
    assert_eq!(
        ok(&f, PRODUCTS, list(&["shoes", "bags"])),
        json!(["shoes", "bags"])
    );
    assert_eq!(
        ok(&f, PRODUCTS, text("shoes, bags,,shoes")),
        json!(["shoes", "bags"])
    );
    assert_eq!(ok(&f, PRODUCTS, text("jackets")), json!(["jackets"]));
    let out = f.validate(&answers(&[(PRODUCTS, text("shoes,hats,caps"))]), "open");
    assert_eq!(out.value(PRODUCTS), Some(&json!(["shoes"])));
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].code, AnswerErrorCode::PartlyInvalid);
    assert!(
        out.errors[0]
            .reason
            .starts_with("\"hats\", \"caps\": not among the options"),
        "{}",
        out.errors[0].reason
    );
    assert!(
        out.errors[0]
            .reason
            .ends_with("the other choices were kept")
    );
    let e = bad(&f, PRODUCTS, list(&["hats"]));
    assert!(
        e.reason.contains("shoes, bags, jackets, accessories"),
        "{}",
        e.reason
    );
    bad(&f, PRODUCTS, true.into());
}

#[test]
fn checkbox_answers_are_true_or_false_sent_as_booleans() {
    let f = escalation();
    assert_eq!(ok(&f, REFUND_REQUESTED, true.into()), json!(true));
    assert_eq!(ok(&f, REFUND_REQUESTED, false.into()), json!(false));
    assert_eq!(ok(&f, REFUND_REQUESTED, text("true")), json!(true));
    assert_eq!(ok(&f, REFUND_REQUESTED, text(" FALSE ")), json!(false));
    for given in ["yes", "1", "maybe", "checked"] {
        let e = bad(&f, REFUND_REQUESTED, text(given));
        assert!(e.reason.contains("not true or false"), "{given}");
    }
    bad(&f, REFUND_REQUESTED, list(&["true"]));
}

#[test]
fn lookup_answers_are_positive_record_ids_sent_as_numbers() {
    let f = complaint();
    assert_eq!(ok(&f, RELATED_AGENT, text("361000002")), json!(361_000_002));
    assert_eq!(
        ok(&f, RELATED_AGENT, AnswerValue::Number(361_000_002.into())),
        json!(361_000_002)
    );
    for given in ["0", "-5", "abc", "12.5", "Alex Agent"] {
        let e = bad(&f, RELATED_AGENT, text(given));
        assert!(
            e.reason
                .contains("is not a user id (a positive whole number)"),
            "{given}: {}",
            e.reason
        );
    }
}

#[test]
fn card_answers_keep_only_the_last_four_digits_and_never_log_the_number() {
    let f = complaint();
    for given in [
        "4111 1111 1111 1234",
        "4111-1111-1111-1234",
        "1234",
        "XXXX-XXXX-XXXX-1234",
        "**** 1234",
        "1111111111111111234",
    ] {
        assert_eq!(ok(&f, CARD, text(given)), json!("1234"), "{given}");
    }
    for given in ["12", "abcd", "1234 5678 abcd", "1234x"] {
        bad(&f, CARD, text(given));
    }
    let e = bad(&f, CARD, text("4111 1111 1111 1111 1111"));
    assert!(e.reason.contains("longer than a card number"));
    assert_eq!(e.value.as_deref(), Some("…1111"), "masked");
    let e = bad(&f, CARD, text("4111111111111111x"));
    assert!(!e.value.unwrap().contains("41111111"));
}

#[test]
fn answers_for_fields_the_form_does_not_ask_are_reported() {
    let mut form = complaint_form();
    form.ticket_field_ids.push(INTERNAL_CODE);
    let f = RebuiltForm::build(&form, &fields(), "");
    let out = f.validate(
        &answers(&[
            (360_000_001, text("A subject")),
            (INTERNAL_CODE, text("x")),
            (IBAN, text("x")),
            (999, text("")),
        ]),
        "open",
    );
    let got: Vec<(Option<i64>, AnswerErrorCode, String)> = out
        .errors
        .iter()
        .map(|e| (e.field_id, e.code, e.field_title.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                Some(360_000_001),
                AnswerErrorCode::NotOnForm,
                "Subject".to_string()
            ),
            (
                Some(INTERNAL_CODE),
                AnswerErrorCode::NotOnForm,
                "Internal code (retired)".to_string()
            ),
            (
                Some(IBAN),
                AnswerErrorCode::NotOnForm,
                "field 360000117".to_string()
            ),
        ]
    );
    assert!(out.errors[0].reason.contains("system field"));
    assert!(out.errors[1].reason.contains("inactive"));
    assert!(
        out.errors[2]
            .reason
            .contains("not on the form \"Complaint\"")
    );
    assert!(out.custom_fields.is_empty());
}

#[test]
fn one_bad_answer_never_stops_the_others() {
    let f = escalation();
    let out = f.validate(
        &answers(&[
            (IADVIZE_AGENT, text("Alex Agent")),
            (CONTACT_REASON, text("not_an_option")),
            (ORDER_NUMBER, text("twelve")),
            (FOLLOW_UP_DATE, text("31/12/2026")),
            (CUSTOMER_REFERENCE, text("abc-12")),
            (REFUND_REQUESTED, true.into()),
            (PRODUCTS, list(&["shoes"])),
        ]),
        "open",
    );
    assert_eq!(
        out.errors
            .iter()
            .map(|e| e.field_id.unwrap())
            .collect::<Vec<_>>(),
        [
            CONTACT_REASON,
            FOLLOW_UP_DATE,
            CUSTOMER_REFERENCE,
            ORDER_NUMBER
        ],
        "in form order"
    );
    assert_eq!(
        out.custom_fields.iter().map(|c| c.id).collect::<Vec<_>>(),
        [IADVIZE_AGENT, CONTACT_REASON, REFUND_REQUESTED, PRODUCTS]
    );
    assert_eq!(
        out.value(CONTACT_REASON),
        Some(&json!("other")),
        "the default stands in"
    );
    assert_eq!(out.defaulted, [CONTACT_REASON]);
}

// ------------------------------------------------------------------ the closing form export

/// The documented plugin input shape (`iadvize-api.md` §4): `{id, idParent?, label,
/// fieldType: TEXT|CHECKBOX|SELECT|TEXTAREA|INTEGER|DECIMAL, isRequired, options?: [{label,
/// value}]}`; ids unique; a parent is an earlier input; options only on SELECT.
fn assert_plugin_shape(inputs: &Value) {
    let inputs = inputs.as_array().expect("an array of inputs");
    let mut ids: Vec<&str> = Vec::new();
    for input in inputs {
        let o = input.as_object().expect("an object");
        for key in o.keys() {
            assert!(
                [
                    "id",
                    "idParent",
                    "label",
                    "fieldType",
                    "isRequired",
                    "options"
                ]
                .contains(&key.as_str()),
                "unexpected key {key} in {input}"
            );
        }
        let id = o["id"].as_str().expect("id is a string");
        assert!(!id.is_empty() && !ids.contains(&id), "unique id {id}");
        assert!(
            o["label"].as_str().is_some_and(|l| !l.is_empty()),
            "{input}"
        );
        assert!(o["isRequired"].is_boolean(), "{input}");
        let ty = o["fieldType"].as_str().expect("fieldType");
        assert!(
            [
                "TEXT", "CHECKBOX", "SELECT", "TEXTAREA", "INTEGER", "DECIMAL"
            ]
            .contains(&ty),
            "{ty}"
        );
        if let Some(parent) = o.get("idParent") {
            let parent = parent.as_str().expect("idParent is a string");
            assert!(ids.contains(&parent), "{id}: parent {parent} comes first");
        }
        match o.get("options") {
            Some(options) => {
                assert_eq!(ty, "SELECT", "{input}");
                let options = options.as_array().expect("options array");
                assert!(!options.is_empty());
                for opt in options {
                    let opt = opt.as_object().unwrap();
                    assert_eq!(opt.len(), 2, "{opt:?}");
                    assert!(opt["label"].is_string() && opt["value"].is_string());
                }
            }
            None => assert_ne!(ty, "SELECT", "a SELECT needs options: {input}"),
        }
        ids.push(id);
    }
}

#[test]
fn the_shape_checker_accepts_ibadvizes_own_example() {
    // shared/reference/examples/iadvize/closing_form_plugin_response.json, `fields`.
    let example = json!([
        {"id": "create_crm_ticket", "label": "Create a CRM ticket", "fieldType": "CHECKBOX", "isRequired": true},
        {"id": "brand_name", "label": "Brand name", "fieldType": "TEXT", "isRequired": true},
        {"id": "brand_description", "label": "Brand name brings a totally new concept \n to their customers.", "fieldType": "TEXTAREA", "isRequired": true},
        {"id": "ticket_priority", "idParent": "create_crm_ticket", "label": "Priority", "fieldType": "SELECT", "isRequired": true, "options": [{"label": "Major", "value": "MAJOR"}, {"label": "Minor", "value": "MINOR"}, {"label": "Trivial", "value": "TRIVIAL"}]},
        {"id": "order_id", "label": "The order id related to the claim", "fieldType": "INTEGER", "isRequired": false},
        {"id": "order_discount", "label": "The discount granted to the customer", "fieldType": "DECIMAL", "isRequired": false}
    ]);
    assert_plugin_shape(&example);
    // And our type reads it back unchanged.
    let read: Vec<ClosingFormInput> = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(serde_json::to_value(&read).unwrap(), example);
}

#[test]
fn the_exported_closing_form_has_the_documented_shape_for_every_form_and_nesting() {
    let mut everything = nested_form(json!([
        condition(
            REFUND_REQUESTED,
            json!(true),
            vec![child(REFUND_METHOD, None, false)]
        ),
        condition(
            REFUND_METHOD,
            json!("bank_transfer"),
            vec![child(IBAN, Some(("ALL_STATUSES", &[])), true)]
        ),
    ]));
    everything.ticket_field_ids.extend([
        IADVIZE_AGENT,
        SUMMARY,
        FOLLOW_UP_DATE,
        CUSTOMER_REFERENCE,
        RELATED_AGENT,
        CARD,
        ESCALATION_LEVEL,
    ]);
    let forms = [escalation_form(), complaint_form(), everything];
    for form in &forms {
        let f = RebuiltForm::build(form, &fields(), "Note");
        for nesting in [Nesting::UnderEscalate, Nesting::ByCondition, Nesting::Both] {
            let json = f.closing_form_json(nesting);
            assert_plugin_shape(&json);
            assert_eq!(json.as_array().unwrap().len(), f.fields.len() + 2);
            assert!(
                json.as_array()
                    .unwrap()
                    .iter()
                    .all(|i| i["isRequired"] == json!(false))
            );
        }
    }
}

#[test]
fn the_escalation_form_as_closing_form_inputs() {
    let f = escalation();
    let inputs = f.closing_form(Nesting::default());
    let by_id = |id: &str| {
        inputs
            .iter()
            .find(|i| i.id == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    let field = |id: i64| by_id(&field_input_id(id));
    assert_eq!(inputs[0].id, "escalate");
    assert_eq!(inputs[0].label, ESCALATE_LABEL);
    assert_eq!(inputs[0].field_type, ClosingFormFieldType::Checkbox);
    assert_eq!(inputs[0].id_parent, None);
    assert_eq!(inputs[1].id, "private_note");
    assert_eq!(inputs[1].label, "Summary of the request in one line");
    assert_eq!(inputs[1].field_type, ClosingFormFieldType::Textarea);
    let order: Vec<&str> = inputs[2..].iter().map(|i| i.id.as_str()).collect();
    let expected: Vec<String> = f.fields.iter().map(|x| x.closing_form_id.clone()).collect();
    assert_eq!(
        order,
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(
        inputs[1..]
            .iter()
            .all(|i| i.id_parent.as_deref() == Some("escalate"))
    );

    assert_eq!(field(IADVIZE_AGENT).field_type, ClosingFormFieldType::Text);
    assert_eq!(field(IADVIZE_AGENT).label, "iAdvize Agent");
    assert_eq!(field(SUMMARY).field_type, ClosingFormFieldType::Textarea);
    assert_eq!(
        field(REFUND_REQUESTED).field_type,
        ClosingFormFieldType::Checkbox
    );
    assert_eq!(
        field(ORDER_NUMBER).field_type,
        ClosingFormFieldType::Integer
    );
    assert_eq!(
        field(REFUND_AMOUNT).field_type,
        ClosingFormFieldType::Decimal
    );
    assert_eq!(
        field(REFUND_AMOUNT).label,
        "Refund amount (only when Refund requested is checked; then required to solve)"
    );
    let reason = field(CONTACT_REASON);
    assert_eq!(reason.field_type, ClosingFormFieldType::Select);
    assert_eq!(
        reason.label,
        "Contact reason (required to solve; default: Other)"
    );
    let options = reason.options.as_ref().unwrap();
    assert_eq!(options.len(), 5);
    assert_eq!(
        options[2],
        ClosingFormOption {
            label: "Refund".into(),
            value: "refund".into()
        }
    );
    assert_eq!(field(FOLLOW_UP_DATE).field_type, ClosingFormFieldType::Text);
    assert_eq!(
        field(FOLLOW_UP_DATE).label,
        "Follow-up date (date as YYYY-MM-DD)"
    );
    assert_eq!(
        field(CUSTOMER_REFERENCE).label,
        r"Customer reference (format ^[A-Z]{3}-\d{4}$)"
    );
    assert_eq!(field(PRODUCTS).field_type, ClosingFormFieldType::Text);
    assert_eq!(
        field(PRODUCTS).label,
        "Products (values separated by commas: shoes, bags, jackets, accessories)"
    );

    let json = f.closing_form_json(Nesting::UnderEscalate);
    assert_eq!(
        json[0],
        json!({"id": "escalate", "label": "Create an escalation ticket", "fieldType": "CHECKBOX", "isRequired": false})
    );
    assert_eq!(json[1]["idParent"], "escalate");
}

#[test]
fn checkbox_conditions_become_id_parents_when_nesting_by_condition() {
    let f = escalation();
    let amount = field_input_id(REFUND_AMOUNT);
    let refund = field_input_id(REFUND_REQUESTED);
    let by = f.closing_form(Nesting::ByCondition);
    let get =
        |inputs: &[ClosingFormInput], id: &str| inputs.iter().find(|i| i.id == id).unwrap().clone();
    assert_eq!(
        get(&by, &amount).id_parent.as_deref(),
        Some(refund.as_str())
    );
    assert_eq!(
        get(&by, &amount).label,
        "Refund amount (when shown, required to solve)"
    );
    assert_eq!(get(&by, &refund).id_parent, None);
    assert_eq!(get(&by, "private_note").id_parent, None);
    let both = f.closing_form(Nesting::Both);
    assert_eq!(
        get(&both, &amount).id_parent.as_deref(),
        Some(refund.as_str())
    );
    assert_eq!(get(&both, &refund).id_parent.as_deref(), Some("escalate"));
    // A dropdown condition, or a second-level checkbox, stays in the label.
    let f = nested(json!([
        condition(
            REFUND_REQUESTED,
            json!(true),
            vec![child(REFUND_METHOD, None, false)]
        ),
        condition(
            REFUND_METHOD,
            json!("bank_transfer"),
            vec![child(
                IBAN,
                Some(("SOME_STATUSES", &["open", "pending"])),
                true
            )]
        ),
        condition(
            CONTACT_REASON,
            json!("refund"),
            vec![child(SURVEY_OPT_OUT, None, false)]
        ),
        condition(
            SURVEY_OPT_OUT,
            json!(true),
            vec![child(OPT_OUT_REASON, None, false)]
        ),
    ]));
    let by = f.closing_form(Nesting::ByCondition);
    let iban = get(&by, &field_input_id(IBAN));
    assert_eq!(iban.id_parent, None);
    assert_eq!(
        iban.label,
        "IBAN (only when Refund method is Bank transfer; then required when the ticket is open, pending)"
    );
    let reason = get(&by, &field_input_id(OPT_OUT_REASON));
    assert_eq!(reason.id_parent, None, "its checkbox is itself conditional");
    assert_eq!(
        reason.label,
        "Why no survey (only when Survey opt-out is checked)"
    );
    assert_eq!(
        get(&by, &field_input_id(REFUND_METHOD))
            .id_parent
            .as_deref(),
        Some(field_input_id(REFUND_REQUESTED).as_str())
    );
}

#[test]
fn formats_the_plugin_lacks_are_said_in_the_label() {
    let f = complaint();
    let inputs = f.closing_form(Nesting::UnderEscalate);
    let label = |id: i64| {
        inputs
            .iter()
            .find(|i| i.id == field_input_id(id))
            .unwrap()
            .label
            .clone()
    };
    assert_eq!(label(RELATED_AGENT), "Related agent (Zendesk user id)");
    assert_eq!(
        label(CARD),
        "Card (last digits) (last 4 digits of the card only)"
    );
    assert_eq!(
        label(ESCALATION_LEVEL),
        "Escalation level (required to solve)"
    );
    let mut f = f;
    f.set_admin_defaults(&BTreeMap::from([(ORDER_NUMBER, text("0"))]));
    let inputs = f.closing_form(Nesting::UnderEscalate);
    let order = inputs
        .iter()
        .find(|i| i.id == field_input_id(ORDER_NUMBER))
        .unwrap();
    assert_eq!(order.label, "Order number (default: 0)");
}

// ------------------------------------------------------------------ reading the answers

fn answer(id: &str, label: &str, value: &str) -> ClosingFormAnswer {
    ClosingFormAnswer {
        field_id: id.into(),
        label: Some(label.into()),
        value: Some(value.into()),
    }
}

fn zf(id: i64) -> String {
    field_input_id(id)
}

/// The sandbox's `Closing::Escalated` answers (`crates/sandbox/src/iadvize/data.rs`).
fn sandbox_escalated(refund: bool) -> Vec<ClosingFormAnswer> {
    let mut out = vec![
        answer("escalate", "Create an escalation ticket", "true"),
        answer(
            "private_note",
            "Private note",
            "Customer called twice; order stuck in transit. <b>Check carrier</b> — ça urge ⚠️",
        ),
        answer(
            &zf(CONTACT_REASON),
            "Contact reason",
            if refund { "refund" } else { "delivery" },
        ),
        answer(
            &zf(REFUND_REQUESTED),
            "Refund requested",
            if refund { "true" } else { "false" },
        ),
        answer(&zf(ORDER_NUMBER), "Order number", "100042"),
        answer(&zf(FOLLOW_UP_DATE), "Follow-up date", "2026-12-15"),
        answer(&zf(CUSTOMER_REFERENCE), "Customer reference", "ABC-1234"),
        answer(&zf(PRODUCTS), "Products", "shoes,bags"),
    ];
    if refund {
        out.push(answer(&zf(REFUND_AMOUNT), "Refund amount", "49.90"));
    }
    out
}

#[test]
fn the_sandboxs_escalated_answers_are_read_and_all_valid() {
    let f = escalation();
    for refund in [true, false] {
        let request = f.read_closing_form(&sandbox_escalated(refund));
        assert!(request.escalate);
        assert_eq!(
            request.note.as_deref(),
            Some(
                "Customer called twice; order stuck in transit. <b>Check carrier</b> — ça urge ⚠️"
            )
        );
        assert!(request.problems.is_empty(), "{:?}", request.problems);
        assert_eq!(
            request.answers[&REFUND_REQUESTED],
            AnswerValue::Bool(refund)
        );
        assert_eq!(request.answers[&PRODUCTS], list(&["shoes", "bags"]));
        assert_eq!(request.answers[&ORDER_NUMBER], text("100042"));
        let out = request.validate(&f, "open");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let mut expected = vec![
            (
                CONTACT_REASON,
                json!(if refund { "refund" } else { "delivery" }),
            ),
            (REFUND_REQUESTED, json!(refund)),
        ];
        if refund {
            expected.push((REFUND_AMOUNT, json!("49.90")));
        }
        expected.extend([
            (FOLLOW_UP_DATE, json!("2026-12-15")),
            (CUSTOMER_REFERENCE, json!("ABC-1234")),
            (PRODUCTS, json!(["shoes", "bags"])),
            (ORDER_NUMBER, json!("100042")),
        ]);
        let got: Vec<(i64, Value)> = out
            .custom_fields
            .iter()
            .map(|c| (c.id, c.value.clone()))
            .collect();
        assert_eq!(got, expected);
    }
}

#[test]
fn the_sandboxs_invalid_answers_are_reported_and_the_rest_escalates() {
    let f = escalation();
    let values = vec![
        answer("escalate", "Create an escalation ticket", "true"),
        answer(
            "private_note",
            "Private note",
            "Answers below were typed by hand.",
        ),
        answer(&zf(CONTACT_REASON), "Contact reason", "not_an_option"),
        answer(&zf(ORDER_NUMBER), "Order number", "twelve"),
        answer(&zf(FOLLOW_UP_DATE), "Follow-up date", "31/12/2026"),
        answer(&zf(CUSTOMER_REFERENCE), "Customer reference", "abc-12"),
        answer(&zf(REFUND_REQUESTED), "Refund requested", "true"),
        answer(&zf(999_999_999), "Field that no longer exists", "x"),
    ];
    let request = f.read_closing_form(&values);
    assert!(request.escalate);
    assert_eq!(request.problems.len(), 1);
    let stale = &request.problems[0];
    assert_eq!(stale.code, AnswerErrorCode::NotOnForm);
    assert_eq!(stale.field_id, Some(999_999_999));
    assert_eq!(stale.field_title, "Field that no longer exists");
    assert!(
        stale.reason.contains("export the closing form again"),
        "{}",
        stale.reason
    );
    let out = request.validate(&f, "open");
    let lines: Vec<String> = out.errors.iter().map(AnswerError::line).collect();
    assert_eq!(lines.len(), 5, "{lines:#?}");
    assert_eq!(
        out.errors[0].field_id,
        Some(999_999_999),
        "reading problems first"
    );
    assert_eq!(
        out.errors[1..]
            .iter()
            .map(|e| e.field_id.unwrap())
            .collect::<Vec<_>>(),
        [
            CONTACT_REASON,
            FOLLOW_UP_DATE,
            CUSTOMER_REFERENCE,
            ORDER_NUMBER
        ]
    );
    assert!(
        lines[4].starts_with("Order number = \"twelve\""),
        "{}",
        lines[4]
    );
    assert_eq!(
        out.custom_fields.iter().map(|c| c.id).collect::<Vec<_>>(),
        [CONTACT_REASON, REFUND_REQUESTED],
        "the default reason and the valid checkbox"
    );
    // "Refund amount" now shows; required only to solve.
    assert!(visible(&out, REFUND_AMOUNT));
}

#[test]
fn escalate_reads_yes_in_its_usual_spellings() {
    let f = escalation();
    for yes in ["true", "TRUE", "1", "on", "yes", " Yes "] {
        assert!(
            f.read_closing_form(&[answer("escalate", "x", yes)])
                .escalate,
            "{yes}"
        );
    }
    for no in ["false", "0", "off", "no", "", "  "] {
        let r = f.read_closing_form(&[answer("escalate", "x", no)]);
        assert!(!r.escalate && r.problems.is_empty(), "{no:?}");
    }
    let r = f.read_closing_form(&[ClosingFormAnswer {
        field_id: "escalate".into(),
        label: None,
        value: None,
    }]);
    assert!(!r.escalate && r.problems.is_empty());
    assert!(!f.read_closing_form(&[]).escalate);
    let r = f.read_closing_form(&[answer("escalate", "Create an escalation ticket", "maybe")]);
    assert!(!r.escalate);
    assert_eq!(r.problems[0].code, AnswerErrorCode::Unreadable);
    assert_eq!(r.problems[0].field_title, "Create an escalation ticket");
}

#[test]
fn checkbox_fields_read_the_same_spellings_and_pass_anything_else_to_validation() {
    let f = escalation();
    let read =
        |v: &str| f.read_closing_form(&[answer(&zf(REFUND_REQUESTED), "Refund requested", v)]);
    assert_eq!(
        read("on").answers[&REFUND_REQUESTED],
        AnswerValue::Bool(true)
    );
    assert_eq!(
        read("0").answers[&REFUND_REQUESTED],
        AnswerValue::Bool(false)
    );
    let r = read("maybe");
    assert_eq!(r.answers[&REFUND_REQUESTED], text("maybe"));
    let out = r.validate(&f, "open");
    assert_eq!(out.errors[0].code, AnswerErrorCode::Invalid);
    assert_eq!(out.errors[0].field_title, "Refund requested");
}

#[test]
fn unknown_inputs_and_stale_or_unasked_field_ids_are_problems_not_crashes() {
    let mut form = escalation_form();
    form.ticket_field_ids.push(INTERNAL_CODE);
    let f = RebuiltForm::build(&form, &fields(), "");
    let r = f.read_closing_form(&[
        answer("escalate", "Escalate", "true"),
        answer("satisfaction", "Was the customer happy?", "yes"),
        answer("zendesk_field_abc", "Broken", "x"),
        answer("zendesk_field_-5", "Negative", "x"),
        answer(&zf(INTERNAL_CODE), "Internal code", "x"),
        answer(&zf(360_000_001), "Subject", "x"),
        answer(&zf(123), "Old field", "x"),
        answer(&zf(124), "Old field, empty", ""),
        answer(&zf(ORDER_NUMBER), "Order number", "42"),
    ]);
    assert!(r.escalate);
    assert_eq!(r.answers, answers(&[(ORDER_NUMBER, text("42"))]));
    let got: Vec<(Option<i64>, AnswerErrorCode, &str)> = r
        .problems
        .iter()
        .map(|p| (p.field_id, p.code, p.field_title.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                None,
                AnswerErrorCode::UnknownInput,
                "Was the customer happy?"
            ),
            (None, AnswerErrorCode::UnknownInput, "Broken"),
            (None, AnswerErrorCode::UnknownInput, "Negative"),
            (
                Some(INTERNAL_CODE),
                AnswerErrorCode::NotOnForm,
                "Internal code (retired)"
            ),
            (Some(360_000_001), AnswerErrorCode::NotOnForm, "Subject"),
            (Some(123), AnswerErrorCode::NotOnForm, "Old field"),
        ]
    );
    assert!(
        r.problems[0]
            .reason
            .contains("\"satisfaction\" is not one the app exported")
    );
    assert!(r.problems[3].reason.contains("inactive"));
    // Without a label, the id names it.
    let r = f.read_closing_form(&[ClosingFormAnswer {
        field_id: "mystery".into(),
        label: None,
        value: Some("1".into()),
    }]);
    assert_eq!(r.problems[0].field_title, "mystery");
}

#[test]
fn duplicates_long_values_empty_answers_and_the_note() {
    let f = escalation();
    let long = "x".repeat(1500);
    let r = f.read_closing_form(&[
        answer(&zf(ORDER_NUMBER), "Order number", "1"),
        answer(&zf(ORDER_NUMBER), "Order number", "2"),
        answer(&zf(SUMMARY), "Summary", &long),
        answer(&zf(IADVIZE_AGENT), "Agent", "  "),
        answer("private_note", "Note", "   "),
    ]);
    assert_eq!(r.answers[&ORDER_NUMBER], text("2"), "the last answer wins");
    assert_eq!(r.answers[&SUMMARY], text(&long), "kept as is");
    assert!(!r.answers.contains_key(&IADVIZE_AGENT));
    assert_eq!(r.note, None);
    let codes: Vec<AnswerErrorCode> = r.problems.iter().map(|p| p.code).collect();
    assert_eq!(
        codes,
        [AnswerErrorCode::Duplicate, AnswerErrorCode::LongValue]
    );
    assert!(
        r.problems[1]
            .reason
            .starts_with("1500 characters, more than the 1024")
    );
    assert_eq!(
        r.problems[1].value.as_ref().unwrap().chars().count(),
        201,
        "shortened in the log"
    );
    assert_eq!(r.problems[1].field_title, "Conversation summary");
    let out = r.validate(&f, "open");
    assert_eq!(out.value(SUMMARY), Some(&json!(long)));
    // The note under the admin's label, trimmed.
    let r = f.read_closing_form(&[answer(
        "private_note",
        "Summary of the request in one line",
        "  Call back tomorrow \n",
    )]);
    assert_eq!(r.note.as_deref(), Some("Call back tomorrow"));
}

#[test]
fn multiselect_and_dropdown_answers_are_read_as_option_values() {
    let f = escalation();
    let r = f.read_closing_form(&[
        answer(&zf(PRODUCTS), "Products", " shoes , ,accessories "),
        answer(&zf(CONTACT_REASON), "Contact reason", "product_question"),
    ]);
    assert_eq!(r.answers[&PRODUCTS], list(&["shoes", "accessories"]));
    let out = r.validate(&f, "open");
    assert!(out.errors.is_empty());
    assert_eq!(out.value(PRODUCTS), Some(&json!(["shoes", "accessories"])));
    assert_eq!(out.value(CONTACT_REASON), Some(&json!("product_question")));
}

#[test]
fn a_closing_form_exported_then_answered_reads_back_through_its_own_ids() {
    let f = escalation();
    let exported = f.closing_form(Nesting::UnderEscalate);
    let values: Vec<ClosingFormAnswer> = exported
        .iter()
        .map(|input| {
            let value = match (input.id.as_str(), input.field_type) {
                ("escalate", _) => "true".to_string(),
                (_, ClosingFormFieldType::Checkbox) => "true".into(),
                (_, ClosingFormFieldType::Select) => {
                    input.options.as_ref().unwrap()[0].value.clone()
                }
                (_, ClosingFormFieldType::Integer) => "7".into(),
                (_, ClosingFormFieldType::Decimal) => "1.5".into(),
                (id, _) if id == zf(FOLLOW_UP_DATE) => "2026-01-31".into(),
                (id, _) if id == zf(CUSTOMER_REFERENCE) => "XYZ-0001".into(),
                (id, _) if id == zf(PRODUCTS) => "bags,jackets".into(),
                _ => "some text".into(),
            };
            answer(&input.id, &input.label, &value)
        })
        .collect();
    let request = f.read_closing_form(&values);
    assert!(request.escalate && request.problems.is_empty());
    assert_eq!(request.note.as_deref(), Some("some text"));
    let out = request.validate(&f, "solved");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(
        out.custom_fields.len(),
        f.fields.len(),
        "every field answered and shown"
    );
}
