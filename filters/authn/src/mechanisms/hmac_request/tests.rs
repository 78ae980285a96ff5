//! The signature check against requests signed here by hand: the canonical text of each
//! request is written out in full, as `HMAC.md` specifies it, not built by the filter's code.

use super::authorization;
use super::canonical::SignedRequest;
use super::config::{self, RawHmac};
use super::refusal::SignatureRefusal;
use super::*;
use crate::mechanisms::holder::Unusable;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use palisade_shared::path::CanonicalPath;
use palisade_shared::shared_data::FakeSharedData;
use serde_json::{json, Value};
use sha2::Sha256;

const NOW: u64 = 1_800_000_000;
/// 32 bytes of 0x2a.
const SECRET: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio";
/// `printf %s '{"amount":5}' | openssl dgst -sha256 -binary | base64`
const DIGEST: &str = "sha-256=:foTL8PenySwDcFhmXWYVL464WAqyU05SyHe8zOucx78=:";

fn keys(extra: Value) -> HmacKeys {
    let key = |id: &str, state: &str| {
        json!({"id": id, "secret": SECRET, "consumer": "partner-a", "scopes": ["transfers:write"],
               "state": state, "expires_at": "2030-01-01T00:00:00Z"})
    };
    let mut section = json!({"keys": [key("partner-a", "active"), key("paused", "suspended")]});
    for (name, value) in extra.as_object().unwrap() {
        section[name] = value.clone();
    }
    let raw: RawHmac = serde_json::from_value(section).unwrap();
    config::load(raw).unwrap()
}

/// A request as the client sends it, and the canonical text the client signs.
#[derive(Clone)]
struct Signed {
    method: &'static str,
    target: String,
    headers: Vec<(String, String)>,
    key_id: &'static str,
    timestamp: u64,
    nonce: &'static str,
    list: &'static str,
    canonical: String,
}

fn transfer() -> Signed {
    let canonical = format!(
        "PALISADE-HMAC-SHA256\npartner-a\n{NOW}\nnonce-0123456789\nPOST\n/transfers\n\
         a=1&b=x%20y\nhost;content-digest\nhost:api.test\ncontent-digest:{DIGEST}"
    );
    Signed {
        method: "POST",
        target: "/transfers?b=x+y&a=1".into(),
        headers: vec![
            (":authority".into(), "api.test".into()),
            ("content-digest".into(), DIGEST.into()),
            ("content-type".into(), "application/json".into()),
        ],
        key_id: "partner-a",
        timestamp: NOW,
        nonce: "nonce-0123456789",
        list: "host;content-digest",
        canonical,
    }
}

