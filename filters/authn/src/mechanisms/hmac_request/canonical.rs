//! The canonical request: the exact text a client signs, rebuilt from what Envoy received.
//!
//! Lines joined by a line feed (no final one): the scheme name `PALISADE-HMAC-SHA256`, the key
//! id, the timestamp and the nonce as sent, the method, the canonical path, the canonical
//! query, the `signedHeaders` list as sent, then one `name:value` line per signed header in
//! that order. Paths and queries are decoded once and encoded again (RFC 3986: everything but
//! `A-Z a-z 0-9 - . _ ~` as `%XX`, uppercase hex), so equivalent spellings sign the same text.
//! See `filters/authn/HMAC.md` for the whole specification.

use super::authorization::Parameters;
use palisade_shared::path::{decode_query_component, CanonicalPath};

/// The first line of every canonical request.
pub const ALGORITHM_LINE: &str = "PALISADE-HMAC-SHA256";

/// Why the canonical request could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanonicalError {
    /// The query does not decode (bad percent-encoding or not UTF-8).
    BadQuery,
    /// A signed header is not in the request.
    MissingSignedHeader,
    /// A signed header occurs more than once in the request.
    DuplicateSignedHeader,
}

/// What the canonical request is built from.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub path: &'a CanonicalPath,
    /// Every request header as Envoy holds it (lowercase names, `:authority` for the host).
    pub headers: &'a [(&'a str, &'a str)],
}

/// The text the client must have signed.
pub fn canonical_request(
    parameters: &Parameters<'_>,
    request: &SignedRequest<'_>,
) -> Result<String, CanonicalError> {
    let mut lines = vec![
        ALGORITHM_LINE.to_string(),
        parameters.key_id.to_string(),
        parameters.timestamp_text.to_string(),
        parameters.nonce.to_string(),
        request.method.to_string(),
        canonical_path(request.path),
        canonical_query(&request.path.query).ok_or(CanonicalError::BadQuery)?,
        parameters.signed_headers_list.to_string(),
    ];
    for name in &parameters.signed_headers {
        let value = header_value(request.headers, name)?;
        lines.push(format!("{name}:{value}"));
    }
    Ok(lines.join("\n"))
}

/// `/` and each decoded segment encoded again; a trailing slash is kept.
pub fn canonical_path(path: &CanonicalPath) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| encode(s)).collect();
    let mut out = format!("/{}", segments.join("/"));
    if path.trailing_slash {
        out.push('/');
    }
    out
}

/// Pairs decoded (`+` is a space), sorted by name then value, encoded again, joined by `&`;
/// a pair without `=` gets an empty value. `None` when the query does not decode.
pub fn canonical_query(raw: &str) -> Option<String> {
    let mut pairs = raw
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((
                decode_query_component(name)?,
                decode_query_component(value)?,
            ))
        })
        .collect::<Option<Vec<(String, String)>>>()?;
    pairs.sort();
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect();
    Some(encoded.join("&"))
}

/// Percent-encodes every byte outside RFC 3986's unreserved set.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The one value of a signed header, trimmed of spaces and tabs; `host` reads `:authority`.
fn header_value<'h>(
    headers: &'h [(&'h str, &'h str)],
    name: &str,
) -> Result<&'h str, CanonicalError> {
    let wanted = if name == "host" { ":authority" } else { name };
    let mut values = headers
        .iter()
        .filter(|(n, _)| *n == wanted)
        .map(|(_, v)| v.trim_matches([' ', '\t']));
    let value = values.next().ok_or(CanonicalError::MissingSignedHeader)?;
    if values.next().is_some() {
        return Err(CanonicalError::DuplicateSignedHeader);
    }
    Ok(value)
}

#[cfg(test)]
#[path = "canonical_tests.rs"]
mod tests;
