use super::*;
use palisade_shared::shared_data::FakeSharedData;
use std::cell::Cell;

const NOW: u64 = 1_800_000_000;

fn nonce(n: usize) -> String {
    format!("nonce-{n:011}")
}

#[test]
fn refuses_a_nonce_seen_before_for_the_same_key() {
    let shared = FakeSharedData::default();
    let cache = ReplayCache::new(1024);
    let remember = |key: &str, nonce: &str| cache.remember(&shared, key, nonce, NOW + 300, NOW);
    assert_eq!(remember("k1", "n-0000000000000001"), Ok(()));
    assert_eq!(remember("k1", "n-0000000000000002"), Ok(()));
    assert_eq!(remember("k2", "n-0000000000000001"), Ok(()), "other key");
    let replayed = Err(ReplayError::Replayed);
    assert_eq!(remember("k1", "n-0000000000000001"), replayed);
}

#[test]
fn forgets_a_nonce_once_its_timestamp_left_the_window() {
    let shared = FakeSharedData::default();
    let cache = ReplayCache::new(1024);
    assert_eq!(cache.remember(&shared, "k", "n1", NOW, NOW - 10), Ok(()));
    let replayed = Err(ReplayError::Replayed);
    assert_eq!(cache.remember(&shared, "k", "n1", NOW + 5, NOW), replayed);
    assert_eq!(
        cache.remember(&shared, "k", "n1", NOW + 301, NOW + 1),
        Ok(())
    );
}

#[test]
fn a_full_bucket_refuses_rather_than_forgets() {
    let shared = FakeSharedData::default();
    let cache = ReplayCache::new(1); // one bucket of 32
    for n in 0..ENTRIES_PER_BUCKET {
        assert_eq!(
            cache.remember(&shared, "k", &nonce(n), NOW + 10, NOW),
            Ok(())
        );
    }
    let full = Err(ReplayError::Full);
    assert_eq!(
        cache.remember(&shared, "k", &nonce(99), NOW + 10, NOW),
        full
    );
    let replayed = Err(ReplayError::Replayed);
    assert_eq!(
        cache.remember(&shared, "k", &nonce(0), NOW + 10, NOW),
        replayed
    );
    let later = NOW + 11;
    assert_eq!(
        cache.remember(&shared, "k", &nonce(99), later + 10, later),
        Ok(())
    );
}

#[test]
fn seeds_every_bucket_once() {
    let shared = FakeSharedData::default();
    let cache = ReplayCache::new(100); // 4 buckets
    assert_eq!(cache.seed(&shared), 4);
    assert_eq!(shared.len(), 4);
    assert_eq!(cache.seed(&shared), 0);
    assert_eq!(cache.remember(&shared, "k", "n", NOW, NOW), Ok(()));
    assert_eq!(cache.seed(&shared), 0, "a used bucket is left alone");
}

/// Shared data where another worker writes between our read and our write, `races` times.
struct Contended {
    inner: FakeSharedData,
    races: Cell<usize>,
    fail: bool,
}

impl SharedData for Contended {
    fn read(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), WriteError> {
        let read = self.inner.read(key)?;
        if self.races.get() > 0 {
            self.races.set(self.races.get() - 1);
            let other = Entry {
                fingerprint: [self.races.get() as u8; 16],
                keep_until: NOW + 60,
            };
            let mut entries = decode(&read.0.clone().unwrap_or_default());
            entries.push(other);
            self.inner.write(key, &encode(&entries), None)?;
        }
        Ok(read)
    }

    fn write(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), WriteError> {
        if self.fail {
            return Err(WriteError::Host);
        }
        self.inner.write(key, value, cas)
    }
}

#[test]
fn retries_when_another_worker_wrote_and_keeps_both_entries() {
    let cache = ReplayCache::new(1);
    let shared = Contended {
        inner: FakeSharedData::default(),
        races: Cell::new(0),
        fail: false,
    };
    cache.seed(&shared);
    shared.races.set(3);
    assert_eq!(cache.remember(&shared, "k", "n", NOW + 60, NOW), Ok(()));
    let (bytes, _) = shared.inner.read(&cache.bucket_key(0)).unwrap();
    assert_eq!(
        decode(&bytes.unwrap()).len(),
        4,
        "three racing entries and ours"
    );
    let replayed = Err(ReplayError::Replayed);
    assert_eq!(cache.remember(&shared, "k", "n", NOW + 60, NOW), replayed);
}

#[test]
fn fails_closed_when_shared_data_fails_or_the_race_never_ends() {
    let cache = ReplayCache::new(1);
    let failing = Contended {
        inner: FakeSharedData::default(),
        races: Cell::new(0),
        fail: true,
    };
    let unavailable = Err(ReplayError::Unavailable);
    assert_eq!(cache.remember(&failing, "k", "n", NOW, NOW), unavailable);
    let endless = Contended {
        inner: FakeSharedData::default(),
        races: Cell::new(1000),
        fail: false,
    };
    endless
        .inner
        .write(&cache.bucket_key(0), &[], None)
        .unwrap();
    assert_eq!(cache.remember(&endless, "k", "n", NOW, NOW), unavailable);
}

#[test]
fn a_damaged_bucket_keeps_its_whole_entries() {
    let entry = Entry {
        fingerprint: [7; 16],
        keep_until: 9,
    };
    let mut bytes = encode(&[entry]);
    bytes.extend_from_slice(&[1, 2, 3]);
    assert_eq!(decode(&bytes), [entry]);
}

#[test]
fn nonces_spread_over_every_bucket() {
    let shared = FakeSharedData::default();
    let cache = ReplayCache::new(512 * ENTRIES_PER_BUCKET);
    for n in 0..4096 {
        cache.remember(&shared, "k", &nonce(n), NOW, NOW).unwrap();
    }
    // 4096 nonces over 512 buckets leave (almost surely) none empty.
    assert_eq!(shared.len(), 512);
}

#[test]
fn named_caches_keep_to_their_own_buckets() {
    let shared = FakeSharedData::default();
    let hmac = ReplayCache::new(32);
    let other = ReplayCache::named("dpop", 32);
    assert_eq!(hmac.remember(&shared, "k", "n", NOW, NOW), Ok(()));
    assert_eq!(other.remember(&shared, "k", "n", NOW, NOW), Ok(()));
    let keys: Vec<String> = [&hmac, &other].iter().map(|c| c.bucket_key(0)).collect();
    assert_eq!(
        keys,
        ["palisade.authn.hmac.nonce.0", "palisade.authn.dpop.nonce.0"]
    );
    assert_eq!(shared.len(), 2);
}
