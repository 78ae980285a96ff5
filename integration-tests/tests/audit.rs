//! The audit filter in the full chain: one record per request, written after every stage has
//! decided, naming the stage that refused, and never holding a credential or a query string.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::{paths, Filter, Request, Stack};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// How long the log must stay unchanged to count as settled.
const SETTLE: Duration = Duration::from_millis(250);

/// Every property a record carries, always (see schemas/audit-record.schema.json).
const RECORD_FIELDS: [&str; 14] = [
    "decisions",
    "denied_by",
    "latency_ms",
    "method",
    "operation_id",
    "outcome",
    "path",
    "principal",
    "request_id",
    "route_template",
    "source_address",
    "status",
    "time",
    "version",
];

/// A full-chain stack with authn ready, and how many records its start-up left in the log
/// (waiting for authn sends requests; their records are written just after their answers).
fn ready_stack() -> (Stack, usize) {
    ready_stack_from(Stack::builder())
}

fn ready_stack_from(builder: palisade_integration_tests::StackBuilder) -> (Stack, usize) {
    let stack = builder.start().unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    let mut before = stack.wait_for_audit_records(1).unwrap().len();
    for _ in 0..20 {
        std::thread::sleep(SETTLE);
        let now = stack.audit_records().len();
        if now == before {
            return (stack, before);
        }
        before = now;
    }
    panic!("audit records kept coming after start-up");
}

/// The records written for the requests made since `before` records were in the log.
fn new_records(stack: &Stack, before: usize, count: usize) -> Vec<Value> {
    let records = stack.wait_for_audit_records(before + count).unwrap();
    records[before..].to_vec()
}

fn find<'a>(records: &'a [Value], method: &str, path: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["method"] == method && r["path"] == path)
        .unwrap_or_else(|| panic!("no record of {method} {path} in {records:#?}"))
}

fn stage_outcome(record: &Value, stage: &str) -> Value {
    record["decisions"][stage]["outcome"].clone()
}

