//! API keys through the real Envoy: a configured key reaches the upstream as its consumer with
//! the key removed, every bad key is a 401 with the `ApiKey` challenge and never echoed, a key
//! next to another credential is a 400, the other key sources work only when enabled, peppered
//! hashes work, failed keys feed the failed-authentication throttle, and a bad `api_keys`
//! section stops Envoy. The keys below are test fixtures; their hashes were computed outside
//! our code (`printf %s "$KEY" | sha256sum`, and Python's `hmac` for the peppered ones).

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::{Filter, Request, Response, Stack};
use serde_json::{json, Value};

/// `pk_<id>_<secret>` fixtures: the id, the key, its SHA-256 and its HMAC-SHA256 under PEPPER.
struct Fixture {
    id: &'static str,
    key: &'static str,
    sha256: &'static str,
    peppered: &'static str,
}

const ACTIVE: Fixture = Fixture {
    id: "test0001",
    key: "pk_test0001_TestOnlyKeyNotSecret-Integration-0001xxxxxx",
    sha256: "a41fb968afafb10d4ec07af164d1b1a455f730705c2232aa5690327d4c519b81",
    peppered: "06ed5c2b9fa455e98a361ddb7525106431b4d75515a41637120d3b56ba9ae18a",
};
const SUSPENDED: Fixture = Fixture {
    id: "test0002",
    key: "pk_test0002_TestOnlyKeyNotSecret-Integration-0002xxxxxx",
    sha256: "cb67adbb464a7ef9db1e2b3616b84457490b73f5742c7ea13afd92cbb91dae0f",
    peppered: "c79df6ee03d514a6faf31aa38aad4cbe3e0315ea561c13c09d55e1cb14d7db40",
};
const REVOKED: Fixture = Fixture {
    id: "test0003",
    key: "pk_test0003_TestOnlyKeyNotSecret-Integration-0003xxxxxx",
    sha256: "a7d9ce123228b55b16cbdaae3cfff3573578ce27def8e30be9c31ceb1bf1833d",
    peppered: "15f82b86cf968d4c6dc3a6470f8ef56995e617dc9373b646cbe2328f4587ad94",
};
const EXPIRED: Fixture = Fixture {
    id: "test0004",
    key: "pk_test0004_TestOnlyKeyNotSecret-Integration-0004xxxxxx",
    sha256: "2f0d23f86b4d94bb14a7c62e8609372149c2fb4151de3fdc40694112ed37acc2",
    peppered: "6ff2a42163b85d5074159a82718ff6ac64090ad303d6ef38a839577c703887ac",
};
const NOT_YET_VALID: Fixture = Fixture {
    id: "test0005",
    key: "pk_test0005_TestOnlyKeyNotSecret-Integration-0005xxxxxx",
    sha256: "de8e014feddbca37b6fd68c2df8254dbc061bc6d8f61cfeb714fc35fdff28039",
    peppered: "bfdf8027fc08572d5338bed80bf60f5b930f9e6b3050104e847ff8e404a7a28a",
};
/// The same consumer as ACTIVE: a rotation in progress.
const ROTATED: Fixture = Fixture {
    id: "test0006",
    key: "pk_test0006_TestOnlyKeyNotSecret-Integration-0006xxxxxx",
    sha256: "4b135a79d74f7e6e49e5a21c9203d5646d602448f8eb01eaf6d904477e33aa57",
    peppered: "0d5749cdb6608390956aba51f8505e4c52b8067780c7e9e270dadf65c3460b7d",
};
/// Configured nowhere.
const UNKNOWN: &str = "pk_test0007_TestOnlyKeyNotSecret-Integration-0007xxxxxx";
/// base64url of "test-only pepper, 32 bytes long!"
const PEPPER: &str = "dGVzdC1vbmx5IHBlcHBlciwgMzIgYnl0ZXMgbG9uZyE";

