use super::*;
use serde_json::json;

#[test]
fn composition() {
    let two_branches = json!({"allOf": [
        {"properties": {"a": {"type": "integer"}}, "additionalProperties": false},
        {"properties": {"b": {"type": "string"}}}
    ]});
    run(vec![
        // JSON Schema's well-known trap: the first branch sees `b` as additional.
        (
            "allOf with additionalProperties false in one branch",
            two_branches.clone(),
            json!({"a": 1, "b": "x"}),
            &["/b"],
        ),
        (
            "allOf reports each branch",
            two_branches,
            json!({"a": "1"}),
            &["/a"],
        ),
        (
            "anyOf one matches",
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
            json!(3),
            &[],
        ),
        (
            "anyOf none matches",
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
            json!(3.5),
            &[""],
        ),
        (
            "oneOf exactly one",
            json!({"oneOf": [{"type": "integer"}, {"type": "string"}]}),
            json!(3),
            &[],
        ),
        (
            "oneOf two match",
            json!({"oneOf": [{"type": "integer"}, {"minimum": 0}]}),
            json!(3),
            &[""],
        ),
        ("not", json!({"not": {"type": "null"}}), json!(null), &[""]),
        (
            "not passes",
            json!({"not": {"type": "null"}}),
            json!(0),
            &[],
        ),
        (
            "composition inside a member",
            json!({"properties": {"a": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}),
            json!({"a": 1}),
            &["/a"],
        ),
    ]);
}

#[test]
fn read_only_members_are_refused_and_not_required() {
    let account = json!({
        "type": "object",
        "properties": {"id": {"type": "string", "readOnly": true}, "owner": {"type": "string"}},
        "required": ["id", "owner"]
    });
    assert_eq!(
        pointers(account.clone(), json!({"owner": "a"})),
        Vec::<String>::new()
    );
    assert_eq!(pointers(account, json!({"id": "x", "owner": "a"})), ["/id"]);
}

#[test]
fn unknown_keywords_are_ignored() {
    let schema =
        json!({"type": "string", "x-internal": {"a": 1}, "description": "d", "example": 5});
    assert!(pointers(schema, json!("s")).is_empty());
}
