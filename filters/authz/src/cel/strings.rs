//! String and bytes literals: quotes, raw and triple-quoted forms, escapes.

use super::error::CompileErrorKind;
use super::lexer::Token;

type LexResult<T> = Result<T, (usize, CompileErrorKind)>;

/// Reads one literal from `rest`, which starts at its opening quote. Returns the token and the
/// number of bytes used; errors carry their offset within `rest`.
pub(crate) fn literal(rest: &str, raw: bool, bytes: bool) -> LexResult<(Token<'static>, usize)> {
    let b = rest.as_bytes();
    let quote = b.first().copied().unwrap_or(b'"');
    let triple = b.get(1) == Some(&quote) && b.get(2) == Some(&quote);
    let mut i = if triple { 3 } else { 1 };
    let mut out = Vec::new();
    loop {
        let Some(&c) = b.get(i) else {
            return Err((i, CompileErrorKind::UnterminatedString));
        };
        if c == quote && (!triple || (b.get(i + 1) == Some(&quote) && b.get(i + 2) == Some(&quote)))
        {
            i += if triple { 3 } else { 1 };
            break;
        }
        if !triple && (c == b'\n' || c == b'\r') {
            return Err((i, CompileErrorKind::UnterminatedString));
        }
        if c == b'\\' && !raw {
            i = escape(b, i + 1, bytes, &mut out)?;
        } else {
            out.push(c);
            i += 1;
        }
    }
    let token = if bytes {
        Token::Bytes(out)
    } else {
        // Unescaped bytes come from a `&str` and escapes push whole characters, so this holds.
        Token::Str(String::from_utf8(out).map_err(|_| (i, CompileErrorKind::InvalidEscape))?)
    };
    Ok((token, i))
}

/// Decodes the escape whose letter is at `i` (just after the backslash); returns the index after.
fn escape(b: &[u8], i: usize, bytes: bool, out: &mut Vec<u8>) -> LexResult<usize> {
    let Some(&c) = b.get(i) else {
        return Err((i, CompileErrorKind::UnterminatedString));
    };
    if let Some(simple) = simple_escape(c) {
        out.push(simple);
        return Ok(i + 1);
    }
    let (code, next) = match c {
        b'x' | b'X' => (digits(b, i + 1, 2, 16)?, i + 3),
        b'u' if !bytes => (digits(b, i + 1, 4, 16)?, i + 5),
        b'U' if !bytes => (digits(b, i + 1, 8, 16)?, i + 9),
        b'0'..=b'3' => (digits(b, i, 3, 8)?, i + 3),
        _ => return Err((i, CompileErrorKind::InvalidEscape)),
    };
    if bytes {
        // Hex and octal escapes are at most 0xff, so the value is one byte.
        let byte = u8::try_from(code).map_err(|_| (i, CompileErrorKind::InvalidEscape))?;
        out.push(byte);
    } else {
        let ch = char::from_u32(code).ok_or((i, CompileErrorKind::InvalidEscape))?;
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    Ok(next)
}

fn simple_escape(c: u8) -> Option<u8> {
    Some(match c {
        b'a' => 0x07,
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'v' => 0x0b,
        b'\\' | b'\'' | b'"' | b'`' | b'?' => c,
        _ => return None,
    })
}

/// Reads exactly `count` digits of `radix` starting at `start`.
fn digits(b: &[u8], start: usize, count: usize, radix: u32) -> LexResult<u32> {
    let mut value: u32 = 0;
    for i in start..start + count {
        let digit = b
            .get(i)
            .and_then(|&c| char::from(c).to_digit(radix))
            .ok_or((i, CompileErrorKind::InvalidEscape))?;
        value = value
            .checked_mul(radix)
            .and_then(|v| v.checked_add(digit))
            .ok_or((i, CompileErrorKind::InvalidEscape))?;
    }
    Ok(value)
}
