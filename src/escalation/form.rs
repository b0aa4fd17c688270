//! The rebuilt form: a Zendesk ticket form, field by field, as agents fill it (desktop
//! escalation screen, live preview in the settings, and the iAdvize closing form exported from
//! it). Built once from the form and the account's fields; everything the UI needs is in it.

use super::answers::{AnswerValue, parse_answer};
use super::regexp::FieldPattern;
use crate::zendesk::{ConditionChild, FieldKind, RequiredOnKind, TicketField, TicketForm};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

/// The closing-form input ids and the note's default label.
pub const ESCALATE_INPUT: &str = "escalate";
pub const NOTE_INPUT: &str = "private_note";
pub const FIELD_INPUT_PREFIX: &str = "zendesk_field_";
pub const DEFAULT_NOTE_LABEL: &str = "Private note";

/// `zendesk_field_<ID>`.
pub fn field_input_id(field_id: i64) -> String {
    format!("{FIELD_INPUT_PREFIX}{field_id}")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RebuiltForm {
    pub form_id: i64,
    /// The form's display name (else its name).
    pub form_name: String,
    pub form_active: bool,
    /// The custom fields agents fill, in the form's order.
    pub fields: Vec<RebuiltField>,
    /// System fields on the form: not asked, filled by the app or by Zendesk.
    pub system_fields: Vec<SystemFieldNote>,
    /// Fields the form lists that are not asked (inactive, deleted, unknown type).
    pub skipped: Vec<SkippedField>,
    /// Things about the form an admin should know (a condition that can never show its field...).
    pub warnings: Vec<FormWarning>,
    /// The private-note textarea, under the admin's label.
    pub note: NoteInput,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RebuiltField {
    pub id: i64,
    pub title: String,
    /// The agent description, else the description.
    pub description: Option<String>,
    pub input: FieldInput,
    /// Agents must fill it to solve (Zendesk's `required`). False for conditional fields:
    /// their conditions say when they are required, which overrides the field setting.
    pub required_to_solve: bool,
    /// Empty: always shown. Otherwise shown when any of these holds (and its parent shows).
    pub shown_when: Vec<ShowCondition>,
    /// What the field holds when the agent gives nothing (sent, since Zendesk applies
    /// dropdown defaults only in its own agent interface, not to API tickets).
    pub default_value: Option<AnswerValue>,
    pub default_source: Option<DefaultSource>,
    /// Nesting level for display: 0 unconditional, 1 shown by an unconditional parent...
    pub depth: u32,
    /// Its input id in the iAdvize closing form: `zendesk_field_<ID>`.
    pub closing_form_id: String,
}

/// How the agent enters the value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export, rename = "RebuiltFieldInput")]
pub enum FieldInput {
    Text,
    Textarea,
    /// Checked adds `tag` to the ticket.
    Checkbox {
        tag: Option<String>,
    },
    /// `YYYY-MM-DD`.
    Date,
    /// A whole number (optional sign, digits).
    Integer,
    /// A decimal number with a dot.
    Decimal,
    /// Text matching `pattern` (Ruby syntax, as Zendesk has it). `checked` is false when the
    /// app cannot check it (Zendesk will): see the form's warnings.
    Regexp {
        pattern: String,
        checked: bool,
    },
    /// Zendesk "tagger": one option's `value`.
    Dropdown {
        options: Vec<FieldChoice>,
    },
    /// Several options' values.
    Multiselect {
        options: Vec<FieldChoice>,
    },
    /// The id of a record: `relationship_target_type` is `zen:user`, `zen:organization`,
    /// `zen:ticket` or `zen:custom_object:<key>`; `target` says it in words ("user").
    /// Users and tickets have numeric ids, custom object records text ids.
    Lookup {
        relationship_target_type: Option<String>,
        target: String,
        /// Records can be searched by name ([`crate::Api::search_lookup`]): user,
        /// organization and custom object lookups (not tickets).
        searchable: bool,
    },
    /// The last 4 digits of a card; only those are kept and sent.
    PartialCreditCard,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "RebuiltFieldChoice")]
pub struct FieldChoice {
    /// What the agent sees.
    pub name: String,
    /// What is sent (the option's tag).
    pub value: String,
    pub default: bool,
}

/// A field shows when its parent (itself shown) has `value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, rename = "RebuiltFieldCondition")]
pub struct ShowCondition {
    pub parent_field_id: i64,
    pub parent_title: String,
    /// Zendesk's condition value: `true`/`false` for a checkbox, an option value otherwise.
    #[ts(type = "boolean | string | number | Array<string> | null")]
    pub value: Value,
    /// The value as the agent sees it: the option's name, "checked" or "not checked".
    pub value_label: String,
    /// When this condition shows the field: is it then required?
    pub required: RequiredWhen,
}

/// When a shown conditional field must have a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export, rename = "RebuiltFieldRequiredWhen")]
pub enum RequiredWhen {
    Never,
    /// On every status.
    Always,
    /// When the ticket is set to one of these (`solved`, `open`...).
    OnStatuses {
        statuses: Vec<String>,
    },
}

impl RequiredWhen {
    /// From a condition child, with the same meaning as [`ConditionChild::required_on`].
    pub fn of(child: &ConditionChild) -> RequiredWhen {
        let legacy = || {
            if child.is_required {
                RequiredWhen::Always
            } else {
                RequiredWhen::Never
            }
        };
        match &child.required_on_statuses {
            None => legacy(),
            Some(r) => match r.kind {
                RequiredOnKind::AllStatuses => RequiredWhen::Always,
                RequiredOnKind::NoStatuses => RequiredWhen::Never,
                RequiredOnKind::SomeStatuses if r.statuses.is_empty() => RequiredWhen::Never,
                RequiredOnKind::SomeStatuses => RequiredWhen::OnStatuses {
                    statuses: r.statuses.clone(),
                },
                RequiredOnKind::Unknown => legacy(),
            },
        }
    }

    pub fn on(&self, status: &str) -> bool {
        match self {
            RequiredWhen::Never => false,
            RequiredWhen::Always => true,
            RequiredWhen::OnStatuses { statuses } => statuses.iter().any(|s| s == status),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "RebuiltFieldDefaultSource")]
pub enum DefaultSource {
    /// The dropdown/multiselect option marked default in Zendesk.
    Zendesk,
    /// A default the admin set in the app.
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "RebuiltFormSystemField")]
pub struct SystemFieldNote {
    pub id: i64,
    /// `subject`, `description`, `status`, `priority`...
    pub field_type: String,
    pub title: String,
    /// Who fills it, in words.
    pub filled_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "RebuiltFormSkippedField")]
