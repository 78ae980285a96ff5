//! Every way authn refuses a request, and the one place that maps a refusal to HTTP.
//!
//! Statuses and challenges follow RFC 6750 §3: a request without credentials gets a bare
//! `Bearer` challenge, a malformed request `400 invalid_request`, a bad token `401
//! invalid_token`. The problem body names the kind of refusal only; the precise reason goes to
//! the recorded decision, the metrics and the debug log.

use crate::verify::VerifyError;
use palisade_shared::problem::{quoted, Problem};

/// Seconds a client is asked to wait while no key set has been fetched yet.
const RETRY_AFTER_SECONDS: &str = "5";

/// Why the request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    InvalidPath,
    MissingToken,
    UnsupportedScheme,
    /// The `Authorization` header itself is malformed or repeated.
    InvalidRequest(&'static str),
    /// The token is malformed, unverifiable or carries unacceptable claims.
    InvalidToken(&'static str),
    Expired,
    /// No key set was ever fetched for the token's provider.
    KeysUnavailable,
    /// A required revocation list was never fetched; fail closed.
    RevocationUnavailable,
    /// Too many failed attempts from this source or for this principal (NIST AC-7).
    Throttled {
        retry_after_seconds: u64,
    },
    /// The signature could not be checked (host call failed); fail closed.
    VerifierFailed(VerifyError),
    /// The request could not be read from the host.
    HostFailure,
    /// A bad API key; the key mechanism maps it (see `mechanisms::apikey::refusal`).
    ApiKey(crate::mechanisms::apikey::refusal::KeyRefusal),
    /// A bad signed request (see `mechanisms::hmac_request::refusal`).
    Signature(crate::mechanisms::hmac_request::refusal::SignatureRefusal),
    /// A refused client certificate (see `mtls::refusal`).
    Mtls(crate::mtls::refusal::MtlsRefusal),
    /// A bad DPoP proof or a token presented against its binding (see `dpop::refusal`).
    Dpop(crate::dpop::refusal::DpopRefusal),
}

/// Every reason a refusal can carry, for the per-reason counters.
pub const REASONS: &[&str] = &[
    "invalid_path",
    "missing_token",
    "unsupported_scheme",
    "repeated_authorization",
    "malformed_authorization",
    "token_too_large",
    "header_too_large",
    "not_compact_jws",
    "empty_signature",
    "bad_base64url",
    "bad_json",
    "duplicate_name",
    "not_an_object",
    "missing_alg",
    "bad_kid",
    "forbidden_header",
    "unknown_issuer",
    "alg_not_allowed",
    "unknown_kid",
    "kid_required",
    "wrong_key_type",
    "ambiguous_kid",
    "bad_signature",
    "wrong_issuer",
    "wrong_audience",
    "missing_exp",
    "expired",
    "not_yet_valid",
    "issued_in_future",
    "bad_time_claim",
    "missing_sub",
    "bad_identity_claim",
    "jwks_unavailable",
    "verifier_unavailable",
    "verifier_error",
    "host_failure",
    "bad_typ",
    "lifetime_too_long",
    "wrong_typ",
    "missing_claim",
    "wrong_claim_value",
    "revoked",
    "revocation_unavailable",
    "throttled",
    "session_limit",
    "missing_session_id",
    "multiple_credentials",
    "malformed_token",
    "query_token_not_allowed",
    "bad_confirmation_claim",
    "certificate_binding_required",
    "certificate_binding_missing",
    "certificate_binding_mismatch",
];

impl Refusal {
    /// A stable snake_case reason, one of [`REASONS`].
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::InvalidPath => "invalid_path",
            Refusal::MissingToken => "missing_token",
            Refusal::UnsupportedScheme => "unsupported_scheme",
            Refusal::InvalidRequest(reason) | Refusal::InvalidToken(reason) => reason,
            Refusal::Expired => "expired",
            Refusal::KeysUnavailable => "jwks_unavailable",
            Refusal::RevocationUnavailable => "revocation_unavailable",
            Refusal::Throttled { .. } => "throttled",
            Refusal::VerifierFailed(VerifyError::Unavailable) => "verifier_unavailable",
            Refusal::VerifierFailed(_) => "verifier_error",
            Refusal::HostFailure => "host_failure",
            Refusal::ApiKey(refusal) => refusal.reason(),
            Refusal::Signature(refusal) => refusal.reason(),
            Refusal::Mtls(refusal) => refusal.reason(),
            Refusal::Dpop(refusal) => refusal.reason(),
        }
    }

    /// The answer to the client, with `realm` in any `WWW-Authenticate` challenge.
    pub fn problem(&self, realm: &str) -> Problem {
        let problem = self.bare_problem();
        match self.extra_header(realm) {
            Some((name, value)) => problem.with_header(name, value),
            None => problem,
        }
    }

    fn bare_problem(&self) -> Problem {
        match self {
            Refusal::InvalidPath => Problem::new(400, "invalid-path", "Invalid request path"),
            Refusal::MissingToken | Refusal::UnsupportedScheme => {
                Problem::new(401, "missing-token", "Authentication required")
            }
            Refusal::InvalidRequest(_) => {
                Problem::new(400, "invalid-request", "Malformed authorization")
            }
            Refusal::InvalidToken(_) => Problem::new(401, "invalid-token", "Invalid access token"),
            Refusal::Expired => Problem::new(401, "invalid-token", "Invalid access token")
                .with_detail("the access token expired"),
            Refusal::KeysUnavailable | Refusal::RevocationUnavailable => Problem::new(
                503,
                "authentication-unavailable",
                "Authentication unavailable",
            ),
            Refusal::Throttled { .. } => Problem::new(
                429,
                "authentication-throttled",
                "Too many failed authentication attempts",
            ),
            Refusal::VerifierFailed(_) | Refusal::HostFailure => Problem::new(
                500,
                "authentication-error",
                "Authentication could not complete",
            ),
            Refusal::ApiKey(refusal) => refusal.bare_problem(),
            Refusal::Signature(refusal) => refusal.bare_problem(),
            Refusal::Mtls(refusal) => refusal.bare_problem(),
            Refusal::Dpop(refusal) => refusal.bare_problem(),
        }
    }

    /// The `WWW-Authenticate` challenge or `Retry-After` that goes with the refusal.
    fn extra_header(&self, realm: &str) -> Option<(&'static str, String)> {
        let error = match self {
            Refusal::MissingToken | Refusal::UnsupportedScheme => None,
            Refusal::InvalidRequest(_) => {
                Some(("invalid_request", "The Authorization header is malformed"))
            }
            Refusal::InvalidToken(_) => Some(("invalid_token", "The access token is not valid")),
            Refusal::Expired => Some(("invalid_token", "The access token expired")),
            Refusal::KeysUnavailable | Refusal::RevocationUnavailable => {
                return Some(("retry-after", RETRY_AFTER_SECONDS.to_string()))
            }
            Refusal::Throttled {
                retry_after_seconds,
            } => return Some(("retry-after", (*retry_after_seconds).max(1).to_string())),
            Refusal::InvalidPath | Refusal::VerifierFailed(_) | Refusal::HostFailure => {
                return None
            }
            Refusal::ApiKey(refusal) => {
                return Some(("www-authenticate", refusal.challenge(realm)))
            }
            Refusal::Signature(refusal) => {
                return refusal
                    .challenge(realm)
                    .map(|value| ("www-authenticate", value))
            }
            Refusal::Mtls(refusal) => {
                return refusal
                    .challenge(realm)
                    .map(|value| ("www-authenticate", value))
            }
            Refusal::Dpop(refusal) => return Some(refusal.extra_header(realm)),
        };
        Some(("www-authenticate", challenge(realm, error)))
    }
}

