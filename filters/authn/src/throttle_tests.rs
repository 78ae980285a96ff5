use super::*;
use palisade_shared::shared_data::FakeSharedData;

fn config() -> ThrottleConfig {
    ThrottleConfig {
        max_failures: 3,
        window_ms: 60_000,
        lockout_ms: 30_000,
        max_lockout_ms: 100_000,
        per_source: true,
        per_principal: true,
        slots: 16,
    }
}

fn fail_times(
    throttle: &Throttle<'_>,
    subject: &Subject<'_>,
    times: usize,
    now: u64,
) -> Option<u64> {
    let mut last = None;
    for _ in 0..times {
        last = throttle.failed(subject, now).unwrap();
    }
    last
}

#[test]
fn locks_out_after_the_maximum_failures_in_a_window() {
    let store = FakeSharedData::default();
    let config = config();
    let throttle = Throttle::over(&store, &config);
    let source = Subject::Source("10.0.0.1");
    assert_eq!(fail_times(&throttle, &source, 2, 1_000), None);
    assert_eq!(throttle.retry_after(&source, 1_000), Ok(None));
    assert_eq!(throttle.failed(&source, 1_500), Ok(Some(30)));
    assert_eq!(throttle.retry_after(&source, 1_500), Ok(Some(30)));
    assert_eq!(throttle.retry_after(&source, 31_000), Ok(Some(1)));
    assert_eq!(throttle.retry_after(&source, 31_500), Ok(None));
    let other = Subject::Source("10.0.0.2");
    assert_eq!(
        throttle.retry_after(&other, 1_500),
        Ok(None),
        "other sources are not locked"
    );
}

#[test]
fn failures_outside_the_window_do_not_add_up() {
    let store = FakeSharedData::default();
    let config = config();
    let throttle = Throttle::over(&store, &config);
    let source = Subject::Source("10.0.0.1");
    assert_eq!(fail_times(&throttle, &source, 2, 0), None);
    assert_eq!(fail_times(&throttle, &source, 2, 60_000), None);
    assert_eq!(throttle.failed(&source, 60_001), Ok(Some(30)));
}

#[test]
fn lockouts_double_up_to_the_maximum_and_are_forgotten_when_quiet() {
    let store = FakeSharedData::default();
    let config = config();
    let throttle = Throttle::over(&store, &config);
    let principal = Subject::Principal("idp\u{0}alice");
    let expected = [30, 60, 100, 100];
    let mut now = 0;
    for lockout in expected {
        assert_eq!(
            fail_times(&throttle, &principal, 3, now),
            Some(lockout),
            "at {now}"
        );
        now += lockout * 1000;
    }
    now += 100_000;
    assert_eq!(
        fail_times(&throttle, &principal, 3, now),
        Some(30),
        "forgotten after quiet"
    );
}

#[test]
fn a_success_clears_the_principal_count() {
    let store = FakeSharedData::default();
    let config = config();
    let throttle = Throttle::over(&store, &config);
    let principal = Subject::Principal("idp\u{0}alice");
    assert_eq!(fail_times(&throttle, &principal, 2, 0), None);
    throttle.succeeded(&principal, 10).unwrap();
    assert_eq!(
        fail_times(&throttle, &principal, 2, 20),
        None,
        "the count restarted"
    );
    assert_eq!(throttle.failed(&principal, 30), Ok(Some(30)));
}

#[test]
fn disabled_kinds_are_not_counted() {
    let store = FakeSharedData::default();
    let config = ThrottleConfig {
        per_source: false,
        ..config()
    };
    let throttle = Throttle::over(&store, &config);
    let source = Subject::Source("10.0.0.1");
    assert_eq!(fail_times(&throttle, &source, 10, 0), None);
    assert_eq!(throttle.retry_after(&source, 0), Ok(None));
    assert!(store.is_empty());
}

#[test]
fn slots_stay_bounded_and_busy_slots_are_shared_not_reset() {
    let store = FakeSharedData::default();
    let config = config();
    let throttle = Throttle::over(&store, &config);
    for n in 0..500 {
        let key = format!("10.1.{}.{}", n / 256, n % 256);
        let _ = throttle.failed(&Subject::Source(&key), 0);
    }
    // The 16 slots and the index of source lockouts.
    assert!(store.len() <= 16 + 1, "{}", store.len());
    // A success of a key that only shares a slot must not clear the other key's failures.
    for n in 0..500 {
        let key = format!("idp\u{0}user-{n}");
        throttle.succeeded(&Subject::Principal(&key), 1).unwrap();
    }
}

