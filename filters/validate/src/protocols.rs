//! The protocol checks that come before the OpenAPI contract: WebSocket upgrades, gRPC calls
//! and GraphQL endpoints. Each answers from the request headers, or asks for the whole body;
//! requests that are none of these go on to the contract checks in [`crate::flow`].

use crate::flow::{self, BodyPlan, Verdict};
use crate::head::RequestHead;
use crate::refusal::Refusal;
use crate::settings::Settings;
use crate::{graphql, grpc, websocket};
use palisade_shared::config::ConfigError;
use palisade_shared::path::CanonicalPath;
use palisade_shared::problem::{Problem, Violation};
use palisade_shared::{Host, HostError};

/// Allow reasons, recorded in the decision for audit.
pub const WEBSOCKET_ALLOWED: &str = "websocket_handshake_valid";
pub const GRAPHQL_ALLOWED: &str = "graphql_within_limits";
pub const GRPC_ALLOWED: &str = "grpc_messages_valid";

/// The counters of protocol refusals, one per protocol.
pub const METRICS: [&str; 3] = [
    "palisade_validate_denied_graphql_total",
    "palisade_validate_denied_websocket_total",
    "palisade_validate_denied_grpc_total",
];

/// The compiled `graphql`, `websocket` and `grpc` sections.
#[derive(Debug, Default)]
pub struct Protocols {
    graphql: Vec<graphql::Endpoint>,
    websocket: Vec<websocket::Endpoint>,
    grpc: Option<grpc::Grpc>,
}

impl Protocols {
    pub fn compile(
        graphql: Vec<graphql::RawEndpoint>,
        websocket: Vec<websocket::RawEndpoint>,
        grpc: Option<grpc::RawGrpc>,
        max_body_bytes: usize,
    ) -> Result<Protocols, ConfigError> {
        Ok(Protocols {
            graphql: graphql
                .into_iter()
                .enumerate()
                .map(|(i, raw)| raw.compile(&format!("graphql.{i}")))
                .collect::<Result<_, _>>()?,
            websocket: websocket
                .into_iter()
                .enumerate()
                .map(|(i, raw)| raw.compile(&format!("websocket.{i}")))
                .collect::<Result<_, _>>()?,
            grpc: grpc
                .map(|raw| raw.compile("grpc", max_body_bytes))
                .transpose()?,
        })
    }
}

/// A body a protocol judges at the end of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Graphql {
        endpoint: usize,
        media: graphql::Media,
    },
    Grpc(grpc::Method),
}

/// A body to judge at the end of the stream: by the contract, or by a protocol's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    Contract(BodyPlan),
    Protocol(Plan),
}

/// What the request headers decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not an upgrade, not gRPC, not a GraphQL endpoint: the contract checks apply.
    NotMine,
    Decided(Verdict),
    Buffer(Plan),
}

fn refused(rejection: Rejection) -> Outcome {
    Outcome::Decided(Verdict::Refuse(Refusal::Protocol(Box::new(rejection))))
}

pub fn judge_head(settings: &Settings, head: &RequestHead) -> Outcome {
    let protocols = &settings.protocols;
    if websocket::is_upgrade(&head.headers) {
        let path = CanonicalPath::parse_with(&head.path, settings.path);
        let judged = path
            .map_err(|_| websocket::HandshakeError::NotAllowedHere)
            .and_then(|path| websocket::judge(&protocols.websocket, &path, &head.headers));
        return match judged {
            Ok(()) => Outcome::Decided(Verdict::Allow(WEBSOCKET_ALLOWED)),
            Err(error) => refused(Rejection::websocket(error)),
        };
    }
    if let Some(grpc) = &protocols.grpc {
        let encoding = header(head, "grpc-encoding");
        let content_type = head.content_type.as_deref();
        match grpc.judge_head(
            &head.method,
            &head.path,
            content_type,
            encoding,
            head.end_of_stream,
        ) {
            grpc::Head::NotGrpc => {}
            grpc::Head::NotGrpcContent => return refused(Rejection::grpc_media_type()),
            grpc::Head::Decided(Ok(())) => return Outcome::Decided(Verdict::Allow(GRPC_ALLOWED)),
            grpc::Head::Decided(Err(error)) => return refused(Rejection::grpc(error)),
            grpc::Head::Buffer(method) => return Outcome::Buffer(Plan::Grpc(method)),
        }
    }
    judge_graphql_head(settings, head)
}

fn judge_graphql_head(settings: &Settings, head: &RequestHead) -> Outcome {
    let endpoints = &settings.protocols.graphql;
    if endpoints.is_empty() {
        return Outcome::NotMine;
    }
    // A path that does not parse is the contract checks' to refuse.
    let Ok(path) = CanonicalPath::parse_with(&head.path, settings.path) else {
        return Outcome::NotMine;
    };
    let Some(index) = endpoints
        .iter()
        .position(|e| e.template.matches(&path).is_some())
    else {
        return Outcome::NotMine;
    };
    let Some(endpoint) = endpoints.get(index) else {
        return Outcome::NotMine;
    };
    let content_type = head.content_type.as_deref();
    let has_body = !head.end_of_stream;
    match graphql::judge_head(
        endpoint,
        &head.method,
        content_type,
        &path.query,
        has_body,
        &settings.limits,
    ) {
        graphql::Head::Decided(Ok(())) => Outcome::Decided(Verdict::Allow(GRAPHQL_ALLOWED)),
        graphql::Head::Decided(Err(error)) => refused(Rejection::graphql(error)),
        graphql::Head::Buffer(media) => Outcome::Buffer(Plan::Graphql {
            endpoint: index,
            media,
        }),
    }
}

/// The whole body, by the contract or by the protocol that asked for it.
pub fn judge_pending(settings: &Settings, pending: &Pending, body: &[u8]) -> Verdict {
    match pending {
        Pending::Contract(plan) => flow::judge_body(settings, plan, body),
        Pending::Protocol(plan) => judge_body(settings, plan, body),
    }
}

fn judge_body(settings: &Settings, plan: &Plan, body: &[u8]) -> Verdict {
    let protocols = &settings.protocols;
    let judged = match plan {
        Plan::Graphql { endpoint, media } => match protocols.graphql.get(*endpoint) {
            Some(endpoint) => graphql::judge_body(endpoint, *media, body, &settings.limits)
                .map(|()| GRAPHQL_ALLOWED)
                .map_err(Rejection::graphql),
            None => return Verdict::Refuse(Refusal::HostFailure),
        },
        Plan::Grpc(method) => match &protocols.grpc {
            Some(grpc) => grpc
                .judge_body(method, body)
                .map(|()| GRPC_ALLOWED)
                .map_err(Rejection::grpc),
            None => return Verdict::Refuse(Refusal::HostFailure),
        },
    };
    match judged {
        Ok(reason) => Verdict::Allow(reason),
        Err(rejection) => Verdict::Refuse(Refusal::Protocol(Box::new(rejection))),
    }
}

fn header<'h>(head: &'h RequestHead, name: &str) -> Option<&'h str> {
    head.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A refusal by a protocol check: the problem for HTTP clients, the counter, and the status a
/// gRPC client gets instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub problem: Problem,
    pub metric: &'static str,
    pub grpc_status: Option<u32>,
}

impl Rejection {
    fn graphql(error: graphql::GraphqlError) -> Rejection {
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

    fn websocket(error: websocket::HandshakeError) -> Rejection {
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

    fn grpc(error: grpc::GrpcError) -> Rejection {
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

    fn grpc_media_type() -> Rejection {
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

#[cfg(test)]
#[path = "protocols_tests.rs"]
mod tests;
