//! A provider's JSON Web Key Set turned into a table of verification keys.
//!
//! Each usable key is checked once, when the set is loaded (see [`read`] for what is usable);
//! its DER SubjectPublicKeyInfo is built then too, so a request only looks a key up. Keys the
//! filter cannot use are skipped, never guessed at. A set may also hold the provider's
//! configured HMAC secrets, added by [`KeySet::with_secrets`]; a document never supplies one.

pub mod discovery;
mod key;
mod read;

pub use key::{Curve, KeyMaterial, Secret, VerificationKey};
pub use read::{read_key, MAX_KID_BYTES};

use crate::alg::Algorithm;
use palisade_shared::json::{self, Limits};
use serde_json::Value;

/// Largest JWKS document accepted from the provider.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// Most entries a set may list, usable or not.
const MAX_KEYS: usize = 32;

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<VerificationKey>,
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
        let keys: Vec<VerificationKey> = entries
            .iter()
            .filter_map(Value::as_object)
            .filter_map(read_key)
            .collect();
        if keys.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        Ok(KeySet { keys })
    }

    /// This set plus the provider's configured secrets.
    pub fn with_secrets(mut self, secrets: &[VerificationKey]) -> KeySet {
        self.keys.extend_from_slice(secrets);
        self
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key for a token's `alg` and `kid`; `kid` may be absent only when the set has one key.
    pub fn select(&self, alg: Algorithm, kid: Option<&str>) -> Result<&VerificationKey, KeyError> {
        let named: Vec<&VerificationKey> = match kid {
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

#[cfg(test)]
#[path = "jwks_tests.rs"]
mod tests;
