//! Why a signed request was refused, and the answer the client gets.
//!
//! Every bad signature is `401 invalid-signature` with the challenge
//! `WWW-Authenticate: Palisade-HMAC-SHA256 realm="<realm>", error="invalid_signature"`; a
//! detail is added only where it helps an honest client fix its side (clock, nonce, digest,
//! headers) and reveals nothing about keys. A body over the limit is 413; a replay cache that
//! cannot take the nonce is 503 with `Retry-After`, never a silent pass.

use super::authorization::SCHEME;
use crate::mechanisms::holder::Unusable;
use palisade_shared::problem::{quoted, Problem};

/// Seconds a client is asked to wait while the replay cache is full or unavailable.
const RETRY_AFTER_SECONDS: &str = "1";

/// Why the signed request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureRefusal {
    /// The `Authorization` parameters are malformed.
    Malformed,
    UnknownKey,
    Unusable(Unusable),
    BadSignature,
    /// The timestamp lies outside the accepted window.
    StaleTimestamp,
    /// The nonce was seen before within the window.
    Replayed,
    /// A header the configuration requires is not in `signedHeaders`.
    UnsignedRequiredHeader,
    MissingSignedHeader,
    /// A header named twice in `signedHeaders`, or a signed header sent twice.
    DuplicateSignedHeader,
    BadQuery,
    /// The `content-digest` header is not one `sha-256` member.
    BadContentDigest,
    DigestMismatch,
    BodyTooLarge,
    BodyUnreadable,
    ReplayCacheFull,
    ReplayCacheUnavailable,
}

/// Every reason a signature refusal can carry, for the per-reason counters.
pub const REASONS: [&str; 19] = [
    "hmac_malformed",
    "hmac_unknown_key",
    "hmac_key_suspended",
    "hmac_key_revoked",
    "hmac_key_not_yet_valid",
    "hmac_key_expired",
    "hmac_bad_signature",
    "hmac_stale_timestamp",
    "hmac_replayed_nonce",
    "hmac_unsigned_required_header",
    "hmac_missing_signed_header",
    "hmac_duplicate_signed_header",
    "hmac_bad_query",
    "hmac_bad_content_digest",
    "hmac_digest_mismatch",
    "hmac_body_too_large",
    "hmac_body_unreadable",
    "hmac_replay_cache_full",
    "hmac_replay_cache_unavailable",
];

