//! DPoP (RFC 9449) through the real Envoy. The proofs are minted here, by hand with `p256`,
//! from the RFC — not with the filter's code — and the DPoP-bound access tokens are signed by
//! the IdP with a `cnf.jkt` computed here (RFC 7638). A valid proof passes once; every broken
//! proof, a replay (on any of two workers), and a bound token used as a bearer token are 401
//! with the `DPoP` challenge, and nothing of them reaches the upstream.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use palisade_integration_tests::{idp, paths, Filter, Request, Stack};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn fresh_jti() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "jti-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The client's key and another one (fixed test-only scalars).
fn client_key() -> SigningKey {
    SigningKey::from_slice(&[0x31; 32]).unwrap()
}

fn other_key() -> SigningKey {
    SigningKey::from_slice(&[0x32; 32]).unwrap()
}

fn public_jwk(key: &SigningKey) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    json!({"kty": "EC", "crv": "P-256", "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())})
}

/// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
fn thumbprint(key: &SigningKey) -> String {
    let jwk = public_jwk(key);
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":{},"y":{}}}"#,
        jwk["x"], jwk["y"]
    );
    b64(Sha256::digest(canonical.as_bytes()))
}

fn compact(header: &Value, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", b64(signature))
}

fn es256(key: &SigningKey) -> impl Fn(&[u8]) -> Vec<u8> + '_ {
    move |input| {
        let signature: Signature = key.sign(input);
        signature.to_bytes().to_vec()
    }
}

/// What a proof says; each test case changes one thing.
struct Proof {
    header: Value,
    claims: Value,
    signer: SigningKey,
}

impl Proof {
    fn for_request(method: &str, uri: &str, token: &str) -> Proof {
        Proof {
            header: json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk(&client_key())}),
            claims: json!({"jti": fresh_jti(), "htm": method, "htu": uri, "iat": now(),
                           "ath": b64(Sha256::digest(token.as_bytes()))}),
            signer: client_key(),
        }
    }

    fn sign(&self) -> String {
        compact(&self.header, &self.claims, es256(&self.signer))
    }
}

fn demo_provider(changes: Value) -> Value {
    let path = paths::repo_root().join("envoy-configs/demo/authn.json");
    let demo: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut provider = demo["providers"][0].clone();
    for (name, value) in changes.as_object().unwrap() {
        provider[name] = value.clone();
    }
    provider
}

fn start() -> Stack {
    let stack = Stack::builder()
        .filters(&[Filter::Authn])
        .concurrency(2)
        .patch(
            Filter::Authn,
            json!({"providers": [demo_provider(json!({"dpop": "optional"}))]}),
        )
        .start()
        .unwrap();
    stack.wait_for_authn("reader-client").unwrap();
    stack.clear_recorded().unwrap();
    stack
}

/// A `reader-client` token the IdP signed with `cnf.jkt` naming the client's key.
fn bound_token(stack: &Stack) -> String {
    let mut claims = idp::standard_claims(stack.ports().idp, "reader-client");
    claims["cnf"] = json!({"jkt": thumbprint(&client_key())});
    claims["jti"] = json!(fresh_jti());
    stack.sign_token(&json!({"claims": claims})).unwrap()
}

fn dpop_request(path: &str, token: &str, proof: &str) -> Request {
    Request::get(path)
        .header("authorization", &format!("DPoP {token}"))
        .header("dpop", proof)
}

fn assert_dpop_refusal(response: &palisade_integration_tests::Response, what: &str) {
    assert_eq!(response.status, 401, "{what}: {}", response.text());
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("DPoP realm=\"palisade-demo\", error="),
        "{what}: {challenge}"
    );
    assert!(challenge.contains("algs=\""), "{what}: {challenge}");
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json"),
        "{what}"
    );
}

