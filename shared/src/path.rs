//! The canonical request path: one reading of `:path` that every filter matches on.
//!
//! A path is accepted only when decoding it once leaves no doubt about what the upstream will
//! see. Anything that different parsers read differently is refused rather than normalised:
//! encoded slashes and backslashes, dot segments (plain or encoded), empty segments, `;`
//! parameters, fragments, control characters, double encoding and invalid UTF-8. Percent-encoded
//! characters that are not ambiguous (`%61` for `a`, `%20` for a space) are decoded once.

/// Why a path was refused; each maps to a 400 answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    Empty,
    NotAbsolute,
    Fragment,
    BadPercentEncoding,
    DoubleEncoding,
    EncodedSlash,
    Backslash,
    ControlCharacter,
    DotSegment,
    EmptySegment,
    PathParameter,
    InvalidUtf8,
    NonAscii,
    EncodedDelimiter,
    InvisibleCharacter,
    LookalikeSeparator,
    TooLong,
}

/// How strictly a path is read; the defaults refuse every ambiguous form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathOptions {
    /// `%2F` inside a segment: refused by default; `keep` leaves it encoded in the segment, so
    /// a parameter still never captures a slash (the upstream must not decode it either).
    #[serde(default)]
    pub encoded_slash: EncodedSlash,
    /// `/accounts/` against `/accounts`: a different path by default (404); `ignore` drops
    /// the trailing slash before matching.
    #[serde(default)]
    pub trailing_slash: TrailingSlash,
}

/// Treatment of `%2F` in a path segment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncodedSlash {
    #[default]
    Refuse,
    Keep,
}

/// Treatment of a trailing `/`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrailingSlash {
    #[default]
    Strict,
    Ignore,
}

impl PathError {
    /// A short, stable reason for problem details and metrics.
    pub fn reason(self) -> &'static str {
        match self {
            PathError::Empty => "empty path",
            PathError::NotAbsolute => "path does not start with /",
            PathError::Fragment => "fragment in request target",
            PathError::BadPercentEncoding => "invalid percent-encoding",
            PathError::DoubleEncoding => "double percent-encoding",
            PathError::EncodedSlash => "encoded slash",
            PathError::Backslash => "backslash",
            PathError::ControlCharacter => "control character",
            PathError::DotSegment => "dot segment",
            PathError::EmptySegment => "empty path segment",
            PathError::PathParameter => "path parameter (;)",
            PathError::InvalidUtf8 => "invalid UTF-8",
            PathError::NonAscii => "raw non-ASCII byte",
            PathError::EncodedDelimiter => "encoded ? or # in path",
            PathError::InvisibleCharacter => "invisible or bidirectional control character",
            PathError::LookalikeSeparator => "character that normalises to a slash or a dot",
            PathError::TooLong => "path too long",
        }
    }
}

/// Longest `:path` (path and query) accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 8192;

/// A request target split and checked: decoded path segments and the raw query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalPath {
    /// Decoded segments; the root path `/` has none.
    pub segments: Vec<String>,
    /// Whether the path ended with `/` after a segment (`/accounts/`).
    pub trailing_slash: bool,
    /// The query string after `?`, undecoded; empty when absent.
    pub query: String,
}

impl CanonicalPath {
    /// Parses a `:path` pseudo-header value with the default, strict options.
    pub fn parse(target: &str) -> Result<CanonicalPath, PathError> {
        Self::parse_with(target, PathOptions::default())
    }

