use super::host::VerifySignatureArguments;
use super::*;
use crate::jwks::KeySet;
use crate::testing::{
    ec_other, ec_signer, every_key_jwks, jwks, kid_for, rsa_other, rsa_signer, sign, sign_es256,
    sign_rs256, HMAC_SECRET,
};
use prost::Message;
use std::cell::Cell;

const SIGNED: &[u8] = b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0";

fn keys() -> KeySet {
    KeySet::parse(jwks().to_string().as_bytes()).unwrap()
}

fn rsa_key(keys: &KeySet) -> &VerificationKey {
    keys.select(Algorithm::Rs256, Some("rsa-1")).unwrap()
}

fn ec_key(keys: &KeySet) -> &VerificationKey {
    keys.select(Algorithm::Es256, Some("ec-1")).unwrap()
}

/// An ES256 signature with its halves replaced.
fn es256_with(r: [u8; 32], s: [u8; 32]) -> Vec<u8> {
    [r, s].concat()
}

/// Every signature a verifier must call invalid, with what is wrong with it.
fn invalid_signatures() -> Vec<(&'static str, Algorithm, &'static str, Vec<u8>)> {
    let good_es = sign_es256(&ec_signer(), SIGNED);
    let (r, s) = good_es.split_at(32);
    let r: [u8; 32] = r.try_into().unwrap();
    let s: [u8; 32] = s.try_into().unwrap();
    vec![
        (
            "es256 by another key",
            Algorithm::Es256,
            "ec-1",
            sign_es256(&ec_other(), SIGNED),
        ),
        (
            "es256 over other text",
            Algorithm::Es256,
            "ec-1",
            sign_es256(&ec_signer(), b"x"),
        ),
        (
            "es256 r = 0",
            Algorithm::Es256,
            "ec-1",
            es256_with([0; 32], s),
        ),
        (
            "es256 s = 0",
            Algorithm::Es256,
            "ec-1",
            es256_with(r, [0; 32]),
        ),
        (
            "es256 r = n",
            Algorithm::Es256,
            "ec-1",
            es256_with(P256_ORDER, s),
        ),
        (
            "es256 s > n",
            Algorithm::Es256,
            "ec-1",
            es256_with(r, [0xff; 32]),
        ),
        (
            "es256 63 bytes",
            Algorithm::Es256,
            "ec-1",
            good_es[..63].to_vec(),
        ),
        (
            "es256 65 bytes",
            Algorithm::Es256,
            "ec-1",
            [good_es.as_slice(), &[0]].concat(),
        ),
        ("es256 empty", Algorithm::Es256, "ec-1", Vec::new()),
        (
            "rs256 by another key",
            Algorithm::Rs256,
            "rsa-1",
            sign_rs256(&rsa_other(), SIGNED),
        ),
        (
            "rs256 over other text",
            Algorithm::Rs256,
            "rsa-1",
            sign_rs256(&rsa_signer(), b"x"),
        ),
        (
            "rs256 one byte short",
            Algorithm::Rs256,
            "rsa-1",
            sign_rs256(&rsa_signer(), SIGNED)[1..].to_vec(),
        ),
        (
            "rs256 on the EC key",
            Algorithm::Rs256,
            "ec-1",
            sign_rs256(&rsa_signer(), SIGNED),
        ),
        (
            "es256 on the RSA key",
            Algorithm::Es256,
            "rsa-1",
            good_es.clone(),
        ),
    ]
}

fn key_by_kid<'k>(keys: &'k KeySet, kid: &str) -> &'k VerificationKey {
    keys.select(Algorithm::Rs256, Some(kid))
        .or_else(|_| keys.select(Algorithm::Es256, Some(kid)))
        .unwrap()
}

#[test]
fn pure_rust_accepts_good_signatures() {
    let keys = keys();
    let rs = sign_rs256(&rsa_signer(), SIGNED);
    assert_eq!(
        PureRustVerifier.verify(Algorithm::Rs256, rsa_key(&keys), SIGNED, &rs),
        Ok(true)
    );
    let es = sign_es256(&ec_signer(), SIGNED);
    assert_eq!(
        PureRustVerifier.verify(Algorithm::Es256, ec_key(&keys), SIGNED, &es),
        Ok(true)
    );
}

