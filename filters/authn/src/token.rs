//! Reading a compact JWS access token, strictly and before anything is trusted.
//!
//! A token is exactly three base64url parts (no padding, no other alphabet) whose header and
//! claims are JSON objects read with the strict parser, so duplicate names refuse the token
//! instead of letting two readers disagree. Header members that would let the token choose its
//! own key (`jku`, `x5u`, `jwk`, `x5c`) or demand extensions (`crit`: the filter understands
//! none) refuse it as well, as do a `kid` that is not a short non-empty string and a `typ` that
//! is not a string.

use crate::jwks::MAX_KID_BYTES;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use palisade_shared::json::{self, JsonErrorKind, Limits};
use serde_json::{Map, Value};

/// Longest encoded header part accepted; real headers are well under 200 bytes.
pub const MAX_HEADER_BYTES: usize = 1024;
/// Header members that are never honoured, so their presence alone refuses the token.
const FORBIDDEN_HEADERS: [&str; 5] = ["jku", "x5u", "jwk", "x5c", "crit"];

/// Why a token could not be read; none of these says anything about its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    TooLarge,
    HeaderTooLarge,
    NotThreeParts,
    EmptySignature,
    BadBase64,
    BadJson,
    DuplicateName,
    NotAnObject,
    MissingAlg,
    BadKid,
    BadTyp,
    ForbiddenHeader(&'static str),
}

impl TokenError {
    /// A short, stable reason for decisions, metrics and debug logs.
    pub fn reason(self) -> &'static str {
        match self {
            TokenError::TooLarge => "token_too_large",
            TokenError::HeaderTooLarge => "header_too_large",
            TokenError::NotThreeParts => "not_compact_jws",
            TokenError::EmptySignature => "empty_signature",
            TokenError::BadBase64 => "bad_base64url",
            TokenError::BadJson => "bad_json",
            TokenError::DuplicateName => "duplicate_name",
            TokenError::NotAnObject => "not_an_object",
            TokenError::MissingAlg => "missing_alg",
            TokenError::BadKid => "bad_kid",
            TokenError::BadTyp => "bad_typ",
            TokenError::ForbiddenHeader(_) => "forbidden_header",
        }
    }
}

/// The protected header members the filter reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub alg: String,
    pub kid: Option<String>,
    /// The media type the token declares (`at+jwt` for RFC 9068 access tokens).
    pub typ: Option<String>,
}

/// A token split and decoded, its signature not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Jws<'t> {
    pub header: Header,
    pub claims: Map<String, Value>,
    /// `header.payload` exactly as received: the bytes the signature covers.
    pub signing_input: &'t [u8],
    pub signature: Vec<u8>,
}

/// Splits and decodes `token`, refusing anything longer than `max_bytes`.
pub fn parse(token: &str, max_bytes: usize) -> Result<Jws<'_>, TokenError> {
    if token.len() > max_bytes {
        return Err(TokenError::TooLarge);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::NotThreeParts);
    };
    if header.len() > MAX_HEADER_BYTES {
        return Err(TokenError::HeaderTooLarge);
    }
    if signature.is_empty() {
        return Err(TokenError::EmptySignature);
    }
    let signing_input = token
        .get(..header.len() + 1 + payload.len())
        .ok_or(TokenError::NotThreeParts)?;
    Ok(Jws {
        header: read_header(&object(header, &header_limits())?)?,
        claims: object(payload, &Limits::default())?,
        signing_input: signing_input.as_bytes(),
        signature: decode(signature)?,
    })
}

fn decode(part: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::BadBase64)
}

fn object(part: &str, limits: &Limits) -> Result<Map<String, Value>, TokenError> {
    let bytes = decode(part)?;
    match json::parse_strict(&bytes, limits) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(TokenError::NotAnObject),
        Err(err) if err.kind == JsonErrorKind::DuplicateKey => Err(TokenError::DuplicateName),
        Err(_) => Err(TokenError::BadJson),
    }
}

fn header_limits() -> Limits {
    Limits {
        max_depth: 4,
        max_object_entries: 16,
        max_array_items: 16,
        max_string_bytes: MAX_HEADER_BYTES,
    }
}

