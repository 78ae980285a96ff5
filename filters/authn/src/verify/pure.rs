//! Verification inside the VM with the `rsa` and `p256` crates, for hosts without the function.
//!
//! Uncached this costs hundreds of microseconds per token (the design brief measured ~880 µs for
//! RS256 and ~450 µs for ES256), so it is the fallback, not the common path.

use super::{has_valid_shape, Verifier, VerifyError};
use crate::alg::Algorithm;
use crate::jwks::{KeyMaterial, PublicKey};
use p256::ecdsa::signature::Verifier as _;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};

/// Verifies with pure-Rust implementations of RSA PKCS#1 v1.5 and ECDSA P-256.
#[derive(Debug, Default, Clone, Copy)]
pub struct PureRustVerifier;

impl Verifier for PureRustVerifier {
    fn verify(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<bool, VerifyError> {
        if !has_valid_shape(alg, key, signature) {
            return Ok(false);
        }
        match &key.material {
            KeyMaterial::Rsa { modulus, exponent } => {
                verify_rs256(modulus, exponent, signed, signature)
            }
            KeyMaterial::P256 { point } => verify_es256(point, signed, signature),
        }
    }
}

fn verify_rs256(
    modulus: &[u8],
    exponent: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Result<bool, VerifyError> {
    let key = RsaPublicKey::new(
        BigUint::from_bytes_be(modulus),
        BigUint::from_bytes_be(exponent),
    )
    .map_err(|_| VerifyError::BadKey)?;
    let digest = Sha256::digest(signed);
    Ok(key
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
        .is_ok())
}

fn verify_es256(point: &[u8], signed: &[u8], signature: &[u8]) -> Result<bool, VerifyError> {
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| VerifyError::BadKey)?;
    let Ok(signature) = p256::ecdsa::Signature::from_slice(signature) else {
        return Ok(false);
    };
    Ok(key.verify(signed, &signature).is_ok())
}
