use super::*;
use crate::alg::Algorithm;
use serde_json::{json, Value};
use std::time::Duration;

/// The remote JWKS source of provider 0.
fn remote(config: &Config) -> &RemoteSource {
    match &config.providers[0].jwks {
        JwksSource::Remote(source) => source,
        other => panic!("not remote: {other:?}"),
    }
}

fn openapi() -> Value {
    serde_json::from_str(include_str!("../../../schemas/demo-api.openapi.json")).unwrap()
}

fn minimal() -> Value {
    json!({
        "providers": [{
            "name": "idp",
            "issuer": "http://127.0.0.1:18081",
            "audiences": ["urn:palisade:demo-api"],
            "jwks": {"cluster": "palisade_idp", "uri": "http://127.0.0.1:18081/jwks"}
        }],
        "openapi": openapi()
    })
}

fn load_value(value: &Value) -> Result<Config, ConfigError> {
    load(value.to_string().as_bytes())
}

/// `minimal()` with the value at a JSON pointer replaced (or removed when `None`).
fn changed(pointer: &str, value: Option<Value>) -> Value {
    let mut config = minimal();
    let (parent, name) = pointer.rsplit_once('/').unwrap();
    let parent = config.pointer_mut(parent).unwrap().as_object_mut().unwrap();
    match value {
        Some(value) => parent.insert(name.to_string(), value),
        None => parent.remove(name),
    };
    config
}

#[test]
fn loads_a_minimal_configuration_with_safe_defaults() {
    let config = load_value(&minimal()).unwrap();
    assert_eq!(config.realm, "palisade");
    assert_eq!(config.signature_backend, SignatureBackend::Auto);
    assert_eq!((config.max_token_bytes, config.cache_entries), (8192, 1024));
    assert!(config.forward_identity_headers && !config.forward_token);
    let provider = &config.providers[0];
    assert_eq!(provider.algorithms, Algorithm::ASYMMETRIC.to_vec());
    assert_eq!(provider.leeway_seconds, 60);
    assert_eq!(provider.max_lifetime_seconds, 900);
    assert_eq!(provider.token_type, None);
    let jwks = remote(&config);
    assert_eq!(
        (jwks.target.scheme.as_str(), jwks.target.authority.as_str()),
        ("http", "127.0.0.1:18081")
    );
    assert_eq!(jwks.target.path, "/jwks");
    assert_eq!(jwks.refresh, Duration::from_secs(300));
    assert!(!jwks.discovery);
    assert!(config.revocation.is_none() && config.throttle.is_none() && config.sessions.is_none());
    assert!(config.token_sources.authorization && config.token_sources.query.is_none());
}

#[test]
fn loads_the_demo_configuration_once_rendered() {
    let text = include_str!("../../../envoy-configs/demo/authn.json")
        .replace("\"{{OPENAPI}}\"", &openapi().to_string())
        .replace("{{IDP_PORT}}", "18081");
    let config = load(text.as_bytes()).unwrap();
    assert_eq!(remote(&config).cluster, "palisade_idp");
    assert_eq!(config.providers[0].issuer, "http://127.0.0.1:18081");
}

#[test]
fn uri_without_path_asks_for_the_root() {
    let config = changed(
        "/providers/0/jwks/uri",
        Some(json!("https://idp.example:8443")),
    );
    let config = load_value(&config).unwrap();
    assert_eq!(remote(&config).target.path, "/");
    assert_eq!(remote(&config).target.scheme, "https");
}

#[test]
fn refuses_bad_configurations_naming_the_field() {
    let cases: Vec<(Value, &str)> = vec![
        (changed("/colour", Some(json!("red"))), "colour"),
        (
            changed("/providers/0/jwks/clutser", Some(json!("x"))),
            "providers[0].jwks.clutser",
        ),
        (changed("/providers/0/jwks", None), "providers[0].jwks"),
        (
            changed("/providers/0/jwks/cluster", Some(json!(""))),
            "providers[0].jwks.cluster",
        ),
        (
            changed("/providers/0/jwks/cluster", Some(json!(" idp"))),
            "providers[0].jwks.cluster",
        ),
        (
            changed("/providers/0/jwks/uri", Some(json!("ftp://idp/jwks"))),
            "providers[0].jwks.uri",
        ),
        (
            changed("/providers/0/jwks/uri", Some(json!("/jwks"))),
            "providers[0].jwks.uri",
        ),
        (
            changed("/providers/0/jwks/uri", Some(json!("http:///jwks"))),
            "providers[0].jwks.uri",
        ),
        (
            changed("/providers/0/jwks/uri", Some(json!("http://u:p@idp/"))),
            "providers[0].jwks.uri",
        ),
        (
            changed("/providers/0/jwks/uri", Some(json!("http://idp/a b"))),
            "providers[0].jwks.uri",
        ),
        (
            changed("/providers/0/jwks/refresh_interval_seconds", Some(json!(1))),
            "providers[0].jwks.refresh_interval_seconds",
        ),
        (
            changed("/providers/0/algorithms", Some(json!(["HS256"]))),
            "providers[0].algorithms",
        ),
        (
            changed("/providers/0/algorithms", Some(json!(["none"]))),
            "providers[0].algorithms[0]",
        ),
        (
            changed("/providers/0/algorithms", Some(json!([]))),
            "providers[0].algorithms",
        ),
        (
            changed("/providers/0/audiences", Some(json!([]))),
            "providers[0].audiences",
        ),
        (
            changed("/providers/0/issuer", Some(json!(""))),
            "providers[0].issuer",
        ),
        (
            changed("/providers/0/leeway_seconds", Some(json!(3600))),
            "providers[0].leeway_seconds",
        ),
        (changed("/providers", Some(json!([]))), "providers"),
        (
            changed("/openapi", Some(json!("{{OPENAPI}}"))),
            "openapi.openapi",
        ),
        (changed("/openapi", None), ""),
        (
            changed("/signature_backend", Some(json!("boringssl"))),
            "signature_backend",
        ),
        (
            changed("/max_token_bytes", Some(json!(10))),
            "max_token_bytes",
        ),
        (changed("/realm", Some(json!("a\"b"))), "realm"),
    ];
    for (config, field) in cases {
        let err = load_value(&config).unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
}

#[test]
fn refuses_two_providers_with_one_issuer() {
    let mut config = minimal();
    let mut second = config["providers"][0].clone();
    second["name"] = json!("other");
    config["providers"].as_array_mut().unwrap().push(second);
    let err = load_value(&config).unwrap_err();
    assert_eq!(err.field, "providers[1].issuer");
}

#[test]
fn missing_jwks_source_is_named_in_the_reason() {
    let err = load_value(&changed("/providers/0/jwks", None)).unwrap_err();
    assert!(err.reason.contains("jwks"), "{err}");
}
