//! Reading one parameter value as text: decoded exactly once, then checked for what decoding
//! can hide. `%2541` (double encoding), a malformed `%`, raw non-ASCII bytes next to
//! percent-encoding, UTF-8 that does not decode (overlong forms such as `%C0%AE` included),
//! NUL, other control characters and bidirectional overrides are refused. A parameter may allow
//! control characters (never NUL) with `x-palisade-allow-control-characters: true`, and a value
//! that legitimately carries percent-encoding after decoding (a URL in a query parameter) with
//! `x-palisade-allow-encoded-values: true`, which lifts the double-encoding check.

/// What a parameter allows beyond the strict default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allow {
    pub control: bool,
    pub encoded: bool,
}

/// How a location encodes its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoding {
    /// Query strings and form bodies: `%XX` once, `+` is a space.
    Form,
    /// Cookies: `%XX` once, `+` is itself.
    Percent,
    /// Header values and already-decoded path segments: taken as they are.
    Literal,
}

/// Why a value's text was refused; the reason is safe to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    BadPercent,
    DoubleEncoding,
    NonAscii,
    InvalidUtf8,
    Nul,
    Control,
}

impl TextError {
    pub fn reason(self) -> &'static str {
        match self {
            TextError::BadPercent => "invalid percent-encoding",
            TextError::DoubleEncoding => "double percent-encoding",
            TextError::NonAscii => "raw non-ASCII byte, percent-encode it",
            TextError::InvalidUtf8 => "invalid UTF-8 after decoding",
            TextError::Nul => "NUL character",
            TextError::Control => "control character",
        }
    }
}

/// Decodes `raw` as `decoding` says and checks the text.
pub fn read(raw: &str, decoding: Decoding, allow: Allow) -> Result<String, TextError> {
    if !allow.encoded && has_double_encoding(raw.as_bytes()) {
        return Err(TextError::DoubleEncoding);
    }
    let text = match decoding {
        Decoding::Form => decode(raw, true)?,
        Decoding::Percent => decode(raw, false)?,
        Decoding::Literal => raw.to_string(),
    };
    check(&text, allow.control)?;
    Ok(text)
}

fn decode(raw: &str, plus_is_space: bool) -> Result<String, TextError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                out.push(hex_pair(bytes, i + 1).ok_or(TextError::BadPercent)?);
                i += 3;
                continue;
            }
            b'+' if plus_is_space => out.push(b' '),
            b if !b.is_ascii() => return Err(TextError::NonAscii),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| TextError::InvalidUtf8)
}

/// The byte written as two hex digits at `at`.
fn hex_pair(bytes: &[u8], at: usize) -> Option<u8> {
    let pair = bytes.get(at..at + 2)?;
    let digit = |b: u8| char::from(b).to_digit(16);
    let (high, low) = (digit(*pair.first()?)?, digit(*pair.get(1)?)?);
    u8::try_from(high * 16 + low).ok()
}

/// `%25` followed by two hex digits: a value encoded twice, which decoders disagree about.
fn has_double_encoding(bytes: &[u8]) -> bool {
    bytes.windows(5).any(
        |w| matches!(w, [b'%', b'2', b'5', a, b] if a.is_ascii_hexdigit() && b.is_ascii_hexdigit()),
    )
}

fn check(text: &str, allow_control: bool) -> Result<(), TextError> {
    for c in text.chars() {
        if c == '\0' {
            return Err(TextError::Nul);
        }
        if c == '\u{fffd}' {
            // What the host leaves of bytes that were not UTF-8 in a header.
            return Err(TextError::InvalidUtf8);
        }
        if !allow_control && (c.is_control() || is_bidi_control(c)) {
            return Err(TextError::Control);
        }
    }
    Ok(())
}

/// Bidirectional embeddings, overrides and isolates: text that reads differently than it is.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_once_and_refuses_what_decoding_hides() {
        let cases: &[(&str, Decoding, Result<&str, TextError>)] = &[
            ("a+b%20c", Decoding::Form, Ok("a b c")),
            ("a+b", Decoding::Percent, Ok("a+b")),
            ("caf%C3%A9", Decoding::Form, Ok("café")),
            ("100%25", Decoding::Form, Ok("100%")),
            ("%2541", Decoding::Form, Err(TextError::DoubleEncoding)),
            (
                "%252e%252e",
                Decoding::Percent,
                Err(TextError::DoubleEncoding),
            ),
            ("%2541", Decoding::Literal, Err(TextError::DoubleEncoding)),
            ("%41", Decoding::Literal, Ok("%41")),
            ("%4", Decoding::Form, Err(TextError::BadPercent)),
            ("%zz", Decoding::Form, Err(TextError::BadPercent)),
            ("%u0041", Decoding::Form, Err(TextError::BadPercent)),
            ("caf\u{e9}", Decoding::Form, Err(TextError::NonAscii)),
            ("%C0%AE", Decoding::Form, Err(TextError::InvalidUtf8)),
            ("%E0%80%AF", Decoding::Percent, Err(TextError::InvalidUtf8)),
            ("%FF", Decoding::Form, Err(TextError::InvalidUtf8)),
            ("a%00", Decoding::Form, Err(TextError::Nul)),
            ("a%0d%0aSet-Cookie", Decoding::Form, Err(TextError::Control)),
            ("a\u{1}", Decoding::Literal, Err(TextError::Control)),
            ("%C2%85", Decoding::Form, Err(TextError::Control)),
            ("%E2%80%AEtxt", Decoding::Form, Err(TextError::Control)),
            (
                "bad\u{fffd}",
                Decoding::Literal,
                Err(TextError::InvalidUtf8),
            ),
        ];
        for (raw, decoding, expected) in cases {
            let found = read(raw, *decoding, Allow::default());
            assert_eq!(found.as_deref().map_err(|e| *e), *expected, "{raw:?}");
        }
    }

    #[test]
    fn allowances_lift_one_check_each_but_nul_is_never_allowed() {
        let control = Allow {
            control: true,
            encoded: false,
        };
        let encoded = Allow {
            control: false,
            encoded: true,
        };
        assert_eq!(
            read("a%09b", Decoding::Form, control).as_deref(),
            Ok("a\tb")
        );
        assert_eq!(read("a%00", Decoding::Form, control), Err(TextError::Nul));
        assert_eq!(
            read("b%2520c", Decoding::Form, encoded).as_deref(),
            Ok("b%20c")
        );
        assert_eq!(
            read("b%2520c", Decoding::Form, control),
            Err(TextError::DoubleEncoding)
        );
    }
}