#[test]
fn pure_rust_refuses_every_invalid_signature() {
    let keys = keys();
    for (what, alg, kid, signature) in invalid_signatures() {
        let answer = PureRustVerifier.verify(alg, key_by_kid(&keys, kid), SIGNED, &signature);
        assert_eq!(answer, Ok(false), "{what}");
    }
}

/// A stand-in for Envoy: decodes the arguments, checks them as BoringSSL would receive them, and
/// verifies with the DER key and DER signature it was given.
fn fake_envoy(arguments: &[u8]) -> Result<Vec<u8>, ForeignCallError> {
    use p256::pkcs8::DecodePublicKey as _;
    let args = VerifySignatureArguments::decode(arguments).unwrap();
    let valid = if let Ok(key) = rsa::RsaPublicKey::from_public_key_der(&args.public_key) {
        fake_rsa(&key, &args)
    } else if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(&args.public_key) {
        use p256::ecdsa::signature::Verifier as _;
        assert_eq!(args.hash_function, "sha256");
        let signature = p256::ecdsa::Signature::from_der(&args.signature).unwrap();
        key.verify(&args.text, &signature).is_ok()
    } else {
        use p384::ecdsa::signature::Verifier as _;
        use p384::pkcs8::DecodePublicKey as _;
        assert_eq!(args.hash_function, "sha384");
        let key = p384::ecdsa::VerifyingKey::from_public_key_der(&args.public_key).unwrap();
        let signature = p384::ecdsa::Signature::from_der(&args.signature).unwrap();
        key.verify(&args.text, &signature).is_ok()
    };
    let error = if valid {
        String::new()
    } else {
        "verification failed".into()
    };
    Ok(VerifySignatureResult {
        result: valid,
        error,
    }
    .encode_to_vec())
}

/// PKCS#1 v1.5 with the digest the host was told to use.
fn fake_rsa(key: &rsa::RsaPublicKey, args: &VerifySignatureArguments) -> bool {
    use sha2::Digest as _;
    let text = &args.text;
    let signature = &args.signature;
    match args.hash_function.as_str() {
        "sha256" => {
            let digest = sha2::Sha256::digest(text);
            let scheme = rsa::Pkcs1v15Sign::new::<sha2::Sha256>();
            key.verify(scheme, &digest, signature).is_ok()
        }
        "sha384" => {
            let digest = sha2::Sha384::digest(text);
            let scheme = rsa::Pkcs1v15Sign::new::<sha2::Sha384>();
            key.verify(scheme, &digest, signature).is_ok()
        }
        "sha512" => {
            let digest = sha2::Sha512::digest(text);
            let scheme = rsa::Pkcs1v15Sign::new::<sha2::Sha512>();
            key.verify(scheme, &digest, signature).is_ok()
        }
        other => panic!("unexpected hash {other}"),
    }
}

#[test]
fn host_arguments_carry_der_key_der_signature_and_exact_text() {
    let keys = keys();
    let es = sign_es256(&ec_signer(), SIGNED);
    let encoded = encode_arguments(Algorithm::Es256, ec_key(&keys), SIGNED, &es).unwrap();
    let args = VerifySignatureArguments::decode(encoded.as_slice()).unwrap();
    assert_eq!(args.public_key, ec_key(&keys).spki);
    assert_eq!(args.text, SIGNED);
    let der = p256::ecdsa::Signature::from_der(&args.signature).unwrap();
    assert_eq!(der.to_bytes().to_vec(), es);
    let rs = sign_rs256(&rsa_signer(), SIGNED);
    let encoded = encode_arguments(Algorithm::Rs256, rsa_key(&keys), SIGNED, &rs).unwrap();
    let args = VerifySignatureArguments::decode(encoded.as_slice()).unwrap();
    assert_eq!(
        args.signature, rs,
        "RSA signatures go to the host unchanged"
    );
}