pub struct SkippedField {
    pub id: i64,
    /// None when Zendesk did not return the field (deleted).
    pub title: Option<String>,
    pub field_type: Option<String>,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "RebuiltFormSkipReason")]
pub enum SkipReason {
    Inactive,
    /// The form lists it but the account's fields do not include it.
    NotFound,
    /// A field type this app does not know.
    UnsupportedType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "RebuiltFormWarning")]
pub struct FormWarning {
    pub field_id: Option<i64>,
    pub code: FormWarningCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "RebuiltFormWarningCode")]
pub enum FormWarningCode {
    /// A condition's parent is not asked (system, inactive, missing): the field never shows.
    ParentNotAsked,
    /// Conditions refer to each other in a loop: the fields in it never show.
    ConditionLoop,
    /// The field is `required` but conditional: Zendesk applies the conditions' requirement.
    RequiredOverriddenByConditions,
    /// The `regexp_for_validation` cannot be checked here: Zendesk checks it.
    PatternNotChecked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "EscalationNoteInput")]
pub struct NoteInput {
    /// `private_note`.
    pub id: String,
    pub label: String,
    /// True when the admin gave no label: the UI may show its own translation instead.
    pub label_is_default: bool,
}

impl NoteInput {
    pub fn new(label: &str) -> NoteInput {
        let label = label.trim();
        NoteInput {
            id: NOTE_INPUT.into(),
            label: if label.is_empty() {
                DEFAULT_NOTE_LABEL.into()
            } else {
                label.into()
            },
            label_is_default: label.is_empty(),
        }
    }
}

fn filled_by(field_type: &str) -> &'static str {
    match field_type {
        "subject" => "the app: the conversation's subject line",
        "description" => "the app: the transcript is the first comment",
        "status" => "Zendesk: new or open, never solved",
        "custom_status" => "Zendesk: follows the status",
        "priority" | "tickettype" => "Zendesk: its default (not asked)",
        "group" | "assignee" => "Zendesk's routing (not asked)",
        "brand" => "Zendesk: the account's default brand",
        _ => "not asked",
    }
}

/// "checked", an option's name, or the value itself.
pub(crate) fn value_label(parent: Option<&TicketField>, value: &Value) -> String {
    match value {
        Value::Bool(true) => "checked".into(),
        Value::Bool(false) => "not checked".into(),
        Value::String(v) => parent
            .and_then(|p| p.custom_field_options.iter().find(|o| &o.value == v))
            .map(|o| o.name.clone())
            .unwrap_or_else(|| v.clone()),
        Value::Null => "empty".into(),
        other => other.to_string(),
    }
}

