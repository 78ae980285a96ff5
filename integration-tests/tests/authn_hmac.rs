//! HMAC-signed requests through the real Envoy. The client here signs from the canonical form
//! in `filters/authn/HMAC.md`, written again in this file — not with the filter's code — so the
//! test checks the specification: signed requests pass as their consumer; tampered bodies,
//! paths, queries and headers, replays (also across workers), stale timestamps and unknown or
//! suspended keys are 401 with the `Palisade-HMAC-SHA256` challenge; large bodies 413; nothing
//! of a refused request reaches the upstream while headers are held.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use palisade_integration_tests::{http, paths, Filter, Request, Response, Stack};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// base64url of "TestOnlyHmacSecret-NotForProduct" (32 bytes), key id `partner-h`.
const SECRET: &str = "VGVzdE9ubHlIbWFjU2VjcmV0LU5vdEZvclByb2R1Y3Q";
/// base64url of "SuspendedTestSecret-NotForProdct" (32 bytes), key id `paused-h`.
const PAUSED_SECRET: &str = "U3VzcGVuZGVkVGVzdFNlY3JldC1Ob3RGb3JQcm9kY3Q";
const CHALLENGE: &str = "Palisade-HMAC-SHA256 realm=\"palisade-demo\", error=\"invalid_signature\"";
const HOST: &str = "api.test";

fn key(id: &str, secret: &str, state: &str) -> Value {
    json!({"id": id, "secret": secret, "consumer": "partner-h", "scopes": ["transfers:write"],
           "state": state, "expires_at": "2099-01-01T00:00:00Z"})
}

fn hmac_section(extra: Value) -> Value {
    let keys = [
        key("partner-h", SECRET, "active"),
        key("paused-h", PAUSED_SECRET, "suspended"),
    ];
    // Stated in full: the patch merges over the demo's own `hmac` section.
    let mut section = json!({"keys": keys, "hold_request_headers": true,
                             "signed_headers": ["host"], "max_body_bytes": 262144});
    for (name, value) in extra.as_object().unwrap() {
        section[name] = value.clone();
    }
    json!({"hmac": section})
}

/// The demo template with `allow_on_headers_stop_iteration: true` in authn's plugin config,
/// unless it is there already.
fn template_holding_headers() -> String {
    let template =
        std::fs::read_to_string(paths::repo_root().join("envoy-configs/demo.template.yaml"))
            .unwrap();
    let start = template.find("name: palisade_authn").unwrap();
    let end = start
        + template[start..]
            .find("# palisade-filter authn end")
            .unwrap();
    if template[start..end].contains("allow_on_headers_stop_iteration") {
        return template;
    }
    let at = start
        + template[start..]
            .find("failure_policy: FAIL_RELOAD")
            .unwrap();
    let line_end = at + template[at..].find('\n').unwrap() + 1;
    let indent = " ".repeat(template[..at].len() - template[..at].rfind('\n').unwrap() - 1);
    format!(
        "{}{indent}allow_on_headers_stop_iteration: true\n{}",
        &template[..line_end],
        &template[line_end..]
    )
}

fn stack_holding_headers(extra: Value) -> Stack {
    let stack = Stack::builder()
        .filters(&[Filter::Authn])
        .template(&template_holding_headers())
        .patch(Filter::Authn, hmac_section(extra))
        .start()
        .unwrap();
    stack.clear_recorded().unwrap();
    stack
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A fresh nonce per request: 16 to 64 characters from `[A-Za-z0-9_-]`.
fn nonce() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("test-{}-{n:08}", std::process::id())
}

// ---- The client side of HMAC.md, written from the specification. ----

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn canonical_path(path: &str) -> String {
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|segment| encode(&decode(segment, false)))
        .collect();
    format!("/{}", segments.join("/"))
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            (decode(name, true), decode(value, true))
        })
        .collect();
    pairs.sort();
    let pairs: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect();
    pairs.join("&")
}

/// What the client signs with, and when.
struct Signing<'a> {
    key_id: &'a str,
    secret: &'a str,
    signed_headers: &'a [&'a str],
    timestamp: u64,
    nonce: String,
}

impl Signing<'_> {
    fn new(signed_headers: &'static [&'static str]) -> Signing<'static> {
        Signing {
            key_id: "partner-h",
            secret: SECRET,
            signed_headers,
            timestamp: now(),
            nonce: nonce(),
        }
    }
}

