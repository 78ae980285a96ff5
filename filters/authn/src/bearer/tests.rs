//! Decisions on bearer tokens beyond the basic checks: every algorithm, the provider's claims
//! policy, token sources, revocation, failed-attempt lockouts and the session limit.

use crate::alg::Algorithm;
use crate::cache::TokenCache;
use crate::config::{self, Config};
use crate::decide::{Authenticator, RequestFacts, Verdict};
use crate::jwks::KeySet;
use crate::keys::KeyStore;
use crate::refusal::Refusal;
use crate::revocation::{Denylist, Revocations};
use crate::testing::*;
use crate::verify::PureRustVerifier;
use palisade_shared::shared_data::FakeSharedData;
use serde_json::{json, Value};
use std::cell::RefCell;

struct Fixture {
    config: Config,
    keys: KeyStore,
    cache: RefCell<TokenCache>,
    shared: FakeSharedData,
    revocations: Revocations,
}

/// The demo provider with every kind of key, an HS* secret, and `provider`/`top` merged in.
fn fixture(provider: Value, top: Value) -> Fixture {
    let mut first = json!({
        "name": "idp", "issuer": ISSUER, "audiences": [AUDIENCE],
        "algorithms": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                       "EdDSA", "HS256", "HS384", "HS512"],
        "hmac_keys": [{"kid": "hs-1", "alg": "HS256", "secret": b64(HMAC_SECRET)},
                      {"kid": "hs-384", "alg": "HS384", "secret": b64(HMAC_SECRET)},
                      {"kid": "hs-512", "alg": "HS512", "secret": b64(HMAC_SECRET)}],
        "roles_claim": "realm_access.roles",
        "jwks": {"cluster": "palisade_idp", "uri": "http://127.0.0.1:18081/jwks"}
    });
    for (name, value) in provider.as_object().unwrap() {
        first[name] = value.clone();
    }
    let mut config = json!({"providers": [first], "openapi": serde_json::from_str::<Value>(
        include_str!("../../../../schemas/demo-api.openapi.json")).unwrap()});
    for (name, value) in top.as_object().unwrap() {
        config[name] = value.clone();
    }
    let config = config::load(config.to_string().as_bytes()).unwrap();
    let keys = KeyStore::for_providers(&config.providers);
    let set = KeySet::parse(every_key_jwks().to_string().as_bytes()).unwrap();
    keys.install(0, set.with_secrets(&config.providers[0].secrets));
    Fixture {
        config,
        keys,
        cache: RefCell::new(TokenCache::new(16)),
        shared: FakeSharedData::default(),
        revocations: Revocations::default(),
    }
}

impl Fixture {
    fn authenticator(&self) -> Authenticator<'_> {
        Authenticator {
            config: &self.config,
            keys: &self.keys,
            cache: &self.cache,
            verifier: &PureRustVerifier,
            shared: &self.shared,
            revocations: &self.revocations,
        }
    }

    fn send(&self, path: &str, headers: &[(&str, &str)], now: u64) -> Verdict {
        let facts = RequestFacts {
            method: Some("GET"),
            path: Some(path),
            source: crate::decide::ClientAddress::known("10.0.0.1"),
            ..RequestFacts::from_headers(headers)
        };
        self.authenticator().decide(&facts, now)
    }

    fn bearer(&self, token: &str) -> Verdict {
        self.send(
            "/accounts",
            &[("authorization", &format!("Bearer {token}"))],
            NOW,
        )
    }
}

fn refusal(verdict: Verdict) -> Option<Refusal> {
    match verdict {
        Verdict::Refused(refusal) => Some(refusal),
        _ => None,
    }
}

fn claims(changes: Value) -> Value {
    let mut claims = good_claims();
    for (name, value) in changes.as_object().unwrap() {
        claims[name] = value.clone();
    }
    claims
}

const EVERY_ALGORITHM: [Algorithm; 10] = [
    Algorithm::Rs256,
    Algorithm::Rs384,
    Algorithm::Rs512,
    Algorithm::Ps256,
    Algorithm::Ps384,
    Algorithm::Ps512,
    Algorithm::Es256,
    Algorithm::Es384,
    Algorithm::EdDsa,
    Algorithm::Hs256,
];

