//! The registered claims of a token whose signature held: issuer, audience and time window.
//!
//! `exp` is required; `nbf` and `iat` are optional but, when present, must not lie in the future.
//! Every time comparison allows the provider's leeway for clock skew. A token may not be valid
//! for longer than the provider's maximum lifetime (`exp - iat`, or `exp - now` without `iat`),
//! so a leaked long-lived token is refused even when correctly signed. A claim of the wrong JSON
//! type refuses the token rather than being ignored.

use serde_json::{Map, Value};

pub mod forward;
pub mod policy;

/// What the checks need to know about the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations<'a> {
    pub issuer: &'a str,
    pub audiences: &'a [String],
    pub leeway_seconds: u64,
    /// Longest accepted `exp - iat` (or `exp - now` without `iat`).
    pub max_lifetime_seconds: u64,
}

/// Why the claims were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimsError {
    WrongIssuer,
    WrongAudience,
    MissingExpiry,
    Expired,
    NotYetValid,
    IssuedInFuture,
    /// The token is valid for longer than the provider allows.
    LifetimeTooLong,
    /// A time claim that is not a non-negative number.
    BadTime(&'static str),
}

impl ClaimsError {
    pub fn reason(self) -> &'static str {
        match self {
            ClaimsError::WrongIssuer => "wrong_issuer",
            ClaimsError::WrongAudience => "wrong_audience",
            ClaimsError::MissingExpiry => "missing_exp",
            ClaimsError::Expired => "expired",
            ClaimsError::NotYetValid => "not_yet_valid",
            ClaimsError::IssuedInFuture => "issued_in_future",
            ClaimsError::LifetimeTooLong => "lifetime_too_long",
            ClaimsError::BadTime(_) => "bad_time_claim",
        }
    }
}

/// Checks the registered claims at `now` (Unix seconds); returns the first second at which the
/// token is no longer accepted, for the cache.
pub fn check(
    claims: &Map<String, Value>,
    expected: &Expectations<'_>,
    now: u64,
) -> Result<u64, ClaimsError> {
    if claims.get("iss").and_then(Value::as_str) != Some(expected.issuer) {
        return Err(ClaimsError::WrongIssuer);
    }
    if !has_audience(claims.get("aud"), expected.audiences) {
        return Err(ClaimsError::WrongAudience);
    }
    let leeway = expected.leeway_seconds;
    let expiry = time(claims, "exp")?.ok_or(ClaimsError::MissingExpiry)?;
    let accepted_until = expiry.saturating_add(leeway);
    if now >= accepted_until {
        return Err(ClaimsError::Expired);
    }
    if time(claims, "nbf")?.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(ClaimsError::NotYetValid);
    }
    let issued = time(claims, "iat")?;
    if issued.is_some_and(|iat| iat > now.saturating_add(leeway)) {
        return Err(ClaimsError::IssuedInFuture);
    }
    // Without `iat` the lifetime is counted from now, so a token can never outlive the bound.
    let lifetime = expiry.saturating_sub(issued.unwrap_or(now));
    if lifetime > expected.max_lifetime_seconds {
        return Err(ClaimsError::LifetimeTooLong);
    }
    Ok(accepted_until)
}

/// `aud` as a string or a non-empty array of strings, one of which is expected.
fn has_audience(aud: Option<&Value>, expected: &[String]) -> bool {
    let is_expected = |value: &Value| {
        value
            .as_str()
            .is_some_and(|a| expected.iter().any(|e| e == a))
    };
    match aud {
        Some(Value::String(_)) => aud.is_some_and(is_expected),
        Some(Value::Array(values)) => {
            values.iter().all(Value::is_string) && values.iter().any(is_expected)
        }
        _ => false,
    }
}

