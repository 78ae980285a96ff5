//! Verification inside the VM, for what Envoy cannot check (PS*, EdDSA, HS*) and for hosts
//! without `verify_signature`.
//!
//! Uncached, RSA and ECDSA here cost hundreds of microseconds per token (the design brief
//! measured ~880 µs for RS256 and ~450 µs for ES256), so for them this is the fallback, not the
//! common path. PSS requires the salt to be as long as the digest (RFC 7518 §3.5); Ed25519 uses
//! the strict check, which refuses small-order keys and non-canonical signatures.

use super::{has_valid_shape, hmac, Verifier, VerifyError};
use crate::alg::{Algorithm, Digest, Family};
use crate::jwks::{Curve, KeyMaterial, VerificationKey};
use rsa::pkcs8::der::oid::AssociatedOid;
use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPublicKey};
use sha2::digest::DynDigest;
use sha2::{Sha256, Sha384, Sha512};

/// Verifies with pure-Rust implementations of every algorithm.
#[derive(Debug, Default, Clone, Copy)]
pub struct PureRustVerifier;

impl Verifier for PureRustVerifier {
    fn verify(
        &self,
        alg: Algorithm,
        key: &VerificationKey,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<bool, VerifyError> {
        if !has_valid_shape(alg, key, signature) {
            return Ok(false);
        }
        match &key.material {
            KeyMaterial::Rsa { modulus, exponent } => {
                verify_rsa(alg, modulus, exponent, signed, signature)
            }
            KeyMaterial::Ec { curve, point } => verify_ecdsa(*curve, point, signed, signature),
            KeyMaterial::Ed25519 { public } => Ok(verify_ed25519(public, signed, signature)),
            KeyMaterial::Secret(secret) => {
                Ok(hmac::verify(alg.digest(), &secret.0, signed, signature))
            }
        }
    }
}

fn verify_rsa(
    alg: Algorithm,
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
    let pss = alg.family() == Family::RsaPss;
    let verified = match alg.digest() {
        Digest::Sha256 => rsa_check::<Sha256>(&key, pss, signed, signature),
        Digest::Sha384 => rsa_check::<Sha384>(&key, pss, signed, signature),
        Digest::Sha512 => rsa_check::<Sha512>(&key, pss, signed, signature),
    };
    Ok(verified)
}

fn rsa_check<D>(key: &RsaPublicKey, pss: bool, signed: &[u8], signature: &[u8]) -> bool
where
    D: 'static + sha2::Digest + DynDigest + AssociatedOid + Send + Sync,
{
    let digest = D::digest(signed);
    if pss {
        key.verify(Pss::new::<D>(), &digest, signature).is_ok()
    } else {
        key.verify(Pkcs1v15Sign::new::<D>(), &digest, signature)
            .is_ok()
    }
}

fn verify_ecdsa(
    curve: Curve,
    point: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Result<bool, VerifyError> {
    use p256::ecdsa::signature::Verifier as _;
    match curve {
        Curve::P256 => {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map_err(|_| VerifyError::BadKey)?;
            let Ok(signature) = p256::ecdsa::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(key.verify(signed, &signature).is_ok())
        }
        Curve::P384 => {
            let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map_err(|_| VerifyError::BadKey)?;
            let Ok(signature) = p384::ecdsa::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(key.verify(signed, &signature).is_ok())
        }
    }
}

fn verify_ed25519(public: &[u8; 32], signed: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
        return false;
    };
    let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    key.verify_strict(signed, &signature).is_ok()
}
