//! Table-driven tests of functions, conversions, membership, presence and macros.

use super::tests::{check_errors, check_values, int, ints, text, F, T};
use super::*;

#[test]
fn string_functions_and_literals() {
    check_values(&[
        ("'hello'.startsWith('he')", T),
        ("'hello'.startsWith('lo')", F),
        ("'hello'.endsWith('lo')", T),
        ("'hello'.contains('ell')", T),
        ("'hello'.contains('')", T),
        ("'HeLLo'.lowerAscii()", text("hello")),
        ("'ÄbC'.lowerAscii()", text("Äbc")),
        ("'abc'.upperAscii()", text("ABC")),
        ("size('héllo')", int(5)),
        ("'héllo'.size()", int(5)),
        ("size(b'\\xff\\x00')", int(2)),
        ("size([1, 2, 3])", int(3)),
        ("{'a': 1}.size()", int(1)),
        (
            "request.headers['content-type'].startsWith('application/')",
            T,
        ),
        ("'a\\tb'", text("a\tb")),
        ("'\\x41\\101\\u0041\\U00000041'", text("AAAA")),
        (
            "'\\a\\b\\f\\n\\r\\v\\\\\\'\\\"\\`\\?'",
            text("\u{7}\u{8}\u{c}\n\r\u{b}\\'\"`?"),
        ),
        ("r'a\\tb'", text("a\\tb")),
        ("R\"\\d+\"", text("\\d+")),
        ("'''multi\nline'''", text("multi\nline")),
        ("\"\"\"say \"hi\" \"\"\"", text("say \"hi\" ")),
        ("\"it's\"", text("it's")),
        ("''", text("")),
        ("'\\xff'", text("\u{ff}")),
        ("'日本'", text("日本")),
        ("b'\\xff\\377'", Value::Bytes(vec![255u8, 255].into())),
        ("rb'\\x'", Value::Bytes(b"\\x".as_slice().into())),
        ("string(b'abc')", text("abc")),
    ]);
    check_errors(&[
        (
            "'abc'.startsWith(1)",
            EvalError::TypeMismatch("function call"),
        ),
        ("size(1)", EvalError::TypeMismatch("size")),
        ("(1).lowerAscii()", EvalError::TypeMismatch("function call")),
        ("string(b'\\xff')", EvalError::InvalidArgument("string")),
    ]);
}

#[test]
fn conversions() {
    check_values(&[
        ("int('42')", int(42)),
        ("int('-7')", int(-7)),
        ("int(3.9)", int(3)),
        ("int(-3.9)", int(-3)),
        ("int(42u)", int(42)),
        ("uint(42)", Value::Uint(42)),
        ("double(2)", Value::Double(2.0)),
        ("double('2.5')", Value::Double(2.5)),
        ("string(42)", text("42")),
        ("string(true)", text("true")),
        ("string(2.5)", text("2.5")),
        ("string(7u)", text("7")),
        ("bytes('a') == b'a'", T),
        ("dyn(1) == 1", T),
        ("int(principal.claims.level) + 1", int(4)),
        ("double('-1.5e3')", Value::Double(-1500.0)),
        ("double('.5')", Value::Double(0.5)),
        ("double('+2')", Value::Double(2.0)),
        ("double('007.25')", Value::Double(7.25)),
        ("00.5 + 1e-1", Value::Double(0.6)),
        ("0.1 + 0.2 == 0.30000000000000004", T),
        ("1.7976931348623157e308", Value::Double(f64::MAX)),
    ]);
    check_errors(&[
        ("int('abc')", EvalError::InvalidArgument("int")),
        ("int('1.5')", EvalError::InvalidArgument("int")),
        ("int(1e19)", EvalError::Overflow),
        ("int(0.0 / 0.0)", EvalError::Overflow),
        ("int(18446744073709551615u)", EvalError::Overflow),
        ("uint(-1)", EvalError::Overflow),
        ("uint(-1.5)", EvalError::Overflow),
        ("double('x')", EvalError::InvalidArgument("double")),
        ("double('1.')", EvalError::InvalidArgument("double")),
        ("double('1e')", EvalError::InvalidArgument("double")),
        ("double('inf')", EvalError::InvalidArgument("double")),
        ("double(' 1')", EvalError::InvalidArgument("double")),
        ("double('1_000')", EvalError::InvalidArgument("double")),
        ("double('--1')", EvalError::InvalidArgument("double")),
        ("double('')", EvalError::InvalidArgument("double")),
        ("double('1e400')", EvalError::InvalidArgument("double")),
        ("int([])", EvalError::TypeMismatch("int")),
    ]);
}

