use super::*;
use crate::alg::Algorithm;
use crate::config;
use crate::jwks::KeySet;
use crate::testing::*;
use crate::verify::{AutoVerifier, ForeignCallError, HostVerifier, PureRustVerifier, VerifyError};
use hmac::{Hmac, Mac};
use palisade_shared::shared_data::FakeSharedData;
use serde_json::{json, Value};

struct Fixture {
    config: Config,
    keys: KeyStore,
    cache: RefCell<TokenCache>,
    shared: FakeSharedData,
    revocations: Revocations,
}

impl Fixture {
    fn new() -> Self {
        let config = json!({
            "providers": [{
                "name": "idp", "issuer": ISSUER, "audiences": [AUDIENCE],
                "roles_claim": "roles",
                "jwks": {"cluster": "palisade_idp", "uri": "http://127.0.0.1:18081/jwks"}
            }],
            "openapi": serde_json::from_str::<Value>(
                include_str!("../../../schemas/demo-api.openapi.json")).unwrap()
        });
        let config = config::load(config.to_string().as_bytes()).unwrap();
        let keys = KeyStore::new(1);
        keys.install(0, KeySet::parse(jwks().to_string().as_bytes()).unwrap());
        Fixture {
            config,
            keys,
            cache: RefCell::new(TokenCache::new(16)),
            shared: FakeSharedData::default(),
            revocations: Revocations::default(),
        }
    }

    fn decide_with(&self, verifier: &dyn Verifier, path: &str, auth: &[&str], now: u64) -> Verdict {
        let authenticator = Authenticator {
            config: &self.config,
            keys: &self.keys,
            cache: &self.cache,
            verifier,
            shared: &self.shared,
            revocations: &self.revocations,
        };
        let facts = RequestFacts {
            method: Some("GET"),
            path: Some(path),
            authorization: auth.to_vec(),
            ..RequestFacts::default()
        };
        authenticator.decide(&facts, now)
    }

    fn decide(&self, path: &str, auth: &[&str]) -> Verdict {
        self.decide_with(&PureRustVerifier, path, auth, NOW)
    }

    fn bearer(&self, token: &str) -> Verdict {
        self.decide("/accounts", &[&format!("Bearer {token}")])
    }
}

fn es_header() -> Value {
    json!({"alg": "ES256", "kid": "ec-1", "typ": "at+jwt"})
}

fn rs_header() -> Value {
    json!({"alg": "RS256", "kid": "rsa-1"})
}

fn claims_with(name: &str, value: Value) -> Value {
    let mut claims = good_claims();
    claims[name] = value;
    claims
}

fn claims_without(name: &str) -> Value {
    let mut claims = good_claims();
    claims.as_object_mut().unwrap().remove(name);
    claims
}

/// A token with a raw header and claims text (to carry duplicate names) and a real ES256
/// signature over them.
fn es256_raw(header: &str, claims: &str) -> String {
    let input = format!("{}.{}", b64(header), b64(claims));
    with_signature(&input, &sign_es256(&ec_signer(), input.as_bytes()))
}

