//! Which plan a response gets: status keys, media types, references to response objects.

use crate::config::{Config, Filter};
use crate::responses::{essence, is_json};
use serde_json::{json, Value};

fn filter(responses: Value) -> Filter {
    let document = json!({
        "openapi": "3.1.0",
        "paths": {"/things": {"get": {"responses": responses}}},
        "components": {"responses": {"Shared": {"description": "d", "content": {
            "application/json": {"schema": {"type": "object"}}}}}}
    });
    Filter::compile(Config {
        openapi: document,
        max_body_bytes: 1000,
        security_headers: true,
    })
    .unwrap()
}

fn json_schema() -> Value {
    json!({"application/json": {"schema": {"type": "object"}}})
}

#[test]
fn most_specific_status_key_wins() {
    let filter = filter(json!({
        "200": {"description": "d", "content": json_schema()},
        "2XX": {"description": "d", "content": json_schema()},
        "default": {"description": "d", "content": json_schema()},
        "204": {"description": "no content"}
    }));
    let plans = filter.responses_at(0).unwrap();
    let exact = plans.find(200, "application/json").unwrap();
    let range = plans.find(201, "application/json").unwrap();
    let fallback = plans.find(500, "application/json").unwrap();
    assert_ne!(exact, range);
    assert_ne!(range, fallback);
    // 204 is declared without content: that declaration wins over 2XX and nothing is filtered.
    assert_eq!(plans.find(204, "application/json"), None);
}

#[test]
fn media_type_falls_back_to_wildcards_and_ignores_non_json() {
    let filter = filter(json!({
        "200": {"description": "d", "content": {
            "*/*": {"schema": {"type": "object"}},
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {}
        }}
    }));
    let plans = filter.responses_at(0).unwrap();
    // application/json declares no schema, so the wildcard's applies.
    assert!(plans.find(200, "application/json").is_some());
    assert!(plans.find(200, "application/problem+json").is_some());
    assert!(filter.responses_at(0).is_some_and(|p| !p.is_empty()));
}

#[test]
fn response_objects_are_followed_through_ref() {
    let filter = filter(json!({"404": {"$ref": "#/components/responses/Shared"}}));
    let plans = filter.responses_at(0).unwrap();
    assert!(plans.find(404, "application/json").is_some());
    assert_eq!(plans.find(200, "application/json"), None);
}

#[test]
fn operation_without_json_responses_has_no_plan() {
    let filter = filter(json!({"204": {"description": "closed"}}));
    assert!(filter.responses_at(0).unwrap().is_empty());
}

#[test]
fn refuses_a_response_key_that_is_not_a_status() {
    let document = json!({"openapi": "3.1.0",
        "paths": {"/things": {"get": {"responses": {"20O": {"description": "typo"}}}}}});
    let config = Config {
        openapi: document,
        max_body_bytes: 10,
        security_headers: true,
    };
    let err = Filter::compile(config).unwrap_err();
    assert_eq!(err.field, "openapi.paths./things.get.responses.20O");
}

#[test]
fn media_type_essence_and_json_detection() {
    assert_eq!(
        essence("Application/JSON; charset=utf-8"),
        "application/json"
    );
    assert!(is_json("application/json"));
    assert!(is_json("application/problem+json"));
    assert!(!is_json("text/json+html"));
    assert!(!is_json("application/jsonp"));
    assert!(!is_json("text/html"));
}
