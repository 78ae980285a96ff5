//! One failure counter in shared data, and how a key finds its slot.
//!
//! Shared data never shrinks, so each kind of key owns a fixed number of slots: a key is hashed
//! to a slot and probes a few neighbours. A slot held by another key is taken over only once
//! that key is idle (not locked out, no failure left to remember); when every probed slot is
//! busy the key shares the first one, which can only make a lockout come earlier.

use super::config::ThrottleConfig;
use crate::refresh::fingerprint;
use palisade_shared::shared_data::{SharedData, WriteError};

/// How many neighbouring slots a key may probe.
const PROBES: u64 = 4;

/// The stored counter of one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counter {
    pub fingerprint: u64,
    pub failures: u64,
    pub window_start_ms: u64,
    pub locked_until_ms: u64,
    /// Lockouts so far, for the doubling; forgotten `max_lockout` after the last lockout ended.
    pub lockouts: u64,
    pub last_failure_ms: u64,
}

impl Counter {
    pub fn encode(&self) -> Vec<u8> {
        let words = [
            self.fingerprint,
            self.failures,
            self.window_start_ms,
            self.locked_until_ms,
            self.lockouts,
            self.last_failure_ms,
        ];
        words.iter().flat_map(|word| word.to_le_bytes()).collect()
    }

    pub fn decode(bytes: &[u8]) -> Option<Counter> {
        let word = |i: usize| -> Option<u64> {
            let chunk: [u8; 8] = bytes.get(i * 8..i * 8 + 8)?.try_into().ok()?;
            Some(u64::from_le_bytes(chunk))
        };
        Some(Counter {
            fingerprint: word(0)?,
            failures: word(1)?,
            window_start_ms: word(2)?,
            locked_until_ms: word(3)?,
            lockouts: word(4)?,
            last_failure_ms: word(5)?,
        })
    }

    /// Whether nothing about this key needs remembering any more at `now`.
    pub fn is_idle(&self, config: &ThrottleConfig, now: u64) -> bool {
        let memory = config.window_ms.max(config.max_lockout_ms);
        let quiet_since = self.locked_until_ms.max(self.last_failure_ms);
        now >= quiet_since.saturating_add(memory)
    }
}

/// Where a key's counter lives: the slot's shared-data key, what it holds and its CAS token.
pub struct Located {
    pub key: String,
    pub counter: Counter,
    pub cas: Option<u32>,
    /// Whether the slot is the key's own (or free for it) rather than shared with another key.
    pub own: bool,
}

/// The shared-data key of slot `index` of kind `kind`.
pub fn slot_key(kind: &str, index: u64) -> String {
    format!("palisade.authn.throttle.{kind}.{index}")
}

/// Finds the slot of `key` (of kind `kind`, e.g. `src`).
pub fn locate(
    store: &dyn SharedData,
    config: &ThrottleConfig,
    kind: &str,
    key: &str,
    now: u64,
) -> Result<Located, WriteError> {
    let print = fingerprint(&format!("{kind}\u{0}{key}"));
    let slots = config.slots.max(1);
    let first = print % slots;
    let mut free: Option<Located> = None;
    let mut shared: Option<Located> = None;
    for probe in 0..PROBES.min(slots) {
        let slot_key = slot_key(kind, (first + probe) % slots);
        let (bytes, cas) = store.read(&slot_key)?;
        let stored = bytes.as_deref().and_then(Counter::decode);
        let located = |counter: Counter, own: bool| Located {
            key: slot_key.clone(),
            counter,
            cas,
            own,
        };
        match stored {
            Some(counter) if counter.fingerprint == print => return Ok(located(counter, true)),
            Some(counter) if !counter.is_idle(config, now) => {
                shared.get_or_insert(located(counter, false));
            }
            _ => {
                let fresh = Counter {
                    fingerprint: print,
                    ..Counter::default()
                };
                free.get_or_insert(located(fresh, true));
                // Slots are never deleted: the key cannot sit beyond a slot never written.
                if bytes.is_none() {
                    break;
                }
            }
        }
    }
    free.or(shared).ok_or(WriteError::Host)
}