/// HS256 keyed with the provider's RSA public key, the classic algorithm-confusion forgery.
fn hs256_with_rsa_public_key() -> String {
    let input = signing_input(&json!({"alg": "HS256", "kid": "rsa-1"}), &good_claims());
    let public = rsa_jwk(&rsa_signer(), "rsa-1").to_string();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(public.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    with_signature(&input, &mac.finalize().into_bytes())
}

fn es256_with_halves(r: [u8; 32], s: [u8; 32]) -> String {
    with_signature(
        &signing_input(&es_header(), &good_claims()),
        &[r, s].concat(),
    )
}

fn tampered() -> String {
    let token = es256_token(&es_header(), &good_claims());
    let mut parts: Vec<String> = token.split('.').map(String::from).collect();
    parts[1] = b64(claims_with("sub", json!("mallory")).to_string());
    parts.join(".")
}

fn hostile_tokens() -> Vec<(&'static str, String, Refusal)> {
    let input = |alg: &str| signing_input(&json!({"alg": alg}), &good_claims());
    let invalid = Refusal::InvalidToken;
    let es_input = signing_input(&es_header(), &good_claims());
    let good_es = sign_es256(&ec_signer(), es_input.as_bytes());
    vec![
        (
            "alg none unsigned",
            format!("{}.", input("none")),
            invalid("empty_signature"),
        ),
        (
            "alg none",
            with_signature(&input("none"), b"x"),
            invalid("alg_not_allowed"),
        ),
        (
            "alg None",
            with_signature(&input("None"), b"x"),
            invalid("alg_not_allowed"),
        ),
        (
            "alg NONE",
            with_signature(&input("NONE"), b"x"),
            invalid("alg_not_allowed"),
        ),
        (
            "empty signature",
            format!("{es_input}."),
            invalid("empty_signature"),
        ),
        (
            "HS256 keyed with the RSA public key",
            hs256_with_rsa_public_key(),
            invalid("alg_not_allowed"),
        ),
        (
            "unknown kid",
            es256_token(&json!({"alg": "ES256", "kid": "nope"}), &good_claims()),
            invalid("unknown_kid"),
        ),
        (
            "no kid among several keys",
            es256_token(&json!({"alg": "ES256"}), &good_claims()),
            invalid("kid_required"),
        ),
        (
            "jku header",
            es256_token(
                &json!({"alg": "ES256", "kid": "ec-1", "jku": "http://evil/jwks"}),
                &good_claims(),
            ),
            invalid("forbidden_header"),
        ),
        (
            "x5u header",
            es256_token(
                &json!({"alg": "ES256", "kid": "ec-1", "x5u": "http://evil/c"}),
                &good_claims(),
            ),
            invalid("forbidden_header"),
        ),
        (
            "jwk header",
            es256_token(
                &json!({"alg": "ES256", "jwk": ec_jwk(&ec_other(), "x")}),
                &good_claims(),
            ),
            invalid("forbidden_header"),
        ),
        (
            "x5c header",
            es256_token(
                &json!({"alg": "ES256", "kid": "ec-1", "x5c": ["MIIB"]}),
                &good_claims(),
            ),
            invalid("forbidden_header"),
        ),
        (
            "crit header",
            es256_token(
                &json!({"alg": "ES256", "kid": "ec-1", "crit": ["exp"]}),
                &good_claims(),
            ),
            invalid("forbidden_header"),
        ),
        (
            "wrong issuer",
            es256_token(&es_header(), &claims_with("iss", json!("http://evil"))),
            invalid("unknown_issuer"),
        ),
        (
            "no issuer",
            es256_token(&es_header(), &claims_without("iss")),
            invalid("unknown_issuer"),
        ),
        (
            "wrong audience",
            es256_token(&es_header(), &claims_with("aud", json!("urn:other"))),
            invalid("wrong_audience"),
        ),
        (
            "expired",
            es256_token(&es_header(), &claims_with("exp", json!(NOW - 61))),
            Refusal::Expired,
        ),
        (
            "no expiry",
            es256_token(&es_header(), &claims_without("exp")),
            invalid("missing_exp"),
        ),
        (
            "not yet valid",
            es256_token(&es_header(), &claims_with("nbf", json!(NOW + 3600))),
            invalid("not_yet_valid"),
        ),
        (
            "issued in the future",
            es256_token(&es_header(), &claims_with("iat", json!(NOW + 3600))),
            invalid("issued_in_future"),
        ),
        (
            "no subject",
            es256_token(&es_header(), &claims_without("sub")),
            invalid("missing_sub"),
        ),
        (
            "oversized",
            es256_token(&es_header(), &claims_with("pad", json!("x".repeat(9000)))),
            invalid("token_too_large"),
        ),
        (
            "padded base64url",
            format!("{}=", es256_token(&es_header(), &good_claims())),
            invalid("bad_base64url"),
        ),
        (
            "standard base64 alphabet",
            format!("{es_input}.+/+/"),
            invalid("bad_base64url"),
        ),
        (
            "header not JSON",
            format!("{}.{}.c2ln", b64("{alg"), b64("{}")),
            invalid("bad_json"),
        ),
        (
            "claims not JSON",
            format!("{}.{}.c2ln", b64(es_header().to_string()), b64("sub")),
            invalid("bad_json"),
        ),
        ("two parts", es_input.clone(), invalid("not_compact_jws")),
        (
            "duplicate claim",
            es256_raw(
                r#"{"alg":"ES256","kid":"ec-1"}"#,
                &format!(r#"{{"iss":"{ISSUER}","sub":"a","sub":"b"}}"#),
            ),
            invalid("duplicate_name"),
        ),
        (
            "duplicate header name",
            es256_raw(
                r#"{"alg":"ES256","kid":"ec-1","kid":"rsa-1"}"#,
                &good_claims().to_string(),
            ),
            invalid("duplicate_name"),
        ),
        (
            "ES256 r = 0",
            es256_with_halves([0; 32], good_es[32..].try_into().unwrap()),
            invalid("bad_signature"),
        ),
        (
            "ES256 s = 0",
            es256_with_halves(good_es[..32].try_into().unwrap(), [0; 32]),
            invalid("bad_signature"),
        ),
        (
            "ES256 signature of 63 bytes",
            with_signature(&es_input, &good_es[..63]),
            invalid("bad_signature"),
        ),
        (
            "ES256 signature in DER",
            with_signature(
                &es_input,
                p256::ecdsa::Signature::from_slice(&good_es)
                    .unwrap()
                    .to_der()
                    .as_bytes(),
            ),
            invalid("bad_signature"),
        ),
        (
            "RS256 token against the EC key",
            rs256_token(&json!({"alg": "RS256", "kid": "ec-1"}), &good_claims()),
            invalid("wrong_key_type"),
        ),
        (
            "RS256 by another key",
            {
                let i = signing_input(&rs_header(), &good_claims());
                with_signature(&i, &sign_rs256(&rsa_other(), i.as_bytes()))
            },
            invalid("bad_signature"),
        ),
        (
            "payload swapped after signing",
            tampered(),
            invalid("bad_signature"),
        ),
        (
            "mistyped scope",
            es256_token(&es_header(), &claims_with("scope", json!(["a"]))),
            invalid("bad_identity_claim"),
        ),
    ]
}

#[test]
fn refuses_every_hostile_token() {
    let fixture = Fixture::new();
    for (what, token, expected) in hostile_tokens() {
        assert_eq!(fixture.bearer(&token), Verdict::Refused(expected), "{what}");
    }
    assert!(
        fixture.cache.borrow().is_empty(),
        "no refused token is cached"
    );
}

#[test]
fn every_refusal_reason_has_a_counter() {
    for (what, _, refusal) in hostile_tokens() {
        assert!(
            crate::refusal::REASONS.contains(&refusal.reason()),
            "{what}"
        );
    }
}

#[test]
fn hostile_tokens_are_refused_on_public_operations_too() {
    let fixture = Fixture::new();
    for (what, token, _) in hostile_tokens() {
        let verdict = fixture.decide("/health", &[&format!("Bearer {token}")]);
        assert!(matches!(verdict, Verdict::Refused(_)), "{what}");
    }
}

#[test]
fn accepts_rs256_and_es256_tokens_and_reads_the_principal() {
    let fixture = Fixture::new();
    let claims = claims_with("roles", json!(["teller"]));
    for token in [
        rs256_token(&rs_header(), &claims),
        es256_token(&es_header(), &claims),
    ] {
        let Verdict::Authenticated {
            principal,
            from_cache,
        } = fixture.bearer(&token)
        else {
            panic!("refused");
        };
        assert!(!from_cache);
        assert_eq!(principal.id, "alice");
        assert_eq!(principal.issuer.as_deref(), Some(ISSUER));
        assert_eq!(principal.client_id.as_deref(), Some("demo-client"));
        assert_eq!(principal.scopes, vec!["accounts:read", "transfers:write"]);
        assert_eq!(principal.roles, vec!["teller"]);
    }
}

#[test]
fn a_cached_token_is_still_refused_once_expired() {
    let fixture = Fixture::new();
    let token = es256_token(&es_header(), &claims_with("exp", json!(NOW + 100)));
    let auth = format!("Bearer {token}");
    assert!(matches!(
        fixture.bearer(&token),
        Verdict::Authenticated {
            from_cache: false,
            ..
        }
    ));
    assert!(matches!(
        fixture.bearer(&token),
        Verdict::Authenticated {
            from_cache: true,
            ..
        }
    ));
    let later = fixture.decide_with(&PureRustVerifier, "/accounts", &[&auth], NOW + 160);
    assert_eq!(later, Verdict::Refused(Refusal::Expired));
}

#[test]
fn anonymous_only_on_public_operations() {
    let fixture = Fixture::new();
    assert_eq!(fixture.decide("/health", &[]), Verdict::Anonymous);
    assert_eq!(
        fixture.decide("/accounts", &[]),
        Verdict::Refused(Refusal::MissingToken)
    );
    assert_eq!(
        fixture.decide("/no/such/path", &[]),
        Verdict::Refused(Refusal::MissingToken)
    );
    let facts = RequestFacts {
        method: Some("POST"),
        path: Some("/health"),
        authorization: vec![],
        ..RequestFacts::default()
    };
    let verifier = PureRustVerifier;
    let authenticator = Authenticator {
        config: &fixture.config,
        keys: &fixture.keys,
        cache: &fixture.cache,
        verifier: &verifier,
        shared: &fixture.shared,
        revocations: &fixture.revocations,
    };
    assert_eq!(
        authenticator.decide(&facts, NOW),
        Verdict::Refused(Refusal::MissingToken)
    );
}

#[test]
fn refuses_bad_paths_and_other_schemes() {
    let fixture = Fixture::new();
    assert_eq!(
        fixture.decide("/health/../accounts", &[]),
        Verdict::Refused(Refusal::InvalidPath)
    );
    assert_eq!(
        fixture.decide("/accounts/%2e%2e", &[]),
        Verdict::Refused(Refusal::InvalidPath)
    );
    assert_eq!(
        fixture.decide("health", &[]),
        Verdict::Refused(Refusal::InvalidPath)
    );
    let basic = fixture.decide("/health", &["Basic dXNlcjpwdw=="]);
    assert_eq!(basic, Verdict::Refused(Refusal::UnsupportedScheme));
    let twice = fixture.decide("/accounts", &["Bearer a.b.c", "Bearer a.b.c"]);
    assert_eq!(
        twice,
        Verdict::Refused(Refusal::InvalidRequest("repeated_authorization"))
    );
}

#[test]
fn refuses_tokens_with_503_until_keys_were_loaded() {
    let mut fixture = Fixture::new();
    fixture.keys = KeyStore::new(1);
    let token = es256_token(&es_header(), &good_claims());
    assert_eq!(
        fixture.bearer(&token),
        Verdict::Refused(Refusal::KeysUnavailable)
    );
    assert_eq!(fixture.decide("/health", &[]), Verdict::Anonymous);
    assert_eq!(
        fixture.decide("/accounts", &[]),
        Verdict::Refused(Refusal::MissingToken)
    );
}

#[test]
fn an_unknown_kid_asks_for_an_early_refresh() {
    let fixture = Fixture::new();
    let token = es256_token(&json!({"alg": "ES256", "kid": "rotated"}), &good_claims());
    fixture.bearer(&token);
    assert!(fixture.keys.take_refresh_request(0));
    assert!(!fixture.keys.take_refresh_request(0));
}

#[test]
fn algorithms_outside_the_providers_allowlist_are_refused() {
    let mut fixture = Fixture::new();
    fixture.config.providers[0].algorithms = vec![Algorithm::Es256];
    let token = rs256_token(&rs_header(), &good_claims());
    assert_eq!(
        fixture.bearer(&token),
        Verdict::Refused(Refusal::InvalidToken("alg_not_allowed"))
    );
}

#[test]
fn a_failing_host_call_fails_closed() {
    let fixture = Fixture::new();
    let failing = AutoVerifier::new(HostVerifier::new(|_: &[u8]| {
        Err(ForeignCallError::Failed("InternalFailure".into()))
    }));
    let auth = format!("Bearer {}", es256_token(&es_header(), &good_claims()));
    let verdict = fixture.decide_with(&failing, "/accounts", &[&auth], NOW);
    let expected = Refusal::VerifierFailed(VerifyError::Host("InternalFailure".into()));
    assert_eq!(verdict, Verdict::Refused(expected));
}
