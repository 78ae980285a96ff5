//! Persisted queries: an allowlist of documents by SHA-256 digest, referred to by the query
//! text itself, by `extensions.persistedQuery.sha256Hash` (Apollo's automatic persisted
//! queries) or by a configured `documentId`.

use palisade_shared::config::ConfigError;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The allowlist as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPersisted {
    /// SHA-256 digests (64 hexadecimal digits) of the documents accepted. Required. A request
    /// whose document is not among them is refused, however cheap.
    sha256: Vec<String>,
    /// Document ids a request may send as `documentId` instead of the text, each mapped to the
    /// digest of its document (which must be listed in `sha256`). Default none.
    #[serde(default)]
    ids: BTreeMap<String, String>,
}

/// The allowlist, compiled.
#[derive(Debug)]
pub struct Persisted {
    digests: BTreeSet<String>,
    ids: BTreeSet<String>,
}

/// How a request names its document.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reference<'r> {
    pub query: Option<&'r str>,
    pub sha256: Option<&'r str>,
    pub document_id: Option<&'r str>,
}

/// What the reference leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The text is at hand: parse it and apply the limits.
    CheckText,
    /// A listed document named without its text: the upstream has it, and it was vetted when
    /// it was listed.
    Listed,
}

/// Why a reference was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersistedError {
    /// Neither a text nor (with an allowlist) a listed digest or id.
    MissingDocument,
    /// The digest sent does not match the text sent.
    DigestMismatch,
    NotListed,
    /// A `documentId` sent to an endpoint without an allowlist.
    UnknownDocumentId,
}

impl RawPersisted {
    pub fn compile(self, at: &str) -> Result<Persisted, ConfigError> {
        let mut digests = BTreeSet::new();
        for digest in &self.sha256 {
            if !is_digest(digest) {
                return Err(ConfigError::new(
                    format!("{at}.sha256"),
                    "each entry must be 64 hexadecimal digits",
                ));
            }
            digests.insert(digest.to_ascii_lowercase());
        }
        let mut ids = BTreeSet::new();
        for (id, digest) in self.ids {
            if !digests.contains(&digest.to_ascii_lowercase()) {
                let why = "must be the digest of a document listed in sha256";
                return Err(ConfigError::new(format!("{at}.ids.{id}"), why));
            }
            ids.insert(id);
        }
        Ok(Persisted { digests, ids })
    }
}

/// Judges a reference against an optional allowlist.
pub fn judge(
    allowlist: Option<&Persisted>,
    reference: Reference<'_>,
) -> Result<Outcome, PersistedError> {
    let computed = reference.query.map(sha256_hex);
    if let (Some(computed), Some(sent)) = (&computed, reference.sha256) {
        if !computed.eq_ignore_ascii_case(sent) {
            return Err(PersistedError::DigestMismatch);
        }
    }
    let Some(allowlist) = allowlist else {
        if reference.document_id.is_some() {
            return Err(PersistedError::UnknownDocumentId);
        }
        return match computed {
            Some(_) => Ok(Outcome::CheckText),
            None => Err(PersistedError::MissingDocument),
        };
    };
    if let Some(computed) = computed {
        return match allowlist.digests.contains(&computed) {
            true => Ok(Outcome::CheckText),
            false => Err(PersistedError::NotListed),
        };
    }
    let listed = match (reference.sha256, reference.document_id) {
        (Some(sent), _) => allowlist.digests.contains(&sent.to_ascii_lowercase()),
        (None, Some(id)) => allowlist.ids.contains(id),
        (None, None) => return Err(PersistedError::MissingDocument),
    };
    if listed {
        Ok(Outcome::Listed)
    } else {
        Err(PersistedError::NotListed)
    }
}

pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_digest(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}
