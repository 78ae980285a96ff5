//! One DPoP proof (RFC 9449 §4.2–4.3) checked against the request it came with.
//!
//! In order: size; compact JWS syntax (three base64url parts, strict JSON without duplicate
//! names); header `typ` `dpop+jwt`, `alg` on the allowlist, no `crit`, and a `jwk` that is a
//! public key only; the signature, by the crate's [`Verifier`] over that key; then the claims
//! `htm` (the method, exactly), `htu` (see [`super::htu`]), `iat` within the window, a `jti`,
//! and `ath`, the base64url SHA-256 of the access token, compared in constant time. What the
//! caller still does: compare the key's thumbprint with the token's `cnf.jkt`, and store the
//! `jti` (see [`crate::binding`]).

use super::config::DpopSettings;
use super::htu;
use super::refusal::DpopError;
use super::thumbprint::thumbprint;
use crate::alg::Algorithm;
use crate::claims::policy;
use crate::jwks::read_key;
use crate::verify::{Verifier, VerifyError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use palisade_shared::json::{self, Limits};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// JWK members that carry private key material (RFC 7518 §6).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
/// Longest `jti` accepted, in bytes.
const MAX_JTI_BYTES: usize = 256;

/// Why a proof did not pass: a bad proof, or a signature check that could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofFailure {
    Invalid(DpopError),
    Verifier(VerifyError),
}

impl From<DpopError> for ProofFailure {
    fn from(error: DpopError) -> Self {
        ProofFailure::Invalid(error)
    }
}

/// The request a proof must match.
pub struct ProofCheck<'a> {
    pub settings: &'a DpopSettings,
    pub verifier: &'a dyn Verifier,
    pub method: &'a str,
    /// The request's URI, normalised (see [`htu::request_uri`]).
    pub uri: &'a str,
    pub access_token: &'a str,
    /// Unix seconds.
    pub now: u64,
}

/// What a valid proof establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// RFC 7638 thumbprint of the proof key.
    pub jkt: String,
    pub jti: String,
    pub iat: u64,
}

impl ProofCheck<'_> {
    pub fn verify(&self, proof: &str) -> Result<Proof, ProofFailure> {
        if proof.len() > self.settings.max_proof_bytes {
            return Err(DpopError::ProofTooLarge.into());
        }
        let (header, claims, signing_input, signature) = split(proof)?;
        let (alg, jwk) = self.check_header(&header)?;
        let key = read_key(jwk).ok_or(DpopError::BadJwk)?;
        if !key.fits(alg) {
            return Err(DpopError::BadJwk.into());
        }
        match self.verifier.verify(alg, &key, signing_input, &signature) {
            Ok(true) => {}
            Ok(false) => return Err(DpopError::BadSignature.into()),
            Err(err) => return Err(ProofFailure::Verifier(err)),
        }
        let (jti, iat) = self.check_claims(&claims)?;
        let jkt = thumbprint(jwk).ok_or(DpopError::BadJwk)?;
        Ok(Proof { jkt, jti, iat })
    }

    fn check_header<'h>(
        &self,
        header: &'h Map<String, Value>,
    ) -> Result<(Algorithm, &'h Map<String, Value>), DpopError> {
        let typ = header.get("typ").and_then(Value::as_str);
        policy::check_type(Some("dpop+jwt"), typ).map_err(|_| DpopError::BadTyp)?;
        if header.contains_key("crit") {
            return Err(DpopError::MalformedProof);
        }
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .and_then(Algorithm::from_jose)
            .filter(|alg| !alg.is_hmac() && self.settings.algorithms.contains(alg))
            .ok_or(DpopError::AlgNotAllowed)?;
        let jwk = header
            .get("jwk")
            .and_then(Value::as_object)
            .ok_or(DpopError::BadJwk)?;
        if PRIVATE_MEMBERS.iter().any(|name| jwk.contains_key(*name)) {
            return Err(DpopError::PrivateKey);
        }
        Ok((alg, jwk))
    }

    /// Checks every claim; gives the `jti` and `iat`.
    fn check_claims(&self, claims: &Map<String, Value>) -> Result<(String, u64), DpopError> {
        let text = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .ok_or(DpopError::MissingClaim)
        };
        let jti = text("jti")?;
        if jti.is_empty() || jti.len() > MAX_JTI_BYTES {
            return Err(DpopError::MissingClaim);
        }
        if text("htm")? != self.method {
            return Err(DpopError::WrongHtm);
        }
        if htu::normalize(text("htu")?).as_deref() != Some(self.uri) {
            return Err(DpopError::WrongHtu);
        }
        let iat = claims
            .get("iat")
            .and_then(Value::as_f64)
            .ok_or(DpopError::MissingClaim)?;
        let window = self.settings.iat_window_seconds as f64;
        if !iat.is_finite() || iat < 0.0 || (iat - self.now as f64).abs() > window {
            return Err(DpopError::StaleIat);
        }
        let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(self.access_token.as_bytes()));
        if !bool::from(text("ath")?.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(DpopError::WrongAth);
        }
        // iat is finite, non-negative and within the window of `now`, so it fits a u64.
        Ok((jti.to_string(), iat as u64))
    }
}

type Parts<'p> = (Map<String, Value>, Map<String, Value>, &'p [u8], Vec<u8>);

/// Header, claims, signing input and signature of a compact JWS.
fn split(proof: &str) -> Result<Parts<'_>, DpopError> {
    let mut parts = proof.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(DpopError::MalformedProof);
    };
    let signing_input = proof
        .get(..header.len() + 1 + payload.len())
        .ok_or(DpopError::MalformedProof)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| DpopError::MalformedProof)?;
    Ok((
        object(header)?,
        object(payload)?,
        signing_input.as_bytes(),
        signature,
    ))
}

fn object(part: &str) -> Result<Map<String, Value>, DpopError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| DpopError::MalformedProof)?;
    let limits = Limits {
        max_depth: 4,
        max_object_entries: 32,
        max_array_items: 16,
        max_string_bytes: 4096,
    };
    match json::parse_strict(&bytes, &limits) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(DpopError::MalformedProof),
    }
}

#[cfg(test)]
#[path = "proof_tests.rs"]
mod tests;
