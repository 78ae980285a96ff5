//! Palisade output: nothing leaves that the API contract does not declare.
//!
//! Acts in three phases.
//! - Request headers: takes the operation (method + path template) that authz matched
//!   (`palisade.operation`), or finds it in the OpenAPI inventory itself when authz did not run,
//!   and removes `accept-encoding` when a response of that operation may need filtering, so that
//!   the upstream answers with a body the filter can read.
//! - Response headers: removes `server` and `x-powered-by`, sets `x-content-type-options:
//!   nosniff` and `cache-control: no-store`, and decides ([`decide`]) what the document says
//!   about the body, by status (`200`, then `2XX`, then `default`) and media type (essence,
//!   case-insensitive; `text/json` and `+json` types are JSON; see [`media`]).
//! - Response body: a JSON body with a schema is buffered to its end and loses every property the
//!   schema does not declare ([`plan`] says exactly what is declared). A body without
//!   `content-type` is buffered and sniffed: if it parses as JSON it is treated as
//!   `application/json`, else as `application/octet-stream`.
//!
//! Fail closed, for every request that matched an operation (authz's `palisade.operation`, or
//! this filter's own lookup):
//! - a body the document does not describe (status not declared, or no declared media type fits)
//!   never leaves. For a 4xx or 5xx status it is replaced by a generic problem document of the
//!   same status (`urn:palisade:problem:upstream-error`, no upstream detail); for any other status
//!   it is withheld with a 502 (`undeclared-response`): a success the contract does not promise
//!   is not passed on. Operations listed in `pass_undeclared_responses` let such bodies pass.
//! - a body that should be pruned but cannot be (not JSON, compressed, larger than
//!   `max_body_bytes`) is withheld (`unfilterable-response`).
//!
//! When this is known from the head, the head becomes the problem's (502, or the error status
//! kept). When it is known only from the body (a parse failure, a sniffed body, a body that
//! outgrows the limit), the head has already gone out, so the client gets the upstream's status
//! with the problem document as body. Responses without a body (HEAD, 204, 304,
//! `content-length: 0`) and upgrades (101: the bytes that follow are another protocol) are left
//! alone apart from the security headers.
//!
//! Hands to audit its decision (`palisade.decision.output`): allow with reason `filtered`,
//! `error-sanitised`, or why nothing was filtered (`no-body`, `informational`, `no-operation`,
//! `not-json`, `no-schema`, `undeclared-passed`), or deny with `undeclared-response`,
//! `response-not-json`, `response-encoded` or `response-too-large` and status 502.
//!
//! Requests that match no operation of this filter's document (also when authz matched one the
//! document lacks) pass unchanged apart from the headers; with authz in the chain they never
//! reach the upstream. Local replies of earlier filters (authn, authz, validate) do not pass
//! through this filter at all: Envoy sends them through the filters before the one that replied;
//! they carry their own `nosniff` and `no-store`. The router's own replies (a 503 when the
//! upstream cannot be reached) do, and are sanitised like any undeclared error.

pub mod config;
pub mod decide;
#[cfg(target_arch = "wasm32")]
mod glue;
pub mod media;
pub mod plan;
pub mod prune;
pub mod refusal;
pub mod responses;
pub mod stream;

pub use config::{Config, Filter};

#[cfg(test)]
mod tests;
