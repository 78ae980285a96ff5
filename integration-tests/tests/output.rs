//! The output filter in a real Envoy before the demo API: undeclared fields and revealing
//! headers never reach the client, a body that cannot be filtered is withheld, and a bad
//! configuration stops Envoy.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::{Filter, Response, Stack};
use serde_json::{json, Value};

/// Fields the demo API adds that its contract does not declare.
const UNDECLARED: [&str; 2] = ["internal_id", "password_hash"];

fn assert_account_is_declared_only(account: &Value) {
    let mut keys: Vec<&str> = account
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["balance", "currency", "id", "owner"], "{account}");
}

fn assert_security_headers(response: &Response) {
    assert_eq!(response.header("server"), None, "Server leaked");
    assert_eq!(response.header("x-powered-by"), None, "X-Powered-By leaked");
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
}

#[test]
fn undeclared_fields_and_revealing_headers_never_reach_the_client() {
    let stack = Stack::builder().filters(&[Filter::Output]).start().unwrap();

    let one = stack.get("/accounts/a1", None).unwrap();
    let all = stack.get("/accounts", None).unwrap();

    assert_eq!(one.status, 200, "{}", one.text());
    assert_account_is_declared_only(&one.json().unwrap());
    assert_eq!(one.json().unwrap()["owner"], "alice");
    assert_security_headers(&one);

    assert_eq!(all.status, 200, "{}", all.text());
    let accounts = all.json().unwrap()["accounts"].as_array().unwrap().clone();
    assert_eq!(accounts.len(), 3);
    accounts.iter().for_each(assert_account_is_declared_only);
    assert_security_headers(&all);
    for field in UNDECLARED {
        assert!(
            !all.text().contains(field),
            "{field} leaked: {}",
            all.text()
        );
    }

    let removed = stack.counter("wasmcustom.palisade_output_fields_removed_total");
    assert_eq!(removed.unwrap(), Some(2 + 3 * 2));
    let rewritten = stack.counter("wasmcustom.palisade_output_bodies_rewritten_total");
    assert_eq!(rewritten.unwrap(), Some(2));
}

#[test]
fn responses_without_a_declared_schema_keep_their_body_but_not_the_headers() {
    let stack = Stack::builder().filters(&[Filter::Output]).start().unwrap();

    let closed = stack
        .send(&palisade_integration_tests::Request::new(
            "DELETE",
            "/accounts/a3",
        ))
        .unwrap();
    let missing = stack.get("/accounts/nobody", None).unwrap();

    assert_eq!(closed.status, 204);
    assert!(closed.body.is_empty());
    assert_security_headers(&closed);
    // 404 declares the Problem schema; the demo API's problem fits it, so nothing is lost.
    assert_eq!(missing.status, 404);
    assert!(missing.json().unwrap()["title"].is_string());
    assert_security_headers(&missing);
}

/// createTransfers declares only 201: the demo API's 400 problem for a body without transfers
/// is an undeclared error body, so the client gets a generic problem of the same status.
#[test]
fn undeclared_error_bodies_are_replaced_by_a_generic_problem_of_the_same_status() {
    let stack = Stack::builder().filters(&[Filter::Output]).start().unwrap();

    let request = palisade_integration_tests::Request::new("POST", "/transfers/batch")
        .json(&serde_json::json!({"x": 1}));
    let response = stack.send(&request).unwrap();

    assert_eq!(response.status, 400, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let problem = response.json().unwrap();
    assert_eq!(problem["type"], "urn:palisade:problem:upstream-error");
    assert_eq!(problem["status"], 400);
    assert!(
        !response.text().contains("transfers array"),
        "the upstream's detail leaked: {}",
        response.text()
    );
    assert_security_headers(&response);
    let sanitised = stack.counter("wasmcustom.palisade_output_errors_sanitised_total");
    assert_eq!(sanitised.unwrap(), Some(1));
}

#[test]
fn body_too_large_to_filter_is_withheld_as_a_502_problem() {
    let stack = Stack::builder()
        .filters(&[Filter::Output])
        .patch(Filter::Output, json!({"max_body_bytes": 64}))
        .start()
        .unwrap();

    let response = stack.get("/accounts", None).unwrap();

    assert_eq!(response.status, 502, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let problem = response.json().unwrap();
    assert_eq!(
        problem["type"],
        "urn:palisade:problem:unfilterable-response"
    );
    assert!(!response.text().contains("alice"), "{}", response.text());
    let refused = stack.counter("wasmcustom.palisade_output_bodies_refused_total");
    assert_eq!(refused.unwrap(), Some(1));
}

#[test]
fn bad_configuration_stops_envoy_naming_the_field() {
    let table = [
        (json!({"max_body_byte": 100}), "max_body_byte"),
        (json!({"max_body_bytes": 0}), "max_body_bytes"),
        (json!({"security_headers": "yes"}), "security_headers"),
        (
            json!({"pass_undeclared_responses": ["noSuchOperation"]}),
            "pass_undeclared_responses[0]",
        ),
    ];
    for (patch, field) in table {
        palisade_integration_tests::check::assert_config_refused(Filter::Output, patch, field);
    }
}
