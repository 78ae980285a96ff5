//! The URL tables: allowlist matching and tricks that make parsers disagree, configuration
//! errors and mutated input. Addresses are in `tests_addresses`.

use super::{RawAllowlist, UrlError, UrlPolicies, UrlPolicy};
use serde_json::json;
use std::rc::Rc;
use UrlError::*;

/// https only; one exact host, one wildcard, one public IPv4 and IPv6; extra port 8443.
fn webhooks() -> Rc<UrlPolicy> {
    policy(json!({
        "hosts": ["Hooks.Example.com", "*.partner.example", "93.184.216.34", "[2606:4700::1111]"],
        "ports": [8443]
    }))
}

/// Any public host, https.
pub(super) fn anywhere() -> Rc<UrlPolicy> {
    policy(json!({"hosts": ["*"]}))
}

fn policy(raw: serde_json::Value) -> Rc<UrlPolicy> {
    let raw: RawAllowlist = serde_json::from_value(raw).unwrap();
    let policies = UrlPolicies::compile([("p".to_string(), raw)].into(), "url_allowlists").unwrap();
    let schema = json!({"type": "string", "format": "uri", "x-palisade-url-allowlist": "p"});
    policies
        .for_schema(schema.as_object().unwrap(), "s")
        .unwrap()
        .unwrap()
}

pub(super) fn check_table(policy: &UrlPolicy, cases: &[(&str, Result<(), UrlError>)]) {
    for (url, expected) in cases {
        assert_eq!(policy.check(url), *expected, "{url:?}");
    }
}

#[test]
fn allowlisted_urls_pass() {
    check_table(
        &webhooks(),
        &[
            ("https://hooks.example.com/cb", Ok(())),
            ("https://hooks.example.com", Ok(())),
            ("https://hooks.example.com:443/cb", Ok(())),
            ("https://hooks.example.com:8443/cb?x=1&y=%20z", Ok(())),
            ("HTTPS://HOOKS.EXAMPLE.COM/Cb", Ok(())),
            ("https://a.partner.example/x", Ok(())),
            ("https://a.b.partner.example/x", Ok(())),
            ("https://xn--bcher-kva.partner.example/", Ok(())),
            ("https://93.184.216.34/", Ok(())),
            ("https://[2606:4700::1111]/", Ok(())),
            ("https://[2606:4700:0:0::1111]:8443/", Ok(())),
        ],
    );
}

#[test]
fn allowlist_misses_are_refused() {
    check_table(
        &webhooks(),
        &[
            ("http://hooks.example.com/", Err(SchemeNotAllowed)),
            ("ftp://hooks.example.com/", Err(SchemeNotAllowed)),
            ("https://evil.com/", Err(HostNotAllowed)),
            ("https://partner.example/", Err(HostNotAllowed)),
            ("https://evilpartner.example/", Err(HostNotAllowed)),
            ("https://hooks.example.com.evil.com/", Err(HostNotAllowed)),
            ("https://xn--hks-seda.example.com/", Err(HostNotAllowed)),
            ("https://93.184.216.35/", Err(HostNotAllowed)),
            ("https://hooks.example.com:22/", Err(PortNotAllowed)),
            ("https://hooks.example.com:80/", Err(PortNotAllowed)),
        ],
    );
}

#[test]
fn urls_parsers_read_differently_are_refused() {
    check_table(
        &webhooks(),
        &[
            ("https://hooks.example.com@evil.com/", Err(UserInfo)),
            ("https://user:pw@hooks.example.com/", Err(UserInfo)),
            ("https://evil.com#@hooks.example.com", Err(Fragment)),
            ("https://hooks.example.com/#x", Err(Fragment)),
            (
                "https://evil.com\\@hooks.example.com",
                Err(ForbiddenCharacter),
            ),
            (
                "https://hooks.example.com\\.evil.com",
                Err(ForbiddenCharacter),
            ),
            ("https://evil.com%40hooks.example.com", Err(EncodedHost)),
            ("https://hooks%2eexample.com/", Err(EncodedHost)),
            ("https://%68ooks.example.com/", Err(EncodedHost)),
            ("https://hooks.example.com\t/", Err(ForbiddenCharacter)),
            ("https://hooks.exa\nmple.com/", Err(ForbiddenCharacter)),
            ("https://hooks.example.com/\r", Err(ForbiddenCharacter)),
            (" https://hooks.example.com/", Err(ForbiddenCharacter)),
            ("https://hooks.example.com/ a", Err(ForbiddenCharacter)),
            ("https://hooks.example.com/\u{0}", Err(ForbiddenCharacter)),
            (
                "https://b\u{fc}cher.partner.example/",
                Err(ForbiddenCharacter),
            ),
            ("https://\u{ff48}ooks.example.com/", Err(ForbiddenCharacter)),
            ("https://hooks.example.com./", Err(TrailingDot)),
            ("https://hooks.example.com:/", Err(MalformedPort)),
            ("https://hooks.example.com:0443/", Err(MalformedPort)),
            ("https://hooks.example.com:0/", Err(MalformedPort)),
            ("https://hooks.example.com:65536/", Err(MalformedPort)),
            ("https://hooks.example.com:+443/", Err(MalformedPort)),
            ("https://hooks.example.com:443:443/", Err(MalformedPort)),
            ("https:hooks.example.com", Err(NoAuthority)),
            ("https:/hooks.example.com", Err(NoAuthority)),
            ("https:///hooks.example.com", Err(EmptyHost)),
            ("https://", Err(EmptyHost)),
            ("//hooks.example.com/", Err(NotAbsolute)),
            ("hooks.example.com", Err(NotAbsolute)),
            ("1https://hooks.example.com", Err(MalformedScheme)),
            ("javascript:alert(1)", Err(NoAuthority)),
            ("file:///etc/passwd", Err(EmptyHost)),
            ("https://hooks.example.com/a/../b", Err(DotSegment)),
            ("https://hooks.example.com/a/%2E%2e/b", Err(DotSegment)),
            ("https://hooks.example.com/./b", Err(DotSegment)),
            ("https://hooks.example.com/..", Err(DotSegment)),
            ("https://hooks.example.com/%zz", Err(MalformedPercent)),
            ("https://hooks.example.com/?q=%", Err(MalformedPercent)),
            ("https://hooks.example.com/[x]", Err(ForbiddenCharacter)),
            ("https://hooks.exam_ple.com/", Err(MalformedHost)),
            ("https://-hooks.example.com/", Err(MalformedHost)),
            ("https://hooks..example.com/", Err(MalformedHost)),
            ("https://hooks.example.com[/", Err(MalformedHost)),
            ("https://xn--.partner.example/", Err(MalformedHost)),
            ("https://xn--abc.partner.example/", Err(MalformedPunycode)),
            ("https://xn--ls8h.partner.example/", Ok(())),
            (
                "https://xn--zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz.partner.example/",
                Err(MalformedPunycode),
            ),
            ("https://ab--cd.partner.example/", Err(MalformedPunycode)),
            ("https://xn--abc-.partner.example/", Err(MalformedHost)),
            ("https://xn--!!.partner.example/", Err(MalformedHost)),
        ],
    );
    let long = format!("https://hooks.example.com/{}", "a".repeat(2048));
    assert_eq!(webhooks().check(&long), Err(TooLong));
}