fn entry(fixture: &Fixture, peppered: bool, extra: Value) -> Value {
    let hash = if peppered {
        fixture.peppered
    } else {
        fixture.sha256
    };
    let mut entry = json!({
        "id": fixture.id, "hash": hash, "consumer": "partner-a",
        "scopes": ["accounts:read"], "state": "active",
        "not_before": "2020-01-01T00:00:00Z", "expires_at": "2099-01-01T00:00:00Z"
    });
    for (name, value) in extra.as_object().unwrap() {
        entry[name] = value.clone();
    }
    entry
}

fn keys(peppered: bool) -> Vec<Value> {
    vec![
        entry(
            &ACTIVE,
            peppered,
            json!({"claims": {"consumer_class": "partner"}}),
        ),
        entry(&SUSPENDED, peppered, json!({"state": "suspended"})),
        entry(&REVOKED, peppered, json!({"state": "revoked"})),
        entry(
            &EXPIRED,
            peppered,
            json!({"expires_at": "2021-01-01T00:00:00Z"}),
        ),
        entry(
            &NOT_YET_VALID,
            peppered,
            json!({"not_before": "2098-01-01T00:00:00Z"}),
        ),
        entry(&ROTATED, peppered, json!({"consumer": "partner-a"})),
    ]
}

/// Envoy with authn alone, the fixture keys configured, plus `extra` in the `api_keys` section.
fn stack_with(extra: Value, top: Value) -> Stack {
    let mut section = json!({"hash": "sha256", "keys": keys(false)});
    for (name, value) in extra.as_object().unwrap() {
        section[name] = value.clone();
    }
    let mut patch = json!({"api_keys": section});
    for (name, value) in top.as_object().unwrap() {
        patch[name] = value.clone();
    }
    let stack = Stack::builder()
        .filters(&[Filter::Authn])
        .patch(Filter::Authn, patch)
        .start()
        .unwrap();
    stack.clear_recorded().unwrap();
    stack
}

fn with_key(target: &str, key: &str) -> Request {
    Request::get(target).header("x-api-key", key)
}

fn assert_invalid_key(response: &Response, key: &str, what: &str) {
    assert_eq!(response.status, 401, "{what}: {}", response.text());
    assert_eq!(
        response.header("www-authenticate"),
        Some("ApiKey realm=\"palisade-demo\", error=\"invalid_key\""),
        "{what}"
    );
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let problem = response.json().unwrap();
    assert_eq!(
        problem["type"], "urn:palisade:problem:invalid-api-key",
        "{what}"
    );
    assert!(!response.text().contains(key), "{what}: the key is echoed");
}

#[test]
fn a_valid_key_reaches_the_upstream_as_its_consumer_without_the_key() {
    let stack = stack_with(json!({}), json!({}));

    let response = stack
        .send(&with_key("/accounts/a1", ACTIVE.key).header("x-palisade-subject", "admin"))
        .unwrap();
    let rotated = stack.send(&with_key("/accounts/a1", ROTATED.key)).unwrap();

    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(rotated.status, 200, "both keys of a rotation work");
    let recorded = stack.recorded().unwrap();
    let upstream = &recorded[0];
    assert_eq!(upstream.header_values("x-palisade-subject"), ["partner-a"]);
    assert_eq!(upstream.header_values("x-palisade-client-id"), [ACTIVE.id]);
    assert_eq!(
        upstream.header_values("x-palisade-scopes"),
        ["accounts:read"]
    );
    assert!(
        upstream.header_values("x-api-key").is_empty(),
        "key removed"
    );
    assert_eq!(recorded[1].header("x-palisade-client-id"), Some(ROTATED.id));
    let allowed = stack
        .counter("wasmcustom.palisade_authn_allowed_api_key_total")
        .unwrap();
    assert_eq!(allowed, Some(2));
}

