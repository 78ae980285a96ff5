//! Signature verification behind one small trait, with two implementations.
//!
//! [`HostVerifier`] asks Envoy's `verify_signature` foreign function (BoringSSL, fast);
//! [`PureRustVerifier`] uses the `rsa` and `p256` crates inside the VM (slow, for hosts that do
//! not offer the function). [`AutoVerifier`] prefers the host and falls back for good once the
//! host says it has no such function. Every implementation refuses signatures of the wrong shape
//! first: an RS256 signature as long as the modulus, an ES256 signature of exactly 64 bytes whose
//! halves lie in `[1, n-1]`. The hash always follows from the algorithm the key was selected for,
//! never from anything else in the token.

mod host;
mod pure;

pub use host::{encode_arguments, ForeignCallError, HostVerifier, VerifySignatureResult};
pub use pure::PureRustVerifier;

use crate::alg::Algorithm;
use crate::jwks::{KeyMaterial, PublicKey};
use std::cell::Cell;

/// Order `n` of the P-256 group, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
/// Length of a JWS ES256 signature: `r || s`, 32 bytes each.
const ES256_SIGNATURE: usize = 64;

/// Why a verification could not give an answer (as opposed to answering "invalid").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// The host offers no `verify_signature` function.
    Unavailable,
    /// The host call failed; the text is for the operator's log.
    Host(String),
    /// The key could not be used although the set accepted it.
    BadKey,
}

/// Checks one signature over `signed` with `key`, for a token whose `alg` was accepted.
pub trait Verifier {
    /// `Ok(true)` when the signature is valid, `Ok(false)` when it is not.
    fn verify(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<bool, VerifyError>;
}

/// The halves `(r, s)` of an ES256 signature, or `None` when it has the wrong shape.
pub fn es256_halves(signature: &[u8]) -> Option<(&[u8], &[u8])> {
    if signature.len() != ES256_SIGNATURE {
        return None;
    }
    let (r, s) = signature.split_at(ES256_SIGNATURE / 2);
    (is_scalar(r) && is_scalar(s)).then_some((r, s))
}

/// Whether a 32-byte big-endian number lies in `[1, n-1]`.
fn is_scalar(value: &[u8]) -> bool {
    value.iter().any(|b| *b != 0) && value < P256_ORDER.as_slice()
}

/// Whether the signature has the shape `alg` and `key` call for; checked before any backend.
pub fn has_valid_shape(alg: Algorithm, key: &PublicKey, signature: &[u8]) -> bool {
    match (alg, &key.material) {
        (Algorithm::Rs256, KeyMaterial::Rsa { modulus, .. }) => signature.len() == modulus.len(),
        (Algorithm::Es256, KeyMaterial::P256 { .. }) => es256_halves(signature).is_some(),
        _ => false,
    }
}

/// The host's function when it has one, pure Rust otherwise.
pub struct AutoVerifier<H> {
    host: H,
    pure: PureRustVerifier,
    host_missing: Cell<bool>,
}

impl<H: Verifier> AutoVerifier<H> {
    pub fn new(host: H) -> Self {
        AutoVerifier {
            host,
            pure: PureRustVerifier,
            host_missing: Cell::new(false),
        }
    }

    /// Whether verification now runs in pure Rust because the host lacked the function.
    pub fn fell_back(&self) -> bool {
        self.host_missing.get()
    }
}

impl<H: Verifier> Verifier for AutoVerifier<H> {
    fn verify(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<bool, VerifyError> {
        if !self.host_missing.get() {
            match self.host.verify(alg, key, signed, signature) {
                Err(VerifyError::Unavailable) => self.host_missing.set(true),
                answer => return answer,
            }
        }
        self.pure.verify(alg, key, signed, signature)
    }
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
