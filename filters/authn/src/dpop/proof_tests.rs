use super::*;
use crate::dpop::config;
use crate::testing::*;
use crate::verify::PureRustVerifier;
use serde_json::json;

const URI: &str = "https://api.test/accounts";
const TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln";

/// The client's own P-256 key (test-only scalar), not the IdP's.
fn client_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[0x5c; 32]).unwrap()
}

fn public_jwk() -> Value {
    let point = client_key().verifying_key().to_encoded_point(false);
    json!({"kty": "EC", "crv": "P-256", "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())})
}

fn ath(token: &str) -> String {
    b64(<Sha256 as sha2::Digest>::digest(token.as_bytes()))
}

/// Claims a proof for `GET https://api.test/accounts` at [`NOW`] carries.
fn good_claims() -> Value {
    json!({"jti": "proof-1", "htm": "GET", "htu": URI, "iat": NOW, "ath": ath(TOKEN)})
}

fn good_header() -> Value {
    json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk()})
}

/// A proof over `header` and `claims`, signed by the client's P-256 key.
fn es256_proof(header: &Value, claims: &Value) -> String {
    let input = signing_input(header, claims);
    with_signature(&input, &sign_es256(&client_key(), input.as_bytes()))
}

fn check(proof: &str) -> Result<Proof, ProofFailure> {
    check_with(&config::load(None).unwrap(), proof)
}

fn check_with(settings: &DpopSettings, proof: &str) -> Result<Proof, ProofFailure> {
    let check = ProofCheck {
        settings,
        verifier: &PureRustVerifier,
        method: "GET",
        uri: URI,
        access_token: TOKEN,
        now: NOW,
    };
    check.verify(proof)
}

fn with(mut value: Value, name: &str, member: Value) -> Value {
    value[name] = member;
    value
}

fn without(mut value: Value, name: &str) -> Value {
    value.as_object_mut().unwrap().remove(name);
    value
}

#[test]
fn accepts_a_proof_and_names_its_key() {
    let proof = check(&es256_proof(&good_header(), &good_claims())).unwrap();
    let expected = super::thumbprint(public_jwk().as_object().unwrap()).unwrap();
    assert_eq!(proof.jkt, expected);
    assert_eq!((proof.jti.as_str(), proof.iat), ("proof-1", NOW));
}

#[test]
fn accepts_eddsa_and_rs256_proofs() {
    let ed = ed25519_signer();
    let header = json!({"typ": "dpop+jwt", "alg": "EdDSA", "jwk": ed25519_jwk(&ed, "c")});
    let input = signing_input(&header, &good_claims());
    use p256::ecdsa::signature::Signer as _;
    let proof = with_signature(&input, &ed.sign(input.as_bytes()).to_bytes());
    assert!(check(&proof).is_ok());
    let rsa = rsa_other();
    let header = json!({"typ": "dpop+jwt", "alg": "RS256", "jwk": rsa_jwk(&rsa, "c")});
    let input = signing_input(&header, &good_claims());
    let proof = with_signature(&input, &sign_rs256(&rsa, input.as_bytes()));
    assert!(check(&proof).is_ok());
}

#[test]
fn accepts_what_normalisation_makes_equal() {
    let cases = [
        with(good_header(), "typ", json!("application/DPoP+JWT")),
        good_header(),
    ];
    let claims = [
        with(
            good_claims(),
            "htu",
            json!("HTTPS://API.test:443/accounts?x=1#f"),
        ),
        with(good_claims(), "iat", json!(NOW - 60)),
    ];
    for (header, claims) in cases.iter().zip(claims.iter()) {
        assert!(
            check(&es256_proof(header, claims)).is_ok(),
            "{header} {claims}"
        );
    }
}

#[test]
fn refuses_bad_headers_and_keys() {
    let private = with(public_jwk(), "d", json!(b64([0x5c; 32])));
    let secret = json!({"kty": "oct", "k": b64([7; 32])});
    let off_curve = with(public_jwk(), "y", json!(b64([1; 32])));
    let rsa_key = rsa_jwk(&rsa_other(), "c");
    let cases = [
        (without(good_header(), "typ"), DpopError::BadTyp),
        (with(good_header(), "typ", json!("jwt")), DpopError::BadTyp),
        (
            with(good_header(), "typ", json!("at+jwt")),
            DpopError::BadTyp,
        ),
        (
            with(good_header(), "alg", json!("none")),
            DpopError::AlgNotAllowed,
        ),
        (
            with(good_header(), "alg", json!("HS256")),
            DpopError::AlgNotAllowed,
        ),
        (
            with(good_header(), "alg", json!("es256")),
            DpopError::AlgNotAllowed,
        ),
        (without(good_header(), "alg"), DpopError::AlgNotAllowed),
        (without(good_header(), "jwk"), DpopError::BadJwk),
        (with(good_header(), "jwk", json!("x")), DpopError::BadJwk),
        (with(good_header(), "jwk", private), DpopError::PrivateKey),
        (with(good_header(), "jwk", secret), DpopError::PrivateKey),
        (with(good_header(), "jwk", off_curve), DpopError::BadJwk),
        (with(good_header(), "jwk", rsa_key), DpopError::BadJwk),
        (
            with(good_header(), "crit", json!(["exp"])),
            DpopError::MalformedProof,
        ),
    ];
    for (header, error) in cases {
        let proof = es256_proof(&header, &good_claims());
        assert_eq!(check(&proof), Err(ProofFailure::Invalid(error)), "{header}");
    }
}

