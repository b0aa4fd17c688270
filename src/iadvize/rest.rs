//! iAdvize REST API v2 (documented, partly deprecated): the fallbacks for what GraphQL may not
//! give, and the check that the REST key sees the site.
//!
//! Envelope: `{"meta":{"status":"success"|"fail"|"error","message"?},"data":…,"pagination"?:
//! {"page","pages","limit","count"}}`. The HTTP status that goes with `fail`/`error` is not
//! documented, so the outcome is decided on `meta.status`, never on the HTTP status alone.
//! Field spellings differ between the documentation and real answers (`operator_answer` /
//! `operator_answered`, `waitinglist` / `waiting_list`, `firstname` / `first_name`): both
//! are accepted.

use super::domain::{Agent, AgentKind, Visitor};
use super::error::IadvizeError;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Envelope
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(crate) struct Meta {
    pub status: String,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub(crate) struct Pagination {
    #[serde(deserialize_with = "int")]
    pub page: i64,
    #[serde(deserialize_with = "int")]
    pub pages: i64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    pub meta: Meta,
    #[serde(default)]
    pub data: Value,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

/// Decides an answer on its envelope. `http_status` only refines the error when the body is
/// not an envelope at all (a proxy's HTML page, an empty 403).
pub(crate) fn decide(
    http_status: u16,
    body: &[u8],
    what: &str,
) -> Result<(Value, Option<Pagination>), IadvizeError> {
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(_) => {
            return Err(match http_status {
                401 | 403 => IadvizeError::RestKeyInvalid,
                404 => IadvizeError::NotFound { what: what.into() },
                s => IadvizeError::unexpected(format!(
                    "the REST API answered HTTP {s} without its usual JSON envelope"
                )),
            });
        }
    };
    let message = envelope.meta.message.clone().unwrap_or_default();
    match envelope.meta.status.to_ascii_lowercase().as_str() {
        "success" => Ok((envelope.data, envelope.pagination)),
        "fail" if message.starts_with("Unknown") || http_status == 404 => {
            Err(IadvizeError::NotFound { what: what.into() })
        }
        "fail" => Err(IadvizeError::unexpected(format!(
            "the REST API refused the request for {what}: {message}"
        ))),
        "error"
            if http_status == 401
                || http_status == 403
                || message.eq_ignore_ascii_case("forbidden")
                || message.to_ascii_lowercase().contains("key") =>
        {
            Err(IadvizeError::RestKeyInvalid)
        }
        other => Err(IadvizeError::unexpected(format!(
            "the REST API answered status \"{other}\" for {what}: {message}"
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// Tolerant field readers
// ---------------------------------------------------------------------------------------------

fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    opt_int(d)?.ok_or_else(|| serde::de::Error::custom("expected an integer"))
}

fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.trim() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// Text, with empty strings as None.
fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if !s.trim().is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn int_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()))
            .collect(),
        Value::Number(n) => n.as_i64().into_iter().collect(),
        _ => vec![],
    })
}

fn text_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Value::String(s) => vec![s],
        _ => vec![],
    })
}

/// `YYYY-MM-DD HH:MM:SS` (time zone undocumented: read as UTC), or RFC 3339.
fn parse_rest_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .map(|n| n.and_utc())
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        })
}

fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(Option::<String>::deserialize(d)
        .ok()
        .flatten()
        .and_then(|s| parse_rest_time(&s)))
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

/// `GET /operator/{id}`: an iAdvize user (agent, manager, admin, ibbü expert).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    #[serde(default, alias = "firstname", deserialize_with = "opt_text")]
    pub first_name: Option<String>,
    /// REST `name` is the last name.
    #[serde(
        default,
        rename(deserialize = "name"),
        alias = "lastname",
        alias = "last_name",
        deserialize_with = "opt_text"
    )]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub pseudo: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub email: Option<String>,
    /// `expert`, `operator`, `manager`, `admin` (the older single `role` is folded in).
    #[serde(default, deserialize_with = "text_list")]
    pub roles: Vec<String>,
    #[serde(default, deserialize_with = "opt_text", skip_serializing)]
    role: Option<String>,
    #[serde(default, deserialize_with = "int_list")]
    pub website_list: Vec<i64>,
}

