//! The bearer-token layer of authn in a real Envoy: every algorithm on both signature backends,
//! a table of hostile tokens each refused for its own reason, token sources, claim forwarding,
//! JWKS by discovery fetched once per interval for all workers, revocation reaching every worker
//! within five seconds, failed-attempt lockouts across workers, the session limit, and
//! configurations Envoy must refuse. Keys and tokens are minted outside our Rust code, by
//! Node's crypto ([`node`]) and the IdP; [`server`] is a loopback document server the test
//! controls (JWKS, discovery, revocation list).

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "authn_jwt/node.rs"]
mod node;
#[path = "authn_jwt/server.rs"]
mod server;
#[path = "authn_jwt/support.rs"]
mod support;

use palisade_integration_tests::{Filter, Request, Stack};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::*;

#[test]
fn every_algorithm_verifies_through_envoy_on_both_backends() {
    let claims = node_claims("alg-user");
    let algorithms = [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA", "HS256",
        "HS384", "HS512",
    ];
    let requests: Vec<Value> = algorithms
        .iter()
        .map(|alg| {
            let mut request = json!({"alg": alg, "claims": claims});
            if let Some(bits) = alg.strip_prefix("HS") {
                request["kid"] = json!(format!("hs-{bits}"));
                request["secret"] = json!(hmac_secret(alg));
            }
            request
        })
        .collect();
    let minted = node::mint(&Value::Null, &requests);
    for backend in ["host", "pure_rust"] {
        let provider = node_provider(json!({"inline": minted.jwks}), &algorithms);
        let stack = start(
            json!({"providers": [provider], "signature_backend": backend, "cache_entries": 0,
                   "failed_auth_throttle": null}),
            1,
        );
        for (alg, token) in algorithms.iter().zip(&minted.tokens) {
            let response = stack.get("/accounts/a1", Some(token)).unwrap();
            assert_eq!(response.status, 200, "{backend} {alg}: {}", response.text());
            let altered = stack.get("/accounts/a1", Some(&altered(token))).unwrap();
            assert_invalid_token(&altered, &format!("{backend} {alg} altered"));
        }
        let bad_signatures = counter(&stack, "denied_bad_signature");
        assert_eq!(bad_signatures, algorithms.len() as u64, "{backend}");
        let verifier_errors = counter(&stack, "denied_verifier_error");
        assert_eq!(
            verifier_errors, 0,
            "{backend}: the host verified RS*/ES* itself"
        );
    }
}

#[test]
fn hostile_tokens_are_refused_each_for_its_own_reason() {
    let node_keys = node::mint(&Value::Null, &[]);
    let algorithms = ["ES256", "RS256", "PS256", "EdDSA", "HS256"];
    let node = node_provider(json!({"inline": node_keys.jwks}), &algorithms);
    let stack = start(
        json!({"providers": [demo_provider(json!({})), node], "failed_auth_throttle": null}),
        1,
    );
    stack.wait_for_authn("demo-client").unwrap();
    stack.clear_recorded().unwrap();

    let cases = negative::cases(&stack, &node_keys.keys);
    for case in &cases {
        let before = counter(&stack, &format!("denied_{}", case.reason));
        let response = stack.send(&case.request()).unwrap();
        let after = counter(&stack, &format!("denied_{}", case.reason));
        case.check(&response);
        assert_eq!(
            after,
            before + 1,
            "{}: counted as {}",
            case.name,
            case.reason
        );
    }

    assert!(
        stack.recorded().unwrap().is_empty(),
        "nothing reached the upstream"
    );
    let denied = counter(&stack, "denied");
    assert!(denied >= cases.len() as u64, "denied_total {denied}");
}

