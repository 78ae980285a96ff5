//! The JWK SHA-256 thumbprint of RFC 7638, which DPoP-bound tokens name in `cnf.jkt`.
//!
//! The thumbprint hashes a JSON object holding only the key type's required members, in
//! lexicographic order, without whitespace: `crv`, `kty`, `x`, `y` for EC; `e`, `kty`, `n` for
//! RSA; `crv`, `kty`, `x` for OKP. Member values are taken exactly as the JWK spells them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The base64url thumbprint of a public JWK; `None` for an unknown `kty` or a required member
/// that is missing or not a string.
pub fn thumbprint(jwk: &Map<String, Value>) -> Option<String> {
    let members: &[&str] = match jwk.get("kty")?.as_str()? {
        "EC" => &["crv", "kty", "x", "y"],
        "RSA" => &["e", "kty", "n"],
        "OKP" => &["crv", "kty", "x"],
        _ => return None,
    };
    let mut canonical = String::from("{");
    for (index, name) in members.iter().enumerate() {
        let value = jwk.get(*name)?.as_str()?;
        if index > 0 {
            canonical.push(',');
        }
        // serde_json writes a string as JSON without whitespace, escaping what must be escaped.
        canonical.push_str(&format!("\"{name}\":{}", Value::from(value)));
    }
    canonical.push('}');
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn of(jwk: Value) -> Option<String> {
        thumbprint(jwk.as_object().unwrap())
    }

    #[test]
    fn matches_the_example_of_rfc_7638() {
        // RFC 7638 §3.1: the RSA key of RFC 7517 Appendix A.1 and its published thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let jwk = json!({"kty": "RSA", "n": n, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"});
        assert_eq!(
            of(jwk).as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
    }

    #[test]
    fn ignores_members_outside_the_required_set() {
        let bare = json!({"kty": "OKP", "crv": "Ed25519", "x": "abc"});
        let decorated =
            json!({"kty": "OKP", "crv": "Ed25519", "x": "abc", "kid": "k", "use": "sig"});
        assert_eq!(of(bare), of(decorated));
    }

    #[test]
    fn refuses_unknown_types_and_missing_members() {
        let cases = [
            json!({"kty": "oct", "k": "abc"}),
            json!({"kty": "EC", "crv": "P-256", "x": "abc"}),
            json!({"kty": "EC", "crv": "P-256", "x": "abc", "y": 1}),
            json!({"crv": "Ed25519", "x": "abc"}),
        ];
        for jwk in cases {
            assert_eq!(of(jwk.clone()), None, "{jwk}");
        }
    }
}