#[test]
fn reasons_name_the_fault_without_the_url() {
    assert_eq!(
        BlockedAddress("loopback").reason(),
        "URL refused: points at a loopback address"
    );
    assert_eq!(
        UserInfo.reason(),
        "URL refused: carries user information (@) in the authority"
    );
}

#[test]
fn bad_allowlists_refuse_the_configuration() {
    let cases = [
        (json!({"hosts": []}), "url_allowlists.p"),
        (
            json!({"hosts": ["a.com"], "schemes": []}),
            "url_allowlists.p",
        ),
        (json!({"hosts": ["10.0.0.1"]}), "url_allowlists.p.hosts"),
        (json!({"hosts": ["[::1]"]}), "url_allowlists.p.hosts"),
        (json!({"hosts": ["0x08.8.8.8"]}), "url_allowlists.p.hosts"),
        (json!({"hosts": ["localhost"]}), "url_allowlists.p.hosts"),
        (json!({"hosts": ["*."]}), "url_allowlists.p.hosts"),
        (json!({"hosts": ["bad_name.com"]}), "url_allowlists.p.hosts"),
        (
            json!({"hosts": ["b\u{fc}cher.example"]}),
            "url_allowlists.p.hosts",
        ),
        (
            json!({"hosts": ["a.com"], "schemes": ["ht tp"]}),
            "url_allowlists.p.schemes",
        ),
        (
            json!({"hosts": ["a.com"], "ports": [0]}),
            "url_allowlists.p.ports",
        ),
    ];
    for (raw, field) in cases {
        let list: RawAllowlist = serde_json::from_value(raw.clone()).unwrap();
        let error =
            UrlPolicies::compile([("p".to_string(), list)].into(), "url_allowlists").unwrap_err();
        assert_eq!(error.field, field, "{raw}: {}", error.reason);
    }
}

#[test]
fn schemas_must_name_a_configured_allowlist_on_a_uri() {
    let list: RawAllowlist = serde_json::from_value(json!({"hosts": ["a.com"]})).unwrap();
    let policies = UrlPolicies::compile([("p".to_string(), list)].into(), "u").unwrap();
    let cases = [
        (
            json!({"x-palisade-url-allowlist": "q"}),
            "s.x-palisade-url-allowlist",
        ),
        (
            json!({"x-palisade-url-allowlist": 1}),
            "s.x-palisade-url-allowlist",
        ),
        (
            json!({"format": "email", "x-palisade-url-allowlist": "p"}),
            "s.format",
        ),
    ];
    for (schema, field) in cases {
        let error = policies
            .for_schema(schema.as_object().unwrap(), "s")
            .unwrap_err();
        assert_eq!(error.field, field, "{schema}");
    }
    let plain = json!({"format": "uri"});
    assert!(policies
        .for_schema(plain.as_object().unwrap(), "s")
        .unwrap()
        .is_none());
}

/// Every truncation of the samples and every byte replaced by each of a few troublesome
/// characters: the checker answers, and never panics.
#[test]
fn mutated_urls_never_panic() {
    let samples = [
        "https://a.partner.example:8443/p/%41?q=1",
        "https://[2606:4700::1111]:443/",
        "https://0x7f.0.0.1./",
        "https://xn--bcher-kva.example/",
    ];
    let specials = [
        "@", "%", "[", "]", ":", ".", "\\", "\u{e9}", "#", "0", "x", "-",
    ];
    let policy = anywhere();
    for sample in samples {
        for cut in 0..=sample.len() {
            if let Some(prefix) = sample.get(..cut) {
                let _ = policy.check(prefix);
            }
        }
        for (at, _) in sample.char_indices() {
            for special in specials {
                let mut mutated = String::from(sample.get(..at).unwrap());
                mutated.push_str(special);
                mutated.push_str(sample.get(at + 1..).unwrap_or_default());
                let _ = policy.check(&mutated);
            }
        }
    }
}
