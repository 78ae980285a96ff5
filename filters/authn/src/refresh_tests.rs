use super::shared::SharedDocument;
use super::*;
use palisade_shared::shared_data::{FakeSharedData, SharedData};

fn timing() -> Timing {
    Timing {
        refresh: Duration::from_secs(300),
        retry: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
    }
}

fn document(store: &FakeSharedData) -> SharedDocument<'_> {
    SharedDocument {
        store,
        key: "palisade.authn.jwks.0",
        source: 7,
    }
}

#[test]
fn the_schedule_retries_fast_until_loaded_then_refreshes_slowly() {
    let timing = timing();
    let never = Meta::default();
    assert!(never.is_due(&timing, false, 0));
    let cases = [
        // (record, early, now, due)
        (
            Meta {
                attempted_ms: 1_000,
                ..never
            },
            false,
            2_999,
            false,
        ),
        (
            Meta {
                attempted_ms: 1_000,
                ..never
            },
            false,
            3_000,
            true,
        ),
        (
            Meta {
                lease_until_ms: 9_000,
                ..never
            },
            false,
            8_999,
            false,
        ),
        (
            Meta {
                version: 1,
                fetched_ms: 0,
                ..never
            },
            false,
            299_999,
            false,
        ),
        (
            Meta {
                version: 1,
                fetched_ms: 0,
                ..never
            },
            false,
            300_000,
            true,
        ),
        (
            Meta {
                version: 1,
                attempted_ms: 100,
                failing: true,
                ..never
            },
            false,
            2_100,
            true,
        ),
        (
            Meta {
                version: 1,
                attempted_ms: 100,
                ..never
            },
            true,
            10_099,
            false,
        ),
        (
            Meta {
                version: 1,
                attempted_ms: 100,
                ..never
            },
            true,
            10_100,
            true,
        ),
    ];
    for (meta, early, now, due) in cases {
        assert_eq!(
            meta.is_due(&timing, early, now),
            due,
            "{meta:?} early={early} now={now}"
        );
    }
}

#[test]
fn the_record_round_trips_and_refuses_other_shapes() {
    let meta = Meta {
        version: 3,
        fetched_ms: 4,
        attempted_ms: 5,
        lease_until_ms: 6,
        failing: true,
        source: 8,
    };
    assert_eq!(Meta::decode(&meta.encode()), Some(meta));
    assert_eq!(Meta::decode(&meta.encode()[1..]), None);
    assert_eq!(Meta::decode(&[]), None);
}

#[test]
fn only_one_root_context_wins_the_lease() {
    let store = FakeSharedData::default();
    let timing = timing();
    assert_eq!(document(&store).claim(&timing, false, 1_000), Ok(true));
    assert_eq!(document(&store).claim(&timing, false, 1_001), Ok(false));
    assert_eq!(document(&store).claim(&timing, true, 6_999), Ok(false));
    // The lease lapses after timeout plus margin: a lost fetch cannot stall the schedule.
    assert_eq!(document(&store).claim(&timing, false, 8_000), Ok(true));
}

#[test]
fn a_published_document_reaches_every_reader_once() {
    let store = FakeSharedData::default();
    let timing = timing();
    assert_eq!(document(&store).newer(0), Ok(None));
    assert_eq!(document(&store).claim(&timing, false, 0), Ok(true));
    assert_eq!(document(&store).publish(b"{\"keys\":[]}", 100), Ok(1));
    let (version, body) = document(&store).newer(0).unwrap().unwrap();
    assert_eq!((version, body.as_slice()), (1, b"{\"keys\":[]}".as_slice()));
    assert_eq!(document(&store).newer(1), Ok(None));
    assert_eq!(
        document(&store).claim(&timing, false, 200),
        Ok(false),
        "not due again yet"
    );
    assert_eq!(document(&store).claim(&timing, false, 300_100), Ok(true));
    assert_eq!(document(&store).publish(b"v2", 300_200), Ok(2));
    assert_eq!(document(&store).newer(1).unwrap().unwrap().0, 2);
}

#[test]
fn a_failure_releases_the_lease_and_keeps_the_last_document() {
    let store = FakeSharedData::default();
    let timing = timing();
    assert_eq!(document(&store).claim(&timing, false, 0), Ok(true));
    assert_eq!(document(&store).publish(b"good", 10), Ok(1));
    assert_eq!(document(&store).claim(&timing, false, 300_010), Ok(true));
    assert_eq!(document(&store).fail(), Ok(()));
    assert_eq!(document(&store).claim(&timing, false, 302_009), Ok(false));
    assert_eq!(
        document(&store).claim(&timing, false, 302_010),
        Ok(true),
        "retried"
    );
    assert_eq!(document(&store).newer(0).unwrap().unwrap().1, b"good");
}

#[test]
fn a_record_of_another_source_counts_as_none() {
    let store = FakeSharedData::default();
    let timing = timing();
    let other = SharedDocument {
        store: &store,
        key: "palisade.authn.jwks.0",
        source: 99,
    };
    assert_eq!(other.claim(&timing, false, 0), Ok(true));
    assert_eq!(other.publish(b"theirs", 1), Ok(1));
    assert_eq!(document(&store).newer(0), Ok(None));
    assert_eq!(document(&store).claim(&timing, false, 2), Ok(true));
}

#[test]
fn a_body_of_another_source_is_never_taken_for_ours() {
    // Our record in front of another source's body: the publish of the other source wrote its
    // body, then lost the race for the record (or failed to write it).
    let store = FakeSharedData::default();
    assert_eq!(document(&store).publish(b"ours", 1), Ok(1));
    let other = SharedDocument {
        store: &store,
        key: "palisade.authn.jwks.0",
        source: 99,
    };
    let mut theirs = 1u64.to_le_bytes().to_vec();
    theirs.extend_from_slice(&99u64.to_le_bytes());
    theirs.extend_from_slice(b"theirs");
    store
        .write("palisade.authn.jwks.0.body", &theirs, None)
        .unwrap();
    assert_eq!(document(&store).newer(0), Ok(None));
    assert_eq!(other.newer(0), Ok(None), "their record is not there either");
}

#[test]
fn a_torn_body_is_an_error_not_a_document() {
    let store = FakeSharedData::default();
    let timing = timing();
    assert_eq!(document(&store).claim(&timing, false, 0), Ok(true));
    assert_eq!(document(&store).publish(b"x", 1), Ok(1));
    store
        .write("palisade.authn.jwks.0.body", b"abc", None)
        .unwrap();
    assert!(document(&store).newer(0).is_err());
}

#[test]
fn reads_only_good_responses() {
    let body = |text: &'static [u8]| move || Some(text.to_vec());
    let status = read_response(Some(b"503"), 2, 100, body(b"{}"));
    assert_eq!(status.err(), Some(FetchError::Status));
    assert_eq!(
        read_response(None, 0, 100, || None).err(),
        Some(FetchError::Status)
    );
    let huge = read_response(Some(b"200"), 101, 100, || panic!("not read"));
    assert_eq!(huge.err(), Some(FetchError::TooLarge));
    assert_eq!(
        read_response(Some(b"200"), 2, 100, body(b"{}")),
        Ok(b"{}".to_vec())
    );
    assert_eq!(read_response(Some(b"200"), 0, 100, || None), Ok(Vec::new()));
}
