//! The forms preview: every Zendesk ticket form of a site with its fields in order, what each
//! requires and when, and which of the three reporting fields ("iAdvize Agent", "iAdvize
//! Country", "iAdvize Campaign") it has. Pure: built from what the Zendesk client fetched.

use crate::api::Api;
use crate::check::zendesk_client;
use crate::error::ApiError;
use crate::site::SiteRef;
use crate::zendesk::{FieldKind, PlanFeature, TicketField, TicketForm};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use ts_rs::TS;

pub const IADVIZE_AGENT: &str = "iAdvize Agent";
pub const IADVIZE_COUNTRY: &str = "iAdvize Country";
pub const IADVIZE_CAMPAIGN: &str = "iAdvize Campaign";

/// The ids of the reporting text fields found on a form (title match ignoring case and
/// surrounding spaces; inactive and non-text fields do not count).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct IadvizeFields {
    pub agent: Option<i64>,
    pub country: Option<i64>,
    pub campaign: Option<i64>,
    /// Titles that match more than one usable field: the first in form order is used.
    pub duplicates: Vec<String>,
}

impl IadvizeFields {
    pub fn find<'a>(fields: impl IntoIterator<Item = &'a TicketField>) -> IadvizeFields {
        let mut found = IadvizeFields::default();
        for field in fields {
            if !field.active || !matches!(field.kind(), FieldKind::Text | FieldKind::Textarea) {
                continue;
            }
            for (title, slot) in [
                (IADVIZE_AGENT, &mut found.agent),
                (IADVIZE_COUNTRY, &mut found.country),
                (IADVIZE_CAMPAIGN, &mut found.campaign),
            ] {
                if field.has_title(title) {
                    if slot.is_some() {
                        if !found.duplicates.iter().any(|d| d == title) {
                            found.duplicates.push(title.to_owned());
                        }
                    } else {
                        *slot = Some(field.id);
                    }
                }
            }
        }
        found
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldOptionView {
    pub name: String,
    pub value: String,
    pub default: bool,
}

/// When a conditional field shows, in words, and whether it is then required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldCondition {
    pub parent_field_id: i64,
    pub parent_title: String,
    /// The parent's value that shows this field, as an agent sees it (option name, yes/no).
    pub parent_value: String,
    pub required: bool,
    /// Statuses on which it is required (empty: all, when `required`).
    pub required_on_statuses: Vec<String>,
    /// E.g. `Shown when "Topic" is "Refund"; then required to solve`.
    pub words: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldView {
    pub id: i64,
    pub title: String,
    /// Zendesk's type: `text`, `tagger`, `subject`...
    pub field_type: String,
    pub system: bool,
    pub active: bool,
    /// Agents must fill it to solve.
    pub required: bool,
    /// End users must fill it in the help center.
    pub required_in_portal: bool,
    pub conditions: Vec<FieldCondition>,
    pub options: Vec<FieldOptionView>,
    pub regexp: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FormView {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub default: bool,
    pub fields: Vec<FieldView>,
    pub iadvize_fields: IadvizeFields,
    /// Field ids the form lists that Zendesk did not return (deleted fields).
    pub unknown_field_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FormsOverview {
    /// False when the Zendesk plan has no ticket forms.
    pub forms_available: bool,
    pub forms: Vec<FormView>,
}

fn value_in_words(parent: Option<&TicketField>, value: &Value) -> String {
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

fn view_field(field: &TicketField, form: &TicketForm, by_id: &HashMap<i64, &TicketField>) -> FieldView {
    let conditions = form
        .agent_conditions
        .iter()
        .flat_map(|c| c.child_fields.iter().filter(|ch| ch.id == field.id).map(move |ch| (c, ch)))
        .map(|(condition, child)| {
            let parent = by_id.get(&condition.parent_field_id).copied();
            let parent_title = parent.map_or_else(|| format!("field {}", condition.parent_field_id), |p| p.title.clone());
            let parent_value = value_in_words(parent, &condition.value);
            let statuses: Vec<String> = match &child.required_on_statuses {
                Some(r) if matches!(r.kind, crate::zendesk::RequiredOnKind::SomeStatuses) => r.statuses.clone(),
                _ => Vec::new(),
            };
            let required = child.required_on("solved") || child.is_required || !statuses.is_empty();
            let then = if !required {
                String::new()
            } else if statuses.is_empty() {
                "; then required".into()
            } else {
                format!("; then required on {}", statuses.join(", "))
            };
            FieldCondition {
                parent_field_id: condition.parent_field_id,
                words: format!("Shown when \"{parent_title}\" is \"{parent_value}\"{then}"),
                parent_title,
                parent_value,
                required,
                required_on_statuses: statuses,
            }
        })
        .collect();
    FieldView {
        id: field.id,
        title: field.title.clone(),
        field_type: field.field_type.clone(),
        system: !field.is_custom(),
        active: field.active,
        required: field.required,
        required_in_portal: field.required_in_portal,
        conditions,
        options: field
            .custom_field_options
            .iter()
            .map(|o| FieldOptionView {
                name: o.name.clone(),
                value: o.value.clone(),
                default: o.default,
            })
            .collect(),
        regexp: field.regexp_for_validation.clone().filter(|r| !r.is_empty()),
        description: field.agent_description.clone().or_else(|| field.description.clone()).filter(|d| !d.is_empty()),
    }
}

/// Builds the overview from the forms and all the account's fields.
pub fn overview(forms: PlanFeature<Vec<TicketForm>>, fields: &[TicketField]) -> FormsOverview {
    let by_id: HashMap<i64, &TicketField> = fields.iter().map(|f| (f.id, f)).collect();
    let Some(mut forms) = forms.available() else {
        return FormsOverview {
            forms_available: false,
            forms: Vec::new(),
        };
    };
    // Active first, the default form first among them, then Zendesk's order.
    forms.sort_by_key(|f| (!f.active, !f.default, f.position.unwrap_or(i64::MAX), f.id));
    let forms = forms
        .iter()
        .map(|form| {
            let on_form: Vec<&TicketField> = form.ticket_field_ids.iter().filter_map(|id| by_id.get(id).copied()).collect();
            FormView {
                id: form.id,
                name: form.display_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| form.name.clone()),
                active: form.active,
                default: form.default,
                fields: on_form.iter().map(|f| view_field(f, form, &by_id)).collect(),
                iadvize_fields: IadvizeFields::find(on_form.iter().copied()),
                unknown_field_ids: form.ticket_field_ids.iter().copied().filter(|id| !by_id.contains_key(id)).collect(),
            }
        })
        .collect();
    FormsOverview {
        forms_available: true,
        forms,
    }
}

impl Api {
    /// Fetches the site's forms and fields from Zendesk and builds the overview.
    pub async fn forms_overview(&self, site: &SiteRef) -> Result<FormsOverview, ApiError> {
        let site = self.site(site)?;
        let client = zendesk_client(self, &site)?;
        let (forms, fields) = tokio::join!(client.ticket_forms(), client.ticket_fields());
        Ok(overview(forms?, &fields?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zendesk::{AgentCondition, ConditionChild, FieldOption, RequiredOnKind, RequiredOnStatuses};
    use serde_json::json;

    fn field(id: i64, kind: &str, title: &str) -> TicketField {
        TicketField {
            id,
            field_type: kind.into(),
            title: title.into(),
            active: true,
            removable: !matches!(kind, "subject" | "description" | "status"),
            ..TicketField::default()
        }
    }

    fn fields() -> Vec<TicketField> {
        let mut topic = field(10, "tagger", "Topic");
        topic.custom_field_options = vec![
            FieldOption { name: "Refund".into(), value: "refund".into(), ..FieldOption::default() },
            FieldOption { name: "Delivery".into(), value: "delivery".into(), default: true, ..FieldOption::default() },
        ];
        let mut order = field(11, "regexp", "Order number");
        order.regexp_for_validation = Some("^[0-9]{6}$".into());
        let mut inactive_agent = field(15, "text", "iAdvize Agent");
        inactive_agent.active = false;
        let mut required = field(16, "integer", "Amount");
        required.required = true;
        vec![
            field(1, "subject", "Subject"),
            topic,
            order,
            field(12, "text", "  iadvize agent "),
            field(13, "textarea", "iAdvize Country"),
            field(14, "checkbox", "iAdvize Campaign"),
            inactive_agent,
            required,
            field(17, "text", "IADVIZE AGENT"),
        ]
    }

    fn form(id: i64, ids: &[i64]) -> TicketForm {
        TicketForm {
            id,
            name: format!("Form {id}"),
            active: true,
            ticket_field_ids: ids.to_vec(),
            ..TicketForm::default()
        }
    }

    #[test]
    fn reporting_fields_match_title_ignoring_case_and_spaces_text_only_active_only() {
        let all = fields();
        let found = IadvizeFields::find(&all);
        assert_eq!(found.agent, Some(12));
        assert_eq!(found.country, Some(13), "textarea counts as text");
        assert_eq!(found.campaign, None, "a checkbox titled iAdvize Campaign cannot hold a name");
        assert_eq!(found.duplicates, ["iAdvize Agent"], "field 17 duplicates 12; inactive 15 ignored");
    }

    #[test]
    fn a_conditional_field_is_described_in_words_with_its_required_statuses() {
        let mut f = form(100, &[1, 10, 11, 16, 999]);
        f.agent_conditions = vec![AgentCondition {
            parent_field_id: 10,
            value: json!("refund"),
            child_fields: vec![ConditionChild {
                id: 11,
                is_required: true,
                required_on_statuses: Some(RequiredOnStatuses {
                    kind: RequiredOnKind::SomeStatuses,
                    statuses: vec!["solved".into()],
                    custom_statuses: vec![],
                }),
            }],
        }];
        let o = overview(PlanFeature::Available(vec![f]), &fields());
        assert!(o.forms_available);
        let form = &o.forms[0];
        assert_eq!(form.fields.iter().map(|f| f.id).collect::<Vec<_>>(), [1, 10, 11, 16], "form order kept");
        assert_eq!(form.unknown_field_ids, [999]);
        let order = &form.fields[2];
        assert_eq!(order.regexp.as_deref(), Some("^[0-9]{6}$"));
        assert_eq!(order.conditions.len(), 1);
        assert_eq!(order.conditions[0].words, "Shown when \"Topic\" is \"Refund\"; then required on solved");
        let topic = &form.fields[1];
        assert_eq!(topic.options.len(), 2);
        assert!(topic.options[1].default);
        assert!(form.fields[0].system);
        assert!(form.fields[3].required);
    }

    #[test]
    fn checkbox_parents_read_checked_and_optional_children_say_nothing_more() {
        let mut f = form(101, &[14, 12]);
        f.agent_conditions = vec![AgentCondition {
            parent_field_id: 14,
            value: json!(true),
            child_fields: vec![ConditionChild { id: 12, is_required: false, required_on_statuses: None }],
        }];
        let o = overview(PlanFeature::Available(vec![f]), &fields());
        assert_eq!(o.forms[0].fields[1].conditions[0].words, "Shown when \"iAdvize Campaign\" is \"checked\"");
        assert!(!o.forms[0].fields[1].conditions[0].required);
    }

    #[test]
    fn no_forms_on_the_plan_is_said_plainly_and_active_default_forms_come_first() {
        assert_eq!(
            overview(PlanFeature::NotOnPlan, &fields()),
            FormsOverview { forms_available: false, forms: vec![] }
        );
        let mut inactive = form(1, &[]);
        inactive.active = false;
        let mut default = form(3, &[]);
        default.default = true;
        let o = overview(PlanFeature::Available(vec![inactive, form(2, &[]), default]), &[]);
        assert_eq!(o.forms.iter().map(|f| f.id).collect::<Vec<_>>(), [3, 2, 1]);
    }
}