#[test]
fn accepts_every_allowed_algorithm_and_refuses_it_once_removed() {
    let every = fixture(json!({}), json!({}));
    for alg in EVERY_ALGORITHM {
        let verdict = every.bearer(&token_for(alg, &good_claims()));
        assert!(
            matches!(verdict, Verdict::Authenticated { .. }),
            "{alg:?}: {verdict:?}"
        );
    }
    for alg in EVERY_ALGORITHM {
        let others: Vec<&str> = EVERY_ALGORITHM
            .iter()
            .filter(|other| **other != alg)
            .map(|other| other.jose_name())
            .collect();
        let hmac: Vec<Value> = match alg {
            Algorithm::Hs256 => vec![],
            _ => vec![json!({"kid": "hs-1", "alg": "HS256", "secret": b64(HMAC_SECRET)})],
        };
        let mut allowed: Vec<&str> = others
            .into_iter()
            .filter(|o| !o.starts_with("HS"))
            .collect();
        if !hmac.is_empty() {
            allowed.push("HS256");
        }
        let fixture = fixture(json!({"algorithms": allowed, "hmac_keys": hmac}), json!({}));
        let refused = refusal(fixture.bearer(&token_for(alg, &good_claims())));
        assert_eq!(
            refused,
            Some(Refusal::InvalidToken("alg_not_allowed")),
            "{alg:?}"
        );
    }
}

#[test]
fn applies_the_providers_claims_policy() {
    let fixture = fixture(
        json!({"token_type": "at+jwt", "max_lifetime_seconds": 900,
               "required_claims": [{"name": "tenant", "value": "acme"}]}),
        json!({}),
    );
    let sign = |header: Value, claims: Value| {
        let input = signing_input(&header, &claims);
        with_signature(&input, &sign(Algorithm::Es256, input.as_bytes()))
    };
    let typed = |typ: Value| json!({"alg": "ES256", "kid": "ec-1", "typ": typ});
    let acme = json!({"tenant": "acme"});
    let cases = [
        (typed(json!("at+jwt")), claims(acme.clone()), None),
        (
            typed(json!("application/AT+JWT")),
            claims(acme.clone()),
            None,
        ),
        (typed(json!("JWT")), claims(acme.clone()), Some("wrong_typ")),
        (
            json!({"alg": "ES256", "kid": "ec-1"}),
            claims(acme.clone()),
            Some("wrong_typ"),
        ),
        (typed(json!(7)), claims(acme.clone()), Some("bad_typ")),
        (
            typed(json!("at+jwt")),
            claims(json!({})),
            Some("missing_claim"),
        ),
        (
            typed(json!("at+jwt")),
            claims(json!({"tenant": "evil"})),
            Some("wrong_claim_value"),
        ),
        (
            typed(json!("at+jwt")),
            claims(json!({"tenant": "acme", "exp": NOW + 1000})),
            Some("lifetime_too_long"),
        ),
    ];
    for (header, claims, expected) in cases {
        let verdict = fixture.bearer(&sign(header.clone(), claims.clone()));
        let expected = expected.map(Refusal::InvalidToken);
        assert_eq!(refusal(verdict), expected, "{header} {claims}");
    }
}

#[test]
fn keeps_the_claims_policies_need_and_reads_dotted_roles() {
    let fixture = fixture(
        json!({}),
        json!({"keep_claims": ["accounts", "org.unit"],
                                              "claim_headers": {"tenant": "x-palisade-tenant"}}),
    );
    let token = token_for(
        Algorithm::Es256,
        &claims(
            json!({"accounts": ["a1"], "org": {"unit": "ops"}, "tenant": "acme",
                       "secret": "x", "realm_access": {"roles": ["teller"]}}),
        ),
    );
    let Verdict::Authenticated { principal, .. } = fixture.bearer(&token) else {
        panic!("refused");
    };
    assert_eq!(principal.roles, vec!["teller"]);
    assert_eq!(principal.claims.get("accounts"), Some(&json!(["a1"])));
    assert_eq!(principal.claims.get("org.unit"), Some(&json!("ops")));
    assert_eq!(principal.claims.get("tenant"), Some(&json!("acme")));
    assert!(
        !principal.claims.contains_key("secret"),
        "unlisted claims stay in authn"
    );
}

