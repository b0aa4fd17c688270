//! Validates JSON bodies against Zendesk's OpenAPI document (`contracts/zendesk-oas.yaml`).
//!
//! A dev-only helper: the sandbox's tests check every response it serves with it, and the
//! Zendesk client's tests check every request body they send.
//!
//! ```no_run
//! use oas_check::Oas;
//! let oas = Oas::load(); // parsed once per process, then shared
//! let body = serde_json::json!({"ticket": {"comment": {"body": "hi", "public": false}}});
//! oas.validate_request("POST", "/api/v2/tickets", &body).unwrap();
//! oas.validate_response("GET", "https://x.zendesk.com/api/v2/tickets/12?include=users", 200,
//!     &serde_json::json!({"ticket": {"id": 12}})).unwrap();
//! ```
//!
//! Paths may be templates (`/api/v2/tickets/{ticket_id}`) or concrete (`/api/v2/tickets/12`),
//! with or without scheme, host, query string or a `.json` suffix. When several templates
//! match, the one with the most literal segments wins (`/tickets/create_many` beats
//! `/tickets/{ticket_id}`).
//!
//! # What is checked
//! `$ref` (to anything inside the document), OpenAPI 3.0 `nullable`, `type`, `enum`,
//! `properties`, `required`, `additionalProperties` (false or a schema), `items`,
//! `minItems`/`maxItems`, `minLength`/`maxLength`, `pattern`, `minimum`/`maximum`
//! (and the 3.0 boolean `exclusiveMinimum`/`exclusiveMaximum`), `allOf`, `anyOf`, `oneOf`,
//! the formats `date-time`, `date`, `email`, `uri`, and `readOnly`/`writeOnly`
//! (a read-only property in a request, or a write-only one in a response, is an error;
//! `required` ignores read-only properties in requests and write-only ones in responses).
//!
//! # What is not checked, and why
//! - `oneOf` is checked as "at least one branch matches" (like `anyOf`): Zendesk's `oneOf`s are
//!   untagged and their branches overlap (for example `JobStatusResultObject`, whose three
//!   branches all accept `{id, index}`), so "exactly one" would reject documented examples.
//! - `discriminator`, `uniqueItems`, `multipleOf`, `not`, and formats other than those above
//!   are ignored (the document uses no discriminator; `int64`/`int32` add nothing to JSON).
//! - A `pattern` that Rust's `regex` cannot compile (ECMA-only syntax) is skipped.
//! - Headers, query parameters and status codes are not validated, except that
//!   [`Oas::validate_response`] fails for a status the operation does not document
//!   (use [`Oas::documents_response`] to ask first). Zendesk documents few error statuses.
//! - Behaviour that is not in the document at all (the `Idempotency-Key` header and its
//!   400 `IdempotentRequestError`, rate-limit headers, `TooManyJobs`) cannot be checked here.

use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

/// Errors while loading the OpenAPI document.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot parse the OpenAPI YAML: {0}")]
    Parse(String),
    #[error("the OpenAPI document has no `paths` object")]
    NoPaths,
}

/// The parsed OpenAPI document and an index of its paths.
pub struct Oas {
    root: Value,
    paths: Vec<PathTemplate>,
}

struct PathTemplate {
    template: String,
    segments: Vec<String>,
}

/// One operation of the document, as found by [`Oas::operation`].
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The path template, e.g. `/api/v2/tickets/{ticket_id}`.
    pub template: &'a str,
    /// Lower-case HTTP method.
    pub method: &'a str,
    pub operation_id: Option<&'a str>,
    raw: &'a Value,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

const MAX_DEPTH: usize = 64;

/// Where the document lives in this repository.
pub fn default_spec_path() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("OAS_CHECK_SPEC") {
        return p.into();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts/zendesk-oas.yaml")
}