#[test]
fn allowed_request_is_recorded_once_with_principal_operation_and_every_decision() {
    let (stack, before) = ready_stack();
    let token = stack.token("demo-client").unwrap();

    let response = stack.get("/accounts/a1", Some(&token)).unwrap();
    assert_eq!(response.status, 200, "{}", response.text());

    let records = new_records(&stack, before, 1);
    // Give a second record time to show up if the filter wrote one too many.
    std::thread::sleep(SETTLE);
    assert_eq!(
        stack.audit_records().len(),
        before + 1,
        "one record per request"
    );
    let record = &records[0];
    let mut keys: Vec<&str> = record
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, RECORD_FIELDS);
    assert_eq!(record["version"], 1);
    assert_eq!(
        (record["method"].as_str(), record["path"].as_str()),
        (Some("GET"), Some("/accounts/a1"))
    );
    assert_eq!(record["route_template"], "/accounts/{accountId}");
    assert_eq!(record["operation_id"], "getAccount");
    assert_eq!(record["status"], 200);
    assert_eq!(record["principal"]["kind"], "jwt");
    assert_eq!(record["principal"]["client_id"], "demo-client");
    assert_eq!(record["principal"]["issuer"], stack.issuer());
    for stage in ["authn", "authz", "validate", "output"] {
        assert_eq!(stage_outcome(record, stage), "allow", "{stage}: {record}");
    }
    assert_eq!(record["decisions"]["output"]["reason"], "filtered");
    assert_eq!(
        (record["outcome"].as_str(), &record["denied_by"]),
        (Some("allowed"), &Value::Null)
    );
    assert!(record["source_address"]
        .as_str()
        .unwrap()
        .starts_with("127.0.0.1:"));
    assert!(record["latency_ms"].as_f64().unwrap() >= 0.0);
    assert!(record["request_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    assert!(record["time"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn refusals_by_authn_authz_and_validate_are_recorded_with_the_refusing_stage() {
    let (stack, before) = ready_stack();
    let reader = stack.token("reader-client").unwrap();
    let writer = stack.token("demo-client").unwrap();
    let bad_transfer = json!({"from": "a1", "to": "a2", "amount": -5, "currency": "EUR"});

    let by_authn = stack.get("/accounts/a2", Some("not.a.token")).unwrap();
    let by_authz = stack
        .send(
            &Request::new("POST", "/transfers")
                .bearer(&reader)
                .json(&bad_transfer),
        )
        .unwrap();
    let by_validate = stack
        .send(
            &Request::new("POST", "/transfers")
                .bearer(&writer)
                .json(&bad_transfer),
        )
        .unwrap();
    assert_eq!(
        (by_authn.status, by_authz.status, by_validate.status),
        (401, 403, 400)
    );

    let records = new_records(&stack, before, 3);
    let authn = find(&records, "GET", "/accounts/a2");
    assert_eq!(
        (authn["status"].as_u64(), authn["denied_by"].as_str()),
        (Some(401), Some("authn"))
    );
    assert_eq!(authn["outcome"], "denied");
    assert_eq!(authn["principal"], Value::Null);
    assert_eq!(stage_outcome(authn, "authn"), "deny");
    assert_eq!(authn["decisions"]["authz"], Value::Null, "authz never ran");
    assert_eq!(authn["request_id"], by_authn.json().unwrap()["request_id"]);

    let posts: Vec<&Value> = records
        .iter()
        .filter(|r| r["path"] == "/transfers")
        .collect();
    assert_eq!(posts.len(), 2);
    let authz = posts.iter().find(|r| r["status"] == 403).unwrap();
    assert_eq!(authz["denied_by"], "authz");
    assert_eq!(authz["principal"]["client_id"], "reader-client");
    assert_eq!(stage_outcome(authz, "authn"), "allow");
    assert_eq!(
        authz["decisions"]["validate"],
        Value::Null,
        "validate never ran"
    );
    assert_eq!(authz["request_id"], by_authz.json().unwrap()["request_id"]);

    let validate = posts.iter().find(|r| r["status"] == 400).unwrap();
    assert_eq!(validate["denied_by"], "validate");
    assert_eq!(validate["operation_id"], "createTransfer");
    assert_eq!(
        (
            stage_outcome(validate, "authn"),
            stage_outcome(validate, "authz")
        ),
        (json!("allow"), json!("allow"))
    );
    assert_eq!(stage_outcome(validate, "validate"), "deny");
    assert_eq!(
        validate["request_id"],
        by_validate.json().unwrap()["request_id"]
    );
    assert!(
        stack
            .recorded()
            .unwrap()
            .iter()
            .all(|r| r.path != "/transfers"),
        "no refused request reached the API"
    );
}

#[test]
fn records_hold_no_token_query_or_credential_header() {
    // The demo contract declares no query parameters; let validate pass this one so that the
    // request is allowed and its query reaches every filter (and must stay out of the log).
    let lenient = Stack::builder().patch(
        palisade_integration_tests::Filter::Validate,
        serde_json::json!({"unknown_query_parameters": "allow"}),
    );
    let (stack, before) = ready_stack_from(lenient);
    let token = stack.token("demo-client").unwrap();

    let request = Request::get("/accounts/a1?access_token=query-secret-123")
        .bearer(&token)
        .header("cookie", "session=cookie-secret-456");
    assert_eq!(stack.send(&request).unwrap().status, 200);
    let refused = Request::get("/accounts/a1").header("authorization", "Bearer forged-secret-789");
    assert_eq!(stack.send(&refused).unwrap().status, 401);

    let records = new_records(&stack, before, 2);
    assert!(
        records.iter().all(|r| r["path"] == "/accounts/a1"),
        "{records:#?}"
    );
    let log = stack.envoy_log();
    let audit_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("palisade-audit "))
        .collect();
    assert_eq!(audit_lines.len(), before + 2);
    for secret in [
        token.as_str(),
        "query-secret-123",
        "cookie-secret-456",
        "forged-secret-789",
    ] {
        assert!(!log.contains(secret), "a secret reached Envoy's log");
    }
    for line in audit_lines {
        assert!(
            !line.contains("access_token") && !line.contains("Bearer"),
            "{line}"
        );
    }
    let written = stack
        .counter("wasmcustom.palisade_audit_records_total")
        .unwrap();
    assert_eq!(written, Some(u64::try_from(before + 2).unwrap()));
}

