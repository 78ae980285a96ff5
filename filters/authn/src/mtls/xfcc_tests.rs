use super::*;

const HASH: &str = "9d62b7017444900c42b9fcac4e391fa664c482dbf340c2fa116eea418f024284";

#[test]
fn reads_what_envoy_appends() {
    // Seen from Envoy 1.40 with APPEND_FORWARD: a client element, then Envoy's own.
    let value = format!(
        "By=spiffe://front;Hash={HASH};URI=spiffe://example.org/a,Hash={HASH};\
         Subject=\"CN=two\";URI=spiffe://example.org/ns/a/sa/x;URI=spiffe://example.org/ns/b;\
         DNS=two.example"
    );
    let elements = parse(&value).unwrap();
    assert_eq!(elements.len(), 2);
    assert_eq!(elements[0].by.as_deref(), Some("spiffe://front"));
    assert_eq!(elements[0].uris, vec!["spiffe://example.org/a"]);
    let last = &elements[1];
    assert_eq!(last.hash, hex32(HASH));
    assert_eq!(last.subject.as_deref(), Some("CN=two"));
    assert_eq!(last.uris.len(), 2);
    assert_eq!(last.dns, vec!["two.example"]);
}

#[test]
fn keeps_quoted_values_with_separators_and_escapes() {
    let cases = [
        (
            r#"Subject="CN=plain\,O=Example Corp\,C=DE""#,
            r"CN=plain\,O=Example Corp\,C=DE",
        ),
        (r#"Subject="CN=a;b=c,d""#, "CN=a;b=c,d"),
        (r#"Subject="CN=say \"hi\"""#, r#"CN=say \"hi\""#),
        (r#"subject="""#, ""),
    ];
    for (value, subject) in cases {
        let elements = parse(value).unwrap();
        assert_eq!(elements[0].subject.as_deref(), Some(subject), "{value}");
    }
}

#[test]
fn ignores_an_empty_uri_and_accepts_keys_in_any_case() {
    // Envoy's SANITIZE_SET writes `URI=` for a certificate without a URI SAN.
    let elements = parse(&format!("hash={HASH};uri=;Cert=\"-----BEGIN%20X\";CHAIN=x")).unwrap();
    assert!(elements[0].uris.is_empty());
    assert!(elements[0].hash.is_some());
}

#[test]
fn refuses_malformed_headers() {
    let long = format!("URI={}", "a".repeat(MAX_XFCC_BYTES));
    let many = vec!["URI=spiffe://a/b"; 17].join(",");
    let cases = [
        "",
        "URI",
        "=x",
        "URI=a,",
        ",URI=a",
        "URI=a;",
        "URI=a;;By=b",
        "URI=a, By=b",
        " URI=a",
        "URI=a b",
        "URI=a=b",
        "URI=\"a",
        "URI=\"a\"b",
        "URI=\"a\\\"",
        "URI=\"a\u{7}\"",
        "Foo=bar",
        "X-Uri=a",
        "By=a;By=b",
        "Subject=a;subject=b",
        "Cert=a;Cert=b",
        "Hash=abc",
        "Hash=+d62b7017444900c42b9fcac4e391fa664c482dbf340c2fa116eea418f024284",
        "URI=é",
        long.as_str(),
        many.as_str(),
    ];
    for value in cases {
        assert!(parse(value).is_err(), "{value:?}");
    }
    let twice = format!("Hash={HASH};Hash={HASH}");
    assert_eq!(parse(&twice), Err(XfccError::Malformed));
    assert_eq!(parse(&long), Err(XfccError::TooLarge));
}

#[test]
fn reads_hex_digests_of_either_case() {
    assert_eq!(hex32(HASH), hex32(&HASH.to_ascii_uppercase()));
    assert_eq!(hex32(HASH).unwrap()[0], 0x9d);
    assert_eq!(hex32(&HASH[1..]), None);
    assert_eq!(hex32(&HASH.replace('9', "g")), None);
}
