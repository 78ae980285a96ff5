//! Which responses of an operation are filtered: a plan per declared status and JSON media type.

use crate::plan::{escape, ref_pointer, Compiler, NodeId};
use palisade_shared::config::ConfigError;
use palisade_shared::openapi::Operation;
use serde_json::Value;

/// How many `$ref` hops are followed to a path item or response object.
const MAX_REF_HOPS: usize = 32;

/// A response key of an OpenAPI `responses` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusKey {
    Exact(u16),
    /// `2XX`: the hundreds digit.
    Range(u16),
    Default,
}

impl StatusKey {
    fn parse(key: &str) -> Option<StatusKey> {
        if key == "default" {
            return Some(StatusKey::Default);
        }
        let bytes = key.as_bytes();
        let [first @ b'1'..=b'5', rest @ ..] = bytes else {
            return None;
        };
        let hundreds = u16::from(first - b'0');
        match rest {
            [b'X' | b'x', b'X' | b'x'] => Some(StatusKey::Range(hundreds)),
            [b'0'..=b'9', b'0'..=b'9'] => key.parse().ok().map(StatusKey::Exact),
            _ => None,
        }
    }
}

/// The plans of one operation's responses.
#[derive(Debug, Clone, Default)]
pub struct ResponsePlans {
    entries: Vec<(StatusKey, Vec<(String, NodeId)>)>,
}

impl ResponsePlans {
    /// Whether no response of the operation is ever rewritten.
    pub fn is_empty(&self) -> bool {
        self.entries.iter().all(|(_, media)| media.is_empty())
    }

    /// The plan for a status and media type essence (lowercase, no parameters). The most specific
    /// response key wins (`200`, then `2XX`, then `default`), as OpenAPI reads it; within it the
    /// exact media type, then `application/*`, then `*/*`.
    pub fn find(&self, status: u16, essence: &str) -> Option<NodeId> {
        let wanted = [
            StatusKey::Exact(status),
            StatusKey::Range(status / 100),
            StatusKey::Default,
        ];
        let (_, media) = wanted
            .iter()
            .find_map(|key| self.entries.iter().find(|(k, _)| k == key))?;
        [essence, "application/*", "*/*"]
            .iter()
            .find_map(|want| media.iter().find(|(m, _)| m == want))
            .map(|(_, id)| *id)
    }
}

/// The media type without parameters, lowercase: `application/json; charset=utf-8` →
/// `application/json`.
pub fn essence(content_type: &str) -> String {
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().to_ascii_lowercase()
}

/// Whether a media type essence is JSON (`application/json` or a `+json` suffix).
pub fn is_json(essence: &str) -> bool {
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Compiles the plans of one operation; `field` names the document in errors.
pub fn compile(
    compiler: &mut Compiler<'_>,
    document: &Value,
    operation: &Operation,
    field: &str,
) -> Result<ResponsePlans, ConfigError> {
    let template = operation.template.as_str();
    let method = operation.method.to_ascii_lowercase();
    let at = format!("{field}.paths.{template}.{method}.responses");
    let error = |why: String| ConfigError::new(at.clone(), why);
    let item = follow(document, format!("/paths/{}", escape(template))).map_err(error)?;
    let pointer = format!("{item}/{method}/responses");
    let Some(Value::Object(responses)) = document.pointer(&pointer) else {
        return Ok(ResponsePlans::default());
    };
    let mut plans = ResponsePlans::default();
    for key in responses.keys() {
        let status = StatusKey::parse(key)
            .ok_or_else(|| ConfigError::new(format!("{at}.{key}"), "is not a response code"))?;
        let response = follow(document, format!("{pointer}/{}", escape(key)))
            .map_err(|why| ConfigError::new(format!("{at}.{key}"), why))?;
        let media = compile_content(compiler, document, &response)
            .map_err(|why| ConfigError::new(format!("{at}.{key}"), why))?;
        plans.entries.push((status, media));
    }
    Ok(plans)
}

/// Plans for the JSON media types (and wildcards) of a response object that have a schema.
fn compile_content(
    compiler: &mut Compiler<'_>,
    document: &Value,
    response: &str,
) -> Result<Vec<(String, NodeId)>, String> {
    let Some(Value::Object(content)) = document.pointer(&format!("{response}/content")) else {
        return Ok(Vec::new());
    };
    let mut media = Vec::new();
    for (name, entry) in content {
        let essence = essence(name);
        let wildcard = essence == "*/*" || essence == "application/*";
        if !(is_json(&essence) || wildcard) || entry.get("schema").is_none() {
            continue;
        }
        let schema = format!("{response}/content/{}/schema", escape(name));
        media.push((essence, compiler.compile(&schema)?));
    }
    Ok(media)
}

/// Follows `$ref`s from the object at `pointer` to the pointer of the object they name.
fn follow(document: &Value, mut pointer: String) -> Result<String, String> {
    for _ in 0..MAX_REF_HOPS {
        let value = document
            .pointer(&pointer)
            .ok_or_else(|| format!("{pointer} names nothing"))?;
        match value.get("$ref") {
            Some(reference) => pointer = ref_pointer(document, reference, &pointer)?,
            None => return Ok(pointer),
        }
    }
    Err("$ref chain too long or circular".to_string())
}
