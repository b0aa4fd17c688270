//! The iAdvize closing form: the definition the app exports (the "Conversation closing form"
//! plugin's array of inputs, `iadvize-api.md` §4) and the reading of the answers agents gave
//! (`Conversation.closingFormValues`).
//!
//! Inputs: `escalate` (CHECKBOX), `private_note` (TEXTAREA, the admin's label), and
//! `zendesk_field_<ID>` per asked field in the nearest plugin type. The plugin has no date,
//! pattern, card, lookup or multi-choice type: those are TEXT, with the expected format in the
//! label. Every input has `isRequired: false` (an agent who does not escalate must be able to
//! close); what Zendesk requires is said in the label. `idParent` is used as the documented
//! example uses it: a child shows when its parent CHECKBOX is checked (one level; whether the
//! plugin shows deeper levels is not documented, see [`Nesting`]).

use super::answers::{
    AnswerError, AnswerErrorCode, AnswerValue, Answers, ValidatedAnswers, parse_flag,
};
use super::form::{
    ESCALATE_INPUT, FIELD_INPUT_PREFIX, FieldInput, RebuiltField, RebuiltForm, RequiredWhen,
};
use crate::iadvize::ClosingFormAnswer;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use ts_rs::TS;

pub const ESCALATE_LABEL: &str = "Create an escalation ticket";
/// iAdvize saves up to 1024 characters per field.
pub const IADVIZE_MAX_CHARS: usize = 1024;

/// One input of the closing-form plugin's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClosingFormInput {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id_parent: Option<String>,
    pub label: String,
    pub field_type: ClosingFormFieldType,
    pub is_required: bool,
    /// SELECT only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub options: Option<Vec<ClosingFormOption>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum ClosingFormFieldType {
    Text,
    Checkbox,
    Select,
    Textarea,
    Integer,
    Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ClosingFormOption {
    pub label: String,
    pub value: String,
}

/// How inputs hang under one another (`idParent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "ClosingFormNesting")]
pub enum Nesting {
    /// The note and every field under `escalate` (shown once the agent ticks it); Zendesk's
    /// conditions are said in the labels. One level, as in iAdvize's example.
    #[default]
    UnderEscalate,
    /// Nothing under `escalate`; a field shown by a checked Zendesk checkbox hangs under that
    /// checkbox's input (one level). Other conditions are said in the labels.
    ByCondition,
    /// Both: two levels (escalate > checkbox > field). Only if iAdvize shows nested children.
    Both,
}

/// The checkbox parent whose `true` shows `field`, when that is its only condition and the
/// parent itself always shows (so one level of `idParent` says it all).
fn checkbox_parent<'a>(form: &'a RebuiltForm, field: &RebuiltField) -> Option<&'a RebuiltField> {
    let [condition] = field.shown_when.as_slice() else {
        return None;
    };
    let parent = form.field(condition.parent_field_id)?;
    let checked = matches!(&condition.value, Value::Bool(true))
        || condition.value.as_str().and_then(parse_flag) == Some(true);
    (matches!(parent.input, FieldInput::Checkbox { .. }) && checked && parent.shown_when.is_empty())
        .then_some(parent)
}

fn statuses_in_words(statuses: &[String]) -> String {
    if statuses == ["solved"] {
        "to solve".into()
    } else {
        format!("when the ticket is {}", statuses.join(", "))
    }
}

