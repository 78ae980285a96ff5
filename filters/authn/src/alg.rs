//! The JWS algorithms this filter accepts, and what each one needs from a key.
//!
//! The set is closed on purpose: `none` can never be named here, and the HMAC algorithms are
//! accepted only for a provider whose operator listed them and configured a secret for them —
//! never with a key from a JWKS document, so a public key can never serve as a shared secret.

use serde::Deserialize;

/// A signature algorithm (RFC 7518 §3, RFC 8037 for `EdDSA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Algorithm {
    #[serde(rename = "RS256")]
    Rs256,
    #[serde(rename = "RS384")]
    Rs384,
    #[serde(rename = "RS512")]
    Rs512,
    #[serde(rename = "PS256")]
    Ps256,
    #[serde(rename = "PS384")]
    Ps384,
    #[serde(rename = "PS512")]
    Ps512,
    #[serde(rename = "ES256")]
    Es256,
    #[serde(rename = "ES384")]
    Es384,
    /// Ed25519 only; Ed448 keys are skipped.
    #[serde(rename = "EdDSA")]
    EdDsa,
    #[serde(rename = "HS256")]
    Hs256,
    #[serde(rename = "HS384")]
    Hs384,
    #[serde(rename = "HS512")]
    Hs512,
}

/// How an algorithm signs, which decides the key type it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    RsaPkcs1,
    RsaPss,
    Ecdsa,
    EdDsa,
    Hmac,
}

/// The digest an algorithm hashes with (EdDSA hashes internally and names none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    Sha256,
    Sha384,
    Sha512,
}

impl Digest {
    /// Output length in bytes, also the least HMAC key length RFC 7518 §3.2 allows.
    pub fn output_len(self) -> usize {
        match self {
            Digest::Sha256 => 32,
            Digest::Sha384 => 48,
            Digest::Sha512 => 64,
        }
    }

    /// The name Envoy's `verify_signature` expects.
    pub fn host_name(self) -> &'static str {
        match self {
            Digest::Sha256 => "sha256",
            Digest::Sha384 => "sha384",
            Digest::Sha512 => "sha512",
        }
    }
}

use Algorithm::*;

/// Every algorithm with its JOSE name, family and digest.
const TABLE: [(Algorithm, &str, Family, Digest); 12] = [
    (Rs256, "RS256", Family::RsaPkcs1, Digest::Sha256),
    (Rs384, "RS384", Family::RsaPkcs1, Digest::Sha384),
    (Rs512, "RS512", Family::RsaPkcs1, Digest::Sha512),
    (Ps256, "PS256", Family::RsaPss, Digest::Sha256),
    (Ps384, "PS384", Family::RsaPss, Digest::Sha384),
    (Ps512, "PS512", Family::RsaPss, Digest::Sha512),
    (Es256, "ES256", Family::Ecdsa, Digest::Sha256),
    (Es384, "ES384", Family::Ecdsa, Digest::Sha384),
    (EdDsa, "EdDSA", Family::EdDsa, Digest::Sha512),
    (Hs256, "HS256", Family::Hmac, Digest::Sha256),
    (Hs384, "HS384", Family::Hmac, Digest::Sha384),
    (Hs512, "HS512", Family::Hmac, Digest::Sha512),
];

impl Algorithm {
    /// The default allowlist of a provider: every public-key algorithm, no HMAC.
    pub const ASYMMETRIC: [Algorithm; 9] = [
        Rs256, Rs384, Rs512, Ps256, Ps384, Ps512, Es256, Es384, EdDsa,
    ];

    /// The algorithm a JOSE `alg` value names, compared exactly (`none`, `rs256`, `Ed25519` and
    /// anything unknown give `None`).
    pub fn from_jose(name: &str) -> Option<Algorithm> {
        TABLE.iter().find(|row| row.1 == name).map(|row| row.0)
    }

    fn row(self) -> (Algorithm, &'static str, Family, Digest) {
        TABLE.into_iter().find(|row| row.0 == self).unwrap_or((
            self,
            "",
            Family::Hmac,
            Digest::Sha512,
        ))
    }

    pub fn jose_name(self) -> &'static str {
        self.row().1
    }

    pub fn family(self) -> Family {
        self.row().2
    }

    pub fn digest(self) -> Digest {
        self.row().3
    }

    pub fn is_hmac(self) -> bool {
        self.family() == Family::Hmac
    }

    /// Whether Envoy's `verify_signature` can check it: RSA PKCS#1 v1.5 and ECDSA only. Envoy
    /// sets no PSS padding and has no digest-less Ed25519 verify; HMAC is no signature at all.
    pub fn host_capable(self) -> bool {
        matches!(self.family(), Family::RsaPkcs1 | Family::Ecdsa)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_algorithm_exactly_and_nothing_else() {
        for (alg, name, _, _) in TABLE {
            assert_eq!(Algorithm::from_jose(name), Some(alg));
            assert_eq!(alg.jose_name(), name);
        }
        let refused = [
            "none", "None", "NONE", "nOnE", "rs256", "Rs256", "RS256 ", "ES512", "ES256K", "PS1",
            "Ed25519", "EDDSA", "HS1", "dir", "RSA-OAEP", "",
        ];
        for name in refused {
            assert_eq!(Algorithm::from_jose(name), None, "{name}");
        }
    }

    #[test]
    fn only_pkcs1_and_ecdsa_go_to_the_host() {
        let host: Vec<Algorithm> = TABLE
            .iter()
            .map(|row| row.0)
            .filter(|alg| alg.host_capable())
            .collect();
        assert_eq!(host, vec![Rs256, Rs384, Rs512, Es256, Es384]);
        assert!(!Algorithm::ASYMMETRIC.iter().any(|alg| alg.is_hmac()));
        assert_eq!(Hs384.digest().output_len(), 48);
        assert_eq!(Ps512.digest().host_name(), "sha512");
    }
}
