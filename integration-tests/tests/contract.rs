//! Contract fuzzing: schemathesis (`.venv/bin/schemathesis`, pinned and installed by
//! `make setup`) generates requests from `schemas/demo-api.openapi.json` and sends them through
//! Envoy with all five filters. Requests the document allows must never be refused by Palisade;
//! requests it forbids must be refused with a client error and must never reach the demo API.
//! No filter may answer 5xx.
//!
//! The checks Palisade needs beyond schemathesis's own live in `scripts/contract/`. A run is
//! reproducible by its seed; `PALISADE_FUZZ_SEED` and `PALISADE_FUZZ_EXAMPLES` (per operation)
//! override the defaults for a longer hunt. On failure the reports stay in the run folder.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use palisade_integration_tests::process::Process;
use palisade_integration_tests::{idp, paths, Filter, RecordedRequest, Stack};
use serde_json::{json, Value};

const DOCUMENT: &str = "schemas/demo-api.openapi.json";
/// With the pinned schemathesis and hypothesis, this seed's negative run of `createTransfer`
/// sends an `amount` one float step above the document's `maximum`.
const DEFAULT_SEED: u64 = 12;
/// A schemathesis run beyond this is killed and fails the test.
const RUN_LIMIT: Duration = Duration::from_secs(300);
/// The demo API keeps only this many recorded requests (`demo-api/src/recorder.rs`).
const RECORDER_CAPACITY: usize = 1000;
/// Below the authn filter's default `max_lifetime_seconds` (900); a fresh token per run.
const TOKEN_LIFETIME_SECONDS: u64 = 600;
/// Report lines longer than this (generated bodies) are cut in the test's output.
const LINE_LIMIT: usize = 2000;

fn repo_file(relative: &str) -> PathBuf {
    paths::repo_root().join(relative)
}

fn venv_tool(name: &str) -> PathBuf {
    let path = repo_file(".venv/bin").join(name);
    assert!(
        path.is_file(),
        "no {}: run `make setup` (it installs the pinned schemathesis into .venv)",
        path.display()
    );
    path
}

fn setting(name: &str, default: u64) -> String {
    let value = std::env::var(name).map_or(default, |value| {
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a number"))
    });
    value.to_string()
}

fn document() -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo_file(DOCUMENT)).unwrap()).unwrap()
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

/// Every operation's `operationId`, in document order.
fn operation_ids(document: &Value) -> Vec<String> {
    let paths = document["paths"].as_object().unwrap();
    let operations = paths
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter(|operation| operation.get("responses").is_some());
    let ids = operations.map(|operation| operation["operationId"].as_str().map(str::to_string));
    ids.collect::<Option<Vec<_>>>()
        .expect("every operation of the document has an operationId")
}

/// A short-lived token from the demo IdP that carries every scope of the document.
fn all_scopes_token(stack: &Stack) -> String {
    let mut claims = idp::standard_claims(stack.ports().idp, "admin-client");
    claims["scope"] = json!(every_scope(&document()).join(" "));
    claims["exp"] = json!(claims["iat"].as_u64().unwrap() + TOKEN_LIFETIME_SECONDS);
    let token = stack.sign_token(&json!({ "claims": claims })).unwrap();
    let answer = stack.get("/accounts", Some(&token)).unwrap();
    let refused = answer.text();
    assert_eq!(
        answer.status, 200,
        "the fuzzing token is refused: {refused}"
    );
    token
}

/// One schemathesis run against the stack's Envoy: its summary, or its report as the failure.
fn schemathesis(stack: &Stack, label: &str, mode: &str, args: &[&str]) -> Result<String, String> {
    let seed = setting("PALISADE_FUZZ_SEED", DEFAULT_SEED);
    let token = all_scopes_token(stack);
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
        .args(["--mode", mode, "--seed", &seed, "--no-color"])
        .args(["--workers", "2", "--request-timeout", "10"])
        .args(["--generation-database", "none"])
        // Hypothesis's health checks judge the generator's speed, not the API: on a busy
        // machine they would fail the run for nothing.
        .args(["--suppress-health-check", "all"])
        .args(args);
    let log = stack.run_dir().join(format!("schemathesis-{label}.log"));
    let mut run = Process::spawn("schemathesis", command, &log).unwrap();
    let status = run.wait_exit(RUN_LIMIT);
    let report = clip(&run.log());
    match status {
        Some(status) if status.success() => Ok(format!("{label}: {}", summary(&report))),
        Some(status) => Err(format!(
            "schemathesis {label} (seed {seed}), {status}:\n{report}"
        )),
        None => Err(format!(
            "schemathesis {label} ran over {RUN_LIMIT:?}:\n{report}"
        )),
    }
}

