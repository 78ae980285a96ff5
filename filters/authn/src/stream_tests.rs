use super::*;
use crate::config::{self, Config};
use crate::testing::*;
use palisade_shared::host::FakeHost;
use serde_json::{json, Value};

fn config(extra: Value) -> Config {
    let mut config = json!({
        "realm": "demo",
        "providers": [{
            "name": "idp", "issuer": ISSUER, "audiences": [AUDIENCE],
            "jwks": {"cluster": "palisade_idp", "uri": "http://127.0.0.1:18081/jwks"}
        }],
        "openapi": serde_json::from_str::<Value>(
            include_str!("../../../schemas/demo-api.openapi.json")).unwrap()
    });
    for (name, value) in extra.as_object().unwrap() {
        config[name] = value.clone();
    }
    config::load(config.to_string().as_bytes()).unwrap()
}

fn run(config: &Config, headers: &[(&str, &str)]) -> (FakeHost, Handled) {
    run_on(config, FakeHost::with_request_headers(headers))
}

fn run_on(config: &Config, host: FakeHost) -> (FakeHost, Handled) {
    let parts = Parts::with_test_keys(config);
    let handled = handle(&host, &parts.authenticator());
    (host, handled)
}

fn token() -> String {
    es256_token(&json!({"alg": "ES256", "kid": "ec-1"}), &good_claims())
}

/// The decision recorded for this stage (refusals only).
fn decision(host: &FakeHost) -> Value {
    serde_json::from_slice(&host.properties.borrow()["palisade.decision.authn"]).unwrap()
}

/// What audit makes of an admitted request: no recorded decision, the principal's admission.
fn admission(host: &FakeHost) -> palisade_shared::decision::Decision {
    assert!(
        !host
            .properties
            .borrow()
            .contains_key("palisade.decision.authn"),
        "an admitted request costs no decision write"
    );
    let principal = palisade_shared::principal::Principal::load(host).unwrap();
    palisade_shared::decision::Decision::admitted(&principal.unwrap())
}

const FORGED: [(&str, &str); 3] = [
    ("x-palisade-subject", "admin"),
    ("x-palisade-client-id", "root"),
    ("x-palisade-scopes", "accounts:admin"),
];

#[test]
fn a_valid_token_forwards_identity_and_stores_the_principal_as_its_admission() {
    let auth = format!("Bearer {}", token());
    let mut headers = vec![
        (":method", "GET"),
        (":path", "/accounts"),
        ("authorization", auth.as_str()),
    ];
    headers.extend(FORGED);
    let (host, handled) = run(&config(json!({})), &headers);
    assert!(handled.proceed);
    assert_eq!(
        host.request_header("x-palisade-subject").as_deref(),
        Some("alice")
    );
    assert_eq!(
        host.request_header("x-palisade-client-id").as_deref(),
        Some("demo-client")
    );
    assert_eq!(
        host.request_header("x-palisade-scopes").as_deref(),
        Some("accounts:read transfers:write")
    );
    assert_eq!(
        host.request_header("authorization"),
        None,
        "the token is not forwarded"
    );
    let principal = palisade_shared::principal::Principal::load(&host)
        .unwrap()
        .unwrap();
    assert_eq!(principal.id, "alice");
    assert_eq!(
        admission(&host),
        palisade_shared::decision::Decision::allow("bearer_token")
    );
    assert!(host.sent().is_none());
}

#[test]
fn anonymous_calls_lose_forged_identity_headers() {
    let mut headers = vec![(":method", "GET"), (":path", "/health")];
    headers.extend(FORGED);
    let (host, handled) = run(&config(json!({})), &headers);
    assert!(handled.proceed);
    for (name, _) in FORGED {
        assert_eq!(host.request_header(name), None, "{name}");
    }
    let principal = palisade_shared::principal::Principal::load(&host)
        .unwrap()
        .unwrap();
    assert_eq!(
        principal.kind,
        palisade_shared::principal::PrincipalKind::Anonymous
    );
    assert_eq!(admission(&host).reason, "public_operation");
}

#[test]
fn identity_headers_can_be_withheld_and_the_token_forwarded() {
    let auth = format!("Bearer {}", token());
    let mut headers = vec![
        (":method", "GET"),
        (":path", "/accounts"),
        ("authorization", auth.as_str()),
    ];
    headers.extend(FORGED);
    let config = config(json!({"forward_identity_headers": false, "forward_token": true}));
    let (host, _) = run(&config, &headers);
    for (name, _) in FORGED {
        assert_eq!(host.request_header(name), None, "{name}");
    }
    assert_eq!(host.request_header("authorization"), Some(auth));
}

