//! Limits, fragments, cost, introspection, batches and operation selection, through the
//! public judges.

use super::{judge_body, Endpoint, ErrorKind, GraphqlError, Media, RawEndpoint};
use palisade_shared::json::Limits;
use serde_json::{json, Value};

/// Depth 4, 2 aliases, 3 root fields, 2 directives, 200 tokens, batches of 3, cost 100;
/// `expensive` weighs 40.
pub(super) fn endpoint(extra: Value) -> Endpoint {
    let mut raw = json!({
        "path": "/graphql", "max_depth": 4, "max_aliases": 2, "max_root_fields": 3,
        "max_directives": 2, "max_tokens": 200, "max_batch": 3, "max_cost": 100,
        "field_weights": {"expensive": 40}
    });
    if let (Some(raw), Some(extra)) = (raw.as_object_mut(), extra.as_object()) {
        raw.extend(extra.clone());
    }
    serde_json::from_value::<RawEndpoint>(raw)
        .unwrap()
        .compile("graphql.0")
        .unwrap()
}

pub(super) fn post(endpoint: &Endpoint, body: Value) -> Result<(), GraphqlError> {
    judge_body(
        endpoint,
        Media::Json,
        body.to_string().as_bytes(),
        &Limits::default(),
    )
}

/// `None` when accepted, else the kind and reason.
pub(super) fn outcome(result: Result<(), GraphqlError>) -> Option<(ErrorKind, String)> {
    result.err().map(|error| (error.kind, error.reason))
}

pub(super) fn check_table(endpoint: &Endpoint, cases: &[(Value, Option<(ErrorKind, &str)>)]) {
    for (body, expected) in cases {
        let found = outcome(post(endpoint, body.clone()));
        match (expected, &found) {
            (None, None) => {}
            (Some((kind, reason)), Some((found_kind, found_reason)))
                if kind == found_kind && found_reason.contains(reason) => {}
            _ => panic!("{body}: expected {expected:?}, found {found:?}"),
        }
    }
}

pub(super) fn q(document: &str) -> Value {
    json!({ "query": document })
}

#[test]
fn depth_aliases_root_fields_and_directives() {
    use ErrorKind::Limit;
    check_table(
        &endpoint(json!({})),
        &[
            (q("{ a { b { c { d } } } }"), None),
            (
                q("{ a { b { c { d { e } } } } }"),
                Some((Limit, "depth 5 exceeds the limit of 4")),
            ),
            (
                q("{ a { ...F } } fragment F on T { b { c { d { e } } } }"),
                Some((Limit, "depth 5")),
            ),
            (q("{ a { ... on T { b { c { d } } } } }"), None),
            (q("{ x: a y: a }"), None),
            (q("{ x: a y: a z: a }"), Some((Limit, "aliases 3"))),
            (
                q("{ a { ...F ...F } } fragment F on T { x: b y: b }"),
                Some((Limit, "aliases 4")),
            ),
            (q("{ a b c d }"), Some((Limit, "root fields 4"))),
            (
                q("{ ...F } fragment F on Query { a b c d }"),
                Some((Limit, "root fields 4")),
            ),
            (q("{ a @include(if: true) b @skip(if: false) }"), None),
            (q("{ a @x b @y c @z }"), Some((Limit, "directives 3"))),
            (
                q("query Q @x { a @y ...F @z } fragment F on Q { b }"),
                Some((Limit, "directives 3")),
            ),
        ],
    );
}

#[test]
fn cost_multiplies_by_list_sizes() {
    use ErrorKind::Limit;
    let sized = |n: Value| json!({"query": "query($n: Int) { list(first: $n) { a } }", "variables": {"n": n}});
    check_table(
        &endpoint(json!({})),
        &[
            (q("{ expensive }"), None),
            (
                q("{ list(first: 10) { expensive } }"),
                Some((Limit, "cost 401 exceeds")),
            ),
            (q("{ a(first: 5) { b(last: 5) { c } } }"), None),
            (
                q("{ a(first: 10) { b(limit: 10) { c } } }"),
                Some((Limit, "cost 111")),
            ),
            (q("{ a(first: 0) { expensive expensive } }"), None),
            (sized(json!(5)), None),
            (sized(json!(200)), Some((Limit, "cost 201"))),
            (sized(json!(-1)), Some((Limit, "cost 101"))),
            (sized(json!("5")), Some((Limit, "cost 101"))),
            (
                q("query($n: Int) { list(first: $n) { a } }"),
                Some((Limit, "cost 101")),
            ),
            (q("query($n: Int = 5) { list(first: $n) { a } }"), None),
            (
                q("{ list(first: 99999999999999999999) { a } }"),
                Some((Limit, "cost 101")),
            ),
            (
                q("{ list(first: 3) { ...F } } fragment F on T { expensive }"),
                Some((Limit, "cost 121")),
            ),
        ],
    );
}