#[test]
fn every_bad_key_is_a_401_with_the_api_key_challenge() {
    let stack = stack_with(json!({}), json!({}));
    let wrong_secret = ACTIVE.key.replace("0001xxxxxx", "0001yyyyyy");
    let cases = [
        ("unknown id", UNKNOWN.to_string(), "api_key_unknown"),
        ("wrong secret", wrong_secret, "api_key_mismatch"),
        ("malformed", "not-a-key".to_string(), "api_key_malformed"),
        ("suspended", SUSPENDED.key.to_string(), "api_key_suspended"),
        ("revoked", REVOKED.key.to_string(), "api_key_revoked"),
        ("expired", EXPIRED.key.to_string(), "api_key_expired"),
        (
            "not yet valid",
            NOT_YET_VALID.key.to_string(),
            "api_key_not_yet_valid",
        ),
    ];

    for (what, key, _) in &cases {
        let response = stack.send(&with_key("/accounts/a1", key)).unwrap();
        assert_invalid_key(&response, key, what);
    }

    assert!(
        stack.recorded().unwrap().is_empty(),
        "nothing reached the upstream"
    );
    for (what, _, reason) in &cases {
        let counter = format!("wasmcustom.palisade_authn_denied_{reason}_total");
        assert_eq!(stack.counter(&counter).unwrap(), Some(1), "{what}");
    }
    let log = stack.envoy_log();
    for (what, key, _) in &cases {
        assert!(
            !log.contains(key.as_str()),
            "{what}: the key is in Envoy's log"
        );
    }
    assert!(!log.contains(ACTIVE.key));
}

#[test]
fn a_key_next_to_another_credential_or_twice_is_a_400() {
    let stack = stack_with(json!({}), json!({}));
    let token = stack.token("demo-client").unwrap();

    let with_token = stack
        .send(&with_key("/accounts/a1", ACTIVE.key).bearer(&token))
        .unwrap();
    let twice = stack
        .send(&with_key("/accounts/a1", ACTIVE.key).header("x-api-key", ROTATED.key))
        .unwrap();

    for response in [&with_token, &twice] {
        assert_eq!(response.status, 400, "{}", response.text());
        assert_eq!(
            response.json().unwrap()["type"],
            "urn:palisade:problem:invalid-request"
        );
    }
    assert!(stack.recorded().unwrap().is_empty());
}

#[test]
fn the_authorization_scheme_and_the_query_are_read_only_when_enabled() {
    let enabled = stack_with(
        json!({"authorization_scheme": true, "query_parameter": "api_key"}),
        json!({}),
    );
    let scheme =
        Request::get("/accounts/a1").header("authorization", &format!("ApiKey {}", ACTIVE.key));
    let query = Request::get(&format!("/accounts?x=1&api_key={}&y=2", ACTIVE.key));

    let by_scheme = enabled.send(&scheme).unwrap();
    let by_query = enabled.send(&query).unwrap();

    assert_eq!(by_scheme.status, 200, "{}", by_scheme.text());
    assert_eq!(by_query.status, 200, "{}", by_query.text());
    let recorded = enabled.recorded().unwrap();
    assert_eq!(recorded[0].header("authorization"), None);
    assert_eq!(
        recorded[1].path, "/accounts?x=1&y=2",
        "the key left the query"
    );
    assert_eq!(recorded[1].header("x-palisade-subject"), Some("partner-a"));
    drop(enabled);

    let off = json!({"authorization_scheme": false, "query_parameter": null});
    let disabled = stack_with(off, json!({}));
    let by_scheme = disabled.send(&scheme).unwrap();
    let by_query = disabled.send(&query).unwrap();

    assert_eq!(by_scheme.status, 401);
    assert_eq!(
        by_scheme.header("www-authenticate"),
        Some("Bearer realm=\"palisade-demo\"")
    );
    assert_eq!(by_query.status, 401, "a key in the query is not read");
    assert_eq!(
        by_query.json().unwrap()["type"],
        "urn:palisade:problem:missing-token"
    );
}

