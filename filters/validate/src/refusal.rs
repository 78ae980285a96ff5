//! Every way this filter refuses a request, mapped in one place to the problem sent back and
//! the counter it bumps.

use crate::schema::finding::{self, Finding};
use palisade_shared::json::JsonError;
use palisade_shared::path::PathError;
use palisade_shared::problem::{Problem, Violation};

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The path fails canonicalisation.
    InvalidPath(PathError),
    /// No operation of the contract has this method and path: deny by default.
    UnknownOperation,
    /// A body was sent to an operation that declares none.
    UnexpectedBody,
    /// The operation requires a body and none came.
    MissingBody,
    /// No `Content-Type`, one that does not parse, one the operation does not declare, or a
    /// JSON type in a charset other than UTF-8; `declared` lists what the operation accepts.
    UnsupportedMediaType { declared: String },
    /// A `Content-Encoding` other than `identity`: the body cannot be checked as sent.
    UnsupportedEncoding,
    /// A `Content-Length` that is not one decimal number.
    InvalidContentLength,
    /// More than `max_body_bytes`, by `Content-Length` or as it streamed in.
    BodyTooLarge { limit: usize },
    /// The body is not acceptable JSON (syntax, duplicate key, guard limit).
    MalformedBody(JsonError),
    /// The body breaks the operation's schema.
    InvalidBody(Vec<Violation>),
    /// The host failed us (headers or body unreadable); refusing is the safe answer.
    HostFailure,
    /// Path, query, header or cookie parameters break the operation's contract.
    InvalidParameters(Vec<Finding>),
    /// The body breaks the schema of its media type (JSON, form, multipart or text).
    InvalidContent(Vec<Finding>),
    /// The body cannot be read as its declared media type (form, multipart, text).
    MalformedContent(Finding),
    /// The body's media type is declared but this filter cannot check it against its schema.
    UncheckableMediaType { media: String },
    /// A WebSocket handshake, gRPC call or GraphQL request its protocol's checks refuse.
    Protocol(Box<crate::protocols::Rejection>),
}

