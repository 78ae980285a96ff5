use super::*;

fn ids<'a>(jti: Option<&'a str>, sub: Option<&'a str>, kid: Option<&'a str>) -> TokenIds<'a> {
    TokenIds { jti, sub, kid }
}

#[test]
fn revokes_by_jti_subject_or_key() {
    let list = Denylist::parse(br#"{"jti":["j1"],"sub":["mallory"],"kid":["old-key"]}"#).unwrap();
    let cases = [
        (ids(Some("j1"), Some("alice"), Some("k")), true),
        (ids(Some("j2"), Some("mallory"), None), true),
        (ids(None, Some("alice"), Some("old-key")), true),
        (ids(Some("j2"), Some("alice"), Some("k")), false),
        (ids(None, None, None), false),
        (ids(Some("J1"), Some("Mallory"), Some("OLD-KEY")), false),
    ];
    for (token, revoked) in cases {
        assert_eq!(list.revokes(&token), revoked, "{token:?}");
    }
    assert_eq!(list.len(), 3);
}

#[test]
fn refuses_documents_that_are_not_lists() {
    let cases: [&[u8]; 8] = [
        b"not json",
        b"[]",
        br#"{"jti":"j1"}"#,
        br#"{"jti":[1]}"#,
        br#"{"jti":["a"],"jti":["b"]}"#,
        br#"{"jti":[],"exp":[]}"#,
        br#"{"sub":[null]}"#,
        b"",
    ];
    for body in cases {
        assert!(
            Denylist::parse(body).is_err(),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    let huge = vec![b' '; MAX_LIST_BYTES + 1];
    assert!(Denylist::parse(&huge).is_err());
    assert!(Denylist::parse(b"{}").unwrap().is_empty());
}

#[test]
fn a_worker_checks_the_list_it_installed_last() {
    let revocations = Revocations::default();
    let token = ids(Some("j1"), None, None);
    assert!(!revocations.has_polled() && !revocations.revokes(&token));
    revocations.install(3, Denylist::parse(br#"{"jti":["j1"]}"#).unwrap());
    assert!(revocations.revokes(&token));
    assert_eq!(revocations.version(), 3);
    revocations.install(4, Denylist::default());
    assert!(revocations.has_polled() && !revocations.revokes(&token));
}
