//! API keys (OWASP API2, NIST SP 800-63B on memorised secrets and IA-5): long random keys,
//! stored only as hashes, each bound to one consumer with its scopes, roles and validity.
//!
//! A key looks like `pk_<id>_<secret>` ([`format`]); the id finds the entry, and the digest of
//! the whole key ([`digest`]) is compared in constant time with the configured one. The digest
//! is computed and compared even when the id is unknown, so timing does not tell which ids
//! exist. Only after the key matched are its state and validity window checked. The key is read
//! from one place per request ([`source`]) and removed before the upstream.

pub mod config;
pub mod digest;
pub mod format;
pub mod refusal;
pub mod source;

use crate::mechanisms::holder::KeyHolder;
use digest::{KeyDigest, DIGEST_BYTES};
use palisade_shared::principal::Principal;
use refusal::KeyRefusal;
use std::collections::HashMap;
use std::rc::Rc;

/// Compared against when the id is unknown, so that path costs the same as a known id.
const NO_DIGEST: [u8; DIGEST_BYTES] = [0; DIGEST_BYTES];

/// The checked `api_keys` section: where keys come from and the table of keys.
#[derive(Debug)]
pub struct ApiKeys {
    pub header: String,
    pub authorization_scheme: bool,
    pub query_parameter: Option<String>,
    digest: KeyDigest,
    entries: HashMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    hash: [u8; DIGEST_BYTES],
    holder: KeyHolder,
}

impl ApiKeys {
    /// The principal of `key` at `now` (Unix seconds), or why the key is refused.
    pub fn authenticate(&self, key: &str, now: u64) -> Result<Rc<Principal>, KeyRefusal> {
        let id = format::id_of(key).ok_or(KeyRefusal::Malformed)?;
        let entry = self.entries.get(id);
        let expected = entry.map_or(&NO_DIGEST, |entry| &entry.hash);
        let matches = self
            .digest
            .of(key)
            .is_some_and(|actual| digest::equal(&actual, expected));
        let entry = entry.ok_or(KeyRefusal::UnknownId)?;
        if !matches {
            return Err(KeyRefusal::Mismatch);
        }
        entry.holder.check(now).map_err(KeyRefusal::Unusable)?;
        Ok(Rc::clone(&entry.holder.principal))
    }
}

#[cfg(test)]
mod tests;
