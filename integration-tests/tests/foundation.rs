//! The foundation: Envoy with the demo config forwards to the demo API, client-sent identity
//! headers never reach it, the IdP issues the tokens authn expects, the committed demo config
//! is current, and the five filters run in the fixed order.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use palisade_integration_tests::render::{demo_yaml, DEMO_YAML};
use palisade_integration_tests::{idp, paths, Filter, Request, Stack};
use serde_json::{json, Value};

fn decode_segment(token: &str, index: usize) -> Value {
    let segment = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

#[test]
fn committed_demo_yaml_is_current() {
    let root = paths::repo_root();
    let expected = demo_yaml(&root).expect("demo config renders");
    let committed = std::fs::read_to_string(root.join(DEMO_YAML)).unwrap_or_default();
    assert!(
        committed == expected,
        "{DEMO_YAML} is stale: run `make render` and commit it"
    );
}

#[test]
fn passthrough_forwards_to_the_demo_api() {
    let stack = Stack::builder().passthrough().start().unwrap();

    let response = stack.get("/accounts/a1?x=1", None).unwrap();

    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json().unwrap();
    assert_eq!(body["owner"], "alice");
    assert!(body.get("password_hash").is_some(), "no filter removed it");
    assert_eq!(response.header("x-powered-by"), Some("palisade-demo-api"));
    let recorded = stack.recorded().unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].method, "GET");
    assert_eq!(recorded[0].path, "/accounts/a1?x=1");
}

#[test]
fn passthrough_forwards_bodies_and_error_statuses() {
    let stack = Stack::builder().passthrough().start().unwrap();
    let transfer = json!({"from": "a1", "to": "a2", "amount": 5, "currency": "EUR"});

    let created = stack
        .send(&Request::new("POST", "/transfers").json(&transfer))
        .unwrap();
    let missing = stack.get("/accounts/nobody", None).unwrap();
    let refused = stack
        .send(&Request::new("POST", "/transfers").body("not json"))
        .unwrap();

    assert_eq!(created.status, 201);
    assert_eq!(created.json().unwrap()["status"], "booked");
    assert_eq!(missing.status, 404);
    assert_eq!(refused.status, 400);
    let recorded = stack.recorded().unwrap();
    assert_eq!(recorded[0].body, transfer.to_string());
}

#[test]
fn client_sent_identity_headers_never_reach_the_upstream() {
    let stack = Stack::builder().passthrough().start().unwrap();
    let forged = Request::get("/accounts/a1")
        .header("x-palisade-subject", "admin")
        .header("X-Palisade-Subject", "admin-again")
        .header("x-palisade-client-id", "demo-client")
        .header("x-palisade-scopes", "accounts:admin")
        .header("x-palisade-principal", "{}")
        .header("x-other", "kept");

    assert_eq!(stack.send(&forged).unwrap().status, 200);

    let recorded = stack.recorded().unwrap();
    let leaked: Vec<_> = recorded[0]
        .headers
        .iter()
        .filter(|(name, _)| name.starts_with("x-palisade-"))
        .collect();
    assert!(
        leaked.is_empty(),
        "forged headers reached the API: {leaked:?}"
    );
    assert_eq!(recorded[0].header("x-other"), Some("kept"));
}

#[test]
fn envoy_refusing_its_bootstrap_is_reported() {
    let refusal = Stack::builder()
        .passthrough()
        .template("admin:\n  no_such_field: {{ADMIN_PORT}}\n")
        .start_expecting_refusal()
        .unwrap();

    assert_eq!(refusal.exit_code, Some(1));
    assert!(refusal.log.contains("no_such_field"), "{}", refusal.log);
}

#[test]
fn the_idp_issues_jwt_access_tokens_for_the_demo_api() {
    let stack = Stack::builder().passthrough().start().unwrap();

    let token = stack.token("demo-client").unwrap();

    let header = decode_segment(&token, 0);
    let claims = decode_segment(&token, 1);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(claims["iss"], stack.issuer());
    assert_eq!(claims["aud"], "urn:palisade:demo-api");
    assert_eq!(claims["client_id"], "demo-client");
    assert_eq!(claims["scope"], "accounts:read transfers:write");
    let jwks = palisade_integration_tests::http::send(stack.ports().idp, &Request::get("/jwks"))
        .unwrap()
        .json()
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|key| key["kid"].as_str())
        .collect();
    assert!(kids.contains(&header["kid"].as_str().unwrap()));
    assert_eq!(kids.len(), 2, "an ES256 and an RS256 key are published");
}

