//! Persisted-query allowlists, and what the request line and headers decide.

use super::persisted::sha256_hex;
use super::tests_limits::{check_table, endpoint, q};
use super::{judge_body, judge_head, ErrorKind, Head, Media};
use palisade_shared::json::Limits;
use serde_json::json;

#[test]
fn persisted_query_allowlist() {
    use ErrorKind::{InvalidRequest, NotListed};
    let listed = sha256_hex("{ a }");
    let listed_only = endpoint(json!({
        "persisted_queries": {"sha256": [listed.to_uppercase()], "ids": {"getA": listed}}
    }));
    let apq = |hash: &str| json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    check_table(
        &listed_only,
        &[
            (q("{ a }"), None),
            (q("{ b }"), Some((NotListed, "allowlist"))),
            (json!({"extensions": apq(&listed)}), None),
            (
                json!({"extensions": apq(&sha256_hex("{ b }"))}),
                Some((NotListed, "allowlist")),
            ),
            (json!({"documentId": "getA"}), None),
            (
                json!({"documentId": "getB"}),
                Some((NotListed, "allowlist")),
            ),
            (
                json!({"query": "{ b }", "extensions": apq(&listed)}),
                Some((InvalidRequest, "does not match")),
            ),
            (
                json!({"operationName": null}),
                Some((InvalidRequest, "a query is required")),
            ),
        ],
    );
    check_table(
        &endpoint(json!({})),
        &[
            (json!({"query": "{ a }", "extensions": apq(&listed)}), None),
            (
                json!({"extensions": apq(&listed)}),
                Some((InvalidRequest, "a query is required")),
            ),
            (
                json!({"query": "{ a }", "documentId": "getA"}),
                Some((NotListed, "documentId")),
            ),
        ],
    );
}

#[test]
fn http_methods_media_types_and_get() {
    let endpoint = endpoint(json!({}));
    let limits = Limits::default();
    let head = |method: &str, content_type: Option<&str>, query: &str, body: bool| {
        judge_head(&endpoint, method, content_type, query, body, &limits)
    };
    let kind = |head: Head| match head {
        Head::Decided(Err(error)) => Some(error.kind),
        _ => None,
    };
    assert_eq!(
        head("POST", Some("application/json"), "", true),
        Head::Buffer(Media::Json)
    );
    assert_eq!(
        head("POST", Some("application/graphql; charset=UTF-8"), "", true),
        Head::Buffer(Media::Document)
    );
    assert_eq!(
        kind(head("POST", Some("text/plain"), "", true)),
        Some(ErrorKind::MediaType)
    );
    let latin = head("POST", Some("application/json; charset=latin1"), "", true);
    assert_eq!(kind(latin), Some(ErrorKind::MediaType));
    assert_eq!(kind(head("PUT", None, "", true)), Some(ErrorKind::Method));
    assert_eq!(
        kind(head("POST", Some("application/json"), "", false)),
        Some(ErrorKind::InvalidRequest)
    );
    assert_eq!(
        head("GET", None, "query=%7B%20a%20%7D", false),
        Head::Decided(Ok(()))
    );
    let mutation = head("GET", None, "query=mutation%20%7B%20a%20%7D", false);
    assert_eq!(kind(mutation), Some(ErrorKind::InvalidRequest));
    let deep = head("GET", None, "query={a{b{c{d{e}}}}}", false);
    assert_eq!(kind(deep), Some(ErrorKind::Limit));
    let sized = head(
        "GET",
        None,
        "query=query($n:Int){l(first:$n){a}}&variables={\"n\":500}",
        false,
    );
    assert_eq!(kind(sized), Some(ErrorKind::Limit));
    assert_eq!(
        kind(head("GET", None, "query={a}&query={b}", false)),
        Some(ErrorKind::InvalidRequest)
    );
    assert_eq!(
        kind(head("GET", None, "query={a}&debug=1", false)),
        Some(ErrorKind::InvalidRequest)
    );
    assert_eq!(
        kind(head("GET", None, "query={a}", true)),
        Some(ErrorKind::InvalidRequest)
    );
    let document = judge_body(&endpoint, Media::Document, b"{ a { b } }", &limits);
    assert_eq!(document, Ok(()));
}

#[test]
fn bad_endpoints_refuse_the_configuration() {
    use super::RawEndpoint;
    let listed = sha256_hex("{ a }");
    let cases = [
        (json!({"path": "graphql"}), "graphql.0.path"),
        (json!({"path": "/g", "max_depth": 0}), "graphql.0.max_depth"),
        (
            json!({"path": "/g", "max_depth": 65}),
            "graphql.0.max_depth",
        ),
        (json!({"path": "/g", "max_cost": 0}), "graphql.0.max_cost"),
        (json!({"path": "/g", "max_batch": 0}), "graphql.0.max_batch"),
        (
            json!({"path": "/g", "persisted_queries": {"sha256": ["abc"]}}),
            "graphql.0.persisted_queries.sha256",
        ),
        (
            json!({"path": "/g", "persisted_queries": {"sha256": [listed], "ids": {"x": "0".repeat(64)}}}),
            "graphql.0.persisted_queries.ids.x",
        ),
    ];
    for (raw, field) in cases {
        let error = serde_json::from_value::<RawEndpoint>(raw.clone())
            .unwrap()
            .compile("graphql.0")
            .unwrap_err();
        assert_eq!(error.field, field, "{raw}");
    }
    let zero = json!({"path": "/g", "max_aliases": 0, "max_directives": 0});
    let strict = serde_json::from_value::<RawEndpoint>(zero)
        .unwrap()
        .compile("g")
        .unwrap();
    let post = |body: serde_json::Value| {
        judge_body(
            &strict,
            Media::Json,
            body.to_string().as_bytes(),
            &Limits::default(),
        )
    };
    assert!(post(q("{ a }")).is_ok());
    assert!(post(q("{ b: a }")).is_err());
    assert!(serde_json::from_value::<RawEndpoint>(json!({"path": "/g", "max_dept": 1})).is_err());
}
