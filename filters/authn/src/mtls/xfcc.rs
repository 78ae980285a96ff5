//! The `x-forwarded-client-cert` header (XFCC) as Envoy and compatible proxies write it, read
//! strictly.
//!
//! Elements are separated by `,`, their `key=value` pairs by `;`. A value holding `,`, `;`, `=`
//! or `"` is double-quoted; inside quotes a backslash takes the next character literally (the
//! backslash is kept, as in the RFC 2253 subjects Envoy copies in unchanged). Keys are matched
//! case-insensitively and must be one of `By`, `Hash`, `Cert`, `Chain`, `Subject`, `URI`, `DNS`;
//! only `URI` and `DNS` may repeat within an element. No whitespace is allowed outside quotes,
//! `Hash` must be 64 hex digits, and every bare value visible ASCII. Anything else refuses the
//! whole header: a proxy that writes it differently is not understood, and not guessed at.

/// Longest header accepted (a `Cert` or `Chain` value makes it long).
pub const MAX_XFCC_BYTES: usize = 16 * 1024;
/// Most elements (hops) accepted.
const MAX_ELEMENTS: usize = 16;

/// Why the header could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XfccError {
    TooLarge,
    Malformed,
}

/// One element: what one proxy said about the client certificate it saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The URI SAN of the certificate the proxy itself presented to that client.
    pub by: Option<String>,
    /// SHA-256 of the client certificate (DER).
    pub hash: Option<[u8; 32]>,
    pub subject: Option<String>,
    /// Every non-empty URI SAN of the client certificate.
    pub uris: Vec<String>,
    pub dns: Vec<String>,
    /// Whether `Cert` and `Chain` were given (their values are not kept: only the hash is used).
    has_cert: bool,
    has_chain: bool,
}

/// Reads every element of the header value, in order.
pub fn parse(value: &str) -> Result<Vec<Element>, XfccError> {
    if value.len() > MAX_XFCC_BYTES {
        return Err(XfccError::TooLarge);
    }
    let mut elements = Vec::new();
    let mut rest = value;
    loop {
        let mut element = Element::default();
        loop {
            let (key, value, after) = pair(rest)?;
            element.set(key, value)?;
            match after.strip_prefix(';') {
                Some(next) => rest = next,
                None => {
                    rest = after;
                    break;
                }
            }
        }
        elements.push(element);
        if elements.len() > MAX_ELEMENTS {
            return Err(XfccError::Malformed);
        }
        match rest.strip_prefix(',') {
            Some(next) => rest = next,
            None if rest.is_empty() => return Ok(elements),
            None => return Err(XfccError::Malformed),
        }
    }
}

/// One `key=value` pair at the start of `input`, and what follows it.
fn pair(input: &str) -> Result<(&str, &str, &str), XfccError> {
    let (key, rest) = input.split_once('=').ok_or(XfccError::Malformed)?;
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(XfccError::Malformed);
    }
    let (value, after) = match rest.strip_prefix('"') {
        Some(quoted) => {
            let end = closing_quote(quoted).ok_or(XfccError::Malformed)?;
            let (value, after) = quoted.split_at_checked(end).ok_or(XfccError::Malformed)?;
            (value, after.strip_prefix('"').ok_or(XfccError::Malformed)?)
        }
        None => {
            let end = rest.find([',', ';']).unwrap_or(rest.len());
            let (value, after) = rest.split_at_checked(end).ok_or(XfccError::Malformed)?;
            if !value
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'=')
            {
                return Err(XfccError::Malformed);
            }
            (value, after)
        }
    };
    if !(after.is_empty() || after.starts_with([',', ';'])) {
        return Err(XfccError::Malformed);
    }
    Ok((key, value, after))
}

/// Byte offset of the quote that closes a quoted value; a backslash escapes the next character.
fn closing_quote(quoted: &str) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in quoted.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(at),
            c if c.is_control() => return None,
            _ => {}
        }
    }
    None
}

impl Element {
    fn set(&mut self, key: &str, value: &str) -> Result<(), XfccError> {
        let once = |slot: &mut Option<String>| match slot {
            Some(_) => Err(XfccError::Malformed),
            None => {
                *slot = Some(value.to_string());
                Ok(())
            }
        };
        match key.to_ascii_lowercase().as_str() {
            "by" => once(&mut self.by),
            "subject" => once(&mut self.subject),
            "cert" if !self.has_cert => {
                self.has_cert = true;
                Ok(())
            }
            "chain" if !self.has_chain => {
                self.has_chain = true;
                Ok(())
            }
            "hash" if self.hash.is_none() => {
                self.hash = Some(hex32(value).ok_or(XfccError::Malformed)?);
                Ok(())
            }
            "uri" => {
                if !value.is_empty() {
                    self.uris.push(value.to_string());
                }
                Ok(())
            }
            "dns" => {
                self.dns.push(value.to_string());
                Ok(())
            }
            _ => Err(XfccError::Malformed),
        }
    }
}

/// 64 hex digits (either case) as 32 bytes.
pub fn hex32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        let digits = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(digits, 16).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
#[path = "xfcc_tests.rs"]
mod tests;
