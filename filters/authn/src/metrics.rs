//! Names of the filter's counters (`palisade_authn_*_total`).

use crate::refusal::REASONS;

pub const ALLOWED: &str = "palisade_authn_allowed_total";
pub const DENIED: &str = "palisade_authn_denied_total";
pub const ANONYMOUS: &str = "palisade_authn_anonymous_total";
/// Bearer tokens verified in full: the cache misses that passed. Counting misses rather than
/// hits keeps the common request at one counter (each is a host call).
pub const TOKENS_VERIFIED: &str = "palisade_authn_tokens_verified_total";
pub const JWKS_FETCH_OK: &str = "palisade_authn_jwks_fetch_ok_total";
pub const JWKS_FETCH_FAILED: &str = "palisade_authn_jwks_fetch_failed_total";
pub const REVOCATION_FETCH_OK: &str = "palisade_authn_revocation_fetch_ok_total";
pub const REVOCATION_FETCH_FAILED: &str = "palisade_authn_revocation_fetch_failed_total";
pub const ALLOWED_API_KEY: &str = "palisade_authn_allowed_api_key_total";
pub const ALLOWED_HMAC: &str = "palisade_authn_allowed_hmac_total";
pub const ALLOWED_MTLS: &str = "palisade_authn_allowed_mtls_total";

/// The counter of refusals for one reason, e.g. `palisade_authn_denied_expired_total`.
pub fn denied_for(reason: &str) -> String {
    format!("palisade_authn_denied_{reason}_total")
}

/// Every counter the filter defines.
pub fn names() -> Vec<String> {
    let fixed = [
        ALLOWED,
        DENIED,
        ANONYMOUS,
        TOKENS_VERIFIED,
        JWKS_FETCH_OK,
        JWKS_FETCH_FAILED,
        REVOCATION_FETCH_OK,
        REVOCATION_FETCH_FAILED,
        ALLOWED_API_KEY,
        ALLOWED_HMAC,
        ALLOWED_MTLS,
    ];
    let mut names: Vec<String> = fixed.iter().map(|name| name.to_string()).collect();
    names.extend(REASONS.iter().map(|reason| denied_for(reason)));
    let mechanisms = [
        crate::mechanisms::apikey::refusal::REASONS.as_slice(),
        crate::mechanisms::hmac_request::refusal::REASONS.as_slice(),
        crate::mtls::refusal::REASONS.as_slice(),
        crate::dpop::refusal::REASONS.as_slice(),
    ];
    names.extend(mechanisms.concat().iter().map(|reason| denied_for(reason)));
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_prefixed_distinct_and_metric_safe() {
        let names = names();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        for name in &names {
            assert!(
                name.starts_with("palisade_authn_") && name.ends_with("_total"),
                "{name}"
            );
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{name}"
            );
        }
    }
}
