//! Everything about a signed request that the headers show: parameters, signature, time,
//! key state and nonce. The body is left to [`super::body`].

use super::authorization::Parameters;
use super::canonical::{self, CanonicalError, SignedRequest};
use super::refusal::SignatureRefusal;
use super::replay::ReplayError;
use super::{body, HmacKeys, CONTENT_DIGEST};
use hmac::{Hmac, Mac};
use palisade_shared::principal::Principal;
use palisade_shared::shared_data::SharedData;
use sha2::Sha256;
use std::rc::Rc;

/// A signature that held: who signed, and the digest the body must have.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub principal: Rc<Principal>,
    pub body_digest: [u8; 32],
}

impl HmacKeys {
    /// Checks the signed request at `now` (Unix seconds) against its parsed `Authorization`
    /// parameters. Stores the nonce in `shared` when everything else held.
    pub fn verify(
        &self,
        shared: &dyn SharedData,
        parameters: &Parameters<'_>,
        request: &SignedRequest<'_>,
        now: u64,
    ) -> Result<Verified, SignatureRefusal> {
        let signed = &parameters.signed_headers;
        if !self
            .required_headers
            .iter()
            .all(|name| signed.contains(&name.as_str()))
        {
            return Err(SignatureRefusal::UnsignedRequiredHeader);
        }
        let key = self
            .keys
            .get(parameters.key_id)
            .ok_or(SignatureRefusal::UnknownKey)?;
        let text = canonical::canonical_request(parameters, request).map_err(|err| match err {
            CanonicalError::BadQuery => SignatureRefusal::BadQuery,
            CanonicalError::MissingSignedHeader => SignatureRefusal::MissingSignedHeader,
            CanonicalError::DuplicateSignedHeader => SignatureRefusal::DuplicateSignedHeader,
        })?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&key.secret.0)
            .map_err(|_| SignatureRefusal::BadSignature)?;
        mac.update(text.as_bytes());
        // `verify_slice` compares in constant time.
        mac.verify_slice(&parameters.signature)
            .map_err(|_| SignatureRefusal::BadSignature)?;
        let body_digest = request
            .headers
            .iter()
            .find(|(name, _)| *name == CONTENT_DIGEST)
            .and_then(|(_, value)| body::announced_digest(value))
            .ok_or(SignatureRefusal::BadContentDigest)?;
        if now.abs_diff(parameters.timestamp) > self.clock_skew_seconds {
            return Err(SignatureRefusal::StaleTimestamp);
        }
        key.holder.check(now).map_err(SignatureRefusal::Unusable)?;
        let keep_until = parameters.timestamp.saturating_add(self.clock_skew_seconds);
        self.replay
            .remember(shared, parameters.key_id, parameters.nonce, keep_until, now)
            .map_err(|err| match err {
                ReplayError::Replayed => SignatureRefusal::Replayed,
                ReplayError::Full => SignatureRefusal::ReplayCacheFull,
                ReplayError::Unavailable => SignatureRefusal::ReplayCacheUnavailable,
            })?;
        Ok(Verified {
            principal: Rc::clone(&key.holder.principal),
            body_digest,
        })
    }
}