impl SignatureRefusal {
    /// A stable snake_case reason, one of [`REASONS`].
    pub fn reason(self) -> &'static str {
        match self {
            Self::Malformed => "hmac_malformed",
            Self::UnknownKey => "hmac_unknown_key",
            Self::Unusable(Unusable::Suspended) => "hmac_key_suspended",
            Self::Unusable(Unusable::Revoked) => "hmac_key_revoked",
            Self::Unusable(Unusable::NotYetValid) => "hmac_key_not_yet_valid",
            Self::Unusable(Unusable::Expired) => "hmac_key_expired",
            Self::BadSignature => "hmac_bad_signature",
            Self::StaleTimestamp => "hmac_stale_timestamp",
            Self::Replayed => "hmac_replayed_nonce",
            Self::UnsignedRequiredHeader => "hmac_unsigned_required_header",
            Self::MissingSignedHeader => "hmac_missing_signed_header",
            Self::DuplicateSignedHeader => "hmac_duplicate_signed_header",
            Self::BadQuery => "hmac_bad_query",
            Self::BadContentDigest => "hmac_bad_content_digest",
            Self::DigestMismatch => "hmac_digest_mismatch",
            Self::BodyTooLarge => "hmac_body_too_large",
            Self::BodyUnreadable => "hmac_body_unreadable",
            Self::ReplayCacheFull => "hmac_replay_cache_full",
            Self::ReplayCacheUnavailable => "hmac_replay_cache_unavailable",
        }
    }

    /// Whether the refusal is a failed attempt for the failed-authentication throttle: a
    /// forged, replayed or withdrawn credential, not a clock, header or body problem of an
    /// honest client, nor a failure on the gateway's side.
    pub fn is_failed_attempt(self) -> bool {
        matches!(
            self,
            Self::Malformed
                | Self::UnknownKey
                | Self::BadSignature
                | Self::Replayed
                | Self::Unusable(Unusable::Suspended | Unusable::Revoked)
        )
    }

    /// The problem without its challenge.
    pub fn bare_problem(self) -> Problem {
        let invalid = Problem::new(401, "invalid-signature", "Invalid request signature");
        match self {
            SignatureRefusal::StaleTimestamp => {
                invalid.with_detail("the timestamp is outside the accepted window")
            }
            SignatureRefusal::Replayed => invalid.with_detail("the nonce was already used"),
            SignatureRefusal::UnsignedRequiredHeader => {
                invalid.with_detail("a required header is not signed")
            }
            SignatureRefusal::MissingSignedHeader | SignatureRefusal::DuplicateSignedHeader => {
                invalid.with_detail("each signed header must occur exactly once")
            }
            SignatureRefusal::BadContentDigest => {
                invalid.with_detail("content-digest must be one sha-256 member")
            }
            SignatureRefusal::DigestMismatch => {
                invalid.with_detail("the body does not match its content-digest")
            }
            SignatureRefusal::BodyTooLarge => {
                Problem::new(413, "body-too-large", "Request body too large")
            }
            SignatureRefusal::BodyUnreadable => Problem::new(
                500,
                "authentication-error",
                "Authentication could not complete",
            ),
            SignatureRefusal::ReplayCacheFull | SignatureRefusal::ReplayCacheUnavailable => {
                Problem::new(
                    503,
                    "authentication-unavailable",
                    "Authentication unavailable",
                )
                .with_header("retry-after", RETRY_AFTER_SECONDS)
            }
            _ => invalid,
        }
    }

    /// The `WWW-Authenticate` value, for the 401 answers only.
    pub fn challenge(self, realm: &str) -> Option<String> {
        (self.bare_problem().status == 401).then(|| {
            format!(
                "{SCHEME} realm={}, error=\"invalid_signature\"",
                quoted(realm)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<SignatureRefusal> {
        use crate::mechanisms::holder::Unusable as U;
        use SignatureRefusal::*;
        vec![
            Malformed,
            UnknownKey,
            Unusable(U::Suspended),
            Unusable(U::Revoked),
            Unusable(U::NotYetValid),
            Unusable(U::Expired),
            BadSignature,
            StaleTimestamp,
            Replayed,
            UnsignedRequiredHeader,
            MissingSignedHeader,
            DuplicateSignedHeader,
            BadQuery,
            BadContentDigest,
            DigestMismatch,
            BodyTooLarge,
            BodyUnreadable,
            ReplayCacheFull,
            ReplayCacheUnavailable,
        ]
    }

    #[test]
    fn every_refusal_has_its_own_listed_reason() {
        let reasons: Vec<&str> = all().into_iter().map(SignatureRefusal::reason).collect();
        assert_eq!(reasons, REASONS);
    }

    #[test]
    fn maps_refusals_to_status_and_challenge() {
        for refusal in all() {
            let status = refusal.bare_problem().status;
            let expected = match refusal {
                SignatureRefusal::BodyTooLarge => 413,
                SignatureRefusal::BodyUnreadable => 500,
                SignatureRefusal::ReplayCacheFull | SignatureRefusal::ReplayCacheUnavailable => 503,
                _ => 401,
            };
            assert_eq!(status, expected, "{refusal:?}");
            let challenge = refusal.challenge("demo");
            if status == 401 {
                let want = "Palisade-HMAC-SHA256 realm=\"demo\", error=\"invalid_signature\"";
                assert_eq!(challenge.as_deref(), Some(want));
                assert_eq!(refusal.bare_problem().kind, "invalid-signature");
            } else {
                assert_eq!(challenge, None, "{refusal:?}");
            }
        }
    }
}
