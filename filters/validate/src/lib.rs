//! Palisade request validation: every part of the request is checked against the OpenAPI
//! contract (3.0 or 3.1, JSON or YAML, bundled from several documents) of the operation it
//! calls, before anything of it reaches the upstream; what the contract does not declare is
//! refused (unknown query parameters, members and parts).
//!
//! Phases: request headers (path canonicalised, operation found in the inventory, path, query,
//! header and cookie parameters validated, `Content-Type` matched against what the operation
//! declares, `Content-Length` against the limit) and request body (buffered to the end of the
//! stream within the limit, read as its media type says — JSON by the strict guard, forms,
//! multipart, text — and validated against the operation's schema). Refusals are RFC 9457
//! problems: 400 with a `{pointer, reason}` per violation, 413 for size, 415 for media type and
//! content coding; each violation is counted by kind and listed in the audit decision. Paths the inventory does not know
//! are left to authz; the operation authz matched (filter state) is preferred to our own lookup.
//! While the body is buffered the headers either wait too (`hold_request_headers`, which needs
//! Envoy's `allow_on_headers_stop_iteration`) or go on, and a refused body resets the upstream
//! request.
//!
//! Before the contract, [`protocols`] judges what has rules of its own: WebSocket upgrades
//! (endpoint, origin, version, key, subprotocol; 403/400), gRPC calls (framing and every
//! message against a protobuf descriptor set; refused with a `grpc-status`) and GraphQL
//! endpoints (the document parsed and held to depth, alias, root-field, directive, token, batch
//! and cost limits, introspection and persisted-query allowlists). Strings the contract marks
//! with `x-palisade-url-allowlist` are checked as outbound URLs against SSRF ([`ssrf`]).
//!
//! Hands on: the decision for stage `validate` in filter state (`palisade.decision.validate`),
//! which audit reads. Nothing else; the body is forwarded unchanged.

pub mod body;
pub mod content;
pub mod document;
pub mod flow;
pub mod form;
pub mod glue;
pub mod graphql;
pub mod grpc;
pub mod head;
pub mod media;
pub mod multipart;
pub mod params;
pub mod protocols;
pub mod refusal;
pub mod schema;
pub mod settings;
pub mod ssrf;
pub mod stream;
pub mod websocket;

#[cfg(test)]
mod tests;

#[cfg(feature = "entry")]
proxy_wasm::main! {{
    proxy_wasm::set_log_level(proxy_wasm::types::LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn proxy_wasm::traits::RootContext> {
        Box::new(glue::Root::default())
    });
}}
