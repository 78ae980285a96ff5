//! The authn filter in a real Envoy with the real OpenID provider: issued tokens pass with the
//! principal forwarded, every kind of bad token is refused with an RFC 6750 challenge, forged
//! identity headers never reach the upstream, both signature backends verify, and a bad
//! configuration stops Envoy. Hostile tokens are made outside our Rust code: by the IdP's own
//! crypto (node) through its test-only signing endpoint, or by hand for `alg: none`.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use palisade_integration_tests::{http, idp, paths, Filter, Request, Response, Stack};
use serde_json::{json, Value};

/// The headers authn forwards upstream, each with a value a client might try to forge.
const FORGED: [(&str, &str); 3] = [
    ("x-palisade-subject", "admin"),
    ("x-palisade-client-id", "admin-client"),
    ("x-palisade-scopes", "accounts:admin"),
];

/// Envoy with authn alone in front of the demo API, keys fetched.
fn authn_stack(patch: Value) -> Stack {
    let stack = Stack::builder()
        .filters(&[Filter::Authn])
        .patch(Filter::Authn, patch)
        .start()
        .unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    stack.clear_recorded().unwrap();
    stack
}

fn segment(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The IdP's published JWKS.
fn published_keys(stack: &Stack) -> Vec<Value> {
    let jwks = http::send(stack.ports().idp, &Request::get("/jwks")).unwrap();
    jwks.json().unwrap()["keys"].as_array().unwrap().clone()
}

fn published_kid(stack: &Stack, alg: &str) -> String {
    let keys = published_keys(stack);
    let key = keys.iter().find(|k| k["alg"] == alg).unwrap();
    key["kid"].as_str().unwrap().to_string()
}

fn claims_with(stack: &Stack, changes: Value) -> Value {
    let mut claims = idp::standard_claims(stack.ports().idp, "demo-client");
    for (name, value) in changes.as_object().unwrap() {
        claims[name] = value.clone();
    }
    claims
}

fn assert_invalid_token(response: &Response, what: &str) {
    assert_eq!(response.status, 401, "{what}: {}", response.text());
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer realm=") && challenge.contains("error=\"invalid_token\""),
        "{what}: {challenge}"
    );
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        response.json().unwrap()["type"],
        "urn:palisade:problem:invalid-token"
    );
}

#[test]
fn an_issued_es256_token_reaches_the_upstream_with_the_principal() {
    let stack = authn_stack(json!({}));
    let token = stack.token("demo-client").unwrap();
    assert_eq!(segment(&token, 0)["alg"], "ES256");

    let mut request = Request::get("/accounts/a1").bearer(&token);
    for (name, value) in FORGED {
        request = request.header(name, value);
    }
    let response = stack.send(&request).unwrap();

    assert_eq!(response.status, 200, "{}", response.text());
    let recorded = stack.recorded().unwrap();
    let upstream = recorded.last().unwrap();
    assert_eq!(
        upstream.header_values("x-palisade-subject"),
        ["demo-client"]
    );
    assert_eq!(
        upstream.header_values("x-palisade-client-id"),
        ["demo-client"]
    );
    assert_eq!(
        upstream.header_values("x-palisade-scopes"),
        ["accounts:read transfers:write"]
    );
    assert_eq!(
        upstream.header("authorization"),
        None,
        "the token stays at the gateway"
    );
}

#[test]
fn a_missing_token_gets_a_bearer_challenge_and_never_reaches_the_upstream() {
    let stack = authn_stack(json!({}));

    let response = stack.get("/accounts/a1", None).unwrap();

    assert_eq!(response.status, 401);
    assert_eq!(
        response.header("www-authenticate"),
        Some("Bearer realm=\"palisade-demo\"")
    );
    let problem = response.json().unwrap();
    assert_eq!(problem["type"], "urn:palisade:problem:missing-token");
    assert!(problem["request_id"].is_string());
    assert!(stack.recorded().unwrap().is_empty());
}

