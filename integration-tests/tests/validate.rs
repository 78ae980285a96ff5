//! The validate filter in a real Envoy before the demo API: bodies that break the contract of
//! `POST /transfers` are refused with a pointer to the fault and never reach the API, sizes and
//! media types are enforced, and a bad configuration stops Envoy.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::http::Connection;
use palisade_integration_tests::{paths, Filter, Request, Response, Stack};
use serde_json::{json, Value};

/// A transfer the contract accepts.
fn good_transfer() -> Value {
    json!({"from": "a1", "to": "a2", "amount": 5.25, "currency": "EUR", "memo": "rent"})
}

fn post(body: &[u8], content_type: &str) -> Request {
    Request::new("POST", "/transfers")
        .header("content-type", content_type)
        .body(body.to_vec())
}

/// The body in HTTP/1.1 chunks of `size` bytes, terminated.
fn chunked(body: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in body.chunks(size) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn post_chunked(stack: &Stack, body: &[u8]) -> Response {
    let request =
        post(&chunked(body, 8192), "application/json").header("transfer-encoding", "chunked");
    stack.send(&request).unwrap()
}

fn problem(response: &Response) -> Value {
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    response.json().unwrap()
}

fn assert_refused(response: &Response, status: u16, kind: &str) -> Value {
    assert_eq!(response.status, status, "{}", response.text());
    let body = problem(response);
    assert_eq!(body["type"], format!("urn:palisade:problem:{kind}"));
    body
}

fn validate_only() -> Stack {
    Stack::builder()
        .filters(&[Filter::Validate])
        .start()
        .unwrap()
}

#[test]
fn contract_breaking_bodies_get_400_with_a_pointer_and_never_reach_the_api() {
    let stack = validate_only();
    let deep = format!(
        r#"{{"from":"a1","to":"a2","amount":1,"currency":"EUR","memo":{}"x"{}}}"#,
        "[".repeat(40),
        "]".repeat(40)
    );
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "negative amount",
            br#"{"from":"a1","to":"a2","amount":-5,"currency":"EUR"}"#.to_vec(),
            "invalid-body",
            "/amount",
        ),
        (
            "unknown property",
            br#"{"from":"a1","to":"a2","amount":5,"currency":"EUR","fee":0}"#.to_vec(),
            "invalid-body",
            "/fee",
        ),
        (
            "wrong type",
            br#"{"from":"a1","to":"a2","amount":"5","currency":"EUR"}"#.to_vec(),
            "invalid-body",
            "/amount",
        ),
        (
            "missing required",
            br#"{"from":"a1","to":"a2","amount":5}"#.to_vec(),
            "invalid-body",
            "/currency",
        ),
        (
            "duplicate key",
            br#"{"from":"a1","to":"a2","amount":5,"amount":-5,"currency":"EUR"}"#.to_vec(),
            "malformed-body",
            "/amount",
        ),
        (
            "too deep",
            deep.into_bytes(),
            "malformed-body",
            "/memo/0/0/0",
        ),
        (
            "invalid UTF-8",
            b"{\"from\":\"a1\xc3\x28\",\"to\":\"a2\",\"amount\":5,\"currency\":\"EUR\"}".to_vec(),
            "malformed-body",
            "",
        ),
    ];

    for (name, body, kind, pointer) in &cases {
        let response = stack.send(&post(body, "application/json")).unwrap();
        let body = assert_refused(&response, 400, kind);
        let found = body["violations"][0]["pointer"]
            .as_str()
            .unwrap_or_default();
        assert!(
            found.starts_with(pointer) && (pointer.len() > 1 || found == *pointer),
            "{name}: {body}"
        );
    }

    assert!(
        stack.recorded().unwrap().is_empty(),
        "a refused body reached the API"
    );
    let denied = stack
        .counter("wasmcustom.palisade_validate_denied_total")
        .unwrap();
    assert_eq!(denied, Some(cases.len() as u64));
}

#[test]
fn valid_transfer_is_booked_through_the_whole_chain() {
    let stack = Stack::builder().start().unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    let token = stack.token("demo-client").unwrap();
    stack.clear_recorded().unwrap();
    let allowed = || {
        stack
            .counter("wasmcustom.palisade_validate_allowed_total")
            .unwrap()
    };
    let allowed_before = allowed().unwrap_or_default();

    let booked = stack
        .send(
            &Request::new("POST", "/transfers")
                .bearer(&token)
                .json(&good_transfer()),
        )
        .unwrap();
    let negative = stack
        .send(
            &Request::new("POST", "/transfers")
                .bearer(&token)
                .json(&json!({
                    "from": "a1", "to": "a2", "amount": -1, "currency": "EUR"
                })),
        )
        .unwrap();

    assert_eq!(booked.status, 201, "{}", booked.text());
    assert_eq!(booked.json().unwrap()["status"], "booked");
    let body = assert_refused(&negative, 400, "invalid-body");
    assert_eq!(body["violations"][0]["pointer"], "/amount");
    let recorded = stack.recorded().unwrap();
    assert_eq!(recorded.len(), 1, "only the valid transfer reaches the API");
    assert_eq!(
        serde_json::from_str::<Value>(&recorded[0].body).unwrap(),
        good_transfer()
    );
    assert_eq!(allowed(), Some(allowed_before + 1));
}

