//! Header handling, body modes and recorded decisions, through the fake host.

use super::demo_document;
use crate::config::{Config, Filter};
use crate::decide::BodyMode;
use crate::prune::BodyError;
use crate::refusal::{Refusal, UNFILTERABLE};
use crate::stream::{Step, Stream};
use palisade_shared::decision::{Decision, MatchedOperation, Outcome};
use palisade_shared::host::{FakeHost, HeaderMap, Host};
use serde_json::json;

pub fn filter(max_body_bytes: usize, security_headers: bool) -> Filter {
    Filter::compile(Config {
        openapi: demo_document(),
        max_body_bytes,
        security_headers,
        pass_undeclared_responses: Vec::new(),
    })
    .unwrap()
}

/// A stream whose request was `method target`, with the upstream's response head set.
pub fn exchange(method: &str, target: &str, response: &[(&str, &str)]) -> FakeHost {
    let host = FakeHost::with_request_headers(&[
        (":method", method),
        (":path", target),
        ("accept-encoding", "gzip"),
        ("x-request-id", "req-1"),
    ]);
    *host.response_headers.borrow_mut() = response
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    host
}

fn json_ok(length: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        (":status", "200"),
        ("content-type", "application/json"),
        ("content-length", length),
        ("server", "gunicorn/1.0"),
        ("x-powered-by", "Express"),
        ("cache-control", "public, max-age=600"),
    ]
}

pub fn response_header(host: &FakeHost, name: &str) -> Option<String> {
    host.header(HeaderMap::Response, name).unwrap()
}

/// Runs both head callbacks; returns the stream ready for body callbacks.
pub fn through_heads(filter: &Filter, host: &FakeHost, end_of_stream: bool) -> Stream {
    let mut stream = Stream::default();
    assert!(stream.on_request_headers(filter, host).errors.is_empty());
    assert!(stream
        .on_response_headers(filter, host, end_of_stream)
        .errors
        .is_empty());
    stream
}

#[test]
fn security_headers_replace_what_the_upstream_sent() {
    let filter = filter(1000, true);
    let host = exchange("GET", "/accounts/a1", &json_ok("20"));
    through_heads(&filter, &host, false);
    assert_eq!(response_header(&host, "server"), None);
    assert_eq!(response_header(&host, "x-powered-by"), None);
    assert_eq!(
        response_header(&host, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        response_header(&host, "cache-control").as_deref(),
        Some("no-store")
    );
}

#[test]
fn security_headers_can_be_switched_off() {
    let filter = filter(1000, false);
    let host = exchange("GET", "/accounts/a1", &json_ok("20"));
    through_heads(&filter, &host, false);
    assert_eq!(
        response_header(&host, "server").as_deref(),
        Some("gunicorn/1.0")
    );
    assert_eq!(response_header(&host, "x-content-type-options"), None);
}

#[test]
fn declared_json_response_is_buffered_and_rewritten() {
    let filter = filter(1000, true);
    let host = exchange("GET", "/accounts/a1", &json_ok("90"));
    let mut stream = through_heads(&filter, &host, false);
    assert_eq!(
        host.request_header("accept-encoding"),
        None,
        "upstream must not compress"
    );
    assert_eq!(
        response_header(&host, "content-length"),
        None,
        "Envoy chunks the rewrite"
    );
    assert!(matches!(stream.mode, Some(BodyMode::Filter(_))));

    let (step, _) = stream.body_step(&filter, &host, 40, false);
    assert_eq!(step, Step::Wait);
    let (step, _) = stream.body_step(&filter, &host, 90, true);
    assert_eq!(step, Step::Finish);
    let body = json!({"id": "a1", "owner": "ann", "balance": 1, "currency": "EUR",
                      "internal_id": 7, "password_hash": "x"});
    let (body, report) = stream.finish(&filter, &host, body.to_string().as_bytes());
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        body,
        json!({"id": "a1", "owner": "ann", "balance": 1, "currency": "EUR"})
    );
    assert_eq!((report.rewritten, report.fields_removed), (true, 2));
    assert_eq!(
        Decision::load(&host, "output"),
        Some(Decision::allow("filtered"))
    );
}

#[test]
fn responses_that_need_no_rewrite_pass_with_their_length() {
    // (method, target, status, end of stream, reason)
    let table = [
        ("GET", "/accounts/a1", "200", true, "no-body"),
        ("HEAD", "/accounts/a1", "200", true, "no-body"),
        ("GET", "/accounts/a1", "304", true, "no-body"),
        ("GET", "/accounts/a1", "101", false, "informational"),
        ("GET", "/nowhere", "200", false, "no-operation"),
        ("GET", "/accounts/..%2f", "500", false, "no-operation"),
    ];
    for (method, target, status, end, reason) in table {
        let filter = filter(1000, true);
        let host = exchange(
            method,
            target,
            &[
                (":status", status),
                ("content-type", "application/json"),
                ("content-length", "12"),
            ],
        );
        let mut stream = through_heads(&filter, &host, end);
        assert_eq!(
            stream.mode,
            Some(BodyMode::Pass(reason)),
            "{method} {target} {status}"
        );
        assert_eq!(
            response_header(&host, "content-length").as_deref(),
            Some("12")
        );
        assert_eq!(stream.body_step(&filter, &host, 12, true).0, Step::Pass);
        assert_eq!(
            Decision::load(&host, "output"),
            Some(Decision::allow(reason))
        );
    }
}

