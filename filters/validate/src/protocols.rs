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

mod rejection;

pub use rejection::{send_grpc_refusal, Rejection};

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

#[cfg(test)]
mod tests;
