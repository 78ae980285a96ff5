//! Palisade authn: who is calling.
//!
//! Acts in the request-headers phase only. Verifies an `Authorization: Bearer` JWT (RS256 or
//! ES256) against the key set that the filter fetches from each provider's JWKS URI through an
//! Envoy cluster, checks issuer, audience and time window, and caches verified tokens per worker.
//! Only operations that the OpenAPI document marks public (`security: []`) pass without a token;
//! a token that is present is always checked. Refusals are RFC 9457 problems with RFC 6750
//! challenges.
//!
//! Hands to the next filter: the [`Principal`](palisade_shared::principal::Principal) in filter
//! state (`palisade.principal`; anonymous for public calls without a token), this filter's
//! decision (`palisade.decision.authn`), and for the upstream the headers `x-palisade-subject`,
//! `x-palisade-client-id` and `x-palisade-scopes` (client-sent copies are always removed).

pub mod alg;
pub mod cache;
pub mod claims;
pub mod config;
pub mod credential;
pub mod decide;
pub mod der;
pub mod identity;
pub mod jwks;
pub mod keys;
pub mod metrics;
pub mod refresh;
pub mod refusal;
pub mod stream;
pub mod token;
pub mod verify;

pub mod glue;

#[cfg(test)]
mod testing;

#[cfg(target_arch = "wasm32")]
proxy_wasm::main! {{
    proxy_wasm::set_log_level(proxy_wasm::types::LogLevel::Trace);
    proxy_wasm::set_root_context(|context_id| Box::new(glue::AuthnRoot::new(context_id)));
}}
