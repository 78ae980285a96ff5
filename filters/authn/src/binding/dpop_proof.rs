//! RFC 9449: a DPoP-bound token (`cnf.jkt`) against how it was presented and its proof.

use super::{Presented, KEY_THUMBPRINT};
use crate::config::Provider;
use crate::credential::sources::Found;
use crate::decide::{Authenticator, RequestFacts};
use crate::dpop::proof::{ProofCheck, ProofFailure};
use crate::dpop::refusal::{DpopError, DpopRefusal};
use crate::dpop::{htu, DpopMode, DPOP_HEADER};
use crate::mechanisms::hmac_request::replay::ReplayError;
use crate::refusal::Refusal;
use serde_json::Value;
use subtle::ConstantTimeEq;

impl Authenticator<'_> {
    pub(super) fn check_dpop(
        &self,
        provider: &Provider,
        cnf: Option<&Value>,
        presented: &Presented<'_>,
        request: &RequestFacts<'_>,
        now: u64,
    ) -> Result<(), Refusal> {
        let jkt = cnf.and_then(|cnf| cnf.get(KEY_THUMBPRINT));
        let refuse = |error| Err(self.dpop_refusal(error));
        match (presented.dpop_scheme, jkt) {
            (false, Some(_)) => refuse(DpopError::BoundTokenAsBearer),
            (false, None) if provider.dpop == DpopMode::Required => refuse(DpopError::Required),
            (false, None) => Ok(()),
            (true, _) if provider.dpop == DpopMode::Off => refuse(DpopError::NotAccepted),
            (true, None) => refuse(DpopError::UnboundToken),
            (true, Some(Value::String(jkt))) => {
                self.check_proof(jkt, presented.found, request, now)
            }
            (true, Some(_)) => Err(Refusal::InvalidToken("bad_confirmation_claim")),
        }
    }

    fn check_proof(
        &self,
        jkt: &str,
        found: &Found,
        request: &RequestFacts<'_>,
        now: u64,
    ) -> Result<(), Refusal> {
        let settings = &self.config.dpop;
        let mut proofs = request
            .headers
            .iter()
            .filter(|(name, _)| *name == DPOP_HEADER);
        let proof = match (proofs.next(), proofs.next()) {
            (None, _) => return Err(self.dpop_refusal(DpopError::MissingProof)),
            (Some((_, proof)), None) if !proof.contains(',') => proof,
            _ => return Err(self.dpop_refusal(DpopError::MultipleProofs)),
        };
        let uri = self
            .request_uri(request)
            .ok_or_else(|| self.dpop_refusal(DpopError::WrongHtu))?;
        let check = ProofCheck {
            settings,
            verifier: self.verifier,
            method: request.method.unwrap_or_default(),
            uri: &uri,
            access_token: &found.token,
            now,
        };
        let proof = check.verify(proof).map_err(|failure| match failure {
            ProofFailure::Invalid(error) => self.dpop_refusal(error),
            ProofFailure::Verifier(err) => Refusal::VerifierFailed(err),
        })?;
        if !bool::from(proof.jkt.as_bytes().ct_eq(jkt.as_bytes())) {
            return Err(self.dpop_refusal(DpopError::KeyMismatch));
        }
        // Recorded last, so that proofs failing any other check cannot fill the cache.
        let key = format!("\u{0}dpop\u{0}{jkt}");
        let keep_until = proof.iat.saturating_add(settings.iat_window_seconds);
        let stored = settings
            .replay
            .remember(self.shared, &key, &proof.jti, keep_until, now);
        stored.map_err(|err| {
            self.dpop_refusal(match err {
                ReplayError::Replayed => DpopError::Replayed,
                ReplayError::Full => DpopError::ReplayCacheFull,
                ReplayError::Unavailable => DpopError::ReplayCacheUnavailable,
            })
        })
    }

    /// The URI the proof's `htu` must name: the configured origin (else the request's
    /// `:scheme` and `:authority`) and the path, normalised.
    fn request_uri(&self, request: &RequestFacts<'_>) -> Option<String> {
        let header = |name: &str| {
            let value = request.headers.iter().find(|(n, _)| *n == name);
            value.map(|(_, value)| *value)
        };
        let origin = match &self.config.dpop.origin {
            Some(origin) => origin.clone(),
            None => format!("{}://{}", header(":scheme")?, header(":authority")?),
        };
        htu::request_uri(&origin, request.path?)
    }

    fn dpop_refusal(&self, error: DpopError) -> Refusal {
        Refusal::Dpop(DpopRefusal {
            error,
            algs: self.config.dpop.algs.clone(),
        })
    }

    /// A refused token presented with DPoP is answered with the `DPoP` challenge.
    pub(super) fn with_dpop_challenge(&self, refusal: Refusal) -> Refusal {
        match refusal {
            Refusal::InvalidToken(reason) => self.dpop_refusal(DpopError::Token(reason)),
            Refusal::Expired => self.dpop_refusal(DpopError::Token("expired")),
            other => other,
        }
    }
}
