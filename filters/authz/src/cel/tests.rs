//! Table-driven tests of CEL semantics over an activation shaped like authz's.

use super::*;
use serde_json::json;

/// The variables authz provides, with `now` at 2026-01-01T12:00:00Z (a Thursday) and `big` a
/// list of 20 000 ints for budget tests.
pub(super) fn activation() -> Activation {
    let facts = json!({
        "request": {
            "method": "GET",
            "path": "/accounts/42",
            "query": {"limit": "10"},
            "headers": {"x-api-key": "k1", "content-type": "application/json"}
        },
        "path": {"accountId": "42"},
        "principal": {
            "id": "alice",
            "scopes": ["accounts:read", "transfers:write"],
            "roles": ["teller"],
            "claims": {"tenant": "acme", "exp": 1767225600, "level": 3, "big": 18446744073709551615u64}
        },
        "source": {"address": "127.0.0.1"}
    });
    let serde_json::Value::Object(fields) = facts else {
        unreachable!()
    };
    let mut activation: Activation = fields
        .iter()
        .map(|(name, value)| (name.clone(), Value::from(value)))
        .collect();
    let now = Timestamp::parse("2026-01-01T12:00:00Z").unwrap();
    activation.insert("now".into(), Value::Timestamp(now));
    activation.insert("big".into(), Value::list((0..20_000).map(Value::Int)));
    activation
}

pub(super) fn run(source: &str, activation: &Activation) -> Result<Value, EvalError> {
    let program = Program::compile(source).unwrap_or_else(|e| panic!("{source:?}: {e}"));
    program.evaluate(activation)
}

/// Asserts every `(source, value)` case evaluates to exactly that value.
pub(super) fn check_values(cases: &[(&str, Value)]) {
    let activation = activation();
    for (source, expected) in cases {
        assert_eq!(run(source, &activation).as_ref(), Ok(expected), "{source}");
    }
}

/// Asserts every `(source, error)` case compiles and then fails with exactly that error.
pub(super) fn check_errors(cases: &[(&str, EvalError)]) {
    let activation = activation();
    for (source, expected) in cases {
        assert_eq!(run(source, &activation).as_ref(), Err(expected), "{source}");
    }
}

pub(super) fn int(i: i64) -> Value {
    Value::Int(i)
}

pub(super) fn text(s: &str) -> Value {
    Value::from(s)
}

pub(super) fn ints(items: &[i64]) -> Value {
    Value::list(items.iter().copied().map(Value::Int))
}

pub(super) const T: Value = Value::Bool(true);
pub(super) const F: Value = Value::Bool(false);

#[test]
fn arithmetic_follows_precedence_and_associativity() {
    check_values(&[
        ("1 + 2 * 3", int(7)),
        ("(1 + 2) * 3", int(9)),
        ("10 - 4 - 3", int(3)),
        ("100 / 10 / 5", int(2)),
        ("7 % 3", int(1)),
        ("-7 % 3", int(-1)),
        ("-7 / 2", int(-3)),
        ("2 * -3", int(-6)),
        ("--5", int(5)),
        ("-(-5)", int(5)),
        ("-9223372036854775808", int(i64::MIN)),
        ("9223372036854775807", int(i64::MAX)),
        ("0x1F + 0", int(31)),
        ("1u + 2u", Value::Uint(3)),
        ("18446744073709551615u", Value::Uint(u64::MAX)),
        ("1.5 + 2.25", Value::Double(3.75)),
        ("1e3", Value::Double(1000.0)),
        (".5 * 2.0", Value::Double(1.0)),
        ("1.0 / 0.0", Value::Double(f64::INFINITY)),
        ("'ab' + 'cd'", text("abcd")),
        ("[1, 2] + [3]", ints(&[1, 2, 3])),
        ("b'ab' + b'c'", Value::Bytes(b"abc".as_slice().into())),
        ("true ? 1 : 2", int(1)),
        ("false ? 1 : true ? 2 : 3", int(2)),
        ("1 < 2 == true", T),
        ("!true", F),
        ("!!true", T),
        ("1 + 2 == 3 && 'a' < 'b'", T),
        ("[1, 2, 3][2]", int(3)),
        ("-1.5", Value::Double(-1.5)),
        ("[1,]", ints(&[1])),
        ("{'a': 1,}.a // trailing comma and a comment", int(1)),
    ]);
}