#[test]
fn the_idp_holds_each_client_to_its_scopes() {
    let stack = Stack::builder().passthrough().start().unwrap();
    let port = stack.ports().idp;

    let too_much = idp::token_request(
        port,
        "reader-client",
        Some("transfers:write"),
        Some("urn:palisade:demo-api"),
    );
    let wrong_audience = idp::token_request(
        port,
        "demo-client",
        Some("accounts:read"),
        Some("urn:elsewhere"),
    );

    assert_eq!(too_much.unwrap().status, 400);
    assert_eq!(wrong_audience.unwrap().status, 400);
}

#[test]
fn the_idp_can_sign_with_rs256() {
    let stack = Stack::builder()
        .passthrough()
        .idp_env("PALISADE_IDP_SIGNING_ALG", "RS256")
        .start()
        .unwrap();

    let token = stack.token("reader-client").unwrap();

    assert_eq!(decode_segment(&token, 0)["alg"], "RS256");
    assert_eq!(decode_segment(&token, 1)["scope"], "accounts:read");
}

/// The harness's own signing (for negative tests) makes tokens authn treats like the IdP's.
#[test]
fn tokens_signed_through_the_harness_pass_authn_only_with_a_published_key() {
    let stack = Stack::builder().filters(&[Filter::Authn]).start().unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    let claims = idp::standard_claims(stack.ports().idp, "demo-client");

    let published = stack.sign_token(&json!({ "claims": claims })).unwrap();
    let unpublished = stack
        .sign_token(&json!({ "claims": claims, "unpublished_alg": "ES256" }))
        .unwrap();

    assert_eq!(
        stack.get("/accounts/a1", Some(&published)).unwrap().status,
        200
    );
    assert_eq!(
        stack
            .get("/accounts/a1", Some(&unpublished))
            .unwrap()
            .status,
        401
    );
}

/// The order of `http_filters` shows from outside: a request every stage would refuse is
/// refused by the earliest one, and audit (first) still records it.
#[test]
fn the_five_filters_act_in_the_fixed_order() {
    let stack = Stack::builder().start().unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    let reader = stack.token("reader-client").unwrap();
    let writer = stack.token("demo-client").unwrap();
    let bad_transfer = json!({"from": "a1", "to": "a2", "amount": -5, "currency": "EUR"});
    let post = |token: Option<&str>| {
        let request = Request::new("POST", "/transfers").json(&bad_transfer);
        let request = match token {
            Some(token) => request.bearer(token),
            None => request,
        };
        stack.send(&request).unwrap()
    };

    assert_eq!(post(None).status, 401, "authn before authz and validate");
    assert_eq!(post(Some(&reader)).status, 403, "authz before validate");
    assert_eq!(
        post(Some(&writer)).status,
        400,
        "validate before the upstream"
    );
    let allowed = stack.get("/accounts/a1", Some(&writer)).unwrap();
    assert_eq!(allowed.status, 200, "{}", allowed.text());
    let account = allowed.json().unwrap();
    assert!(
        account.get("password_hash").is_none(),
        "output filtered the answer"
    );

    let upstream = stack.recorded().unwrap();
    assert!(upstream.iter().all(|r| r.path != "/transfers"));
    // Audit, first in the chain, records every request with the stage that refused it, and
    // the next request stage never decided. (Output works on responses, refusals included.)
    let records = stack.wait_for_audit_records(4).unwrap();
    let posts: Vec<&Value> = records
        .iter()
        .filter(|r| r["path"] == "/transfers")
        .collect();
    let refusers: Vec<&str> = posts
        .iter()
        .filter_map(|r| r["denied_by"].as_str())
        .collect();
    assert_eq!(refusers, ["authn", "authz", "validate"], "{posts:?}");
    for (record, next) in posts.iter().zip(["authz", "validate"]) {
        assert!(
            record["decisions"][next].is_null(),
            "{next} ran after a refusal: {record}"
        );
    }
}

#[test]
fn authn_replaces_forged_identity_headers_with_the_tokens_own() {
    let stack = Stack::builder().start().unwrap();
    stack.wait_for_authn("reader-client").unwrap();
    stack.clear_recorded().unwrap();
    let token = stack.token("reader-client").unwrap();
    let forged = Request::get("/accounts/a2")
        .bearer(&token)
        .header("x-palisade-subject", "alice")
        .header("x-palisade-scopes", "accounts:admin");

    assert_eq!(stack.send(&forged).unwrap().status, 200);

    let recorded = stack.recorded().unwrap();
    assert_eq!(
        recorded[0].header_values("x-palisade-subject"),
        ["reader-client"]
    );
    assert_eq!(
        recorded[0].header_values("x-palisade-scopes"),
        ["accounts:read"]
    );
}

#[test]
fn every_filter_module_is_built() {
    let dir = paths::wasm_dir();
    for filter in Filter::ALL {
        paths::wasm_module(&dir, filter).unwrap();
    }
}
