//! The query string (and a form body, which is written the same way): split into raw pairs,
//! each pair claimed by the declared field it belongs to, the rest reported as unknown.

use super::read::{fault_at, Fault, Reader};
use super::spec::{ParamSpec, Style};
use super::text::{self, Decoding};
use crate::schema::{self, Category, Finding, Kind, Tree};
use serde_json::{Map, Value};

/// One `name=value` pair: the name decoded, the value still raw.
#[derive(Debug)]
pub struct Pair<'q> {
    pub name: String,
    pub value: &'q str,
    claimed: bool,
}

/// The pairs of a query (or form body), in order; `at` is the pointer's first token, if any.
pub fn pairs<'q>(query: &'q str, at: &[&str]) -> Result<Vec<Pair<'q>>, Finding> {
    let mut pairs = Vec::new();
    for part in query.split('&').filter(|part| !part.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        let name = text::read(name, Decoding::Form, text::Allow::default())
            .map_err(|error| Finding::new(Kind::Encoding, schema::pointer(at), error.reason()))?;
        pairs.push(Pair {
            name,
            value,
            claimed: false,
        });
    }
    Ok(pairs)
}

/// What the pairs of one declared field make: `None` when absent.
pub fn claim(
    pairs: &mut [Pair<'_>],
    spec: &ParamSpec,
    tree: &Tree,
) -> Result<Option<Value>, Fault> {
    let reader = Reader {
        tree,
        decoding: Decoding::Form,
        allow: spec.allow,
    };
    let category = tree.shape(spec.schema).category();
    if spec.style == Style::DeepObject {
        return deep_object(pairs, spec, &reader);
    }
    if category == Category::Object && spec.style == Style::Form && spec.explode && !spec.json {
        return exploded_object(pairs, spec, &reader);
    }
    let values: Vec<&str> = pairs
        .iter_mut()
        .filter(|pair| pair.name == spec.name)
        .map(|pair| {
            pair.claimed = true;
            pair.value
        })
        .collect();
    let Some(first) = values.first() else {
        return Ok(None);
    };
    if spec.explode && spec.style == Style::Form && category == Category::Array {
        return reader.items(&values, spec.schema).map(Some);
    }
    if values.len() > 1 {
        return Err((Kind::Duplicate, "given more than once"));
    }
    if spec.allow_empty && first.is_empty() {
        return Ok(None);
    }
    if spec.json {
        return reader.json(first).map(Some);
    }
    let delimiters: &[&str] = match spec.style {
        Style::SpaceDelimited => &["%20", "+"],
        Style::PipeDelimited => &["|"],
        _ => &[","],
    };
    reader
        .delimited(first, delimiters, false, spec.schema)
        .map(Some)
}

/// `name[key]=value` pairs; a deeper nesting is not part of the style and refused.
fn deep_object(
    pairs: &mut [Pair<'_>],
    spec: &ParamSpec,
    reader: &Reader<'_>,
) -> Result<Option<Value>, Fault> {
    let mut members: Vec<(String, &str)> = Vec::new();
    for pair in pairs.iter_mut() {
        let Some(rest) = pair.name.strip_prefix(spec.name.as_str()) else {
            continue;
        };
        let Some(key) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) else {
            continue;
        };
        pair.claimed = true;
        if key.contains(['[', ']']) {
            return Err((Kind::Malformed, "nested deepObject keys are not supported"));
        }
        members.push((key.to_string(), pair.value));
    }
    if members.is_empty() {
        return Ok(None);
    }
    object(members, spec, reader).map(Some)
}

/// An object whose members are pairs of their own (`form`, `explode: true`): only the
/// members its schema declares are claimed.
fn exploded_object(
    pairs: &mut [Pair<'_>],
    spec: &ParamSpec,
    reader: &Reader<'_>,
) -> Result<Option<Value>, Fault> {
    let mut members: Vec<(String, &str)> = Vec::new();
    for pair in pairs.iter_mut() {
        if reader
            .tree
            .declared_member(spec.schema, &pair.name)
            .is_some()
        {
            pair.claimed = true;
            members.push((pair.name.clone(), pair.value));
        }
    }
    if members.is_empty() {
        return Ok(None);
    }
    object(members, spec, reader).map(Some)
}

fn object(
    members: Vec<(String, &str)>,
    spec: &ParamSpec,
    reader: &Reader<'_>,
) -> Result<Value, Fault> {
    let mut object = Map::new();
    for (name, raw) in members {
        let value = match reader.tree.member_of(spec.schema, &name) {
            Some(member) => reader.scalar(raw, member)?,
            None => Value::String(reader.text(raw)?),
        };
        if object.insert(name, value).is_some() {
            return Err((Kind::Duplicate, "repeats a member"));
        }
    }
    Ok(Value::Object(object))
}

/// Findings for pairs no declared field claimed.
pub fn unclaimed(pairs: &[Pair<'_>], at: &[&str]) -> Vec<Finding> {
    pairs
        .iter()
        .filter(|pair| !pair.claimed)
        .map(|pair| {
            let mut tokens = at.to_vec();
            tokens.push(&pair.name);
            let pointer = schema::pointer(&tokens);
            fault_at(pointer, (Kind::Unknown, "not declared by the operation"))
        })
        .collect()
}