/// The report with its overlong lines (generated bodies) cut.
fn clip(report: &str) -> String {
    let clip_line = |line: &str| match line.char_indices().nth(LINE_LIMIT) {
        Some((end, _)) => format!("{} [cut; full report in the run folder]", &line[..end]),
        None => line.to_string(),
    };
    report.lines().map(clip_line).collect::<Vec<_>>().join("\n")
}

/// The report's count of test cases and its seed.
fn summary(report: &str) -> String {
    let lines = report.lines().map(str::trim);
    let wanted = |line: &&str| line.contains(" generated") || line.starts_with("Seed:");
    lines.filter(wanted).collect::<Vec<_>>().join(", ")
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

/// Checks what reached the demo API since it was last cleared against the document,
/// independently of Palisade's validator (`scripts/contract/upstream_conformance.py`).
fn upstream_breaches(stack: &Stack, label: &str) -> Result<String, String> {
    let recorded = stack.recorded().unwrap();
    if recorded.len() >= RECORDER_CAPACITY {
        return Err(format!(
            "{label}: the demo API recorded {} requests, its limit; some may be lost",
            recorded.len()
        ));
    }
    let file = stack.run_dir().join(format!("upstream-{label}.json"));
    let list: Vec<Value> = recorded.iter().map(as_json).collect();
    std::fs::write(&file, Value::Array(list).to_string()).unwrap();
    let output = Command::new(venv_tool("python"))
        .arg(repo_file("scripts/contract/upstream_conformance.py"))
        .arg(repo_file(DOCUMENT))
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    match output.status.success() {
        true => Ok(format!("{label}: {}", text.trim())),
        false => Err(format!(
            "{label}: forbidden requests reached the demo API:\n{text}"
        )),
    }
}

/// Panics with every failure, or prints what was run.
fn assert_all_passed(results: Vec<Result<String, String>>) {
    let (passed, failed): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    passed
        .into_iter()
        .flatten()
        .for_each(|line| println!("{line}"));
    let failures: Vec<String> = failed.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn requests_the_document_allows_are_never_refused_by_palisade() {
    let stack = fuzzing_stack();
    let checks = "not_a_server_error,palisade_never_fails_itself,palisade_accepts_valid_data";
    let examples = setting("PALISADE_FUZZ_EXAMPLES", 100);
    // The strict JSON guard refuses NUL characters in strings by design (README, validate),
    // although the document's strings allow them; so valid data is generated without.
    let args = ["--checks", checks, "--max-examples", &examples];
    let args = [&args[..], &["--generation-allow-x00", "false"]].concat();
    assert_all_passed(vec![schemathesis(&stack, "positive", "positive", &args)]);
}

#[test]
fn requests_the_document_forbids_are_refused_and_never_reach_the_api() {
    let stack = fuzzing_stack();
    let checks = "not_a_server_error,palisade_never_fails_itself,negative_data_rejection";
    let examples = setting("PALISADE_FUZZ_EXAMPLES", 600);
    let mut results = Vec::new();
    // One operation at a time, so that the demo API's bounded record holds all it let through.
    // No stateful phase: in negative mode its steps are mostly valid calls.
    for id in operation_ids(&document()) {
        stack.clear_recorded().unwrap();
        let args = ["--checks", checks, "--max-examples", &examples];
        let only = ["--include-operation-id", &id, "--continue-on-failure"];
        let phases = ["--phases", "examples,coverage,fuzzing"];
        let args = [&args[..], &only, &phases].concat();
        let label = format!("negative-{id}");
        results.push(schemathesis(&stack, &label, "negative", &args));
        results.push(upstream_breaches(&stack, &label));
    }
    assert_all_passed(results);
}