impl Refusal {
    /// Stable problem kind, also the decision's reason for audit.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::InvalidPath(_) => "invalid-path",
            Refusal::UnknownOperation => "not-found",
            Refusal::UnexpectedBody => "unexpected-body",
            Refusal::MissingBody => "missing-body",
            Refusal::UnsupportedMediaType { .. } => "unsupported-media-type",
            Refusal::UnsupportedEncoding => "unsupported-content-encoding",
            Refusal::InvalidContentLength => "invalid-content-length",
            Refusal::BodyTooLarge { .. } => "body-too-large",
            Refusal::MalformedBody(_) => "malformed-body",
            Refusal::InvalidBody(_) => "invalid-body",
            Refusal::HostFailure => "validation-unavailable",
            Refusal::InvalidParameters(_) => "invalid-parameters",
            Refusal::InvalidContent(_) => "invalid-body",
            Refusal::MalformedContent(_) => "malformed-body",
            Refusal::UncheckableMediaType { .. } => "unsupported-media-type",
            Refusal::Protocol(rejection) => rejection.problem.kind,
        }
    }

    /// The violations found, when the refusal lists them.
    pub fn findings(&self) -> &[Finding] {
        match self {
            Refusal::InvalidParameters(findings) | Refusal::InvalidContent(findings) => findings,
            Refusal::MalformedContent(finding) => std::slice::from_ref(finding),
            _ => &[],
        }
    }

    /// The decision's reason for audit: the kind, and each violation's pointer and kind.
    pub fn audit_reason(&self) -> String {
        if let Refusal::MalformedBody(error) = self {
            let found = Finding::new(finding::Kind::Malformed, error.pointer.clone(), "");
            return finding::audit_reason(self.kind(), &[found]);
        }
        finding::audit_reason(self.kind(), self.findings())
    }

    /// The per-kind counter, `palisade_validate_denied_<kind>_total`.
    pub fn metric(&self) -> &'static str {
        match self {
            Refusal::InvalidPath(_) => "palisade_validate_denied_invalid_path_total",
            Refusal::UnknownOperation => "palisade_validate_denied_unknown_operation_total",
            Refusal::UnexpectedBody => "palisade_validate_denied_unexpected_body_total",
            Refusal::MissingBody => "palisade_validate_denied_missing_body_total",
            Refusal::UnsupportedMediaType { .. } => "palisade_validate_denied_media_type_total",
            Refusal::UnsupportedEncoding => "palisade_validate_denied_content_encoding_total",
            Refusal::InvalidContentLength => "palisade_validate_denied_content_length_total",
            Refusal::BodyTooLarge { .. } => "palisade_validate_denied_too_large_total",
            Refusal::MalformedBody(_) => "palisade_validate_denied_malformed_body_total",
            Refusal::InvalidBody(_) => "palisade_validate_denied_invalid_body_total",
            Refusal::HostFailure => "palisade_validate_host_errors_total",
            Refusal::InvalidParameters(_) => "palisade_validate_denied_invalid_parameters_total",
            Refusal::InvalidContent(_) => "palisade_validate_denied_invalid_body_total",
            Refusal::MalformedContent(_) => "palisade_validate_denied_malformed_body_total",
            Refusal::UncheckableMediaType { .. } => "palisade_validate_denied_media_type_total",
            Refusal::Protocol(rejection) => rejection.metric,
        }
    }

    pub fn problem(&self) -> Problem {
        let kind = self.kind();
        match self {
            Refusal::InvalidPath(error) => {
                Problem::new(400, kind, "Invalid request path").with_detail(error.reason())
            }
            Refusal::UnknownOperation => Problem::new(404, kind, "Not found")
                .with_detail("the API contract declares no such operation"),
            Refusal::UnexpectedBody => Problem::new(400, kind, "Unexpected request body")
                .with_detail("this operation takes no request body"),
            Refusal::MissingBody => Problem::new(400, kind, "Missing request body")
                .with_detail("this operation requires a request body"),
            Refusal::UnsupportedMediaType { declared } => {
                Problem::new(415, kind, "Unsupported media type")
                    .with_detail(format!("this operation accepts {declared}"))
            }
            Refusal::UnsupportedEncoding => Problem::new(415, kind, "Unsupported content encoding")
                .with_detail("send the request body without content encoding"),
            Refusal::InvalidContentLength => Problem::new(400, kind, "Invalid Content-Length"),
            Refusal::BodyTooLarge { limit } => Problem::new(413, kind, "Request body too large")
                .with_detail(format!("the limit is {limit} bytes")),
            Refusal::MalformedBody(error) => Problem::new(400, kind, "Malformed request body")
                .with_violations(vec![Violation {
                    pointer: error.pointer.clone(),
                    reason: error.reason().to_string(),
                }]),
            Refusal::InvalidBody(violations) => {
                Problem::new(400, kind, "Request body does not match the API contract")
                    .with_violations(violations.clone())
            }
            Refusal::HostFailure => Problem::new(500, kind, "Request validation unavailable"),
            Refusal::InvalidParameters(findings) => Problem::new(
                400,
                kind,
                "Request parameters do not match the API contract",
            )
            .with_violations(findings.iter().map(Finding::violation).collect()),
            Refusal::InvalidContent(findings) => {
                Problem::new(400, kind, "Request body does not match the API contract")
                    .with_violations(findings.iter().map(Finding::violation).collect())
            }
            Refusal::MalformedContent(finding) => Problem::new(400, kind, "Malformed request body")
                .with_violations(vec![finding.violation()]),
            Refusal::UncheckableMediaType { media } => {
                Problem::new(415, kind, "Unsupported media type")
                    .with_detail(format!("{media} bodies cannot be checked by this gateway"))
            }
            Refusal::Protocol(rejection) => rejection.problem.clone(),
        }
    }
}

/// Every counter this filter defines.
pub const METRICS: [&str; 13] = [
    "palisade_validate_allowed_total",
    "palisade_validate_denied_total",
    "palisade_validate_denied_invalid_path_total",
    "palisade_validate_denied_unknown_operation_total",
    "palisade_validate_denied_unexpected_body_total",
    "palisade_validate_denied_missing_body_total",
    "palisade_validate_denied_media_type_total",
    "palisade_validate_denied_content_encoding_total",
    "palisade_validate_denied_content_length_total",
    "palisade_validate_denied_too_large_total",
    "palisade_validate_denied_malformed_body_total",
    "palisade_validate_denied_invalid_body_total",
    "palisade_validate_host_errors_total",
];