#[test]
fn oversized_bodies_get_413_by_length_and_while_chunked() {
    let stack = validate_only();
    let oversized = format!(r#"{{"memo":"{}"}}"#, "x".repeat(300_000));

    let by_length = stack
        .send(&post(oversized.as_bytes(), "application/json"))
        .unwrap();
    let while_chunked = post_chunked(&stack, oversized.as_bytes());
    let small_chunked = post_chunked(&stack, good_transfer().to_string().as_bytes());

    let body = assert_refused(&by_length, 413, "body-too-large");
    assert_eq!(body["detail"], "the limit is 262144 bytes");
    assert_refused(&while_chunked, 413, "body-too-large");
    assert_eq!(small_chunked.status, 201, "{}", small_chunked.text());
    let recorded = stack.recorded().unwrap();
    assert_eq!(
        recorded.len(),
        1,
        "only the small chunked transfer reaches the API"
    );
}

#[test]
fn media_types_the_operation_does_not_declare_get_415() {
    let stack = validate_only();
    let body = good_transfer().to_string();

    for content_type in [
        "text/plain",
        "application/json-patch+json",
        "application/jsonx",
        "application/json; charset=latin1",
    ] {
        let response = stack.send(&post(body.as_bytes(), content_type)).unwrap();
        let problem = assert_refused(&response, 415, "unsupported-media-type");
        assert_eq!(problem["detail"], "this operation accepts application/json");
    }
    let missing = stack
        .send(&Request::new("POST", "/transfers").body(body.clone()))
        .unwrap();
    assert_refused(&missing, 415, "unsupported-media-type");
    let accepted = stack
        .send(&post(body.as_bytes(), "Application/JSON; charset=UTF-8"))
        .unwrap();

    assert_eq!(accepted.status, 201, "{}", accepted.text());
    assert_eq!(stack.recorded().unwrap().len(), 1);
}

#[test]
fn bodies_sent_to_operations_without_one_are_refused() {
    let stack = validate_only();
    let mut connection = Connection::open(stack.ports().envoy).unwrap();

    let with_body = connection
        .send_raw(
            b"GET /accounts HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}",
            false,
        )
        .unwrap();
    let plain = stack.get("/accounts", None).unwrap();
    let unknown_path = stack.get("/not-in-the-contract", None).unwrap();

    assert_refused(&with_body, 400, "unexpected-body");
    assert_eq!(plain.status, 200);
    // Deny by default: alone in the chain, validate refuses what the contract does not declare.
    assert_refused(&unknown_path, 404, "not-found");
}

/// The demo template with Envoy's `allow_on_headers_stop_iteration` set for validate.
fn template_holding_headers() -> String {
    let template =
        std::fs::read_to_string(paths::repo_root().join("envoy-configs/demo.template.yaml"))
            .unwrap();
    let start = template.find("name: palisade_validate").unwrap();
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

#[test]
fn holding_headers_keeps_refused_requests_from_the_upstream() {
    let stack = Stack::builder()
        .filters(&[Filter::Validate])
        .template(&template_holding_headers())
        .patch(Filter::Validate, json!({"hold_request_headers": true}))
        .start()
        .unwrap();
    let oversized = format!(r#"{{"memo":"{}"}}"#, "x".repeat(300_000));

    let valid = post_chunked(&stack, good_transfer().to_string().as_bytes());
    let invalid = stack
        .send(&post(br#"{"from":"a1"}"#, "application/json"))
        .unwrap();
    let too_large = post_chunked(&stack, oversized.as_bytes());
    let plain = stack.get("/accounts", None).unwrap();

    assert_eq!(valid.status, 201, "{}", valid.text());
    assert_refused(&invalid, 400, "invalid-body");
    assert_refused(&too_large, 413, "body-too-large");
    assert_eq!(plain.status, 200);
    let paths: Vec<String> = stack
        .recorded()
        .unwrap()
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(paths, ["/transfers", "/accounts"]);
}

/// The demo API's document with one schema changed, as a patch of validate's `openapi`.
fn openapi_with(change: impl FnOnce(&mut Value)) -> Value {
    let text = std::fs::read_to_string(paths::repo_root().join("schemas/demo-api.openapi.json"));
    let mut document: Value = serde_json::from_str(&text.unwrap()).unwrap();
    change(&mut document);
    json!({ "openapi": document })
}

#[test]
fn bad_configurations_stop_envoy_with_the_field_named() {
    let new_transfer = "/components/schemas/NewTransfer/properties/to";
    let cases = [
        (json!({"max_body_bytez": 1024}), "max_body_bytez"),
        (json!({"max_body_bytes": 2_000_000}), "max_body_bytes"),
        (
            openapi_with(|d| {
                *d.pointer_mut(new_transfer).unwrap() =
                    json!({"$ref": "#/components/schemas/Nowhere"})
            }),
            "openapi.components.schemas.NewTransfer.properties.to.$ref",
        ),
        (
            openapi_with(|d| d.pointer_mut(new_transfer).unwrap()["pattern"] = json!("([a-z")),
            "openapi.components.schemas.NewTransfer.properties.to.pattern",
        ),
    ];
    for (patch, field) in cases {
        palisade_integration_tests::check::assert_config_refused(Filter::Validate, patch, field);
    }
}
