//! iAdvize's GraphQL API, executed by async-graphql against exactly
//! `contracts/iadvize-assumed.graphql`.
//!
//! The schema is built at start from that SDL (embedded at compile time): every type, field,
//! argument and default comes from the file, so the sandbox cannot drift from the contract and
//! a query that leaves it fails with standard GraphQL validation errors. Resolvers are generic
//! (a field reads the same-named key of its parent's JSON, `__typename` picks the concrete type
//! of a union or interface) except for the fields that take arguments: `closedConversations`,
//! `conversation`, `project` and `Conversation.messages`.

use super::data::{Agent, AgentKind, Attachment, Author, Conversation, IaState, Message, VisitorRef};
use crate::seed::Platform;
use crate::shared::Shared;
use async_graphql::dynamic::{
    Enum, Field, FieldFuture, FieldValue, InputObject, InputValue, Interface, InterfaceField,
    Object, ResolverContext, Scalar, Schema, TypeRef, Union,
};
use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use async_graphql::{Error, Value as GqlValue};
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use std::sync::Arc;

/// The contract, as committed in the repository.
pub const CONTRACT_SDL: &str = include_str!("../../../../contracts/iadvize-assumed.graphql");

/// Page size limit of `closedConversations` and `messages` (ASSUMED in the contract).
pub const MAX_PAGE: i64 = 100;

const BUILTIN_SCALARS: [&str; 5] = ["Int", "Float", "String", "Boolean", "ID"];

fn type_ref(t: &Type) -> TypeRef {
    let base = match &t.base {
        BaseType::Named(n) => TypeRef::Named(n.to_string().into()),
        BaseType::List(inner) => TypeRef::List(Box::new(type_ref(inner))),
    };
    if t.nullable {
        base
    } else {
        TypeRef::NonNull(Box::new(base))
    }
}

fn input_value(def: &async_graphql::parser::types::InputValueDefinition) -> InputValue {
    let mut iv = InputValue::new(def.name.node.to_string(), type_ref(&def.ty.node));
    if let Some(d) = &def.default_value {
        iv = iv.default_value(d.node.clone());
    }
    iv
}

/// Builds the executable schema from the SDL.
pub fn build_schema(sdl: &str, shared: Arc<Shared>) -> Result<Schema, String> {
    let doc = async_graphql::parser::parse_schema(sdl).map_err(|e| e.to_string())?;
    // Values of interface or union type must say their concrete type (`with_type`); values of
    // object type must not (async-graphql only unwraps `with_type` for abstract types).
    let abstract_types: Vec<String> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t)
                if matches!(t.node.kind, TypeKind::Interface(_) | TypeKind::Union(_)) =>
            {
                Some(t.node.name.node.to_string())
            }
            _ => None,
        })
        .collect();
    let mut builder = Schema::build("Query", None, None);
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(td) = def else {
            continue;
        };
        let td = &td.node;
        let name = td.name.node.to_string();
        match &td.kind {
            TypeKind::Scalar if BUILTIN_SCALARS.contains(&name.as_str()) => {}
            TypeKind::Scalar => builder = builder.register(scalar(&name)),
            TypeKind::Object(obj) => {
                let mut o = Object::new(name.clone());
                for i in &obj.implements {
                    o = o.implement(i.node.to_string());
                }
                for f in &obj.fields {
                    let f = &f.node;
                    let fname = f.name.node.to_string();
                    let ty = type_ref(&f.ty.node);
                    let is_abstract = abstract_types.iter().any(|a| a == ty.type_name());
                    let mut field =
                        Field::new(fname.clone(), ty, resolver(&name, &fname, is_abstract));
                    for a in &f.arguments {
                        field = field.argument(input_value(&a.node));
                    }
                    o = o.field(field);
                }
                builder = builder.register(o);
            }
            TypeKind::Interface(it) => {
                let mut i = Interface::new(name.clone());
                for f in &it.fields {
                    let f = &f.node;
                    let mut field =
                        InterfaceField::new(f.name.node.to_string(), type_ref(&f.ty.node));
                    for a in &f.arguments {
                        field = field.argument(input_value(&a.node));
                    }
                    i = i.field(field);
                }
                builder = builder.register(i);
            }
            TypeKind::Union(u) => {
                let mut un = Union::new(name.clone());
                for m in &u.members {
                    un = un.possible_type(m.node.to_string());
                }
                builder = builder.register(un);
            }
            TypeKind::Enum(e) => {
                builder = builder.register(
                    Enum::new(name.clone())
                        .items(e.values.iter().map(|v| v.node.value.node.to_string())),
                );
            }
            TypeKind::InputObject(io) => {
                let mut o = InputObject::new(name.clone());
                for f in &io.fields {
                    o = o.field(input_value(&f.node));
                }
                builder = builder.register(o);
            }
        }
    }
    builder.data(shared).finish().map_err(|e| e.to_string())
}

