//! GraphQL endpoints through the real Envoy: documents over POST (JSON and
//! `application/graphql`) and GET are parsed and held to the endpoint's limits; what breaks one
//! gets a 400 problem with a pointer and never reaches the API, and a persisted-query endpoint
//! accepts only the documents on its list.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::{Filter, Request, Response, Stack};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The one document the persisted-query endpoint accepts.
const LISTED: &str = "query Accounts { accounts(first: 5) { id balance } }";

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `/graphql`: depth 4, 3 aliases, 4 root fields, cost 200 (`transfers` weighs 10), batches
/// of 2. `/graphql/persisted`: only [`LISTED`], also by hash or by the id `accounts`.
fn stack() -> Stack {
    let digest = sha256_hex(LISTED);
    let graphql = json!([
        {"path": "/graphql", "max_depth": 4, "max_aliases": 3, "max_root_fields": 4,
         "max_cost": 200, "max_batch": 2, "field_weights": {"transfers": 10}},
        {"path": "/graphql/persisted",
         "persisted_queries": {"sha256": [digest], "ids": {"accounts": digest}}}
    ]);
    Stack::builder()
        .filters(&[Filter::Validate])
        .patch(Filter::Validate, json!({ "graphql": graphql }))
        .start()
        .unwrap()
}

fn post(stack: &Stack, path: &str, body: &Value) -> Response {
    stack.send(&Request::new("POST", path).json(body)).unwrap()
}

fn assert_refused(response: &Response, status: u16, kind: &str) -> Value {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let problem = response.json().unwrap();
    assert_eq!(problem["type"], format!("urn:palisade:problem:{kind}"));
    problem
}

#[test]
fn documents_beyond_the_limits_get_400_and_never_reach_the_api() {
    let stack = stack();
    let nested = |n: usize| format!("{}{}", "{ a ".repeat(n), "}".repeat(n));
    let cases = [
        (
            json!({"query": nested(5)}),
            "graphql-limit-exceeded",
            "/query",
            "depth 5",
        ),
        (
            json!({"query": "{ ...A } fragment A on Query { a { ...B } } fragment B on T { b { ...A } }"}),
            "graphql-invalid-request",
            "/query",
            "spreads itself",
        ),
        (
            json!({"query": "{ a: accounts b: accounts c: accounts d: accounts { id } }"}),
            "graphql-limit-exceeded",
            "/query",
            "aliases 4",
        ),
        (
            json!({"query": "{ accounts(first: 100) { transfers(last: 10) { id } } }"}),
            "graphql-limit-exceeded",
            "/query",
            "cost",
        ),
        (
            json!({"query": "query($n: Int) { accounts(first: $n) { id } }", "variables": {"n": 500}}),
            "graphql-limit-exceeded",
            "/query",
            "cost 501",
        ),
        (
            json!({"query": "{ __schema { types { name } } }"}),
            "graphql-introspection-disabled",
            "/query",
            "introspection",
        ),
        (
            json!({"query": "{ accounts { id }"}),
            "graphql-syntax-error",
            "/query",
            "syntax",
        ),
        (
            json!({"query": "type Query { secret: String }"}),
            "graphql-syntax-error",
            "/query",
            "syntax",
        ),
        (
            json!([{"query": "{ a }"}, {"query": "{ b }"}, {"query": "{ c }"}]),
            "graphql-limit-exceeded",
            "",
            "batch of 3",
        ),
        (
            json!([{"query": "{ a }"}, {"query": nested(6)}]),
            "graphql-limit-exceeded",
            "/1/query",
            "depth 6",
        ),
        (
            json!({"query": "{ a }", "debug": true}),
            "graphql-invalid-request",
            "/debug",
            "member",
        ),
    ];
    for (body, kind, pointer, reason) in &cases {
        let problem = assert_refused(&post(&stack, "/graphql", body), 400, kind);
        assert_eq!(problem["violations"][0]["pointer"], *pointer, "{body}");
        let found = problem["violations"][0]["reason"].as_str().unwrap();
        assert!(found.contains(reason), "{body}: {found}");
    }
    assert!(
        stack.recorded().unwrap().is_empty(),
        "a refused document reached the API"
    );
    let denied = stack
        .counter("wasmcustom.palisade_validate_denied_graphql_total")
        .unwrap();
    assert_eq!(denied, Some(cases.len() as u64));
}

#[test]
fn documents_within_the_limits_reach_the_api_by_post_and_get() {
    let stack = stack();
    let query = "query Q($n: Int = 5) { accounts(first: $n) { id ...Owner } } fragment Owner on Account { owner }";
    let json_body = post(
        &stack,
        "/graphql",
        &json!({"query": query, "operationName": "Q"}),
    );
    let document = stack
        .send(
            &Request::new("POST", "/graphql")
                .header("content-type", "application/graphql")
                .body("{ accounts { id } }"),
        )
        .unwrap();
    let batch = post(
        &stack,
        "/graphql",
        &json!([{"query": "{ a }"}, {"query": "{ b }"}]),
    );
    let get = stack
        .get("/graphql?query=%7B%20accounts%20%7B%20id%20%7D%20%7D", None)
        .unwrap();
    let get_mutation = stack
        .get("/graphql?query=mutation%20%7B%20close%20%7D", None)
        .unwrap();
    let form = stack
        .send(
            &Request::new("POST", "/graphql")
                .header("content-type", "text/plain")
                .body("{ a }"),
        )
        .unwrap();
    let put = stack
        .send(&Request::new("PUT", "/graphql").json(&json!({"query": "{ a }"})))
        .unwrap();

    for allowed in [&json_body, &document, &batch, &get] {
        assert_ne!(allowed.status, 400, "{}", allowed.text());
    }
    let problem = assert_refused(&get_mutation, 400, "graphql-invalid-request");
    assert_eq!(
        problem["violations"][0]["reason"],
        "only queries may be sent with GET"
    );
    assert_refused(&form, 415, "unsupported-media-type");
    assert_refused(&put, 405, "method-not-allowed");
    assert_eq!(put.header("allow"), Some("GET, POST"));
    let reached: Vec<(String, String)> = stack
        .recorded()
        .unwrap()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(reached.len(), 4, "{reached:?}");
    assert_eq!(reached[3].0, "GET");
}

#[test]
fn the_persisted_endpoint_takes_only_listed_documents() {
    let stack = stack();
    let digest = sha256_hex(LISTED);
    let apq = |hash: &str| json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    let path = "/graphql/persisted";

    let by_text = post(&stack, path, &json!({"query": LISTED}));
    let by_hash = post(&stack, path, &json!({"extensions": apq(&digest)}));
    let by_id = post(&stack, path, &json!({"documentId": "accounts"}));
    let unlisted = post(&stack, path, &json!({"query": "{ accounts { id } }"}));
    let unknown_hash = post(
        &stack,
        path,
        &json!({"extensions": apq(&sha256_hex("{ x }"))}),
    );
    let mismatch = post(
        &stack,
        path,
        &json!({"query": "{ accounts { id } }", "extensions": apq(&digest)}),
    );

    for allowed in [&by_text, &by_hash, &by_id] {
        assert_ne!(allowed.status, 400, "{}", allowed.text());
    }
    assert_refused(&unlisted, 400, "graphql-document-not-allowed");
    assert_refused(&unknown_hash, 400, "graphql-document-not-allowed");
    assert_refused(&mismatch, 400, "graphql-invalid-request");
    assert_eq!(stack.recorded().unwrap().len(), 3);
}