#[test]
fn tokens_come_from_configured_places_and_leave_before_the_upstream() {
    let minted_keys = node::mint(&Value::Null, &[]);
    let stack = start(
        json!({
            "providers": [node_provider(json!({"inline": minted_keys.jwks}), &["ES256"])],
            "token_sources": {"cookie": "at", "header": "x-access-token",
                              "query": {"parameter": "access_token", "operations": ["getAccount"]}},
            "claim_headers": {"tenant": "x-palisade-tenant", "accounts": "x-palisade-accounts"}
        }),
        1,
    );
    let mut claims = node_claims("source-user");
    claims["tenant"] = json!("acme");
    claims["accounts"] = json!(["a1", "a2"]);
    let token = node::mint(
        &minted_keys.keys,
        &[json!({"alg": "ES256", "claims": claims})],
    )
    .tokens
    .remove(0);
    let cookie = format!("theme=dark; at={token}");
    let cases = [
        (Request::get("/accounts/a1").bearer(&token), 200),
        (
            Request::get("/accounts/a1").header("x-access-token", &token),
            200,
        ),
        (Request::get("/accounts/a1").header("cookie", &cookie), 200),
        (
            Request::get(&format!("/accounts/a1?x=1&access_token={token}")),
            200,
        ),
        (
            Request::get(&format!("/accounts?access_token={token}")),
            400,
        ),
        (
            Request::get("/accounts/a1")
                .bearer(&token)
                .header("cookie", &cookie),
            400,
        ),
        (
            Request::get("/accounts/a1").header("x-access-token", "a b"),
            400,
        ),
    ];
    for (request, status) in cases {
        stack.clear_recorded().unwrap();
        let response = stack.send(&request).unwrap();
        assert_eq!(
            response.status,
            status,
            "{} {:?}: {}",
            request.target,
            request.headers,
            response.text()
        );
        if status == 400 {
            let challenge = response.header("www-authenticate").unwrap_or_default();
            assert!(
                challenge.contains("error=\"invalid_request\""),
                "{challenge}"
            );
            continue;
        }
        let recorded = stack.recorded().unwrap();
        let upstream = recorded.last().unwrap();
        assert!(
            !upstream.path.contains(&token),
            "the token left the gateway in the path"
        );
        for (name, value) in &upstream.headers {
            assert!(
                !value.contains(&token),
                "the token left the gateway in {name}"
            );
        }
        assert_eq!(upstream.header_values("x-palisade-tenant"), ["acme"]);
        assert_eq!(upstream.header_values("x-palisade-accounts"), ["a1,a2"]);
    }
    let recorded_query = stack.send(&Request::get(&format!(
        "/accounts/a1?x=1&access_token={token}"
    )));
    assert_eq!(recorded_query.unwrap().status, 200);
    assert_eq!(
        stack.recorded().unwrap().last().unwrap().path,
        "/accounts/a1?x=1"
    );
}