fn scalar(name: &str) -> Scalar {
    let s = Scalar::new(name.to_string());
    match name {
        "UUID" => {
            s.validator(|v| matches!(v, GqlValue::String(s) if uuid::Uuid::parse_str(s).is_ok()))
        }
        "DateTime" => s.validator(
            |v| matches!(v, GqlValue::String(s) if DateTime::parse_from_rfc3339(s).is_ok()),
        ),
        "LegacyId" => s.validator(|v| match v {
            GqlValue::Number(n) => n.is_i64(),
            GqlValue::String(s) => s.parse::<i64>().is_ok(),
            _ => false,
        }),
        _ => s,
    }
}

type Resolver = Box<dyn for<'a> Fn(ResolverContext<'a>) -> FieldFuture<'a> + Send + Sync>;

fn resolver(type_name: &str, field: &str, is_abstract: bool) -> Resolver {
    match (type_name, field) {
        ("Query", "closedConversations") => {
            Box::new(|ctx| wrap(closed_conversations(&ctx).map(Some)))
        }
        ("Query", "conversation") => Box::new(|ctx| wrap(conversation(&ctx))),
        ("Query", "project") => Box::new(|ctx| wrap(project(&ctx))),
        ("Conversation", "messages") => Box::new(|ctx| wrap(messages(&ctx).map(Some))),
        ("Query", other) => {
            let other = other.to_string();
            Box::new(move |_| {
                wrap(Err(Error::new(format!(
                    "`{other}` is not served by the sandbox"
                ))))
            })
        }
        _ => {
            let key = field.to_string();
            Box::new(move |ctx| {
                let v = ctx
                    .parent_value
                    .downcast_ref::<Value>()
                    .and_then(|p| p.get(&key))
                    .cloned()
                    .unwrap_or(Value::Null);
                FieldFuture::Value(to_field_value(v, is_abstract))
            })
        }
    }
}

/// A computed result as a field future; errors travel through a failing future because
/// `FieldFuture::Value` cannot carry one.
fn wrap<'a>(r: Result<Option<FieldValue<'static>>, Error>) -> FieldFuture<'a> {
    match r {
        Ok(v) => FieldFuture::Value(v),
        Err(e) => FieldFuture::new(async move { Err::<Option<FieldValue<'a>>, Error>(e) }),
    }
}

fn to_field_value(v: Value, is_abstract: bool) -> Option<FieldValue<'static>> {
    match v {
        Value::Null => None,
        Value::Array(items) => {
            Some(FieldValue::list(items.into_iter().map(|i| {
                to_field_value(i, is_abstract).unwrap_or(FieldValue::NULL)
            })))
        }
        Value::Object(ref o) => {
            let ty = o
                .get("__typename")
                .and_then(Value::as_str)
                .map(str::to_string)
                .filter(|_| is_abstract);
            let fv = FieldValue::owned_any(v);
            Some(match ty {
                Some(t) => fv.with_type(t),
                None => fv,
            })
        }
        scalar => Some(FieldValue::value(
            GqlValue::from_json(scalar).unwrap_or(GqlValue::Null),
        )),
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn ctx_parts<'a>(ctx: &ResolverContext<'a>) -> Result<(&'a Arc<Shared>, Platform), Error> {
    let sh = ctx.ctx.data::<Arc<Shared>>()?;
    let platform = ctx.ctx.data::<Platform>().copied().unwrap_or(Platform::Ha);
    Ok((sh, platform))
}

fn arg_json(ctx: &ResolverContext, name: &str) -> Value {
    ctx.args
        .get(name)
        .and_then(|a| a.as_value().clone().into_json().ok())
        .unwrap_or(Value::Null)
}

fn page_size(ctx: &ResolverContext, default: i64) -> Result<usize, Error> {
    let first = arg_json(ctx, "first").as_i64().unwrap_or(default);
    if !(0..=MAX_PAGE).contains(&first) {
        return Err(Error::new(format!(
            "`first` must be between 0 and {MAX_PAGE}, got {first}"
        )));
    }
    Ok(first as usize)
}

fn encode_cursor(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn decode_cursor(s: &str) -> Result<String, Error> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| Error::new("invalid cursor"))
}

fn conversation_cursor(c: &Conversation) -> String {
    encode_cursor(&format!("{}|{}", c.closed_at.timestamp_millis(), c.id))
}

