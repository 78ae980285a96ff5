//! Fuzz-style robustness: thousands of mutated tokens, key sets, discovery documents,
//! revocation lists and shared-data records go through the parsers (and tokens through the
//! whole decision) and must never panic. Deterministic, so a failure reproduces.

use crate::alg::Algorithm;
use crate::config;
use crate::decide::RequestFacts;
use crate::jwks::{discovery, KeySet};
use crate::keys::KeyStore;
use crate::refresh::Meta;
use crate::revocation::Denylist;
use crate::testing::*;
use crate::token;
use serde_json::{json, Value};

/// xorshift64*: small, fast and reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    fn byte(&mut self) -> u8 {
        const INTERESTING: &[u8] = b".=+/-_ \t\r\n\"{}[]:,\\\x00\xff0Aa";
        match self.below(3) {
            0 => INTERESTING[self.below(INTERESTING.len())],
            _ => self.next() as u8,
        }
    }
}

/// One random edit of `input`: flip, insert, delete, duplicate or truncate.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if at < out.len() => out[at] ^= 1 << rng.below(8),
            1 => out.insert(at, rng.byte()),
            2 if at < out.len() => {
                let end = (at + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(32)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            4 => out.truncate(at),
            _ if at < out.len() => out[at] = rng.byte(),
            _ => out.push(rng.byte()),
        }
    }
    out
}

/// A token whose decoded header or claims were mutated, then encoded and signed again (HS256,
/// cheap), so the mutation reaches the JSON readers and the claim checks rather than stopping
/// at base64 or the signature.
fn mutate_inside(rng: &mut Rng, header: &Value, claims: &Value) -> String {
    let header_text = header.to_string().into_bytes();
    let claims_text = claims.to_string().into_bytes();
    let (header_text, claims_text) = match rng.below(2) {
        0 => (mutate(rng, &header_text), claims_text),
        _ => (header_text, mutate(rng, &claims_text)),
    };
    let input = format!("{}.{}", b64(&header_text), b64(&claims_text));
    let signature = sign(Algorithm::Hs256, input.as_bytes());
    with_signature(&input, &signature)
}

fn seeds() -> Vec<String> {
    let mut seeds: Vec<String> = [
        Algorithm::Rs256,
        Algorithm::Ps384,
        Algorithm::Es256,
        Algorithm::Es384,
        Algorithm::EdDsa,
        Algorithm::Hs256,
    ]
    .into_iter()
    .map(|alg| token_for(alg, &good_claims()))
    .collect();
    seeds.push(format!(
        "{}.{}.",
        b64(r#"{"alg":"none"}"#),
        b64(good_claims().to_string())
    ));
    seeds
}

#[test]
fn mutated_tokens_never_panic_the_parser_or_the_decision() {
    let config = json!({
        "providers": [{"name": "idp", "issuer": ISSUER, "audiences": [AUDIENCE],
            "algorithms": ["RS256", "PS384", "ES256", "ES384", "EdDSA", "HS256"],
            "hmac_keys": [{"kid": "hs-1", "alg": "HS256", "secret": b64(HMAC_SECRET)}],
            "jwks": {"inline": every_key_jwks()}}],
        "openapi": serde_json::from_str::<Value>(
            include_str!("../../../schemas/demo-api.openapi.json")).unwrap(),
        "failed_auth_throttle": {"max_failures": 1000},
        "max_sessions_per_subject": 64,
        "revocation": {"jti": ["x"]}
    });
    let config = config::load(config.to_string().as_bytes()).unwrap();
    let parts = Parts::new(&config, KeyStore::for_providers(&config.providers));
    let authenticator = parts.authenticator();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let seeds = seeds();
    let header = json!({"alg": "HS256", "kid": "hs-1", "typ": "at+jwt"});
    for round in 0..4000 {
        let token = match round % 2 {
            0 => {
                let seed = &seeds[rng.below(seeds.len())];
                String::from_utf8_lossy(&mutate(&mut rng, seed.as_bytes())).into_owned()
            }
            _ => mutate_inside(&mut rng, &header, &good_claims()),
        };
        let _ = token::parse(&token, 8192);
        if round % 4 < 2 {
            let authorization = format!("Bearer {token}");
            let facts = RequestFacts {
                method: Some("GET"),
                path: Some("/accounts"),
                authorization: vec![authorization.as_str()],
                source: crate::decide::ClientAddress::known("10.0.0.1"),
                ..RequestFacts::default()
            };
            let _ = authenticator.decide(&facts, NOW);
        }
    }
}

#[test]
fn mutated_documents_and_records_never_panic_their_readers() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let jwks = every_key_jwks().to_string().into_bytes();
    let discovery_document = json!({"issuer": ISSUER, "jwks_uri": format!("{ISSUER}/jwks")})
        .to_string()
        .into_bytes();
    let revocation = br#"{"jti":["a","b"],"sub":["c"],"kid":["d"]}"#.to_vec();
    let meta = Meta {
        version: 1,
        ..Meta::default()
    }
    .encode();
    for _ in 0..3000 {
        let _ = KeySet::parse(&mutate(&mut rng, &jwks));
        let _ = discovery::jwks_target(&mutate(&mut rng, &discovery_document), ISSUER);
        let _ = Denylist::parse(&mutate(&mut rng, &revocation));
        let _ = Meta::decode(&mutate(&mut rng, &meta));
    }
}
