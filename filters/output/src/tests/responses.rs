//! Which plan a response gets: status keys, media types, references to response objects.

use crate::config::{Config, Filter};
use crate::responses::Described::{self, Declared, Schema, Undescribed};
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
        pass_undeclared_responses: Vec::new(),
    })
    .unwrap()
}

fn plan_of(described: Described) -> usize {
    match described {
        Schema(node) => node,
        other => panic!("no plan: {other:?}"),
    }
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
    let exact = plan_of(plans.describe(200, "application/json"));
    let range = plan_of(plans.describe(201, "application/json"));
    let fallback = plan_of(plans.describe(500, "application/json"));
    assert_ne!(exact, range);
    assert_ne!(range, fallback);
    // 204 is declared without content: that declaration wins over 2XX, and no body is described.
    assert_eq!(plans.describe(204, "application/json"), Undescribed);
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
    plan_of(plans.describe(200, "application/json"));
    plan_of(plans.describe(200, "application/problem+json"));
    // Other types are declared through the wildcard, and are never pruned.
    assert_eq!(plans.describe(200, "text/html"), Declared("not-json"));
    assert!(filter.responses_at(0).is_some_and(|p| !p.is_empty()));
}

#[test]
fn response_objects_are_followed_through_ref() {
    let filter = filter(json!({"404": {"$ref": "#/components/responses/Shared"}}));
    let plans = filter.responses_at(0).unwrap();
    plan_of(plans.describe(404, "application/json"));
    assert_eq!(plans.describe(200, "application/json"), Undescribed);
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
        pass_undeclared_responses: Vec::new(),
    };
    let err = Filter::compile(config).unwrap_err();
    assert_eq!(err.field, "openapi.paths./things.get.responses.20O");
}

/// A JSON body under any JSON label takes the declared JSON schema; other labels are declared
/// only by their own type or a wildcard that covers them.
#[test]
fn json_bodies_under_any_json_label_take_the_declared_schema() {
    let filter = filter(json!({
        "200": {"description": "d", "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}}
        }},
        "201": {"description": "d", "content": {"application/json": {}}},
        "202": {"description": "d", "content": {"text/*": {}}}
    }));
    let plans = filter.responses_at(0).unwrap();
    let declared = plan_of(plans.describe(200, "application/json"));
    let table = [
        (200, "text/json", Schema(declared)),
        (200, "application/vnd.bank.v2+json", Schema(declared)),
        (200, "application/problem+json", Schema(declared)),
        (200, "text/csv", Declared("not-json")),
        (200, "text/plain", Undescribed),
        (200, "application/octet-stream", Undescribed),
        (200, "application/json-seq", Undescribed),
        (201, "application/json", Declared("no-schema")),
        (201, "text/json", Declared("no-schema")),
        (201, "text/plain", Undescribed),
        (202, "text/plain", Declared("not-json")),
        (202, "text/json", Declared("no-schema")),
        (202, "application/json", Undescribed),
        (203, "application/json", Undescribed),
        (500, "application/json", Undescribed),
    ];
    for (status, media, expected) in table {
        assert_eq!(plans.describe(status, media), expected, "{status} {media}");
    }
}
