//! Strict configuration loading: unknown fields refused, errors name the field.

use serde::de::DeserializeOwned;

/// Why a filter refuses its configuration; `field` is a dotted path such as `jwks.cluster`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub field: String,
    pub reason: String,
}

impl ConfigError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "invalid configuration: {}", self.reason)
        } else {
            write!(
                f,
                "invalid configuration: field `{}`: {}",
                self.field, self.reason
            )
        }
    }
}

/// Parses a JSON configuration into `T`, naming the offending field on failure.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ConfigError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let field = err.path().to_string();
        let field = if field == "." { String::new() } else { field };
        ConfigError::new(field, strip_position(&err.inner().to_string()))
    })?;
    deserializer
        .end()
        .map_err(|err| ConfigError::new("", strip_position(&err.to_string())))?;
    Ok(value)
}

/// serde_json appends "at line L column C"; the field path is more useful to an operator.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message.get(..at).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        cluster: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        jwks: Inner,
    }

    #[test]
    fn names_the_unknown_field_with_its_path() {
        let err = parse::<Outer>(br#"{"jwks":{"cluster":"a","clutser":1}}"#).unwrap_err();
        assert_eq!(err.field, "jwks.clutser");
        assert!(err.reason.contains("unknown field `clutser`"), "{err}");
    }

    #[test]
    fn names_a_field_of_the_wrong_type() {
        let err = parse::<Outer>(br#"{"jwks":{"cluster":7}}"#).unwrap_err();
        assert_eq!(err.field, "jwks.cluster");
        assert!(!err.reason.contains("line"), "{err}");
    }

    #[test]
    fn refuses_trailing_garbage_and_non_json() {
        assert!(parse::<Outer>(br#"{"jwks":{"cluster":"a"}} x"#).is_err());
        assert!(parse::<Outer>(b"not json").is_err());
    }
}
