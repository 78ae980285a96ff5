//! Palisade audit: one JSON record per request, written through Envoy's log.
//!
//! Placed first among the Palisade filters, so its response callbacks run last; it acts only in
//! the log phase (`on_log`), when every filter's decision and any local reply are known. It reads
//! what the other filters left in filter state — the principal (`palisade.principal`), the
//! matched operation (`palisade.operation`) and each stage's decision
//! (`palisade.decision.<stage>`; authn records only refusals, and a principal without one was
//! admitted) — and Envoy's request and response attributes, and writes one
//! line `palisade-audit <json>` at info level (the record's shape is
//! `schemas/audit-record.schema.json`). It hands nothing on and never refuses a request.
//!
//! The record never holds a credential, a header, a body or the query string (which may carry
//! secrets): the path is written without its query and its `;` path parameters, cut to
//! `max_path_bytes` ([`path`]). Its outcome says who kept the client from the API's answer: a
//! stage, or Envoy itself for errors it answered on its own ([`outcome`]).

pub mod clock;
pub mod config;
#[cfg(target_arch = "wasm32")]
mod glue;
pub mod outcome;
pub mod path;
pub mod record;

pub use config::Config;
pub use record::Record;

#[cfg(test)]
mod tests;