fn parse_time(v: &Value, what: &str) -> Result<DateTime<Utc>, Error> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Error::new(format!("{what} must be an ISO 8601 date-time")))
}

/// `closedConversations(filters, first, after)`: closedAt in [from, to), ordered by closedAt
/// then id, Relay paging (all ASSUMED, see the contract).
fn closed_conversations(ctx: &ResolverContext) -> Result<FieldValue<'static>, Error> {
    let (sh, platform) = ctx_parts(ctx)?;
    let filters = arg_json(ctx, "filters");
    let from = parse_time(&filters["interval"]["from"], "interval.from")?;
    let to = parse_time(&filters["interval"]["to"], "interval.to")?;
    let ids = |key: &str| -> Option<Vec<String>> {
        filters[key].as_array().map(|a| {
            a.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect()
        })
    };
    let projects = ids("projectIds");
    let channels = ids("channels");
    let campaigns = ids("engagementCampaignIds");
    let first = page_size(ctx, 50)?;
    let after = match arg_json(ctx, "after").as_str() {
        Some(c) => {
            let raw = decode_cursor(c)?;
            let (ms, id) = raw
                .split_once('|')
                .ok_or_else(|| Error::new("invalid cursor"))?;
            let ms: i64 = ms.parse().map_err(|_| Error::new("invalid cursor"))?;
            let id = uuid::Uuid::parse_str(id).map_err(|_| Error::new("invalid cursor"))?;
            Some((DateTime::from_timestamp_millis(ms).unwrap_or_default(), id))
        }
        None => None,
    };
    let ia = sh.ia.read().unwrap();
    let start = match after {
        Some(key) => ia
            .conversations
            .partition_point(|c| (c.closed_at, c.id) <= key),
        None => ia.conversations.partition_point(|c| c.closed_at < from),
    };
    let mut edges = Vec::new();
    let mut has_next = false;
    for c in ia.conversations[start..].iter() {
        if c.closed_at >= to {
            break;
        }
        if c.closed_at < from
            || c.platform != platform
            || projects
                .as_ref()
                .is_some_and(|p| !p.contains(&c.site_id.to_string()))
            || channels
                .as_ref()
                .is_some_and(|ch| !ch.iter().any(|x| x == c.channel))
            || campaigns.as_ref().is_some_and(|cs| {
                !c.campaign
                    .is_some_and(|k| cs.contains(&ia.campaigns[k].id.to_string()))
            })
        {
            continue;
        }
        if edges.len() == first {
            has_next = true;
            break;
        }
        edges.push(json!({"__typename": "ConversationEdge", "cursor": conversation_cursor(c), "node": conversation_json(&ia, c, true)}));
    }
    let end_cursor = edges
        .last()
        .map(|e| e["cursor"].clone())
        .unwrap_or(Value::Null);
    let out = json!({
        "__typename": "ConversationConnection",
        "edges": edges,
        "pageInfo": {"__typename": "PageInfo", "endCursor": end_cursor, "hasNextPage": has_next},
    });
    Ok(FieldValue::owned_any(out))
}

fn conversation(ctx: &ResolverContext) -> Result<Option<FieldValue<'static>>, Error> {
    let (sh, platform) = ctx_parts(ctx)?;
    let id = arg_json(ctx, "id");
    let id =
        uuid::Uuid::parse_str(id.as_str().unwrap_or("")).map_err(|_| Error::new("invalid UUID"))?;
    let ia = sh.ia.read().unwrap();
    // `users` is only available through closedConversations (documented by iAdvize).
    Ok(ia
        .by_id
        .get(&id)
        .map(|i| &ia.conversations[*i])
        .filter(|c| c.platform == platform)
        .map(|c| FieldValue::owned_any(conversation_json(&ia, c, false))))
}

fn project(ctx: &ResolverContext) -> Result<Option<FieldValue<'static>>, Error> {
    let (sh, platform) = ctx_parts(ctx)?;
    let id = arg_json(ctx, "projectId");
    let id = id
        .as_i64()
        .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(-1);
    let ia = sh.ia.read().unwrap();
    Ok(ia.site(id).filter(|s| s.platform == platform).map(|s| {
        FieldValue::owned_any(json!({"__typename": "Project", "id": s.id, "name": s.name}))
    }))
}

