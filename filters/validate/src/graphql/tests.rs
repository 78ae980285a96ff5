//! The lexer, the parser and the request readers, one table each.

use super::lexer::{self, Kind, LexError};
use super::parser::{self, MAX_NESTING};
use super::request::{self, ReadError};
use palisade_shared::json::Limits;
use serde_json::json;

#[test]
fn lexes_every_token_kind_and_skips_the_ignored() {
    let source =
        "\u{feff}query Q($n: Int = -12, $f: Float = 1.5e3) { a: b(s: \"x\\u00e9\\u{1F600}\", \
                  t: \"\"\"block \\\"\"\" \"\"\") @d ...F ...on T { c } } # comment\n";
    let kinds: Vec<Kind> = lexer::tokens(source, 100)
        .unwrap()
        .iter()
        .map(|t| t.kind)
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == Kind::Int).count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == Kind::Float).count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == Kind::Str).count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == Kind::Spread).count(), 2);
    assert_eq!(kinds.first(), Some(&Kind::Name));
    assert_eq!(lexer::tokens("{ a }", 3).map(|t| t.len()), Ok(3));
    assert_eq!(lexer::tokens("{ a }", 2), Err(LexError::TooManyTokens));
}

#[test]
fn refuses_malformed_tokens() {
    let cases = [
        ("{ a(x: \"open) }", LexError::UnterminatedString),
        ("{ a(x: \"line\nbreak\") }", LexError::UnterminatedString),
        ("{ a(x: \"\"\"open) }", LexError::UnterminatedString),
        ("{ a(x: \"\\q\") }", LexError::BadEscape),
        ("{ a(x: \"\\u12\") }", LexError::BadEscape),
        ("{ a(x: \"\\u{}\") }", LexError::BadEscape),
        ("{ a(x: 01) }", LexError::BadNumber),
        ("{ a(x: 1.) }", LexError::BadNumber),
        ("{ a(x: 1e) }", LexError::BadNumber),
        ("{ a(x: 12abc) }", LexError::BadNumber),
        ("{ a(x: 1.5.5) }", LexError::BadNumber),
        ("{ a(x: -) }", LexError::BadNumber),
        ("{ a ; }", LexError::Unexpected),
        ("{ a .. }", LexError::Unexpected),
        ("{ a(x: \"nul\u{0}\") }", LexError::Unexpected),
        ("{ a } # bell \u{7}", LexError::Unexpected),
        ("{ \u{e9} }", LexError::Unexpected),
    ];
    for (source, expected) in cases {
        assert_eq!(lexer::tokens(source, 100), Err(expected), "{source:?}");
    }
}

fn parses(source: &str) -> bool {
    let tokens = lexer::tokens(source, 10_000).unwrap();
    parser::parse(&tokens).is_ok()
}

#[test]
fn parses_executable_documents_only() {
    let accepted = [
        "{ a }",
        "query { a }",
        "query Q($a: [Int!]! = [1, 2], $b: In = {x: {y: ENUM}}) @dir(x: 1) { a(x: $a) }",
        "mutation M { send(input: {to: \"a\", amount: 1.5, tags: [\"x\"], on: true}) { id } }",
        "subscription S { events { id } }",
        "{ a ... on T @skip(if: $x) { b } ... @include(if: true) { c } ...F } fragment F on T { d }",
        "{ alias: field(arg: null) @a @b(c: [1]) }",
        "query on { on: on(on: on) }",
    ];
    for source in accepted {
        assert!(parses(source), "{source}");
    }
    let refused = [
        "",
        "type Query { a: Int }",
        "schema { query: Q }",
        "{ }",
        "{ a",
        "{ a(x: $) }",
        "query($a: Int = $b) { a }",
        "fragment F on T { a }",
        "{ a } fragment on on T { b }",
        "{ a } fragment F T { b }",
        "query Q($a) { a }",
        "{ a(x: [1, 2) }",
        "{ ...on }",
        "{ a: }",
        "{ a } extra",
    ];
    for source in refused {
        assert!(!parses(source), "{source}");
    }
}

#[test]
fn bounds_nesting_while_parsing() {
    let nested = |n: usize| format!("{}{}", "{ a ".repeat(n), "}".repeat(n));
    assert!(parses(&nested(MAX_NESTING)));
    let deep = nested(MAX_NESTING + 1);
    let tokens = lexer::tokens(&deep, 10_000).unwrap();
    assert!(parser::parse(&tokens).is_err_and(|e| e.nested_too_deeply));
    let lists = format!("{{ a(x: {}1{}) }}", "[".repeat(100), "]".repeat(100));
    let tokens = lexer::tokens(&lists, 10_000).unwrap();
    assert!(parser::parse(&tokens).is_err_and(|e| e.nested_too_deeply));
}

