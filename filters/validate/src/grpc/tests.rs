//! The demo bank's gRPC service, built as descriptors here; what the headers decide and which
//! sections refuse the configuration. Request streams are in `tests_wire`.

use super::descriptor::{
    DescriptorProto, EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto,
    FileDescriptorProto, FileDescriptorSet, MethodDescriptorProto, ServiceDescriptorProto,
};
use super::{Grpc, Head, RawGrpc};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use prost::Message;
use serde_json::json;

const OPTIONAL: i32 = 1;
const REQUIRED: i32 = 2;
const REPEATED: i32 = 3;

fn field(
    name: &str,
    number: i32,
    label: i32,
    kind: i32,
    type_name: Option<&str>,
) -> FieldDescriptorProto {
    FieldDescriptorProto {
        name: Some(name.into()),
        number: Some(number),
        label: Some(label),
        r#type: Some(kind),
        type_name: type_name.map(String::from),
        oneof_index: None,
    }
}

fn message(name: &str, fields: Vec<FieldDescriptorProto>) -> DescriptorProto {
    DescriptorProto {
        name: Some(name.into()),
        field: fields,
        nested_type: vec![],
        enum_type: vec![],
    }
}

fn method(name: &str, input: &str, client: bool, server: bool) -> MethodDescriptorProto {
    MethodDescriptorProto {
        name: Some(name.into()),
        input_type: Some(format!(".demo.bank.{input}")),
        client_streaming: Some(client),
        server_streaming: Some(server),
    }
}

/// ```proto
/// package demo.bank;
/// message GetAccountRequest { string id = 1; }
/// message Money { int64 units = 1; string currency = 2; }
/// enum Kind { KIND_UNSPECIFIED = 0; INSTANT = 1; }
/// message TransferRequest {
///   string from = 1; string to = 2; Money amount = 3; repeated string tags = 4; Kind kind = 5;
///   bool urgent = 6; repeated int32 ids = 7; map<string, string> labels = 8;
///   oneof note { string memo = 9; bytes blob = 10; }
///   fixed32 checksum = 11; sint32 delta = 12; uint32 count = 13; double rate = 14;
/// }
/// message Legacy { required string id = 1; optional Legacy next = 2; }  // proto2
/// service Bank {
///   rpc GetAccount(GetAccountRequest) returns (Money);
///   rpc Transfer(TransferRequest) returns (Money);
///   rpc Upload(stream TransferRequest) returns (Money);
///   rpc Watch(GetAccountRequest) returns (stream Money);
///   rpc Chat(stream GetAccountRequest) returns (stream Money);
///   rpc Chain(Legacy) returns (Money);
/// }
/// ```
pub fn demo_descriptor_set() -> Vec<u8> {
    let mut memo = field("memo", 9, OPTIONAL, 9, None);
    memo.oneof_index = Some(0);
    let mut blob = field("blob", 10, OPTIONAL, 12, None);
    blob.oneof_index = Some(0);
    let mut transfer = message(
        "TransferRequest",
        vec![
            field("from", 1, OPTIONAL, 9, None),
            field("to", 2, OPTIONAL, 9, None),
            field("amount", 3, OPTIONAL, 11, Some(".demo.bank.Money")),
            field("tags", 4, REPEATED, 9, None),
            field("kind", 5, OPTIONAL, 14, Some(".demo.bank.Kind")),
            field("urgent", 6, OPTIONAL, 8, None),
            field("ids", 7, REPEATED, 5, None),
            field(
                "labels",
                8,
                REPEATED,
                11,
                Some(".demo.bank.TransferRequest.LabelsEntry"),
            ),
            memo,
            blob,
            field("checksum", 11, OPTIONAL, 7, None),
            field("delta", 12, OPTIONAL, 17, None),
            field("count", 13, OPTIONAL, 13, None),
            field("rate", 14, OPTIONAL, 1, None),
        ],
    );
    transfer.nested_type = vec![message(
        "LabelsEntry",
        vec![
            field("key", 1, OPTIONAL, 9, None),
            field("value", 2, OPTIONAL, 9, None),
        ],
    )];
    let kind = EnumDescriptorProto {
        name: Some("Kind".into()),
        value: [0, 1]
            .map(|n| EnumValueDescriptorProto { number: Some(n) })
            .to_vec(),
    };
    let file = FileDescriptorProto {
        package: Some("demo.bank".into()),
        message_type: vec![
            message("GetAccountRequest", vec![field("id", 1, OPTIONAL, 9, None)]),
            message(
                "Money",
                vec![
                    field("units", 1, OPTIONAL, 3, None),
                    field("currency", 2, OPTIONAL, 9, None),
                ],
            ),
            transfer,
            message(
                "Legacy",
                vec![
                    field("id", 1, REQUIRED, 9, None),
                    field("next", 2, OPTIONAL, 11, Some(".demo.bank.Legacy")),
                ],
            ),
        ],
        enum_type: vec![kind],
        service: vec![ServiceDescriptorProto {
            name: Some("Bank".into()),
            method: vec![
                method("GetAccount", "GetAccountRequest", false, false),
                method("Transfer", "TransferRequest", false, false),
                method("Upload", "TransferRequest", true, false),
                method("Watch", "GetAccountRequest", false, true),
                method("Chat", "GetAccountRequest", true, true),
                method("Chain", "Legacy", false, false),
            ],
        }],
    };
    FileDescriptorSet { file: vec![file] }.encode_to_vec()
}

