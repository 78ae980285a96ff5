use super::fixture::*;
use super::*;
use crate::mtls::peer::PeerFacts;
use crate::testing::{b64, ec_other, es256_token, good_claims, NOW};
use palisade_shared::host::FakeHost;
use serde_json::json;

const CERT: [u8; 32] = [0xc1; 32];
const OTHER_CERT: [u8; 32] = [0xc2; 32];
const CLIENT: &str = "spiffe://example.org/ns/payments/sa/api";

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn refused_with(verdict: &Verdict) -> Option<&'static str> {
    match verdict {
        Verdict::Refused(refusal) => Some(refusal.reason()),
        _ => None,
    }
}

#[test]
fn certificate_bound_tokens_pass_only_over_their_certificate() {
    let fixture = Fixture::new(json!({}), json!({}));
    let bound = bound_token(json!({"x5t#S256": b64(CERT)}));
    let unbound = es256_token(&json!({"alg": "ES256", "kid": "ec-1"}), &good_claims());
    let garbled = bound_token(json!({"x5t#S256": "not-a-digest"}));
    let not_object = bound_token(json!("x5t"));
    let plain = PeerFacts::default();
    let cases = [
        (&bound, mtls_peer(CLIENT, CERT), None),
        (
            &bound,
            mtls_peer(CLIENT, OTHER_CERT),
            Some("certificate_binding_mismatch"),
        ),
        (&bound, plain.clone(), Some("certificate_binding_missing")),
        (
            &garbled,
            mtls_peer(CLIENT, CERT),
            Some("bad_confirmation_claim"),
        ),
        (
            &not_object,
            mtls_peer(CLIENT, CERT),
            Some("bad_confirmation_claim"),
        ),
        (&unbound, plain.clone(), None),
        (&unbound, mtls_peer(CLIENT, CERT), None),
    ];
    for (token, peer, refused) in cases {
        let headers = request("GET", "/accounts", &[("authorization", &bearer(token))]);
        let verdict = fixture.decide(&headers, &peer);
        assert_eq!(refused_with(&verdict), refused, "{peer:?}");
    }
}

#[test]
fn a_cached_bound_token_is_still_checked_against_each_connection() {
    let fixture = Fixture::new(json!({}), json!({}));
    let token = bound_token(json!({"x5t#S256": b64(CERT)}));
    let headers = request("GET", "/accounts", &[("authorization", &bearer(&token))]);
    let first = fixture.decide(&headers, &mtls_peer(CLIENT, CERT));
    assert!(matches!(
        first,
        Verdict::Authenticated {
            from_cache: false,
            ..
        }
    ));
    let second = fixture.decide(&headers, &mtls_peer(CLIENT, OTHER_CERT));
    assert_eq!(refused_with(&second), Some("certificate_binding_mismatch"));
    let third = fixture.decide(&headers, &mtls_peer(CLIENT, CERT));
    assert!(matches!(
        third,
        Verdict::Authenticated {
            from_cache: true,
            ..
        }
    ));
}

#[test]
fn a_provider_can_require_certificate_binding() {
    let fixture = Fixture::new(json!({"require_certificate_binding": true}), json!({}));
    let unbound = es256_token(&json!({"alg": "ES256", "kid": "ec-1"}), &good_claims());
    let headers = request("GET", "/accounts", &[("authorization", &bearer(&unbound))]);
    let verdict = fixture.decide(&headers, &mtls_peer(CLIENT, CERT));
    assert_eq!(refused_with(&verdict), Some("certificate_binding_required"));
    let problem = Refusal::InvalidToken("certificate_binding_required").problem("demo");
    assert_eq!(problem.status, 401);
}

