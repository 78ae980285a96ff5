//! Palisade's end-to-end harness: the five filters in a real Envoy in front of the real demo
//! API, with the real OpenID provider, all on free loopback ports per test.
//!
//! A [`Stack`] runs the demo API (in-process), `idp/server.mjs` (node) and Envoy
//! (`.venv/bin/envoy`, or `PALISADE_ENVOY`) with `envoy-configs/demo.template.yaml` rendered for
//! its ports; the wasm modules come from `target/wasm32-wasip1/release` (`make build`). Dropping
//! the stack kills what it started; when the test is failing it first prints the tails of the
//! logs. Requests go out byte for byte (no path normalisation, no redirects, any status is an
//! answer).
//!
//! ```no_run
//! use palisade_integration_tests::{Filter, Request, Stack};
//! use serde_json::json;
//!
//! // All five filters; `.filters(&[Filter::Authn])` for fewer, `.passthrough()` for none.
//! let stack = Stack::builder()
//!     .patch(Filter::Authz, json!({"realm": "test"})) // merge patch over demo/authz.json
//!     .start()
//!     .expect("stack starts");
//! stack.wait_for_authn("demo-client").expect("JWKS fetched");
//!
//! let token = stack.token("demo-client").expect("token");
//! let response = stack.get("/accounts/a1", Some(&token)).expect("answer");
//! assert_eq!(response.status, 200);
//!
//! let response = stack
//!     .send(&Request::new("POST", "/transfers").bearer(&token).json(&json!({"amount": -1})))
//!     .expect("answer");
//! assert_eq!(response.status, 400);
//!
//! let upstream = stack.recorded().expect("recorded"); // what reached the demo API
//! assert_eq!(upstream.last().and_then(|r| r.header("x-palisade-subject")), Some("demo-client"));
//! let audit = stack.wait_for_audit_records(2).expect("audit lines");
//! let denied = stack.counter("wasmcustom.palisade_validate_denied_total").expect("stats");
//!
//! // A bad filter config must stop Envoy at bootstrap:
//! let refusal = Stack::builder()
//!     .filters(&[Filter::Authn])
//!     .patch(Filter::Authn, json!({"no_such_field": true}))
//!     .start_expecting_refusal()
//!     .expect("envoy exits");
//! assert_eq!(refusal.exit_code, Some(1));
//! ```
//!
//! Tokens: [`Stack::token`] (client credentials for `demo-client`, `reader-client` or
//! `admin-client`, resource `urn:palisade:demo-api`), [`idp::token_request`] for odd requests,
//! and [`Stack::sign_token`] to have the IdP sign arbitrary claims (expired, wrong audience,
//! a key it does not publish, HS256 over a chosen secret); [`idp::standard_claims`] is a valid
//! starting point; [`Stack::rotate_idp_key`] adds a signing key (optionally retiring the
//! others). Other helpers: [`Stack::audit_records`], [`Stack::recorded`], [`Stack::counter`],
//! [`Stack::envoy_log`], [`http::Connection`] for keep-alive and raw bytes.
//!
//! mTLS: [`tls::Pki`] makes a test CA and client certificates (SPIFFE IDs as URI SANs),
//! [`tls::mtls_template`] a TLS variant of the demo template for [`StackBuilder::template`],
//! and [`tls::send`] is the HTTPS client, with or without a client certificate.
//!
//! A test file under `tests/` that has helper functions outside `#[test]` should open with
//! `#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]`
//! (clippy only exempts `#[test]` functions themselves). Run one file with
//! `make build && cargo test -p palisade-integration-tests --test <file> -- --test-threads=2`.

pub mod bench;
pub mod check;
pub mod cpu;
pub mod error;
pub mod http;
pub mod idp;
pub mod paths;
pub mod ports;
pub mod process;
pub mod render;
pub mod stack;
pub mod tls;

pub use error::HarnessError;
pub use http::{Request, Response};
pub use render::{Filter, Ports};
pub use stack::{RecordedRequest, Refusal, Stack, StackBuilder};
