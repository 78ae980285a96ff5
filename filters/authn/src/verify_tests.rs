use super::host::VerifySignatureArguments;
use super::*;
use crate::jwks::KeySet;
use crate::testing::{ec_other, ec_signer, jwks, rsa_other, rsa_signer, sign_es256, sign_rs256};
use prost::Message;
use std::cell::Cell;

const SIGNED: &[u8] = b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0";

fn keys() -> KeySet {
    KeySet::parse(jwks().to_string().as_bytes()).unwrap()
}

fn rsa_key(keys: &KeySet) -> &PublicKey {
    keys.select(Algorithm::Rs256, Some("rsa-1")).unwrap()
}

fn ec_key(keys: &KeySet) -> &PublicKey {
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

fn key_by_kid<'k>(keys: &'k KeySet, kid: &str) -> &'k PublicKey {
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
    assert_eq!(args.hash_function, "sha256");
    let valid = if let Ok(key) = rsa::RsaPublicKey::from_public_key_der(&args.public_key) {
        let digest = <sha2::Sha256 as sha2::Digest>::digest(&args.text);
        key.verify(
            rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            &digest,
            &args.signature,
        )
        .is_ok()
    } else {
        use p256::ecdsa::signature::Verifier as _;
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(&args.public_key).unwrap();
        let signature = p256::ecdsa::Signature::from_der(&args.signature).unwrap();
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