impl Operator {
    fn normalise(mut self) -> Self {
        if let Some(role) = self.role.take()
            && !self.roles.iter().any(|r| r.eq_ignore_ascii_case(&role))
        {
            self.roles.push(role);
        }
        self
    }

    pub fn kind(&self) -> AgentKind {
        if self.roles.iter().any(|r| r.eq_ignore_ascii_case("expert")) {
            AgentKind::Expert
        } else {
            AgentKind::Professional
        }
    }

    /// The same person as a domain [`Agent`] (REST does not tell bots apart).
    pub fn to_agent(&self) -> Agent {
        Agent {
            id: self.id,
            first_name: self.first_name.clone(),
            last_name: self
                .last_name
                .clone()
                .or_else(|| self.pseudo.clone())
                .unwrap_or_default(),
            email: self.email.clone(),
            kind: self.kind(),
        }
    }
}

/// `GET /visitor/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestVisitor {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    #[serde(default, deserialize_with = "opt_text")]
    pub unique_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub external_id: Option<String>,
    #[serde(
        default,
        rename(deserialize = "firstname"),
        alias = "first_name",
        deserialize_with = "opt_text"
    )]
    pub first_name: Option<String>,
    #[serde(
        default,
        rename(deserialize = "lastname"),
        alias = "last_name",
        deserialize_with = "opt_text"
    )]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub country: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub phone: Option<String>,
}

impl RestVisitor {
    pub fn to_visitor(&self) -> Visitor {
        Visitor {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            country: self.country.clone(),
        }
    }
}

/// `GET /website/{id}`: an iAdvize site. No country field exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Website {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    #[serde(default, alias = "name", deserialize_with = "opt_text")]
    pub label: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub timezone: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub language_admin: Option<String>,
}

/// What a `history` tuple is (REST conversation transcript).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    /// 1
    OperatorText,
    /// 2
    VisitorText,
    /// 3: "The chat rule has been activated.", `OPERATOR_CHAT_CLOSE`, `OPERATOR_TRANSFER`, ...
    System,
    /// 5: a page the visitor visited.
    PageVisited,
    /// 6
    OperatorRichContent,
    /// 7
    VisitorRichContent,
    /// Any other type number (4 is undocumented).
    Other,
}

impl HistoryKind {
    fn from_code(code: i64) -> Self {
        match code {
            1 => HistoryKind::OperatorText,
            2 => HistoryKind::VisitorText,
            3 => HistoryKind::System,
            5 => HistoryKind::PageVisited,
            6 => HistoryKind::OperatorRichContent,
            7 => HistoryKind::VisitorRichContent,
            _ => HistoryKind::Other,
        }
    }
}

/// One tuple `[type, "YYYY-MM-DD HH:MM:SS", text, epoch_ms?]` of a REST `history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub code: i64,
    pub kind: HistoryKind,
    /// From `epoch_ms` when given, else the text date read as UTC (its zone is undocumented).
    pub at: Option<DateTime<Utc>>,
    pub text: String,
}

/// Parses a `history` as iAdvize sends it: a JSON array of tuples, or (as in the real
/// example) the tuples joined by commas without the outer brackets. Malformed tuples are
/// skipped; a history that is not JSON at all is an error.
pub fn parse_history(raw: &Value) -> Result<Vec<HistoryEntry>, String> {
    let tuples: Vec<Value> = match raw {
        Value::Null => return Ok(vec![]),
        Value::Array(items) => items.clone(),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(vec![]);
            }
            let parsed: Value = serde_json::from_str(s)
                .or_else(|_| serde_json::from_str(&format!("[{s}]")))
                .map_err(|e| format!("the conversation history is not readable: {e}"))?;
            match parsed {
                // "[[…],[…]]" or "[…],[…]" (wrapped above).
                Value::Array(items) if items.iter().all(Value::is_array) => items,
                // A single tuple "[2, \"…\", \"Hello\"]".
                Value::Array(items) => vec![Value::Array(items)],
                _ => return Err("the conversation history is not a list".into()),
            }
        }
        _ => return Err("the conversation history is not a list".into()),
    };
    Ok(tuples
        .iter()
        .filter_map(|t| {
            let t = t.as_array()?;
            let code = t.first()?.as_i64()?;
            let text_at = t.get(1).and_then(Value::as_str).and_then(parse_rest_time);
            let text = match t.get(2) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            let at = t
                .get(3)
                .and_then(Value::as_i64)
                .and_then(DateTime::from_timestamp_millis)
                .or(text_at);
            Some(HistoryEntry {
                code,
                kind: HistoryKind::from_code(code),
                at,
                text,
            })
        })
        .collect())
}

