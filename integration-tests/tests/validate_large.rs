//! Large valid bodies pass the validate filter whole, as one request or many on one connection.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::bench::{batch_body, document_for_batches_of};
use palisade_integration_tests::http::Connection;
use palisade_integration_tests::{Filter, Request, Stack};
use serde_json::json;

#[test]
fn a_64_kb_batch_within_the_limit_is_validated_and_booked() {
    let stack = Stack::builder()
        .filters(&[Filter::Validate])
        .patch(
            Filter::Validate,
            json!({"max_body_bytes": 131072, "json": {"max_array_items": 2000},
                   "openapi": document_for_batches_of(2000)}),
        )
        .start()
        .unwrap();
    let body = batch_body(1190);
    assert!(body.to_string().len() > 64_000);
    let mut connection = Connection::open(stack.ports().envoy).unwrap();
    for _ in 0..3 {
        let request = Request::new("POST", "/transfers/batch").json(&body);
        let response = connection.send(&request).unwrap();
        assert_eq!(response.status, 201, "{}", response.text());
        assert_eq!(
            response.json().unwrap()["transfers"]
                .as_array()
                .unwrap()
                .len(),
            1190
        );
    }
    let bad = json!({"transfers": [{"from": "a1"}]});
    let refused = connection
        .send(&Request::new("POST", "/transfers/batch").json(&bad))
        .unwrap();
    assert_eq!(refused.status, 400, "{}", refused.text());
}
