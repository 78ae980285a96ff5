//! Malformed and oversized expressions are compile errors; runaway evaluations hit the budget.

use super::tests::{activation, run};
use super::*;

fn kind_of(source: &str) -> CompileErrorKind {
    match Program::compile(source) {
        Ok(_) => panic!("{source:?} compiled"),
        Err(error) => error.kind,
    }
}

#[test]
fn rejects_malformed_expressions() {
    use CompileErrorKind::*;
    let cases: &[(&str, CompileErrorKind)] = &[
        ("", Syntax("expected expression")),
        ("1 +", Syntax("expected expression")),
        ("(1", Syntax("expected ')'")),
        ("1 2", Syntax("unexpected token after expression")),
        ("1 ? 2", Syntax("expected ':' in conditional")),
        ("[1,,2]", Syntax("expected expression")),
        ("[1 2]", Syntax("expected ',' or ']'")),
        ("{'a' 1}", Syntax("expected ':' in map literal")),
        ("f(1,)", Syntax("expected expression")),
        (".a", Syntax("expected expression")),
        ("a.b.", Syntax("expected field name")),
        ("a.'b'", Syntax("expected field name")),
        ("a.1", Syntax("unexpected token after expression")),
        ("Foo{a: 1}", Syntax("unexpected token after expression")),
        ("'abc", UnterminatedString),
        ("'ab\ncd'", UnterminatedString),
        ("'''abc''", UnterminatedString),
        ("'\\", UnterminatedString),
        ("'\\q'", InvalidEscape),
        ("'\\x4'", InvalidEscape),
        ("'\\u12'", InvalidEscape),
        ("'\\uD800'", InvalidEscape),
        ("'\\U00110000'", InvalidEscape),
        ("'\\400'", InvalidEscape),
        ("b'\\u0041'", InvalidEscape),
        ("1 = 2", UnexpectedCharacter),
        ("a & b", UnexpectedCharacter),
        ("a | b", UnexpectedCharacter),
        ("#", UnexpectedCharacter),
        ("é", UnexpectedCharacter),
        ("1e", InvalidNumber),
        ("0x", InvalidNumber),
        ("9223372036854775808", IntegerOutOfRange),
        ("-9223372036854775809", IntegerOutOfRange),
        ("18446744073709551616", IntegerOutOfRange),
        ("18446744073709551616u", IntegerOutOfRange),
        ("if", ReservedWord),
        ("x.while", ReservedWord),
        ("foo(1)", UnknownFunction("foo".into())),
        ("'a'.startsWith()", UnknownFunction("startsWith".into())),
        ("size()", UnknownFunction("size".into())),
        ("size(1, 2)", UnknownFunction("size".into())),
        ("'a'.int()", UnknownFunction("int".into())),
        ("startsWith('a', 'b')", UnknownFunction("startsWith".into())),
        ("'a'.matches('a')", UnknownFunction("matches".into())),
        (
            "now.getHours('Europe/Paris')",
            UnknownFunction("getHours".into()),
        ),
        ("x.has(y)", UnknownFunction("has".into())),
        ("has(a)", Syntax("has() needs a field selection")),
        ("has(a[0])", Syntax("has() needs a field selection")),
        ("has(a.b, c.d)", Syntax("has() needs a field selection")),
        (
            "[1].all(1, true)",
            Syntax("macro variable must be a simple name"),
        ),
        (
            "[1].all(x.y, true)",
            Syntax("macro variable must be a simple name"),
        ),
        ("[1].all(x)", UnknownFunction("all".into())),
        (
            "timestamp('2026-13-01T00:00:00Z')",
            InvalidLiteral("timestamp"),
        ),
        ("timestamp(1.5)", InvalidLiteral("timestamp")),
        ("duration('5 minutes')", InvalidLiteral("duration")),
    ];
    for (source, expected) in cases {
        assert_eq!(&kind_of(source), expected, "{source:?}");
    }
}