#[test]
fn bad_tokens_are_refused_with_invalid_token() {
    let stack = authn_stack(json!({}));
    let idp_port = stack.ports().idp;
    let es_kid = published_kid(&stack, "ES256");
    let good = idp::standard_claims(idp_port, "demo-client");
    let sign = |request: Value| stack.sign_token(&request).unwrap();
    let alg_none = format!(
        "{}.{}.",
        b64_json(&json!({"alg": "none", "typ": "at+jwt"})),
        b64_json(&good)
    );
    let alg_none_signed = format!("{alg_none}AAAA");
    let issued = stack.token("demo-client").unwrap();
    let (head, _) = issued.split_once('.').unwrap();
    let tampered = format!(
        "{head}.{}.{}",
        b64_json(&claims_with(&stack, json!({"sub": "admin-client"}))),
        issued.rsplit('.').next().unwrap()
    );
    let es_jwk = published_keys(&stack)
        .into_iter()
        .find(|k| k["alg"] == "ES256")
        .unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("garbage", "not-a-token".to_string()),
        ("three garbage parts", "a.b.c".to_string()),
        (
            "expired",
            sign(json!({"claims": claims_with(&stack, json!({"exp": 1_000_000, "iat": 999_000}))})),
        ),
        (
            "wrong audience",
            sign(json!({"claims": claims_with(&stack, json!({"aud": "urn:other-api"}))})),
        ),
        (
            "wrong issuer",
            sign(json!({"claims": claims_with(&stack, json!({"iss": "http://127.0.0.1:1"}))})),
        ),
        (
            "not yet valid",
            sign(json!({"claims": claims_with(&stack, json!({"nbf": 4_000_000_000u64}))})),
        ),
        ("alg none, no signature", alg_none),
        ("alg none, some signature", alg_none_signed),
        (
            "forged: unpublished key under a published kid",
            sign(json!({"claims": good, "unpublished_alg": "ES256", "header": {"kid": es_kid}})),
        ),
        (
            "forged: unpublished key",
            sign(json!({"claims": good, "unpublished_alg": "RS256"})),
        ),
        (
            "HS256 keyed with the published public key",
            sign(
                json!({"claims": good, "hmac_secret": es_jwk.to_string(), "header": {"kid": es_kid}}),
            ),
        ),
        ("claims swapped after signing", tampered),
        (
            "jku pointing elsewhere",
            sign(json!({"claims": good, "header": {"jku": "http://127.0.0.1:1/jwks"}})),
        ),
    ];

    for (what, token) in &cases {
        let response = stack.get("/accounts/a1", Some(token)).unwrap();
        assert_invalid_token(&response, what);
    }

    assert!(
        stack.recorded().unwrap().is_empty(),
        "nothing reached the upstream"
    );
    let denied = stack
        .counter("wasmcustom.palisade_authn_denied_total")
        .unwrap()
        .unwrap();
    assert!(denied >= cases.len() as u64, "denied_total {denied}");
    let bad_signature = stack
        .counter("wasmcustom.palisade_authn_denied_bad_signature_total")
        .unwrap();
    assert!(bad_signature >= Some(2), "{bad_signature:?}");
}

#[test]
fn malformed_authorization_is_a_400_and_other_schemes_a_401() {
    let stack = authn_stack(json!({}));
    let token = stack.token("demo-client").unwrap();

    let twice = stack
        .send(
            &Request::get("/accounts/a1")
                .bearer(&token)
                .header("authorization", &format!("Bearer {token}")),
        )
        .unwrap();
    let basic = stack
        .send(&Request::get("/accounts/a1").header("authorization", "Basic ZGVtbzpkZW1v"))
        .unwrap();

    assert_eq!(twice.status, 400);
    assert!(twice
        .header("www-authenticate")
        .unwrap()
        .contains("error=\"invalid_request\""));
    assert_eq!(basic.status, 401);
    assert_eq!(
        basic.header("www-authenticate"),
        Some("Bearer realm=\"palisade-demo\"")
    );
}

#[test]
fn health_passes_anonymously_but_not_with_a_bad_token() {
    let stack = authn_stack(json!({}));

    let anonymous = stack.get("/health", None).unwrap();
    let bad = stack.get("/health", Some("not-a-token")).unwrap();

    assert_eq!(anonymous.status, 200, "{}", anonymous.text());
    assert_invalid_token(&bad, "bad token on a public operation");
    let recorded = stack.recorded().unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].header("x-palisade-subject"), None);
}

/// The demo template without its native header-stripping filter, so that authn alone must keep
/// forged identity headers from the upstream.
fn template_without_native_strip() -> String {
    let path = paths::repo_root().join("envoy-configs/demo.template.yaml");
    let template = std::fs::read_to_string(path).unwrap();
    let start = template
        .find("          - name: palisade.strip_identity_headers")
        .expect("the template strips identity headers natively");
    let end = template
        .find("          # palisade-filter audit begin")
        .unwrap();
    format!("{}{}", &template[..start], &template[end..])
}

