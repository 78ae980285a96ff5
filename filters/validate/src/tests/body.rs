//! Bodies of `POST /transfers`: valid, breaking the schema, malformed, and media types.

use super::demo_openapi;
use super::drive::{demo, post_transfer, GOOD};
use crate::settings::Settings;
use crate::stream::Step;
use palisade_shared::decision::Decision;
use serde_json::json;
use std::rc::Rc;

#[test]
fn valid_transfer_is_allowed_and_recorded() {
    let seen = post_transfer(&demo(), Some("application/json"), GOOD.as_bytes());
    assert_eq!(seen.status(), None);
    assert_eq!(seen.steps, [Step::Continue, Step::Continue]);
    assert_eq!(seen.decision(), Decision::allow("valid_body"));
}

#[test]
fn invalid_transfers_are_refused_with_a_pointer() {
    let cases: [(&str, &[u8], &str, &str); 14] = [
        (
            "negative amount",
            br#"{"from":"a","to":"b","amount":-1,"currency":"EUR"}"#,
            "invalid-body",
            "/amount",
        ),
        (
            "zero amount",
            br#"{"from":"a","to":"b","amount":0,"currency":"EUR"}"#,
            "invalid-body",
            "/amount",
        ),
        (
            "unknown property",
            br#"{"from":"a","to":"b","amount":1,"currency":"EUR","fee":1}"#,
            "invalid-body",
            "/fee",
        ),
        (
            "amount as a string",
            br#"{"from":"a","to":"b","amount":"1","currency":"EUR"}"#,
            "invalid-body",
            "/amount",
        ),
        (
            "currency missing",
            br#"{"from":"a","to":"b","amount":1}"#,
            "invalid-body",
            "/currency",
        ),
        (
            "currency not listed",
            br#"{"from":"a","to":"b","amount":1,"currency":"JPY"}"#,
            "invalid-body",
            "/currency",
        ),
        (
            "account id off pattern",
            br#"{"from":"A 1","to":"b","amount":1,"currency":"EUR"}"#,
            "invalid-body",
            "/from",
        ),
        ("body is an array", b"[]", "invalid-body", ""),
        (
            "duplicate key",
            br#"{"from":"a","to":"b","amount":1,"amount":-1,"currency":"EUR"}"#,
            "malformed-body",
            "/amount",
        ),
        (
            "invalid UTF-8",
            b"{\"from\":\"a\xff\",\"to\":\"b\",\"amount\":1,\"currency\":\"EUR\"}",
            "malformed-body",
            "",
        ),
        (
            "trailing data",
            b"{\"from\":\"a\",\"to\":\"b\",\"amount\":1,\"currency\":\"EUR\"} x",
            "malformed-body",
            "",
        ),
        ("byte-order mark", b"\xef\xbb\xbf{}", "malformed-body", ""),
        (
            "NUL in a string",
            br#"{"from":"a\u0000","to":"b","amount":1,"currency":"EUR"}"#,
            "malformed-body",
            "/from",
        ),
        ("empty JSON text", b" ", "malformed-body", ""),
    ];
    let settings = demo();
    for (name, body, kind, pointer) in cases {
        let seen = post_transfer(&settings, Some("application/json"), body);
        assert_eq!(seen.status(), Some(400), "{name}");
        assert_eq!(
            seen.problem()["type"],
            format!("urn:palisade:problem:{kind}"),
            "{name}"
        );
        assert_eq!(seen.first_pointer(), pointer, "{name}");
        let decision = seen.decision();
        assert_eq!(
            (decision.outcome, decision.status),
            (Decision::deny(kind, 400).outcome, Some(400)),
            "{name}"
        );
        // The audit reason: the kind, then each violation's pointer and kind.
        assert!(
            decision.reason.starts_with(kind),
            "{name}: {}",
            decision.reason
        );
        assert!(
            decision.reason.contains(pointer),
            "{name}: {}",
            decision.reason
        );
        assert_eq!(seen.steps.last(), Some(&Step::Stop), "{name}");
    }
}

#[test]
fn nesting_beyond_the_guard_is_refused_where_it_happens() {
    let deep = format!(
        r#"{{"from":"a","to":"b","amount":1,"currency":"EUR","memo":{}1{}}}"#,
        "[".repeat(40),
        "]".repeat(40)
    );
    let seen = post_transfer(&demo(), Some("application/json"), deep.as_bytes());
    assert_eq!(
        seen.problem()["type"],
        "urn:palisade:problem:malformed-body"
    );
    assert!(
        seen.first_pointer().starts_with("/memo/0/0"),
        "{}",
        seen.first_pointer()
    );
    assert_eq!(
        seen.problem()["violations"][0]["reason"],
        "nested too deeply"
    );
}

#[test]
fn problems_echo_no_body_values() {
    let body = br#"{"from":"SECRET-FROM","to":"b","amount":"SECRET-AMOUNT","currency":"SECRET-CUR","memo":7}"#;
    let seen = post_transfer(&demo(), Some("application/json"), body);
    let text = String::from_utf8(seen.sent().unwrap().body).unwrap();
    assert!(!text.contains("SECRET"), "{text}");
    assert_eq!(seen.problem()["violations"].as_array().unwrap().len(), 4);
}

#[test]
fn content_types() {
    let cases: [(Option<&str>, Option<u32>); 10] = [
        (Some("application/json"), None),
        (Some("application/json; charset=utf-8"), None),
        (Some("APPLICATION/JSON"), None),
        (Some("Application/Json;Charset=\"UTF-8\""), None),
        (Some("application/json-patch+json"), Some(415)),
        (Some("text/plain"), Some(415)),
        (None, Some(415)),
        (Some("application/jsonx"), Some(415)),
        (Some("application/json; charset=iso-8859-1"), Some(415)),
        (Some("application/json, text/plain"), Some(415)),
    ];
    let settings = demo();
    for (content_type, status) in cases {
        let seen = post_transfer(&settings, content_type, GOOD.as_bytes());
        assert_eq!(seen.status(), status, "{content_type:?}");
        if status.is_some() {
            assert_eq!(
                seen.steps,
                [Step::Stop],
                "refused on the headers: {content_type:?}"
            );
            assert_eq!(
                seen.problem()["detail"],
                "this operation accepts application/json"
            );
        }
    }
}

#[test]
fn declared_text_bodies_are_validated_and_binary_ones_size_checked() {
    let mut document = demo_openapi();
    let content = &mut document["paths"]["/transfers"]["post"]["requestBody"]["content"];
    content["text/plain"] = json!({"schema": {"type": "string", "maxLength": 4}});
    content["application/octet-stream"] = json!({"schema": {"type": "string", "format": "binary"}});
    content["application/xml"] = json!({"schema": {"type": "object"}});
    let config = serde_json::to_vec(&json!({"openapi": document})).unwrap();
    let settings = Rc::new(Settings::from_json(&config).unwrap());
    let cases: [(&str, &[u8], Option<u32>); 6] = [
        ("text/plain", b"text", None),
        ("text/plain", b"free text", Some(400)),
        ("text/plain", b"t\xffx", Some(400)),
        ("text/plain; charset=latin1", b"text", Some(415)),
        ("application/octet-stream", b"\x00\xff", None),
        ("application/xml", b"<a/>", Some(415)),
    ];
    for (content_type, body, status) in cases {
        let seen = post_transfer(&settings, Some(content_type), body);
        assert_eq!(seen.status(), status, "{content_type}");
    }
    let seen = post_transfer(&settings, Some("application/octet-stream"), b"x");
    assert_eq!(seen.decision(), Decision::allow("body_not_validated"));
}
