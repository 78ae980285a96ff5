//! When to fetch a polled document — a provider's JWKS (or its discovery document) or the
//! revocation list — and what a fetch's response means.
//!
//! Every worker and the main thread tick on their own, so the schedule lives in Envoy shared
//! data ([`shared`]): one record per document holds the version and time of the last good
//! fetch, the time of the last attempt and a lease. A root context fetches only after winning
//! the lease with compare-and-set, so one Envoy sends one fetch per interval; every root context
//! installs a newer published version on its next tick. Until a first good document arrives,
//! attempts repeat every `retry`; afterwards every `refresh`, and early (a token named an unknown
//! `kid`) at most every [`MIN_EARLY_GAP`]. A failed fetch keeps the last good document.

pub mod shared;

use std::time::Duration;

/// Least time between two early refreshes of one document, across all workers.
pub const MIN_EARLY_GAP: Duration = Duration::from_secs(10);
/// Extra time granted to a fetch beyond its timeout before its lease lapses.
pub const LOST_MARGIN: Duration = Duration::from_secs(2);

/// How often one document is fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub refresh: Duration,
    pub retry: Duration,
    pub timeout: Duration,
}

/// The shared schedule record of one document; times are Unix milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Meta {
    /// Counts good fetches; 0 until the first.
    pub version: u64,
    pub fetched_ms: u64,
    pub attempted_ms: u64,
    /// Until then one root context holds the right to fetch.
    pub lease_until_ms: u64,
    /// Whether the last attempt failed.
    pub failing: bool,
    /// Fingerprint of the configured source, so a record of another configuration is ignored.
    pub source: u64,
}

const META_WORDS: usize = 6;

impl Meta {
    pub fn encode(&self) -> Vec<u8> {
        let words = [
            self.version,
            self.fetched_ms,
            self.attempted_ms,
            self.lease_until_ms,
            u64::from(self.failing),
            self.source,
        ];
        words.iter().flat_map(|word| word.to_le_bytes()).collect()
    }

    pub fn decode(bytes: &[u8]) -> Option<Meta> {
        if bytes.len() != META_WORDS * 8 {
            return None;
        }
        let word = |i: usize| -> Option<u64> {
            let chunk: [u8; 8] = bytes.get(i * 8..i * 8 + 8)?.try_into().ok()?;
            Some(u64::from_le_bytes(chunk))
        };
        Some(Meta {
            version: word(0)?,
            fetched_ms: word(1)?,
            attempted_ms: word(2)?,
            lease_until_ms: word(3)?,
            failing: word(4)? != 0,
            source: word(5)?,
        })
    }

    /// Whether a fetch should start at `now`; `early` when this worker wants one sooner.
    pub fn is_due(&self, timing: &Timing, early: bool, now: u64) -> bool {
        if now < self.lease_until_ms {
            return false;
        }
        if self.version == 0 || self.failing {
            let never_tried = self.attempted_ms == 0;
            return never_tried || now >= self.attempted_ms.saturating_add(millis(timing.retry));
        }
        let refresh_due = now >= self.fetched_ms.saturating_add(millis(timing.refresh));
        let early_due = early && now >= self.attempted_ms.saturating_add(millis(MIN_EARLY_GAP));
        refresh_due || early_due
    }
}

/// Why a fetch gave no usable document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchError {
    Dispatch,
    Status,
    TooLarge,
    /// The document was read but refused; the text says why (no content).
    Invalid(&'static str),
}

impl FetchError {
    pub fn reason(self) -> &'static str {
        match self {
            FetchError::Dispatch => "the request could not be dispatched",
            FetchError::Status => "the server did not answer 200",
            FetchError::TooLarge => "the response is too large",
            FetchError::Invalid(why) => why,
        }
    }
}

/// The body of a fetch's response, given its `:status`, its size and a way to read it (called
/// only when the size is acceptable).
pub fn read_response(
    status: Option<&[u8]>,
    body_size: usize,
    max_bytes: usize,
    read_body: impl FnOnce() -> Option<Vec<u8>>,
) -> Result<Vec<u8>, FetchError> {
    if status != Some(b"200".as_slice()) {
        return Err(FetchError::Status);
    }
    if body_size > max_bytes {
        return Err(FetchError::TooLarge);
    }
    let body = if body_size == 0 { None } else { read_body() };
    Ok(body.unwrap_or_default())
}

/// FNV-1a of a text, for source fingerprints and slot hashing; the text itself is not stored.
pub fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
#[path = "refresh_tests.rs"]
mod tests;