    /// Parses a `:path` pseudo-header value.
    pub fn parse_with(target: &str, options: PathOptions) -> Result<CanonicalPath, PathError> {
        if target.is_empty() {
            return Err(PathError::Empty);
        }
        if target.len() > MAX_PATH_BYTES {
            return Err(PathError::TooLong);
        }
        if target.contains('#') {
            return Err(PathError::Fragment);
        }
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, query),
            None => (target, ""),
        };
        check_raw(query)?;
        let rest = path.strip_prefix('/').ok_or(PathError::NotAbsolute)?;
        if rest.is_empty() {
            return Ok(CanonicalPath {
                segments: Vec::new(),
                trailing_slash: false,
                query: query.to_string(),
            });
        }
        let trailing_slash = rest.ends_with('/');
        let body = if trailing_slash {
            rest.get(..rest.len() - 1).unwrap_or_default()
        } else {
            rest
        };
        let segments = body
            .split('/')
            .map(|raw| decode_segment(raw, options.encoded_slash))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CanonicalPath {
            segments,
            trailing_slash: trailing_slash && options.trailing_slash == TrailingSlash::Strict,
            query: query.to_string(),
        })
    }

    /// The decoded path joined again, for logs and audit (`/accounts/a1`).
    pub fn display(&self) -> String {
        let mut out = String::from("/");
        out.push_str(&self.segments.join("/"));
        if self.trailing_slash {
            out.push('/');
        }
        out
    }
}

/// Checks raw bytes shared by path and query: controls, backslashes and percent-encoding.
fn check_raw(raw: &str) -> Result<(), PathError> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii_control() || b == b' ' {
            return Err(PathError::ControlCharacter);
        }
        if !b.is_ascii() {
            return Err(PathError::NonAscii);
        }
        if b == b'\\' {
            return Err(PathError::Backslash);
        }
        if b == b'%' {
            let decoded = percent_byte(bytes, i)?;
            if decoded == b'%' && is_hex_pair(bytes, i + 3) {
                return Err(PathError::DoubleEncoding);
            }
            if decoded.is_ascii_control() {
                return Err(PathError::ControlCharacter);
            }
            if decoded == b'\\' {
                return Err(PathError::Backslash);
            }
            i += 3;
            continue;
        }
        i += 1;
    }
    Ok(())
}

/// The byte encoded at `bytes[at..at + 3]`, which must be `%` and two hex digits.
fn percent_byte(bytes: &[u8], at: usize) -> Result<u8, PathError> {
    let hex = bytes
        .get(at + 1..at + 3)
        .ok_or(PathError::BadPercentEncoding)?;
    let text = std::str::from_utf8(hex).map_err(|_| PathError::BadPercentEncoding)?;
    if !text.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(PathError::BadPercentEncoding);
    }
    u8::from_str_radix(text, 16).map_err(|_| PathError::BadPercentEncoding)
}

/// Whether `bytes[at..at + 2]` are two hex digits: `%25` followed by them is double encoding.
fn is_hex_pair(bytes: &[u8], at: usize) -> bool {
    bytes
        .get(at..at + 2)
        .is_some_and(|pair| pair.iter().all(u8::is_ascii_hexdigit))
}

fn decode_segment(raw: &str, encoded_slash: EncodedSlash) -> Result<String, PathError> {
    if raw.is_empty() {
        return Err(PathError::EmptySegment);
    }
    if raw.contains(';') {
        return Err(PathError::PathParameter);
    }
    check_raw(raw)?;
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let decoded = percent_byte(bytes, i)?;
            match decoded {
                b'/' if encoded_slash == EncodedSlash::Keep => out.extend_from_slice(b"%2F"),
                b'/' => return Err(PathError::EncodedSlash),
                b';' => return Err(PathError::PathParameter),
                b'?' | b'#' => return Err(PathError::EncodedDelimiter),
                _ => out.push(decoded),
            }
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    let segment = String::from_utf8(out).map_err(|_| PathError::InvalidUtf8)?;
    if segment.chars().any(is_invisible) {
        return Err(PathError::InvisibleCharacter);
    }
    if segment.chars().any(is_lookalike_separator) {
        return Err(PathError::LookalikeSeparator);
    }
    if segment == "." || segment == ".." {
        return Err(PathError::DotSegment);
    }
    Ok(segment)
}