#[test]
fn comparisons_compare_numbers_by_value_and_other_types_strictly() {
    check_values(&[
        ("1 == 1.0", T),
        ("1 == 1u", T),
        ("1 < 1.5", T),
        ("2u > 1", T),
        ("-1 < 1u", T),
        ("1.5 >= 2", F),
        ("9223372036854775807 < 9223372036854775808.0", T),
        ("9007199254740993 == 9007199254740992.0", F),
        ("18446744073709551615u > 1e30", F),
        ("1 == '1'", F),
        ("1 != '1'", T),
        ("null == null", T),
        ("null == 0", F),
        ("[1, 2] == [1, 2]", T),
        ("[1] == [1.0]", T),
        ("[1, 2] == [2, 1]", F),
        ("{'a': 1} == {'a': 1}", T),
        ("{'a': 1} == {'a': 2}", F),
        ("{1: 'a'} == {1u: 'a'}", T),
        ("'a' < 'b'", T),
        ("'abc' <= 'abd'", T),
        ("b'a' < b'b'", T),
        ("false < true", T),
        ("0.0 / 0.0 == 0.0 / 0.0", F),
        ("0.0 / 0.0 < 1", F),
        ("principal.claims.exp == 1767225600", T),
        ("principal.claims.big == 18446744073709551615u", T),
    ]);
    check_errors(&[
        ("1 < 'a'", EvalError::TypeMismatch("<")),
        ("[1] < [2]", EvalError::TypeMismatch("<")),
        ("null >= null", EvalError::TypeMismatch(">=")),
    ]);
}

#[test]
fn arithmetic_errors_are_errors() {
    use EvalError::*;
    check_errors(&[
        ("9223372036854775807 + 1", Overflow),
        ("-9223372036854775808 - 1", Overflow),
        ("-(-9223372036854775808)", Overflow),
        ("9223372036854775807 * 2", Overflow),
        ("-9223372036854775808 / -1", Overflow),
        ("-9223372036854775808 % -1", Overflow),
        ("0u - 1u", Overflow),
        ("18446744073709551615u + 1u", Overflow),
        ("1 / 0", DivisionByZero),
        ("1 % 0", DivisionByZero),
        ("1u / 0u", DivisionByZero),
        ("1 + 1.0", TypeMismatch("+")),
        ("1 + 1u", TypeMismatch("+")),
        ("'a' + 1", TypeMismatch("+")),
        ("1.5 % 1.0", TypeMismatch("%")),
        ("-1u", TypeMismatch("unary -")),
        ("-'a'", TypeMismatch("unary -")),
        ("!1", TypeMismatch("!")),
        ("1 ? 2 : 3", TypeMismatch("?:")),
        (
            "{'a': 1, 'a': 2}",
            InvalidArgument("map literal: duplicate key"),
        ),
        ("{1.5: 1}", TypeMismatch("map key")),
    ]);
}

#[test]
fn logical_operators_short_circuit_and_absorb_errors() {
    check_values(&[
        ("false && missing", F),
        ("missing && false", F),
        ("true || missing", T),
        ("missing || true", T),
        ("1 / 0 == 1 && false", F),
        ("'a' && false", F),
        ("'a' || true", T),
        ("true && true && true", T),
        ("false || false || true", T),
        ("true ? 1 : missing", int(1)),
        ("false ? missing : 2", int(2)),
        ("[0, -1].all(x, 1 / x > 0)", F),
        ("[0, 1].exists(x, 1 / x > 0)", T),
    ]);
    check_errors(&[
        (
            "true && missing",
            EvalError::UnknownIdentifier("missing".into()),
        ),
        (
            "missing || false",
            EvalError::UnknownIdentifier("missing".into()),
        ),
        ("false || 1 / 0 == 1", EvalError::DivisionByZero),
        ("'a' && true", EvalError::TypeMismatch("&&")),
        ("false || 'a'", EvalError::TypeMismatch("||")),
        ("[1, 0].all(x, 1 / x > 0)", EvalError::DivisionByZero),
        ("[0, -1].exists(x, 1 / x > 0)", EvalError::DivisionByZero),
        ("[1, 'a'].all(x, x > 0)", EvalError::TypeMismatch(">")),
    ]);
}

#[test]
fn evaluate_bool_refuses_non_bool_results() {
    let activation = activation();
    let check = |source: &str| Program::compile(source).unwrap().evaluate_bool(&activation);
    assert_eq!(check("principal.id == 'alice'"), Ok(true));
    assert_eq!(check("principal.id == 'bob'"), Ok(false));
    assert_eq!(check("principal.id"), Err(EvalError::NotBool));
    assert_eq!(
        check("principal.nope"),
        Err(EvalError::NoSuchKey("nope".into()))
    );
}

#[test]
fn variables_lists_unbound_identifiers_once() {
    let program = Program::compile(
        "principal.id == 'a' && [1].all(x, x > y) && request.method == 'GET' && principal.id != ''",
    )
    .unwrap();
    assert_eq!(
        program.variables().collect::<Vec<_>>(),
        ["principal", "y", "request"]
    );
}

#[test]
fn json_numbers_become_int_uint_or_double() {
    let value = Value::from(&json!({"i": -1, "u": 18446744073709551615u64, "d": 1.5, "n": null}));
    let expected = Value::string_map([
        ("d", Value::Double(1.5)),
        ("i", Value::Int(-1)),
        ("n", Value::Null),
        ("u", Value::Uint(u64::MAX)),
    ]);
    assert_eq!(value, expected);
}

#[test]
fn errors_display_lowercase_without_request_data() {
    let activation = activation();
    let error = run("request.headers['x-secret-value']", &activation).unwrap_err();
    assert!(!error.to_string().contains("secret"), "{error}");
    assert_eq!(
        Program::compile("1 +").unwrap_err().to_string(),
        "at offset 3: expected expression"
    );
}
