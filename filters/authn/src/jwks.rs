//! A provider's JSON Web Key Set turned into a table of verification keys.
//!
//! Each usable key is checked once, when the set is loaded: RSA moduli of 2048 to 4096 bits,
//! P-256 points that lie on the curve, `use`/`key_ops`/`alg` that allow verification with an
//! algorithm this filter implements. Its DER SubjectPublicKeyInfo is built then too, so a
//! request only looks a key up. Keys the filter cannot use are skipped, never guessed at.

use crate::alg::Algorithm;
use crate::der;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use palisade_shared::json::{self, Limits};
use serde_json::{Map, Value};

/// Largest JWKS document accepted from the provider.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// Most entries a set may list, usable or not.
const MAX_KEYS: usize = 32;
const MIN_RSA_BITS: usize = 2048;
const MAX_RSA_BITS: usize = 4096;
/// Length of one P-256 coordinate in bytes.
const P256_COORDINATE: usize = 32;

/// The numbers of a public key, as the set gave them (big-endian, leading zeros removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMaterial {
    Rsa {
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
    /// Uncompressed SEC1 point: `04 || x || y`.
    P256 {
        point: Vec<u8>,
    },
}

/// One verification key of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: Option<String>,
    pub material: KeyMaterial,
    /// The JWK's own `alg`, when it names one.
    pub alg: Option<Algorithm>,
    /// DER SubjectPublicKeyInfo, as the host's `verify_signature` takes it.
    pub spki: Vec<u8>,
}

impl PublicKey {
    /// Whether this key may verify a signature made with `alg`.
    pub fn fits(&self, alg: Algorithm) -> bool {
        let kind_fits = matches!(
            (&self.material, alg),
            (KeyMaterial::Rsa { .. }, Algorithm::Rs256)
                | (KeyMaterial::P256 { .. }, Algorithm::Es256)
        );
        kind_fits && self.alg.is_none_or(|own| own == alg)
    }
}

/// Why a whole set was refused (the last good set stays in use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwksError {
    TooLarge,
    BadJson,
    NoKeysArray,
    TooManyKeys,
    NoUsableKey,
}

impl JwksError {
    pub fn reason(self) -> &'static str {
        match self {
            JwksError::TooLarge => "jwks too large",
            JwksError::BadJson => "jwks is not valid JSON",
            JwksError::NoKeysArray => "jwks has no keys array",
            JwksError::TooManyKeys => "jwks lists too many keys",
            JwksError::NoUsableKey => "jwks has no usable verification key",
        }
    }
}

/// Why no key could be chosen for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    UnknownKid,
    KidRequired,
    WrongKeyType,
    AmbiguousKid,
}

impl KeyError {
    pub fn reason(self) -> &'static str {
        match self {
            KeyError::UnknownKid => "unknown_kid",
            KeyError::KidRequired => "kid_required",
            KeyError::WrongKeyType => "wrong_key_type",
            KeyError::AmbiguousKid => "ambiguous_kid",
        }
    }
}

/// The usable keys of one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

impl KeySet {
    /// Reads a JWKS document, keeping the keys this filter can verify with.
    pub fn parse(body: &[u8]) -> Result<KeySet, JwksError> {
        if body.len() > MAX_JWKS_BYTES {
            return Err(JwksError::TooLarge);
        }
        let document = json::parse_strict(body, &jwks_limits()).map_err(|_| JwksError::BadJson)?;
        let entries = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(JwksError::NoKeysArray)?;
        if entries.len() > MAX_KEYS {
            return Err(JwksError::TooManyKeys);
        }
        let keys: Vec<PublicKey> = entries
            .iter()
            .filter_map(Value::as_object)
            .filter_map(read_key)
            .collect();
        if keys.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        Ok(KeySet { keys })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key for a token's `alg` and `kid`; `kid` may be absent only when the set has one key.
    pub fn select(&self, alg: Algorithm, kid: Option<&str>) -> Result<&PublicKey, KeyError> {
        let named: Vec<&PublicKey> = match kid {
            Some(kid) => self
                .keys
                .iter()
                .filter(|key| key.kid.as_deref() == Some(kid))
                .collect(),
            None if self.keys.len() == 1 => self.keys.iter().collect(),
            None => return Err(KeyError::KidRequired),
        };
        if named.is_empty() {
            return Err(KeyError::UnknownKid);
        }
        let mut fitting = named.into_iter().filter(|key| key.fits(alg));
        match (fitting.next(), fitting.next()) {
            (Some(key), None) => Ok(key),
            (None, _) => Err(KeyError::WrongKeyType),
            (Some(_), Some(_)) => Err(KeyError::AmbiguousKid),
        }
    }
}

fn jwks_limits() -> Limits {
    Limits {
        max_depth: 8,
        max_object_entries: 64,
        max_array_items: 64,
        max_string_bytes: 16 * 1024,
    }
}

/// A usable verification key from one JWK, or `None` when the entry is not one.
fn read_key(jwk: &Map<String, Value>) -> Option<PublicKey> {
    if jwk.contains_key("d") || !allows_verification(jwk) {
        return None;
    }
    let alg = match jwk.get("alg") {
        None => None,
        Some(Value::String(name)) => Some(Algorithm::from_jose(name)?),
        Some(_) => return None,
    };
    let material = match text(jwk, "kty")? {
        "RSA" => read_rsa(jwk)?,
        "EC" => read_p256(jwk)?,
        _ => return None,
    };
    let kid = match jwk.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return None,
    };
    let spki = match &material {
        KeyMaterial::Rsa { modulus, exponent } => der::rsa_spki(modulus, exponent),
        KeyMaterial::P256 { point } => der::p256_spki(point),
    };
    Some(PublicKey {
        kid,
        material,
        alg,
        spki,
    })
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

fn read_p256(jwk: &Map<String, Value>) -> Option<KeyMaterial> {
    if text(jwk, "crv")? != "P-256" {
        return None;
    }
    let x = bytes(jwk, "x")?;
    let y = bytes(jwk, "y")?;
    if x.len() != P256_COORDINATE || y.len() != P256_COORDINATE {
        return None;
    }
    let mut point = Vec::with_capacity(1 + 2 * P256_COORDINATE);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    // Refuses points off the curve and the identity, before any signature meets them.
    p256::PublicKey::from_sec1_bytes(&point).ok()?;
    Some(KeyMaterial::P256 { point })
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

#[cfg(test)]
#[path = "jwks_tests.rs"]
mod tests;