/// Adds `host`, `content-digest` and the `Authorization` signature to the request.
fn sign(request: Request, signing: &Signing<'_>) -> Request {
    let digest = STANDARD.encode(Sha256::digest(&request.body));
    let request = request
        .header("host", HOST)
        .header("content-digest", &format!("sha-256=:{digest}:"));
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    let list = signing.signed_headers.join(";");
    let mut lines = vec![
        "PALISADE-HMAC-SHA256".to_string(),
        signing.key_id.to_string(),
        signing.timestamp.to_string(),
        signing.nonce.clone(),
        request.method.clone(),
        canonical_path(path),
        canonical_query(query),
        list.clone(),
    ];
    for name in signing.signed_headers {
        let value = request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .unwrap_or("");
        lines.push(format!("{name}:{value}"));
    }
    let secret = URL_SAFE_NO_PAD.decode(signing.secret).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
    mac.update(lines.join("\n").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    let authorization = format!(
        "Palisade-HMAC-SHA256 keyId={}, signedHeaders={list}, timestamp={}, nonce={}, \
         signature={signature}",
        signing.key_id, signing.timestamp, signing.nonce
    );
    request.header("authorization", &authorization)
}

// ---- The tests. ----

const HEADERS: &[&str] = &["host", "content-digest", "content-type"];

fn transfer() -> Request {
    Request::new("POST", "/transfers?b=x+y&a=%7E1")
        .json(&json!({"from": "a1", "to": "a2", "amount": 5}))
}

fn assert_refused(response: &Response, what: &str) {
    assert_eq!(response.status, 401, "{what}: {}", response.text());
    assert_eq!(
        response.header("www-authenticate"),
        Some(CHALLENGE),
        "{what}"
    );
    assert_eq!(
        response.json().unwrap()["type"],
        "urn:palisade:problem:invalid-signature",
        "{what}"
    );
}

fn counter(stack: &Stack, reason: &str) -> Option<u64> {
    let name = format!("wasmcustom.palisade_authn_denied_{reason}_total");
    stack.counter(&name).unwrap()
}

#[test]
fn signed_requests_reach_the_upstream_as_their_consumer() {
    let stack = stack_holding_headers(json!({}));

    let post = stack
        .send(&sign(transfer(), &Signing::new(HEADERS)))
        .unwrap();
    let get = Request::get("/accounts/a1?z=1&a=2");
    let get = stack
        .send(&sign(get, &Signing::new(&["host", "content-digest"])))
        .unwrap();

    assert_eq!(post.status, 201, "{}", post.text());
    assert_eq!(get.status, 200, "{}", get.text());
    let recorded = stack.recorded().unwrap();
    assert_eq!(recorded.len(), 2);
    for upstream in &recorded {
        assert_eq!(upstream.header_values("x-palisade-subject"), ["partner-h"]);
        assert_eq!(
            upstream.header_values("x-palisade-client-id"),
            ["partner-h"]
        );
        assert_eq!(upstream.header("authorization"), None);
    }
    assert_eq!(recorded[0].body, r#"{"amount":5,"from":"a1","to":"a2"}"#);
    let allowed = stack.counter("wasmcustom.palisade_authn_allowed_hmac_total");
    assert_eq!(allowed.unwrap(), Some(2));
}

#[test]
fn tampering_with_body_path_query_or_a_signed_header_is_refused() {
    let stack = stack_holding_headers(json!({}));
    let signed = || sign(transfer(), &Signing::new(HEADERS));
    let mut body = signed();
    body.body = br#"{"amount":500,"from":"a1","to":"a2"}"#.to_vec();
    let mut body_and_digest = body.clone();
    let digest = STANDARD.encode(Sha256::digest(&body_and_digest.body));
    for (name, value) in body_and_digest.headers.iter_mut() {
        if name == "content-digest" {
            *value = format!("sha-256=:{digest}:");
        }
    }
    let mut path = signed();
    path.target = "/transfers/x?b=x+y&a=%7E1".into();
    let mut query = signed();
    query.target = "/transfers?b=x+y&a=2".into();
    let mut header = signed();
    for (name, value) in header.headers.iter_mut() {
        if name == "content-type" {
            *value = "application/json; charset=latin1".into();
        }
    }
    let cases = [
        ("body", body, "hmac_digest_mismatch"),
        ("body and digest", body_and_digest, "hmac_bad_signature"),
        ("path", path, "hmac_bad_signature"),
        ("query", query, "hmac_bad_signature"),
        ("signed header", header, "hmac_bad_signature"),
    ];

    for (what, request, _) in &cases {
        assert_refused(&stack.send(request).unwrap(), what);
    }

    assert!(
        stack.recorded().unwrap().is_empty(),
        "nothing reached the upstream"
    );
    assert_eq!(counter(&stack, "hmac_digest_mismatch"), Some(1));
    assert_eq!(counter(&stack, "hmac_bad_signature"), Some(4));
}

#[test]
fn replays_stale_timestamps_and_unknown_or_suspended_keys_are_refused() {
    let stack = stack_holding_headers(json!({}));
    let request = sign(transfer(), &Signing::new(HEADERS));
    let mut stale = Signing::new(HEADERS);
    stale.timestamp = now() - 301;
    let mut future = Signing::new(HEADERS);
    future.timestamp = now() + 301;
    let mut unknown = Signing::new(HEADERS);
    unknown.key_id = "nobody";
    let mut paused = Signing::new(HEADERS);
    paused.key_id = "paused-h";
    paused.secret = PAUSED_SECRET;

    let first = stack.send(&request).unwrap();
    let cases = [
        ("replayed", request.clone(), "hmac_replayed_nonce"),
        ("stale", sign(transfer(), &stale), "hmac_stale_timestamp"),
        ("future", sign(transfer(), &future), "hmac_stale_timestamp"),
        (
            "unknown key",
            sign(transfer(), &unknown),
            "hmac_unknown_key",
        ),
        (
            "suspended key",
            sign(transfer(), &paused),
            "hmac_key_suspended",
        ),
    ];

    assert_eq!(first.status, 201, "{}", first.text());
    for (what, request, _) in &cases {
        assert_refused(&stack.send(request).unwrap(), what);
    }
    assert_eq!(
        stack.recorded().unwrap().len(),
        1,
        "only the first one passed"
    );
    assert_eq!(counter(&stack, "hmac_stale_timestamp"), Some(2));
    assert_eq!(counter(&stack, "hmac_replayed_nonce"), Some(1));
}

#[test]
fn a_replay_on_other_connections_and_workers_is_refused_too() {
    let stack = Stack::builder()
        .filters(&[Filter::Authn])
        .template(&template_holding_headers())
        .patch(Filter::Authn, hmac_section(json!({})))
        .concurrency(4)
        .start()
        .unwrap();
    stack.clear_recorded().unwrap();
    let request = sign(transfer(), &Signing::new(HEADERS));

    // Each send opens its own connection; Envoy spreads connections over its workers.
    let statuses: Vec<u16> = (0..8)
        .map(|_| http::send(stack.ports().envoy, &request).unwrap().status)
        .collect();

    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        7,
        "{statuses:?}"
    );
}

#[test]
fn headers_that_must_be_signed_or_occur_once_are_enforced() {
    let stack = stack_holding_headers(json!({"signed_headers": ["host", "content-type"]}));
    let without_content_type = sign(transfer(), &Signing::new(&["host", "content-digest"]));
    let mut missing = sign(transfer(), &Signing::new(HEADERS));
    missing.headers.retain(|(name, _)| name != "content-type");
    let doubled = sign(transfer(), &Signing::new(HEADERS)).header("content-type", "text/plain");

    for (what, request) in [
        ("required header unsigned", without_content_type),
        ("signed header missing", missing),
        ("signed header twice", doubled),
    ] {
        assert_refused(&stack.send(&request).unwrap(), what);
    }
    assert_eq!(counter(&stack, "hmac_unsigned_required_header"), Some(1));
    assert!(stack.recorded().unwrap().is_empty());
}

#[test]
fn a_body_over_the_limit_is_a_413() {
    let stack = stack_holding_headers(json!({"max_body_bytes": 1024}));
    let large = Request::new("POST", "/transfers")
        .json(&json!({"from": "a1", "to": "a2", "amount": 5, "memo": "x".repeat(4096)}));

    let response = stack.send(&sign(large, &Signing::new(HEADERS))).unwrap();

    assert_eq!(response.status, 413, "{}", response.text());
    assert!(stack.recorded().unwrap().is_empty());
}

#[test]
fn without_held_headers_a_tampered_body_is_still_refused() {
    // The demo template as it is: no allow_on_headers_stop_iteration for authn.
    let stack = Stack::builder()
        .filters(&[Filter::Authn])
        .patch(
            Filter::Authn,
            hmac_section(json!({"hold_request_headers": false})),
        )
        .start()
        .unwrap();
    let good = stack
        .send(&sign(transfer(), &Signing::new(HEADERS)))
        .unwrap();
    let mut tampered = sign(transfer(), &Signing::new(HEADERS));
    tampered.body = br#"{"amount":500,"from":"a1","to":"a2"}"#.to_vec();

    let refused = stack.send(&tampered).unwrap();

    assert_eq!(good.status, 201, "{}", good.text());
    assert_refused(&refused, "tampered body, headers already sent");
}

#[test]
fn a_bad_hmac_section_stops_envoy_naming_the_field() {
    let short = json!({"hmac": {"keys": [{"id": "k", "secret": "c2hvcnQ", "consumer": "c",
                                          "state": "active", "expires_at": "2099-01-01T00:00:00Z"}]}});
    let refusal = Stack::builder()
        .filters(&[Filter::Authn])
        .patch(Filter::Authn, short)
        .start_expecting_refusal()
        .unwrap();
    assert_eq!(refusal.exit_code, Some(1));
    let line = refusal
        .log
        .lines()
        .find(|line| line.contains("palisade.authn: invalid configuration"))
        .unwrap_or_else(|| panic!("no refusal line:\n{}", refusal.log));
    assert!(line.contains("hmac.keys[0].secret"), "{line}");
}
