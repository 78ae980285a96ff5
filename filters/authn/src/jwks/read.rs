//! One JWK read into a [`VerificationKey`], or skipped.
//!
//! Only public verification keys are taken: `kty` RSA (2048 to 4096 bits, odd exponent), EC on
//! P-256 or P-384 (point checked to lie on the curve), OKP Ed25519 (point checked to decode).
//! Entries with private parts, `use` other than `sig`, `key_ops` without `verify`, an unknown
//! `alg`, an `alg` that does not fit the key type, or a `kty` of `oct` are skipped: a document
//! fetched from the network can never supply a shared secret.

use super::key::{Curve, KeyMaterial, VerificationKey};
use crate::alg::Algorithm;
use crate::der;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

const MIN_RSA_BITS: usize = 2048;
const MAX_RSA_BITS: usize = 4096;
/// Longest `kid` kept; a longer one makes the entry unusable.
pub const MAX_KID_BYTES: usize = 256;
/// JWK members that carry private key material.
const PRIVATE_MEMBERS: [&str; 6] = ["d", "p", "q", "dp", "dq", "k"];

/// A usable verification key from one JWK, or `None` when the entry is not one.
pub fn read_key(jwk: &Map<String, Value>) -> Option<VerificationKey> {
    if PRIVATE_MEMBERS.iter().any(|name| jwk.contains_key(*name)) || !allows_verification(jwk) {
        return None;
    }
    let alg = match jwk.get("alg") {
        None => None,
        Some(Value::String(name)) => Some(Algorithm::from_jose(name)?),
        Some(_) => return None,
    };
    let kid = match jwk.get("kid") {
        None => None,
        Some(Value::String(kid)) if kid.len() <= MAX_KID_BYTES => Some(kid.clone()),
        Some(_) => return None,
    };
    let material = match text(jwk, "kty")? {
        "RSA" => read_rsa(jwk)?,
        "EC" => read_ec(jwk)?,
        "OKP" => read_okp(jwk)?,
        _ => return None,
    };
    let key = VerificationKey {
        kid,
        spki: spki(&material),
        material,
        alg,
    };
    // A JWK whose own alg does not fit its key type is a publishing error: skip it.
    alg.is_none_or(|alg| key.fits(alg)).then_some(key)
}

fn spki(material: &KeyMaterial) -> Vec<u8> {
    match material {
        KeyMaterial::Rsa { modulus, exponent } => der::rsa_spki(modulus, exponent),
        KeyMaterial::Ec { curve, point } => der::ec_spki(*curve, point),
        KeyMaterial::Ed25519 { .. } | KeyMaterial::Secret(_) => Vec::new(),
    }
}

/// `use` must be `sig` and `key_ops` must include `verify`, where the JWK states them.
fn allows_verification(jwk: &Map<String, Value>) -> bool {
    let use_ok = jwk.get("use").is_none_or(|value| value == "sig");
    let ops_ok = jwk.get("key_ops").is_none_or(|ops| {
        ops.as_array()
            .is_some_and(|ops| ops.iter().any(|op| op == "verify"))
    });
    use_ok && ops_ok
}

fn read_rsa(jwk: &Map<String, Value>) -> Option<KeyMaterial> {
    let modulus = unsigned(&bytes(jwk, "n")?);
    let exponent = unsigned(&bytes(jwk, "e")?);
    let bits = bit_length(&modulus);
    let exponent_ok = exponent.len() <= 4
        && exponent.last().is_some_and(|b| b & 1 == 1)
        && bit_length(&exponent) >= 2;
    let size_ok = (MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits);
    (exponent_ok && size_ok).then_some(KeyMaterial::Rsa { modulus, exponent })
}

fn read_ec(jwk: &Map<String, Value>) -> Option<KeyMaterial> {
    let curve = Curve::from_jose(text(jwk, "crv")?)?;
    let x = bytes(jwk, "x")?;
    let y = bytes(jwk, "y")?;
    if x.len() != curve.size() || y.len() != curve.size() {
        return None;
    }
    let point = [&[0x04][..], &x, &y].concat();
    // Refuses points off the curve and the identity, before any signature meets them.
    let on_curve = match curve {
        Curve::P256 => p256::PublicKey::from_sec1_bytes(&point).is_ok(),
        Curve::P384 => p384::PublicKey::from_sec1_bytes(&point).is_ok(),
    };
    on_curve.then_some(KeyMaterial::Ec { curve, point })
}

fn read_okp(jwk: &Map<String, Value>) -> Option<KeyMaterial> {
    if text(jwk, "crv")? != "Ed25519" {
        return None;
    }
    let public: [u8; 32] = bytes(jwk, "x")?.try_into().ok()?;
    // Refuses encodings that are not a point; weak (small-order) keys fail `verify_strict`.
    ed25519_dalek::VerifyingKey::from_bytes(&public).ok()?;
    Some(KeyMaterial::Ed25519 { public })
}

fn text<'a>(jwk: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    jwk.get(name).and_then(Value::as_str)
}

fn bytes(jwk: &Map<String, Value>, name: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text(jwk, name)?).ok()
}

fn unsigned(value: &[u8]) -> Vec<u8> {
    let first = value.iter().position(|b| *b != 0).unwrap_or(value.len());
    value.get(first..).unwrap_or_default().to_vec()
}

fn bit_length(unsigned: &[u8]) -> usize {
    match unsigned.first() {
        Some(top) => unsigned.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    }
}
