//! Parameters of every location and style, read and judged on a small contract.

use crate::head::RequestHead;
use crate::refusal::Refusal;
use crate::settings::Settings;
use palisade_shared::openapi::Lookup;
use palisade_shared::path::CanonicalPath;
use serde_json::{json, Value};

/// A contract whose `GET /accounts/{accountId}/items` declares one parameter of each kind.
fn contract() -> Value {
    json!({
        "openapi": "3.1.0",
        "paths": {"/accounts/{accountId}/items": {
            "parameters": [{"name": "accountId", "in": "path", "required": true,
                            "schema": {"type": "string", "format": "uuid"}}],
            "get": {"operationId": "listItems", "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 100}},
                {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "integer"}, "maxItems": 3}},
                {"name": "tags", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}},
                {"name": "pipe", "in": "query", "style": "pipeDelimited", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "space", "in": "query", "style": "spaceDelimited", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "filter", "in": "query", "style": "deepObject", "schema": {"type": "object", "properties": {"status": {"enum": ["open", "closed"]}, "min": {"type": "number"}}}},
                {"name": "point", "in": "query", "schema": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}}}},
                {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                {"name": "flag", "in": "query", "schema": {"type": "boolean"}},
                {"name": "q", "in": "query", "schema": {"type": "string", "pattern": "^[a-z ]*$"}},
                {"name": "next", "in": "query", "x-palisade-allow-encoded-values": true, "schema": {"type": "string", "format": "uri"}},
                {"name": "meta", "in": "query", "content": {"application/json": {"schema": {"type": "object", "properties": {"k": {"type": "integer"}}}}}},
                {"name": "X-Request-ID", "in": "header", "required": true, "schema": {"type": "string", "format": "uuid"}},
                {"name": "x-ints", "in": "header", "schema": {"type": "array", "items": {"type": "integer"}}},
                {"name": "session", "in": "cookie", "required": true, "schema": {"type": "string", "minLength": 4}},
                {"name": "Accept", "in": "header", "required": true, "schema": {"const": "ignored"}}
            ]}
        }}
    })
}

/// `(pointer, kind)` pairs a case expects.
type Expected = &'static [(&'static str, &'static str)];

const ACCOUNT: &str = "/accounts/123e4567-e89b-12d3-a456-426614174000/items";
const REQUEST_ID: &str = "9b2a6c9e-5f0e-4f5c-8d1a-0c4b7a3e2f10";

fn settings(extra: Value) -> Settings {
    let mut config = json!({"openapi": contract()});
    if let (Some(config), Some(extra)) = (config.as_object_mut(), extra.as_object()) {
        config.extend(extra.clone());
    }
    Settings::from_json(&serde_json::to_vec(&config).unwrap()).unwrap()
}

/// `(pointer, kind)` of every violation of a GET with `target` and `headers` added to the
/// required ones (a header given as `""` is left out).
fn judge_with(
    settings: &Settings,
    target: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, &'static str)> {
    let mut headers = vec![
        (":method", "GET"),
        (":path", target),
        ("x-request-id", REQUEST_ID),
        ("cookie", "theme=dark; session=abcd"),
    ];
    for (name, value) in extra {
        headers.retain(|(n, _)| n != name);
        if !value.is_empty() {
            headers.push((name, value));
        }
    }
    let owned: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let head = RequestHead::from_headers(&owned, true);
    let path = CanonicalPath::parse(target.split('?').next().unwrap()).unwrap();
    let Lookup::Found { operation, .. } = settings.inventory.find("GET", &path) else {
        panic!("no operation for {target}");
    };
    match crate::params::judge_head(settings, operation, &head) {
        None => Vec::new(),
        Some(Refusal::InvalidParameters(findings)) => findings
            .into_iter()
            .map(|f| (f.pointer, f.kind.name()))
            .collect(),
        Some(other) => vec![(format!("{other:?}"), "other")],
    }
}

fn judge(target: &str, extra: &[(&str, &str)]) -> Vec<(String, &'static str)> {
    judge_with(&settings(json!({})), target, extra)
}

