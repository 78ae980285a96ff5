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

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use palisade_integration_tests::{Filter, Stack};
use serde_json::json;

/// Protobuf's wire format, enough to write a descriptor set and messages by hand.
mod proto {
    pub fn varint(mut n: u64) -> Vec<u8> {
        let mut out = Vec::new();
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out
    }

    pub fn number(field: u64, value: u64) -> Vec<u8> {
        [varint(field << 3), varint(value)].concat()
    }

    pub fn bytes(field: u64, value: &[u8]) -> Vec<u8> {
        [
            varint(field << 3 | 2),
            varint(value.len() as u64),
            value.to_vec(),
        ]
        .concat()
    }

    pub fn text(field: u64, value: &str) -> Vec<u8> {
        bytes(field, value.as_bytes())
    }

    /// A `FieldDescriptorProto` of an optional field; `kind` 9 is string, 3 is int64.
    fn field(name: &str, number_: u64, kind: u64) -> Vec<u8> {
        [
            text(1, name),
            number(3, number_),
            number(4, 1),
            number(5, kind),
        ]
        .concat()
    }

    fn message(name: &str, fields: &[Vec<u8>]) -> Vec<u8> {
        let mut out = text(1, name);
        for field in fields {
            out.extend(bytes(2, field));
        }
        out
    }

    /// ```proto
    /// syntax = "proto3";
    /// package demo.bank;
    /// message GetAccountRequest { string id = 1; }
    /// message Money { int64 units = 1; string currency = 2; }
    /// service Bank { rpc GetAccount(GetAccountRequest) returns (Money); }
    /// ```
    pub fn bank_descriptor_set() -> Vec<u8> {
        let method = [
            text(1, "GetAccount"),
            text(2, ".demo.bank.GetAccountRequest"),
            text(3, ".demo.bank.Money"),
        ]
        .concat();
        let file = [
            text(2, "demo.bank"),
            bytes(4, &message("GetAccountRequest", &[field("id", 1, 9)])),
            bytes(
                4,
                &message("Money", &[field("units", 1, 3), field("currency", 2, 9)]),
            ),
            bytes(6, &[text(1, "Bank"), bytes(2, &method)].concat()),
        ]
        .concat();
        bytes(1, &file)
    }

    /// Messages with their five-byte gRPC prefix; `flag` 1 marks them compressed.
    pub fn framed(flag: u8, messages: &[Vec<u8>]) -> Vec<u8> {
        let mut body = Vec::new();
        for message in messages {
            body.push(flag);
            body.extend_from_slice(&(message.len() as u32).to_be_bytes());
            body.extend_from_slice(message);
        }
        body
    }
}

const GET_ACCOUNT: &str = "/demo.bank.Bank/GetAccount";

fn grpc_stack() -> Stack {
    let grpc = json!({
        "descriptor_set": STANDARD.encode(proto::bank_descriptor_set()),
        "max_message_bytes": 1024
    });
    Stack::builder()
        .filters(&[Filter::Validate])
        .patch(Filter::Validate, json!({ "grpc": grpc }))
        .start()
        .unwrap()
}

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
