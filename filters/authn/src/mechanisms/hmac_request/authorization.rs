//! The parameters of `Authorization: Palisade-HMAC-SHA256 <parameters>`.
//!
//! Exactly five parameters, each once, in any order, separated by a comma and optional spaces:
//! `keyId`, `signedHeaders` (lowercase names joined by `;`), `timestamp` (Unix seconds),
//! `nonce` (16 to 64 base64url characters) and `signature` (base64url of the 32-byte MAC,
//! no padding). Values are written bare, never quoted. Anything else is malformed.

use super::config::is_valid_key_id;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The authentication scheme.
pub const SCHEME: &str = "Palisade-HMAC-SHA256";
/// Longest parameter list read.
const MAX_PARAMETERS_BYTES: usize = 2048;
/// Most headers one signature may cover.
const MAX_SIGNED_HEADERS: usize = 32;

/// The parsed parameters; the signature is the decoded MAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameters<'a> {
    pub key_id: &'a str,
    /// The list as sent (it is part of the signed text).
    pub signed_headers_list: &'a str,
    pub signed_headers: Vec<&'a str>,
    /// The timestamp as sent (it is part of the signed text).
    pub timestamp_text: &'a str,
    pub timestamp: u64,
    pub nonce: &'a str,
    pub signature: [u8; 32],
}

/// Why the parameters were not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterError {
    Malformed,
    /// A header named twice in `signedHeaders`.
    DuplicateSignedHeader,
}

impl ParameterError {
    /// The refusal this error leads to.
    pub fn refusal(self) -> super::refusal::SignatureRefusal {
        match self {
            ParameterError::Malformed => super::refusal::SignatureRefusal::Malformed,
            ParameterError::DuplicateSignedHeader => {
                super::refusal::SignatureRefusal::DuplicateSignedHeader
            }
        }
    }
}

/// Parses the text after the scheme name.
pub fn parse(text: &str) -> Result<Parameters<'_>, ParameterError> {
    if text.len() > MAX_PARAMETERS_BYTES {
        return Err(ParameterError::Malformed);
    }
    let mut values: [Option<&str>; 5] = [None; 5];
    for parameter in text.split(',') {
        let (name, value) = parameter
            .trim_matches(' ')
            .split_once('=')
            .ok_or(ParameterError::Malformed)?;
        let slot = ["keyId", "signedHeaders", "timestamp", "nonce", "signature"]
            .iter()
            .position(|known| *known == name)
            .and_then(|index| values.get_mut(index))
            .ok_or(ParameterError::Malformed)?;
        if slot.is_some() || value.is_empty() {
            return Err(ParameterError::Malformed);
        }
        *slot = Some(value);
    }
    let [Some(key_id), Some(list), Some(timestamp_text), Some(nonce), Some(signature)] = values
    else {
        return Err(ParameterError::Malformed);
    };
    Ok(Parameters {
        key_id: Some(key_id)
            .filter(|id| is_valid_key_id(id))
            .ok_or(ParameterError::Malformed)?,
        signed_headers_list: list,
        signed_headers: signed_headers(list)?,
        timestamp_text,
        timestamp: timestamp(timestamp_text).ok_or(ParameterError::Malformed)?,
        nonce: Some(nonce)
            .filter(|n| is_valid_nonce(n))
            .ok_or(ParameterError::Malformed)?,
        signature: decode_signature(signature).ok_or(ParameterError::Malformed)?,
    })
}

fn signed_headers(list: &str) -> Result<Vec<&str>, ParameterError> {
    let names: Vec<&str> = list.split(';').collect();
    let token = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    let well_formed = names.len() <= MAX_SIGNED_HEADERS
        && names
            .iter()
            .all(|name| !name.is_empty() && name.bytes().all(token) && *name != "authorization");
    if !well_formed {
        return Err(ParameterError::Malformed);
    }
    for (index, name) in names.iter().enumerate() {
        if names
            .get(..index)
            .is_some_and(|before| before.contains(name))
        {
            return Err(ParameterError::DuplicateSignedHeader);
        }
    }
    Ok(names)
}

fn timestamp(text: &str) -> Option<u64> {
    let digits = (1..=12).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| text.parse().ok()).flatten()
}

fn is_valid_nonce(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn decode_signature(text: &str) -> Option<[u8; 32]> {
    if text.len() != 43 {
        return None;
    }
    URL_SAFE_NO_PAD.decode(text).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNATURE: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

    fn with(replace: (&str, &str)) -> String {
        let parameters = format!(
            "keyId=partner-a, signedHeaders=host;content-digest, timestamp=1800000000, \
             nonce=0123456789abcdef, signature={SIGNATURE}"
        );
        parameters.replace(replace.0, replace.1)
    }

    #[test]
    fn parses_the_five_parameters() {
        let text = with(("", ""));
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.key_id, "partner-a");
        assert_eq!(parsed.signed_headers, ["host", "content-digest"]);
        assert_eq!(parsed.signed_headers_list, "host;content-digest");
        assert_eq!(parsed.timestamp, 1_800_000_000);
        assert_eq!(parsed.nonce, "0123456789abcdef");
        assert_eq!(parsed.signature[31], 31);
        let reordered = "signature=".to_string()
            + SIGNATURE
            + ",nonce=0123456789abcdef,\
             timestamp=1,signedHeaders=content-digest,keyId=k";
        assert!(parse(&reordered).is_ok());
    }

    #[test]
    fn refuses_malformed_parameter_lists() {
        let cases = [
            ("keyId=partner-a", "keyId=\"partner-a\""),
            ("keyId=partner-a", "keyId=partner a"),
            ("keyId=partner-a", "keyid=partner-a"),
            ("keyId=partner-a, ", ""),
            ("keyId=partner-a", "keyId=partner-a, keyId=partner-b"),
            ("keyId=partner-a", "keyId=partner-a, extra=1"),
            ("keyId=partner-a", "keyId="),
            ("host;content-digest", "Host;content-digest"),
            ("host;content-digest", "host;;content-digest"),
            ("host;content-digest", "host;authorization"),
            ("1800000000", "-1"),
            ("1800000000", "1800000000.5"),
            ("1800000000", "1234567890123"),
            ("0123456789abcdef", "0123456789abcde"),
            ("0123456789abcdef", "0123456789abcde+"),
            (SIGNATURE, "AAEC"),
            (SIGNATURE, &format!("{SIGNATURE}=")),
            ("signature=", "signature=,"),
        ];
        for (from, to) in cases {
            let text = with((from, to));
            assert_eq!(parse(&text), Err(ParameterError::Malformed), "{text}");
        }
        assert_eq!(parse(&"a".repeat(3000)), Err(ParameterError::Malformed));
    }

    #[test]
    fn tells_a_duplicate_signed_header_apart() {
        let text = with(("host;content-digest", "host;content-digest;host"));
        assert_eq!(parse(&text), Err(ParameterError::DuplicateSignedHeader));
    }
}
