use super::*;
use serde_json::json;

#[test]
fn string_keywords() {
    run(vec![
        (
            "maxLength counts characters, not bytes",
            json!({"maxLength": 3}),
            json!("ééé"),
            &[],
        ),
        (
            "maxLength exceeded",
            json!({"maxLength": 3}),
            json!("éééé"),
            &[""],
        ),
        ("minLength", json!({"minLength": 2}), json!("😀"), &[""]),
        (
            "pattern is unanchored",
            json!({"pattern": "b"}),
            json!("abc"),
            &[],
        ),
        (
            "anchored pattern fails",
            json!({"pattern": "^[a-z0-9-]{1,36}$"}),
            json!("A1"),
            &[""],
        ),
        (
            "pattern ignores other types",
            json!({"pattern": "^a$"}),
            json!(5),
            &[],
        ),
        (
            "format date-time",
            json!({"format": "date-time"}),
            json!("2026-02-30T00:00:00Z"),
            &[""],
        ),
        (
            "format uuid",
            json!({"format": "uuid"}),
            json!("123e4567-e89b-12d3-a456-426614174000"),
            &[],
        ),
        (
            "format email",
            json!({"format": "email"}),
            json!("not-an-address"),
            &[""],
        ),
        (
            "unknown format is an annotation",
            json!({"format": "palisade-id"}),
            json!("anything"),
            &[],
        ),
        (
            "int32 on numbers",
            json!({"type": "integer", "format": "int32"}),
            json!(4294967296_u64),
            &[""],
        ),
    ]);
}

#[test]
fn number_keywords() {
    run(vec![
        ("minimum inclusive", json!({"minimum": 0}), json!(0), &[]),
        ("below minimum", json!({"minimum": 0}), json!(-0.5), &[""]),
        (
            "exclusiveMinimum excludes the bound",
            json!({"exclusiveMinimum": 0}),
            json!(0),
            &[""],
        ),
        (
            "above exclusiveMinimum",
            json!({"exclusiveMinimum": 0}),
            json!(0.01),
            &[],
        ),
        (
            "maximum inclusive",
            json!({"maximum": 1000000}),
            json!(1000000.0),
            &[],
        ),
        (
            "above maximum",
            json!({"maximum": 1000000}),
            json!(1000000.5),
            &[""],
        ),
        (
            "exclusiveMaximum",
            json!({"exclusiveMaximum": 10}),
            json!(10),
            &[""],
        ),
        (
            "3.0 boolean exclusiveMinimum",
            json!({"minimum": 5, "exclusiveMinimum": true}),
            json!(5),
            &[""],
        ),
        (
            "integer beyond 2^53 compared exactly",
            json!({"maximum": 9007199254740992_u64}),
            json!(9007199254740993_u64),
            &[""],
        ),
        (
            "multipleOf decimal",
            json!({"multipleOf": 0.01}),
            json!(10.23),
            &[],
        ),
        (
            "not a multiple",
            json!({"multipleOf": 0.01}),
            json!(10.234),
            &[""],
        ),
        (
            "number keywords ignore strings",
            json!({"minimum": 5}),
            json!("1"),
            &[],
        ),
    ]);
}

#[test]
fn enum_and_const() {
    run(vec![
        (
            "enum member",
            json!({"enum": ["EUR", "USD"]}),
            json!("EUR"),
            &[],
        ),
        (
            "enum is case-sensitive",
            json!({"enum": ["EUR", "USD"]}),
            json!("eur"),
            &[""],
        ),
        (
            "enum numbers by value",
            json!({"enum": [1, 2]}),
            json!(2.0),
            &[],
        ),
        (
            "enum of objects",
            json!({"enum": [{"a": 1}]}),
            json!({"a": 1, "b": 2}),
            &[""],
        ),
        ("const", json!({"const": "booked"}), json!("booked"), &[]),
        ("const null", json!({"const": null}), json!(false), &[""]),
    ]);
}
