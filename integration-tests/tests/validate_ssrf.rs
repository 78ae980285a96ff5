//! Outbound URL fields through the real Envoy: a webhook registration whose `callback_url` the
//! contract ties to an allowlist is refused, with a pointer and never quoting the URL, when the
//! URL points at an internal address in any notation, hides its host behind parser tricks or
//! names a host the list does not hold; allowed URLs reach the API.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::{paths, Filter, Request, Stack};
use serde_json::{json, Value};

/// The demo contract plus `POST /webhooks`, whose `callback_url` must satisfy the allowlist
/// named `allowlist`.
fn openapi_with_webhooks(allowlist: &str) -> Value {
    let text = std::fs::read_to_string(paths::repo_root().join("schemas/demo-api.openapi.json"));
    let mut document: Value = serde_json::from_str(&text.unwrap()).unwrap();
    document["paths"]["/webhooks"] = json!({"post": {
        "operationId": "registerWebhook",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object",
            "additionalProperties": false,
            "required": ["callback_url"],
            "properties": {
                "callback_url": {
                    "type": "string", "format": "uri", "x-palisade-url-allowlist": allowlist
                },
                "events": {"type": "array", "items": {"type": "string"}}
            }
        }}}},
        "responses": {"201": {"description": "Registered"}}
    }});
    document
}

/// Partners' hooks over https on the default port or 8443, and one public address.
fn partners() -> Value {
    json!({"partners": {"hosts": ["hooks.partner.example", "*.partner.example", "93.184.216.34"], "ports": [8443]}})
}

fn register(stack: &Stack, url: &str) -> palisade_integration_tests::Response {
    let body = json!({"callback_url": url, "events": ["transfer.booked"]});
    stack
        .send(&Request::new("POST", "/webhooks").json(&body))
        .unwrap()
}

#[test]
fn internal_and_tricky_callback_urls_never_reach_the_api() {
    let stack = Stack::builder()
        .filters(&[Filter::Validate])
        .patch(
            Filter::Validate,
            json!({"openapi": openapi_with_webhooks("partners"), "url_allowlists": partners()}),
        )
        .start()
        .unwrap();
    let refused = [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://2130706433/hook", "loopback"),
        ("https://0177.0.0.1/hook", "loopback"),
        ("https://0x7f.1/hook", "loopback"),
        ("https://127.1/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://[::ffff:7f00:1]/hook", "loopback"),
        (
            "https://169.254.169.254/latest/meta-data/",
            "cloud metadata",
        ),
        ("https://[fd00:ec2::254]/", "cloud metadata"),
        ("https://100.100.100.200/", "cloud metadata"),
        ("https://10.0.0.7/hook", "private"),
        ("https://192.168.1.1/hook", "private"),
        ("https://100.64.0.1/hook", "shared (CGNAT)"),
        ("https://[fe80::1%25eth0]/hook", "percent-encoded host"),
        (
            "https://hooks.partner.example@evil.example/",
            "user information",
        ),
        ("https://evil.example#@hooks.partner.example/", "fragment"),
        ("https://evil.example\\@hooks.partner.example/", "must not"),
        (
            "https://hooks.partner.example%2eevil.example/",
            "percent-encoded host",
        ),
        ("https://hooks.partner.example./", "ending in a dot"),
        ("https://localhost/", "reserved for local use"),
        ("http://hooks.partner.example/", "scheme"),
        ("https://evil.example/", "host the allowlist does not allow"),
        (
            "https://xn--hks-seda.partner.example.evil.example/",
            "host the allowlist",
        ),
        ("https://hooks.partner.example:22/", "port"),
        ("https://134744072/", "notation other than dotted decimal"),
    ];
    for (url, reason) in refused {
        let response = register(&stack, url);
        assert_eq!(response.status, 400, "{url}: {}", response.text());
        let problem = response.json().unwrap();
        assert_eq!(
            problem["type"], "urn:palisade:problem:invalid-body",
            "{url}"
        );
        // `format: uri` may add a violation of its own; ours names the reason.
        let violations = problem["violations"].as_array().unwrap();
        assert!(
            violations.iter().all(|v| v["pointer"] == "/callback_url")
                && violations
                    .iter()
                    .any(|v| v["reason"].as_str().unwrap().contains(reason)),
            "{url}: {problem}"
        );
        assert!(
            !response.text().contains(url),
            "{url}: the answer quotes the URL"
        );
    }
    assert!(
        stack.recorded().unwrap().is_empty(),
        "a refused URL reached the API"
    );

    let allowed = [
        "https://hooks.partner.example/in",
        "HTTPS://EU.HOOKS.PARTNER.EXAMPLE:8443/in?x=1",
        "https://93.184.216.34/in",
    ];
    for url in allowed {
        let response = register(&stack, url);
        assert_ne!(response.status, 400, "{url}: {}", response.text());
    }
    let reached: Vec<Value> = stack
        .recorded()
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["callback_url"].clone())
        .collect();
    assert_eq!(reached, allowed.map(Value::from).to_vec());
    let denied = stack
        .counter("wasmcustom.palisade_validate_denied_total")
        .unwrap();
    assert_eq!(denied, Some(refused.len() as u64));
}

#[test]
fn a_url_field_naming_no_configured_allowlist_stops_envoy() {
    let refusal = Stack::builder()
        .filters(&[Filter::Validate])
        .patch(
            Filter::Validate,
            json!({"openapi": openapi_with_webhooks("nobody"), "url_allowlists": partners()}),
        )
        .start_expecting_refusal()
        .unwrap();

    assert_eq!(refusal.exit_code, Some(1));
    let field = "openapi.paths./webhooks.post.requestBody.content.application/json.schema.properties.callback_url.x-palisade-url-allowlist";
    assert!(
        refusal.log.lines().any(
            |line| line.contains("palisade.validate: invalid configuration")
                && line.contains(field)
        ),
        "{}",
        refusal.log
    );
}
