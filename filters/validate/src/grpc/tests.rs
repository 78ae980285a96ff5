//! The demo bank's gRPC service, built as descriptors here, and request streams against it.

use super::descriptor::{
    DescriptorProto, EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto,
    FileDescriptorProto, FileDescriptorSet, MethodDescriptorProto, ServiceDescriptorProto,
};
use super::{Grpc, GrpcError, Head, RawGrpc, INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNIMPLEMENTED};
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

fn grpc(extra: serde_json::Value) -> Grpc {
    let mut raw = json!({"descriptor_set": STANDARD.encode(demo_descriptor_set()), "max_message_bytes": 256, "max_messages": 3, "max_depth": 4});
    if let (Some(raw), Some(extra)) = (raw.as_object_mut(), extra.as_object()) {
        raw.extend(extra.clone());
    }
    serde_json::from_value::<RawGrpc>(raw)
        .unwrap()
        .compile("grpc", 65536)
        .unwrap()
}

fn varint(mut n: u64) -> Vec<u8> {
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
fn int(number: u64, value: u64) -> Vec<u8> {
    [varint(number << 3), varint(value)].concat()
}

/// A length-delimited field.
fn len(number: u64, bytes: &[u8]) -> Vec<u8> {
    [
        varint(number << 3 | 2),
        varint(bytes.len() as u64),
        bytes.to_vec(),
    ]
    .concat()
}

fn framed(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for message in messages {
        body.push(0);
        body.extend_from_slice(&(message.len() as u32).to_be_bytes());
        body.extend_from_slice(message);
    }
    body
}

fn transfer(stream: &[Vec<u8>]) -> Result<(), GrpcError> {
    let grpc = grpc(json!({}));
    let Head::Buffer(method) = grpc.judge_head(
        "POST",
        "/demo.bank.Bank/Transfer",
        Some("application/grpc"),
        None,
        false,
    ) else {
        panic!("a known method is buffered");
    };
    grpc.judge_body(&method, &framed(stream))
}

fn reason(result: Result<(), GrpcError>) -> Option<String> {
    result.err().map(|error| error.message)
}

#[test]
fn valid_messages_pass() {
    let money = [int(1, 500), len(2, b"EUR")].concat();
    let full = [
        len(1, b"a1"),
        len(2, b"a2"),
        len(3, &money),
        len(4, b"rent"),
        len(4, b"june"),
        int(5, 1),
        int(6, 1),
        int(7, 3),
        len(7, &[varint(4), varint(u64::MAX)].concat()),
        len(8, &[len(1, b"k"), len(2, b"v")].concat()),
        len(8, &[len(1, b"k2"), len(2, b"v")].concat()),
        len(9, b"memo"),
        [varint(11 << 3 | 5), vec![1, 2, 3, 4]].concat(),
        int(12, 0xffff_fffe),
        int(13, 7),
        [varint(14 << 3 | 1), vec![0; 8]].concat(),
    ]
    .concat();
    assert_eq!(transfer(&[full]), Ok(()));
    assert_eq!(transfer(&[vec![]]), Ok(()));
}

#[test]
fn invalid_messages_are_refused_with_the_field_named() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (int(99, 1), "unknown field"),
        (int(1, 5), "field from: wire type does not match"),
        (len(6, &[1]), "field urgent: wire type does not match"),
        (int(6, 2), "field urgent: value out of range"),
        (int(5, 7), "field kind: value out of range"),
        (int(7, 1 << 40), "field ids: value out of range"),
        (int(13, 1 << 33), "field count: value out of range"),
        (len(1, b"\xff\xfe"), "field from: not UTF-8"),
        (len(3, &len(2, b"\xc3")), "field amount.currency: not UTF-8"),
        (len(3, &int(9, 1)), "field amount: unknown field"),
        (
            [len(1, b"a"), len(1, b"b")].concat(),
            "field from: appears more than once",
        ),
        (
            [len(9, b"m"), len(10, b"b")].concat(),
            "field blob: a second member of the same oneof",
        ),
        (len(7, &[0x80]), "field ids: packed values cut short"),
        (
            len(11, &[1, 2, 3]),
            "field checksum: wire type does not match",
        ),
        (
            [varint(11 << 3 | 5), vec![1, 2]].concat(),
            "field checksum: truncated",
        ),
        (vec![1 << 3 | 3], "field from: groups are not accepted"),
        (vec![0x80], "truncated field key"),
        (
            [varint(1 << 3 | 2), varint(10), b"ab".to_vec()].concat(),
            "field from: truncated",
        ),
        (
            vec![
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
            ],
            "field from",
        ),
    ];
    for (message, expected) in cases {
        let found = reason(transfer(std::slice::from_ref(&message))).unwrap_or_default();
        assert!(found.contains(expected), "{message:?}: {found}");
    }
}

