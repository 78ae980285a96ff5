//! Request streams against the demo bank's messages: valid ones, every kind of invalid field,
//! framing, required fields, nesting, and mutated input.

use super::tests::{framed, grpc, grpc_allowing_compression, int, len, varint};
use super::{GrpcError, Head, INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNIMPLEMENTED};
use serde_json::json;

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

/// Every truncation of a rich message and every byte replaced by a few values: the checker
/// answers, and never panics.
#[test]
fn mutated_messages_never_panic() {
    let grpc = grpc(json!({}));
    let upload = super::Method {
        input: 2,
        client_streaming: true,
        server_streaming: false,
    };
    let money = [int(1, 500), len(2, b"EUR")].concat();
    let message = [
        len(1, b"a1"),
        len(3, &money),
        int(5, 1),
        len(7, &[varint(4), varint(u64::MAX)].concat()),
        len(8, &[len(1, b"k"), len(2, b"v")].concat()),
        len(9, b"memo"),
    ]
    .concat();
    let body = framed(&[message.clone(), message]);
    for cut in 0..body.len() {
        let _ = grpc.judge_body(&upload, &body[..cut]);
    }
    for at in 0..body.len() {
        for value in [0, 1, 2, 5, 0x7f, 0x80, 0xff] {
            let mut mutated = body.clone();
            mutated[at] = value;
            let _ = grpc.judge_body(&upload, &mutated);
        }
    }
}
