use super::*;
use crate::testing::{
    b64, ec_jwk, ec_signer, ed25519_jwk, ed25519_signer, every_key_jwks, jwks, p384_jwk,
    p384_signer, rsa_jwk, rsa_signer,
};
use serde_json::json;

fn set(document: Value) -> Result<KeySet, JwksError> {
    KeySet::parse(document.to_string().as_bytes())
}

fn single(jwk: Value) -> Result<KeySet, JwksError> {
    set(json!({ "keys": [jwk] }))
}

fn with(mut jwk: Value, name: &str, value: Value) -> Value {
    jwk[name] = value;
    jwk
}

#[test]
fn loads_rsa_and_ec_keys_with_their_der_public_keys() {
    use p256::pkcs8::DecodePublicKey as _;
    let keys = set(jwks()).unwrap();
    assert_eq!(keys.len(), 2);
    let rsa_key = keys.select(Algorithm::Rs256, Some("rsa-1")).unwrap();
    let decoded = rsa::RsaPublicKey::from_public_key_der(&rsa_key.spki).unwrap();
    assert_eq!(decoded, rsa_signer().to_public_key());
    let ec_key = keys.select(Algorithm::Es256, Some("ec-1")).unwrap();
    let decoded = p256::PublicKey::from_public_key_der(&ec_key.spki).unwrap();
    assert_eq!(decoded, p256::PublicKey::from(ec_signer().verifying_key()));
}

#[test]
fn skips_keys_it_must_not_or_cannot_verify_with() {
    let rsa = rsa_jwk(&rsa_signer(), "r");
    let ec = ec_jwk(&ec_signer(), "e");
    let weak_modulus = b64([0xc3; 128]);
    let off_curve = b64([0x01; 32]);
    let cases = [
        (
            "private key published",
            with(rsa.clone(), "d", json!("AQAB")),
        ),
        ("encryption key", with(rsa.clone(), "use", json!("enc"))),
        (
            "key_ops without verify",
            with(rsa.clone(), "key_ops", json!(["encrypt"])),
        ),
        (
            "algorithm not implemented",
            with(rsa.clone(), "alg", json!("RSA-OAEP")),
        ),
        (
            "alg of another key type",
            with(rsa.clone(), "alg", json!("ES256")),
        ),
        (
            "HMAC alg on a public key",
            with(rsa.clone(), "alg", json!("HS256")),
        ),
        (
            "curve alg mismatch",
            with(ec.clone(), "alg", json!("ES384")),
        ),
        (
            "alg none on the key",
            with(rsa.clone(), "alg", json!("none")),
        ),
        (
            "symmetric key",
            json!({"kty": "oct", "k": "c2VjcmV0", "kid": "s"}),
        ),
        (
            "symmetric key with alg",
            json!({"kty": "oct", "k": b64([7; 64]), "kid": "s", "alg": "HS256"}),
        ),
        (
            "Ed448 key",
            json!({"kty": "OKP", "crv": "Ed448", "x": b64([1; 57])}),
        ),
        (
            "Ed25519 key of the wrong length",
            json!({"kty": "OKP", "crv": "Ed25519", "x": b64([9; 31])}),
        ),
        (
            "Ed25519 private key published",
            with(
                ed25519_jwk(&ed25519_signer(), "d"),
                "d",
                json!(b64([1; 32])),
            ),
        ),
        (
            "kid too long",
            with(ec.clone(), "kid", json!("k".repeat(300))),
        ),
        ("RSA 1024", with(rsa.clone(), "n", json!(weak_modulus))),
        (
            "even exponent",
            with(rsa.clone(), "e", json!(b64([0x01, 0x00, 0x00]))),
        ),
        ("exponent one", with(rsa.clone(), "e", json!("AQ"))),
        ("P-384 curve", with(ec.clone(), "crv", json!("P-384"))),
        (
            "point off the curve",
            with(ec.clone(), "y", json!(off_curve)),
        ),
        (
            "short coordinate",
            with(ec.clone(), "x", json!(b64([0x05; 31]))),
        ),
        (
            "padded base64",
            with(ec.clone(), "x", json!(format!("{}=", b64([0x05; 32])))),
        ),
        ("numeric kid", with(ec.clone(), "kid", json!(1))),
    ];
    for (what, jwk) in cases {
        assert_eq!(single(jwk).err(), Some(JwksError::NoUsableKey), "{what}");
    }
}

