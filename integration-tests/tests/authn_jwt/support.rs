//! Helpers shared by the JWT tests: stacks, providers, claims, counters, per-worker stats.

use palisade_integration_tests::{Filter, Response, Stack};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Issuer of the tokens Node mints.
pub const NODE_ISSUER: &str = "https://node-keys.test";

/// Envoy with authn alone in front of the demo API, `workers` worker threads.
pub fn start(patch: Value, workers: u32) -> Stack {
    Stack::builder()
        .filters(&[Filter::Authn])
        .concurrency(workers)
        .patch(Filter::Authn, patch)
        .start()
        .unwrap()
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Claims the Node provider accepts, for subject `sub`.
pub fn node_claims(sub: &str) -> Value {
    json!({"iss": NODE_ISSUER, "sub": sub, "aud": "urn:palisade:demo-api", "scope": "accounts:read",
           "iat": now(), "exp": now() + 600, "jti": format!("{sub}-{}", now())})
}

/// A 512-bit HMAC secret for `alg` (base64url), different per algorithm.
pub fn hmac_secret(alg: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{alg}-test-secret-").repeat(6).as_bytes())
}

/// The provider of Node-minted tokens, with `jwks` and these algorithms (HS* get a secret).
pub fn node_provider(jwks: Value, algorithms: &[&str]) -> Value {
    let hmac_keys: Vec<Value> = algorithms
        .iter()
        .filter_map(|alg| {
            let bits = alg.strip_prefix("HS")?;
            Some(json!({"kid": format!("hs-{bits}"), "alg": alg, "secret": hmac_secret(alg)}))
        })
        .collect();
    json!({"name": "node", "issuer": NODE_ISSUER, "audiences": ["urn:palisade:demo-api"],
           "algorithms": algorithms, "hmac_keys": hmac_keys, "jwks": jwks})
}

/// The demo IdP's provider as `envoy-configs/demo/authn.json` has it, with `changes` replacing
/// top-level members.
pub fn demo_provider(changes: Value) -> Value {
    let mut provider = json!({
        "name": "demo-idp", "issuer": "http://127.0.0.1:{{IDP_PORT}}",
        "audiences": ["urn:palisade:demo-api"], "algorithms": ["ES256", "RS256"],
        "jwks": {"cluster": "palisade_idp", "uri": "http://127.0.0.1:{{IDP_PORT}}/jwks"},
        "max_lifetime_seconds": 3600, "token_type": "at+jwt"
    });
    for (name, value) in changes.as_object().unwrap() {
        provider[name] = value.clone();
    }
    provider
}

pub fn segment(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// The token with one signature character changed, still canonical base64url.
pub fn altered(token: &str) -> String {
    let (input, signature) = token.rsplit_once('.').unwrap();
    let mut chars: Vec<char> = signature.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    format!("{input}.{}", chars.into_iter().collect::<String>())
}

pub fn assert_invalid_token(response: &Response, what: &str) {
    assert_eq!(response.status, 401, "{what}: {}", response.text());
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer realm=") && challenge.contains("error=\"invalid_token\""),
        "{what}: {challenge}"
    );
    assert_eq!(
        response.json().unwrap()["type"],
        "urn:palisade:problem:invalid-token",
        "{what}"
    );
}

/// `palisade_authn_<name>_total`, 0 while Envoy does not know it.
pub fn counter(stack: &Stack, name: &str) -> u64 {
    let full = format!("wasmcustom.palisade_authn_{name}_total");
    stack.counter(&full).unwrap().unwrap_or(0)
}

/// Waits (bounded) until `ready` holds.
pub fn wait_until(timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(Instant::now() < deadline, "not ready after {timeout:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Connections each worker accepted so far, by worker (`worker_0`, `worker_1`, …).
pub fn worker_connections(stack: &Stack) -> Vec<(String, u64)> {
    let listener = format!("listener.127.0.0.1_{}.worker_", stack.ports().envoy);
    let stats = stack.stats().unwrap();
    stats
        .lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(": ")?;
            let worker = name
                .strip_prefix(&listener)?
                .strip_suffix(".downstream_cx_total")?;
            Some((worker.to_string(), value.trim().parse().ok()?))
        })
        .collect()
}

/// Both workers accepted connections since `before`.
pub fn assert_both_workers_served(stack: &Stack, before: &[(String, u64)]) {
    let after = worker_connections(stack);
    assert_eq!(after.len(), 2, "two workers: {after:?}");
    for (worker, count) in &after {
        let earlier = before
            .iter()
            .find(|(w, _)| w == worker)
            .map_or(0, |(_, c)| *c);
        assert!(
            *count > earlier,
            "worker {worker} served nothing: {before:?} -> {after:?}"
        );
    }
}

/// Twelve requests with `token` over new connections, spread over both workers: each refused
/// 429 with a `Retry-After` of 1 to `max_retry_after` seconds.
pub fn assert_every_worker_refuses(stack: &Stack, token: &str, max_retry_after: u64) {
    let before = worker_connections(stack);
    for _ in 0..12 {
        let response = stack.get("/accounts/a1", Some(token)).unwrap();
        assert_eq!(response.status, 429, "{}", response.text());
        let retry_after: u64 = response.header("retry-after").unwrap().parse().unwrap();
        assert!(
            (1..=max_retry_after).contains(&retry_after),
            "{retry_after}"
        );
    }
    assert_both_workers_served(stack, &before);
}