#[test]
fn a_missing_token_gets_a_bare_bearer_challenge_and_a_problem() {
    let headers = [
        (":method", "GET"),
        (":path", "/accounts"),
        ("x-request-id", "req-1"),
    ];
    let (host, handled) = run(&config(json!({})), &headers);
    assert!(!handled.proceed);
    let sent = host.sent().unwrap();
    assert_eq!(sent.status, 401);
    assert_eq!(
        sent.header("www-authenticate"),
        Some("Bearer realm=\"demo\"")
    );
    assert_eq!(
        sent.header("content-type"),
        Some("application/problem+json")
    );
    let body = sent.json();
    assert_eq!(body["type"], "urn:palisade:problem:missing-token");
    assert_eq!(body["request_id"], "req-1");
    assert_eq!(decision(&host)["reason"], "missing_token");
}

#[test]
fn a_bad_token_is_refused_with_invalid_token_and_nothing_internal() {
    let mut forged = token();
    forged.push('A');
    let auth = format!("Bearer {forged}");
    let headers = [
        (":method", "GET"),
        (":path", "/accounts"),
        ("authorization", auth.as_str()),
    ];
    let (host, _) = run(&config(json!({})), &headers);
    let sent = host.sent().unwrap();
    assert_eq!(sent.status, 401);
    assert!(sent
        .header("www-authenticate")
        .unwrap()
        .contains("error=\"invalid_token\""));
    let body = String::from_utf8(sent.body.clone()).unwrap();
    for secret in ["ec-1", "bad_signature", "kid", &forged] {
        assert!(!body.contains(secret), "body leaks {secret}: {body}");
    }
    assert_eq!(decision(&host)["reason"], "bad_signature");
    assert_eq!(decision(&host)["status"], 401);
}

#[test]
fn an_unparseable_path_is_a_400_problem() {
    let headers = [(":method", "GET"), (":path", "/a/%2F/b")];
    let (host, handled) = run(&config(json!({})), &headers);
    assert!(!handled.proceed);
    let sent = host.sent().unwrap();
    assert_eq!(sent.status, 400);
    assert_eq!(sent.json()["type"], "urn:palisade:problem:invalid-path");
}

#[test]
fn claims_with_line_breaks_are_not_forwarded_as_headers() {
    let claims = {
        let mut claims = good_claims();
        claims["sub"] = json!("alice\r\nx-injected: 1");
        claims
    };
    let auth = format!(
        "Bearer {}",
        es256_token(&json!({"alg": "ES256", "kid": "ec-1"}), &claims)
    );
    let headers = [
        (":method", "GET"),
        (":path", "/accounts"),
        ("authorization", auth.as_str()),
    ];
    let (host, handled) = run(&config(json!({})), &headers);
    assert!(handled.proceed);
    assert_eq!(host.request_header("x-palisade-subject"), None);
    assert_eq!(
        host.request_header("x-palisade-client-id").as_deref(),
        Some("demo-client")
    );
}

fn tenant_token() -> String {
    let mut claims = good_claims();
    claims["tenant"] = json!("acme");
    claims["accounts"] = json!(["a1", "a2"]);
    es256_token(&json!({"alg": "ES256", "kid": "ec-1"}), &claims)
}

#[test]
fn configured_claims_go_upstream_and_client_copies_never_do() {
    let config = config(json!({"claim_headers": {"tenant": "x-palisade-tenant",
                                                  "accounts": "x-palisade-accounts"}}));
    let auth = format!("Bearer {}", tenant_token());
    let headers = [
        (":method", "GET"),
        (":path", "/accounts"),
        ("authorization", auth.as_str()),
        ("x-palisade-tenant", "forged"),
    ];
    let (host, _) = run(&config, &headers);
    assert_eq!(
        host.request_header("x-palisade-tenant").as_deref(),
        Some("acme")
    );
    assert_eq!(
        host.request_header("x-palisade-accounts").as_deref(),
        Some("a1,a2")
    );
    let anonymous = [
        (":method", "GET"),
        (":path", "/health"),
        ("x-palisade-tenant", "forged"),
    ];
    let (host, handled) = run(&config, &anonymous);
    assert!(handled.proceed);
    assert_eq!(host.request_header("x-palisade-tenant"), None);
}

