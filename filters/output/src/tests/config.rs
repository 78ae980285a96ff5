//! Strict configuration: defaults, refusals that name the field, the demo contract compiles.

use super::demo_document;
use crate::config::{Config, Filter, DEFAULT_MAX_BODY_BYTES};
use palisade_shared::config::parse;
use serde_json::json;

fn compile(config: serde_json::Value) -> Result<Filter, palisade_shared::config::ConfigError> {
    parse::<Config>(config.to_string().as_bytes()).and_then(Filter::compile)
}

#[test]
fn demo_contract_compiles_with_safe_defaults() {
    let filter = compile(json!({"openapi": demo_document()})).unwrap();
    assert_eq!(filter.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
    assert!(filter.security_headers);
    assert!(!filter.plans.is_empty());
}

#[test]
fn refuses_unknown_fields_naming_them() {
    let err = compile(json!({"openapi": demo_document(), "max_body_byte": 10})).unwrap_err();
    assert_eq!(err.field, "max_body_byte");
    assert!(err.reason.contains("unknown field"), "{err}");
}

#[test]
fn refuses_bad_values_naming_the_field() {
    let table = [
        (
            json!({"openapi": demo_document(), "max_body_bytes": 0}),
            "max_body_bytes",
        ),
        (
            json!({"openapi": demo_document(), "max_body_bytes": 1u64 << 40}),
            "max_body_bytes",
        ),
        (
            json!({"openapi": demo_document(), "security_headers": "yes"}),
            "security_headers",
        ),
        (
            json!({"openapi": {"swagger": "2.0", "paths": {}}}),
            "openapi.openapi",
        ),
        (json!({}), ""),
    ];
    for (config, field) in table {
        let err = compile(config).unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
}

#[test]
fn refuses_a_response_schema_it_cannot_apply() {
    let document = json!({"openapi": "3.1.0", "paths": {"/x": {"get": {"responses": {
        "200": {"description": "d", "content": {"application/json": {"schema": {
            "type": "object", "patternProperties": {"^a": {}}}}}}}}}}});
    let err = compile(json!({"openapi": document})).unwrap_err();
    assert_eq!(err.field, "openapi.paths./x.get.responses.200");
    assert!(err.reason.contains("patternProperties"), "{err}");
}

#[test]
fn refuses_pass_undeclared_responses_naming_no_operation() {
    let table = [
        (
            json!(["getAccount", "getAcount"]),
            "pass_undeclared_responses[1]",
        ),
        (
            json!(["GET /accounts/{id}"]),
            "pass_undeclared_responses[0]",
        ),
        (json!("getAccount"), "pass_undeclared_responses"),
    ];
    for (names, field) in table {
        let config = json!({"openapi": demo_document(), "pass_undeclared_responses": names});
        let err = compile(config).unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
    let config = json!({"openapi": demo_document(),
                        "pass_undeclared_responses": ["getAccount", "delete /accounts/{accountId}"]});
    let filter = compile(config).unwrap();
    let relaxed: Vec<usize> = (0..filter.inventory.operations.len())
        .filter(|i| filter.passes_undeclared(*i))
        .collect();
    assert_eq!(relaxed.len(), 2);
}

/// The field names serde lists when it refuses an unknown one.
fn known_fields() -> Vec<String> {
    let err = compile(json!({"openapi": demo_document(), "unknown": 1})).unwrap_err();
    let list = err.reason.split("expected one of ").nth(1).unwrap();
    let mut names: Vec<String> = list
        .split(", ")
        .map(|n| n.trim_matches('`').to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn json_schema_and_demo_configuration_use_exactly_the_fields_the_filter_reads() {
    let schema: serde_json::Value = serde_json::from_str(include_str!(
        "../../../../schemas/output.config.schema.json"
    ))
    .unwrap();
    let mut documented: Vec<String> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    documented.sort();
    assert_eq!(documented, known_fields());

    let demo = include_str!("../../../../envoy-configs/demo/output.json");
    let mut demo: serde_json::Value = serde_json::from_str(demo).unwrap();
    demo["openapi"] = demo_document();
    compile(demo).unwrap();
}
