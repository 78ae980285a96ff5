//! Record assembly from what Envoy and the other filters leave behind.

use crate::config::Config;
use crate::record::{log_line, read};
use palisade_shared::decision::{Decision, MatchedOperation};
use palisade_shared::host::FakeHost;
use palisade_shared::principal::{Principal, PrincipalKind};
use serde_json::{json, Value};

/// 2027-01-15T08:00:00.250Z, as Envoy encodes `request.time`.
const ARRIVED_NANOS: i64 = 1_800_000_000_250_000_000;

/// A request as Envoy describes it in the log phase, before any filter state.
fn envoy_request(path: &str, status: i64) -> FakeHost {
    FakeHost::with_request_headers(&[
        ("authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.secret.sig"),
        ("cookie", "session=s3cr3t"),
        ("x-request-id", "header-id"),
    ])
    .with_property(&["request", "time"], &ARRIVED_NANOS.to_le_bytes())
    .with_property(&["request", "duration"], &1_234_567i64.to_le_bytes())
    .with_property(&["request", "id"], b"req-42")
    .with_property(&["request", "method"], b"GET")
    .with_property(
        &["request", "url_path"],
        path.split('?').next().unwrap().as_bytes(),
    )
    .with_property(&["request", "path"], path.as_bytes())
    .with_property(&["source", "address"], b"127.0.0.1:50000")
    .with_property(&["response", "code"], &status.to_le_bytes())
}

fn alice() -> Principal {
    let mut principal = Principal::anonymous();
    principal.kind = PrincipalKind::Jwt;
    principal.id = "alice".into();
    principal.issuer = Some("http://127.0.0.1:18081".into());
    principal.client_id = Some("demo-client".into());
    principal.scopes = vec!["accounts:read".into()];
    principal
}

fn get_account() -> MatchedOperation {
    MatchedOperation {
        method: "GET".into(),
        template: "/accounts/{accountId}".into(),
        operation_id: Some("getAccount".into()),
    }
}

/// The record as the log line carries it.
fn logged(host: &FakeHost) -> (Value, String) {
    let line = log_line(&read(host, &Config::default())).unwrap();
    let json = line.strip_prefix("palisade-audit ").unwrap();
    (serde_json::from_str(json).unwrap(), line)
}

#[test]
fn allowed_request_carries_principal_operation_and_every_decision() {
    let host = envoy_request("/accounts/a1?access_token=t0k3n", 200);
    alice().store(&host).unwrap();
    get_account().store(&host).unwrap();
    for stage in ["authn", "authz", "validate"] {
        Decision::allow("ok").store(&host, stage).unwrap();
    }
    Decision::allow("filtered").store(&host, "output").unwrap();

    let (record, line) = logged(&host);
    assert_eq!(
        record,
        json!({
            "version": 1,
            "time": "2027-01-15T08:00:00.250Z",
            "request_id": "req-42",
            "source_address": "127.0.0.1:50000",
            "principal": {"kind": "jwt", "id": "alice", "issuer": "http://127.0.0.1:18081",
                          "client_id": "demo-client"},
            "method": "GET",
            "path": "/accounts/a1",
            "route_template": "/accounts/{accountId}",
            "operation_id": "getAccount",
            "status": 200,
            "latency_ms": 1.234,
            "decisions": {
                "authn": {"outcome": "allow", "reason": "ok"},
                "authz": {"outcome": "allow", "reason": "ok"},
                "validate": {"outcome": "allow", "reason": "ok"},
                "output": {"outcome": "allow", "reason": "filtered"}
            },
            "outcome": "allowed",
            "denied_by": null
        })
    );
    assert!(!line.contains('\n'));
    for secret in [
        "t0k3n",
        "access_token",
        "eyJ",
        "s3cr3t",
        "Bearer",
        "accounts:read",
    ] {
        assert!(!line.contains(secret), "{secret} leaked into {line}");
    }
}

#[test]
fn request_denied_by_authn_has_no_principal_and_later_stages_null() {
    let host = envoy_request("/accounts", 401);
    Decision::deny("invalid-token", 401)
        .store(&host, "authn")
        .unwrap();

    let (record, _) = logged(&host);
    assert_eq!(record["principal"], Value::Null);
    assert_eq!(record["status"], 401);
    assert_eq!(record["outcome"], "denied");
    assert_eq!(record["denied_by"], "authn");
    assert_eq!(
        record["decisions"]["authn"],
        json!({"outcome": "deny", "reason": "invalid-token", "status": 401})
    );
    for stage in ["authz", "validate", "output"] {
        assert_eq!(record["decisions"][stage], Value::Null, "{stage}");
    }
    assert_eq!(record["route_template"], Value::Null);
}

