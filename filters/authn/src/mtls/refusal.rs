//! Why a service identity was refused, and the answer the client gets.
//!
//! No client certificate on an operation that needs one is `401` with the challenge
//! `WWW-Authenticate: Palisade-mTLS realm="<realm>"` (no registered scheme names client
//! certificates; RFC 9110 requires a challenge with every 401). A certificate whose identity is
//! not allowlisted is `403`: the caller is known, it is just not admitted. A malformed XFCC
//! header from a trusted front proxy is `400`: the proxy, not the client, is at fault.

use palisade_shared::problem::{quoted, Problem};

/// The challenge's scheme name.
pub const SCHEME: &str = "Palisade-mTLS";

/// Why the caller's certificate was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtlsRefusal {
    /// No client certificate, on the connection or forwarded by a trusted front proxy.
    NoCertificate,
    /// The certificate's URI SAN is not a well-formed SPIFFE ID (and no subject entry matched).
    BadSpiffeId,
    /// Neither the SPIFFE ID nor the subject is on the allowlist.
    NotAllowed,
    MalformedXfcc,
    /// The forwarded element names more than one URI SAN.
    AmbiguousXfcc,
}

/// Every reason an mTLS refusal can carry, for the per-reason counters.
pub const REASONS: [&str; 5] = [
    "mtls_no_certificate",
    "mtls_bad_spiffe_id",
    "mtls_not_allowed",
    "xfcc_malformed",
    "xfcc_ambiguous_uri",
];

impl MtlsRefusal {
    /// A stable snake_case reason, one of [`REASONS`].
    pub fn reason(self) -> &'static str {
        match self {
            MtlsRefusal::NoCertificate => "mtls_no_certificate",
            MtlsRefusal::BadSpiffeId => "mtls_bad_spiffe_id",
            MtlsRefusal::NotAllowed => "mtls_not_allowed",
            MtlsRefusal::MalformedXfcc => "xfcc_malformed",
            MtlsRefusal::AmbiguousXfcc => "xfcc_ambiguous_uri",
        }
    }

    /// The problem without its challenge.
    pub fn bare_problem(self) -> Problem {
        match self {
            MtlsRefusal::NoCertificate => Problem::new(
                401,
                "client-certificate-required",
                "Client certificate required",
            ),
            MtlsRefusal::BadSpiffeId | MtlsRefusal::NotAllowed => Problem::new(
                403,
                "client-identity-not-allowed",
                "Client identity not allowed",
            ),
            MtlsRefusal::MalformedXfcc | MtlsRefusal::AmbiguousXfcc => Problem::new(
                400,
                "invalid-forwarded-client-certificate",
                "Malformed x-forwarded-client-cert",
            ),
        }
    }

    /// The `WWW-Authenticate` value, for the 401 answer only.
    pub fn challenge(self, realm: &str) -> Option<String> {
        (self == MtlsRefusal::NoCertificate).then(|| format!("{SCHEME} realm={}", quoted(realm)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_each_refusal_to_its_reason_status_and_challenge() {
        use MtlsRefusal::*;
        let cases = [
            (NoCertificate, 401, true),
            (BadSpiffeId, 403, false),
            (NotAllowed, 403, false),
            (MalformedXfcc, 400, false),
            (AmbiguousXfcc, 400, false),
        ];
        let reasons: Vec<&str> = cases.iter().map(|(refusal, ..)| refusal.reason()).collect();
        assert_eq!(reasons, REASONS);
        for (refusal, status, challenged) in cases {
            assert_eq!(refusal.bare_problem().status, status, "{refusal:?}");
            let challenge = refusal.challenge("demo");
            assert_eq!(challenge.is_some(), challenged, "{refusal:?}");
        }
        let challenge = NoCertificate.challenge("demo");
        assert_eq!(challenge.as_deref(), Some("Palisade-mTLS realm=\"demo\""));
    }
}
