use super::*;
use crate::mechanisms::hmac_request::authorization;

fn path(target: &str) -> CanonicalPath {
    CanonicalPath::parse(target).unwrap()
}

#[test]
fn paths_are_decoded_once_and_encoded_again() {
    let cases = [
        ("/", "/"),
        ("/accounts/a1", "/accounts/a1"),
        ("/%61ccounts/a%2d1", "/accounts/a-1"),
        ("/files/a%20b/caf%c3%a9", "/files/a%20b/caf%C3%A9"),
        ("/files/a+b~c", "/files/a%2Bb~c"),
        ("/accounts/", "/accounts/"),
        ("/accounts?x=1", "/accounts"),
    ];
    for (target, expected) in cases {
        assert_eq!(canonical_path(&path(target)), expected, "{target}");
    }
}

#[test]
fn queries_are_decoded_sorted_and_encoded_again() {
    let cases = [
        ("", Some("")),
        ("b=2&a=1&a=0", Some("a=0&a=1&b=2")),
        ("q=a+b&q=a%20c", Some("q=a%20b&q=a%20c")),
        ("flag&x=", Some("flag=&x=")),
        ("%7E=~&&", Some("~=~")),
        ("a=%c3%a9", Some("a=%C3%A9")),
        ("a=%2B", Some("a=%2B")),
        ("B=1&a=1", Some("B=1&a=1")),
        ("a=%zz", None),
        ("a=%ff", None),
    ];
    for (query, expected) in cases {
        assert_eq!(canonical_query(query).as_deref(), expected, "{query}");
    }
}

const SIGNATURE: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

#[test]
fn builds_the_documented_text() {
    let text = format!(
        "keyId=partner-a, signedHeaders=host;content-digest;x-tag, timestamp=1800000000, \
         nonce=0123456789abcdef, signature={SIGNATURE}"
    );
    let parameters = authorization::parse(&text).unwrap();
    let target = path("/transfers/t%201?z=1&a=x+y");
    let headers = vec![
        (":authority", "api.test"),
        ("content-digest", " sha-256=:AAAA: "),
        ("x-tag", "\ta  b\t"),
        ("x-unsigned", "ignored"),
    ];
    let request = SignedRequest {
        method: "POST",
        path: &target,
        headers: &headers,
    };
    let expected = "PALISADE-HMAC-SHA256\npartner-a\n1800000000\n0123456789abcdef\nPOST\n\
                    /transfers/t%201\na=x%20y&z=1\nhost;content-digest;x-tag\nhost:api.test\n\
                    content-digest:sha-256=:AAAA:\nx-tag:a  b";
    assert_eq!(canonical_request(&parameters, &request).unwrap(), expected);
}

#[test]
fn refuses_missing_or_repeated_signed_headers_and_bad_queries() {
    let text = format!(
        "keyId=k, signedHeaders=host;x-tag, timestamp=1, nonce=0123456789abcdef, \
         signature={SIGNATURE}"
    );
    let parameters = authorization::parse(&text).unwrap();
    let plain = path("/a");
    let bad_query = path("/a?x=%ff");
    let once = vec![(":authority", "h"), ("x-tag", "1")];
    let no_tag = vec![(":authority", "h")];
    let twice = vec![(":authority", "h"), ("x-tag", "1"), ("x-tag", "2")];
    let literal_host = vec![("host", "h"), ("x-tag", "1")];
    let cases = [
        (&plain, &no_tag, CanonicalError::MissingSignedHeader),
        (&plain, &twice, CanonicalError::DuplicateSignedHeader),
        (&plain, &literal_host, CanonicalError::MissingSignedHeader),
        (&bad_query, &once, CanonicalError::BadQuery),
    ];
    for (target, headers, expected) in cases {
        let request = SignedRequest {
            method: "GET",
            path: target,
            headers,
        };
        let outcome = canonical_request(&parameters, &request);
        assert_eq!(outcome, Err(expected), "{headers:?}");
    }
}
