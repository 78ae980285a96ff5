//! Test helpers: fixed signing keys, their JWKs, and a token minter that signs with `rsa` and
//! `p256` directly, so tests can build any token, well-formed or hostile.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer as _;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Unix time the fake host and these tokens agree on.
pub const NOW: u64 = 1_800_000_000;
pub const ISSUER: &str = "http://127.0.0.1:18081";
pub const AUDIENCE: &str = "urn:palisade:demo-api";

/// The RSA 2048 key that signs test tokens (test-only fixture, never used elsewhere).
pub fn rsa_signer() -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(include_str!("testdata/rsa2048_signer.pem")).unwrap()
}

/// A second RSA 2048 key, for tokens signed by someone else.
pub fn rsa_other() -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(include_str!("testdata/rsa2048_other.pem")).unwrap()
}

/// The P-256 key that signs test tokens; scalar fixed so signatures are reproducible.
pub fn ec_signer() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[0x11; 32]).unwrap()
}

pub fn ec_other() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[0x22; 32]).unwrap()
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn rsa_jwk(key: &RsaPrivateKey, kid: &str) -> Value {
    let public = key.to_public_key();
    json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
           "n": b64(public.n().to_bytes_be()), "e": b64(public.e().to_bytes_be())})
}

pub fn ec_jwk(key: &p256::ecdsa::SigningKey, kid: &str) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig",
           "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())})
}

/// The JWKS the tests' provider publishes: `rsa-1` and `ec-1`.
pub fn jwks() -> Value {
    json!({"keys": [rsa_jwk(&rsa_signer(), "rsa-1"), ec_jwk(&ec_signer(), "ec-1")]})
}

pub fn sign_rs256(key: &RsaPrivateKey, input: &[u8]) -> Vec<u8> {
    key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(input))
        .unwrap()
}

/// A JWS ES256 signature: raw `r || s`, 64 bytes.
pub fn sign_es256(key: &p256::ecdsa::SigningKey, input: &[u8]) -> Vec<u8> {
    let signature: p256::ecdsa::Signature = key.sign(input);
    signature.to_bytes().to_vec()
}

/// Claims every provider check accepts at [`NOW`].
pub fn good_claims() -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "client_id": "demo-client",
           "scope": "accounts:read transfers:write", "iat": NOW - 10, "exp": NOW + 600})
}

/// `header.payload` encoded, ready to be signed.
pub fn signing_input(header: &Value, claims: &Value) -> String {
    format!("{}.{}", b64(header.to_string()), b64(claims.to_string()))
}

pub fn with_signature(input: &str, signature: &[u8]) -> String {
    format!("{input}.{}", b64(signature))
}

pub fn rs256_token(header: &Value, claims: &Value) -> String {
    let input = signing_input(header, claims);
    with_signature(&input, &sign_rs256(&rsa_signer(), input.as_bytes()))
}

pub fn es256_token(header: &Value, claims: &Value) -> String {
    let input = signing_input(header, claims);
    with_signature(&input, &sign_es256(&ec_signer(), input.as_bytes()))
}
