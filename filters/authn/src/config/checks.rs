//! Field checks beyond what serde enforces: ranges, non-empty names, the JWKS URI.

use palisade_shared::config::ConfigError;

pub(super) fn check_realm(realm: &str) -> Result<(), ConfigError> {
    let printable = realm
        .chars()
        .all(|c| c == ' ' || (c.is_ascii_graphic() && c != '"' && c != '\\'));
    if realm.is_empty() || !printable {
        return Err(ConfigError::new(
            "realm",
            "must be printable ASCII without quotes",
        ));
    }
    Ok(())
}

/// Splits an absolute `http(s)` URI into scheme, authority and path (with query).
pub(super) fn split_uri(uri: &str) -> Result<(String, String, String), &'static str> {
    if !uri.chars().all(|c| c.is_ascii_graphic()) {
        return Err("must be printable ASCII without spaces");
    }
    let (scheme, rest) = uri
        .split_once("://")
        .ok_or("must be an absolute http(s) URI")?;
    if scheme != "http" && scheme != "https" {
        return Err("scheme must be http or https");
    }
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') || authority.contains('?') {
        return Err("must name a host, without user information");
    }
    if path.contains('#') {
        return Err("must not carry a fragment");
    }
    Ok((scheme.to_string(), authority.to_string(), path.to_string()))
}

pub(super) fn non_empty(field: &str, value: &str) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        return Err(ConfigError::new(field, "must not be empty"));
    }
    Ok(())
}

pub(super) fn within(field: &str, value: u64, min: u64, max: u64) -> Result<(), ConfigError> {
    if value < min || value > max {
        return Err(ConfigError::new(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(())
}
