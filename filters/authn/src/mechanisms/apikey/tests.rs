use super::config::{self, RawApiKeys};
use super::digest::{to_hex, KeyDigest};
use super::format::compose;
use super::source::{find, without_parameter, KeySource};
use super::*;
use crate::credential::Credential;
use crate::mechanisms::holder::Unusable;
use crate::refusal::Refusal;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

/// 2027-01-01T00:00:00Z: inside every fixture key's window but the not-yet-valid one's.
const NOW: u64 = 1_798_761_600;
const PEPPER: &str = "cGVwcGVyLXBlcHBlci1wZXBwZXItcGVwcGVyLXBlcHBlcg"; // 35 bytes

fn key(id: &str, fill: u8) -> String {
    compose(id, &[fill; 32])
}

fn entry(id: &str, fill: u8, digest: &KeyDigest, extra: Value) -> Value {
    let mut entry = json!({
        "id": id, "hash": to_hex(&digest.of(&key(id, fill)).unwrap()),
        "consumer": "partner-a", "scopes": ["accounts:read"], "state": "active",
        "expires_at": "2028-01-01T00:00:00Z"
    });
    for (name, value) in extra.as_object().unwrap() {
        entry[name] = value.clone();
    }
    entry
}

/// Keys: `active01` (fill 1), `rotated2` (fill 2, same consumer, from 2026-12-01),
/// `suspend1`, `revoked1`, `expired1` (ended 2026-12-31), `future01` (from 2027-06-01).
fn section(hash: &str, pepper: Option<&str>, extra: Value) -> Value {
    let digest = match pepper {
        Some(_) => KeyDigest::HmacSha256(URL_SAFE_NO_PAD.decode(PEPPER).unwrap()),
        None => KeyDigest::Sha256,
    };
    let mut section = json!({"hash": hash, "keys": [
        entry("active01", 1, &digest, json!({"claims": {"consumer_class": "partner"}})),
        entry("rotated2", 2, &digest, json!({"not_before": "2026-12-01T00:00:00Z"})),
        entry("suspend1", 3, &digest, json!({"state": "suspended"})),
        entry("revoked1", 4, &digest, json!({"state": "revoked"})),
        entry("expired1", 5, &digest, json!({"expires_at": "2026-12-31T00:00:00Z"})),
        entry("future01", 6, &digest, json!({"not_before": "2027-06-01T00:00:00Z"})),
    ]});
    if let Some(pepper) = pepper {
        section["pepper"] = json!(pepper);
    }
    for (name, value) in extra.as_object().unwrap() {
        section[name] = value.clone();
    }
    section
}

fn load(section: Value) -> Result<ApiKeys, palisade_shared::config::ConfigError> {
    let raw: RawApiKeys = serde_json::from_value(section).unwrap();
    config::load(raw)
}

#[test]
fn accepts_active_keys_and_refuses_every_other_kind() {
    for (hash, pepper) in [("sha256", None), ("hmac_sha256", Some(PEPPER))] {
        let keys = load(section(hash, pepper, json!({}))).unwrap();
        let cases = [
            (key("active01", 1), Ok(())),
            (key("rotated2", 2), Ok(())),
            (key("active01", 9), Err(KeyRefusal::Mismatch)),
            (key("nosuchid", 1), Err(KeyRefusal::UnknownId)),
            (
                key("active01", 1).replace("pk_", "sk_"),
                Err(KeyRefusal::Malformed),
            ),
            (
                format!("{}x", key("active01", 1)),
                Err(KeyRefusal::Malformed),
            ),
            (
                key("suspend1", 3),
                Err(KeyRefusal::Unusable(Unusable::Suspended)),
            ),
            (
                key("revoked1", 4),
                Err(KeyRefusal::Unusable(Unusable::Revoked)),
            ),
            (
                key("expired1", 5),
                Err(KeyRefusal::Unusable(Unusable::Expired)),
            ),
            (
                key("future01", 6),
                Err(KeyRefusal::Unusable(Unusable::NotYetValid)),
            ),
            // The right secret under another id is not that id's key.
            (key("rotated2", 1), Err(KeyRefusal::Mismatch)),
        ];
        for (presented, expected) in cases {
            let outcome = keys.authenticate(&presented, NOW).map(|_| ());
            assert_eq!(outcome, expected, "{hash} {presented}");
        }
    }
}

#[test]
fn a_key_hashed_without_the_pepper_does_not_match_a_peppered_table() {
    let mut plain = section("sha256", None, json!({}));
    plain["hash"] = json!("hmac_sha256");
    plain["pepper"] = json!(PEPPER);
    let keys = load(plain).unwrap();
    let outcome = keys.authenticate(&key("active01", 1), NOW);
    assert_eq!(outcome, Err(KeyRefusal::Mismatch));
}