#[test]
fn takes_query_tokens_only_where_configured() {
    let fixture = fixture(
        json!({}),
        json!({"token_sources": {"cookie": "at", "header": "x-access-token",
               "query": {"parameter": "access_token", "operations": ["getAccount"]}}}),
    );
    let token = token_for(Algorithm::Es256, &good_claims());
    let at = |path: String, headers: &[(&str, &str)]| fixture.send(&path, headers, NOW);
    let allowed = at(format!("/accounts/a1?access_token={token}"), &[]);
    assert!(
        matches!(allowed, Verdict::Authenticated { .. }),
        "{allowed:?}"
    );
    let elsewhere = at(format!("/accounts?access_token={token}"), &[]);
    assert_eq!(
        refusal(elsewhere),
        Some(Refusal::InvalidRequest("query_token_not_allowed"))
    );
    let cookie = format!("at={token}");
    let in_cookie = at("/accounts".into(), &[("cookie", &cookie)]);
    assert!(matches!(in_cookie, Verdict::Authenticated { .. }));
    let in_header = at("/accounts".into(), &[("x-access-token", &token)]);
    assert!(matches!(in_header, Verdict::Authenticated { .. }));
    let bearer = format!("Bearer {token}");
    let twice = at(
        "/accounts".into(),
        &[("authorization", &bearer), ("cookie", &cookie)],
    );
    assert_eq!(
        refusal(twice),
        Some(Refusal::InvalidRequest("multiple_credentials"))
    );
}