#[test]
fn refuses_algorithms_outside_the_allowlist() {
    let settings: config::RawDpop =
        serde_json::from_value(json!({"algorithms": ["EdDSA"]})).unwrap();
    let settings = config::load(Some(settings)).unwrap();
    let proof = es256_proof(&good_header(), &good_claims());
    let refused = Err(ProofFailure::Invalid(DpopError::AlgNotAllowed));
    assert_eq!(check_with(&settings, &proof), refused);
}

#[test]
fn refuses_proofs_not_signed_by_their_own_key() {
    let input = signing_input(&good_header(), &good_claims());
    let by_other = with_signature(&input, &sign_es256(&ec_other(), input.as_bytes()));
    let unsigned = format!("{input}.");
    let hs256 = with(good_header(), "alg", json!("HS256"));
    let hs_input = signing_input(&hs256, &good_claims());
    let hmac = with_signature(
        &hs_input,
        &sign_hmac(crate::alg::Digest::Sha256, b"k", hs_input.as_bytes()),
    );
    let cases = [
        (by_other, DpopError::BadSignature),
        (unsigned, DpopError::BadSignature),
        (hmac, DpopError::AlgNotAllowed),
    ];
    for (proof, error) in cases {
        assert_eq!(check(&proof), Err(ProofFailure::Invalid(error)), "{proof}");
    }
}

#[test]
fn refuses_claims_that_do_not_fit_the_request() {
    let cases = [
        (
            with(good_claims(), "htm", json!("POST")),
            DpopError::WrongHtm,
        ),
        (
            with(good_claims(), "htm", json!("get")),
            DpopError::WrongHtm,
        ),
        (
            with(good_claims(), "htu", json!("https://api.test/accounts/a1")),
            DpopError::WrongHtu,
        ),
        (
            with(good_claims(), "htu", json!("https://other.test/accounts")),
            DpopError::WrongHtu,
        ),
        (
            with(good_claims(), "htu", json!("http://api.test/accounts")),
            DpopError::WrongHtu,
        ),
        (
            with(good_claims(), "htu", json!("/accounts")),
            DpopError::WrongHtu,
        ),
        (
            with(good_claims(), "iat", json!(NOW - 61)),
            DpopError::StaleIat,
        ),
        (
            with(good_claims(), "iat", json!(NOW + 61)),
            DpopError::StaleIat,
        ),
        (with(good_claims(), "iat", json!(-1)), DpopError::StaleIat),
        (
            with(good_claims(), "iat", json!("1800000000")),
            DpopError::MissingClaim,
        ),
        (
            with(good_claims(), "ath", json!(ath("another.token.x"))),
            DpopError::WrongAth,
        ),
        (
            with(good_claims(), "jti", json!("")),
            DpopError::MissingClaim,
        ),
        (
            with(good_claims(), "jti", json!("j".repeat(257))),
            DpopError::MissingClaim,
        ),
        (
            with(good_claims(), "jti", json!(7)),
            DpopError::MissingClaim,
        ),
        (without(good_claims(), "jti"), DpopError::MissingClaim),
        (without(good_claims(), "htm"), DpopError::MissingClaim),
        (without(good_claims(), "htu"), DpopError::MissingClaim),
        (without(good_claims(), "iat"), DpopError::MissingClaim),
        (without(good_claims(), "ath"), DpopError::MissingClaim),
    ];
    for (claims, error) in cases {
        let proof = es256_proof(&good_header(), &claims);
        assert_eq!(check(&proof), Err(ProofFailure::Invalid(error)), "{claims}");
    }
}

#[test]
fn refuses_malformed_and_oversized_proofs() {
    let proof = es256_proof(&good_header(), &good_claims());
    let (input, signature) = proof.rsplit_once('.').unwrap();
    let duplicate = format!(
        "{}.{}",
        b64(good_header().to_string()),
        b64(r#"{"jti":"a","jti":"b"}"#)
    );
    let padding = with(good_claims(), "pad", json!("x".repeat(4000)));
    let cases = [
        (input.to_string(), DpopError::MalformedProof),
        (format!("{proof}.x"), DpopError::MalformedProof),
        (format!("{input}.{signature}="), DpopError::MalformedProof),
        (
            format!("{duplicate}.{signature}"),
            DpopError::MalformedProof,
        ),
        (
            format!("{}.{}.{signature}", b64("[]"), b64("{}")),
            DpopError::MalformedProof,
        ),
        (
            es256_proof(&good_header(), &padding),
            DpopError::ProofTooLarge,
        ),
    ];
    for (proof, error) in cases {
        assert_eq!(check(&proof), Err(ProofFailure::Invalid(error)), "{proof}");
    }
}
