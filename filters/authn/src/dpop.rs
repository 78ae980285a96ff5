//! DPoP, RFC 9449: access tokens bound to a key the client proves it holds on every request.
//!
//! The client sends `Authorization: DPoP <token>` and `DPoP: <proof>`, a JWT signed by its own
//! key and carrying that public key (`jwk`), the method and URI of the request, the time, a
//! unique id and the hash of the token. The token names the key's thumbprint in `cnf.jkt`. The
//! token is verified as any bearer token; then [`proof`] checks the proof, and
//! [`crate::binding`] compares the thumbprint ([`thumbprint`]) and records the `jti` in a
//! replay cache shared by every worker. Refusals carry the `DPoP` challenge ([`refusal`]).
//!
//! Per provider, `dpop` is `off` (default: the DPoP scheme is refused for its tokens),
//! `optional` (bearer or DPoP) or `required` (DPoP only). Whatever the mode, a DPoP-bound token
//! never passes as a bearer token.
//!
//! Limitation: server-provided nonces (RFC 9449 §8–9) are not issued or checked, so a proof's
//! freshness rests on `iat` within the window and the single-use `jti`.

pub mod config;
pub mod htu;
pub mod proof;
pub mod refusal;
pub mod thumbprint;

use serde::Deserialize;

/// Whether a provider's tokens may or must come with DPoP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DpopMode {
    #[default]
    Off,
    Optional,
    Required,
}

/// The request header carrying the proof.
pub const DPOP_HEADER: &str = "dpop";
