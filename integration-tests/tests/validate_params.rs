//! The validate filter in a real Envoy, on a YAML contract bundled from two documents: path,
//! query, header and cookie parameters, form, multipart and text bodies, unknown members and
//! encoded payloads are each refused with a pointer and never reach the API; violations are
//! counted per kind and handed to audit; a contract that does not load stops Envoy.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::{Filter, Request, Response, Stack};
use serde_json::{json, Value};

/// The contract, in YAML (OpenAPI 3.0), on the demo API's paths; schemas from `common.yaml`.
const CONTRACT: &str = r##"
openapi: 3.0.3
info: {title: demo, version: "1"}
paths:
  /accounts:
    get:
      operationId: listAccounts
      parameters:
        - {name: limit, in: query, schema: {type: integer, format: int32, minimum: 1, maximum: 100}}
        - {name: ids, in: query, schema: {type: array, items: {type: integer}, maxItems: 3}}
        - {name: filter, in: query, style: deepObject, schema: {type: object, properties: {status: {type: string, enum: [open, closed]}}}}
        - {name: q, in: query, schema: {type: string, pattern: "^[a-z ]*$"}}
        - {name: x-client-version, in: header, schema: {type: integer, minimum: 1}}
        - {name: session, in: cookie, schema: {type: string, minLength: 4}}
  /accounts/{accountId}:
    get:
      parameters:
        - $ref: "common.yaml#/components/parameters/AccountId"
  /transfers:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "common.yaml#/components/schemas/NewTransfer"}
          application/x-www-form-urlencoded:
            schema: {$ref: "common.yaml#/components/schemas/NewTransfer"}
          multipart/form-data:
            schema:
              type: object
              required: [receipt]
              properties:
                receipt: {type: string, format: binary, maxLength: 32}
                memo: {type: string, maxLength: 10}
          text/plain:
            schema: {type: string, maxLength: 12, pattern: "^[a-z ]+$"}
"##;

const COMMON: &str = r##"
components:
  parameters:
    AccountId: {name: accountId, in: path, required: true, schema: {type: string, pattern: "^a[0-9]+$"}}
  schemas:
    Money: {type: number, minimum: 0, exclusiveMinimum: true, example: -5}
    Base:
      type: object
      required: [from, to]
      properties:
        from: {type: string}
        to: {type: string}
        id: {type: string, readOnly: true}
    NewTransfer:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          required: [amount]
          properties:
            amount: {$ref: "#/components/schemas/Money"}
            currency: {type: string, maxLength: 3, nullable: true}
"##;

fn contract_patch() -> Value {
    json!({"openapi": CONTRACT, "documents": {"common.yaml": COMMON}})
}

fn stack_with(filters: &[Filter]) -> Stack {
    Stack::builder()
        .filters(filters)
        .patch(Filter::Validate, contract_patch())
        .start()
        .unwrap()
}

fn violation(response: &Response) -> (u16, String, String) {
    let body = response.json().unwrap_or(Value::Null);
    let kind = body["type"].as_str().unwrap_or_default();
    let pointer = body["violations"][0]["pointer"].as_str().unwrap_or("-");
    (
        response.status,
        kind.trim_start_matches("urn:palisade:problem:").to_string(),
        pointer.to_string(),
    )
}

/// Each case: request, expected status, problem kind and first pointer (no kind: passes on to
/// the API, which may answer anything).
fn check(stack: &Stack, cases: Vec<(&str, Request, u16, &str, &str)>) {
    for (name, request, status, kind, pointer) in cases {
        let response = stack.send(&request).unwrap();
        if kind.is_empty() {
            // Passed on: whatever the API answers, it is not one of our problems.
            let text = response.text();
            assert!(!text.contains("urn:palisade:problem:"), "{name}: {text}");
            continue;
        }
        assert_eq!(
            violation(&response),
            (status, kind.to_string(), pointer.to_string()),
            "{name}: {}",
            response.text()
        );
    }
}