/// A `Bearer` challenge (RFC 6750 §3) with an error code and description when there is one.
fn challenge(realm: &str, error: Option<(&str, &str)>) -> String {
    let mut value = format!("Bearer realm={}", quoted(realm));
    if let Some((code, description)) = error {
        value.push_str(&format!(
            ", error=\"{code}\", error_description=\"{description}\""
        ));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Refusal> {
        vec![
            Refusal::InvalidPath,
            Refusal::MissingToken,
            Refusal::UnsupportedScheme,
            Refusal::InvalidRequest("malformed_authorization"),
            Refusal::InvalidToken("bad_signature"),
            Refusal::Expired,
            Refusal::KeysUnavailable,
            Refusal::VerifierFailed(VerifyError::Host("BadArgument".into())),
            Refusal::VerifierFailed(VerifyError::Unavailable),
            Refusal::HostFailure,
            Refusal::RevocationUnavailable,
            Refusal::Throttled {
                retry_after_seconds: 30,
            },
        ]
    }

    #[test]
    fn maps_each_refusal_to_its_status_and_challenge() {
        let expected = [
            (400, None),
            (401, Some("Bearer realm=\"api\"")),
            (401, Some("Bearer realm=\"api\"")),
            (400, Some("error=\"invalid_request\"")),
            (401, Some("error=\"invalid_token\"")),
            (401, Some("error=\"invalid_token\"")),
            (503, None),
            (500, None),
            (500, None),
            (500, None),
            (503, None),
            (429, None),
        ];
        for (refusal, (status, challenge)) in all().iter().zip(expected) {
            let problem = refusal.problem("api");
            assert_eq!(problem.status, status, "{refusal:?}");
            let www = problem
                .headers
                .iter()
                .find(|(n, _)| *n == "www-authenticate");
            match challenge {
                Some(part) => assert!(www.unwrap().1.contains(part), "{refusal:?}"),
                None => assert!(www.is_none(), "{refusal:?}"),
            }
        }
    }

    #[test]
    fn every_reason_has_a_counter_and_names_are_metric_safe() {
        for refusal in all() {
            assert!(REASONS.contains(&refusal.reason()), "{refusal:?}");
        }
        for reason in REASONS {
            assert!(
                reason
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{reason}"
            );
        }
    }

    #[test]
    fn throttled_clients_are_told_when_to_retry() {
        let refusal = Refusal::Throttled {
            retry_after_seconds: 42,
        };
        let problem = refusal.problem("api");
        assert!(problem.headers.contains(&("retry-after", "42".to_string())));
        let body: serde_json::Value = serde_json::from_slice(&problem.body(None)).unwrap();
        assert_eq!(
            body["type"],
            "urn:palisade:problem:authentication-throttled"
        );
    }

    #[test]
    fn unavailable_keys_ask_the_client_to_retry() {
        let problem = Refusal::KeysUnavailable.problem("api");
        assert!(problem.headers.contains(&("retry-after", "5".to_string())));
    }
}
