//! The `format` values this validator asserts; any other format name is an annotation only.

use serde_json::Value;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A format checked on request values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    DateTime,
    Date,
    Time,
    Uuid,
    Email,
    /// RFC 3986 absolute URI (syntax only; where it may point is `ssrf`'s business).
    Uri,
    Ipv4,
    Ipv6,
    /// OpenAPI's integer widths: the value must fit a signed 32- or 64-bit integer.
    Int32,
    Int64,
}

impl Format {
    /// The format for a schema's `format` name; `None` for names that are not asserted.
    pub fn named(name: &str) -> Option<Format> {
        let format = match name {
            "date-time" => Format::DateTime,
            "date" => Format::Date,
            "time" => Format::Time,
            "uuid" => Format::Uuid,
            "email" => Format::Email,
            "uri" => Format::Uri,
            "ipv4" => Format::Ipv4,
            "ipv6" => Format::Ipv6,
            "int32" => Format::Int32,
            "int64" => Format::Int64,
            _ => return None,
        };
        Some(format)
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::DateTime => "date-time",
            Format::Date => "date",
            Format::Time => "time",
            Format::Uuid => "uuid",
            Format::Email => "email",
            Format::Uri => "uri",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
            Format::Int32 => "int32",
            Format::Int64 => "int64",
        }
    }

    /// Whether `value` satisfies the format; values of other types than the format's pass.
    pub fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (Format::Int32, Value::Number(n)) => fits(n, i64::from(i32::MIN), i64::from(i32::MAX)),
            (Format::Int64, Value::Number(n)) => fits(n, i64::MIN, i64::MAX),
            (_, Value::String(text)) => self.accepts_text(text),
            _ => true,
        }
    }

    fn accepts_text(self, text: &str) -> bool {
        let bytes = text.as_bytes();
        match self {
            Format::DateTime => is_date_time(bytes),
            Format::Date => is_date(bytes),
            Format::Time => is_time(bytes),
            Format::Uuid => is_uuid(bytes),
            Format::Email => is_email(text),
            Format::Uri => is_uri(text),
            Format::Ipv4 => text.parse::<Ipv4Addr>().is_ok(),
            Format::Ipv6 => text.parse::<Ipv6Addr>().is_ok(),
            Format::Int32 | Format::Int64 => true,
        }
    }
}

fn fits(n: &serde_json::Number, min: i64, max: i64) -> bool {
    if let Some(i) = n.as_i64() {
        return (min..=max).contains(&i);
    }
    if n.as_u64().is_some() {
        return false;
    }
    // Limitation: a float near the i64 bounds is compared after rounding to f64.
    n.as_f64()
        .is_some_and(|f| f.fract() == 0.0 && f >= min as f64 && f <= max as f64)
}

/// `n` ASCII digits at `at`, as a number.
fn digits(bytes: &[u8], at: usize, n: usize) -> Option<u32> {
    let slice = bytes.get(at..at + n)?;
    slice.iter().try_fold(0_u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// RFC 3339 `date-time`: a full date, `T`, a full time (the separator in either case).
fn is_date_time(bytes: &[u8]) -> bool {
    matches!(bytes.get(10), Some(b'T' | b't'))
        && is_date(bytes.get(..10).unwrap_or_default())
        && is_time(bytes.get(11..).unwrap_or_default())
}

/// RFC 3339 `full-date`, with the day checked against the month and leap years.
fn is_date(bytes: &[u8]) -> bool {
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (
        digits(bytes, 0, 4),
        digits(bytes, 5, 2),
        digits(bytes, 8, 2),
    ) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// RFC 3339 `full-time`: `HH:MM:SS`, optional fraction, then `Z` or a numeric offset. A leap
/// second (`:60`) is accepted only where it can occur, at 23:59 UTC.
fn is_time(bytes: &[u8]) -> bool {
    if bytes.get(2) != Some(&b':') || bytes.get(5) != Some(&b':') {
        return false;
    }
    let (Some(hour), Some(minute), Some(second)) = (
        digits(bytes, 0, 2),
        digits(bytes, 3, 2),
        digits(bytes, 6, 2),
    ) else {
        return false;
    };
    let mut at = 8;
    if bytes.get(at) == Some(&b'.') {
        let fraction = bytes.get(at + 1..).unwrap_or_default();
        let count = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 {
            return false;
        }
        at += 1 + count;
    }
    let Some(offset) = offset_minutes(bytes.get(at..).unwrap_or_default()) else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let utc_minutes = (i64::from(hour * 60 + minute) - offset).rem_euclid(24 * 60);
    second < 60 || utc_minutes == 23 * 60 + 59
}

/// `Z` (0) or `±HH:MM` (signed minutes east of UTC).
fn offset_minutes(bytes: &[u8]) -> Option<i64> {
    match bytes.first()? {
        b'Z' | b'z' if bytes.len() == 1 => Some(0),
        sign @ (b'+' | b'-') if bytes.len() == 6 && bytes.get(3) == Some(&b':') => {
            let (hours, minutes) = (digits(bytes, 1, 2)?, digits(bytes, 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = i64::from(hours * 60 + minutes);
            Some(if *sign == b'-' { -total } else { total })
        }
        _ => None,
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(bytes: &[u8]) -> bool {
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// An RFC 5321 mailbox with a dot-atom local part and a host name or address literal.
///
/// Limitation: quoted local parts and internationalised addresses are refused.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    is_dot_atom(local) && local.len() <= 64 && (is_hostname(domain) || is_address_literal(domain))
}

/// A scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`), `:`, then only URI characters,
/// each `%` followed by two hex digits, at most one `#`.
fn is_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut letters = scheme.chars();
    let scheme_ok = letters.next().is_some_and(|c| c.is_ascii_alphabetic())
        && letters.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let bytes = rest.as_bytes();
    let escapes_ok = bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|pair| pair.iter().all(u8::is_ascii_hexdigit))
    });
    let chars_ok = rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b));
    scheme_ok && escapes_ok && chars_ok && rest.matches('#').count() <= 1
}

fn is_dot_atom(text: &str) -> bool {
    const SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~";
    !text.is_empty()
        && text.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || SPECIALS.contains(&b))
        })
}