#[test]
fn key_sets_are_discovered_fetched_once_per_interval_and_shared_by_workers() {
    let server = server::DocumentServer::start();
    let minted = node::mint(
        &Value::Null,
        &[json!({"alg": "ES384", "claims": node_claims("shared-user")})],
    );
    server.serve("/jwks", 200, &minted.jwks.to_string());
    let foreign = json!({"issuer": "https://someone-else.test", "jwks_uri": format!("http://127.0.0.1:{}/jwks", server.port)});
    server.serve(
        "/foreign/.well-known/openid-configuration",
        200,
        &foreign.to_string(),
    );
    let remote = json!({"cluster": "palisade_test", "uri": format!("http://127.0.0.1:{}/jwks", server.port),
                        "refresh_interval_seconds": 10, "retry_interval_seconds": 1});
    let mut foreign_provider = node_provider(
        json!({"cluster": "palisade_test", "discovery": true}),
        &["ES384"],
    );
    foreign_provider["name"] = json!("foreign");
    foreign_provider["issuer"] = json!(format!("http://127.0.0.1:{}/foreign", server.port));
    let stack = Stack::builder()
        .filters(&[Filter::Authn])
        .concurrency(2)
        .template(&server::template_with_test_cluster(server.port))
        .patch(
            Filter::Authn,
            json!({
                "providers": [
                    demo_provider(json!({"jwks": {"cluster": "palisade_idp", "discovery": true}})),
                    node_provider(remote, &["ES384"]),
                    foreign_provider
                ],
                "failed_auth_throttle": {"max_failures": 5, "lockout_seconds": 3}
            }),
        )
        .start()
        .unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    let started = Instant::now();

    // Every worker installs the set one tick after the first fetch published it.
    let node_token = &minted.tokens[0];
    let accepted = || stack.get("/accounts/a1", Some(node_token)).unwrap().status == 200;
    wait_until(Duration::from_secs(10), || (0..6).all(|_| accepted()));
    let workers_before = worker_connections(&stack);
    for _ in 0..20 {
        let response = stack.get("/accounts/a1", Some(node_token)).unwrap();
        assert_eq!(response.status, 200, "{}", response.text());
    }
    let idp_token = stack.token("demo-client").unwrap();
    assert_eq!(
        stack.get("/accounts/a1", Some(&idp_token)).unwrap().status,
        200,
        "found by discovery"
    );
    assert_both_workers_served(&stack, &workers_before);
    assert_eq!(
        server.hits("/jwks"),
        1,
        "one fetch for the whole Envoy, not one per worker"
    );

    // The next refresh fails: the last good set stays in use on every worker.
    server.serve("/jwks", 500, "{}");
    wait_until(Duration::from_secs(20), || server.hits("/jwks") >= 2);
    assert!(
        started.elapsed() >= Duration::from_secs(8),
        "refreshed early"
    );
    for _ in 0..6 {
        assert_eq!(
            stack.get("/accounts/a1", Some(node_token)).unwrap().status,
            200
        );
    }
    assert!(
        server.hits("/jwks") <= 4,
        "retries are shared too: {}",
        server.hits("/jwks")
    );
    assert!(stack.envoy_log().contains("keeping the last good document"));

    // A discovery document naming another issuer is never trusted.
    let foreign_token = node::mint(
        &minted.keys,
        &[json!({"alg": "ES384",
        "claims": {"iss": format!("http://127.0.0.1:{}/foreign", server.port), "sub": "x",
                   "aud": "urn:palisade:demo-api", "exp": now() + 300, "iat": now()}})],
    )
    .tokens
    .remove(0);
    let refused = stack.get("/accounts/a1", Some(&foreign_token)).unwrap();
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert!(stack
        .envoy_log()
        .contains("discovery document names another issuer"));

    // Failed attempts from one client lock it out on every worker.
    let workers_before = worker_connections(&stack);
    for _ in 0..5 {
        assert_eq!(
            stack
                .get("/accounts/a1", Some("not.a.token"))
                .unwrap()
                .status,
            401
        );
    }
    let locked = stack.get("/accounts/a1", Some(node_token)).unwrap();
    assert_eq!(locked.status, 429, "{}", locked.text());
    let retry_after: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3).contains(&retry_after), "{retry_after}");
    assert_eq!(
        locked.json().unwrap()["type"],
        "urn:palisade:problem:authentication-throttled"
    );
    for _ in 0..6 {
        assert_eq!(
            stack.get("/accounts/a1", Some(node_token)).unwrap().status,
            429
        );
    }
    assert_both_workers_served(&stack, &workers_before);
    std::thread::sleep(Duration::from_secs(retry_after + 1));
    assert_eq!(
        stack.get("/accounts/a1", Some(node_token)).unwrap().status,
        200
    );
}

