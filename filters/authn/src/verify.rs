//! Signature verification behind one small trait, with two implementations.
//!
//! [`HostVerifier`] asks Envoy's `verify_signature` foreign function (BoringSSL, fast) for RSA
//! PKCS#1 v1.5 and ECDSA, and hands PS*, EdDSA and HMAC — which Envoy cannot check — to
//! [`PureRustVerifier`] (the `rsa`, `p256`, `p384`, `ed25519-dalek` and `hmac` crates inside the
//! VM). [`AutoVerifier`] prefers the host and falls back for good once the host says it has no
//! such function. Every implementation refuses signatures of the wrong shape first (see
//! [`shape`]). The hash always follows from the algorithm the key was selected for, never from
//! anything else in the token.

mod hmac;
mod host;
mod pure;
mod shape;

pub use host::{encode_arguments, ForeignCallError, HostVerifier, VerifySignatureResult};
pub use pure::PureRustVerifier;
pub use shape::{ecdsa_halves, has_valid_shape, P256_ORDER, P384_ORDER};

use crate::alg::Algorithm;
use crate::jwks::VerificationKey;
use std::cell::Cell;

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
        key: &VerificationKey,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<bool, VerifyError>;
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
        key: &VerificationKey,
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