#[test]
fn operation_without_response_schemas_keeps_accept_encoding() {
    // The demo's closeAccount declares a 404 body; without it, no answer needs filtering.
    let mut document = demo_document();
    document["paths"]["/accounts/{accountId}"]["delete"]["responses"]
        .as_object_mut()
        .map(|responses| responses.remove("404"));
    let filter = Filter::compile(Config {
        openapi: document,
        max_body_bytes: 1000,
        security_headers: true,
        pass_undeclared_responses: Vec::new(),
    })
    .unwrap();
    let host = exchange("DELETE", "/accounts/a1", &[(":status", "204")]);
    through_heads(&filter, &host, true);
    assert_eq!(
        host.request_header("accept-encoding").as_deref(),
        Some("gzip")
    );
}

#[test]
fn unfilterable_head_becomes_a_502_problem() {
    let table = [
        (
            vec![("content-encoding", "gzip"), ("content-length", "10")],
            BodyError::Encoded,
        ),
        (vec![("content-length", "1001")], BodyError::TooLarge),
    ];
    for (extra, error) in table {
        let filter = filter(1000, true);
        let mut headers = vec![(":status", "200"), ("content-type", "application/json")];
        headers.extend(extra);
        let host = exchange("GET", "/accounts/a1", &headers);
        let mut stream = through_heads(&filter, &host, false);
        assert_eq!(response_header(&host, ":status").as_deref(), Some("502"));
        assert_eq!(
            response_header(&host, "content-type").as_deref(),
            Some("application/problem+json")
        );
        assert_eq!(response_header(&host, "content-encoding"), None);
        assert_eq!(response_header(&host, "content-length"), None);
        assert_eq!(stream.body_step(&filter, &host, 500, false).0, Step::Drain);
        assert_eq!(
            stream.body_step(&filter, &host, 10, true).0,
            Step::WriteProblem
        );
        assert_eq!(
            Decision::load(&host, "output"),
            Some(Decision::deny(error.reason(), 502))
        );
    }
}

#[test]
fn body_outgrowing_the_limit_is_withheld_and_refused_once() {
    let filter = filter(100, true);
    let host = exchange(
        "GET",
        "/accounts",
        &[(":status", "200"), ("content-type", "application/json")],
    );
    let mut stream = through_heads(&filter, &host, false);
    assert_eq!(stream.body_step(&filter, &host, 60, false).0, Step::Wait);
    let (step, report) = stream.body_step(&filter, &host, 120, false);
    assert_eq!(
        (step, report.replaced),
        (
            Step::Drain,
            Some(Refusal::Unfilterable(BodyError::TooLarge))
        )
    );
    let (step, report) = stream.body_step(&filter, &host, 50, true);
    assert_eq!((step, report.replaced), (Step::WriteProblem, None));
    let decision = Decision::load(&host, "output").unwrap();
    assert_eq!(
        (decision.outcome, decision.status),
        (Outcome::Deny, Some(502))
    );
}

#[test]
fn body_that_is_not_json_is_replaced_by_a_problem_document() {
    let filter = filter(1000, true);
    let host = exchange("GET", "/accounts/a1", &json_ok("8"));
    let mut stream = through_heads(&filter, &host, false);
    assert_eq!(stream.body_step(&filter, &host, 8, true).0, Step::Finish);
    let (body, report) = stream.finish(&filter, &host, b"<html>!!");
    assert_eq!(
        report.replaced,
        Some(Refusal::Unfilterable(BodyError::NotJson))
    );
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        problem["type"],
        format!("urn:palisade:problem:{UNFILTERABLE}")
    );
    assert_eq!(problem["status"], 502);
    assert_eq!(problem["request_id"], "req-1");
    assert!(!String::from_utf8_lossy(&body).contains("html"));
    assert!(stream.is_holding_body());
    stream.body_written();
    assert!(!stream.is_holding_body());
}

#[test]
fn operation_matched_by_authz_is_preferred_to_its_own_lookup() {
    let filter = filter(1000, true);
    // Authz may be configured to accept the trailing slash that this filter's lookup refuses.
    let host = exchange("GET", "/accounts/a1/", &json_ok("20"));
    let matched = MatchedOperation {
        method: "GET".into(),
        template: "/accounts/{accountId}".into(),
        operation_id: Some("getAccount".into()),
    };
    matched.store(&host).unwrap();
    let stream = through_heads(&filter, &host, false);
    assert!(
        matches!(stream.mode, Some(BodyMode::Filter(_))),
        "{:?}",
        stream.mode
    );
}