#[test]
fn refuses_revoked_tokens_subjects_and_keys() {
    let fixture = fixture(json!({}), json!({"revocation": {"kid": ["p384-1"]}}));
    let token = |alg: Algorithm, changes: Value| token_for(alg, &claims(changes));
    let revoked = Some(Refusal::InvalidToken("revoked"));
    assert_eq!(
        refusal(fixture.bearer(&token(Algorithm::Es384, json!({})))),
        revoked
    );
    assert_eq!(
        refusal(fixture.bearer(&token(Algorithm::Es256, json!({})))),
        None
    );
    let list = Denylist::parse(br#"{"jti":["jti-9"],"sub":["mallory"]}"#).unwrap();
    fixture.revocations.install(1, list);
    let cases = [
        (json!({"jti": "jti-9"}), revoked.clone()),
        (json!({"sub": "mallory", "jti": "other"}), revoked.clone()),
        (json!({"jti": "jti-10"}), None),
    ];
    for (changes, expected) in cases {
        let verdict = fixture.bearer(&token(Algorithm::Es256, changes.clone()));
        assert_eq!(refusal(verdict), expected, "{changes}");
    }
}

#[test]
fn refuses_with_503_until_a_required_revocation_list_arrived() {
    let endpoint = json!({"cluster": "revocations", "uri": "http://127.0.0.1:9/revoked"});
    let fixture = fixture(json!({}), json!({"revocation": {"endpoint": endpoint}}));
    let token = token_for(Algorithm::Es256, &good_claims());
    assert_eq!(
        refusal(fixture.bearer(&token)),
        Some(Refusal::RevocationUnavailable)
    );
    fixture.revocations.install(1, Denylist::default());
    assert_eq!(refusal(fixture.bearer(&token)), None);
}

#[test]
fn locks_a_source_out_after_repeated_failures_and_forgives_a_principal_on_success() {
    let fixture = fixture(
        json!({}),
        json!({"failed_auth_throttle": {"max_failures": 3, "per_principal": true}}),
    );
    let forged = {
        let input = signing_input(&json!({"alg": "ES256", "kid": "ec-1"}), &good_claims());
        with_signature(&input, &sign_es256(&ec_other(), input.as_bytes()))
    };
    for _ in 0..2 {
        assert_eq!(
            refusal(fixture.bearer(&forged)),
            Some(Refusal::InvalidToken("bad_signature"))
        );
    }
    let good = token_for(Algorithm::Es256, &good_claims());
    assert_eq!(
        refusal(fixture.bearer(&good)),
        None,
        "a success clears alice's count"
    );
    for _ in 0..3 {
        let _ = fixture.bearer("not-a-token");
    }
    let locked = refusal(fixture.bearer(&good));
    assert_eq!(
        locked,
        Some(Refusal::Throttled {
            retry_after_seconds: 30
        })
    );
    let later = fixture.send(
        "/accounts",
        &[("authorization", &format!("Bearer {good}"))],
        NOW + 31,
    );
    assert!(matches!(later, Verdict::Authenticated { .. }), "{later:?}");
}

#[test]
fn locks_a_claimed_principal_out_across_sources() {
    let fixture = fixture(
        json!({}),
        json!({"failed_auth_throttle": {"max_failures": 2,
                                                                       "per_source": false, "per_principal": true}}),
    );
    let forged = |sub: &str| {
        let claims = claims(json!({"sub": sub}));
        let input = signing_input(&json!({"alg": "ES256", "kid": "ec-1"}), &claims);
        with_signature(&input, &sign_es256(&ec_other(), input.as_bytes()))
    };
    let _ = fixture.bearer(&forged("bob"));
    let _ = fixture.bearer(&forged("bob"));
    let bob = token_for(Algorithm::Es256, &claims(json!({"sub": "bob"})));
    assert!(matches!(
        refusal(fixture.bearer(&bob)),
        Some(Refusal::Throttled { .. })
    ));
    let alice = token_for(Algorithm::Es256, &good_claims());
    assert_eq!(
        refusal(fixture.bearer(&alice)),
        None,
        "other principals are not locked"
    );
}

#[test]
fn expired_tokens_unknown_keys_and_gateway_failures_do_not_count_as_failed_attempts() {
    let fixture = fixture(
        json!({}),
        json!({"failed_auth_throttle": {"max_failures": 1}}),
    );
    let expired = token_for(
        Algorithm::Es256,
        &claims(json!({"exp": NOW - 100, "iat": NOW - 200})),
    );
    assert_eq!(refusal(fixture.bearer(&expired)), Some(Refusal::Expired));
    assert_eq!(refusal(fixture.bearer(&expired)), Some(Refusal::Expired));
    let rotated = {
        let input = signing_input(&json!({"alg": "ES256", "kid": "ec-2"}), &good_claims());
        with_signature(&input, &sign(Algorithm::Es256, input.as_bytes()))
    };
    let unknown = Some(Refusal::InvalidToken("unknown_kid"));
    assert_eq!(refusal(fixture.bearer(&rotated)), unknown);
    assert_eq!(refusal(fixture.bearer(&rotated)), unknown);
}

#[test]
fn limits_concurrent_sessions_per_subject() {
    let fixture = fixture(json!({}), json!({"max_sessions_per_subject": 2}));
    let session = |sid: Option<&str>, jti: Option<&str>| {
        let mut claims = good_claims();
        let object = claims.as_object_mut().unwrap();
        object.remove("jti");
        if let Some(sid) = sid {
            object.insert("sid".into(), json!(sid));
        }
        if let Some(jti) = jti {
            object.insert("jti".into(), json!(jti));
        }
        token_for(Algorithm::Es256, &claims)
    };
    let cases = [
        (session(Some("s1"), Some("a")), None),
        (session(Some("s1"), Some("b")), None),
        (session(None, Some("c")), None),
        (session(Some("s2"), None), Some("session_limit")),
        (session(None, None), Some("missing_session_id")),
    ];
    for (token, expected) in cases {
        assert_eq!(
            refusal(fixture.bearer(&token)),
            expected.map(Refusal::InvalidToken)
        );
    }
}

#[test]
fn asks_for_one_early_refresh_per_unknown_kid() {
    let fixture = fixture(json!({}), json!({}));
    let unknown = |kid: &str| {
        let input = signing_input(&json!({"alg": "ES256", "kid": kid}), &good_claims());
        with_signature(&input, &sign(Algorithm::Es256, input.as_bytes()))
    };
    for kid in ["../../etc/passwd", "' OR 1=1 --", &"k".repeat(200)] {
        assert_eq!(
            refusal(fixture.bearer(&unknown(kid))),
            Some(Refusal::InvalidToken("unknown_kid"))
        );
        assert!(fixture.keys.take_refresh_request(0), "{kid}");
        let _ = fixture.bearer(&unknown(kid));
        assert!(!fixture.keys.take_refresh_request(0), "{kid} asked twice");
    }
}
