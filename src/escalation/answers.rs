//! Answers to the rebuilt form: which fields show, which are required for a status, and
//! which answers Zendesk will take — checked the way Zendesk checks them (and the sandbox,
//! `crates/sandbox/src/zendesk/fields.rs`, agrees). One bad answer never stops the others.
//!
//! Values sent (`custom_fields[].value`, OAS `TicketFieldValueInput`):
//! text/textarea/regexp/date: string; checkbox: boolean; dropdown: the option's value;
//! multiselect: array of option values; integer and decimal: **strings** in canonical form
//! (`"+007"` -> `"7"`, `".5"` -> `"0.5"`: exact, no float rounding, what Zendesk answers back);
//! lookup: a number (the record id; a custom object record's id is text); partial credit card: the last 4 digits only, as a string.

use super::form::{FieldInput, RebuiltField, RebuiltForm, ShowCondition};
use super::regexp::FieldPattern;
use crate::zendesk::CustomFieldValue;
use serde::{Deserialize, Serialize};
use serde_json::{Number, Value, json};
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

/// An answer as the UI or the closing form gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(untagged)]
#[ts(export, rename = "EscalationAnswerValue")]
pub enum AnswerValue {
    Bool(bool),
    Number(#[ts(type = "number")] Number),
    Text(String),
    List(Vec<String>),
}

impl AnswerValue {
    /// No answer: empty or blank text, an empty list.
    pub fn is_empty(&self) -> bool {
        match self {
            AnswerValue::Text(s) => s.trim().is_empty(),
            AnswerValue::List(l) => l.iter().all(|s| s.trim().is_empty()),
            AnswerValue::Bool(_) | AnswerValue::Number(_) => false,
        }
    }

    /// The answer as text, for messages.
    pub fn display(&self) -> String {
        match self {
            AnswerValue::Bool(b) => b.to_string(),
            AnswerValue::Number(n) => n.to_string(),
            AnswerValue::Text(s) => s.clone(),
            AnswerValue::List(l) => l.join(","),
        }
    }
}

impl From<&str> for AnswerValue {
    fn from(s: &str) -> Self {
        AnswerValue::Text(s.into())
    }
}

impl From<bool> for AnswerValue {
    fn from(b: bool) -> Self {
        AnswerValue::Bool(b)
    }
}

/// Answers by Zendesk field id.
pub type Answers = BTreeMap<i64, AnswerValue>;

/// A problem with one answer, for the log and the escalation screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "EscalationAnswerError")]
pub struct AnswerError {
    /// The Zendesk field, when the answer names one.
    pub field_id: Option<i64>,
    /// The field's title on the form; else the label the closing form gave; else its id.
    pub field_title: String,
    /// The answer as given: shortened past 200 characters, card numbers masked. None when
    /// the problem is a missing answer.
    pub value: Option<String>,
    pub code: AnswerErrorCode,
    /// What is wrong, for a support admin.
    pub reason: String,
}

impl AnswerError {
    pub(crate) fn new(
        field_id: Option<i64>,
        field_title: impl Into<String>,
        value: Option<String>,
        code: AnswerErrorCode,
        reason: impl Into<String>,
    ) -> AnswerError {
        AnswerError {
            field_id,
            field_title: field_title.into(),
            value: value.map(|v| for_log(&v)),
            code,
            reason: reason.into(),
        }
    }

