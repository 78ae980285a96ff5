//! gRPC calls through the real Envoy: every request message is checked against the service's
//! descriptor set, and refusals reach gRPC clients as gRPC errors (HTTP 200, `grpc-status`,
//! `grpc-message`), never as problem JSON.
//!
//! The demo API speaks HTTP/1.1 only, so calls are sent as HTTP/1.1 POSTs carrying gRPC
//! framing (Envoy passes them through unchanged). Limitation: no HTTP/2 gRPC client or server
//! is exercised here; the filter sees the same headers and body either way, and Envoy's local
//! reply to a gRPC request takes the same trailers-only form on both.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::{Request, Response, Stack};

#[path = "support/grpc_fixture.rs"]
mod grpc_fixture;
use grpc_fixture::*;

fn call(stack: &Stack, path: &str, content_type: &str, body: Vec<u8>) -> Response {
    let request = Request::new("POST", path)
        .header("content-type", content_type)
        .header("te", "trailers")
        .body(body);
    stack.send(&request).unwrap()
}

/// A gRPC refusal: HTTP 200 with the status and message in headers, no body.
fn assert_grpc_refused(response: &Response, status: &str, message: &str) {
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/grpc"));
    assert_eq!(response.header("grpc-status"), Some(status), "{message}");
    let found = response.header("grpc-message").unwrap_or_default();
    assert!(found.contains(message), "{found}");
}

#[test]
fn grpc_calls_are_checked_against_the_descriptors() {
    let stack = grpc_stack();
    let valid = proto::text(1, "a1");
    let refused = [
        (
            proto::framed(0, &[proto::number(2, 1)]),
            "3",
            "unknown field",
        ),
        (
            proto::framed(0, &[proto::number(1, 7)]),
            "3",
            "field id: wire type",
        ),
        (
            proto::framed(0, &[proto::bytes(1, b"\xff")]),
            "3",
            "field id: not UTF-8",
        ),
        (
            proto::framed(0, &[valid.clone(), valid.clone()]),
            "3",
            "one message",
        ),
        (
            proto::framed(1, std::slice::from_ref(&valid)),
            "12",
            "compressed",
        ),
        (
            proto::framed(0, &[proto::text(1, &"x".repeat(2000))]),
            "8",
            "larger than 1024",
        ),
        (
            proto::framed(0, std::slice::from_ref(&valid))[..7].to_vec(),
            "3",
            "framing",
        ),
    ];
    for (body, status, message) in &refused {
        let response = call(&stack, GET_ACCOUNT, "application/grpc", body.clone());
        assert_grpc_refused(&response, status, message);
    }
    let unknown = call(&stack, "/demo.bank.Bank/Drain", "application/grpc", vec![]);
    assert_grpc_refused(&unknown, "12", "unknown method");
    let json = call(&stack, GET_ACCOUNT, "application/json", b"{}".to_vec());
    assert_eq!(json.status, 415);
    assert_eq!(
        json.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        stack.recorded().unwrap().is_empty(),
        "a refused call reached the API"
    );

    let accepted = call(
        &stack,
        GET_ACCOUNT,
        "application/grpc+proto",
        proto::framed(0, &[valid]),
    );
    assert!(
        accepted.header("grpc-status").is_none(),
        "{:?}",
        accepted.headers
    );
    let recorded = stack.recorded().unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].path, GET_ACCOUNT);
    let denied = stack
        .counter("wasmcustom.palisade_validate_denied_grpc_total")
        .unwrap();
    assert_eq!(denied, Some(refused.len() as u64 + 2));
}