#[test]
fn refuses_sets_that_are_not_sets() {
    assert_eq!(KeySet::parse(b"not json").err(), Some(JwksError::BadJson));
    assert_eq!(set(json!({"keys": {}})).err(), Some(JwksError::NoKeysArray));
    assert_eq!(set(json!([1])).err(), Some(JwksError::NoKeysArray));
    let many: Vec<Value> = (0..33)
        .map(|i| ec_jwk(&ec_signer(), &i.to_string()))
        .collect();
    assert_eq!(
        set(json!({ "keys": many })).err(),
        Some(JwksError::TooManyKeys)
    );
    let duplicate = br#"{"keys":[],"keys":[]}"#;
    assert_eq!(KeySet::parse(duplicate).err(), Some(JwksError::BadJson));
    let huge = vec![b' '; MAX_JWKS_BYTES + 1];
    assert_eq!(KeySet::parse(&huge).err(), Some(JwksError::TooLarge));
}

#[test]
fn selects_a_key_by_kid_and_algorithm() {
    let keys = set(jwks()).unwrap();
    let cases = [
        (Algorithm::Rs256, Some("missing"), Err(KeyError::UnknownKid)),
        (Algorithm::Rs256, None, Err(KeyError::KidRequired)),
        (Algorithm::Rs256, Some("ec-1"), Err(KeyError::WrongKeyType)),
        (Algorithm::Es256, Some("rsa-1"), Err(KeyError::WrongKeyType)),
        (Algorithm::Es256, Some("ec-1"), Ok("ec-1")),
    ];
    for (alg, kid, expected) in cases {
        let found = keys
            .select(alg, kid)
            .map(|key| key.kid.as_deref().unwrap_or(""));
        assert_eq!(found, expected, "{alg:?} {kid:?}");
    }
}

#[test]
fn a_lone_key_needs_no_kid_but_must_fit() {
    let keys = single(ec_jwk(&ec_signer(), "e")).unwrap();
    assert!(keys.select(Algorithm::Es256, None).is_ok());
    assert_eq!(
        keys.select(Algorithm::Rs256, None).err(),
        Some(KeyError::WrongKeyType)
    );
}

#[test]
fn the_keys_own_alg_restricts_it() {
    let rsa_marked_ps256 = with(rsa_jwk(&rsa_signer(), "r"), "alg", json!("PS256"));
    let keys = single(rsa_marked_ps256).unwrap();
    assert!(keys.select(Algorithm::Ps256, Some("r")).is_ok());
    assert_eq!(
        keys.select(Algorithm::Rs256, Some("r")).err(),
        Some(KeyError::WrongKeyType)
    );
}

#[test]
fn loads_p384_and_ed25519_keys() {
    use p384::pkcs8::DecodePublicKey as _;
    let keys = set(every_key_jwks()).unwrap();
    assert_eq!(keys.len(), 4);
    let p384_key = keys.select(Algorithm::Es384, Some("p384-1")).unwrap();
    let decoded = p384::PublicKey::from_public_key_der(&p384_key.spki).unwrap();
    assert_eq!(
        decoded,
        p384::PublicKey::from(p384_signer().verifying_key())
    );
    let ed = keys.select(Algorithm::EdDsa, Some("ed-1")).unwrap();
    assert!(ed.spki.is_empty(), "Ed25519 never goes to the host");
    assert_eq!(
        keys.select(Algorithm::Es256, Some("p384-1")).err(),
        Some(KeyError::WrongKeyType)
    );
    let off_curve = with(p384_jwk(&p384_signer(), "p"), "y", json!(b64([1; 48])));
    assert_eq!(single(off_curve).err(), Some(JwksError::NoUsableKey));
}

#[test]
fn a_public_key_never_serves_hmac() {
    let keys = set(every_key_jwks()).unwrap();
    for kid in ["rsa-any", "ec-1", "p384-1", "ed-1"] {
        for alg in [Algorithm::Hs256, Algorithm::Hs384, Algorithm::Hs512] {
            assert_eq!(
                keys.select(alg, Some(kid)).err(),
                Some(KeyError::WrongKeyType),
                "{kid} {alg:?}"
            );
        }
    }
}

#[test]
fn one_kid_on_two_kinds_of_key_is_told_apart_by_algorithm() {
    let document = json!({"keys": [rsa_jwk(&rsa_signer(), "k"), ec_jwk(&ec_signer(), "k")]});
    let keys = set(document).unwrap();
    let key = keys.select(Algorithm::Es256, Some("k")).unwrap();
    assert!(matches!(
        key.material,
        KeyMaterial::Ec {
            curve: Curve::P256,
            ..
        }
    ));
    let twice = json!({"keys": [ec_jwk(&ec_signer(), "k"), ec_jwk(&ec_signer(), "k")]});
    let keys = set(twice).unwrap();
    assert_eq!(
        keys.select(Algorithm::Es256, Some("k")).err(),
        Some(KeyError::AmbiguousKid)
    );
}
