//! Per-provider rules beyond the registered claims: the token's declared type and the claims a
//! provider requires, optionally with exact values.

use super::forward::lookup;
use palisade_shared::config::ConfigError;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A claim every token of the provider must carry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredClaim {
    /// Claim name; a dotted path (`realm_access.roles`) reaches into objects when no claim has
    /// the whole name.
    pub name: String,
    /// The exact JSON value required; when the claim is an array, one of its items must equal
    /// it. Default: any value (only presence is required).
    #[serde(default)]
    pub value: Option<Value>,
}

/// Why the token fails the provider's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyError {
    WrongType,
    MissingClaim,
    WrongClaimValue,
}

impl PolicyError {
    pub fn reason(self) -> &'static str {
        match self {
            PolicyError::WrongType => "wrong_typ",
            PolicyError::MissingClaim => "missing_claim",
            PolicyError::WrongClaimValue => "wrong_claim_value",
        }
    }
}

/// A `typ` as compared: lower case, without the optional `application/` prefix (RFC 7515
/// §4.1.9).
pub fn normalize_type(typ: &str) -> String {
    let lower = typ.to_ascii_lowercase();
    lower
        .strip_prefix("application/")
        .unwrap_or(&lower)
        .to_string()
}

/// Checks the configured type (already normalised) against the token's `typ`.
pub fn check_type(expected: Option<&str>, typ: Option<&str>) -> Result<(), PolicyError> {
    match expected {
        None => Ok(()),
        Some(expected) if typ.is_some_and(|typ| normalize_type(typ) == expected) => Ok(()),
        Some(_) => Err(PolicyError::WrongType),
    }
}

/// Checks every required claim.
pub fn check_required(
    claims: &Map<String, Value>,
    required: &[RequiredClaim],
) -> Result<(), PolicyError> {
    for rule in required {
        let found = lookup(claims, &rule.name).ok_or(PolicyError::MissingClaim)?;
        let Some(wanted) = &rule.value else {
            continue;
        };
        let matches = match found {
            Value::Array(items) => items.contains(wanted),
            other => other == wanted,
        };
        if !matches {
            return Err(PolicyError::WrongClaimValue);
        }
    }
    Ok(())
}

/// Checks a provider's configured type and required claims.
pub fn load(
    at: &str,
    token_type: Option<String>,
    required: &[RequiredClaim],
) -> Result<Option<String>, ConfigError> {
    if required.iter().any(|rule| rule.name.trim().is_empty()) || required.len() > 32 {
        let why = "must name at most 32 claims, none empty";
        return Err(ConfigError::new(format!("{at}.required_claims"), why));
    }
    let Some(typ) = token_type else {
        return Ok(None);
    };
    let normalized = normalize_type(&typ);
    let printable = normalized.bytes().all(|b| b.is_ascii_graphic());
    if normalized.is_empty() || !printable {
        let why = "must be a media type such as at+jwt";
        return Err(ConfigError::new(format!("{at}.token_type"), why));
    }
    Ok(Some(normalized))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compares_types_case_insensitively_with_or_without_application() {
        let expected = normalize_type("at+jwt");
        for typ in [
            "at+jwt",
            "AT+JWT",
            "application/at+jwt",
            "Application/At+Jwt",
        ] {
            assert_eq!(check_type(Some(&expected), Some(typ)), Ok(()), "{typ}");
        }
        for typ in [Some("JWT"), Some("at+jwt "), Some("application/jwt"), None] {
            let refused = check_type(Some(&expected), typ);
            assert_eq!(refused, Err(PolicyError::WrongType), "{typ:?}");
        }
        assert_eq!(check_type(None, Some("anything")), Ok(()));
    }

    #[test]
    fn checks_presence_and_exact_values_of_required_claims() {
        let claims = json!({"jti": "j1", "tenant": "acme", "groups": ["a", "b"],
                            "realm_access": {"roles": ["teller"]}, "level": 2});
        let claims = claims.as_object().unwrap();
        let rule = |name: &str, value: Option<Value>| RequiredClaim {
            name: name.to_string(),
            value,
        };
        let cases = [
            (rule("jti", None), Ok(())),
            (rule("tenant", Some(json!("acme"))), Ok(())),
            (rule("groups", Some(json!("b"))), Ok(())),
            (rule("realm_access.roles", Some(json!("teller"))), Ok(())),
            (rule("level", Some(json!(2))), Ok(())),
            (rule("sid", None), Err(PolicyError::MissingClaim)),
            (
                rule("realm_access.groups", None),
                Err(PolicyError::MissingClaim),
            ),
            (
                rule("tenant", Some(json!("other"))),
                Err(PolicyError::WrongClaimValue),
            ),
            (
                rule("groups", Some(json!("c"))),
                Err(PolicyError::WrongClaimValue),
            ),
            (
                rule("level", Some(json!("2"))),
                Err(PolicyError::WrongClaimValue),
            ),
        ];
        for (rule, expected) in cases {
            let what = format!("{rule:?}");
            assert_eq!(check_required(claims, &[rule]), expected, "{what}");
        }
    }
}