#[test]
fn a_valid_proof_passes_once_and_stays_at_the_gateway() {
    let stack = start();
    let token = bound_token(&stack);
    let uri = format!("http://127.0.0.1:{}/accounts/a1", stack.ports().envoy);
    let proof = Proof::for_request("GET", &uri, &token).sign();

    let response = stack
        .send(&dpop_request("/accounts/a1", &token, &proof))
        .unwrap();
    assert_eq!(response.status, 200, "{}", response.text());
    let recorded = stack.recorded().unwrap();
    let upstream = recorded.last().unwrap();
    assert_eq!(upstream.header("x-palisade-subject"), Some("reader-client"));
    assert_eq!(upstream.header("dpop"), None);
    assert_eq!(upstream.header("authorization"), None);

    // The same proof again, on fresh connections that two workers share.
    for _ in 0..4 {
        let response = stack
            .send(&dpop_request("/accounts/a1", &token, &proof))
            .unwrap();
        assert_dpop_refusal(&response, "replayed proof");
        assert!(response.json().unwrap()["detail"]
            .as_str()
            .unwrap()
            .contains("already used"));
    }
    assert_eq!(
        stack.recorded().unwrap().len(),
        1,
        "a refused request reached the upstream"
    );
    let replays = stack
        .counter("wasmcustom.palisade_authn_denied_dpop_replayed_total")
        .unwrap();
    assert_eq!(replays, Some(4));

    let fresh = Proof::for_request("GET", &uri, &token).sign();
    let response = stack
        .send(&dpop_request("/accounts/a1", &token, &fresh))
        .unwrap();
    assert_eq!(response.status, 200);
}

#[test]
fn broken_proofs_are_refused() {
    let stack = start();
    let token = bound_token(&stack);
    let uri = format!("http://127.0.0.1:{}/accounts/a1", stack.ports().envoy);
    let proof = || Proof::for_request("GET", &uri, &token);
    let with_claim = |name: &str, value: Value| {
        let mut proof = proof();
        proof.claims[name] = value;
        proof.sign()
    };
    let with_header = |name: &str, value: Value| {
        let mut proof = proof();
        proof.header[name] = value;
        proof.sign()
    };
    let mut private_jwk = public_jwk(&client_key());
    private_jwk["d"] = json!(b64([0x31; 32]));
    let other = || {
        let mut proof = proof();
        proof.header["jwk"] = public_jwk(&other_key());
        proof.signer = other_key();
        proof.sign()
    };
    let unsigned = {
        let mut proof = proof();
        proof.header["alg"] = json!("none");
        compact(&proof.header, &proof.claims, |_| Vec::new())
    };
    let hs256 = {
        let mut proof = proof();
        proof.header["alg"] = json!("HS256");
        compact(&proof.header, &proof.claims, |input| {
            Sha256::digest(input).to_vec()
        })
    };
    let cases = [
        ("wrong htm", with_claim("htm", json!("POST"))),
        (
            "wrong htu path",
            with_claim("htu", json!(uri.replace("a1", "a2"))),
        ),
        (
            "wrong htu host",
            with_claim("htu", json!(uri.replace("127.0.0.1", "localhost"))),
        ),
        ("stale iat", with_claim("iat", json!(now() - 600))),
        ("future iat", with_claim("iat", json!(now() + 600))),
        (
            "wrong ath",
            with_claim("ath", json!(b64(Sha256::digest(b"another token")))),
        ),
        ("typ not dpop+jwt", with_header("typ", json!("jwt"))),
        ("private key in jwk", with_header("jwk", private_jwk)),
        ("signed by a key other than cnf.jkt", other()),
        ("alg none", unsigned),
        ("alg HS256", hs256),
    ];
    for (what, proof) in cases {
        let response = stack
            .send(&dpop_request("/accounts/a1", &token, &proof))
            .unwrap();
        assert_dpop_refusal(&response, what);
    }
    assert_eq!(
        stack.recorded().unwrap().len(),
        0,
        "a refused request reached the upstream"
    );
}

#[test]
fn bound_tokens_never_pass_as_bearer_tokens() {
    let stack = start();
    let token = bound_token(&stack);
    let response = stack.get("/accounts/a1", Some(&token)).unwrap();
    assert_dpop_refusal(&response, "bound token as bearer");

    // Unbound tokens still pass as bearer tokens where DPoP is optional.
    let plain = stack.token("reader-client").unwrap();
    assert_eq!(stack.get("/accounts/a1", Some(&plain)).unwrap().status, 200);
    // And with the DPoP scheme they are refused: nothing binds them to the proof's key.
    let uri = format!("http://127.0.0.1:{}/accounts/a1", stack.ports().envoy);
    let proof = Proof::for_request("GET", &uri, &plain).sign();
    let response = stack
        .send(&dpop_request("/accounts/a1", &plain, &proof))
        .unwrap();
    assert_dpop_refusal(&response, "unbound token with DPoP");
}
