//! Attacks on the authn filter through a real Envoy: lockouts an unauthenticated attacker can
//! aim at a victim, lockout bypasses, malformed credentials meant to crash the filter, and
//! secrets leaking into answers or logs.
//!
//! Tests named in the review report as failing document a weakness: they assert the safe
//! behaviour and fail until the filter is fixed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::http::Connection;
use palisade_integration_tests::{idp, Filter, Request, Response, Stack};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The demo configuration's published API key (`envoy-configs/demo/authn.json`).
const DEMO_KEY: &str = "pk_demo0001_DEMO-ONLY-published-in-the-repo-never-use-0";

fn authn_stack(patch: Value) -> Stack {
    let stack = Stack::builder()
        .filters(&[Filter::Authn])
        .patch(Filter::Authn, patch)
        .start()
        .unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    stack
}

fn with_key(key: &str) -> Request {
    Request::get("/accounts/a1").header("x-api-key", key)
}

/// A token claiming `sub`, signed by a key the IdP does not publish, under a published kid.
fn forged_token(stack: &Stack, sub: &str) -> String {
    let genuine = stack.token("demo-client").unwrap();
    let header = genuine.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).unwrap(),
    )
    .unwrap();
    let mut claims = idp::standard_claims(stack.ports().idp, "demo-client");
    claims["sub"] = json!(sub);
    let request =
        json!({"claims": claims, "unpublished_alg": "ES256", "header": {"kid": header["kid"]}});
    stack.sign_token(&request).unwrap()
}