/// A NumericDate claim rounded down to whole seconds, `None` when absent.
fn time(claims: &Map<String, Value>, name: &'static str) -> Result<Option<u64>, ClaimsError> {
    let Some(value) = claims.get(name) else {
        return Ok(None);
    };
    if let Some(seconds) = value.as_u64() {
        return Ok(Some(seconds));
    }
    match value.as_f64() {
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(Some(seconds as u64)),
        _ => Err(ClaimsError::BadTime(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_800_000_000;

    fn audiences() -> Vec<String> {
        vec!["urn:palisade:demo-api".to_string()]
    }

    fn checked(claims: Value) -> Result<u64, ClaimsError> {
        let audiences = audiences();
        let expected = Expectations {
            issuer: "http://idp.test",
            audiences: &audiences,
            leeway_seconds: 60,
            max_lifetime_seconds: 900,
        };
        check(claims.as_object().unwrap(), &expected, NOW)
    }

    fn valid() -> Value {
        json!({"iss": "http://idp.test", "aud": "urn:palisade:demo-api", "exp": NOW + 300,
               "iat": NOW - 10, "nbf": NOW - 10, "sub": "alice"})
    }

    fn with(name: &str, value: Value) -> Value {
        let mut claims = valid();
        claims[name] = value;
        claims
    }

    fn without(name: &str) -> Value {
        let mut claims = valid();
        claims.as_object_mut().unwrap().remove(name);
        claims
    }

    #[test]
    fn accepts_valid_claims_until_expiry_plus_leeway() {
        assert_eq!(checked(valid()), Ok(NOW + 300 + 60));
        assert!(checked(with("aud", json!(["other", "urn:palisade:demo-api"]))).is_ok());
        assert!(checked(with("exp", json!(NOW - 59))).is_ok());
        assert!(checked(with("exp", json!((NOW + 10) as f64 + 0.5))).is_ok());
        assert!(checked(with("nbf", json!(NOW + 60))).is_ok());
        assert!(checked(without("nbf")).is_ok());
        assert!(checked(without("iat")).is_ok());
        let at_the_bound = with("exp", json!(NOW - 10 + 900));
        assert!(checked(at_the_bound).is_ok());
        let long_without_iat = with("exp", json!(NOW + 901));
        let long_without_iat = {
            let mut claims = long_without_iat;
            claims.as_object_mut().unwrap().remove("iat");
            claims
        };
        assert_eq!(checked(long_without_iat), Err(ClaimsError::LifetimeTooLong));
    }

    #[test]
    fn refuses_each_wrong_claim() {
        let cases = [
            (
                with("iss", json!("http://evil.test")),
                ClaimsError::WrongIssuer,
            ),
            (
                with("iss", json!(["http://idp.test"])),
                ClaimsError::WrongIssuer,
            ),
            (without("iss"), ClaimsError::WrongIssuer),
            (with("aud", json!("urn:other")), ClaimsError::WrongAudience),
            (with("aud", json!([])), ClaimsError::WrongAudience),
            (
                with("aud", json!(["urn:palisade:demo-api", 7])),
                ClaimsError::WrongAudience,
            ),
            (without("aud"), ClaimsError::WrongAudience),
            (without("exp"), ClaimsError::MissingExpiry),
            (with("exp", json!(NOW - 60)), ClaimsError::Expired),
            (with("exp", json!(NOW - 3600)), ClaimsError::Expired),
            (with("exp", json!("never")), ClaimsError::BadTime("exp")),
            (with("exp", json!(-1)), ClaimsError::BadTime("exp")),
            (with("nbf", json!(NOW + 61)), ClaimsError::NotYetValid),
            (with("iat", json!(NOW + 3600)), ClaimsError::IssuedInFuture),
            (with("iat", json!(null)), ClaimsError::BadTime("iat")),
            (with("exp", json!(NOW + 901)), ClaimsError::LifetimeTooLong),
            (with("iat", json!(NOW - 2000)), ClaimsError::LifetimeTooLong),
        ];
        for (claims, expected) in cases {
            assert_eq!(checked(claims.clone()), Err(expected), "{claims}");
        }
    }
}
