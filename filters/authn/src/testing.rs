//! Test helpers: fixed signing keys, their JWKs, and a token minter that signs with `rsa`,
//! `p256`, `p384`, `ed25519-dalek` and `hmac` directly, so tests can build any token,
//! well-formed or hostile.

use crate::alg::{Algorithm, Digest, Family};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Signer as _;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey};
use serde_json::{json, Value};
use sha2::{Sha256, Sha384, Sha512};

/// Unix time the fake host and these tokens agree on.
pub const NOW: u64 = 1_800_000_000;
pub const ISSUER: &str = "http://127.0.0.1:18081";
pub const AUDIENCE: &str = "urn:palisade:demo-api";
/// The HS* secret of the tests' provider: 64 bytes, enough for HS512.
pub const HMAC_SECRET: [u8; 64] = [0x5a; 64];

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

pub fn p384_signer() -> p384::ecdsa::SigningKey {
    p384::ecdsa::SigningKey::from_slice(&[0x33; 48]).unwrap()
}

pub fn ed25519_signer() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[0x44; 32])
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

pub fn p384_jwk(key: &p384::ecdsa::SigningKey, kid: &str) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    json!({"kty": "EC", "crv": "P-384", "kid": kid, "use": "sig",
           "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())})
}

pub fn ed25519_jwk(key: &ed25519_dalek::SigningKey, kid: &str) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "use": "sig",
           "x": b64(key.verifying_key().as_bytes())})
}

/// The JWKS the tests' provider publishes: `rsa-1` and `ec-1`.
pub fn jwks() -> Value {
    json!({"keys": [rsa_jwk(&rsa_signer(), "rsa-1"), ec_jwk(&ec_signer(), "ec-1")]})
}

/// A JWKS with a key for every public-key algorithm: `rsa-any` (no `alg`), `ec-1`, `p384-1`,
/// `ed-1`.
pub fn every_key_jwks() -> Value {
    let mut rsa = rsa_jwk(&rsa_signer(), "rsa-any");
    rsa.as_object_mut().unwrap().remove("alg");
    json!({"keys": [rsa, ec_jwk(&ec_signer(), "ec-1"), p384_jwk(&p384_signer(), "p384-1"),
                    ed25519_jwk(&ed25519_signer(), "ed-1")]})
}

/// The kid of [`every_key_jwks`] (or the configured secret `hs-1`) that signs `alg`.
pub fn kid_for(alg: Algorithm) -> &'static str {
    match alg.family() {
        Family::RsaPkcs1 | Family::RsaPss => "rsa-any",
        Family::Ecdsa if alg == Algorithm::Es256 => "ec-1",
        Family::Ecdsa => "p384-1",
        Family::EdDsa => "ed-1",
        Family::Hmac => "hs-1",
    }
}

pub fn sign_rs256(key: &RsaPrivateKey, input: &[u8]) -> Vec<u8> {
    key.sign(
        Pkcs1v15Sign::new::<Sha256>(),
        &<Sha256 as sha2::Digest>::digest(input),
    )
    .unwrap()
}

/// A JWS ES256 signature: raw `r || s`, 64 bytes.
pub fn sign_es256(key: &p256::ecdsa::SigningKey, input: &[u8]) -> Vec<u8> {
    let signature: p256::ecdsa::Signature = key.sign(input);
    signature.to_bytes().to_vec()
}

/// A signature by the tests' key for `alg` (PSS salts from a fixed, test-only generator).
pub fn sign(alg: Algorithm, input: &[u8]) -> Vec<u8> {
    match (alg.family(), alg.digest()) {
        (Family::RsaPkcs1 | Family::RsaPss, digest) => sign_rsa(alg.family(), digest, input),
        (Family::Ecdsa, _) if alg == Algorithm::Es256 => sign_es256(&ec_signer(), input),
        (Family::Ecdsa, _) => {
            let signature: p384::ecdsa::Signature = p384_signer().sign(input);
            signature.to_bytes().to_vec()
        }
        (Family::EdDsa, _) => ed25519_signer().sign(input).to_bytes().to_vec(),
        (Family::Hmac, digest) => sign_hmac(digest, &HMAC_SECRET, input),
    }
}

