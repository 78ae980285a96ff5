//! Service identity and certificate-bound tokens through the real Envoy, on a TLS listener that
//! validates client certificates against a test CA (`tls::mtls_template`).
//!
//! With `require_client_certificate: true`, a client without a certificate never gets past the
//! handshake (Envoy 1.40 with TLS 1.3: the handshake completes on the client's side, then Envoy
//! sends an alert and closes, so the client sees no answer). With it false, such a client
//! reaches authn, which answers 401 on the service operations. Envoy's HCM strips a
//! client-sent `x-forwarded-client-cert` itself under its default `SANITIZE`; these listeners
//! use `FORWARD_ONLY`/`ALWAYS_FORWARD_ONLY`, which pass it through, so that what is checked
//! here is authn's own removal and its trust in front proxies.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use palisade_integration_tests::process::poll_until;
use palisade_integration_tests::tls::{self, ClientIdentity, Pki};
use palisade_integration_tests::{idp, Filter, Request, Response, Stack};
use serde_json::{json, Value};
use std::time::Duration;

const PAYMENTS: &str = "spiffe://example.org/ns/payments/sa/api";
const OTHER: &str = "spiffe://example.org/ns/other/sa/api";
const BILLING: &str = "spiffe://example.org/ns/billing/sa/api";
const FRONT: &str = "spiffe://example.org/ns/edge/sa/front";
const XFCC: &str = "x-forwarded-client-cert";

struct World {
    stack: Stack,
    pki: Pki,
    payments: ClientIdentity,
    other: ClientIdentity,
    front: ClientIdentity,
}

impl World {
    fn start(label: &str, require_client_certificate: bool, forward: &str) -> World {
        let pki = Pki::generate(label).unwrap();
        let payments = pki
            .client("payments", Some(PAYMENTS), "/O=Example/CN=payments")
            .unwrap();
        let other = pki
            .client("other", Some(OTHER), "/O=Example/CN=other")
            .unwrap();
        let front = pki
            .client("front", Some(FRONT), "/O=Example/CN=front")
            .unwrap();
        let template = tls::mtls_template(&pki, require_client_certificate, forward).unwrap();
        let stack = Stack::builder()
            .label(label)
            .filters(&[Filter::Authn])
            .template(&template)
            .patch(Filter::Authn, mtls_section())
            .start()
            .unwrap();
        let world = World {
            stack,
            pki,
            payments,
            other,
            front,
        };
        world.wait_for_jwks();
        world.stack.clear_recorded().unwrap();
        world
    }

    fn send(&self, client: Option<&ClientIdentity>, request: &Request) -> Response {
        tls::send(self.stack.ports().envoy, &self.pki, client, request).unwrap()
    }

    fn wait_for_jwks(&self) {
        let token = self.stack.token("reader-client").unwrap();
        let request = Request::get("/accounts/a1").bearer(&token);
        poll_until("authn (JWKS fetched)", Duration::from_secs(30), || {
            Ok(self.send(Some(&self.payments), &request).status != 503)
        })
        .unwrap();
    }

    /// A token for `reader-client` bound to `cert` (RFC 8705 `cnf.x5t#S256`).
    fn bound_token(&self, cert: &ClientIdentity) -> String {
        let mut claims = idp::standard_claims(self.stack.ports().idp, "reader-client");
        claims["cnf"] = json!({"x5t#S256": URL_SAFE_NO_PAD.encode(cert.sha256)});
        self.stack.sign_token(&json!({"claims": claims})).unwrap()
    }

    fn last_upstream_header(&self, name: &str) -> Option<String> {
        let recorded = self.stack.recorded().unwrap();
        recorded
            .last()
            .and_then(|r| r.header(name))
            .map(String::from)
    }
}

fn mtls_section() -> Value {
    json!({"mtls": {
        "operations": ["listAccounts"],
        "allow": [
            {"spiffe_id": "spiffe://example.org/ns/payments/*", "scopes": ["accounts:read"]},
            {"spiffe_id": BILLING, "scopes": ["accounts:read"], "roles": ["billing"]}
        ],
        "trusted_front_proxies": [FRONT]
    }})
}