fn messages(ctx: &ResolverContext) -> Result<FieldValue<'static>, Error> {
    let (sh, _) = ctx_parts(ctx)?;
    let idx = ctx
        .parent_value
        .downcast_ref::<Value>()
        .and_then(|p| p["__index"].as_u64())
        .ok_or_else(|| Error::new("no conversation"))? as usize;
    let first = page_size(ctx, 100)?;
    let after = match arg_json(ctx, "after").as_str() {
        Some(c) => Some(
            decode_cursor(c)?
                .parse::<usize>()
                .map_err(|_| Error::new("invalid cursor"))?,
        ),
        None => None,
    };
    let ia = sh.ia.read().unwrap();
    let c = ia
        .conversations
        .get(idx)
        .ok_or_else(|| Error::new("no conversation"))?;
    let all = ia.messages(c);
    let start = after.map_or(0, |a| a + 1);
    let edges: Vec<Value> = all
        .iter()
        .enumerate()
        .skip(start)
        .take(first)
        .map(|(i, m)| json!({"__typename": "MessageEdge", "cursor": encode_cursor(&i.to_string()), "node": message_json(&ia, c, m)}))
        .collect();
    let has_next = start + edges.len() < all.len();
    let end_cursor = edges
        .last()
        .map(|e| e["cursor"].clone())
        .unwrap_or(Value::Null);
    Ok(FieldValue::owned_any(json!({
        "__typename": "MessageConnection",
        "edges": edges,
        "pageInfo": {"__typename": "PageInfo", "endCursor": end_cursor, "hasNextPage": has_next},
    })))
}

pub fn agent_json(a: &Agent) -> Value {
    let typename = match a.kind {
        AgentKind::Professional => "Professional",
        AgentKind::Expert => "Expert",
        AgentKind::Bot => "Bot",
    };
    json!({"__typename": typename, "id": a.id, "firstName": a.first_name, "lastName": a.last_name, "email": a.email})
}

fn visitor_json(ia: &IaState, r: VisitorRef) -> Value {
    let v = ia.visitor(r);
    json!({"__typename": "Visitor", "firstName": v.first_name, "lastName": v.last_name, "email": v.email, "country": v.country})
}

fn conversation_json(ia: &IaState, c: &Conversation, with_users: bool) -> Value {
    let index = ia.by_id.get(&c.id).copied().unwrap_or(0);
    let site = ia.site(c.site_id);
    let users = if with_users {
        let mut seen = Vec::new();
        for a in &c.agents {
            if !seen.contains(a) {
                seen.push(*a);
            }
        }
        Value::Array(seen.iter().map(|a| agent_json(&ia.agents[*a])).collect())
    } else {
        Value::Null
    };
    json!({
        "__typename": "Conversation",
        "__index": index,
        "id": c.id.to_string(),
        "legacyId": c.legacy_id,
        "createdAt": iso(c.created_at),
        "closedAt": iso(c.closed_at),
        "channel": c.channel,
        "project": site.map(|s| json!({"__typename": "Project", "id": s.id, "name": s.name})),
        "users": users,
        "visitor": visitor_json(ia, c.visitor),
        "tags": c.tags.iter().map(|t| json!({"__typename": "ConversationTag", "id": ia.tags[*t].id.to_string(), "name": ia.tags[*t].name})).collect::<Vec<_>>(),
        "engagementCampaign": c.campaign.map(|k| json!({"__typename": "EngagementCampaign", "id": ia.campaigns[k].id.to_string(), "name": ia.campaigns[k].name})),
        "closingFormValues": ia.closing_values(c).into_iter().map(|v| json!({"__typename": "ClosingFormValue", "fieldId": v.field_id, "label": v.label, "value": v.value})).collect::<Vec<_>>(),
    })
}

fn message_json(ia: &IaState, c: &Conversation, m: &Message) -> Value {
    let author = match m.author {
        Author::Visitor => {
            json!({"__typename": "VisitorAuthor", "visitor": visitor_json(ia, c.visitor)})
        }
        Author::Agent(a) => json!({"__typename": "UserAuthor", "user": agent_json(&ia.agents[a])}),
        Author::System => json!({"__typename": "SystemAuthor", "kind": "SYSTEM"}),
    };
    let attachments: Vec<Value> = m
        .attachments
        .iter()
        .map(|a| match a {
            Attachment::Pushed { to_agent } => json!({"__typename": "ConversationPushedSystemAttachment", "toUser": agent_json(&ia.agents[*to_agent])}),
            Attachment::File { file_name, mime_type, url } => json!({"__typename": "FileAttachment", "fileName": file_name, "mimeType": mime_type, "url": url}),
            Attachment::Link { title, url } => json!({"__typename": "LinkAttachment", "title": title, "url": url}),
        })
        .collect();
    json!({"__typename": "Message", "id": m.id.to_string(), "createdAt": iso(m.created_at), "author": author, "text": m.text, "attachments": attachments})
}