    /// One line for the log: `Order number = "twelve": is not a whole number...`.
    pub fn line(&self) -> String {
        match &self.value {
            Some(v) => format!("{} = {v:?}: {}", self.field_title, self.reason),
            None => format!("{}: {}", self.field_title, self.reason),
        }
    }
}

/// Stable codes the UI and the log can switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "EscalationAnswerErrorCode")]
pub enum AnswerErrorCode {
    /// The value is not one Zendesk accepts for the field's type: not sent.
    Invalid,
    /// Part of a multiselect answer was not an option: the rest was sent.
    PartlyInvalid,
    /// A shown field required for the target status has no value.
    MissingRequired,
    /// The answer names a Zendesk field the form does not ask (stale closing form, inactive
    /// or system field): not sent.
    NotOnForm,
    /// A closing-form input id this app does not know: ignored.
    UnknownInput,
    /// The same input answered twice: the last answer is used.
    Duplicate,
    /// `escalate` is neither yes nor no: no escalation.
    Unreadable,
    /// Longer than the 1,024 characters iAdvize saves per field: kept as is.
    LongValue,
}

/// What one field looks like for the given answers and target status (live preview).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "EscalationFieldState")]
pub struct FieldState {
    pub id: i64,
    pub visible: bool,
    /// Shown and required for the target status.
    pub required: bool,
    /// Shown and required to solve the ticket.
    pub required_to_solve: bool,
    /// Shown and holding a valid value (answered or default).
    pub has_value: bool,
    /// Why the answer is not taken, when it is not.
    pub error: Option<String>,
}

/// An answer to a hidden field: not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "EscalationDroppedAnswer")]
pub struct DroppedAnswer {
    pub field_id: i64,
    pub field_title: String,
    pub value: String,
}

/// The outcome of checking answers against the rebuilt form for a target status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, rename = "EscalationValidatedAnswers")]
pub struct ValidatedAnswers {
    /// The status the requirements were checked for (`new`, `open`, `solved`...).
    pub status: String,
    /// Every asked field, in form order.
    pub fields: Vec<FieldState>,
    /// What to send as the ticket's `custom_fields`, in form order: shown fields only.
    #[ts(type = "Array<{ id: number, value: boolean | string | number | Array<string> }>")]
    pub custom_fields: Vec<CustomFieldValue>,
    /// Fields whose sent value is their default (no valid answer).
    pub defaulted: Vec<i64>,
    /// Answers to fields hidden by their conditions: not sent.
    pub dropped: Vec<DroppedAnswer>,
    pub errors: Vec<AnswerError>,
}

impl ValidatedAnswers {
    pub fn value(&self, field_id: i64) -> Option<&Value> {
        self.custom_fields
            .iter()
            .find(|f| f.id == field_id)
            .map(|f| &f.value)
    }

    pub fn state(&self, field_id: i64) -> Option<&FieldState> {
        self.fields.iter().find(|f| f.id == field_id)
    }
}

/// `solved`, or `closed` (which goes through solved).
pub fn solves(status: &str) -> bool {
    matches!(status, "solved" | "closed")
}

/// `true/false`, `1/0`, `on/off`, `yes/no`, any case; None for anything else.
pub fn parse_flag(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Some(true),
        "false" | "0" | "off" | "no" => Some(false),
        _ => None,
    }
}

const LOG_VALUE_CHARS: usize = 200;

/// Shortened past 200 characters; anything that looks like a card number masked.
fn for_log(v: &str) -> String {
    let v = mask_card_like(v);
    if v.chars().count() > LOG_VALUE_CHARS {
        let mut s: String = v.chars().take(LOG_VALUE_CHARS).collect();
        s.push('…');
        s
    } else {
        v
    }
}

/// Runs of 12 to 19 digits (spaces and dashes allowed between them) become `…1234`.
fn mask_card_like(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let mut out = String::with_capacity(v.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut j = i;
            let mut digits = String::new();
            let mut end = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || matches!(chars[j], ' ' | '-')) {
                if chars[j].is_ascii_digit() {
                    digits.push(chars[j]);
                    end = j + 1;
                }
                j += 1;
            }
            if (12..=19).contains(&digits.len()) {
                out.push('…');
                out.push_str(&digits[digits.len() - 4..]);
            } else {
                out.extend(&chars[i..end]);
            }
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The answer as shown in messages: a card field shows only its last digits.
pub(crate) fn shown_value(field: &RebuiltField, value: &AnswerValue) -> String {
    let text = value.display();
    if matches!(field.input, FieldInput::PartialCreditCard) {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if digits.len() > 4 {
            return format!("…{}", &digits[digits.len() - 4..]);
        }
    }
    text
}

fn list_options(options: &[super::form::FieldChoice]) -> String {
    const SHOWN: usize = 10;
    let mut s = options
        .iter()
        .take(SHOWN)
        .map(|o| o.value.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if options.len() > SHOWN {
        s.push_str(&format!(", … ({} options)", options.len()));
    }
    s
}

fn text_of(value: &AnswerValue) -> Result<String, String> {
    match value {
        AnswerValue::Text(s) => Ok(s.trim().to_string()),
        AnswerValue::Number(n) => Ok(n.to_string()),
        AnswerValue::Bool(_) => Err("must be text, not yes/no".into()),
        AnswerValue::List(_) => Err("must be a single value, not a list".into()),
    }
}

/// A checked answer: the value to send, and for a multiselect with some bad choices, why
/// those were left out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    pub value: Value,
    pub partly: Option<String>,
}

fn ok(value: Value) -> Result<Parsed, String> {
    Ok(Parsed {
        value,
        partly: None,
    })
}

fn parse_integer(s: &str) -> Result<Value, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(if digits.contains(['.', ',']) {
            format!("{s:?} is not a whole number: no decimals or separators (e.g. 1234)")
        } else {
            format!("{s:?} is not a whole number (digits only, e.g. 1234)")
        });
    }
    let n: i64 = s
        .strip_prefix('+')
        .unwrap_or(s)
        .parse()
        .map_err(|_| format!("{s:?} is too large for a number field"))?;
    Ok(json!(n.to_string()))
}

