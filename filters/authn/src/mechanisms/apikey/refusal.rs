//! Why an API key was refused, and the answer the client gets.
//!
//! Every bad key is the same `401 invalid-api-key` to the client, whatever the reason, so the
//! answer tells nothing about which ids exist or what state a key is in; the precise reason goes
//! to the recorded decision and the counters. The challenge is
//! `WWW-Authenticate: ApiKey realm="<realm>", error="invalid_key"`. An ambiguous request (two
//! credentials, a repeated key) is the general `400 invalid-request` of
//! [`Refusal::InvalidRequest`](crate::refusal::Refusal::InvalidRequest).

use crate::mechanisms::holder::Unusable;
use palisade_shared::problem::{quoted, Problem};

/// The scheme name of the challenge (and of `Authorization: ApiKey <key>`).
pub const SCHEME: &str = "ApiKey";

/// Why the key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRefusal {
    /// Not of the `pk_<id>_<secret>` shape.
    Malformed,
    /// No key with this id is configured.
    UnknownId,
    /// The id is known but the key does not hash to its entry.
    Mismatch,
    Unusable(Unusable),
}

/// Every reason a key refusal can carry, for the per-reason counters.
pub const REASONS: [&str; 7] = [
    "api_key_malformed",
    "api_key_unknown",
    "api_key_mismatch",
    "api_key_suspended",
    "api_key_revoked",
    "api_key_not_yet_valid",
    "api_key_expired",
];

impl KeyRefusal {
    /// A stable snake_case reason, one of [`REASONS`].
    pub fn reason(self) -> &'static str {
        match self {
            KeyRefusal::Malformed => "api_key_malformed",
            KeyRefusal::UnknownId => "api_key_unknown",
            KeyRefusal::Mismatch => "api_key_mismatch",
            KeyRefusal::Unusable(Unusable::Suspended) => "api_key_suspended",
            KeyRefusal::Unusable(Unusable::Revoked) => "api_key_revoked",
            KeyRefusal::Unusable(Unusable::NotYetValid) => "api_key_not_yet_valid",
            KeyRefusal::Unusable(Unusable::Expired) => "api_key_expired",
        }
    }

    /// Whether the refusal is a failed attempt for the failed-authentication throttle: a wrong
    /// or withdrawn key, not one that merely expired or is not valid yet (an honest client's
    /// rotation mistake).
    pub fn is_failed_attempt(self) -> bool {
        !matches!(
            self,
            KeyRefusal::Unusable(Unusable::Expired | Unusable::NotYetValid)
        )
    }

    /// The problem without its challenge: the same for every reason.
    pub fn bare_problem(self) -> Problem {
        Problem::new(401, "invalid-api-key", "Invalid API key")
    }

    /// The `WWW-Authenticate` value.
    pub fn challenge(self, realm: &str) -> String {
        format!("{SCHEME} realm={}, error=\"invalid_key\"", quoted(realm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> [KeyRefusal; 7] {
        [
            KeyRefusal::Malformed,
            KeyRefusal::UnknownId,
            KeyRefusal::Mismatch,
            KeyRefusal::Unusable(Unusable::Suspended),
            KeyRefusal::Unusable(Unusable::Revoked),
            KeyRefusal::Unusable(Unusable::NotYetValid),
            KeyRefusal::Unusable(Unusable::Expired),
        ]
    }

    #[test]
    fn every_refusal_has_its_own_listed_reason() {
        let reasons: Vec<&str> = all().iter().map(|r| r.reason()).collect();
        assert_eq!(reasons, REASONS);
    }

    #[test]
    fn every_bad_key_gets_the_same_answer() {
        for refusal in all() {
            let problem = refusal.bare_problem();
            assert_eq!((problem.status, problem.kind), (401, "invalid-api-key"));
            assert_eq!(problem.detail, None, "{refusal:?}");
            let challenge = refusal.challenge("demo");
            assert_eq!(challenge, "ApiKey realm=\"demo\", error=\"invalid_key\"");
        }
    }
}