#[test]
fn reads_the_address_without_its_port() {
    let cases = [
        ("10.0.0.1:5678", Some("10.0.0.1")),
        ("[::1]:5678", Some("::1")),
        ("[2001:db8::1]:443", Some("2001:db8::1")),
        ("10.0.0.1", Some("10.0.0.1")),
        ("::1", Some("::1")),
        ("[]:1", None),
        ("", None),
    ];
    for (raw, expected) in cases {
        assert_eq!(address_without_port(raw), expected, "{raw}");
    }
}

#[test]
fn by_default_failures_are_counted_per_source_only() {
    // Anyone can claim a principal: counting failures per claimed principal would let anyone
    // lock a victim out, and no credential Palisade takes can be guessed anyway.
    let raw: crate::throttle::config::RawThrottle = serde_json::from_str("{}").unwrap();
    let checked = crate::throttle::config::load(raw).unwrap();
    assert!(checked.per_source);
    assert!(!checked.per_principal);
}

#[test]
fn the_index_says_whether_any_source_may_be_locked_out() {
    let store = FakeSharedData::default();
    let config = config();
    let throttle = Throttle::over(&store, &config);
    assert_eq!(throttle.sources_may_be_locked(0), Ok(false));
    let source = Subject::Source("10.0.0.1");
    fail_times(&throttle, &source, 2, 1_000);
    assert_eq!(
        throttle.sources_may_be_locked(1_000),
        Ok(false),
        "failures below the maximum lock nobody out"
    );
    assert_eq!(throttle.failed(&source, 1_000), Ok(Some(30)));
    assert_eq!(throttle.sources_may_be_locked(1_000), Ok(true));
    assert_eq!(throttle.sources_may_be_locked(30_999), Ok(true));
    assert_eq!(throttle.sources_may_be_locked(31_000), Ok(false));
    assert_eq!(throttle.retry_after(&source, 31_000), Ok(None));
    // A principal's lockout is indexed apart: it does not make addresses worth reading.
    let principal = Subject::Principal("idp\u{0}alice");
    fail_times(&throttle, &principal, 3, 40_000);
    assert_eq!(throttle.retry_after(&principal, 40_000), Ok(Some(30)));
    assert_eq!(throttle.sources_may_be_locked(40_000), Ok(false));
}

#[test]
fn the_index_only_rises_and_covers_every_lockout() {
    let store = FakeSharedData::default();
    let config = config();
    let throttle = Throttle::over(&store, &config);
    let (early, late) = (Subject::Source("10.0.0.1"), Subject::Source("10.0.0.2"));
    // `early` is locked out twice in a row: its second lockout doubles to 60 s.
    fail_times(&throttle, &early, 3, 0);
    assert_eq!(fail_times(&throttle, &early, 3, 30_000), Some(60));
    // `late` is locked out later but for less time: the index keeps the later end.
    assert_eq!(fail_times(&throttle, &late, 3, 40_000), Some(30));
    assert_eq!(throttle.lock_index(SOURCE_KIND, 0), Ok(90_000));
    assert_eq!(throttle.retry_after(&early, 80_000), Ok(Some(10)));
    assert_eq!(throttle.retry_after(&late, 80_000), Ok(None));
}

#[test]
fn seeding_creates_missing_indexes_and_keeps_existing_ones() {
    let store = FakeSharedData::default();
    let config = config();
    let throttle = Throttle::over(&store, &config);
    Throttle::seed(&store, &config);
    assert_eq!(throttle.lock_index(SOURCE_KIND, 0), Ok(0));
    assert_eq!(throttle.lock_index(PRINCIPAL_KIND, 0), Ok(0));
    fail_times(&throttle, &Subject::Source("10.0.0.1"), 3, 1_000);
    Throttle::seed(&store, &config);
    assert_eq!(throttle.lock_index(SOURCE_KIND, 0), Ok(31_000));
}

