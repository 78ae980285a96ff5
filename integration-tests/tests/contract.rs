//! Contract fuzzing: schemathesis (`.venv/bin/schemathesis`, pinned and installed by
//! `make setup`) generates requests from `schemas/demo-api.openapi.json` and sends them through
//! Envoy with all five filters. Requests the document allows must never be refused by Palisade;
//! requests it forbids must be refused with a client error and must never reach the demo API.
//! No filter may answer 5xx.
//!
//! The checks Palisade needs beyond schemathesis's own live in `scripts/contract/`. A run is
//! reproducible by its seed; `PALISADE_FUZZ_SEED` and `PALISADE_FUZZ_EXAMPLES` (per operation)
//! override the defaults for a longer hunt.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use palisade_integration_tests::process::Process;
use palisade_integration_tests::{idp, paths, Filter, RecordedRequest, Stack};
use serde_json::{json, Value};

const DOCUMENT: &str = "schemas/demo-api.openapi.json";
const DEFAULT_SEED: u64 = 1;
/// schemathesis runs beyond this are killed and fail the test.
const RUN_LIMIT: Duration = Duration::from_secs(300);
/// The demo API keeps only this many recorded requests (`demo-api/src/recorder.rs`).
const RECORDER_CAPACITY: usize = 1000;
/// Below the authn filter's default `max_lifetime_seconds` (900), above any fuzzing run.
const TOKEN_LIFETIME_SECONDS: u64 = 600;

fn repo_file(relative: &str) -> PathBuf {
    paths::repo_root().join(relative)
}

fn venv_tool(name: &str) -> PathBuf {
    let path = repo_file(".venv/bin").join(name);
    assert!(
        path.is_file(),
        "no {} : run `make setup` (it installs the pinned schemathesis into .venv)",
        path.display()
    );
    path
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).map_or(default, |value| {
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a number"))
    })
}

/// The whole chain, with the demo's rate limits and concurrency cap off: fuzzing is volume.
fn fuzzing_stack() -> Stack {
    let unlimited = json!({"rate_limits": null, "max_concurrent_per_principal": null});
    let stack = Stack::builder()
        .patch(Filter::Authz, unlimited)
        .start()
        .unwrap();
    stack.wait_for_authn("admin-client").unwrap();
    stack
}

/// Every OAuth scope any security scheme of the document defines.
fn every_scope(document: &Value) -> Vec<String> {
    let schemes = document["components"]["securitySchemes"].as_object();
    let flows = schemes
        .into_iter()
        .flat_map(|schemes| schemes.values())
        .filter_map(|scheme| scheme["flows"].as_object())
        .flat_map(|flows| flows.values());
    let mut scopes: Vec<String> = flows
        .filter_map(|flow| flow["scopes"].as_object())
        .flat_map(|scopes| scopes.keys().cloned())
        .collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

/// A short-lived token from the demo IdP that carries every scope of the document.
fn all_scopes_token(stack: &Stack) -> String {
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(repo_file(DOCUMENT)).unwrap()).unwrap();
    let mut claims = idp::standard_claims(stack.ports().idp, "admin-client");
    claims["scope"] = json!(every_scope(&document).join(" "));
    claims["exp"] = json!(claims["iat"].as_u64().unwrap() + TOKEN_LIFETIME_SECONDS);
    let token = stack.sign_token(&json!({ "claims": claims })).unwrap();
    let answer = stack.get("/accounts", Some(&token)).unwrap();
    assert_eq!(
        answer.status,
        200,
        "the fuzzing token is refused: {}",
        answer.text()
    );
    token
}

