//! What an operation's document says about each response: the declared statuses and media
//! types, with a pruning plan per JSON schema.

use crate::media::{essence, fit, is_json, is_wildcard};
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

/// One media range a response object declares, and its plan when the body can be pruned.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MediaEntry {
    /// Essence of the range, e.g. `application/json` or `*/*`.
    range: String,
    /// Plan of its schema, for JSON types and wildcards that declare one.
    plan: Option<NodeId>,
}

/// What the document says about one response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Described {
    /// A JSON body with a schema: prune it with this plan.
    Schema(NodeId),
    /// Declared, but nothing to prune (the reason says why): the body passes as it is.
    Declared(&'static str),
    /// The status is not declared, or declared without a media range that fits: the document
    /// does not describe this body.
    Undescribed,
}

/// The declared responses of one operation.
#[derive(Debug, Clone, Default)]
pub struct ResponsePlans {
    entries: Vec<(StatusKey, Vec<MediaEntry>)>,
}

impl ResponsePlans {
    /// Whether no response of the operation is ever pruned.
    pub fn is_empty(&self) -> bool {
        self.entries
            .iter()
            .all(|(_, media)| media.iter().all(|m| m.plan.is_none()))
    }

    /// What the document says about a body of this status and media type essence. The most
    /// specific response key wins (`200`, then `2XX`, then `default`), as OpenAPI reads it;
    /// within it the closest media range ([`fit`]). A JSON body takes the closest range that
    /// has a schema, so that a bare `application/json: {}` next to `*/*` with a schema still
    /// prunes; a body of another type is never pruned.
    pub fn describe(&self, status: u16, media: &str) -> Described {
        let Some(declared) = self.for_status(status) else {
            return Described::Undescribed;
        };
        let fitting = || {
            declared
                .iter()
                .filter_map(|d| Some((fit(&d.range, media)?, d)))
        };
        if !is_json(media) {
            return match fitting().next() {
                Some(_) => Described::Declared("not-json"),
                None => Described::Undescribed,
            };
        }
        let closest_plan = fitting()
            .filter_map(|(rank, d)| Some((rank, d.plan?)))
            .min_by_key(|(rank, _)| *rank);
        match (closest_plan, fitting().next()) {
            (Some((_, plan)), _) => Described::Schema(plan),
            (None, Some(_)) => Described::Declared("no-schema"),
            (None, None) => Described::Undescribed,
        }
    }

    fn for_status(&self, status: u16) -> Option<&[MediaEntry]> {
        let wanted = [
            StatusKey::Exact(status),
            StatusKey::Range(status / 100),
            StatusKey::Default,
        ];
        wanted.iter().find_map(|key| {
            self.entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, media)| media.as_slice())
        })
    }
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

/// The media ranges a response object declares, with plans for the JSON types and wildcards
/// that have a schema.
fn compile_content(
    compiler: &mut Compiler<'_>,
    document: &Value,
    response: &str,
) -> Result<Vec<MediaEntry>, String> {
    let Some(Value::Object(content)) = document.pointer(&format!("{response}/content")) else {
        return Ok(Vec::new());
    };
    let mut declared = Vec::new();
    for (name, entry) in content {
        let range = essence(name);
        let prunable = is_json(&range) || is_wildcard(&range);
        let plan = match entry.get("schema") {
            Some(_) if prunable => {
                let schema = format!("{response}/content/{}/schema", escape(name));
                Some(compiler.compile(&schema)?)
            }
            _ => None,
        };
        declared.push(MediaEntry { range, plan });
    }
    Ok(declared)
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
