//! Fail closed on what the document does not describe: undeclared statuses and media types,
//! bodies without `content-type`, and the per-operation switch that relaxes it.

use super::demo_document;
use super::stream::{exchange, filter, response_header, through_heads};
use crate::config::{Config, Filter};
use crate::decide::BodyMode::{self, Filter as Prune, Pass, Replace, Sniff};
use crate::prune::BodyError;
use crate::refusal::Refusal::{self, Undeclared, Unfilterable, UpstreamError};
use crate::stream::{Step, Stream};
use palisade_shared::decision::Decision;
use palisade_shared::host::FakeHost;
use serde_json::{json, Value};

const ACCOUNT_WITH_SECRET: &str =
    r#"{"id":"a1","owner":"ann","balance":1,"currency":"EUR","password_hash":"s3cr3t"}"#;

fn head(status: &str, content_type: Option<&str>) -> Vec<(&'static str, String)> {
    let mut head = vec![
        (":status", status.to_string()),
        ("location", "/x".to_string()),
    ];
    if let Some(content_type) = content_type {
        head.push(("content-type", content_type.to_string()));
    }
    head
}

/// The stream after both head callbacks of `method target` answered with `head`.
fn answered(
    filter: &Filter,
    method: &str,
    target: &str,
    head: &[(&str, String)],
) -> (FakeHost, Stream) {
    let head: Vec<(&str, &str)> = head.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let host = exchange(method, target, &head);
    let stream = through_heads(filter, &host, false);
    (host, stream)
}

fn is_prune(mode: Option<BodyMode>) -> bool {
    matches!(mode, Some(Prune(_)))
}

#[test]
fn undescribed_bodies_are_refused_from_the_head_by_status_class() {
    // getAccount declares 200 application/json and 404 application/problem+json;
    // closeAccount declares 204 without content.
    let table: [(&str, &str, Option<&str>, Refusal); 10] = [
        ("GET", "200", Some("text/plain"), Undeclared),
        ("GET", "200", Some("text/html; charset=utf-8"), Undeclared),
        ("GET", "203", Some("application/json"), Undeclared),
        ("GET", "302", Some("text/html"), Undeclared),
        ("GET", "201", None, Undeclared),
        ("GET", "500", Some("application/json"), UpstreamError(500)),
        ("GET", "503", None, UpstreamError(503)),
        ("GET", "404", Some("text/html"), UpstreamError(404)),
        (
            "DELETE",
            "409",
            Some("application/problem+json"),
            UpstreamError(409),
        ),
        ("DELETE", "200", Some("application/json"), Undeclared),
    ];
    for (method, status, content_type, refusal) in table {
        let filter = filter(1000, true);
        let (host, stream) = answered(&filter, method, "/accounts/a1", &head(status, content_type));
        let case = format!("{method} {status} {content_type:?}");
        assert_eq!(stream.mode, Some(Replace(refusal)), "{case}");
        let expected_status = refusal.status().to_string();
        assert_eq!(
            response_header(&host, ":status"),
            Some(expected_status),
            "{case}"
        );
        assert_eq!(
            response_header(&host, "content-type").as_deref(),
            Some("application/problem+json"),
            "{case}"
        );
        assert_eq!(response_header(&host, "location"), None, "{case}");
        assert_eq!(
            Decision::load(&host, "output"),
            Some(refusal.decision()),
            "{case}"
        );
    }
}

#[test]
fn json_under_any_json_label_is_pruned_by_the_declared_schema() {
    let table = [
        ("200", "application/json"),
        ("200", "APPLICATION/JSON; charset=utf-8"),
        ("200", "text/json"),
        ("200", "application/vnd.bank.v2+json"),
        ("404", "application/problem+json"),
        ("404", "application/json"),
    ];
    for (status, content_type) in table {
        let filter = filter(1000, true);
        let (_, stream) = answered(
            &filter,
            "GET",
            "/accounts/a1",
            &head(status, Some(content_type)),
        );
        assert!(
            is_prune(stream.mode),
            "{status} {content_type}: {:?}",
            stream.mode
        );
    }
}

#[test]
fn sanitised_error_keeps_its_status_and_says_nothing_of_the_upstream() {
    let filter = filter(1000, true);
    let head = head("500", Some("text/html"));
    let (host, mut stream) = answered(&filter, "GET", "/accounts/a1", &head);
    assert_eq!(stream.body_step(&filter, &host, 40, false).0, Step::Drain);
    assert_eq!(
        stream.body_step(&filter, &host, 9, true).0,
        Step::WriteProblem
    );
    let problem: Value = serde_json::from_slice(&stream.problem_body()).unwrap();
    assert_eq!(
        problem,
        json!({"type": "urn:palisade:problem:upstream-error", "title": "Upstream error",
               "status": 500, "detail": "the upstream failed; its error details were withheld",
               "request_id": "req-1"})
    );
    assert_eq!(
        Decision::load(&host, "output"),
        Some(Decision::allow("error-sanitised"))
    );
}

