use super::*;
use palisade_shared::shared_data::FakeSharedData;

fn limit(max_per_subject: u64) -> SessionLimit {
    SessionLimit {
        max_per_subject,
        slots: 16,
    }
}

#[test]
fn admits_up_to_the_limit_of_distinct_sessions_per_subject() {
    let store = FakeSharedData::default();
    let limit = limit(2);
    let admit_at = |subject: &str, session: &str, now: u64| {
        admit(&store, &limit, subject, session, now + 600, now)
    };
    assert_eq!(admit_at("alice", "s1", 0), Ok(()));
    assert_eq!(admit_at("alice", "s1", 1), Ok(()), "the same session again");
    assert_eq!(admit_at("alice", "s2", 2), Ok(()));
    assert_eq!(admit_at("alice", "s3", 3), Err(SessionError::Limit));
    assert_eq!(
        admit_at("bob", "s3", 3),
        Ok(()),
        "subjects are counted apart"
    );
}

#[test]
fn a_session_frees_its_place_when_its_token_expires() {
    let store = FakeSharedData::default();
    let limit = limit(1);
    assert_eq!(admit(&store, &limit, "alice", "s1", 100, 0), Ok(()));
    assert_eq!(
        admit(&store, &limit, "alice", "s2", 200, 99),
        Err(SessionError::Limit)
    );
    assert_eq!(admit(&store, &limit, "alice", "s2", 200, 100), Ok(()));
}

#[test]
fn refuses_when_every_probed_slot_is_busy() {
    let store = FakeSharedData::default();
    let limit = limit(1);
    let refused = (0..200)
        .filter(|n| admit(&store, &limit, &format!("user-{n}"), "s", 1_000, 0).is_err())
        .count();
    assert!(refused > 0, "a full table refuses new subjects");
    assert!(store.len() <= 16);
}

#[test]
fn slots_round_trip_and_tolerate_garbage() {
    let slot = Slot {
        subject: 9,
        sessions: vec![(1, 2), (3, 4)],
    };
    assert_eq!(Slot::decode(&slot.encode()), Some(slot));
    assert_eq!(Slot::decode(&[1, 2, 3]), None);
    assert_eq!(Slot::decode(&[]), None);
}

#[test]
fn the_limit_is_checked_at_load() {
    assert_eq!(load(None, 4096), Ok(None));
    assert!(load(Some(0), 4096).is_err());
    assert!(load(Some(65), 4096).is_err());
    assert!(load(Some(3), 8).is_err());
    assert_eq!(load(Some(3), 16).unwrap().unwrap().max_per_subject, 3);
}