#[test]
fn error_offsets_point_at_the_problem() {
    let offset = |source: &str| Program::compile(source).unwrap_err().offset;
    assert_eq!(offset("a + 'abc\\q'"), 9);
    assert_eq!(offset("a +\n  # b"), 6);
    assert_eq!(offset("(a"), 2);
}

#[test]
fn enforces_source_length() {
    let at_limit = format!("true{}", " ".repeat(MAX_SOURCE_BYTES - 4));
    assert!(Program::compile(&at_limit).is_ok());
    let over = format!("{at_limit} ");
    assert_eq!(kind_of(&over), CompileErrorKind::TooLong);
}

#[test]
fn deep_nesting_is_a_compile_error_not_a_stack_overflow() {
    let deep: &[String] = &[
        format!("{}1{}", "(".repeat(1000), ")".repeat(1000)),
        format!("{}true", "!".repeat(1000)),
        format!("{}1", "-".repeat(1000)),
        format!("{}{}", "[".repeat(1000), "]".repeat(1000)),
        format!("{}{}", "{1:".repeat(1000), "}".repeat(1000)),
        format!("a{}", ".b".repeat(1000)),
        format!("a{}", "[0]".repeat(1000)),
        format!("1{}", " + 1".repeat(600)),
        format!("{}true", "true ? true : ".repeat(200)),
        format!("{}1", "size(".repeat(500)),
        "[1].all(x, ".repeat(300),
    ];
    for source in deep {
        assert_eq!(
            kind_of(source),
            CompileErrorKind::TooDeep,
            "{}",
            &source[..20]
        );
    }
    assert!(Program::compile(&format!("{}1{}", "(".repeat(20), ")".repeat(20))).is_ok());
}

#[test]
fn wide_expressions_hit_the_node_limit() {
    let long_or = format!("x == 1{}", " || x == 1".repeat(200));
    assert_eq!(kind_of(&long_or), CompileErrorKind::TooManyNodes);
    let long_list = format!("[{}]", "1,".repeat(600));
    assert_eq!(kind_of(&long_list), CompileErrorKind::TooManyNodes);

    // A long flat chain of alternatives stays shallow.
    let allowed = format!(
        "principal.id == 'a'{}",
        " || principal.id == 'a'".repeat(100)
    );
    assert!(Program::compile(&allowed).is_ok());
}

#[test]
fn evaluation_budget_stops_runaway_work() {
    let activation = activation();
    let hundred = format!(
        "[{}]",
        (0..100)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let nested = format!("{hundred}.all(x, {hundred}.all(y, true))");
    let cases: &[&str] = &[
        "big.all(x, true)",
        "big.exists(x, false)",
        "big.map(x, x).size() > 0",
        "big.all(x, missing)",
        "big.all(x, true) || true",
        "false || big.exists(x, false)",
        "big == big",
        "-1 in big",
        "size(big + big) > 0",
        "[big] == [big]",
        "{'k': big} == {'k': big}",
        "big in [big]",
        &nested,
    ];
    for source in cases {
        assert_eq!(
            run(source, &activation),
            Err(EvalError::LimitExceeded),
            "{source}"
        );
    }
    assert_eq!(
        run("false && big.all(x, true)", &activation),
        Ok(Value::Bool(false))
    );
    assert_eq!(run("size(big)", &activation), Ok(Value::Int(20_000)));
    assert_eq!(run("big[19999]", &activation), Ok(Value::Int(19_999)));
    assert_eq!(
        run("19999 in big.filter(x, x > 19990)", &activation),
        Err(EvalError::LimitExceeded)
    );
}

#[test]
fn long_text_costs_budget() {
    let mut activation = activation();
    activation.insert("long".into(), Value::from("a".repeat(700_000)));
    assert_eq!(
        run("long.contains('b')", &activation),
        Err(EvalError::LimitExceeded)
    );
    assert_eq!(
        run("size(long) > 0", &activation),
        Err(EvalError::LimitExceeded)
    );
    activation.insert("medium".into(), Value::from("a".repeat(6_000)));
    assert_eq!(
        run("medium.contains('b')", &activation),
        Ok(Value::Bool(false))
    );
}
