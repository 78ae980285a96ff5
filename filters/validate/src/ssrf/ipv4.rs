//! IPv4 hosts the way WHATWG's URL parser reads them: one to four parts, each decimal, octal
//! (leading `0`) or hexadecimal (`0x`), the last filling the remaining bytes.

use std::net::Ipv4Addr;

/// Whether WHATWG reads the host as an IPv4 address: its last label (after one trailing dot
/// is dropped) is decimal digits, or `0x` followed by hexadecimal digits.
pub fn looks_numeric(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or_default();
    if last.is_empty() {
        return false;
    }
    match last.strip_prefix("0x").or_else(|| last.strip_prefix("0X")) {
        Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => last.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// The address a numeric host denotes; `None` where WHATWG fails the URL.
pub fn parse_numeric(host: &str) -> Option<Ipv4Addr> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let numbers: Vec<u64> = host.split('.').map(part).collect::<Option<_>>()?;
    if numbers.is_empty() || numbers.len() > 4 {
        return None;
    }
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|n| *n > 255) {
        return None;
    }
    let room = 8 * (5 - numbers.len() as u32);
    if *last >= 1u64 << room {
        return None;
    }
    let mut value = *last;
    for (i, n) in init.iter().enumerate() {
        value += n << (8 * (3 - i as u32));
    }
    u32::try_from(value).ok().map(Ipv4Addr::from)
}

/// One part: `0x` hexadecimal (empty is 0), `0`-led octal, else decimal.
fn part(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some("") => return Some(0),
        Some(hex) => (hex, 16),
        None if text.len() > 1 && text.starts_with('0') => (text.get(1..)?, 8),
        None => (text, 10),
    };
    // Longer numbers overflow every part's room anyway; refusing them bounds the arithmetic.
    if digits.len() > 20 || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}
