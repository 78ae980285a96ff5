//! The shape a signature must have for its algorithm and key, checked before any backend runs.
//!
//! RSA signatures are exactly as long as the modulus; ECDSA signatures are the raw `r || s` of
//! JWS (RFC 7518 §3.4), each half exactly one scalar long and within `[1, n-1]` — so a DER
//! signature, a zero or an out-of-range half never reaches a verifier; Ed25519 signatures are
//! 64 bytes; HMAC tags exactly the digest's length.

use crate::alg::{Algorithm, Family};
use crate::jwks::{Curve, KeyMaterial, VerificationKey};

/// Order `n` of the P-256 group, big-endian.
pub const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
/// Order `n` of the P-384 group, big-endian.
pub const P384_ORDER: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];
/// Length of an Ed25519 signature.
const ED25519_SIGNATURE: usize = 64;

fn order(curve: Curve) -> &'static [u8] {
    match curve {
        Curve::P256 => &P256_ORDER,
        Curve::P384 => &P384_ORDER,
    }
}

/// The halves `(r, s)` of a JWS ECDSA signature on `curve`, or `None` when it has the wrong
/// shape.
pub fn ecdsa_halves(curve: Curve, signature: &[u8]) -> Option<(&[u8], &[u8])> {
    if signature.len() != 2 * curve.size() {
        return None;
    }
    let (r, s) = signature.split_at(curve.size());
    let in_range = |half: &[u8]| half.iter().any(|b| *b != 0) && half < order(curve);
    (in_range(r) && in_range(s)).then_some((r, s))
}

/// Whether the signature has the shape `alg` and `key` call for.
pub fn has_valid_shape(alg: Algorithm, key: &VerificationKey, signature: &[u8]) -> bool {
    if !key.fits(alg) {
        return false;
    }
    match (alg.family(), &key.material) {
        (Family::RsaPkcs1 | Family::RsaPss, KeyMaterial::Rsa { modulus, .. }) => {
            signature.len() == modulus.len()
        }
        (Family::Ecdsa, KeyMaterial::Ec { curve, .. }) => ecdsa_halves(*curve, signature).is_some(),
        (Family::EdDsa, KeyMaterial::Ed25519 { .. }) => signature.len() == ED25519_SIGNATURE,
        (Family::Hmac, KeyMaterial::Secret(_)) => signature.len() == alg.digest().output_len(),
        _ => false,
    }
}
