//! The flow around the body: header-stage refusals, missing and unexpected bodies, unknown
//! operations, streaming limits, held headers, trailers and host failures.

use super::drive::{demo, post_transfer, send, GOOD};
use super::settings_with;
use crate::stream::{Step, Stream};
use palisade_shared::decision::{Decision, Outcome};
use palisade_shared::host::FakeHost;
use serde_json::json;
use std::rc::Rc;

#[test]
fn header_stage_refusals() {
    let settings = demo();
    let post = |extra: &[(&'static str, &'static str)]| {
        let mut headers = vec![
            (":method", "POST"),
            (":path", "/transfers"),
            ("content-type", "application/json"),
        ];
        headers.extend_from_slice(extra);
        send(&settings, &headers, &[GOOD.as_bytes()])
    };
    type Case<'a> = (&'a [(&'a str, &'a str)], u32, &'a str);
    let cases: [Case; 4] = [
        (&[("content-length", "70000")], 413, "body-too-large"),
        (
            &[("content-length", "12abc")],
            400,
            "invalid-content-length",
        ),
        (&[("content-length", "+54")], 400, "invalid-content-length"),
        (
            &[("content-encoding", "gzip")],
            415,
            "unsupported-content-encoding",
        ),
    ];
    for (extra, status, kind) in cases {
        let seen = post(extra);
        assert_eq!(
            (seen.status(), seen.steps.as_slice()),
            (Some(status), &[Step::Stop][..]),
            "{kind}"
        );
        assert_eq!(seen.decision(), Decision::deny(kind, status));
    }
    assert_eq!(post(&[("content-encoding", "identity")]).status(), None);
}

#[test]
fn missing_bodies() {
    let settings = demo();
    let headers = [
        (":method", "POST"),
        (":path", "/transfers"),
        ("content-type", "application/json"),
    ];
    let seen = send(&settings, &headers, &[]);
    assert_eq!(seen.decision(), Decision::deny("missing-body", 400));
    let seen = send(
        &settings,
        &[
            (":method", "POST"),
            (":path", "/transfers"),
            ("content-length", "0"),
        ],
        &[],
    );
    assert_eq!(seen.status(), Some(400));
    // HTTP/2 may end the stream with an empty DATA frame.
    let seen = send(&settings, &headers, &[b""]);
    assert_eq!(seen.decision(), Decision::deny("missing-body", 400));
}

#[test]
fn operations_without_a_request_body_take_none() {
    let settings = demo();
    let get = |extra: &[(&'static str, &'static str)], chunks: &[&[u8]]| {
        let mut headers = vec![(":method", "GET"), (":path", "/accounts")];
        headers.extend_from_slice(extra);
        send(&settings, &headers, chunks)
    };
    assert_eq!(get(&[], &[]).decision(), Decision::allow("no_body"));
    assert_eq!(
        get(&[("content-length", "2")], &[b"{}"]).decision(),
        Decision::deny("unexpected-body", 400)
    );
    assert_eq!(
        get(&[("transfer-encoding", "chunked")], &[b"{}"]).status(),
        Some(400)
    );
    let late = get(&[], &[b"{}"]);
    assert_eq!(
        (late.status(), late.steps.as_slice()),
        (Some(400), &[Step::Continue, Step::Stop][..])
    );
    assert_eq!(get(&[], &[b""]).decision(), Decision::allow("no_body"));
}

#[test]
fn unknown_operations_are_refused_by_default_and_bad_paths_too() {
    let settings = demo();
    for (method, path) in [
        ("GET", "/nowhere"),
        ("PUT", "/transfers"),
        ("GET", "/accounts/a1/extra"),
    ] {
        let seen = send(
            &settings,
            &[
                (":method", method),
                (":path", path),
                ("content-length", "5"),
            ],
            &[b"hello"],
        );
        assert_eq!(
            seen.decision(),
            Decision::deny("not-found", 404),
            "{method} {path}"
        );
        assert_eq!(seen.steps, [Step::Stop]);
    }
    let seen = send(
        &settings,
        &[(":method", "POST"), (":path", "/transfers/%2e%2e/x")],
        &[],
    );
    assert_eq!(seen.status(), Some(400));
    assert_eq!(seen.problem()["type"], "urn:palisade:problem:invalid-path");
}

#[test]
fn chunked_body_is_refused_as_soon_as_it_crosses_the_limit() {
    let settings = demo();
    let chunk = vec![b' '; 40_000];
    let headers = [
        (":method", "POST"),
        (":path", "/transfers"),
        ("content-type", "application/json"),
        ("transfer-encoding", "chunked"),
    ];
    let seen = send(&settings, &headers, &[&chunk, &chunk, &chunk]);
    assert_eq!(
        seen.steps,
        [Step::Continue, Step::Stop, Step::Stop],
        "refused at the second chunk"
    );
    assert_eq!(seen.decision(), Decision::deny("body-too-large", 413));
    assert_eq!(seen.problem()["detail"], "the limit is 65536 bytes");
}