#[test]
fn membership_presence_and_indexing() {
    check_values(&[
        ("'accounts:read' in principal.scopes", T),
        ("'admin' in principal.roles", F),
        ("'tenant' in principal.claims", T),
        ("'x-api-key' in request.headers", T),
        ("'authorization' in request.headers", F),
        ("1 in {1u: 'a'}", T),
        ("1.0 in [1]", T),
        ("2 in {'a': 1}", F),
        ("[] in [[]]", T),
        ("has(principal.claims.tenant)", T),
        ("has(principal.claims.missing)", F),
        ("has(request.headers.authorization)", F),
        ("principal.scopes[0]", text("accounts:read")),
        ("principal.scopes[1u]", text("transfers:write")),
        ("request.query['limit']", text("10")),
        ("request.query.limit == '10'", T),
        ("{'a': {'b': 1}}['a']['b']", int(1)),
        ("{'a': {'b': 1}}.a.b", int(1)),
        ("{1: 'x'}[1.0]", text("x")),
        ("{true: 'x'}[true]", text("x")),
        (
            "path.accountId == '42' && principal.claims.tenant == 'acme'",
            T,
        ),
        ("source.address.startsWith('127.')", T),
        ("request.method in ['GET', 'HEAD']", T),
    ]);
    check_errors(&[
        ("missing", EvalError::UnknownIdentifier("missing".into())),
        ("principal.nope", EvalError::NoSuchKey("nope".into())),
        ("request.headers['x-nope']", EvalError::NoSuchIndex),
        ("principal.scopes[5]", EvalError::NoSuchIndex),
        ("principal.scopes[-1]", EvalError::NoSuchIndex),
        ("{1: 'x'}[1.5]", EvalError::NoSuchIndex),
        ("principal.scopes['a']", EvalError::TypeMismatch("[]")),
        ("principal.id[0]", EvalError::TypeMismatch("[]")),
        (
            "principal.id.foo",
            EvalError::TypeMismatch("field selection"),
        ),
        (
            "has(principal.id.x)",
            EvalError::TypeMismatch("field selection"),
        ),
        ("has(nope.x)", EvalError::UnknownIdentifier("nope".into())),
        ("1 in 'abc'", EvalError::TypeMismatch("in")),
    ]);
}

#[test]
fn macros_over_lists_and_map_keys() {
    check_values(&[
        ("principal.scopes.exists(s, s.startsWith('transfers:'))", T),
        ("principal.scopes.all(s, s.contains(':'))", T),
        ("principal.roles.all(r, r == 'admin')", F),
        ("[1, 2, 3].exists_one(x, x > 2)", T),
        ("[1, 2, 3].exists_one(x, x > 1)", F),
        ("[1, 2, 3].map(x, x * 2)", ints(&[2, 4, 6])),
        ("[1, 2, 3].map(x, x > 1, x * 10)", ints(&[20, 30])),
        ("[1, 2, 3].filter(x, x % 2 == 1)", ints(&[1, 3])),
        ("request.headers.exists(k, k == 'x-api-key')", T),
        (
            "{'a': 1, 'b': 2}.map(k, k + k)",
            Value::list([text("aa"), text("bb")]),
        ),
        (
            "{'a': 1, 'b': 2}.filter(k, k == 'b')",
            Value::list([text("b")]),
        ),
        ("[].all(x, false)", T),
        ("[].exists(x, true)", F),
        ("[1, 2].all(x, [3, 4].exists(x, x > 3))", T),
        (
            "[[1, 2], [3]].map(x, x.map(y, y + 1))",
            Value::list([ints(&[2, 3]), ints(&[4])]),
        ),
        (
            "principal.scopes.exists(principal, principal == 'accounts:read')",
            T,
        ),
        ("[1, 2].map(x, x) == [1, 2]", T),
    ]);
    check_errors(&[
        (
            "[1].all(x, true) && x == 1",
            EvalError::UnknownIdentifier("x".into()),
        ),
        ("(1).all(x, true)", EvalError::TypeMismatch("macro range")),
        (
            "[1, 2].exists_one(x, x)",
            EvalError::TypeMismatch("macro predicate"),
        ),
        (
            "[1].filter(x, 1)",
            EvalError::TypeMismatch("macro predicate"),
        ),
        (
            "[1].map(x, 'y', x)",
            EvalError::TypeMismatch("macro predicate"),
        ),
        ("[1].all(x, 1)", EvalError::TypeMismatch("macro predicate")),
    ]);
}

#[test]
fn double_parsing_matches_the_standard_library_on_ordinary_numbers() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mantissa = seed % 1_000_000_000_000_000;
        let exponent = (seed >> 50) as i32 % 40 - 20;
        let text = format!("{mantissa}e{exponent}");
        assert_eq!(
            convert::parse_double(&text),
            text.parse::<f64>().ok(),
            "{text}"
        );
        let text = format!("0.{mantissa:015}");
        assert_eq!(
            convert::parse_double(&text),
            text.parse::<f64>().ok(),
            "{text}"
        );
    }
}