#[test]
fn query_parameters_by_style_type_and_format() {
    let cases: &[(&str, &str, Expected)] = &[
        ("nothing but the required", "", &[]),
        ("integer in range", "?limit=10", &[]),
        (
            "integer too large",
            "?limit=101",
            &[("/query/limit", "range")],
        ),
        ("not an integer", "?limit=ten", &[("/query/limit", "type")]),
        ("fraction", "?limit=1.5", &[("/query/limit", "type")]),
        (
            "int32 overflow",
            "?limit=2147483648",
            &[("/query/limit", "format"), ("/query/limit", "range")],
        ),
        (
            "leading plus is text",
            "?limit=%2B5",
            &[("/query/limit", "type")],
        ),
        (
            "repeated scalar",
            "?limit=1&limit=2",
            &[("/query/limit", "duplicate")],
        ),
        ("exploded array", "?ids=1&ids=2", &[]),
        (
            "exploded array item",
            "?ids=1&ids=x",
            &[("/query/ids/1", "type")],
        ),
        (
            "array too long",
            "?ids=1&ids=2&ids=3&ids=4",
            &[("/query/ids", "size")],
        ),
        ("comma array", "?tags=a,b", &[]),
        (
            "comma array bad item",
            "?tags=a,c",
            &[("/query/tags/1", "enum")],
        ),
        (
            "encoded comma is data",
            "?tags=a%2Cb",
            &[("/query/tags/0", "enum")],
        ),
        (
            "non-exploded repeated",
            "?tags=a&tags=b",
            &[("/query/tags", "duplicate")],
        ),
        ("pipe delimited", "?pipe=x|y", &[]),
        ("space delimited", "?space=x%20y+z", &[]),
        ("deepObject", "?filter[status]=open&filter[min]=2.5", &[]),
        (
            "deepObject bad member",
            "?filter[status]=gone",
            &[("/query/filter/status", "enum")],
        ),
        (
            "deepObject unknown member",
            "?filter[owner]=me",
            &[("/query/filter/owner", "unknown")],
        ),
        (
            "deepObject nested",
            "?filter[a][b]=1",
            &[("/query/filter", "malformed")],
        ),
        ("form exploded object", "?x=1&y=2", &[]),
        (
            "form exploded object member",
            "?x=1&y=b",
            &[("/query/point/y", "type")],
        ),
        ("date-time", "?since=2026-01-02T03:04:05Z", &[]),
        (
            "bad date-time",
            "?since=yesterday",
            &[("/query/since", "format")],
        ),
        ("boolean", "?flag=true", &[]),
        (
            "boolean spelled otherwise",
            "?flag=1",
            &[("/query/flag", "type")],
        ),
        ("pattern", "?q=abc+def", &[]),
        ("pattern broken", "?q=abc%3B", &[("/query/q", "pattern")]),
        ("JSON content", "?meta=%7B%22k%22%3A1%7D", &[]),
        (
            "JSON content invalid",
            "?meta=%7B%22k%22%3A%22x%22%7D",
            &[("/query/meta/k", "type")],
        ),
        (
            "JSON content malformed",
            "?meta=%7B",
            &[("/query/meta", "malformed")],
        ),
        (
            "unknown parameter",
            "?debug=1",
            &[("/query/debug", "unknown")],
        ),
        (
            "encoded URL where allowed",
            "?next=https%3A%2F%2Fa.example%2Fb%2520c",
            &[],
        ),
        ("not a URI", "?next=a%20b", &[("/query/next", "format")]),
    ];
    for (name, query, expected) in cases {
        let found = judge(&format!("{ACCOUNT}{query}"), &[]);
        let expected: Vec<(String, &str)> =
            expected.iter().map(|(p, k)| (p.to_string(), *k)).collect();
        assert_eq!(found, expected, "{name}");
    }
}

#[test]
fn encoded_payloads_are_refused_in_every_location() {
    let cases: &[(&str, &str, Expected, &str)] = &[
        ("double encoding in query", "?q=%2541", &[], "/query/q"),
        ("overlong UTF-8 in query", "?q=%C0%AE", &[], "/query/q"),
        ("NUL in query", "?q=a%00", &[], "/query/q"),
        ("CRLF in query", "?q=a%0D%0Ab", &[], "/query/q"),
        ("bidi override in query", "?q=%E2%80%AEabc", &[], "/query/q"),
        ("double encoding in a name", "?%2571=1", &[], "/query"),
        (
            "double encoding in header",
            "",
            &[("x-request-id", "%2541")],
            "/header/x-request-id",
        ),
        (
            "control in header",
            "",
            &[("x-request-id", "a\u{1}b")],
            "/header/x-request-id",
        ),
        (
            "invalid UTF-8 in header",
            "",
            &[("x-request-id", "a\u{fffd}")],
            "/header/x-request-id",
        ),
        (
            "double encoding in cookie",
            "",
            &[("cookie", "session=%2541abcd")],
            "/cookie/session",
        ),
        (
            "overlong UTF-8 in cookie",
            "",
            &[("cookie", "session=%C0%AEabcd")],
            "/cookie/session",
        ),
    ];
    for (name, query, headers, pointer) in cases {
        let found = judge(&format!("{ACCOUNT}{query}"), headers);
        assert_eq!(found, [(pointer.to_string(), "encoding")], "{name}");
    }
}