/// Sends one raw HTTP/1 request head and returns the status line of the answer.
fn raw_status_line(stack: &Stack, request_line: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", stack.ports().envoy)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let head = format!("{request_line}\r\nhost: palisade.test\r\nconnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_string()
}

#[test]
fn envoy_refusals_are_denied_by_envoy_and_upstream_errors_are_allowed() {
    let (stack, before) = ready_stack();
    let token = stack.token("demo-client").unwrap();

    let missing = stack.get("/accounts/nobody", Some(&token)).unwrap();
    assert_eq!(missing.status, 404, "{}", missing.text());
    let unnormalisable = raw_status_line(&stack, "GET /accounts/a1%00 HTTP/1.1");
    let http10 = raw_status_line(&stack, "GET /accounts/a2 HTTP/1.0");
    assert!(
        unnormalisable.starts_with("HTTP/1.1 400"),
        "{unnormalisable}"
    );
    assert!(http10.starts_with("HTTP/1.1 426"), "{http10}");

    let records = new_records(&stack, before, 3);
    let upstream = find(&records, "GET", "/accounts/nobody");
    assert_eq!(
        (upstream["outcome"].as_str(), &upstream["denied_by"]),
        (Some("allowed"), &Value::Null),
        "the API answered 404 itself: {upstream}"
    );
    let mut refused: Vec<&Value> = records
        .iter()
        .filter(|r| r["path"] != "/accounts/nobody")
        .collect();
    refused.sort_by_key(|r| r["status"].as_u64());
    let statuses: Vec<Option<u64>> = refused.iter().map(|r| r["status"].as_u64()).collect();
    assert_eq!(statuses, [Some(400), Some(426)], "{refused:#?}");
    for record in refused {
        assert_eq!(
            (record["outcome"].as_str(), record["denied_by"].as_str()),
            (Some("denied"), Some("envoy")),
            "{record}"
        );
        assert_eq!(
            record["decisions"],
            json!({"authn": null, "authz": null,
            "validate": null, "output": null})
        );
    }
}

#[test]
fn path_parameters_are_recorded_as_a_bare_semicolon() {
    let (stack, before) = ready_stack();
    let token = stack.token("demo-client").unwrap();
    let response = stack
        .get("/accounts;jsessionid=sess-s3cr3t/a1;v=2", Some(&token))
        .unwrap();
    assert_eq!(response.status, 400, "{}", response.text());

    let records = new_records(&stack, before, 1);
    assert_eq!(records[0]["path"], "/accounts;/a1;", "{}", records[0]);
    assert!(!stack.envoy_log().contains("sess-s3cr3t"));
}

/// Envoy's own answer after the stages let the request through (the upstream refuses
/// connections, so the router answers 503) is Envoy's, not the API's: `response.code_details`
/// tells the two apart even though output decided on the response.
#[test]
fn envoy_answer_after_stages_decided_is_denied_by_envoy() {
    let closed_port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let template =
        std::fs::read_to_string(paths::repo_root().join("envoy-configs/demo.template.yaml"))
            .unwrap();
    let cluster_port = "port_value: {{API_PORT}}";
    assert_eq!(template.matches(cluster_port).count(), 1);
    let template = template.replace(cluster_port, &format!("port_value: {closed_port}"));
    let stack = Stack::builder()
        .filters(&[Filter::Audit, Filter::Output])
        .template(&template)
        .start()
        .unwrap();

    let response = stack.get("/accounts/a1", None).unwrap();
    assert_eq!(response.status, 503, "{}", response.text());
    assert!(
        !response.text().contains("connection"),
        "Envoy's reset reason leaked: {}",
        response.text()
    );

    let records = stack.wait_for_audit_records(1).unwrap();
    let record = find(&records, "GET", "/accounts/a1");
    assert_eq!(
        record["decisions"]["output"],
        json!({"outcome": "allow", "reason": "error-sanitised"})
    );
    assert_eq!(
        (record["outcome"].as_str(), record["denied_by"].as_str()),
        (Some("denied"), Some("envoy")),
        "{record}"
    );
}
