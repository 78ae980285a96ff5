//! What a schema lets through: one table of documents pruned by schemas.

use crate::plan::Compiler;
use crate::prune::{rewrite, BodyError};
use serde_json::{json, Value};

/// Components every case may refer to.
fn components() -> Value {
    json!({
        "Account": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "owner": {"$ref": "#/components/schemas/Owner"}}
        },
        "Owner": {"type": "object", "properties": {"name": {"type": "string"}}},
        "Alias": {"$ref": "#/components/schemas/Account"},
        "Free": {"description": "anything at all"},
        "Node": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
            }
        }
    })
}

/// Prunes `input` with `schema`; returns the result and the count of removed properties.
fn prune(schema: Value, input: Value) -> (Value, u64) {
    let document = json!({"components": {"schemas": components()}, "case": schema});
    let mut compiler = Compiler::new(&document);
    let root = compiler.compile("/case").unwrap();
    let plans = compiler.finish();
    let body = serde_json::to_vec(&input).unwrap();
    let rewritten = rewrite(&plans, root, &body).unwrap();
    (
        serde_json::from_slice(&rewritten.body).unwrap(),
        rewritten.removed,
    )
}

struct Case {
    name: &'static str,
    schema: Value,
    input: Value,
    expected: Value,
    removed: u64,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "flat object loses undeclared properties",
            schema: json!({"type": "object", "properties": {"id": {"type": "string"}}}),
            input: json!({"id": "a1", "internal_id": 7, "password_hash": "x"}),
            expected: json!({"id": "a1"}),
            removed: 2,
        },
        Case {
            name: "nested object is pruned at every level",
            schema: json!({"$ref": "#/components/schemas/Account"}),
            input: json!({"id": "a1", "owner": {"name": "Ann", "ssn": "1"}, "x": 1}),
            expected: json!({"id": "a1", "owner": {"name": "Ann"}}),
            removed: 2,
        },
        Case {
            name: "array items are pruned one by one",
            schema: json!({"type": "object", "properties": {
                "accounts": {"type": "array", "items": {"$ref": "#/components/schemas/Account"}}}}),
            input: json!({"accounts": [{"id": "a", "secret": 1}, {"id": "b", "secret": 2}, 3]}),
            expected: json!({"accounts": [{"id": "a"}, {"id": "b"}, 3]}),
            removed: 2,
        },
        Case {
            name: "ref chain is followed",
            schema: json!({"$ref": "#/components/schemas/Alias"}),
            input: json!({"id": "a1", "hidden": true}),
            expected: json!({"id": "a1"}),
            removed: 1,
        },
        Case {
            name: "allOf keeps a property declared in any branch",
            schema: json!({"allOf": [
                {"$ref": "#/components/schemas/Account"},
                {"type": "object", "properties": {"balance": {"type": "number"}}}]}),
            input: json!({"id": "a1", "balance": 5, "internal_id": 9}),
            expected: json!({"id": "a1", "balance": 5}),
            removed: 1,
        },
        Case {
            name: "allOf with an annotation-only branch still prunes",
            schema: json!({"allOf": [{"$ref": "#/components/schemas/Account"},
                                     {"description": "an account"}]}),
            input: json!({"id": "a1", "internal_id": 9}),
            expected: json!({"id": "a1"}),
            removed: 1,
        },
        Case {
            name: "anyOf and oneOf keep properties of every branch",
            schema: json!({"oneOf": [
                {"type": "object", "properties": {"card": {"type": "string"}}},
                {"anyOf": [{"type": "object", "properties": {"iban": {"type": "string"}}}]}]}),
            input: json!({"card": "c", "iban": "i", "cvv": "123"}),
            expected: json!({"card": "c", "iban": "i"}),
            removed: 1,
        },
        Case {
            name: "anyOf with an unconstrained branch keeps everything",
            schema: json!({"anyOf": [{"$ref": "#/components/schemas/Account"},
                                     {"$ref": "#/components/schemas/Free"}]}),
            input: json!({"id": "a1", "anything": {"deep": 1}}),
            expected: json!({"id": "a1", "anything": {"deep": 1}}),
            removed: 0,
        },
        Case {
            name: "additionalProperties true keeps extras",
            schema: json!({"type": "object", "properties": {"id": {}}, "additionalProperties": true}),
            input: json!({"id": 1, "extra": {"a": 1}}),
            expected: json!({"id": 1, "extra": {"a": 1}}),
            removed: 0,
        },
        Case {
            name: "additionalProperties schema prunes each extra by it",
            schema: json!({"type": "object",
                           "additionalProperties": {"$ref": "#/components/schemas/Owner"}}),
            input: json!({"a": {"name": "x", "pin": 1}, "b": {"name": "y"}}),
            expected: json!({"a": {"name": "x"}, "b": {"name": "y"}}),
            removed: 1,
        },
        Case {
            name: "additionalProperties false removes extras",
            schema: json!({"type": "object", "properties": {"id": {}},
                           "additionalProperties": false}),
            input: json!({"id": 1, "extra": 2}),
            expected: json!({"id": 1}),
            removed: 1,
        },
        Case {
            name: "absent additionalProperties removes extras all the same",
            schema: json!({"type": "object", "properties": {"id": {}}}),
            input: json!({"id": 1, "extra": 2}),
            expected: json!({"id": 1}),
            removed: 1,
        },
        Case {
            name: "object schema without properties lets none through",
            schema: json!({"type": "object"}),
            input: json!({"a": 1, "b": 2}),
            expected: json!({}),
            removed: 2,
        },
        Case {
            name: "empty schema keeps the whole document",
            schema: json!({}),
            input: json!({"a": {"b": [1, {"c": 2}]}}),
            expected: json!({"a": {"b": [1, {"c": 2}]}}),
            removed: 0,
        },
        Case {
            name: "array root prunes its items",
            schema: json!({"type": "array", "items": {"$ref": "#/components/schemas/Owner"}}),
            input: json!([{"name": "a", "dob": "x"}, {"name": "b"}]),
            expected: json!([{"name": "a"}, {"name": "b"}]),
            removed: 1,
        },
        Case {
            name: "array without items lets no property of its objects through",
            schema: json!({"type": "array"}),
            input: json!([{"a": 1}, "s", 2]),
            expected: json!([{}, "s", 2]),
            removed: 1,
        },
        Case {
            name: "scalar root is returned as it is",
            schema: json!({"type": "string"}),
            input: json!("plain"),
            expected: json!("plain"),
            removed: 0,
        },
        Case {
            name: "object where a string is declared is emptied",
            schema: json!({"type": "object", "properties": {"name": {"type": "string"}}}),
            input: json!({"name": {"first": "a", "secret": "b"}}),
            expected: json!({"name": {}}),
            removed: 2,
        },
        Case {
            name: "null where an object is declared stays null",
            schema: json!({"type": ["object", "null"], "properties": {"id": {}}}),
            input: json!(null),
            expected: json!(null),
            removed: 0,
        },
        Case {
            name: "writeOnly property never leaves",
            schema: json!({"type": "object", "properties": {
                "name": {"type": "string"}, "password": {"type": "string", "writeOnly": true}}}),
            input: json!({"name": "a", "password": "hunter2"}),
            expected: json!({"name": "a"}),
            removed: 1,
        },
        Case {
            name: "property declared false is removed",
            schema: json!({"type": "object", "properties": {"id": {}, "ssn": false}}),
            input: json!({"id": 1, "ssn": "x"}),
            expected: json!({"id": 1}),
            removed: 1,
        },
        Case {
            name: "recursive schema prunes at every depth",
            schema: json!({"$ref": "#/components/schemas/Node"}),
            input: json!({"name": "r", "x": 1, "children": [
                {"name": "c", "children": [{"name": "g", "y": 2}]}]}),
            expected: json!({"name": "r", "children": [
                {"name": "c", "children": [{"name": "g"}]}]}),
            removed: 2,
        },
        Case {
            name: "prefixItems and items are merged for every position",
            schema: json!({"type": "array",
                "prefixItems": [{"type": "object", "properties": {"a": {}}}],
                "items": {"type": "object", "properties": {"b": {}}}}),
            input: json!([{"a": 1, "b": 2, "c": 3}, {"b": 1, "c": 2}]),
            expected: json!([{"a": 1, "b": 2}, {"b": 1}]),
            removed: 2,
        },
    ]
}

