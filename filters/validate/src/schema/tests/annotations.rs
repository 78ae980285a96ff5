use super::*;
use serde_json::json;

#[test]
fn unevaluated_properties_see_through_composition() {
    let base = json!({"properties": {"a": {"type": "integer"}}});
    let closed_all_of = json!({
        "allOf": [base.clone(), {"properties": {"b": {"type": "string"}}}],
        "unevaluatedProperties": false
    });
    let closed_any_of = json!({
        "anyOf": [{"properties": {"a": {"type": "integer"}}, "required": ["a"]},
                  {"properties": {"b": {"type": "string"}}, "required": ["b"]}],
        "unevaluatedProperties": false
    });
    let conditional = json!({
        "if": {"properties": {"kind": {"const": "card"}}, "required": ["kind"]},
        "then": {"properties": {"pan": {"type": "string"}}},
        "else": {"properties": {"iban": {"type": "string"}}},
        "properties": {"kind": {"type": "string"}},
        "unevaluatedProperties": false
    });
    run(vec![
        (
            "allOf members are evaluated",
            closed_all_of.clone(),
            json!({"a": 1, "b": "x"}),
            &[],
        ),
        (
            "member of no branch",
            closed_all_of.clone(),
            json!({"a": 1, "c": 2}),
            &["/c"],
        ),
        (
            "failing branch evaluates nothing",
            closed_any_of.clone(),
            json!({"a": 1, "b": 2}),
            &["/b"],
        ),
        (
            "passing anyOf branches",
            closed_any_of,
            json!({"a": 1, "b": "x"}),
            &[],
        ),
        (
            "then branch evaluates",
            conditional.clone(),
            json!({"kind": "card", "pan": "4"}),
            &[],
        ),
        (
            "else member under then",
            conditional.clone(),
            json!({"kind": "card", "iban": "D"}),
            &["/iban"],
        ),
        (
            "else branch evaluates",
            conditional,
            json!({"kind": "sepa", "iban": "D"}),
            &[],
        ),
        (
            "unevaluatedProperties as a schema",
            json!({"properties": {"a": true}, "unevaluatedProperties": {"type": "integer"}}),
            json!({"a": "x", "b": 1, "c": "y"}),
            &["/c"],
        ),
        (
            "not does not evaluate",
            json!({"not": {"properties": {"a": {"type": "string"}}, "required": ["a"]},
                   "unevaluatedProperties": false}),
            json!({"a": 1}),
            &["/a"],
        ),
        (
            "unevaluatedItems after prefixItems and contains",
            json!({"prefixItems": [{"type": "string"}], "contains": {"type": "integer"},
                   "unevaluatedItems": false}),
            json!(["a", 1, true, 2]),
            &["/2"],
        ),
    ]);
}

#[test]
fn objects_close_by_default_unless_a_schema_opens_them() {
    let account = json!({"properties": {"owner": {"type": "string"}}});
    let extended =
        json!({"allOf": [account.clone(), {"properties": {"role": {"type": "string"}}}]});
    let cases: Vec<Case> = vec![
        (
            "declared members only",
            account.clone(),
            json!({"owner": "a"}),
            &[],
        ),
        (
            "mass assignment refused",
            account.clone(),
            json!({"owner": "a", "isAdmin": true}),
            &["/isAdmin"],
        ),
        (
            "allOf branches together",
            extended.clone(),
            json!({"owner": "a", "role": "r"}),
            &[],
        ),
        (
            "allOf does not open",
            extended,
            json!({"owner": "a", "x": 1}),
            &["/x"],
        ),
        (
            "explicit additionalProperties opens",
            json!({"properties": {"a": true}, "additionalProperties": true}),
            json!({"a": 1, "b": 2}),
            &[],
        ),
        (
            "free-form object stays open",
            json!({"type": "object"}),
            json!({"x": 1}),
            &[],
        ),
        (
            "nested objects close too",
            json!({"properties": {"inner": account}}),
            json!({"inner": {"owner": "a", "x": 1}}),
            &["/inner/x"],
        ),
        (
            "patternProperties evaluate",
            json!({"properties": {"a": true}, "patternProperties": {"^x-": true}}),
            json!({"a": 1, "x-b": 2, "c": 3}),
            &["/c"],
        ),
    ];
    for (name, schema, instance, expected) in cases {
        assert_eq!(closed_pointers(schema, instance), expected, "{name}");
    }
}

#[test]
fn contains_property_names_and_dependencies() {
    run(vec![
        (
            "contains none",
            json!({"contains": {"type": "integer"}}),
            json!(["a"]),
            &[""],
        ),
        (
            "contains one",
            json!({"contains": {"type": "integer"}}),
            json!(["a", 1]),
            &[],
        ),
        (
            "maxContains",
            json!({"contains": {"type": "integer"}, "maxContains": 1}),
            json!([1, 2]),
            &[""],
        ),
        (
            "minContains zero",
            json!({"contains": {"type": "integer"}, "minContains": 0}),
            json!([]),
            &[],
        ),
        (
            "propertyNames",
            json!({"propertyNames": {"pattern": "^[a-z]+$"}}),
            json!({"ok": 1, "Bad": 2}),
            &["/Bad"],
        ),
        (
            "dependentRequired",
            json!({"dependentRequired": {"card": ["cvc"]}}),
            json!({"card": "4"}),
            &["/cvc"],
        ),
        (
            "dependentRequired absent trigger",
            json!({"dependentRequired": {"card": ["cvc"]}}),
            json!({"cvc": "1"}),
            &[],
        ),
        (
            "dependentSchemas",
            json!({"dependentSchemas": {"card": {"required": ["expiry"]}}}),
            json!({"card": "4"}),
            &["/expiry"],
        ),
        (
            "if without then or else asserts nothing",
            json!({"if": {"type": "string"}}),
            json!(1),
            &[],
        ),
    ]);
}

#[test]
fn pointers_escape_client_chosen_names() {
    let schema = json!({"additionalProperties": false});
    let long = "k".repeat(100);
    let found = pointers(schema.clone(), json!({"a\nb": 1}));
    assert_eq!(found, ["/a\\u{a}b"]);
    let found = pointers(schema, json!({ long.clone(): 1 }));
    assert_eq!(found, [format!("/{}…", &long[..64])]);
}