#[test]
fn seeding_covers_lockouts_recorded_before_there_was_an_index() {
    // A module updated in place finds the slots of the one before, and no index.
    let store = FakeSharedData::default();
    let config = config();
    let lock = |kind: &str, key: &str, until: u64| {
        let located = locate(&store, &config, kind, key, 0).unwrap();
        let counter = Counter {
            locked_until_ms: until,
            lockouts: 1,
            ..located.counter
        };
        store.write(&located.key, &counter.encode(), None).unwrap();
    };
    lock(SOURCE_KIND, "10.0.0.1", 31_000);
    lock(SOURCE_KIND, "10.0.0.2", 12_000);
    lock(PRINCIPAL_KIND, "idp\u{0}bob", 35_000);
    let throttle = Throttle::over(&store, &config);
    let (early, late) = (
        Subject::Source("10.0.0.1"),
        Subject::Principal("idp\u{0}bob"),
    );
    assert_eq!(
        throttle.retry_after(&early, 2_000),
        Ok(None),
        "no index yet"
    );
    Throttle::seed(&store, &config);
    assert_eq!(throttle.lock_index(SOURCE_KIND, 0), Ok(31_000));
    assert_eq!(throttle.retry_after(&early, 2_000), Ok(Some(29)));
    assert_eq!(throttle.retry_after(&late, 5_000), Ok(Some(30)));
    assert_eq!(throttle.sources_may_be_locked(30_000), Ok(true));
}

#[test]
fn an_index_whose_lockouts_ended_is_emptied_and_rises_again() {
    let store = FakeSharedData::default();
    let config = config();
    let throttle = Throttle::over(&store, &config);
    let stored = || store.read(&index_key(SOURCE_KIND)).unwrap().0;
    Throttle::seed(&store, &config);
    assert_eq!(
        stored(),
        Some(Vec::new()),
        "seeded empty: nobody is locked out"
    );
    let source = Subject::Source("10.0.0.1");
    assert_eq!(fail_times(&throttle, &source, 3, 1_000), Some(30));
    assert_eq!(stored(), Some(31_000u64.to_le_bytes().to_vec()));
    assert_eq!(throttle.sources_may_be_locked(30_999), Ok(true));
    assert_eq!(stored().map(|v| v.len()), Some(8), "kept while in force");
    assert_eq!(throttle.sources_may_be_locked(31_000), Ok(false));
    assert_eq!(
        stored(),
        Some(Vec::new()),
        "emptied by the first read after its end"
    );
    // The next lockout (the second of this address: 60 s) raises the emptied index again.
    assert_eq!(fail_times(&throttle, &source, 3, 40_000), Some(60));
    assert_eq!(throttle.sources_may_be_locked(40_000), Ok(true));
    assert_eq!(throttle.retry_after(&source, 99_000), Ok(Some(1)));
}

/// Shared data where another worker raises the index right after each read of it.
struct RaisedAfterRead<'a> {
    inner: &'a FakeSharedData,
    raise_to: std::cell::Cell<Option<u64>>,
}

impl SharedData for RaisedAfterRead<'_> {
    fn read(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), WriteError> {
        let read = self.inner.read(key)?;
        if let Some(until) = self.raise_to.take() {
            self.inner.write(key, &until.to_le_bytes(), read.1)?;
        }
        Ok(read)
    }

    fn write(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), WriteError> {
        self.inner.write(key, value, cas)
    }
}

#[test]
fn an_index_raised_after_it_was_read_is_not_emptied() {
    let inner = FakeSharedData::default();
    let config = config();
    let key = index_key(SOURCE_KIND);
    inner.write(&key, &5_000u64.to_le_bytes(), None).unwrap();
    let store = RaisedAfterRead {
        inner: &inner,
        raise_to: std::cell::Cell::new(Some(90_000)),
    };
    let throttle = Throttle::over(&store, &config);
    assert_eq!(
        throttle.sources_may_be_locked(6_000),
        Ok(false),
        "the value read had ended"
    );
    assert_eq!(
        inner.read(&key).unwrap().0,
        Some(90_000u64.to_le_bytes().to_vec())
    );
    assert_eq!(throttle.sources_may_be_locked(6_000), Ok(true));
}
