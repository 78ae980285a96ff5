//! Decision table for the authz filter, on the demo API's contract.

use crate::config::Config;
use crate::decide::{decide, LoadedPrincipal, Request, Verdict};
use crate::policy::Policy;
use palisade_shared::principal::{Principal, PrincipalKind};
use serde_json::json;

fn demo_document() -> serde_json::Value {
    let text = include_str!("../../../schemas/demo-api.openapi.json");
    serde_json::from_str(text).unwrap()
}

fn policy(extra: serde_json::Value) -> Policy {
    let mut config = json!({"openapi": demo_document()});
    if let (Some(config), Some(extra)) = (config.as_object_mut(), extra.as_object()) {
        config.extend(extra.clone());
    }
    let config: Config = palisade_shared::config::parse(config.to_string().as_bytes()).unwrap();
    Policy::compile(config).unwrap()
}

fn caller(scopes: &[&str]) -> LoadedPrincipal {
    let mut principal = Principal::anonymous();
    principal.kind = PrincipalKind::Jwt;
    principal.id = "alice".into();
    principal.scopes = scopes.iter().map(|s| s.to_string()).collect();
    Ok(Some(principal))
}

const NOW: i64 = 1_800_000_000;

fn request<'a>(method: &'a str, path: &'a str, who: LoadedPrincipal) -> Request<'a> {
    Request {
        method,
        path,
        headers: &[],
        source_address: Some("127.0.0.1:4000"),
        now_unix: NOW,
        principal: who,
    }
}

fn status(policy: &Policy, method: &str, path: &str, who: LoadedPrincipal) -> u32 {
    match decide(policy, &request(method, path, who)) {
        Verdict::Allow(_) => 200,
        Verdict::Refuse { problem, .. } => problem.status,
    }
}

#[test]
fn decision_table_on_the_demo_contract() {
    let policy = policy(json!({}));
    let reader = || caller(&["accounts:read"]);
    let writer = || caller(&["accounts:read", "transfers:write"]);
    let anonymous = || Ok(Some(Principal::anonymous()));
    let cases: Vec<(&str, &str, LoadedPrincipal, u32)> = vec![
        ("GET", "/accounts/a1", reader(), 200),
        ("GET", "/accounts/a1?x=1", reader(), 200),
        ("GET", "/accounts", reader(), 200),
        ("GET", "/accounts/a1", caller(&[]), 403),
        ("GET", "/accounts/a1", anonymous(), 401),
        ("GET", "/accounts/a1", Ok(None), 401),
        ("GET", "/accounts/a1", Err(()), 403),
        ("DELETE", "/accounts/a1", writer(), 403),
        ("DELETE", "/accounts/a1", caller(&["accounts:admin"]), 200),
        ("POST", "/transfers", reader(), 403),
        ("POST", "/transfers", writer(), 200),
        ("GET", "/health", anonymous(), 200),
        ("GET", "/health", Ok(None), 200),
        ("PUT", "/accounts/a1", writer(), 405),
        ("GET", "/transfers", writer(), 405),
        ("GET", "/admin", writer(), 404),
        ("GET", "/accounts/a1/", reader(), 404),
        ("GET", "/accounts/a1/extra", reader(), 404),
        ("GET", "/ACCOUNTS/a1", reader(), 404),
        ("get", "/accounts/a1", reader(), 405),
        ("TRACE", "/accounts/a1", writer(), 405),
        ("CONNECT", "/accounts/a1", writer(), 405),
        ("GET", "/accounts/..%2Fadmin", reader(), 400),
        ("GET", "/accounts/%2e%2e", reader(), 400),
        ("GET", "/health/..", anonymous(), 400),
        ("GET", "//accounts/a1", reader(), 400),
        ("GET", "/accounts;x=1/a1", reader(), 400),
        ("GET", "/accounts\\a1", reader(), 400),
        ("GET", "/health%00", anonymous(), 400),
        ("GET", "", anonymous(), 400),
        ("GET", "/%61ccounts/a1", reader(), 200),
    ];
    for (method, path, who, expected) in cases {
        assert_eq!(
            status(&policy, method, path, who),
            expected,
            "{method} {path}"
        );
    }
}

