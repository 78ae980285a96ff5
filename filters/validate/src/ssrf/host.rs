//! What a URL's host is: a DNS name, an IPv4 or an IPv6 literal, each checked strictly.
//!
//! WHATWG reads any host whose last label is a number (`127.1`, `0x7f.1`, `2130706433`) as an
//! IPv4 address; RFC 3986 reads it as a name. Such hosts are read the WHATWG way, refused when
//! the address is in a blocked range, and refused anyway unless written in dotted decimal.

use super::punycode;
use super::{ipv4, ranges, UrlError};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Longest DNS name, in bytes.
const MAX_NAME_BYTES: usize = 253;
const MAX_LABEL_BYTES: usize = 63;

/// A URL's host, normalised: names in lowercase, addresses parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Name(String),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

/// Reads a host as written in a URL (IPv6 in brackets); refuses blocked addresses and names
/// reserved for local use whatever any allowlist says.
pub fn classify(text: &str) -> Result<Host, UrlError> {
    if let Some(inner) = text.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or(UrlError::MalformedIp)?;
        let address: Ipv6Addr = inner.parse().map_err(|_| UrlError::MalformedIp)?;
        return match ranges::v6_block(address) {
            Some(range) => Err(UrlError::BlockedAddress(range)),
            None => Ok(Host::V6(address)),
        };
    }
    let lower = text.to_ascii_lowercase();
    if ipv4::looks_numeric(&lower) {
        let address = ipv4::parse_numeric(&lower).ok_or(UrlError::MalformedIp)?;
        if let Some(range) = ranges::v4_block(address) {
            return Err(UrlError::BlockedAddress(range));
        }
        if lower != address.to_string() {
            return Err(UrlError::IpNotation);
        }
        return Ok(Host::V4(address));
    }
    check_name(&lower)?;
    if is_reserved_name(&lower) {
        return Err(UrlError::ReservedName);
    }
    Ok(Host::Name(lower))
}

/// A lowercase DNS name of letter-digit-hyphen labels; `xn--` labels must be real Punycode.
pub fn check_name(name: &str) -> Result<(), UrlError> {
    if name.ends_with('.') {
        return Err(UrlError::TrailingDot);
    }
    if name.is_empty() || name.len() > MAX_NAME_BYTES {
        return Err(UrlError::MalformedHost);
    }
    name.split('.').try_for_each(check_label)
}

fn check_label(label: &str) -> Result<(), UrlError> {
    let ldh = label
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if label.is_empty()
        || label.len() > MAX_LABEL_BYTES
        || !ldh
        || label.starts_with('-')
        || label.ends_with('-')
    {
        return Err(UrlError::MalformedHost);
    }
    // Labels with `--` in the third and fourth places are reserved for encodings (RFC 5891).
    if label.get(2..4) != Some("--") {
        return Ok(());
    }
    let encoded = label
        .strip_prefix("xn--")
        .ok_or(UrlError::MalformedPunycode)?;
    // A real A-label stands for some non-ASCII text, and never for controls or spaces.
    let printable = |text: &str| !text.chars().any(|c| c.is_control() || c.is_whitespace());
    match punycode::decode(encoded) {
        Some(decoded) if !decoded.is_ascii() && printable(&decoded) => Ok(()),
        _ => Err(UrlError::MalformedPunycode),
    }
}

/// `localhost` and its subdomains resolve to loopback (RFC 6761); a single-label name is
/// completed by the resolver's search list, so what it reaches depends on where it is resolved.
fn is_reserved_name(name: &str) -> bool {
    name == "localhost" || name.ends_with(".localhost") || !name.contains('.')
}