#[test]
fn framing_is_checked() {
    let grpc = grpc(json!({}));
    let unary = super::Method {
        input: 0,
        client_streaming: false,
        server_streaming: false,
    };
    let upload = super::Method {
        input: 2,
        client_streaming: true,
        server_streaming: false,
    };
    let status = |method: &super::Method, body: &[u8]| {
        grpc.judge_body(method, body)
            .err()
            .map(|e| (e.status, e.kind))
    };
    let one = framed(&[len(1, b"a1")]);
    assert_eq!(status(&unary, &one), None);
    assert_eq!(
        status(&unary, &framed(&[len(1, b"a"), len(1, b"b")])),
        Some((INVALID_ARGUMENT, "grpc-invalid-message"))
    );
    assert_eq!(
        status(&unary, &one[..one.len() - 1]),
        Some((INVALID_ARGUMENT, "grpc-invalid-message"))
    );
    assert_eq!(
        status(&unary, &one[..3]),
        Some((INVALID_ARGUMENT, "grpc-invalid-message"))
    );
    let mut compressed = one.clone();
    compressed[0] = 1;
    assert_eq!(
        status(&unary, &compressed),
        Some((UNIMPLEMENTED, "grpc-compression-refused"))
    );
    compressed[0] = 2;
    assert_eq!(
        status(&unary, &compressed),
        Some((INVALID_ARGUMENT, "grpc-invalid-message"))
    );
    let large = framed(&[len(1, &[b'a'; 300])]);
    assert_eq!(
        status(&unary, &large),
        Some((RESOURCE_EXHAUSTED, "grpc-message-too-large"))
    );
    let lying = [vec![0, 0xff, 0xff, 0xff, 0xff], vec![0; 10]].concat();
    assert_eq!(
        status(&unary, &lying),
        Some((RESOURCE_EXHAUSTED, "grpc-message-too-large"))
    );
    assert_eq!(status(&upload, &framed(&[vec![], vec![], vec![]])), None);
    assert_eq!(
        status(&upload, &framed(&[vec![], vec![], vec![], vec![]])),
        Some((RESOURCE_EXHAUSTED, "grpc-too-many-messages"))
    );
    let tolerant = grpc_allowing_compression();
    let mut compressed = framed(&[b"anything".to_vec()]);
    compressed[0] = 1;
    assert_eq!(tolerant.judge_body(&unary, &compressed), Ok(()));
}

fn grpc_allowing_compression() -> Grpc {
    grpc(json!({"allow_compressed": true}))
}

#[test]
fn required_fields_and_depth() {
    let grpc = grpc(json!({}));
    let chain = super::Method {
        input: 4,
        client_streaming: false,
        server_streaming: false,
    };
    let status = |message: Vec<u8>| {
        grpc.judge_body(&chain, &framed(&[message]))
            .err()
            .map(|e| e.message)
    };
    assert_eq!(status(len(1, b"x")), None);
    assert!(status(vec![])
        .unwrap()
        .contains("field id: required field is missing"));
    assert!(status(len(2, &len(1, b"y")))
        .unwrap()
        .contains("required field is missing"));
    let mut nested = len(1, b"z");
    for _ in 0..3 {
        nested = [len(1, b"z"), len(2, &nested)].concat();
    }
    assert_eq!(status(nested.clone()), None);
    let deeper = [len(1, b"z"), len(2, &nested)].concat();
    assert!(status(deeper).unwrap().contains("nest too deeply"));
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
