//! Assertions the integration tests share: problem answers and configuration refusals.
//!
//! They panic with the answer or log in the message, as test assertions do.
#![allow(clippy::panic)]

use crate::{Filter, Response, Stack};
use serde_json::Value;

/// Asserts an RFC 9457 answer of `status` whose `type` is Palisade's problem `kind`; returns
/// the body for further checks.
pub fn assert_problem(response: &Response, status: u16, kind: &str) -> Value {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json"),
        "{}",
        response.text()
    );
    let body = response.json().unwrap_or_default();
    assert_eq!(
        body.get("type").and_then(Value::as_str),
        Some(format!("urn:palisade:problem:{kind}").as_str()),
        "{body}"
    );
    body
}

/// Starts Envoy with `filter` alone, configured with the demo config and `patch`, and asserts
/// that it refuses to start (exit 1) with one log line naming `field`.
pub fn assert_config_refused(filter: Filter, patch: Value, field: &str) {
    let refusal = Stack::builder()
        .filters(&[filter])
        .patch(filter, patch)
        .start_expecting_refusal()
        .unwrap_or_else(|e| panic!("envoy did not refuse: {e}"));
    assert_eq!(refusal.exit_code, Some(1), "{}", refusal.log);
    let needle = format!("palisade.{}: invalid configuration", filter.name());
    let lines: Vec<&str> = refusal
        .log
        .lines()
        .filter(|l| l.contains(&needle))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one refusal line in {}",
        refusal.log
    );
    let named = format!("`{field}`");
    assert!(
        lines.iter().any(|line| line.contains(&named)),
        "the refusal does not name {named}: {lines:?}"
    );
}

/// The demo template's text.
pub fn demo_template() -> String {
    std::fs::read_to_string(crate::paths::repo_root().join("envoy-configs/demo.template.yaml"))
        .unwrap_or_else(|e| panic!("demo template: {e}"))
}
