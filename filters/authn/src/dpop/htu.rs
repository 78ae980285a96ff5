//! The `htu` comparison of RFC 9449 §4.3: the proof's URI against the request's, query and
//! fragment ignored, after the syntax- and scheme-based normalisation of RFC 3986 §6.2.2–6.2.3.
//!
//! Normalised: scheme and host to lower case; the default port (80 for http, 443 for https) and
//! an empty port dropped; an empty path made `/`; percent-encodings of unreserved characters
//! decoded and the others written with upper-case hex digits; dot segments removed. Only
//! `http` and `https` URIs without user information are accepted; anything that cannot be
//! normalised never matches.

/// The normalised form of an absolute `http(s)` URI, without query and fragment.
pub fn normalize(uri: &str) -> Option<String> {
    let uri = uri.split(['?', '#']).next().unwrap_or_default();
    let (scheme, rest) = uri.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let (authority, path) = rest.split_at_checked(rest.find('/').unwrap_or(rest.len()))?;
    let authority = normalize_authority(authority, default_port)?;
    Some(format!("{scheme}://{authority}{}", normalize_path(path)?))
}

/// The request's own URI, from its scheme, authority and `:path`; query dropped.
pub fn request_uri(origin: &str, path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    normalize(&format!("{origin}{path}"))
}

fn normalize_authority(authority: &str, default_port: u16) -> Option<String> {
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.rfind(':') {
        // An IPv6 literal's own colons sit inside the brackets.
        Some(at) if !authority.get(at..)?.contains(']') => authority.split_at_checked(at)?,
        _ => (authority, ""),
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~[]:!$&'()*+,;=%".contains(&b));
    if !host_ok {
        return None;
    }
    let host = host.to_ascii_lowercase();
    let port = port.strip_prefix(':').unwrap_or(port);
    if port.is_empty() {
        return Some(host);
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match port.parse::<u16>().ok()? {
        port if port == default_port => Some(host),
        port => Some(format!("{host}:{port}")),
    }
}

fn normalize_path(path: &str) -> Option<String> {
    let mut decoded = String::with_capacity(path.len().max(1));
    let mut bytes = path.bytes();
    while let Some(byte) = bytes.next() {
        match byte {
            b'%' => {
                let high = hex_digit(bytes.next()?)?;
                let low = hex_digit(bytes.next()?)?;
                let value = high * 16 + low;
                if value.is_ascii_alphanumeric() || b"-._~".contains(&value) {
                    decoded.push(char::from(value));
                } else {
                    decoded.push_str(&format!("%{value:02X}"));
                }
            }
            b if b.is_ascii_graphic() => decoded.push(char::from(b)),
            _ => return None,
        }
    }
    Some(remove_dot_segments(&decoded))
}

fn hex_digit(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

/// RFC 3986 §5.2.4 for an absolute path (or an empty one, which becomes `/`).
fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut output: Vec<&str> = Vec::with_capacity(segments.len());
    let count = segments.len();
    for (index, segment) in segments.into_iter().enumerate() {
        let last = index + 1 == count;
        match segment {
            "." => {}
            ".." => {
                output.pop();
            }
            other => {
                output.push(other);
                continue;
            }
        }
        if last {
            output.push("");
        }
    }
    format!("/{}", output.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_as_rfc_3986_says() {
        let cases = [
            (
                "https://api.example.com/accounts",
                "https://api.example.com/accounts",
            ),
            (
                "HTTPS://API.Example.COM/accounts",
                "https://api.example.com/accounts",
            ),
            ("https://api.example.com:443/a", "https://api.example.com/a"),
            ("http://api.example.com:80/a", "http://api.example.com/a"),
            (
                "http://api.example.com:443/a",
                "http://api.example.com:443/a",
            ),
            ("https://api.example.com:/a", "https://api.example.com/a"),
            (
                "https://api.example.com:08443/a",
                "https://api.example.com:8443/a",
            ),
            ("https://api.example.com", "https://api.example.com/"),
            (
                "https://api.example.com/a?x=1#f",
                "https://api.example.com/a",
            ),
            ("https://api.example.com#f", "https://api.example.com/"),
            ("https://h/a/./b/../c", "https://h/a/c"),
            ("https://h/a/..", "https://h/"),
            ("https://h/../a", "https://h/a"),
            ("https://h/a/%2e%2E/b", "https://h/b"),
            ("https://h/%7euser/%41", "https://h/~user/A"),
            ("https://h/a%2fb%3a", "https://h/a%2Fb%3A"),
            ("https://h/a//b/", "https://h/a//b/"),
            ("https://[::1]:8443/a", "https://[::1]:8443/a"),
            ("https://[::1]/a", "https://[::1]/a"),
            (
                "http://127.0.0.1:20000/accounts",
                "http://127.0.0.1:20000/accounts",
            ),
        ];
        for (uri, expected) in cases {
            assert_eq!(normalize(uri).as_deref(), Some(expected), "{uri}");
        }
    }

    #[test]
    fn refuses_what_cannot_be_compared() {
        let cases = [
            "",
            "/accounts",
            "api.example.com/accounts",
            "ftp://h/a",
            "https:///a",
            "https://user@h/a",
            "https://h:x/a",
            "https://h:99999/a",
            "https://h/a%2",
            "https://h/a%zz",
            "https://h/a b",
            "https://h/é",
            "https://h\"/a",
        ];
        for uri in cases {
            assert_eq!(normalize(uri), None, "{uri}");
        }
    }

    #[test]
    fn builds_the_request_uri_from_its_parts() {
        let cases = [
            (
                "https://api.test",
                "/a/../b?q=1",
                Some("https://api.test/b"),
            ),
            ("http://127.0.0.1:80", "/x", Some("http://127.0.0.1/x")),
            ("https://api.test", "*", None),
            ("https://api.test", "http://other/x", None),
        ];
        for (origin, path, expected) in cases {
            assert_eq!(request_uri(origin, path).as_deref(), expected, "{path}");
        }
    }
}
