//! Outbound URLs in request bodies (webhooks, callbacks, fetch-this-image fields), checked so
//! that the API cannot be steered into calling what it should not reach (SSRF).
//!
//! A string the contract marks with `x-palisade-url-allowlist: <name>` (on a `format: uri`
//! schema) must be an absolute URL that a strict RFC 3986 reader and a WHATWG URL parser (what
//! most HTTP clients use) read the same way; whatever they could read differently is refused,
//! never normalised: user information, backslashes, whitespace, percent-encoded or non-ASCII
//! hosts, IP addresses in any notation but dotted decimal, trailing dots, fragments. Literal IP
//! addresses in loopback, private, link-local, shared, multicast, reserved and cloud-metadata
//! ranges are refused in every notation, whatever the allowlist says. Then the scheme, the host
//! and the port must be on the named allowlist from the configuration's `url_allowlists`.
//!
//! Limitation: DNS names are not resolved (the filter cannot, and the answer could change before
//! the API connects). A listed name that resolves to a private address, or a name under a
//! wildcard that an attacker controls, must be stopped by the API's egress policy (a proxy or
//! firewall that checks the connected address); this filter checks literals and allowlists.

mod allowlist;
mod host;
mod ipv4;
mod punycode;
mod ranges;
mod url;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_addresses;

pub use allowlist::{RawAllowlist, UrlPolicies, UrlPolicy};
pub use host::Host;
pub use url::{parse, Url};

/// The schema extension naming the allowlist a URL field is checked against.
pub const EXTENSION: &str = "x-palisade-url-allowlist";

/// Why a URL was refused; the reason never quotes the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    TooLong,
    ForbiddenCharacter,
    NotAbsolute,
    MalformedScheme,
    NoAuthority,
    UserInfo,
    EncodedHost,
    EmptyHost,
    MalformedPort,
    Fragment,
    MalformedPercent,
    DotSegment,
    MalformedHost,
    TrailingDot,
    MalformedPunycode,
    IpNotation,
    MalformedIp,
    /// A literal address in a range outbound calls must never reach; names the range.
    BlockedAddress(&'static str),
    ReservedName,
    SchemeNotAllowed,
    HostNotAllowed,
    PortNotAllowed,
}

impl UrlError {
    /// The violation's reason, e.g. `URL refused: points at a loopback address`.
    pub fn reason(self) -> String {
        let why = match self {
            UrlError::TooLong => "is longer than 2048 bytes",
            UrlError::ForbiddenCharacter => {
                "holds a character a URL must not (whitespace, control, backslash, non-ASCII, ...)"
            }
            UrlError::NotAbsolute => "is not an absolute URL",
            UrlError::MalformedScheme => "has a malformed scheme",
            UrlError::NoAuthority => "has no //host part",
            UrlError::UserInfo => "carries user information (@) in the authority",
            UrlError::EncodedHost => "has a percent-encoded host",
            UrlError::EmptyHost => "has no host",
            UrlError::MalformedPort => "has a malformed port",
            UrlError::Fragment => "carries a fragment (#)",
            UrlError::MalformedPercent => "has a malformed percent-encoding",
            UrlError::DotSegment => "has a . or .. path segment",
            UrlError::MalformedHost => "has a malformed host name",
            UrlError::TrailingDot => "has a host name ending in a dot",
            UrlError::MalformedPunycode => "has a malformed internationalised (xn--) label",
            UrlError::IpNotation => "writes an IP address in a notation other than dotted decimal",
            UrlError::MalformedIp => "has a malformed IP address",
            UrlError::BlockedAddress(range) => {
                return format!("URL refused: points at a {range} address")
            }
            UrlError::ReservedName => "names a host reserved for local use",
            UrlError::SchemeNotAllowed => "uses a scheme the allowlist does not allow",
            UrlError::HostNotAllowed => "names a host the allowlist does not allow",
            UrlError::PortNotAllowed => "uses a port the allowlist does not allow",
        };
        format!("URL refused: {why}")
    }
}
