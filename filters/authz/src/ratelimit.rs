//! Token buckets and concurrency counters shared by every Envoy worker.
//!
//! Buckets live in Envoy shared data, updated with compare-and-set so that all workers draw
//! from the same bucket. Shared data never shrinks, so each limit owns a fixed number of slots:
//! a key is hashed to a slot and probes a few neighbours; a slot held by another key is taken
//! over only once that key's bucket has refilled completely (it is idle). When every probed slot
//! is busy the request shares the first slot's bucket, which can only make the limit stricter.

use palisade_shared::shared_data::{SharedData, WriteError};

/// How many neighbouring slots a key may probe.
const PROBES: u64 = 4;
/// How often a compare-and-set is retried before the request is refused.
const CAS_ATTEMPTS: usize = 8;

/// One bucket's stored state: which key holds the slot, tokens in thousandths, last update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bucket {
    fingerprint: u64,
    milli_tokens: u64,
    updated_ms: u64,
}

impl Bucket {
    fn decode(bytes: &[u8]) -> Option<Bucket> {
        let word = |i: usize| -> Option<u64> {
            let chunk: [u8; 8] = bytes.get(i * 8..i * 8 + 8)?.try_into().ok()?;
            Some(u64::from_le_bytes(chunk))
        };
        Some(Bucket {
            fingerprint: word(0)?,
            milli_tokens: word(1)?,
            updated_ms: word(2)?,
        })
    }

    fn encode(&self) -> [u8; 24] {
        let mut out = [0u8; 24];
        let words = [self.fingerprint, self.milli_tokens, self.updated_ms];
        for (chunk, word) in out.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        out
    }
}

/// A bucket's size and refill: `capacity` requests (cost units) per `window_seconds`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSpec {
    pub name: String,
    pub capacity: u64,
    pub window_seconds: u64,
    pub slots: u64,
}

impl BucketSpec {
    /// Tokens after refilling since the last update, in thousandths.
    fn refilled(&self, bucket: &Bucket, now_ms: u64) -> u64 {
        let elapsed = now_ms.saturating_sub(bucket.updated_ms);
        let gained = elapsed.saturating_mul(self.capacity) / self.window_seconds.max(1);
        bucket
            .milli_tokens
            .saturating_add(gained)
            .min(self.capacity.saturating_mul(1000))
    }

    fn full(&self, fingerprint: u64, now_ms: u64) -> Bucket {
        Bucket {
            fingerprint,
            milli_tokens: self.capacity.saturating_mul(1000),
            updated_ms: now_ms,
        }
    }
}

/// The answer of a bucket to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    Allowed {
        remaining: u64,
        reset_seconds: u64,
    },
    Limited {
        retry_after_seconds: u64,
    },
    /// Shared data could not be updated: the caller fails closed.
    Unavailable,
}

/// The fingerprint of a slot that [`prepare`] created and no key holds yet.
const VACANT: u64 = 0;

/// Slots of the in-flight counters, shared by every principal.
const IN_FLIGHT_SLOTS: u64 = 4096;

/// Writes an empty record into every slot that has none yet. Envoy checks the CAS token only
/// for keys that exist, so without this two workers creating the same slot at once could both
/// succeed and one draw would be lost. Existing slots (a reloaded VM) are left as they are.
pub fn prepare(store: &dyn SharedData, spec: &BucketSpec) {
    for slot in 0..spec.slots.max(1) {
        create_if_absent(store, &slot_key(spec, slot));
    }
}

/// [`prepare`] for the in-flight counters.
pub fn prepare_in_flight(store: &dyn SharedData) {
    for slot in 0..IN_FLIGHT_SLOTS {
        create_if_absent(store, &in_flight_key(slot));
    }
}

fn create_if_absent(store: &dyn SharedData, key: &str) {
    if matches!(store.read(key), Ok((None, _))) {
        let empty = Bucket {
            fingerprint: VACANT,
            milli_tokens: 0,
            updated_ms: 0,
        };
        let _ = store.write(key, &empty.encode(), None);
    }
}

fn in_flight_key(slot: u64) -> String {
    format!("palisade.authz.cc.{slot}")
}

/// FNV-1a, enough to spread keys over slots; the key itself is never stored.
pub fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Draws `cost` tokens from the bucket of `key` under `spec`.
pub fn take(store: &dyn SharedData, spec: &BucketSpec, key: &str, cost: u64, now_ms: u64) -> Take {
    let fingerprint = fingerprint(&format!("{}\u{0}{key}", spec.name));
    let slots = spec.slots.max(1);
    let first = fingerprint % slots;
    let mut chosen = first;
    for probe in 0..PROBES.min(slots) {
        let slot = (first + probe) % slots;
        let stored = read_bucket(store, &slot_key(spec, slot));
        let usable = match stored {
            None => true,
            Some(bucket) => {
                bucket.fingerprint == VACANT
                    || bucket.fingerprint == fingerprint
                    || spec.refilled(&bucket, now_ms) == spec.capacity.saturating_mul(1000)
            }
        };
        if usable {
            chosen = slot;
            break;
        }
    }
    take_from_slot(
        store,
        spec,
        &slot_key(spec, chosen),
        fingerprint,
        cost,
        now_ms,
    )
}

