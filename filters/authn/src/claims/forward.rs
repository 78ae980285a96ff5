//! Claims that leave the filter: kept in the principal for later filters (`keep_claims`, and the
//! roles claim), and forwarded to the upstream as configured headers (`claim_headers`).

use palisade_shared::config::ConfigError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Headers a claim may never be forwarded in: credentials, framing, routing and the identity
/// headers the filter sets itself.
const RESERVED_HEADERS: [&str; 12] = [
    "authorization",
    "cookie",
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "te",
    "upgrade",
    "x-palisade-subject",
    "x-palisade-client-id",
    "x-palisade-scopes",
];
/// Most claims one configuration may keep or forward.
const MAX_CLAIMS: usize = 32;

/// A claim forwarded upstream in a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimHeader {
    pub claim: String,
    pub header: String,
}

/// The claim `name`, or the value at its dotted path when no claim has the whole name.
pub fn lookup<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(name) {
        return Some(value);
    }
    let mut parts = name.split('.');
    let first = claims.get(parts.next()?)?;
    parts.try_fold(first, |value, part| value.as_object()?.get(part))
}

/// The claims named in `names` that the token carries, keyed by the configured name.
pub fn kept(claims: &Map<String, Value>, names: &[String]) -> BTreeMap<String, Value> {
    names
        .iter()
        .filter_map(|name| Some((name.clone(), lookup(claims, name)?.clone())))
        .collect()
}

/// A claim value as one header value: strings as they are, numbers and booleans printed, arrays
/// of those joined by `,`; `None` for anything else or an item that itself holds a comma.
pub fn header_value(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Array(items) => {
            let items: Option<Vec<String>> = items
                .iter()
                .map(|item| header_value(item).filter(|text| !text.contains(',')))
                .collect();
            items.map(|items| items.join(","))
        }
        Value::Null | Value::Object(_) => None,
    }
}

/// Checks `keep_claims`.
pub fn load_keep_claims(names: Vec<String>) -> Result<Vec<String>, ConfigError> {
    let mut seen: Vec<&String> = Vec::new();
    for name in &names {
        if name.trim().is_empty() || seen.contains(&name) {
            return Err(ConfigError::new(
                "keep_claims",
                "names must be non-empty and unique",
            ));
        }
        seen.push(name);
    }
    if names.len() > MAX_CLAIMS {
        return Err(ConfigError::new(
            "keep_claims",
            "must list at most 32 claims",
        ));
    }
    Ok(names)
}

/// Checks `claim_headers` (claim name → header name).
pub fn load_claim_headers(raw: BTreeMap<String, String>) -> Result<Vec<ClaimHeader>, ConfigError> {
    if raw.len() > MAX_CLAIMS {
        return Err(ConfigError::new(
            "claim_headers",
            "must map at most 32 claims",
        ));
    }
    let mut headers: Vec<ClaimHeader> = Vec::with_capacity(raw.len());
    for (claim, header) in raw {
        let at = format!("claim_headers.{claim}");
        if claim.trim().is_empty() {
            return Err(ConfigError::new(
                "claim_headers",
                "claim names must not be empty",
            ));
        }
        let token = !header.is_empty()
            && header
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !token || RESERVED_HEADERS.contains(&header.as_str()) {
            let why = "must be a lower-case header name that is not reserved";
            return Err(ConfigError::new(at, why));
        }
        if headers.iter().any(|known| known.header == header) {
            return Err(ConfigError::new(at, "names a header used twice"));
        }
        headers.push(ClaimHeader { claim, header });
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn looks_up_whole_names_before_dotted_paths() {
        let claims = json!({"realm_access": {"roles": ["a"]}, "https://x.test/tenant": "t",
                            "a.b": 1, "a": {"b": 2}});
        let claims = claims.as_object().unwrap();
        assert_eq!(lookup(claims, "realm_access.roles"), Some(&json!(["a"])));
        assert_eq!(lookup(claims, "https://x.test/tenant"), Some(&json!("t")));
        assert_eq!(lookup(claims, "a.b"), Some(&json!(1)));
        assert_eq!(lookup(claims, "realm_access.roles.x"), None);
        assert_eq!(lookup(claims, "missing.path"), None);
    }

    #[test]
    fn turns_claim_values_into_header_values() {
        let cases = [
            (json!("acme"), Some("acme")),
            (json!(42), Some("42")),
            (json!(true), Some("true")),
            (json!(["a1", "a2", 3]), Some("a1,a2,3")),
            (json!(["a,b"]), None),
            (json!([["nested"]]), Some("nested")),
            (json!({"o": 1}), None),
            (json!(null), None),
        ];
        for (value, expected) in cases {
            assert_eq!(header_value(&value).as_deref(), expected, "{value}");
        }
    }

    #[test]
    fn refuses_reserved_malformed_or_repeated_headers() {
        let cases = [
            json!({"tenant": "authorization"}),
            json!({"tenant": "X-Tenant"}),
            json!({"tenant": "x tenant"}),
            json!({"tenant": ""}),
            json!({"tenant": "x-palisade-subject"}),
            json!({"tenant": "x-t", "org": "x-t"}),
        ];
        for raw in cases {
            let raw: BTreeMap<String, String> = serde_json::from_value(raw.clone()).unwrap();
            assert!(load_claim_headers(raw).is_err());
        }
        let good: BTreeMap<String, String> =
            serde_json::from_value(json!({"tenant": "x-palisade-tenant"})).unwrap();
        assert_eq!(
            load_claim_headers(good).unwrap()[0].header,
            "x-palisade-tenant"
        );
        assert!(load_keep_claims(vec!["a".into(), "a".into()]).is_err());
    }
}