#[test]
fn host_path_accepts_good_and_refuses_invalid_signatures() {
    let keys = keys();
    let host = HostVerifier::new(fake_envoy);
    let rs = sign_rs256(&rsa_signer(), SIGNED);
    assert_eq!(
        host.verify(Algorithm::Rs256, rsa_key(&keys), SIGNED, &rs),
        Ok(true)
    );
    let es = sign_es256(&ec_signer(), SIGNED);
    assert_eq!(
        host.verify(Algorithm::Es256, ec_key(&keys), SIGNED, &es),
        Ok(true)
    );
    for (what, alg, kid, signature) in invalid_signatures() {
        let answer = host.verify(alg, key_by_kid(&keys, kid), SIGNED, &signature);
        assert_eq!(answer, Ok(false), "{what}");
    }
}

type ForeignCall = fn(&[u8]) -> Result<Vec<u8>, ForeignCallError>;

#[test]
fn host_failures_are_errors_not_answers() {
    let keys = keys();
    let es = sign_es256(&ec_signer(), SIGNED);
    let cases: [(ForeignCall, VerifyError); 3] = [
        (
            |_| Err(ForeignCallError::NotFound),
            VerifyError::Unavailable,
        ),
        (
            |_| Err(ForeignCallError::Failed("BadArgument".into())),
            VerifyError::Host("BadArgument".into()),
        ),
        (
            |_| Ok(vec![0xff, 0xff]),
            VerifyError::Host("undecodable verify_signature result".into()),
        ),
    ];
    for (call, expected) in cases {
        let answer = HostVerifier::new(call).verify(Algorithm::Es256, ec_key(&keys), SIGNED, &es);
        assert_eq!(answer, Err(expected));
    }
}

#[test]
fn auto_falls_back_to_pure_rust_for_good_when_the_host_lacks_the_function() {
    let keys = keys();
    let calls = Cell::new(0);
    let auto = AutoVerifier::new(HostVerifier::new(|_: &[u8]| {
        calls.set(calls.get() + 1);
        Err(ForeignCallError::NotFound)
    }));
    let es = sign_es256(&ec_signer(), SIGNED);
    assert_eq!(
        auto.verify(Algorithm::Es256, ec_key(&keys), SIGNED, &es),
        Ok(true)
    );
    assert_eq!(
        auto.verify(Algorithm::Es256, ec_key(&keys), b"other", &es),
        Ok(false)
    );
    assert!(auto.fell_back());
    assert_eq!(calls.get(), 1, "the host is asked once");
}

#[test]
fn auto_fails_closed_when_the_host_call_fails() {
    let keys = keys();
    let auto = AutoVerifier::new(HostVerifier::new(|_: &[u8]| {
        Err(ForeignCallError::Failed("InternalFailure".into()))
    }));
    let es = sign_es256(&ec_signer(), SIGNED);
    let answer = auto.verify(Algorithm::Es256, ec_key(&keys), SIGNED, &es);
    assert_eq!(answer, Err(VerifyError::Host("InternalFailure".into())));
    assert!(!auto.fell_back());
}

fn every_key() -> KeySet {
    let secret = crate::jwks::VerificationKey {
        kid: Some("hs-1".into()),
        material: crate::jwks::KeyMaterial::Secret(crate::jwks::Secret(HMAC_SECRET.to_vec())),
        alg: None,
        spki: Vec::new(),
    };
    KeySet::parse(every_key_jwks().to_string().as_bytes())
        .unwrap()
        .with_secrets(&[secret])
}

const EVERY_ALGORITHM: [Algorithm; 12] = [
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
    Algorithm::Hs384,
    Algorithm::Hs512,
];

#[test]
fn every_algorithm_verifies_on_both_backends_and_refuses_other_text() {
    let keys = every_key();
    let calls = Cell::new(0);
    let host = HostVerifier::new(|arguments: &[u8]| {
        calls.set(calls.get() + 1);
        fake_envoy(arguments)
    });
    let verifiers: [(&str, &dyn Verifier); 2] = [("pure", &PureRustVerifier), ("host", &host)];
    for alg in EVERY_ALGORITHM {
        let key = keys.select(alg, Some(kid_for(alg))).unwrap();
        let signature = sign(alg, SIGNED);
        for (name, verifier) in verifiers {
            let good = verifier.verify(alg, key, SIGNED, &signature);
            assert_eq!(good, Ok(true), "{name} {alg:?}");
            let other = verifier.verify(alg, key, b"eyJ.other", &signature);
            assert_eq!(other, Ok(false), "{name} {alg:?} over other text");
        }
    }
    assert_eq!(
        calls.get(),
        10,
        "only RS* and ES* reach the host, twice each"
    );
}

