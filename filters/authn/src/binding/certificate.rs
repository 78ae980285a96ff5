//! RFC 8705 §3: a certificate-bound token (`cnf.x5t#S256`) against the caller's certificate.

use super::CERTIFICATE_THUMBPRINT;
use crate::config::Provider;
use crate::mtls::peer::ClientCert;
use crate::refusal::Refusal;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use subtle::ConstantTimeEq;

/// The token's certificate thumbprint against the caller's certificate.
pub(super) fn check(
    provider: &Provider,
    cnf: Option<&Value>,
    client: Option<&ClientCert>,
) -> Result<(), Refusal> {
    if cnf.is_some_and(|cnf| !cnf.is_object()) {
        return Err(Refusal::InvalidToken("bad_confirmation_claim"));
    }
    let Some(bound) = cnf.and_then(|cnf| cnf.get(CERTIFICATE_THUMBPRINT)) else {
        return match provider.require_certificate_binding {
            true => Err(Refusal::InvalidToken("certificate_binding_required")),
            false => Ok(()),
        };
    };
    let expected = bound
        .as_str()
        .and_then(|text| URL_SAFE_NO_PAD.decode(text).ok())
        .filter(|digest| digest.len() == 32)
        .ok_or(Refusal::InvalidToken("bad_confirmation_claim"))?;
    let presented = client
        .and_then(|client| client.sha256)
        .ok_or(Refusal::InvalidToken("certificate_binding_missing"))?;
    match bool::from(expected.as_slice().ct_eq(&presented)) {
        true => Ok(()),
        false => Err(Refusal::InvalidToken("certificate_binding_mismatch")),
    }
}