#[test]
fn parameters_are_checked_in_every_location_before_the_api() {
    let stack = stack_with(&[Filter::Validate]);
    let get = |target: &str| Request::get(target);
    let bad = "invalid-parameters";
    let cases = vec![
        (
            "all valid",
            get("/accounts?limit=5&ids=1&ids=2&filter[status]=open&q=a+b")
                .header("x-client-version", "3")
                .header("cookie", "session=abcd; other=1"),
            200,
            "",
            "",
        ),
        (
            "limit too large",
            get("/accounts?limit=500"),
            400,
            bad,
            "/query/limit",
        ),
        (
            "limit not a number",
            get("/accounts?limit=ten"),
            400,
            bad,
            "/query/limit",
        ),
        (
            "repeated scalar",
            get("/accounts?limit=1&limit=2"),
            400,
            bad,
            "/query/limit",
        ),
        (
            "array item",
            get("/accounts?ids=1&ids=x"),
            400,
            bad,
            "/query/ids/1",
        ),
        (
            "deepObject member",
            get("/accounts?filter[status]=gone"),
            400,
            bad,
            "/query/filter/status",
        ),
        (
            "unknown query parameter",
            get("/accounts?debug=true"),
            400,
            bad,
            "/query/debug",
        ),
        (
            "pattern",
            get("/accounts?q=a%3Cscript%3E"),
            400,
            bad,
            "/query/q",
        ),
        (
            "overlong UTF-8",
            get("/accounts?q=%C0%AE%C0%AE"),
            400,
            bad,
            "/query/q",
        ),
        (
            "bidi override",
            get("/accounts?q=%E2%80%AEabc"),
            400,
            bad,
            "/query/q",
        ),
        (
            "header type",
            get("/accounts").header("x-client-version", "v2"),
            400,
            bad,
            "/header/x-client-version",
        ),
        (
            "header double encoding",
            get("/accounts").header("x-client-version", "%2531"),
            400,
            bad,
            "/header/x-client-version",
        ),
        (
            "cookie too short",
            get("/accounts").header("cookie", "session=ab"),
            400,
            bad,
            "/cookie/session",
        ),
        (
            "cookie double encoding",
            get("/accounts").header("cookie", "session=%2541bcd"),
            400,
            bad,
            "/cookie/session",
        ),
        (
            "path parameter from common.yaml",
            get("/accounts/b1"),
            400,
            bad,
            "/path/accountId",
        ),
        (
            "double encoding in the query",
            get("/accounts?q=%2541"),
            400,
            "invalid-path",
            "-",
        ),
        (
            "NUL in the query",
            get("/accounts?q=a%00"),
            400,
            "invalid-path",
            "-",
        ),
    ];
    let refused = cases.iter().filter(|case| case.2 == 400).count() as u64;
    check(&stack, cases);

    let reached: Vec<String> = stack
        .recorded()
        .unwrap()
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(
        reached,
        ["/accounts?limit=5&ids=1&ids=2&filter[status]=open&q=a+b"]
    );
    let counter = |name: &str| {
        stack
            .counter(&format!("wasmcustom.{name}"))
            .unwrap()
            .unwrap_or(0)
    };
    assert_eq!(counter("palisade_validate_denied_total"), refused);
    assert_eq!(counter("palisade_validate_violations_unknown_total"), 1);
    assert_eq!(counter("palisade_validate_violations_encoding_total"), 4);
    assert_eq!(counter("palisade_validate_violations_duplicate_total"), 1);
}

fn post(content_type: &str, body: &[u8]) -> Request {
    Request::new("POST", "/transfers")
        .header("content-type", content_type)
        .body(body.to_vec())
}

fn multipart(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for (name, data) in parts {
        body.push_str(&format!(
            "--b0undary\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{data}\r\n"
        ));
    }
    body.push_str("--b0undary--\r\n");
    body.into_bytes()
}

