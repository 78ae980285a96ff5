//! The gRPC fixture both gRPC test files share: protobuf wire helpers, the demo
//! service's descriptor set and a stack that checks calls against it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use palisade_integration_tests::{Filter, Stack};
use serde_json::json;

/// Protobuf's wire format, enough to write a descriptor set and messages by hand.
pub mod proto {
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

pub const GET_ACCOUNT: &str = "/demo.bank.Bank/GetAccount";

pub fn grpc_stack() -> Stack {
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
