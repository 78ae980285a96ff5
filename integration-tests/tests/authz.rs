//! The authz filter in a real Envoy behind authn and before the demo API: deny by default,
//! scopes, the canonical path, method rules, object ownership (path, query and body), dry run,
//! deprecation and sunset, rate limits shared by the workers, and a refused configuration.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::check::{assert_config_refused, assert_problem, demo_template};
use palisade_integration_tests::http::Connection;
use palisade_integration_tests::{paths, Filter, Request, Stack};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn authn_and_authz(patch: Value) -> Stack {
    let stack = Stack::builder()
        .filters(&[Filter::Authn, Filter::Authz])
        .patch(Filter::Authz, patch)
        .start()
        .unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    stack
}

/// A token the IdP signs for `client` with `extra` claims merged in.
fn token_with(stack: &Stack, client: &str, extra: Value) -> String {
    stack.sign_token_with(client, &extra).unwrap()
}

/// The demo document with `change` applied to it, as a patch for a filter's `openapi` field.
fn document_with(change: impl FnOnce(&mut Value)) -> Value {
    let text = std::fs::read_to_string(paths::repo_root().join("schemas/demo-api.openapi.json"));
    let mut document: Value = serde_json::from_str(&text.unwrap()).unwrap();
    change(&mut document);
    document
}

#[test]
fn scopes_methods_and_unknown_paths_are_decided_by_the_inventory() {
    let stack = authn_and_authz(json!({}));
    let reader = stack.token("reader-client").unwrap();
    let writer = stack.token("demo-client").unwrap();

    assert_eq!(
        stack.get("/accounts/a1", Some(&reader)).unwrap().status,
        200
    );
    let transfer = Request::new("POST", "/transfers")
        .bearer(&reader)
        .json(&json!({"from": "a1", "to": "a2", "amount": 1, "currency": "EUR"}));
    let refused = stack.send(&transfer).unwrap();
    assert_problem(&refused, 403, "insufficient-scope");
    let challenge = refused.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(
        challenge.contains("scope=\"transfers:write\""),
        "{challenge}"
    );

    let close = Request::new("DELETE", "/accounts/a1").bearer(&writer);
    assert_problem(&stack.send(&close).unwrap(), 403, "insufficient-scope");
    assert_problem(
        &stack.get("/admin", Some(&writer)).unwrap(),
        404,
        "not-found",
    );
    let put = stack
        .send(&Request::new("PUT", "/accounts/a1").bearer(&writer))
        .unwrap();
    assert_problem(&put, 405, "method-not-allowed");
    assert_eq!(put.header("allow"), Some("GET, DELETE"));
    let trace = stack
        .send(&Request::new("TRACE", "/accounts/a1").bearer(&writer))
        .unwrap();
    assert!(
        trace.status == 405 || trace.status == 400,
        "{}",
        trace.status
    );
    let overridden = Request::get("/transfers")
        .bearer(&writer)
        .header("x-http-method-override", "POST");
    assert_problem(&stack.send(&overridden).unwrap(), 400, "method-override");
    assert_eq!(stack.get("/health", None).unwrap().status, 200);
    let allowed = stack
        .counter("wasmcustom.palisade_authz_allowed_total")
        .unwrap();
    assert!(allowed.unwrap_or(0) >= 2);
}

/// Path forms that parsers read differently: none may reach an operation other than the one
/// the canonical path names, and none of the refused ones may reach the upstream.
#[test]
fn path_tricks_never_reach_the_upstream() {
    let stack = authn_and_authz(json!({}));
    let token = stack.token("demo-client").unwrap();
    stack.clear_recorded().unwrap();
    let refused = [
        "/accounts/a1%2F..%2F..%2Fadmin",
        "/accounts/%2e%2e/admin",
        "/accounts/.%2e/a1",
        "/accounts//a1",
        "//accounts/a1",
        "/accounts;jsessionid=x/a1",
        "/accounts/a1;x=y",
        "/accounts/a1%3Bx",
        "/accounts%5Ca1",
        "/accounts/a1%00",
        "/accounts/a1%0d%0aX-Injected:%201",
        "/accounts/%252e%252e/a1",
        "/accounts/%C0%AE%C0%AE/a1",
        "/accounts/a1%3F.json",
        "/accounts/a1%23frag",
        "/accounts/a%E2%80%AE1",
        "/ACCOUNTS/a1",
        "/accounts/a1/",
        "/accounts/a1/extra",
        "/Accounts/a1",
    ];
    let mut connection = Connection::open(stack.ports().envoy).unwrap();
    for target in refused {
        let raw = format!(
            "GET {target} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {token}\r\n\r\n"
        );
        let response = match connection.send_raw(raw.as_bytes(), false) {
            Ok(response) => response,
            Err(_) => {
                // Envoy itself closed the connection on a request it could not parse.
                connection = Connection::open(stack.ports().envoy).unwrap();
                continue;
            }
        };
        assert!(
            (400..500).contains(&response.status),
            "{target} answered {}",
            response.status
        );
        if response.header("connection") == Some("close") {
            connection = Connection::open(stack.ports().envoy).unwrap();
        }
    }
    let reached: Vec<String> = stack
        .recorded()
        .unwrap()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert!(reached.is_empty(), "reached the upstream: {reached:?}");

    let encoded = stack.get("/%61ccounts/a%31", Some(&token)).unwrap();
    assert_eq!(encoded.status, 200, "{}", encoded.text());
    let dotted = stack.get("/health/../accounts/a1", Some(&token)).unwrap();
    assert!(
        dotted.status == 200 || dotted.status == 400,
        "{}",
        dotted.status
    );
    let reached = stack.recorded().unwrap();
    assert!(
        reached.iter().all(|r| !r.path.contains("..")),
        "{reached:?}"
    );
}