/// The lookup targets whose records [`crate::Api::search_lookup`] finds by name.
pub const USER_TARGET: &str = "zen:user";
pub const ORGANIZATION_TARGET: &str = "zen:organization";
pub const CUSTOM_OBJECT_TARGET: &str = "zen:custom_object:";

/// How Zendesk searches the records of a lookup target by name; None: it cannot (tickets,
/// anything unknown), the field keeps an id input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupSearch<'a> {
    Users,
    Organizations,
    /// The records of the custom object with this key.
    CustomObject(&'a str),
}

impl LookupSearch<'_> {
    pub fn of(target: &str) -> Option<LookupSearch<'_>> {
        match target {
            USER_TARGET => Some(LookupSearch::Users),
            ORGANIZATION_TARGET => Some(LookupSearch::Organizations),
            t => t
                .strip_prefix(CUSTOM_OBJECT_TARGET)
                .filter(|key| !key.is_empty())
                .map(LookupSearch::CustomObject),
        }
    }
}

/// Does a lookup to this target take a text id (custom object records) rather than a number?
pub fn lookup_takes_text_id(target: Option<&str>) -> bool {
    target.is_some_and(|t| t.starts_with(CUSTOM_OBJECT_TARGET))
}

fn lookup_target(target: Option<&str>) -> String {
    match target {
        Some("zen:user") => "user".into(),
        Some("zen:organization") => "organization".into(),
        Some("zen:ticket") => "ticket".into(),
        Some(t) if t.starts_with(CUSTOM_OBJECT_TARGET) => {
            format!("{} record", &t[CUSTOM_OBJECT_TARGET.len()..])
        }
        _ => "record".into(),
    }
}

fn choices(field: &TicketField) -> Vec<FieldChoice> {
    field
        .custom_field_options
        .iter()
        .map(|o| FieldChoice {
            name: o.name.clone(),
            value: o.value.clone(),
            default: o.default,
        })
        .collect()
}

/// The input for a custom field kind; None for kinds that are not asked.
fn input_of(field: &TicketField) -> Option<FieldInput> {
    Some(match field.kind() {
        FieldKind::Text => FieldInput::Text,
        FieldKind::Textarea => FieldInput::Textarea,
        FieldKind::Checkbox => FieldInput::Checkbox {
            tag: field.tag.clone().filter(|t| !t.is_empty()),
        },
        FieldKind::Date => FieldInput::Date,
        FieldKind::Integer => FieldInput::Integer,
        FieldKind::Decimal => FieldInput::Decimal,
        FieldKind::Regexp => {
            let pattern = field.regexp_for_validation.clone().unwrap_or_default();
            let checked = !pattern.is_empty() && FieldPattern::new(&pattern).is_checkable();
            FieldInput::Regexp { pattern, checked }
        }
        FieldKind::Tagger => FieldInput::Dropdown {
            options: choices(field),
        },
        FieldKind::Multiselect => FieldInput::Multiselect {
            options: choices(field),
        },
        FieldKind::Lookup => FieldInput::Lookup {
            relationship_target_type: field.relationship_target_type.clone(),
            target: lookup_target(field.relationship_target_type.as_deref()),
            searchable: field
                .relationship_target_type
                .as_deref()
                .is_some_and(|t| LookupSearch::of(t).is_some()),
        },
        FieldKind::PartialCreditCard => FieldInput::PartialCreditCard,
        FieldKind::System(_) | FieldKind::Other(_) => return None,
    })
}

fn zendesk_default(input: &FieldInput) -> Option<AnswerValue> {
    match input {
        FieldInput::Dropdown { options } => options
            .iter()
            .find(|o| o.default)
            .map(|o| AnswerValue::Text(o.value.clone())),
        FieldInput::Multiselect { options } => {
            let values: Vec<String> = options
                .iter()
                .filter(|o| o.default)
                .map(|o| o.value.clone())
                .collect();
            (!values.is_empty()).then_some(AnswerValue::List(values))
        }
        _ => None,
    }
}

