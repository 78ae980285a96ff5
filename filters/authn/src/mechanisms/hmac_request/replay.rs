//! Nonces seen recently, shared by every worker through Envoy's shared data.
//!
//! The cache is a fixed number of buckets, shared-data keys `palisade.authn.hmac.nonce.<n>`
//! (another namespace than `hmac` for other one-time values, see [`ReplayCache::named`]),
//! each holding at most 32 entries: 16 bytes of SHA-256 over key id and nonce, and the Unix
//! second until which the entry must be kept (the request's timestamp plus the allowed skew;
//! after that the timestamp check refuses the request anyway). Inserting reads the bucket,
//! drops expired entries, refuses a known nonce, appends, and writes with compare-and-set,
//! retrying when another worker wrote in between. A bucket full of live entries refuses the
//! insert — the request gets a 503 — instead of forgetting a nonce that could then be replayed.
//!
//! Limitation: Envoy's shared data ignores the CAS token for a key that does not exist yet, so
//! two workers creating the same bucket at once could both succeed. Every bucket is therefore
//! created ([`ReplayCache::seed`]) when the plugin is configured, before requests arrive.

use palisade_shared::shared_data::{SharedData, WriteError};
use sha2::{Digest, Sha256};

/// Entries one bucket holds.
pub const ENTRIES_PER_BUCKET: usize = 32;
const FINGERPRINT_BYTES: usize = 16;
const ENTRY_BYTES: usize = FINGERPRINT_BYTES + 8;
/// Compare-and-set attempts before giving up (fail closed).
const MAX_ATTEMPTS: usize = 16;

/// Why a nonce was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayError {
    Replayed,
    /// Every entry of the nonce's bucket is still live.
    Full,
    /// Shared data failed, or other workers kept winning the race.
    Unavailable,
}

/// The bucket layout; the entries themselves live in shared data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayCache {
    namespace: &'static str,
    buckets: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    fingerprint: [u8; FINGERPRINT_BYTES],
    keep_until: u64,
}

impl ReplayCache {
    /// Room for about `entries` signature nonces.
    pub fn new(entries: usize) -> ReplayCache {
        ReplayCache::named("hmac", entries)
    }

    /// A cache of its own for another kind of one-time value (e.g. DPoP proof ids), in the
    /// buckets `palisade.authn.<namespace>.nonce.<n>`, so neither fills the other's slots.
    pub fn named(namespace: &'static str, entries: usize) -> ReplayCache {
        let buckets = entries.div_ceil(ENTRIES_PER_BUCKET).max(1);
        ReplayCache {
            namespace,
            buckets: u32::try_from(buckets).unwrap_or(u32::MAX),
        }
    }

    /// Creates every bucket that does not exist yet; returns how many it created.
    pub fn seed(&self, shared: &dyn SharedData) -> usize {
        (0..self.buckets)
            .map(|index| self.bucket_key(index))
            .filter(|key| matches!(shared.read(key), Ok((None, None))))
            .filter(|key| shared.write(key, &[], None).is_ok())
            .count()
    }

    /// Stores the nonce of `key_id` until `keep_until`, unless it is already there.
    pub fn remember(
        &self,
        shared: &dyn SharedData,
        key_id: &str,
        nonce: &str,
        keep_until: u64,
        now: u64,
    ) -> Result<(), ReplayError> {
        let digest = Sha256::new()
            .chain_update(key_id.as_bytes())
            .chain_update(b"\n")
            .chain_update(nonce.as_bytes())
            .finalize();
        let fingerprint: [u8; FINGERPRINT_BYTES] = digest
            .get(..FINGERPRINT_BYTES)
            .and_then(|bytes| bytes.try_into().ok())
            .unwrap_or_default();
        let entry = Entry {
            fingerprint,
            keep_until,
        };
        let key = self.bucket_key(self.bucket_of(&fingerprint));
        for _ in 0..MAX_ATTEMPTS {
            let (value, cas) = shared.read(&key).map_err(|_| ReplayError::Unavailable)?;
            let entries = admit(decode(&value.unwrap_or_default()), entry, now)?;
            match shared.write(&key, &encode(&entries), cas) {
                Ok(()) => return Ok(()),
                Err(WriteError::CasMismatch) => continue,
                Err(WriteError::Host) => return Err(ReplayError::Unavailable),
            }
        }
        Err(ReplayError::Unavailable)
    }

    /// The bucket of a fingerprint: its first 24 bits (more than the most buckets configured)
    /// modulo the number of buckets.
    fn bucket_of(&self, fingerprint: &[u8; FINGERPRINT_BYTES]) -> u32 {
        let [a, b, c, ..] = *fingerprint;
        u32::from_be_bytes([0, a, b, c]) % self.buckets.max(1)
    }

    fn bucket_key(&self, index: u32) -> String {
        format!("palisade.authn.{}.nonce.{index}", self.namespace)
    }
}

/// The bucket's live entries with `entry` added, or why it cannot be added.
fn admit(mut entries: Vec<Entry>, entry: Entry, now: u64) -> Result<Vec<Entry>, ReplayError> {
    entries.retain(|e| e.keep_until >= now);
    if entries.iter().any(|e| e.fingerprint == entry.fingerprint) {
        return Err(ReplayError::Replayed);
    }
    if entries.len() >= ENTRIES_PER_BUCKET {
        return Err(ReplayError::Full);
    }
    entries.push(entry);
    Ok(entries)
}

/// Whole entries only: a damaged tail is dropped rather than trusted.
fn decode(bytes: &[u8]) -> Vec<Entry> {
    bytes
        .chunks_exact(ENTRY_BYTES)
        .filter_map(|chunk| {
            let (fingerprint, keep_until) = chunk.split_at(FINGERPRINT_BYTES);
            Some(Entry {
                fingerprint: fingerprint.try_into().ok()?,
                keep_until: u64::from_be_bytes(keep_until.try_into().ok()?),
            })
        })
        .collect()
}

fn encode(entries: &[Entry]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(entries.len() * ENTRY_BYTES);
    for entry in entries {
        bytes.extend_from_slice(&entry.fingerprint);
        bytes.extend_from_slice(&entry.keep_until.to_be_bytes());
    }
    bytes
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