/// The body of a response without `content-type`, sniffed at its end.
fn sniffed(body: &[u8]) -> (FakeHost, Vec<u8>, Option<Refusal>) {
    let filter = filter(1000, true);
    let (host, mut stream) = answered(&filter, "GET", "/accounts/a1", &head("200", None));
    assert_eq!(stream.mode, Some(Sniff(200)));
    assert_eq!(
        stream.body_step(&filter, &host, body.len(), true).0,
        Step::Finish
    );
    let (written, report) = stream.finish(&filter, &host, body);
    (host, written, report.replaced)
}

#[test]
fn unlabelled_json_is_pruned_and_anything_else_withheld() {
    let (host, written, replaced) = sniffed(ACCOUNT_WITH_SECRET.as_bytes());
    let written: Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(
        written,
        json!({"id": "a1", "owner": "ann", "balance": 1, "currency": "EUR"})
    );
    assert_eq!(
        (replaced, Decision::load(&host, "output")),
        (None, Some(Decision::allow("filtered")))
    );

    let (host, written, replaced) = sniffed(b"password_hash=s3cr3t");
    assert_eq!(replaced, Some(Undeclared));
    assert!(!String::from_utf8_lossy(&written).contains("s3cr3t"));
    assert_eq!(Decision::load(&host, "output"), Some(Undeclared.decision()));

    let (host, written, replaced) = sniffed(b"");
    assert_eq!((written.len(), replaced), (0, None));
    assert_eq!(
        Decision::load(&host, "output"),
        Some(Decision::allow("no-body"))
    );
}

#[test]
fn unlabelled_body_that_cannot_be_read_is_refused() {
    let filter = filter(100, true);
    let compressed = [
        (":status", "200".to_string()),
        ("content-encoding", "gzip".to_string()),
    ];
    let (_, stream) = answered(&filter, "GET", "/accounts/a1", &compressed);
    assert_eq!(stream.mode, Some(Replace(Unfilterable(BodyError::Encoded))));

    let (host, mut stream) = answered(&filter, "GET", "/accounts/a1", &head("200", None));
    let (step, report) = stream.body_step(&filter, &host, 101, false);
    assert_eq!(
        (step, report.replaced),
        (Step::Drain, Some(Unfilterable(BodyError::TooLarge)))
    );
}

#[test]
fn listed_operations_pass_undescribed_bodies_but_still_prune_declared_ones() {
    let relaxed = |names: &[&str]| {
        Filter::compile(Config {
            openapi: demo_document(),
            max_body_bytes: 1000,
            security_headers: true,
            pass_undeclared_responses: names.iter().map(|n| n.to_string()).collect(),
        })
        .unwrap()
    };
    // (listed operations, method, status, content type, expected mode)
    type Case<'a> = (&'a [&'a str], &'a str, &'a str, &'a str, Option<BodyMode>);
    let table: [Case; 5] = [
        (
            &["getAccount"],
            "GET",
            "500",
            "text/html",
            Some(Pass("undeclared-passed")),
        ),
        (
            &["getAccount"],
            "GET",
            "200",
            "text/plain",
            Some(Pass("undeclared-passed")),
        ),
        (
            &["GET /accounts/{accountId}"],
            "GET",
            "203",
            "application/json",
            Some(Pass("undeclared-passed")),
        ),
        (
            &["getAccount"],
            "DELETE",
            "500",
            "text/html",
            Some(Replace(UpstreamError(500))),
        ),
        (
            &["closeAccount"],
            "DELETE",
            "500",
            "text/html",
            Some(Pass("undeclared-passed")),
        ),
    ];
    for (names, method, status, content_type, expected) in table {
        let filter = relaxed(names);
        let (_, stream) = answered(
            &filter,
            method,
            "/accounts/a1",
            &head(status, Some(content_type)),
        );
        assert_eq!(
            stream.mode, expected,
            "{names:?} {method} {status} {content_type}"
        );
    }
    let filter = relaxed(&["getAccount"]);
    let (_, stream) = answered(
        &filter,
        "GET",
        "/accounts/a1",
        &head("200", Some("application/json")),
    );
    assert!(is_prune(stream.mode), "{:?}", stream.mode);
}
