//! HMAC-signed requests: a client holding a shared secret signs the method, path, query,
//! chosen headers, a timestamp and a nonce, and binds the body through `content-digest`.
//!
//! `Authorization: Palisade-HMAC-SHA256 keyId=<id>, signedHeaders=<a;b>, timestamp=<unix>,
//! nonce=<random>, signature=<base64url>`; the signature is HMAC-SHA256 under the key's secret
//! over the canonical request ([`canonical`]). The headers phase checks, in order: the
//! parameters, that every required header is signed, the key id, the canonical request, the
//! signature (constant time), the `content-digest` value, the timestamp window, the key's
//! state and validity, and last the nonce, which is stored across workers ([`replay`]) only
//! for requests whose signature held. The body is then checked against its digest ([`body`]).
//! The specification for client authors is `filters/authn/HMAC.md`.

pub mod authorization;
pub mod body;
pub mod canonical;
pub mod config;
pub mod refusal;
pub mod replay;
pub mod settle;
mod verify;

pub use verify::Verified;

use crate::mechanisms::holder::KeyHolder;
use crate::mechanisms::Redacted;
use replay::ReplayCache;
use std::collections::HashMap;

/// The header carrying the body's digest; always among the signed headers.
pub const CONTENT_DIGEST: &str = "content-digest";

/// The checked `hmac` section.
#[derive(Debug)]
pub struct HmacKeys {
    pub clock_skew_seconds: u64,
    /// Headers every signature must cover; `content-digest` is always among them.
    pub required_headers: Vec<String>,
    pub max_body_bytes: usize,
    pub hold_request_headers: bool,
    pub replay: ReplayCache,
    keys: HashMap<String, HmacKey>,
}

#[derive(Debug)]
struct HmacKey {
    secret: Redacted<Vec<u8>>,
    holder: KeyHolder,
}

#[cfg(test)]
mod tests;