fn slot_key(spec: &BucketSpec, slot: u64) -> String {
    format!("palisade.authz.rl.{}.{slot}", spec.name)
}

fn read_bucket(store: &dyn SharedData, key: &str) -> Option<Bucket> {
    store.read(key).ok()?.0.as_deref().and_then(Bucket::decode)
}

fn take_from_slot(
    store: &dyn SharedData,
    spec: &BucketSpec,
    key: &str,
    fingerprint: u64,
    cost: u64,
    now_ms: u64,
) -> Take {
    for _ in 0..CAS_ATTEMPTS {
        let Ok((bytes, cas)) = store.read(key) else {
            return Take::Unavailable;
        };
        let mut bucket = match bytes.as_deref().and_then(Bucket::decode) {
            Some(bucket) if bucket.fingerprint == VACANT => spec.full(fingerprint, now_ms),
            Some(bucket) if bucket.fingerprint == fingerprint => bucket,
            Some(bucket) if spec.refilled(&bucket, now_ms) < spec.capacity * 1000 => bucket,
            _ => spec.full(fingerprint, now_ms),
        };
        bucket.milli_tokens = spec.refilled(&bucket, now_ms);
        bucket.updated_ms = now_ms;
        let needed = cost.saturating_mul(1000);
        let answer = if bucket.milli_tokens >= needed {
            bucket.milli_tokens -= needed;
            Take::Allowed {
                remaining: bucket.milli_tokens / 1000,
                reset_seconds: seconds_to_refill(spec, spec.capacity * 1000 - bucket.milli_tokens),
            }
        } else {
            Take::Limited {
                retry_after_seconds: seconds_to_refill(spec, needed - bucket.milli_tokens).max(1),
            }
        };
        match store.write(key, &bucket.encode(), cas) {
            Ok(()) => return answer,
            Err(WriteError::CasMismatch) => continue,
            Err(WriteError::Host) => return Take::Unavailable,
        }
    }
    Take::Unavailable
}

/// Whole seconds until `milli_tokens` thousandths of a token have been refilled.
fn seconds_to_refill(spec: &BucketSpec, milli_tokens: u64) -> u64 {
    let per_window = spec.capacity.saturating_mul(1000).max(1);
    milli_tokens
        .saturating_mul(spec.window_seconds)
        .div_ceil(per_window)
}

/// Moves the number of requests in flight for `key` by `delta`; returns the count after, or
/// `None` when shared data could not be updated. Each key probes a few slots for its own, a
/// vacant, a released or a stale one, so that principals do not share counts; only when every
/// probed slot is busy with others does it share the first (stricter, never looser). Counts
/// older than `stale_ms` restart at zero (a worker that died cannot release its requests).
pub fn adjust_in_flight(
    store: &dyn SharedData,
    key: &str,
    delta: i64,
    now_ms: u64,
    stale_ms: u64,
) -> Option<u64> {
    let own = fingerprint(key);
    let first = own % IN_FLIGHT_SLOTS;
    let live = |b: &Bucket| now_ms.saturating_sub(b.updated_ms) <= stale_ms && b.milli_tokens > 0;
    let mut chosen = None;
    for probe in 0..PROBES {
        let slot = (first + probe) % IN_FLIGHT_SLOTS;
        match read_bucket(store, &in_flight_key(slot)) {
            Some(b) if b.fingerprint == own && live(&b) => {
                chosen = Some(slot);
                break;
            }
            Some(b) if live(&b) => continue,
            _ if delta > 0 && chosen.is_none() => chosen = Some(slot),
            _ => continue,
        }
    }
    match chosen {
        Some(slot) => update_in_flight(store, &in_flight_key(slot), own, delta, now_ms, stale_ms),
        // Nothing of ours to release.
        None if delta <= 0 => Some(0),
        // Every probed slot is busy with others: count in the first one (stricter).
        None => update_in_flight(store, &in_flight_key(first), own, delta, now_ms, stale_ms),
    }
}