/// The label: the title, then in parentheses the format, the condition (unless `idParent`
/// says it), what Zendesk requires, and the default.
fn label_for(form: &RebuiltForm, field: &RebuiltField, parent_says_condition: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    match &field.input {
        FieldInput::Date => parts.push("date as YYYY-MM-DD".into()),
        FieldInput::Regexp { pattern, .. } if !pattern.is_empty() => {
            parts.push(format!("format {pattern}"))
        }
        FieldInput::PartialCreditCard => parts.push("last 4 digits of the card only".into()),
        FieldInput::Lookup { target, .. } => parts.push(format!("Zendesk {target} id")),
        FieldInput::Multiselect { options } => parts.push(format!(
            "values separated by commas: {}",
            options
                .iter()
                .map(|o| o.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => {}
    }
    if !field.shown_when.is_empty() && !parent_says_condition {
        let when = field
            .shown_when
            .iter()
            .map(|c| {
                let title = form
                    .field(c.parent_field_id)
                    .map_or(c.parent_title.as_str(), |p| p.title.as_str());
                format!("{title} is {}", c.value_label)
            })
            .collect::<Vec<_>>()
            .join(" or ");
        parts.push(format!("only when {when}"));
    }
    if field.shown_when.is_empty() {
        if field.required_to_solve {
            parts.push("required to solve".into());
        }
    } else {
        let mut always = false;
        let mut statuses: Vec<String> = Vec::new();
        for c in &field.shown_when {
            match &c.required {
                RequiredWhen::Never => {}
                RequiredWhen::Always => always = true,
                RequiredWhen::OnStatuses { statuses: s } => {
                    for s in s {
                        if !statuses.contains(s) {
                            statuses.push(s.clone());
                        }
                    }
                }
            }
        }
        let lead = if parent_says_condition {
            "when shown, required"
        } else {
            "then required"
        };
        if always {
            parts.push(lead.into());
        } else if !statuses.is_empty() {
            parts.push(format!("{lead} {}", statuses_in_words(&statuses)));
        }
    }
    match (&field.input, &field.default_value) {
        (FieldInput::Dropdown { options } | FieldInput::Multiselect { options }, Some(d)) => {
            let names: Vec<&str> = match d {
                AnswerValue::List(l) => l.iter().map(String::as_str).collect(),
                other => vec![match other {
                    AnswerValue::Text(s) => s.as_str(),
                    _ => "",
                }],
            }
            .into_iter()
            .map(|v| {
                options
                    .iter()
                    .find(|o| o.value == v)
                    .map_or(v, |o| o.name.as_str())
            })
            .collect();
            parts.push(format!("default: {}", names.join(", ")));
        }
        (_, Some(d)) => parts.push(format!("default: {}", d.display())),
        _ => {}
    }
    if parts.is_empty() {
        field.title.clone()
    } else {
        format!("{} ({})", field.title, parts.join("; "))
    }
}

fn plugin_type(input: &FieldInput) -> ClosingFormFieldType {
    match input {
        FieldInput::Textarea => ClosingFormFieldType::Textarea,
        FieldInput::Checkbox { .. } => ClosingFormFieldType::Checkbox,
        FieldInput::Integer => ClosingFormFieldType::Integer,
        FieldInput::Decimal => ClosingFormFieldType::Decimal,
        FieldInput::Dropdown { .. } => ClosingFormFieldType::Select,
        FieldInput::Text
        | FieldInput::Date
        | FieldInput::Regexp { .. }
        | FieldInput::Multiselect { .. }
        | FieldInput::Lookup { .. }
        | FieldInput::PartialCreditCard => ClosingFormFieldType::Text,
    }
}

impl RebuiltForm {
    /// The closing-form definition to paste into the iAdvize plugin: `escalate`,
    /// `private_note`, then one input per asked field in form order.
    pub fn closing_form(&self, nesting: Nesting) -> Vec<ClosingFormInput> {
        let under_escalate = matches!(nesting, Nesting::UnderEscalate | Nesting::Both);
        let by_condition = matches!(nesting, Nesting::ByCondition | Nesting::Both);
        let escalate = under_escalate.then(|| ESCALATE_INPUT.to_string());
        let mut out = vec![
            ClosingFormInput {
                id: ESCALATE_INPUT.into(),
                id_parent: None,
                label: ESCALATE_LABEL.into(),
                field_type: ClosingFormFieldType::Checkbox,
                is_required: false,
                options: None,
            },
            ClosingFormInput {
                id: self.note.id.clone(),
                id_parent: escalate.clone(),
                label: self.note.label.clone(),
                field_type: ClosingFormFieldType::Textarea,
                is_required: false,
                options: None,
            },
        ];
        for field in &self.fields {
            let parent = by_condition.then(|| checkbox_parent(self, field)).flatten();
            let options = match &field.input {
                FieldInput::Dropdown { options } => Some(
                    options
                        .iter()
                        .map(|o| ClosingFormOption {
                            label: o.name.clone(),
                            value: o.value.clone(),
                        })
                        .collect(),
                ),
                _ => None,
            };
            out.push(ClosingFormInput {
                id: field.closing_form_id.clone(),
                id_parent: parent
                    .map(|p| p.closing_form_id.clone())
                    .or_else(|| escalate.clone()),
                label: label_for(self, field, parent.is_some()),
                field_type: plugin_type(&field.input),
                is_required: false,
                options,
            });
        }
        out
    }

    /// [`closing_form`](Self::closing_form) as the JSON array the plugin answers.
    pub fn closing_form_json(&self, nesting: Nesting) -> Value {
        serde_json::to_value(self.closing_form(nesting)).unwrap_or(Value::Null)
    }
}

/// What an agent asked for when closing a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EscalationRequest {
    /// `escalate` was ticked.
    pub escalate: bool,
    /// `private_note`, trimmed; None when empty.
    pub note: Option<String>,
    /// `zendesk_field_<ID>` answers of fields the form asks, ready for validation.
    pub answers: Answers,
    /// Answers that could not be read or name fields the form does not ask.
    pub problems: Vec<AnswerError>,
}

impl EscalationRequest {
    /// Validates the answers for a ticket set to `status`; the reading problems come first
    /// in `errors`.
    pub fn validate(&self, form: &RebuiltForm, status: &str) -> ValidatedAnswers {
        let mut out = form.validate(&self.answers, status);
        let mut errors = self.problems.clone();
        errors.append(&mut out.errors);
        out.errors = errors;
        out
    }
}

/// The answer for a field as the plugin gives it: checkbox as a flag, multiselect split on
/// commas; anything unreadable is passed as text for validation to report.
fn answer_for(field: &RebuiltField, raw: &str) -> AnswerValue {
    match &field.input {
        FieldInput::Checkbox { .. } => match parse_flag(raw) {
            Some(b) => AnswerValue::Bool(b),
            None => AnswerValue::Text(raw.into()),
        },
        FieldInput::Multiselect { .. } => AnswerValue::List(
            raw.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ),
        _ => AnswerValue::Text(raw.into()),
    }
}

impl RebuiltForm {
    /// Reads the closing-form answers of a conversation. Never fails: what cannot be used is
    /// in `problems`.
    pub fn read_closing_form(&self, values: &[ClosingFormAnswer]) -> EscalationRequest {
        let mut out = EscalationRequest {
            escalate: false,
            note: None,
            answers: Answers::new(),
            problems: Vec::new(),
        };
        let mut seen: HashSet<&str> = HashSet::new();
        for answer in values {
            let id = answer.field_id.trim();
            let raw = answer.value.as_deref().unwrap_or("");
            let label = answer.label.as_deref().filter(|l| !l.trim().is_empty());
            let field_id = id
                .strip_prefix(FIELD_INPUT_PREFIX)
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n > 0);
            let field = field_id.and_then(|n| self.field(n));
            let title = field
                .map(|f| f.title.clone())
                .or_else(|| (id == self.note.id).then(|| self.note.label.clone()))
                .or_else(|| label.map(str::to_string))
                .unwrap_or_else(|| id.to_string());
            if !seen.insert(id) {
                out.problems.push(AnswerError::new(
                    field_id,
                    title.clone(),
                    Some(raw.to_string()),
                    AnswerErrorCode::Duplicate,
                    "answered more than once: the last answer is used",
                ));
            }
            if raw.chars().count() > IADVIZE_MAX_CHARS {
                out.problems.push(AnswerError::new(
                    field_id,
                    title.clone(),
                    Some(raw.to_string()),
                    AnswerErrorCode::LongValue,
                    format!(
                        "{} characters, more than the {IADVIZE_MAX_CHARS} iAdvize saves per field: kept as is",
                        raw.chars().count()
                    ),
                ));
            }
            match id {
                ESCALATE_INPUT => {
                    out.escalate = match parse_flag(raw) {
                        Some(b) => b,
                        None if raw.trim().is_empty() => false,
                        None => {
                            out.problems.push(AnswerError::new(
                                None,
                                title,
                                Some(raw.to_string()),
                                AnswerErrorCode::Unreadable,
                                "is neither yes nor no: no escalation",
                            ));
                            false
                        }
                    }
                }
                _ if id == self.note.id => {
                    out.note = Some(raw.trim().to_string()).filter(|n| !n.is_empty());
                }
                _ => match (field_id, field) {
                    (_, Some(field)) => {
                        if raw.trim().is_empty() {
                            out.answers.remove(&field.id);
                        } else {
                            out.answers.insert(field.id, answer_for(field, raw));
                        }
                    }
                    (Some(n), None) => {
                        if !raw.trim().is_empty() {
                            out.problems
                                .push(self.not_on_form(n, label, raw.to_string()));
                        }
                    }
                    (None, None) => out.problems.push(AnswerError::new(
                        None,
                        title,
                        Some(raw.to_string()),
                        AnswerErrorCode::UnknownInput,
                        format!(
                            "input {id:?} is not one the app exported ({ESCALATE_INPUT}, {}, {FIELD_INPUT_PREFIX}<ID>): ignored",
                            self.note.id
                        ),
                    )),
                },
            }
        }
        out
    }
}
