//! The JWS algorithms this filter accepts, and what each one needs from a key.
//!
//! The set is closed on purpose: `none` and every HMAC algorithm can never be named here, so a
//! token cannot talk the filter into an unsigned or shared-secret check.

use serde::Deserialize;

/// A signature algorithm accepted for access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    #[serde(rename = "RS256")]
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    #[serde(rename = "ES256")]
    Es256,
}

impl Algorithm {
    /// Every algorithm the filter implements, the default allowlist of a provider.
    pub const ALL: [Algorithm; 2] = [Algorithm::Rs256, Algorithm::Es256];

    /// The algorithm a JOSE `alg` value names, compared exactly (`none`, `HS256`, `rs256` and
    /// anything unknown give `None`).
    pub fn from_jose(name: &str) -> Option<Algorithm> {
        match name {
            "RS256" => Some(Algorithm::Rs256),
            "ES256" => Some(Algorithm::Es256),
            _ => None,
        }
    }

    pub fn jose_name(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Es256 => "ES256",
        }
    }

    /// The digest name Envoy's `verify_signature` expects for this algorithm.
    pub fn hash_name(self) -> &'static str {
        match self {
            Algorithm::Rs256 | Algorithm::Es256 => "sha256",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_only_the_implemented_algorithms_exactly() {
        assert_eq!(Algorithm::from_jose("RS256"), Some(Algorithm::Rs256));
        assert_eq!(Algorithm::from_jose("ES256"), Some(Algorithm::Es256));
        for refused in [
            "none", "None", "NONE", "HS256", "rs256", "PS256", "ES384", "",
        ] {
            assert_eq!(Algorithm::from_jose(refused), None, "{refused}");
        }
    }
}