#[test]
fn a_trusted_front_proxy_forwards_the_certificate_digest() {
    let proxy = "spiffe://example.org/ns/edge/sa/front";
    let mtls = json!({"mtls": {"trusted_front_proxies": [proxy]}});
    let fixture = Fixture::new(json!({}), mtls);
    let token = bound_token(json!({"x5t#S256": b64(CERT)}));
    let hex: String = CERT.iter().map(|b| format!("{b:02x}")).collect();
    let xfcc = format!("Hash={hex};URI={CLIENT}");
    let authorization = bearer(&token);
    let extra = [
        ("authorization", authorization.as_str()),
        ("x-forwarded-client-cert", &xfcc),
    ];
    let headers = request("GET", "/accounts", &extra);
    let verdict = fixture.decide(&headers, &mtls_peer(proxy, OTHER_CERT));
    assert!(
        matches!(verdict, Verdict::Authenticated { .. }),
        "{verdict:?}"
    );
    // The same header from a connection that is not the proxy's counts for nothing.
    let verdict = fixture.decide(&headers, &mtls_peer(CLIENT, OTHER_CERT));
    assert_eq!(refused_with(&verdict), Some("certificate_binding_mismatch"));
}

fn dpop_fixture(mode: &str) -> Fixture {
    Fixture::new(json!({"dpop": mode}), json!({}))
}

fn dpop_request(token: &str, proofs: &[&str]) -> Vec<(String, String)> {
    let authorization = format!("DPoP {token}");
    let mut extra = vec![("authorization", authorization.as_str())];
    extra.extend(proofs.iter().map(|proof| ("dpop", *proof)));
    request("GET", "/accounts", &extra)
}

#[test]
fn a_dpop_bound_token_passes_with_a_proof_by_its_key_once() {
    let fixture = dpop_fixture("optional");
    let token = bound_token(json!({"jkt": client_jkt()}));
    let proof = proof_by(&client_key(), "GET", ACCOUNTS_URI, "p-1", &token);
    let headers = dpop_request(&token, &[&proof]);
    let verdict = fixture.decide(&headers, &PeerFacts::default());
    assert!(
        matches!(verdict, Verdict::Authenticated { .. }),
        "{verdict:?}"
    );
    let replayed = fixture.decide(&headers, &PeerFacts::default());
    assert_eq!(refused_with(&replayed), Some("dpop_replayed"));
    let fresh = proof_by(&client_key(), "GET", ACCOUNTS_URI, "p-2", &token);
    let verdict = fixture.decide(&dpop_request(&token, &[&fresh]), &PeerFacts::default());
    assert!(matches!(
        verdict,
        Verdict::Authenticated {
            from_cache: true,
            ..
        }
    ));
}

#[test]
fn refuses_tokens_and_proofs_that_do_not_belong_together() {
    let fixture = dpop_fixture("optional");
    let token = bound_token(json!({"jkt": client_jkt()}));
    let unbound = es256_token(&json!({"alg": "ES256", "kid": "ec-1"}), &good_claims());
    let proof = |jti: &str| proof_by(&client_key(), "GET", ACCOUNTS_URI, jti, &token);
    let by_other = proof_by(&ec_other(), "GET", ACCOUNTS_URI, "o-1", &token);
    let for_unbound = proof_by(&client_key(), "GET", ACCOUNTS_URI, "u-1", &unbound);
    let wrong_uri = proof_by(
        &client_key(),
        "GET",
        "https://api.test/accounts/a1",
        "w-1",
        &token,
    );
    let (a, b) = (proof("a"), proof("b"));
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (dpop_request(&token, &[&by_other]), "dpop_key_mismatch"),
        (
            dpop_request(&unbound, &[&for_unbound]),
            "dpop_unbound_token",
        ),
        (dpop_request(&token, &[]), "dpop_missing_proof"),
        (dpop_request(&token, &[&a, &b]), "dpop_multiple_proofs"),
        (
            dpop_request(&token, &[&format!("{a},{b}")]),
            "dpop_multiple_proofs",
        ),
        (dpop_request(&token, &[&wrong_uri]), "dpop_wrong_htu"),
        (
            request("GET", "/accounts", &[("authorization", &bearer(&token))]),
            "dpop_bound_token_as_bearer",
        ),
        (
            request(
                "GET",
                "/accounts",
                &[("authorization", &bearer(&token)), ("dpop", &proof("c"))],
            ),
            "dpop_bound_token_as_bearer",
        ),
    ];
    for (headers, reason) in cases {
        let verdict = fixture.decide(&headers, &PeerFacts::default());
        assert_eq!(refused_with(&verdict), Some(reason), "{reason}");
    }
}

