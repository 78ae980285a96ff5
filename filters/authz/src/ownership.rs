//! Object-level authorization: a request parameter must belong to the caller (OWASP API1).

use crate::config::{OwnershipConfig, OwnershipMatch, ParamLocation};
use palisade_shared::principal::Principal;
use serde_json::Value;

/// Why an ownership rule did not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnershipError {
    /// The parameter is absent: nothing to check, so nothing to allow.
    MissingParameter,
    /// The parameter appears more than once; a second value must never slip past the check.
    DuplicateParameter,
    /// The caller's claim does not hold the value.
    NotOwner,
}

/// The request parameters an ownership rule can name.
#[derive(Debug, Clone, Default)]
pub struct Parameters {
    pub path: Vec<(String, String)>,
    /// Decoded query pairs; `None` when the query string is malformed.
    pub query: Option<Vec<(String, String)>>,
    pub headers: Vec<(String, String)>,
    /// The JSON request body, once read; `None` before or when there is none.
    pub body: Option<Value>,
}

impl Parameters {
    /// Every value of the named parameter at its location.
    fn values(&self, rule: &OwnershipConfig) -> Vec<String> {
        let pairs: &[(String, String)] = match rule.r#in {
            ParamLocation::Path => &self.path,
            ParamLocation::Query => self.query.as_deref().unwrap_or_default(),
            ParamLocation::Header => &self.headers,
            ParamLocation::Body => return self.body_values(&rule.param).unwrap_or_default(),
        };
        // Frameworks read `owner[]`, `owner[0]`, `Owner` and `x_account` as the bound name: any
        // such alias counts as another value, so that a second value can never slip past.
        let matches_name = |name: &str| alias_of(name) == alias_of(&rule.param);
        pairs
            .iter()
            .filter(|(name, _)| matches_name(name))
            .map(|(_, value)| value.clone())
            .collect()
    }

    /// How many times the exact name (headers: any case) occurs at its location.
    fn exact_count(&self, rule: &OwnershipConfig) -> usize {
        let pairs: &[(String, String)] = match rule.r#in {
            ParamLocation::Path => &self.path,
            ParamLocation::Query => self.query.as_deref().unwrap_or_default(),
            ParamLocation::Header => &self.headers,
            ParamLocation::Body => return 1,
        };
        pairs
            .iter()
            .filter(|(name, _)| match rule.r#in {
                ParamLocation::Header => name.eq_ignore_ascii_case(&rule.param),
                _ => *name == rule.param,
            })
            .count()
    }

    /// The scalar at a JSON pointer of the body; `None` when absent or not a scalar.
    fn body_scalar(value: &Value) -> Option<String> {
        match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    }

    /// Whether an object on the way to `pointer` holds another key that lenient parsers read as
    /// the same name (`FROM` beside `from`): the upstream might act on either.
    fn body_has_aliases(&self, pointer: &str) -> bool {
        let Some(mut node) = self.body.as_ref() else {
            return false;
        };
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            if let Value::Object(map) = node {
                let same = map
                    .keys()
                    .filter(|key| alias_of(key) == alias_of(&token))
                    .count();
                if same > 1 {
                    return true;
                }
            }
            match node.pointer(&format!("/{}", token.replace('~', "~0").replace('/', "~1"))) {
                Some(next) => node = next,
                None => return false,
            }
        }
        false
    }

    fn body_values(&self, pointer: &str) -> Option<Vec<String>> {
        let found = self.body.as_ref()?.pointer(pointer)?;
        match found {
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .map(Self::body_scalar)
                .collect::<Option<Vec<_>>>(),
            scalar => Self::body_scalar(scalar).map(|one| vec![one]),
        }
    }
}

/// The name as lenient frameworks read it: lowercase, `_` as `-`, without `[...]` suffixes.
fn alias_of(name: &str) -> String {
    let base = name.split('[').next().unwrap_or(name);
    base.to_ascii_lowercase().replace('_', "-")
}

