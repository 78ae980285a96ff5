//! The bearer token of a request (RFC 6750 §2.1), read from its `Authorization` headers.
//!
//! Exactly one `Authorization` header is allowed; its scheme is matched case-insensitively and
//! the token must be a `b64token`. Anything else is a malformed request, refused before the
//! token is looked at.

use crate::refusal::Refusal;

pub mod sources;

/// What the request offers as credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    Absent,
    Bearer(&'a str),
    /// `Authorization: DPoP <token>` (RFC 9449; the proof is checked in `binding`).
    Dpop(&'a str),
    /// `Authorization: ApiKey <key>` (the key unchecked; see `mechanisms::apikey`).
    ApiKey(&'a str),
    /// `Authorization: Palisade-HMAC-SHA256 <parameters>` (unparsed; see
    /// `mechanisms::hmac_request`).
    Signed(&'a str),
    /// An `Authorization` header with a scheme this filter does not verify (e.g. `Basic`).
    OtherScheme,
}

/// Reads the credential from every `Authorization` value of the request.
pub fn read<'a>(values: &[&'a str]) -> Result<Credential<'a>, Refusal> {
    let value = match values {
        [] => return Ok(Credential::Absent),
        [value] => *value,
        _ => return Err(Refusal::InvalidRequest("repeated_authorization")),
    };
    // The signature scheme's parameters are a comma-separated list: read before the comma test.
    if let Some((scheme, parameters)) = value.split_once(' ') {
        if scheme.eq_ignore_ascii_case(crate::mechanisms::hmac_request::authorization::SCHEME) {
            return Ok(Credential::Signed(parameters));
        }
    }
    // A comma cannot occur in a b64token: Envoy joined two headers, or the value lists two.
    if value.contains(',') {
        return Err(Refusal::InvalidRequest("repeated_authorization"));
    }
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case(crate::mechanisms::apikey::refusal::SCHEME) {
        return Ok(Credential::ApiKey(rest.trim_matches(' ')));
    }
    let dpop = scheme.eq_ignore_ascii_case("dpop");
    if !scheme.eq_ignore_ascii_case("bearer") && !dpop {
        return Ok(Credential::OtherScheme);
    }
    let token = rest.trim_start_matches(' ');
    if !is_b64token(token) {
        return Err(Refusal::InvalidRequest("malformed_authorization"));
    }
    match dpop {
        true => Ok(Credential::Dpop(token)),
        false => Ok(Credential::Bearer(token)),
    }
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
pub(crate) fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    // A match per byte, not a search of the punctuation list: this runs over every token of
    // every request.
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_bearer_token_in_any_scheme_case() {
        assert_eq!(read(&[]), Ok(Credential::Absent));
        assert_eq!(
            read(&["Bearer abc.def.ghi"]),
            Ok(Credential::Bearer("abc.def.ghi"))
        );
        assert_eq!(read(&["bearer  abc"]), Ok(Credential::Bearer("abc")));
        assert_eq!(read(&["BEARER abc=="]), Ok(Credential::Bearer("abc==")));
    }

    #[test]
    fn tells_other_schemes_apart() {
        assert_eq!(read(&["Basic dXNlcjpwdw=="]), Ok(Credential::OtherScheme));
        assert_eq!(read(&["Bearerabc"]), Ok(Credential::OtherScheme));
        assert_eq!(read(&["DPoP abc"]), Ok(Credential::Dpop("abc")));
        assert_eq!(read(&["dpop  a.b.c"]), Ok(Credential::Dpop("a.b.c")));
        assert!(read(&["DPoP a b"]).is_err());
    }

    #[test]
    fn reads_the_api_key_and_signature_schemes() {
        assert_eq!(read(&["ApiKey pk_x"]), Ok(Credential::ApiKey("pk_x")));
        assert_eq!(read(&["apikey  pk_x"]), Ok(Credential::ApiKey("pk_x")));
        let signed = "palisade-hmac-sha256 keyId=k, nonce=n";
        assert_eq!(read(&[signed]), Ok(Credential::Signed("keyId=k, nonce=n")));
        let joined = Err(Refusal::InvalidRequest("repeated_authorization"));
        assert_eq!(read(&["ApiKey a,ApiKey b"]), joined);
    }

    #[test]
    fn the_token_alphabet_is_exactly_rfc_6750s() {
        for byte in 0..=255u8 {
            let listed = byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte);
            let token = format!("a{}", char::from(byte));
            // Non-ASCII bytes cannot stand alone in a &str: they are never token bytes.
            if byte.is_ascii() {
                assert_eq!(is_b64token(&token), listed || byte == b'=', "{byte:#04x}");
            } else {
                assert!(!listed);
            }
        }
        assert!(is_b64token("a=="));
        assert!(!is_b64token("=a"));
        assert!(!is_b64token("é"));
    }

    #[test]
    fn refuses_repeated_or_malformed_authorization() {
        let cases: [&[&str]; 8] = [
            &["Bearer a", "Bearer b"],
            &["Bearer a,Bearer b"],
            &["Bearer"],
            &["Bearer "],
            &["Bearer a b"],
            &["Bearer a\tb"],
            &["Bearer ==="],
            &["Bearer a=b"],
        ];
        for values in cases {
            assert!(
                matches!(read(values), Err(Refusal::InvalidRequest(_))),
                "{values:?}"
            );
        }
    }
}