fn parse_decimal(s: &str) -> Result<Value, String> {
    let (sign, body) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    let well_formed = digits(int)
        && match frac {
            None => !int.is_empty(),
            Some(f) => !f.is_empty() && digits(f),
        };
    if !well_formed {
        let comma = body.replacen(',', ".", 1);
        return Err(if comma != body && parse_decimal(&comma).is_ok() {
            format!("{s:?} is not a decimal number: use a dot, e.g. {}", comma)
        } else {
            format!("{s:?} is not a decimal number (e.g. 49.90)")
        });
    }
    let canonical = format!(
        "{sign}{}{}",
        if int.is_empty() { "0" } else { int },
        frac.map(|f| format!(".{f}")).unwrap_or_default()
    );
    match canonical.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(json!(canonical)),
        _ => Err(format!("{s:?} is too large for a decimal field")),
    }
}

fn parse_date(s: &str) -> Result<Value, String> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(format!(
            "{s:?} is not a date in the form YYYY-MM-DD (e.g. 2026-12-31)"
        ));
    }
    let (y, m, d) = (
        s[..4].parse::<i32>().unwrap_or(0),
        s[5..7].parse::<u32>().unwrap_or(0),
        s[8..].parse::<u32>().unwrap_or(0),
    );
    match chrono::NaiveDate::from_ymd_opt(y, m, d) {
        Some(_) => Ok(json!(s)),
        None => Err(format!("{s:?} is not a real date")),
    }
}

fn parse_card(s: &str) -> Result<Value, String> {
    let compact: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !compact
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x' | '*' | '•'))
    {
        return Err(
            "may hold only digits, spaces and dashes (the last 4 digits of the card)".into(),
        );
    }
    let chars: Vec<char> = compact.chars().collect();
    if chars.len() < 4 || !chars[chars.len() - 4..].iter().all(char::is_ascii_digit) {
        return Err("needs the last 4 digits of the card".into());
    }
    if chars.len() > 19 {
        return Err("is longer than a card number".into());
    }
    Ok(json!(chars[chars.len() - 4..].iter().collect::<String>()))
}

