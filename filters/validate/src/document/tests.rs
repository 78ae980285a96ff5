//! Contracts in YAML, bundled documents and `$ref`s between them, and the places named when a
//! document does not load.

use crate::settings::Settings;
use serde_json::{json, Value};

/// A 3.0 contract in YAML whose body schema lives in a bundled `common.yaml`.
const MAIN_YAML: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /transfers:
    post:
      parameters:
        - $ref: "common.yaml#/components/parameters/Limit"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "common.yaml#/components/schemas/Transfer"
      responses:
        201: {description: booked}
"##;

const COMMON_YAML: &str = r##"
components:
  parameters:
    Limit: {name: limit, in: query, schema: {type: integer, maximum: 10, exclusiveMaximum: true}}
  schemas:
    Money:
      type: number
      minimum: 0
      exclusiveMinimum: true
      example: -1
    Transfer:
      type: object
      required: [amount]
      properties:
        amount: {$ref: "#/components/schemas/Money"}
        memo: {type: string, nullable: true}
"##;

fn load(config: Value) -> Result<Settings, (String, String)> {
    Settings::from_json(&serde_json::to_vec(&config).unwrap()).map_err(|e| (e.field, e.reason))
}

fn violations(settings: &Settings, body: Value) -> Vec<String> {
    let transfer = settings.inventory.operations.first().unwrap();
    let rule = settings.body_rule(transfer).unwrap();
    let schema = rule.media.first().unwrap().schema;
    settings
        .schemas
        .validate(schema, &body, 20)
        .into_iter()
        .map(|v| v.pointer)
        .collect()
}

#[test]
fn yaml_contract_with_bundled_document_loads_and_applies_3_0_keywords() {
    let settings =
        load(json!({"openapi": MAIN_YAML, "documents": {"common.yaml": COMMON_YAML}})).unwrap();
    let cases = [
        (json!({"amount": 5, "memo": null}), Vec::<&str>::new()),
        (json!({"amount": 0}), vec!["/amount"]),
        (json!({"memo": "x"}), vec!["/amount"]),
    ];
    for (body, expected) in cases {
        assert_eq!(violations(&settings, body.clone()), expected, "{body}");
    }
    let (rules, _) = settings
        .params(settings.inventory.operations.first().unwrap())
        .unwrap();
    assert_eq!(rules.specs.first().map(|s| s.name.as_str()), Some("limit"));
}

#[test]
fn bundled_documents_may_be_objects_and_json_text() {
    let common: Value = json!({"components": {"schemas": {"Transfer": {"type": "object"}}}});
    let main = MAIN_YAML.replace("common.yaml#/components/parameters/Limit", "#/components/parameters/Limit")
        + "components:\n  parameters:\n    Limit: {name: limit, in: query, schema: {type: integer}}\n";
    assert!(
        load(json!({"openapi": main.clone(), "documents": {"common.yaml": common.clone()}}))
            .is_ok()
    );
    assert!(
        load(json!({"openapi": main, "documents": {"common.yaml": common.to_string()}})).is_ok()
    );
}

#[test]
fn a_document_that_does_not_load_names_the_place() {
    let broken_common = COMMON_YAML.replace(
        "{type: string, nullable: true}",
        "{type: string, pattern: \"([\"}",
    );
    let dangling =
        COMMON_YAML.replace("#/components/schemas/Money", "#/components/schemas/Nowhere");
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"openapi": MAIN_YAML}),
            "openapi.paths./transfers.post.parameters.0.$ref",
            "names no bundled document",
        ),
        (
            json!({"openapi": MAIN_YAML, "documents": {"common.yaml": broken_common}}),
            "documents[common.yaml].components.schemas.Transfer.properties.memo.pattern",
            "",
        ),
        (
            json!({"openapi": MAIN_YAML, "documents": {"common.yaml": dangling}}),
            "documents[common.yaml].components.schemas.Transfer.properties.amount.$ref",
            "resolves to nothing",
        ),
        (
            json!({"openapi": "openapi: [1"}),
            "openapi",
            "not valid YAML",
        ),
        (
            json!({"openapi": MAIN_YAML, "documents": {"common.yaml": "a: 1\na: 2\n"}}),
            "documents.common.yaml",
            "duplicate key",
        ),
        (
            json!({"openapi": "{\"openapi\": 3"}),
            "openapi",
            "not valid JSON",
        ),
        (
            json!({"openapi": "- a\n- b\n"}),
            "openapi",
            "must be an OpenAPI document",
        ),
        (
            json!({"openapi": MAIN_YAML.replace("common.yaml#", "https://evil.example/x.yaml#"), "documents": {"common.yaml": COMMON_YAML}}),
            "openapi.paths./transfers.post.parameters.0.$ref",
            "names no bundled document",
        ),
        (
            json!({"openapi": MAIN_YAML.replace("common.yaml#/components/parameters/Limit", "#Limit"), "documents": {"common.yaml": COMMON_YAML}}),
            "openapi.paths./transfers.post.parameters.0.$ref",
            "only JSON pointer fragments",
        ),
    ];
    for (config, field, reason) in cases {
        let (found, why) = load(config).expect_err("refused");
        assert_eq!(found, field, "{why}");
        assert!(why.contains(reason), "{field}: {why}");
    }
}

#[test]
fn percent_encoded_pointer_fragments_resolve() {
    let document = json!({
        "openapi": "3.1.0",
        "paths": {"/a/{id}": {"get": {"parameters": [{"$ref": "#/x-params/~1a~1%7Bid%7D"}]}}},
        "x-params": {"/a/{id}": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}}
    });
    assert!(load(json!({"openapi": document})).is_ok());
}
