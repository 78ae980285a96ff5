//! Palisade output: nothing leaves that the API contract does not declare.
//!
//! Acts in three phases.
//! - Request headers: takes the operation (method + path template) that authz matched
//!   (`palisade.operation`), or finds it in the OpenAPI inventory itself when authz did not run,
//!   and removes `accept-encoding` when a response of that operation may need filtering, so that
//!   the upstream answers with a body the filter can read.
//! - Response headers: removes `server` and `x-powered-by`, sets `x-content-type-options:
//!   nosniff` and `cache-control: no-store`. For a JSON response whose status and media type
//!   declare a schema it removes `content-length` (the rewritten body goes out chunked).
//! - Response body: buffers such a body to its end and removes every property the schema does
//!   not declare ([`plan`] says exactly what is declared), then replaces the body.
//!
//! Fail closed: a body that should be filtered but cannot be (not JSON, compressed, larger than
//! `max_body_bytes`) never leaves. When this is known from the head (`content-encoding`, a
//! `content-length` above the limit) the response becomes a 502 `application/problem+json`.
//! When it is known only from the body, the head has already gone out, so the client gets the
//! upstream's status with the 502 problem document as body.
//!
//! Hands to audit its decision (`palisade.decision.output`): allow with reason `filtered` or why
//! nothing was filtered (`no-body`, `no-operation`, `not-json`, `no-schema`), or deny with
//! `response-not-json`, `response-encoded` or `response-too-large` and status 502.
//! Responses of other media types, of statuses without a schema and of requests that match no
//! operation pass unchanged apart from the headers. Limitation: such responses (an upstream's
//! undeclared 500 page, say) are not sanitised yet; with authz in the chain, requests that match
//! no operation never reach the upstream. Local replies of earlier filters (authn, authz,
//! validate) do not pass through this filter at all: Envoy sends them through the filters
//! before the one that replied; they carry their own `nosniff` and `no-store`.

pub mod config;
#[cfg(target_arch = "wasm32")]
mod glue;
pub mod plan;
pub mod prune;
pub mod responses;
pub mod stream;

pub use config::{Config, Filter};

#[cfg(test)]
mod tests;