fn signature(canonical: &str) -> String {
    let secret = URL_SAFE_NO_PAD.decode(SECRET).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
    mac.update(canonical.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn check(
    keys: &HmacKeys,
    shared: &FakeSharedData,
    signed: &Signed,
    now: u64,
) -> Result<Verified, SignatureRefusal> {
    let parameters = format!(
        "keyId={}, signedHeaders={}, timestamp={}, nonce={}, signature={}",
        signed.key_id,
        signed.list,
        signed.timestamp,
        signed.nonce,
        signature(&signed.canonical)
    );
    let path = CanonicalPath::parse(&signed.target).unwrap();
    let headers = crate::testing::borrowed(&signed.headers);
    let request = SignedRequest {
        method: signed.method,
        path: &path,
        headers: &headers,
    };
    let parameters = authorization::parse(&parameters).map_err(|err| err.refusal())?;
    keys.verify(shared, &parameters, &request, now)
}

fn with_header(mut signed: Signed, name: &str, value: &str) -> Signed {
    signed.headers.retain(|(n, _)| n != name);
    signed.headers.push((name.into(), value.into()));
    signed
}

#[test]
fn a_correctly_signed_request_yields_the_principal_and_body_digest() {
    let verified = check(
        &keys(json!({})),
        &FakeSharedData::default(),
        &transfer(),
        NOW,
    )
    .unwrap();
    assert_eq!(verified.principal.id, "partner-a");
    assert_eq!(
        verified.principal.kind,
        palisade_shared::principal::PrincipalKind::Hmac
    );
    assert_eq!(verified.principal.scopes, ["transfers:write"]);
    assert_eq!(Some(verified.body_digest), body::announced_digest(DIGEST));
}

#[test]
fn refuses_every_kind_of_tampering_and_misuse() {
    let good = transfer();
    let mut get = good.clone();
    get.method = "GET";
    let mut other_path = good.clone();
    other_path.target = "/transfers/t1?b=x+y&a=1".into();
    let mut other_query = good.clone();
    other_query.target = "/transfers?b=x+y&a=2".into();
    let other_host = with_header(good.clone(), ":authority", "evil.test");
    let mut unknown = good.clone();
    unknown.key_id = "nobody";
    let mut paused = good.clone();
    paused.key_id = "paused";
    paused.canonical = good.canonical.replace("\npartner-a\n", "\npaused\n");
    let mut unsigned_digest = good.clone();
    unsigned_digest.list = "host";
    let mut missing_header = with_header(good.clone(), "x-tag", "1");
    missing_header.list = "host;content-digest;x-absent";
    let mut doubled = good.clone();
    doubled
        .headers
        .push(("content-digest".into(), DIGEST.into()));
    let mut listed_twice = good.clone();
    listed_twice.list = "host;content-digest;host";
    let mut bad_digest = with_header(good.clone(), "content-digest", "sha-256=:AAAA:");
    bad_digest.canonical = good.canonical.replace(DIGEST, "sha-256=:AAAA:");
    let mut bad_query = good.clone();
    bad_query.target = "/transfers?a=%ff".into();
    let cases = [
        (get, SignatureRefusal::BadSignature),
        (other_path, SignatureRefusal::BadSignature),
        (other_query, SignatureRefusal::BadSignature),
        (other_host, SignatureRefusal::BadSignature),
        (unknown, SignatureRefusal::UnknownKey),
        (paused, SignatureRefusal::Unusable(Unusable::Suspended)),
        (unsigned_digest, SignatureRefusal::UnsignedRequiredHeader),
        (missing_header, SignatureRefusal::MissingSignedHeader),
        (doubled, SignatureRefusal::DuplicateSignedHeader),
        (listed_twice, SignatureRefusal::DuplicateSignedHeader),
        (bad_digest, SignatureRefusal::BadContentDigest),
        (bad_query, SignatureRefusal::BadQuery),
    ];
    let keys = keys(json!({}));
    for (n, (signed, expected)) in cases.into_iter().enumerate() {
        let outcome = check(&keys, &FakeSharedData::default(), &signed, NOW);
        assert_eq!(outcome.err(), Some(expected), "case {n}");
    }
}

#[test]
fn an_unsigned_header_may_change() {
    let changed = with_header(transfer(), "content-type", "text/plain");
    assert!(check(&keys(json!({})), &FakeSharedData::default(), &changed, NOW).is_ok());
}

#[test]
fn accepts_timestamps_within_the_skew_only() {
    let keys = keys(json!({"clock_skew_seconds": 60}));
    let stale = Some(SignatureRefusal::StaleTimestamp);
    let cases = [
        (NOW + 60, None),
        (NOW - 60, None),
        (NOW + 61, stale),
        (NOW - 61, stale),
    ];
    for (now, expected) in cases {
        let outcome = check(&keys, &FakeSharedData::default(), &transfer(), now);
        assert_eq!(outcome.err(), expected, "now {now}");
    }
}

#[test]
fn a_replayed_request_is_refused_and_a_refused_one_stores_no_nonce() {
    let keys = keys(json!({}));
    let shared = FakeSharedData::default();
    let mut forged = transfer();
    forged.canonical.push('x');
    let bad = Some(SignatureRefusal::BadSignature);
    assert_eq!(check(&keys, &shared, &forged, NOW).err(), bad);
    assert!(
        check(&keys, &shared, &transfer(), NOW).is_ok(),
        "nonce still fresh"
    );
    let replayed = Some(SignatureRefusal::Replayed);
    assert_eq!(check(&keys, &shared, &transfer(), NOW + 1).err(), replayed);
}

#[test]
fn configured_headers_must_be_signed() {
    let keys = keys(json!({"signed_headers": ["host", "content-type"]}));
    let outcome = check(&keys, &FakeSharedData::default(), &transfer(), NOW);
    assert_eq!(
        outcome.err(),
        Some(SignatureRefusal::UnsignedRequiredHeader)
    );
    assert_eq!(
        keys.required_headers,
        ["host", "content-type", "content-digest"]
    );
}

#[test]
fn refuses_bad_sections_naming_the_field() {
    let key = json!({"id": "k", "secret": SECRET, "consumer": "c", "state": "active",
                     "expires_at": "2030-01-01T00:00:00Z"});
    let with_key = |change: Value| {
        let mut key = key.clone();
        for (name, value) in change.as_object().unwrap() {
            key[name] = value.clone();
        }
        json!({"keys": [key]})
    };
    let cases = [
        (json!({"keys": [key, key]}), "hmac.keys[1].id"),
        (with_key(json!({"id": "a b"})), "hmac.keys[0].id"),
        (
            with_key(json!({"secret": "c2hvcnQ"})),
            "hmac.keys[0].secret",
        ),
        (
            with_key(json!({"secret": format!("{SECRET}=")})),
            "hmac.keys[0].secret",
        ),
        (
            json!({"keys": [], "clock_skew_seconds": 0}),
            "hmac.clock_skew_seconds",
        ),
        (
            json!({"keys": [], "max_body_bytes": 2_000_000}),
            "hmac.max_body_bytes",
        ),
        (
            json!({"keys": [], "replay_cache_entries": 10}),
            "hmac.replay_cache_entries",
        ),
        (
            json!({"keys": [], "signed_headers": ["Host"]}),
            "hmac.signed_headers[0]",
        ),
        (
            json!({"keys": [], "signed_headers": ["authorization"]}),
            "hmac.signed_headers[0]",
        ),
    ];
    for (section, field) in cases {
        let raw: RawHmac = serde_json::from_value(section).unwrap();
        let err = config::load(raw).unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
}

#[test]
fn never_shows_a_secret_in_debug_output() {
    let shown = format!("{:?}", keys(json!({})));
    assert!(
        !shown.contains("42, 42") && !shown.contains(SECRET),
        "{shown}"
    );
}

#[test]
fn the_example_in_hmac_md_verifies() {
    let parameters = "keyId=partner-a, signedHeaders=host;content-digest, timestamp=1800000000, \
                      nonce=nonce-0123456789, signature=CoW7TiFP6z1sQ6CeggvwSvOfw09pQaLUZqxQBllmTnY";
    let example = transfer();
    let path = CanonicalPath::parse(&example.target).unwrap();
    let headers = crate::testing::borrowed(&example.headers);
    let request = SignedRequest {
        method: "POST",
        path: &path,
        headers: &headers,
    };
    let parameters = authorization::parse(parameters).unwrap();
    let shared = FakeSharedData::default();
    let outcome = keys(json!({})).verify(&shared, &parameters, &request, NOW);
    assert!(outcome.is_ok(), "{outcome:?}");
}