#[test]
fn every_declared_body_type_is_read_and_checked() {
    let stack = stack_with(&[Filter::Validate]);
    let json_type = "application/json";
    let form = "application/x-www-form-urlencoded";
    let parts = "multipart/form-data; boundary=b0undary";
    let invalid = "invalid-body";
    let cases = vec![
        (
            "json valid",
            post(
                json_type,
                br#"{"from":"a1","to":"a2","amount":5,"currency":null}"#,
            ),
            0,
            "",
            "",
        ),
        (
            "json mass assignment through allOf",
            post(
                json_type,
                br#"{"from":"a1","to":"a2","amount":5,"isAdmin":true}"#,
            ),
            400,
            invalid,
            "/isAdmin",
        ),
        (
            "json read-only",
            post(json_type, br#"{"from":"a1","to":"a2","amount":5,"id":"x"}"#),
            400,
            invalid,
            "/id",
        ),
        (
            "json 3.0 exclusiveMinimum",
            post(json_type, br#"{"from":"a1","to":"a2","amount":0}"#),
            400,
            invalid,
            "/amount",
        ),
        (
            "form valid",
            post(form, b"from=a1&to=a2&amount=5.5&currency=EUR"),
            0,
            "",
            "",
        ),
        (
            "form amount type",
            post(form, b"from=a1&to=a2&amount=five"),
            400,
            invalid,
            "/amount",
        ),
        (
            "form duplicate",
            post(form, b"from=a1&from=a3&to=a2&amount=1"),
            400,
            invalid,
            "/from",
        ),
        (
            "form unknown field",
            post(form, b"from=a1&to=a2&amount=1&role=admin"),
            400,
            invalid,
            "/role",
        ),
        (
            "form double encoding",
            post(form, b"from=%2561&to=a2&amount=1"),
            400,
            invalid,
            "/from",
        ),
        (
            "multipart valid",
            post(parts, &multipart(&[("receipt", "PDF"), ("memo", "rent")])),
            0,
            "",
            "",
        ),
        (
            "multipart undeclared part",
            post(parts, &multipart(&[("receipt", "PDF"), ("x", "1")])),
            400,
            invalid,
            "/x",
        ),
        (
            "multipart part too large",
            post(parts, &multipart(&[("receipt", &"z".repeat(40))])),
            400,
            invalid,
            "/receipt",
        ),
        (
            "multipart without boundary",
            post("multipart/form-data", &multipart(&[("receipt", "PDF")])),
            400,
            "malformed-body",
            "",
        ),
        (
            "multipart preamble",
            post(
                parts,
                &[b"hi\r\n".as_slice(), &multipart(&[("receipt", "PDF")])].concat(),
            ),
            400,
            "malformed-body",
            "",
        ),
        ("text valid", post("text/plain", b"pay the rent"), 0, "", ""),
        (
            "text too long",
            post("text/plain", b"pay the rent now"),
            400,
            invalid,
            "",
        ),
        (
            "text not UTF-8",
            post("text/plain", b"r\xffnt"),
            400,
            "malformed-body",
            "",
        ),
        (
            "compressed",
            post(json_type, b"\x1f\x8b").header("content-encoding", "gzip"),
            415,
            "unsupported-content-encoding",
            "-",
        ),
    ];
    let passing = cases.iter().filter(|case| case.3.is_empty()).count();
    check(&stack, cases);
    let reached = stack.recorded().unwrap();
    assert_eq!(reached.len(), passing, "only valid bodies reach the API");
}

#[test]
fn violations_reach_audit_in_the_validate_decision() {
    let stack = stack_with(&[Filter::Audit, Filter::Validate]);
    let before = stack.audit_records().len();

    let response = stack
        .send(&Request::get("/accounts?limit=0&debug=1"))
        .unwrap();

    assert_eq!(response.status, 400);
    let records = stack.wait_for_audit_records(before + 1).unwrap();
    let decision = &records.last().unwrap()["decisions"]["validate"];
    assert_eq!(decision["outcome"], "deny");
    assert_eq!(
        decision["reason"],
        "invalid-parameters: /query/limit range, /query/debug unknown"
    );
}

#[test]
fn a_contract_that_does_not_load_stops_envoy_naming_file_and_place() {
    let cases = [
        (
            json!({"openapi": CONTRACT, "documents": {"common.yaml": COMMON.replace("^a[0-9]+$", "([a")}}),
            "documents[common.yaml].components.parameters.AccountId.schema.pattern",
        ),
        (
            json!({"openapi": CONTRACT}),
            "openapi.paths./accounts/{accountId}.get.parameters.0.$ref",
        ),
        (
            json!({"openapi": CONTRACT.replace("style: deepObject", "style: matrix"), "documents": {"common.yaml": COMMON}}),
            "openapi.paths./accounts.get.parameters.filter.style",
        ),
    ];
    for (patch, field) in cases {
        palisade_integration_tests::check::assert_config_refused(Filter::Validate, patch, field);
    }
}
