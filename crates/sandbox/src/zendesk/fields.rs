//! Custom-field values: checking them per field type, and which fields a status requires.

use super::errors::ApiError;
use super::model::{Field, Form, Id};
use super::state::ZdState;
use crate::config::Switches;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Applies `[{id, value}]` to `values`. Unknown or system field ids are ignored, as Zendesk
/// ignores unknown attributes. A wrong value answers 422 when the switch says so.
pub fn apply_values(
    st: &ZdState,
    sw: &Switches,
    inputs: Option<&Value>,
    values: &mut BTreeMap<Id, Value>,
) -> Result<(), ApiError> {
    let Some(list) = inputs.and_then(Value::as_array) else {
        return Ok(());
    };
    let mut problems = Vec::new();
    for item in list {
        let Some(id) = item.get("id").and_then(Value::as_i64) else {
            continue;
        };
        let Some(field) = st.field(id).filter(|f| f.is_custom()) else {
            continue;
        };
        let raw = item.get("value").cloned().unwrap_or(Value::Null);
        if raw.is_null() || raw == json!("") || raw == json!([]) {
            values.remove(&id);
            continue;
        }
        match normalize(field, &raw) {
            Ok(v) => {
                values.insert(id, v);
            }
            Err(why) if sw.reject_invalid_field_values => problems.push(json!({
                "description": format!("{}: {why}", field.title),
                "error": "InvalidValue",
                "ticket_field_id": id,
                "ticket_field_type": field_class(&field.field_type),
            })),
            Err(_) => {
                values.insert(id, raw);
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::record_invalid(json!({"base": problems})))
    }
}

/// Tags that field values add to a ticket: the option value of taggers and multiselects, and
/// a checked checkbox's tag.
pub fn add_field_tags(st: &ZdState, values: &BTreeMap<Id, Value>, tags: &mut Vec<String>) {
    for (id, v) in values {
        let Some(f) = st.field(*id) else { continue };
        match f.field_type.as_str() {
            "tagger" => tags.extend(v.as_str().map(str::to_string)),
            "multiselect" => tags.extend(
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string),
            ),
            "checkbox" if *v == json!(true) => tags.extend(f.tag.clone()),
            _ => {}
        }
    }
}

fn normalize(f: &Field, v: &Value) -> Result<Value, String> {
    let as_text = || match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err("must be text".to_string()),
    };
    match f.field_type.as_str() {
        "text" | "textarea" => as_text().map(Value::from),
        "regexp" => {
            let s = as_text()?;
            let pattern = f.regexp.as_deref().unwrap_or(".*");
            match regex::Regex::new(pattern) {
                Ok(re) if re.is_match(&s) => Ok(json!(s)),
                Ok(_) => Err(format!("{s:?} does not match {pattern}")),
                Err(_) => Ok(json!(s)),
            }
        }
        "partialcreditcard" => {
            let digits: String = as_text()?.chars().filter(char::is_ascii_digit).collect();
            if digits.len() < 4 {
                return Err("needs at least 4 digits".into());
            }
            // Zendesk keeps only the last four digits.
            Ok(json!(format!(
                "XXXXXXXXXXXX{}",
                &digits[digits.len() - 4..]
            )))
        }
        "checkbox" => match v {
            Value::Bool(b) => Ok(json!(b)),
            Value::String(s) if s == "true" || s == "false" => Ok(json!(s == "true")),
            _ => Err("must be true or false".into()),
        },
        "integer" => {
            let s = as_text()?;
            s.trim()
                .parse::<i64>()
                .map(|n| json!(n.to_string()))
                .map_err(|_| "is not a number".into())
        }
        "decimal" => {
            let s = as_text()?;
            match s.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(json!(s.trim())),
                _ => Err("is not a number".into()),
            }
        }
        "date" => {
            let s = as_text()?;
            let day = s.get(..10).unwrap_or("");
            chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map(|_| json!(day))
                .map_err(|_| "is not a date (YYYY-MM-DD)".into())
        }
        "tagger" => {
            let s = as_text()?;
            if f.options.iter().any(|o| o.value == s) {
                Ok(json!(s))
            } else {
                Err(format!("{s:?} is not an option"))
            }
        }
        "multiselect" => {
            let list: Vec<String> = match v {
                Value::Array(a) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .ok_or("must be a list of option values")
                    })
                    .collect::<Result<_, _>>()?,
                Value::String(s) => vec![s.clone()],
                _ => return Err("must be a list of option values".into()),
            };
            match list
                .iter()
                .find(|s| !f.options.iter().any(|o| &o.value == *s))
            {
                Some(bad) => Err(format!("{bad:?} is not an option")),
                None => Ok(json!(list)),
            }
        }
        "lookup" => match v {
            Value::Number(n) if n.is_i64() => Ok(v.clone()),
            Value::String(s) if s.parse::<i64>().is_ok() => Ok(json!(s.parse::<i64>().unwrap())),
            _ => Err("must be a record id".into()),
        },
        _ => Ok(v.clone()),
    }
}

/// Zendesk's internal field class names, as seen in 422 details.
fn field_class(ty: &str) -> String {
    match ty {
        "tagger" => "FieldTagger".into(),
        "multiselect" => "FieldMultiselect".into(),
        "partialcreditcard" => "FieldPartialCreditCard".into(),
        other => {
            let mut c = other.chars();
            format!(
                "Field{}{}",
                c.next().map(|x| x.to_ascii_uppercase()).unwrap_or_default(),
                c.as_str()
            )
        }
    }
}

/// Problems (as 422 `details.base` items) for fields empty on a ticket moving to `status`:
/// the form's active custom fields marked `required`, plus conditional child fields whose
/// parent has the condition's value and which are required on that status.
pub fn missing_for_status(
    st: &ZdState,
    form: &Form,
    values: &BTreeMap<Id, Value>,
    status: &str,
) -> Vec<Value> {
    let mut required: Vec<Id> = form
        .field_ids
        .iter()
        .copied()
        .filter(|id| {
            st.field(*id)
                .is_some_and(|f| f.is_custom() && f.active && f.required)
        })
        .collect();
    for cond in &form.agent_conditions {
        let parent = values
            .get(&cond.parent_field_id)
            .cloned()
            .unwrap_or(Value::Null);
        let parent_matches =
            parent == cond.value || (cond.value == json!(false) && parent.is_null());
        if !parent_matches {
            continue;
        }
        for child in &cond.child_fields {
            let on_status = match child.required_on.as_str() {
                "ALL_STATUSES" => true,
                "SOME_STATUSES" => child.statuses.iter().any(|s| s == status),
                "NO_STATUSES" => false,
                _ => child.is_required,
            };
            if on_status && !required.contains(&child.id) {
                required.push(child.id);
            }
        }
    }
    required
        .into_iter()
        .filter(|id| values.get(id).is_none_or(Value::is_null))
        .filter_map(|id| st.field(id))
        .map(|f| {
            json!({
                "description": format!("{}: Required field is blank", f.title),
                "error": "BlankValue",
                "ticket_field_id": f.id,
                "ticket_field_type": field_class(&f.field_type),
            })
        })
        .collect()
}