/// Checks a non-empty answer for `field`: the value to send, or why not.
pub(crate) fn parse_answer(field: &RebuiltField, value: &AnswerValue) -> Result<Parsed, String> {
    match &field.input {
        FieldInput::Text | FieldInput::Textarea => ok(json!(text_of(value)?)),
        FieldInput::Checkbox { .. } => match value {
            AnswerValue::Bool(b) => ok(json!(b)),
            AnswerValue::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => ok(json!(true)),
                "false" => ok(json!(false)),
                _ => Err(format!("{:?} is not true or false", s.trim())),
            },
            other => Err(format!("{:?} is not true or false", other.display())),
        },
        FieldInput::Integer => match value {
            AnswerValue::Number(n) if n.is_i64() => ok(json!(n.to_string())),
            AnswerValue::Number(n) if n.is_u64() => {
                Err(format!("\"{n}\" is too large for a number field"))
            }
            AnswerValue::Number(n) => Err(format!(
                "\"{n}\" is not a whole number: no decimals or separators (e.g. 1234)"
            )),
            other => ok(parse_integer(&text_of(other)?)?),
        },
        FieldInput::Decimal => ok(parse_decimal(&text_of(value)?)?),
        FieldInput::Date => ok(parse_date(&text_of(value)?)?),
        FieldInput::Regexp { pattern, .. } => {
            let s = text_of(value)?;
            if pattern.is_empty() || FieldPattern::new(pattern).accepts(&s) {
                ok(json!(s))
            } else {
                Err(format!("{s:?} does not have the expected format {pattern}"))
            }
        }
        FieldInput::Dropdown { options } => {
            let s = text_of(value)?;
            if options.iter().any(|o| o.value == s) {
                return ok(json!(s));
            }
            let by_name = options
                .iter()
                .find(|o| o.name.trim().eq_ignore_ascii_case(&s));
            Err(match by_name {
                Some(o) => format!(
                    "{s:?} is the name of an option; send its value {:?}",
                    o.value
                ),
                None => format!(
                    "{s:?} is not one of the options ({})",
                    list_options(options)
                ),
            })
        }
        FieldInput::Multiselect { options } => {
            let items: Vec<String> = match value {
                AnswerValue::List(l) => l.clone(),
                AnswerValue::Text(s) => s.split(',').map(str::to_string).collect(),
                AnswerValue::Number(n) => vec![n.to_string()],
                AnswerValue::Bool(_) => {
                    return Err("must be option values, not yes/no".into());
                }
            };
            let mut good: Vec<String> = Vec::new();
            let mut bad: Vec<String> = Vec::new();
            for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                let list = if options.iter().any(|o| o.value == item) {
                    &mut good
                } else {
                    &mut bad
                };
                if !list.iter().any(|s| s == item) {
                    list.push(item.to_string());
                }
            }
            let bad_words = bad
                .iter()
                .map(|b| format!("{b:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            let options = list_options(options);
            match (good.is_empty(), bad.is_empty()) {
                (_, true) => ok(json!(good)),
                (true, false) => Err(format!("{bad_words}: not among the options ({options})")),
                (false, false) => Ok(Parsed {
                    value: json!(good),
                    partly: Some(format!(
                        "{bad_words}: not among the options ({options}); the other choices were kept"
                    )),
                }),
            }
        }
        FieldInput::Lookup {
            target,
            relationship_target_type,
            ..
        } if super::form::lookup_takes_text_id(relationship_target_type.as_deref()) => {
            let id = text_of(value)?.trim().to_owned();
            if id.is_empty() || id.chars().any(char::is_whitespace) {
                return Err(format!(
                    "{:?} is not a {target} id (the record's id, without spaces)",
                    value.display()
                ));
            }
            ok(json!(id))
        }
        FieldInput::Lookup { target, .. } => {
            let id = match value {
                AnswerValue::Number(n) => n.as_i64(),
                other => text_of(other)?.parse::<i64>().ok(),
            };
            match id {
                Some(id) if id > 0 => ok(json!(id)),
                _ => Err(format!(
                    "{:?} is not a {target} id (a positive whole number)",
                    value.display()
                )),
            }
        }
        FieldInput::PartialCreditCard => ok(parse_card(&text_of(value)?)?),
    }
}

/// Does the parent's value satisfy the condition's value?
fn condition_holds(condition: &Value, parent: &RebuiltField, value: Option<&Value>) -> bool {
    let key = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match &parent.input {
        // An unchecked (or unanswered) checkbox is `false`.
        FieldInput::Checkbox { .. } => {
            let want = match condition {
                Value::Bool(b) => Some(*b),
                Value::String(s) => parse_flag(s),
                _ => None,
            };
            want == Some(value.and_then(Value::as_bool).unwrap_or(false))
        }
        FieldInput::Multiselect { .. } => {
            let have: Vec<&str> = value
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match condition {
                Value::Array(want) => {
                    !want.is_empty()
                        && want
                            .iter()
                            .all(|w| w.as_str().is_some_and(|w| have.contains(&w)))
                }
                other => key(other).is_some_and(|w| have.contains(&w.as_str())),
            }
        }
        _ => match (condition, value) {
            (Value::Null, None) => true,
            (c, Some(v)) => key(c).is_some() && key(c) == key(v),
            _ => false,
        },
    }
}

struct Visibility<'a> {
    form: &'a RebuiltForm,
    index: HashMap<i64, usize>,
    values: &'a HashMap<i64, Value>,
    /// None while being worked out: a loop, read as hidden.
    memo: HashMap<i64, Option<bool>>,
}

impl<'a> Visibility<'a> {
    fn visible(&mut self, id: i64) -> bool {
        if let Some(v) = self.memo.get(&id) {
            return v.unwrap_or(false);
        }
        self.memo.insert(id, None);
        let v = match self.index.get(&id) {
            None => false,
            Some(&i) => {
                let field = &self.form.fields[i];
                field.shown_when.is_empty() || (0..field.shown_when.len()).any(|c| self.holds(i, c))
            }
        };
        self.memo.insert(id, Some(v));
        v
    }

