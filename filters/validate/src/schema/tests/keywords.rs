use super::*;
use serde_json::json;

#[test]
fn type_keyword() {
    run(vec![
        (
            "string accepted",
            json!({"type": "string"}),
            json!("a"),
            &[],
        ),
        (
            "number is not a string",
            json!({"type": "string"}),
            json!(1),
            &[""],
        ),
        (
            "list of types with null",
            json!({"type": ["string", "null"]}),
            json!(null),
            &[],
        ),
        (
            "null not in list",
            json!({"type": ["string", "integer"]}),
            json!(null),
            &[""],
        ),
        (
            "integral float is an integer",
            json!({"type": "integer"}),
            json!(1.0),
            &[],
        ),
        (
            "fraction is not an integer",
            json!({"type": "integer"}),
            json!(1.5),
            &[""],
        ),
        (
            "integer is a number",
            json!({"type": "number"}),
            json!(7),
            &[],
        ),
        (
            "string is not a boolean",
            json!({"type": "boolean"}),
            json!("true"),
            &[""],
        ),
        (
            "array is not an object",
            json!({"type": "object"}),
            json!([]),
            &[""],
        ),
        (
            "3.0 nullable adds null",
            json!({"type": "string", "nullable": true}),
            json!(null),
            &[],
        ),
        ("no type admits all", json!({}), json!({"a": [1]}), &[]),
        ("false admits nothing", json!(false), json!(1), &[""]),
    ]);
}

#[test]
fn object_keywords() {
    let transfer = json!({
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
        "required": ["a"],
        "additionalProperties": false
    });
    run(vec![
        (
            "valid object",
            transfer.clone(),
            json!({"a": 1, "b": "x"}),
            &[],
        ),
        (
            "wrong member type",
            transfer.clone(),
            json!({"a": "1"}),
            &["/a"],
        ),
        (
            "missing required names the member",
            transfer.clone(),
            json!({"b": "x"}),
            &["/a"],
        ),
        (
            "unknown member refused",
            transfer.clone(),
            json!({"a": 1, "c": 2}),
            &["/c"],
        ),
        (
            "several violations",
            transfer,
            json!({"b": 2, "c": 2}),
            &["/a", "/b", "/c"],
        ),
        (
            "additionalProperties as a schema",
            json!({"additionalProperties": {"type": "integer"}}),
            json!({"x": 1, "y": "s"}),
            &["/y"],
        ),
        (
            "patternProperties exempt from additionalProperties",
            json!({"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false}),
            json!({"x-a": "s", "x-b": 1, "y": 1}),
            &["/x-b", "/y"],
        ),
        (
            "minProperties",
            json!({"minProperties": 2}),
            json!({"a": 1}),
            &[""],
        ),
        (
            "maxProperties",
            json!({"maxProperties": 1}),
            json!({"a": 1, "b": 2}),
            &[""],
        ),
        (
            "pointer tokens escaped",
            json!({"properties": {"a/b": {"type": "string"}, "c~d": {"type": "string"}}}),
            json!({"a/b": 1, "c~d": 2}),
            &["/a~1b", "/c~0d"],
        ),
    ]);
}

#[test]
fn array_keywords() {
    run(vec![
        (
            "items applies to each",
            json!({"items": {"type": "integer"}}),
            json!([1, "a", 3, "b"]),
            &["/1", "/3"],
        ),
        (
            "prefixItems then items",
            json!({"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false}),
            json!(["a", 1, true]),
            &["/2"],
        ),
        (
            "prefixItems may be shorter",
            json!({"prefixItems": [{"type": "string"}]}),
            json!(["a", 1]),
            &[],
        ),
        ("minItems", json!({"minItems": 2}), json!([1]), &[""]),
        ("maxItems", json!({"maxItems": 1}), json!([1, 2]), &[""]),
        (
            "uniqueItems compares numbers by value",
            json!({"uniqueItems": true}),
            json!([1, 2, 1.0]),
            &["/2"],
        ),
        (
            "uniqueItems ignores member order",
            json!({"uniqueItems": true}),
            json!([{"a": 1, "b": 2}, {"b": 2, "a": 1}]),
            &["/1"],
        ),
        (
            "distinct items are unique",
            json!({"uniqueItems": true}),
            json!([1, "1", [1], {"1": 1}]),
            &[],
        ),
        (
            "nested pointer",
            json!({"items": {"items": {"type": "string"}}}),
            json!([["a"], ["b", 2]]),
            &["/1/1"],
        ),
    ]);
}