/// `GET /conversation.json-unicode/{id}?formatHistory=0` (deprecated resource: a fallback).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestConversation {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    #[serde(default, deserialize_with = "opt_text")]
    pub channel: Option<String>,
    #[serde(default, alias = "operator_answer", deserialize_with = "opt_bool")]
    pub operator_answered: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub operator_closed: Option<bool>,
    #[serde(default, alias = "waitinglist", deserialize_with = "opt_bool")]
    pub waiting_list: Option<bool>,
    #[serde(default, deserialize_with = "opt_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_time")]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_int")]
    pub website_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub operator_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub visitor_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub visitor_uid: Option<String>,
    #[serde(default, deserialize_with = "int_list")]
    pub tag_list: Vec<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub rule_id: Option<i64>,
    /// A UUID: possibly the GraphQL conversation id (unconfirmed).
    #[serde(default, deserialize_with = "opt_text")]
    pub xmpp_id: Option<String>,
    #[serde(skip_deserializing)]
    pub history: Vec<HistoryEntry>,
}

pub(crate) fn operator(data: Value) -> Result<Operator, IadvizeError> {
    serde_json::from_value::<Operator>(data)
        .map(Operator::normalise)
        .map_err(|e| IadvizeError::unexpected(format!("REST operator: {e}")))
}

pub(crate) fn conversation(mut data: Value) -> Result<RestConversation, IadvizeError> {
    let history = parse_history(&data["history"].take()).map_err(IadvizeError::unexpected)?;
    let mut c: RestConversation = serde_json::from_value(data)
        .map_err(|e| IadvizeError::unexpected(format!("REST conversation: {e}")))?;
    c.history = history;
    Ok(c)
}

