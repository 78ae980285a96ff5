//! `multipart/form-data` bodies: parsed strictly (see [`parse`]), every part named by the
//! schema (or refused by the default closure), each within the part size limit and of a
//! content type its `encoding.contentType` allows, read by the schema's types and validated.
//!
//! A part whose schema is binary (`format: binary`, `contentMediaType`, `contentEncoding`) is
//! size-checked and given to the validator as lossy text; a part declared as JSON (object or
//! array schema, or a JSON content type) is parsed by the strict JSON guard; any other part
//! must be UTF-8 text. Without `encoding.contentType`, text parts must be `text/plain` (or
//! untyped) and JSON parts `application/json`; binary parts may declare any type.

mod parse;

pub use parse::boundary;

use crate::form::encoding::Encodings;
use crate::media::MediaType;
use crate::params::coerce;
use crate::schema::{self, Category, Finding, Kind, SchemaId, Tree};
use palisade_shared::config::ConfigError;
use palisade_shared::json::{self, Limits};
use parse::Part;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Bounds on a multipart body, as configured.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawMultipart {
    /// Most parts in one body. Default 32; more is refused with 400.
    max_parts: usize,
    /// Largest part, in bytes. Default: `max_body_bytes`. Must not exceed it.
    max_part_bytes: Option<usize>,
    /// Longest header section of one part, in bytes. Default 1024.
    max_header_bytes: usize,
}

impl Default for RawMultipart {
    fn default() -> Self {
        RawMultipart {
            max_parts: 32,
            max_part_bytes: None,
            max_header_bytes: 1024,
        }
    }
}

/// The checked bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultipartLimits {
    pub max_parts: usize,
    pub max_part_bytes: usize,
    pub max_header_bytes: usize,
}

impl RawMultipart {
    pub fn check(&self, max_body_bytes: usize) -> Result<MultipartLimits, ConfigError> {
        let max_part_bytes = self.max_part_bytes.unwrap_or(max_body_bytes);
        if max_part_bytes == 0 || max_part_bytes > max_body_bytes {
            let why = "must be between 1 and max_body_bytes";
            return Err(ConfigError::new("multipart.max_part_bytes", why));
        }
        for (field, value) in [
            ("multipart.max_parts", self.max_parts),
            ("multipart.max_header_bytes", self.max_header_bytes),
        ] {
            if value == 0 {
                return Err(ConfigError::new(field, "must be at least 1"));
            }
        }
        Ok(MultipartLimits {
            max_parts: self.max_parts,
            max_part_bytes,
            max_header_bytes: self.max_header_bytes,
        })
    }
}

/// The body as an object of its parts, or why it cannot be read.
pub fn read(
    body: &[u8],
    boundary: &str,
    limits: &MultipartLimits,
    schema: SchemaId,
    encodings: &Encodings,
    tree: &Tree,
) -> Result<Value, Vec<Finding>> {
    let parts = parse::parse(body, boundary, limits)
        .map_err(|why| vec![Finding::new(Kind::Malformed, "", why)])?;
    let mut object: Map<String, Value> = Map::new();
    let mut findings = Vec::new();
    for part in &parts {
        let member = tree.member_of(schema, &part.name);
        let repeated = object.contains_key(&part.name);
        let array = member.is_some_and(|m| tree.shape(m).category() == Category::Array);
        let item = if array {
            member.and_then(|m| tree.items_of(m))
        } else {
            member
        };
        match part_value(part, item, encodings, tree) {
            Ok(value) if array => push_item(&mut object, &part.name, value),
            Ok(_) if repeated => {
                findings.push(at(part, Kind::Duplicate, "part given more than once"))
            }
            Ok(value) => {
                object.insert(part.name.clone(), value);
            }
            Err((kind, why)) => findings.push(at(part, kind, why)),
        }
    }
    if findings.is_empty() {
        Ok(Value::Object(object))
    } else {
        Err(findings)
    }
}

fn at(part: &Part<'_>, kind: Kind, why: &'static str) -> Finding {
    Finding::new(kind, schema::pointer(&[&part.name]), why)
}

fn push_item(object: &mut Map<String, Value>, name: &str, value: Value) {
    let entry = object
        .entry(name.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = entry {
        items.push(value);
    }
}

/// One part's value, checked against its declared content types.
fn part_value(
    part: &Part<'_>,
    schema: Option<SchemaId>,
    encodings: &Encodings,
    tree: &Tree,
) -> Result<Value, (Kind, &'static str)> {
    let shape = schema.map(|id| tree.shape(id)).unwrap_or_default();
    let declared = encodings
        .get(&part.name)
        .map(|e| e.content_types.as_slice())
        .unwrap_or_default();
    let is_json = part.content_type.as_ref().is_some_and(MediaType::is_json)
        || (declared.is_empty() && shape.category() != Category::Primitive);
    check_type(part.content_type.as_ref(), declared, shape.binary, is_json)?;
    if shape.binary {
        return Ok(Value::String(
            String::from_utf8_lossy(part.data).into_owned(),
        ));
    }
    if is_json {
        return json::parse_strict(part.data, &Limits::default())
            .map_err(|_| (Kind::Malformed, "part is not acceptable JSON"));
    }
    let text =
        std::str::from_utf8(part.data).map_err(|_| (Kind::Encoding, "part is not UTF-8 text"))?;
    if text.contains('\0') {
        return Err((Kind::Encoding, "NUL character"));
    }
    Ok(coerce(text, shape))
}

/// The part's content type against `encoding.contentType`, or the defaults when none is given.
fn check_type(
    given: Option<&MediaType>,
    declared: &[crate::media::MediaRange],
    binary: bool,
    is_json: bool,
) -> Result<(), (Kind, &'static str)> {
    const WRONG: (Kind, &str) = (Kind::Type, "part content type not allowed");
    if !declared.is_empty() {
        let given = given.ok_or(WRONG)?;
        return if declared.iter().any(|range| range.matches(given)) {
            Ok(())
        } else {
            Err(WRONG)
        };
    }
    let Some(given) = given else {
        return if is_json { Err(WRONG) } else { Ok(()) };
    };
    let fits = binary
        || (is_json && given.is_json())
        || (!is_json && given.kind == "text" && given.subtype == "plain");
    let utf8 = given
        .parameter("charset")
        .is_none_or(|c| c.eq_ignore_ascii_case("utf-8") || c.eq_ignore_ascii_case("us-ascii"));
    if fits && (binary || utf8) {
        Ok(())
    } else {
        Err(WRONG)
    }
}