#[test]
fn exponential_fragment_expansion_is_counted_not_walked() {
    // F0 spreads F1 twice, F1 spreads F2 twice, ... 2^25 copies of `x` once expanded.
    let mut document = String::from("{ ...F0 }");
    for i in 0..25 {
        document.push_str(&format!(
            " fragment F{i} on T {{ a{i}: f {{ ...F{n} ...F{n} }} }}",
            n = i + 1
        ));
    }
    document.push_str(" fragment F25 on T { x }");
    let wide = endpoint(json!({"max_tokens": 5000, "max_depth": 64, "max_aliases": 1000}));
    let found = outcome(post(&wide, q(&document)));
    assert!(
        matches!(&found, Some((ErrorKind::Limit, r)) if r.contains("aliases")),
        "{found:?}"
    );
}

#[test]
fn fragment_errors_are_refused() {
    use ErrorKind::InvalidRequest;
    check_table(
        &endpoint(json!({})),
        &[
            (
                q("{ ...A } fragment A on Q { ...B } fragment B on Q { ...A }"),
                Some((InvalidRequest, "spreads itself")),
            ),
            (
                q("{ a } fragment A on Q { b { ...A } }"),
                Some((InvalidRequest, "spreads itself")),
            ),
            (q("{ ...Missing }"), Some((InvalidRequest, "lacks"))),
            (
                q("{ a } fragment A on Q { b } fragment A on Q { c }"),
                Some((ErrorKind::Syntax, "unique")),
            ),
        ],
    );
}

#[test]
fn introspection_is_refused_unless_enabled() {
    let cases = [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Account\") { name } }",
        "{ a { ... on T { __schema { t } } } }",
        "{ a } fragment F on Q { __type(name: \"x\") { name } }",
        "{ renamed: __schema { t } }",
    ];
    let closed = endpoint(json!({}));
    let open = endpoint(json!({"introspection": true}));
    for document in cases {
        let found = outcome(post(&closed, q(document)));
        assert_eq!(
            found.map(|(kind, _)| kind),
            Some(ErrorKind::Introspection),
            "{document}"
        );
        assert_eq!(outcome(post(&open, q(document))), None, "{document}");
    }
    assert_eq!(
        outcome(post(&closed, q("{ __typename a { __typename } }"))),
        None
    );
}

#[test]
fn batches_are_bounded_in_size_and_total_cost() {
    use ErrorKind::Limit;
    let one = q("{ expensive }");
    check_table(
        &endpoint(json!({})),
        &[
            (json!([one.clone(), one.clone()]), None),
            (
                json!([one.clone(), one.clone(), one.clone()]),
                Some((Limit, "batch cost 120")),
            ),
            (
                json!([one.clone(), one.clone(), one.clone(), one]),
                Some((Limit, "batch of 4")),
            ),
        ],
    );
    assert!(post(
        &endpoint(json!({"max_batch": 1})),
        json!([q("{ a }"), q("{ a }")])
    )
    .is_err());
}

#[test]
fn operations_are_selected_by_name() {
    use ErrorKind::{InvalidRequest, Syntax};
    let two = "query A { a } query B { b }";
    check_table(
        &endpoint(json!({})),
        &[
            (q(two), Some((InvalidRequest, "several operations"))),
            (json!({"query": two, "operationName": "B"}), None),
            (
                json!({"query": two, "operationName": "C"}),
                Some((InvalidRequest, "names no operation")),
            ),
            (q("{ a } query B { b }"), Some((Syntax, "anonymous"))),
            (q("query A { a } query A { b }"), Some((Syntax, "unique"))),
            (q("mutation M { send(amount: 1) { id } }"), None),
        ],
    );
}
