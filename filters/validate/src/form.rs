//! `application/x-www-form-urlencoded` bodies: read as a query string is (decoded once, each
//! field by its `encoding` style), turned into an object with the schema's types, validated.
//! A field given twice is refused unless its schema is an array; fields the schema does not
//! declare go to the validator as strings, where the default closure refuses them.

pub mod encoding;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fuzz;

use crate::params::{claim, fault_at, pairs, Location, ParamSpec, Style};
use crate::schema::{self, Finding, Kind, SchemaId, Tree};
use encoding::Encodings;
use serde_json::{Map, Value};

/// The body as an object, or why it cannot be read.
pub fn read(
    body: &[u8],
    schema: SchemaId,
    encodings: &Encodings,
    tree: &Tree,
) -> Result<Value, Vec<Finding>> {
    let text = std::str::from_utf8(body)
        .ok()
        .filter(|text| text.is_ascii())
        .ok_or_else(|| vec![Finding::new(Kind::Encoding, "", "form body must be ASCII")])?;
    let mut pairs = pairs(text, &[]).map_err(|finding| vec![finding])?;
    let mut names: Vec<String> = encodings.deep_objects().map(String::from).collect();
    for pair in &pairs {
        if !names.contains(&pair.name) && !pair.name.contains('[') {
            names.push(pair.name.clone());
        }
    }
    let mut object = Map::new();
    let mut findings = Vec::new();
    for name in names {
        let spec = field_spec(&name, schema, encodings, tree);
        match claim(&mut pairs, &spec, tree) {
            Ok(Some(value)) => {
                object.insert(name, value);
            }
            Ok(None) => {}
            Err(fault) => findings.push(fault_at(schema::pointer(&[&name]), fault)),
        }
    }
    findings.extend(crate::params::unclaimed(&pairs, &[]));
    if findings.is_empty() {
        Ok(Value::Object(object))
    } else {
        Err(findings)
    }
}

/// A field read like a query parameter: its member schema (or anything, for an undeclared
/// one) and the style its `encoding` gives.
fn field_spec(name: &str, schema: SchemaId, encodings: &Encodings, tree: &Tree) -> ParamSpec {
    let encoding = encodings.get(name);
    let style = encoding.and_then(|e| e.style).unwrap_or(Style::Form);
    ParamSpec {
        name: name.to_string(),
        location: Location::Query,
        required: false,
        style,
        explode: encoding
            .and_then(|e| e.explode)
            .unwrap_or(style == Style::Form),
        schema: tree.member_of(schema, name).unwrap_or(tree.anything()),
        json: false,
        allow_empty: false,
        allow: crate::params::text::Allow::default(),
    }
}