#[test]
fn allow_names_the_operation_for_later_filters() {
    let policy = policy(json!({}));
    let Verdict::Allow(grant) = decide(
        &policy,
        &request("GET", "/accounts/a1", caller(&["accounts:read"])),
    ) else {
        panic!("refused");
    };
    let operation = grant.operation;
    assert_eq!(operation.template, "/accounts/{accountId}");
    assert_eq!(operation.operation_id.as_deref(), Some("getAccount"));
}

#[test]
fn insufficient_scope_carries_an_rfc6750_challenge_and_405_an_allow_header() {
    let policy = policy(json!({}));
    let post = request("POST", "/transfers", caller(&["accounts:read"]));
    let Verdict::Refuse { problem, .. } = decide(&policy, &post) else {
        panic!("allowed");
    };
    let challenge = &problem.headers[0];
    assert_eq!(challenge.0, "www-authenticate");
    assert!(
        challenge.1.contains("error=\"insufficient_scope\""),
        "{}",
        challenge.1
    );
    assert!(
        challenge.1.contains("scope=\"transfers:write\""),
        "{}",
        challenge.1
    );
    let patch = Request {
        method: "PATCH",
        ..post
    };
    let Verdict::Refuse { problem, .. } = decide(&policy, &patch) else {
        panic!("allowed");
    };
    assert_eq!(problem.headers, vec![("allow", "POST".to_string())]);
}

#[test]
fn operations_without_any_security_are_denied() {
    let document = json!({"openapi": "3.1.0", "paths": {"/open": {"get": {}}}});
    let policy = Policy::compile(
        palisade_shared::config::parse(json!({"openapi": document}).to_string().as_bytes())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(status(&policy, "GET", "/open", caller(&["x"])), 403);
}

#[test]
fn policies_by_operation_id_override_the_document() {
    let policy = policy(json!({"policies": {
        "closeAccount": {"scopes_any": ["accounts:admin", "support"]},
        "listAccounts": {"public": true}
    }}));
    assert_eq!(
        status(&policy, "DELETE", "/accounts/a1", caller(&["support"])),
        200
    );
    assert_eq!(
        status(&policy, "DELETE", "/accounts/a1", caller(&["x"])),
        403
    );
    assert_eq!(status(&policy, "GET", "/accounts", Ok(None)), 200);
}

#[test]
fn operations_written_in_the_config_join_the_inventory() {
    let config = json!({"operations": [
        {"method": "get", "path": "/reports/{id}", "operation_id": "getReport",
         "policy": {"scopes_all": ["reports:read"]}},
        {"method": "POST", "path": "/reports"}
    ]});
    let policy =
        Policy::compile(palisade_shared::config::parse(config.to_string().as_bytes()).unwrap())
            .unwrap();
    assert_eq!(
        status(&policy, "GET", "/reports/r1", caller(&["reports:read"])),
        200
    );
    assert_eq!(status(&policy, "GET", "/reports/r1", caller(&[])), 403);
    assert_eq!(
        status(&policy, "POST", "/reports", caller(&["reports:read"])),
        403
    );
}

#[test]
fn refuses_bad_configuration_naming_the_field() {
    let cases = [
        (json!({"policies": {"nope": {}}}), "policies.nope"),
        (
            json!({"operations": [{"method": "GET", "path": "reports"}]}),
            "operations[0].path",
        ),
        (
            json!({"operations": [{"method": "G T", "path": "/r"}]}),
            "operations[0].method",
        ),
        (
            json!({"openapi": {"openapi": "2.0", "paths": {}}}),
            "openapi.openapi",
        ),
    ];
    for (config, field) in cases {
        let config: Config = palisade_shared::config::parse(config.to_string().as_bytes()).unwrap();
        let err = Policy::compile(config).unwrap_err();
        assert_eq!(err.field, field);
    }
    let err = palisade_shared::config::parse::<Config>(br#"{"polices": {}}"#).unwrap_err();
    assert!(err.reason.contains("polices"), "{err}");
}
