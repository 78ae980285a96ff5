//! The JWT parts of the configuration: providers, key sources, token sources, revocation,
//! throttling and sessions.

use crate::alg::Algorithm;
use crate::config::{load, Config, JwksSource};
use crate::testing::{b64, every_key_jwks, ISSUER};
use palisade_shared::config::ConfigError;
use serde_json::{json, Value};

fn openapi() -> Value {
    serde_json::from_str(include_str!("../../../../schemas/demo-api.openapi.json")).unwrap()
}

/// A configuration with one provider made of `provider` over a minimal one, and `top` merged
/// into the top level.
fn with(provider: Value, top: Value) -> Result<Config, ConfigError> {
    let mut first = json!({
        "name": "idp", "issuer": ISSUER, "audiences": ["urn:palisade:demo-api"],
        "jwks": {"cluster": "palisade_idp", "uri": "http://127.0.0.1:18081/jwks"}
    });
    for (name, value) in provider.as_object().unwrap() {
        match value {
            Value::Null => first.as_object_mut().unwrap().remove(name),
            value => first
                .as_object_mut()
                .unwrap()
                .insert(name.clone(), value.clone()),
        };
    }
    let mut config = json!({"providers": [first], "openapi": openapi()});
    for (name, value) in top.as_object().unwrap() {
        config[name] = value.clone();
    }
    load(config.to_string().as_bytes())
}

fn hmac_key(alg: &str, bytes: usize) -> Value {
    json!({"kid": "hs-1", "alg": alg, "secret": b64(vec![7u8; bytes])})
}

#[test]
fn hmac_needs_an_explicit_algorithm_and_a_long_enough_secret() {
    let ok = with(
        json!({"algorithms": ["HS256", "ES256"], "hmac_keys": [hmac_key("HS256", 32)]}),
        json!({}),
    );
    let provider = &ok.unwrap().providers[0];
    assert_eq!(provider.secrets.len(), 1);
    assert!(
        !format!("{provider:?}").contains("BwcH"),
        "secrets never show in debug output"
    );
    let cases = [
        (
            json!({"algorithms": ["HS256"], "hmac_keys": [hmac_key("HS256", 31)]}),
            "providers[0].hmac_keys[0].secret",
        ),
        (
            json!({"algorithms": ["HS512"], "hmac_keys": [hmac_key("HS512", 48)]}),
            "providers[0].hmac_keys[0].secret",
        ),
        (json!({"algorithms": ["HS256"]}), "providers[0].algorithms"),
        (
            json!({"hmac_keys": [hmac_key("HS256", 32)]}),
            "providers[0].hmac_keys",
        ),
        (
            json!({"algorithms": ["RS256"], "hmac_keys": [hmac_key("RS256", 32)]}),
            "providers[0].hmac_keys[0].alg",
        ),
        (
            json!({"algorithms": ["HS256"], "hmac_keys": [{"kid": "k", "alg": "HS256", "secret": "a+b/"}]}),
            "providers[0].hmac_keys[0].secret",
        ),
        (
            json!({"algorithms": ["HS256"], "hmac_keys": [hmac_key("HS256", 32), hmac_key("HS256", 40)]}),
            "providers[0].hmac_keys[1].kid",
        ),
    ];
    for (provider, field) in cases {
        let err = with(provider.clone(), json!({})).unwrap_err();
        assert_eq!(err.field, field, "{provider} {err}");
    }
}

#[test]
fn a_provider_with_secrets_only_needs_no_jwks() {
    let config = with(
        json!({"jwks": null, "algorithms": ["HS384"], "hmac_keys": [hmac_key("HS384", 48)]}),
        json!({}),
    )
    .unwrap();
    assert_eq!(config.providers[0].jwks, JwksSource::None);
    assert_eq!(config.providers[0].algorithms, vec![Algorithm::Hs384]);
}

#[test]
fn keys_come_inline_by_uri_or_by_discovery_exactly_one_way() {
    let inline = with(json!({"jwks": {"inline": every_key_jwks()}}), json!({})).unwrap();
    assert!(matches!(&inline.providers[0].jwks, JwksSource::Inline(set) if set.len() == 4));
    let discovery = with(
        json!({"jwks": {"cluster": "palisade_idp", "discovery": true}}),
        json!({}),
    );
    match &discovery.unwrap().providers[0].jwks {
        JwksSource::Remote(source) => {
            assert!(source.discovery);
            assert_eq!(source.target.path, "/.well-known/openid-configuration");
        }
        other => panic!("{other:?}"),
    }
    let cases = [
        json!({"jwks": {"cluster": "c", "uri": "http://a/j", "discovery": true}}),
        json!({"jwks": {"cluster": "c"}}),
        json!({"jwks": {"cluster": "c", "inline": every_key_jwks()}}),
        json!({"jwks": {"inline": {"keys": []}}}),
        json!({"jwks": {"discovery": true}}),
        json!({"issuer": "urn:not-a-url", "jwks": {"cluster": "c", "discovery": true}}),
    ];
    for provider in cases {
        assert!(with(provider.clone(), json!({})).is_err(), "{provider}");
    }
}