impl Oas {
    /// The repository's document, parsed once per process (about a second in a debug build).
    ///
    /// # Panics
    /// If the document cannot be read or parsed: this crate is for tests only.
    pub fn load() -> &'static Oas {
        static OAS: OnceLock<Oas> = OnceLock::new();
        OAS.get_or_init(|| {
            Oas::from_path(default_spec_path()).unwrap_or_else(|e| panic!("oas-check: {e}"))
        })
    }

    pub fn from_path(path: impl AsRef<Path>) -> Result<Oas, LoadError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Oas::from_yaml_str(&text)
    }

    /// Parses a document. The two bare `=` scalars of Zendesk's file (a YAML 1.1 "value"
    /// tag for some parsers) load as the string `"="` with this YAML 1.2 parser.
    pub fn from_yaml_str(text: &str) -> Result<Oas, LoadError> {
        let root: Value =
            serde_norway::from_str(text).map_err(|e| LoadError::Parse(e.to_string()))?;
        let paths = root
            .get("paths")
            .and_then(Value::as_object)
            .ok_or(LoadError::NoPaths)?
            .keys()
            .map(|t| PathTemplate {
                template: t.clone(),
                segments: split_path(t),
            })
            .collect();
        Ok(Oas { root, paths })
    }

    /// The raw document, for ad-hoc lookups.
    pub fn document(&self) -> &Value {
        &self.root
    }

    /// Finds the operation for a method and a concrete or templated path.
    pub fn operation(&self, method: &str, path: &str) -> Option<Operation<'_>> {
        let method = method.to_ascii_lowercase();
        let wanted = split_path(&normalize_path(path));
        let mut best: Option<(usize, &PathTemplate)> = None;
        for t in &self.paths {
            if t.segments.len() != wanted.len() {
                continue;
            }
            let mut literal = 0;
            let mut ok = true;
            for (ts, ws) in t.segments.iter().zip(&wanted) {
                if ts == ws {
                    if !is_param(ts) {
                        literal += 1;
                    }
                } else if !is_param(ts) {
                    ok = false;
                    break;
                }
            }
            if !ok {
                continue;
            }
            let has_method = self.root["paths"][&t.template].get(&method).is_some();
            if has_method && best.is_none_or(|(score, _)| literal > score) {
                best = Some((literal, t));
            }
        }
        let (_, t) = best?;
        let (method_key, raw) = self.root["paths"][&t.template]
            .as_object()?
            .iter()
            .find(|(k, _)| **k == method)?;
        Some(Operation {
            template: &t.template,
            method: method_key,
            operation_id: raw.get("operationId").and_then(Value::as_str),
            raw,
        })
    }

    /// Whether the operation documents a response for this status (exactly, as `4XX`, or `default`).
    pub fn documents_response(&self, method: &str, path: &str, status: u16) -> bool {
        self.operation(method, path)
            .and_then(|op| self.response_object(op, status))
            .is_some()
    }

    /// Validates a request body against the operation's `application/json` request schema.
    pub fn validate_request(
        &self,
        method: &str,
        path: &str,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let op = self.find(method, path)?;
        let request_body = op
            .raw
            .get("requestBody")
            .map(|rb| self.deref(rb))
            .ok_or_else(|| {
                vec![format!(
                    "{} {} declares no request body",
                    op.method, op.template
                )]
            })?;
        let schema = request_body
            .pointer("/content/application~1json/schema")
            .ok_or_else(|| {
                vec![format!(
                    "{} {} has no application/json request schema",
                    op.method, op.template
                )]
            })?;
        self.check(schema, body, Direction::Request)
    }

    /// Validates a response body against the operation's schema for that status.
    /// Fails when the status is not documented for the operation.
    pub fn validate_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let op = self.find(method, path)?;
        let response = self.response_object(op, status).ok_or_else(|| {
            vec![format!(
                "{} {} documents no response for status {status}",
                op.method, op.template
            )]
        })?;
        match response.pointer("/content/application~1json/schema") {
            Some(schema) => self.check(schema, body, Direction::Response),
            None if body.is_null() => Ok(()),
            None => Err(vec![format!(
                "{} {} documents no JSON body for status {status}, but one was given",
                op.method, op.template
            )]),
        }
    }

    /// Validates a value against a named component schema (e.g. `"TicketObject"`), as a response.
    pub fn validate_component(&self, schema_name: &str, value: &Value) -> Result<(), Vec<String>> {
        let schema = self
            .root
            .pointer(&format!("/components/schemas/{schema_name}"))
            .ok_or_else(|| vec![format!("no component schema {schema_name}")])?;
        self.check(schema, value, Direction::Response)
    }

    fn find(&self, method: &str, path: &str) -> Result<Operation<'_>, Vec<String>> {
        self.operation(method, path).ok_or_else(|| {
            vec![format!(
                "no operation {method} {path} in the OpenAPI document"
            )]
        })
    }

    fn response_object<'a>(&'a self, op: Operation<'a>, status: u16) -> Option<&'a Value> {
        let responses = op.raw.get("responses")?;
        let class = format!("{}XX", status / 100);
        responses
            .get(status.to_string())
            .or_else(|| responses.get(&class))
            .or_else(|| responses.get(class.to_ascii_lowercase()))
            .or_else(|| responses.get("default"))
            .map(|r| self.deref(r))
    }

    fn check(&self, schema: &Value, value: &Value, dir: Direction) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        self.validate(schema, value, "$", dir, &mut errors, 0);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Follows `$ref`s until a schema without one.
    fn deref<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..MAX_DEPTH {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                    Some(target) => schema = target,
                    None => return &Value::Null,
                },
                None => return schema,
            }
        }
        schema
    }

    fn validate(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        dir: Direction,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            errors.push(format!("{at}: schema nesting too deep"));
            return;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let resolved = self.deref(schema);
            if resolved.is_null() {
                errors.push(format!("{at}: unresolvable $ref {r}"));
                return;
            }
            return self.validate(resolved, value, at, dir, errors, depth + 1);
        }
        let Some(schema_obj) = schema.as_object() else {
            return; // `true`/empty schema: anything goes
        };

        if value.is_null() {
            if schema_obj.get("nullable").and_then(Value::as_bool) == Some(true) {
                return;
            }
            if let Some(t) = schema_obj.get("type").and_then(Value::as_str) {
                errors.push(format!("{at}: null where a non-nullable {t} is expected"));
                return;
            }
        }

        for sub in schema_obj
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.validate(sub, value, at, dir, errors, depth + 1);
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = schema_obj.get(key).and_then(Value::as_array) {
                let mut branch_errors = Vec::new();
                let mut matched = false;
                for (i, sub) in branches.iter().enumerate() {
                    let mut e = Vec::new();
                    self.validate(sub, value, at, dir, &mut e, depth + 1);
                    if e.is_empty() {
                        matched = true;
                        break;
                    }
                    branch_errors.push(format!("branch {i}: {}", e.join("; ")));
                }
                if !matched && !branches.is_empty() {
                    errors.push(format!(
                        "{at}: matches no branch of {key} ({})",
                        branch_errors.join(" | ")
                    ));
                }
            }
        }

        if let Some(allowed) = schema_obj.get("enum").and_then(Value::as_array)
            && !value.is_null()
            && !allowed.contains(value)
        {
            errors.push(format!(
                "{at}: {value} is not one of {}",
                Value::Array(allowed.clone())
            ));
        }

        let ty = schema_obj.get("type").and_then(Value::as_str);
        if let Some(ty) = ty
            && !type_matches(ty, value)
        {
            errors.push(format!("{at}: expected {ty}, got {}", type_name(value)));
            return;
        }

        match value {
            Value::Object(map) => self.validate_object(schema_obj, map, at, dir, errors, depth),
            Value::Array(items) => {
                if let Some(item_schema) = schema_obj.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.validate(
                            item_schema,
                            item,
                            &format!("{at}[{i}]"),
                            dir,
                            errors,
                            depth + 1,
                        );
                    }
                }
                if let Some(min) = schema_obj.get("minItems").and_then(Value::as_u64)
                    && (items.len() as u64) < min
                {
                    errors.push(format!(
                        "{at}: {} items, fewer than minItems {min}",
                        items.len()
                    ));
                }
                if let Some(max) = schema_obj.get("maxItems").and_then(Value::as_u64)
                    && (items.len() as u64) > max
                {
                    errors.push(format!(
                        "{at}: {} items, more than maxItems {max}",
                        items.len()
                    ));
                }
            }
            Value::String(s) => validate_string(schema_obj, s, at, errors),
            Value::Number(n) => {
                validate_number(schema_obj, n.as_f64().unwrap_or(f64::NAN), at, errors)
            }
            _ => {}
        }
    }

    fn validate_object(
        &self,
        schema: &serde_json::Map<String, Value>,
        map: &serde_json::Map<String, Value>,
        at: &str,
        dir: Direction,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, v) in map {
            let child = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(prop) => {
                    let resolved = self.deref(prop);
                    if dir == Direction::Request && flag(resolved, "readOnly") {
                        errors.push(format!("{child}: read-only property sent in a request"));
                    }
                    if dir == Direction::Response && flag(resolved, "writeOnly") {
                        errors.push(format!("{child}: write-only property in a response"));
                    }
                    self.validate(prop, v, &child, dir, errors, depth + 1);
                }
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errors.push(format!("{child}: property not allowed"))
                    }
                    Some(extra @ Value::Object(_)) => {
                        self.validate(extra, v, &child, dir, errors, depth + 1)
                    }
                    _ => {}
                },
            }
        }
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = req.as_str() else { continue };
            if map.contains_key(name) {
                continue;
            }
            let prop = properties.and_then(|p| p.get(name)).map(|p| self.deref(p));
            let exempt = prop.is_some_and(|p| {
                (dir == Direction::Request && flag(p, "readOnly"))
                    || (dir == Direction::Response && flag(p, "writeOnly"))
            });
            if !exempt {
                errors.push(format!("{at}: missing required property `{name}`"));
            }
        }
    }
}