#[test]
fn a_signature_for_one_algorithm_never_passes_as_another() {
    let keys = every_key();
    for signed_with in EVERY_ALGORITHM {
        let signature = sign(signed_with, SIGNED);
        for claimed in EVERY_ALGORITHM
            .into_iter()
            .filter(|alg| *alg != signed_with)
        {
            let Ok(key) = keys.select(claimed, Some(kid_for(claimed))) else {
                continue;
            };
            let answer = PureRustVerifier.verify(claimed, key, SIGNED, &signature);
            assert_eq!(answer, Ok(false), "{signed_with:?} as {claimed:?}");
        }
    }
}

#[test]
fn es384_refuses_zero_out_of_range_and_der_signatures() {
    let keys = every_key();
    let key = keys.select(Algorithm::Es384, Some("p384-1")).unwrap();
    let good = sign(Algorithm::Es384, SIGNED);
    let (r, s) = good.split_at(48);
    let der = p384::ecdsa::Signature::from_slice(&good).unwrap().to_der();
    let cases: [(&str, Vec<u8>); 6] = [
        ("r = 0", [&[0u8; 48][..], s].concat()),
        ("s = 0", [r, &[0u8; 48][..]].concat()),
        ("r = n", [&P384_ORDER[..], s].concat()),
        ("s = n", [r, &P384_ORDER[..]].concat()),
        ("DER instead of raw", der.as_bytes().to_vec()),
        ("ES256 length", good[..64].to_vec()),
    ];
    let host = HostVerifier::new(fake_envoy);
    for (what, signature) in cases {
        assert!(
            !has_valid_shape(Algorithm::Es384, key, &signature),
            "{what}"
        );
        let pure = PureRustVerifier.verify(Algorithm::Es384, key, SIGNED, &signature);
        assert_eq!(pure, Ok(false), "{what}");
        let hosted = host.verify(Algorithm::Es384, key, SIGNED, &signature);
        assert_eq!(hosted, Ok(false), "{what}");
    }
}

#[test]
fn es256_refuses_a_der_signature_of_a_valid_signature() {
    let keys = keys();
    let good = sign_es256(&ec_signer(), SIGNED);
    let der = p256::ecdsa::Signature::from_slice(&good).unwrap().to_der();
    let answer = PureRustVerifier.verify(Algorithm::Es256, ec_key(&keys), SIGNED, der.as_bytes());
    assert_eq!(answer, Ok(false));
}

#[test]
fn hmac_refuses_wrong_length_tags_and_other_secrets() {
    let keys = every_key();
    let key = keys.select(Algorithm::Hs256, Some("hs-1")).unwrap();
    let good = sign(Algorithm::Hs256, SIGNED);
    let other = crate::testing::sign_hmac(crate::alg::Digest::Sha256, &[0x11; 64], SIGNED);
    let cases: [(&str, Vec<u8>); 4] = [
        ("other secret", other),
        ("truncated", good[..16].to_vec()),
        ("HS512 tag", sign(Algorithm::Hs512, SIGNED)),
        ("empty", Vec::new()),
    ];
    for (what, tag) in cases {
        let answer = PureRustVerifier.verify(Algorithm::Hs256, key, SIGNED, &tag);
        assert_eq!(answer, Ok(false), "{what}");
    }
}

#[test]
fn ed25519_refuses_a_small_order_key() {
    // The identity point: every signature with R = identity and S = 0 would verify loosely.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let key = VerificationKey {
        kid: None,
        material: crate::jwks::KeyMaterial::Ed25519 { public: identity },
        alg: None,
        spki: Vec::new(),
    };
    let mut signature = [0u8; 64];
    signature[0] = 1;
    let answer = PureRustVerifier.verify(Algorithm::EdDsa, &key, SIGNED, &signature);
    assert_eq!(answer, Ok(false));
}