#[test]
fn a_token_from_the_query_or_a_cookie_does_not_reach_the_upstream() {
    let config = config(
        json!({"token_sources": {"cookie": "at", "header": "x-access-token",
        "query": {"parameter": "access_token", "operations": ["getAccount"]}}}),
    );
    let token = tenant_token();
    let path = format!("/accounts/a1?x=1&access_token={token}&y=2");
    let (host, handled) = run(&config, &[(":method", "GET"), (":path", &path)]);
    assert!(handled.proceed, "{:?}", handled.verdict);
    assert_eq!(
        host.request_header(":path").as_deref(),
        Some("/accounts/a1?x=1&y=2")
    );
    let cookie = format!("theme=dark; at={token}");
    let (host, handled) = run(
        &config,
        &[
            (":method", "GET"),
            (":path", "/accounts"),
            ("cookie", &cookie),
        ],
    );
    assert!(handled.proceed);
    assert_eq!(host.request_header("cookie").as_deref(), Some("theme=dark"));
    let named = [
        (":method", "GET"),
        (":path", "/accounts"),
        ("x-access-token", token.as_str()),
    ];
    let (host, handled) = run(&config, &named);
    assert!(handled.proceed);
    assert_eq!(host.request_header("x-access-token"), None);
}

#[test]
fn a_locked_out_client_gets_429_with_retry_after() {
    let config =
        config(json!({"failed_auth_throttle": {"max_failures": 1, "lockout_seconds": 45}}));
    let parts = Parts::with_test_keys(&config);
    let authenticator = parts.authenticator();
    let request = |auth: &str| {
        let headers = [
            (":method", "GET"),
            (":path", "/accounts"),
            ("authorization", auth),
        ];
        let host = FakeHost::with_request_headers(&headers)
            .with_property(&["source", "address"], b"10.0.0.7:40000");
        handle(&host, &authenticator);
        host.sent().unwrap()
    };
    assert_eq!(request("Bearer a.b.c").status, 401);
    let locked = request(&format!("Bearer {}", token()));
    assert_eq!(locked.status, 429);
    assert_eq!(locked.header("retry-after"), Some("45"));
    assert_eq!(
        locked.json()["type"],
        "urn:palisade:problem:authentication-throttled"
    );
}

#[test]
fn the_client_address_is_read_only_while_some_address_is_locked_out() {
    let config =
        config(json!({"failed_auth_throttle": {"max_failures": 2, "lockout_seconds": 45}}));
    let parts = Parts::with_test_keys(&config);
    let authenticator = parts.authenticator();
    // (status, whether the address was read) of one request from `address`.
    let request = |auth: &str, address: &str| {
        let headers = [
            (":method", "GET"),
            (":path", "/accounts"),
            ("authorization", auth),
        ];
        let host = FakeHost::with_request_headers(&headers)
            .with_property(&["source", "address"], address.as_bytes());
        let handled = handle(&host, &authenticator);
        let read = host
            .property_reads
            .borrow()
            .contains(&"source.address".into());
        (handled.proceed, host.sent().map(|sent| sent.status), read)
    };
    let good = format!("Bearer {}", token());
    let (guesser, honest) = ("10.0.0.8:1000", "10.0.0.9:2000");
    assert_eq!(request(&good, honest), (true, None, false));
    // A failure is counted against its address, so it reads it; no lockout yet.
    assert_eq!(request("Bearer a.b.c", guesser), (false, Some(401), true));
    assert_eq!(request(&good, honest), (true, None, false));
    assert_eq!(request("Bearer a.b.c", guesser), (false, Some(401), true));
    // From now on each credential's address is read: the guesser's is refused, even with a
    // good token, the honest client's is not.
    assert_eq!(request(&good, guesser), (false, Some(429), true));
    assert_eq!(request(&good, honest), (true, None, true));
    // Requests without a credential never concern the lockout.
    let public = FakeHost::with_request_headers(&[(":method", "GET"), (":path", "/accounts")]);
    handle(&public, &authenticator);
    assert!(public.property_reads.borrow().is_empty());
}

#[test]
fn a_certificate_bound_token_is_checked_against_the_connection_without_mtls_configured() {
    let digest = [0xc1u8; 32];
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let token = crate::binding::fixture::bound_token(json!({"x5t#S256": b64(digest)}));
    let authorization = format!("Bearer {token}");
    let headers = [
        (":method", "GET"),
        (":path", "/accounts"),
        ("authorization", authorization.as_str()),
    ];
    let over_mtls = FakeHost::with_request_headers(&headers)
        .with_property(&["connection", "mtls"], &[1])
        .with_property(
            &["connection", "sha256_peer_certificate_digest"],
            hex.as_bytes(),
        );
    let (_, handled) = run_on(&config(json!({})), over_mtls);
    assert!(handled.proceed, "{:?}", handled.verdict);
    let plain =
        FakeHost::with_request_headers(&headers).with_property(&["connection", "mtls"], &[0]);
    let (_, handled) = run_on(&config(json!({})), plain);
    assert_eq!(
        handled.verdict,
        Verdict::Refused(Refusal::InvalidToken("certificate_binding_missing"))
    );
}
