//! The URL table: tricks that make parsers disagree, every notation of blocked addresses, and
//! allowlist matching.

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
fn anywhere() -> Rc<UrlPolicy> {
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

fn check_table(policy: &UrlPolicy, cases: &[(&str, Result<(), UrlError>)]) {
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
fn blocked_ipv4_addresses_are_refused_in_every_notation() {
    let blocked = |range| Err(BlockedAddress(range));
    check_table(
        &anywhere(),
        &[
            ("https://127.0.0.1/", blocked("loopback")),
            ("https://2130706433/", blocked("loopback")),
            ("https://0177.0.0.1/", blocked("loopback")),
            ("https://0x7f.1/", blocked("loopback")),
            ("https://0X7F000001/", blocked("loopback")),
            ("https://127.1/", blocked("loopback")),
            ("https://127.0.1/", blocked("loopback")),
            ("https://0x7f.0.0.01/", blocked("loopback")),
            ("https://127.0.0.1./", blocked("loopback")),
            ("https://127.0.0.1:8443/", blocked("loopback")),
            ("https://0/", blocked("this-network")),
            ("https://0.0.0.0/", blocked("this-network")),
            ("https://10.1.2.3/", blocked("private")),
            ("https://012.1.2.3/", blocked("private")),
            ("https://172.16.0.1/", blocked("private")),
            ("https://172.31.255.255/", blocked("private")),
            ("https://192.168.1.1/", blocked("private")),
            ("https://3232235777/", blocked("private")),
            ("https://169.254.169.254/", blocked("cloud metadata")),
            ("https://0xa9fea9fe/", blocked("cloud metadata")),
            ("https://169.254.43518/", blocked("cloud metadata")),
            ("https://100.100.100.200/", blocked("cloud metadata")),
            ("https://169.254.1.1/", blocked("link-local")),
            ("https://100.64.0.1/", blocked("shared (CGNAT)")),
            ("https://255.255.255.255/", blocked("broadcast")),
            ("https://224.0.0.1/", blocked("multicast")),
            ("https://240.0.0.1/", blocked("reserved")),
            ("https://198.18.0.1/", blocked("benchmarking")),
            ("https://192.0.2.1/", blocked("documentation")),
        ],
    );
}

#[test]
fn public_ipv4_addresses_pass_only_in_dotted_decimal() {
    check_table(
        &anywhere(),
        &[
            ("https://8.8.8.8/", Ok(())),
            ("https://172.32.0.1/", Ok(())),
            ("https://100.128.0.1/", Ok(())),
            ("https://134744072/", Err(IpNotation)),
            ("https://010.8.8.8/", Err(IpNotation)),
            ("https://0x8.8.8.8/", Err(IpNotation)),
            ("https://8.8.8.8./", Err(IpNotation)),
            ("https://8.8.2056/", Err(IpNotation)),
            ("https://256.1.1.1/", Err(MalformedIp)),
            ("https://1.2.3.4.5/", Err(MalformedIp)),
            ("https://4294967296/", Err(MalformedIp)),
            ("https://09.1.1.1/", Err(MalformedIp)),
            ("https://1..1/", Err(MalformedIp)),
            ("https://a.1/", Err(MalformedIp)),
            ("https://+8.8.8.8/", Err(MalformedIp)),
            ("https://99999999999999999999999/", Err(MalformedIp)),
        ],
    );
}

#[test]
fn blocked_ipv6_addresses_are_refused_in_every_notation() {
    let blocked = |range| Err(BlockedAddress(range));
    check_table(
        &anywhere(),
        &[
            ("https://[::1]/", blocked("loopback")),
            ("https://[0:0:0:0:0:0:0:1]:443/", blocked("loopback")),
            ("https://[::]/", blocked("unspecified")),
            ("https://[::ffff:127.0.0.1]/", blocked("loopback")),
            ("https://[::FFFF:7f00:1]/", blocked("loopback")),
            ("https://[::127.0.0.1]/", blocked("loopback")),
            ("https://[::ffff:0:7f00:1]/", blocked("loopback")),
            ("https://[64:ff9b::7f00:1]/", blocked("loopback")),
            (
                "https://[::ffff:169.254.169.254]/",
                blocked("cloud metadata"),
            ),
            ("https://[::ffff:8.8.8.8]/", blocked("IPv4-mapped")),
            ("https://[64:ff9b::808:808]/", blocked("NAT64")),
            ("https://[fe80::1]/", blocked("link-local")),
            ("https://[FE80::1]/", blocked("link-local")),
            ("https://[fc00::1]/", blocked("unique-local")),
            ("https://[fd00:ec2::254]/", blocked("cloud metadata")),
            ("https://[ff02::1]/", blocked("multicast")),
            ("https://[2002:7f00:1::]/", blocked("6to4")),
            ("https://[2001::1]/", blocked("Teredo")),
            ("https://[2001:db8::1]/", blocked("documentation")),
            ("https://[100::1]/", blocked("reserved")),
            ("https://[fe80::1%25eth0]/", Err(EncodedHost)),
            ("https://[fe80::1%eth0]/", Err(EncodedHost)),
            ("https://[v1.fe80]/", Err(MalformedIp)),
            ("https://[::1/", Err(MalformedIp)),
            ("https://[[::1]]/", Err(MalformedPort)),
            ("https://[::1]x/", Err(MalformedPort)),
            ("https://::1/", Err(EmptyHost)),
            ("https://[2606:4700::1111]/", Ok(())),
        ],
    );
}

#[test]
fn names_for_local_use_are_refused_even_by_a_wildcard() {
    check_table(
        &anywhere(),
        &[
            ("https://localhost/", Err(ReservedName)),
            ("https://LOCALHOST:443/", Err(ReservedName)),
            ("https://api.localhost/", Err(ReservedName)),
            ("https://intranet/", Err(ReservedName)),
            ("https://example.com/", Ok(())),
        ],
    );
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