pub(super) fn grpc(extra: serde_json::Value) -> Grpc {
    let mut raw = json!({"descriptor_set": STANDARD.encode(demo_descriptor_set()), "max_message_bytes": 256, "max_messages": 3, "max_depth": 4});
    if let (Some(raw), Some(extra)) = (raw.as_object_mut(), extra.as_object()) {
        raw.extend(extra.clone());
    }
    serde_json::from_value::<RawGrpc>(raw)
        .unwrap()
        .compile("grpc", 65536)
        .unwrap()
}

pub(super) fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// A varint field.
pub(super) fn int(number: u64, value: u64) -> Vec<u8> {
    [varint(number << 3), varint(value)].concat()
}

/// A length-delimited field.
pub(super) fn len(number: u64, bytes: &[u8]) -> Vec<u8> {
    [
        varint(number << 3 | 2),
        varint(bytes.len() as u64),
        bytes.to_vec(),
    ]
    .concat()
}

pub(super) fn framed(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for message in messages {
        body.push(0);
        body.extend_from_slice(&(message.len() as u32).to_be_bytes());
        body.extend_from_slice(message);
    }
    body
}

#[test]
fn headers_decide_routes_and_content_types() {
    let grpc = grpc(json!({}));
    let head = |method: &str,
                path: &str,
                content_type: Option<&str>,
                encoding: Option<&str>,
                end: bool| {
        match grpc.judge_head(method, path, content_type, encoding, end) {
            Head::Decided(Err(error)) => format!("{} {}", error.status, error.kind),
            other => format!("{other:?}"),
        }
    };
    let get = "/demo.bank.Bank/GetAccount";
    assert!(head("POST", get, Some("application/grpc"), None, false).starts_with("Buffer"));
    assert!(head(
        "POST",
        get,
        Some("application/grpc+proto"),
        Some("identity"),
        false
    )
    .starts_with("Buffer"));
    assert_eq!(
        head("POST", get, Some("application/json"), None, false),
        "NotGrpcContent"
    );
    assert_eq!(head("POST", get, None, None, false), "NotGrpcContent");
    assert_eq!(
        head("POST", "/accounts", Some("application/json"), None, false),
        "NotGrpc"
    );
    assert_eq!(
        head(
            "POST",
            "/demo.bank.Bank/Nope",
            Some("application/grpc"),
            None,
            false
        ),
        "12 grpc-unknown-method"
    );
    assert_eq!(
        head("GET", get, Some("application/grpc"), None, false),
        "12 grpc-invalid-request"
    );
    assert_eq!(
        head("POST", get, Some("application/grpc+json"), None, false),
        "3 grpc-invalid-request"
    );
    assert_eq!(
        head("POST", get, Some("application/grpc"), Some("gzip"), false),
        "12 grpc-compression-refused"
    );
    assert_eq!(
        head(
            "POST",
            "/demo.bank.Bank/Chat",
            Some("application/grpc"),
            None,
            false
        ),
        "12 grpc-streaming-refused"
    );
    assert_eq!(
        head("POST", get, Some("application/grpc"), None, true),
        "3 grpc-invalid-message"
    );
    assert_eq!(
        head(
            "POST",
            "/demo.bank.Bank/Upload",
            Some("application/grpc"),
            None,
            true
        ),
        "Decided(Ok(()))"
    );
    assert!(head(
        "POST",
        "/demo.bank.Bank/Watch",
        Some("application/grpc"),
        None,
        false
    )
    .starts_with("Buffer"));
    let tolerant = grpc_allowing_compression();
    assert!(matches!(
        tolerant.judge_head("POST", get, Some("application/grpc"), Some("gzip"), false),
        Head::Buffer(_)
    ));
}

#[test]
fn bad_sections_refuse_the_configuration() {
    let set = STANDARD.encode(demo_descriptor_set());
    let no_methods = STANDARD.encode(FileDescriptorSet { file: vec![] }.encode_to_vec());
    let mut broken_type = FileDescriptorSet::decode(demo_descriptor_set().as_slice()).unwrap();
    broken_type.file[0].message_type[1].field[0].type_name = Some(".demo.bank.Nowhere".into());
    broken_type.file[0].message_type[1].field[0].r#type = Some(11);
    let mut group = FileDescriptorSet::decode(demo_descriptor_set().as_slice()).unwrap();
    group.file[0].message_type[0].field[0].r#type = Some(10);
    let cases = [
        (json!({"descriptor_set": "!!"}), "grpc.descriptor_set"),
        (
            json!({"descriptor_set": STANDARD.encode(b"\xff\xff")}),
            "grpc.descriptor_set",
        ),
        (json!({"descriptor_set": no_methods}), "grpc.descriptor_set"),
        (
            json!({"descriptor_set": STANDARD.encode(broken_type.encode_to_vec())}),
            "grpc.descriptor_set",
        ),
        (
            json!({"descriptor_set": STANDARD.encode(group.encode_to_vec())}),
            "grpc.descriptor_set",
        ),
        (
            json!({"descriptor_set": set, "max_message_bytes": 100000}),
            "grpc.max_message_bytes",
        ),
        (
            json!({"descriptor_set": set, "max_messages": 0}),
            "grpc.max_messages",
        ),
        (
            json!({"descriptor_set": set, "max_depth": 101}),
            "grpc.max_depth",
        ),
    ];
    for (raw, field) in cases {
        let error = serde_json::from_value::<RawGrpc>(raw.clone())
            .unwrap()
            .compile("grpc", 65536)
            .unwrap_err();
        assert_eq!(error.field, field, "{raw}: {}", error.reason);
    }
}

pub(super) fn grpc_allowing_compression() -> Grpc {
    grpc(json!({"allow_compressed": true}))
}
