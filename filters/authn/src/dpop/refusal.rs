//! Why a DPoP request was refused, and the answer of RFC 9449 §7.1 the client gets.
//!
//! A bad proof is `401 invalid-dpop-proof` with `WWW-Authenticate: DPoP realm="…",
//! error="invalid_dpop_proof", error_description="…", algs="…"`; a bad, unbound or
//! wrongly presented token is `401 invalid-token` with the same challenge and
//! `error="invalid_token"`. `algs` lists the proof algorithms accepted, so a client can pick
//! one. A replay cache that cannot take the proof's `jti` is `503` with `Retry-After`.

use palisade_shared::problem::{quoted, Problem};
use std::rc::Rc;

/// Seconds a client is asked to wait while the replay cache is full or unavailable.
const RETRY_AFTER_SECONDS: &str = "1";

/// What was wrong with the proof or with how the token was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DpopError {
    MissingProof,
    MultipleProofs,
    ProofTooLarge,
    MalformedProof,
    BadTyp,
    AlgNotAllowed,
    BadJwk,
    /// The proof's `jwk` carries private key members.
    PrivateKey,
    BadSignature,
    /// `jti`, `htm`, `htu`, `iat` or `ath` is missing or not of its type.
    MissingClaim,
    WrongHtm,
    WrongHtu,
    StaleIat,
    WrongAth,
    /// The proof key is not the one the token's `cnf.jkt` names.
    KeyMismatch,
    Replayed,
    /// The provider requires DPoP and the token came as a bearer token.
    Required,
    /// A DPoP-bound token (`cnf.jkt`) presented as a bearer token.
    BoundTokenAsBearer,
    /// A token without `cnf.jkt` presented with the DPoP scheme.
    UnboundToken,
    /// The token's provider does not accept DPoP.
    NotAccepted,
    ReplayCacheFull,
    ReplayCacheUnavailable,
    /// The access token itself was refused; the reason is the bearer check's.
    Token(&'static str),
}

/// Every reason of its own a DPoP refusal can carry, for the per-reason counters
/// ([`DpopError::Token`] reuses the bearer check's reasons).
pub const REASONS: [&str; 22] = [
    "dpop_missing_proof",
    "dpop_multiple_proofs",
    "dpop_proof_too_large",
    "dpop_malformed_proof",
    "dpop_bad_typ",
    "dpop_alg_not_allowed",
    "dpop_bad_jwk",
    "dpop_private_key",
    "dpop_bad_signature",
    "dpop_missing_claim",
    "dpop_wrong_htm",
    "dpop_wrong_htu",
    "dpop_stale_iat",
    "dpop_wrong_ath",
    "dpop_key_mismatch",
    "dpop_replayed",
    "dpop_required",
    "dpop_bound_token_as_bearer",
    "dpop_unbound_token",
    "dpop_not_accepted",
    "dpop_replay_cache_full",
    "dpop_replay_cache_unavailable",
];

impl DpopError {
    /// A stable snake_case reason, one of [`REASONS`] or the token's own.
    pub fn reason(self) -> &'static str {
        use DpopError::*;
        match self {
            Token(reason) => reason,
            MissingProof => "dpop_missing_proof",
            MultipleProofs => "dpop_multiple_proofs",
            ProofTooLarge => "dpop_proof_too_large",
            MalformedProof => "dpop_malformed_proof",
            BadTyp => "dpop_bad_typ",
            AlgNotAllowed => "dpop_alg_not_allowed",
            BadJwk => "dpop_bad_jwk",
            PrivateKey => "dpop_private_key",
            BadSignature => "dpop_bad_signature",
            MissingClaim => "dpop_missing_claim",
            WrongHtm => "dpop_wrong_htm",
            WrongHtu => "dpop_wrong_htu",
            StaleIat => "dpop_stale_iat",
            WrongAth => "dpop_wrong_ath",
            KeyMismatch => "dpop_key_mismatch",
            Replayed => "dpop_replayed",
            Required => "dpop_required",
            BoundTokenAsBearer => "dpop_bound_token_as_bearer",
            UnboundToken => "dpop_unbound_token",
            NotAccepted => "dpop_not_accepted",
            ReplayCacheFull => "dpop_replay_cache_full",
            ReplayCacheUnavailable => "dpop_replay_cache_unavailable",
        }
    }

    fn is_about_token(self) -> bool {
        use DpopError::*;
        matches!(
            self,
            Required | BoundTokenAsBearer | UnboundToken | NotAccepted | Token(_)
        )
    }

    /// What an honest client may need to fix; nothing about keys or tokens.
    fn detail(self) -> Option<&'static str> {
        use DpopError::*;
        Some(match self {
            MissingProof => "the DPoP header is missing",
            MultipleProofs => "send exactly one DPoP header",
            WrongHtm => "htm does not match the request method",
            WrongHtu => "htu does not match the request URI",
            StaleIat => "iat is outside the accepted window",
            WrongAth => "ath does not match the access token",
            Replayed => "the proof was already used",
            Required => "the access token must be presented with DPoP",
            BoundTokenAsBearer => "a DPoP-bound access token must be presented with DPoP",
            UnboundToken => "the access token is not DPoP-bound",
            _ => return None,
        })
    }
}

