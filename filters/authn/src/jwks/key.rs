//! One verification key and the algorithms it may check.
//!
//! The algorithm always has to fit the key: RSA keys serve RS*/PS*, a P-256 point ES256 only, a
//! P-384 point ES384 only, an Ed25519 key EdDSA only, and a shared secret — which comes from the
//! operator's configuration, never from a JWKS document — the HMAC algorithms only, and only
//! those whose digest is no longer than the secret. A JWK that names its own `alg` serves that
//! algorithm alone.

use crate::alg::{Algorithm, Family};

/// An elliptic curve the filter verifies ECDSA signatures on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
}

impl Curve {
    /// The curve's `crv` name in a JWK.
    pub fn from_jose(name: &str) -> Option<Curve> {
        match name {
            "P-256" => Some(Curve::P256),
            "P-384" => Some(Curve::P384),
            _ => None,
        }
    }

    /// Length of one coordinate or scalar, in bytes.
    pub fn size(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }

    /// The one JWS algorithm that signs on this curve.
    pub fn algorithm(self) -> Algorithm {
        match self {
            Curve::P256 => Algorithm::Es256,
            Curve::P384 => Algorithm::Es384,
        }
    }
}

/// A shared HMAC secret; its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

/// The numbers of a key (big-endian integers with leading zeros removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMaterial {
    Rsa {
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
    /// Uncompressed SEC1 point: `04 || x || y`, checked to lie on the curve.
    Ec {
        curve: Curve,
        point: Vec<u8>,
    },
    Ed25519 {
        public: [u8; 32],
    },
    Secret(Secret),
}

/// One key of a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationKey {
    pub kid: Option<String>,
    pub material: KeyMaterial,
    /// The JWK's own `alg`, when it names one.
    pub alg: Option<Algorithm>,
    /// DER SubjectPublicKeyInfo for the host's `verify_signature`; empty for key types the
    /// host does not verify (Ed25519, secrets).
    pub spki: Vec<u8>,
}

impl VerificationKey {
    /// Whether this key may check a signature made with `alg`.
    pub fn fits(&self, alg: Algorithm) -> bool {
        let kind_fits = match &self.material {
            KeyMaterial::Rsa { .. } => matches!(alg.family(), Family::RsaPkcs1 | Family::RsaPss),
            KeyMaterial::Ec { curve, .. } => curve.algorithm() == alg,
            KeyMaterial::Ed25519 { .. } => alg == Algorithm::EdDsa,
            KeyMaterial::Secret(secret) => {
                alg.is_hmac() && secret.0.len() >= alg.digest().output_len()
            }
        };
        kind_fits && self.alg.is_none_or(|own| own == alg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Algorithm::*;

    fn key(material: KeyMaterial, alg: Option<Algorithm>) -> VerificationKey {
        VerificationKey {
            kid: None,
            material,
            alg,
            spki: Vec::new(),
        }
    }

    #[test]
    fn each_key_type_fits_only_its_own_algorithms() {
        let rsa = KeyMaterial::Rsa {
            modulus: vec![1],
            exponent: vec![3],
        };
        let p256 = KeyMaterial::Ec {
            curve: Curve::P256,
            point: vec![4],
        };
        let p384 = KeyMaterial::Ec {
            curve: Curve::P384,
            point: vec![4],
        };
        let ed = KeyMaterial::Ed25519 { public: [0; 32] };
        let short = KeyMaterial::Secret(Secret(vec![7; 32]));
        let long = KeyMaterial::Secret(Secret(vec![7; 64]));
        let cases: [(KeyMaterial, &[Algorithm]); 6] = [
            (rsa, &[Rs256, Rs384, Rs512, Ps256, Ps384, Ps512]),
            (p256, &[Es256]),
            (p384, &[Es384]),
            (ed, &[EdDsa]),
            (short, &[Hs256]),
            (long, &[Hs256, Hs384, Hs512]),
        ];
        let all = [
            Rs256, Rs384, Rs512, Ps256, Ps384, Ps512, Es256, Es384, EdDsa, Hs256, Hs384, Hs512,
        ];
        for (material, fitting) in cases {
            let key = key(material, None);
            for alg in all {
                assert_eq!(key.fits(alg), fitting.contains(&alg), "{key:?} {alg:?}");
            }
        }
    }

    #[test]
    fn a_key_naming_its_alg_fits_that_alg_alone() {
        let rsa = KeyMaterial::Rsa {
            modulus: vec![1],
            exponent: vec![3],
        };
        let key = key(rsa, Some(Ps256));
        assert!(key.fits(Ps256));
        assert!(!key.fits(Rs256));
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let text = format!("{:?}", Secret(b"very-secret-value".to_vec()));
        assert!(!text.contains("very"), "{text}");
    }
}
