use super::{config_with, demo_openapi, settings_with};
use crate::settings::Settings;
use serde_json::{json, Value};

fn refused(config: &[u8]) -> (String, String) {
    let err = Settings::from_json(config).unwrap_err();
    (err.field, err.reason)
}

#[test]
fn demo_config_loads_with_safe_defaults() {
    let settings = settings_with(json!({}));
    assert_eq!(settings.max_body_bytes, 65536);
    assert_eq!(settings.limits, palisade_shared::json::Limits::default());
    assert!(!settings.hold_request_headers);
    let file = include_str!("../../../../envoy-configs/demo/validate.json")
        .replace("\"{{OPENAPI}}\"", &demo_openapi().to_string());
    assert!(Settings::from_json(file.as_bytes()).is_ok());
}

#[test]
fn refuses_bad_top_level_fields() {
    let cases = [
        (json!({"max_body_bytz": 1}), ""),
        (json!({"max_body_bytes": 1048576}), "max_body_bytes"),
        (json!({"max_body_bytes": 0}), "max_body_bytes"),
        (json!({"max_body_bytes": "64k"}), "max_body_bytes"),
        (json!({"json": {"max_depth": 0}}), "json.max_depth"),
        (json!({"json": {"max_depth": 500}}), "json.max_depth"),
        (json!({"json": {"max_items": 5}}), "json.max_items"),
        (
            json!({"json": {"max_string_bytes": 2000000}}),
            "json.max_string_bytes",
        ),
        (
            json!({"hold_request_headers": "yes"}),
            "hold_request_headers",
        ),
    ];
    for (extra, field) in cases {
        let (found, reason) = refused(&config_with(extra.clone()));
        if field.is_empty() {
            assert!(reason.contains("unknown field `max_body_bytz`"), "{reason}");
        } else {
            assert_eq!(found, field, "{extra}: {reason}");
        }
    }
    let (_, reason) = refused(br#"{"max_body_bytes": 10}"#);
    assert!(reason.contains("missing field `openapi`"), "{reason}");
}

#[test]
fn refuses_an_unreadable_document() {
    // The renderer's placeholder left in: neither a document nor JSON text.
    let (field, _) = refused(br#"{"openapi": "{{OPENAPI}}"}"#);
    assert_eq!(field, "openapi");
    let (field, _) = refused(br#"{"openapi": {"openapi": "3.1.0"}}"#);
    assert_eq!(field, "openapi.paths");
}

fn with_document_change(change: impl FnOnce(&mut Value)) -> (String, String) {
    let mut document = demo_openapi();
    change(&mut document);
    refused(&serde_json::to_vec(&json!({"openapi": document})).unwrap())
}

#[test]
fn refuses_broken_request_body_schemas_at_configure_time() {
    let (field, reason) = with_document_change(|d| {
        d["components"]["schemas"]["NewTransfer"]["properties"]["to"] =
            json!({"$ref": "#/components/schemas/Nowhere"});
    });
    assert_eq!(
        field,
        "openapi.components.schemas.NewTransfer.properties.to.$ref"
    );
    assert!(reason.contains("resolves to nothing"), "{reason}");

    let (field, _) = with_document_change(|d| {
        d["components"]["schemas"]["NewTransfer"]["properties"]["from"]["pattern"] =
            json!("([a-z]");
    });
    assert_eq!(
        field,
        "openapi.components.schemas.NewTransfer.properties.from.pattern"
    );

    let (field, _) = with_document_change(|d| {
        d["paths"]["/transfers"]["post"]["requestBody"]["content"]["application/json"]["schema"] =
            json!({"$ref": "#/components/schemas/NoSuchSchema"});
    });
    assert_eq!(
        field,
        "openapi.paths./transfers.post.requestBody.content.application/json.schema.$ref"
    );
}

#[test]
fn refuses_request_bodies_that_declare_nothing_usable() {
    let cases: [(Value, &str); 4] = [
        (
            json!({"content": {}}),
            "openapi.paths./transfers.post.requestBody.content",
        ),
        (
            json!({"required": "yes", "content": {"application/json": {}}}),
            "openapi.paths./transfers.post.requestBody.required",
        ),
        (
            json!({"content": {"json": {}}}),
            "openapi.paths./transfers.post.requestBody.content.json",
        ),
        (
            json!({"$ref": "#/components/requestBodies/Missing"}),
            "openapi.paths./transfers.post.requestBody",
        ),
    ];
    for (body, expected) in cases {
        let (field, _) =
            with_document_change(|d| d["paths"]["/transfers"]["post"]["requestBody"] = body);
        assert_eq!(field, expected);
    }
}

#[test]
fn follows_request_bodies_given_by_reference() {
    let mut document = demo_openapi();
    let body = document["paths"]["/transfers"]["post"]["requestBody"].take();
    document["components"]["requestBodies"] = json!({"NewTransfer": body});
    document["paths"]["/transfers"]["post"]["requestBody"] =
        json!({"$ref": "#/components/requestBodies/NewTransfer"});
    let config = serde_json::to_vec(&json!({"openapi": document})).unwrap();
    let settings = Settings::from_json(&config).unwrap();
    let path = palisade_shared::path::CanonicalPath::parse("/transfers").unwrap();
    let palisade_shared::openapi::Lookup::Found { operation, .. } =
        settings.inventory.find("POST", &path)
    else {
        panic!("no operation");
    };
    let rule = settings.body_rule(operation).unwrap();
    assert!(rule.required);
    assert_eq!(rule.declared(), "application/json");
}

/// The names serde lists after `expected one of` in an unknown-field error.
fn known_fields(config: Value) -> Vec<String> {
    let (_, reason) = refused(&serde_json::to_vec(&config).unwrap());
    let list = reason.split("expected one of ").nth(1).unwrap_or_default();
    let mut names: Vec<String> = list
        .split(", ")
        .map(|n| n.trim_matches('`').to_string())
        .collect();
    names.sort();
    names
}

fn schema_fields(properties: &Value) -> Vec<String> {
    let mut names: Vec<String> = properties.as_object().unwrap().keys().cloned().collect();
    names.sort();
    names
}

#[test]
fn json_schema_lists_exactly_the_fields_the_filter_reads() {
    let schema: Value = serde_json::from_str(include_str!(
        "../../../../schemas/validate.config.schema.json"
    ))
    .unwrap();
    let top = known_fields(json!({"openapi": demo_openapi(), "unknown": 1}));
    assert_eq!(schema_fields(&schema["properties"]), top);
    let limits = known_fields(json!({"openapi": demo_openapi(), "json": {"unknown": 1}}));
    assert_eq!(
        schema_fields(&schema["properties"]["json"]["properties"]),
        limits
    );
}
