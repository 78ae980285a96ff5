use super::*;
use serde_json::json;

#[test]
fn refs_resolve_into_components_with_siblings_applied() {
    let components = json!({
        "Currency": {"type": "string", "enum": ["EUR", "USD"]},
        "Money": {"type": "object", "properties": {"currency": {"$ref": "#/components/schemas/Currency"}}}
    });
    let schema = json!({"$ref": "#/components/schemas/Money", "required": ["currency"]});
    assert_eq!(
        pointers_with(
            components.clone(),
            schema.clone(),
            json!({"currency": "GBP"})
        ),
        ["/currency"]
    );
    assert_eq!(pointers_with(components, schema, json!({})), ["/currency"]);
}

#[test]
fn recursive_schema_is_compiled_once_and_walks_the_instance() {
    let components = json!({"Node": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
        },
        "required": ["name"]
    }});
    let schema = json!({"$ref": "#/components/schemas/Node"});
    let (tree, _) = compile_with(components.clone(), &schema).unwrap();
    assert!(tree.nodes.len() < 10, "compiled {} nodes", tree.nodes.len());
    let instance =
        json!({"name": "a", "children": [{"name": "b", "children": [{"children": []}]}]});
    assert_eq!(
        pointers_with(components, schema, instance),
        ["/children/0/children/0/name"]
    );
}

#[test]
fn reference_cycles_terminate_and_refuse() {
    let components = json!({
        "A": {"$ref": "#/components/schemas/B"},
        "B": {"allOf": [{"$ref": "#/components/schemas/A"}]},
        "Loop": {"anyOf": [{"$ref": "#/components/schemas/Loop"}, {"$ref": "#/components/schemas/Loop"}]}
    });
    for name in ["A", "Loop"] {
        let schema = json!({"$ref": format!("#/components/schemas/{name}")});
        let (tree, id) = compile_with(components.clone(), &schema).unwrap();
        let violations = tree.validate(id, &json!({}), 20);
        assert_eq!(violations.len(), 1, "{name}");
        assert_eq!(violations[0].reason, "too complex to validate");
    }
}

#[test]
fn evaluation_budget_refuses_costly_bodies() {
    let branches: Vec<Value> = (0..200).map(|i| json!({"const": i})).collect();
    let schema = json!({"items": {"anyOf": branches}});
    // Every item matches only the last branch: 200 probes each, 200 000 in all.
    let instance = json!(vec![199; 1000]);
    assert_eq!(pointers(schema, instance), [""]);
}

#[test]
fn violations_are_capped_and_echo_no_input() {
    let schema = json!({"additionalProperties": {"type": "integer", "pattern": "x"}});
    let members: serde_json::Map<String, Value> = (0..50)
        .map(|i| (format!("k{i}"), json!("SECRET-VALUE")))
        .collect();
    let (tree, id) = compile_with(json!({}), &schema).unwrap();
    let violations = tree.validate(id, &Value::Object(members), 20);
    assert_eq!(violations.len(), 20);
    assert!(violations.iter().all(|v| !v.reason.contains("SECRET")));
    let violations = tree.validate(id, &json!({"k": "SECRET-VALUE"}), 20);
    assert_eq!(violations[0].reason, "expected integer, found string");
}

#[test]
fn long_client_keys_are_cut_in_pointers() {
    let key = "k".repeat(1000);
    let found = pointers(json!({"additionalProperties": false}), json!({ key: 1 }));
    assert!(
        found[0].len() < 220 && found[0].ends_with('…'),
        "{}",
        found[0]
    );
}

#[test]
fn refuses_schemas_that_cannot_be_applied() {
    let cases = [
        (json!({"pattern": "^[a-z"}), "body.pattern"),
        (
            json!({"properties": {"a": {"pattern": "(?<"}}}),
            "body.properties.a.pattern",
        ),
        (
            json!({"patternProperties": {"(": {}}}),
            "body.patternProperties.(",
        ),
        (json!({"type": "strnig"}), "body.type"),
        (json!({"type": 5}), "body.type"),
        (json!({"minLength": -1}), "body.minLength"),
        (json!({"maxItems": 1.5}), "body.maxItems"),
        (json!({"multipleOf": 0}), "body.multipleOf"),
        (json!({"minimum": "0"}), "body.minimum"),
        (json!({"required": "a"}), "body.required"),
        (json!({"enum": "EUR"}), "body.enum"),
        (json!({"allOf": []}), "body.allOf"),
        (json!({"items": [{"type": "string"}]}), "body.items"),
        (json!({"properties": {"a": 5}}), "body.properties.a"),
        (json!({"$ref": "#/components/schemas/Missing"}), "body.$ref"),
        (json!({"$ref": "other.json#/Thing"}), "body.$ref"),
        (json!({"readOnly": "yes"}), "body.readOnly"),
        (json!({"format": 1}), "body.format"),
    ];
    for (schema, field) in cases {
        assert_eq!(refusal(schema.clone()).field, field, "{schema}");
    }
}

#[test]
fn a_reference_to_nothing_deep_in_components_names_its_place() {
    let components =
        json!({"Outer": {"properties": {"inner": {"$ref": "#/components/schemas/Gone"}}}});
    let err = compile_with(components, &json!({"$ref": "#/components/schemas/Outer"})).unwrap_err();
    assert_eq!(
        err.field,
        "openapi.components.schemas.Outer.properties.inner.$ref"
    );
    assert!(err.reason.contains("#/components/schemas/Gone"), "{err}");
}