#[test]
fn a_revocation_reaches_every_worker_within_five_seconds() {
    let server = server::DocumentServer::start();
    let revoked_path = "/revoked";
    let stack = Stack::builder()
        .filters(&[Filter::Authn])
        .concurrency(2)
        .template(&server::template_with_test_cluster(server.port))
        .patch(Filter::Authn, json!({
            "revocation": {"endpoint": {"cluster": "palisade_test",
                                        "uri": format!("http://127.0.0.1:{}{revoked_path}", server.port)}},
            "failed_auth_throttle": null
        }))
        .start()
        .unwrap();
    let token = stack.token("demo-client").unwrap();

    // Fail closed until a first list arrived.
    wait_until(Duration::from_secs(20), || {
        let status = stack.get("/accounts/a1", Some(&token)).unwrap().status;
        status == 503 && counter(&stack, "denied_revocation_unavailable") > 0
    });
    server.serve(revoked_path, 200, r#"{"jti": [], "sub": []}"#);
    stack.wait_for_authn("demo-client").unwrap();
    for _ in 0..20 {
        assert_eq!(
            stack.get("/accounts/a1", Some(&token)).unwrap().status,
            200,
            "cached everywhere"
        );
    }

    let jti = segment(&token, 1)["jti"].as_str().unwrap().to_string();
    let reader = stack.token("reader-client").unwrap();
    let published = Instant::now();
    server.serve(
        revoked_path,
        200,
        &json!({"jti": [jti], "sub": ["reader-client"]}).to_string(),
    );
    let mut last_accepted = Duration::ZERO;
    let mut workers_after_deadline = None;
    while published.elapsed() < Duration::from_secs(8) {
        if workers_after_deadline.is_none() && published.elapsed() > Duration::from_secs(5) {
            workers_after_deadline = Some(worker_connections(&stack));
        }
        for token in [&token, &reader] {
            let response = stack.get("/accounts/a1", Some(token)).unwrap();
            match response.status {
                200 => last_accepted = published.elapsed(),
                401 => assert_invalid_token(&response, "revoked"),
                other => panic!("unexpected {other}: {}", response.text()),
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("last accepted {last_accepted:?} after the revocation was published");
    assert!(
        last_accepted <= Duration::from_secs(5),
        "still accepted after {last_accepted:?}"
    );
    assert_both_workers_served(&stack, &workers_after_deadline.unwrap());
    assert!(counter(&stack, "revocation_fetch_ok") >= 2);
    let admin = stack.token("admin-client").unwrap();
    assert_eq!(
        stack.get("/accounts/a1", Some(&admin)).unwrap().status,
        200,
        "others pass"
    );
}

#[test]
fn a_claimed_principal_is_locked_out_and_sessions_are_limited_across_workers() {
    let stack = start(
        json!({"failed_auth_throttle": {"max_failures": 3, "per_source": false, "per_principal": true, "lockout_seconds": 60},
               "max_sessions_per_subject": 2}),
        2,
    );
    stack.wait_for_authn("demo-client").unwrap();
    let good = |sub: &str, jti: &str| {
        let mut claims =
            palisade_integration_tests::idp::standard_claims(stack.ports().idp, "demo-client");
        claims["sub"] = json!(sub);
        claims["jti"] = json!(jti);
        stack.sign_token(&json!({"claims": claims})).unwrap()
    };
    let kid = segment(&stack.token("demo-client").unwrap(), 0)["kid"].clone();
    let forged = |sub: &str| {
        let mut claims =
            palisade_integration_tests::idp::standard_claims(stack.ports().idp, "demo-client");
        claims["sub"] = json!(sub);
        // Signed by a throwaway key under the published kid: a bad signature, not an unknown key.
        let request = json!({"claims": claims, "unpublished_alg": "ES256", "header": {"kid": kid}});
        stack.sign_token(&request).unwrap()
    };

    let sessions = [
        ("s-user", "j1", 200),
        ("s-user", "j1", 200),
        ("s-user", "j2", 200),
        ("s-user", "j3", 401),
        ("s-other", "j3", 200),
    ];
    for (sub, jti, status) in sessions {
        let response = stack.get("/accounts/a1", Some(&good(sub, jti))).unwrap();
        assert_eq!(response.status, status, "{sub} {jti}: {}", response.text());
    }
    assert_eq!(counter(&stack, "denied_session_limit"), 1);

    for _ in 0..3 {
        assert_eq!(
            stack
                .get("/accounts/a1", Some(&forged("victim")))
                .unwrap()
                .status,
            401
        );
    }
    let locked = stack
        .get("/accounts/a1", Some(&good("victim", "v1")))
        .unwrap();
    assert_eq!(locked.status, 429, "{}", locked.text());
    assert!(locked.header("retry-after").is_some());
    let bystander = stack
        .get("/accounts/a1", Some(&good("bystander", "b1")))
        .unwrap();
    assert_eq!(
        bystander.status, 200,
        "only the claimed principal is locked out"
    );
}

#[test]
fn every_worker_accepts_tokens_as_soon_as_one_fetched_the_keys() {
    // One root context fetches the key set and publishes it; the other workers used to answer
    // 503 until their next tick (up to 500 ms). They now take the published set on demand.
    let stack = start(json!({}), 2);
    let token = stack.token("demo-client").unwrap();
    // The first root context to install the set counts it: from then on it is published.
    wait_until(Duration::from_secs(20), || {
        counter(&stack, "jwks_fetch_ok") >= 1
    });
    let before = worker_connections(&stack);
    for n in 0..40 {
        let response = stack.get("/accounts/a1", Some(&token)).unwrap();
        assert_eq!(response.status, 200, "request {n}: {}", response.text());
    }
    assert_both_workers_served(&stack, &before);
}

#[test]
fn a_locked_out_address_is_refused_by_every_worker() {
    // The lockout is recorded in shared data with an index every worker reads on each
    // credential; a worker that saw none of the failures must refuse the address too.
    let stack = start(
        json!({"failed_auth_throttle": {"max_failures": 3, "per_source": true, "lockout_seconds": 60}}),
        2,
    );
    stack.wait_for_authn("demo-client").unwrap();
    let token = stack.token("demo-client").unwrap();
    for _ in 0..6 {
        let response = stack.get("/accounts/a1", Some(&token)).unwrap();
        assert_eq!(response.status, 200, "{}", response.text());
    }
    let kid = segment(&token, 0)["kid"].clone();
    let claims = palisade_integration_tests::idp::standard_claims(stack.ports().idp, "demo-client");
    let forged = stack
        .sign_token(&json!({"claims": claims, "unpublished_alg": "ES256", "header": {"kid": kid}}))
        .unwrap();
    for _ in 0..3 {
        let response = stack.get("/accounts/a1", Some(&forged)).unwrap();
        assert_eq!(response.status, 401, "{}", response.text());
    }
    assert_every_worker_refuses(&stack, &token, 60);
    assert_eq!(counter(&stack, "denied_throttled"), 12);
}

#[test]
fn an_ended_lockout_frees_the_address_and_the_next_one_holds_on_every_worker() {
    // Once a lockout's end has passed, the first read empties the lockout index (an empty
    // value is the cheap read of every allowed request); the next lockout must raise it again.
    let throttle = json!({"max_failures": 3, "per_source": true, "lockout_seconds": 1,
                          "max_lockout_seconds": 60});
    let stack = start(json!({ "failed_auth_throttle": throttle }), 2);
    stack.wait_for_authn("demo-client").unwrap();
    let token = stack.token("demo-client").unwrap();
    let kid = segment(&token, 0)["kid"].clone();
    let claims = palisade_integration_tests::idp::standard_claims(stack.ports().idp, "demo-client");
    let forged = stack
        .sign_token(&json!({"claims": claims, "unpublished_alg": "ES256", "header": {"kid": kid}}))
        .unwrap();
    let fail_three_times = || {
        for _ in 0..3 {
            let response = stack.get("/accounts/a1", Some(&forged)).unwrap();
            assert_eq!(response.status, 401, "{}", response.text());
        }
    };
    fail_three_times();
    assert_eq!(stack.get("/accounts/a1", Some(&token)).unwrap().status, 429);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while stack.get("/accounts/a1", Some(&token)).unwrap().status == 429 {
        assert!(
            std::time::Instant::now() < deadline,
            "the 1 s lockout never ended"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    for _ in 0..6 {
        assert_eq!(stack.get("/accounts/a1", Some(&token)).unwrap().status, 200);
    }
    // The address's second lockout lasts twice as long, and every worker enforces it.
    fail_three_times();
    assert_every_worker_refuses(&stack, &token, 2);
}

#[test]
fn bad_jwt_configurations_stop_envoy_naming_the_field() {
    let short_secret = json!({"providers": [{"name": "x", "issuer": "https://x.test", "audiences": ["a"],
        "algorithms": ["HS256"], "hmac_keys": [{"kid": "k", "alg": "HS256", "secret": "c2hvcnQ"}]}]});
    let cases = [
        (short_secret, "providers[0].hmac_keys[0].secret"),
        (
            json!({"providers": [demo_provider(json!({"algorithms": ["HS256"]}))]}),
            "providers[0].algorithms",
        ),
        (
            json!({"providers": [demo_provider(json!({"max_lifetime_seconds": 10}))]}),
            "providers[0].max_lifetime_seconds",
        ),
        (
            json!({"revocation": {"endpoint": {"cluster": "", "uri": "http://127.0.0.1/r"}}}),
            "revocation.endpoint.cluster",
        ),
        (
            json!({"token_sources": {"query": {"parameter": "t", "operations": ["nope"]}}}),
            "token_sources.query.operations",
        ),
    ];
    for (patch, field) in cases {
        let refusal = Stack::builder()
            .filters(&[Filter::Authn])
            .patch(Filter::Authn, patch)
            .start_expecting_refusal()
            .unwrap();
        assert_eq!(refusal.exit_code, Some(1), "{field}");
        let line = refusal
            .log
            .lines()
            .find(|line| line.contains("palisade.authn: invalid configuration"))
            .unwrap_or_else(|| panic!("no refusal line for {field}:\n{}", refusal.log));
        assert!(line.contains(field), "{line}");
        assert!(
            !line.contains("c2hvcnQ"),
            "a secret reached the log: {line}"
        );
    }
}

#[path = "authn_jwt/negative.rs"]
mod negative;
