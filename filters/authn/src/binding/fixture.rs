//! A whole authenticator over the test provider, for the mTLS, certificate-binding and DPoP
//! tests: configuration patches, requests with connection facts, tokens and proofs.

use crate::cache::TokenCache;
use crate::config::{self, Config};
use crate::decide::{Authenticator, RequestFacts, Verdict};
use crate::jwks::KeySet;
use crate::keys::KeyStore;
use crate::mtls::peer::PeerFacts;
use crate::revocation::Revocations;
use crate::testing::*;
use crate::verify::PureRustVerifier;
use palisade_shared::shared_data::FakeSharedData;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::cell::RefCell;

/// The authority requests are sent to, and the URI proofs name for `/accounts`.
pub const AUTHORITY: &str = "api.test";
pub const ACCOUNTS_URI: &str = "https://api.test/accounts";

pub struct Fixture {
    pub config: Config,
    keys: KeyStore,
    cache: RefCell<TokenCache>,
    pub shared: FakeSharedData,
    revocations: Revocations,
}

impl Fixture {
    /// The test provider (`providers[0]` patched by `provider`) and the top-level `extra`.
    pub fn new(provider: Value, extra: Value) -> Fixture {
        let mut config = json!({
            "providers": [{
                "name": "idp", "issuer": ISSUER, "audiences": [AUDIENCE],
                "jwks": {"cluster": "palisade_idp", "uri": "http://127.0.0.1:18081/jwks"}
            }],
            "openapi": serde_json::from_str::<Value>(
                include_str!("../../../../schemas/demo-api.openapi.json")).unwrap()
        });
        for (name, value) in provider.as_object().unwrap() {
            config["providers"][0][name] = value.clone();
        }
        for (name, value) in extra.as_object().unwrap() {
            config[name] = value.clone();
        }
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

    pub fn authenticator(&self) -> Authenticator<'_> {
        Authenticator {
            config: &self.config,
            keys: &self.keys,
            cache: &self.cache,
            verifier: &PureRustVerifier,
            shared: &self.shared,
            revocations: &self.revocations,
        }
    }

    /// The verdict on `headers` (pseudo-headers included) over a connection with `peer`.
    pub fn decide(&self, headers: &[(String, String)], peer: &PeerFacts) -> Verdict {
        let headers = crate::testing::borrowed(headers);
        let facts = RequestFacts {
            peer: Some(peer),
            ..RequestFacts::from_headers(&headers)
        };
        self.authenticator().decide(&facts, NOW)
    }
}

/// An HTTPS request to [`AUTHORITY`] with these extra headers.
pub fn request(method: &str, path: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let pseudo = [
        (":method", method),
        (":path", path),
        (":scheme", "https"),
        (":authority", AUTHORITY),
    ];
    pseudo
        .iter()
        .chain(extra)
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// A connection whose client presented a certificate with this SPIFFE ID and digest.
pub fn mtls_peer(spiffe_id: &str, sha256: [u8; 32]) -> PeerFacts {
    PeerFacts {
        mtls: true,
        uri_san: Some(spiffe_id.to_string()),
        subject: Some("O=Example,CN=test".to_string()),
        sha256: Some(sha256),
    }
}

/// An access token of the test provider with `cnf` added.
pub fn bound_token(cnf: Value) -> String {
    let mut claims = good_claims();
    claims["cnf"] = cnf;
    es256_token(&json!({"alg": "ES256", "kid": "ec-1"}), &claims)
}

/// The client's own P-256 key (test-only scalar).
pub fn client_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[0x5c; 32]).unwrap()
}

/// The thumbprint of [`client_key`] (RFC 7638), as `cnf.jkt` names it.
pub fn client_jkt() -> String {
    let point = client_key().verifying_key().to_encoded_point(false);
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        b64(point.x().unwrap()),
        b64(point.y().unwrap())
    );
    b64(Sha256::digest(canonical.as_bytes()))
}

/// A proof by `key` for `method` and `uri`, with `jti`, at [`NOW`], for `token`.
pub fn proof_by(
    key: &p256::ecdsa::SigningKey,
    method: &str,
    uri: &str,
    jti: &str,
    token: &str,
) -> String {
    let point = key.verifying_key().to_encoded_point(false);
    let jwk = json!({"kty": "EC", "crv": "P-256",
                     "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())});
    let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk});
    let claims = json!({"jti": jti, "htm": method, "htu": uri, "iat": NOW,
                        "ath": b64(Sha256::digest(token.as_bytes()))});
    let input = signing_input(&header, &claims);
    with_signature(&input, &sign_es256(key, input.as_bytes()))
}
