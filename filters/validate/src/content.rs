//! The reader a declared request body needs, chosen from its media type when the headers
//! arrive, and the body judged by that reader at the end of the stream: JSON through the strict
//! guard, `application/x-www-form-urlencoded` ([`crate::form`]), `multipart/form-data`
//! ([`crate::multipart`]) and `text/plain`, each validated against the media type's schema.
//! A binary body (schema `{}` or a binary string) is bounded by size only; any other declared
//! type is refused with 415 rather than passed on unchecked. A compressed body
//! (`Content-Encoding`) is accepted only where the operation declares that header parameter
//! and the body is binary: nothing that must be checked is ever passed on compressed.

use crate::body::{BodyRule, MediaEntry};
use crate::flow::{Verdict, BODY_NOT_VALIDATED, MAX_VIOLATIONS, VALID_BODY};
use crate::media::MediaType;
use crate::params::Location;
use crate::refusal::Refusal;
use crate::schema::{Finding, Kind, Place};
use crate::settings::Settings;
use palisade_shared::json;
use palisade_shared::openapi::Operation;
use serde_json::Value;

/// Longest multipart boundary RFC 2046 allows.
const MAX_BOUNDARY: usize = 70;

/// A multipart boundary, kept inline so that a plan stays `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Boundary {
    bytes: [u8; MAX_BOUNDARY],
    len: usize,
}

impl Boundary {
    fn new(text: &str) -> Option<Boundary> {
        let mut bytes = [0; MAX_BOUNDARY];
        bytes
            .get_mut(..text.len())?
            .copy_from_slice(text.as_bytes());
        Some(Boundary {
            bytes,
            len: text.len(),
        })
    }

    fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..self.len).unwrap_or_default();
        std::str::from_utf8(bytes).unwrap_or_default()
    }
}

/// How the body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Json,
    Form,
    Multipart(Boundary),
    Text,
    /// Bytes the contract does not describe further: bounded by size only.
    Binary,
}

/// What the headers decided about reading the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentPlan {
    pub reading: Reading,
    /// The operation's place in the inventory, and the media entry's in its body rule.
    pub operation: usize,
    pub entry: usize,
    pub close_objects: bool,
}

impl ContentPlan {
    /// Whether the body is passed on as bytes, unparsed (so it may be compressed).
    pub fn is_unparsed(&self) -> bool {
        self.reading == Reading::Binary
    }
}

/// Whether the operation declares a `Content-Encoding` header parameter: its value has then
/// been checked against that parameter's schema (say `enum: [gzip]`) with the headers.
pub fn declares_coding(settings: &Settings, operation: &Operation) -> bool {
    settings.params(operation).is_some_and(|(rules, _)| {
        rules
            .specs
            .iter()
            .any(|spec| spec.location == Location::Header && spec.name == "content-encoding")
    })
}

/// The plan for a body of type `media` matched to `entry`, or the refusal.
pub fn plan(
    settings: &Settings,
    operation: &Operation,
    rule: &BodyRule,
    media: &MediaType,
    entry: &MediaEntry,
) -> Result<ContentPlan, Refusal> {
    let reading = reading(settings, media, entry)?;
    let operations = &settings.inventory.operations;
    let position = operations.iter().position(|op| std::ptr::eq(op, operation));
    let index = rule.media.iter().position(|e| std::ptr::eq(e, entry));
    let (Some(operation_index), Some(entry)) = (position, index) else {
        return Err(Refusal::HostFailure);
    };
    Ok(ContentPlan {
        reading,
        operation: operation_index,
        entry,
        close_objects: settings
            .params(operation)
            .is_none_or(|(_, policy)| policy.close_objects),
    })
}

fn reading(settings: &Settings, media: &MediaType, entry: &MediaEntry) -> Result<Reading, Refusal> {
    let essence = media.essence();
    if media.is_json() {
        return Ok(Reading::Json);
    }
    let utf8 = || {
        media
            .parameter("charset")
            .is_none_or(|c| c.eq_ignore_ascii_case("utf-8") || c.eq_ignore_ascii_case("us-ascii"))
    };
    match essence.as_str() {
        "application/x-www-form-urlencoded" => Ok(Reading::Form),
        "multipart/form-data" => {
            let boundary = crate::multipart::boundary(media)
                .map_err(|why| Refusal::MalformedContent(Finding::new(Kind::Malformed, "", why)))?;
            Boundary::new(&boundary)
                .map(Reading::Multipart)
                .ok_or(Refusal::HostFailure)
        }
        "text/plain" if utf8() => Ok(Reading::Text),
        _ if settings.schemas.accepts_anything(entry.schema)
            || settings.schemas.shape(entry.schema).binary =>
        {
            Ok(Reading::Binary)
        }
        _ => Err(Refusal::UncheckableMediaType { media: essence }),
    }
}

/// The answer to a whole body read as planned.
pub fn judge(settings: &Settings, plan: &ContentPlan, body: &[u8]) -> Verdict {
    let Some(entry) = settings
        .inventory
        .operations
        .get(plan.operation)
        .and_then(|operation| settings.body_rule(operation))
        .and_then(|rule| rule.media.get(plan.entry))
    else {
        return Verdict::Refuse(Refusal::HostFailure);
    };
    let tree = &settings.schemas;
    let value = match plan.reading {
        Reading::Binary => return Verdict::Allow(BODY_NOT_VALIDATED),
        Reading::Json => match json::parse_strict(body, &settings.limits) {
            Ok(value) => value,
            Err(error) => return Verdict::Refuse(Refusal::MalformedBody(error)),
        },
        Reading::Text => match std::str::from_utf8(body) {
            Ok(text) => Value::String(text.to_string()),
            Err(_) => return malformed(Kind::Encoding, "body is not UTF-8 text"),
        },
        Reading::Form => match crate::form::read(body, entry.schema, &entry.encoding, tree) {
            Ok(value) => value,
            Err(findings) => return invalid(findings),
        },
        Reading::Multipart(boundary) => {
            let limits = &settings.multipart;
            match crate::multipart::read(
                body,
                boundary.as_str(),
                limits,
                entry.schema,
                &entry.encoding,
                tree,
            ) {
                Ok(value) => value,
                Err(findings) => return invalid(findings),
            }
        }
    };
    let place = Place::body(plan.close_objects);
    let findings = tree.findings(entry.schema, &value, &place, MAX_VIOLATIONS);
    if findings.is_empty() {
        Verdict::Allow(VALID_BODY)
    } else {
        Verdict::Refuse(Refusal::InvalidContent(findings))
    }
}

fn malformed(kind: Kind, why: &str) -> Verdict {
    Verdict::Refuse(Refusal::MalformedContent(Finding::new(kind, "", why)))
}

/// Findings from reading: a malformed body is one finding of that kind, the rest invalid.
fn invalid(mut findings: Vec<Finding>) -> Verdict {
    findings.truncate(MAX_VIOLATIONS);
    match findings.as_slice() {
        [only] if only.kind == Kind::Malformed && only.pointer.is_empty() => {
            Verdict::Refuse(Refusal::MalformedContent(only.clone()))
        }
        _ => Verdict::Refuse(Refusal::InvalidContent(findings)),
    }
}
