//! Attacks on the validate filter through a real Envoy: bodies and media types the contract
//! forbids, framed, encoded or spelled so that a reader might let them through to the
//! upstream, and inputs meant to crash the filter.
//!
//! Tests named in the review report as failing document a weakness: they assert the safe
//! behaviour and fail until the filter is fixed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::{Filter, Request, Stack};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A body that violates `NewTransfer` only by an undeclared `admin` member: if it reaches the
/// upstream, the contract was bypassed.
const SMUGGLED: &str = r#"{"from":"a1","to":"a2","amount":5,"currency":"EUR","admin":"SMUGGLED"}"#;

fn validate_stack(patch: Value) -> Stack {
    Stack::builder()
        .filters(&[Filter::Validate])
        .patch(Filter::Validate, patch)
        .start()
        .unwrap()
}

fn smuggled_reached(stack: &Stack) -> Vec<String> {
    stack
        .recorded()
        .unwrap()
        .into_iter()
        .filter(|r| r.body.contains("SMUGGLED"))
        .map(|r| format!("{} {} {:?}", r.method, r.path, r.body))
        .collect()
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

fn statuses(raw: &str) -> Vec<u16> {
    raw.match_indices("HTTP/1.1 ")
        .filter_map(|(at, _)| raw.get(at + 9..at + 12)?.parse().ok())
        .collect()
}

#[test]
fn content_type_games_never_carry_a_forbidden_body_upstream() {
    let stack = validate_stack(json!({}));
    stack.clear_recorded().unwrap();
    let types = [
        "application/json;charset=utf-16",
        "application/json; charset=\"utf-16le\"",
        "APPLICATION/JSON",
        "application/json-patch+json",
        "application/merge-patch+json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "application/json, text/plain",
        "application/json;",
        "application/json ; charset=utf-8",
        "*/*",
        "",
    ];
    for content_type in types {
        let response = stack
            .send(
                &Request::new("POST", "/transfers")
                    .header("content-type", content_type)
                    .body(SMUGGLED),
            )
            .unwrap();
        assert!(
            (400..500).contains(&response.status),
            "{content_type:?}: {} {}",
            response.status,
            response.text()
        );
    }
    let missing = stack
        .send(&Request::new("POST", "/transfers").body(SMUGGLED))
        .unwrap();
    assert_eq!(missing.status, 415, "{}", missing.text());
    let port = stack.ports().envoy;
    let twice = format!(
        "POST /transfers HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
        SMUGGLED.len()
    );
    let answer = raw_exchange(port, twice.as_bytes());
    assert!(
        statuses(&answer)
            .first()
            .is_some_and(|s| (400..500).contains(s)),
        "{answer}"
    );
    assert!(
        smuggled_reached(&stack).is_empty(),
        "{:?}",
        smuggled_reached(&stack)
    );
}

#[test]
fn json_tricks_never_carry_a_forbidden_body_upstream() {
    let stack = validate_stack(json!({}));
    stack.clear_recorded().unwrap();
    let deep = format!(
        r#"{{"from":"a1","to":"a2","amount":5,"currency":"EUR","memo":"SMUGGLED","x":{}1{}}}"#,
        "[".repeat(100),
        "]".repeat(100)
    );
    let bodies: Vec<Vec<u8>> = vec![
        format!("\u{feff}{SMUGGLED}").into_bytes(),
        SMUGGLED.replace("\"admin\"", "\"\\u0061dmin\"").into_bytes(),
        br#"{"from":"a1","to":"a2","amount":5,"currency":"EUR","memo":"SMUGGLED","memo":"x"}"#.to_vec(),
        br#"{"from":"a1","to":"a2","amount":5,"currency":"EUR","memo":"ok","\u006demo":"SMUGGLED"}"#.to_vec(),
        br#"{"from":"a1","to":"a2","amount":1e400,"currency":"EUR","memo":"SMUGGLED"}"#.to_vec(),
        br#"{"from":"a1","to":"a2","amount":-0,"currency":"EUR","memo":"SMUGGLED"}"#.to_vec(),
        br#"{"from":"a1","to":"a2","amount":99999999999999999999999999999999,"currency":"EUR","memo":"SMUGGLED"}"#.to_vec(),
        br#"{"from":"a1","to":"a2","amount":5,"currency":"EUR","memo":"SMUGGLED\u0000"}"#.to_vec(),
        b"{\"from\":\"a1\",\"to\":\"a2\",\"amount\":5,\"currency\":\"EUR\",\"memo\":\"SMUGGLED\xff\"}".to_vec(),
        b"{\"from\":\"a1\",\"to\":\"a2\",\"amount\":5,\"currency\":\"EUR\",\"memo\":\"SMUGGLED\"}\x00".to_vec(),
        br#"{"from":"a1","to":"a2","amount":5,"currency":"EUR","memo":"SMUGGLED"} {"admin":1}"#.to_vec(),
        br#"{"from":"a1","to":"a2","amount":5,"currency":"EUR","memo":"SMUGGLED",}"#.to_vec(),
        br#"{"from":"a1","to":"a2","amount":5,"currency":"EUR","memo":"SMUGGLED"/*c*/}"#.to_vec(),
        br#"{"from":"a1","to":"a2","amount":NaN,"currency":"EUR","memo":"SMUGGLED"}"#.to_vec(),
        br#"{"from":"a1","to":"a2","amount":"5","currency":"EUR","memo":"SMUGGLED"}"#.to_vec(),
        br#"{"from":"A1","to":"a2","amount":5,"currency":"EUR","memo":"SMUGGLED"}"#.to_vec(),
        br#"{"from":"a1\n","to":"a2","amount":5,"currency":"EUR","memo":"SMUGGLED"}"#.to_vec(),
        br#"{"from":"a1","to":"a2","amount":5,"currency":"eur","memo":"SMUGGLED"}"#.to_vec(),
        br#"{"from":"a1","to":"a2","amount":5,"currency":"EUR","memo":"SMUGGLED\ud800"}"#.to_vec(),
        deep.into_bytes(),
        br#"[{"from":"a1","to":"a2","amount":5,"currency":"EUR","memo":"SMUGGLED"}]"#.to_vec(),
    ];
    for body in &bodies {
        let response = stack
            .send(
                &Request::new("POST", "/transfers")
                    .header("content-type", "application/json")
                    .body(body.clone()),
            )
            .unwrap();
        assert!(
            (400..500).contains(&response.status),
            "{}: {} {}",
            String::from_utf8_lossy(body),
            response.status,
            response.text()
        );
    }
    assert!(
        smuggled_reached(&stack).is_empty(),
        "{:?}",
        smuggled_reached(&stack)
    );
}

#[test]
fn framing_tricks_never_carry_a_forbidden_body_upstream() {
    let stack = validate_stack(json!({"max_body_bytes": 1024}));
    stack.clear_recorded().unwrap();
    let port = stack.ports().envoy;
    let chunk = |data: &str| format!("{:x}\r\n{data}\r\n", data.len());
    let half = SMUGGLED.len() / 2;
    let big_memo = format!(
        r#"{{"from":"a1","to":"a2","amount":5,"currency":"EUR","memo":"SMUGGLED{}"}}"#,
        "x".repeat(2000)
    );
    let requests: Vec<(&str, String)> = vec![
        (
            "chunked in two",
            format!(
                "POST /transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{}{}0\r\n\r\n",
                chunk(&SMUGGLED[..half]),
                chunk(&SMUGGLED[half..])
            ),
        ),
        (
            "chunked with trailers",
            format!(
                "POST /transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{}0\r\nx-trailer: 1\r\n\r\n",
                chunk(SMUGGLED)
            ),
        ),
        (
            "chunked over the limit",
            format!(
                "POST /transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{}{}0\r\n\r\n",
                chunk(&big_memo[..600]),
                chunk(&big_memo[600..])
            ),
        ),
        (
            "content-length and chunked",
            format!(
                "POST /transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{}0\r\n\r\n",
                chunk(SMUGGLED)
            ),
        ),
        (
            "chunked, identity",
            format!(
                "POST /transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: identity, chunked\r\nconnection: close\r\n\r\n{}0\r\n\r\n",
                chunk(SMUGGLED)
            ),
        ),
        (
            "body on GET /accounts",
            format!(
                "GET /accounts HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
                SMUGGLED.len()
            ),
        ),
        (
            "chunked body on GET /accounts",
            format!(
                "GET /accounts HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{}0\r\n\r\n",
                chunk(SMUGGLED)
            ),
        ),
        (
            "chunked body on DELETE",
            format!(
                "DELETE /accounts/a1 HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{}0\r\n\r\n",
                chunk(SMUGGLED)
            ),
        ),
        (
            "gzip coded",
            format!(
                "POST /transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
                SMUGGLED.len()
            ),
        ),
        (
            "identity, gzip coded",
            format!(
                "POST /transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-encoding: identity\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
                SMUGGLED.len()
            ),
        ),
        (
            "expect 100-continue",
            format!(
                "POST /transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nexpect: 100-continue\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
                SMUGGLED.len()
            ),
        ),
        (
            "encoded path",
            format!(
                "POST /%74ransfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
                SMUGGLED.len()
            ),
        ),
        (
            "lower-case method",
            format!(
                "post /transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
                SMUGGLED.len()
            ),
        ),
        (
            "absolute form",
            format!(
                "POST http://x/transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
                SMUGGLED.len()
            ),
        ),
        (
            "dot segment",
            format!(
                "POST /accounts/../transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
                SMUGGLED.len()
            ),
        ),
    ];
    let mut report = Vec::new();
    for (what, raw) in &requests {
        let answer = raw_exchange(port, raw.as_bytes());
        report.push(format!("{what}: {:?}", statuses(&answer)));
    }
    let reached = smuggled_reached(&stack);
    assert!(reached.is_empty(), "{reached:?}\n{report:#?}");
    // Nothing 5xx from our code either, and the filter still works.
    let ok = stack
        .send(
            &Request::new("POST", "/transfers")
                .json(&json!({"from": "a1", "to": "a2", "amount": 5, "currency": "EUR"})),
        )
        .unwrap();
    assert!((200..300).contains(&ok.status), "{report:#?} {}", ok.text());
}

#[test]
fn undeclared_and_read_only_members_do_not_reach_the_upstream_in_batches() {
    let stack = validate_stack(json!({}));
    stack.clear_recorded().unwrap();
    let bodies = [
        json!({"transfers": [{"from": "a1", "to": "a2", "amount": 5, "currency": "EUR", "admin": "SMUGGLED"}]}),
        json!({"transfers": [{"from": "a1", "to": "a2", "amount": 5, "currency": "EUR"}], "admin": "SMUGGLED"}),
        json!({"transfers": [], "memo": "SMUGGLED"}),
        json!({"transfers": [{"from": "a1", "to": "a2", "amount": 5, "currency": "EUR", "id": "SMUGGLED"}]}),
        json!({"transfers": [{"from": "a1", "to": "a2", "amount": 5, "currency": "EUR", "status": "SMUGGLED"}]}),
    ];
    for body in &bodies {
        let response = stack
            .send(&Request::new("POST", "/transfers/batch").json(body))
            .unwrap();
        assert_eq!(response.status, 400, "{body}: {}", response.text());
    }
    assert!(
        smuggled_reached(&stack).is_empty(),
        "{:?}",
        smuggled_reached(&stack)
    );
}

/// validate alone (a deployment without authz, or a route where authz is disabled) passes the
/// body of any method or path the document does not declare, unchecked: it leaves 404/405 to
/// authz. A body aimed at an upstream route that answers to a near-miss spelling
/// (`/transfers/`, `/TRANSFERS`, `GET` with an override header) is then never validated.
#[test]
fn validate_alone_refuses_bodies_for_operations_outside_the_contract() {
    let stack = validate_stack(json!({}));
    stack.clear_recorded().unwrap();
    let port = stack.ports().envoy;
    let requests: Vec<(&str, String)> = vec![
        (
            "method override header",
            format!(
                "GET /transfers HTTP/1.1\r\nhost: x\r\nx-http-method-override: POST\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
                SMUGGLED.len()
            ),
        ),
        (
            "trailing slash",
            format!(
                "POST /transfers/ HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
                SMUGGLED.len()
            ),
        ),
        (
            "upper-case path",
            format!(
                "POST /TRANSFERS HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SMUGGLED}",
                SMUGGLED.len()
            ),
        ),
    ];
    let mut report = Vec::new();
    for (what, raw) in &requests {
        let answer = raw_exchange(port, raw.as_bytes());
        report.push(format!("{what}: {:?}", statuses(&answer)));
    }
    let reached = smuggled_reached(&stack);
    assert!(reached.is_empty(), "{reached:?}\n{report:#?}");
}