#[test]
fn a_peppered_table_accepts_only_keys_hashed_under_its_pepper() {
    let peppered = json!({"hash": "hmac_sha256", "pepper": PEPPER, "keys": keys(true)});
    let stack = stack_with(peppered, json!({}));

    let good = stack.send(&with_key("/accounts/a1", ACTIVE.key)).unwrap();

    assert_eq!(good.status, 200, "{}", good.text());
    let mut unpeppered = json!({"hash": "hmac_sha256", "pepper": PEPPER, "keys": keys(false)});
    unpeppered["keys"].as_array_mut().unwrap().truncate(1);
    let stack = stack_with(unpeppered, json!({}));
    let bad = stack.send(&with_key("/accounts/a1", ACTIVE.key)).unwrap();
    assert_invalid_key(&bad, ACTIVE.key, "plain SHA-256 in a peppered table");
}

#[test]
fn failed_keys_lock_the_client_out() {
    let throttle = json!({"failed_auth_throttle": {"max_failures": 3, "lockout_seconds": 60,
                                                   "per_principal": false}});
    let stack = stack_with(json!({}), throttle);

    let statuses: Vec<u16> = (0..3)
        .map(|_| {
            stack
                .send(&with_key("/accounts/a1", UNKNOWN))
                .unwrap()
                .status
        })
        .collect();
    let locked = stack.send(&with_key("/accounts/a1", ACTIVE.key)).unwrap();

    assert_eq!(statuses, [401, 401, 401]);
    assert_eq!(locked.status, 429, "{}", locked.text());
    assert!(locked.header("retry-after").is_some());
    assert!(stack.recorded().unwrap().is_empty());
}

/// The demo configuration's key (`envoy-configs/demo/authn.json`, published on purpose).
const DEMO_KEY: &str = "pk_demo0001_DEMO-ONLY-published-in-the-repo-never-use-0";

#[test]
fn the_demo_key_passes_the_whole_chain_with_its_scopes_only() {
    let stack = Stack::builder().start().unwrap();
    stack.clear_recorded().unwrap();

    let read = stack.send(&with_key("/accounts/a1", DEMO_KEY)).unwrap();
    let transfer = Request::new("POST", "/transfers")
        .header("x-api-key", DEMO_KEY)
        .json(&json!({"from": "a1", "to": "a2", "amount": 5}));
    let write = stack.send(&transfer).unwrap();

    assert_eq!(read.status, 200, "{}", read.text());
    assert_eq!(
        write.status,
        403,
        "no transfers:write scope: {}",
        write.text()
    );
    let recorded = stack.recorded().unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        recorded[0].header("x-palisade-subject"),
        Some("demo-partner")
    );
}

#[test]
fn a_bad_api_keys_section_stops_envoy_naming_the_field() {
    let cases = [
        (
            json!({"api_keys": {"hash": "hmac_sha256", "keys": []}}),
            "api_keys.pepper",
        ),
        (
            json!({"api_keys": {"hash": "sha256", "keys": [{"id": "test0001", "hash": "abc",
                "consumer": "c", "state": "active", "expires_at": "2099-01-01T00:00:00Z"}]}}),
            "api_keys.keys[0].hash",
        ),
        (
            json!({"api_keys": {"hash": "md5", "keys": []}}),
            "api_keys.hash",
        ),
    ];
    for (patch, named) in cases {
        let refusal = Stack::builder()
            .filters(&[Filter::Authn])
            .patch(Filter::Authn, patch)
            .start_expecting_refusal()
            .unwrap();
        assert_eq!(refusal.exit_code, Some(1), "{named}");
        let line = refusal
            .log
            .lines()
            .find(|line| line.contains("palisade.authn: invalid configuration"))
            .unwrap_or_else(|| panic!("no refusal line for {named}:\n{}", refusal.log));
        assert!(line.contains(named), "{line}");
    }
}
