//! Custom fields of the ticket: the three reporting text fields ("iAdvize Agent", "iAdvize
//! Country", "iAdvize Campaign", found with [`IadvizeFields::find`]) filled when the form has
//! them, and the admin's default values for required fields. A field the form does not have is
//! never sent.

use crate::forms::{IADVIZE_AGENT, IADVIZE_CAMPAIGN, IADVIZE_COUNTRY, IadvizeFields};
use crate::iadvize::Conversation;
use crate::site::SiteSettings;
use crate::zendesk::{CustomFieldValue, TicketField, TicketForm};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::transcript::{agent_name, one_line};

/// The Zendesk form metadata the mapping needs.
#[derive(Debug, Clone, Copy)]
pub struct FormContext<'a> {
    /// The form the ticket goes into (`ticket_form_id` is sent): the site's auto-save (or
    /// escalation) form when the plan has forms. None on a plan without forms, where every
    /// active custom field applies to every ticket. (When the plan has forms and the site chose
    /// none, pass the account's default form: Zendesk puts the ticket there anyway.)
    pub form: Option<&'a TicketForm>,
    /// The account's ticket fields (at least the form's).
    pub fields: &'a [TicketField],
}

impl<'a> FormContext<'a> {
    pub fn new(form: Option<&'a TicketForm>, fields: &'a [TicketField]) -> Self {
        FormContext { form, fields }
    }

    /// The custom fields a value may be sent for: the form's active custom fields in form order
    /// (without a form: every active custom field).
    pub fn usable_fields(&self) -> Vec<&'a TicketField> {
        let usable = |f: &&TicketField| f.active && f.is_custom();
        match self.form {
            Some(form) => form
                .ticket_field_ids
                .iter()
                .filter_map(|id| self.fields.iter().find(|f| f.id == *id))
                .filter(usable)
                .collect(),
            None => self.fields.iter().filter(usable).collect(),
        }
    }
}

/// An admin-set value for a field (required fields with no value from the conversation), as
/// stored per site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, rename = "TicketFieldDefault")]
pub struct FieldDefault {
    pub field_id: i64,
    /// As Zendesk takes it for the field's type (text: string, checkbox: bool, dropdown: the
    /// option value, multiselect: array of option values, date: `YYYY-MM-DD`...).
    #[ts(type = "unknown")]
    pub value: Value,
}

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "TicketFieldSource")]
pub enum FieldSource {
    /// "iAdvize Agent": the handling agent's first and last name (a bot: its name).
    IadvizeAgent,
    /// "iAdvize Country": the site's country setting.
    IadvizeCountry,
    /// "iAdvize Campaign": the engagement campaign's name.
    IadvizeCampaign,
    /// The admin's default value for the field.
    AdminDefault,
    /// Set after planning (e.g. an escalation's closing-form answer).
    Answer,
}

/// A custom field value the ticket will carry.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedField {
    pub id: i64,
    pub title: String,
    pub value: Value,
    pub source: FieldSource,
}

impl PlannedField {
    pub fn to_value(&self) -> CustomFieldValue {
        CustomFieldValue::new(self.id, self.value.clone())
    }
}

/// Something the mapping left out, in words the admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export, rename = "TicketPlanWarning")]
pub enum PlanWarning {
    /// An admin default names a field the form does not have (or an inactive one): not sent.
    DefaultNotOnForm { field_id: i64 },
    /// An admin default with a null value: not sent.
    EmptyDefault { field_id: i64 },
    /// Several fields of the form match a reporting title: the first in form order is filled.
    DuplicateReportingField { title: String },
    /// The form has a reporting field but there is no value for it (no agent, no campaign, no
    /// country set).
    NoValueFor { title: String },
    /// The conversation's link could not be made from the site's URL template.
    NoConversationLink { reason: String },
}

impl PlanWarning {
    pub fn message(&self) -> String {
        match self {
            PlanWarning::DefaultNotOnForm { field_id } => format!(
                "The default value for field {field_id} is not sent: the ticket's form has no such active field. Remove it from the site's defaults or add the field to the form."
            ),
            PlanWarning::EmptyDefault { field_id } => {
                format!("The default value for field {field_id} is empty and is not sent.")
            }
            PlanWarning::DuplicateReportingField { title } => format!(
                "The form has several fields titled \"{title}\": only the first is filled. Rename or remove the others."
            ),
            PlanWarning::NoValueFor { title } => {
                format!("\"{title}\" stays empty: this conversation has no value for it.")
            }
            PlanWarning::NoConversationLink { reason } => format!(
                "The private note has no link to the conversation: {reason}. Check the site's conversation URL template."
            ),
        }
    }
}

/// The fields to send, and what was left out. Defaults come first; the conversation's values
/// replace a default on the same field.
pub fn plan_fields(
    conversation: &Conversation,
    site: &SiteSettings,
    form: FormContext<'_>,
    defaults: &[FieldDefault],
) -> (Vec<PlannedField>, Vec<PlanWarning>) {
    let usable = form.usable_fields();
    let mut warnings = Vec::new();
    let mut planned: Vec<PlannedField> = Vec::new();
    let set = |planned: &mut Vec<PlannedField>, field: &TicketField, value: Value, source| {
        let entry = PlannedField {
            id: field.id,
            title: field.title.trim().to_owned(),
            value,
            source,
        };
        match planned.iter_mut().find(|p| p.id == field.id) {
            Some(p) => *p = entry,
            None => planned.push(entry),
        }
    };
    for d in defaults {
        match usable.iter().find(|f| f.id == d.field_id) {
            None => warnings.push(PlanWarning::DefaultNotOnForm {
                field_id: d.field_id,
            }),
            Some(_) if d.value.is_null() => warnings.push(PlanWarning::EmptyDefault {
                field_id: d.field_id,
            }),
            Some(f) => set(&mut planned, f, d.value.clone(), FieldSource::AdminDefault),
        }
    }
    let found = IadvizeFields::find(usable.iter().copied());
    for title in &found.duplicates {
        warnings.push(PlanWarning::DuplicateReportingField {
            title: title.clone(),
        });
    }
    let non_empty = |s: String| {
        let s = one_line(&s).trim().to_owned();
        (!s.is_empty()).then_some(s)
    };
    let values = [
        (
            found.agent,
            IADVIZE_AGENT,
            conversation
                .handling_agent()
                .map(agent_name)
                .and_then(non_empty),
            FieldSource::IadvizeAgent,
        ),
        (
            found.country,
            IADVIZE_COUNTRY,
            non_empty(site.country.clone()),
            FieldSource::IadvizeCountry,
        ),
        (
            found.campaign,
            IADVIZE_CAMPAIGN,
            conversation
                .campaign
                .as_ref()
                .and_then(|c| non_empty(c.name.clone())),
            FieldSource::IadvizeCampaign,
        ),
    ];
    for (id, title, value, source) in values {
        let Some(field) = id.and_then(|id| usable.iter().find(|f| f.id == id)) else {
            continue;
        };
        match value {
            Some(v) => set(&mut planned, field, Value::String(v), source),
            None if planned.iter().any(|p| p.id == field.id) => {}
            None => warnings.push(PlanWarning::NoValueFor {
                title: title.to_owned(),
            }),
        }
    }
    // Form order, so the preview lists fields as the agent sees them.
    planned.sort_by_key(|p| usable.iter().position(|f| f.id == p.id));
    (planned, warnings)
}