#[test]
fn pruning_table() {
    for case in cases() {
        let (output, removed) = prune(case.schema, case.input);
        assert_eq!(output, case.expected, "{}", case.name);
        assert_eq!(removed, case.removed, "{}", case.name);
    }
}

#[test]
fn a_shared_schema_compiles_once() {
    let document = json!({"components": {"schemas": components()},
        "one": {"$ref": "#/components/schemas/Account"},
        "two": {"$ref": "#/components/schemas/Account"}});
    let mut compiler = Compiler::new(&document);
    compiler.compile("/one").unwrap();
    let alone = compiler.finish().len();
    let mut compiler = Compiler::new(&document);
    compiler.compile("/one").unwrap();
    compiler.compile("/two").unwrap();
    // Only the node of `/two` itself is new; Account's properties are shared.
    assert_eq!(compiler.finish().len(), alone + 1);
}

#[test]
fn refuses_schemas_it_cannot_apply() {
    let table = [
        (
            json!({"patternProperties": {"^x-": {}}}),
            "patternProperties",
        ),
        (
            json!({"$ref": "#/components/schemas/Missing"}),
            "names nothing",
        ),
        (json!({"$ref": "other.json#/Account"}), "not local"),
        (
            json!({"properties": {"a": 7}}),
            "neither an object nor a boolean",
        ),
    ];
    for (schema, expected) in table {
        let document = json!({"components": {"schemas": components()}, "case": schema});
        let err = Compiler::new(&document).compile("/case").unwrap_err();
        assert!(err.contains(expected), "{err}");
    }
}

#[test]
fn body_that_is_not_one_json_document_is_refused() {
    let document = json!({"case": {"type": "object"}});
    let mut compiler = Compiler::new(&document);
    let root = compiler.compile("/case").unwrap();
    let plans = compiler.finish();
    for body in [&b"{\"a\":"[..], b"", b"{} {}", b"<html>"] {
        assert_eq!(rewrite(&plans, root, body), Err(BodyError::NotJson));
    }
}