fn update_in_flight(
    store: &dyn SharedData,
    slot: &str,
    own: u64,
    delta: i64,
    now_ms: u64,
    stale_ms: u64,
) -> Option<u64> {
    for _ in 0..CAS_ATTEMPTS {
        let (bytes, cas) = store.read(slot).ok()?;
        let stored = bytes.as_deref().and_then(Bucket::decode);
        let (count, holder) = match stored {
            Some(b) if now_ms.saturating_sub(b.updated_ms) <= stale_ms && b.milli_tokens > 0 => {
                (b.milli_tokens, b.fingerprint)
            }
            _ => (0, own),
        };
        let next = count.saturating_add_signed(delta);
        let record = Bucket {
            fingerprint: if next == 0 { own } else { holder },
            milli_tokens: next,
            updated_ms: now_ms,
        };
        match store.write(slot, &record.encode(), cas) {
            Ok(()) => return Some(next),
            Err(WriteError::CasMismatch) => continue,
            Err(WriteError::Host) => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_shared::shared_data::FakeSharedData;

    fn spec(capacity: u64, window_seconds: u64) -> BucketSpec {
        BucketSpec {
            name: "per-principal".into(),
            capacity,
            window_seconds,
            slots: 16,
        }
    }

    #[test]
    fn allows_up_to_capacity_then_limits_until_refilled() {
        let store = FakeSharedData::default();
        let spec = spec(3, 60);
        for expected in [2, 1, 0] {
            match take(&store, &spec, "alice", 1, 1_000) {
                Take::Allowed { remaining, .. } => assert_eq!(remaining, expected),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            take(&store, &spec, "alice", 1, 1_000),
            Take::Limited {
                retry_after_seconds: 20
            }
        );
        assert!(matches!(
            take(&store, &spec, "alice", 1, 21_000),
            Take::Allowed { .. }
        ));
    }

    #[test]
    fn keys_have_separate_buckets_and_costs_count() {
        let store = FakeSharedData::default();
        let spec = spec(10, 10);
        assert!(matches!(
            take(&store, &spec, "alice", 10, 0),
            Take::Allowed { remaining: 0, .. }
        ));
        assert!(matches!(
            take(&store, &spec, "bob", 4, 0),
            Take::Allowed { remaining: 6, .. }
        ));
        assert!(matches!(
            take(&store, &spec, "alice", 1, 0),
            Take::Limited { .. }
        ));
        assert!(matches!(
            take(&store, &spec, "bob", 7, 0),
            Take::Limited { .. }
        ));
    }

    #[test]
    fn slots_stay_bounded_whatever_the_number_of_keys() {
        let store = FakeSharedData::default();
        let spec = spec(5, 60);
        for n in 0..1000 {
            let _ = take(&store, &spec, &format!("client-{n}"), 1, 0);
        }
        assert!(store.len() <= 16, "{}", store.len());
    }

    #[test]
    fn in_flight_counts_of_keys_sharing_a_slot_stay_apart() {
        let store = FakeSharedData::default();
        let slot_of = |key: &str| fingerprint(key) % IN_FLIGHT_SLOTS;
        let alice = "alice".to_string();
        let twin = (0..200_000)
            .map(|n| format!("user-{n}"))
            .find(|key| slot_of(key) == slot_of(&alice))
            .unwrap();
        assert_eq!(adjust_in_flight(&store, &alice, 1, 0, 1000), Some(1));
        assert_eq!(adjust_in_flight(&store, &alice, 1, 0, 1000), Some(2));
        assert_eq!(adjust_in_flight(&store, &twin, 1, 0, 1000), Some(1));
        assert_eq!(adjust_in_flight(&store, &twin, -1, 0, 1000), Some(0));
        assert_eq!(adjust_in_flight(&store, &alice, -1, 0, 1000), Some(1));
    }

    #[test]
    fn in_flight_counts_go_up_and_down_and_expire() {
        let store = FakeSharedData::default();
        assert_eq!(adjust_in_flight(&store, "alice", 1, 0, 1000), Some(1));
        assert_eq!(adjust_in_flight(&store, "alice", 1, 10, 1000), Some(2));
        assert_eq!(adjust_in_flight(&store, "alice", -1, 20, 1000), Some(1));
        assert_eq!(adjust_in_flight(&store, "alice", 1, 5000, 1000), Some(1));
        assert_eq!(adjust_in_flight(&store, "alice", -5, 5001, 1000), Some(0));
    }
}

#[cfg(test)]
mod prepare_tests {
    use super::*;
    use palisade_shared::shared_data::FakeSharedData;

    #[test]
    fn prepared_slots_are_vacant_and_keep_existing_state() {
        let store = FakeSharedData::default();
        let spec = BucketSpec {
            name: "p".into(),
            capacity: 2,
            window_seconds: 60,
            slots: 4,
        };
        prepare(&store, &spec);
        assert_eq!(store.len(), 4);
        assert!(matches!(
            take(&store, &spec, "alice", 2, 5),
            Take::Allowed { remaining: 0, .. }
        ));
        prepare(&store, &spec);
        assert!(matches!(
            take(&store, &spec, "alice", 1, 5),
            Take::Limited { .. }
        ));
        assert!(matches!(
            take(&store, &spec, "bob", 1, 5),
            Take::Allowed { remaining: 1, .. }
        ));
    }
}