fn raw_exchange(port: u16, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn status_of(raw: &str) -> Option<u16> {
    raw.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// Lockout of a victim

// ---------------------------------------------------------------------------------------------
// Lockout bypass

/// Once a source is locked out, neither new connections (new source ports) nor
/// `X-Forwarded-For` / `Forwarded` / `X-Real-IP` headers free it.
#[test]
fn a_locked_out_source_stays_locked_across_ports_and_forwarding_headers() {
    let stack = authn_stack(
        json!({"failed_auth_throttle": {"max_failures": 3, "per_source": true,
        "per_principal": false, "lockout_seconds": 60}}),
    );
    for n in 0..4 {
        let response = stack.send(&with_key(&format!("pk_zz{n:06}_nope"))).unwrap();
        assert!(
            matches!(response.status, 401 | 429 | 400),
            "{}",
            response.text()
        );
    }
    let genuine = stack.token("demo-client").unwrap();
    let disguises = [
        ("x-forwarded-for", "203.0.113.9"),
        ("forwarded", "for=203.0.113.9"),
        ("x-real-ip", "203.0.113.9"),
        ("x-envoy-external-address", "203.0.113.9"),
        ("x-client-ip", "203.0.113.9"),
    ];
    for (name, value) in disguises {
        let response = stack
            .send(
                &Request::get("/accounts/a1")
                    .bearer(&genuine)
                    .header(name, value),
            )
            .unwrap();
        assert_eq!(response.status, 429, "{name}: {}", response.text());
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed credentials must never break the filter

#[test]
fn malformed_credentials_never_crash_the_filter() {
    let stack = authn_stack(json!({}));
    let port = stack.ports().envoy;
    let long = "a".repeat(60_000);
    let dots = "a.".repeat(4000);
    let deep_header = format!(
        "{}.e30.AA",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            format!("{}{}", "[".repeat(500), "]".repeat(500))
        )
    );
    let values: Vec<String> = vec![
        format!("Bearer {long}"),
        format!("Bearer {dots}"),
        format!("Bearer {deep_header}"),
        "Bearer e30.e30.e30".into(),
        "Bearer ..".into(),
        "Bearer .e30.".into(),
        "Bearer =".into(),
        "DPoP e30.e30.AA".into(),
        "ApiKey ".into(),
        "ApiKey pk__".into(),
        "ApiKey pk_".into(),
        format!("ApiKey pk_{long}"),
        "Palisade-HMAC-SHA256 ".into(),
        "Palisade-HMAC-SHA256 keyId=".into(),
        "Palisade-HMAC-SHA256 keyId=demo-hmac, keyId=demo-hmac".into(),
        "Palisade-HMAC-SHA256 keyId=\"demo-hmac\", timestamp=99999999999999999999999, nonce=a, signedHeaders=host, signature=AA".into(),
        "Palisade-HMAC-SHA256 keyId=demo-hmac, timestamp=-1, nonce=, signedHeaders=, signature=".into(),
        "Palisade-HMAC-SHA256 keyId=demo-hmac,,,,,,,".into(),
        format!("Palisade-HMAC-SHA256 keyId=demo-hmac, nonce={long}"),
        "Basic Og==".into(),
    ];
    for value in &values {
        let response = stack
            .send(&Request::get("/accounts/a1").header("authorization", value))
            .unwrap();
        assert!(
            (400..500).contains(&response.status) && !response.body.is_empty(),
            "{}: {} {}",
            value.get(..60.min(value.len())).unwrap(),
            response.status,
            response.text()
        );
    }
    for key in [
        "",
        " ",
        "pk_",
        "pk_demo0001_",
        &format!("pk_demo0001_{long}"),
        "\u{7f}",
    ] {
        let response = stack.send(&with_key(key)).unwrap();
        assert!(
            (400..500).contains(&response.status) && !response.body.is_empty(),
            "key {key:?}: {} {}",
            response.status,
            response.text()
        );
    }
    // Non-UTF-8 bytes in the Authorization header and the API key header.
    for raw in [
        &b"GET /accounts/a1 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer \xff\xfe.\xc0\xaf.a\r\nconnection: close\r\n\r\n"[..],
        &b"GET /accounts/a1 HTTP/1.1\r\nhost: x\r\nx-api-key: pk_demo0001_\xff\xff\r\nconnection: close\r\n\r\n"[..],
        &b"GET /accounts/a1 HTTP/1.1\r\nhost: x\r\nauthorization: Palisade-HMAC-SHA256 keyId=\xc3\xa9, nonce=\xff\r\nconnection: close\r\n\r\n"[..],
    ] {
        let answer = raw_exchange(port, raw);
        let status = status_of(&answer);
        assert!(
            status.is_some_and(|s| (400..500).contains(&s)),
            "raw bytes: {answer}"
        );
    }
    // The filter still works afterwards.
    let genuine = stack.token("demo-client").unwrap();
    let after = stack.get("/accounts/a1", Some(&genuine)).unwrap();
    assert_eq!(after.status, 200, "{}", after.text());
    let key = stack.send(&with_key(DEMO_KEY)).unwrap();
    assert_eq!(key.status, 200, "{}", key.text());
}

// ---------------------------------------------------------------------------------------------
// Several credentials at once

fn assert_refused(response: &Response, what: &str) {
    assert!(
        matches!(response.status, 400 | 401),
        "{what}: {} {}",
        response.status,
        response.text()
    );
}

#[test]
fn a_second_credential_of_another_kind_is_refused_not_ignored() {
    let stack = authn_stack(json!({}));
    let genuine = stack.token("demo-client").unwrap();
    let reader = stack.token("reader-client").unwrap();
    stack.clear_recorded().unwrap();
    let cases = [
        (
            "bearer + api key header",
            Request::get("/accounts/a1")
                .bearer(&genuine)
                .header("x-api-key", DEMO_KEY),
        ),
        (
            "api key header + garbage bearer",
            Request::get("/accounts/a1")
                .bearer("not.a.token")
                .header("x-api-key", DEMO_KEY),
        ),
        (
            "two api key headers",
            Request::get("/accounts/a1")
                .header("x-api-key", DEMO_KEY)
                .header("x-api-key", "pk_demo0001_wrong"),
        ),
        (
            "two bearer tokens",
            Request::get("/accounts/a1")
                .bearer(&genuine)
                .bearer(&reader),
        ),
        (
            "ApiKey scheme + header",
            Request::get("/accounts/a1")
                .header("authorization", &format!("ApiKey {DEMO_KEY}"))
                .header("x-api-key", DEMO_KEY),
        ),
    ];
    for (what, request) in cases {
        assert_refused(&stack.send(&request).unwrap(), what);
    }
    // Query tokens are not enabled in the demo: a token there is not a credential.
    let response = stack
        .get(&format!("/accounts/a1?access_token={genuine}"), None)
        .unwrap();
    assert_eq!(response.status, 401, "{}", response.text());
    let response = stack
        .get(&format!("/accounts/a1?api_key={DEMO_KEY}"), None)
        .unwrap();
    assert_eq!(response.status, 401, "{}", response.text());
    assert!(stack.recorded().unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Secrets in answers and logs

#[test]
fn refused_secrets_appear_neither_in_answers_nor_in_the_log() {
    let stack = authn_stack(json!({}));
    let wrong_key = "pk_demo0001_SECRETSECRET-attacker-key-value-should-not-leak";
    let forged = forged_token(&stack, "leaky-subject");
    let signature = forged.rsplit('.').next().unwrap().to_string();
    let answers = [
        stack.send(&with_key(wrong_key)).unwrap(),
        stack.get("/accounts/a1", Some(&forged)).unwrap(),
        stack
            .send(
                &Request::get("/accounts/a1")
                    .header("authorization", "Palisade-HMAC-SHA256 keyId=demo-hmac, timestamp=1, nonce=SECRETNONCE, signedHeaders=host, signature=SECRETSIGNATURE"),
            )
            .unwrap(),
    ];
    for answer in &answers {
        let text = format!("{:?} {}", answer.headers, answer.text());
        assert!(!text.contains("SECRETSECRET"), "{text}");
        assert!(!text.contains(&signature), "{text}");
        assert!(!text.contains("SECRETSIGNATURE"), "{text}");
    }
    std::thread::sleep(Duration::from_millis(500));
    let log = stack.envoy_log();
    assert!(!log.contains("SECRETSECRET"), "API key in the Envoy log");
    assert!(
        !log.contains(&signature),
        "token signature in the Envoy log"
    );
    assert!(
        !log.contains("SECRETSIGNATURE"),
        "HMAC signature in the log"
    );
}

/// Keep-alive: a refusal on one request must not poison the next on the same connection.
#[test]
fn a_refusal_does_not_poison_the_next_request_on_the_connection() {
    let stack = authn_stack(json!({}));
    let genuine = stack.token("demo-client").unwrap();
    let mut connection = Connection::open(stack.ports().envoy).unwrap();
    let bad = connection
        .send(&Request::get("/accounts/a1").bearer("e30.e30.AA"))
        .unwrap();
    assert_eq!(bad.status, 401);
    let good = connection
        .send(&Request::get("/accounts/a1").bearer(&genuine))
        .unwrap();
    assert_eq!(good.status, 200, "{}", good.text());
    let none = connection.send(&Request::get("/accounts/a1")).unwrap();
    assert_eq!(
        none.status,
        401,
        "the previous principal leaked: {}",
        none.text()
    );
}