#[test]
fn reads_json_requests_strictly() {
    let read = |body: serde_json::Value| {
        request::from_json(body.to_string().as_bytes(), &Limits::default(), 2)
    };
    let one =
        read(json!({"query": "{ a }", "operationName": null, "variables": {"n": 1}})).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].variables.get("n"), Some(&json!(1)));
    let shape = |body: serde_json::Value| match read(body) {
        Err(ReadError::Shape { pointer, .. }) => pointer,
        other => panic!("expected a shape error, found {other:?}"),
    };
    let cases = [
        (json!({"query": "{ a }", "debug": true}), "/debug"),
        (json!({"query": 1}), "/query"),
        (json!({"query": "{ a }", "variables": [1]}), "/variables"),
        (
            json!({"query": "{ a }", "operationName": 5}),
            "/operationName",
        ),
        (
            json!({"query": "{ a }", "extensions": {"tracing": true}}),
            "/extensions/tracing",
        ),
        (
            json!({"query": "{ a }", "extensions": {"persistedQuery": {"version": 2}}}),
            "/extensions/persistedQuery/version",
        ),
        (json!([{"query": "{ a }"}, "{ b }"]), "/1"),
        (json!([]), ""),
        (json!("{ a }"), ""),
    ];
    for (body, pointer) in cases {
        assert_eq!(shape(body.clone()), pointer, "{body}");
    }
    let batch = read(json!([{"query": "{ a }"}, {"query": "{ b }"}, {"query": "{ c }"}]));
    assert_eq!(batch, Err(ReadError::BatchTooLarge { size: 3, limit: 2 }));
    let duplicate = request::from_json(
        br#"{"query": "{ a }", "query": "{ b }"}"#,
        &Limits::default(),
        1,
    );
    assert!(matches!(duplicate, Err(ReadError::Json(_))));
}

#[test]
fn reads_get_parameters_strictly() {
    let limits = Limits::default();
    let read = |query: &str| request::from_query(query, &limits);
    let request = read("query=%7B%20a%20%7D&operationName=Q&variables=%7B%22n%22%3A1%7D").unwrap();
    assert_eq!(request.query.as_deref(), Some("{ a }"));
    assert_eq!(request.variables.get("n"), Some(&json!(1)));
    assert!(matches!(
        read("query=a&query=b"),
        Err(ReadError::Shape { .. })
    ));
    assert!(matches!(read("query=a&x=1"), Err(ReadError::Shape { .. })));
    assert!(
        matches!(read("query=a&variables=%7B"), Err(ReadError::Json(e)) if e.pointer.starts_with("/variables"))
    );
    assert!(matches!(read("query=%zz"), Err(ReadError::Shape { .. })));
    assert!(request::from_document(b"{ a \xff }").is_err());
}

/// Every truncation of the samples and every byte replaced by each of a few troublesome
/// characters: the judges answer, and never panic.
#[test]
fn mutated_documents_never_panic() {
    use super::{judge_body, Media, RawEndpoint};
    let endpoint = serde_json::from_value::<RawEndpoint>(json!({"path": "/g", "max_batch": 4}))
        .unwrap()
        .compile("g")
        .unwrap();
    let samples = [
        r#"{"query": "query Q($n: Int = 3) { a(first: $n) @x { ...F ... on T { b } } } fragment F on T { c: d(e: [1, {f: \"g\"}]) }", "variables": {"n": 2}}"#,
        r#"[{"query": "{ a }"}, {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}]"#,
        "{\"query\": \"{ a(s: \\\"\\\"\\\"block\\\"\\\"\\\") }\"}",
    ];
    let specials = [
        b'{', b'}', b'(', b'.', b'$', b'"', b'\\', b'#', 0, 0xff, b'@', b'[', b':',
    ];
    for sample in samples {
        let bytes = sample.as_bytes();
        for cut in 0..bytes.len() {
            let _ = judge_body(&endpoint, Media::Json, &bytes[..cut], &Limits::default());
        }
        for at in 0..bytes.len() {
            for special in specials {
                let mut mutated = bytes.to_vec();
                mutated[at] = special;
                let _ = judge_body(&endpoint, Media::Json, &mutated, &Limits::default());
                let _ = judge_body(&endpoint, Media::Document, &mutated, &Limits::default());
            }
        }
    }
}