#[test]
fn holding_headers_pauses_them_until_the_body_is_judged() {
    let settings = Rc::new(settings_with(json!({"hold_request_headers": true})));
    let seen = post_transfer(&settings, Some("application/json"), GOOD.as_bytes());
    assert_eq!(seen.steps, [Step::Stop, Step::Continue]);
    let seen = send(
        &settings,
        &[(":method", "GET"), (":path", "/accounts")],
        &[b"", b""],
    );
    assert_eq!(seen.steps, [Step::Stop, Step::Stop, Step::Continue]);
}

#[test]
fn trailers_end_the_body() {
    let settings = demo();
    let host = FakeHost::with_request_headers(&[
        (":method", "POST"),
        (":path", "/transfers"),
        ("content-type", "application/json"),
    ]);
    let mut stream = Stream::new(Some(settings));
    stream.on_request_headers(&host, false);
    let body = b"{\"from\":\"a\"}".to_vec();
    let read = |n: usize| Some(body[..n.min(body.len())].to_vec());
    assert_eq!(
        stream.on_request_body(&host, body.len(), false, &read).step,
        Step::Stop
    );
    let reaction = stream.on_request_trailers(&host, &read);
    assert_eq!(reaction.step, Step::Stop);
    assert_eq!(
        host.sent().unwrap().json()["violations"][0]["pointer"],
        "/to"
    );
}

#[test]
fn refusals_carry_the_request_id_read_with_the_headers() {
    let settings = demo();
    let headers = [
        (":method", "POST"),
        (":path", "/transfers"),
        ("content-type", "application/json"),
        ("x-request-id", "req-7"),
    ];
    let seen = send(&settings, &headers, &[b"{}"]);
    assert_eq!(seen.problem()["request_id"], "req-7");
    assert_eq!(
        seen.sent().unwrap().header("content-type"),
        Some("application/problem+json")
    );
}

#[test]
fn host_failures_and_missing_settings_refuse() {
    let host = FakeHost::with_request_headers(&[(":method", "GET"), (":path", "/accounts")]);
    let reaction = Stream::new(None).on_request_headers(&host, true);
    assert_eq!(reaction.step, Step::Stop);
    assert_eq!(host.sent().unwrap().status, 500);
    let mut stream = Stream::new(Some(demo()));
    let host = FakeHost::with_request_headers(&[
        (":method", "POST"),
        (":path", "/transfers"),
        ("content-type", "application/json"),
    ]);
    stream.on_request_headers(&host, false);
    let reaction = stream.on_request_body(&host, 10, true, &|_| None);
    assert_eq!(
        Decision::load(&host, "validate").map(|d| d.outcome),
        Some(Outcome::Deny)
    );
    assert_eq!(
        (reaction.step, host.sent().unwrap().status),
        (Step::Stop, 500)
    );
}

#[test]
fn the_operation_authz_matched_is_the_one_validated() {
    let settings = demo();
    let headers = [
        (":method", "POST"),
        (":path", "/transfers/"),
        ("content-type", "application/json"),
    ];
    let matched = br#"{"method":"POST","template":"/transfers","operation_id":"createTransfer"}"#;
    // Authz read the trailing slash away (its `path` option); validate must not pass the body.
    let host =
        FakeHost::with_request_headers(&headers).with_property(&["palisade.operation"], matched);
    let mut stream = Stream::new(Some(settings.clone()));
    stream.on_request_headers(&host, false);
    let read = |_: usize| Some(b"{}".to_vec());
    stream.on_request_body(&host, 2, true, &read);
    assert_eq!(host.sent().map(|s| s.status), Some(400));

    // Without authz's match, validate's own (strict) lookup does not know the path: refused.
    let seen = send(&settings, &headers, &[b"{}"]);
    assert_eq!(seen.decision(), Decision::deny("not-found", 404));
    // An operation this inventory lacks falls back to the own lookup too.
    let host = FakeHost::with_request_headers(&headers).with_property(
        &["palisade.operation"],
        br#"{"method":"POST","template":"/elsewhere"}"#,
    );
    let reaction = Stream::new(Some(settings)).on_request_headers(&host, false);
    assert_eq!(
        reaction.settled.map(|s| s.verdict),
        Some(crate::flow::Verdict::Refuse(
            crate::refusal::Refusal::UnknownOperation
        ))
    );
}

#[test]
fn path_options_match_those_of_authz() {
    let settings = Rc::new(settings_with(json!({"path": {"trailing_slash": "ignore"}})));
    let headers = [
        (":method", "POST"),
        (":path", "/transfers/"),
        ("content-type", "application/json"),
    ];
    assert_eq!(send(&settings, &headers, &[b"{}"]).status(), Some(400));
}
