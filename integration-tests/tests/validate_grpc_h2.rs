//! gRPC calls over real HTTP/2 (prior knowledge, cleartext) through the real Envoy: the
//! validate filter checks the message in the DATA frame against the descriptor set and answers
//! a refused call with a trailers-only gRPC error; an accepted call reaches the demo API (which
//! Envoy speaks HTTP/1.1 to). `validate_grpc.rs` covers the same checks over HTTP/1.1.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "validate_grpc_h2/h2.rs"]
mod h2;

use palisade_integration_tests::Stack;

#[path = "support/grpc_fixture.rs"]
mod grpc_fixture;
use grpc_fixture::*;

/// A unary call to `GetAccount` over HTTP/2 with `body` as the whole request stream.
fn call(stack: &Stack, body: &[u8]) -> h2::Answer {
    let headers = [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", GET_ACCOUNT),
        (":authority", "palisade.test"),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
    ];
    h2::send(stack.ports().envoy, &headers, body)
}

/// A trailers-only gRPC error: one header block that ends the stream, no DATA.
fn assert_grpc_refused(answer: &h2::Answer, status: &str, message: &str) {
    assert!(answer.ended, "{answer:?}");
    assert_eq!(answer.blocks.len(), 1, "{answer:?}");
    assert_eq!(answer.header(":status"), Some("200"), "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/grpc"));
    assert_eq!(answer.header("grpc-status"), Some(status), "{answer:?}");
    assert_eq!(answer.header("grpc-message"), Some(message), "{answer:?}");
    assert!(answer.body.is_empty(), "{answer:?}");
}

#[test]
fn grpc_over_http2_is_checked_against_the_descriptors() {
    let stack = grpc_stack();
    stack.clear_recorded().unwrap();

    let wrong_wire_type = call(&stack, &proto::framed(0, &[proto::number(1, 7)]));
    assert_grpc_refused(
        &wrong_wire_type,
        "3",
        "request message 1: field id: wire type does not match the declared type",
    );
    let unknown_field = call(&stack, &proto::framed(0, &[proto::number(2, 1)]));
    assert_grpc_refused(&unknown_field, "3", "request message 1: unknown field");
    // The prefix claims 5000 bytes (over the 1024 limit); only a few follow.
    let mut oversized = vec![0u8];
    oversized.extend_from_slice(&5000u32.to_be_bytes());
    oversized.extend_from_slice(&proto::text(1, "a1"));
    let too_large = call(&stack, &oversized);
    assert_grpc_refused(
        &too_large,
        "8",
        "a request message is larger than 1024 bytes",
    );
    assert_eq!(
        stack.recorded().unwrap().len(),
        0,
        "a refused call reached the API"
    );

    let valid = proto::framed(0, &[proto::text(1, "a1")]);
    let accepted = call(&stack, &valid);
    assert!(accepted.ended, "{accepted:?}");
    assert_eq!(accepted.header(":status"), Some("404"), "{accepted:?}");
    assert_eq!(accepted.header("grpc-status"), None, "{accepted:?}");
    let recorded = stack.recorded().unwrap();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].method, "POST");
    assert_eq!(recorded[0].path, GET_ACCOUNT);
    assert_eq!(recorded[0].header("content-type"), Some("application/grpc"));
    let denied = stack
        .counter("wasmcustom.palisade_validate_denied_grpc_total")
        .unwrap();
    assert_eq!(denied, Some(3));
}