#[test]
fn each_mode_decides_which_schemes_a_provider_takes() {
    let token = bound_token(json!({"jkt": client_jkt()}));
    let unbound = es256_token(&json!({"alg": "ES256", "kid": "ec-1"}), &good_claims());
    let cases = [
        ("optional", false, None),
        ("required", false, Some("dpop_required")),
        ("off", false, None),
        ("off", true, Some("unsupported_scheme")),
        ("required", true, None),
    ];
    for (mode, with_dpop, refused) in cases {
        let fixture = dpop_fixture(mode);
        let headers = match with_dpop {
            true => dpop_request(
                &token,
                &[&proof_by(&client_key(), "GET", ACCOUNTS_URI, mode, &token)],
            ),
            false => request("GET", "/accounts", &[("authorization", &bearer(&unbound))]),
        };
        let verdict = fixture.decide(&headers, &PeerFacts::default());
        assert_eq!(refused_with(&verdict), refused, "{mode} {with_dpop}");
    }
}

#[test]
fn a_refused_token_under_dpop_gets_the_dpop_challenge() {
    let fixture = dpop_fixture("required");
    let mut claims = good_claims();
    claims["exp"] = json!(NOW - 3600);
    claims["iat"] = json!(NOW - 3700);
    claims["cnf"] = json!({"jkt": client_jkt()});
    let expired = es256_token(&json!({"alg": "ES256", "kid": "ec-1"}), &claims);
    let proof = proof_by(&client_key(), "GET", ACCOUNTS_URI, "e-1", &expired);
    let verdict = fixture.decide(&dpop_request(&expired, &[&proof]), &PeerFacts::default());
    let Verdict::Refused(refusal) = verdict else {
        panic!("accepted an expired token");
    };
    assert_eq!(refusal.reason(), "expired");
    let problem = refusal.problem("demo");
    let challenge = &problem
        .headers
        .iter()
        .find(|(name, _)| *name == "www-authenticate")
        .unwrap()
        .1;
    assert!(
        challenge.starts_with("DPoP realm=\"demo\", error=\"invalid_token\""),
        "{challenge}"
    );
    assert!(challenge.contains("algs=\"RS256 "), "{challenge}");
}

#[test]
fn a_configured_origin_replaces_scheme_and_authority() {
    let fixture = Fixture::new(
        json!({"dpop": "required"}),
        json!({"dpop": {"origin": "https://public.example"}}),
    );
    let token = bound_token(json!({"jkt": client_jkt()}));
    let ours = proof_by(
        &client_key(),
        "GET",
        "https://public.example/accounts",
        "o-1",
        &token,
    );
    let verdict = fixture.decide(&dpop_request(&token, &[&ours]), &PeerFacts::default());
    assert!(
        matches!(verdict, Verdict::Authenticated { .. }),
        "{verdict:?}"
    );
    let internal = proof_by(&client_key(), "GET", ACCOUNTS_URI, "o-2", &token);
    let verdict = fixture.decide(&dpop_request(&token, &[&internal]), &PeerFacts::default());
    assert_eq!(refused_with(&verdict), Some("dpop_wrong_htu"));
}

#[test]
fn the_proof_and_a_forged_xfcc_never_reach_the_upstream() {
    let fixture = dpop_fixture("optional");
    let token = bound_token(json!({"jkt": client_jkt()}));
    let proof = proof_by(&client_key(), "GET", ACCOUNTS_URI, "s-1", &token);
    let authorization = format!("DPoP {token}");
    let headers = request(
        "GET",
        "/accounts",
        &[
            ("authorization", &authorization),
            ("dpop", &proof),
            (
                "x-forwarded-client-cert",
                "URI=spiffe://example.org/ns/forged",
            ),
        ],
    );
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let host = FakeHost::with_request_headers(&pairs);
    let handled = crate::stream::handle(&host, &fixture.authenticator());
    assert!(handled.proceed, "{:?}", handled.verdict);
    for name in ["authorization", "dpop", "x-forwarded-client-cert"] {
        assert_eq!(host.request_header(name), None, "{name}");
    }
}
