//! `Content-Type` values and the media ranges an operation declares.
//!
//! The request's media type is parsed by RFC 9110's grammar (type, subtype, `;`-separated
//! parameters), compared case-insensitively and matched only against what the operation
//! declares: `application/json-patch+json` is not `application/json`, and nothing that does not
//! parse (`application/json, text/plain` from two headers, a stray character) is guessed at.

/// A parsed request media type; type, subtype and parameter names are lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    pub kind: String,
    pub subtype: String,
    pub parameters: Vec<(String, String)>,
}

/// Why a `Content-Type` value was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedMediaType;

impl MediaType {
    pub fn parse(text: &str) -> Result<MediaType, MalformedMediaType> {
        let mut parts = text.split(';');
        let essence = parts.next().unwrap_or_default().trim_matches(is_ows);
        let (kind, subtype) = essence.split_once('/').ok_or(MalformedMediaType)?;
        if !is_token(kind) || !is_token(subtype) {
            return Err(MalformedMediaType);
        }
        let mut parameters: Vec<(String, String)> = Vec::new();
        for part in parts {
            let part = part.trim_matches(is_ows);
            if part.is_empty() {
                continue;
            }
            let (name, value) = parameter(part)?;
            if parameters.iter().any(|(seen, _)| *seen == name) {
                return Err(MalformedMediaType);
            }
            parameters.push((name, value));
        }
        Ok(MediaType {
            kind: kind.to_ascii_lowercase(),
            subtype: subtype.to_ascii_lowercase(),
            parameters,
        })
    }

    /// `application/json` or any `+json` structured-syntax type.
    pub fn is_json(&self) -> bool {
        (self.kind == "application" && self.subtype == "json") || self.subtype.ends_with("+json")
    }

    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// JSON is UTF-8 (RFC 8259); a JSON body declared in another charset is refused.
    pub fn has_acceptable_charset(&self) -> bool {
        !self.is_json()
            || self
                .parameter("charset")
                .is_none_or(|charset| charset.eq_ignore_ascii_case("utf-8"))
    }

    pub fn essence(&self) -> String {
        format!("{}/{}", self.kind, self.subtype)
    }
}

/// One `name=value` parameter; the value a token or a quoted string (unescaped).
fn parameter(part: &str) -> Result<(String, String), MalformedMediaType> {
    let (name, value) = part.split_once('=').ok_or(MalformedMediaType)?;
    if !is_token(name) {
        return Err(MalformedMediaType);
    }
    let value = match value.strip_prefix('"') {
        Some(quoted) => unquote(quoted)?,
        None if is_token(value) => value.to_string(),
        None => return Err(MalformedMediaType),
    };
    Ok((name.to_ascii_lowercase(), value))
}

/// The rest of a quoted string after its opening quote; nothing may follow the closing one.
fn unquote(rest: &str) -> Result<String, MalformedMediaType> {
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' if chars.as_str().is_empty() => return Ok(out),
            '"' => return Err(MalformedMediaType),
            '\\' => out.push(chars.next().ok_or(MalformedMediaType)?),
            c if c == '\t' || (' '..='~').contains(&c) => out.push(c),
            _ => return Err(MalformedMediaType),
        }
    }
    Err(MalformedMediaType)
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// RFC 9110 `token`: one or more `tchar`.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A media range an operation declares under `requestBody.content`: exact, `type/*` or `*/*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRange {
    /// `None` stands for `*`.
    kind: Option<String>,
    subtype: Option<String>,
}

impl MediaRange {
    /// Reads a `content` key; parameters in it are ignored.
    pub fn parse(text: &str) -> Result<MediaRange, MalformedMediaType> {
        let media = MediaType::parse(text)?;
        let wild = |part: String| (part != "*").then_some(part);
        let range = MediaRange {
            kind: wild(media.kind),
            subtype: wild(media.subtype),
        };
        if range.kind.is_none() && range.subtype.is_some() {
            return Err(MalformedMediaType);
        }
        Ok(range)
    }

    pub fn matches(&self, media: &MediaType) -> bool {
        self.kind.as_ref().is_none_or(|kind| *kind == media.kind)
            && self
                .subtype
                .as_ref()
                .is_none_or(|sub| *sub == media.subtype)
    }

    /// 2 for an exact type, 1 for `type/*`, 0 for `*/*`: the most specific match wins.
    pub fn specificity(&self) -> u8 {
        u8::from(self.kind.is_some()) + u8::from(self.subtype.is_some())
    }
}

impl std::fmt::Display for MediaRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let part = |p: &Option<String>| p.clone().unwrap_or_else(|| "*".to_string());
        write!(f, "{}/{}", part(&self.kind), part(&self.subtype))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_range() -> MediaRange {
        MediaRange::parse("application/json").unwrap()
    }

    #[test]
    fn content_types_against_a_declared_application_json() {
        let cases = [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("application/json;charset=\"UTF-8\"", true),
            ("APPLICATION/JSON", true),
            ("  application/json\t", true),
            ("application/json-patch+json", false),
            ("application/jsonx", false),
            ("text/plain", false),
            ("application/merge-patch+json", false),
        ];
        for (header, expected) in cases {
            let media = MediaType::parse(header).unwrap();
            assert_eq!(json_range().matches(&media), expected, "{header}");
        }
    }

    #[test]
    fn refuses_what_does_not_parse() {
        for header in [
            "",
            "application",
            "application/",
            "/json",
            "application/json, text/plain",
            "application/json; charset",
            "application/json; charset=\"utf-8",
            "application/json; charset=\"utf-8\"x",
            "application/json; charset=utf-8; charset=latin1",
            "application/js on",
            "application/json; a=b c",
        ] {
            assert_eq!(
                MediaType::parse(header),
                Err(MalformedMediaType),
                "{header:?}"
            );
        }
    }

    #[test]
    fn json_bodies_must_be_utf_8() {
        let charset_ok = |h: &str| MediaType::parse(h).unwrap().has_acceptable_charset();
        assert!(charset_ok("application/json"));
        assert!(charset_ok("application/json; charset=UTF-8"));
        assert!(!charset_ok("application/json; charset=iso-8859-1"));
        assert!(!charset_ok("application/problem+json; charset=utf-16"));
        assert!(charset_ok("text/plain; charset=iso-8859-1"));
    }

    #[test]
    fn ranges_match_by_specificity() {
        let json = MediaType::parse("application/json").unwrap();
        let patch = MediaType::parse("application/json-patch+json").unwrap();
        let any_application = MediaRange::parse("application/*").unwrap();
        let anything = MediaRange::parse("*/*").unwrap();
        assert!(any_application.matches(&patch) && anything.matches(&json));
        assert!(!MediaRange::parse("text/*").unwrap().matches(&json));
        assert_eq!(
            (
                json_range().specificity(),
                any_application.specificity(),
                anything.specificity()
            ),
            (2, 1, 0)
        );
        assert!(MediaRange::parse("*/json").is_err());
        assert_eq!(any_application.to_string(), "application/*");
        assert!(MediaType::parse("application/vnd.api+json")
            .unwrap()
            .is_json());
        assert!(!MediaType::parse("application/jsonx").unwrap().is_json());
    }
}
