//! The iAdvize compatibility check: which parts of our GraphQL contract exist in the live
//! schema, field by field and argument by argument, with a compatible type.
//!
//! The expected side is `contracts/iadvize-assumed.graphql` itself (embedded and parsed), and
//! its ASSUMED marks are read from the file's comments, so the check cannot drift from the
//! contract. The live side comes from standard GraphQL introspection. [`compare`] is a pure
//! function of the two.
//!
//! Rules:
//! - An element is *assumed* when a comment on its line, or the comment lines right above it,
//!   say `ASSUMED`, or when its type (for fields, arguments, enum values, union members) or
//!   its field (for arguments) is assumed.
//! - Types must exist with the same kind; fields and input fields by name; arguments by name
//!   on the same field; enum values; union members; implemented interfaces. The contract's
//!   `Query` is the live schema's query root, whatever its name.
//! - Type references must have the same named type and list structure. Nullability may differ
//!   in the safe direction only: a field we read may be stricter (non-null) than the contract
//!   says, never looser; an argument or input field we send may be looser (nullable), never
//!   stricter.

use super::error::IadvizeError;
use async_graphql_parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use ts_rs::TS;

/// The contract, as committed in the repository.
pub const CONTRACT_SDL: &str = include_str!("../../contracts/iadvize-assumed.graphql");

const BUILTIN_SCALARS: [&str; 5] = ["Int", "Float", "String", "Boolean", "ID"];

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export, rename = "IadvizeCompatibilityStatus")]
pub enum ItemStatus {
    Present,
    Missing,
    /// Exists, with another type (GraphQL notation, e.g. `[LegacyId!]`, or a kind such as
    /// `OBJECT` for types).
    TypeDiffers {
        expected: String,
        found: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "IadvizeCompatibilityItem")]
pub struct CompatibilityItem {
    /// `Conversation` (a type), `Conversation.engagementCampaign` (a field or input field),
    /// `Query.closedConversations(filters)` (an argument), `Channel.CHAT` (an enum value),
    /// `MessageAuthor | UserAuthor` (a union member), `Professional implements User`.
    pub path: String,
    /// Marked ASSUMED in the contract: no public iAdvize source confirms it.
    pub assumed: bool,
    pub status: ItemStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "IadvizeCompatibilitySummary")]
pub struct CompatibilitySummary {
    pub checked: u32,
    pub present: u32,
    pub missing: u32,
    pub type_differs: u32,
    /// Items marked ASSUMED, and how many of them the live schema has as expected.
    pub assumed_checked: u32,
    pub assumed_present: u32,
    /// Every item present with a compatible type: the app's queries should work.
    pub compatible: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "IadvizeCompatibilityReport")]
pub struct CompatibilityReport {
    pub items: Vec<CompatibilityItem>,
    pub summary: CompatibilitySummary,
}

impl CompatibilityReport {
    /// The items that are not present as expected.
    pub fn problems(&self) -> impl Iterator<Item = &CompatibilityItem> {
        self.items
            .iter()
            .filter(|i| i.status != ItemStatus::Present)
    }

    pub fn item(&self, path: &str) -> Option<&CompatibilityItem> {
        self.items.iter().find(|i| i.path == path)
    }

    fn from_items(items: Vec<CompatibilityItem>) -> Self {
        let count =
            |f: &dyn Fn(&CompatibilityItem) -> bool| items.iter().filter(|i| f(i)).count() as u32;
        let present = count(&|i| i.status == ItemStatus::Present);
        let missing = count(&|i| i.status == ItemStatus::Missing);
        let summary = CompatibilitySummary {
            checked: items.len() as u32,
            present,
            missing,
            type_differs: count(&|i| matches!(i.status, ItemStatus::TypeDiffers { .. })),
            assumed_checked: count(&|i| i.assumed),
            assumed_present: count(&|i| i.assumed && i.status == ItemStatus::Present),
            compatible: present as usize == items.len(),
        };
        CompatibilityReport { items, summary }
    }
}

