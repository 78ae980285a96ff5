use super::*;

fn sources(header: Option<&str>, cookie: Option<&str>, query: Option<&str>) -> TokenSources {
    TokenSources {
        authorization: true,
        header: header.map(String::from),
        cookie: cookie.map(String::from),
        query: query.map(|parameter| QuerySource {
            parameter: parameter.to_string(),
            operations: vec!["getAccount".into()],
            providers: None,
        }),
    }
}

fn origin_of(
    pairs: &[(&str, &str)],
    target: &str,
    authorization: Credential<'_>,
) -> Result<Option<(String, Origin)>, Refusal> {
    let sources = sources(Some("x-access-token"), Some("at"), Some("access_token"));
    let found = find(&sources, pairs, target, &authorization)?;
    Ok(found.map(|found| (found.token, found.origin)))
}

#[test]
fn finds_the_token_in_each_enabled_place() {
    let cases = [
        (
            vec![],
            "/a",
            Credential::Bearer("t1"),
            Some(("t1", Origin::Authorization)),
        ),
        (
            vec![("x-access-token", " t2 ")],
            "/a",
            Credential::Absent,
            Some(("t2", Origin::Header)),
        ),
        (
            vec![("cookie", "x=1; at=t3; y=2")],
            "/a",
            Credential::Absent,
            Some(("t3", Origin::Cookie)),
        ),
        (
            vec![("cookie", "at=\"t3\"")],
            "/a",
            Credential::Absent,
            Some(("t3", Origin::Cookie)),
        ),
        (
            vec![],
            "/a?x=1&access_token=t4",
            Credential::Absent,
            Some(("t4", Origin::Query)),
        ),
        (
            vec![],
            "/a?access%5Ftoken=t%2E5",
            Credential::Absent,
            Some(("t.5", Origin::Query)),
        ),
        (
            vec![("cookie", "other=t")],
            "/a?token=x",
            Credential::Absent,
            None,
        ),
    ];
    for (pairs, target, authorization, expected) in cases {
        let found = origin_of(&pairs, target, authorization).unwrap();
        let expected = expected.map(|(token, origin)| (token.to_string(), origin));
        assert_eq!(found, expected, "{pairs:?} {target}");
    }
}

#[test]
fn refuses_two_credentials_or_one_sent_twice() {
    let cases = [
        (vec![("x-access-token", "t")], "/a", Credential::Bearer("t")),
        (
            vec![("cookie", "at=t")],
            "/a?access_token=t",
            Credential::Absent,
        ),
        (vec![("cookie", "at=t; at=u")], "/a", Credential::Absent),
        (
            vec![("cookie", "at=t"), ("cookie", "at=u")],
            "/a",
            Credential::Absent,
        ),
        (
            vec![("x-access-token", "t"), ("x-access-token", "u")],
            "/a",
            Credential::Absent,
        ),
        (
            vec![],
            "/a?access_token=t&access_token=u",
            Credential::Absent,
        ),
        (vec![("cookie", "at=t")], "/a", Credential::OtherScheme),
    ];
    for (pairs, target, authorization) in cases {
        let refused = origin_of(&pairs, target, authorization);
        assert_eq!(
            refused.err(),
            Some(Refusal::InvalidRequest("multiple_credentials")),
            "{pairs:?} {target}"
        );
    }
}

#[test]
fn refuses_tokens_that_are_not_b64tokens() {
    let cases = [
        (vec![("x-access-token", "a b")], "/a"),
        (vec![("cookie", "at=a,b")], "/a"),
        (vec![], "/a?access_token=a%20b"),
        (vec![], "/a?access_token=%zz"),
        (vec![("x-access-token", "")], "/a"),
    ];
    for (pairs, target) in cases {
        let refused = origin_of(&pairs, target, Credential::Absent);
        assert_eq!(
            refused.err(),
            Some(Refusal::InvalidRequest("malformed_token")),
            "{pairs:?}"
        );
    }
}

#[test]
fn ignores_disabled_places() {
    let none = TokenSources {
        authorization: false,
        ..sources(None, None, None)
    };
    let pairs = vec![("x-access-token", "t"), ("cookie", "at=t")];
    let found = find(&none, &pairs, "/a?access_token=t", &Credential::Bearer("t"));
    assert!(found.unwrap().is_none());
}

#[test]
fn removes_the_token_parameter_and_cookie_only() {
    let cases = [
        ("/a?access_token=t", Some("/a")),
        ("/a?x=1&access_token=t&y=2", Some("/a?x=1&y=2")),
        ("/a?access%5Ftoken=t&x=1", Some("/a?x=1")),
        ("/a?x=1", None),
        ("/a", None),
    ];
    for (target, expected) in cases {
        assert_eq!(
            without_parameter(target, "access_token").as_deref(),
            expected,
            "{target}"
        );
    }
    let cookie = |value: &'static str| vec![("cookie", value)];
    assert_eq!(
        without_cookie(&cookie("x=1; at=t; y=2"), "at"),
        Some(Some("x=1; y=2".into()))
    );
    assert_eq!(without_cookie(&cookie("at=t"), "at"), Some(None));
    assert_eq!(without_cookie(&cookie("x=1"), "at"), None);
}