/// Checks one rule; bypass roles short-circuit it.
pub fn check(
    rule: &OwnershipConfig,
    params: &Parameters,
    principal: &Principal,
) -> Result<(), OwnershipError> {
    if rule
        .bypass_roles
        .iter()
        .any(|role| principal.roles.contains(role))
    {
        return Ok(());
    }
    if rule.r#in == ParamLocation::Body && params.body_has_aliases(&rule.param) {
        return Err(OwnershipError::DuplicateParameter);
    }
    let values = params.values(rule);
    if rule.r#in == ParamLocation::Body {
        // Every element of a body array must be owned; the strict JSON reader already refused
        // duplicate keys, so one pointer names one place.
        if values.is_empty() {
            return Err(OwnershipError::MissingParameter);
        }
        let all_owned = values
            .iter()
            .all(|value| claim_holds(principal, rule, value));
        return if all_owned {
            Ok(())
        } else {
            Err(OwnershipError::NotOwner)
        };
    }
    // The bound value comes from the exact name only; an alias beside it is a second value.
    let exact = params.exact_count(rule);
    let value = match values.as_slice() {
        _ if exact == 0 => return Err(OwnershipError::MissingParameter),
        [one] => one.as_str(),
        _ => return Err(OwnershipError::DuplicateParameter),
    };
    // A header value joined by Envoy from repeated headers is also a duplicate.
    if rule.r#in == ParamLocation::Header && value.contains(',') {
        return Err(OwnershipError::DuplicateParameter);
    }
    if claim_holds(principal, rule, value) {
        Ok(())
    } else {
        Err(OwnershipError::NotOwner)
    }
}