fn is_hostname(text: &str) -> bool {
    text.len() <= 253
        && text.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_address_literal(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
        return false;
    };
    match inner.strip_prefix("IPv6:") {
        Some(v6) => v6.parse::<Ipv6Addr>().is_ok(),
        None => inner.parse::<Ipv4Addr>().is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn checks_each_format_on_good_and_bad_values() {
        let cases = [
            (Format::DateTime, json!("2026-12-04T16:49:00Z"), true),
            (
                Format::DateTime,
                json!("2026-12-04t16:49:00.123+01:00"),
                true,
            ),
            (Format::DateTime, json!("2026-12-04 16:49:00Z"), false),
            (Format::DateTime, json!("2026-12-04T16:49:00"), false),
            (Format::DateTime, json!("2026-12-04T24:00:00Z"), false),
            (Format::DateTime, json!("2016-12-31T23:59:60Z"), true),
            (Format::DateTime, json!("2016-12-31T22:59:60Z"), false),
            (Format::DateTime, json!("2016-12-31T15:59:60-08:00"), true),
            (Format::DateTime, json!("2026-12-04T16:49:00.Z"), false),
            (Format::Date, json!("2024-02-29"), true),
            (Format::Date, json!("2023-02-29"), false),
            (Format::Date, json!("1900-02-29"), false),
            (Format::Date, json!("2026-13-01"), false),
            (Format::Date, json!("2026-1-01"), false),
            (Format::Date, json!("２026-01-01"), false),
            (Format::Time, json!("08:30:00+05:30"), true),
            (Format::Time, json!("08:30:00+05:60"), false),
            (
                Format::Uuid,
                json!("123e4567-e89b-12d3-a456-426614174000"),
                true,
            ),
            (
                Format::Uuid,
                json!("123e4567e89b12d3a456426614174000"),
                false,
            ),
            (
                Format::Uuid,
                json!("123e4567-e89b-12d3-a456-42661417400g"),
                false,
            ),
            (Format::Email, json!("alice.smith+tag@example.com"), true),
            (Format::Email, json!("alice@[192.0.2.1]"), true),
            (Format::Email, json!("alice@@example.com"), false),
            (Format::Email, json!(".alice@example.com"), false),
            (Format::Email, json!("alice@-example.com"), false),
            (Format::Email, json!("al ice@example.com"), false),
            (Format::Email, json!("alice"), false),
            (Format::Uri, json!("https://example.com/a?b=c#d"), true),
            (Format::Uri, json!("urn:isbn:0451450523"), true),
            (Format::Uri, json!("/relative/path"), false),
            (Format::Uri, json!("https://exa mple.com"), false),
            (Format::Uri, json!("https://example.com/%zz"), false),
            (Format::Uri, json!("1http://example.com"), false),
            (Format::Ipv4, json!("192.0.2.1"), true),
            (Format::Ipv4, json!("192.0.2.01"), false),
            (Format::Ipv6, json!("2001:db8::1"), true),
            (Format::Ipv6, json!("2001:db8::g"), false),
            (Format::Int32, json!(2147483647), true),
            (Format::Int32, json!(2147483648_u64), false),
            (Format::Int32, json!(-5.0), true),
            (Format::Int64, json!(9223372036854775808_u64), false),
            (Format::Int64, json!(1.5), false),
            (Format::Uuid, json!(42), true),
        ];
        for (format, value, expected) in cases {
            assert_eq!(
                format.accepts(&value),
                expected,
                "{} {value}",
                format.name()
            );
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_not_asserted() {
        for name in [
            "date-time",
            "date",
            "time",
            "uuid",
            "email",
            "uri",
            "ipv4",
            "ipv6",
            "int32",
            "int64",
        ] {
            assert_eq!(Format::named(name).map(Format::name), Some(name));
        }
        assert_eq!(Format::named("hostname-ish"), None);
        assert_eq!(Format::named("binary"), None);
    }
}
