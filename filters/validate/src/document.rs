//! The contract as configured: the OpenAPI document (3.0 or 3.1; a JSON object, or JSON or YAML
//! text) and the documents bundled with it under `documents`, which its `$ref`s may name
//! (`common.yaml#/components/schemas/Money`).
//!
//! Everything is folded into one document at configure time: each bundled document is placed
//! under the reserved member [`BUNDLE_KEY`] and every `$ref` is rewritten to a pointer inside
//! that one document, so the inventory and the schema compiler only ever follow local
//! references. A reference to anything not bundled (another file, a URL, an `$anchor`) refuses
//! the configuration, naming the place: the file and the path inside it.

mod yaml;

use palisade_shared::config::ConfigError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Where bundled documents live inside the main one.
pub const BUNDLE_KEY: &str = "x-palisade-documents";
/// Deepest nesting walked while rewriting references.
const MAX_DEPTH: usize = 256;

/// The main document with every bundled one folded in and every `$ref` made local.
pub fn load(openapi: Value, documents: BTreeMap<String, Value>) -> Result<Value, ConfigError> {
    let mut main = read(openapi, "openapi")?;
    if main.get(BUNDLE_KEY).is_some() {
        return Err(ConfigError::new(
            format!("openapi.{BUNDLE_KEY}"),
            "is reserved",
        ));
    }
    let names: Vec<String> = documents.keys().cloned().collect();
    let mut bundle = Map::new();
    for (name, document) in documents {
        let field = format!("documents.{name}");
        if name.is_empty() || name.contains(['#', '\\']) || name.chars().any(char::is_control) {
            return Err(ConfigError::new(field, "is not a usable document name"));
        }
        let mut document = read(document, &field)?;
        rewrite(&mut document, Some(&name), &names, &mut String::new(), 0)?;
        bundle.insert(name, document);
    }
    rewrite(&mut main, None, &names, &mut String::new(), 0)?;
    if !bundle.is_empty() {
        if let Some(members) = main.as_object_mut() {
            members.insert(BUNDLE_KEY.to_string(), Value::Object(bundle));
        }
    }
    Ok(main)
}

/// A document given as an object, or as JSON or YAML text.
fn read(document: Value, field: &str) -> Result<Value, ConfigError> {
    let value = match document {
        Value::String(text) if text.trim_start().starts_with('{') => serde_json::from_str(&text)
            .map_err(|e| ConfigError::new(field, format!("is not valid JSON: {e}")))?,
        Value::String(text) => yaml::parse(&text)
            .map_err(|why| ConfigError::new(field, format!("is not valid YAML: {why}")))?,
        other => other,
    };
    if !value.is_object() {
        return Err(ConfigError::new(
            field,
            "must be an OpenAPI document (an object)",
        ));
    }
    Ok(value)
}

/// The config field for a pointer into the folded document: `openapi.components.schemas.X`,
/// or `documents[common.yaml].components.schemas.X` inside a bundled one.
pub fn place(root_field: &str, pointer: &str) -> String {
    let bundled = pointer
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(BUNDLE_KEY))
        .and_then(|p| p.strip_prefix('/'));
    match bundled {
        Some(rest) => {
            let (name, inner) = rest.split_once('/').unwrap_or((rest, ""));
            let name = name.replace("~1", "/").replace("~0", "~");
            let inner = if inner.is_empty() {
                String::new()
            } else {
                format!(".{}", inner.replace('/', "."))
            };
            format!("documents[{name}]{inner}")
        }
        None => format!("{root_field}{}", pointer.replace('/', ".")),
    }
}

/// Rewrites every `$ref` below `value`; `base` is the bundled document it sits in.
fn rewrite(
    value: &mut Value,
    base: Option<&str>,
    names: &[String],
    pointer: &mut String,
    depth: usize,
) -> Result<(), ConfigError> {
    if depth > MAX_DEPTH {
        return Err(ConfigError::new(
            field_of(base, pointer),
            "nested too deeply",
        ));
    }
    match value {
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                let mark = pointer.len();
                pointer.push('.');
                pointer.push_str(key);
                match member {
                    Value::String(reference) if key == "$ref" => {
                        *reference = local(reference, base, names)
                            .map_err(|why| ConfigError::new(field_of(base, pointer), why))?;
                    }
                    member => rewrite(member, base, names, pointer, depth + 1)?,
                }
                pointer.truncate(mark);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                let mark = pointer.len();
                pointer.push_str(&format!(".{index}"));
                rewrite(item, base, names, pointer, depth + 1)?;
                pointer.truncate(mark);
            }
        }
        _ => {}
    }
    Ok(())
}

/// The config field of a place found while rewriting (`path` is `.`-joined member names).
fn field_of(base: Option<&str>, path: &str) -> String {
    match base {
        Some(name) => format!("documents[{name}]{path}"),
        None => format!("openapi{path}"),
    }
}

/// The local form of a reference made in document `base` (the main one when `None`).
fn local(reference: &str, base: Option<&str>, names: &[String]) -> Result<String, String> {
    let (document, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let fragment = decode_fragment(fragment)
        .ok_or_else(|| format!("$ref {reference} has a malformed fragment"))?;
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Err(format!(
            "$ref {reference}: only JSON pointer fragments are supported"
        ));
    }
    let document = document.strip_prefix("./").unwrap_or(document);
    let target = if document.is_empty() {
        base
    } else {
        Some(document)
    };
    match target {
        None => Ok(format!("#{fragment}")),
        Some(name) if names.iter().any(|known| known == name) => {
            let escaped = name.replace('~', "~0").replace('/', "~1");
            Ok(format!("#/{BUNDLE_KEY}/{escaped}{fragment}"))
        }
        Some(_) => Err(format!("$ref {reference} names no bundled document")),
    }
}

/// A URI fragment's percent-encoding undone (`%7B` in `#/paths/~1a~1%7Bid%7D`).
fn decode_fragment(fragment: &str) -> Option<String> {
    if !fragment.contains('%') {
        return Some(fragment.to_string());
    }
    let allow = crate::params::text::Allow::default();
    crate::params::text::read(fragment, crate::params::text::Decoding::Percent, allow).ok()
}

#[cfg(test)]
mod tests;