pub(crate) fn typed<T: serde::de::DeserializeOwned>(
    data: Value,
    what: &str,
) -> Result<T, IadvizeError> {
    serde_json::from_value(data).map_err(|e| IadvizeError::unexpected(format!("REST {what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example(name: &str) -> Value {
        let path = format!(
            "{}/../shared/reference/examples/iadvize/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        match std::fs::read_to_string(&path) {
            Ok(s) => serde_json::from_str(&s).unwrap(),
            Err(_) => Value::Null,
        }
    }

    #[test]
    fn envelopes_decide_on_meta_status() {
        let body = |v: Value| serde_json::to_vec(&v).unwrap();
        let forbidden = body(json!({"meta": {"status": "error", "message": "Forbidden"}}));
        for http in [200, 403] {
            assert_eq!(
                decide(http, &forbidden, "website 1").unwrap_err(),
                IadvizeError::RestKeyInvalid
            );
        }
        let missing =
            body(json!({"meta": {"status": "fail", "message": "Unknown 'website' with 'id' 5."}}));
        for http in [200, 404] {
            assert_eq!(
                decide(http, &missing, "website 5").unwrap_err().code(),
                "iadvize.not_found"
            );
        }
        let bad = body(json!({"meta": {"status": "fail", "message": "Field 'x' is missing."}}));
        let e = decide(400, &bad, "x").unwrap_err();
        assert_eq!(e.code(), "iadvize.unexpected");
        assert!(e.to_string().contains("Field 'x' is missing."));
        // success with a 4xx status still counts as success (decided on meta.status).
        let ok = body(
            json!({"meta": {"status": "success"}, "data": [1], "pagination": {"page": "1", "pages": 2, "limit": 20, "count": 3}}),
        );
        let (data, pages) = decide(200, &ok, "x").unwrap();
        assert_eq!(data, json!([1]));
        assert_eq!(pages, Some(Pagination { page: 1, pages: 2 }));
        assert_eq!(
            decide(403, b"<html>nope</html>", "x").unwrap_err(),
            IadvizeError::RestKeyInvalid
        );
        assert_eq!(
            decide(502, b"", "x").unwrap_err().code(),
            "iadvize.unexpected"
        );
    }

    #[test]
    fn the_documented_examples_parse() {
        let envelopes = example("rest_envelopes.json");
        if envelopes.is_null() {
            return; // the shared reference folder is not part of every checkout
        }
        for key in [
            "auth_failed",
            "not_found",
            "list",
            "single",
            "list_from_client_tests",
        ] {
            let body = serde_json::to_vec(&envelopes[key]).unwrap();
            let r = decide(200, &body, "x");
            assert_eq!(
                r.is_ok(),
                ["list", "single", "list_from_client_tests"].contains(&key)
            );
        }
        let conv = example("rest_conversation_get.json");
        let c = conversation(conv["data"].clone()).unwrap();
        assert_eq!(c.id, 99_993_266);
        assert_eq!(c.operator_answered, Some(false));
        assert_eq!(c.waiting_list, Some(false));
        assert_eq!(c.tag_list, [299_029]);
        assert_eq!(c.history.len(), 3);
        assert_eq!(c.history[1].kind, HistoryKind::PageVisited);
        assert_eq!(c.history[2].text, "OPERATOR_CHAT_CLOSE");
        let tuples = example("rest_conversation_history_types.json");
        let h = parse_history(&tuples["history"]).unwrap();
        assert_eq!(h.len(), 10);
        assert_eq!(
            h[1].at.unwrap().timestamp_millis(),
            1_455_618_264_049,
            "epoch_ms wins"
        );
    }

    #[test]
    fn both_spellings_and_tolerant_types() {
        let documented = json!({"id": "12", "channel": "chat", "operator_answer": 1, "waitinglist": "0",
            "created_at": "2020-04-23 14:31:22", "closed_at": null, "website_id": "9999", "tag_list": null,
            "history": "[[1,\"2020-04-23 14:31:22\",\"Hi\",1587652282000]]"});
        let c = conversation(documented).unwrap();
        assert_eq!(c.id, 12);
        assert_eq!(c.operator_answered, Some(true));
        assert_eq!(c.waiting_list, Some(false));
        assert_eq!(c.website_id, Some(9999));
        assert_eq!(
            c.created_at.unwrap().to_rfc3339(),
            "2020-04-23T14:31:22+00:00"
        );
        assert_eq!(c.history[0].kind, HistoryKind::OperatorText);
        assert!(parse_history(&json!("not json")).is_err());
        assert_eq!(
            parse_history(&json!("[2,\"2020-01-01 00:00:00\",\"one\"]"))
                .unwrap()
                .len(),
            1
        );
        assert!(parse_history(&json!("")).unwrap().is_empty());

        let op = operator(
            json!({"id": 31, "name": "Robert", "first_name": "Jean", "role": "operator",
            "roles": ["expert"], "email": "", "website_list": [3101, "3102"]}),
        )
        .unwrap();
        assert_eq!(op.kind(), AgentKind::Expert);
        assert_eq!(op.roles, ["expert", "operator"]);
        assert_eq!(op.email, None);
        assert_eq!(op.website_list, [3101, 3102]);
        assert_eq!(op.to_agent().full_name(), "Jean Robert");
        let old = operator(json!({"id": 1, "name": "Moreau", "role": "admin"})).unwrap();
        assert_eq!(old.kind(), AgentKind::Professional);
        assert_eq!(old.roles, ["admin"]);

        let v: RestVisitor = typed(
            json!({"id": 7, "firstname": "Zoë", "lastname": "Martin", "email": "z@x.example", "country": "FR"}),
            "visitor",
        )
        .unwrap();
        assert_eq!(v.to_visitor().full_name().as_deref(), Some("Zoë Martin"));
        let v: RestVisitor = typed(
            json!({"id": 8, "first_name": "A", "last_name": "B"}),
            "visitor",
        )
        .unwrap();
        assert_eq!(v.last_name.as_deref(), Some("B"));
    }
}