/// Runs schemathesis in `mode` with `checks` (plus `extra` arguments) against the stack's
/// Envoy; panics with its whole report unless it finds nothing.
fn schemathesis(stack: &Stack, token: &str, mode: &str, checks: &str, extra: &[&str]) {
    let seed = setting("PALISADE_FUZZ_SEED", DEFAULT_SEED).to_string();
    let mut command = Command::new(venv_tool("schemathesis"));
    command
        .current_dir(stack.run_dir())
        .env(
            "SCHEMATHESIS_HOOKS",
            repo_file("scripts/contract/palisade_checks.py"),
        )
        .arg("--config-file")
        .arg(repo_file("scripts/contract/schemathesis.toml"))
        .arg("run")
        .arg(repo_file(DOCUMENT))
        .args([
            "--url",
            &format!("http://127.0.0.1:{}", stack.ports().envoy),
        ])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--mode", mode, "--checks", checks, "--seed", &seed])
        .args(["--workers", "2", "--request-timeout", "10", "--no-color"])
        .args(["--generation-database", "none"])
        // Hypothesis's health checks judge the generator's speed, not the API: on a busy
        // machine they would fail the run for nothing.
        .args(["--suppress-health-check", "all"])
        .args(extra);
    let log = stack.run_dir().join(format!("schemathesis-{mode}.log"));
    let mut run = Process::spawn("schemathesis", command, &log).unwrap();
    let status = run.wait_exit(RUN_LIMIT);
    let report = run.log();
    match status {
        Some(status) if status.success() => {}
        Some(status) => {
            panic!("schemathesis ({mode}, seed {seed}) found failures, {status}:\n{report}")
        }
        None => panic!("schemathesis ({mode}) ran over {RUN_LIMIT:?}:\n{report}"),
    }
}

fn examples(default: u64) -> String {
    setting("PALISADE_FUZZ_EXAMPLES", default).to_string()
}

fn as_json(request: &RecordedRequest) -> Value {
    let headers: Vec<Value> = request
        .headers
        .iter()
        .map(|(name, value)| json!([name, value]))
        .collect();
    json!({
        "method": request.method,
        "path": request.path,
        "headers": headers,
        "body": request.body,
    })
}

/// Checks what reached the demo API against the document, independently of Palisade's own
/// validator (`scripts/contract/upstream_conformance.py`); panics listing every breach.
fn assert_upstream_saw_only_conforming_requests(stack: &Stack) {
    let recorded = stack.recorded().unwrap();
    assert!(
        recorded.len() < RECORDER_CAPACITY,
        "the demo API recorded {} requests, its limit: some may be lost; run fewer examples",
        recorded.len()
    );
    let file = stack.run_dir().join("upstream-requests.json");
    let list: Vec<Value> = recorded.iter().map(as_json).collect();
    std::fs::write(&file, Value::Array(list).to_string()).unwrap();
    let output = Command::new(venv_tool("python"))
        .arg(repo_file("scripts/contract/upstream_conformance.py"))
        .arg(repo_file(DOCUMENT))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "requests the document forbids reached the demo API ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn requests_the_document_allows_are_never_refused_by_palisade() {
    let stack = fuzzing_stack();
    let token = all_scopes_token(&stack);
    let checks = "not_a_server_error,palisade_never_fails_itself,palisade_accepts_valid_data";
    // The strict JSON guard refuses NUL characters in strings by design (README, validate),
    // although the document's `memo` allows them; so valid data here is generated without.
    let extra = [
        "--max-examples",
        &examples(100),
        "--generation-allow-x00",
        "false",
    ];
    schemathesis(&stack, &token, "positive", checks, &extra);
}

#[test]
fn requests_the_document_forbids_are_refused_and_never_reach_the_api() {
    let stack = fuzzing_stack();
    let token = all_scopes_token(&stack);
    stack.clear_recorded().unwrap();
    let checks = "not_a_server_error,palisade_never_fails_itself,negative_data_rejection";
    // No stateful phase: in negative mode its steps are mostly valid calls that only fill
    // the demo API's bounded record.
    let extra = [
        "--max-examples",
        &examples(400),
        "--phases",
        "examples,coverage,fuzzing",
        "--continue-on-failure",
    ];
    let fuzzed = std::panic::catch_unwind(AssertUnwindSafe(|| {
        schemathesis(&stack, &token, "negative", checks, &extra)
    }));
    assert_upstream_saw_only_conforming_requests(&stack);
    if let Err(failure) = fuzzed {
        std::panic::resume_unwind(failure);
    }
}