fn sign_rsa(family: Family, digest: Digest, input: &[u8]) -> Vec<u8> {
    let key = rsa_signer();
    let mut rng = FixedRng(7);
    let hashed = |digest: Digest| match digest {
        Digest::Sha256 => <Sha256 as sha2::Digest>::digest(input).to_vec(),
        Digest::Sha384 => <Sha384 as sha2::Digest>::digest(input).to_vec(),
        Digest::Sha512 => <Sha512 as sha2::Digest>::digest(input).to_vec(),
    };
    let hashed = hashed(digest);
    match (family, digest) {
        (Family::RsaPss, Digest::Sha256) => {
            key.sign_with_rng(&mut rng, Pss::new::<Sha256>(), &hashed)
        }
        (Family::RsaPss, Digest::Sha384) => {
            key.sign_with_rng(&mut rng, Pss::new::<Sha384>(), &hashed)
        }
        (Family::RsaPss, Digest::Sha512) => {
            key.sign_with_rng(&mut rng, Pss::new::<Sha512>(), &hashed)
        }
        (_, Digest::Sha256) => key.sign(Pkcs1v15Sign::new::<Sha256>(), &hashed),
        (_, Digest::Sha384) => key.sign(Pkcs1v15Sign::new::<Sha384>(), &hashed),
        (_, Digest::Sha512) => key.sign(Pkcs1v15Sign::new::<Sha512>(), &hashed),
    }
    .unwrap()
}

pub fn sign_hmac(digest: Digest, secret: &[u8], input: &[u8]) -> Vec<u8> {
    match digest {
        Digest::Sha256 => {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
            mac.update(input);
            mac.finalize().into_bytes().to_vec()
        }
        Digest::Sha384 => {
            let mut mac = Hmac::<Sha384>::new_from_slice(secret).unwrap();
            mac.update(input);
            mac.finalize().into_bytes().to_vec()
        }
        Digest::Sha512 => {
            let mut mac = Hmac::<Sha512>::new_from_slice(secret).unwrap();
            mac.update(input);
            mac.finalize().into_bytes().to_vec()
        }
    }
}

/// A predictable byte stream standing in for randomness in test signatures only.
struct FixedRng(u8);

impl rsa::rand_core::RngCore for FixedRng {
    fn next_u32(&mut self) -> u32 {
        u32::from_le_bytes([self.next(); 4])
    }
    fn next_u64(&mut self) -> u64 {
        u64::from(self.next_u32())
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.iter_mut().for_each(|byte| *byte = self.next());
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rsa::rand_core::CryptoRng for FixedRng {}

impl FixedRng {
    fn next(&mut self) -> u8 {
        self.0 = self.0.wrapping_mul(31).wrapping_add(17);
        self.0
    }
}

/// Claims every provider check accepts at [`NOW`].
pub fn good_claims() -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "client_id": "demo-client",
           "scope": "accounts:read transfers:write", "iat": NOW - 10, "exp": NOW + 600,
           "jti": "jti-1"})
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

/// A token signed for `alg` by the tests' key for it, naming that key.
pub fn token_for(alg: Algorithm, claims: &Value) -> String {
    let header = json!({"alg": alg.jose_name(), "kid": kid_for(alg)});
    let input = signing_input(&header, claims);
    with_signature(&input, &sign(alg, input.as_bytes()))
}

/// What an [`Authenticator`](crate::decide::Authenticator) borrows, owned by one test:
/// `config`, its keys, a cache of 16 tokens, empty shared data and no revocations.
pub struct Parts<'c> {
    pub config: &'c crate::config::Config,
    pub keys: crate::keys::KeyStore,
    pub cache: std::cell::RefCell<crate::cache::TokenCache>,
    pub shared: palisade_shared::shared_data::FakeSharedData,
    pub revocations: crate::revocation::Revocations,
}

impl<'c> Parts<'c> {
    pub fn new(config: &'c crate::config::Config, keys: crate::keys::KeyStore) -> Parts<'c> {
        Parts {
            config,
            keys,
            cache: std::cell::RefCell::new(crate::cache::TokenCache::new(16)),
            shared: palisade_shared::shared_data::FakeSharedData::default(),
            revocations: crate::revocation::Revocations::default(),
        }
    }

    /// `config` with provider 0's keys being [`jwks`].
    pub fn with_test_keys(config: &'c crate::config::Config) -> Parts<'c> {
        let keys = crate::keys::KeyStore::new(1);
        let set = crate::jwks::KeySet::parse(jwks().to_string().as_bytes()).unwrap();
        keys.install(0, set);
        Parts::new(config, keys)
    }

    /// An authenticator over these parts, verifying in pure Rust.
    pub fn authenticator(&self) -> crate::decide::Authenticator<'_> {
        crate::decide::Authenticator {
            config: self.config,
            keys: &self.keys,
            cache: &self.cache,
            verifier: &crate::verify::PureRustVerifier,
            shared: &self.shared,
            revocations: &self.revocations,
        }
    }
}

/// Owned header pairs as the borrowed pairs a request is read from.
pub fn borrowed(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}
