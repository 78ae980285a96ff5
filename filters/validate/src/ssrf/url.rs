//! The strict URL reader: `scheme://host[:port][/path][?query]`, a subset of RFC 3986 that a
//! WHATWG parser reads the same way.
//!
//! Every byte must be one RFC 3986 allows (so no whitespace, controls, backslashes or non-ASCII,
//! which WHATWG strips, converts or maps); the authority is a host and an optional port only;
//! percent-encoding is allowed in the path and query alone, and must be well formed.

use super::host::{self, Host};
use super::UrlError;

/// Longest URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// An accepted URL's parts that decide where a request would go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// Lowercase.
    pub scheme: String,
    pub host: Host,
    /// As written; `None` when absent.
    pub port: Option<u16>,
}

/// Reads `text` as an absolute URL with an authority, or says why not.
pub fn parse(text: &str) -> Result<Url, UrlError> {
    if text.len() > MAX_URL_BYTES {
        return Err(UrlError::TooLong);
    }
    if !text.bytes().all(is_url_byte) {
        return Err(UrlError::ForbiddenCharacter);
    }
    let (scheme, rest) = text.split_once(':').ok_or(UrlError::NotAbsolute)?;
    if !is_scheme(scheme) {
        return Err(UrlError::MalformedScheme);
    }
    let rest = rest.strip_prefix("//").ok_or(UrlError::NoAuthority)?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at_checked(end).ok_or(UrlError::NotAbsolute)?;
    let (host_text, port) = split_authority(authority)?;
    let host = host::classify(host_text)?;
    check_tail(tail)?;
    Ok(Url {
        scheme: scheme.to_ascii_lowercase(),
        host,
        port,
    })
}

/// RFC 3986's unreserved, reserved and `%` characters; nothing else may appear in a URL.
fn is_url_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

/// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
pub fn is_scheme(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

/// The host (brackets kept for IPv6) and the port of an authority without user information.
fn split_authority(authority: &str) -> Result<(&str, Option<u16>), UrlError> {
    if authority.contains('@') {
        return Err(UrlError::UserInfo);
    }
    if authority.contains('%') {
        return Err(UrlError::EncodedHost);
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']').ok_or(UrlError::MalformedIp)?;
        let (host, after) = authority
            .split_at_checked(close + 1)
            .ok_or(UrlError::MalformedIp)?;
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(after.strip_prefix(':').ok_or(UrlError::MalformedPort)?),
            ),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(UrlError::EmptyHost);
    }
    Ok((host, port.map(read_port).transpose()?))
}

/// 1 to 65535, plain digits, no leading zero (parsers disagree on `:0443` and `:`).
fn read_port(text: &str) -> Result<u16, UrlError> {
    let digits = !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || text.starts_with('0') {
        return Err(UrlError::MalformedPort);
    }
    text.parse().map_err(|_| UrlError::MalformedPort)
}

/// Path and query: no fragment, no brackets, well-formed percent-encoding, no dot segments
/// (which each parser resolves in its own way, `%2e` included).
fn check_tail(tail: &str) -> Result<(), UrlError> {
    if tail.contains('#') {
        return Err(UrlError::Fragment);
    }
    if tail.contains(['[', ']']) {
        return Err(UrlError::ForbiddenCharacter);
    }
    if !has_valid_percent_encoding(tail) {
        return Err(UrlError::MalformedPercent);
    }
    let path = tail.split('?').next().unwrap_or_default();
    let is_dot = |segment: &str| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    };
    if path.split('/').any(is_dot) {
        return Err(UrlError::DotSegment);
    }
    Ok(())
}

fn has_valid_percent_encoding(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    })
}
