//! Palisade request validation: the request body is checked against the OpenAPI contract of the
//! operation it calls, before anything of it reaches the upstream.
//!
//! Phases: request headers (path canonicalised, operation found in the inventory, `Content-Type`
//! matched against what the operation declares, `Content-Length` against the limit) and request
//! body (buffered to the end of the stream within the limit, parsed by the strict JSON guard,
//! validated against the operation's schema). Refusals are RFC 9457 problems: 400 with a JSON
//! pointer per violation, 413 for size, 415 for media type. Paths the inventory does not know
//! are left to authz; the operation authz matched (filter state) is preferred to our own lookup.
//! While the body is buffered the headers either wait too (`hold_request_headers`, which needs
//! Envoy's `allow_on_headers_stop_iteration`) or go on, and a refused body resets the upstream
//! request.
//!
//! Hands on: the decision for stage `validate` in filter state (`palisade.decision.validate`),
//! which audit reads. Nothing else; the body is forwarded unchanged.

pub mod body;
pub mod flow;
pub mod glue;
pub mod head;
pub mod media;
pub mod refusal;
pub mod schema;
pub mod settings;
pub mod stream;

#[cfg(test)]
mod tests;

#[cfg(feature = "entry")]
proxy_wasm::main! {{
    proxy_wasm::set_log_level(proxy_wasm::types::LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn proxy_wasm::traits::RootContext> {
        Box::new(glue::Root::default())
    });
}}
