//! Verification through Envoy's `verify_signature` foreign function.
//!
//! Only RSA PKCS#1 v1.5 (RS256/384/512) and ECDSA (ES256, ES384, the signature re-encoded as
//! DER) go to the host; the other algorithms are handed to the pure-Rust verifier. Arguments and
//! result are small protobuf messages (Envoy's `verify_signature.proto`), written here as prost
//! structs. The call itself is injected, so this module needs no proxy-wasm and its
//! encoding is tested natively.

use super::{ecdsa_halves, has_valid_shape, PureRustVerifier, Verifier, VerifyError};
use crate::alg::{Algorithm, Family};
use crate::der;
use crate::jwks::{KeyMaterial, VerificationKey};
use prost::Message;

/// `VerifySignatureArguments`; the PEM alternative (field 5) is never used.
#[derive(Clone, PartialEq, Message)]
pub struct VerifySignatureArguments {
    #[prost(string, tag = "1")]
    pub hash_function: String,
    /// DER SubjectPublicKeyInfo.
    #[prost(bytes = "vec", tag = "2")]
    pub public_key: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub signature: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    pub text: Vec<u8>,
}

/// `VerifySignatureResult`: `result` is true only for a valid signature.
#[derive(Clone, PartialEq, Message)]
pub struct VerifySignatureResult {
    #[prost(bool, tag = "1")]
    pub result: bool,
    #[prost(string, tag = "2")]
    pub error: String,
}

/// How the injected foreign call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForeignCallError {
    /// The host has no function of that name.
    NotFound,
    /// Any other failure, with the host's status for the log.
    Failed(String),
}

/// Calls `verify_signature` through `call`, which takes the encoded arguments and returns the
/// encoded result.
pub struct HostVerifier<F> {
    call: F,
}

impl<F> HostVerifier<F>
where
    F: Fn(&[u8]) -> Result<Vec<u8>, ForeignCallError>,
{
    pub fn new(call: F) -> Self {
        HostVerifier { call }
    }
}

/// The encoded arguments for one verification, or `None` when the signature has the wrong shape
/// or the algorithm is not one the host checks.
pub fn encode_arguments(
    alg: Algorithm,
    key: &VerificationKey,
    signed: &[u8],
    signature: &[u8],
) -> Option<Vec<u8>> {
    if !has_valid_shape(alg, key, signature) {
        return None;
    }
    let signature = match (alg.family(), &key.material) {
        (Family::RsaPkcs1, KeyMaterial::Rsa { .. }) => signature.to_vec(),
        (Family::Ecdsa, KeyMaterial::Ec { curve, .. }) => {
            let (r, s) = ecdsa_halves(*curve, signature)?;
            der::ecdsa_signature(r, s)
        }
        _ => return None,
    };
    let arguments = VerifySignatureArguments {
        hash_function: alg.digest().host_name().to_string(),
        public_key: key.spki.clone(),
        signature,
        text: signed.to_vec(),
    };
    Some(arguments.encode_to_vec())
}

impl<F> Verifier for HostVerifier<F>
where
    F: Fn(&[u8]) -> Result<Vec<u8>, ForeignCallError>,
{
    fn verify(
        &self,
        alg: Algorithm,
        key: &VerificationKey,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<bool, VerifyError> {
        // PS*, EdDSA and HMAC cannot go through Envoy's function: they always run in the VM.
        if !alg.host_capable() {
            return PureRustVerifier.verify(alg, key, signed, signature);
        }
        let Some(arguments) = encode_arguments(alg, key, signed, signature) else {
            return Ok(false);
        };
        let answer = (self.call)(&arguments).map_err(|err| match err {
            ForeignCallError::NotFound => VerifyError::Unavailable,
            ForeignCallError::Failed(status) => VerifyError::Host(status),
        })?;
        let result = VerifySignatureResult::decode(answer.as_slice())
            .map_err(|_| VerifyError::Host("undecodable verify_signature result".to_string()))?;
        Ok(result.result)
    }
}