fn problem_type(response: &Response) -> String {
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    response.json().unwrap()["type"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn service_identities_come_from_the_client_certificate() {
    let world = World::start("mtls_required", true, "FORWARD_ONLY");
    let accounts = Request::get("/accounts");

    let response = world.send(Some(&world.payments), &accounts);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        world.last_upstream_header("x-palisade-subject").as_deref(),
        Some(PAYMENTS)
    );
    assert_eq!(
        world.last_upstream_header("x-palisade-scopes").as_deref(),
        Some("accounts:read")
    );

    let response = world.send(Some(&world.other), &accounts);
    assert_eq!(response.status, 403);
    assert_eq!(
        problem_type(&response),
        "urn:palisade:problem:client-identity-not-allowed"
    );

    let refused = tls::send(world.stack.ports().envoy, &world.pki, None, &accounts);
    assert!(
        refused.is_err(),
        "a client without certificate got an answer: {refused:?}"
    );
}

#[test]
fn a_forged_xfcc_neither_reaches_the_upstream_nor_changes_the_identity() {
    let world = World::start("mtls_xfcc", true, "FORWARD_ONLY");
    let forged = Request::get("/accounts").header(XFCC, &format!("URI={BILLING}"));

    let response = world.send(Some(&world.payments), &forged);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        world.last_upstream_header("x-palisade-subject").as_deref(),
        Some(PAYMENTS)
    );
    assert_eq!(world.last_upstream_header(XFCC), None);

    // A client that is not allowlisted gains nothing by naming an allowlisted identity.
    let response = world.send(Some(&world.other), &forged);
    assert_eq!(response.status, 403);

    // The trusted front proxy speaks for its client, whose identity then counts.
    let response = world.send(Some(&world.front), &forged);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        world.last_upstream_header("x-palisade-subject").as_deref(),
        Some(BILLING)
    );
    let forwarded = world.last_upstream_header(XFCC);
    assert_eq!(forwarded, Some(format!("URI={BILLING}")));

    let response = world.send(Some(&world.front), &Request::get("/accounts"));
    assert_eq!(response.status, 401, "the proxy itself is not the caller");
    let malformed = Request::get("/accounts").header(XFCC, "URI=\"unterminated");
    let response = world.send(Some(&world.front), &malformed);
    assert_eq!(response.status, 400);
    let kind = problem_type(&response);
    assert_eq!(
        kind,
        "urn:palisade:problem:invalid-forwarded-client-certificate"
    );
}

#[test]
fn certificate_bound_tokens_pass_only_over_their_certificate() {
    let world = World::start("mtls_bound", true, "FORWARD_ONLY");
    let token = world.bound_token(&world.payments);
    let account = Request::get("/accounts/a1").bearer(&token);

    let response = world.send(Some(&world.payments), &account);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        world.last_upstream_header("x-palisade-subject").as_deref(),
        Some("reader-client")
    );

    let response = world.send(Some(&world.other), &account);
    assert_eq!(response.status, 401);
    let challenge = response.header("www-authenticate").unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");

    // A cached token is checked again on the next connection.
    let response = world.send(Some(&world.payments), &account);
    assert_eq!(response.status, 200);
    let denied = world
        .stack
        .counter("wasmcustom.palisade_authn_denied_certificate_binding_mismatch_total");
    assert_eq!(denied.unwrap(), Some(1));
}

#[test]
fn without_a_required_handshake_certificate_authn_answers_401() {
    let world = World::start("mtls_optional", false, "ALWAYS_FORWARD_ONLY");

    let response = world.send(None, &Request::get("/accounts"));
    assert_eq!(response.status, 401);
    assert_eq!(
        response.header("www-authenticate"),
        Some("Palisade-mTLS realm=\"palisade-demo\"")
    );
    assert_eq!(
        problem_type(&response),
        "urn:palisade:problem:client-certificate-required"
    );

    // A bound token over a connection without the certificate is refused.
    let token = world.bound_token(&world.payments);
    let response = world.send(None, &Request::get("/accounts/a1").bearer(&token));
    assert_eq!(response.status, 401);

    // Envoy forwards any client's XFCC here (ALWAYS_FORWARD_ONLY); authn removes it.
    let health = Request::get("/health").header(XFCC, &format!("URI={PAYMENTS}"));
    let response = world.send(None, &health);
    assert_eq!(response.status, 200);
    assert_eq!(world.last_upstream_header(XFCC), None);
}
