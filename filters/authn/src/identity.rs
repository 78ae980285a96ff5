//! The principal a verified token stands for: subject, issuer, client, scopes and roles.
//!
//! Scopes come from `scope` (RFC 8693/9068, space-delimited) or else `scp` (an array or a
//! string, as some providers send it); the client from `client_id` or else `azp`. A claim of an
//! unexpected type refuses the token, so that later filters never act on a half-read identity.

use crate::claims::forward::lookup;
use palisade_shared::principal::{Principal, PrincipalKind};
use serde_json::{Map, Value};

/// Why the identity claims could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityError {
    MissingSubject,
    BadClaim(&'static str),
}

impl IdentityError {
    pub fn reason(self) -> &'static str {
        match self {
            IdentityError::MissingSubject => "missing_sub",
            IdentityError::BadClaim(_) => "bad_identity_claim",
        }
    }
}

/// The principal for verified `claims` of the provider `issuer`; `roles_claim` names the claim
/// holding roles, when the provider has one.
pub fn principal(
    claims: &Map<String, Value>,
    issuer: &str,
    roles_claim: Option<&str>,
) -> Result<Principal, IdentityError> {
    let subject = match claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => sub.clone(),
        _ => return Err(IdentityError::MissingSubject),
    };
    let client_id = match optional_string(claims, "client_id")? {
        Some(client) => Some(client),
        None => optional_string(claims, "azp")?,
    };
    let scopes = match claims.get("scope") {
        Some(Value::String(text)) => split(text),
        Some(_) => return Err(IdentityError::BadClaim("scope")),
        None => words(claims.get("scp"), "scope")?,
    };
    let roles = match roles_claim {
        Some(name) => words(lookup(claims, name), "roles")?,
        None => Vec::new(),
    };
    let mut principal = Principal::anonymous();
    principal.kind = PrincipalKind::Jwt;
    principal.id = subject;
    principal.issuer = Some(issuer.to_string());
    principal.client_id = client_id;
    principal.scopes = scopes;
    principal.roles = roles;
    Ok(principal)
}

fn optional_string(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, IdentityError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(IdentityError::BadClaim(name)),
    }
}

/// A space-delimited string or an array of strings, as a list; absent gives an empty list.
fn words(value: Option<&Value>, label: &'static str) -> Result<Vec<String>, IdentityError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::String(text)) => Ok(split(text)),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(String::from))
            .collect::<Option<Vec<String>>>()
            .ok_or(IdentityError::BadClaim(label)),
        Some(_) => Err(IdentityError::BadClaim(label)),
    }
}

fn split(text: &str) -> Vec<String> {
    text.split(' ')
        .filter(|word| !word.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(claims: Value, roles: Option<&str>) -> Result<Principal, IdentityError> {
        principal(claims.as_object().unwrap(), "http://idp.test", roles)
    }

    #[test]
    fn reads_subject_client_scopes_and_roles() {
        let claims = json!({"sub": "alice", "client_id": "demo-client", "azp": "other",
                            "scope": "accounts:read  transfers:write", "roles": ["teller"]});
        let principal = read(claims, Some("roles")).unwrap();
        assert_eq!(principal.kind, PrincipalKind::Jwt);
        assert_eq!(principal.id, "alice");
        assert_eq!(principal.issuer.as_deref(), Some("http://idp.test"));
        assert_eq!(principal.client_id.as_deref(), Some("demo-client"));
        assert_eq!(principal.scopes, vec!["accounts:read", "transfers:write"]);
        assert_eq!(principal.roles, vec!["teller"]);
    }

    #[test]
    fn falls_back_to_azp_and_scp() {
        let principal = read(json!({"sub": "a", "azp": "web", "scp": ["x", "y"]}), None).unwrap();
        assert_eq!(principal.client_id.as_deref(), Some("web"));
        assert_eq!(principal.scopes, vec!["x", "y"]);
        let principal = read(json!({"sub": "a", "scp": "x y"}), None).unwrap();
        assert_eq!(principal.scopes, vec!["x", "y"]);
        assert!(principal.roles.is_empty());
    }

    #[test]
    fn refuses_missing_subject_and_mistyped_claims() {
        let cases = [
            (json!({"client_id": "c"}), IdentityError::MissingSubject),
            (json!({"sub": ""}), IdentityError::MissingSubject),
            (json!({"sub": 7}), IdentityError::MissingSubject),
            (
                json!({"sub": "a", "client_id": 1}),
                IdentityError::BadClaim("client_id"),
            ),
            (
                json!({"sub": "a", "scope": ["x"]}),
                IdentityError::BadClaim("scope"),
            ),
            (
                json!({"sub": "a", "scp": [1]}),
                IdentityError::BadClaim("scope"),
            ),
            (
                json!({"sub": "a", "roles": {"r": 1}}),
                IdentityError::BadClaim("roles"),
            ),
        ];
        for (claims, expected) in cases {
            assert_eq!(
                read(claims.clone(), Some("roles")).err(),
                Some(expected),
                "{claims}"
            );
        }
    }
}
