//! WebSocket handshakes through the real Envoy (gRPC calls are in `validate_grpc.rs`).
//!
//! Envoy refuses every upgrade (403) unless the connection manager lists it in
//! `upgrade_configs`; the demo template does, and one test takes it out to show Envoy's own
//! refusal. Validate then checks the
//! handshake before the upgrade: path, origin, version, key and subprotocol. The demo API
//! answers no upgrade itself (404), so an accepted handshake shows as a request that reached it
//! with its `Upgrade` header.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::{paths, Filter, Request, Response, Stack};
use serde_json::json;

/// The demo template, which enables WebSocket upgrades on the connection manager.
fn template_with_websocket_upgrades() -> String {
    let template =
        std::fs::read_to_string(paths::repo_root().join("envoy-configs/demo.template.yaml"))
            .unwrap();
    assert!(
        template.contains(UPGRADES),
        "the demo template no longer enables WebSockets"
    );
    template
}

/// The connection manager's WebSocket lines in the demo template.
const UPGRADES: &str = "          upgrade_configs:\n          - upgrade_type: websocket\n";

/// The demo template without WebSocket upgrades.
fn template_without_websocket_upgrades() -> String {
    template_with_websocket_upgrades().replace(UPGRADES, "")
}

fn websocket_stack(template: Option<&str>) -> Stack {
    let endpoints = json!([{
        "path": "/live/{channel}",
        "origins": ["https://app.bank.example"],
        "subprotocols": ["bank.v1"]
    }]);
    let mut builder = Stack::builder()
        .filters(&[Filter::Validate])
        .patch(Filter::Validate, json!({ "websocket": endpoints }));
    if let Some(template) = template {
        builder = builder.template(template);
    }
    builder.start().unwrap()
}

/// Headers to replace (`Some`) or leave out (`None`); `:path` changes the target.
type Changes<'a> = &'a [(&'a str, Option<&'a str>)];

/// A browser's handshake to `/live/rates`, with headers replaced (`Some`) or left out (`None`).
fn handshake(changes: Changes) -> Request {
    let mut headers = vec![
        ("upgrade", "websocket"),
        ("connection", "Upgrade"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("origin", "https://app.bank.example"),
        ("sec-websocket-protocol", "bank.v1"),
    ];
    let mut target = "/live/rates";
    for (name, value) in changes {
        if *name == ":path" {
            target = value.unwrap();
            continue;
        }
        headers.retain(|(n, _)| n != name);
        if let Some(value) = value {
            headers.push((name, value));
        }
    }
    headers
        .into_iter()
        .fold(Request::get(target), |request, (name, value)| {
            request.header(name, value)
        })
}

fn assert_refused(response: &Response, status: u16, kind: &str) {
    assert_eq!(response.status, status, "{}", response.text());
    let problem = response.json().unwrap();
    assert_eq!(problem["type"], format!("urn:palisade:problem:{kind}"));
}

#[test]
fn websocket_handshakes_are_checked_before_the_upgrade() {
    let stack = websocket_stack(Some(&template_with_websocket_upgrades()));
    let cases: [(Changes, u16, &str); 7] = [
        (
            &[(":path", Some("/accounts"))],
            403,
            "websocket-upgrade-refused",
        ),
        (
            &[("origin", Some("https://evil.example"))],
            403,
            "websocket-origin-not-allowed",
        ),
        (&[("origin", None)], 403, "websocket-origin-not-allowed"),
        (
            &[("sec-websocket-version", Some("8"))],
            400,
            "invalid-websocket-handshake",
        ),
        (
            &[("sec-websocket-key", Some("c2hvcnQ="))],
            400,
            "invalid-websocket-handshake",
        ),
        (
            &[("sec-websocket-protocol", Some("bank.v1, debug"))],
            400,
            "websocket-subprotocol-not-allowed",
        ),
        (
            &[("sec-websocket-protocol", None)],
            400,
            "websocket-subprotocol-not-allowed",
        ),
    ];
    for (changes, status, kind) in cases {
        let response = stack.send(&handshake(changes)).unwrap();
        assert_refused(&response, status, kind);
        if kind == "invalid-websocket-handshake" && changes[0].0 == "sec-websocket-version" {
            assert_eq!(response.header("sec-websocket-version"), Some("13"));
        }
    }
    assert!(
        stack.recorded().unwrap().is_empty(),
        "a refused handshake reached the API"
    );

    let accepted = stack.send(&handshake(&[])).unwrap();
    assert_ne!(accepted.status, 403, "{}", accepted.text());
    let recorded = stack.recorded().unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].path, "/live/rates");
    assert_eq!(recorded[0].header("upgrade"), Some("websocket"));
    assert_eq!(
        recorded[0].header("origin"),
        Some("https://app.bank.example")
    );
    let denied = stack
        .counter("wasmcustom.palisade_validate_denied_websocket_total")
        .unwrap();
    assert_eq!(denied, Some(cases.len() as u64));
}

#[test]
fn without_upgrade_configs_envoy_refuses_upgrades_itself() {
    let stack = websocket_stack(Some(&template_without_websocket_upgrades()));
    let response = stack.send(&handshake(&[])).unwrap();
    assert_eq!(response.status, 403);
    assert!(response.body.is_empty(), "Envoy's own refusal, not ours");
    assert!(stack.recorded().unwrap().is_empty());
}