fn claim_holds(principal: &Principal, rule: &OwnershipConfig, value: &str) -> bool {
    let claim = match rule.claim.as_str() {
        "sub" => Some(Value::String(principal.id.clone())),
        name => principal.claims.get(name).cloned(),
    };
    let Some(claim) = claim else {
        return false;
    };
    match (rule.r#match, &claim) {
        (OwnershipMatch::Equals, Value::String(owned)) => owned == value,
        (OwnershipMatch::Equals, Value::Number(owned)) => owned.to_string() == value,
        (OwnershipMatch::Member, Value::Array(items)) => items.iter().any(|item| match item {
            Value::String(owned) => owned == value,
            Value::Number(owned) => owned.to_string() == value,
            _ => false,
        }),
        (OwnershipMatch::Member, Value::String(list)) => {
            list.split(' ').any(|owned| owned == value)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_shared::principal::PrincipalKind;
    use serde_json::json;

    fn alice() -> Principal {
        let mut principal = Principal::anonymous();
        principal.kind = PrincipalKind::Jwt;
        principal.id = "alice".into();
        principal
            .claims
            .insert("accounts".into(), json!(["a1", "a3"]));
        principal
    }

    fn rule(
        param: &str,
        location: ParamLocation,
        claim: &str,
        how: OwnershipMatch,
    ) -> OwnershipConfig {
        OwnershipConfig {
            param: param.into(),
            r#in: location,
            claim: claim.into(),
            r#match: how,
            bypass_roles: vec!["support".into()],
        }
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ownership_table() {
        let member = rule(
            "accountId",
            ParamLocation::Path,
            "accounts",
            OwnershipMatch::Member,
        );
        let by_query = rule("owner", ParamLocation::Query, "sub", OwnershipMatch::Equals);
        let by_header = rule(
            "x-account",
            ParamLocation::Header,
            "accounts",
            OwnershipMatch::Member,
        );
        let cases: Vec<(&OwnershipConfig, Parameters, Result<(), OwnershipError>)> = vec![
            (
                &member,
                Parameters {
                    path: pairs(&[("accountId", "a1")]),
                    ..Default::default()
                },
                Ok(()),
            ),
            (
                &member,
                Parameters {
                    path: pairs(&[("accountId", "a2")]),
                    ..Default::default()
                },
                Err(OwnershipError::NotOwner),
            ),
            (
                &member,
                Parameters {
                    path: pairs(&[("accountId", "A1")]),
                    ..Default::default()
                },
                Err(OwnershipError::NotOwner),
            ),
            (
                &member,
                Parameters::default(),
                Err(OwnershipError::MissingParameter),
            ),
            (
                &by_query,
                Parameters {
                    query: Some(pairs(&[("owner", "alice")])),
                    ..Default::default()
                },
                Ok(()),
            ),
            (
                &by_query,
                Parameters {
                    query: Some(pairs(&[("owner", "bob")])),
                    ..Default::default()
                },
                Err(OwnershipError::NotOwner),
            ),
            (
                &by_query,
                Parameters {
                    query: Some(pairs(&[("owner", "alice"), ("owner", "bob")])),
                    ..Default::default()
                },
                Err(OwnershipError::DuplicateParameter),
            ),
            (
                &by_query,
                Parameters {
                    query: Some(pairs(&[("owner", "bob"), ("owner", "alice")])),
                    ..Default::default()
                },
                Err(OwnershipError::DuplicateParameter),
            ),
            (
                &by_query,
                Parameters {
                    query: None,
                    ..Default::default()
                },
                Err(OwnershipError::MissingParameter),
            ),
            (
                &by_header,
                Parameters {
                    headers: pairs(&[("X-Account", "a3")]),
                    ..Default::default()
                },
                Ok(()),
            ),
            (
                &by_header,
                Parameters {
                    headers: pairs(&[("x-account", "a3,a2")]),
                    ..Default::default()
                },
                Err(OwnershipError::DuplicateParameter),
            ),
        ];
        for (rule, params, expected) in cases {
            assert_eq!(check(rule, &params, &alice()), expected, "{params:?}");
        }
    }

    #[test]
    fn body_pointers_bind_scalars_and_every_array_element() {
        let from = rule(
            "/from",
            ParamLocation::Body,
            "accounts",
            OwnershipMatch::Member,
        );
        let batch = rule(
            "/items",
            ParamLocation::Body,
            "accounts",
            OwnershipMatch::Member,
        );
        let body = |value: Value| Parameters {
            body: Some(value),
            ..Default::default()
        };
        let cases: Vec<(&OwnershipConfig, Parameters, Result<(), OwnershipError>)> = vec![
            (&from, body(json!({"from": "a1"})), Ok(())),
            (
                &from,
                body(json!({"from": "a2"})),
                Err(OwnershipError::NotOwner),
            ),
            (
                &from,
                body(json!({"to": "a1"})),
                Err(OwnershipError::MissingParameter),
            ),
            (
                &from,
                body(json!({"from": {"id": "a1"}})),
                Err(OwnershipError::MissingParameter),
            ),
            (
                &from,
                body(json!({"from": null})),
                Err(OwnershipError::MissingParameter),
            ),
            (
                &from,
                Parameters::default(),
                Err(OwnershipError::MissingParameter),
            ),
            (&batch, body(json!({"items": ["a1", "a3"]})), Ok(())),
            (
                &batch,
                body(json!({"items": ["a1", "a2"]})),
                Err(OwnershipError::NotOwner),
            ),
            (
                &batch,
                body(json!({"items": []})),
                Err(OwnershipError::MissingParameter),
            ),
            (
                &batch,
                body(json!({"items": ["a1", {"x": 1}]})),
                Err(OwnershipError::MissingParameter),
            ),
        ];
        for (rule, params, expected) in cases {
            assert_eq!(check(rule, &params, &alice()), expected, "{params:?}");
        }
    }

    #[test]
    fn bypass_roles_skip_the_rule() {
        let member = rule(
            "accountId",
            ParamLocation::Path,
            "accounts",
            OwnershipMatch::Member,
        );
        let mut support = alice();
        support.roles = vec!["support".into()];
        let params = Parameters {
            path: pairs(&[("accountId", "a9")]),
            ..Default::default()
        };
        assert_eq!(check(&member, &params, &support), Ok(()));
    }

    #[test]
    fn a_missing_claim_never_matches() {
        let by_tenant = rule(
            "tenant",
            ParamLocation::Path,
            "tenant",
            OwnershipMatch::Equals,
        );
        let params = Parameters {
            path: pairs(&[("tenant", "")]),
            ..Default::default()
        };
        assert_eq!(
            check(&by_tenant, &params, &alice()),
            Err(OwnershipError::NotOwner)
        );
    }
}