// ---------------------------------------------------------------------------------------------
// Schema model (shared by the contract and the live schema)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Named(n) => f.write_str(n),
            TypeRef::List(t) => write!(f, "[{t}]"),
            TypeRef::NonNull(t) => write!(f, "{t}!"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scalar,
    Object,
    Interface,
    Union,
    Enum,
    InputObject,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Scalar => "SCALAR",
            Kind::Object => "OBJECT",
            Kind::Interface => "INTERFACE",
            Kind::Union => "UNION",
            Kind::Enum => "ENUM",
            Kind::InputObject => "INPUT_OBJECT",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "SCALAR" => Kind::Scalar,
            "OBJECT" => Kind::Object,
            "INTERFACE" => Kind::Interface,
            "UNION" => Kind::Union,
            "ENUM" => Kind::Enum,
            "INPUT_OBJECT" => Kind::InputObject,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct InputValue {
    pub name: String,
    pub ty: TypeRef,
    pub assumed: bool,
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: String,
    pub ty: TypeRef,
    pub args: Vec<InputValue>,
    pub assumed: bool,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub kind: Kind,
    pub assumed: bool,
    pub fields: Vec<FieldDef>,
    pub input_fields: Vec<InputValue>,
    pub interfaces: Vec<String>,
    /// Union members.
    pub possible_types: Vec<String>,
    pub enum_values: Vec<String>,
}

/// A GraphQL schema reduced to what the check compares.
#[derive(Debug, Clone)]
pub struct SchemaModel {
    pub query_type: String,
    /// In declaration order for the contract (so the report follows the file).
    pub types: Vec<TypeDef>,
}

impl SchemaModel {
    fn get(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }

    /// Reads an SDL document; `ASSUMED` marks come from its comments.
    pub fn from_sdl(sdl: &str) -> Result<SchemaModel, String> {
        let doc = async_graphql_parser::parse_schema(sdl).map_err(|e| e.to_string())?;
        let marks = Marks::new(sdl);
        let mut query_type = "Query".to_owned();
        let mut types = Vec::new();
        for def in &doc.definitions {
            let td = match def {
                TypeSystemDefinition::Schema(s) => {
                    if let Some(q) = &s.node.query {
                        query_type = q.node.to_string();
                    }
                    continue;
                }
                TypeSystemDefinition::Directive(_) => continue,
                TypeSystemDefinition::Type(td) => td,
            };
            let line = td.pos.line;
            let t = &td.node;
            let assumed = marks.at(line) || marks.at(t.name.pos.line);
            let input = |v: &async_graphql_parser::Positioned<
                async_graphql_parser::types::InputValueDefinition,
            >,
                         parent: bool| InputValue {
                name: v.node.name.node.to_string(),
                ty: sdl_type(&v.node.ty.node),
                assumed: parent || marks.at(v.pos.line),
            };
            let field = |f: &async_graphql_parser::Positioned<
                async_graphql_parser::types::FieldDefinition,
            >| {
                let fa = assumed || marks.at(f.pos.line);
                FieldDef {
                    name: f.node.name.node.to_string(),
                    ty: sdl_type(&f.node.ty.node),
                    args: f.node.arguments.iter().map(|a| input(a, fa)).collect(),
                    assumed: fa,
                }
            };
            let mut def = TypeDef {
                name: t.name.node.to_string(),
                kind: Kind::Scalar,
                assumed,
                fields: vec![],
                input_fields: vec![],
                interfaces: vec![],
                possible_types: vec![],
                enum_values: vec![],
            };
            match &t.kind {
                TypeKind::Scalar => {}
                TypeKind::Object(o) => {
                    def.kind = Kind::Object;
                    def.fields = o.fields.iter().map(field).collect();
                    def.interfaces = o.implements.iter().map(|i| i.node.to_string()).collect();
                }
                TypeKind::Interface(i) => {
                    def.kind = Kind::Interface;
                    def.fields = i.fields.iter().map(field).collect();
                    def.interfaces = i.implements.iter().map(|i| i.node.to_string()).collect();
                }
                TypeKind::Union(u) => {
                    def.kind = Kind::Union;
                    def.possible_types = u.members.iter().map(|m| m.node.to_string()).collect();
                }
                TypeKind::Enum(e) => {
                    def.kind = Kind::Enum;
                    def.enum_values = e
                        .values
                        .iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect();
                }
                TypeKind::InputObject(io) => {
                    def.kind = Kind::InputObject;
                    def.input_fields = io.fields.iter().map(|f| input(f, assumed)).collect();
                }
            }
            types.push(def);
        }
        Ok(SchemaModel { query_type, types })
    }

    /// Reads the `data` of the [`INTROSPECTION_QUERY`] answer.
    pub fn from_introspection(data: &Value) -> Result<SchemaModel, String> {
        #[derive(Deserialize)]
        struct Named {
            name: String,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct RawRef {
            kind: String,
            name: Option<String>,
            of_type: Option<Box<RawRef>>,
        }
        #[derive(Deserialize)]
        struct RawInput {
            name: String,
            #[serde(rename = "type")]
            ty: RawRef,
        }
        #[derive(Deserialize)]
        struct RawField {
            name: String,
            #[serde(default)]
            args: Vec<RawInput>,
            #[serde(rename = "type")]
            ty: RawRef,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct RawType {
            kind: String,
            name: Option<String>,
            fields: Option<Vec<RawField>>,
            input_fields: Option<Vec<RawInput>>,
            interfaces: Option<Vec<Named>>,
            possible_types: Option<Vec<Named>>,
            enum_values: Option<Vec<Named>>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct RawSchema {
            query_type: Option<Named>,
            types: Vec<RawType>,
        }
        #[derive(Deserialize)]
        struct Data {
            #[serde(rename = "__schema")]
            schema: RawSchema,
        }
        fn to_ref(r: &RawRef) -> Result<TypeRef, String> {
            let inner = || {
                r.of_type
                    .as_deref()
                    .ok_or_else(|| format!("{} without ofType", r.kind))
                    .and_then(to_ref)
            };
            Ok(match r.kind.as_str() {
                "NON_NULL" => TypeRef::NonNull(Box::new(inner()?)),
                "LIST" => TypeRef::List(Box::new(inner()?)),
                _ => TypeRef::Named(r.name.clone().ok_or("a named type without a name")?),
            })
        }
        let input = |i: &RawInput| -> Result<InputValue, String> {
            Ok(InputValue {
                name: i.name.clone(),
                ty: to_ref(&i.ty)?,
                assumed: false,
            })
        };
        let data: Data =
            serde_json::from_value(data.clone()).map_err(|e| format!("introspection: {e}"))?;
        let mut types = Vec::new();
        for t in &data.schema.types {
            let (Some(name), Some(kind)) = (t.name.clone(), Kind::parse(&t.kind)) else {
                continue;
            };
            let names = |v: &Option<Vec<Named>>| {
                v.iter()
                    .flatten()
                    .map(|n| n.name.clone())
                    .collect::<Vec<_>>()
            };
            let fields = t
                .fields
                .iter()
                .flatten()
                .map(|f| {
                    Ok(FieldDef {
                        name: f.name.clone(),
                        ty: to_ref(&f.ty)?,
                        args: f.args.iter().map(input).collect::<Result<_, String>>()?,
                        assumed: false,
                    })
                })
                .collect::<Result<_, String>>()?;
            types.push(TypeDef {
                name,
                kind,
                assumed: false,
                fields,
                input_fields: t
                    .input_fields
                    .iter()
                    .flatten()
                    .map(input)
                    .collect::<Result<_, String>>()?,
                interfaces: names(&t.interfaces),
                possible_types: names(&t.possible_types),
                enum_values: names(&t.enum_values),
            });
        }
        Ok(SchemaModel {
            query_type: data
                .schema
                .query_type
                .map_or_else(|| "Query".to_owned(), |q| q.name),
            types,
        })
    }
}

fn sdl_type(t: &Type) -> TypeRef {
    let base = match &t.base {
        BaseType::Named(n) => TypeRef::Named(n.to_string()),
        BaseType::List(inner) => TypeRef::List(Box::new(sdl_type(inner))),
    };
    if t.nullable {
        base
    } else {
        TypeRef::NonNull(Box::new(base))
    }
}

/// Which lines of an SDL file carry an ASSUMED mark (own comment, or the comment block right
/// above).
struct Marks {
    lines: Vec<(bool, bool)>, // (comment-only line, says ASSUMED)
}

impl Marks {
    fn new(sdl: &str) -> Self {
        Marks {
            lines: sdl
                .lines()
                .map(|l| {
                    let comment = l.find('#').map_or("", |i| &l[i..]);
                    (l.trim_start().starts_with('#'), comment.contains("ASSUMED"))
                })
                .collect(),
        }
    }

    /// `line` is one-based.
    fn at(&self, line: usize) -> bool {
        let Some(idx) = line.checked_sub(1) else {
            return false;
        };
        if self.lines.get(idx).is_some_and(|l| l.1) {
            return true;
        }
        self.lines[..idx.min(self.lines.len())]
            .iter()
            .rev()
            .take_while(|(comment_only, _)| *comment_only)
            .any(|(_, assumed)| *assumed)
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

/// Whether `found` can stand for `expected`. `input`: a value we send (argument, input field),
/// else a value we read.
fn compatible(expected: &TypeRef, found: &TypeRef, input: bool, roots: &(String, String)) -> bool {
    use TypeRef::*;
    match (expected, found) {
        (NonNull(e), NonNull(f)) => compatible(e, f, input, roots),
        // We read: the live schema may promise more (non-null) than we need.
        (e, NonNull(f)) if !input => compatible(e, f, input, roots),
        // We send: the live schema may require less (nullable) than we always give.
        (NonNull(e), f) if input => compatible(e, f, input, roots),
        (List(e), List(f)) => compatible(e, f, input, roots),
        (Named(e), Named(f)) => e == f || (e == &roots.0 && f == &roots.1),
        _ => false,
    }
}

fn status_of(
    expected: &TypeRef,
    found: Option<&TypeRef>,
    input: bool,
    roots: &(String, String),
) -> ItemStatus {
    match found {
        None => ItemStatus::Missing,
        Some(f) if compatible(expected, f, input, roots) => ItemStatus::Present,
        Some(f) => ItemStatus::TypeDiffers {
            expected: expected.to_string(),
            found: f.to_string(),
        },
    }
}

/// Compares the contract with a live schema: one item per type, field, argument, input
/// field, enum value, union member and implemented interface of the contract. Built-in
/// scalars are not listed.
pub fn compare(contract: &SchemaModel, live: &SchemaModel) -> CompatibilityReport {
    let roots = (contract.query_type.clone(), live.query_type.clone());
    let mut items = Vec::new();
    let mut push = |path: String, assumed: bool, status: ItemStatus| {
        items.push(CompatibilityItem {
            path,
            assumed,
            status,
        })
    };
    for t in &contract.types {
        if BUILTIN_SCALARS.contains(&t.name.as_str()) {
            continue;
        }
        let live_name = if t.name == contract.query_type {
            live.query_type.as_str()
        } else {
            t.name.as_str()
        };
        let lt = live.get(live_name);
        let type_status = match lt {
            None => ItemStatus::Missing,
            Some(l) if l.kind == t.kind => ItemStatus::Present,
            Some(l) => ItemStatus::TypeDiffers {
                expected: t.kind.as_str().into(),
                found: l.kind.as_str().into(),
            },
        };
        push(t.name.clone(), t.assumed, type_status);
        // Members of a missing or different type are reported missing, so that every
        // assumed part shows.
        let lt = lt.filter(|l| l.kind == t.kind);
        for f in &t.fields {
            let lf = lt.and_then(|l| l.fields.iter().find(|x| x.name == f.name));
            push(
                format!("{}.{}", t.name, f.name),
                f.assumed,
                status_of(&f.ty, lf.map(|x| &x.ty), false, &roots),
            );
            for a in &f.args {
                let la = lf.and_then(|x| x.args.iter().find(|y| y.name == a.name));
                push(
                    format!("{}.{}({})", t.name, f.name, a.name),
                    a.assumed,
                    status_of(&a.ty, la.map(|y| &y.ty), true, &roots),
                );
            }
        }
        for f in &t.input_fields {
            let lf = lt.and_then(|l| l.input_fields.iter().find(|x| x.name == f.name));
            push(
                format!("{}.{}", t.name, f.name),
                f.assumed,
                status_of(&f.ty, lf.map(|x| &x.ty), true, &roots),
            );
        }
        let has = |list: Option<&Vec<String>>, name: &str| {
            if list.is_some_and(|l| l.iter().any(|x| x == name)) {
                ItemStatus::Present
            } else {
                ItemStatus::Missing
            }
        };
        for v in &t.enum_values {
            push(
                format!("{}.{}", t.name, v),
                t.assumed,
                has(lt.map(|l| &l.enum_values), v),
            );
        }
        for m in &t.possible_types {
            push(
                format!("{} | {}", t.name, m),
                t.assumed || contract.get(m).is_some_and(|d| d.assumed),
                has(lt.map(|l| &l.possible_types), m),
            );
        }
        for i in &t.interfaces {
            push(
                format!("{} implements {}", t.name, i),
                t.assumed,
                has(lt.map(|l| &l.interfaces), i),
            );
        }
    }
    CompatibilityReport::from_items(items)
}

/// The contract, parsed once.
pub fn contract() -> &'static SchemaModel {
    static CONTRACT: std::sync::OnceLock<SchemaModel> = std::sync::OnceLock::new();
    CONTRACT.get_or_init(|| {
        SchemaModel::from_sdl(CONTRACT_SDL).expect("the committed contract is valid GraphQL SDL")
    })
}

/// Compares the live schema (an introspection answer's `data`) with the contract.
pub fn check_introspection(data: &Value) -> Result<CompatibilityReport, IadvizeError> {
    let live = SchemaModel::from_introspection(data).map_err(IadvizeError::unexpected)?;
    Ok(compare(contract(), &live))
}

/// Standard introspection, reduced to what [`compare`] needs.
pub const INTROSPECTION_QUERY: &str = "query IntrospectionQuery {
  __schema {
    queryType { name }
    types {
      kind
      name
      fields(includeDeprecated: true) { name args { name type { ...TypeRef } } type { ...TypeRef } }
      inputFields { name type { ...TypeRef } }
      interfaces { name }
      possibleTypes { name }
      enumValues(includeDeprecated: true) { name }
    }
  }
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}";

/// Summary lines for people (CLI), problems first.
pub fn describe(report: &CompatibilityReport) -> Vec<String> {
    let mut out: Vec<String> = report
        .problems()
        .map(|i| {
            let mark = if i.assumed { " (ASSUMED)" } else { "" };
            match &i.status {
                ItemStatus::Missing => format!("missing: {}{mark}", i.path),
                ItemStatus::TypeDiffers { expected, found } => {
                    format!(
                        "type differs: {}{mark}: expected {expected}, found {found}",
                        i.path
                    )
                }
                ItemStatus::Present => unreachable!(),
            }
        })
        .collect();
    let s = &report.summary;
    out.push(format!(
        "{} of {} contract items present ({} of {} ASSUMED ones)",
        s.present, s.checked, s.assumed_present, s.assumed_checked
    ));
    out
}

/// The contract's items by path, for tests and diagnostics.
pub fn contract_paths() -> BTreeMap<String, bool> {
    compare(contract(), contract())
        .items
        .into_iter()
        .map(|i| (i.path, i.assumed))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn without_line(starting_with: &str) -> String {
        let mut removed = 0;
        let out = CONTRACT_SDL
            .lines()
            .filter(|l| {
                let hit = l.trim_start().starts_with(starting_with);
                removed += usize::from(hit);
                !hit
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(removed, 1, "{starting_with}");
        out
    }

    fn report_against(sdl: &str) -> CompatibilityReport {
        compare(contract(), &SchemaModel::from_sdl(sdl).unwrap())
    }

    #[test]
    fn the_contract_is_compatible_with_itself() {
        let r = report_against(CONTRACT_SDL);
        assert!(r.summary.compatible, "{:?}", describe(&r));
        assert_eq!(r.summary.present, r.summary.checked);
        assert!(r.summary.checked > 80);
    }

    #[test]
    fn assumed_marks_follow_the_file() {
        let p = contract_paths();
        let assumed = |path: &str| *p.get(path).unwrap_or_else(|| panic!("no item {path}"));
        // Marked on their own line.
        assert!(assumed("Conversation.engagementCampaign"));
        assert!(assumed("EngagementCampaign"));
        assert!(assumed("EngagementCampaign.name"));
        assert!(assumed("Visitor.email"));
        assert!(assumed("Query.closedConversations(first)"));
        assert!(assumed("Bot"));
        assert!(assumed("ConversationTag.name"));
        // Marked by the comment block above.
        assert!(assumed("Query.closedConversations"));
        assert!(assumed("Query.closedConversations(filters)"));
        assert!(assumed("ClosingFormValue"));
        assert!(assumed("ClosingFormValue.fieldId"));
        assert!(assumed("Message.author"));
        // Inherited from an assumed input type.
        assert!(assumed("ClosedConversationsFilters.projectIds"));
        assert!(assumed("DateTimeInterval.from"));
        // Confirmed.
        assert!(!assumed("Conversation.id"));
        assert!(!assumed("Query.conversation"));
        assert!(!assumed("Query.conversation(id)"));
        assert!(!assumed("Professional"));
        assert!(!assumed("Conversation.messages(after)"));
        assert!(!assumed("Channel.CHAT"));
        assert!(!assumed("ConversationPushedSystemAttachment.toUser"));
        assert!(!assumed("UUID"));
        assert!(p.contains_key("Professional implements User"));
        assert!(p.contains_key("Attachment | FileAttachment"));
        assert!(!p.contains_key("String"));
    }

    #[test]
    fn a_missing_assumed_field_is_reported() {
        let r = report_against(&without_line("engagementCampaign:"));
        let item = r.item("Conversation.engagementCampaign").unwrap();
        assert_eq!(item.status, ItemStatus::Missing);
        assert!(item.assumed);
        assert!(!r.summary.compatible);
        assert_eq!(r.summary.missing, 1);
        assert_eq!(r.summary.assumed_present + 1, r.summary.assumed_checked);
        assert_eq!(
            describe(&r)[0],
            "missing: Conversation.engagementCampaign (ASSUMED)"
        );
    }

    #[test]
    fn type_differences_respect_the_direction_of_data() {
        // A field we read turned nullable: differs. Made non-null: fine.
        let sdl = CONTRACT_SDL
            .replace("closedAt: DateTime ", "closedAt: DateTime! ")
            .replace(
                "createdAt: DateTime!                          # CONFIRMED",
                "createdAt: DateTime # CONFIRMED",
            )
            .replace(
                "type ClosingFormValue { fieldId: String!",
                "type ClosingFormValue { fieldId: ID!",
            );
        let r = report_against(&sdl);
        assert_eq!(
            r.item("Conversation.closedAt").unwrap().status,
            ItemStatus::Present
        );
        assert_eq!(
            r.item("Conversation.createdAt").unwrap().status,
            ItemStatus::TypeDiffers {
                expected: "DateTime!".into(),
                found: "DateTime".into()
            }
        );
        assert_eq!(
            r.item("ClosingFormValue.fieldId").unwrap().status,
            ItemStatus::TypeDiffers {
                expected: "String!".into(),
                found: "ID!".into()
            }
        );
        // An argument we send turned required: differs; turned optional: fine.
        let sdl = CONTRACT_SDL
            .replace("after: String\n", "after: String!\n")
            .replace(
                "filters: ClosedConversationsFilters!",
                "filters: ClosedConversationsFilters",
            )
            .replace("projectIds: [LegacyId!]", "projectIds: [Int!]");
        let r = report_against(&sdl);
        assert!(matches!(
            r.item("Query.closedConversations(after)").unwrap().status,
            ItemStatus::TypeDiffers { .. }
        ));
        assert_eq!(
            r.item("Query.closedConversations(filters)").unwrap().status,
            ItemStatus::Present
        );
        assert_eq!(
            r.item("ClosedConversationsFilters.projectIds")
                .unwrap()
                .status,
            ItemStatus::TypeDiffers {
                expected: "[LegacyId!]".into(),
                found: "[Int!]".into()
            }
        );
    }

    #[test]
    fn missing_types_members_and_a_renamed_root() {
        let sdl = without_line("type Bot implements User")
            .replace("union Attachment = ConversationPushedSystemAttachment | FileAttachment | LinkAttachment",
                     "union Attachment = ConversationPushedSystemAttachment | FileAttachment")
            .replace("type Query {", "schema { query: Root }\ntype Root {")
            .replace("interface User {", "type User {");
        let r = report_against(&sdl);
        assert_eq!(r.item("Bot").unwrap().status, ItemStatus::Missing);
        assert_eq!(r.item("Bot.lastName").unwrap().status, ItemStatus::Missing);
        assert_eq!(
            r.item("Bot implements User").unwrap().status,
            ItemStatus::Missing
        );
        assert_eq!(
            r.item("Attachment | LinkAttachment").unwrap().status,
            ItemStatus::Missing
        );
        assert_eq!(
            r.item("Attachment | FileAttachment").unwrap().status,
            ItemStatus::Present
        );
        assert_eq!(r.item("Query").unwrap().status, ItemStatus::Present);
        assert_eq!(
            r.item("Query.conversation(id)").unwrap().status,
            ItemStatus::Present
        );
        assert_eq!(
            r.item("User").unwrap().status,
            ItemStatus::TypeDiffers {
                expected: "INTERFACE".into(),
                found: "OBJECT".into()
            }
        );
        assert_eq!(r.item("User.id").unwrap().status, ItemStatus::Missing);
    }

    #[test]
    fn reads_introspection_json() {
        let data = serde_json::json!({"__schema": {
        "queryType": {"name": "Query"},
        "types": [
            {"kind": "OBJECT", "name": "Query", "fields": [
                {"name": "conversation", "args": [{"name": "id", "type": {"kind": "NON_NULL", "name": null, "ofType": {"kind": "SCALAR", "name": "UUID", "ofType": null}}}],
                 "type": {"kind": "OBJECT", "name": "Conversation", "ofType": null}}],
             "inputFields": null, "interfaces": [], "possibleTypes": null, "enumValues": null},
            {"kind": "UNION", "name": "MessageAuthor", "fields": null, "inputFields": null, "interfaces": null,
             "possibleTypes": [{"name": "VisitorAuthor"}], "enumValues": null},
            {"kind": "SCALAR", "name": "UUID"}
        ]}});
        let live = SchemaModel::from_introspection(&data).unwrap();
        let r = compare(contract(), &live);
        assert_eq!(
            r.item("Query.conversation(id)").unwrap().status,
            ItemStatus::Present
        );
        assert_eq!(
            r.item("Query.conversation").unwrap().status,
            ItemStatus::Present
        );
        assert_eq!(r.item("UUID").unwrap().status, ItemStatus::Present);
        assert_eq!(
            r.item("MessageAuthor | VisitorAuthor").unwrap().status,
            ItemStatus::Present
        );
        assert_eq!(
            r.item("MessageAuthor | UserAuthor").unwrap().status,
            ItemStatus::Missing
        );
        assert_eq!(r.item("Conversation").unwrap().status, ItemStatus::Missing);
        assert!(SchemaModel::from_introspection(&serde_json::json!({"x": 1})).is_err());
    }
}