#[test]
fn a_valid_key_yields_its_holders_principal() {
    let keys = load(section("sha256", None, json!({}))).unwrap();
    let principal = keys.authenticate(&key("active01", 1), NOW).unwrap();
    assert_eq!(
        principal.kind,
        palisade_shared::principal::PrincipalKind::ApiKey
    );
    assert_eq!(principal.id, "partner-a");
    assert_eq!(principal.client_id.as_deref(), Some("active01"));
    assert_eq!(principal.scopes, ["accounts:read"]);
    assert_eq!(principal.claims["consumer_class"], "partner");
}

#[test]
fn refuses_bad_sections_naming_the_field() {
    let mut duplicate = section("sha256", None, json!({}));
    duplicate["keys"][1]["id"] = json!("active01");
    let mut bad_id = section("sha256", None, json!({}));
    bad_id["keys"][0]["id"] = json!("ACTIVE01");
    let mut bad_hash = section("sha256", None, json!({}));
    bad_hash["keys"][0]["hash"] = json!("abc");
    let cases = [
        (duplicate, "api_keys.keys[1].id"),
        (bad_id, "api_keys.keys[0].id"),
        (bad_hash, "api_keys.keys[0].hash"),
        (section("hmac_sha256", None, json!({})), "api_keys.pepper"),
        (
            section("sha256", None, json!({"pepper": PEPPER})),
            "api_keys.pepper",
        ),
        (
            section("hmac_sha256", Some("c2hvcnQ"), json!({})),
            "api_keys.pepper",
        ),
        (
            section("sha256", None, json!({"header": "authorization"})),
            "api_keys.header",
        ),
        (
            section("sha256", None, json!({"header": "X-Api-Key"})),
            "api_keys.header",
        ),
        (
            section("sha256", None, json!({"query_parameter": "api key"})),
            "api_keys.query_parameter",
        ),
    ];
    for (section, field) in cases {
        let err = load(section).unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
}

#[test]
fn never_shows_the_pepper_in_debug_output() {
    let keys = load(section("hmac_sha256", Some(PEPPER), json!({}))).unwrap();
    let shown = format!("{keys:?}");
    assert!(!shown.contains("pepper-pepper") && !shown.contains(PEPPER));
}

type Headers<'a> = [(&'a str, &'a str)];

#[test]
fn finds_the_one_key_a_request_offers() {
    let extra = json!({"authorization_scheme": true, "query_parameter": "api_key"});
    let keys = load(section("sha256", None, extra)).unwrap();
    let with_header = vec![("x-api-key", "k1")];
    let none = vec![];
    type Case<'a> = (
        &'a Headers<'a>,
        &'a str,
        Credential<'a>,
        Option<(&'a str, KeySource)>,
    );
    let cases: [Case; 5] = [
        (
            &with_header,
            "",
            Credential::Absent,
            Some(("k1", KeySource::Header)),
        ),
        (
            &none,
            "a=1&api_key=k%32",
            Credential::Absent,
            Some(("k2", KeySource::Query)),
        ),
        (
            &none,
            "",
            Credential::ApiKey("k3"),
            Some(("k3", KeySource::Authorization)),
        ),
        (&none, "apikey=k4", Credential::Absent, None),
        (&none, "", Credential::Bearer("t"), None),
    ];
    for (headers, query, credential, expected) in cases {
        let found = find(&keys, headers, query, &credential).unwrap();
        let found = found.map(|f| (f.key.into_owned(), f.source));
        let expected = expected.map(|(k, s)| (k.to_string(), s));
        assert_eq!(found, expected, "{query} {credential:?}");
    }
}

#[test]
fn refuses_two_credentials_or_a_repeated_key() {
    let extra = json!({"query_parameter": "api_key"});
    let keys = load(section("sha256", None, extra)).unwrap();
    let once = vec![("x-api-key", "k1")];
    let twice = vec![("x-api-key", "k1"), ("x-api-key", "k2")];
    let cases: [(&Headers, &str, Credential); 6] = [
        (&once, "", Credential::Bearer("t")),
        (&once, "", Credential::OtherScheme),
        (&once, "", Credential::ApiKey("k2")),
        (&twice, "", Credential::Absent),
        (&once, "api_key=k2", Credential::Absent),
        (&[], "api_key=k1&api_key=k2", Credential::Absent),
    ];
    for (headers, query, credential) in cases {
        let refused = find(&keys, headers, query, &credential).err();
        let expected = Some(Refusal::InvalidRequest("multiple_credentials"));
        assert_eq!(refused, expected, "{headers:?} {query} {credential:?}");
    }
    let disabled = load(section("sha256", None, json!({}))).unwrap();
    let found = find(&disabled, &[], "", &Credential::ApiKey("k")).unwrap();
    assert!(found.is_none(), "the ApiKey scheme is off unless enabled");
}

#[test]
fn removes_the_key_parameter_from_the_target() {
    let cases = [
        ("/a?api_key=k", "/a"),
        ("/a?x=1&api_key=k&y=2", "/a?x=1&y=2"),
        ("/a?api%5Fkey=k&y=2", "/a?y=2"),
        ("/a?x=1", "/a?x=1"),
        ("/a", "/a"),
    ];
    for (target, expected) in cases {
        assert_eq!(without_parameter(target, "api_key"), expected, "{target}");
    }
}