#[test]
fn checks_lifetime_type_and_required_claims() {
    let config = with(
        json!({"max_lifetime_seconds": 3600, "token_type": "application/AT+JWT",
               "required_claims": [{"name": "jti"}, {"name": "tenant", "value": "acme"}]}),
        json!({}),
    )
    .unwrap();
    let provider = &config.providers[0];
    assert_eq!(provider.max_lifetime_seconds, 3600);
    assert_eq!(provider.token_type.as_deref(), Some("at+jwt"));
    assert_eq!(provider.required_claims.len(), 2);
    let cases = [
        (
            json!({"max_lifetime_seconds": 59}),
            "providers[0].max_lifetime_seconds",
        ),
        (
            json!({"max_lifetime_seconds": 86401}),
            "providers[0].max_lifetime_seconds",
        ),
        (json!({"token_type": ""}), "providers[0].token_type"),
        (
            json!({"token_type": "application/"}),
            "providers[0].token_type",
        ),
        (
            json!({"required_claims": [{"name": ""}]}),
            "providers[0].required_claims",
        ),
        (
            json!({"required_claims": [{"name": "a", "equals": 1}]}),
            "providers[0].required_claims[0]",
        ),
    ];
    for (provider, field) in cases {
        let err = with(provider.clone(), json!({})).unwrap_err();
        assert!(err.field.starts_with(field), "{provider} {err}");
    }
}

#[test]
fn token_sources_name_real_operations_and_providers() {
    let query = |query: Value| json!({"token_sources": {"query": query}});
    let ok = with(
        json!({}),
        query(
            json!({"parameter": "access_token", "operations": ["getAccount"], "providers": ["idp"]}),
        ),
    );
    assert_eq!(
        ok.unwrap().token_sources.query.unwrap().operations,
        vec!["getAccount"]
    );
    let cases = [
        (
            query(json!({"parameter": "access_token", "operations": []})),
            "token_sources.query.operations",
        ),
        (
            query(json!({"parameter": "access_token", "operations": ["nope"]})),
            "token_sources.query.operations",
        ),
        (
            query(json!({"parameter": "t", "operations": ["getAccount"], "providers": ["x"]})),
            "token_sources.query.providers",
        ),
        (
            query(json!({"parameter": "a b", "operations": ["getAccount"]})),
            "token_sources.query.parameter",
        ),
        (
            json!({"token_sources": {"header": "Authorization"}}),
            "token_sources.header",
        ),
        (
            json!({"token_sources": {"header": "cookie"}}),
            "token_sources.header",
        ),
        (
            json!({"token_sources": {"cookie": "a;b"}}),
            "token_sources.cookie",
        ),
        (
            json!({"token_sources": {"authorization": false}}),
            "token_sources",
        ),
    ];
    for (top, field) in cases {
        let err = with(json!({}), top.clone()).unwrap_err();
        assert_eq!(err.field, field, "{top} {err}");
    }
}

#[test]
fn loads_revocation_throttle_sessions_and_claim_forwarding() {
    let config = with(
        json!({}),
        json!({
            "revocation": {"jti": ["j1"], "endpoint": {"cluster": "revocations", "uri": "http://127.0.0.1:9/r"}},
            "failed_auth_throttle": {"max_failures": 5},
            "max_sessions_per_subject": 3,
            "keep_claims": ["accounts", "realm_access.roles"],
            "claim_headers": {"tenant": "x-palisade-tenant"}
        }),
    )
    .unwrap();
    let endpoint = config
        .revocation
        .as_ref()
        .unwrap()
        .endpoint
        .as_ref()
        .unwrap();
    assert_eq!(endpoint.source.refresh.as_secs(), 4);
    assert!(endpoint.required);
    assert_eq!(config.throttle.unwrap().max_failures, 5);
    assert_eq!(config.throttle.unwrap().lockout_ms, 30_000);
    assert_eq!(config.sessions.unwrap().max_per_subject, 3);
    assert_eq!(config.keep_claims.len(), 2);
    assert_eq!(config.claim_headers[0].header, "x-palisade-tenant");
    let cases = [
        (
            json!({"revocation": {"endpoint": {"cluster": "", "uri": "http://a/r"}}}),
            "revocation.endpoint.cluster",
        ),
        (
            json!({"revocation": {"endpoint": {"cluster": "c", "uri": "http://a/r", "interval_seconds": 0}}}),
            "revocation.endpoint.interval_seconds",
        ),
        (json!({"revocation": {"sub": [""]}}), "revocation.sub"),
        (
            json!({"failed_auth_throttle": {"max_failures": 0}}),
            "failed_auth_throttle.max_failures",
        ),
        (
            json!({"failed_auth_throttle": {"lockout_seconds": 60, "max_lockout_seconds": 30}}),
            "failed_auth_throttle.max_lockout_seconds",
        ),
        (
            json!({"failed_auth_throttle": {"per_source": false, "per_principal": false}}),
            "failed_auth_throttle",
        ),
        (
            json!({"max_sessions_per_subject": 0}),
            "max_sessions_per_subject",
        ),
        (json!({"keep_claims": ["a", "a"]}), "keep_claims"),
        (
            json!({"claim_headers": {"tenant": "authorization"}}),
            "claim_headers.tenant",
        ),
    ];
    for (top, field) in cases {
        let err = with(json!({}), top.clone()).unwrap_err();
        assert_eq!(err.field, field, "{top} {err}");
    }
}