fn flag(schema: &Value, name: &str) -> bool {
    schema.get(name).and_then(Value::as_bool) == Some(true)
}

fn type_matches(ty: &str, v: &Value) -> bool {
    match ty {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => true,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn validate_string(
    schema: &serde_json::Map<String, Value>,
    s: &str,
    at: &str,
    errors: &mut Vec<String>,
) {
    let len = s.chars().count() as u64;
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && len < min
    {
        errors.push(format!("{at}: shorter than minLength {min}"));
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && len > max
    {
        errors.push(format!("{at}: longer than maxLength {max}"));
    }
    if let Some(p) = schema.get("pattern").and_then(Value::as_str)
        && let Ok(re) = regex::Regex::new(p)
        && !re.is_match(s)
    {
        errors.push(format!("{at}: {s:?} does not match pattern {p}"));
    }
    let ok = match schema.get("format").and_then(Value::as_str) {
        Some("date-time") => is_date_time(s),
        Some("date") => is_date(s),
        Some("email") => s.contains('@') && !s.starts_with('@') && !s.ends_with('@'),
        Some("uri") => s.contains(':'),
        _ => true,
    };
    if !ok {
        errors.push(format!(
            "{at}: {s:?} is not a valid {}",
            schema["format"].as_str().unwrap_or("")
        ));
    }
}

fn validate_number(
    schema: &serde_json::Map<String, Value>,
    n: f64,
    at: &str,
    errors: &mut Vec<String>,
) {
    let excl_min = schema.get("exclusiveMinimum").and_then(Value::as_bool) == Some(true);
    let excl_max = schema.get("exclusiveMaximum").and_then(Value::as_bool) == Some(true);
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
        && (n < min || (excl_min && n == min))
    {
        errors.push(format!("{at}: {n} is below the minimum {min}"));
    }
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
        && (n > max || (excl_max && n == max))
    {
        errors.push(format!("{at}: {n} is above the maximum {max}"));
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_date_time(s: &str) -> bool {
    if s.len() < 20 || !is_date(&s[..10]) || !matches!(s.as_bytes()[10], b'T' | b't') {
        return false;
    }
    let rest = &s[11..];
    let b = rest.as_bytes();
    if b.len() < 9
        || !(b[0..2]
            .iter()
            .chain(&b[3..5])
            .chain(&b[6..8])
            .all(u8::is_ascii_digit)
            && b[2] == b':'
            && b[5] == b':')
    {
        return false;
    }
    let mut tail = &rest[8..];
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        tail = &frac[digits..];
    }
    match tail.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// Strips scheme, host, query, fragment and a `.json` suffix.
fn normalize_path(path: &str) -> String {
    let mut p = path;
    if let Some(i) = p.find("://") {
        p = &p[i + 3..];
        p = p.find('/').map_or("/", |j| &p[j..]);
    }
    if let Some(i) = p.find(['?', '#']) {
        p = &p[..i];
    }
    let p = p.strip_suffix(".json").unwrap_or(p);
    p.to_string()
}

fn split_path(p: &str) -> Vec<String> {
    p.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_urls_and_suffixes() {
        assert_eq!(
            normalize_path("https://a.zendesk.com/api/v2/tickets.json?x=1"),
            "/api/v2/tickets"
        );
        assert_eq!(
            normalize_path("/api/v2/tickets/5#frag"),
            "/api/v2/tickets/5"
        );
    }

    #[test]
    fn date_time_formats() {
        assert!(is_date_time("2026-11-26T14:03:00Z"));
        assert!(is_date_time("2026-11-26T14:03:00.123+01:00"));
        assert!(!is_date_time("2026-11-26 14:03:00"));
        assert!(!is_date_time("2026-11-26T14:03Z"));
        assert!(is_date("2021-04-16"));
        assert!(!is_date("2021-4-16"));
    }
}
