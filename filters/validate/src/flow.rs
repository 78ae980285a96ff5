//! The decisions, as pure functions of what the request shows: first its headers, then (when
//! the operation takes a body) the whole body.

use crate::body::BodyRule;
use crate::content::{self, ContentPlan};
use crate::head::RequestHead;
use crate::media::MediaType;
use crate::refusal::Refusal;
use crate::schema::SchemaId;
use crate::settings::Settings;
use palisade_shared::json;
use palisade_shared::openapi::{Lookup, Operation};
use palisade_shared::path::CanonicalPath;

/// Most violations listed in one answer.
pub const MAX_VIOLATIONS: usize = 20;

/// Allow reasons, recorded in the decision for audit.
pub const NO_BODY: &str = "no_body";
pub const VALID_BODY: &str = "valid_body";
pub const BODY_NOT_VALIDATED: &str = "body_not_validated";

/// A final answer for the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allow(&'static str),
    Refuse(Refusal),
}

/// What to do with the body once the operation has been matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyPlan {
    /// The schema for a JSON body; `None` for a declared non-JSON media type.
    pub schema: Option<SchemaId>,
    pub required: bool,
    /// How the body is read and validated (every declared media type has one).
    pub content: Option<ContentPlan>,
}

/// The answer to the request headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadVerdict {
    Decided(Verdict),
    /// The operation takes no body and the request may still send one: refuse it if it does.
    NoBodyExpected,
    /// Buffer the body and judge it at the end of the stream.
    Buffer(BodyPlan),
}

fn refuse(refusal: Refusal) -> HeadVerdict {
    HeadVerdict::Decided(Verdict::Refuse(refusal))
}

pub fn judge_head(settings: &Settings, head: &RequestHead) -> HeadVerdict {
    let operation = match find_operation(settings, head) {
        Ok(Some(operation)) => operation,
        // Deny by default: with authz in front this is not reached (authz answers 404/405
        // first); without it, a request the contract does not declare must not pass unchecked.
        Ok(None) => return refuse(Refusal::UnknownOperation),
        Err(refusal) => return refuse(refusal),
    };
    let length = match head.content_length() {
        Ok(length) => length,
        Err(refusal) => return refuse(refusal),
    };
    if let Some(refusal) = crate::params::judge_head(settings, operation, head) {
        return refuse(refusal);
    }
    match settings.body_rule(operation) {
        Some(rule) => judge_declared(settings, operation, rule, head, length),
        None if length.is_some_and(|n| n > 0) || head.is_chunked() => {
            refuse(Refusal::UnexpectedBody)
        }
        None if head.end_of_stream || length == Some(0) => {
            HeadVerdict::Decided(Verdict::Allow(NO_BODY))
        }
        None => HeadVerdict::NoBodyExpected,
    }
}

/// The operation authz matched, when it did and this inventory has it (so that both filters
/// agree, method overrides and path options included); else this filter's own lookup.
fn find_operation<'s>(
    settings: &'s Settings,
    head: &RequestHead,
) -> Result<Option<&'s Operation>, Refusal> {
    let known = head
        .matched
        .as_ref()
        .and_then(|matched| settings.operation(&matched.method, &matched.template));
    if known.is_some() {
        return Ok(known);
    }
    let path =
        CanonicalPath::parse_with(&head.path, settings.path).map_err(Refusal::InvalidPath)?;
    match settings.inventory.find(&head.method, &path) {
        Lookup::Found { operation, .. } => Ok(Some(operation)),
        Lookup::MethodNotAllowed(_) | Lookup::NotFound => Ok(None),
    }
}

fn judge_declared(
    settings: &Settings,
    operation: &Operation,
    rule: &BodyRule,
    head: &RequestHead,
    length: Option<u64>,
) -> HeadVerdict {
    if head.end_of_stream || length == Some(0) {
        return HeadVerdict::Decided(missing_body(rule.required));
    }
    let encoded = head.content_encoding.as_deref().map(str::trim);
    let coded = encoded
        .is_some_and(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"));
    if coded && !content::declares_coding(settings, operation) {
        return refuse(Refusal::UnsupportedEncoding);
    }
    let (schema, content) =
        match body_schema(settings, operation, rule, head.content_type.as_deref()) {
            Ok(planned) => planned,
            Err(refusal) => return refuse(refusal),
        };
    if coded && !content.is_unparsed() {
        // A compressed body cannot be checked against a schema: only raw bytes may be coded.
        return refuse(Refusal::UnsupportedEncoding);
    }
    let limit = settings.max_body_bytes;
    if length.is_some_and(|n| n > limit as u64) {
        return refuse(Refusal::BodyTooLarge { limit });
    }
    HeadVerdict::Buffer(BodyPlan {
        schema,
        required: rule.required,
        content: Some(content),
    })
}

fn missing_body(required: bool) -> Verdict {
    if required {
        Verdict::Refuse(Refusal::MissingBody)
    } else {
        Verdict::Allow(NO_BODY)
    }
}

/// The schema and reading plan for the request's media type, or the refusal (415, or 400 for
/// a malformed multipart boundary).
fn body_schema(
    settings: &Settings,
    operation: &Operation,
    rule: &BodyRule,
    content_type: Option<&str>,
) -> Result<(Option<SchemaId>, ContentPlan), Refusal> {
    let unsupported = || Refusal::UnsupportedMediaType {
        declared: rule.declared(),
    };
    let media =
        MediaType::parse(content_type.ok_or_else(unsupported)?).map_err(|_| unsupported())?;
    if !media.has_acceptable_charset() {
        return Err(unsupported());
    }
    let entry = rule.select(&media).ok_or_else(unsupported)?;
    let content = content::plan(settings, operation, rule, &media, entry)?;
    Ok((media.is_json().then_some(entry.schema), content))
}

/// The answer to the whole buffered body.
pub fn judge_body(settings: &Settings, plan: &BodyPlan, body: &[u8]) -> Verdict {
    if body.is_empty() {
        return missing_body(plan.required);
    }
    if body.len() > settings.max_body_bytes {
        return Verdict::Refuse(Refusal::BodyTooLarge {
            limit: settings.max_body_bytes,
        });
    }
    if let Some(content) = &plan.content {
        return content::judge(settings, content, body);
    }
    let Some(schema) = plan.schema else {
        return Verdict::Allow(BODY_NOT_VALIDATED);
    };
    let value = match json::parse_strict(body, &settings.limits) {
        Ok(value) => value,
        Err(error) => return Verdict::Refuse(Refusal::MalformedBody(error)),
    };
    let violations = settings.schemas.validate(schema, &value, MAX_VIOLATIONS);
    if violations.is_empty() {
        Verdict::Allow(VALID_BODY)
    } else {
        Verdict::Refuse(Refusal::InvalidBody(violations))
    }
}