#[test]
fn path_header_and_cookie_parameters() {
    let cases: &[(&str, &str, Expected, Expected)] = &[
        (
            "bad path uuid",
            "/accounts/not-a-uuid/items",
            &[],
            &[("/path/accountId", "format")],
        ),
        (
            "header missing",
            ACCOUNT,
            &[("x-request-id", "")],
            &[("/header/x-request-id", "required")],
        ),
        (
            "header bad format",
            ACCOUNT,
            &[("x-request-id", "abc")],
            &[("/header/x-request-id", "format")],
        ),
        ("header array", ACCOUNT, &[("x-ints", "1, 2,3")], &[]),
        (
            "header array bad item",
            ACCOUNT,
            &[("x-ints", "1,x")],
            &[("/header/x-ints/1", "type")],
        ),
        (
            "cookie missing",
            ACCOUNT,
            &[("cookie", "theme=dark")],
            &[("/cookie/session", "required")],
        ),
        (
            "cookie too short",
            ACCOUNT,
            &[("cookie", "session=abc")],
            &[("/cookie/session", "size")],
        ),
        (
            "cookie twice",
            ACCOUNT,
            &[("cookie", "session=abcd; session=efgh")],
            &[("/cookie/session", "duplicate")],
        ),
    ];
    for (name, target, headers, expected) in cases {
        let found = judge(target, headers);
        let expected: Vec<(String, &str)> =
            expected.iter().map(|(p, k)| (p.to_string(), *k)).collect();
        assert_eq!(found, expected, "{name}");
    }
}

#[test]
fn unknown_query_parameters_follow_the_policy() {
    let target = format!("{ACCOUNT}?debug=1");
    let open = settings(json!({"unknown_query_parameters": "allow"}));
    assert!(judge_with(&open, &target, &[]).is_empty());
    let per_operation =
        settings(json!({"operations": {"listItems": {"unknown_query_parameters": "allow"}}}));
    assert!(judge_with(&per_operation, &target, &[]).is_empty());
    let by_template = settings(
        json!({"operations": {"GET /accounts/{accountId}/items": {"unknown_query_parameters": "allow"}}}),
    );
    assert!(judge_with(&by_template, &target, &[]).is_empty());
    let error = Settings::from_json(
        &serde_json::to_vec(&json!({"openapi": contract(), "operations": {"nope": {}}})).unwrap(),
    )
    .unwrap_err();
    assert_eq!(error.field, "operations.nope");
}

#[test]
fn refuses_parameter_declarations_it_cannot_read() {
    let cases = [
        (
            json!({"name": "a", "in": "path", "style": "matrix", "schema": {}}),
            "style",
        ),
        (
            json!({"name": "a", "in": "query", "style": "simple", "schema": {}}),
            "style",
        ),
        (json!({"name": "a", "in": "body", "schema": {}}), "in"),
        (json!({"name": "a", "in": "query"}), ""),
        (
            json!({"name": "a", "in": "query", "schema": {"pattern": "(["}}),
            "schema.pattern",
        ),
    ];
    for (parameter, field) in cases {
        let mut document = contract();
        document["paths"]["/accounts/{accountId}/items"]["get"]["parameters"] = json!([parameter]);
        let config = serde_json::to_vec(&json!({"openapi": document})).unwrap();
        let error = Settings::from_json(&config).unwrap_err();
        let expected = format!(
            "openapi.paths./accounts/{{accountId}}/items.get.parameters.a{}{field}",
            if field.is_empty() { "" } else { "." }
        );
        assert_eq!(error.field, expected, "{}", error.reason);
    }
}