    /// Condition `c` of field `i` holds: its parent is asked, shown, and has the value.
    fn holds(&mut self, i: usize, c: usize) -> bool {
        let condition = &self.form.fields[i].shown_when[c];
        let Some(&p) = self.index.get(&condition.parent_field_id) else {
            return false;
        };
        let parent = &self.form.fields[p];
        condition_holds(&condition.value, parent, self.values.get(&parent.id))
            && self.visible(parent.id)
    }

    fn satisfied(&mut self, i: usize) -> Vec<&'a ShowCondition> {
        let form = self.form;
        (0..form.fields[i].shown_when.len())
            .filter(|&c| self.holds(i, c))
            .map(|c| &form.fields[i].shown_when[c])
            .collect()
    }
}

fn required_for(field: &RebuiltField, satisfied: &[&ShowCondition], status: &str) -> bool {
    if field.shown_when.is_empty() {
        field.required_to_solve && solves(status)
    } else {
        satisfied.iter().any(|c| c.required.on(status))
    }
}

impl RebuiltForm {
    /// Checks `answers` (by field id) for a ticket set to `status`: values to send, the
    /// state of each field, and every problem. Answers to hidden fields are dropped.
    pub fn validate(&self, answers: &Answers, status: &str) -> ValidatedAnswers {
        // 1. Each answer on its own; the value each field holds (answer, else default).
        let mut parsed: HashMap<i64, Result<Parsed, String>> = HashMap::new();
        let mut values: HashMap<i64, Value> = HashMap::new();
        let mut from_default: Vec<i64> = Vec::new();
        for field in &self.fields {
            let answer = answers.get(&field.id).filter(|a| !a.is_empty());
            if let Some(a) = answer {
                let p = parse_answer(field, a);
                if let Ok(ok) = &p {
                    values.insert(field.id, ok.value.clone());
                }
                parsed.insert(field.id, p);
            }
            if !values.contains_key(&field.id)
                && let Some(Ok(d)) = field.default_value.as_ref().map(|d| parse_answer(field, d))
            {
                values.insert(field.id, d.value);
                from_default.push(field.id);
            }
        }
        // 2. Visibility and requirements, 3. what is sent and what is wrong.
        let mut vis = Visibility {
            form: self,
            index: self
                .fields
                .iter()
                .enumerate()
                .map(|(i, f)| (f.id, i))
                .collect(),
            values: &values,
            memo: HashMap::new(),
        };
        let mut out = ValidatedAnswers {
            status: status.to_string(),
            fields: Vec::new(),
            custom_fields: Vec::new(),
            defaulted: Vec::new(),
            dropped: Vec::new(),
            errors: Vec::new(),
        };
        for (i, field) in self.fields.iter().enumerate() {
            let visible = vis.visible(field.id);
            let satisfied = if visible { vis.satisfied(i) } else { vec![] };
            let required = visible && required_for(field, &satisfied, status);
            let required_to_solve = visible && required_for(field, &satisfied, "solved");
            let answer = answers.get(&field.id).filter(|a| !a.is_empty());
            let mut error = None;
            if !visible {
                if let Some(a) = answer {
                    out.dropped.push(DroppedAnswer {
                        field_id: field.id,
                        field_title: field.title.clone(),
                        value: for_log(&shown_value(field, a)),
                    });
                }
            } else {
                match parsed.get(&field.id) {
                    Some(Err(why)) => {
                        let fallback = values.get(&field.id).map(|_| {
                            let shown = field
                                .default_value
                                .as_ref()
                                .map(|d| d.display())
                                .unwrap_or_default();
                            format!("; the default {shown:?} is sent instead")
                        });
                        let reason = format!("{why}{}", fallback.unwrap_or_default());
                        error = Some(reason.clone());
                        out.errors.push(AnswerError::new(
                            Some(field.id),
                            &field.title,
                            answer.map(|a| shown_value(field, a)),
                            super::AnswerErrorCode::Invalid,
                            reason,
                        ));
                    }
                    Some(Ok(Parsed {
                        partly: Some(why), ..
                    })) => {
                        error = Some(why.clone());
                        out.errors.push(AnswerError::new(
                            Some(field.id),
                            &field.title,
                            answer.map(|a| shown_value(field, a)),
                            super::AnswerErrorCode::PartlyInvalid,
                            why.clone(),
                        ));
                    }
                    _ => {}
                }
                if let Some(v) = values.get(&field.id) {
                    out.custom_fields
                        .push(CustomFieldValue::new(field.id, v.clone()));
                    if from_default.contains(&field.id) {
                        out.defaulted.push(field.id);
                    }
                } else if required && error.is_none() {
                    let reason = if solves(status) {
                        "required to solve the ticket, but has no answer and no default".into()
                    } else {
                        format!(
                            "required when the ticket is {status}, but has no answer and no default"
                        )
                    };
                    error = Some(reason.clone());
                    out.errors.push(AnswerError::new(
                        Some(field.id),
                        &field.title,
                        None,
                        super::AnswerErrorCode::MissingRequired,
                        reason,
                    ));
                }
            }
            out.fields.push(FieldState {
                id: field.id,
                visible,
                required,
                required_to_solve,
                has_value: visible && values.contains_key(&field.id),
                error,
            });
        }
        // 4. Answers for fields the form does not ask.
        for (id, value) in answers {
            if self.field(*id).is_some() || value.is_empty() {
                continue;
            }
            out.errors
                .push(self.not_on_form(*id, None, value.display()));
        }
        out
    }

