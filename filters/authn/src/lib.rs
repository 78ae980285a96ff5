//! Palisade authn: who is calling.
//!
//! Acts in the request-headers phase only. Verifies a bearer JWT ([`bearer`]: from
//! `Authorization: Bearer`, or a configured header, cookie or — for listed operations — query
//! parameter) against its provider's keys: RS256/384/512, PS256/384/512, ES256/384 and EdDSA
//! from a JWKS given inline, fetched from a URI or found by OpenID discovery through an Envoy
//! cluster (one fetch per interval for all workers, through shared data), and HS256/384/512 only
//! with a configured secret. Checks issuer, audience, time window, lifetime, type and required
//! claims; refuses revoked `jti`/`sub`/`kid` ([`revocation`], a polled list reaching every worker
//! within a tick); locks out clients and claimed principals after repeated failures
//! ([`throttle`], 429); limits concurrent sessions per subject ([`sessions`]); and caches
//! verified tokens per worker. Only operations that the OpenAPI document marks public
//! (`security: []`) pass without a credential; a credential that is present is always checked.
//! Refusals are RFC 9457 problems with RFC 6750 challenges.
//!
//! Configured API keys (`x-api-key`) and HMAC-signed requests (`Authorization:
//! Palisade-HMAC-SHA256`, see `HMAC.md`) are the other credentials ([`mechanisms`]). A signed
//! request is also checked in the request-body phase: its body is buffered (the body callback
//! pauses) until it matched its `content-digest`, the headers waiting too unless
//! `hmac.hold_request_headers` is off.
//!
//! Service-to-service operations take their caller from the mTLS client certificate's SPIFFE ID
//! ([`mtls`]; also forwarded by a trusted front proxy in `x-forwarded-client-cert`, which is
//! removed from every other request). Sender-constrained tokens are checked on every request
//! ([`binding`]): RFC 8705 certificate-bound tokens against the client certificate, RFC 9449
//! DPoP-bound tokens (`Authorization: DPoP`) against their proof ([`dpop`]).
//!
//! Hands to the next filter: the [`Principal`](palisade_shared::principal::Principal) in filter
//! state (`palisade.principal`; anonymous for public calls without a token), a refusal's
//! decision (`palisade.decision.authn`; an admitted request has none, its principal records the
//! admission), and for the upstream the headers `x-palisade-subject`, `x-palisade-client-id` and
//! `x-palisade-scopes` (client-sent copies are always removed).

pub mod alg;
pub mod bearer;
pub mod binding;
pub mod cache;
pub mod claims;
pub mod config;
pub mod credential;
pub mod decide;
pub mod der;
pub mod dpop;
pub mod identity;
pub mod jwks;
pub mod keys;
pub mod mechanisms;
pub mod metrics;
pub mod mtls;
pub mod refresh;
pub mod refusal;
pub mod revocation;
pub mod sessions;
pub mod stream;
pub mod throttle;
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