/// C1 controls, bidirectional overrides, zero-width characters and separators that render as
/// nothing or reorder text: a path holding them reads differently to people and programs.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{80}'..='\u{9f}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}'
        | '\u{feff}')
}

/// Characters that Unicode normalisation (NFKC) or Windows "best fit" mappings turn into `/`,
/// `\\` or `.`: an upstream that normalises would see other segments than the filters matched.
fn is_lookalike_separator(c: char) -> bool {
    matches!(
        c,
        '\u{2024}' // one dot leader
            | '\u{2044}' // fraction slash
            | '\u{2215}' // division slash
            | '\u{2216}' // set minus
            | '\u{29f5}'
            ..='\u{29f9}' // reverse solidus operator and kin
            | '\u{3002}' // ideographic full stop
            | '\u{fe52}' // small full stop
            | '\u{fe68}' // small reverse solidus
            | '\u{ff0e}' // fullwidth full stop
            | '\u{ff0f}' // fullwidth solidus
            | '\u{ff3c}' // fullwidth reverse solidus
            | '\u{ff61}' // halfwidth ideographic full stop
    )
}

/// Decodes a query component (`+` is a space, `%XX` once); `None` when malformed.
pub fn decode_query_component(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                out.push(percent_byte(bytes, i).ok()?);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The query's `name=value` pairs, decoded, in order; `None` when any part is malformed.
pub fn query_pairs(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((
                decode_query_component(name)?,
                decode_query_component(value)?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(target: &str) -> Vec<String> {
        CanonicalPath::parse(target).unwrap().segments
    }

    #[test]
    fn splits_plain_paths_and_keeps_the_query_raw() {
        let path = CanonicalPath::parse("/accounts/a1?x=%20y").unwrap();
        assert_eq!(path.segments, vec!["accounts", "a1"]);
        assert_eq!(path.query, "x=%20y");
        assert!(!path.trailing_slash);
        assert_eq!(segments("/"), Vec::<String>::new());
    }

    #[test]
    fn decodes_unambiguous_percent_encoding_once() {
        assert_eq!(segments("/%61ccounts/a%2D1"), vec!["accounts", "a-1"]);
        assert_eq!(segments("/files/caf%C3%A9"), vec!["files", "café"]);
        assert_eq!(segments("/files/a+b"), vec!["files", "a+b"]);
    }

    #[test]
    fn notes_a_trailing_slash() {
        let path = CanonicalPath::parse("/accounts/").unwrap();
        assert_eq!(path.segments, vec!["accounts"]);
        assert!(path.trailing_slash);
    }

    #[test]
    fn refuses_every_ambiguous_form() {
        let cases: &[(&str, PathError)] = &[
            ("", PathError::Empty),
            ("accounts", PathError::NotAbsolute),
            ("*", PathError::NotAbsolute),
            ("http://evil/accounts", PathError::NotAbsolute),
            ("/accounts#frag", PathError::Fragment),
            ("/accounts/%2e%2e/admin", PathError::DotSegment),
            ("/accounts/%2E/admin", PathError::DotSegment),
            ("/accounts/../admin", PathError::DotSegment),
            ("/accounts/./a1", PathError::DotSegment),
            ("/accounts/.%2e/admin", PathError::DotSegment),
            ("/accounts//a1", PathError::EmptySegment),
            ("//accounts", PathError::EmptySegment),
            ("/accounts/a1%2Fb", PathError::EncodedSlash),
            ("/accounts/a1%2fb", PathError::EncodedSlash),
            ("/accounts\\a1", PathError::Backslash),
            ("/accounts/a1%5Cb", PathError::Backslash),
            ("/accounts/a1%5cb", PathError::Backslash),
            ("/accounts;jsessionid=1/a1", PathError::PathParameter),
            ("/accounts/a1%3Bx", PathError::PathParameter),
            ("/accounts/a1%00", PathError::ControlCharacter),
            ("/accounts/a1%0a", PathError::ControlCharacter),
            ("/accounts/a\u{7f}", PathError::ControlCharacter),
            ("/accounts/a\tb", PathError::ControlCharacter),
            ("/accounts/a1%", PathError::BadPercentEncoding),
            ("/accounts/a1%4", PathError::BadPercentEncoding),
            ("/accounts/a1%zz", PathError::BadPercentEncoding),
            ("/accounts/a1%252e", PathError::DoubleEncoding),
            ("/accounts/%252F", PathError::DoubleEncoding),
            ("/accounts/%C0%AE%C0%AE", PathError::InvalidUtf8),
            ("/accounts/%E0%80%AF", PathError::InvalidUtf8),
            ("/accounts/%FF", PathError::InvalidUtf8),
            ("/accounts?a=%00", PathError::ControlCharacter),
            ("/accounts?a=%zz", PathError::BadPercentEncoding),
            ("/accounts?a=%2541", PathError::DoubleEncoding),
            ("/files/café", PathError::NonAscii),
            ("/files/\u{ff0f}admin", PathError::NonAscii),
            ("/accounts/%u002e%u002e", PathError::BadPercentEncoding),
            ("/admin..;/x", PathError::PathParameter),
            ("/admin/..;/x", PathError::PathParameter),
            ("/admin/.", PathError::DotSegment),
            ("/admin/%2e", PathError::DotSegment),
            ("/admin/%2e%2E/", PathError::DotSegment),
            ("/admin/%C0%AF", PathError::InvalidUtf8),
            ("/admin/%E2%80%AE", PathError::InvisibleCharacter),
            ("/admin%E2%80%8B", PathError::InvisibleCharacter),
            ("/admin%C2%85", PathError::InvisibleCharacter),
            ("/admin%3F.json", PathError::EncodedDelimiter),
            (
                "/a1%EF%BC%8F..%EF%BC%8Fhealth",
                PathError::LookalikeSeparator,
            ),
            ("/a1%E2%88%95health", PathError::LookalikeSeparator),
            ("/a1%EF%BC%8E%EF%BC%8E", PathError::LookalikeSeparator),
            ("/a1%EF%BC%BCx", PathError::LookalikeSeparator),
            ("/a1%E3%80%82x", PathError::LookalikeSeparator),
            ("/%2F%2Fevil", PathError::EncodedSlash),
            ("/admin%09", PathError::ControlCharacter),
            ("/admin%7F", PathError::ControlCharacter),
            ("/admin?x#y", PathError::Fragment),
            ("/admin%23x", PathError::EncodedDelimiter),
        ];
        for (target, expected) in cases {
            assert_eq!(
                CanonicalPath::parse(target),
                Err(*expected),
                "target {target:?}"
            );
        }
    }

    #[test]
    fn options_keep_encoded_slashes_and_ignore_trailing_slashes() {
        let options = PathOptions {
            encoded_slash: EncodedSlash::Keep,
            trailing_slash: TrailingSlash::Ignore,
        };
        let path = CanonicalPath::parse_with("/files/a%2fb/", options).unwrap();
        assert_eq!(path.segments, vec!["files", "a%2Fb"]);
        assert!(!path.trailing_slash);
        let strict = CanonicalPath::parse_with("/files/a%2fb/..", options);
        assert_eq!(strict, Err(PathError::DotSegment));
    }

    #[test]
    fn refuses_overlong_targets() {
        let long = format!("/{}", "a".repeat(MAX_PATH_BYTES));
        assert_eq!(CanonicalPath::parse(&long), Err(PathError::TooLong));
    }

    #[test]
    fn decodes_query_pairs_in_order() {
        let pairs = query_pairs("a=1&b=x+y&a=%32&flag").unwrap();
        let expected = [("a", "1"), ("b", "x y"), ("a", "2"), ("flag", "")];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(pairs, expected);
        assert_eq!(query_pairs("a=%zz"), None);
    }
}