#[test]
fn authn_itself_keeps_forged_identity_headers_from_the_upstream() {
    let stack = Stack::builder()
        .filters(&[Filter::Authn])
        .template(&template_without_native_strip())
        .start()
        .unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    stack.clear_recorded().unwrap();
    let token = stack.token("reader-client").unwrap();
    let forged = |request: Request| {
        FORGED.iter().fold(request, |request, (name, value)| {
            request.header(name, value)
        })
    };

    let anonymous = stack.send(&forged(Request::get("/health"))).unwrap();
    let verified = stack
        .send(&forged(Request::get("/accounts/a1").bearer(&token)))
        .unwrap();

    assert_eq!((anonymous.status, verified.status), (200, 200));
    let recorded = stack.recorded().unwrap();
    for (name, _) in FORGED {
        assert!(recorded[0].header_values(name).is_empty(), "{name}");
    }
    assert_eq!(
        recorded[1].header_values("x-palisade-subject"),
        ["reader-client"]
    );
    assert_eq!(
        recorded[1].header_values("x-palisade-scopes"),
        ["accounts:read"]
    );
}

/// Tokens of both algorithms, signed by the IdP's published keys.
fn es256_and_rs256_tokens(stack: &Stack) -> [(&'static str, String); 2] {
    let claims = idp::standard_claims(stack.ports().idp, "demo-client");
    ["ES256", "RS256"].map(|alg| {
        let kid = published_kid(stack, alg);
        let token = stack
            .sign_token(&json!({"claims": claims, "kid": kid}))
            .unwrap();
        assert_eq!(segment(&token, 0)["alg"], alg);
        (alg, token)
    })
}

/// The token with one signature character changed, still canonical base64url.
fn with_altered_signature(token: &str) -> String {
    let (input, signature) = token.rsplit_once('.').unwrap();
    let mut chars: Vec<char> = signature.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    format!("{input}.{}", chars.into_iter().collect::<String>())
}

#[test]
fn both_signature_backends_verify_both_algorithms() {
    for backend in ["pure_rust", "host"] {
        let stack = authn_stack(json!({"signature_backend": backend, "cache_entries": 0}));
        for (alg, token) in es256_and_rs256_tokens(&stack) {
            let response = stack.get("/accounts/a1", Some(&token)).unwrap();
            assert_eq!(response.status, 200, "{backend} {alg}: {}", response.text());
            let forged = with_altered_signature(&token);
            let response = stack.get("/accounts/a1", Some(&forged)).unwrap();
            assert_invalid_token(&response, &format!("{backend} {alg} altered signature"));
        }
        let bad_signature = stack
            .counter("wasmcustom.palisade_authn_denied_bad_signature_total")
            .unwrap();
        assert_eq!(bad_signature, Some(2), "{backend}");
    }
}

#[test]
fn a_rotated_key_is_fetched_when_a_token_names_it() {
    let stack = authn_stack(json!({}));
    let kid = stack.rotate_idp_key("ES256", false).unwrap();
    let token = stack.token("demo-client").unwrap();
    assert_eq!(segment(&token, 0)["kid"], kid.as_str());

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let status = loop {
        let status = stack.get("/accounts/a1", Some(&token)).unwrap().status;
        if status == 200 || std::time::Instant::now() > deadline {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };

    assert_eq!(status, 200, "the unknown kid led to an early JWKS refresh");
}

#[test]
fn tokens_are_refused_with_503_until_a_key_set_was_fetched() {
    let stack = Stack::builder()
        .filters(&[Filter::Authn])
        .patch(
            Filter::Authn,
            json!({"providers": [{
                "name": "demo-idp",
                "issuer": "http://127.0.0.1:{{IDP_PORT}}",
                "audiences": ["urn:palisade:demo-api"],
                "jwks": {"cluster": "palisade_idp", "uri": "http://127.0.0.1:{{IDP_PORT}}/no-jwks-here"}
            }]}),
        )
        .start()
        .unwrap();
    let token = stack.token("demo-client").unwrap();

    let refused = stack.get("/accounts/a1", Some(&token)).unwrap();
    let anonymous = stack.get("/health", None).unwrap();

    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(refused.header("retry-after"), Some("5"));
    assert_eq!(
        refused.json().unwrap()["type"],
        "urn:palisade:problem:authentication-unavailable"
    );
    assert_eq!(anonymous.status, 200, "public operations need no keys");
}

#[test]
fn a_bad_configuration_stops_envoy_naming_the_field() {
    let cases = [
        (json!({"no_such_field": true}), "no_such_field"),
        (
            json!({"providers": [{"name": "x", "issuer": "http://x", "audiences": ["a"],
                                   "jwks": {"cluster": "", "uri": "http://127.0.0.1/jwks"}}]}),
            "providers[0].jwks.cluster",
        ),
        (
            json!({"providers": [{"name": "x", "issuer": "http://x", "audiences": ["a"]}]}),
            "missing field `jwks`",
        ),
        (json!({"openapi": {"swagger": "2.0"}}), "openapi.openapi"),
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
