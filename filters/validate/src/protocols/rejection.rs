//! What a protocol check's refusal looks like on the wire: a problem for HTTP clients, a
//! `grpc-status` for gRPC clients, and the counter it bumps.

use crate::refusal::Refusal;
use crate::{graphql, grpc, websocket};
use palisade_shared::problem::{Problem, Violation};
use palisade_shared::{Host, HostError};

/// A refusal by a protocol check: the problem for HTTP clients, the counter, and the status a
/// gRPC client gets instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub problem: Problem,
    pub metric: &'static str,
    pub grpc_status: Option<u32>,
}

impl Rejection {
    pub(super) fn graphql(error: graphql::GraphqlError) -> Rejection {
        use graphql::ErrorKind;
        let (status, kind, title) = match error.kind {
            ErrorKind::InvalidRequest => {
                (400, "graphql-invalid-request", "Invalid GraphQL request")
            }
            ErrorKind::Syntax => (400, "graphql-syntax-error", "GraphQL syntax error"),
            ErrorKind::Limit => (
                400,
                "graphql-limit-exceeded",
                "GraphQL request exceeds a limit",
            ),
            ErrorKind::Introspection => (
                400,
                "graphql-introspection-disabled",
                "GraphQL introspection is disabled",
            ),
            ErrorKind::NotListed => (
                400,
                "graphql-document-not-allowed",
                "GraphQL document not on the allowlist",
            ),
            ErrorKind::Method => (405, "method-not-allowed", "Method not allowed"),
            ErrorKind::MediaType => (415, "unsupported-media-type", "Unsupported media type"),
        };
        let problem = match error.kind {
            ErrorKind::Method => Problem::new(status, kind, title)
                .with_detail(error.reason)
                .with_header("allow", "GET, POST"),
            ErrorKind::MediaType => Problem::new(status, kind, title).with_detail(error.reason),
            _ => Problem::new(status, kind, title).with_violations(vec![Violation {
                pointer: error.pointer,
                reason: error.reason,
            }]),
        };
        Rejection {
            problem,
            metric: "palisade_validate_denied_graphql_total",
            grpc_status: None,
        }
    }

    pub(super) fn websocket(error: websocket::HandshakeError) -> Rejection {
        use websocket::HandshakeError::*;
        let (status, kind, title, detail) = match error {
            NotAllowedHere => (
                403,
                "websocket-upgrade-refused",
                "Upgrade not allowed",
                "this path takes no WebSocket upgrade",
            ),
            Malformed => (
                400,
                "invalid-websocket-handshake",
                "Invalid WebSocket handshake",
                "send GET with Connection: upgrade and Upgrade: websocket",
            ),
            Version => (
                400,
                "invalid-websocket-handshake",
                "Invalid WebSocket handshake",
                "only WebSocket version 13 is spoken",
            ),
            Key => (
                400,
                "invalid-websocket-handshake",
                "Invalid WebSocket handshake",
                "Sec-WebSocket-Key must be 16 bytes in base64",
            ),
            Origin => (
                403,
                "websocket-origin-not-allowed",
                "Origin not allowed",
                "this origin may not open the socket",
            ),
            Subprotocol => (
                400,
                "websocket-subprotocol-not-allowed",
                "Subprotocol not allowed",
                "offer only the subprotocols this endpoint speaks",
            ),
        };
        let mut problem = Problem::new(status, kind, title).with_detail(detail);
        if error == Version {
            problem = problem.with_header("sec-websocket-version", "13");
        }
        Rejection {
            problem,
            metric: "palisade_validate_denied_websocket_total",
            grpc_status: None,
        }
    }

    pub(super) fn grpc(error: grpc::GrpcError) -> Rejection {
        let status = match error.kind {
            "grpc-unknown-method" => 404,
            "grpc-message-too-large" | "grpc-too-many-messages" => 413,
            _ => 400,
        };
        let problem =
            Problem::new(status, error.kind, "Invalid gRPC request").with_detail(error.message);
        Rejection {
            problem,
            metric: "palisade_validate_denied_grpc_total",
            grpc_status: Some(error.status),
        }
    }

    pub(super) fn grpc_media_type() -> Rejection {
        let problem = Problem::new(415, "unsupported-media-type", "Unsupported media type")
            .with_detail("this is a gRPC method: send application/grpc");
        Rejection {
            problem,
            metric: "palisade_validate_denied_grpc_total",
            grpc_status: None,
        }
    }
}

/// Answers a gRPC client: Envoy turns a local reply to a gRPC request into HTTP 200 with
/// `grpc-status` (ours, given as a header, is kept) and `grpc-message` (the body,
/// percent-encoded), so the client sees a gRPC error rather than an HTTP one.
pub fn send_grpc_refusal(
    host: &dyn Host,
    refusal: &Refusal,
    problem: &Problem,
) -> Result<(), HostError> {
    let status = match refusal {
        Refusal::Protocol(rejection) => rejection.grpc_status,
        _ => None,
    }
    .unwrap_or_else(|| grpc::status_for_http(problem.status));
    let message = problem
        .detail
        .clone()
        .unwrap_or_else(|| problem.title.to_string());
    host.send_response(
        problem.status,
        &[("grpc-status", &status.to_string())],
        message.as_bytes(),
    )
}
