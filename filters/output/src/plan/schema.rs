//! Reading JSON Schemas inside the OpenAPI document, by JSON pointer.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Most schemas one node may merge.
const MAX_MEMBERS: usize = 256;

/// Keywords that make a schema constrain its value; a schema with none of them allows anything.
const SHAPE_KEYWORDS: [&str; 13] = [
    "$ref",
    "type",
    "properties",
    "additionalProperties",
    "unevaluatedProperties",
    "patternProperties",
    "items",
    "prefixItems",
    "allOf",
    "anyOf",
    "oneOf",
    "enum",
    "const",
];
/// Keywords whose branches are merged into the node of the schema holding them.
const BRANCH_KEYWORDS: [&str; 3] = ["allOf", "anyOf", "oneOf"];
/// Shape keywords that only combine other schemas.
const COMBINATOR_KEYWORDS: [&str; 4] = ["$ref", "allOf", "anyOf", "oneOf"];
/// How many schemas `keeps_all` visits for one place before it assumes a constraint.
pub(super) const KEEP_ALL_BUDGET: usize = 256;
/// Keywords whose schema decides about undeclared properties.
pub(super) const EXTRA_KEYWORDS: [&str; 2] = ["additionalProperties", "unevaluatedProperties"];

/// The schemas a set of pointers stands for, with `$ref`s and branches followed; `false`
/// schemas allow nothing and so add nothing.
pub(super) fn flatten(
    document: &Value,
    mut stack: Vec<String>,
) -> Result<BTreeSet<String>, String> {
    let mut members = BTreeSet::new();
    while let Some(pointer) = stack.pop() {
        if members.contains(&pointer) {
            continue;
        }
        let schema = document
            .pointer(&pointer)
            .ok_or_else(|| format!("schema {pointer} names nothing"))?;
        match schema {
            Value::Bool(false) => continue,
            Value::Bool(true) => {}
            Value::Object(map) => stack.extend(references(document, map, &pointer)?),
            _ => {
                return Err(format!(
                    "schema {pointer} is neither an object nor a boolean"
                ))
            }
        }
        if members.len() >= MAX_MEMBERS {
            return Err(format!("schema {pointer} merges too many schemas"));
        }
        members.insert(pointer);
    }
    Ok(members)
}

/// Pointers of the schemas a schema merges with: its `$ref` target and its branches.
fn references(document: &Value, map: &Map<String, Value>, at: &str) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    if let Some(reference) = map.get("$ref") {
        found.push(ref_pointer(document, reference, at)?);
    }
    for keyword in BRANCH_KEYWORDS {
        let count = map
            .get(keyword)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        found.extend((0..count).map(|i| format!("{at}/{keyword}/{i}")));
    }
    Ok(found)
}

/// The JSON pointer a local `$ref` names.
pub fn ref_pointer(document: &Value, reference: &Value, at: &str) -> Result<String, String> {
    let text = reference
        .as_str()
        .ok_or_else(|| format!("$ref at {at} is not a string"))?;
    let pointer = text
        .strip_prefix('#')
        .ok_or_else(|| format!("$ref {text} at {at} is not local to the document"))?;
    match document.pointer(pointer) {
        Some(_) => Ok(pointer.to_string()),
        None => Err(format!("$ref {text} at {at} names nothing")),
    }
}

pub(super) fn collect_properties(
    schema: &Map<String, Value>,
    at: &str,
    declared: &mut BTreeMap<String, Vec<String>>,
) {
    let Some(Value::Object(properties)) = schema.get("properties") else {
        return;
    };
    for (name, property) in properties {
        if property == &Value::Bool(false) {
            continue;
        }
        let pointer = format!("{at}/properties/{}", escape(name));
        declared.entry(name.clone()).or_default().push(pointer);
    }
}

/// Pointers of the sub-schemas under `keywords` that allow something (`false` allows nothing).
pub(super) fn children(schema: &Map<String, Value>, at: &str, keywords: &[&str]) -> Vec<String> {
    keywords
        .iter()
        .filter(|k| matches!(schema.get(**k), Some(Value::Object(_) | Value::Bool(true))))
        .map(|k| format!("{at}/{k}"))
        .collect()
}

pub(super) fn prefix_items(schema: &Map<String, Value>, at: &str) -> Vec<String> {
    let count = schema
        .get("prefixItems")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    (0..count)
        .map(|i| format!("{at}/prefixItems/{i}"))
        .collect()
}

/// Whether the schema at `pointer` allows any value. Its parts hold together: its own keywords,
/// its `$ref` target and every `allOf` branch must all allow anything, and for `anyOf` and
/// `oneOf` one branch must. So `allOf: [{$ref: X}, {description: ..}]` still prunes by `X`.
/// Cycles and documents beyond the visit budget count as constraining, which prunes rather than leaks.
pub(super) fn keeps_all(document: &Value, pointer: &str, budget: &mut usize) -> bool {
    let map = match document.pointer(pointer) {
        Some(Value::Bool(allowed)) => return *allowed,
        Some(Value::Object(map)) if *budget > 0 => map,
        _ => return false,
    };
    *budget -= 1;
    let own = SHAPE_KEYWORDS
        .iter()
        .filter(|k| !COMBINATOR_KEYWORDS.contains(*k))
        .any(|k| map.contains_key(*k));
    if own {
        return false;
    }
    let target_ok = match map.get("$ref") {
        Some(reference) => ref_pointer(document, reference, pointer)
            .is_ok_and(|target| keeps_all(document, &target, budget)),
        None => true,
    };
    let branches = |keyword: &str| -> Vec<String> {
        let count = map
            .get(keyword)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        (0..count)
            .map(|i| format!("{pointer}/{keyword}/{i}"))
            .collect()
    };
    let all_ok = branches("allOf")
        .iter()
        .all(|b| keeps_all(document, b, budget));
    let mut some_ok = |keyword: &str| {
        let list = branches(keyword);
        list.is_empty() || list.iter().any(|b| keeps_all(document, b, budget))
    };
    target_ok && all_ok && some_ok("anyOf") && some_ok("oneOf")
}

pub(super) fn is_write_only(schema: &Value) -> bool {
    schema.get("writeOnly").and_then(Value::as_bool) == Some(true)
}

/// Escapes one JSON pointer token (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
