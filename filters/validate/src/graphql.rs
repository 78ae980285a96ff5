//! GraphQL endpoints: every document parsed and held to the endpoint's limits before it
//! reaches the server.
//!
//! Requests to a configured endpoint path come as GET `?query=` (queries only), POST
//! `application/json` (`{"query", "variables", "operationName", "extensions"}`, or an array of
//! them when batching is allowed) or POST `application/graphql`. The document is read by our
//! own lexer and parser (executable definitions only), then judged: persisted-query allowlist,
//! unique names, introspection (`__schema`, `__type`) unless enabled, fragments (unknown or
//! cyclic spreads refused), and per operation, fragments expanded, depth, aliases, root fields,
//! directives and cost; the batch's total cost last. Refusals are 400 problems with a pointer
//! to the request member (`/query`, `/0/query` in a batch, the parameter name for GET); other
//! methods get 405, other media types 415.
//!
//! Limitation: without the server's schema, weights are per field name and list sizes come
//! from argument names (`first`, `last`, `limit`), so a list field without such an argument
//! counts as one item.

mod analysis;
mod ast;
mod config;
mod judge;
mod lexer;
mod limits;
mod parser;
mod persisted;
mod request;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_http;
#[cfg(test)]
mod tests_limits;

pub use config::{Endpoint, RawEndpoint};
pub use persisted::sha256_hex;

use crate::media::MediaType;
use palisade_shared::json::Limits as JsonLimits;
use request::ReadError;

/// The kinds of refusal, each a problem kind of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The HTTP request does not carry a GraphQL request as the protocol says.
    InvalidRequest,
    /// The document does not parse, or breaks naming rules.
    Syntax,
    /// Depth, aliases, root fields, directives, tokens, batch size or cost.
    Limit,
    Introspection,
    /// Not on the persisted-query allowlist.
    NotListed,
    /// Not GET or POST (405).
    Method,
    /// Not `application/json` or `application/graphql` (415).
    MediaType,
}

/// A refusal with the place it concerns and why; the reason never quotes the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphqlError {
    pub kind: ErrorKind,
    pub pointer: String,
    pub reason: String,
}

impl GraphqlError {
    pub fn new(kind: ErrorKind, pointer: String, reason: impl Into<String>) -> Self {
        GraphqlError {
            kind,
            pointer,
            reason: reason.into(),
        }
    }
}

/// How a POST body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Json,
    Document,
}

/// The answer to a request's headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    Decided(Result<(), GraphqlError>),
    /// Judge the body, written so, at the end of the stream.
    Buffer(Media),
}

/// The request line and headers of a request to `endpoint`.
pub fn judge_head(
    endpoint: &Endpoint,
    method: &str,
    content_type: Option<&str>,
    query: &str,
    has_body: bool,
    limits: &JsonLimits,
) -> Head {
    let refuse =
        |kind, reason: &str| Head::Decided(Err(GraphqlError::new(kind, String::new(), reason)));
    match method {
        "GET" if has_body => refuse(ErrorKind::InvalidRequest, "a GET request carries no body"),
        "GET" => Head::Decided(
            request::from_query(query, limits)
                .map_err(read_error)
                .and_then(|request| judge::judge(endpoint, &[request], true)),
        ),
        "POST" if !has_body => refuse(ErrorKind::InvalidRequest, "a POST request needs a body"),
        "POST" => match post_media(content_type) {
            Some(media) => Head::Buffer(media),
            None => refuse(
                ErrorKind::MediaType,
                "send application/json or application/graphql",
            ),
        },
        _ => refuse(ErrorKind::Method, "use GET or POST"),
    }
}

/// The whole body of a POST, written as `media`.
pub fn judge_body(
    endpoint: &Endpoint,
    media: Media,
    body: &[u8],
    limits: &JsonLimits,
) -> Result<(), GraphqlError> {
    let requests = match media {
        Media::Json => request::from_json(body, limits, endpoint.limits.max_batch),
        Media::Document => request::from_document(body),
    }
    .map_err(read_error)?;
    judge::judge(endpoint, &requests, false)
}

fn post_media(content_type: Option<&str>) -> Option<Media> {
    let media = MediaType::parse(content_type?).ok()?;
    let utf8 = media
        .parameter("charset")
        .is_none_or(|charset| charset.eq_ignore_ascii_case("utf-8"));
    match (media.kind.as_str(), media.subtype.as_str()) {
        ("application", "json") if utf8 => Some(Media::Json),
        ("application", "graphql") if utf8 => Some(Media::Document),
        _ => None,
    }
}

fn read_error(error: ReadError) -> GraphqlError {
    match error {
        ReadError::Json(error) => GraphqlError::new(
            ErrorKind::InvalidRequest,
            error.pointer.clone(),
            error.reason(),
        ),
        ReadError::Shape { pointer, reason } => {
            GraphqlError::new(ErrorKind::InvalidRequest, pointer, reason)
        }
        ReadError::BatchTooLarge { size, limit } => GraphqlError::new(
            ErrorKind::Limit,
            String::new(),
            format!("batch of {size} exceeds the limit of {limit}"),
        ),
    }
}