#[test]
fn ownership_binds_path_query_and_body_parameters_to_the_caller() {
    let stack = Stack::builder()
        .filters(&[Filter::Authn, Filter::Authz])
        .patch(
            Filter::Authz,
            json!({
                "hold_request_headers": true,
                "policies": {
                    "getAccount": {"scopes_all": ["accounts:read"],
                                   "ownership": [{"param": "accountId", "claim": "sub"}]},
                    "listAccounts": {"scopes_all": ["accounts:read"],
                                     "ownership": [{"param": "owner", "in": "query", "claim": "sub"}]},
                    "createTransfer": {"scopes_all": ["transfers:write"],
                                       "ownership": [{"param": "/from", "in": "body", "claim": "sub"}]}
                }
            }),
        )
        .start()
        .unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    let a1 = token_with(&stack, "demo-client", json!({"sub": "a1"}));

    assert_eq!(stack.get("/accounts/a1", Some(&a1)).unwrap().status, 200);
    assert_problem(
        &stack.get("/accounts/a2", Some(&a1)).unwrap(),
        403,
        "not-owner",
    );
    assert_problem(
        &stack.get("/accounts/A1", Some(&a1)).unwrap(),
        403,
        "not-owner",
    );
    assert_eq!(
        stack.get("/accounts/%61%31", Some(&a1)).unwrap().status,
        200
    );

    assert_eq!(
        stack.get("/accounts?owner=a1", Some(&a1)).unwrap().status,
        200
    );
    for query in [
        "owner=a1&owner=a2",
        "owner=a2&owner=a1",
        "owner=a1&%6fwner=a2",
        "owner=a1&owner=a1",
    ] {
        let response = stack.get(&format!("/accounts?{query}"), Some(&a1)).unwrap();
        assert_problem(&response, 400, "duplicate-parameter");
    }
    assert_problem(
        &stack.get("/accounts?owner=a2", Some(&a1)).unwrap(),
        403,
        "not-owner",
    );
    assert_problem(
        &stack.get("/accounts", Some(&a1)).unwrap(),
        403,
        "not-owner",
    );

    stack.clear_recorded().unwrap();
    let transfer = |body: &str| {
        let request = Request::new("POST", "/transfers")
            .bearer(&a1)
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec());
        stack.send(&request).unwrap()
    };
    let own = transfer(r#"{"from":"a1","to":"a2","amount":1,"currency":"EUR"}"#);
    assert_eq!(own.status, 201, "{}", own.text());
    assert_problem(
        &transfer(r#"{"from":"a2","to":"a1","amount":1,"currency":"EUR"}"#),
        403,
        "not-owner",
    );
    assert_problem(
        &transfer(r#"{"from":"a1","from":"a2","to":"a1","amount":1}"#),
        400,
        "invalid-body",
    );
    assert_problem(&transfer(r#"{"to":"a1","amount":1}"#), 403, "not-owner");
    assert_problem(&transfer("not json"), 400, "invalid-body");
    let reached = stack.recorded().unwrap();
    assert_eq!(
        reached.len(),
        1,
        "only the owned transfer reaches the API: {reached:?}"
    );
}

#[test]
fn dry_run_policies_pass_and_are_audited_as_would_deny() {
    let stack = Stack::builder()
        .filters(&[Filter::Audit, Filter::Authn, Filter::Authz])
        .patch(
            Filter::Authz,
            json!({"policies": {"closeAccount": {"roles_any": ["admin"], "dry_run": true}}}),
        )
        .start()
        .unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    let token = stack.token("demo-client").unwrap();
    let before = stack.audit_records().len();
    let response = stack
        .send(&Request::new("DELETE", "/accounts/a2").bearer(&token))
        .unwrap();
    assert!(
        response.status < 300,
        "{} {}",
        response.status,
        response.text()
    );
    let records = stack.wait_for_audit_records(before + 1).unwrap();
    let record = records.last().unwrap();
    assert_eq!(
        record["decisions"]["authz"]["outcome"], "would_deny",
        "{record}"
    );
    assert_eq!(
        record["decisions"]["authz"]["reason"], "insufficient-role",
        "{record}"
    );
    let counted = stack
        .counter("wasmcustom.palisade_authz_dry_run_denied_total")
        .unwrap();
    assert_eq!(counted, Some(1));
}

#[test]
fn deprecated_operations_carry_headers_and_sunset_ones_are_gone() {
    let document = document_with(|doc| {
        let paths = &mut doc["paths"];
        paths["/accounts"]["get"]["deprecated"] = json!(true);
        paths["/accounts"]["get"]["x-deprecated-at"] = json!("2026-01-01T00:00:00Z");
        paths["/accounts"]["get"]["x-sunset"] = json!("2099-01-01T00:00:00Z");
        paths["/accounts"]["get"]["x-successor"] = json!("/v2/accounts");
        paths["/health"]["get"]["deprecated"] = json!(true);
        paths["/health"]["get"]["x-sunset"] = json!("2020-01-01T00:00:00Z");
    });
    let stack = authn_and_authz(json!({ "openapi": document }));
    let token = stack.token("reader-client").unwrap();
    let listed = stack.get("/accounts", Some(&token)).unwrap();
    assert_eq!(listed.status, 200);
    assert_eq!(listed.header("deprecation"), Some("@1767225600"));
    assert_eq!(
        listed.header("sunset"),
        Some("Thu, 01 Jan 2099 00:00:00 GMT")
    );
    assert_eq!(
        listed.header("link"),
        Some("</v2/accounts>; rel=\"successor-version\"")
    );
    let gone = stack.get("/health", None).unwrap();
    assert_problem(&gone, 410, "sunset");
}

#[test]
fn rate_limits_hold_across_workers_under_concurrent_load() {
    let stack = Stack::builder()
        .filters(&[Filter::Authn, Filter::Authz])
        .concurrency(2)
        .patch(
            Filter::Authz,
            json!({"rate_limits": [
                {"name": "per-principal", "key": "principal", "requests": 10, "window_seconds": 3600}
            ]}),
        )
        .start()
        .unwrap();
    stack.wait_for_authn("reader-client").unwrap();
    // wait_for_authn spent one token of reader-client's bucket; use a fresh principal.
    let token = token_with(&stack, "reader-client", json!({"sub": "load-tester"}));
    let allowed = Arc::new(AtomicUsize::new(0));
    let limited = Arc::new(AtomicUsize::new(0));
    let port = stack.ports().envoy;
    let workers: Vec<_> = (0..6)
        .map(|_| {
            let (token, allowed, limited) = (token.clone(), allowed.clone(), limited.clone());
            std::thread::spawn(move || {
                let mut connection = Connection::open(port).unwrap();
                for _ in 0..8 {
                    let response = connection
                        .send(&Request::get("/accounts/a1").bearer(&token))
                        .unwrap();
                    match response.status {
                        200 => allowed.fetch_add(1, Ordering::SeqCst),
                        429 => limited.fetch_add(1, Ordering::SeqCst),
                        other => panic!("unexpected {other}: {}", response.text()),
                    };
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(
        allowed.load(Ordering::SeqCst),
        10,
        "the bucket is shared by both workers"
    );
    assert_eq!(limited.load(Ordering::SeqCst), 38);
    let refused = stack.get("/accounts/a1", Some(&token)).unwrap();
    assert_problem(&refused, 429, "rate-limited");
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((300..=360).contains(&retry), "{retry}");
    assert_eq!(
        refused.header("ratelimit-policy"),
        Some("\"per-principal\";q=10;w=3600")
    );
    let other = token_with(&stack, "reader-client", json!({"sub": "someone-else"}));
    let fresh = stack.get("/accounts/a1", Some(&other)).unwrap();
    assert_eq!(fresh.status, 200);
    assert_eq!(
        fresh.header("ratelimit"),
        Some("\"per-principal\";r=9;t=360")
    );
}

#[test]
fn a_bad_authz_configuration_stops_envoy_naming_the_field() {
    let cases = [
        (json!({"polices": {}}), "polices"),
        (
            json!({"policies": {"noSuchOperation": {}}}),
            "policies.noSuchOperation",
        ),
        (
            json!({"rate_limits": [{"name": "x", "key": "user", "requests": 1, "window_seconds": 1}]}),
            "rate_limits[0].key",
        ),
    ];
    for (patch, field) in cases {
        assert_config_refused(Filter::Authz, patch, field);
    }
}

#[test]
fn cel_conditions_and_consumer_classes_decide_through_envoy() {
    let stack = authn_and_authz(json!({
        "consumer_classes": {"allowed": {"public": ["public"], "partner": ["public", "partner"]}},
        "policies": {
            "getAccount": {"scopes_all": ["accounts:read"], "classification": "public",
                           "condition": "request.headers['x-tenant'] == principal.id && now.getFullYear() >= 2026"},
            "listAccounts": {"scopes_all": ["accounts:read"], "classification": "partner"},
            "health": {"public": true}
        }
    }));
    let token = stack.token("reader-client").unwrap();
    let with_tenant = |tenant: &str| {
        Request::get("/accounts/a1")
            .bearer(&token)
            .header("x-tenant", tenant)
    };
    assert_eq!(
        stack.send(&with_tenant("reader-client")).unwrap().status,
        200
    );
    assert_problem(
        &stack.send(&with_tenant("someone-else")).unwrap(),
        403,
        "condition-failed",
    );
    assert_problem(
        &stack.get("/accounts/a1", Some(&token)).unwrap(),
        403,
        "condition-error",
    );
    // Tokens carry no consumer class here, so the caller is `public`: partner data is closed.
    assert_problem(
        &stack.get("/accounts", Some(&token)).unwrap(),
        403,
        "classification",
    );
}

#[test]
fn concurrent_requests_per_principal_are_capped_across_workers() {
    let stack = Stack::builder()
        .filters(&[Filter::Authn, Filter::Authz])
        .concurrency(2)
        .patch(Filter::Authz, json!({"max_concurrent_per_principal": 2}))
        .start()
        .unwrap();
    stack.wait_for_authn("reader-client").unwrap();
    let token = stack.token("reader-client").unwrap();
    let port = stack.ports().envoy;
    let statuses: Vec<u16> = (0..5)
        .map(|_| {
            let token = token.clone();
            std::thread::spawn(move || {
                let request = Request::get("/accounts/a1")
                    .bearer(&token)
                    .header("x-demo-delay-ms", "1500");
                Connection::open(port)
                    .unwrap()
                    .send(&request)
                    .unwrap()
                    .status
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|worker| worker.join().unwrap())
        .collect();
    let allowed = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((allowed, limited), (2, 3), "{statuses:?}");
    // Finished requests give their slots back.
    assert_eq!(stack.get("/accounts/a1", Some(&token)).unwrap().status, 200);
}

/// The demo template with two named routes: `/reports...` on `reports-api`, the rest on `bank`.
fn template_with_named_routes() -> String {
    let template = demo_template();
    let routes = "              routes:\n              - match: { prefix: \"/\" }\n";
    assert!(
        template.contains(routes),
        "the demo template's route table changed"
    );
    template.replace(
        routes,
        "              routes:\n              - name: reports-api\n                match: { prefix: \"/reports\" }\n                route: { cluster: demo_api }\n              - name: bank\n                match: { prefix: \"/\" }\n",
    )
}

#[test]
fn each_route_gets_its_own_policy_by_route_name() {
    let reports = json!({"openapi": "3.1.0", "paths": {"/reports": {"get": {
        "operationId": "reports", "security": []}}}});
    let stack = Stack::builder()
        .filters(&[Filter::Authn, Filter::Authz])
        .template(&template_with_named_routes())
        .patch(
            Filter::Authz,
            json!({"routes": {"reports-api": {"openapi": reports}}}),
        )
        .start()
        .unwrap();
    stack.wait_for_authn("reader-client").unwrap();
    let token = stack.token("reader-client").unwrap();
    // /reports is only in the reports-api route's inventory, so authz lets it through to the
    // demo API, which has no such path and answers its own 404.
    stack.clear_recorded().unwrap();
    let on_reports = stack.get("/reports", Some(&token)).unwrap();
    assert_eq!(on_reports.status, 404, "{}", on_reports.text());
    let body = on_reports.json().unwrap_or_default();
    assert!(
        !body["type"]
            .as_str()
            .unwrap_or_default()
            .starts_with("urn:palisade"),
        "{body}"
    );
    assert_eq!(stack.recorded().unwrap().len(), 1);
    assert_eq!(stack.get("/accounts/a1", Some(&token)).unwrap().status, 200);
    assert_problem(
        &stack.get("/reportsx", Some(&token)).unwrap(),
        404,
        "not-found",
    );
}