impl RebuiltForm {
    /// Rebuilds `form` from the account's `fields` (all of them, or at least the form's).
    /// `note_label` is the admin's label for the private note (empty: a default).
    pub fn build(form: &TicketForm, fields: &[TicketField], note_label: &str) -> RebuiltForm {
        let by_id: HashMap<i64, &TicketField> = fields.iter().map(|f| (f.id, f)).collect();
        let mut out = RebuiltForm {
            form_id: form.id,
            form_name: form
                .display_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| form.name.clone()),
            form_active: form.active,
            fields: Vec::new(),
            system_fields: Vec::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            note: NoteInput::new(note_label),
        };
        let mut seen = std::collections::HashSet::new();
        for id in form.ticket_field_ids.iter().copied() {
            if !seen.insert(id) {
                continue;
            }
            let Some(field) = by_id.get(&id).copied() else {
                out.skipped.push(SkippedField {
                    id,
                    title: None,
                    field_type: None,
                    reason: SkipReason::NotFound,
                });
                continue;
            };
            let skip = |reason| SkippedField {
                id,
                title: Some(field.title.clone()),
                field_type: Some(field.field_type.clone()),
                reason,
            };
            if let FieldKind::System(kind) = field.kind() {
                out.system_fields.push(SystemFieldNote {
                    id,
                    title: field.title.clone(),
                    filled_by: filled_by(&kind).into(),
                    field_type: kind,
                });
                continue;
            }
            if !field.is_custom() {
                // Not removable but of a type we do not know as a system type.
                out.system_fields.push(SystemFieldNote {
                    id,
                    field_type: field.field_type.clone(),
                    title: field.title.clone(),
                    filled_by: filled_by("").into(),
                });
                continue;
            }
            if !field.active {
                out.skipped.push(skip(SkipReason::Inactive));
                continue;
            }
            let Some(input) = input_of(field) else {
                out.skipped.push(skip(SkipReason::UnsupportedType));
                continue;
            };
            if let FieldInput::Regexp {
                pattern,
                checked: false,
            } = &input
            {
                out.warnings.push(FormWarning {
                    field_id: Some(id),
                    code: FormWarningCode::PatternNotChecked,
                    message: if pattern.is_empty() {
                        format!("\"{}\" has no pattern: any text is accepted", field.title)
                    } else {
                        format!(
                            "The pattern of \"{}\" ({pattern}) uses Ruby features this app cannot check; Zendesk checks it when the ticket is sent",
                            field.title
                        )
                    },
                });
            }
            let default_value = zendesk_default(&input);
            out.fields.push(RebuiltField {
                id,
                title: field.title.clone(),
                description: field
                    .agent_description
                    .clone()
                    .filter(|d| !d.trim().is_empty())
                    .or_else(|| field.description.clone())
                    .filter(|d| !d.trim().is_empty()),
                default_source: default_value.as_ref().map(|_| DefaultSource::Zendesk),
                default_value,
                input,
                required_to_solve: field.required,
                shown_when: Vec::new(),
                depth: 0,
                closing_form_id: field_input_id(id),
            });
        }
        out.attach_conditions(form, &by_id);
        out.compute_depths();
        out
    }

    fn attach_conditions(&mut self, form: &TicketForm, by_id: &HashMap<i64, &TicketField>) {
        let index: HashMap<i64, usize> = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i))
            .collect();
        for condition in &form.agent_conditions {
            let parent = by_id.get(&condition.parent_field_id).copied();
            let parent_asked = index.contains_key(&condition.parent_field_id);
            let parent_title = parent.map_or_else(
                || format!("field {}", condition.parent_field_id),
                |p| p.title.clone(),
            );
            for child in &condition.child_fields {
                let Some(&i) = index.get(&child.id) else {
                    continue;
                };
                let shown = ShowCondition {
                    parent_field_id: condition.parent_field_id,
                    parent_title: parent_title.clone(),
                    value: condition.value.clone(),
                    value_label: value_label(parent, &condition.value),
                    required: RequiredWhen::of(child),
                };
                if !parent_asked {
                    let message = format!(
                        "\"{}\" shows only when \"{parent_title}\" is \"{}\", which this form does not ask: it never shows",
                        self.fields[i].title, shown.value_label
                    );
                    self.warnings.push(FormWarning {
                        field_id: Some(child.id),
                        code: FormWarningCode::ParentNotAsked,
                        message,
                    });
                }
                self.fields[i].shown_when.push(shown);
            }
        }
        for f in &mut self.fields {
            if f.required_to_solve && !f.shown_when.is_empty() {
                f.required_to_solve = false;
                self.warnings.push(FormWarning {
                    field_id: Some(f.id),
                    code: FormWarningCode::RequiredOverriddenByConditions,
                    message: format!(
                        "\"{}\" is required to solve in its settings but shown by conditions: Zendesk requires it only as the conditions say",
                        f.title
                    ),
                });
            }
        }
    }

    /// Depth 0 for unconditional fields, 1 + the shallowest asked parent otherwise; fields in
    /// a condition loop are warned about.
    fn compute_depths(&mut self) {
        let index: HashMap<i64, usize> = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i))
            .collect();
        let mut depth: BTreeMap<usize, Option<u32>> = BTreeMap::new();
        fn visit(
            i: usize,
            fields: &[RebuiltField],
            index: &HashMap<i64, usize>,
            depth: &mut BTreeMap<usize, Option<u32>>,
        ) -> Option<u32> {
            if let Some(d) = depth.get(&i) {
                return *d; // None while in progress: a loop
            }
            depth.insert(i, None);
            let f = &fields[i];
            let d = if f.shown_when.is_empty() {
                Some(0)
            } else {
                f.shown_when
                    .iter()
                    .filter_map(|c| index.get(&c.parent_field_id))
                    .filter_map(|&p| visit(p, fields, index, depth))
                    .min()
                    .map(|d| d + 1)
            };
            depth.insert(i, d);
            d
        }
        for i in 0..self.fields.len() {
            visit(i, &self.fields, &index, &mut depth);
        }
        let in_loop = fields_in_loops(&self.fields);
        for (i, f) in self.fields.iter_mut().enumerate() {
            f.depth = depth.get(&i).copied().flatten().unwrap_or(1);
            if in_loop.contains(&f.id) {
                self.warnings.push(FormWarning {
                    field_id: Some(f.id),
                    code: FormWarningCode::ConditionLoop,
                    message: format!(
                        "\"{}\" is shown by a chain of conditions that leads back to itself: it never shows",
                        f.title
                    ),
                });
            }
        }
    }

    pub fn field(&self, id: i64) -> Option<&RebuiltField> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// Sets the admin's defaults (field id -> value), replacing Zendesk's. Each is checked like
    /// an answer; invalid ones and ids not asked on the form are returned and not set.
    pub fn set_admin_defaults(
        &mut self,
        defaults: &BTreeMap<i64, AnswerValue>,
    ) -> Vec<super::AnswerError> {
        let mut errors = Vec::new();
        for (id, value) in defaults {
            let Some(field) = self.fields.iter_mut().find(|f| f.id == *id) else {
                errors.push(super::AnswerError::new(
                    Some(*id),
                    format!("field {id}"),
                    Some(value.display()),
                    super::AnswerErrorCode::NotOnForm,
                    format!(
                        "a default is set for Zendesk field {id}, which the form \"{}\" does not ask",
                        self.form_name
                    ),
                ));
                continue;
            };
            if value.is_empty() {
                field.default_value = None;
                field.default_source = None;
                continue;
            }
            match parse_answer(field, value) {
                Ok(_) => {
                    field.default_value = Some(value.clone());
                    field.default_source = Some(DefaultSource::Admin);
                }
                Err(reason) => errors.push(super::AnswerError::new(
                    Some(*id),
                    field.title.clone(),
                    Some(super::answers::shown_value(field, value)),
                    super::AnswerErrorCode::Invalid,
                    format!("the default is not valid: {reason}"),
                )),
            }
        }
        errors
    }

    /// The title of field `id` as the form knows it (asked, system or skipped).
    pub fn title_of(&self, id: i64) -> Option<&str> {
        self.field(id)
            .map(|f| f.title.as_str())
            .or_else(|| {
                self.system_fields
                    .iter()
                    .find(|f| f.id == id)
                    .map(|f| f.title.as_str())
            })
            .or_else(|| {
                self.skipped
                    .iter()
                    .find(|f| f.id == id)
                    .and_then(|f| f.title.as_deref())
            })
    }
}

/// Fields from which following parents (condition -> parent field) leads back to the field.
fn fields_in_loops(fields: &[RebuiltField]) -> std::collections::HashSet<i64> {
    let parents: HashMap<i64, Vec<i64>> = fields
        .iter()
        .map(|f| {
            (
                f.id,
                f.shown_when.iter().map(|c| c.parent_field_id).collect(),
            )
        })
        .collect();
    let mut out = std::collections::HashSet::new();
    for f in fields {
        let mut stack: Vec<i64> = parents[&f.id].clone();
        let mut seen = std::collections::HashSet::new();
        while let Some(p) = stack.pop() {
            if p == f.id {
                out.insert(f.id);
                break;
            }
            if seen.insert(p)
                && let Some(next) = parents.get(&p)
            {
                stack.extend(next);
            }
        }
    }
    out
}