/// A DPoP refusal and the algorithms to list in its challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpopRefusal {
    pub error: DpopError,
    pub algs: Rc<str>,
}

impl DpopRefusal {
    pub fn reason(&self) -> &'static str {
        self.error.reason()
    }

    /// The problem without its challenge.
    pub fn bare_problem(&self) -> Problem {
        let problem = match self.error {
            DpopError::ReplayCacheFull | DpopError::ReplayCacheUnavailable => {
                return Problem::new(
                    503,
                    "authentication-unavailable",
                    "Authentication unavailable",
                )
            }
            error if error.is_about_token() => {
                Problem::new(401, "invalid-token", "Invalid access token")
            }
            _ => Problem::new(401, "invalid-dpop-proof", "Invalid DPoP proof"),
        };
        match self.error.detail() {
            Some(detail) => problem.with_detail(detail),
            None => problem,
        }
    }

    /// The `WWW-Authenticate` challenge, or `Retry-After` for the 503 answers.
    pub fn extra_header(&self, realm: &str) -> (&'static str, String) {
        if self.bare_problem().status == 503 {
            return ("retry-after", RETRY_AFTER_SECONDS.to_string());
        }
        let (code, description) = match self.error.is_about_token() {
            true => (
                "invalid_token",
                "The access token is not valid for this request",
            ),
            false => ("invalid_dpop_proof", "The DPoP proof is not valid"),
        };
        let value = format!(
            "DPoP realm={}, error=\"{code}\", error_description=\"{description}\", algs={}",
            quoted(realm),
            quoted(&self.algs)
        );
        ("www-authenticate", value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DpopError::*;

    const ALL: [DpopError; 22] = [
        MissingProof,
        MultipleProofs,
        ProofTooLarge,
        MalformedProof,
        BadTyp,
        AlgNotAllowed,
        BadJwk,
        PrivateKey,
        BadSignature,
        MissingClaim,
        WrongHtm,
        WrongHtu,
        StaleIat,
        WrongAth,
        KeyMismatch,
        Replayed,
        Required,
        BoundTokenAsBearer,
        UnboundToken,
        NotAccepted,
        ReplayCacheFull,
        ReplayCacheUnavailable,
    ];

    fn refusal(error: DpopError) -> DpopRefusal {
        DpopRefusal {
            error,
            algs: Rc::from("ES256 EdDSA"),
        }
    }

    #[test]
    fn every_error_has_its_own_listed_reason() {
        let reasons: Vec<&str> = ALL.iter().map(|error| error.reason()).collect();
        assert_eq!(reasons, REASONS);
        assert_eq!(Token("expired").reason(), "expired");
    }

    #[test]
    fn maps_errors_to_status_kind_and_challenge() {
        for error in ALL.into_iter().chain([Token("bad_signature")]) {
            let refusal = refusal(error);
            let problem = refusal.bare_problem();
            let (name, value) = refusal.extra_header("demo");
            match error {
                ReplayCacheFull | ReplayCacheUnavailable => {
                    assert_eq!((problem.status, name), (503, "retry-after"));
                    continue;
                }
                Required | BoundTokenAsBearer | UnboundToken | NotAccepted | Token(_) => {
                    assert_eq!(problem.kind, "invalid-token", "{error:?}");
                    assert!(value.contains("error=\"invalid_token\""), "{value}");
                }
                _ => {
                    assert_eq!(problem.kind, "invalid-dpop-proof", "{error:?}");
                    assert!(value.contains("error=\"invalid_dpop_proof\""), "{value}");
                }
            }
            assert_eq!((problem.status, name), (401, "www-authenticate"));
            assert!(value.starts_with("DPoP realm=\"demo\", "), "{value}");
            assert!(value.ends_with("algs=\"ES256 EdDSA\""), "{value}");
        }
    }
}