fn read_header(members: &Map<String, Value>) -> Result<Header, TokenError> {
    if let Some(name) = FORBIDDEN_HEADERS.iter().find(|n| members.contains_key(**n)) {
        return Err(TokenError::ForbiddenHeader(name));
    }
    let alg = match members.get("alg") {
        Some(Value::String(alg)) => alg.clone(),
        _ => return Err(TokenError::MissingAlg),
    };
    let kid = match members.get("kid") {
        None => None,
        Some(Value::String(kid)) if !kid.is_empty() && kid.len() <= MAX_KID_BYTES => {
            Some(kid.clone())
        }
        Some(_) => return Err(TokenError::BadKid),
    };
    let typ = match members.get("typ") {
        None => None,
        Some(Value::String(typ)) => Some(typ.clone()),
        Some(_) => return Err(TokenError::BadTyp),
    };
    Ok(Header { alg, kid, typ })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> String {
        URL_SAFE_NO_PAD.encode(text)
    }

    fn token(header: &str, claims: &str) -> String {
        format!("{}.{}.c2ln", b64(header), b64(claims))
    }

    #[test]
    fn reads_header_claims_and_the_exact_signing_input() {
        let text = token(
            r#"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#,
            r#"{"sub":"a"}"#,
        );
        let jws = parse(&text, 8192).unwrap();
        assert_eq!(jws.header.alg, "ES256");
        assert_eq!(jws.header.kid.as_deref(), Some("k1"));
        assert_eq!(jws.claims["sub"], "a");
        assert_eq!(jws.signature, b"sig");
        let dot = text.rfind('.').unwrap();
        assert_eq!(jws.signing_input, &text.as_bytes()[..dot]);
    }

    #[test]
    fn refuses_malformed_tokens() {
        let good_header = b64(r#"{"alg":"RS256"}"#);
        let good_claims = b64(r#"{"sub":"a"}"#);
        let cases: Vec<(String, TokenError)> = vec![
            ("abc".into(), TokenError::NotThreeParts),
            (
                format!("{good_header}.{good_claims}"),
                TokenError::NotThreeParts,
            ),
            (
                format!("{good_header}.{good_claims}.c2ln.x"),
                TokenError::NotThreeParts,
            ),
            (
                format!("{good_header}.{good_claims}."),
                TokenError::EmptySignature,
            ),
            (
                format!("{good_header}=.{good_claims}.c2ln"),
                TokenError::BadBase64,
            ),
            (
                format!("{good_header}.{good_claims}.c2ln="),
                TokenError::BadBase64,
            ),
            (
                format!("{good_header}.{good_claims}.c2+n"),
                TokenError::BadBase64,
            ),
            (
                format!("{good_header}.{good_claims}.c2/n"),
                TokenError::BadBase64,
            ),
            // "c2m" leaves non-zero trailing bits: not the canonical encoding of any bytes.
            (
                format!("{good_header}.{good_claims}.c2m"),
                TokenError::BadBase64,
            ),
            (
                format!("{}.{good_claims}.c2ln", b64("{")),
                TokenError::BadJson,
            ),
            (
                format!("{good_header}.{}.c2ln", b64("[1]")),
                TokenError::NotAnObject,
            ),
            (
                format!("{good_header}.{}.c2ln", b64("\"sub\"")),
                TokenError::NotAnObject,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(&text, 8192).err(), Some(expected), "{text}");
        }
    }

    #[test]
    fn refuses_duplicate_names_in_header_and_claims() {
        let duplicate_claim = token(r#"{"alg":"RS256"}"#, r#"{"sub":"a","sub":"b"}"#);
        assert_eq!(
            parse(&duplicate_claim, 8192).err(),
            Some(TokenError::DuplicateName)
        );
        let duplicate_alg = token(r#"{"alg":"RS256","alg":"none"}"#, r#"{"sub":"a"}"#);
        assert_eq!(
            parse(&duplicate_alg, 8192).err(),
            Some(TokenError::DuplicateName)
        );
    }

    #[test]
    fn refuses_headers_that_name_keys_or_critical_extensions() {
        let cases = [
            (r#"{"alg":"RS256","jku":"http://evil/jwks"}"#, "jku"),
            (r#"{"alg":"RS256","x5u":"http://evil/cert"}"#, "x5u"),
            (r#"{"alg":"ES256","jwk":{"kty":"EC"}}"#, "jwk"),
            (r#"{"alg":"RS256","x5c":["MIIB"]}"#, "x5c"),
            (r#"{"alg":"RS256","crit":["exp"],"exp":1}"#, "crit"),
        ];
        for (header, name) in cases {
            let text = token(header, r#"{"sub":"a"}"#);
            assert_eq!(
                parse(&text, 8192).err(),
                Some(TokenError::ForbiddenHeader(name))
            );
        }
    }

    #[test]
    fn refuses_missing_or_non_string_alg_and_kid() {
        let cases = [
            (r#"{"kid":"k1"}"#, TokenError::MissingAlg),
            (r#"{"alg":null}"#, TokenError::MissingAlg),
            (r#"{"alg":["RS256"]}"#, TokenError::MissingAlg),
            (r#"{"alg":"RS256","kid":7}"#, TokenError::BadKid),
            (r#"{"alg":"RS256","kid":null}"#, TokenError::BadKid),
            (r#"{"alg":"RS256","kid":""}"#, TokenError::BadKid),
            (r#"{"alg":"RS256","kid":["a"]}"#, TokenError::BadKid),
            (r#"{"alg":"RS256","typ":1}"#, TokenError::BadTyp),
        ];
        for (header, expected) in cases {
            let text = token(header, r#"{"sub":"a"}"#);
            assert_eq!(parse(&text, 8192).err(), Some(expected), "{header}");
        }
    }

    #[test]
    fn refuses_oversized_tokens_and_headers() {
        let claims = format!(r#"{{"pad":"{}"}}"#, "x".repeat(9000));
        let text = token(r#"{"alg":"RS256"}"#, &claims);
        assert_eq!(parse(&text, 8192).err(), Some(TokenError::TooLarge));
        assert!(parse(&text, 16384).is_ok());
        let header = format!(r#"{{"alg":"RS256","pad":"{}"}}"#, "x".repeat(800));
        let text = token(&header, r#"{"sub":"a"}"#);
        assert_eq!(parse(&text, 8192).err(), Some(TokenError::HeaderTooLarge));
    }
}

#[cfg(test)]
#[path = "token_fuzz_tests.rs"]
mod fuzz;