#[test]
fn request_denied_by_validate_names_validate_after_allowing_stages() {
    let host = envoy_request("/transfers", 400);
    alice().store(&host).unwrap();
    Decision::allow("ok").store(&host, "authn").unwrap();
    Decision::allow("ok").store(&host, "authz").unwrap();
    Decision::deny("invalid-body", 400)
        .store(&host, "validate")
        .unwrap();
    // Output still saw the local reply's head and let it pass.
    Decision::allow("not-json").store(&host, "output").unwrap();

    let (record, _) = logged(&host);
    assert_eq!(
        (record["outcome"].as_str(), record["denied_by"].as_str()),
        (Some("denied"), Some("validate"))
    );
    assert_eq!(record["principal"]["id"], "alice");
}

#[test]
fn first_failing_stage_in_chain_order_is_named() {
    let host = envoy_request("/accounts", 502);
    Decision::allow("ok").store(&host, "authn").unwrap();
    Decision::deny("response-not-json", 502)
        .store(&host, "output")
        .unwrap();
    let (record, _) = logged(&host);
    assert_eq!(record["denied_by"], "output");
}

#[test]
fn falls_back_when_envoy_attributes_are_missing() {
    let host = FakeHost::with_request_headers(&[("x-request-id", "header-id")])
        .with_property(&["request", "path"], "/é/long?q=secret".as_bytes());
    let config = Config { max_path_bytes: 2 };
    let record = read(&host, &config);
    assert_eq!(
        record.request_id, None,
        "headers are not read in the log phase"
    );
    // The cut never splits a character: "/é" is 3 bytes, so only "/" fits in 2.
    assert_eq!(record.path.as_deref(), Some("/"));
    assert_eq!(
        record.time, "2027-01-15T08:00:00.000Z",
        "the host clock stands in"
    );
    assert_eq!((record.status, record.latency_ms), (None, None));
    assert_eq!(record.outcome, "allowed");
}

#[test]
fn malformed_principal_record_is_written_as_null() {
    let host = envoy_request("/accounts", 200).with_property(&["palisade.principal"], b"{oops");
    assert_eq!(read(&host, &Config::default()).principal, None);
}

#[test]
fn request_envoy_refused_before_any_stage_is_denied_by_envoy() {
    let host = envoy_request("/accounts/a1%00", 400)
        .with_property(&["response", "code_details"], b"path_normalization_failed");
    let (record, _) = logged(&host);
    assert_eq!(
        (record["outcome"].as_str(), record["denied_by"].as_str()),
        (Some("denied"), Some("envoy"))
    );
    for stage in ["authn", "authz", "validate", "output"] {
        assert_eq!(record["decisions"][stage], Value::Null, "{stage}");
    }
}

#[test]
fn upstream_error_after_every_stage_allowed_is_allowed() {
    let host = envoy_request("/accounts/a1", 500)
        .with_property(&["response", "code_details"], b"via_upstream");
    for stage in ["authn", "authz", "validate"] {
        Decision::allow("ok").store(&host, stage).unwrap();
    }
    Decision::allow("error-sanitised")
        .store(&host, "output")
        .unwrap();
    let (record, _) = logged(&host);
    assert_eq!(
        (record["outcome"].as_str(), &record["denied_by"]),
        (Some("allowed"), &Value::Null)
    );
}

#[test]
fn path_parameters_are_reduced_to_a_bare_semicolon() {
    let host = envoy_request("/accounts;jsessionid=sess-s3cr3t/a1?x=1", 400);
    let (record, line) = logged(&host);
    assert_eq!(record["path"], "/accounts;/a1");
    assert!(!line.contains("sess-s3cr3t"), "{line}");
}

#[test]
fn authn_admission_is_read_from_the_principal_and_its_refusal_from_its_decision() {
    // authn records no decision when it admits: the principal says how the caller proved itself.
    let kinds = [
        (PrincipalKind::Jwt, "bearer_token"),
        (PrincipalKind::ApiKey, "api_key"),
        (PrincipalKind::Hmac, "hmac_signature"),
        (PrincipalKind::Mtls, "mtls_identity"),
        (PrincipalKind::Anonymous, "public_operation"),
    ];
    for (kind, reason) in kinds {
        let host = envoy_request("/accounts/a1", 200);
        let mut principal = alice();
        principal.kind = kind;
        principal.store(&host).unwrap();
        let (record, _) = logged(&host);
        assert_eq!(
            record["decisions"]["authn"],
            json!({"outcome": "allow", "reason": reason}),
            "{kind:?}"
        );
        assert_eq!(record["outcome"], "allowed");
    }
    // A signed request admitted in its headers and refused for its body: the refusal stands.
    let host = envoy_request("/transfers", 401);
    alice().store(&host).unwrap();
    Decision::deny("body_digest_mismatch", 401)
        .store(&host, "authn")
        .unwrap();
    let (record, _) = logged(&host);
    assert_eq!(record["decisions"]["authn"]["outcome"], "deny");
    assert_eq!(record["denied_by"], "authn");
    // Without a principal, authn did not run (or refused before it knew anyone): no decision.
    let (record, _) = logged(&envoy_request("/accounts/a1", 200));
    assert_eq!(record["decisions"]["authn"], Value::Null);
}