    /// The problem for an answer to Zendesk field `id`, which the form does not ask.
    pub(crate) fn not_on_form(&self, id: i64, label: Option<&str>, value: String) -> AnswerError {
        let title = self
            .title_of(id)
            .map(str::to_string)
            .or_else(|| label.map(str::to_string))
            .unwrap_or_else(|| format!("field {id}"));
        let why = if let Some(s) = self.system_fields.iter().find(|f| f.id == id) {
            format!(
                "is a system field, filled by {}: the answer is ignored",
                s.filled_by
            )
        } else if let Some(s) = self.skipped.iter().find(|f| f.id == id) {
            match s.reason {
                super::SkipReason::Inactive => {
                    "is inactive in Zendesk: the answer is ignored".to_string()
                }
                super::SkipReason::NotFound => {
                    "no longer exists in Zendesk: the answer is ignored".to_string()
                }
                super::SkipReason::UnsupportedType => format!(
                    "has a type this app cannot fill ({}): the answer is ignored",
                    s.field_type.as_deref().unwrap_or("unknown")
                ),
            }
        } else {
            format!(
                "Zendesk field {id} is not on the form \"{}\": the answer is ignored (export the closing form again)",
                self.form_name
            )
        };
        AnswerError::new(
            Some(id),
            title,
            Some(value),
            super::AnswerErrorCode::NotOnForm,
            why,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_like_numbers_are_masked_in_logs() {
        assert_eq!(
            mask_card_like("card 4111 1111 1111 1111 ok"),
            "card …1111 ok"
        );
        assert_eq!(mask_card_like("4111-1111-1111-1234"), "…1234");
        assert_eq!(mask_card_like("order 123456"), "order 123456");
        assert_eq!(mask_card_like("2026-12-31"), "2026-12-31");
        let long = "x".repeat(300);
        assert_eq!(for_log(&long).chars().count(), 201);
    }

    #[test]
    fn flags() {
        for t in ["true", "TRUE", " 1 ", "on", "Yes"] {
            assert_eq!(parse_flag(t), Some(true), "{t}");
        }
        for f in ["false", "0", "off", "no", "NO"] {
            assert_eq!(parse_flag(f), Some(false), "{f}");
        }
        assert_eq!(parse_flag("maybe"), None);
        assert_eq!(parse_flag(""), None);
    }

    #[test]
    fn answer_values_read_from_json_as_the_ui_sends_them() {
        let a: Answers = serde_json::from_value(json!({
            "1": true, "2": "text", "3": ["a", "b"], "4": 12, "5": 4.5
        }))
        .unwrap();
        assert_eq!(a[&1], AnswerValue::Bool(true));
        assert_eq!(a[&2], AnswerValue::Text("text".into()));
        assert_eq!(a[&3], AnswerValue::List(vec!["a".into(), "b".into()]));
        assert_eq!(a[&4].display(), "12");
        assert_eq!(a[&5].display(), "4.5");
        assert!(AnswerValue::Text("  ".into()).is_empty());
        assert!(AnswerValue::List(vec![" ".into()]).is_empty());
        assert!(!AnswerValue::Bool(false).is_empty());
    }
}
